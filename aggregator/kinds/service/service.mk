# aggregator/kinds/service/: the service kind (kind.c registers it):
# per service and operation counts and latency percentiles.
noinst_LTLIBRARIES += aggregator/kinds/service/libkind_service.la
aggregator_kinds_service_libkind_service_la_SOURCES = \
	aggregator/kinds/service/kind.c \
	aggregator/kinds/service/svc_store.h \
	aggregator/kinds/service/cmd_services.c
aggregator_kinds_service_libkind_service_la_CPPFLAGS = $(APP_KIND_CPPFLAGS)
aggregator_kinds_service_libkind_service_la_CFLAGS = $(AM_CFLAGS) \
	$(JSON_C_CFLAGS) $(SQLITE3_CFLAGS) $(LIBEVENT_CFLAGS)
KIND_LIBS += aggregator/kinds/service/libkind_service.la

# Its stratactl formatter (fmt_service.c) is compiled into stratactl
# (clients/clients.mk).

# Its web view (kind.c, .web): pages and script served as /kinds/service/.
webkindservicedir = $(webdir)/kinds/service
dist_webkindservice_DATA = aggregator/kinds/service/web/services.html \
	aggregator/kinds/service/web/service.js
