/*
 * kind.c: the volume kind on the aggregator's side: Cinder volumes as each
 * node saw them (cinder-volume's notifications; the attachment also from
 * Nova's volume_attach/volume_detach), the latest record of each node
 * kept; `volumes` merges them per volume: the newest values, older ones
 * where the newest has none, and each attachment's host, mountpoint and
 * target (where the virtual disk is: iSCSI target, RBD image, NFS export).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <json-c/json.h>

#include "log.h"
#include "kind.h"
#include "app_kind.h"
#include "vol_store.h"
#include "kern_store.h"
#include "prom.h"

/* The members of a `volume` record (sorted). */
enum vol_f { OF_ID, OF_LAST_NS, OF_T_NS, OF_VOLUME_ID, OF__COUNT };

static const char *const vol_fields[] = {
	"id", "last_ns", "t_ns", "volume_id",
	NULL
};

_Static_assert(sizeof(vol_fields) / sizeof(vol_fields[0]) == OF__COUNT + 1,
    "one name per enum vol_f");

static const char vol_schema_v1[] =
	"CREATE TABLE IF NOT EXISTS volume_reports ("
	"  node            TEXT NOT NULL,"
	"  id              TEXT NOT NULL,"
	"  volume_id       TEXT NOT NULL,"
	"  last_ns         INTEGER,"
	"  t_ns            INTEGER NOT NULL,"
	"  raw             TEXT NOT NULL,"
	"  base            TEXT,"	/* the previous lives' (app_kind.h) */
	"  updated_ns      INTEGER,"
	"  PRIMARY KEY (node, id)"
	") WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS volume_reports_vol ON volume_reports "
	"  (volume_id);";

static const char *const vol_schema[] = {
	vol_schema_v1,
	NULL
};

enum vol_st { OST_GET, OST_PUT, OST_ALL, OST_STATUS, OST__COUNT };

static const char *const vol_sql[OST__COUNT] = {
	[OST_GET] =
	    "SELECT t_ns, raw, base FROM volume_reports WHERE node = ?1 AND id = ?2",
	[OST_PUT] =
	    "INSERT OR REPLACE INTO volume_reports (node, id, volume_id, "
	    "last_ns, t_ns, raw, updated_ns, base) VALUES (?1, ?2, ?3, ?4, ?5, "
	    "?6, ?7, ?8)",
	/* Each volume's reports, newest first (on the aggregator's clock). */
	[OST_ALL] =
	    "SELECT volume_id, raw FROM volume_reports r "
	    "WHERE ?1 IS NULL OR volume_id = ?1 "
	    "ORDER BY volume_id, coalesce(last_ns, t_ns) - coalesce((SELECT "
	    "clock_offset_ns FROM nodes WHERE name = r.node), 0) DESC",
	[OST_STATUS] = "SELECT count(DISTINCT volume_id) FROM volume_reports",
};

struct vol {
	struct store	*s;
	sqlite3_stmt	*st[OST__COUNT];
};

extern const struct agg_kind agg_kind_volume;

static void
vol_finish(void *arg)
{
	struct vol *v = arg;
	int i;

	if (v == NULL)
		return;
	for (i = 0; i < OST__COUNT; i++)
		sqlite3_finalize(v->st[i]);
	free(v);
}

static void *
vol_prepare(struct store *s)
{
	struct vol *v;
	int i;

	if ((v = calloc(1, sizeof(*v))) == NULL) {
		log_warn("%s: calloc", __func__);
		return NULL;
	}
	v->s = s;
	for (i = 0; i < OST__COUNT; i++)
		if (store_prepare(s, vol_sql[i], &v->st[i]) == -1) {
			vol_finish(v);
			return NULL;
		}
	return v;
}

