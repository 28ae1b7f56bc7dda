# daemon/transport.mk: the agent protocol.  lib/proto.c goes into libstrata;
# the agent's push and spool and the aggregator's ingest go into the
# convenience library daemon/libtransport.la, which strata-agent and
# strata-aggregator link as $(TRANSPORT_LIBS).
lib_libstrata_la_SOURCES += lib/proto.c lib/proto.h

noinst_LTLIBRARIES += daemon/libtransport.la
daemon_libtransport_la_SOURCES = \
	daemon/push.c daemon/push.h \
	daemon/spool.c daemon/spool.h \
	daemon/ingest.c daemon/ingest.h
daemon_libtransport_la_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(JSON_C_CFLAGS)
TRANSPORT_LIBS = daemon/libtransport.la $(STRATA_LIBS) $(LIBEVENT_LIBS)

check_PROGRAMS += tests/unit/test_proto tests/unit/test_spool \
	tests/unit/test_link tests/unit/bench_link
TESTS += tests/unit/test_proto tests/unit/test_spool tests/unit/test_link
tests_unit_test_proto_SOURCES = tests/unit/test_proto.c
tests_unit_test_proto_CFLAGS = $(AM_CFLAGS) $(JSON_C_CFLAGS)
tests_unit_test_proto_LDADD = $(STRATA_LIBS)
tests_unit_test_spool_SOURCES = tests/unit/test_spool.c
tests_unit_test_spool_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/daemon
tests_unit_test_spool_CFLAGS = $(AM_CFLAGS) $(JSON_C_CFLAGS)
tests_unit_test_spool_LDADD = $(TRANSPORT_LIBS)
tests_unit_test_link_SOURCES = tests/unit/test_link.c
tests_unit_test_link_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/daemon
tests_unit_test_link_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(JSON_C_CFLAGS)
tests_unit_test_link_LDADD = $(TRANSPORT_LIBS)
# Not a test: `tests/unit/bench_link [records] [bytes]` measures push->ingest.
tests_unit_bench_link_SOURCES = tests/unit/bench_link.c
tests_unit_bench_link_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/daemon
tests_unit_bench_link_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(JSON_C_CFLAGS)
tests_unit_bench_link_LDADD = $(TRANSPORT_LIBS)

dist_doc_DATA += docs/protocol.md
