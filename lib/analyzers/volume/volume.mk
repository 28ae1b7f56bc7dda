# lib/analyzers/volume/: the volume analyzer (Cinder volume.* and Nova
# volume_attach/detach notifications in; volume records out).
noinst_LTLIBRARIES += lib/analyzers/volume/libvolume.la
lib_analyzers_volume_libvolume_la_SOURCES = lib/analyzers/volume/volume.c
lib_analyzers_volume_libvolume_la_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_srcdir)/lib/analyzers/oslo
lib_analyzers_volume_libvolume_la_CFLAGS = $(AM_CFLAGS) $(JSON_C_CFLAGS)
ANALYZER_LIBS += lib/analyzers/volume/libvolume.la
