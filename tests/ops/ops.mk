# tests/ops/ops.mk: the operations tests (TAP, bash): the DESTDIR install
# tree, systemd-analyze verify on every unit, the sd_notify protocol of
# both daemons, the Prometheus rules and Grafana dashboard, and LTTng
# arming on a private session daemon.  The
# programs below drive lib/notify.c and agent/arm.c on their own.
check_PROGRAMS += tests/ops/arm_test tests/ops/notify_test

tests_ops_arm_test_SOURCES = tests/ops/arm_test.c
tests_ops_arm_test_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/agent
tests_ops_arm_test_CFLAGS = $(AM_CFLAGS) $(LTTNG_CTL_CFLAGS)
tests_ops_arm_test_LDADD = $(AGENT_LIBS)

tests_ops_notify_test_SOURCES = tests/ops/notify_test.c
tests_ops_notify_test_CPPFLAGS = $(AM_CPPFLAGS)
tests_ops_notify_test_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) \
	$(LIBSYSTEMD_CFLAGS)
tests_ops_notify_test_LDADD = $(STRATA_LIBS) $(LIBEVENT_LIBS) \
	$(LIBSYSTEMD_LIBS)

OPS_TESTS = \
	tests/ops/install.sh \
	tests/ops/units.sh \
	tests/ops/notify.sh \
	tests/ops/monitoring.sh \
	tests/ops/arm.sh

TESTS += $(OPS_TESTS)
EXTRA_DIST += $(OPS_TESTS) tests/ops/lib.sh tests/ops/notify_listen.py \
	tests/ops/session_summary.py tests/ops/strata-rules.test.yml

# `make check-ops`: only these.
check-ops: all
	$(MAKE) $(AM_MAKEFLAGS) check TESTS='$(OPS_TESTS)'
.PHONY: check-ops
