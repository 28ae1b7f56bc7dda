/*
 * test_store_plans.c: the store's query plans do not depend on SQLite's
 * planner statistics.  store_close() runs `PRAGMA optimize`, which leaves
 * sqlite_stat1 describing the data of that moment; statistics taken while
 * one VM had all the sides (all of one role, on one node) made sides_vm
 * look useless, and after a restart every migration record scanned the
 * whole of migration_sides (batches ~40x slower, docs/store.md "Query
 * plans").  For each set of statistics below, written into sqlite_stat1
 * and loaded by reopening the store, every statement the store prepares
 * at open must get the plan it gets without statistics, and the ingest
 * path's lookups must use their indexes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "tap.h"
#include "log.h"
#include "store.h"
#include "store_kind.h"

#define MAXST	256

struct plans {
	int	 n;
	char	*sql[MAXST];
	char	*plan[MAXST];
};

/* Statistics an aggregator could have written at a clean stop. */
static const struct statset {
	const char	*name;
	const char	*rows;		/* VALUES of sqlite_stat1 (tbl, idx, stat) */
} statsets[] = {
	{ "a few migrations of one VM, one role, one node",
	  "('migration_sides','sides_mig','6 1'),"
	  "('migration_sides','sides_sid','6 1'),"
	  "('migration_sides','sides_vm','6 6 6'),"
	  "('migration_sides','sqlite_autoindex_migration_sides_1','6 6 1'),"
	  "('nodes','sqlite_autoindex_nodes_1','1 1'),"
	  "('rounds','rounds','30 5 1'),"
	  "('alerts','alerts_subject','3 3 3 1'),"
	  "('alerts','alerts_state','3 3'),"
	  "('alerts','alerts_src','3 3 1'),"
	  "('migrations','sqlite_autoindex_migrations_1','6 1'),"
	  "('migrations','mig_vm','6 6'),"
	  "('migrations','mig_started','6 1')" },
	{ "one VM with 10000 sides of one role, every alert firing",
	  "('migration_sides','sides_mig','10000 1'),"
	  "('migration_sides','sides_sid','10000 1'),"
	  "('migration_sides','sides_vm','10000 10000 10000'),"
	  "('migration_sides','sqlite_autoindex_migration_sides_1',"
	  "'10000 10000 1'),"
	  "('nodes','sqlite_autoindex_nodes_1','1 1'),"
	  "('rounds','rounds','500000 50 1'),"
	  "('alerts','alerts_subject','20000 20000 20000 2'),"
	  "('alerts','alerts_state','20000 20000'),"
	  "('alerts','alerts_src','20000 20000 1'),"
	  "('migrations','sqlite_autoindex_migrations_1','10000 1'),"
	  "('migrations','mig_vm','10000 10000'),"
	  "('migrations','mig_src','10000 10000'),"
	  "('migrations','mig_dst','10000 10000'),"
	  "('migrations','mig_started','10000 1')" },
	{ "many VMs and nodes, balanced",
	  "('migration_sides','sides_mig','40000 2'),"
	  "('migration_sides','sides_sid','40000 1'),"
	  "('migration_sides','sides_vm','40000 80 40'),"
	  "('migration_sides','sqlite_autoindex_migration_sides_1',"
	  "'40000 200 1'),"
	  "('nodes','sqlite_autoindex_nodes_1','200 1'),"
	  "('rounds','rounds','1000000 50 1'),"
	  "('alerts','alerts_subject','4000 20 2 1'),"
	  "('alerts','alerts_state','4000 1333'),"
	  "('alerts','alerts_src','4000 20 1'),"
	  "('migrations','sqlite_autoindex_migrations_1','20000 1'),"
	  "('migrations','mig_vm','20000 40'),"
	  "('migrations','mig_started','20000 1')" },
};

static void
plans_free(struct plans *p)
{
	int i;

	for (i = 0; i < p->n; i++) {
		free(p->sql[i]);
		free(p->plan[i]);
	}
	p->n = 0;
}

/* EXPLAIN QUERY PLAN of sql, one line of its details joined by " | ". */
static char *
explain(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	char *q, *out = NULL;
	size_t len = 0;
	FILE *f;

	if ((f = open_memstream(&out, &len)) == NULL)
		return NULL;
	if ((q = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sql)) == NULL ||
	    sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK) {
		fprintf(f, "(cannot explain: %s)", sqlite3_errmsg(db));
		sqlite3_free(q);
		fclose(f);
		return out;
	}
	sqlite3_free(q);
	while (sqlite3_step(st) == SQLITE_ROW)
		fprintf(f, "%s%s", ftell(f) > 0 ? " | " : "",
		    (const char *)sqlite3_column_text(st, 3));
	sqlite3_finalize(st);
	fclose(f);
	return out;
}

