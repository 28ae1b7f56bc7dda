/*
 * mig_ingest.c: the migration kind's records into the store: `migration`
 * records (one side of a live migration on one node, the latest wins) and
 * `migration_round` records (its dirty-sync rounds), inside the batch's
 * transaction; the sides they touch are correlated after the batch
 * (mig_correlate.c).  And what the kind knows of its alerts: their
 * subject is the side they name, and `migration.converged` is no alert
 * but resolves the side's `migration.not_converging`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <json-c/json.h>

#include "jscan.h"
#include "log.h"
#include "mig_int.h"

/*
 * The entry of side sid among the sides the batch touched (correlated at
 * its end), with the side's key; a side not stored yet is made a stub
 * when stub is set.  NULL on error.  Valid until the next call.
 */
static struct mig_touch *
touch(struct mig *m, const char *node, const char *sid, int stub)
{
	struct mig_touch *p, *e;
	sqlite3_stmt *st;
	size_t i, n;
	int r;

	for (i = m->ntouch; i-- > 0; )
		if (strcmp(m->touch[i].sid, sid) == 0)
			return &m->touch[i];
	if (m->ntouch == m->touchcap) {
		n = m->touchcap ? m->touchcap * 2 : 16;
		if ((p = reallocarray(m->touch, n, sizeof(*p))) == NULL) {
			log_warn("%s: reallocarray", __func__);
			return NULL;
		}
		m->touch = p;
		m->touchcap = n;
	}
	e = &m->touch[m->ntouch];
	memset(e, 0, sizeof(*e));
	e->nrounds = STORE_NONE;
	st = mig_st(m, MST_SIDE_ID);
	sqlite3_bind_text(st, 1, node, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, sid, -1, SQLITE_STATIC);
	if ((r = store_row(m->s, st, "side key")) == 1) {
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
		st = mig_st(m, MST_SIDE_STUB);
		sqlite3_bind_text(st, 1, node, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, sid, -1, SQLITE_STATIC);
		if (store_done(m->s, st, "side stub") == -1)
			return NULL;
		e->side = sqlite3_last_insert_rowid(store_db(m->s));
	}
	if ((e->sid = strdup(sid)) == NULL) {
		log_warn("%s: strdup", __func__);
		return NULL;
	}
	m->ntouch++;
	return e;
}

static void
touch_clear(struct mig *m)
{
	size_t i;

	for (i = 0; i < m->ntouch; i++)
		free(m->touch[i].sid);
	m->ntouch = 0;
}

/*
 * One round of a side, from a `migration_round` record or from the rounds
 * array of a `migration` record.  Returns 2 if it is a new round, 1 if it
 * changed a stored one, 0 if it was stored as it is, -1 on a database error.
 */
static int
round_upsert(struct mig *m, int64_t side, const struct store_rec *r, int64_t n)
{
	sqlite3_stmt *st;
	int k;

	for (k = 0; k < 2; k++) {
		st = mig_st(m, k == 0 ? MST_ROUND_INSERT : MST_ROUND_UPDATE);
		sqlite3_bind_int64(st, 1, side);
		sqlite3_bind_int64(st, 3, n);
		store_bind_i64(st, 4, store_opt_i64(r, MR_T_NS));
		store_bind_i64(st, 5, store_opt_i64(r, MR_START_NS));
		store_bind_i64(st, 6, store_opt_i64(r, MR_DIRTY_PAGES));
		store_bind_dbl(st, 7, store_opt_dbl(r, MR_DURATION_MS));
		store_bind_dbl(st, 8, store_opt_dbl(r, MR_DIRTY_RATE_BPS));
		store_bind_i64(st, 9, store_opt_i64(r, MR_PENDING_BYTES));
		store_bind_dbl(st, 10, store_opt_dbl(r, MR_BANDWIDTH_BPS));
		store_bind_i64(st, 11, store_opt_i64(r, MR_BYTES));
		store_bind_dbl(st, 12, store_opt_dbl(r, MR_PREDICTED_DOWNTIME_MS));
		store_bind_dbl(st, 13, store_opt_dbl(r, MR_THROTTLE_PCT));
		store_bind_str(st, 14, store_opt_str(r, MR_VERDICT));
		if (store_done(m->s, st, "round") == -1)
			return -1;
		if (sqlite3_changes(store_db(m->s)) > 0)
			return k == 0 ? 2 : 1;
	}
	return 0;
}

