/*
 * vm_nova.c: Nova live migrations as one object.  The source compute and
 * the destination compute each send a `nova_migration` record of the same
 * migration_key (the source sees post, rollback and abort, the destination
 * pre, post_dest and rollback_dest); merged here: hosts, both computes'
 * phases in time order, the outcome (a timeout or an admin abort on either
 * side says more than a plain rollback), and the completion timeout.  The
 * migration kind links the result to its QEMU migration (by instance uuid
 * and time) and the request kind to its request.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <json-c/json.h>

#include "log.h"
#include "vm_int.h"

extern const struct agg_kind agg_kind_vm;

/* A side's record and its node. */
struct nside {
	struct json_object	*o;
	const char		*node;
	int			 rank;	/* source 0, destination 1, else 2 */
};

static int
side_cmp(const void *a, const void *b)
{
	const struct nside *x = a, *y = b;

	return x->rank - y->rank;
}

static int
phase_cmp(const void *a, const void *b)
{
	struct json_object *x = *(struct json_object *const *)a;
	struct json_object *y = *(struct json_object *const *)b;
	int64_t s = app_i64(x, "start_ns"), t = app_i64(y, "start_ns");

	if (s == STORE_NONE)
		s = INT64_MAX;
	if (t == STORE_NONE)
		t = INT64_MAX;
	return s < t ? -1 : s > t;
}

/* The first non-null string member key of the sides, in rank order. */
static const char *
first_str(const struct nside *x, size_t n, const char *key)
{
	const char *v;
	size_t i;

	for (i = 0; i < n; i++)
		if ((v = app_str(x[i].o, key)) != NULL)
			return v;
	return NULL;
}

static int64_t
first_i64(const struct nside *x, size_t n, const char *key)
{
	int64_t v;
	size_t i;

	for (i = 0; i < n; i++)
		if ((v = app_i64(x[i].o, key)) != STORE_NONE)
			return v;
	return STORE_NONE;
}

/* A timeout or an abort on either side tells why; else the source's. */
static const char *
merged_outcome(const struct nside *x, size_t n)
{
	static const char *const strong[] = { "timed_out", "aborted", NULL };
	const char *o;
	size_t i, k;

	for (k = 0; strong[k] != NULL; k++)
		for (i = 0; i < n; i++)
			if ((o = app_str(x[i].o, "outcome")) != NULL &&
			    strcmp(o, strong[k]) == 0)
				return o;
	return first_str(x, n, "outcome");
}

/* Both sides' phases, each with its node, in time order. */
static struct json_object *
merged_phases(const struct nside *x, size_t n)
{
	struct json_object *all, *arr, *p, *c;
	size_t i, j;

	all = json_object_new_array();
	for (i = 0; i < n; i++) {
		arr = app_get(x[i].o, "phases");
		if (arr == NULL || !json_object_is_type(arr, json_type_array))
			continue;
		for (j = 0; j < json_object_array_length(arr); j++) {
			p = json_object_array_get_idx(arr, j);
			if (p == NULL || !json_object_is_type(p,
			    json_type_object))
				continue;
			c = json_object_new_object();
			json_object_object_add(c, "name", app_copy(p, "name"));
			json_object_object_add(c, "host", app_copy(p, "host"));
			app_add_str(c, "node", x[i].node);
			json_object_object_add(c, "start_ns",
			    app_copy(p, "start_ns"));
			json_object_object_add(c, "end_ns", app_copy(p, "end_ns"));
			json_object_object_add(c, "duration_ms",
			    app_copy(p, "duration_ms"));
			json_object_object_add(c, "error", app_copy(p, "error"));
			json_object_array_add(all, c);
		}
	}
	json_object_array_sort(all, phase_cmp);
	return all;
}

