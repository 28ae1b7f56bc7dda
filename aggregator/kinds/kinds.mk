# aggregator/kinds/: the table of record kinds (kinds.c); each kind is a
# folder below with its own fragment, included before this one, that adds
# its library to KIND_LIBS.
noinst_LTLIBRARIES += aggregator/kinds/libkinds.la
aggregator_kinds_libkinds_la_SOURCES = aggregator/kind.h aggregator/kinds/kinds.c
aggregator_kinds_libkinds_la_CPPFLAGS = $(AGGREGATOR_CPPFLAGS)
aggregator_kinds_libkinds_la_CFLAGS = $(AM_CFLAGS) $(JSON_C_CFLAGS)
aggregator_kinds_libkinds_la_LIBADD = $(KIND_LIBS)
