/*
 * req_query.c: the request kind's answers: the requests list (merged rows,
 * filtered: slow, failed, of an instance, an operation, since), one
 * request with each node's part and the tree of what it caused
 * (req_tree.c), and its members of `status`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <json-c/json.h>

#include "log.h"
#include "req_int.h"

extern const struct agg_kind agg_kind_request;

/* The members of each part, as `request ID` shows them. */
static const char *const part_keys[] = {
	"services", "hosts", "operation", "operations", "api",
	"started_ns", "ended_ns", "duration_ms", "status", "error",
	"instance_uuids", "volume_ids", "port_ids", "user_id", "project_id",
	"events", "notifications", "log_lines", "final",
	NULL
};

struct json_object *
req_parts(struct req *q, const char *id)
{
	struct json_object *arr = json_object_new_array(), *o;
	sqlite3_stmt *st = req_st(q, RST_PARTS_OF);
	const char *raw;
	int r;

	store_bind_str(st, 1, id);
	while ((r = store_row(q->s, st, "request parts")) == 1) {
		raw = (const char *)sqlite3_column_text(st, 1);
		o = raw != NULL ? json_tokener_parse(raw) : NULL;
		if (o == NULL || !json_object_is_type(o, json_type_object)) {
			json_object_put(o);
			continue;
		}
		/* The batch's node is the part's, whatever the record said. */
		json_object_object_add(o, "node", store_json_col(st, 0));
		json_object_array_add(arr, o);
	}
	sqlite3_reset(st);
	return arr;
}

/* A row of REQ_COLS (req_schema.c) as the list's element. */
static struct json_object *
req_row(sqlite3_stmt *st)
{
	struct json_object *o = json_object_new_object(), *v;

	json_object_object_add(o, "request_id", store_json_col(st, 0));
	json_object_object_add(o, "global_request_id", store_json_col(st, 1));
	v = store_json_text_col(st, 2);
	json_object_object_add(o, "services", v ? v : json_object_new_array());
	v = store_json_text_col(st, 3);
	json_object_object_add(o, "hosts", v ? v : json_object_new_array());
	json_object_object_add(o, "operation", store_json_col(st, 4));
	json_object_object_add(o, "started_ns", store_json_col(st, 5));
	json_object_object_add(o, "duration_ms", store_json_col(st, 6));
	json_object_object_add(o, "status", store_json_col(st, 7));
	return o;
}

struct json_object *
store_q_requests(struct store *s, const struct req_filter *f, const char **err)
{
	static const struct req_filter none;
	struct json_object *arr;
	sqlite3_stmt *st = NULL;
	char sql[1024];
	int len, r;

	*err = NULL;
	if (store_kind_state(s, &agg_kind_request) == NULL) {
		*err = store_err(s, "store: no request kind");
		return NULL;
	}
	if (f == NULL)
		f = &none;
	len = snprintf(sql, sizeof(sql), "SELECT request_id, "
	    "global_request_id, services, hosts, operation, started_ns, "
	    "duration_ms, status FROM requests r WHERE 1%s%s%s%s%s "
	    "ORDER BY %s LIMIT ?6",
	    f->slow ? " AND duration_ms >= ?1" : "",
	    f->failed ? " AND status = 'error'" : "",
	    f->vm != NULL ? " AND EXISTS (SELECT 1 FROM request_objects o "
	    "WHERE o.request_id = r.request_id AND o.obj_type = 'instance' "
	    "AND o.obj_id = ?3)" : "",
	    f->operation != NULL ? " AND operation = ?4" : "",
	    f->since_ns > 0 ? " AND started_ns >= ?5" : "",
	    f->slow ? "duration_ms DESC, started_ns DESC" :
	    "started_ns DESC, request_id");
	if (len < 0 || (size_t)len >= sizeof(sql) ||
	    sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL) != SQLITE_OK) {
		*err = store_err(s, "store: %s", sqlite3_errmsg(store_db(s)));
		sqlite3_finalize(st);
		return NULL;
	}
	if (f->slow)
		sqlite3_bind_double(st, 1, (double)(f->slow_ms > 0 ?
		    f->slow_ms : REQ_SLOW_MS_DEFAULT));
	store_bind_str(st, 3, f->vm);
	store_bind_str(st, 4, f->operation);
	sqlite3_bind_int64(st, 5, f->since_ns > INT64_MAX ? INT64_MAX :
	    (int64_t)f->since_ns);
	sqlite3_bind_int(st, 6, f->limit ? (int)f->limit : APP_LIST_DEFAULT);
	arr = json_object_new_array();
	while ((r = store_row(s, st, "requests")) == 1)
		json_object_array_add(arr, req_row(st));
	sqlite3_finalize(st);
	if (r == -1) {
		json_object_put(arr);
		*err = store_err(s, "store: %s", sqlite3_errmsg(store_db(s)));
		return NULL;
	}
	return arr;
}

/* Each node's part as `request ID` shows it. */
static struct json_object *
parts_json(struct json_object *parts)
{
	struct json_object *arr = json_object_new_array(), *p, *o;
	size_t i, k;

	for (i = 0; i < json_object_array_length(parts); i++) {
		p = json_object_array_get_idx(parts, i);
		o = json_object_new_object();
		json_object_object_add(o, "node", app_copy(p, "node"));
		for (k = 0; part_keys[k] != NULL; k++)
			json_object_object_add(o, part_keys[k], app_copy(p,
			    part_keys[k]));
		json_object_array_add(arr, o);
	}
	return arr;
}

struct json_object *
store_q_request(struct store *s, const char *id, const char **err)
{
	struct json_object *o = NULL, *parts;
	struct req *q;
	sqlite3_stmt *st;
	int r;

	*err = NULL;
	if ((q = store_kind_state(s, &agg_kind_request)) == NULL) {
		*err = store_err(s, "store: no request kind");
		return NULL;
	}
	st = req_st(q, RST_GET);
	store_bind_str(st, 1, id);
	if ((r = store_row(s, st, "request")) == 1) {
		o = req_row(st);
		json_object_object_add(o, "ended_ns", store_json_col(st, 8));
		json_object_object_add(o, "error", store_json_col(st, 9));
		json_object_object_add(o, "nodes", store_json_text_col(st, 10));
	}
	sqlite3_reset(st);
	if (o == NULL) {
		if (r == -1)
			*err = store_err(s, "store: %s",
			    sqlite3_errmsg(store_db(s)));
		return NULL;
	}
	parts = req_parts(q, id);
	json_object_object_add(o, "parts", parts_json(parts));
	json_object_put(parts);
	if (req_tree(q, o) == -1) {
		json_object_put(o);
		*err = store_err(s, "store: %s", sqlite3_errmsg(store_db(s)));
		return NULL;
	}
	return o;
}

int
req_status(struct store *s, void *arg, struct json_object *o)
{
	struct req *q = arg;
	sqlite3_stmt *st = req_st(q, RST_STATUS);

	if (store_row(s, st, "status") != 1) {
		sqlite3_reset(st);
		return -1;
	}
	json_object_object_add(o, "requests",
	    json_object_new_int64(sqlite3_column_int64(st, 0)));
	json_object_object_add(o, "requests_running",
	    json_object_new_int64(sqlite3_column_int64(st, 1)));
	json_object_object_add(o, "requests_failed",
	    json_object_new_int64(sqlite3_column_int64(st, 2)));
	sqlite3_reset(st);
	return 0;
}
