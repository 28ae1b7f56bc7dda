/*
 * store_query.c: the store's answers to queries (status, nodes,
 * migrations, one migration, alerts) as json-c objects the control socket
 * returns as they are.  Rows become objects by their column names, so the
 * SQL says what a field is called.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <json-c/json.h>

#include "log.h"
#include "store.h"
#include "store_int.h"

/* Columns of the migrations list, in the order of docs/store.md. */
#define MIG_LIST_COLS							\
	"id, vm_uuid, vm_name, src_node, dst_node, state, outcome, "	\
	"verdict, rounds, downtime_ms, downtime_basis, total_ms, "	\
	"started_ns, ended_ns, error, detail"

/*
 * A double as JSON: integral values as integers, others with at most
 * three decimals (json-c would print 17 significant digits).
 */
struct json_object *
store_json_double(double d)
{
	char buf[64], *p;

	if (isnan(d) || isinf(d))
		return NULL;
	if (fabs(d) < 9e15 && d == (double)(int64_t)d)
		return json_object_new_int64((int64_t)d);
	snprintf(buf, sizeof(buf), "%.3f", d);
	p = buf + strlen(buf) - 1;
	while (*p == '0')
		*p-- = '\0';
	if (*p == '.')
		p[1] = '0';
	return json_object_new_double_s(d, buf);
}

struct json_object *
store_json_col(sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		return json_object_new_int64(sqlite3_column_int64(st, i));
	case SQLITE_FLOAT:
		return store_json_double(sqlite3_column_double(st, i));
	case SQLITE_TEXT:
		return json_object_new_string((const char *)
		    sqlite3_column_text(st, i));
	default:
		return NULL;
	}
}

/*
 * Member names of the answers.  A constant name is not copied into each
 * object: that halves the cost of building a list of a thousand rows.
 */
static const char *const json_keys[] = {
	"acked_ns", "agent_version", "bandwidth_bps", "bytes", "clock_adj_ns",
	"clock_hello_ns", "clock_lo_ns", "clock_offset_ms", "clock_offset_ns",
	"clock_source", "detail", "dirty_pages", "dirty_rate_bps",
	"discarded", "downtime_basis", "downtime_ms", "dst_node",
	"duration_ms", "duplicates", "ended_ns", "error", "events_per_s",
	"evidence", "fired_ns", "first_seen_ns", "hello_ns", "id",
	"last_seen_ns", "message", "migration", "migration_id", "n", "name",
	"node", "outcome", "pending_bytes", "predicted_downtime_ms",
	"records", "resolution", "resolved_ns", "rounds", "severity",
	"skipped", "src_node", "stale", "stale_since_ns", "start_ns",
	"started_ns", "state", "stats", "t_ns", "throttle_pct", "total_ms",
	"updated_ns", "verdict", "vm_name", "vm_uuid",
};

/* The constant names of st's columns (NULL: copy it), once per query. */
static void
json_keys_of(sqlite3_stmt *st, const char **keys, int max)
{
	const char *name;
	size_t k;
	int i, n;

	n = sqlite3_column_count(st);
	for (i = 0; i < n && i < max; i++) {
		name = sqlite3_column_name(st, i);
		keys[i] = NULL;
		for (k = 0; k < sizeof(json_keys) / sizeof(json_keys[0]); k++)
			if (strcmp(json_keys[k], name) == 0) {
				keys[i] = json_keys[k];
				break;
			}
	}
}

static void
json_put(struct json_object *o, const char *key, const char *name,
    struct json_object *v)
{
	if (key != NULL)
		json_object_object_add_ex(o, key, v,
		    JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_KEY_IS_CONSTANT);
	else
		json_object_object_add(o, name, v);
}

#define ROW_COLS_MAX	64

/* The current row as an object keyed by column names. */
static struct json_object *
json_row_keys(sqlite3_stmt *st, const char **keys)
{
	struct json_object *o;
	int i, n;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	n = sqlite3_column_count(st);
	for (i = 0; i < n && i < ROW_COLS_MAX; i++)
		json_put(o, keys[i], sqlite3_column_name(st, i),
		    store_json_col(st, i));
	return o;
}

struct json_object *
store_json_row(sqlite3_stmt *st)
{
	const char *keys[ROW_COLS_MAX];

	json_keys_of(st, keys, ROW_COLS_MAX);
	return json_row_keys(st, keys);
}

/* A column holding JSON text, parsed; NULL (JSON null) if it is not JSON. */
static struct json_object *
json_text_col(sqlite3_stmt *st, int i)
{
	const char *t;

	if ((t = (const char *)sqlite3_column_text(st, i)) == NULL)
		return NULL;
	return json_tokener_parse(t);
}

