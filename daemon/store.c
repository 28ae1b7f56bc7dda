/*
 * store.c: the aggregator's SQLite store: opening it (WAL, schema version),
 * the prepared statements, and what changes it: agents' handshakes and
 * stats, batches of records, alerts and stale nodes.
 *
 * A batch is one transaction.  Its records are stored by (node, id), so a
 * batch sent again changes nothing; the sides it touched are correlated into
 * migrations (store_correlate.c) before the commit, and the alerts it
 * changed are handed to the alert callback after the commit.  The store is
 * not thread safe: one event loop owns it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>
#include <json-c/json.h>

#include "log.h"
#include "store.h"
#include "store_int.h"

#define SIDE_COLS							\
	"node, sid, role, vm_uuid, vm_name, vpid, state, outcome, error, "\
	"verdict, downtime_ms, total_ms, started_ns, ended_ns, vm_stop_ns, "\
	"vm_resume_ns, predicted_downtime_ms, throttle_pct, t_ns, "	\
	"first_t_ns, updated_ns, raw, mig_id, peer_node, peer_sid, "	\
	"id AS side_key"

#define ALERT_COLS							\
	"a.id AS id, a.name AS name, a.state AS state, "		\
	"a.severity AS severity, a.node AS node, a.vm_uuid AS vm_uuid, "\
	"a.migration_id AS migration_id, s.mig_id AS migration, "	\
	"a.t_ns AS t_ns, a.fired_ns AS fired_ns, "			\
	"a.resolved_ns AS resolved_ns, a.acked_ns AS acked_ns, "	\
	"a.message AS message, a.resolution AS resolution, "		\
	"a.evidence AS evidence "					\
	"FROM alerts a LEFT JOIN migration_sides s "			\
	"ON s.node = a.node AND s.sid = a.migration_id "

static const char *const store_sql[ST__COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_NODE_GET] =
	    "SELECT stale, clock_offset_ns, clock_hello_ns, clock_lo_ns, "
	    "clock_adj_ns FROM nodes WHERE name = ?1",
	[ST_NODE_TOUCH] =
	    "INSERT INTO nodes (name, first_seen_ns, last_seen_ns) "
	    "VALUES (?1, ?2, ?2) ON CONFLICT (name) DO UPDATE SET "
	    "last_seen_ns = max(coalesce(last_seen_ns, 0), ?2)",
	[ST_NODE_COUNT] =
	    "UPDATE nodes SET records = records + ?2, "
	    "duplicates = duplicates + ?3, skipped = skipped + ?4 "
	    "WHERE name = ?1",
	[ST_NODE_HELLO] =
	    "INSERT INTO nodes (name, agent_version, first_seen_ns, "
	    "last_seen_ns, hello_ns, clock_hello_ns, clock_offset_ns, "
	    "clock_source) VALUES (?1, ?2, ?3, ?3, ?3, ?4, ?4, 'handshake') "
	    "ON CONFLICT (name) DO UPDATE SET agent_version = ?2, "
	    "last_seen_ns = max(coalesce(last_seen_ns, 0), ?3), "
	    "hello_ns = ?3, clock_hello_ns = ?4, clock_offset_ns = ?4, "
	    "clock_lo_ns = NULL, clock_adj_ns = 0, clock_source = 'handshake'",
	[ST_NODE_STATS] =
	    "UPDATE nodes SET events_per_s = coalesce(?2, events_per_s), "
	    "discarded = coalesce(?3, discarded), stats = ?4 WHERE name = ?1",
	[ST_NODE_CLOCK] =
	    "UPDATE nodes SET clock_offset_ns = ?2, clock_lo_ns = ?3, "
	    "clock_adj_ns = ?4, clock_source = ?5 WHERE name = ?1",
	[ST_NODE_STALE_LIST] =
	    "SELECT name, last_seen_ns FROM nodes "
	    "WHERE stale = 0 AND last_seen_ns < ?1",
	[ST_NODE_SET_STALE] =
	    "UPDATE nodes SET stale = ?2, stale_since_ns = ?3 WHERE name = ?1",
	[ST_COUNTER_ADD] =
	    "INSERT INTO counters (name, value) VALUES (?1, ?2) "
	    "ON CONFLICT (name) DO UPDATE SET value = value + ?2",
	[ST_SIDE_UPSERT] =
	    "INSERT INTO migration_sides (node, sid, role, vm_uuid, vm_name, "
	    "vpid, state, outcome, error, verdict, downtime_ms, total_ms, "
	    "started_ns, ended_ns, vm_stop_ns, vm_resume_ns, "
	    "predicted_downtime_ms, throttle_pct, t_ns, first_t_ns, "
	    "updated_ns, raw) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
	    "?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?19, ?20, ?21) "
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
	[ST_SIDE_GET] =
	    "SELECT " SIDE_COLS " FROM migration_sides "
	    "WHERE node = ?1 AND sid = ?2",
	[ST_SIDE_CANDIDATES] =
	    "SELECT node, sid, coalesce(started_ns, first_t_ns), ended_ns, "
	    "peer_node, peer_sid FROM migration_sides "
	    "WHERE vm_uuid = ?1 AND role = ?2 AND node != ?3",
	[ST_SIDE_ID] =
	    "SELECT id, nrounds FROM migration_sides "
	    "WHERE node = ?1 AND sid = ?2",
	[ST_SIDE_STUB] =
	    "INSERT INTO migration_sides (node, sid, role, t_ns, first_t_ns) "
	    "VALUES (?1, ?2, '', 0, 9223372036854775807) "
	    "ON CONFLICT (node, sid) DO NOTHING",
	[ST_SIDE_SET_PEER] =
	    "UPDATE migration_sides SET peer_node = ?3, peer_sid = ?4 "
	    "WHERE node = ?1 AND sid = ?2",
	[ST_SIDE_SET_MIG] =
	    "UPDATE migration_sides SET mig_id = ?3 "
	    "WHERE node = ?1 AND sid = ?2",
	[ST_SIDES_OF_MIG] =
	    "SELECT " SIDE_COLS " FROM migration_sides WHERE mig_id = ?1 "
	    "ORDER BY role DESC",
	[ST_SIDE_BY_SID] =
	    "SELECT node, mig_id FROM migration_sides "
	    "WHERE role != '' AND (sid = ?1 OR (node = ?2 AND sid = ?3)) "
	    "LIMIT 2",
	[ST_SIDE_ROUNDS_COUNT] = "SELECT count(*) FROM rounds WHERE side = ?1",
	[ST_SIDE_ROUNDS_MAX] =
	    "SELECT coalesce(max(n), 0) FROM rounds WHERE side = ?1",
	[ST_SIDE_NROUNDS] = "SELECT nrounds FROM migration_sides WHERE id = ?1",
	[ST_SIDE_SET_NROUNDS] =
	    "UPDATE migration_sides SET nrounds = ?2 WHERE id = ?1",
	[ST_SIDE_ADD_NROUNDS] =
	    "UPDATE migration_sides SET nrounds = nrounds + ?2 "
	    "WHERE id = ?1 AND nrounds IS NOT NULL",
	[ST_MIG_UPSERT] =
	    "INSERT OR REPLACE INTO migrations (id, vm_uuid, vm_name, "
	    "src_node, src_sid, dst_node, dst_sid, state, outcome, verdict, "
	    "rounds, downtime_ms, downtime_basis, total_ms, started_ns, "
	    "ended_ns, error, detail, updated_ns) VALUES (?1, ?2, ?3, ?4, ?5, "
	    "?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
	[ST_MIG_DELETE] =
	    "DELETE FROM migrations WHERE id = ?1 AND NOT EXISTS "
	    "(SELECT 1 FROM migration_sides WHERE mig_id = ?1)",
	[ST_MIG_GET] =
	    "SELECT id, vm_uuid, vm_name, src_node, dst_node, state, outcome, "
	    "verdict, rounds, downtime_ms, downtime_basis, total_ms, "
	    "started_ns, ended_ns, error, detail, updated_ns "
	    "FROM migrations WHERE id = ?1",
	[ST_VM_UPSERT] =
	    "INSERT INTO vms (uuid, name, last_node, last_seen_ns) "
	    "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (uuid) DO UPDATE SET "
	    "name = coalesce(excluded.name, name), "
	    "last_node = coalesce(excluded.last_node, last_node), "
	    "last_seen_ns = max(coalesce(last_seen_ns, 0), excluded.last_seen_ns)",
	[ST_ROUND_INSERT] =
	    "INSERT OR IGNORE INTO rounds (side, n, t_ns, start_ns, "
	    "dirty_pages, duration_ms, dirty_rate_bps, pending_bytes, "
	    "bandwidth_bps, bytes, predicted_downtime_ms, throttle_pct, "
	    "verdict) VALUES (?1, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
	    "?12, ?13, ?14)",
	/* What a round record adds to the stored one; nothing if the same. */
	[ST_ROUND_UPDATE] =
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
	[ST_ROUNDS_OF_SIDE] =
	    "SELECT n, t_ns, start_ns, dirty_pages, duration_ms, "
	    "dirty_rate_bps, pending_bytes, bandwidth_bps, bytes, "
	    "predicted_downtime_ms, throttle_pct, verdict FROM rounds "
	    "WHERE side = ?1 ORDER BY n",
	[ST_ALERT_INSERT] =
	    "INSERT INTO alerts (node, src_id, name, state, severity, vm_uuid, "
	    "migration_id, t_ns, fired_ns, message, evidence) VALUES (?1, ?2, "
	    "?3, 'firing', ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
	    "ON CONFLICT (node, src_id) DO NOTHING",
	[ST_ALERT_FIND_ACTIVE] =
	    "SELECT id FROM alerts WHERE node IS ?1 AND name = ?2 AND "
	    "migration_id IS ?3 AND state IN ('firing', 'acked')",
	[ST_ALERT_UPDATE] =
	    "UPDATE alerts SET t_ns = ?2, message = ?3, evidence = ?4 "
	    "WHERE id = ?1 AND t_ns < ?2",
	[ST_ALERT_RESOLVE] =
	    "UPDATE alerts SET state = 'resolved', resolved_ns = ?2, "
	    "resolution = ?3 WHERE id = ?1 AND state IN ('firing', 'acked')",
	[ST_ALERT_ACK] =
	    "UPDATE alerts SET state = 'acked', acked_ns = ?2 "
	    "WHERE id = ?1 AND state = 'firing'",
	[ST_ALERT_GET] = "SELECT " ALERT_COLS "WHERE a.id = ?1",
	[ST_ALERTS_LIST] =
	    "SELECT * FROM (SELECT " ALERT_COLS "WHERE (?1 = 0 OR "
	    "a.state = 'firing') AND coalesce(a.t_ns, 0) >= ?2 "
	    "ORDER BY a.id DESC LIMIT ?3) ORDER BY id",
	[ST_ALERTS_OF_SIDE] =
	    "SELECT id FROM alerts WHERE node = ?1 AND migration_id = ?2 AND "
	    "name = 'migration.not_converging' AND "
	    "state IN ('firing', 'acked')",
	[ST_STATUS_NODES] =
	    "SELECT count(*), coalesce(sum(stale != 0), 0) FROM nodes",
	[ST_STATUS_MIGS] =
	    "SELECT (SELECT count(*) FROM migrations), "
	    "(SELECT count(*) FROM migrations WHERE outcome IS NULL)",
	[ST_STATUS_ALERTS] =
	    "SELECT count(*) FROM alerts WHERE state = 'firing'",
	[ST_STATUS_VMS] = "SELECT count(*) FROM vms",
	[ST_COUNTERS] = "SELECT name, value FROM counters ORDER BY name",
	[ST_NODES_LIST] =
	    "SELECT name, agent_version, first_seen_ns, last_seen_ns, "
	    "hello_ns, events_per_s, discarded, clock_offset_ns, "
	    "clock_offset_ns / 1e6 AS clock_offset_ms, clock_source, "
	    "clock_hello_ns, clock_lo_ns, clock_adj_ns, stale != 0 AS stale, "
	    "stale_since_ns, records, duplicates, skipped, stats "
	    "FROM nodes ORDER BY name",
};

