/*
 * mig_query.c: the migration kind's answers: the migrations list, one
 * migration with its sides and rounds (mig_store.h), its members of
 * `status`, its members of every alert object (migration_id, the
 * correlated migration, the subject's id), and its metric families
 * (/metrics, docs/http.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <json-c/json.h>

#include "log.h"
#include "prom.h"
#include "mig_int.h"

extern const struct agg_kind agg_kind_migration;

/* Columns of the migrations list, in the order of docs/store.md. */
#define MIG_LIST_COLS							\
	"id, vm_uuid, vm_name, src_node, dst_node, state, outcome, "	\
	"verdict, rounds, downtime_ms, downtime_basis, total_ms, "	\
	"started_ns, ended_ns, error, detail"

/*
 * The statement for one mix of filters, prepared the first time that mix
 * is asked for: each mix gets a plan that can use its index.
 */
static sqlite3_stmt *
mig_list_st(struct mig *m, unsigned mask)
{
	char sql[1024];
	int len;

	if (m->st_list[mask] != NULL) {
		sqlite3_reset(m->st_list[mask]);
		sqlite3_clear_bindings(m->st_list[mask]);
		return m->st_list[mask];
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
	if (store_prepare(m->s, sql, &m->st_list[mask]) == -1)
		return NULL;
	return m->st_list[mask];
}

struct json_object *
store_q_migrations(struct store *s, const struct mig_filter *f,
    const char **err)
{
	static const struct mig_filter none;
	struct mig *m;
	sqlite3_stmt *st;
	struct json_object *arr;
	const char *keys[STORE_ROW_COLS_MAX];
	unsigned mask = 0;
	int r;

	*err = NULL;
	if ((m = store_kind_state(s, &agg_kind_migration)) == NULL) {
		*err = store_err(s, "store: no migration kind");
		return NULL;
	}
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
	if ((st = mig_list_st(m, mask)) == NULL) {
		*err = store_err(s, "store: %s", sqlite3_errmsg(store_db(s)));
		return NULL;
	}
	if (mask & MIGF_VM)
		store_bind_str(st, 3, f->vm);
	if (mask & MIGF_NODE)
		store_bind_str(st, 4, f->node);
	if (mask & MIGF_SINCE)
		sqlite3_bind_int64(st, 5, f->since_ns > INT64_MAX ? INT64_MAX :
		    (int64_t)f->since_ns);
	sqlite3_bind_int(st, 6, f->limit ? (int)f->limit : MIG_LIST_DEFAULT);
	arr = json_object_new_array();
	store_json_keys_of(st, keys, STORE_ROW_COLS_MAX);
	while ((r = store_row(s, st, "migrations")) == 1)
		json_object_array_add(arr, store_json_row_keys(st, keys));
	sqlite3_reset(st);
	if (r == -1) {
		json_object_put(arr);
		*err = store_err(s, "store: %s", sqlite3_errmsg(store_db(s)));
		return NULL;
	}
	return arr;
}

/* The migration id for what a user typed: a migration or a side id. */
static char *
mig_lookup(struct mig *m, const char *id, int *ambiguous)
{
	sqlite3_stmt *st;
	const char *slash;
	char *node = NULL, *mig = NULL;
	int r, n = 0;

	*ambiguous = 0;
	st = mig_st(m, MST_MIG_GET);
	store_bind_str(st, 1, id);
	r = store_row(m->s, st, "migration");
	sqlite3_reset(st);
	if (r == 1)
		return strdup(id);
	if (r == -1)
		return NULL;
	/* A side id, alone or as "node/side-id". */
	st = mig_st(m, MST_SIDE_BY_SID);
	store_bind_str(st, 1, id);
	if ((slash = strchr(id, '/')) != NULL &&
	    (node = strndup(id, slash - id)) != NULL) {
		store_bind_str(st, 2, node);
		store_bind_str(st, 3, slash + 1);
	}
	while ((r = store_row(m->s, st, "side")) == 1) {
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
side_json(struct mig *m, sqlite3_stmt *st)
{
	struct json_object *o = NULL, *rounds, *v;
	struct store_clock clk;
	sqlite3_stmt *rs;
	const char *keys[STORE_ROW_COLS_MAX];
	const char *name, *node;
	int64_t key = 0;
	int i, n, r;

	if ((v = store_json_text_col(st, 21)) != NULL &&
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
	if (store_clock_get(m->s, node, &clk) == 0)
		json_object_object_add(o, "clock_offset_ns",
		    json_object_new_int64(clk.offset));

	rounds = json_object_new_array();
	rs = mig_st(m, MST_ROUNDS_OF_SIDE);
	sqlite3_bind_int64(rs, 1, key);
	store_json_keys_of(rs, keys, STORE_ROW_COLS_MAX);
	while ((r = store_row(m->s, rs, "rounds")) == 1)
		json_object_array_add(rounds, store_json_row_keys(rs, keys));
	sqlite3_reset(rs);
	json_object_object_add(o, "rounds", rounds);
	if (r == -1) {
		json_object_put(o);
		return NULL;
	}
	mig_kernel_side(m->s, o, node);
	return o;
}

struct json_object *
store_q_migration(struct store *s, const char *id, const char **err)
{
	sqlite3_stmt *st;
	struct json_object *o = NULL, *sides, *side;
	struct mig *m;
	char *mig;
	int r, ambiguous;

	*err = NULL;
	if ((m = store_kind_state(s, &agg_kind_migration)) == NULL) {
		*err = store_err(s, "store: no migration kind");
		return NULL;
	}
	if ((mig = mig_lookup(m, id, &ambiguous)) == NULL && !ambiguous)
		mig = mig_link_lookup(m, id);	/* a Nova migration_key */
	if (mig == NULL) {
		if (ambiguous)
			*err = store_err(s, "%.128s names sides of several "
			    "migrations: use node/side-id", id);
		return NULL;
	}
	st = mig_st(m, MST_MIG_GET);
	store_bind_str(st, 1, mig);
	if ((r = store_row(s, st, "migration")) == 1)
		o = store_json_row(st);
	sqlite3_reset(st);
	if (o == NULL) {
		if (r == -1)
			*err = store_err(s, "store: %s", sqlite3_errmsg(store_db(s)));
		free(mig);
		return NULL;
	}
	sides = json_object_new_array();
	st = mig_st(m, MST_SIDES_OF_MIG);
	store_bind_str(st, 1, mig);
	while ((r = store_row(s, st, "sides")) == 1) {
		/* side_json runs other statements: st stays on its row. */
		if ((side = side_json(m, st)) == NULL) {
			r = -1;
			break;
		}
		json_object_array_add(sides, side);
	}
	sqlite3_reset(st);
	free(mig);
	json_object_object_add(o, "sides", sides);
	/* The Nova request above it, the diagnosis (mig_link.c). */
	if (r != -1 && mig_link(m, o) == -1)
		r = -1;
	if (r == -1) {
		json_object_put(o);
		*err = store_err(s, "store: %s", sqlite3_errmsg(store_db(s)));
		return NULL;
	}
	return o;
}

int
mig_status(struct store *s, void *arg, struct json_object *o)
{
	struct mig *m = arg;
	sqlite3_stmt *st = mig_st(m, MST_STATUS);

	if (store_row(s, st, "status") != 1) {
		sqlite3_reset(st);
		return -1;
	}
	json_object_object_add(o, "vms",
	    json_object_new_int64(sqlite3_column_int64(st, 2)));
	json_object_object_add(o, "migrations_total",
	    json_object_new_int64(sqlite3_column_int64(st, 0)));
	json_object_object_add(o, "migrations_active",
	    json_object_new_int64(sqlite3_column_int64(st, 1)));
	sqlite3_reset(st);
	return 0;
}

/* The alert's vm_name: its side's, else its VM's (vm_uuid); or null. */
static void
alert_vm_name(struct store *s, struct mig *m, struct json_object *a,
    const char *sid, const char *node)
{
	struct json_object *v;
	sqlite3_stmt *st = mig_st(m, MST_ALERT_VM);
	char *name = NULL;

	store_bind_str(st, 1, sid != NULL ? node : NULL);
	store_bind_str(st, 2, sid);
	store_bind_str(st, 3, json_object_object_get_ex(a, "vm_uuid", &v) &&
	    v != NULL ? json_object_get_string(v) : NULL);
	if (store_row(s, st, "alert vm") == 1)
		name = store_col_dup(st, 0);
	sqlite3_reset(st);
	json_object_object_add(a, "vm_name", name ?
	    json_object_new_string(name) : NULL);
	free(name);
}

/*
 * Every alert has vm_name, migration_id (the side id the agent named) and
 * migration (the correlated migration's id), null unless its subject is a
 * migration (vm_name: unless its VM is known); the subject's id is the
 * correlated migration's once known.  A not_converging alert has its
 * advice too (mig_advice.c).
 */
void
mig_alert_json(struct store *s, void *arg, struct json_object *a,
    const char *skind, const char *sid, const char *node)
{
	struct mig *m = arg;
	struct json_object *subj, *v;
	sqlite3_stmt *st;
	char *mig = NULL;

	if (skind == NULL || sid == NULL || strcmp(skind, "migration") != 0) {
		alert_vm_name(s, m, a, NULL, node);
		json_object_object_add(a, "migration_id", NULL);
		json_object_object_add(a, "migration", NULL);
		return;
	}
	alert_vm_name(s, m, a, sid, node);
	json_object_object_add(a, "migration_id", json_object_new_string(sid));
	st = mig_st(m, MST_SIDE_MIG);
	store_bind_str(st, 1, node);
	store_bind_str(st, 2, sid);
	if (store_row(s, st, "alert migration") == 1)
		mig = store_col_dup(st, 0);
	sqlite3_reset(st);
	json_object_object_add(a, "migration", mig ?
	    json_object_new_string(mig) : NULL);
	/* What would make it converge (mig_advice.c). */
	if (json_object_object_get_ex(a, "name", &v) && v != NULL &&
	    strcmp(json_object_get_string(v), "migration.not_converging") == 0)
		json_object_object_add(a, "advice", mig_advice_side(m, node, sid,
		    json_object_object_get(a, "evidence")));
	if (mig != NULL && json_object_object_get_ex(a, "subject", &subj) &&
	    subj != NULL)
		json_object_object_add(subj, "id", json_object_new_string(mig));
	free(mig);
}

/* Histogram bounds in seconds; 0.3 s is QEMU's default downtime limit. */
static const double mig_downtime_s[] = {
	0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5, 10
};
static const double mig_duration_s[] = {
	1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600
};
#define NDOWNTIME	(sizeof(mig_downtime_s) / sizeof(mig_downtime_s[0]))
#define NDURATION	(sizeof(mig_duration_s) / sizeof(mig_duration_s[0]))

/* The outcomes always exported (0 until one happens); others as they come. */
static const char *const mig_outcomes[] = {
	"completed", "failed", "cancelled", "rolled_back"
};
#define NOUTCOMES	(sizeof(mig_outcomes) / sizeof(mig_outcomes[0]))
#define MIG_OUTCOMES_MAX	16	/* distinct outcomes exported */

struct mig_hist {
	uint64_t	 n[16];
	uint64_t	 count;
	double		 sum;
};

static void
hist_add(struct mig_hist *h, const double *bounds, size_t nb, double v)
{
	size_t i;

	for (i = 0; i < nb && v > bounds[i]; i++)
		;
	if (i < nb)
		h->n[i]++;
	h->count++;
	h->sum += v;
}

/* The gauges of the active migrations, one family each. */
static const struct {
	const char	*name;
	const char	*help;
	int		 col;		/* of MST_METRICS_ACTIVE */
	double		 scale;		/* into base units */
} mig_active_gauges[] = {
	{ "strata_migration_active_rounds",
	  "Dirty-sync rounds so far of a migration in progress.", 3, 1 },
	{ "strata_migration_pending_bytes",
	  "Bytes still to send after the last round's sync (source side).",
	  4, 1 },
	{ "strata_migration_threshold_bytes",
	  "QEMU's stop-and-copy threshold: below it, the switchover starts.",
	  8, 1 },
	{ "strata_migration_dirty_rate_bytes_per_second",
	  "Rate the guest dirtied memory at during the last round.", 5, 1 },
	{ "strata_migration_bandwidth_bytes_per_second",
	  "QEMU's measured migration bandwidth in the last round.", 6, 1 },
	{ "strata_migration_predicted_downtime_seconds",
	  "Pending bytes over bandwidth after the last round.", 7, 1e-3 },
	{ "strata_migration_downtime_limit_seconds",
	  "The downtime limit the verdicts hold the prediction against.",
	  9, 1e-3 },
	{ "strata_migration_started_timestamp_seconds",
	  "When a migration in progress started (node clock).", 10, 1e-9 },
};
#define NACTIVE	(sizeof(mig_active_gauges) / sizeof(mig_active_gauges[0]))

static int
mig_metrics_active(struct mig *m, struct prom *p)
{
	sqlite3_stmt *st = mig_st(m, MST_METRICS_ACTIVE);
	const char *lb[6];
	size_t g;
	int r = 0, i;

	for (g = 0; g < NACTIVE && r != -1; g++) {
		prom_family(p, mig_active_gauges[g].name, PROM_GAUGE,
		    mig_active_gauges[g].help);
		sqlite3_reset(st);
		sqlite3_bind_int(st, 1, MIG_METRICS_ACTIVE);
		while ((r = store_row(m->s, st, "migration metrics")) == 1) {
			i = mig_active_gauges[g].col;
			if (sqlite3_column_type(st, i) == SQLITE_NULL)
				continue;
			lb[0] = "vm_uuid";
			lb[1] = (const char *)sqlite3_column_text(st, 0);
			lb[2] = "vm_name";
			lb[3] = (const char *)sqlite3_column_text(st, 1);
			lb[4] = "node";
			lb[5] = (const char *)sqlite3_column_text(st, 2);
			prom_sample_v(p, mig_active_gauges[g].name,
			    sqlite3_column_double(st, i) *
			    mig_active_gauges[g].scale, lb, 3);
		}
	}
	sqlite3_reset(st);
	return r == -1 ? -1 : 0;
}

/*
 * Every migration counted by outcome, the rounds of all, downtimes of
 * the completed ones and durations of the ended ones (histograms), then
 * gauges of the newest MIG_METRICS_ACTIVE active ones, labelled by VM
 * and source node: no per-round series.
 */
int
mig_metrics(struct store *s, void *arg, struct prom *p)
{
	struct mig *m = arg;
	sqlite3_stmt *st = mig_st(m, MST_METRICS_ALL);
	struct mig_hist down, dur;
	char *other[MIG_OUTCOMES_MAX];
	uint64_t nout[MIG_OUTCOMES_MAX], active = 0, rounds = 0;
	size_t nother = NOUTCOMES, i;
	const char *o;
	int r;

	memset(&down, 0, sizeof(down));
	memset(&dur, 0, sizeof(dur));
	memset(nout, 0, sizeof(nout));
	for (i = 0; i < NOUTCOMES; i++)
		other[i] = (char *)mig_outcomes[i];
	while ((r = store_row(s, st, "migration metrics")) == 1) {
		rounds += (uint64_t)sqlite3_column_int64(st, 3);
		if ((o = (const char *)sqlite3_column_text(st, 0)) == NULL) {
			active++;
			continue;
		}
		for (i = 0; i < nother && strcmp(other[i], o) != 0; i++)
			;
		if (i == nother && nother < MIG_OUTCOMES_MAX &&
		    (other[nother] = strdup(o)) != NULL)
			nother++;
		if (i < nother)
			nout[i]++;
		if (strcmp(o, "completed") == 0 &&
		    sqlite3_column_type(st, 1) != SQLITE_NULL)
			hist_add(&down, mig_downtime_s, NDOWNTIME,
			    sqlite3_column_double(st, 1) / 1e3);
		if (sqlite3_column_type(st, 2) != SQLITE_NULL)
			hist_add(&dur, mig_duration_s, NDURATION,
			    sqlite3_column_double(st, 2) / 1e3);
	}
	sqlite3_reset(st);

	prom_family(p, "strata_migrations_total", PROM_COUNTER,
	    "Live migrations that ended, by outcome.");
	for (i = 0; i < nother; i++)
		prom_sample(p, "strata_migrations_total", (double)nout[i],
		    "outcome", other[i], NULL);
	for (i = NOUTCOMES; i < nother; i++)
		free(other[i]);
	prom_one(p, "strata_migrations_active", PROM_GAUGE,
	    "Live migrations in progress (no outcome yet).", (double)active);
	prom_one(p, "strata_migration_rounds_total", PROM_COUNTER,
	    "Dirty-sync rounds of every migration stored.", (double)rounds);
	prom_family(p, "strata_migration_downtime_seconds", PROM_HISTOGRAM,
	    "Downtime of completed migrations: VM stopped on the source until "
	    "it runs on the destination.");
	prom_histogram(p, "strata_migration_downtime_seconds", mig_downtime_s,
	    down.n, NDOWNTIME, down.count, down.sum, NULL, 0);
	prom_family(p, "strata_migration_duration_seconds", PROM_HISTOGRAM,
	    "Duration of migrations that ended, start to outcome.");
	prom_histogram(p, "strata_migration_duration_seconds", mig_duration_s,
	    dur.n, NDURATION, dur.count, dur.sum, NULL, 0);
	if (r == -1)
		return -1;
	return mig_metrics_active(m, p);
}
