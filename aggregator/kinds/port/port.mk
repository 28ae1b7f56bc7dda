# aggregator/kinds/port/: the port kind (kind.c registers it): Neutron
# ports, networks, subnets and routers.
noinst_LTLIBRARIES += aggregator/kinds/port/libkind_port.la
aggregator_kinds_port_libkind_port_la_SOURCES = \
	aggregator/kinds/port/kind.c \
	aggregator/kinds/port/port_store.h \
	aggregator/kinds/port/cmd_ports.c
aggregator_kinds_port_libkind_port_la_CPPFLAGS = $(APP_KIND_CPPFLAGS)
aggregator_kinds_port_libkind_port_la_CFLAGS = $(AM_CFLAGS) \
	$(JSON_C_CFLAGS) $(SQLITE3_CFLAGS) $(LIBEVENT_CFLAGS)
KIND_LIBS += aggregator/kinds/port/libkind_port.la

# Its stratactl formatters (fmt_port.c) are compiled into stratactl
# (clients/clients.mk).

# Its web view (kind.c, .web): pages and script served as /kinds/port/.
webkindportdir = $(webdir)/kinds/port
dist_webkindport_DATA = aggregator/kinds/port/web/ports.html \
	aggregator/kinds/port/web/port.js