static struct json_object *
alert_row(sqlite3_stmt *st, const char **keys)
{
	struct json_object *o;
	const char *name;
	int i, n;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	n = sqlite3_column_count(st);
	for (i = 0; i < n && i < ROW_COLS_MAX; i++) {
		name = sqlite3_column_name(st, i);
		json_put(o, keys[i], name, strcmp(name, "evidence") == 0 ?
		    json_text_col(st, i) : store_json_col(st, i));
	}
	return o;
}

struct json_object *
store_alert_json(struct store *s, int64_t id)
{
	sqlite3_stmt *st = store_st(s, ST_ALERT_GET);
	struct json_object *o = NULL;
	const char *keys[ROW_COLS_MAX];

	sqlite3_bind_int64(st, 1, id);
	json_keys_of(st, keys, ROW_COLS_MAX);
	if (store_row(s, st, "alert") == 1)
		o = alert_row(st, keys);
	sqlite3_reset(st);
	return o;
}

struct json_object *
store_q_alerts(struct store *s, int firing_only, uint64_t since_ns,
    unsigned limit, const char **err)
{
	sqlite3_stmt *st = store_st(s, ST_ALERTS_LIST);
	struct json_object *arr;
	const char *keys[ROW_COLS_MAX];
	int r;

	*err = NULL;
	sqlite3_bind_int(st, 1, firing_only != 0);
	sqlite3_bind_int64(st, 2, since_ns > INT64_MAX ? INT64_MAX :
	    (int64_t)since_ns);
	if (limit == 0)
		limit = STORE_ALERTS_DEFAULT;
	sqlite3_bind_int(st, 3, limit > STORE_ALERTS_MAX ? STORE_ALERTS_MAX :
	    (int)limit);
	arr = json_object_new_array();
	json_keys_of(st, keys, ROW_COLS_MAX);
	while ((r = store_row(s, st, "alerts")) == 1)
		json_object_array_add(arr, alert_row(st, keys));
	sqlite3_reset(st);
	if (r == -1) {
		json_object_put(arr);
		*err = store_err(s, "store: %s", sqlite3_errmsg(s->db));
		return NULL;
	}
	return arr;
}

/* One integer of a one-row statement; -1 on error. */
static int64_t
scalar(struct store *s, enum store_st which, int col)
{
	sqlite3_stmt *st = store_st(s, which);
	int64_t v = -1;

	if (store_row(s, st, "status") == 1)
		v = sqlite3_column_int64(st, col);
	sqlite3_reset(st);
	return v;
}

struct json_object *
store_q_status(struct store *s, const char **err)
{
	sqlite3_stmt *st;
	struct json_object *o, *c;
	int64_t nodes, stale, total, active, firing, vms;
	int r;

	*err = NULL;
	st = store_st(s, ST_STATUS_NODES);
	if (store_row(s, st, "status") != 1) {
		sqlite3_reset(st);
		goto fail;
	}
	nodes = sqlite3_column_int64(st, 0);
	stale = sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	st = store_st(s, ST_STATUS_MIGS);
	if (store_row(s, st, "status") != 1) {
		sqlite3_reset(st);
		goto fail;
	}
	total = sqlite3_column_int64(st, 0);
	active = sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	if ((firing = scalar(s, ST_STATUS_ALERTS, 0)) == -1 ||
	    (vms = scalar(s, ST_STATUS_VMS, 0)) == -1)
		goto fail;

	o = json_object_new_object();
	json_object_object_add(o, "db", json_object_new_string(s->path));
	json_object_object_add(o, "schema_version",
	    json_object_new_int(STORE_SCHEMA_VERSION));
	json_object_object_add(o, "nodes", json_object_new_int64(nodes));
	json_object_object_add(o, "nodes_stale", json_object_new_int64(stale));
	json_object_object_add(o, "vms", json_object_new_int64(vms));
	json_object_object_add(o, "migrations_total",
	    json_object_new_int64(total));
	json_object_object_add(o, "migrations_active",
	    json_object_new_int64(active));
	json_object_object_add(o, "alerts_firing",
	    json_object_new_int64(firing));
	c = json_object_new_object();
	st = store_st(s, ST_COUNTERS);
	while ((r = store_row(s, st, "counters")) == 1)
		json_object_object_add(c, (const char *)sqlite3_column_text(st,
		    0), json_object_new_int64(sqlite3_column_int64(st, 1)));
	sqlite3_reset(st);
	json_object_object_add(o, "counters", c);
	if (r == -1) {
		json_object_put(o);
		goto fail;
	}
	return o;
 fail:
	*err = store_err(s, "store: %s", sqlite3_errmsg(s->db));
	return NULL;
}

