# tests/integration/integration.mk: the integration tests (bash, TAP, real
# lttng-sessiond and lttng-relayd) and their shared harness.  Each test
# skips itself with a reason when LTTng or a program it needs is missing.
INTEGRATION_TESTS = \
	tests/integration/scenarios.sh \
	tests/integration/qemu-logs.sh \
	tests/integration/agent-first.sh \
	tests/integration/relayd-restart.sh \
	tests/integration/bad-input.sh

TESTS += $(INTEGRATION_TESTS)
EXTRA_DIST += $(INTEGRATION_TESTS) \
	tests/integration/lib.sh \
	tests/integration/check_records.py \
	tests/demo.sh

# `make check-integration`: only these, e.g. while working on the agent.
check-integration: all
	$(MAKE) $(AM_MAKEFLAGS) check TESTS='$(INTEGRATION_TESTS)'
.PHONY: check-integration
