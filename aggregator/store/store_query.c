/*
 * store_query.c: the store core's answers to queries (status, nodes) as
 * json-c objects the control socket returns as they are, and the helpers
 * that turn rows into objects for the kinds' queries too.  Rows become
 * objects by their column names, so the SQL says what a field is called.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <json-c/json.h>

#include "jscan.h"
#include "log.h"
#include "store.h"
#include "store_int.h"

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
 * Member names of the answers, interned: a constant name is not copied into
 * each object, which halves the cost of building a list of a thousand rows.
 * Column names are few (every kind's tables together); past the cap a name
 * is simply copied.
 */
#define JSON_KEYS_MAX	512

static char	*json_keys[JSON_KEYS_MAX];
static size_t	 njson_keys;

static const char *
json_key_intern(const char *name)
{
	size_t k;

	for (k = 0; k < njson_keys; k++)
		if (strcmp(json_keys[k], name) == 0)
			return json_keys[k];
	if (njson_keys == JSON_KEYS_MAX ||
	    (json_keys[njson_keys] = strdup(name)) == NULL)
		return NULL;
	return json_keys[njson_keys++];
}

/* The constant names of st's columns (NULL: copy it), once per query. */
void
store_json_keys_of(sqlite3_stmt *st, const char **keys, int max)
{
	int i, n;

	n = sqlite3_column_count(st);
	for (i = 0; i < n && i < max; i++)
		keys[i] = json_key_intern(sqlite3_column_name(st, i));
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

/* The current row as an object keyed by column names. */
struct json_object *
store_json_row_keys(sqlite3_stmt *st, const char **keys)
{
	struct json_object *o;
	int i, n;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	n = sqlite3_column_count(st);
	for (i = 0; i < n && i < STORE_ROW_COLS_MAX; i++)
		json_put(o, keys[i], sqlite3_column_name(st, i),
		    store_json_col(st, i));
	return o;
}

struct json_object *
store_json_row(sqlite3_stmt *st)
{
	const char *keys[STORE_ROW_COLS_MAX];

	store_json_keys_of(st, keys, STORE_ROW_COLS_MAX);
	return store_json_row_keys(st, keys);
}

/* A column holding JSON text, parsed; NULL (JSON null) if it is not JSON. */
struct json_object *
store_json_text_col(sqlite3_stmt *st, int i)
{
	const char *t;

	if ((t = (const char *)sqlite3_column_text(st, i)) == NULL)
		return NULL;
	return json_tokener_parse(t);
}

struct json_object *
store_json_text_pick(sqlite3_stmt *st, int i, const char *const *names)
{
	struct json_tokener *tok;
	struct jscan_member m;
	struct json_object *o, *v;
	const char *t, *p, *end, *err;
	char key[64];
	int first = 1, r;
	size_t k;

	if ((t = (const char *)sqlite3_column_text(st, i)) == NULL)
		return NULL;
	end = t + strlen(t);
	p = jscan_ws(t, end);
	if (p == end || *p != '{' || (tok = json_tokener_new()) == NULL)
		return json_tokener_parse(t);
	o = json_object_new_object();
	while ((r = jscan_member(&p, end, 0, &first, &m, &err)) == 1) {
		if (m.escaped || m.keylen >= sizeof(key))
			break;
		for (k = 0; names[k] != NULL; k++)
			if (strlen(names[k]) == m.keylen &&
			    memcmp(names[k], m.key, m.keylen) == 0)
				break;
		if (names[k] == NULL)
			continue;
		memcpy(key, m.key, m.keylen);
		key[m.keylen] = '\0';
		/* The byte after the value (',' or '}') ends a number. */
		v = jscan_to_json(&m.val, tok);
		json_object_object_add(o, key, v);
	}
	json_tokener_free(tok);
	if (r != 0 || jscan_ws(p, end) != end) {
		/* Not for the scan: the whole, as json-c reads it. */
		json_object_put(o);
		return json_tokener_parse(t);
	}
	return o;
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
	int64_t nodes, stale, firing;
	size_t k;
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
	if ((firing = scalar(s, ST_STATUS_ALERTS, 0)) == -1)
		goto fail;

	o = json_object_new_object();
	json_object_object_add(o, "db", json_object_new_string(s->path));
	json_object_object_add(o, "schema_version",
	    json_object_new_int(STORE_SCHEMA_VERSION));
	json_object_object_add(o, "nodes", json_object_new_int64(nodes));
	json_object_object_add(o, "nodes_stale", json_object_new_int64(stale));
	json_object_object_add(o, "alerts_firing",
	    json_object_new_int64(firing));
	for (k = 0; k < s->nkinds; k++) {
		if (agg_kind_table[k]->status != NULL &&
		    agg_kind_table[k]->status(s, s->kstate[k], o) == -1) {
			json_object_put(o);
			goto fail;
		}
	}
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
	const char *keys[STORE_ROW_COLS_MAX];
	int r, i, n;

	*err = NULL;
	arr = json_object_new_array();
	store_json_keys_of(st, keys, STORE_ROW_COLS_MAX);
	n = sqlite3_column_count(st);
	if (n > STORE_ROW_COLS_MAX)
		n = STORE_ROW_COLS_MAX;
	while ((r = store_row(s, st, "nodes")) == 1) {
		o = json_object_new_object();
		for (i = 0; i < n; i++) {
			const char *name = sqlite3_column_name(st, i);

			if (strcmp(name, "stale") == 0)
				json_put(o, keys[i], name,
				    json_object_new_boolean(
				    sqlite3_column_int(st, i)));
			else if (strcmp(name, "stats") == 0)
				json_put(o, keys[i], name, store_json_text_col(st, i));
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

