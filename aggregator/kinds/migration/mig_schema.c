/*
 * mig_schema.c: the migration kind's tables (its schema steps, table
 * `kinds`), the members its records have, and its prepared statements.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "log.h"
#include "mig_int.h"

/*
 * Version 1: the tables as the store's own steps 1 and 2 made them before
 * kinds had steps of their own; on those databases only the IF NOT EXISTS
 * find them there.
 */
static const char mig_schema_v1[] =
	"CREATE TABLE IF NOT EXISTS vms ("
	"  uuid            TEXT PRIMARY KEY,"
	"  name            TEXT,"
	"  last_node       TEXT,"
	"  last_seen_ns    INTEGER"
	");"
	/*
	 * The latest `migration` record of each side, by (node, side id).
	 * A side with role '' is a stub: rounds came before its record.
	 */
	"CREATE TABLE IF NOT EXISTS migration_sides ("
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
	"CREATE INDEX IF NOT EXISTS sides_vm ON migration_sides (vm_uuid, role);"
	"CREATE INDEX IF NOT EXISTS sides_sid ON migration_sides (sid);"
	"CREATE INDEX IF NOT EXISTS sides_mig ON migration_sides (mig_id);"
	/* One row per correlated migration (one or two sides). */
	"CREATE TABLE IF NOT EXISTS migrations ("
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
	"CREATE INDEX IF NOT EXISTS mig_started ON migrations (started_ns);"
	"CREATE INDEX IF NOT EXISTS mig_vm ON migrations (vm_uuid);"
	"CREATE INDEX IF NOT EXISTS mig_active ON migrations (started_ns)"
	"  WHERE outcome IS NULL;"
	"CREATE INDEX IF NOT EXISTS mig_vm_name ON migrations (vm_name);"
	"CREATE INDEX IF NOT EXISTS mig_src ON migrations (src_node);"
	"CREATE INDEX IF NOT EXISTS mig_dst ON migrations (dst_node);"
	/* Dirty-sync rounds of a side (migration_sides.id), by n. */
	"CREATE TABLE IF NOT EXISTS rounds ("
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
	") WITHOUT ROWID;";

/*
 * Version 2: the rows of `migrations` and `vms`, kept by triggers, for
 * `status`: counting them took 16 ms at 540,000 migrations and 460,000
 * VMs, and grows with the store.
 */
static const char mig_schema_v2[] =
	"CREATE TABLE mig_tally ("
	"  name            TEXT PRIMARY KEY,"	/* the table counted */
	"  n               INTEGER NOT NULL"
	");"
	"INSERT INTO mig_tally SELECT 'migrations', count(*) FROM migrations;"
	"INSERT INTO mig_tally SELECT 'vms', count(*) FROM vms;"
	"CREATE TRIGGER mig_tally_mig_insert AFTER INSERT ON migrations BEGIN"
	"  UPDATE mig_tally SET n = n + 1 WHERE name = 'migrations';"
	"END;"
	"CREATE TRIGGER mig_tally_mig_delete AFTER DELETE ON migrations BEGIN"
	"  UPDATE mig_tally SET n = n - 1 WHERE name = 'migrations';"
	"END;"
	"CREATE TRIGGER mig_tally_vm_insert AFTER INSERT ON vms BEGIN"
	"  UPDATE mig_tally SET n = n + 1 WHERE name = 'vms';"
	"END;"
	"CREATE TRIGGER mig_tally_vm_delete AFTER DELETE ON vms BEGIN"
	"  UPDATE mig_tally SET n = n - 1 WHERE name = 'vms';"
	"END;";

const char *const mig_schema[] = {
	mig_schema_v1,
	mig_schema_v2,
	NULL
};

/* Sorted: the store finds a record's members by their first letter. */
const char *const mig_fields_side[] = {
	"downtime_ms", "ended_ns", "error", "id", "outcome",
	"predicted_downtime_ms", "role", "rounds", "started_ns", "state",
	"t_ns", "throttle_pct", "total_ms", "verdict", "vm_name",
	"vm_resume_ns", "vm_stop_ns", "vm_uuid", "vpid",
	NULL
};