/* The plans of every statement the store has prepared. */
static int
collect(struct store *s, struct plans *p)
{
	sqlite3 *db = store_db(s);
	sqlite3_stmt *st = NULL;
	const char *sql;

	p->n = 0;
	while ((st = sqlite3_next_stmt(db, st)) != NULL) {
		sql = sqlite3_sql(st);
		if (sql == NULL || p->n == MAXST)
			continue;
		p->sql[p->n] = strdup(sql);
		p->plan[p->n] = explain(db, sql);
		p->n++;
	}
	return p->n;
}

static const char *
plan_of(const struct plans *p, const char *sql_start)
{
	int i;

	for (i = 0; i < p->n; i++)
		if (strstr(p->sql[i], sql_start) != NULL)
			return p->plan[i];
	return NULL;
}

static int
set_stats(const char *path, const char *rows)
{
	sqlite3 *db;
	char *sql;
	int rc;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -1;
	sql = sqlite3_mprintf("ANALYZE; DELETE FROM sqlite_stat1;%s%s%s",
	    rows != NULL ? " INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES " :
	    "", rows != NULL ? rows : "", rows != NULL ? ";" : "");
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_free(sql);
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : -1;
}

/* Reopens the store on the statistics rows (NULL: none) and plans it. */
static struct store *
open_with(const char *path, const char *rows, struct plans *p)
{
	struct store *s;

	if (set_stats(path, rows) == -1)
		return NULL;
	if ((s = store_open(path)) == NULL)
		return NULL;
	collect(s, p);
	return s;
}

static void
check_lookups(const struct plans *p, const char *what)
{
	const char *cand, *alerts;

	cand = plan_of(p, "FROM migration_sides c ");
	alerts = plan_of(p, "SELECT a.id, a.name FROM migration_sides s");
	if (!ok(cand != NULL && strstr(cand, "SEARCH c USING INDEX sides_vm")
	    != NULL && strstr(cand, "SCAN") == NULL,
	    "%s: the side candidates of a record come from sides_vm", what))
		diag("  plan: %s", cand ? cand : "(statement not found)");
	if (!ok(alerts != NULL && strncmp(alerts, "SEARCH s USING INDEX "
	    "sides_mig", 30) == 0 && strstr(alerts, "alerts_subject") != NULL,
	    "%s: a migration's alerts come from its sides, not a scan of the "
	    "firing alerts", what))
		diag("  plan: %s", alerts ? alerts : "(statement not found)");
}

int
main(void)
{
	struct plans base = { 0 }, p = { 0 };
	struct store *s;
	char path[] = "/tmp/test_store_plans.XXXXXX", db[64], cmd[256];
	size_t k;
	int i, j, differ;

	log_init("test_store_plans", 1, 0);
	plan(2 + 3 * (int)(sizeof(statsets) / sizeof(statsets[0])));
	if (mkdtemp(path) == NULL)
		return 1;
	snprintf(db, sizeof(db), "%s/agg.db", path);
	if ((s = store_open(db)) == NULL)
		return 1;
	store_close(s);

	if ((s = open_with(db, NULL, &base)) == NULL)
		return 1;
	diag("%d statements prepared at open", base.n);
	check_lookups(&base, "no statistics");
	store_close(s);

	for (k = 0; k < sizeof(statsets) / sizeof(statsets[0]); k++) {
		if ((s = open_with(db, statsets[k].rows, &p)) == NULL) {
			ok(0, "%s: store opens", statsets[k].name);
			continue;
		}
		differ = 0;
		for (i = 0; i < base.n; i++) {
			for (j = 0; j < p.n; j++)
				if (strcmp(base.sql[i], p.sql[j]) == 0)
					break;
			if (j == p.n || strcmp(base.plan[i], p.plan[j]) != 0) {
				if (differ++ == 0)
					ok(0, "%s: every plan as without "
					    "statistics", statsets[k].name);
				diag("  %.100s", base.sql[i]);
				diag("    without: %s", base.plan[i]);
				diag("    with:    %s", j == p.n ? "(missing)" :
				    p.plan[j]);
			}
		}
		if (differ == 0)
			ok(1, "%s: every plan as without statistics (%d "
			    "statements)", statsets[k].name, p.n);
		check_lookups(&p, statsets[k].name);
		plans_free(&p);
		store_close(s);
	}
	plans_free(&base);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	if (system(cmd) != 0)
		diag("cannot remove %s", path);
	return exit_status();
}
