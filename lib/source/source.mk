# lib/source/: the babeltrace2 graph (live or offline) and the per-class
# decoding of events into struct ev.
noinst_LTLIBRARIES += lib/source/libsource.la
lib_source_libsource_la_SOURCES = \
	lib/source/source.h lib/source/source_int.h \
	lib/source/source.c lib/source/source_class.c
lib_source_libsource_la_CFLAGS = $(AM_CFLAGS) $(BABELTRACE2_CFLAGS) \
	$(JSON_C_CFLAGS)
