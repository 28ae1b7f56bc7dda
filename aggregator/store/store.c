/*
 * store.c: the aggregator's SQLite store: opening it (WAL, the core's and
 * the kinds' schema, the prepared statements), transactions, and what
 * changes it: agents' handshakes and stats, batches of records and stale
 * nodes.
 *
 * A batch is one transaction.  Each record goes to the kind that
 * registered its `kind` member (kind.h), or to the store's generic alerts
 * (store_alert.c); then each kind's after-batch hook runs (the migration
 * kind correlates the sides it touched) before the commit, and the alerts
 * the batch changed are handed to the alert callback after the commit.
 * The store is not thread safe: one event loop owns it.
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
#include "jscan.h"
#include "proto.h"
#include "clock.h"
#include "kind.h"
#include "store.h"
#include "store_int.h"

#define ALERT_COLS							\
	"id, name, state, severity, node, vm_uuid, subject_kind, "	\
	"subject_id, t_ns, fired_ns, resolved_ns, acked_ns, message, "	\
	"resolution, evidence FROM alerts "

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
	/* A handshake whose clock is out of range: the evidence stays. */
	[ST_NODE_HELLO_NOCLOCK] =
	    "INSERT INTO nodes (name, agent_version, first_seen_ns, "
	    "last_seen_ns, hello_ns) VALUES (?1, ?2, ?3, ?3, ?3) "
	    "ON CONFLICT (name) DO UPDATE SET agent_version = ?2, "
	    "last_seen_ns = max(coalesce(last_seen_ns, 0), ?3), hello_ns = ?3",
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
	[ST_ALERT_INSERT] =
	    "INSERT INTO alerts (node, src_id, name, state, severity, vm_uuid, "
	    "subject_kind, subject_id, t_ns, fired_ns, message, evidence) "
	    "VALUES (?1, ?2, ?3, 'firing', ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
	    "ON CONFLICT (node, src_id) DO NOTHING",
	/* The active alert (node, name, subject) is, or was folded into. */
	[ST_ALERT_FIND_ACTIVE] =
	    "SELECT t.id FROM alerts a JOIN alerts t "
	    "ON t.id = coalesce(a.folded_into, a.id) "
	    "WHERE a.node IS ?1 AND a.name = ?2 AND a.subject_kind IS ?3 AND "
	    "a.subject_id IS ?4 AND t.state IN ('firing', 'acked')",
	[ST_ALERT_UPDATE] =
	    "UPDATE alerts SET t_ns = ?2, message = ?3, evidence = ?4 "
	    "WHERE id = ?1 AND t_ns < ?2",
	[ST_ALERT_RESOLVE] =
	    "UPDATE alerts SET state = 'resolved', resolved_ns = ?2, "
	    "resolution = ?3 WHERE id = ?1 AND state IN ('firing', 'acked')",
	[ST_ALERT_ACK] =
	    "UPDATE alerts SET state = 'acked', acked_ns = ?2 "
	    "WHERE id = ?1 AND state = 'firing' AND folded_into IS NULL",
	[ST_ALERT_FOLD] =
	    "UPDATE alerts SET folded_into = ?2, state = 'resolved', "
	    "resolved_ns = ?3, resolution = 'folded into alert ' || ?2 "
	    "WHERE id = ?1 AND folded_into IS NULL AND id != ?2",
	[ST_ALERT_GET] = "SELECT " ALERT_COLS "WHERE id = ?1",
	[ST_ALERTS_LIST] =
	    "SELECT * FROM (SELECT " ALERT_COLS "WHERE folded_into IS NULL "
	    "AND (?1 = 0 OR state = 'firing') AND coalesce(t_ns, 0) >= ?2 "
	    "ORDER BY id DESC LIMIT ?3) ORDER BY id",
	[ST_STATUS_NODES] =
	    "SELECT count(*), coalesce(sum(stale != 0), 0) FROM nodes",
	/* The tally the triggers keep (schema version 4). */
	[ST_STATUS_ALERTS] =
	    "SELECT coalesce(sum(n), 0) FROM alert_tally "
	    "WHERE state = 'firing'",
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
	[SKIP_OUT_OF_RANGE] = "skipped.out_of_range",
};

/* The members of an `alert` record the store reads (store_alert.c). */
static const char *const alert_fields[] = {
	"evidence", "id", "message", "name", "severity", "t_ns", "vm_uuid",
	NULL
};
/* The evidence is stored as the agent wrote it (store_alert.c). */
static const char *const alert_text_fields[] = { "evidence", NULL };

