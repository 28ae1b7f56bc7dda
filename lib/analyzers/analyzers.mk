# lib/analyzers/: the table of analyzers (analyzers.c); each analyzer is a
# folder below with its own fragment, included before this one, that adds
# its library to ANALYZER_LIBS.
noinst_LTLIBRARIES += lib/analyzers/libanalyzers.la
lib_analyzers_libanalyzers_la_SOURCES = lib/analyzers/analyzers.c
lib_analyzers_libanalyzers_la_CFLAGS = $(AM_CFLAGS) $(JSON_C_CFLAGS)
lib_analyzers_libanalyzers_la_LIBADD = $(ANALYZER_LIBS)