struct json_object *
store_q_nodes(struct store *s, const char **err)
{
	sqlite3_stmt *st = store_st(s, ST_NODES_LIST);
	struct json_object *arr, *o;
	const char *keys[ROW_COLS_MAX];
	int r, i, n;

	*err = NULL;
	arr = json_object_new_array();
	json_keys_of(st, keys, ROW_COLS_MAX);
	n = sqlite3_column_count(st);
	if (n > ROW_COLS_MAX)
		n = ROW_COLS_MAX;
	while ((r = store_row(s, st, "nodes")) == 1) {
		o = json_object_new_object();
		for (i = 0; i < n; i++) {
			const char *name = sqlite3_column_name(st, i);

			if (strcmp(name, "stale") == 0)
				json_put(o, keys[i], name,
				    json_object_new_boolean(
				    sqlite3_column_int(st, i)));
			else if (strcmp(name, "stats") == 0)
				json_put(o, keys[i], name, json_text_col(st, i));
			else
				json_put(o, keys[i], name,
				    store_json_col(st, i));
		}
		json_object_array_add(arr, o);
	}
	sqlite3_reset(st);
	if (r == -1) {
		json_object_put(arr);
		*err = store_err(s, "store: %s", sqlite3_errmsg(s->db));
		return NULL;
	}
	return arr;
}

/*
 * The statement for one mix of filters, prepared the first time that mix
 * is asked for: each mix gets a plan that can use its index.
 */
static sqlite3_stmt *
mig_list_st(struct store *s, unsigned mask)
{
	char sql[1024];
	int len;

	if (s->st_mig[mask] != NULL) {
		sqlite3_reset(s->st_mig[mask]);
		sqlite3_clear_bindings(s->st_mig[mask]);
		return s->st_mig[mask];
	}
	len = snprintf(sql, sizeof(sql), "SELECT " MIG_LIST_COLS
	    " FROM migrations WHERE 1%s%s%s%s%s "
	    "ORDER BY started_ns DESC LIMIT ?6",
	    mask & MIGF_ACTIVE ? " AND outcome IS NULL" : "",
	    mask & MIGF_FAILED ? " AND outcome IN ('failed', 'cancelled', "
	    "'rolled_back')" : "",
	    mask & MIGF_VM ? " AND (vm_uuid = ?3 OR vm_name = ?3)" : "",
	    mask & MIGF_NODE ? " AND (src_node = ?4 OR dst_node = ?4)" : "",
	    mask & MIGF_SINCE ? " AND started_ns >= ?5" : "");
	if (len < 0 || (size_t)len >= sizeof(sql))
		return NULL;
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &s->st_mig[mask], NULL) != SQLITE_OK) {
		log_warnx("store: migrations query: %s", sqlite3_errmsg(s->db));
		return NULL;
	}
	return s->st_mig[mask];
}

struct json_object *
store_q_migrations(struct store *s, const struct mig_filter *f,
    const char **err)
{
	static const struct mig_filter none;
	sqlite3_stmt *st;
	struct json_object *arr;
	const char *keys[ROW_COLS_MAX];
	unsigned mask = 0;
	int r;

	*err = NULL;
	if (f == NULL)
		f = &none;
	if (f->active)
		mask |= MIGF_ACTIVE;
	if (f->failed)
		mask |= MIGF_FAILED;
	if (f->vm != NULL && *f->vm != '\0')
		mask |= MIGF_VM;
	if (f->node != NULL && *f->node != '\0')
		mask |= MIGF_NODE;
	if (f->since_ns > 0)
		mask |= MIGF_SINCE;
	if ((st = mig_list_st(s, mask)) == NULL) {
		*err = store_err(s, "store: %s", sqlite3_errmsg(s->db));
		return NULL;
	}
	if (mask & MIGF_VM)
		store_bind_str(st, 3, f->vm);
	if (mask & MIGF_NODE)
		store_bind_str(st, 4, f->node);
	if (mask & MIGF_SINCE)
		sqlite3_bind_int64(st, 5, f->since_ns > INT64_MAX ? INT64_MAX :
		    (int64_t)f->since_ns);
	sqlite3_bind_int(st, 6, f->limit ? (int)f->limit : STORE_MIGS_DEFAULT);
	arr = json_object_new_array();
	json_keys_of(st, keys, ROW_COLS_MAX);
	while ((r = store_row(s, st, "migrations")) == 1)
		json_object_array_add(arr, json_row_keys(st, keys));
	sqlite3_reset(st);
	if (r == -1) {
		json_object_put(arr);
		*err = store_err(s, "store: %s", sqlite3_errmsg(s->db));
		return NULL;
	}
	return arr;
}

