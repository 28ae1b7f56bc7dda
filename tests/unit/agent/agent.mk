# tests/unit/agent/: unit tests of the agent's spool and VM resolution.
check_PROGRAMS += tests/unit/agent/test_spool tests/unit/agent/test_vmresolve
TESTS += tests/unit/agent/test_spool tests/unit/agent/test_vmresolve
agent_test_cppflags = $(unit_cppflags) -I$(top_srcdir)/agent

tests_unit_agent_test_spool_SOURCES = tests/unit/agent/test_spool.c
tests_unit_agent_test_spool_CPPFLAGS = $(agent_test_cppflags)
tests_unit_agent_test_spool_CFLAGS = $(AM_CFLAGS) $(JSON_C_CFLAGS)
tests_unit_agent_test_spool_LDADD = $(AGENT_LIBS)

tests_unit_agent_test_vmresolve_SOURCES = tests/unit/agent/test_vmresolve.c
tests_unit_agent_test_vmresolve_CPPFLAGS = $(agent_test_cppflags)
tests_unit_agent_test_vmresolve_CFLAGS = $(AM_CFLAGS) $(JSON_C_CFLAGS)
tests_unit_agent_test_vmresolve_LDADD = $(AGENT_LIBS)

# The kernel layer from /proc (procsample.c) through a real analyzer set.
check_PROGRAMS += tests/unit/agent/test_procsample
TESTS += tests/unit/agent/test_procsample
tests_unit_agent_test_procsample_SOURCES = tests/unit/agent/test_procsample.c
tests_unit_agent_test_procsample_CPPFLAGS = $(agent_test_cppflags)
tests_unit_agent_test_procsample_CFLAGS = $(AM_CFLAGS) $(JSON_C_CFLAGS) \
	$(LIBEVENT_CFLAGS)
tests_unit_agent_test_procsample_LDADD = $(AGENT_LIBS)