static const char *const skip_names[SKIP__COUNT] = {
	[SKIP_NOT_OBJECT] = "skipped.not_object",
	[SKIP_NO_KIND] = "skipped.no_kind",
	[SKIP_UNKNOWN_KIND] = "skipped.unknown_kind",
	[SKIP_MISSING_FIELD] = "skipped.missing_field",
	[SKIP_BAD_FIELD] = "skipped.bad_field",
};

const char *
store_err(struct store *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->errbuf, sizeof(s->errbuf), fmt, ap);
	va_end(ap);
	return s->errbuf;
}

static int64_t
wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* A prepared statement, reset and unbound, ready for new values. */
sqlite3_stmt *
store_st(struct store *s, enum store_st which)
{
	sqlite3_stmt *st = s->st[which];

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

/* Runs a statement that returns no rows. */
int
store_done(struct store *s, sqlite3_stmt *st, const char *what)
{
	int rc;

	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		log_warnx("store: %s: %s", what, sqlite3_errmsg(s->db));
		sqlite3_reset(st);
		return -1;
	}
	sqlite3_reset(st);
	return 0;
}

/* Steps to the next row: 1 with a row, 0 at the end, -1 on error. */
int
store_row(struct store *s, sqlite3_stmt *st, const char *what)
{
	int rc;

	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	log_warnx("store: %s: %s", what, sqlite3_errmsg(s->db));
	sqlite3_reset(st);
	return -1;
}

