/*
 * req_ingest.c: `request` records into the store, and their merge.  Each
 * node's agent reports what its services saw of a request id (Nova's
 * services share one id across the API, conductor, scheduler and both
 * computes); the latest record of each node is kept in request_parts, and
 * after the batch each request id it touched is merged into one row of
 * `requests`: services and hosts the union, started the first, ended the
 * last, status error over running over ok, the operation the first an
 * action notification named (an API call only when nothing else tells).
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <json-c/json.h>

#include "log.h"
#include "req_int.h"

enum agg_ingest
req_ingest(struct store *s, void *arg, const struct store_rec *rec)
{
	struct req *q = arg;
	struct json_object *o;
	sqlite3_stmt *st;
	const char *id, *rid;
	char *raw, *base;
	int64_t t;
	enum agg_ingest r;

	if (app_need_str(s, rec, RF_ID, "id", &id) != AGG_STORED ||
	    app_need_str(s, rec, RF_REQUEST_ID, "request_id", &rid) !=
	    AGG_STORED ||
	    app_need_i64(s, rec, RF_T_NS, "t_ns", &t) != AGG_STORED)
		return AGG_SKIPPED;
	st = req_st(q, RST_PART_GET);
	store_bind_str(st, 1, rec->node);
	store_bind_str(st, 2, id);
	if ((r = app_supersede(s, st, store_rec_obj(rec), t, &o, &raw, &base)) !=
	    AGG_STORED)
		return r;
	st = req_st(q, RST_PART_PUT);
	store_bind_str(st, 1, rec->node);
	store_bind_str(st, 2, id);
	store_bind_str(st, 3, rid);
	store_bind_str(st, 4, app_str(o, "global_request_id"));
	store_bind_i64(st, 5, app_i64(o, "started_ns"));
	store_bind_i64(st, 6, app_i64(o, "ended_ns"));
	store_bind_str(st, 7, app_str(o, "status"));
	sqlite3_bind_int64(st, 8, t);
	sqlite3_bind_text(st, 9, raw, -1, free);
	sqlite3_bind_int64(st, 10, store_now(s));
	sqlite3_bind_text(st, 11, base, -1, free);
	r = store_done(s, st, "request") == -1 ? AGG_ERROR : AGG_STORED;
	json_object_put(o);
	if (r == AGG_STORED && app_set_add(&q->touched, rid) == -1)
		return AGG_ERROR;
	return r;
}

static int
status_rank(const char *st)
{
	if (st == NULL)
		return 0;
	if (strcmp(st, "error") == 0)
		return 3;
	if (strcmp(st, "running") == 0)
		return 2;
	return 1;
}

/* An operation read off an API call ("POST /v2.1/servers"). */
static int
is_api_call(const char *op)
{
	return strchr(op, ' ') != NULL || strchr(op, '/') != NULL;
}

static int
objects_put(struct req *q, const char *rid, const char *type,
    struct json_object *arr)
{
	struct json_object *v;
	sqlite3_stmt *st;
	size_t i;

	if (arr == NULL || !json_object_is_type(arr, json_type_array))
		return 0;
	for (i = 0; i < json_object_array_length(arr); i++) {
		v = json_object_array_get_idx(arr, i);
		if (v == NULL || !json_object_is_type(v, json_type_string) ||
		    *json_object_get_string(v) == '\0')
			continue;
		st = req_st(q, RST_OBJECT_PUT);
		store_bind_str(st, 1, type);
		store_bind_str(st, 2, json_object_get_string(v));
		store_bind_str(st, 3, rid);
		if (store_done(q->s, st, "request object") == -1)
			return -1;
	}
	return 0;
}

/* The merged row of request rid from its parts. */
static int
merge(struct req *q, const char *rid)
{
	struct app_set services = { 0 }, hosts = { 0 }, nodes = { 0 };
	struct json_object *parts, *p, *j;
	sqlite3_stmt *st;
	const char *gid = NULL, *op = NULL, *api_op = NULL, *err = NULL, *v;
	int64_t start = STORE_NONE, end = STORE_NONE, t;
	int rank = 0, rc = -1;
	size_t i, n;

	parts = req_parts(q, rid);
	n = json_object_array_length(parts);
	for (i = 0; i < n; i++) {
		p = json_object_array_get_idx(parts, i);
		if (app_set_add_all(&services, app_get(p, "services")) == -1 ||
		    app_set_add_all(&hosts, app_get(p, "hosts")) == -1 ||
		    app_set_add(&nodes, app_str(p, "node")) == -1)
			goto out;
		if (gid == NULL)
			gid = app_str(p, "global_request_id");
		if ((v = app_str(p, "operation")) != NULL) {
			if (!is_api_call(v) && op == NULL)
				op = v;
			else if (is_api_call(v) && api_op == NULL)
				api_op = v;
		}
		if (err == NULL)
			err = app_str(p, "error");
		t = app_i64(p, "started_ns");
		if (t != STORE_NONE && (start == STORE_NONE || t < start))
			start = t;
		t = app_i64(p, "ended_ns");
		if (t != STORE_NONE && (end == STORE_NONE || t > end))
			end = t;
		if (status_rank(app_str(p, "status")) > rank)
			rank = status_rank(app_str(p, "status"));
		if (objects_put(q, rid, "instance", app_get(p,
		    "instance_uuids")) == -1 ||
		    objects_put(q, rid, "volume", app_get(p, "volume_ids")) == -1 ||
		    objects_put(q, rid, "port", app_get(p, "port_ids")) == -1)
			goto out;
	}
	st = req_st(q, RST_MERGED_PUT);
	store_bind_str(st, 1, rid);
	store_bind_str(st, 2, gid);
	j = app_set_json(&services);
	store_bind_str(st, 3, json_object_to_json_string_ext(j,
	    JSON_C_TO_STRING_PLAIN));
	json_object_put(j);
	j = app_set_json(&hosts);
	store_bind_str(st, 4, json_object_to_json_string_ext(j,
	    JSON_C_TO_STRING_PLAIN));
	json_object_put(j);
	j = app_set_json(&nodes);
	store_bind_str(st, 5, json_object_to_json_string_ext(j,
	    JSON_C_TO_STRING_PLAIN));
	json_object_put(j);
	store_bind_str(st, 6, op ? op : api_op);
	store_bind_i64(st, 7, start);
	store_bind_i64(st, 8, end);
	store_bind_dbl(st, 9, start != STORE_NONE && end != STORE_NONE ?
	    (end - start) / 1e6 : 0.0 / 0.0);
	store_bind_str(st, 10, rank == 3 ? "error" : rank == 2 ? "running" :
	    rank == 1 ? "ok" : NULL);
	store_bind_str(st, 11, err);
	sqlite3_bind_int64(st, 12, (int64_t)n);
	sqlite3_bind_int64(st, 13, store_now(q->s));
	rc = store_done(q->s, st, "merged request");
 out:
	app_set_free(&services);
	app_set_free(&hosts);
	app_set_free(&nodes);
	json_object_put(parts);
	return rc;
}

int
req_after_batch(struct store *s, void *arg, const char *node)
{
	struct req *q = arg;
	size_t i;

	(void)s;
	(void)node;
	for (i = 0; i < q->touched.n; i++)
		if (merge(q, q->touched.v[i]) == -1)
			return -1;
	return 0;
}

void
req_batch_end(void *arg)
{
	struct req *q = arg;

	app_set_free(&q->touched);
}