/* The migration id for what a user typed: a migration or a side id. */
static char *
mig_lookup(struct store *s, const char *id, int *ambiguous)
{
	sqlite3_stmt *st;
	const char *slash;
	char *node = NULL, *mig = NULL;
	int r, n = 0;

	*ambiguous = 0;
	st = store_st(s, ST_MIG_GET);
	store_bind_str(st, 1, id);
	r = store_row(s, st, "migration");
	sqlite3_reset(st);
	if (r == 1)
		return strdup(id);
	if (r == -1)
		return NULL;
	/* A side id, alone or as "node/side-id". */
	st = store_st(s, ST_SIDE_BY_SID);
	store_bind_str(st, 1, id);
	if ((slash = strchr(id, '/')) != NULL &&
	    (node = strndup(id, slash - id)) != NULL) {
		store_bind_str(st, 2, node);
		store_bind_str(st, 3, slash + 1);
	}
	while ((r = store_row(s, st, "side")) == 1) {
		if (n++ == 0)
			mig = store_col_dup(st, 1);
	}
	sqlite3_reset(st);
	free(node);
	if (n > 1) {
		*ambiguous = 1;
		free(mig);
		return NULL;
	}
	return mig;
}

/* One side for store_q_migration(): its record, the store's view, rounds. */
static struct json_object *
side_json(struct store *s, sqlite3_stmt *st)
{
	struct json_object *o = NULL, *rounds, *v;
	struct store_clock clk;
	sqlite3_stmt *rs;
	const char *keys[ROW_COLS_MAX];
	const char *name, *node;
	int64_t key = 0;
	int i, n, r;

	if ((v = json_text_col(st, 21)) != NULL &&
	    json_object_is_type(v, json_type_object))
		o = v;
	else {
		json_object_put(v);
		o = json_object_new_object();
	}
	json_object_object_del(o, "kind");
	n = sqlite3_column_count(st);
	for (i = 0; i < n; i++) {
		name = sqlite3_column_name(st, i);
		if (strcmp(name, "side_key") == 0)
			key = sqlite3_column_int64(st, i);
		if (strcmp(name, "raw") == 0 || strcmp(name, "side_key") == 0)
			continue;
		json_object_object_add(o, strcmp(name, "sid") == 0 ? "id" :
		    name, store_json_col(st, i));
	}
	node = (const char *)sqlite3_column_text(st, 0);
	if (store_clock_get(s, node, &clk) == 0)
		json_object_object_add(o, "clock_offset_ns",
		    json_object_new_int64(clk.offset));

	rounds = json_object_new_array();
	rs = store_st(s, ST_ROUNDS_OF_SIDE);
	sqlite3_bind_int64(rs, 1, key);
	json_keys_of(rs, keys, ROW_COLS_MAX);
	while ((r = store_row(s, rs, "rounds")) == 1)
		json_object_array_add(rounds, json_row_keys(rs, keys));
	sqlite3_reset(rs);
	json_object_object_add(o, "rounds", rounds);
	if (r == -1) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

struct json_object *
store_q_migration(struct store *s, const char *id, const char **err)
{
	sqlite3_stmt *st;
	struct json_object *o = NULL, *sides, *side;
	char *mig;
	int r, ambiguous;

	*err = NULL;
	if ((mig = mig_lookup(s, id, &ambiguous)) == NULL) {
		if (ambiguous)
			*err = store_err(s, "%.128s names sides of several "
			    "migrations: use node/side-id", id);
		return NULL;
	}
	st = store_st(s, ST_MIG_GET);
	store_bind_str(st, 1, mig);
	if ((r = store_row(s, st, "migration")) == 1)
		o = store_json_row(st);
	sqlite3_reset(st);
	if (o == NULL) {
		if (r == -1)
			*err = store_err(s, "store: %s", sqlite3_errmsg(s->db));
		free(mig);
		return NULL;
	}
	sides = json_object_new_array();
	st = store_st(s, ST_SIDES_OF_MIG);
	store_bind_str(st, 1, mig);
	while ((r = store_row(s, st, "sides")) == 1) {
		/* side_json runs other statements: st stays on its row. */
		if ((side = side_json(s, st)) == NULL) {
			r = -1;
			break;
		}
		json_object_array_add(sides, side);
	}
	sqlite3_reset(st);
	free(mig);
	json_object_object_add(o, "sides", sides);
	if (r == -1) {
		json_object_put(o);
		*err = store_err(s, "store: %s", sqlite3_errmsg(s->db));
		return NULL;
	}
	return o;
}
