# aggregator/kinds/volume/: the volume kind (kind.c registers it): Cinder
# volumes, backends and attachments.
noinst_LTLIBRARIES += aggregator/kinds/volume/libkind_volume.la
aggregator_kinds_volume_libkind_volume_la_SOURCES = \
	aggregator/kinds/volume/kind.c \
	aggregator/kinds/volume/vol_store.h \
	aggregator/kinds/volume/cmd_volumes.c
aggregator_kinds_volume_libkind_volume_la_CPPFLAGS = $(APP_KIND_CPPFLAGS) \
	-I$(top_srcdir)/aggregator/kinds/kernel
aggregator_kinds_volume_libkind_volume_la_CFLAGS = $(AM_CFLAGS) \
	$(JSON_C_CFLAGS) $(SQLITE3_CFLAGS) $(LIBEVENT_CFLAGS)
KIND_LIBS += aggregator/kinds/volume/libkind_volume.la

# Its stratactl formatters (fmt_volume.c) are compiled into stratactl
# (clients/clients.mk).

# Its web view (kind.c, .web): pages and script served as /kinds/volume/.
webkindvolumedir = $(webdir)/kinds/volume
dist_webkindvolume_DATA = aggregator/kinds/volume/web/volumes.html \
	aggregator/kinds/volume/web/volume.js
