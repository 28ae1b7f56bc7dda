/*
 * store_schema.c: the SQL schema of the aggregator's store core and the
 * steps that bring an older database up to STORE_SCHEMA_VERSION, then
 * those of each record kind (kind.h), versioned in the table `kinds`.
 *
 * PRAGMA user_version holds the version of a database.  Step N turns a
 * version N-1 database into version N; a new database runs every step from
 * 1.  A step never changes once released: a change of the schema is a new
 * step at the end of the table and a bump of STORE_SCHEMA_VERSION in
 * store.h.  A database newer than this code is refused, never touched.
 * Steps 1 and 2 predate the kinds: they made the migration kind's tables,
 * which the migration kind's own step 1 takes over as they are.
 */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "log.h"
#include "kind.h"
#include "store.h"
#include "store_int.h"

/* Version 1: the tables of the first aggregator. */
static const char schema_v1[] =
	/* One row per agent node. */
	"CREATE TABLE nodes ("
	"  name            TEXT PRIMARY KEY,"
	"  agent_version   TEXT,"
	"  first_seen_ns   INTEGER,"
	"  last_seen_ns    INTEGER,"
	"  hello_ns        INTEGER,"	/* last handshake, aggregator clock */
	"  events_per_s    REAL,"
	"  discarded       INTEGER,"	/* events the agent discarded */
	"  stats           TEXT,"	/* the agent's last stats, JSON */
	"  clock_offset_ns INTEGER NOT NULL DEFAULT 0," /* node - aggregator */
	"  stale           INTEGER NOT NULL DEFAULT 0,"
	"  stale_since_ns  INTEGER"
	");"
	"CREATE TABLE vms ("
	"  uuid            TEXT PRIMARY KEY,"
	"  name            TEXT,"
	"  last_node       TEXT,"
	"  last_seen_ns    INTEGER"
	");"
	/*
	 * The latest `migration` record of each side, by (node, side id).
	 * A side with role '' is a stub: rounds came before its record.
	 */
	"CREATE TABLE migration_sides ("
	"  id              INTEGER PRIMARY KEY," /* rounds.side */
	"  node            TEXT NOT NULL,"
	"  sid             TEXT NOT NULL,"
	"  role            TEXT NOT NULL,"
	"  vm_uuid         TEXT,"
	"  vm_name         TEXT,"
	"  vpid            INTEGER,"
	"  state           TEXT,"
	"  outcome         TEXT,"
	"  error           TEXT,"
	"  verdict         TEXT,"
	"  downtime_ms     REAL,"
	"  total_ms        REAL,"
	"  started_ns      INTEGER,"
	"  ended_ns        INTEGER,"
	"  vm_stop_ns      INTEGER,"
	"  vm_resume_ns    INTEGER,"
	"  predicted_downtime_ms REAL,"
	"  throttle_pct    REAL,"
	"  t_ns            INTEGER NOT NULL," /* of the latest record */
	"  first_t_ns      INTEGER NOT NULL,"
	"  updated_ns      INTEGER,"	/* aggregator clock */
	"  raw             TEXT,"	/* latest record without its rounds */
	"  mig_id          TEXT,"	/* migrations.id */
	"  peer_node       TEXT,"	/* the other side, once correlated */
	"  peer_sid        TEXT,"
	"  nrounds         INTEGER,"	/* its rounds; NULL: count them */
	"  UNIQUE (node, sid)"
	");"
	"CREATE INDEX sides_vm ON migration_sides (vm_uuid, role);"
	"CREATE INDEX sides_sid ON migration_sides (sid);"
	"CREATE INDEX sides_mig ON migration_sides (mig_id);"
	/* One row per correlated migration (one or two sides). */
	"CREATE TABLE migrations ("
	"  id              TEXT PRIMARY KEY,"
	"  vm_uuid         TEXT,"
	"  vm_name         TEXT,"
	"  src_node        TEXT,"
	"  src_sid         TEXT,"
	"  dst_node        TEXT,"
	"  dst_sid         TEXT,"
	"  state           TEXT,"
	"  outcome         TEXT,"
	"  verdict         TEXT,"
	"  rounds          INTEGER NOT NULL DEFAULT 0,"
	"  downtime_ms     REAL,"
	"  downtime_basis  TEXT,"
	"  total_ms        REAL,"
	"  started_ns      INTEGER,"
	"  ended_ns        INTEGER,"
	"  error           TEXT,"
	"  detail          TEXT,"
	"  updated_ns      INTEGER"
	");"
	"CREATE INDEX mig_started ON migrations (started_ns);"
	"CREATE INDEX mig_vm ON migrations (vm_uuid);"
	/* Dirty-sync rounds of a side (migration_sides.id), by n. */
	"CREATE TABLE rounds ("
	"  side            INTEGER NOT NULL,"
	"  n               INTEGER NOT NULL,"
	"  t_ns            INTEGER,"
	"  start_ns        INTEGER,"
	"  dirty_pages     INTEGER,"
	"  duration_ms     REAL,"
	"  dirty_rate_bps  REAL,"
	"  pending_bytes   INTEGER,"
	"  bandwidth_bps   REAL,"
	"  bytes           INTEGER,"
	"  predicted_downtime_ms REAL,"
	"  throttle_pct    REAL,"
	"  verdict         TEXT,"
	"  PRIMARY KEY (side, n)"
	") WITHOUT ROWID;"
	"CREATE TABLE alerts ("
	"  id              INTEGER PRIMARY KEY,"
	"  node            TEXT,"
	"  src_id          TEXT,"	/* the agent's id; NULL: raised here */
	"  name            TEXT NOT NULL,"
	"  state           TEXT NOT NULL," /* firing, resolved, acked */
	"  severity        TEXT,"
	"  vm_uuid         TEXT,"
	"  migration_id    TEXT,"	/* the side id on node */
	"  t_ns            INTEGER,"
	"  fired_ns        INTEGER,"
	"  resolved_ns     INTEGER,"
	"  acked_ns        INTEGER,"
	"  message         TEXT,"
	"  evidence        TEXT,"
	"  resolution      TEXT"
	");"
	"CREATE UNIQUE INDEX alerts_src ON alerts (node, src_id);"
	"CREATE INDEX alerts_state ON alerts (state);"
	"CREATE INDEX alerts_mig ON alerts (node, migration_id);";

