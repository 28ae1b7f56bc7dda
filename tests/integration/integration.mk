# tests/integration/integration.mk: the integration tests (bash, TAP, real
# lttng-sessiond and lttng-relayd) and their shared harness.  Each test
# skips itself with a reason when LTTng or a program it needs is missing.
INTEGRATION_TESTS = \
	tests/integration/scenarios.sh \
	tests/integration/qemu-logs.sh \
	tests/integration/agent-first.sh \
	tests/integration/agent-drain.sh \
	tests/integration/agent-one-thread.sh \
	tests/integration/relayd-restart.sh \
	tests/integration/bad-input.sh \
	tests/integration/agent-reload.sh \
	tests/integration/no-vpid.sh \
	tests/integration/kernel-offline.sh \
	tests/integration/kernel-live.sh \
	tests/integration/kernel-proc.sh

TESTS += $(INTEGRATION_TESTS)
EXTRA_DIST += $(INTEGRATION_TESTS) \
	tests/integration/lib.sh \
	tests/integration/check_records.py \
	tests/integration/kernel_figures.py tests/data/kernel \
	tests/demo.sh

# `make check-integration`: only these, e.g. while working on the agent.
check-integration: all
	$(MAKE) $(AM_MAKEFLAGS) check TESTS='$(INTEGRATION_TESTS)'
.PHONY: check-integration

# The aggregator alone, fed by the agent stand-in (tests/helpers/strata-push).
AGGREGATOR_TESTS = \
	tests/integration/aggregator_ctl.sh \
	tests/integration/aggregator_alerts.sh \
	tests/integration/aggregator_live.sh \
	tests/integration/aggregator-reload.sh \
	tests/integration/aggregator-alertmanager.sh \
	tests/integration/aggregator_http.sh \
	tests/integration/ingest-limits.sh \
	tests/integration/aggregator-sync.sh \
	tests/integration/tls.sh \
	tests/integration/aggregator_app.sh
TESTS += $(AGGREGATOR_TESTS)
EXTRA_DIST += $(AGGREGATOR_TESTS) tests/integration/http-check.py \
	tests/integration/ingest_probe.py

# `make check-aggregator`: only the aggregator's tests.
AGGREGATOR_CHECK = tests/unit/aggregator/test_store \
	tests/unit/aggregator/test_ctl_cmds tests/unit/aggregator/test_ctl_follow \
	tests/unit/aggregator/test_alertmgr \
	tests/config/golden.sh $(AGGREGATOR_TESTS)
check-aggregator: all
	$(MAKE) $(AM_MAKEFLAGS) check TESTS='$(AGGREGATOR_CHECK)'
.PHONY: check-aggregator