void
store_bind_str(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

void
store_bind_i64(sqlite3_stmt *st, int i, int64_t v)
{
	if (v == STORE_NONE)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, v);
}

void
store_bind_dbl(sqlite3_stmt *st, int i, double v)
{
	if (v != v)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_double(st, i, v);
}

int64_t
store_col_i64(sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return STORE_NONE;
	return sqlite3_column_int64(st, i);
}

double
store_col_dbl(sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return 0.0 / 0.0;
	return sqlite3_column_double(st, i);
}

char *
store_col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t;
	char *p;

	if ((t = sqlite3_column_text(st, i)) == NULL)
		return NULL;
	if ((p = strdup((const char *)t)) == NULL)
		log_warn("%s: strdup", __func__);
	return p;
}

int
store_tx_begin(struct store *s)
{
	if (store_done(s, store_st(s, ST_BEGIN), "begin") == -1)
		return -1;
	s->in_tx = 1;
	return 0;
}

/* After a commit, the alert callback learns what changed. */
static void
store_alert_deliver(struct store *s)
{
	struct json_object *a;
	size_t i;

	for (i = 0; i < s->naev; i++) {
		if (s->alert_cb == NULL)
			break;
		if ((a = store_alert_json(s, s->aev[i].id)) == NULL)
			continue;
		json_object_object_add(a, "event",
		    json_object_new_string(s->aev[i].event));
		s->alert_cb(s->alert_arg, a);
		json_object_put(a);
	}
	s->naev = 0;
}

int
store_tx_commit(struct store *s)
{
	if (store_done(s, store_st(s, ST_COMMIT), "commit") == -1) {
		store_tx_rollback(s);
		return -1;
	}
	s->in_tx = 0;
	store_alert_deliver(s);
	return 0;
}

void
store_tx_rollback(struct store *s)
{
	if (s->in_tx)
		store_done(s, store_st(s, ST_ROLLBACK), "rollback");
	s->in_tx = 0;
	s->naev = 0;
}

/* Remembers that alert id changed, for the callback after the commit. */
int
store_alert_event(struct store *s, int64_t id, const char *event)
{
	struct store_alert_ev *p;
	size_t n;

	if (s->naev == s->aevcap) {
		n = s->aevcap ? s->aevcap * 2 : 16;
		if ((p = reallocarray(s->aev, n, sizeof(*p))) == NULL) {
			log_warn("%s: reallocarray", __func__);
			return -1;
		}
		s->aev = p;
		s->aevcap = n;
	}
	s->aev[s->naev].id = id;
	s->aev[s->naev].event = event;
	s->naev++;
	return 0;
}

int
store_alert_resolve(struct store *s, int64_t id, const char *why,
    int64_t now_ns)
{
	sqlite3_stmt *st = store_st(s, ST_ALERT_RESOLVE);

	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now_ns);
	store_bind_str(st, 3, why);
	if (store_done(s, st, "resolve alert") == -1)
		return -1;
	if (sqlite3_changes(s->db) > 0)
		return store_alert_event(s, id, "resolved");
	return 0;
}

/* Raises an alert of the store's own (node.stale); returns its id. */
static int64_t
alert_raise(struct store *s, const char *node, const char *name,
    const char *severity, const char *message, int64_t now_ns)
{
	sqlite3_stmt *st = store_st(s, ST_ALERT_INSERT);
	int64_t id;

	store_bind_str(st, 1, node);
	sqlite3_bind_null(st, 2);
	store_bind_str(st, 3, name);
	store_bind_str(st, 4, severity);
	sqlite3_bind_int64(st, 7, now_ns);
	sqlite3_bind_int64(st, 8, now_ns);
	store_bind_str(st, 9, message);
	if (store_done(s, st, "raise alert") == -1)
		return -1;
	id = sqlite3_last_insert_rowid(s->db);
	if (store_alert_event(s, id, "fired") == -1)
		return -1;
	return id;
}