/*
 * Version 2: the evidence behind each node's clock offset, per-node record
 * counters, store-wide counters, and indexes for the filters of the
 * migrations list.
 */
static const char schema_v2[] =
	"ALTER TABLE nodes ADD COLUMN clock_hello_ns INTEGER;"
	"ALTER TABLE nodes ADD COLUMN clock_lo_ns INTEGER;"
	"ALTER TABLE nodes ADD COLUMN clock_adj_ns INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE nodes ADD COLUMN clock_source TEXT;"
	"ALTER TABLE nodes ADD COLUMN records INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE nodes ADD COLUMN duplicates INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE nodes ADD COLUMN skipped INTEGER NOT NULL DEFAULT 0;"
	/* Version 1 only knew the offset of the handshake. */
	"UPDATE nodes SET clock_hello_ns = clock_offset_ns,"
	"  clock_source = 'handshake'"
	"  WHERE hello_ns IS NOT NULL OR clock_offset_ns != 0;"
	"CREATE TABLE counters ("
	"  name            TEXT PRIMARY KEY,"
	"  value           INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE INDEX mig_active ON migrations (started_ns)"
	"  WHERE outcome IS NULL;"
	"CREATE INDEX mig_vm_name ON migrations (vm_name);"
	"CREATE INDEX mig_src ON migrations (src_node);"
	"CREATE INDEX mig_dst ON migrations (dst_node);";

/*
 * Version 3: record kinds have schema steps of their own (`kinds`), and
 * alerts are generic: a subject (kind and id) instead of a migration side,
 * and the alert one was folded into.  Until now only migrations were
 * alert subjects (migration_id) besides the store's own node alerts.
 */
