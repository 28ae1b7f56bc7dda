/*
 * app_kind.c: the helpers the application-layer kinds share (app_kind.h):
 * the superseding of an object's records with its nulls kept from the
 * stored one, JSON members, string sets and the link's overlap rule.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "prom.h"
#include "app_kind.h"

char *
app_raw(struct json_object *o)
{
	char *p;

	if ((p = strdup(json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE))) == NULL)
		log_warn("%s: strdup", __func__);
	return p;
}

/* Whether member key says the same in both (absent and null alike). */
static int
same_member(struct json_object *a, struct json_object *b, const char *key)
{
	struct json_object *x = NULL, *y = NULL;

	json_object_object_get_ex(a, key, &x);
	json_object_object_get_ex(b, key, &y);
	if (x == NULL || y == NULL)
		return x == y;
	return json_object_equal(x, y);
}

/* rec with its null members taken from base where base has them. */
static struct json_object *
fill(struct json_object *rec, struct json_object *base)
{
	struct json_object *o, *bv;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_foreach(rec, k, v) {
		if (v == NULL && base != NULL &&
		    json_object_object_get_ex(base, k, &bv) && bv != NULL)
			json_object_object_add(o, k, json_object_get(bv));
		else
			json_object_object_add(o, k, json_object_get(v));
	}
	return o;
}

static struct json_object *
parse_col(sqlite3_stmt *st, int i)
{
	const char *t = (const char *)sqlite3_column_text(st, i);

	return t != NULL ? json_tokener_parse(t) : NULL;
}

/*
 * A record that starts the object afresh (another agent life, epoch_ns,
 * or the object seen again after the agent forgot it, first_ns) knows
 * nothing of what the records before it knew: what they said becomes the
 * base its nulls are filled from, for as long as that new life lasts.
 * Within one life a null is news (task_state null: the task is over).
 */
enum agg_ingest
app_supersede(struct store *s, sqlite3_stmt *get, struct json_object *rec,
    int64_t t_ns, struct json_object **out, char **raw, char **basep)
{
	struct json_object *old = NULL, *base = NULL;
	char *old_raw = NULL;
	int64_t t_old = STORE_NONE;
	int r;

	*out = NULL;
	*raw = *basep = NULL;
	if ((r = store_row(s, get, "stored record")) == -1)
		return AGG_ERROR;
	if (r == 1) {
		t_old = store_col_i64(get, 0);
		if (t_old != STORE_NONE && t_ns < t_old) {
			sqlite3_reset(get);
			return AGG_DUPLICATE;
		}
		old = parse_col(get, 1);
		base = parse_col(get, 2);
		old_raw = store_col_dup(get, 1);
	}
	sqlite3_reset(get);
	if (old != NULL && (!same_member(rec, old, "epoch_ns") ||
	    !same_member(rec, old, "first_ns"))) {
		json_object_put(base);
		base = old;
		old = NULL;
	}
	json_object_put(old);
	*out = fill(rec, base);
	if (*out == NULL || (*raw = app_raw(*out)) == NULL ||
	    (base != NULL && (*basep = app_raw(base)) == NULL)) {
		log_warn("%s", __func__);
		json_object_put(*out);
		json_object_put(base);
		free(*raw);
		free(old_raw);
		*out = NULL;
		*raw = NULL;
		return AGG_ERROR;
	}
	json_object_put(base);
	/* The same record again: a resend. */
	if (old_raw != NULL && t_ns == t_old && strcmp(old_raw, *raw) == 0) {
		free(old_raw);
		json_object_put(*out);
		free(*raw);
		free(*basep);
		*out = NULL;
		*raw = *basep = NULL;
		return AGG_DUPLICATE;
	}
	free(old_raw);
	return AGG_STORED;
}

