# daemon/store.mk: the aggregator's SQLite store and cross-node correlation
# (daemon/libstore.la), its unit test and its benchmark.
noinst_LTLIBRARIES += daemon/libstore.la
daemon_libstore_la_SOURCES = \
	daemon/store.h daemon/store_int.h \
	daemon/store.c daemon/store_query.c \
	daemon/store_correlate.c daemon/store_schema.c
daemon_libstore_la_CFLAGS = $(AM_CFLAGS) $(SQLITE3_CFLAGS) $(JSON_C_CFLAGS)
daemon_libstore_la_LIBADD = $(SQLITE3_LIBS) $(JSON_C_LIBS) -lm

STORE_LIBS = daemon/libstore.la $(STRATA_LIBS) $(SQLITE3_LIBS)

check_PROGRAMS += tests/unit/test_store
TESTS += tests/unit/test_store
tests_unit_test_store_SOURCES = tests/unit/test_store.c
tests_unit_test_store_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/daemon
tests_unit_test_store_CFLAGS = $(AM_CFLAGS) $(SQLITE3_CFLAGS) $(JSON_C_CFLAGS)
tests_unit_test_store_LDADD = $(STORE_LIBS)

# Not a test: `tests/bench/bench_store` prints ingest and query numbers.
check_PROGRAMS += tests/bench/bench_store
tests_bench_bench_store_SOURCES = tests/bench/bench_store.c
tests_bench_bench_store_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/daemon
tests_bench_bench_store_CFLAGS = $(AM_CFLAGS) $(SQLITE3_CFLAGS) $(JSON_C_CFLAGS)
tests_bench_bench_store_LDADD = $(STORE_LIBS)

EXTRA_DIST += docs/store.md