/* Resolves the active alerts name of node (and migration id, may be NULL). */
static int
alerts_resolve_named(struct store *s, const char *node, const char *name,
    const char *mig, const char *why, int64_t now_ns)
{
	sqlite3_stmt *st = store_st(s, ST_ALERT_FIND_ACTIVE);
	int64_t ids[64];
	int n = 0, r, i;

	store_bind_str(st, 1, node);
	store_bind_str(st, 2, name);
	store_bind_str(st, 3, mig);
	while ((r = store_row(s, st, "active alerts")) == 1 && n < 64)
		ids[n++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (r == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (store_alert_resolve(s, ids[i], why, now_ns) == -1)
			return -1;
	return 0;
}

/*
 * A node was heard from: it exists, its last_seen moves on, and if it was
 * stale it is not any more (its node.stale alert resolves).
 */
static int
node_seen(struct store *s, const char *node, int64_t now_ns)
{
	sqlite3_stmt *st = store_st(s, ST_NODE_GET);
	int r, stale = 0;

	store_bind_str(st, 1, node);
	if ((r = store_row(s, st, "node")) == -1)
		return -1;
	if (r == 1)
		stale = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	st = store_st(s, ST_NODE_TOUCH);
	store_bind_str(st, 1, node);
	sqlite3_bind_int64(st, 2, now_ns);
	if (store_done(s, st, "touch node") == -1)
		return -1;
	if (!stale)
		return 0;
	st = store_st(s, ST_NODE_SET_STALE);
	store_bind_str(st, 1, node);
	sqlite3_bind_int(st, 2, 0);
	sqlite3_bind_null(st, 3);
	if (store_done(s, st, "node not stale") == -1)
		return -1;
	log_info("store: node %s is back", node);
	return alerts_resolve_named(s, node, "node.stale", NULL,
	    "the node was heard from again", now_ns);
}

static int
counter_add(struct store *s, const char *name, int64_t v)
{
	sqlite3_stmt *st;

	if (v == 0)
		return 0;
	st = store_st(s, ST_COUNTER_ADD);
	store_bind_str(st, 1, name);
	sqlite3_bind_int64(st, 2, v);
	return store_done(s, st, "counter");
}

/*
 * The members of a record the store reads, found in one pass over the
 * record (a hash lookup per member read costs more at 100k records/s).
 */
enum rf {
	RF_BANDWIDTH_BPS, RF_BYTES, RF_DIRTY_PAGES, RF_DIRTY_RATE_BPS,
	RF_DOWNTIME_MS, RF_DURATION_MS, RF_ENDED_NS, RF_ERROR, RF_EVIDENCE,
	RF_ID, RF_KIND, RF_MESSAGE, RF_MIGRATION_ID, RF_N, RF_NAME,
	RF_OUTCOME, RF_PENDING_BYTES, RF_PREDICTED_DOWNTIME_MS, RF_ROLE,
	RF_ROUNDS, RF_SEVERITY, RF_START_NS, RF_STARTED_NS, RF_STATE,
	RF_T_NS, RF_THROTTLE_PCT, RF_TOTAL_MS, RF_VERDICT, RF_VM_NAME,
	RF_VM_RESUME_NS, RF_VM_STOP_NS, RF_VM_UUID, RF_VPID,
	RF__COUNT
};

/* Sorted: rec_scan() looks a key up among the names of its first letter. */
static const char *const rf_names[RF__COUNT] = {
	"bandwidth_bps", "bytes", "dirty_pages", "dirty_rate_bps",
	"downtime_ms", "duration_ms", "ended_ns", "error", "evidence",
	"id", "kind", "message", "migration_id", "n", "name",
	"outcome", "pending_bytes", "predicted_downtime_ms", "role",
	"rounds", "severity", "start_ns", "started_ns", "state",
	"t_ns", "throttle_pct", "total_ms", "verdict", "vm_name",
	"vm_resume_ns", "vm_stop_ns", "vm_uuid", "vpid",
};

struct rec {
	struct json_object	*v[RF__COUNT];	/* NULL: absent or null */
};

/* Where the names of each first letter start and end in rf_names. */
static void
rec_index(struct store *s)
{
	int i, c;

	memset(s->rf_lo, 0, sizeof(s->rf_lo));
	memset(s->rf_hi, 0, sizeof(s->rf_hi));
	for (i = RF__COUNT; i-- > 0; ) {
		c = (unsigned char)rf_names[i][0] & 0x7f;
		s->rf_lo[c] = i;
		if (s->rf_hi[c] == 0)
			s->rf_hi[c] = i + 1;
	}
}

static void
rec_scan(const struct store *s, struct json_object *o, struct rec *r)
{
	int i, c;

	memset(r, 0, sizeof(*r));
	json_object_object_foreach(o, key, val) {
		c = (unsigned char)key[0];
		if (c >= 0x80)
			continue;
		for (i = s->rf_lo[c]; i < s->rf_hi[c]; i++) {
			if (strcmp(rf_names[i], key) == 0) {
				r->v[i] = val;
				break;
			}
		}
	}
}

/* Record fields: a value of the wrong type is "bad", null is "absent". */
enum fld { FLD_ABSENT, FLD_OK, FLD_BAD };

static enum fld
get_str(const struct rec *r, enum rf f, const char **v)
{
	struct json_object *x = r->v[f];

	*v = NULL;
	if (x == NULL)
		return FLD_ABSENT;
	if (!json_object_is_type(x, json_type_string))
		return FLD_BAD;
	*v = json_object_get_string(x);
	if (**v == '\0') {
		*v = NULL;
		return FLD_ABSENT;
	}
	return FLD_OK;
}

static enum fld
get_i64(const struct rec *r, enum rf f, int64_t *v)
{
	struct json_object *x = r->v[f];
	double d;

	*v = STORE_NONE;
	if (x == NULL)
		return FLD_ABSENT;
	switch (json_object_get_type(x)) {
	case json_type_int:
		*v = json_object_get_int64(x);
		return FLD_OK;
	case json_type_double:
		d = json_object_get_double(x);
		if (d != d || d < -9.2e18 || d > 9.2e18)
			return FLD_BAD;
		*v = (int64_t)d;
		return FLD_OK;
	default:
		return FLD_BAD;
	}
}

static enum fld
get_dbl(const struct rec *r, enum rf f, double *v)
{
	struct json_object *x = r->v[f];

	*v = 0.0 / 0.0;
	if (x == NULL)
		return FLD_ABSENT;
	switch (json_object_get_type(x)) {
	case json_type_int:
	case json_type_double:
		*v = json_object_get_double(x);
		return FLD_OK;
	default:
		return FLD_BAD;
	}
}

/* Optional fields of a wrong type are left out rather than fail a record. */
static const char *
opt_str(const struct rec *r, enum rf f)
{
	const char *v;

	return get_str(r, f, &v) == FLD_OK ? v : NULL;
}

static int64_t
opt_i64(const struct rec *r, enum rf f)
{
	int64_t v;

	return get_i64(r, f, &v) == FLD_OK ? v : STORE_NONE;
}

static double
opt_dbl(const struct rec *r, enum rf f)
{
	double v;

	return get_dbl(r, f, &v) == FLD_OK ? v : 0.0 / 0.0;
}

static int
skip(struct store *s, enum store_skip why, const char *node, size_t i,
    const char *detail)
{
	s->skips[why]++;
	log_debug("store: node %s: record %zu skipped: %s%s%s", node, i,
	    skip_names[why] + sizeof("skipped.") - 1, detail ? ": " : "",
	    detail ? detail : "");
	return 0;
}

/*
 * The entry of side sid among the sides the batch touched (correlated at
 * its end), with the side's key; a side not stored yet is made a stub
 * when stub is set.  NULL on error.  Valid until the next call.
 */
static struct store_touch *
touch(struct store *s, const char *node, const char *sid, int stub)
{
	struct store_touch *p, *e;
	sqlite3_stmt *st;
	size_t i, n;
	int r;

	for (i = s->ntouch; i-- > 0; )
		if (strcmp(s->touch[i].sid, sid) == 0)
			return &s->touch[i];
	if (s->ntouch == s->touchcap) {
		n = s->touchcap ? s->touchcap * 2 : 16;
		if ((p = reallocarray(s->touch, n, sizeof(*p))) == NULL) {
			log_warn("%s: reallocarray", __func__);
			return NULL;
		}
		s->touch = p;
		s->touchcap = n;
	}
	e = &s->touch[s->ntouch];
	memset(e, 0, sizeof(*e));
	e->nrounds = STORE_NONE;
	st = store_st(s, ST_SIDE_ID);
	sqlite3_bind_text(st, 1, node, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, sid, -1, SQLITE_STATIC);
	if ((r = store_row(s, st, "side key")) == 1) {
		e->side = sqlite3_column_int64(st, 0);
		e->nrounds = store_col_i64(st, 1);
	}
	sqlite3_reset(st);
	if (r == -1)
		return NULL;
	if (r == 0) {
		if (!stub) {
			log_warnx("store: side %s/%s vanished", node, sid);
			return NULL;
		}
		st = store_st(s, ST_SIDE_STUB);
		sqlite3_bind_text(st, 1, node, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, sid, -1, SQLITE_STATIC);
		if (store_done(s, st, "side stub") == -1)
			return NULL;
		e->side = sqlite3_last_insert_rowid(s->db);
	}
	if ((e->sid = strdup(sid)) == NULL) {
		log_warn("%s: strdup", __func__);
		return NULL;
	}
	s->ntouch++;
	return e;
}

static void
touch_clear(struct store *s)
{
	size_t i;

	for (i = 0; i < s->ntouch; i++)
		free(s->touch[i].sid);
	s->ntouch = 0;
}

/*
 * One round of a side, from a `migration_round` record or from the rounds
 * array of a `migration` record.  Returns 2 if it is a new round, 1 if it
 * changed a stored one, 0 if it was stored as it is, -1 on a database error.
 */
static int
round_upsert(struct store *s, int64_t side, const struct rec *r, int64_t n)
{
	sqlite3_stmt *st;
	int k;

	for (k = 0; k < 2; k++) {
		st = store_st(s, k == 0 ? ST_ROUND_INSERT : ST_ROUND_UPDATE);
		sqlite3_bind_int64(st, 1, side);
		sqlite3_bind_int64(st, 3, n);
		store_bind_i64(st, 4, opt_i64(r, RF_T_NS));
		store_bind_i64(st, 5, opt_i64(r, RF_START_NS));
		store_bind_i64(st, 6, opt_i64(r, RF_DIRTY_PAGES));
		store_bind_dbl(st, 7, opt_dbl(r, RF_DURATION_MS));
		store_bind_dbl(st, 8, opt_dbl(r, RF_DIRTY_RATE_BPS));
		store_bind_i64(st, 9, opt_i64(r, RF_PENDING_BYTES));
		store_bind_dbl(st, 10, opt_dbl(r, RF_BANDWIDTH_BPS));
		store_bind_i64(st, 11, opt_i64(r, RF_BYTES));
		store_bind_dbl(st, 12, opt_dbl(r, RF_PREDICTED_DOWNTIME_MS));
		store_bind_dbl(st, 13, opt_dbl(r, RF_THROTTLE_PCT));
		store_bind_str(st, 14, opt_str(r, RF_VERDICT));
		if (store_done(s, st, "round") == -1)
			return -1;
		if (sqlite3_changes(s->db) > 0)
			return k == 0 ? 2 : 1;
	}
	return 0;
}

static int
ingest_round(struct store *s, const char *node, const struct rec *rec,
    size_t i)
{
	struct store_touch *e;
	const char *mid;
	int64_t n, t;
	int r;

	if (get_str(rec, RF_MIGRATION_ID, &mid) != FLD_OK)
		return skip(s, SKIP_MISSING_FIELD, node, i, "migration_id");
	switch (get_i64(rec, RF_N, &n)) {
	case FLD_ABSENT:
		return skip(s, SKIP_MISSING_FIELD, node, i, "n");
	case FLD_BAD:
		return skip(s, SKIP_BAD_FIELD, node, i, "n");
	default:
		break;
	}
	if (n < 0)
		return skip(s, SKIP_BAD_FIELD, node, i, "n < 0");
	if (get_i64(rec, RF_T_NS, &t) != FLD_OK)
		return skip(s, SKIP_MISSING_FIELD, node, i, "t_ns");
	if ((e = touch(s, node, mid, 1)) == NULL ||
	    (r = round_upsert(s, e->side, rec, n)) == -1)
		return -1;
	if (r == 0) {
		s->last.duplicate++;
		return 0;
	}
	s->last.stored++;
	e->new_rounds += r == 2;
	return 0;
}

/*
 * The rounds array of a `migration` record of side e.  The same rounds
 * usually came as `migration_round` records already: when the side has
 * rounds 1..max without a gap, only the ones after max are stored.
 */
static int
ingest_embedded_rounds(struct store *s, struct store_touch *e,
    struct json_object *arr)
{
	sqlite3_stmt *st;
	struct json_object *o, *nv;
	struct rec r;
	int64_t count = 0, max = 0, n;
	size_t i, len;
	int k;

	if ((len = json_object_array_length(arr)) == 0)
		return 0;
	if (e->nrounds != STORE_NONE)
		count = e->nrounds + e->new_rounds;
	else {
		st = store_st(s, ST_SIDE_ROUNDS_COUNT);
		sqlite3_bind_int64(st, 1, e->side);
		if (store_row(s, st, "rounds count") == 1)
			count = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	st = store_st(s, ST_SIDE_ROUNDS_MAX);
	sqlite3_bind_int64(st, 1, e->side);
	if (store_row(s, st, "rounds max") == 1)
		max = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	for (i = 0; i < len; i++) {
		o = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(o, json_type_object) ||
		    !json_object_object_get_ex(o, "n", &nv) ||
		    !json_object_is_type(nv, json_type_int) ||
		    (n = json_object_get_int64(nv)) < 0)
			continue;
		if (count == max && n <= max)
			continue;
		rec_scan(s, o, &r);
		if ((k = round_upsert(s, e->side, &r, n)) == -1)
			return -1;
		e->new_rounds += k == 2;
	}
	return 0;
}

/* The record as stored in migration_sides.raw: without its rounds. */
static char *
raw_without_rounds(struct json_object *rec)
{
	struct json_object *o;
	char *raw;

	if (!json_object_object_get_ex(rec, "rounds", NULL))
		return strdup(json_object_to_json_string_ext(rec,
		    JSON_C_TO_STRING_PLAIN));
	if ((o = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_foreach(rec, k, v) {
		if (strcmp(k, "rounds") != 0)
			json_object_object_add(o, k, json_object_get(v));
	}
	raw = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return raw;
}

static const char *
role_norm(const char *role)
{
	if (strcmp(role, "source") == 0 || strcmp(role, "src") == 0)
		return "source";
	if (strcmp(role, "destination") == 0 || strcmp(role, "dst") == 0)
		return "destination";
	return NULL;
}

static int
ingest_migration(struct store *s, const char *node, struct json_object *obj,
    const struct rec *rec, size_t i)
{
	sqlite3_stmt *st;
	struct json_object *rounds = rec->v[RF_ROUNDS];
	struct store_touch *e;
	const char *id, *role, *state, *outcome;
	char *raw;
	int64_t t, before;
	int changed;

	if (get_str(rec, RF_ID, &id) != FLD_OK)
		return skip(s, SKIP_MISSING_FIELD, node, i, "id");
	switch (get_i64(rec, RF_T_NS, &t)) {
	case FLD_ABSENT:
		return skip(s, SKIP_MISSING_FIELD, node, i, "t_ns");
	case FLD_BAD:
		return skip(s, SKIP_BAD_FIELD, node, i, "t_ns");
	default:
		break;
	}
	if (get_str(rec, RF_ROLE, &role) != FLD_OK)
		return skip(s, SKIP_MISSING_FIELD, node, i, "role");
	if ((role = role_norm(role)) == NULL)
		return skip(s, SKIP_BAD_FIELD, node, i, "role");
	if (get_str(rec, RF_STATE, &state) != FLD_OK)
		return skip(s, SKIP_MISSING_FIELD, node, i, "state");
	outcome = opt_str(rec, RF_OUTCOME);
	if ((raw = raw_without_rounds(obj)) == NULL) {
		log_warn("%s: raw record", __func__);
		return -1;
	}

	st = store_st(s, ST_SIDE_UPSERT);
	store_bind_str(st, 1, node);
	store_bind_str(st, 2, id);
	store_bind_str(st, 3, role);
	store_bind_str(st, 4, opt_str(rec, RF_VM_UUID));
	store_bind_str(st, 5, opt_str(rec, RF_VM_NAME));
	store_bind_i64(st, 6, opt_i64(rec, RF_VPID));
	store_bind_str(st, 7, state);
	store_bind_str(st, 8, outcome);
	store_bind_str(st, 9, opt_str(rec, RF_ERROR));
	store_bind_str(st, 10, opt_str(rec, RF_VERDICT));
	store_bind_dbl(st, 11, opt_dbl(rec, RF_DOWNTIME_MS));
	store_bind_dbl(st, 12, opt_dbl(rec, RF_TOTAL_MS));
	store_bind_i64(st, 13, opt_i64(rec, RF_STARTED_NS));
	store_bind_i64(st, 14, opt_i64(rec, RF_ENDED_NS));
	store_bind_i64(st, 15, opt_i64(rec, RF_VM_STOP_NS));
	store_bind_i64(st, 16, opt_i64(rec, RF_VM_RESUME_NS));
	store_bind_dbl(st, 17, opt_dbl(rec, RF_PREDICTED_DOWNTIME_MS));
	store_bind_dbl(st, 18, opt_dbl(rec, RF_THROTTLE_PCT));
	sqlite3_bind_int64(st, 19, t);
	sqlite3_bind_int64(st, 20, s->now_ns);
	sqlite3_bind_text(st, 21, raw, -1, free);
	if (store_done(s, st, "migration side") == -1)
		return -1;
	changed = sqlite3_changes(s->db) > 0;

	if ((e = touch(s, node, id, 0)) == NULL)
		return -1;
	e->changed |= changed;
	before = e->new_rounds;
	if (rounds != NULL && json_object_is_type(rounds, json_type_array) &&
	    ingest_embedded_rounds(s, e, rounds) == -1)
		return -1;
	if (!changed) {
		s->last.duplicate++;
		if (e->new_rounds > before)
			log_debug("store: node %s: %s: rounds in a resent record",
			    node, id);
		return 0;
	}
	s->last.stored++;
	/* The migration is over: its not-converging alert is too. */
	if (outcome != NULL && alerts_resolve_named(s, node,
	    "migration.not_converging", id, "the migration ended", s->now_ns) ==
	    -1)
		return -1;
	return 0;
}

static int
ingest_alert(struct store *s, const char *node, const struct rec *rec,
    size_t i)
{
	sqlite3_stmt *st;
	struct json_object *ev = rec->v[RF_EVIDENCE];
	const char *id, *name, *mig, *evidence = NULL;
	int64_t t, aid = STORE_NONE;
	int r;

	if (get_str(rec, RF_ID, &id) != FLD_OK)
		return skip(s, SKIP_MISSING_FIELD, node, i, "id");
	if (get_str(rec, RF_NAME, &name) != FLD_OK)
		return skip(s, SKIP_MISSING_FIELD, node, i, "name");
	if (get_i64(rec, RF_T_NS, &t) != FLD_OK)
		return skip(s, SKIP_MISSING_FIELD, node, i, "t_ns");
	mig = opt_str(rec, RF_MIGRATION_ID);

	/* Good news resolves the bad news; it is no alert of its own. */
	if (strcmp(name, "migration.converged") == 0) {
		if (mig == NULL)
			return skip(s, SKIP_MISSING_FIELD, node, i,
			    "migration_id");
		s->last.stored++;
		return alerts_resolve_named(s, node, "migration.not_converging",
		    mig, "migration.converged", s->now_ns);
	}

	if (ev != NULL)
		evidence = json_object_to_json_string_ext(ev,
		    JSON_C_TO_STRING_PLAIN);

	/* One active alert per (node, name, migration): a repeat updates it. */
	if (mig != NULL) {
		st = store_st(s, ST_ALERT_FIND_ACTIVE);
		store_bind_str(st, 1, node);
		store_bind_str(st, 2, name);
		store_bind_str(st, 3, mig);
		if ((r = store_row(s, st, "active alert")) == -1)
			return -1;
		if (r == 1)
			aid = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}

	if (aid != STORE_NONE) {
		/* A resend, or news of the alert already active. */
		st = store_st(s, ST_ALERT_UPDATE);
		sqlite3_bind_int64(st, 1, aid);
		sqlite3_bind_int64(st, 2, t);
		store_bind_str(st, 3, opt_str(rec, RF_MESSAGE));
		store_bind_str(st, 4, evidence);
		if (store_done(s, st, "update alert") == -1)
			return -1;
		s->last.duplicate++;
		return 0;
	}
	st = store_st(s, ST_ALERT_INSERT);
	store_bind_str(st, 1, node);
	store_bind_str(st, 2, id);
	store_bind_str(st, 3, name);
	store_bind_str(st, 4, opt_str(rec, RF_SEVERITY) ?
	    opt_str(rec, RF_SEVERITY) : "warning");
	store_bind_str(st, 5, opt_str(rec, RF_VM_UUID));
	store_bind_str(st, 6, mig);
	sqlite3_bind_int64(st, 7, t);
	sqlite3_bind_int64(st, 8, s->now_ns);
	store_bind_str(st, 9, opt_str(rec, RF_MESSAGE));
	store_bind_str(st, 10, evidence);
	if (store_done(s, st, "alert") == -1)
		return -1;
	if (sqlite3_changes(s->db) == 0) {
		s->last.duplicate++;
		return 0;
	}
	s->last.stored++;
	return store_alert_event(s, sqlite3_last_insert_rowid(s->db), "fired");
}

/* One record of a batch: 0 when stored or skipped, -1 on a database error. */
static int
ingest_one(struct store *s, const char *node, struct json_object *obj,
    size_t i, int64_t *ahead)
{
	struct rec r, *rec = &r;
	const char *kind;
	int64_t t;

	if (obj == NULL || !json_object_is_type(obj, json_type_object))
		return skip(s, SKIP_NOT_OBJECT, node, i, NULL);
	rec_scan(s, obj, rec);
	switch (get_str(rec, RF_KIND, &kind)) {
	case FLD_ABSENT:
		return skip(s, SKIP_NO_KIND, node, i, NULL);
	case FLD_BAD:
		return skip(s, SKIP_BAD_FIELD, node, i, "kind");
	default:
		break;
	}
	/* How far the node's trace clock runs ahead of ours, at least. */
	if (get_i64(rec, RF_T_NS, &t) == FLD_OK && t > 0 &&
	    t - s->now_ns > *ahead &&
	    t - s->now_ns < STORE_CLOCK_MAX_AHEAD_NS)
		*ahead = t - s->now_ns;
	if (strcmp(kind, "migration_round") == 0)
		return ingest_round(s, node, rec, i);
	if (strcmp(kind, "migration") == 0)
		return ingest_migration(s, node, obj, rec, i);
	if (strcmp(kind, "alert") == 0)
		return ingest_alert(s, node, rec, i);
	return skip(s, SKIP_UNKNOWN_KIND, node, i, kind);
}

int
store_records(struct store *s, const char *node, struct json_object *records,
    int64_t now_ns)
{
	sqlite3_stmt *st;
	size_t i, len;
	int64_t ahead = STORE_NONE;
	unsigned skipped = 0;
	int k;

	memset(&s->last, 0, sizeof(s->last));
	memset(s->skips, 0, sizeof(s->skips));
	if (node == NULL || *node == '\0') {
		log_warnx("%s: a batch without a node", __func__);
		return -1;
	}
	if (records == NULL || !json_object_is_type(records, json_type_array)) {
		log_warnx("%s: node %s: a batch is a JSON array", __func__,
		    node);
		return -1;
	}
	s->now_ns = now_ns;
	if (store_tx_begin(s) == -1)
		return -1;
	if (node_seen(s, node, now_ns) == -1)
		goto fail;
	len = json_object_array_length(records);
	for (i = 0; i < len; i++)
		if (ingest_one(s, node, json_object_array_get_idx(records, i),
		    i, &ahead) == -1)
			goto fail;
	if (ahead != STORE_NONE && store_clock_bound(s, node, ahead) == -1)
		goto fail;
	for (i = 0; i < s->ntouch; i++)
		if ((s->touch[i].changed || s->touch[i].new_rounds > 0) &&
		    store_correlate(s, node, &s->touch[i]) == -1)
			goto fail;

	for (k = 0; k < SKIP__COUNT; k++) {
		skipped += s->skips[k];
		if (counter_add(s, skip_names[k], s->skips[k]) == -1)
			goto fail;
	}
	s->last.skipped = skipped;
	st = store_st(s, ST_NODE_COUNT);
	store_bind_str(st, 1, node);
	sqlite3_bind_int64(st, 2, s->last.stored);
	sqlite3_bind_int64(st, 3, s->last.duplicate);
	sqlite3_bind_int64(st, 4, skipped);
	if (store_done(s, st, "node counters") == -1 ||
	    counter_add(s, "records.stored", s->last.stored) == -1 ||
	    counter_add(s, "records.duplicate", s->last.duplicate) == -1 ||
	    counter_add(s, "records.skipped", skipped) == -1)
		goto fail;
	if (store_tx_commit(s) == -1)
		goto fail;
	touch_clear(s);
	if (skipped > 0)
		log_info("store: node %s: %u of %zu records skipped (malformed "
		    "or of an unknown kind)", node, skipped, len);
	return 0;
 fail:
	store_tx_rollback(s);
	touch_clear(s);
	memset(&s->last, 0, sizeof(s->last));
	return -1;
}

void
store_last_batch(struct store *s, struct store_batch_counts *c)
{
	*c = s->last;
}

int
store_node_hello(struct store *s, const char *node, const char *agent_version,
    int64_t wall_ns, int64_t now_ns)
{
	sqlite3_stmt *st;

	if (store_tx_begin(s) == -1)
		return -1;
	if (node_seen(s, node, now_ns) == -1)
		goto fail;
	st = store_st(s, ST_NODE_HELLO);
	store_bind_str(st, 1, node);
	store_bind_str(st, 2, agent_version);
	sqlite3_bind_int64(st, 3, now_ns);
	sqlite3_bind_int64(st, 4, wall_ns - now_ns);
	if (store_done(s, st, "hello") == -1)
		goto fail;
	return store_tx_commit(s);
 fail:
	store_tx_rollback(s);
	return -1;
}

/* The first of several names an agent may give a counter. */
static struct json_object *
stats_field(struct json_object *stats, const char *const *names)
{
	struct json_object *v;

	for (; *names != NULL; names++)
		if (json_object_object_get_ex(stats, *names, &v) && v != NULL &&
		    (json_object_is_type(v, json_type_int) ||
		    json_object_is_type(v, json_type_double)))
			return v;
	return NULL;
}

int
store_node_stats(struct store *s, const char *node, struct json_object *stats,
    int64_t now_ns)
{
	static const char *const eps_names[] = { "events_per_s", "events_s",
	    "eps", "rate_eps", NULL };
	static const char *const disc_names[] = { "discarded",
	    "discarded_events", "events_discarded", "lost", NULL };
	struct json_object *v;
	sqlite3_stmt *st;

	if (stats == NULL || !json_object_is_type(stats, json_type_object)) {
		log_warnx("%s: node %s: stats are not an object", __func__,
		    node);
		return -1;
	}
	if (store_tx_begin(s) == -1)
		return -1;
	if (node_seen(s, node, now_ns) == -1)
		goto fail;
	st = store_st(s, ST_NODE_STATS);
	store_bind_str(st, 1, node);
	if ((v = stats_field(stats, eps_names)) != NULL)
		sqlite3_bind_double(st, 2, json_object_get_double(v));
	if ((v = stats_field(stats, disc_names)) != NULL)
		sqlite3_bind_int64(st, 3, json_object_get_int64(v));
	store_bind_str(st, 4, json_object_to_json_string_ext(stats,
	    JSON_C_TO_STRING_PLAIN));
	if (store_done(s, st, "stats") == -1)
		goto fail;
	return store_tx_commit(s);
 fail:
	store_tx_rollback(s);
	return -1;
}

int
store_check_stale(struct store *s, int64_t now_ns, int64_t stale_ns)
{
	sqlite3_stmt *st;
	char *names[256], msg[512];
	int64_t seen[256];
	int n = 0, r = 0, i;

	if (store_tx_begin(s) == -1)
		return -1;
	st = store_st(s, ST_NODE_STALE_LIST);
	sqlite3_bind_int64(st, 1, now_ns - stale_ns);
	/* More than 256 at once: the others at the next check. */
	while (n < 256 && (r = store_row(s, st, "stale nodes")) == 1) {
		seen[n] = sqlite3_column_int64(st, 1);
		if ((names[n] = store_col_dup(st, 0)) != NULL)
			n++;
	}
	sqlite3_reset(st);
	if (r == -1)
		goto fail;
	for (i = 0; i < n; i++) {
		st = store_st(s, ST_NODE_SET_STALE);
		store_bind_str(st, 1, names[i]);
		sqlite3_bind_int(st, 2, 1);
		sqlite3_bind_int64(st, 3, now_ns);
		if (store_done(s, st, "node stale") == -1)
			goto fail;
		snprintf(msg, sizeof(msg), "node %s has not been heard from "
		    "for %.0f s", names[i], (now_ns - seen[i]) / 1e9);
		if (alert_raise(s, names[i], "node.stale", "warning", msg,
		    now_ns) == -1)
			goto fail;
		log_warnx("store: %s", msg);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	return store_tx_commit(s);
 fail:
	store_tx_rollback(s);
	for (i = 0; i < n; i++)
		free(names[i]);
	return -1;
}

int
store_alert_ack(struct store *s, int64_t id, const char **err)
{
	sqlite3_stmt *st;

	*err = NULL;
	if (store_tx_begin(s) == -1) {
		*err = store_err(s, "store: %s", sqlite3_errmsg(s->db));
		return -1;
	}
	st = store_st(s, ST_ALERT_ACK);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, wall_ns());
	if (store_done(s, st, "ack") == -1) {
		*err = store_err(s, "store: %s", sqlite3_errmsg(s->db));
		goto fail;
	}
	if (sqlite3_changes(s->db) == 0) {
		*err = store_err(s, "no firing alert %lld", (long long)id);
		goto fail;
	}
	if (store_alert_event(s, id, "acked") == -1 || store_tx_commit(s) == -1) {
		*err = store_err(s, "store: cannot ack alert %lld",
		    (long long)id);
		goto fail;
	}
	return 0;
 fail:
	store_tx_rollback(s);
	return -1;
}

void
store_set_alert_cb(struct store *s, store_alert_cb cb, void *arg)
{
	s->alert_cb = cb;
	s->alert_arg = arg;
}

static int pragma(struct store *, const char *);

int
store_set_durable(struct store *s, int durable)
{
	return pragma(s, durable ? "PRAGMA synchronous = FULL" :
	    "PRAGMA synchronous = NORMAL");
}

static int
pragma(struct store *s, const char *sql)
{
	char *errmsg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &errmsg) != SQLITE_OK) {
		log_warnx("%s: %s: %s", s->path, sql, errmsg);
		sqlite3_free(errmsg);
		return -1;
	}
	return 0;
}

/* WAL is what lets queries run while a batch commits; insist on it. */
static int
wal_on(struct store *s)
{
	sqlite3_stmt *st;
	const unsigned char *mode;
	int ok = 0;

	if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st,
	    NULL) != SQLITE_OK)
		goto out;
	if (sqlite3_step(st) == SQLITE_ROW &&
	    (mode = sqlite3_column_text(st, 0)) != NULL &&
	    strcmp((const char *)mode, "wal") == 0)
		ok = 1;
	sqlite3_finalize(st);
 out:
	if (!ok)
		log_warnx("%s: cannot use WAL journal mode: %s", s->path,
		    sqlite3_errmsg(s->db));
	return ok ? 0 : -1;
}