const char *
store_err(struct store *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->errbuf, sizeof(s->errbuf), fmt, ap);
	va_end(ap);
	return s->errbuf;
}

/* A prepared statement, reset and unbound, ready for new values. */
sqlite3_stmt *
store_reset(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

sqlite3_stmt *
store_st(struct store *s, enum store_st which)
{
	return store_reset(s->st[which]);
}

/* A kind's statement, prepared once for the life of the store. */
int
store_prepare(struct store *s, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st,
	    NULL) != SQLITE_OK) {
		log_warnx("%s: statement %.60s...: %s", s->path, sql,
		    sqlite3_errmsg(s->db));
		return -1;
	}
	return 0;
}

sqlite3 *
store_db(struct store *s)
{
	return s->db;
}

int64_t
store_now(struct store *s)
{
	return s->now_ns;
}

/* The state a kind's prepare hook made (NULL: not registered). */
void *
store_kind_state(struct store *s, const struct agg_kind *k)
{
	size_t i;

	for (i = 0; i < s->nkinds; i++)
		if (agg_kind_table[i] == k)
			return s->kstate[i];
	return NULL;
}

/*
 * Logs a failed step: SQLite's message and, when a system call failed
 * under it, that call's error ("disk I/O error (File too large)").
 */
static void
store_step_failed(struct store *s, const char *what)
{
	int saved = errno, e = sqlite3_system_errno(s->db);

	/* Some I/O errors (EFBIG, RLIMIT_FSIZE) leave only errno behind. */
	if (e == 0 && (sqlite3_extended_errcode(s->db) & 0xff) == SQLITE_IOERR)
		e = saved;
	if (e != 0)
		log_warnx("store: %s: %s (%s)", what, sqlite3_errmsg(s->db),
		    strerror(e));
	else
		log_warnx("store: %s: %s", what, sqlite3_errmsg(s->db));
}

