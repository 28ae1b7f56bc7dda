/*
 * store_alert.c: the store's generic alerts.  An alert has a subject
 * (kind and id: a migration, a node), a name, a severity, a state
 * (firing, acked, resolved) and a resolution with its time.  The store
 * knows no alert names: an `alert` record named "KIND.something" is
 * first shown to that kind's alert hook, which sets its subject or does
 * what the record says itself (kind.h).  One active alert per (node, name,
 * subject); a kind may fold one alert into another (two sides of one
 * migration: one alert).  Changes are told to the alert callback after
 * the commit.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>
#include <json-c/json.h>

#include "log.h"
#include "kind.h"
#include "store.h"
#include "store_int.h"

/* The members of an `alert` record, as store.c's alert_fields. */
enum { AF_EVIDENCE, AF_ID, AF_MESSAGE, AF_NAME, AF_SEVERITY, AF_T_NS,
    AF_VM_UUID };

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

/* After a commit, the alert callback learns what changed. */
void
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

/* Raises an alert of the store's own about node (node.stale). */
int64_t
store_alert_raise(struct store *s, const char *node, const char *name,
    const char *severity, const char *message, int64_t now_ns)
{
	sqlite3_stmt *st = store_st(s, ST_ALERT_INSERT);
	int64_t id;

	store_bind_str(st, 1, node);
	sqlite3_bind_null(st, 2);
	store_bind_str(st, 3, name);
	store_bind_str(st, 4, severity);
	store_bind_str(st, 6, "node");
	store_bind_str(st, 7, node);
	sqlite3_bind_int64(st, 8, now_ns);
	sqlite3_bind_int64(st, 9, now_ns);
	store_bind_str(st, 10, message);
	if (store_done(s, st, "raise alert") == -1)
		return -1;
	id = sqlite3_last_insert_rowid(s->db);
	if (store_alert_event(s, id, "fired") == -1)
		return -1;
	return id;
}