const char *const mig_fields_round[] = {
	"bandwidth_bps", "bytes", "dirty_pages", "dirty_rate_bps",
	"duration_ms", "migration_id", "n", "pending_bytes",
	"predicted_downtime_ms", "start_ns", "t_ns", "throttle_pct",
	"verdict",
	NULL
};

_Static_assert(sizeof(mig_fields_side) / sizeof(mig_fields_side[0]) ==
    MF__COUNT + 1, "one name per enum mig_fs");
_Static_assert(sizeof(mig_fields_round) / sizeof(mig_fields_round[0]) ==
    MR__COUNT + 1, "one name per enum mig_fr");

#define SIDE_COLS							\
	"node, sid, role, vm_uuid, vm_name, vpid, state, outcome, error, "\
	"verdict, downtime_ms, total_ms, started_ns, ended_ns, vm_stop_ns, "\
	"vm_resume_ns, predicted_downtime_ms, throttle_pct, t_ns, "	\
	"first_t_ns, updated_ns, raw, mig_id, peer_node, peer_sid, "	\
	"id AS side_key"


static const char *const mig_sql[MST__COUNT] = {
	[MST_SIDE_UPSERT] =
	    "INSERT INTO migration_sides (node, sid, role, vm_uuid, vm_name, "
	    "vpid, state, outcome, error, verdict, downtime_ms, total_ms, "
	    "started_ns, ended_ns, vm_stop_ns, vm_resume_ns, "
	    "predicted_downtime_ms, throttle_pct, t_ns, first_t_ns, "
	    "updated_ns, raw) VALUES (:node, :id, :role, :vm_uuid, :vm_name, "
	    ":vpid, :state, :outcome, :error, :verdict, :downtime_ms, "
	    ":total_ms, :started_ns, :ended_ns, :vm_stop_ns, :vm_resume_ns, "
	    ":predicted_downtime_ms, :throttle_pct, :t_ns, :t_ns, :updated_ns, "
	    ":raw) "
	    "ON CONFLICT (node, sid) DO UPDATE SET role = excluded.role, "
	    "vm_uuid = coalesce(excluded.vm_uuid, vm_uuid), "
	    "vm_name = coalesce(excluded.vm_name, vm_name), "
	    "vpid = coalesce(excluded.vpid, vpid), state = excluded.state, "
	    "outcome = excluded.outcome, error = excluded.error, "
	    "verdict = excluded.verdict, downtime_ms = excluded.downtime_ms, "
	    "total_ms = excluded.total_ms, "
	    "started_ns = coalesce(excluded.started_ns, started_ns), "
	    "ended_ns = excluded.ended_ns, "
	    "vm_stop_ns = coalesce(excluded.vm_stop_ns, vm_stop_ns), "
	    "vm_resume_ns = coalesce(excluded.vm_resume_ns, vm_resume_ns), "
	    "predicted_downtime_ms = excluded.predicted_downtime_ms, "
	    "throttle_pct = excluded.throttle_pct, t_ns = excluded.t_ns, "
	    "first_t_ns = min(first_t_ns, excluded.t_ns), "
	    "updated_ns = excluded.updated_ns, raw = excluded.raw "
	    "WHERE excluded.t_ns > migration_sides.t_ns OR "
	    "(excluded.t_ns = migration_sides.t_ns AND "
	    "excluded.raw IS NOT migration_sides.raw)",
	[MST_SIDE_GET] =
	    "SELECT " SIDE_COLS " FROM migration_sides "
	    "WHERE node = ?1 AND sid = ?2",
	/*
	 * The sides that may be the other half of one (?1 vm, ?2 the other
	 * role, ?3 another node), with their node's clock offset and the
	 * side each is paired with now, if it still exists.  It runs for
	 * every migration record, so its plan is pinned (INDEXED BY):
	 * statistics taken while one VM had all the sides, of one role,
	 * make sides_vm look useless and the planner scan every side
	 * instead (docs/store.md, "Query plans").
	 */
	[MST_SIDE_CANDIDATES] =
	    "SELECT c.node, c.sid, coalesce(c.started_ns, c.first_t_ns), "
	    "c.ended_ns, coalesce(nc.clock_offset_ns, 0), "
	    "p.node IS NOT NULL AND NOT (p.node = ?3 AND p.sid = ?4), "
	    "coalesce(p.started_ns, p.first_t_ns), "
	    "coalesce(np.clock_offset_ns, 0) "
	    "FROM migration_sides c INDEXED BY sides_vm "
	    "LEFT JOIN nodes nc INDEXED BY sqlite_autoindex_nodes_1 "
	    "ON nc.name = c.node "
	    "LEFT JOIN migration_sides p "
	    "INDEXED BY sqlite_autoindex_migration_sides_1 "
	    "ON p.node = c.peer_node AND p.sid = c.peer_sid "
	    "LEFT JOIN nodes np INDEXED BY sqlite_autoindex_nodes_1 "
	    "ON np.name = p.node "
	    "WHERE c.vm_uuid = ?1 AND c.role = ?2 AND c.node != ?3",
	[MST_SIDE_ID] =
	    "SELECT id, nrounds FROM migration_sides "
	    "WHERE node = ?1 AND sid = ?2",
	[MST_SIDE_STUB] =
	    "INSERT INTO migration_sides (node, sid, role, t_ns, first_t_ns) "
	    "VALUES (?1, ?2, '', 0, 9223372036854775807) "
	    "ON CONFLICT (node, sid) DO NOTHING",
	[MST_SIDE_SET_PEER] =
	    "UPDATE migration_sides SET peer_node = ?3, peer_sid = ?4 "
	    "WHERE node = ?1 AND sid = ?2",
	[MST_SIDE_SET_MIG] =
	    "UPDATE migration_sides SET mig_id = ?3 "
	    "WHERE node = ?1 AND sid = ?2",
	[MST_SIDES_OF_MIG] =
	    "SELECT " SIDE_COLS " FROM migration_sides WHERE mig_id = ?1 "
	    "ORDER BY role DESC",
	[MST_SIDE_BY_SID] =
	    "SELECT node, mig_id FROM migration_sides "
	    "WHERE role != '' AND (sid = ?1 OR (node = ?2 AND sid = ?3)) "
	    "LIMIT 2",
	[MST_SIDE_MIG] =
	    "SELECT mig_id FROM migration_sides WHERE node = ?1 AND sid = ?2",
	[MST_SIDE_ROUNDS_COUNT] = "SELECT count(*) FROM rounds WHERE side = ?1",
	[MST_SIDE_ROUNDS_MAX] =
	    "SELECT coalesce(max(n), 0) FROM rounds WHERE side = ?1",
	[MST_SIDE_NROUNDS] = "SELECT nrounds FROM migration_sides WHERE id = ?1",
	[MST_SIDE_SET_NROUNDS] =
	    "UPDATE migration_sides SET nrounds = ?2 WHERE id = ?1",
	[MST_SIDE_ADD_NROUNDS] =
	    "UPDATE migration_sides SET nrounds = nrounds + ?2 "
	    "WHERE id = ?1 AND nrounds IS NOT NULL",
	[MST_MIG_UPSERT] =
	    "INSERT OR REPLACE INTO migrations (id, vm_uuid, vm_name, "
	    "src_node, src_sid, dst_node, dst_sid, state, outcome, verdict, "
	    "rounds, downtime_ms, downtime_basis, total_ms, started_ns, "
	    "ended_ns, error, detail, updated_ns) VALUES (?1, ?2, ?3, ?4, ?5, "
	    "?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
	[MST_MIG_DELETE] =
	    "DELETE FROM migrations WHERE id = ?1 AND NOT EXISTS "
	    "(SELECT 1 FROM migration_sides WHERE mig_id = ?1)",
	[MST_MIG_GET] =
	    "SELECT id, vm_uuid, vm_name, src_node, dst_node, state, outcome, "
	    "verdict, rounds, downtime_ms, downtime_basis, total_ms, "
	    "started_ns, ended_ns, error, detail, updated_ns "
	    "FROM migrations WHERE id = ?1",
	[MST_VM_UPSERT] =
	    "INSERT INTO vms (uuid, name, last_node, last_seen_ns) "
	    "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (uuid) DO UPDATE SET "
	    "name = coalesce(excluded.name, name), "
	    "last_node = coalesce(excluded.last_node, last_node), "
	    "last_seen_ns = max(coalesce(last_seen_ns, 0), excluded.last_seen_ns)",
	[MST_ROUND_INSERT] =
	    "INSERT OR IGNORE INTO rounds (side, n, t_ns, start_ns, "
	    "dirty_pages, duration_ms, dirty_rate_bps, pending_bytes, "
	    "bandwidth_bps, bytes, predicted_downtime_ms, throttle_pct, "
	    "verdict) VALUES (?1, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
	    "?12, ?13, ?14)",
	/* What a round record adds to the stored one; nothing if the same. */
	[MST_ROUND_UPDATE] =
	    "UPDATE rounds SET t_ns = coalesce(?4, t_ns), "
	    "start_ns = coalesce(?5, start_ns), "
	    "dirty_pages = coalesce(?6, dirty_pages), "
	    "duration_ms = coalesce(?7, duration_ms), "
	    "dirty_rate_bps = coalesce(?8, dirty_rate_bps), "
	    "pending_bytes = coalesce(?9, pending_bytes), "
	    "bandwidth_bps = coalesce(?10, bandwidth_bps), "
	    "bytes = coalesce(?11, bytes), "
	    "predicted_downtime_ms = coalesce(?12, predicted_downtime_ms), "
	    "throttle_pct = coalesce(?13, throttle_pct), "
	    "verdict = coalesce(?14, verdict) "
	    "WHERE side = ?1 AND n = ?3 AND ("
	    "(?4 IS NOT NULL AND ?4 IS NOT t_ns) OR "
	    "(?5 IS NOT NULL AND ?5 IS NOT start_ns) OR "
	    "(?6 IS NOT NULL AND ?6 IS NOT dirty_pages) OR "
	    "(?7 IS NOT NULL AND ?7 IS NOT duration_ms) OR "
	    "(?8 IS NOT NULL AND ?8 IS NOT dirty_rate_bps) OR "
	    "(?9 IS NOT NULL AND ?9 IS NOT pending_bytes) OR "
	    "(?10 IS NOT NULL AND ?10 IS NOT bandwidth_bps) OR "
	    "(?11 IS NOT NULL AND ?11 IS NOT bytes) OR "
	    "(?12 IS NOT NULL AND ?12 IS NOT predicted_downtime_ms) OR "
	    "(?13 IS NOT NULL AND ?13 IS NOT throttle_pct) OR "
	    "(?14 IS NOT NULL AND ?14 IS NOT verdict))",
	[MST_ROUNDS_OF_SIDE] =
	    "SELECT n, t_ns, start_ns, dirty_pages, duration_ms, "
	    "dirty_rate_bps, pending_bytes, bandwidth_bps, bytes, "
	    "predicted_downtime_ms, throttle_pct, verdict FROM rounds "
	    "WHERE side = ?1 ORDER BY n",
	/* The advice's round: the side's last with pending bytes. */
	[MST_LAST_PENDING_ROUND] =
	    "SELECT n, t_ns, start_ns, dirty_pages, duration_ms, "
	    "dirty_rate_bps, pending_bytes, bandwidth_bps, bytes, "
	    "predicted_downtime_ms, throttle_pct, verdict FROM rounds "
	    "WHERE side = ?1 AND pending_bytes IS NOT NULL ORDER BY n DESC "
	    "LIMIT 1",
	/*
	 * The alerts of a migration's sides, by name, oldest first: from
	 * the sides (CROSS JOIN keeps that order), never by scanning the
	 * firing alerts, which is what the planner picks without statistics.
	 */
	[MST_MIG_ALERTS] =
	    "SELECT a.id, a.name FROM migration_sides s INDEXED BY sides_mig "
	    "CROSS JOIN alerts a INDEXED BY alerts_subject "
	    "ON a.node = s.node AND a.subject_kind = 'migration' AND "
	    "a.subject_id = s.sid WHERE s.mig_id = ?1 AND "
	    "a.folded_into IS NULL AND a.state IN ('firing', 'acked') "
	    "ORDER BY a.name, a.id",
	[MST_STATUS] =
	    "SELECT (SELECT n FROM mig_tally WHERE name = 'migrations'), "
	    "(SELECT count(*) FROM migrations WHERE outcome IS NULL), "
	    "(SELECT n FROM mig_tally WHERE name = 'vms')",
	/* An alert's VM name: its side's, else the VM's of its uuid. */
	[MST_ALERT_VM] =
	    "SELECT coalesce((SELECT vm_name FROM migration_sides "
	    "WHERE node = ?1 AND sid = ?2), (SELECT name FROM vms "
	    "WHERE uuid = ?3))",
	/* /metrics: every migration, once (mig_metrics()). */
	[MST_METRICS_ALL] =
	    "SELECT outcome, downtime_ms, total_ms, rounds FROM migrations",
	/*
	 * The newest active migrations with the source side's last round
	 * and its threshold and limit (from its latest record).
	 */
	[MST_METRICS_ACTIVE] =
	    "SELECT m.vm_uuid, m.vm_name, coalesce(m.src_node, m.dst_node), "
	    "m.rounds, r.pending_bytes, r.dirty_rate_bps, r.bandwidth_bps, "
	    "r.predicted_downtime_ms, "
	    "CASE WHEN json_valid(s.raw) THEN "
	    "json_extract(s.raw, '$.threshold_bytes') END, "
	    "CASE WHEN json_valid(s.raw) THEN "
	    "json_extract(s.raw, '$.downtime_limit_ms') END, m.started_ns "
	    "FROM migrations m INDEXED BY mig_active LEFT JOIN migration_sides s "
	    "ON s.node = m.src_node AND s.sid = m.src_sid "
	    "LEFT JOIN rounds r ON r.side = s.id AND "
	    "r.n = (SELECT max(n) FROM rounds WHERE side = s.id) "
	    "WHERE m.outcome IS NULL ORDER BY m.started_ns DESC LIMIT ?1",
};