struct json_object *
app_get(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

const char *
app_str(struct json_object *o, const char *key)
{
	struct json_object *v = app_get(o, key);
	const char *s;

	if (v == NULL || !json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	return *s != '\0' ? s : NULL;
}

int64_t
app_i64(struct json_object *o, const char *key)
{
	struct json_object *v = app_get(o, key);
	double d;

	if (v == NULL)
		return STORE_NONE;
	if (json_object_is_type(v, json_type_int))
		return json_object_get_int64(v);
	if (json_object_is_type(v, json_type_double)) {
		d = json_object_get_double(v);
		if (d != d || d < -9.2e18 || d > 9.2e18)
			return STORE_NONE;
		return (int64_t)d;
	}
	return STORE_NONE;
}

double
app_dbl(struct json_object *o, const char *key)
{
	struct json_object *v = app_get(o, key);

	if (v == NULL || !(json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double)))
		return NAN;
	return json_object_get_double(v);
}

int
app_bool(struct json_object *o, const char *key)
{
	struct json_object *v = app_get(o, key);

	if (v == NULL || !json_object_is_type(v, json_type_boolean))
		return -1;
	return json_object_get_boolean(v);
}

struct json_object *
app_copy(struct json_object *o, const char *key)
{
	return json_object_get(app_get(o, key));
}

void
app_add_str(struct json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, v ? json_object_new_string(v) : NULL);
}

void
app_add_i64(struct json_object *o, const char *key, int64_t v)
{
	json_object_object_add(o, key, v != STORE_NONE ?
	    json_object_new_int64(v) : NULL);
}

void
app_add_dbl(struct json_object *o, const char *key, double v)
{
	json_object_object_add(o, key, isfinite(v) ? store_json_double(v) :
	    NULL);
}

static int
set_find(const struct app_set *x, const char *s, size_t *at)
{
	size_t lo = 0, hi = x->n, mid;
	int c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if ((c = strcmp(x->v[mid], s)) == 0) {
			*at = mid;
			return 1;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return 0;
}

int
app_set_add(struct app_set *x, const char *s)
{
	char **p;
	size_t at, n;

	if (s == NULL || *s == '\0' || set_find(x, s, &at))
		return 0;
	if (x->n == x->cap) {
		n = x->cap ? x->cap * 2 : 8;
		if ((p = reallocarray(x->v, n, sizeof(*p))) == NULL) {
			log_warn("%s: reallocarray", __func__);
			return -1;
		}
		x->v = p;
		x->cap = n;
	}
	memmove(&x->v[at + 1], &x->v[at], (x->n - at) * sizeof(*x->v));
	if ((x->v[at] = strdup(s)) == NULL) {
		memmove(&x->v[at], &x->v[at + 1], (x->n - at) * sizeof(*x->v));
		log_warn("%s: strdup", __func__);
		return -1;
	}
	x->n++;
	return 0;
}

int
app_set_add_all(struct app_set *x, struct json_object *arr)
{
	struct json_object *v;
	size_t i;

	if (arr == NULL || !json_object_is_type(arr, json_type_array))
		return 0;
	for (i = 0; i < json_object_array_length(arr); i++) {
		v = json_object_array_get_idx(arr, i);
		if (v != NULL && json_object_is_type(v, json_type_string) &&
		    app_set_add(x, json_object_get_string(v)) == -1)
			return -1;
	}
	return 0;
}

int
app_set_has(const struct app_set *x, const char *s)
{
	size_t at;

	return s != NULL && set_find(x, s, &at);
}

struct json_object *
app_set_json(const struct app_set *x)
{
	struct json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < x->n; i++)
		json_object_array_add(a, json_object_new_string(x->v[i]));
	return a;
}

void
app_set_free(struct app_set *x)
{
	size_t i;

	for (i = 0; i < x->n; i++)
		free(x->v[i]);
	free(x->v);
	memset(x, 0, sizeof(*x));
}

int
app_overlap(int64_t s1, int64_t e1, int64_t s2, int64_t e2, int64_t tol)
{
	if (s1 == STORE_NONE || s2 == STORE_NONE)
		return 0;
	if (e1 == STORE_NONE)
		e1 = INT64_MAX - tol;
	if (e2 == STORE_NONE)
		e2 = INT64_MAX - tol;
	return s1 - tol <= e2 && s2 - tol <= e1;
}

int
app_limit(int64_t given, int have, unsigned *out)
{
	if (!have) {
		*out = APP_LIST_DEFAULT;
		return 0;
	}
	if (given < 1 || given > APP_LIST_MAX)
		return -1;
	*out = (unsigned)given;
	return 0;
}

