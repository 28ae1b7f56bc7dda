# agent/: strata-agent.  libagent.la holds what the tests drive on its own
# (the push link and its spool, VM resolution, arming, the reader thread);
# the program adds main, its configuration and its /metrics (agent_http.c).
noinst_LTLIBRARIES += agent/libagent.la
agent_libagent_la_SOURCES = \
	agent/push.h agent/push.c \
	agent/spool.h agent/spool.c \
	agent/vmresolve.c \
	agent/procsample.c \
	agent/arm.h agent/arm.c \
	agent/reader.h agent/reader.c
agent_libagent_la_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/agent
agent_libagent_la_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(JSON_C_CFLAGS) \
	$(LTTNG_CTL_CFLAGS) $(LIBEVENT_OPENSSL_CFLAGS) $(OPENSSL_CFLAGS)
agent_libagent_la_LIBADD = $(LIBEVENT_OPENSSL_LIBS) $(OPENSSL_LIBS)
AGENT_LIBS = agent/libagent.la $(STRATA_LIBS) $(LIBEVENT_LIBS) \
	$(LIBEVENT_OPENSSL_LIBS) $(OPENSSL_LIBS) \
	$(LTTNG_CTL_LIBS) -lpthread

sbin_PROGRAMS += agent/strata-agent
agent_strata_agent_SOURCES = agent/agent.h agent/agent.c agent/agent_conf.c \
	agent/agent_http.c
agent_strata_agent_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/agent
agent_strata_agent_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(JSON_C_CFLAGS) \
	$(LIBSYSTEMD_CFLAGS) $(LTTNG_CTL_CFLAGS) $(OPENSSL_CFLAGS)
agent_strata_agent_LDADD = $(AGENT_LIBS) $(LIBSYSTEMD_LIBS)

dist_doc_DATA += docs/agent.md docs/protocol.md