sqlite3_stmt *
mig_st(struct mig *m, enum mig_st which)
{
	return store_reset(m->st[which]);
}

/* The side upsert takes the record's members by their names. */
static int
side_params(struct mig *m)
{
	sqlite3_stmt *st = m->st[MST_SIDE_UPSERT];
	char name[64];
	int f;

	for (f = 0; f < MF__COUNT; f++) {
		snprintf(name, sizeof(name), ":%s", mig_fields_side[f]);
		m->side_param[f] = sqlite3_bind_parameter_index(st, name);
	}
	m->side_node = sqlite3_bind_parameter_index(st, ":node");
	m->side_updated = sqlite3_bind_parameter_index(st, ":updated_ns");
	m->side_raw = sqlite3_bind_parameter_index(st, ":raw");
	if (m->side_node == 0 || m->side_updated == 0 || m->side_raw == 0 ||
	    m->side_param[MF_ID] == 0 || m->side_param[MF_T_NS] == 0) {
		log_warnx("%s: the side statement lacks a parameter", __func__);
		return -1;
	}
	return 0;
}

void *
mig_prepare(struct store *s)
{
	struct mig *m;
	int i;

	if ((m = calloc(1, sizeof(*m))) == NULL) {
		log_warn("%s: calloc", __func__);
		return NULL;
	}
	m->s = s;
	for (i = 0; i < MST__COUNT; i++)
		if (store_prepare(s, mig_sql[i], &m->st[i]) == -1)
			goto fail;
	if (side_params(m) == -1)
		goto fail;
	return m;
 fail:
	mig_finish(m);
	return NULL;
}

void
mig_finish(void *arg)
{
	struct mig *m = arg;
	int i;

	if (m == NULL)
		return;
	mig_batch_end(m);
	for (i = 0; i < MST__COUNT; i++)
		sqlite3_finalize(m->st[i]);
	for (i = 0; i < MIGF__COUNT; i++)
		sqlite3_finalize(m->st_list[i]);
	free(m->touch);
	free(m->asid);
	free(m->alert_mid);
	free(m);
}