struct store *
store_open(const char *path)
{
	struct store *s;
	int i;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		log_warn("%s: calloc", __func__);
		return NULL;
	}
	if ((s->path = strdup(path)) == NULL) {
		log_warn("%s: strdup", __func__);
		free(s);
		return NULL;
	}
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		log_warnx("%s: cannot open: %s", path, s->db ?
		    sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	rec_index(s);
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, 5000);
	if (wal_on(s) == -1 ||
	    /* A batch is acknowledged once committed: it must be on disk. */
	    pragma(s, "PRAGMA synchronous = FULL") == -1 ||
	    pragma(s, "PRAGMA cache_size = -32768") == -1 ||
	    pragma(s, "PRAGMA temp_store = MEMORY") == -1 ||
	    pragma(s, "PRAGMA foreign_keys = OFF") == -1)
		goto fail;
	if (store_schema_upgrade(s->db, path, STORE_SCHEMA_VERSION) == -1)
		goto fail;
	for (i = 0; i < ST__COUNT; i++) {
		if (sqlite3_prepare_v3(s->db, store_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL) != SQLITE_OK) {
			log_warnx("%s: statement %d: %s", path, i,
			    sqlite3_errmsg(s->db));
			goto fail;
		}
	}
	log_debug("store: %s open, schema version %d", path,
	    STORE_SCHEMA_VERSION);
	return s;
 fail:
	store_close(s);
	return NULL;
}

void
store_close(struct store *s)
{
	int i;

	if (s == NULL)
		return;
	if (s->in_tx)
		store_tx_rollback(s);
	for (i = 0; i < ST__COUNT; i++)
		sqlite3_finalize(s->st[i]);
	for (i = 0; i < MIGF__COUNT; i++)
		sqlite3_finalize(s->st_mig[i]);
	if (s->db != NULL) {
		sqlite3_exec(s->db, "PRAGMA optimize", NULL, NULL, NULL);
		if (sqlite3_close(s->db) != SQLITE_OK)
			log_warnx("%s: close: %s", s->path,
			    sqlite3_errmsg(s->db));
	}
	touch_clear(s);
	free(s->touch);
	free(s->aev);
	free(s->path);
	free(s);
}
