# aggregator/kinds/app/: what the application-layer kinds (vm, request,
# service, volume, port) share; not a kind itself (kinds.c does not list it).
noinst_LTLIBRARIES += aggregator/kinds/app/libkind_app.la
aggregator_kinds_app_libkind_app_la_SOURCES = \
	aggregator/kinds/app/app_kind.h aggregator/kinds/app/app_kind.c
aggregator_kinds_app_libkind_app_la_CPPFLAGS = $(AGGREGATOR_CPPFLAGS)
aggregator_kinds_app_libkind_app_la_CFLAGS = $(AM_CFLAGS) \
	$(JSON_C_CFLAGS) $(SQLITE3_CFLAGS)
KIND_LIBS += aggregator/kinds/app/libkind_app.la
# The kinds that use it add -I$(APP_KIND_CPPFLAGS).
APP_KIND_CPPFLAGS = $(AGGREGATOR_CPPFLAGS) -I$(top_srcdir)/aggregator/cmd \
	-I$(top_srcdir)/aggregator/kinds/app
