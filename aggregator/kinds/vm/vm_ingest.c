/*
 * vm_ingest.c: the vm kind's records into the store, inside the batch's
 * transaction: `vm` (one instance as a node saw it; the latest wins, its
 * nulls kept from the one before), `vm_event` (one event, stored once)
 * and `nova_migration` (one compute's side of a Nova live migration; the
 * latest wins).
 */
#include <stdlib.h>

#include <sqlite3.h>
#include <json-c/json.h>

#include "log.h"
#include "vm_int.h"

enum agg_ingest
vm_ingest_vm(struct store *s, void *arg, const struct store_rec *rec)
{
	struct vm *v = arg;
	struct json_object *o;
	sqlite3_stmt *st;
	const char *id, *uuid;
	char *raw, *base;
	int64_t t;
	enum agg_ingest r;

	if (app_need_str(s, rec, VV_ID, "id", &id) != AGG_STORED ||
	    app_need_str(s, rec, VV_UUID, "uuid", &uuid) != AGG_STORED ||
	    app_need_i64(s, rec, VV_T_NS, "t_ns", &t) != AGG_STORED)
		return AGG_SKIPPED;
	st = vm_st(v, VST_VM_GET);
	store_bind_str(st, 1, rec->node);
	store_bind_str(st, 2, id);
	if ((r = app_supersede(s, st, store_rec_obj(rec), t, &o, &raw, &base)) !=
	    AGG_STORED)
		return r;
	st = vm_st(v, VST_VM_PUT);
	store_bind_str(st, 1, rec->node);
	store_bind_str(st, 2, id);
	store_bind_str(st, 3, uuid);
	store_bind_str(st, 4, app_str(o, "name"));
	store_bind_str(st, 5, app_str(o, "instance_name"));
	store_bind_i64(st, 6, app_i64(o, "since_ns"));
	sqlite3_bind_int64(st, 7, t);
	sqlite3_bind_text(st, 8, raw, -1, free);
	sqlite3_bind_int64(st, 9, store_now(s));
	sqlite3_bind_text(st, 10, base, -1, free);
	r = store_done(s, st, "vm") == -1 ? AGG_ERROR : AGG_STORED;
	json_object_put(o);
	return r;
}

enum agg_ingest
vm_ingest_event(struct store *s, void *arg, const struct store_rec *rec)
{
	static const struct { int f, col; } cols[] = {
		{ VE_NAME, 5 }, { VE_EVENT_TYPE, 6 }, { VE_VM_STATE, 7 },
		{ VE_TASK_STATE, 8 }, { VE_POWER_STATE, 9 },
		{ VE_OLD_VM_STATE, 10 }, { VE_OLD_TASK_STATE, 11 },
		{ VE_HOST, 12 }, { VE_PAYLOAD_HOST, 13 },
		{ VE_PUBLISHER_ID, 14 }, { VE_SERVICE, 15 },
		{ VE_PUBLISHER_HOST, 16 }, { VE_REQUEST_ID, 17 },
		{ VE_GLOBAL_REQUEST_ID, 18 }, { VE_PRIORITY, 19 },
		{ VE_FAULT, 20 }, { VE_SOURCE, 21 },
	};
	struct vm *v = arg;
	sqlite3_stmt *st;
	const char *id, *uuid;
	int64_t t;
	size_t i;

	if (app_need_str(s, rec, VE_ID, "id", &id) != AGG_STORED ||
	    app_need_str(s, rec, VE_UUID, "uuid", &uuid) != AGG_STORED ||
	    app_need_i64(s, rec, VE_T_NS, "t_ns", &t) != AGG_STORED)
		return AGG_SKIPPED;
	st = vm_st(v, VST_EVENT_PUT);
	store_bind_str(st, 1, rec->node);
	store_bind_str(st, 2, id);
	store_bind_str(st, 3, uuid);
	sqlite3_bind_int64(st, 4, t);
	for (i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		store_bind_str(st, cols[i].col, store_opt_str(rec, cols[i].f));
	if (store_done(s, st, "vm event") == -1)
		return AGG_ERROR;
	return sqlite3_changes(store_db(s)) > 0 ? AGG_STORED : AGG_DUPLICATE;
}

enum agg_ingest
vm_ingest_nova(struct store *s, void *arg, const struct store_rec *rec)
{
	struct vm *v = arg;
	struct json_object *o;
	sqlite3_stmt *st;
	const char *id, *key;
	char *raw, *base;
	int64_t t;
	enum agg_ingest r;

	if (app_need_str(s, rec, VN_ID, "id", &id) != AGG_STORED ||
	    app_need_str(s, rec, VN_MIGRATION_KEY, "migration_key", &key) !=
	    AGG_STORED ||
	    app_need_i64(s, rec, VN_T_NS, "t_ns", &t) != AGG_STORED)
		return AGG_SKIPPED;
	st = vm_st(v, VST_NOVA_GET);
	store_bind_str(st, 1, rec->node);
	store_bind_str(st, 2, id);
	if ((r = app_supersede(s, st, store_rec_obj(rec), t, &o, &raw, &base)) !=
	    AGG_STORED)
		return r;
	st = vm_st(v, VST_NOVA_PUT);
	store_bind_str(st, 1, rec->node);
	store_bind_str(st, 2, id);
	store_bind_str(st, 3, key);
	store_bind_str(st, 4, app_str(o, "instance_uuid"));
	store_bind_str(st, 5, app_str(o, "request_id"));
	store_bind_str(st, 6, app_str(o, "role"));
	store_bind_i64(st, 7, app_i64(o, "started_ns"));
	store_bind_i64(st, 8, app_i64(o, "ended_ns"));
	store_bind_str(st, 9, app_str(o, "outcome"));
	sqlite3_bind_int64(st, 10, t);
	sqlite3_bind_text(st, 11, raw, -1, free);
	sqlite3_bind_int64(st, 12, store_now(s));
	sqlite3_bind_text(st, 13, base, -1, free);
	r = store_done(s, st, "nova migration") == -1 ? AGG_ERROR : AGG_STORED;
	json_object_put(o);
	return r;
}