static enum agg_ingest
vol_ingest(struct store *s, void *arg, const struct store_rec *rec)
{
	struct vol *v = arg;
	struct json_object *o;
	sqlite3_stmt *st;
	const char *id, *vid;
	char *raw, *base;
	int64_t t;
	enum agg_ingest r;

	if (app_need_str(s, rec, OF_ID, "id", &id) != AGG_STORED ||
	    app_need_str(s, rec, OF_VOLUME_ID, "volume_id", &vid) !=
	    AGG_STORED ||
	    app_need_i64(s, rec, OF_T_NS, "t_ns", &t) != AGG_STORED)
		return AGG_SKIPPED;
	st = store_reset(v->st[OST_GET]);
	store_bind_str(st, 1, rec->node);
	store_bind_str(st, 2, id);
	if ((r = app_supersede(s, st, store_rec_obj(rec), t, &o, &raw, &base)) !=
	    AGG_STORED)
		return r;
	st = store_reset(v->st[OST_PUT]);
	store_bind_str(st, 1, rec->node);
	store_bind_str(st, 2, id);
	store_bind_str(st, 3, vid);
	store_bind_i64(st, 4, app_i64(o, "last_ns"));
	sqlite3_bind_int64(st, 5, t);
	sqlite3_bind_text(st, 6, raw, -1, free);
	sqlite3_bind_int64(st, 7, store_now(s));
	sqlite3_bind_text(st, 8, base, -1, free);
	r = store_done(s, st, "volume") == -1 ? AGG_ERROR : AGG_STORED;
	json_object_put(o);
	return r;
}

static int
streq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* An older report's attachment of the same instance (or attachment id). */
static struct json_object *
older_attachment(struct json_object *olds, struct json_object *a)
{
	struct json_object *o, *arr, *b;
	size_t i, j;

	for (i = 0; i < json_object_array_length(olds); i++) {
		o = json_object_array_get_idx(olds, i);
		arr = app_get(o, "attachments");
		for (j = 0; arr != NULL && json_object_is_type(arr,
		    json_type_array) && j < json_object_array_length(arr); j++) {
			b = json_object_array_get_idx(arr, j);
			if ((app_str(a, "attachment_id") != NULL &&
			    streq(app_str(a, "attachment_id"),
			    app_str(b, "attachment_id"))) ||
			    streq(app_str(a, "instance_uuid"),
			    app_str(b, "instance_uuid")))
				return b;
		}
	}
	return NULL;
}

/*
 * The attachments of the newest report that has them (an empty list is
 * news: detached), each as the contract has it, with what the newest
 * lacks (target, host, mountpoint) from an older report of the same one.
 */
static struct json_object *
attachments(struct json_object *newest, struct json_object *olds,
    int detailed)
{
	struct json_object *arr = NULL, *out, *a, *b, *o;
	static const char *const keys[] = { "instance_uuid", "host",
	    "mountpoint", "target" };
	static const char *const more[] = { "attachment_id", "attach_status",
	    "attach_mode", "connection" };
	size_t i, k;

	if ((arr = app_get(newest, "attachments")) == NULL ||
	    !json_object_is_type(arr, json_type_array)) {
		arr = NULL;
		for (i = 0; arr == NULL && i < json_object_array_length(olds);
		    i++) {
			a = app_get(json_object_array_get_idx(olds, i),
			    "attachments");
			if (a != NULL && json_object_is_type(a, json_type_array))
				arr = a;
		}
	}
	out = json_object_new_array();
	for (i = 0; arr != NULL && i < json_object_array_length(arr); i++) {
		a = json_object_array_get_idx(arr, i);
		if (a == NULL || !json_object_is_type(a, json_type_object))
			continue;
		b = older_attachment(olds, a);
		o = json_object_new_object();
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			json_object_object_add(o, keys[k], app_get(a, keys[k]) ?
			    app_copy(a, keys[k]) : app_copy(b, keys[k]));
		for (k = 0; detailed && k < sizeof(more) / sizeof(more[0]); k++)
			json_object_object_add(o, more[k], app_get(a, more[k]) ?
			    app_copy(a, more[k]) : app_copy(b, more[k]));
		json_object_array_add(out, o);
	}
	return out;
}

