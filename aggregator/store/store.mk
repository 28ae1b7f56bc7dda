# aggregator/store/: the aggregator's SQLite store core (nodes, counters,
# generic alerts, the kind dispatch).  The record kinds' libraries are part
# of libstore: the store calls them and they call the store.
noinst_LTLIBRARIES += aggregator/store/libstore.la
aggregator_store_libstore_la_SOURCES = \
	aggregator/store/store.h aggregator/store/store_int.h \
	aggregator/store/store_kind.h aggregator/store/store.c \
	aggregator/store/store_alert.c aggregator/store/store_clock.c \
	aggregator/store/store_query.c aggregator/store/store_schema.c \
	aggregator/store/store_metrics.c aggregator/store/store_ckpt.c \
	aggregator/store/store_sync.c
aggregator_store_libstore_la_CPPFLAGS = $(AGGREGATOR_CPPFLAGS)
aggregator_store_libstore_la_CFLAGS = $(AM_CFLAGS) $(SQLITE3_CFLAGS) \
	$(JSON_C_CFLAGS)
aggregator_store_libstore_la_LIBADD = aggregator/kinds/libkinds.la \
	$(SQLITE3_LIBS) $(JSON_C_LIBS) -lm -lpthread
STORE_LIBS = aggregator/store/libstore.la $(STRATA_LIBS) $(SQLITE3_LIBS) \
	-lpthread

EXTRA_DIST += docs/store.md