/* The object of the sides x (rank order). */
static struct json_object *
merge(struct nside *x, size_t n)
{
	struct json_object *o, *sides, *sd, *prog = NULL, *p;
	const char *outcome, *v;
	int64_t start = STORE_NONE, end = STORE_NONE, last = STORE_NONE, t;
	size_t i;

	o = json_object_new_object();
	json_object_object_add(o, "migration_key", app_copy(x[0].o,
	    "migration_key"));
	app_add_str(o, "instance_uuid", first_str(x, n, "instance_uuid"));
	app_add_str(o, "vm_name", first_str(x, n, "vm_name"));
	app_add_str(o, "request_id", first_str(x, n, "request_id"));
	app_add_str(o, "global_request_id", first_str(x, n,
	    "global_request_id"));
	/* Each side knows its own host best. */
	v = NULL;
	for (i = 0; i < n && v == NULL; i++)
		if (x[i].rank == 0)
			v = app_str(x[i].o, "source_host");
	app_add_str(o, "source_host", v ? v : first_str(x, n, "source_host"));
	v = NULL;
	for (i = 0; i < n && v == NULL; i++)
		if (x[i].rank == 1)
			v = app_str(x[i].o, "dest_host");
	app_add_str(o, "dest_host", v ? v : first_str(x, n, "dest_host"));
	v = NULL;
	for (i = 0; i < n && v == NULL; i++)
		if (x[i].rank == 0)
			v = x[i].node;
	app_add_str(o, "source_node", v);
	v = NULL;
	for (i = 0; i < n && v == NULL; i++)
		if (x[i].rank == 1)
			v = x[i].node;
	app_add_str(o, "dest_node", v);

	outcome = merged_outcome(x, n);
	for (i = 0; i < n; i++) {
		t = app_i64(x[i].o, "started_ns");
		if (t != STORE_NONE && (start == STORE_NONE || t < start))
			start = t;
		t = app_i64(x[i].o, "ended_ns");
		if (t != STORE_NONE && (end == STORE_NONE || t > end))
			end = t;
		t = app_i64(x[i].o, "t_ns");
		if (t != STORE_NONE && (last == STORE_NONE || t > last))
			last = t;
	}
	if (outcome == NULL)
		end = STORE_NONE;
	app_add_i64(o, "started_ns", start);
	app_add_i64(o, "ended_ns", end);
	app_add_dbl(o, "duration_ms", start == STORE_NONE ? NAN :
	    ((end != STORE_NONE ? end : last) - start) / 1e6);
	app_add_str(o, "outcome", outcome);
	t = STORE_NONE;
	for (i = 0; i < n; i++) {
		int64_t a = app_i64(x[i].o, "abort_requested_ns");

		if (a != STORE_NONE && (t == STORE_NONE || a < t))
			t = a;
	}
	app_add_i64(o, "abort_requested_ns", t);
	json_object_object_add(o, "completion_timeout_s", NULL);
	for (i = 0; i < n; i++)
		if ((p = app_get(x[i].o, "completion_timeout_s")) != NULL) {
			json_object_object_add(o, "completion_timeout_s",
			    json_object_get(p));
			break;
		}
	app_add_i64(o, "timed_out_ns", first_i64(x, n, "timed_out_ns"));
	app_add_str(o, "timeout_action", first_str(x, n, "timeout_action"));
	app_add_str(o, "error", first_str(x, n, "error"));
	json_object_object_add(o, "phases", merged_phases(x, n));
	/* The libvirt driver's progress lines are the source's. */
	for (i = 0; i < n; i++) {
		p = app_get(x[i].o, "progress");
		if (p != NULL && json_object_is_type(p, json_type_array) &&
		    (prog == NULL || json_object_array_length(p) >
		    json_object_array_length(prog)))
			prog = p;
	}
	json_object_object_add(o, "progress", prog ? json_object_get(prog) :
	    json_object_new_array());
	sides = json_object_new_array();
	for (i = 0; i < n; i++) {
		sd = json_object_new_object();
		app_add_str(sd, "node", x[i].node);
		json_object_object_add(sd, "id", app_copy(x[i].o, "id"));
		json_object_object_add(sd, "role", app_copy(x[i].o, "role"));
		json_object_object_add(sd, "outcome", app_copy(x[i].o,
		    "outcome"));
		json_object_object_add(sd, "started_ns", app_copy(x[i].o,
		    "started_ns"));
		json_object_object_add(sd, "ended_ns", app_copy(x[i].o,
		    "ended_ns"));
		json_object_array_add(sides, sd);
	}
	json_object_object_add(o, "sides", sides);
	return o;
}

#define NSIDES_MAX	8

struct json_object *
vm_nova_merge(struct vm *v, const char *key)
{
	struct nside x[NSIDES_MAX];
	struct json_object *o = NULL;
	sqlite3_stmt *st = vm_st(v, VST_NOVA_ROWS);
	char *nodes[NSIDES_MAX];
	const char *role, *raw;
	size_t n = 0, i;
	int r;

	store_bind_str(st, 1, key);
	while (n < NSIDES_MAX && (r = store_row(v->s, st, "nova")) == 1) {
		raw = (const char *)sqlite3_column_text(st, 1);
		if (raw == NULL || (x[n].o = json_tokener_parse(raw)) == NULL)
			continue;
		if ((nodes[n] = store_col_dup(st, 0)) == NULL) {
			json_object_put(x[n].o);
			continue;
		}
		x[n].node = nodes[n];
		role = app_str(x[n].o, "role");
		x[n].rank = role == NULL ? 2 : strcmp(role, "source") == 0 ? 0 :
		    strcmp(role, "destination") == 0 ? 1 : 2;
		n++;
	}
	sqlite3_reset(st);
	if (n > 0) {
		qsort(x, n, sizeof(x[0]), side_cmp);
		o = merge(x, n);
	}
	for (i = 0; i < n; i++) {
		json_object_put(x[i].o);
		free(nodes[i]);
	}
	return o;
}

