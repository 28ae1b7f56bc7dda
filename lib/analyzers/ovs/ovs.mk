# lib/analyzers/ovs/: the ovs analyzer (ovs:* events in: Open vSwitch's
# datapath components, upcalls, flows, reconfigurations and port map;
# ovs_latency, ovs_flows, ovs_handlers, ovs_port and alert records out).
noinst_LTLIBRARIES += lib/analyzers/ovs/libovs.la
lib_analyzers_ovs_libovs_la_SOURCES = lib/analyzers/ovs/ovs.c
lib_analyzers_ovs_libovs_la_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_srcdir)/lib/analyzers/oslo
lib_analyzers_ovs_libovs_la_CFLAGS = $(AM_CFLAGS) $(JSON_C_CFLAGS)
ANALYZER_LIBS += lib/analyzers/ovs/libovs.la
