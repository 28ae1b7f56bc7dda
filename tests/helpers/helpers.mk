# tests/helpers/: programs and headers the tests use that are not tests:
# the TAP header, the agent stand-in of the integration tests (pushes JSON
# lines through the agent's own push code).
EXTRA_DIST += tests/helpers/tap.h tests/helpers/rnd.h tests/helpers/json_strict.h
check_PROGRAMS += tests/helpers/strata-push
tests_helpers_strata_push_SOURCES = tests/helpers/strata-push.c
tests_helpers_strata_push_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/agent
tests_helpers_strata_push_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(JSON_C_CFLAGS) \
	$(OPENSSL_CFLAGS)
tests_helpers_strata_push_LDADD = $(AGENT_LIBS)
# The load and hostile peers of the exhaustion tests (python3, stdlib).
EXTRA_DIST += tests/helpers/strata-load.py
# A slow disk by LD_PRELOAD (tests/integration/aggregator-sync.sh).
check_LTLIBRARIES += tests/helpers/libslowsync.la
tests_helpers_libslowsync_la_SOURCES = tests/helpers/slowsync.c
tests_helpers_libslowsync_la_LDFLAGS = -module -avoid-version -shared \
	-rpath /nowhere
tests_helpers_libslowsync_la_LIBADD = -ldl