struct json_object *
store_q_nova_migration(struct store *s, const char *key, const char **err)
{
	struct vm *v;

	*err = NULL;
	if ((v = store_kind_state(s, &agg_kind_vm)) == NULL)
		return NULL;
	return vm_nova_merge(v, key);
}

static int64_t
absdiff(int64_t a, int64_t b)
{
	return a > b ? a - b : b - a;
}

struct json_object *
store_q_nova_migration_for(struct store *s, const char *uuid, int64_t from_ns,
    int64_t to_ns, const char **err)
{
	struct vm *v;
	sqlite3_stmt *st;
	char *best = NULL;
	int64_t score, bscore = INT64_MAX, ns, ne;
	struct json_object *o = NULL;
	int r;

	*err = NULL;
	if (uuid == NULL || (v = store_kind_state(s, &agg_kind_vm)) == NULL)
		return NULL;
	st = vm_st(v, VST_NOVA_OF_VM);
	store_bind_str(st, 1, uuid);
	while ((r = store_row(s, st, "nova of vm")) == 1) {
		ns = store_col_i64(st, 1);
		ne = store_col_i64(st, 2);
		if (!app_overlap(ns, ne, from_ns, to_ns, APP_LINK_TOL_NS))
			continue;
		score = absdiff(ns, from_ns);
		if (score < bscore) {
			free(best);
			best = store_col_dup(st, 0);
			bscore = score;
		}
	}
	sqlite3_reset(st);
	if (r == -1) {
		*err = store_err(s, "store: %s", sqlite3_errmsg(store_db(s)));
		free(best);
		return NULL;
	}
	if (best != NULL)
		o = vm_nova_merge(v, best);
	free(best);
	return o;
}

struct json_object *
store_q_nova_migrations_of(struct store *s, const char *request_id,
    const char **err)
{
	struct json_object *arr, *o;
	struct vm *v;
	sqlite3_stmt *st;
	char *keys[64];
	int n = 0, r, i;

	*err = NULL;
	arr = json_object_new_array();
	if ((v = store_kind_state(s, &agg_kind_vm)) == NULL)
		return arr;
	st = vm_st(v, VST_NOVA_OF_REQ);
	store_bind_str(st, 1, request_id);
	while (n < 64 && (r = store_row(s, st, "nova of request")) == 1)
		if ((keys[n] = store_col_dup(st, 0)) != NULL)
			n++;
	sqlite3_reset(st);
	for (i = 0; i < n; i++) {
		if ((o = vm_nova_merge(v, keys[i])) != NULL)
			json_object_array_add(arr, o);
		free(keys[i]);
	}
	return arr;
}

struct json_object *
store_q_vm_events_of(struct store *s, const char *request_id,
    const char **err)
{
	struct json_object *arr, *o, *types;
	struct vm *v;
	sqlite3_stmt *st;
	const char *t, *comma;
	int r;

	*err = NULL;
	arr = json_object_new_array();
	if ((v = store_kind_state(s, &agg_kind_vm)) == NULL)
		return arr;
	st = vm_st(v, VST_EVENTS_OF_REQ);
	store_bind_str(st, 1, request_id);
	while ((r = store_row(s, st, "events of request")) == 1) {
		o = json_object_new_object();
		json_object_object_add(o, "service", store_json_col(st, 0));
		json_object_object_add(o, "host", store_json_col(st, 1));
		json_object_object_add(o, "node", store_json_col(st, 6));
		json_object_object_add(o, "first_ns", store_json_col(st, 2));
		json_object_object_add(o, "last_ns", store_json_col(st, 3));
		json_object_object_add(o, "events", store_json_col(st, 4));
		types = json_object_new_array();
		for (t = (const char *)sqlite3_column_text(st, 5); t != NULL &&
		    *t != '\0'; t = comma ? comma + 1 : NULL) {
			comma = strchr(t, ',');
			json_object_array_add(types, json_object_new_string_len(t,
			    comma ? (int)(comma - t) : (int)strlen(t)));
		}
		json_object_object_add(o, "event_types", types);
		json_object_array_add(arr, o);
	}
	sqlite3_reset(st);
	if (r == -1) {
		json_object_put(arr);
		*err = store_err(s, "store: %s", sqlite3_errmsg(store_db(s)));
		return NULL;
	}
	return arr;
}
