# tests/integration/openstack.mk: the application layer's integration tests
# (real LTTng daemons, the real lttng-ust Python agent, strata-agent).
OPENSTACK_TESTS = \
	tests/integration/openstack-agent.sh \
	tests/integration/openstack-boot.sh

TESTS += $(OPENSTACK_TESTS)
EXTRA_DIST += $(OPENSTACK_TESTS)

# `make check-openstack`: only these.
check-openstack: all
	$(MAKE) $(AM_MAKEFLAGS) check TESTS='$(OPENSTACK_TESTS)'
.PHONY: check-openstack
