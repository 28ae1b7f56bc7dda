/*
 * vm_query.c: the vm kind's answers: the instances list (each instance's
 * states from the node whose states began last, its host from the latest
 * event that tells), one instance with its timeline across nodes and its
 * migrations, and its members of `status`.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <json-c/json.h>

#include "log.h"
#include "vm_int.h"
#include "mig_store.h"

extern const struct agg_kind agg_kind_vm;

/* Where the instance is: its latest event with a host, else its reports'. */
static char *
host_of(struct vm *v, const char *uuid, struct json_object *first)
{
	sqlite3_stmt *st = vm_st(v, VST_HOST_OF);
	const char *h;
	char *host = NULL;

	store_bind_str(st, 1, uuid);
	if (store_row(v->s, st, "host") == 1)
		host = store_col_dup(st, 0);
	sqlite3_reset(st);
	if (host == NULL && (h = app_str(first, "host")) != NULL)
		host = strdup(h);
	return host;
}

static int
deleted(struct json_object *o)
{
	const char *st = app_str(o, "vm_state");

	return app_bool(o, "deleted") == 1 || (st && strcmp(st, "deleted") == 0);
}

/* One element of `vms`: exactly the contract's members. */
static struct json_object *
vm_item(struct vm *v, const char *uuid, struct json_object *first,
    const char *name, char **hostp)
{
	struct json_object *o = json_object_new_object();

	*hostp = host_of(v, uuid, first);
	app_add_str(o, "uuid", uuid);
	app_add_str(o, "name", name);
	app_add_str(o, "host", *hostp);
	json_object_object_add(o, "vm_state", app_copy(first, "vm_state"));
	json_object_object_add(o, "task_state", app_copy(first, "task_state"));
	json_object_object_add(o, "power_state", app_copy(first,
	    "power_state"));
	json_object_object_add(o, "since_ns", app_copy(first, "since_ns"));
	return o;
}

static int
by_name(const void *a, const void *b)
{
	struct json_object *x = *(struct json_object *const *)a;
	struct json_object *y = *(struct json_object *const *)b;
	const char *p = app_str(x, "name"), *q = app_str(y, "name");
	int c;

	if ((c = strcmp(p ? p : "\x7f", q ? q : "\x7f")) != 0)
		return c;
	return strcmp(app_str(x, "uuid"), app_str(y, "uuid"));
}

/* The instance whose rows follow: flushes it into arr if it passes. */
static void
vm_flush(struct vm *v, const struct vm_filter *f, struct json_object *arr,
    const char *uuid, struct json_object *first, const char *name)
{
	struct json_object *o;
	char *host;

	if (first == NULL || (f->live && deleted(first)))
		return;
	o = vm_item(v, uuid, first, name, &host);
	if (f->host != NULL && (host == NULL || strcmp(host, f->host) != 0))
		json_object_put(o);
	else
		json_object_array_add(arr, o);
	free(host);
}