static const char schema_v3[] =
	"CREATE TABLE kinds ("
	"  name            TEXT PRIMARY KEY,"
	"  version         INTEGER NOT NULL"
	");"
	"ALTER TABLE alerts ADD COLUMN subject_kind TEXT;"
	"ALTER TABLE alerts ADD COLUMN subject_id TEXT;"
	"ALTER TABLE alerts ADD COLUMN folded_into INTEGER;" /* alerts.id */
	"UPDATE alerts SET subject_kind = 'migration',"
	"  subject_id = migration_id WHERE migration_id IS NOT NULL;"
	"UPDATE alerts SET subject_kind = 'node', subject_id = node"
	"  WHERE migration_id IS NULL AND src_id IS NULL;"
	"DROP INDEX alerts_mig;"
	"ALTER TABLE alerts DROP COLUMN migration_id;"
	"CREATE INDEX alerts_subject ON alerts (node, subject_kind, subject_id);";

/*
 * Version 4: alerts tallied by name, severity and state (those not folded
 * into another), kept by triggers in the transaction that changes an
 * alert: `status` and /metrics read a few rows instead of counting
 * hundreds of thousands of alerts (0.45 s at 300,000 firing).
 */
static const char schema_v4[] =
	"CREATE TABLE alert_tally ("
	"  name            TEXT NOT NULL,"
	"  severity        TEXT NOT NULL,"	/* '' for none */
	"  state           TEXT NOT NULL,"
	"  n               INTEGER NOT NULL,"
	"  PRIMARY KEY (name, severity, state)"
	") WITHOUT ROWID;"
	"INSERT INTO alert_tally SELECT name, coalesce(severity, ''), state,"
	"  count(*) FROM alerts WHERE folded_into IS NULL GROUP BY 1, 2, 3;"
	"CREATE TRIGGER alert_tally_insert AFTER INSERT ON alerts"
	"  WHEN NEW.folded_into IS NULL BEGIN"
	"  INSERT INTO alert_tally VALUES (NEW.name, coalesce(NEW.severity, ''),"
	"    NEW.state, 1) ON CONFLICT (name, severity, state)"
	"    DO UPDATE SET n = n + 1;"
	"END;"
	"CREATE TRIGGER alert_tally_delete AFTER DELETE ON alerts"
	"  WHEN OLD.folded_into IS NULL BEGIN"
	"  UPDATE alert_tally SET n = n - 1 WHERE name = OLD.name AND"
	"    severity = coalesce(OLD.severity, '') AND state = OLD.state;"
	"END;"
	"CREATE TRIGGER alert_tally_update"
	"  AFTER UPDATE OF name, severity, state, folded_into ON alerts BEGIN"
	"  UPDATE alert_tally SET n = n - 1 WHERE OLD.folded_into IS NULL AND"
	"    name = OLD.name AND severity = coalesce(OLD.severity, '') AND"
	"    state = OLD.state;"
	"  INSERT INTO alert_tally SELECT NEW.name, coalesce(NEW.severity, ''),"
	"    NEW.state, 1 WHERE NEW.folded_into IS NULL"
	"    ON CONFLICT (name, severity, state) DO UPDATE SET n = n + 1;"
	"END;";

static const char *const schema_steps[] = {
	schema_v1,
	schema_v2,
	schema_v3,
	schema_v4,
};

_Static_assert(sizeof(schema_steps) / sizeof(schema_steps[0]) ==
    STORE_SCHEMA_VERSION, "one schema step per version");

