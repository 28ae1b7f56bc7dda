# aggregator/kinds/migration/: the migration kind (kind.c registers it).
noinst_LTLIBRARIES += aggregator/kinds/migration/libkind_migration.la
aggregator_kinds_migration_libkind_migration_la_SOURCES = \
	aggregator/kinds/migration/kind.c \
	aggregator/kinds/migration/mig_store.h \
	aggregator/kinds/migration/mig_int.h \
	aggregator/kinds/migration/mig_schema.c \
	aggregator/kinds/migration/mig_ingest.c \
	aggregator/kinds/migration/mig_correlate.c \
	aggregator/kinds/migration/mig_query.c \
	aggregator/kinds/migration/mig_link.c \
	aggregator/kinds/migration/mig_advice.c \
	aggregator/kinds/migration/cmds.c \
	aggregator/kinds/migration/cmd_migrations.c \
	aggregator/kinds/migration/cmd_migration.c
aggregator_kinds_migration_libkind_migration_la_CPPFLAGS = $(AGGREGATOR_CPPFLAGS) \
	-I$(top_srcdir)/aggregator/cmd -I$(top_srcdir)/aggregator/kinds/vm \
	-I$(top_srcdir)/aggregator/kinds/kernel
aggregator_kinds_migration_libkind_migration_la_CFLAGS = $(AM_CFLAGS) \
	$(JSON_C_CFLAGS) $(SQLITE3_CFLAGS) $(LIBEVENT_CFLAGS)
KIND_LIBS += aggregator/kinds/migration/libkind_migration.la

# Its stratactl formatters (fmt_migration.c) are compiled into stratactl
# (clients/clients.mk).

# Its web view (kind.c, .web): pages and script served as /kinds/migration/.
webkindmigrationdir = $(webdir)/kinds/migration
dist_webkindmigration_DATA = aggregator/kinds/migration/web/migrations.html \
	aggregator/kinds/migration/web/migration.html \
	aggregator/kinds/migration/web/migration.js
