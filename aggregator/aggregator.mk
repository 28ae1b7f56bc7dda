# aggregator/: strata-aggregator.  libaggregator.la holds what the tests
# drive on its own (ingest, the control socket and its followers, the
# descriptor budget, alert delivery and Alertmanager); the program adds
# main and its configuration.  The store, the commands and the HTTP side
# are folders of their own (store/, cmd/, http/).
noinst_LTLIBRARIES += aggregator/libaggregator.la
aggregator_libaggregator_la_SOURCES = \
	aggregator/ingest.h aggregator/ingest.c \
	aggregator/ctl.h aggregator/ctl.c aggregator/follow.c \
	aggregator/fdbudget.h aggregator/fdbudget.c \
	aggregator/alertout.h aggregator/alertout.c \
	aggregator/alertmgr.h aggregator/alertmgr.c
aggregator_libaggregator_la_CPPFLAGS = $(AGGREGATOR_CPPFLAGS)
aggregator_libaggregator_la_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) \
	$(JSON_C_CFLAGS) $(LIBEVENT_OPENSSL_CFLAGS) $(OPENSSL_CFLAGS)
aggregator_libaggregator_la_LIBADD = aggregator/cmd/libcmd.la \
	aggregator/kinds/libkinds.la aggregator/http/libhttp.la \
	$(LIBEVENT_OPENSSL_LIBS) $(OPENSSL_LIBS)

AGGREGATOR_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/aggregator \
	-I$(top_srcdir)/aggregator/store -I$(top_srcdir)/aggregator/http
AGGREGATOR_LIBS = aggregator/libaggregator.la aggregator/store/libstore.la \
	$(STRATA_LIBS) $(LIBEVENT_LIBS) $(LIBEVENT_OPENSSL_LIBS) $(OPENSSL_LIBS) \
	$(SQLITE3_LIBS) -lpthread

sbin_PROGRAMS += aggregator/strata-aggregator
aggregator_strata_aggregator_SOURCES = aggregator/aggregator.h \
	aggregator/aggregator.c aggregator/aggregator_conf.c
aggregator_strata_aggregator_CPPFLAGS = $(AGGREGATOR_CPPFLAGS)
aggregator_strata_aggregator_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) \
	$(JSON_C_CFLAGS) $(SQLITE3_CFLAGS) $(LIBSYSTEMD_CFLAGS) $(OPENSSL_CFLAGS)
aggregator_strata_aggregator_LDADD = $(AGGREGATOR_LIBS) $(LIBSYSTEMD_LIBS)