/* An integer member a record cannot do without. */
static enum agg_ingest
int_member(struct store *s, const struct store_rec *rec, int f,
    const char *name, int64_t *v)
{
	switch (store_rec_i64(rec, f, v)) {
	case STORE_FLD_ABSENT:
		return store_skip(s, SKIP_MISSING_FIELD, rec, name);
	case STORE_FLD_BAD:
		return store_skip(s, SKIP_BAD_FIELD, rec, name);
	default:
		return AGG_STORED;
	}
}

/*
 * The range checks of a `migration_round` (store_kind.h): NULL when its
 * times and durations are ones a node can send, else the first member
 * that is not.  Its t_ns is the store's to check, but not in a `rounds`
 * array: it is checked here too.
 */
static const char *
round_range(struct store *s, const struct store_rec *r)
{
	static const struct {
		int		 f;
		const char	*name;
		int		 time;		/* else a duration in ms */
	} m[] = {
		{ MR_T_NS, "t_ns", 1 }, { MR_START_NS, "start_ns", 1 },
		{ MR_DURATION_MS, "duration_ms", 0 },
		{ MR_PREDICTED_DOWNTIME_MS, "predicted_downtime_ms", 0 },
	};
	size_t k;
	int64_t t;
	double d;

	for (k = 0; k < sizeof(m) / sizeof(m[0]); k++) {
		if (m[k].time) {
			if ((t = store_opt_i64(r, m[k].f)) != STORE_NONE &&
			    !store_time_ok(s, t))
				return m[k].name;
		} else if (store_rec_dbl(r, m[k].f, &d) == STORE_FLD_OK &&
		    !store_ms_ok(d))
			return m[k].name;
	}
	return NULL;
}

enum agg_ingest
mig_ingest_round(struct store *s, void *arg, const struct store_rec *rec)
{
	struct mig *m = arg;
	struct mig_touch *e;
	const char *mid, *bad;
	int64_t n, t;
	int r;

	if (store_rec_str(rec, MR_MIGRATION_ID, &mid) != STORE_FLD_OK)
		return store_skip(s, SKIP_MISSING_FIELD, rec, "migration_id");
	if (int_member(s, rec, MR_N, "n", &n) == AGG_SKIPPED)
		return AGG_SKIPPED;
	if (n < 0)
		return store_skip(s, SKIP_BAD_FIELD, rec, "n < 0");
	if (store_rec_i64(rec, MR_T_NS, &t) != STORE_FLD_OK)
		return store_skip(s, SKIP_MISSING_FIELD, rec, "t_ns");
	if ((bad = round_range(s, rec)) != NULL)
		return store_skip(s, SKIP_OUT_OF_RANGE, rec, bad);
	if ((e = touch(m, rec->node, mid, 1)) == NULL ||
	    (r = round_upsert(m, e->side, rec, n)) == -1)
		return AGG_ERROR;
	if (r == 0)
		return AGG_DUPLICATE;
	e->new_rounds += r == 2;
	return AGG_STORED;
}

/*
 * The elements of a `migration` record's rounds array, as records of
 * `migration_round`: from the array's text when the record came as text
 * (only the members a round's record reads made values), else from its
 * value.
 */
struct rounds_it {
	struct json_object	*arr;
	size_t			 i, n;
	const char		*p, *end;	/* the array's text; p NULL: empty */
	int			 first;
};

static void
rounds_start(struct rounds_it *it, const struct store_rec *rec)
{
	const char *t;
	size_t len;

	memset(it, 0, sizeof(*it));
	switch (store_rec_span(rec, MF_ROUNDS, &t, &len)) {
	case 1:
		if (t[0] == '[' && *jscan_ws(t + 1, t + len) != ']') {
			it->p = t;
			it->end = t + len;
			it->first = 1;
		}
		break;
	case 0:
		it->arr = rec->v[MF_ROUNDS];
		if (it->arr != NULL &&
		    json_object_is_type(it->arr, json_type_array))
			it->n = json_object_array_length(it->arr);
		else
			it->arr = NULL;
		break;
	}
}

static int
rounds_empty(const struct rounds_it *it)
{
	return it->arr != NULL ? it->n == 0 : it->p == NULL;
}

/*
 * The next element (its index in *i): 1, an object, as a record in r
 * (store_rec_release() after it); 2, an element that is not an object;
 * 0 at the end; -1 on an error.
 */