/* One volume from its reports (newest first). */
static struct json_object *
vol_item(struct json_object *newest, struct json_object *olds, int detailed)
{
	static const char *const keys[] = { "volume_id", "name", "size_gb",
	    "status", "backend" };
	static const char *const more[] = { "backend_host", "backend_name",
	    "pool", "volume_type", "availability_zone", "snapshot_id",
	    "tenant_id", "operations", "last_operation", "last_ns",
	    "created_ns", "deleted_ns", "request_id", "global_request_id" };
	struct json_object *m, *o;
	size_t i;

	/* The newest values, with the older ones where it has none. */
	m = json_object_get(newest);
	for (i = 0; i < json_object_array_length(olds); i++)
		app_fill_in(m, json_object_array_get_idx(olds, i));
	o = json_object_new_object();
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		json_object_object_add(o, keys[i], app_copy(m, keys[i]));
	json_object_object_add(o, "attachments", attachments(newest, olds,
	    detailed));
	for (i = 0; detailed && i < sizeof(more) / sizeof(more[0]); i++)
		json_object_object_add(o, more[i], app_copy(m, more[i]));
	json_object_put(m);
	return o;
}

static int
vol_deleted(struct json_object *v)
{
	const char *st = app_str(v, "status");

	return st != NULL && strcmp(st, "deleted") == 0;
}

/* Every volume (id NULL) or one, detailed: a new array. */
static struct json_object *
vol_query(struct store *s, const char *id, int live, int detailed,
    const char **err)
{
	struct json_object *arr, *newest = NULL, *olds, *o, *it;
	struct vol *v;
	sqlite3_stmt *st;
	const char *vid, *raw;
	char *cur = NULL;
	int r;

	*err = NULL;
	if ((v = store_kind_state(s, &agg_kind_volume)) == NULL) {
		*err = store_err(s, "store: no volume kind");
		return NULL;
	}
	arr = json_object_new_array();
	olds = json_object_new_array();
	st = store_reset(v->st[OST_ALL]);
	store_bind_str(st, 1, id);
	for (;;) {
		r = store_row(s, st, "volumes");
		vid = r == 1 ? (const char *)sqlite3_column_text(st, 0) : NULL;
		if (r != 1 || cur == NULL || vid == NULL ||
		    strcmp(cur, vid) != 0) {
			if (newest != NULL) {
				it = vol_item(newest, olds, detailed);
				if (live && vol_deleted(it))
					json_object_put(it);
				else
					json_object_array_add(arr, it);
			}
			json_object_put(newest);
			json_object_put(olds);
			newest = NULL;
			olds = json_object_new_array();
			free(cur);
			cur = vid ? strdup(vid) : NULL;
		}
		if (r != 1)
			break;
		raw = (const char *)sqlite3_column_text(st, 1);
		if (raw == NULL || (o = json_tokener_parse(raw)) == NULL)
			continue;
		if (newest == NULL)
			newest = o;
		else
			json_object_array_add(olds, o);
	}
	sqlite3_reset(st);
	json_object_put(olds);
	free(cur);
	if (r == -1) {
		json_object_put(arr);
		*err = store_err(s, "store: %s", sqlite3_errmsg(store_db(s)));
		return NULL;
	}
	return arr;
}

struct json_object *
store_q_volumes(struct store *s, int live, const char **err)
{
	return vol_query(s, NULL, live, 0, err);
}

/* Does the udev name path name the attachment's disk? */
static int
path_matches(const char *path, struct json_object *conn)
{
	const char *dp = app_str(conn, "device_path"), *iqn;
	char want[512];

	if (dp != NULL && strcmp(path, dp) == 0)
		return 1;
	/* by-path of an iSCSI LUN: ip-PORTAL-iscsi-IQN-lun-N */
	if ((iqn = app_str(conn, "target_iqn")) == NULL ||
	    app_get(conn, "target_lun") == NULL)
		return 0;
	snprintf(want, sizeof(want), "-iscsi-%s-lun-%lld", iqn,
	    (long long)app_i64(conn, "target_lun"));
	return strlen(path) >= strlen(want) &&
	    strcmp(path + strlen(path) - strlen(want), want) == 0;
}

/*
 * The host's block device under each attachment (the kernel kind's
 * disks, by their udev names): the physical latency under the virtual
 * volume.  The attachment's host's node first.
 */