/* A member a record cannot do without: AGG_STORED when it is there. */
enum agg_ingest
app_need_str(struct store *s, const struct store_rec *rec, int f,
    const char *name, const char **v)
{
	switch (store_rec_str(rec, f, v)) {
	case STORE_FLD_OK:
		return AGG_STORED;
	case STORE_FLD_BAD:
		return store_skip(s, SKIP_BAD_FIELD, rec, name);
	default:
		return store_skip(s, SKIP_MISSING_FIELD, rec, name);
	}
}

enum agg_ingest
app_need_i64(struct store *s, const struct store_rec *rec, int f,
    const char *name, int64_t *v)
{
	switch (store_rec_i64(rec, f, v)) {
	case STORE_FLD_OK:
		return AGG_STORED;
	case STORE_FLD_BAD:
		return store_skip(s, SKIP_BAD_FIELD, rec, name);
	default:
		return store_skip(s, SKIP_MISSING_FIELD, rec, name);
	}
}

void
app_fill_in(struct json_object *o, struct json_object *older)
{
	struct json_object *v;

	if (older == NULL || !json_object_is_type(older, json_type_object))
		return;
	json_object_object_foreach(older, k, ov) {
		if (ov == NULL)
			continue;
		if (!json_object_object_get_ex(o, k, &v) || v == NULL)
			json_object_object_add(o, k, json_object_get(ov));
	}
}

static int
tally_eq(const char *x, const char *y)
{
	return (x == NULL && y == NULL) ||
	    (x != NULL && y != NULL && strcmp(x, y) == 0);
}

void
app_tally_add(struct app_tally *t, const char *a, const char *b, double v)
{
	size_t i;

	if (a == NULL)
		a = "unknown";
	for (i = 0; i < t->n; i++)
		if (tally_eq(t->e[i].a, a) && tally_eq(t->e[i].b, b)) {
			t->e[i].v += v;
			return;
		}
	if (t->n < APP_TALLY_MAX && (t->e[t->n].a = strdup(a)) != NULL) {
		t->e[t->n].b = b != NULL ? strdup(b) : NULL;
		t->e[t->n++].v = v;
		return;
	}
	t->other = 1;
	t->e[APP_TALLY_MAX].v += v;
}

void
app_tally_write(struct app_tally *t, struct prom *p, const char *name,
    const char *la, const char *lb)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (lb == NULL)
			prom_sample(p, name, t->e[i].v, la, t->e[i].a, NULL);
		else
			prom_sample(p, name, t->e[i].v, la, t->e[i].a, lb,
			    t->e[i].b != NULL ? t->e[i].b : "unknown", NULL);
	if (!t->other)
		return;
	if (lb == NULL)
		prom_sample(p, name, t->e[APP_TALLY_MAX].v, la, "other", NULL);
	else
		prom_sample(p, name, t->e[APP_TALLY_MAX].v, la, "other", lb,
		    "other", NULL);
}

void
app_tally_free(struct app_tally *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		free(t->e[i].a);
		free(t->e[i].b);
	}
	memset(t, 0, sizeof(*t));
}

char *
app_op_label(const char *op)
{
	char *out, *q;
	const char *seg, *end;
	size_t len;
	int digit;

	if (op == NULL)
		return strdup("unknown");
	if ((out = malloc(strlen(op) + 1 + 4 * (strlen(op) / 2 + 1))) == NULL)
		return NULL;
	q = out;
	for (seg = op; *seg != '\0'; seg = end) {
		if (*seg == '/' || *seg == ' ' || *seg == '?') {
			*q++ = *seg;
			end = seg + 1;
			continue;
		}
		for (end = seg, digit = 0; *end != '\0' && *end != '/' &&
		    *end != ' ' && *end != '?'; end++)
			digit |= *end >= '0' && *end <= '9';
		len = (size_t)(end - seg);
		if ((digit && len >= 8) || len >= 32) {
			memcpy(q, "{id}", 4);
			q += 4;
		} else {
			memcpy(q, seg, len);
			q += len;
		}
	}
	*q = '\0';
	return out;
}