static int
rounds_next(struct store *s, struct rounds_it *it, struct store_rec *r,
    size_t *i)
{
	struct json_object *o;
	struct jscan_span v;
	const char *err;

	memset(r, 0, sizeof(*r));
	*i = it->i;
	if (it->arr != NULL) {
		if (it->i == it->n)
			return 0;
		o = json_object_array_get_idx(it->arr, it->i++);
		if (!json_object_is_type(o, json_type_object))
			return 2;
		return store_rec_as(s, "migration_round", o, r) == -1 ? -1 : 1;
	}
	/* lib/proto checked the text: an error is not reached. */
	if (it->p == NULL ||
	    jscan_element(&it->p, it->end, 1, &it->first, &v, &err) != 1)
		return 0;
	it->i++;
	if (v.type != JS_OBJECT || store_rec_as_text(s, "migration_round",
	    v.p, v.len, r) == -1)
		return 2;
	return 1;
}

/*
 * The rounds array of a `migration` record of side e.  The same rounds
 * usually came as `migration_round` records already: when the side has
 * rounds 1..max without a gap, only the ones after max are stored.
 */
static int
ingest_embedded_rounds(struct mig *m, struct mig_touch *e,
    const struct store_rec *rec)
{
	sqlite3_stmt *st;
	struct json_object *nv;
	struct store_rec r;
	struct rounds_it it;
	int64_t count = 0, max = 0, n;
	size_t i;
	int k;

	rounds_start(&it, rec);
	if (rounds_empty(&it))
		return 0;
	if (e->nrounds != STORE_NONE)
		count = e->nrounds + e->new_rounds;
	else {
		st = mig_st(m, MST_SIDE_ROUNDS_COUNT);
		sqlite3_bind_int64(st, 1, e->side);
		if (store_row(m->s, st, "rounds count") == 1)
			count = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	st = mig_st(m, MST_SIDE_ROUNDS_MAX);
	sqlite3_bind_int64(st, 1, e->side);
	if (store_row(m->s, st, "rounds max") == 1)
		max = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	while ((k = rounds_next(m->s, &it, &r, &i)) != 0) {
		if (k == -1)
			return -1;
		if (k == 2)
			continue;
		nv = r.v[MR_N];
		if (nv == NULL || !json_object_is_type(nv, json_type_int) ||
		    (n = json_object_get_int64(nv)) < 0 ||
		    (count == max && n <= max)) {
			store_rec_release(&r);
			continue;
		}
		k = round_upsert(m, e->side, &r, n);
		store_rec_release(&r);
		if (k == -1)
			return -1;
		e->new_rounds += k == 2;
	}
	return 0;
}

/*
 * The record's text without its "rounds" member, cut out of the text as
 * the agent sent it; NULL when the text does not lend itself (no text,
 * an escaped or a repeated name): then json-c writes it.
 */
static char *
text_without_rounds(const struct store_rec *rec)
{
	struct jscan_member m;
	const char *p, *end, *err, *cut0 = NULL, *cut1 = NULL, *prev_end = NULL;
	int first = 1, r, at = 0, after = 0;
	size_t n;
	char *raw;

	if (rec->text == NULL)
		return NULL;
	p = rec->text;
	end = rec->text + rec->len;
	while ((r = jscan_member(&p, end, 0, &first, &m, &err)) == 1) {
		if (m.escaped)
			return NULL;
		if (after) {		/* the member after a first "rounds" */
			cut1 = m.key - 1;
			after = 0;
		}
		if (m.keylen == 6 && memcmp(m.key, "rounds", 6) == 0) {
			if (at++)
				return NULL;
			if (prev_end != NULL) {	/* from the comma before it */
				cut0 = prev_end;
				cut1 = m.val.p + m.val.len;
			} else {		/* to the name after it */
				cut0 = m.key - 1;
				cut1 = m.val.p + m.val.len;
				after = 1;
			}
		}
		prev_end = m.val.p + m.val.len;
	}
	if (r != 0)
		return NULL;
	if (cut0 == NULL)
		return strndup(rec->text, rec->len);
	if (after)			/* "rounds" alone: the '}' follows */
		cut1 = jscan_ws(cut1, end);
	n = (size_t)(cut0 - rec->text) + (size_t)(end - cut1);
	if ((raw = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(raw, rec->text, (size_t)(cut0 - rec->text));
	memcpy(raw + (cut0 - rec->text), cut1, (size_t)(end - cut1));
	raw[n] = '\0';
	return raw;
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

/* The members a side row takes as they are, each bound by its name. */
static const struct {
	enum mig_fs	 f;
	char		 type;		/* 's'tring, 'i'nteger, 'd'ouble */
} side_members[] = {
	{ MF_VM_UUID, 's' }, { MF_VM_NAME, 's' }, { MF_VPID, 'i' },
	{ MF_OUTCOME, 's' }, { MF_ERROR, 's' }, { MF_VERDICT, 's' },
	{ MF_DOWNTIME_MS, 'd' }, { MF_TOTAL_MS, 'd' },
	{ MF_STARTED_NS, 'i' }, { MF_ENDED_NS, 'i' },
	{ MF_VM_STOP_NS, 'i' }, { MF_VM_RESUME_NS, 'i' },
	{ MF_PREDICTED_DOWNTIME_MS, 'd' }, { MF_THROTTLE_PCT, 'd' },
};

static void
side_bind(struct mig *m, sqlite3_stmt *st, const struct store_rec *rec)
{
	size_t k;
	int p;

	for (k = 0; k < sizeof(side_members) / sizeof(side_members[0]); k++) {
		p = m->side_param[side_members[k].f];
		switch (side_members[k].type) {
		case 's':
			store_bind_str(st, p, store_opt_str(rec,
			    side_members[k].f));
			break;
		case 'i':
			store_bind_i64(st, p, store_opt_i64(rec,
			    side_members[k].f));
			break;
		default:
			store_bind_dbl(st, p, store_opt_dbl(rec,
			    side_members[k].f));
			break;
		}
	}
}

/*
 * The range checks of a `migration` record: NULL when its times and
 * durations, and those of the rounds it carries, are ones a node can send
 * (store_kind.h), and nothing happened before the side started; else what
 * is not.  t_ns is the store's to check.
 */
static const char *
side_range(struct store *s, const struct store_rec *rec, char *buf,
    size_t len)
{
	static const struct {
		enum mig_fs	 f;
		const char	*name;
	} times[] = {
		{ MF_STARTED_NS, "started_ns" }, { MF_ENDED_NS, "ended_ns" },
		{ MF_VM_STOP_NS, "vm_stop_ns" },
		{ MF_VM_RESUME_NS, "vm_resume_ns" },
	}, durations[] = {
		{ MF_DOWNTIME_MS, "downtime_ms" }, { MF_TOTAL_MS, "total_ms" },
		{ MF_PREDICTED_DOWNTIME_MS, "predicted_downtime_ms" },
	};
	struct rounds_it it;
	struct store_rec r;
	const char *bad;
	int64_t t, started = store_opt_i64(rec, MF_STARTED_NS);
	double d;
	size_t k, i;
	int e;

	for (k = 0; k < sizeof(times) / sizeof(times[0]); k++) {
		if ((t = store_opt_i64(rec, times[k].f)) == STORE_NONE)
			continue;
		if (!store_time_ok(s, t))
			return times[k].name;
		if (k > 0 && started != STORE_NONE &&
		    t < started - MIG_CORR_TOL_NS) {
			snprintf(buf, len, "%s before started_ns", times[k].name);
			return buf;
		}
	}
	for (k = 0; k < sizeof(durations) / sizeof(durations[0]); k++)
		if (store_rec_dbl(rec, durations[k].f, &d) == STORE_FLD_OK &&
		    !store_ms_ok(d))
			return durations[k].name;
	rounds_start(&it, rec);
	while ((e = rounds_next(s, &it, &r, &i)) != 0) {
		if (e == -1)
			return "rounds";
		if (e == 2)
			continue;
		bad = round_range(s, &r);
		store_rec_release(&r);
		if (bad != NULL) {
			snprintf(buf, len, "rounds[%zu].%s", i, bad);
			return buf;
		}
	}
	return NULL;
}

enum agg_ingest
mig_ingest_side(struct store *s, void *arg, const struct store_rec *rec)
{
	struct mig *m = arg;
	sqlite3_stmt *st;
	struct mig_touch *e;
	const char *id, *role, *state, *outcome, *bad;
	char *raw, why[64];
	int64_t t, before;
	int changed;

	if (store_rec_str(rec, MF_ID, &id) != STORE_FLD_OK)
		return store_skip(s, SKIP_MISSING_FIELD, rec, "id");
	if (int_member(s, rec, MF_T_NS, "t_ns", &t) == AGG_SKIPPED)
		return AGG_SKIPPED;
	if (store_rec_str(rec, MF_ROLE, &role) != STORE_FLD_OK)
		return store_skip(s, SKIP_MISSING_FIELD, rec, "role");
	if ((role = role_norm(role)) == NULL)
		return store_skip(s, SKIP_BAD_FIELD, rec, "role");
	if (store_rec_str(rec, MF_STATE, &state) != STORE_FLD_OK)
		return store_skip(s, SKIP_MISSING_FIELD, rec, "state");
	if ((bad = side_range(s, rec, why, sizeof(why))) != NULL)
		return store_skip(s, SKIP_OUT_OF_RANGE, rec, bad);
	outcome = store_opt_str(rec, MF_OUTCOME);
	if ((raw = text_without_rounds(rec)) == NULL &&
	    (raw = raw_without_rounds(store_rec_obj(rec))) == NULL) {
		log_warn("%s: raw record", __func__);
		return AGG_ERROR;
	}

	st = mig_st(m, MST_SIDE_UPSERT);
	side_bind(m, st, rec);
	store_bind_str(st, m->side_node, rec->node);
	store_bind_str(st, m->side_param[MF_ID], id);
	store_bind_str(st, m->side_param[MF_ROLE], role);
	store_bind_str(st, m->side_param[MF_STATE], state);
	sqlite3_bind_int64(st, m->side_param[MF_T_NS], t);
	sqlite3_bind_int64(st, m->side_updated, store_now(s));
	sqlite3_bind_text(st, m->side_raw, raw, -1, free);
	if (store_done(s, st, "migration side") == -1)
		return AGG_ERROR;
	changed = sqlite3_changes(store_db(s)) > 0;

	if ((e = touch(m, rec->node, id, 0)) == NULL)
		return AGG_ERROR;
	e->changed |= changed;
	before = e->new_rounds;
	if (ingest_embedded_rounds(m, e, rec) == -1)
		return AGG_ERROR;
	if (!changed) {
		if (e->new_rounds > before)
			log_debug("store: node %s: %s: rounds in a resent record",
			    rec->node, id);
		return AGG_DUPLICATE;
	}
	/* The migration is over: its not-converging alert is too. */
	if (outcome != NULL && store_alert_resolve_named(s, rec->node,
	    "migration", id, "migration.not_converging",
	    "the migration ended") == -1)
		return AGG_ERROR;
	return AGG_STORED;
}

/* Remembers side sid of the batch's node: an alert names it. */
static int
alert_side(struct mig *m, const char *sid)
{
	char **p;
	size_t i, n;

	for (i = 0; i < m->nasid; i++)
		if (strcmp(m->asid[i], sid) == 0)
			return 0;
	if (m->nasid == m->asidcap) {
		n = m->asidcap ? m->asidcap * 2 : 8;
		if ((p = reallocarray(m->asid, n, sizeof(*p))) == NULL) {
			log_warn("%s: reallocarray", __func__);
			return -1;
		}
		m->asid = p;
		m->asidcap = n;
	}
	if ((m->asid[m->nasid] = strdup(sid)) == NULL) {
		log_warn("%s: strdup", __func__);
		return -1;
	}
	m->nasid++;
	return 0;
}

/*
 * An alert named migration.*: its subject is the side its migration_id
 * names on the batch's node.  Good news resolves the bad news and is no
 * alert of its own.
 */
static enum agg_ingest	alert_of(struct store *, struct mig *,
			    struct store_alert_in *, const char *mid);

enum agg_ingest
mig_kind_alert(struct store *s, void *arg, struct store_alert_in *a)
{
	struct mig *m = arg;
	struct json_object *v = store_rec_get(a->rec, "migration_id");

	/* Kept: the store reads the subject after the hook returned. */
	free(m->alert_mid);
	m->alert_mid = NULL;
	if (json_object_is_type(v, json_type_string) &&
	    *json_object_get_string(v) != '\0' &&
	    (m->alert_mid = strdup(json_object_get_string(v))) == NULL) {
		json_object_put(v);
		return AGG_ERROR;
	}
	json_object_put(v);
	return alert_of(s, m, a, m->alert_mid);
}

/* mig_kind_alert() of an alert about migration mid (NULL: none named). */
static enum agg_ingest
alert_of(struct store *s, struct mig *m, struct store_alert_in *a,
    const char *mid)
{
	if (strcmp(a->name, "migration.converged") == 0) {
		if (mid == NULL)
			return store_skip(s, SKIP_MISSING_FIELD, a->rec,
			    "migration_id");
		if (store_alert_resolve_named(s, a->rec->node, "migration",
		    mid, "migration.not_converging", "migration.converged") ==
		    -1)
			return AGG_ERROR;
		return AGG_STORED;
	}
	if (mid == NULL)
		return AGG_ALERT_STORE;
	a->subject_kind = "migration";
	a->subject_id = mid;
	/* After correlation, one alert per migration (mig_correlate.c). */
	if (alert_side(m, mid) == -1)
		return AGG_ERROR;
	return AGG_ALERT_STORE;
}

void
mig_batch_end(void *arg)
{
	struct mig *m = arg;
	size_t i;

	touch_clear(m);
	for (i = 0; i < m->nasid; i++)
		free(m->asid[i]);
	m->nasid = 0;
}
