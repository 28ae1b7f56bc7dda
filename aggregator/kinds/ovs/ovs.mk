# aggregator/kinds/ovs/: the ovs kind (kind.c registers it): Open vSwitch
# latency histograms per node, bridge and port, flow and upcall rates,
# handler batches, the port map, `ovs locate` and the VM-to-VM latency
# from sampled packets (ovs_vm2vm.c).
noinst_LTLIBRARIES += aggregator/kinds/ovs/libkind_ovs.la
aggregator_kinds_ovs_libkind_ovs_la_SOURCES = \
	aggregator/kinds/ovs/kind.c \
	aggregator/kinds/ovs/ovs_store.h \
	aggregator/kinds/ovs/ovs_query.c \
	aggregator/kinds/ovs/ovs_vm2vm.c \
	aggregator/kinds/ovs/cmd_ovs.c
aggregator_kinds_ovs_libkind_ovs_la_CPPFLAGS = $(APP_KIND_CPPFLAGS) \
	-I$(top_srcdir)/aggregator/kinds/port
aggregator_kinds_ovs_libkind_ovs_la_CFLAGS = $(AM_CFLAGS) \
	$(JSON_C_CFLAGS) $(SQLITE3_CFLAGS) $(LIBEVENT_CFLAGS)
KIND_LIBS += aggregator/kinds/ovs/libkind_ovs.la

# Its stratactl formatters (fmt_ovs.c) are compiled into stratactl
# (clients/clients.mk).
