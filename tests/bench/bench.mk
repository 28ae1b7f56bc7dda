# tests/bench/bench.mk: the benchmarks; none of them runs under `make check`.
#   make bench             tests/bench/run.sh: strata-agent against
#                          babeltrace2's decode floor on a recorded trace
#                          of >= 5 million events, then the aggregator
#                          benchmark below
#   make bench-aggregator  tests/bench/aggregator.sh only: ingest rate of
#                          1, 4 and 16 simulated agents (bench_ingest)
#                          against a real strata-aggregator and its SQLite
#                          store; control query latency over 1 M rounds
# docs/performance.md has the numbers and how to reproduce them.
EXTRA_DIST += tests/bench/run.sh tests/bench/aggregator.sh \
	tests/bench/ctl_latency.py

# The load generator: simulated agents through the agent's own push code.
noinst_PROGRAMS += tests/bench/bench_ingest
tests_bench_bench_ingest_SOURCES = tests/bench/bench_ingest.c
tests_bench_bench_ingest_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/daemon
tests_bench_bench_ingest_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(JSON_C_CFLAGS)
tests_bench_bench_ingest_LDADD = $(TRANSPORT_LIBS)

bench-aggregator: all
	$(SHELL) $(top_srcdir)/tests/bench/aggregator.sh
.PHONY: bench-aggregator
