# daemon/agent.mk: the event source (in libstrata), strata-agent and their
# unit tests.
lib_libstrata_la_SOURCES += lib/source.h lib/source_int.h lib/source.c \
	lib/source_class.c

sbin_PROGRAMS += daemon/strata-agent
daemon_strata_agent_SOURCES = \
	daemon/agent.h daemon/agent.c daemon/agent_conf.c daemon/vmresolve.c \
	daemon/notify.c daemon/notify.h daemon/arm.c daemon/arm.h \
	daemon/reader.c daemon/reader.h
daemon_strata_agent_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) -I$(top_srcdir)/daemon \
	$(JSON_C_CFLAGS) $(LIBSYSTEMD_CFLAGS) $(LTTNG_CTL_CFLAGS)
daemon_strata_agent_LDADD = $(TRANSPORT_LIBS) $(LIBSYSTEMD_LIBS) \
	$(LTTNG_CTL_LIBS) -lpthread

check_PROGRAMS += tests/unit/test_source tests/unit/test_vmresolve
TESTS += tests/unit/test_source tests/unit/test_vmresolve
tests_unit_test_source_SOURCES = tests/unit/test_source.c
tests_unit_test_source_CFLAGS = $(AM_CFLAGS) $(BABELTRACE2_CFLAGS) \
	$(JSON_C_CFLAGS)
tests_unit_test_source_LDADD = $(STRATA_LIBS)
tests_unit_test_vmresolve_SOURCES = tests/unit/test_vmresolve.c \
	daemon/vmresolve.c daemon/agent.h
tests_unit_test_vmresolve_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/daemon
tests_unit_test_vmresolve_CFLAGS = $(AM_CFLAGS) $(JSON_C_CFLAGS)
tests_unit_test_vmresolve_LDADD = $(STRATA_LIBS)

dist_doc_DATA += docs/agent.md
EXTRA_DIST += tests/data/traces/qemu-mig