struct json_object *
store_q_vms(struct store *s, const struct vm_filter *f, const char **err)
{
	static const struct vm_filter none;
	struct json_object *arr, *first = NULL, *o;
	struct vm *v;
	sqlite3_stmt *st;
	const char *u, *raw;
	char *uuid = NULL, *name = NULL;
	unsigned limit;
	int r;

	*err = NULL;
	if ((v = store_kind_state(s, &agg_kind_vm)) == NULL) {
		*err = store_err(s, "store: no vm kind");
		return NULL;
	}
	if (f == NULL)
		f = &none;
	limit = f->limit ? f->limit : APP_LIST_DEFAULT;
	arr = json_object_new_array();
	st = vm_st(v, VST_VMS);
	while ((r = store_row(s, st, "vms")) == 1) {
		u = (const char *)sqlite3_column_text(st, 0);
		raw = (const char *)sqlite3_column_text(st, 1);
		if (u == NULL || raw == NULL)
			continue;
		if (uuid == NULL || strcmp(uuid, u) != 0) {
			vm_flush(v, f, arr, uuid, first, name);
			json_object_put(first);
			free(uuid);
			free(name);
			first = NULL;
			name = NULL;
			if ((uuid = strdup(u)) == NULL)
				break;
			first = json_tokener_parse(raw);
			if (first != NULL && app_str(first, "name") != NULL)
				name = strdup(app_str(first, "name"));
			continue;
		}
		/* Another node's report: only a name the first lacks. */
		if (name == NULL && (o = json_tokener_parse(raw)) != NULL) {
			if (app_str(o, "name") != NULL)
				name = strdup(app_str(o, "name"));
			json_object_put(o);
		}
	}
	sqlite3_reset(st);
	vm_flush(v, f, arr, uuid, first, name);
	json_object_put(first);
	free(uuid);
	free(name);
	if (r == -1) {
		json_object_put(arr);
		*err = store_err(s, "store: %s", sqlite3_errmsg(store_db(s)));
		return NULL;
	}
	json_object_array_sort(arr, by_name);
	while (json_object_array_length(arr) > limit)
		json_object_array_del_idx(arr, json_object_array_length(arr) - 1,
		    1);
	return arr;
}

/* The timeline: its events across nodes, the host carried forward. */
static struct json_object *
timeline(struct vm *v, const char *uuid, char **namep)
{
	struct json_object *arr = json_object_new_array(), *e, *h = NULL;
	sqlite3_stmt *st = vm_st(v, VST_TIMELINE);
	int r;

	store_bind_str(st, 1, uuid);
	while ((r = store_row(v->s, st, "timeline")) == 1) {
		e = json_object_new_object();
		json_object_object_add(e, "t_ns", store_json_col(st, 0));
		json_object_object_add(e, "event_type", store_json_col(st, 1));
		json_object_object_add(e, "vm_state", store_json_col(st, 2));
		json_object_object_add(e, "task_state", store_json_col(st, 3));
		json_object_object_add(e, "power_state", store_json_col(st, 4));
		if (sqlite3_column_type(st, 5) != SQLITE_NULL) {
			json_object_put(h);
			h = store_json_col(st, 5);
		}
		json_object_object_add(e, "host", json_object_get(h));
		if (*namep == NULL && sqlite3_column_type(st, 6) != SQLITE_NULL)
			*namep = store_col_dup(st, 6);
		json_object_array_add(arr, e);
	}
	sqlite3_reset(st);
	json_object_put(h);
	if (r == -1) {
		json_object_put(arr);
		return NULL;
	}
	return arr;
}

/* A migration of the instance, QEMU's or only Nova's, by start. */
struct vmig {
	char		*id;
	int64_t		 start, end;
};

