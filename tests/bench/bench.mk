# tests/bench/bench.mk: `make bench` (the target is in Makefile.am) runs
# tests/bench/run.sh: strata-agent against babeltrace2's decode floor on a
# recorded trace of >= 5 million events.  Not part of `make check`.
EXTRA_DIST += tests/bench/run.sh
