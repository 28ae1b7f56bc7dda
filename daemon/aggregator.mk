# daemon/aggregator.mk: strata-aggregator (main loop, control socket, alert
# delivery), stratactl, and their tests.

ctl_sources = \
	daemon/ctl.h daemon/ctl.c daemon/ctl_cmds.c daemon/follow.c

# Unit tests of the control socket run against a store test double.
ctl_test_sources = $(ctl_sources) \
	tests/unit/test_ctl_store.c
ctl_test_cppflags = $(AM_CPPFLAGS) -I$(top_srcdir)/daemon \
	-I$(top_srcdir)/tests/unit
ctl_test_cflags = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(JSON_C_CFLAGS)
ctl_test_ldadd = $(STRATA_LIBS) $(LIBEVENT_LIBS)

check_PROGRAMS += tests/unit/test_ctl_cmds tests/unit/test_ctl_follow
TESTS += tests/unit/test_ctl_cmds tests/unit/test_ctl_follow

tests_unit_test_ctl_cmds_SOURCES = tests/unit/test_ctl_cmds.c $(ctl_test_sources)
tests_unit_test_ctl_cmds_CPPFLAGS = $(ctl_test_cppflags)
tests_unit_test_ctl_cmds_CFLAGS = $(ctl_test_cflags)
tests_unit_test_ctl_cmds_LDADD = $(ctl_test_ldadd)

tests_unit_test_ctl_follow_SOURCES = tests/unit/test_ctl_follow.c $(ctl_test_sources)
tests_unit_test_ctl_follow_CPPFLAGS = $(ctl_test_cppflags)
tests_unit_test_ctl_follow_CFLAGS = $(ctl_test_cflags)
tests_unit_test_ctl_follow_LDADD = $(ctl_test_ldadd)

sbin_PROGRAMS += daemon/strata-aggregator
daemon_strata_aggregator_SOURCES = daemon/aggregator.c daemon/aggregator.h \
	daemon/aggregator_conf.c daemon/alertout.c daemon/alertout.h \
	daemon/notify.c daemon/notify.h $(ctl_sources)
daemon_strata_aggregator_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) \
	$(JSON_C_CFLAGS) $(SQLITE3_CFLAGS) $(LIBSYSTEMD_CFLAGS)
daemon_strata_aggregator_LDADD = daemon/libstore.la daemon/libtransport.la \
	$(STRATA_LIBS) $(LIBEVENT_LIBS) $(SQLITE3_LIBS) $(LIBSYSTEMD_LIBS)

bin_PROGRAMS += clients/stratactl
clients_stratactl_SOURCES = clients/stratactl.c clients/ctl_fmt.c \
	clients/ctl_fmt.h
clients_stratactl_CFLAGS = $(AM_CFLAGS) $(JSON_C_CFLAGS)
clients_stratactl_LDADD = $(JSON_C_LIBS) -lm

# The agent stand-in of the integration tests (pushes JSON lines); not a test.
check_PROGRAMS += tests/unit/test_ctl_push
tests_unit_test_ctl_push_SOURCES = tests/unit/test_ctl_push.c
tests_unit_test_ctl_push_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/daemon
tests_unit_test_ctl_push_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(JSON_C_CFLAGS)
tests_unit_test_ctl_push_LDADD = daemon/libtransport.la $(STRATA_LIBS) \
	$(LIBEVENT_LIBS)

AGGREGATOR_TESTS = \
	tests/integration/aggregator_ctl.sh \
	tests/integration/aggregator_alerts.sh \
	tests/integration/aggregator_live.sh \
	tests/integration/aggregator-reload.sh
TESTS += $(AGGREGATOR_TESTS)
EXTRA_DIST += $(AGGREGATOR_TESTS)

# Golden configurations of `strata-aggregator -nv` (tests/config/golden.sh,
# run from tests/Makefile.inc, loops over aggregator-*.conf).
EXTRA_DIST += \
	tests/config/aggregator-full.conf tests/config/aggregator-full.out \
	tests/config/aggregator-minimal.conf tests/config/aggregator-minimal.out \
	tests/config/aggregator-errors.conf tests/config/aggregator-errors.out

# `make check-aggregator`: only the aggregator's tests.
AGGREGATOR_CHECK = tests/unit/test_ctl_cmds tests/unit/test_ctl_follow \
	tests/config/golden.sh $(AGGREGATOR_TESTS)
check-aggregator: all
	$(MAKE) $(AM_MAKEFLAGS) check TESTS='$(AGGREGATOR_CHECK)'
.PHONY: check-aggregator
