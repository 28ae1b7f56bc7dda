# tests/bench/bench.mk: the benchmarks; none of them runs under `make check`.
#   make bench             tests/bench/run.sh: strata-agent against
#                          babeltrace2's decode floor on a recorded trace
#                          of >= 5 million events, then the aggregator
#                          benchmark below
#   make bench-aggregator  tests/bench/aggregator.sh only: ingest rate of
#                          1, 4 and 16 simulated agents (bench_ingest)
#                          against a real strata-aggregator and its SQLite
#                          store; control query latency over 1 M rounds;
#                          1,000 agents on one aggregator
#   make bench-idle        tests/bench/idle.sh only: the agent's CPU on a
#                          live session where nothing happens
# docs/performance.md has the numbers and how to reproduce them.
EXTRA_DIST += tests/bench/run.sh tests/bench/aggregator.sh \
	tests/bench/ctl_latency.py tests/bench/idle.sh tests/bench/bench-lib.sh

# The load generator: simulated agents through the agent's own push code.
noinst_PROGRAMS += tests/bench/bench_ingest
tests_bench_bench_ingest_SOURCES = tests/bench/bench_ingest.c
tests_bench_bench_ingest_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/agent
tests_bench_bench_ingest_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(JSON_C_CFLAGS)
tests_bench_bench_ingest_LDADD = $(AGENT_LIBS)

# The floor under ingest: the same records by a raw SQLite insert loop.
noinst_PROGRAMS += tests/bench/bench_floor
tests_bench_bench_floor_SOURCES = tests/bench/bench_floor.c
tests_bench_bench_floor_CFLAGS = $(AM_CFLAGS) $(SQLITE3_CFLAGS) $(JSON_C_CFLAGS)
tests_bench_bench_floor_LDADD = $(SQLITE3_LIBS) $(JSON_C_LIBS)

# `tests/bench/bench_store` prints the store's ingest and query numbers.
noinst_PROGRAMS += tests/bench/bench_store
tests_bench_bench_store_SOURCES = tests/bench/bench_store.c
tests_bench_bench_store_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/aggregator/store \
	-I$(top_srcdir)/aggregator/kinds/migration
tests_bench_bench_store_CFLAGS = $(AM_CFLAGS) $(SQLITE3_CFLAGS) $(JSON_C_CFLAGS)
tests_bench_bench_store_LDADD = $(STORE_LIBS)

# `tests/bench/bench_link [records] [bytes]` measures push -> ingest.
noinst_PROGRAMS += tests/bench/bench_link
tests_bench_bench_link_SOURCES = tests/bench/bench_link.c
tests_bench_bench_link_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/agent \
	-I$(top_srcdir)/aggregator -I$(top_srcdir)/tests/helpers
tests_bench_bench_link_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(JSON_C_CFLAGS)
tests_bench_bench_link_LDADD = aggregator/libaggregator.la $(AGENT_LIBS)

# `make bench-kernel`: the agent against babeltrace2's dummy sink on a
# sched_switch-heavy kernel trace of >= 5 M events (kernel-sched.scn).
bench-kernel: all
	STRATA_BENCH_KIND=kernel STRATA_BENCH_ONLY=agent \
	    $(SHELL) $(top_srcdir)/tests/bench/run.sh
.PHONY: bench-kernel

bench-aggregator: all
	$(SHELL) $(top_srcdir)/tests/bench/aggregator.sh
bench-idle: all
	$(SHELL) $(top_srcdir)/tests/bench/idle.sh
.PHONY: bench-aggregator bench-idle