/* The active alert (node, name, subject) stands for: 1 found, 0, -1. */
static int
alert_find_active(struct store *s, const char *node, const char *name,
    const char *skind, const char *sid, int64_t *ids, int max, int *n)
{
	sqlite3_stmt *st = store_st(s, ST_ALERT_FIND_ACTIVE);
	int r;

	*n = 0;
	store_bind_str(st, 1, node);
	store_bind_str(st, 2, name);
	store_bind_str(st, 3, skind);
	store_bind_str(st, 4, sid);
	while (*n < max && (r = store_row(s, st, "active alerts")) == 1)
		ids[(*n)++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return r == -1 ? -1 : *n > 0;
}

int
store_alert_resolve_named(struct store *s, const char *node,
    const char *skind, const char *sid, const char *name, const char *why)
{
	int64_t ids[64];
	int n, i;

	if (alert_find_active(s, node, name, skind, sid, ids, 64, &n) == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (store_alert_resolve(s, ids[i], why, s->now_ns) == -1)
			return -1;
	return 0;
}

int
store_alert_fold(struct store *s, int64_t keep, int64_t fold)
{
	sqlite3_stmt *st = store_st(s, ST_ALERT_FOLD);
	size_t i, j;
	int told = 1;

	sqlite3_bind_int64(st, 1, fold);
	sqlite3_bind_int64(st, 2, keep);
	sqlite3_bind_int64(st, 3, s->now_ns);
	if (store_done(s, st, "fold alert") == -1)
		return -1;
	if (sqlite3_changes(s->db) == 0)
		return 0;
	/* Fired in this transaction: nobody hears of it at all. */
	for (i = j = 0; i < s->naev; i++) {
		if (s->aev[i].id != fold) {
			s->aev[j++] = s->aev[i];
			continue;
		}
		if (strcmp(s->aev[i].event, "fired") == 0)
			told = 0;
	}
	s->naev = j;
	log_debug("store: alert %lld folded into alert %lld", (long long)fold,
	    (long long)keep);
	/* Told before: it is over, as one with keep. */
	return told ? store_alert_event(s, fold, "resolved") : 0;
}

/* The kind an alert name "KIND.something" belongs to, or -1. */
static int
alert_kind(const struct store *s, const char *name)
{
	const char *dot;
	size_t k, n;

	if ((dot = strchr(name, '.')) == NULL)
		return -1;
	n = dot - name;
	for (k = 0; k < s->nkinds; k++)
		if (strncmp(agg_kind_table[k]->name, name, n) == 0 &&
		    agg_kind_table[k]->name[n] == '\0')
			return k;
	return -1;
}

/* Text of len bytes, or NULL. */
static void
bind_text(sqlite3_stmt *st, int i, const char *text, size_t len)
{
	if (text == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, text, (int)len, SQLITE_TRANSIENT);
}

enum agg_ingest
store_alert_ingest(struct store *s, const struct store_rec *rec)
{
	struct store_alert_in in;
	struct json_object *ev = rec->v[AF_EVIDENCE];
	const struct agg_kind *kd;
	sqlite3_stmt *st;
	const char *id, *name, *severity, *evidence = NULL, *etext;
	size_t elen = 0;
	int64_t t, aid;
	enum agg_ingest r;
	int k, n = 0;

	if (store_rec_str(rec, AF_ID, &id) != STORE_FLD_OK)
		return store_skip(s, SKIP_MISSING_FIELD, rec, "id");
	if (store_rec_str(rec, AF_NAME, &name) != STORE_FLD_OK)
		return store_skip(s, SKIP_MISSING_FIELD, rec, "name");
	if (store_rec_i64(rec, AF_T_NS, &t) != STORE_FLD_OK)
		return store_skip(s, SKIP_MISSING_FIELD, rec, "t_ns");
	memset(&in, 0, sizeof(in));
	in.rec = rec;
	in.name = name;
	if ((k = alert_kind(s, name)) != -1 &&
	    (kd = agg_kind_table[k])->alert != NULL &&
	    (r = kd->alert(s, s->kstate[k], &in)) != AGG_ALERT_STORE)
		return r;
	/* From a record's text, the evidence's text as it came. */
	if (store_rec_span(rec, AF_EVIDENCE, &etext, &elen) == 1) {
		if (!(elen == 4 && strncasecmp(etext, "null", 4) == 0))
			evidence = etext;
	} else if (ev != NULL) {
		evidence = json_object_to_json_string_ext(ev,
		    JSON_C_TO_STRING_PLAIN);
		elen = strlen(evidence);
	}

	/* One active alert per (node, name, subject): a repeat updates it. */
	if (in.subject_kind != NULL && alert_find_active(s, rec->node, name,
	    in.subject_kind, in.subject_id, &aid, 1, &n) == -1)
		return AGG_ERROR;
	if (n > 0) {
		/* A resend, or news of the alert already active. */
		st = store_st(s, ST_ALERT_UPDATE);
		sqlite3_bind_int64(st, 1, aid);
		sqlite3_bind_int64(st, 2, t);
		store_bind_str(st, 3, store_opt_str(rec, AF_MESSAGE));
		bind_text(st, 4, evidence, elen);
		if (store_done(s, st, "update alert") == -1)
			return AGG_ERROR;
		return AGG_DUPLICATE;
	}
	severity = store_opt_str(rec, AF_SEVERITY);
	st = store_st(s, ST_ALERT_INSERT);
	store_bind_str(st, 1, rec->node);
	store_bind_str(st, 2, id);
	store_bind_str(st, 3, name);
	store_bind_str(st, 4, severity ? severity : "warning");
	store_bind_str(st, 5, store_opt_str(rec, AF_VM_UUID));
	store_bind_str(st, 6, in.subject_kind);
	store_bind_str(st, 7, in.subject_id);
	sqlite3_bind_int64(st, 8, t);
	sqlite3_bind_int64(st, 9, s->now_ns);
	store_bind_str(st, 10, store_opt_str(rec, AF_MESSAGE));
	bind_text(st, 11, evidence, elen);
	if (store_done(s, st, "alert") == -1)
		return AGG_ERROR;
	if (sqlite3_changes(s->db) == 0)
		return AGG_DUPLICATE;
	if (store_alert_event(s, sqlite3_last_insert_rowid(s->db), "fired") ==
	    -1)
		return AGG_ERROR;
	return AGG_STORED;
}

/*
 * An alert row as its object: the columns by name, evidence parsed,
 * subject_kind and subject_id as "subject", then each kind's members.
 */
static struct json_object *
alert_row(struct store *s, sqlite3_stmt *st, const char **keys)
{
	struct json_object *o, *subj = NULL;
	const char *name, *skind = NULL, *sid = NULL, *node = NULL;
	size_t k;
	int i, n;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	n = sqlite3_column_count(st);
	for (i = 0; i < n && i < STORE_ROW_COLS_MAX; i++) {
		name = sqlite3_column_name(st, i);
		if (strcmp(name, "subject_kind") == 0)
			skind = (const char *)sqlite3_column_text(st, i);
		else if (strcmp(name, "subject_id") == 0)
			sid = (const char *)sqlite3_column_text(st, i);
		else if (strcmp(name, "evidence") == 0)
			json_object_object_add(o, name,
			    store_json_text_col(st, i));
		else {
			if (strcmp(name, "node") == 0)
				node = (const char *)sqlite3_column_text(st, i);
			if (keys[i] != NULL)
				json_object_object_add_ex(o, keys[i],
				    store_json_col(st, i),
				    JSON_C_OBJECT_ADD_KEY_IS_NEW |
				    JSON_C_OBJECT_KEY_IS_CONSTANT);
			else
				json_object_object_add(o, name,
				    store_json_col(st, i));
		}
	}
	if (skind != NULL) {
		subj = json_object_new_object();
		json_object_object_add(subj, "kind",
		    json_object_new_string(skind));
		json_object_object_add(subj, "id", sid ?
		    json_object_new_string(sid) : NULL);
	}
	json_object_object_add(o, "subject", subj);
	for (k = 0; k < s->nkinds; k++)
		if (agg_kind_table[k]->alert_json != NULL)
			agg_kind_table[k]->alert_json(s, s->kstate[k], o, skind,
			    sid, node);
	return o;
}

struct json_object *
store_alert_json(struct store *s, int64_t id)
{
	sqlite3_stmt *st = store_st(s, ST_ALERT_GET);
	struct json_object *o = NULL;
	const char *keys[STORE_ROW_COLS_MAX];

	sqlite3_bind_int64(st, 1, id);
	store_json_keys_of(st, keys, STORE_ROW_COLS_MAX);
	if (store_row(s, st, "alert") == 1)
		o = alert_row(s, st, keys);
	sqlite3_reset(st);
	return o;
}

struct json_object *
store_q_alerts(struct store *s, int firing_only, uint64_t since_ns,
    unsigned limit, const char **err)
{
	sqlite3_stmt *st = store_st(s, ST_ALERTS_LIST);
	struct json_object *arr;
	const char *keys[STORE_ROW_COLS_MAX];
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
	store_json_keys_of(st, keys, STORE_ROW_COLS_MAX);
	while ((r = store_row(s, st, "alerts")) == 1)
		json_object_array_add(arr, alert_row(s, st, keys));
	sqlite3_reset(st);
	if (r == -1) {
		json_object_put(arr);
		*err = store_err(s, "store: %s", sqlite3_errmsg(s->db));
		return NULL;
	}
	return arr;
}