static int
vmig_cmp(const void *a, const void *b)
{
	const struct vmig *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/*
 * Its migrations: the QEMU migrations of the instance, and the Nova live
 * migrations that none of them belongs to (by their migration_key).
 */
static struct json_object *
migrations_of(struct vm *v, const char *uuid)
{
	struct mig_filter f;
	struct json_object *q, *m, *arr;
	struct vmig *x = NULL, *p;
	sqlite3_stmt *st;
	const char *err;
	size_t n = 0, nq, i, k;
	int64_t ns, ne;
	int r, linked;

	memset(&f, 0, sizeof(f));
	f.vm = uuid;
	f.limit = APP_LIST_MAX;
	if ((q = store_q_migrations(v->s, &f, &err)) == NULL)
		q = json_object_new_array();
	nq = json_object_array_length(q);
	if ((x = calloc(nq + 64, sizeof(*x))) == NULL) {
		json_object_put(q);
		return json_object_new_array();
	}
	for (i = 0; i < nq; i++) {
		m = json_object_array_get_idx(q, i);
		if (app_str(m, "id") == NULL)
			continue;
		x[n].id = strdup(app_str(m, "id"));
		x[n].start = app_i64(m, "started_ns");
		x[n].end = app_i64(m, "ended_ns");
		n++;
	}
	st = vm_st(v, VST_NOVA_OF_VM);
	store_bind_str(st, 1, uuid);
	while (n < nq + 64 && (r = store_row(v->s, st, "nova of vm")) == 1) {
		ns = store_col_i64(st, 1);
		ne = store_col_i64(st, 2);
		for (k = 0, linked = 0; k < nq && !linked; k++) {
			m = json_object_array_get_idx(q, k);
			linked = app_overlap(ns, ne, app_i64(m, "started_ns"),
			    app_i64(m, "ended_ns"), APP_LINK_TOL_NS);
		}
		if (linked)
			continue;
		x[n].id = store_col_dup(st, 0);
		x[n].start = ns == STORE_NONE ? INT64_MAX : ns;
		n++;
	}
	sqlite3_reset(st);
	json_object_put(q);
	qsort(x, n, sizeof(*x), vmig_cmp);
	arr = json_object_new_array();
	for (i = 0, p = x; i < n; i++, p++) {
		if (p->id != NULL)
			json_object_array_add(arr, json_object_new_string(p->id));
		free(p->id);
	}
	free(x);
	return arr;
}

struct json_object *
store_q_vm(struct store *s, const char *id, const char **err)
{
	struct json_object *o, *first = NULL, *tl;
	struct vm *v;
	sqlite3_stmt *st;
	char *uuid = NULL, *name = NULL, *host;
	const char *raw;
	int r;

	*err = NULL;
	if ((v = store_kind_state(s, &agg_kind_vm)) == NULL) {
		*err = store_err(s, "store: no vm kind");
		return NULL;
	}
	st = vm_st(v, VST_VM_FIND);
	store_bind_str(st, 1, id);
	if ((r = store_row(s, st, "vm")) == 1)
		uuid = store_col_dup(st, 0);
	sqlite3_reset(st);
	if (uuid == NULL) {
		if (r == -1)
			*err = store_err(s, "store: %s",
			    sqlite3_errmsg(store_db(s)));
		return NULL;
	}
	st = vm_st(v, VST_VM_ROWS);
	store_bind_str(st, 1, uuid);
	while ((r = store_row(s, st, "vm rows")) == 1) {
		raw = (const char *)sqlite3_column_text(st, 0);
		if (first == NULL && raw != NULL)
			first = json_tokener_parse(raw);
		if (name == NULL && raw != NULL) {
			struct json_object *x = json_tokener_parse(raw);

			if (app_str(x, "name") != NULL)
				name = strdup(app_str(x, "name"));
			json_object_put(x);
		}
	}
	sqlite3_reset(st);
	if ((tl = timeline(v, uuid, &name)) == NULL) {
		*err = store_err(s, "store: %s", sqlite3_errmsg(store_db(s)));
		json_object_put(first);
		free(uuid);
		free(name);
		return NULL;
	}
	host = host_of(v, uuid, first);
	o = json_object_new_object();
	app_add_str(o, "uuid", uuid);
	app_add_str(o, "name", name);
	app_add_str(o, "host", host);
	json_object_object_add(o, "timeline", tl);
	json_object_object_add(o, "migrations", migrations_of(v, uuid));
	json_object_put(first);
	free(uuid);
	free(name);
	free(host);
	return o;
}

int
vm_status(struct store *s, void *arg, struct json_object *o)
{
	struct vm *v = arg;
	sqlite3_stmt *st = vm_st(v, VST_STATUS);

	if (store_row(s, st, "status") != 1) {
		sqlite3_reset(st);
		return -1;
	}
	json_object_object_add(o, "instances",
	    json_object_new_int64(sqlite3_column_int64(st, 0)));
	json_object_object_add(o, "instance_events",
	    json_object_new_int64(sqlite3_column_int64(st, 1)));
	json_object_object_add(o, "nova_migrations",
	    json_object_new_int64(sqlite3_column_int64(st, 2)));
	sqlite3_reset(st);
	return 0;
}
