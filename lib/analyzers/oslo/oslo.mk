# lib/analyzers/oslo/: what the application analyzers (vm, request,
# service, volume, port) share: the parse of lttng_python:event messages
# (oslo.messaging notifications, oslo.log JSON, the seed's EVENT) made once
# per event, its JSON reader, the object table and histograms; and the
# `oslo` analyzer that parses first and reports the parser's counters.
noinst_LTLIBRARIES += lib/analyzers/oslo/liboslo.la
lib_analyzers_oslo_liboslo_la_SOURCES = \
	lib/analyzers/oslo/ojs.h \
	lib/analyzers/oslo/ojs.c \
	lib/analyzers/oslo/oslo.h \
	lib/analyzers/oslo/oslo.c \
	lib/analyzers/oslo/util.c \
	lib/analyzers/oslo/oslo_an.c
lib_analyzers_oslo_liboslo_la_CFLAGS = $(AM_CFLAGS) $(JSON_C_CFLAGS)
ANALYZER_LIBS += lib/analyzers/oslo/liboslo.la
