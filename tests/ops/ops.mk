# tests/ops/ops.mk: the operations tests (TAP, bash): the DESTDIR install
# tree, systemd-analyze verify on every unit, the sd_notify protocol of
# both daemons, and LTTng arming on a private session daemon.  The
# programs below drive daemon/notify.c and daemon/arm.c on their own.
check_PROGRAMS += tests/ops/arm_test tests/ops/notify_test

tests_ops_arm_test_SOURCES = tests/ops/arm_test.c daemon/arm.c daemon/arm.h
tests_ops_arm_test_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/daemon
tests_ops_arm_test_CFLAGS = $(AM_CFLAGS) $(LTTNG_CTL_CFLAGS)
tests_ops_arm_test_LDADD = $(STRATA_LIBS) $(LTTNG_CTL_LIBS)

tests_ops_notify_test_SOURCES = tests/ops/notify_test.c daemon/notify.c \
	daemon/notify.h
tests_ops_notify_test_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/daemon
tests_ops_notify_test_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) \
	$(LIBSYSTEMD_CFLAGS)
tests_ops_notify_test_LDADD = $(STRATA_LIBS) $(LIBEVENT_LIBS) \
	$(LIBSYSTEMD_LIBS)

OPS_TESTS = \
	tests/ops/install.sh \
	tests/ops/units.sh \
	tests/ops/notify.sh \
	tests/ops/arm.sh

TESTS += $(OPS_TESTS)
EXTRA_DIST += $(OPS_TESTS) tests/ops/lib.sh tests/ops/notify_listen.py \
	tests/ops/session_summary.py

# `make check-ops`: only these.
check-ops: all
	$(MAKE) $(AM_MAKEFLAGS) check TESTS='$(OPS_TESTS)'
.PHONY: check-ops