static int
vol_devices(struct store *s, struct json_object *v)
{
	static const char *const keys[] = { "node", "device", "requests",
	    "bytes", "p50_ms", "p99_ms", "max_ms", "mean_ms", "depth_avg",
	    "source", "since_ns" };
	struct json_object *disks, *atts, *a, *conn, *d, *paths, *best, *dev;
	const char *err;
	size_t i, j, k;

	if ((disks = store_q_disks(s, NULL, &err)) == NULL)
		return -1;
	atts = app_get(v, "attachments");
	for (i = 0; atts != NULL && i < json_object_array_length(atts); i++) {
		a = json_object_array_get_idx(atts, i);
		conn = app_get(a, "connection");
		best = NULL;
		for (j = 0; conn != NULL && j < json_object_array_length(disks);
		    j++) {
			d = json_object_array_get_idx(disks, j);
			paths = app_get(d, "paths");
			for (k = 0; paths != NULL && json_object_is_type(paths,
			    json_type_array) && k < json_object_array_length(paths);
			    k++)
				if (path_matches(json_object_get_string(
				    json_object_array_get_idx(paths, k)), conn))
					break;
			if (paths == NULL || k == json_object_array_length(paths))
				continue;
			if (best == NULL || (app_str(a, "host") != NULL &&
			    streq(app_str(d, "node"), app_str(a, "host"))))
				best = d;
		}
		dev = NULL;
		if (best != NULL) {
			dev = json_object_new_object();
			for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
				json_object_object_add(dev, keys[k],
				    app_copy(best, keys[k]));
		}
		json_object_object_add(a, "device", dev);
	}
	json_object_put(disks);
	return 0;
}

struct json_object *
store_q_volume(struct store *s, const char *id, const char **err)
{
	struct json_object *arr, *o = NULL;

	if ((arr = vol_query(s, id, 0, 1, err)) == NULL)
		return NULL;
	if (json_object_array_length(arr) > 0)
		o = json_object_get(json_object_array_get_idx(arr, 0));
	json_object_put(arr);
	if (o != NULL && vol_devices(s, o) == -1) {
		json_object_put(o);
		*err = store_err(s, "store: %s", sqlite3_errmsg(store_db(s)));
		return NULL;
	}
	return o;
}

static int
vol_status(struct store *s, void *arg, struct json_object *o)
{
	struct vol *v = arg;
	sqlite3_stmt *st = store_reset(v->st[OST_STATUS]);

	if (store_row(s, st, "status") != 1) {
		sqlite3_reset(st);
		return -1;
	}
	json_object_object_add(o, "volumes",
	    json_object_new_int64(sqlite3_column_int64(st, 0)));
	sqlite3_reset(st);
	return 0;
}

static const struct agg_record vol_records[] = {
	{ "volume", vol_fields, vol_ingest, NULL },
	{ NULL, NULL, NULL, NULL }
};

extern const struct ctl_cmd *const volume_cmds[];

/*
 * /metrics: the volumes not deleted by Cinder's status, and their
 * attachments: no per-volume series.
 */
static int
vol_metrics(struct store *s, void *arg, struct prom *p)
{
	struct app_tally t;
	struct json_object *arr, *o, *at;
	const char *err;
	size_t i, natt = 0;

	(void)arg;
	if ((arr = store_q_volumes(s, 1, &err)) == NULL)
		return -1;
	memset(&t, 0, sizeof(t));
	for (i = 0; i < json_object_array_length(arr); i++) {
		o = json_object_array_get_idx(arr, i);
		app_tally_add(&t, app_str(o, "status"), NULL, 1);
		if ((at = app_get(o, "attachments")) != NULL &&
		    json_object_is_type(at, json_type_array))
			natt += json_object_array_length(at);
	}
	prom_family(p, "strata_volumes", PROM_GAUGE,
	    "Cinder volumes (not deleted), by status.");
	app_tally_write(&t, p, "strata_volumes", "status", NULL);
	prom_one(p, "strata_volume_attachments", PROM_GAUGE,
	    "Attachments of the volumes not deleted.", (double)natt);
	app_tally_free(&t);
	json_object_put(arr);
	return 0;
}

/* Its page: aggregator/kinds/volume/web/ (docs/http.md). */
static const struct agg_web vol_web = {
	.title = "Volumes",
	.list = "volumes.html",
	.item = NULL,
};

const struct agg_kind agg_kind_volume = {
	.name = "volume",
	.records = vol_records,
	.schema = vol_schema,
	.prepare = vol_prepare,
	.finish = vol_finish,
	.status = vol_status,
	.cmds = volume_cmds,
	.metrics = vol_metrics,
	.web = &vol_web,
};
