# tests/integration/chain.mk: whole-chain tests (agents, aggregator, stratactl).
# Real LTTng daemons (one relay daemon, a session daemon per node), one
# strata-agent per node pushing to one strata-aggregator, checked through
# stratactl.  Each test skips itself with a reason when LTTng or a program
# it needs is missing.
CHAIN_TESTS = \
	tests/integration/chain-correlate.sh \
	tests/integration/chain-alert-follow.sh \
	tests/integration/chain-crash.sh \
	tests/integration/chain-crash-tls.sh \
	tests/integration/chain-bad.sh \
	tests/integration/chain-prometheus.sh \
	tests/integration/chain-web.sh \
	tests/integration/chain-openstack.sh \
	tests/integration/ovs-bridge.sh \
	tests/integration/ovs-emit.sh \
	tests/integration/ovs-vm2vm.sh

TESTS += $(CHAIN_TESTS)
EXTRA_DIST += $(CHAIN_TESTS) tests/data/ovs \
	tests/integration/chain-ctl.py

# `make check-chain`: only these.
check-chain: all
	$(MAKE) $(AM_MAKEFLAGS) check TESTS='$(CHAIN_TESTS)'
.PHONY: check-chain

# chain-web.sh's screenshots of the web views, for a person to look at.
clean-local: clean-screens
clean-screens:
	rm -rf tests/integration/screens
.PHONY: clean-screens