int
store_schema_version(sqlite3 *db)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st,
	    NULL) != SQLITE_OK) {
		log_warnx("%s: %s", __func__, sqlite3_errmsg(db));
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	else
		log_warnx("%s: %s", __func__, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return v;
}

/*
 * Runs the steps from the database's version up to target, each in its own
 * transaction with the new user_version, so a crash leaves a database at
 * one version or the next, never between.
 */
int
store_schema_upgrade(sqlite3 *db, const char *path, int target)
{
	char *errmsg = NULL, sql[64];
	int v, from;

	if ((v = store_schema_version(db)) == -1)
		return -1;
	if (v > STORE_SCHEMA_VERSION) {
		log_warnx("%s: schema version %d is newer than this program "
		    "knows (%d); refusing to use it: run a newer "
		    "strata-aggregator or point it at another database",
		    path, v, STORE_SCHEMA_VERSION);
		return -1;
	}
	if (target > STORE_SCHEMA_VERSION)
		target = STORE_SCHEMA_VERSION;
	from = v;
	for (; v < target; v++) {
		if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL,
		    &errmsg) != SQLITE_OK)
			goto fail;
		if (sqlite3_exec(db, schema_steps[v], NULL, NULL,
		    &errmsg) != SQLITE_OK) {
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			goto fail;
		}
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if (sqlite3_exec(db, sql, NULL, NULL, &errmsg) != SQLITE_OK ||
		    sqlite3_exec(db, "COMMIT", NULL, NULL, &errmsg) !=
		    SQLITE_OK) {
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			goto fail;
		}
	}
	if (from > 0 && from < target)
		log_info("%s: schema upgraded from version %d to %d", path,
		    from, target);
	return 0;
 fail:
	log_warnx("%s: schema step to version %d: %s", path, v + 1,
	    errmsg != NULL ? errmsg : sqlite3_errmsg(db));
	sqlite3_free(errmsg);
	return -1;
}

/* A kind's version in `kinds`: 0 when it has none yet, -1 on error. */
static int
kind_version(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st;
	int v = 0, r;

	if (sqlite3_prepare_v2(db, "SELECT version FROM kinds WHERE name = ?1",
	    -1, &st, NULL) != SQLITE_OK) {
		log_warnx("%s: %s", __func__, sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if ((r = sqlite3_step(st)) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	else if (r != SQLITE_DONE) {
		log_warnx("%s: %s", __func__, sqlite3_errmsg(db));
		v = -1;
	}
	sqlite3_finalize(st);
	return v;
}

/* Runs kind k's step v (to version v + 1) in its own transaction. */
static int
kind_step(sqlite3 *db, const struct agg_kind *k, int v, char **errmsg)
{
	char sql[160];

	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, errmsg) !=
	    SQLITE_OK)
		return -1;
	snprintf(sql, sizeof(sql), "INSERT INTO kinds (name, version) "
	    "VALUES ('%s', %d) ON CONFLICT (name) DO UPDATE SET "
	    "version = excluded.version", k->name, v + 1);
	if (sqlite3_exec(db, k->schema[v], NULL, NULL, errmsg) != SQLITE_OK ||
	    sqlite3_exec(db, sql, NULL, NULL, errmsg) != SQLITE_OK ||
	    sqlite3_exec(db, "COMMIT", NULL, NULL, errmsg) != SQLITE_OK) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

/*
 * Brings every kind's tables up to its last step, as the core's: a kind
 * whose version in the database is newer than its steps is refused.
 */
int
store_schema_kinds(sqlite3 *db, const char *path)
{
	const struct agg_kind *k;
	char *errmsg = NULL;
	size_t i;
	int v, from, n;

	for (i = 0; (k = agg_kind_table[i]) != NULL; i++) {
		for (n = 0; k->schema != NULL && k->schema[n] != NULL; n++)
			;
		if ((v = from = kind_version(db, k->name)) == -1)
			return -1;
		if (v > n) {
			log_warnx("%s: kind %s has schema version %d, newer than "
			    "this program knows (%d); refusing to use it", path,
			    k->name, v, n);
			return -1;
		}
		for (; v < n; v++) {
			if (kind_step(db, k, v, &errmsg) == -1) {
				log_warnx("%s: kind %s: schema step to version "
				    "%d: %s", path, k->name, v + 1, errmsg ?
				    errmsg : sqlite3_errmsg(db));
				sqlite3_free(errmsg);
				return -1;
			}
		}
		if (from > 0 && from < n)
			log_info("%s: kind %s: schema upgraded from version %d "
			    "to %d", path, k->name, from, n);
	}
	return 0;
}
