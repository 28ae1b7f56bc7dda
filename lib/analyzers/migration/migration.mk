# lib/analyzers/migration/: the live-migration analyzer (QEMU events in,
# migration, migration_round and alert records out).
noinst_LTLIBRARIES += lib/analyzers/migration/libmigration.la
lib_analyzers_migration_libmigration_la_SOURCES = \
	lib/analyzers/migration/migration.h \
	lib/analyzers/migration/migration.c \
	lib/analyzers/migration/verdict.c \
	lib/analyzers/migration/record.c
lib_analyzers_migration_libmigration_la_CFLAGS = $(AM_CFLAGS) $(JSON_C_CFLAGS)
ANALYZER_LIBS += lib/analyzers/migration/libmigration.la