/* Runs a statement that returns no rows. */
int
store_done(struct store *s, sqlite3_stmt *st, const char *what)
{
	int rc;

	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		store_step_failed(s, what);
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
	store_step_failed(s, what);
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

/*
 * A write of the store (a batch, a hello, an alert) is one transaction:
 * store_tx_begin(), then store_tx_commit() or store_tx_rollback().  Inside
 * a group (store_group_begin()) the writes share the group's transaction:
 * their begin and commit do nothing, the group's commit makes them all
 * durable at once (one fsync for many batches) and delivers their alerts;
 * a write that fails rolls the whole group back, and every write after it
 * fails until the group ends, so that all of a group's writes share one
 * fate (store.h).
 */
int
store_tx_begin(struct store *s)
{
	if (s->group) {
		if (s->group_failed)
			return -1;
		s->in_tx = 1;
		return 0;
	}
	if (store_done(s, store_st(s, ST_BEGIN), "begin") == -1)
		return -1;
	s->in_tx = 1;
	return 0;
}

int
store_tx_commit(struct store *s)
{
	if (s->group) {
		s->in_tx = 0;
		return 0;
	}
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
	/* A failed COMMIT (disk full, I/O error) may have rolled back already. */
	if ((s->in_tx || s->group) && !sqlite3_get_autocommit(s->db))
		store_done(s, store_st(s, ST_ROLLBACK), "rollback");
	if (s->group && !s->group_failed) {
		s->group_failed = 1;
		log_warnx("store: a write failed: the %u writes of its group "
		    "are rolled back", s->group_writes);
	}
	s->in_tx = 0;
	s->naev = 0;
}

static int pragma(struct store *, const char *);

int
store_group_begin(struct store *s)
{
	if (s->group)
		return s->group_failed ? -1 : 0;
	/* With the syncer, the COMMIT does not wait for the disk. */
	s->group_synced = s->sync != NULL && s->durable;
	if (s->group_synced &&
	    pragma(s, "PRAGMA synchronous = NORMAL") == -1)
		return -1;
	if (store_done(s, store_st(s, ST_BEGIN), "begin") == -1) {
		if (s->group_synced)
			(void)pragma(s, "PRAGMA synchronous = FULL");
		return -1;
	}
	s->group = 1;
	s->group_failed = 0;
	s->group_writes = 0;
	return 0;
}

int
store_in_group(struct store *s)
{
	return s->group;
}

/* The group's COMMIT; with the syncer, not yet durable. */
static int
group_commit(struct store *s)
{
	int r = 0;

	s->group = 0;
	if (s->group_failed) {
		s->group_failed = 0;
		r = -1;
	} else if (store_done(s, store_st(s, ST_COMMIT), "commit") == -1) {
		/* SQLITE_FULL and others leave the transaction open. */
		if (!sqlite3_get_autocommit(s->db))
			store_done(s, store_st(s, ST_ROLLBACK), "rollback");
		s->in_tx = 0;
		s->naev = 0;
		r = -1;
	}
	if (s->group_synced && pragma(s, "PRAGMA synchronous = FULL") == -1)
		log_warnx("store: writes outside the groups are not durable "
		    "at once");
	return r;
}

int
store_group_commit(struct store *s)
{
	int synced;

	if (!s->group)
		return 0;
	synced = s->group_synced;
	if (group_commit(s) == -1 || (synced && store_sync_now(s) == -1))
		return -1;
	store_alert_deliver(s);
	return 0;
}

int
store_group_commit_async(struct store *s, uint64_t *gen)
{
	*gen = 0;
	if (!s->group || !s->group_synced)
		return store_group_commit(s);
	if (group_commit(s) == -1 || (*gen = store_sync_request(s)) == 0)
		return -1;
	store_alert_deliver(s);
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
	s->now_ns = now_ns;
	return store_alert_resolve_named(s, node, "node", node, "node.stale",
	    "the node was heard from again");
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

enum store_fld
store_rec_str(const struct store_rec *r, int f, const char **v)
{
	struct json_object *x = r->v[f];

	*v = NULL;
	if (x == NULL)
		return STORE_FLD_ABSENT;
	if (!json_object_is_type(x, json_type_string))
		return STORE_FLD_BAD;
	*v = json_object_get_string(x);
	if (**v == '\0') {
		*v = NULL;
		return STORE_FLD_ABSENT;
	}
	return STORE_FLD_OK;
}

enum store_fld
store_rec_i64(const struct store_rec *r, int f, int64_t *v)
{
	struct json_object *x = r->v[f];
	double d;

	*v = STORE_NONE;
	if (x == NULL)
		return STORE_FLD_ABSENT;
	switch (json_object_get_type(x)) {
	case json_type_int:
		*v = json_object_get_int64(x);
		return STORE_FLD_OK;
	case json_type_double:
		d = json_object_get_double(x);
		if (d != d || d < -9.2e18 || d > 9.2e18)
			return STORE_FLD_BAD;
		*v = (int64_t)d;
		return STORE_FLD_OK;
	default:
		return STORE_FLD_BAD;
	}
}

enum store_fld
store_rec_dbl(const struct store_rec *r, int f, double *v)
{
	struct json_object *x = r->v[f];

	*v = 0.0 / 0.0;
	if (x == NULL)
		return STORE_FLD_ABSENT;
	switch (json_object_get_type(x)) {
	case json_type_int:
	case json_type_double:
		*v = json_object_get_double(x);
		return STORE_FLD_OK;
	default:
		return STORE_FLD_BAD;
	}
}

const char *
store_opt_str(const struct store_rec *r, int f)
{
	const char *v;

	return store_rec_str(r, f, &v) == STORE_FLD_OK ? v : NULL;
}

int64_t
store_opt_i64(const struct store_rec *r, int f)
{
	int64_t v;

	return store_rec_i64(r, f, &v) == STORE_FLD_OK ? v : STORE_NONE;
}

double
store_opt_dbl(const struct store_rec *r, int f)
{
	double v;

	return store_rec_dbl(r, f, &v) == STORE_FLD_OK ? v : 0.0 / 0.0;
}

int
store_time_near(int64_t t, int64_t now_ns)
{
	int64_t lo, hi;

	if (__builtin_sub_overflow(now_ns, STORE_TIME_RANGE_NS, &lo))
		lo = INT64_MIN;
	if (__builtin_add_overflow(now_ns, STORE_TIME_RANGE_NS, &hi))
		hi = INT64_MAX;
	return t != STORE_NONE && t >= lo && t <= hi;
}

int
store_time_ok(struct store *s, int64_t t)
{
	return store_time_near(t, s->now_ns);
}

int
store_ms_ok(double ms)
{
	return ms >= 0 && ms <= STORE_TIME_RANGE_NS / 1e6;	/* NaN: no */
}


/*
 * A record type's members are found in one pass over the record (a hash
 * lookup per member read costs more at 100k records/s): the names of each
 * first letter are together in its sorted fields.
 */
static int
rtype_index(struct store_rtype *t, const char *const *text_fields)
{
	int i, c, n;

	memset(t->lo, 0, sizeof(t->lo));
	memset(t->hi, 0, sizeof(t->hi));
	t->t_ns = -1;
	for (n = 0; t->fields[n] != NULL; n++) {
		if (n > 0 && strcmp(t->fields[n - 1], t->fields[n]) >= 0) {
			log_warnx("store: record %s: members not sorted at %s",
			    t->name, t->fields[n]);
			return -1;
		}
		if (strcmp(t->fields[n], "t_ns") == 0)
			t->t_ns = n;
	}
	if (n > STORE_REC_MAX) {
		log_warnx("store: record %s reads %d members (at most %d)",
		    t->name, n, STORE_REC_MAX);
		return -1;
	}
	t->textmask = 0;
	for (c = 0; text_fields != NULL && text_fields[c] != NULL; c++) {
		for (i = 0; i < n; i++)
			if (strcmp(t->fields[i], text_fields[c]) == 0)
				break;
		if (i == n) {
			log_warnx("store: record %s: text field %s is not one "
			    "of its fields", t->name, text_fields[c]);
			return -1;
		}
		t->textmask |= (uint64_t)1 << i;
	}
	for (i = n; i-- > 0; ) {
		c = (unsigned char)t->fields[i][0] & 0x7f;
		t->lo[c] = i;
		if (t->hi[c] == 0)
			t->hi[c] = i + 1;
	}
	return 0;
}

static void
rec_scan(const struct store_rtype *t, struct json_object *o,
    struct store_rec *r)
{
	int i, c;

	memset(r->v, 0, sizeof(r->v));
	r->obj = o;
	json_object_object_foreach(o, key, val) {
		c = (unsigned char)key[0];
		if (c >= 0x80)
			continue;
		for (i = t->lo[c]; i < t->hi[c]; i++) {
			if (strcmp(t->fields[i], key) == 0) {
				r->v[i] = val;
				break;
			}
		}
	}
}

static const struct store_rtype *
rtype_find(const struct store *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nrt; i++)
		if (strcmp(s->rt[i].name, name) == 0)
			return &s->rt[i];
	return NULL;
}

int
store_rec_as(struct store *s, const char *name, struct json_object *obj,
    struct store_rec *r)
{
	const struct store_rtype *t;

	if ((t = rtype_find(s, name)) == NULL) {
		log_warnx("%s: no record type %s", __func__, name);
		return -1;
	}
	memset(r, 0, sizeof(*r));
	rec_scan(t, obj, r);
	return 0;
}

/* Every record type of every kind, and the core's `alert`. */
static int
rtypes_make(struct store *s)
{
	const struct agg_record *rec;
	struct store_rtype *t;
	size_t k, n = 1;

	for (k = 0; agg_kind_table[k] != NULL; k++)
		for (rec = agg_kind_table[k]->records; rec && rec->name; rec++)
			n++;
	s->nkinds = k;
	if ((s->rt = calloc(n, sizeof(*s->rt))) == NULL ||
	    (s->kstate = calloc(k + 1, sizeof(*s->kstate))) == NULL) {
		log_warn("%s: calloc", __func__);
		return -1;
	}
	t = &s->rt[s->nrt++];
	t->name = "alert";
	t->fields = alert_fields;
	if (rtype_index(t, alert_text_fields) == -1)
		return -1;
	for (k = 0; agg_kind_table[k] != NULL; k++) {
		for (rec = agg_kind_table[k]->records; rec && rec->name; rec++) {
			if (rtype_find(s, rec->name) != NULL) {
				log_warnx("store: record kind %s registered "
				    "twice (kind %s)", rec->name,
				    agg_kind_table[k]->name);
				return -1;
			}
			t = &s->rt[s->nrt++];
			t->name = rec->name;
			t->kind = k;
			t->rec = rec;
			t->fields = rec->fields;
			if (rtype_index(t, rec->text_fields) == -1)
				return -1;
		}
	}
	return 0;
}

enum agg_ingest
store_skip(struct store *s, enum store_skip why, const struct store_rec *r,
    const char *detail)
{
	s->skips[why]++;
	log_debug("store: node %s: record %zu skipped: %s%s%s", r->node, r->i,
	    skip_names[why] + sizeof("skipped.") - 1, detail ? ": " : "",
	    detail ? detail : "");
	return AGG_SKIPPED;
}

/*
 * One record of a batch whose kind is t and whose members are in rec:
 * 0 when stored or skipped, -1 on a database error.
 */
static int
ingest_rec(struct store *s, const struct store_rtype *t,
    struct store_rec *rec, int64_t *ahead)
{
	enum agg_ingest r;
	int64_t ts;

	if (t->t_ns < 0 || store_rec_i64(rec, t->t_ns, &ts) != STORE_FLD_OK)
		ts = STORE_NONE;
	else if (!store_time_ok(s, ts)) {
		store_skip(s, SKIP_OUT_OF_RANGE, rec, "t_ns");
		return 0;
	}
	if (t->rec == NULL)
		r = store_alert_ingest(s, rec);
	else
		r = t->rec->ingest(s, s->kstate[t->kind], rec);
	/* How far the node's trace clock runs ahead of ours, at least. */
	if ((r == AGG_STORED || r == AGG_DUPLICATE) && ts != STORE_NONE &&
	    ts - s->now_ns > *ahead && ts - s->now_ns < STORE_CLOCK_MAX_AHEAD_NS)
		*ahead = ts - s->now_ns;
	switch (r) {
	case AGG_STORED:
		s->last.stored++;
		s->batch_rt[t - s->rt]++;
		return 0;
	case AGG_DUPLICATE:
		s->last.duplicate++;
		s->batch_rt[t - s->rt]++;
		return 0;
	case AGG_SKIPPED:
		return 0;
	default:
		return -1;
	}
}

/* The record type a `kind` member names, or NULL with the skip counted. */
static const struct store_rtype *
rec_kind(struct store *s, struct json_object *kv, int present,
    const struct store_rec *rec)
{
	const struct store_rtype *t;
	const char *kind;

	if (!present || kv == NULL) {
		store_skip(s, SKIP_NO_KIND, rec, NULL);
		return NULL;
	}
	if (!json_object_is_type(kv, json_type_string)) {
		store_skip(s, SKIP_BAD_FIELD, rec, "kind");
		return NULL;
	}
	if ((kind = json_object_get_string(kv))[0] == '\0') {
		store_skip(s, SKIP_NO_KIND, rec, NULL);
		return NULL;
	}
	if ((t = rtype_find(s, kind)) == NULL)
		store_skip(s, SKIP_UNKNOWN_KIND, rec, kind);
	return t;
}

/* One record of a batch as a json-c object. */
static int
ingest_one(struct store *s, const char *node, struct json_object *obj,
    size_t i, int64_t *ahead)
{
	const struct store_rtype *t;
	struct store_rec rec;
	struct json_object *kv = NULL;
	int present;

	memset(&rec, 0, sizeof(rec));
	rec.node = node;
	rec.i = i;
	if (obj == NULL || !json_object_is_type(obj, json_type_object)) {
		store_skip(s, SKIP_NOT_OBJECT, &rec, NULL);
		return 0;
	}
	present = json_object_object_get_ex(obj, "kind", &kv);
	if ((t = rec_kind(s, kv, present, &rec)) == NULL)
		return 0;
	rec_scan(t, obj, &rec);
	return ingest_rec(s, t, &rec, ahead);
}

/* A whole record's text as json-c reads it (an object ends at its '}'). */
static struct json_object *
text_parse(struct json_tokener *tok, const char *text, size_t len)
{
	json_tokener_reset(tok);
	return json_tokener_parse_ex(tok, text, (int)len);
}

/*
 * A record's text (scanned by lib/proto: an object, valid JSON) is read
 * by indexing its members in one pass and making values of only those its
 * record type reads (its text fields only noted).  A record with more
 * members than TEXT_MEMBERS, or an escaped member name, is parsed whole
 * instead (json-c's reading of the names).
 */
#define TEXT_MEMBERS	128

/* The members of the object text; -1 when it is to be parsed whole. */
static int
text_members(const char *text, size_t len, struct jscan_member *m,
    size_t *nm)
{
	const char *p = text, *end = text + len, *err;
	int first = 1, r;

	*nm = 0;
	while ((r = jscan_member(&p, end, 0, &first, &m[*nm], &err)) == 1) {
		if (m[*nm].escaped || ++*nm == TEXT_MEMBERS)
			return -1;
	}
	return r == 0 ? 0 : -1;
}

/* rec's values (and text fields) of type t from its members. */
static void
text_fill(struct store *s, const struct store_rtype *t,
    const struct jscan_member *m, size_t nm, struct store_rec *rec)
{
	int k, c, at[STORE_REC_MAX];
	const char *f;
	size_t j;

	/* The last of a name counts, as in json-c's object. */
	for (k = 0; k < STORE_REC_MAX; k++)
		at[k] = -1;
	for (j = 0; j < nm; j++) {
		c = (unsigned char)m[j].key[0];
		if (m[j].keylen == 0 || c >= 0x80)
			continue;
		for (k = t->lo[c]; k < t->hi[c]; k++) {
			f = t->fields[k];
			if (strncmp(f, m[j].key, m[j].keylen) == 0 &&
			    f[m[j].keylen] == '\0') {
				at[k] = (int)j;
				break;
			}
		}
	}
	for (k = 0; k < STORE_REC_MAX && t->fields[k] != NULL; k++) {
		if (at[k] < 0)
			continue;
		if (t->textmask & ((uint64_t)1 << k)) {
			rec->span[k] = m[at[k]].val.p;
			rec->spanlen[k] = m[at[k]].val.len;
		} else
			rec->v[k] = jscan_to_json(&m[at[k]].val, s->tok);
	}
	rec->made = 1;
}

void
store_rec_release(struct store_rec *r)
{
	int k;

	if (r->made)
		for (k = 0; k < STORE_REC_MAX; k++)
			json_object_put(r->v[k]);
	json_object_put(r->own);
	memset(r->v, 0, sizeof(r->v));
	r->made = 0;
	r->own = NULL;
}

int
store_rec_as_text(struct store *s, const char *name, const char *text,
    size_t len, struct store_rec *r)
{
	struct jscan_member m[TEXT_MEMBERS];
	const struct store_rtype *t;
	struct json_object *o;
	size_t nm;

	memset(r, 0, sizeof(*r));
	if ((t = rtype_find(s, name)) == NULL) {
		log_warnx("%s: no record type %s", __func__, name);
		return -1;
	}
	if (len == 0 || text[0] != '{')
		return -1;
	if (text_members(text, len, m, &nm) == 0) {
		r->text = text;
		r->len = len;
		r->tok = s->tok;
		text_fill(s, t, m, nm, r);
		return 0;
	}
	if ((o = text_parse(s->tok, text, len)) == NULL ||
	    !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return -1;
	}
	rec_scan(t, o, r);
	r->own = o;
	return 0;
}

int
store_rec_span(const struct store_rec *r, int f, const char **text,
    size_t *len)
{
	if (r->text == NULL || !r->made)
		return 0;
	if (r->span[f] == NULL)
		return -1;
	*text = r->span[f];
	*len = r->spanlen[f];
	return 1;
}

/* One record of a batch as its text. */
static int
ingest_text(struct store *s, const char *node, const struct proto_rec *pr,
    size_t i, int64_t *ahead)
{
	const struct store_rtype *t;
	struct store_rec rec;
	struct jscan_member m[TEXT_MEMBERS];
	struct json_object *kv = NULL, *whole = NULL, *o;
	int r, kind = -1;
	size_t nm, j;

	if (text_members(pr->text, pr->len, m, &nm) == -1) {
		/* Not for the scan: json-c reads it as it always did. */
		o = text_parse(s->tok, pr->text, pr->len);
		r = ingest_one(s, node, o, i, ahead);
		json_object_put(o);
		return r;
	}

	memset(&rec, 0, sizeof(rec));
	rec.node = node;
	rec.i = i;
	rec.text = pr->text;
	rec.len = pr->len;
	rec.whole = &whole;
	rec.tok = s->tok;
	for (j = 0; j < nm; j++)
		if (m[j].keylen == 4 && memcmp(m[j].key, "kind", 4) == 0)
			kind = (int)j;
	if (kind >= 0)
		kv = jscan_to_json(&m[kind].val, s->tok);
	t = rec_kind(s, kv, kind >= 0, &rec);
	json_object_put(kv);
	if (t == NULL)
		return 0;
	text_fill(s, t, m, nm, &rec);
	r = ingest_rec(s, t, &rec, ahead);
	store_rec_release(&rec);
	json_object_put(whole);
	return r;
}

struct json_object *
store_rec_get(const struct store_rec *r, const char *name)
{
	struct jscan_member m;
	struct jscan_span val = { NULL, 0, JS_ERROR };
	struct json_object *v = NULL;
	const char *p, *end, *err;
	size_t n = strlen(name);
	int first = 1, k;

	if (r->obj == NULL && r->text != NULL &&
	    (r->whole == NULL || *r->whole == NULL)) {
		p = r->text;
		end = r->text + r->len;
		while ((k = jscan_member(&p, end, 0, &first, &m, &err)) == 1) {
			if (m.escaped)
				break;
			if (m.keylen == n && memcmp(m.key, name, n) == 0)
				val = m.val;		/* the last one counts */
		}
		if (k == 0)
			return val.p != NULL ? jscan_to_json(&val, r->tok) : NULL;
	}
	if (!json_object_object_get_ex(store_rec_obj(r), name, &v))
		return NULL;
	return json_object_get(v);
}

struct json_object *
store_rec_obj(const struct store_rec *r)
{
	if (r->obj != NULL || r->whole == NULL)
		return r->obj;
	if (*r->whole == NULL)
		*r->whole = text_parse(r->tok, r->text, r->len);
	return *r->whole;
}

static void
kinds_batch_end(struct store *s)
{
	size_t k;

	for (k = 0; k < s->nkinds; k++)
		if (agg_kind_table[k]->batch_end != NULL)
			agg_kind_table[k]->batch_end(s->kstate[k]);
}

/* A batch of len records, either a json-c array or recs (an agent's). */
static int
batch_store(struct store *s, const char *node, struct json_object *records,
    const struct proto_rec *recs, size_t len, int64_t now_ns)
{
	const struct agg_kind *kd;
	sqlite3_stmt *st;
	size_t i;
	int64_t ahead = STORE_NONE;
	unsigned skipped = 0;
	int k;

	memset(&s->last, 0, sizeof(s->last));
	memset(s->skips, 0, sizeof(s->skips));
	memset(s->batch_rt, 0, s->nrt * sizeof(*s->batch_rt));
	if (node == NULL || *node == '\0') {
		log_warnx("%s: a batch without a node", __func__);
		return -1;
	}
	s->now_ns = now_ns;
	if (store_tx_begin(s) == -1)
		return -1;
	if (node_seen(s, node, now_ns) == -1)
		goto fail;
	for (i = 0; i < len; i++)
		if ((records != NULL ? ingest_one(s, node,
		    json_object_array_get_idx(records, i), i, &ahead) :
		    ingest_text(s, node, &recs[i], i, &ahead)) == -1)
			goto fail;
	if (ahead != STORE_NONE && store_clock_bound(s, node, ahead) == -1)
		goto fail;
	for (i = 0; i < s->nkinds; i++) {
		kd = agg_kind_table[i];
		if (kd->after_batch != NULL &&
		    kd->after_batch(s, s->kstate[i], node) == -1)
			goto fail;
	}

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
	s->group_writes++;
	store_ingested_add(s, node);
	kinds_batch_end(s);
	if (skipped > 0)
		log_info("store: node %s: %u of %zu records skipped (malformed "
		    "or of an unknown kind)", node, skipped, len);
	return 0;
 fail:
	store_tx_rollback(s);
	kinds_batch_end(s);
	memset(&s->last, 0, sizeof(s->last));
	return -1;
}

int
store_records(struct store *s, const char *node, struct json_object *records,
    int64_t now_ns)
{
	if (records == NULL || !json_object_is_type(records, json_type_array)) {
		log_warnx("%s: node %s: a batch is a JSON array", __func__,
		    node != NULL ? node : "(none)");
		return -1;
	}
	return batch_store(s, node, records, NULL,
	    json_object_array_length(records), now_ns);
}

int
store_batch(struct store *s, const char *node, const struct proto_rec *recs,
    size_t n, int64_t now_ns)
{
	return batch_store(s, node, NULL, recs, n, now_ns);
}

void
store_last_batch(struct store *s, struct store_batch_counts *c)
{
	*c = s->last;
}

/*
 * The handshake's wall clock gives the node's clock offset, unless it is
 * further from ours than any node's could be: then the node keeps the
 * offset its history gave it, and the refusal is logged and counted.
 */
int
store_node_hello(struct store *s, const char *node, const char *agent_version,
    int64_t wall_ns, int64_t now_ns)
{
	sqlite3_stmt *st;
	int clock_ok = store_time_near(wall_ns, now_ns);

	if (store_tx_begin(s) == -1)
		return -1;
	if (node_seen(s, node, now_ns) == -1)
		goto fail;
	st = store_st(s, clock_ok ? ST_NODE_HELLO : ST_NODE_HELLO_NOCLOCK);
	store_bind_str(st, 1, node);
	store_bind_str(st, 2, agent_version);
	sqlite3_bind_int64(st, 3, now_ns);
	if (clock_ok)
		sqlite3_bind_int64(st, 4, wall_ns - now_ns);
	if (store_done(s, st, "hello") == -1)
		goto fail;
	if (!clock_ok) {
		log_warnx("store: node %s: its handshake clock (wall_ns %lld) is "
		    "more than %d days from the aggregator's: no clock offset "
		    "taken from it", node, (long long)wall_ns,
		    (int)(STORE_TIME_RANGE_NS / (86400 * 1000000000LL)));
		if (counter_add(s, "hello.out_of_range", 1) == -1)
			goto fail;
	}
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
	double d;

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
	/* A count sent as a double is kept only when it is one. */
	if ((v = stats_field(stats, disc_names)) != NULL &&
	    (json_object_is_type(v, json_type_int) ||
	    ((d = json_object_get_double(v)) >= 0 && d < 9.2e18)))
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
		if (store_alert_raise(s, names[i], "node.stale", "warning", msg,
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
	sqlite3_bind_int64(st, 2, clock_wall_ns());
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

int
store_set_durable(struct store *s, int durable)
{
	s->durable = durable;
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
	const struct agg_kind *kd;
	struct store *s;
	size_t k;
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
	if (rtypes_make(s) == -1)
		goto fail;
	if ((s->tok = json_tokener_new()) == NULL) {
		log_warnx("%s: json_tokener_new", __func__);
		goto fail;
	}
	if ((s->batch_rt = calloc(s->nrt + 1, sizeof(*s->batch_rt))) == NULL) {
		log_warn("%s: calloc", __func__);
		goto fail;
	}
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		log_warnx("%s: cannot open: %s", path, s->db ?
		    sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, 5000);
	s->durable = 1;
	if (wal_on(s) == -1 ||
	    /* A batch is acknowledged once committed: it must be on disk. */
	    pragma(s, "PRAGMA synchronous = FULL") == -1 ||
	    pragma(s, "PRAGMA cache_size = -32768") == -1 ||
	    pragma(s, "PRAGMA temp_store = MEMORY") == -1 ||
	    pragma(s, "PRAGMA foreign_keys = OFF") == -1 ||
	    /* The tallies' delete triggers see the rows REPLACE removes. */
	    pragma(s, "PRAGMA recursive_triggers = ON") == -1)
		goto fail;
	if (store_schema_upgrade(s->db, path, STORE_SCHEMA_VERSION) == -1 ||
	    store_schema_kinds(s->db, path) == -1)
		goto fail;
	for (i = 0; i < ST__COUNT; i++)
		if (store_prepare(s, store_sql[i], &s->st[i]) == -1)
			goto fail;
	for (k = 0; k < s->nkinds; k++) {
		kd = agg_kind_table[k];
		if (kd->prepare != NULL &&
		    (s->kstate[k] = kd->prepare(s)) == NULL) {
			log_warnx("%s: kind %s cannot start", path, kd->name);
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
	size_t k;
	int i;

	if (s == NULL)
		return;
	if (s->in_tx)
		store_tx_rollback(s);
	if (s->group && store_group_commit(s) == -1)
		log_warnx("store: the last group of writes is not stored");
	store_checkpointer_stop(s);
	store_syncer_stop(s);
	for (k = 0; s->kstate != NULL && k < s->nkinds; k++)
		if (s->kstate[k] != NULL && agg_kind_table[k]->finish != NULL)
			agg_kind_table[k]->finish(s->kstate[k]);
	for (i = 0; i < ST__COUNT; i++)
		sqlite3_finalize(s->st[i]);
	if (s->db != NULL) {
		/*
		 * As SQLite recommends at close, with its analysis bounded so a
		 * big database stops in time; the plans that matter are pinned
		 * (INDEXED BY), so what it leaves cannot slow the next run.
		 */
		sqlite3_exec(s->db, "PRAGMA analysis_limit = 1000; "
		    "PRAGMA optimize", NULL, NULL, NULL);
		if (sqlite3_close(s->db) != SQLITE_OK)
			log_warnx("%s: close: %s", s->path,
			    sqlite3_errmsg(s->db));
	}
	store_ingested_free(s);
	free(s->batch_rt);
	free(s->kstate);
	free(s->rt);
	free(s->aev);
	if (s->tok != NULL)
		json_tokener_free(s->tok);
	free(s->path);
	free(s);
}
