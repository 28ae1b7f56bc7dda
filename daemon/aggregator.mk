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

bin_PROGRAMS += clients/stratactl
clients_stratactl_SOURCES = clients/stratactl.c clients/ctl_fmt.c \
	clients/ctl_fmt.h
clients_stratactl_CFLAGS = $(AM_CFLAGS) $(JSON_C_CFLAGS)
clients_stratactl_LDADD = $(JSON_C_LIBS) -lm
