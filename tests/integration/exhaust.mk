# tests/integration/exhaust.mk: the exhaustion and fault tests (bash,
# TAP, loopback only; docs/testing.md, "Exhaustion and faults").  Under
# `make check` each runs a bounded slice; `make check-long` runs them all
# with STRATA_LONG=1: more connections, more kills, more alerts, longer.
# exhaust-agent.sh needs LTTng and skips without it.
EXHAUST_TESTS = \
	tests/integration/exhaust-conns.sh \
	tests/integration/exhaust-input.sh \
	tests/integration/exhaust-follow.sh \
	tests/integration/exhaust-crash.sh \
	tests/integration/exhaust-diskfull.sh \
	tests/integration/exhaust-agent.sh

TESTS += $(EXHAUST_TESTS)
EXTRA_DIST += $(EXHAUST_TESTS) tests/integration/exhaust-lib.sh

# `make check-exhaust`: the bounded slices only; `make check-long`: the
# long variants (about 15 minutes on the 2-core build machine).
check-exhaust: all
	$(MAKE) $(AM_MAKEFLAGS) check TESTS='$(EXHAUST_TESTS)'
check-long: all
	STRATA_LONG=1 $(MAKE) $(AM_MAKEFLAGS) check TESTS='$(EXHAUST_TESTS)'
.PHONY: check-exhaust check-long
