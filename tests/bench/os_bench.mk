# tests/bench/os_bench.mk: the application analyzers' benchmark (not run
# by `make check`; docs/performance.md, "Application layer"):
#   make bench-openstack   tests/bench/os_bench.sh: strata-agent against
#                          babeltrace2's dummy sink on a recorded trace of
#                          >= 1 M notifications through the real Python
#                          agent, per CPU-second, peak RSS with the idle
#                          windows short and at their defaults
#   tests/bench/bench_oslo where the time goes, without the trace reader
EXTRA_DIST += tests/bench/os_bench.sh
noinst_PROGRAMS += tests/bench/bench_oslo
tests_bench_bench_oslo_SOURCES = tests/bench/bench_oslo.c
tests_bench_bench_oslo_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_srcdir)/lib/analyzers/oslo \
	-DDATADIR='"$(top_srcdir)/tests/data/openstack"'
tests_bench_bench_oslo_CFLAGS = $(AM_CFLAGS) $(JSON_C_CFLAGS)
tests_bench_bench_oslo_LDADD = $(STRATA_LIBS)

bench-openstack: all
	$(SHELL) $(top_srcdir)/tests/bench/os_bench.sh
.PHONY: bench-openstack

# The ovs analyzer's benchmark (docs/performance.md, "Open vSwitch"):
#   make bench-ovs         tests/bench/ovs_bench.sh: packets joined per
#                          second from an offline trace of strata-emit's
#                          ovs-latency.scn against babeltrace2's dummy sink
EXTRA_DIST += tests/bench/ovs_bench.sh
bench-ovs: all
	$(SHELL) $(top_srcdir)/tests/bench/ovs_bench.sh
.PHONY: bench-ovs
