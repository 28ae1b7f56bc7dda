/*
 * kind.c: the port kind on the aggregator's side: Neutron's ports (the map
 * port -> MAC -> fixed IPs -> device (instance) -> binding host that
 * locates a VM on the network), networks, subnets and routers, as each
 * node's agent last reported them; `ports`, `networks` and `routers` merge
 * the nodes' reports of one object (the newest values, older ones where
 * the newest has none).
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <json-c/json.h>

#include "log.h"
#include "kind.h"
#include "app_kind.h"
#include "port_store.h"
#include "prom.h"

/* The members each record reads (sorted); the object id is the third. */
enum port_f { PF_ID, PF_LAST_NS, PF_OBJ, PF_T_NS, PF__COUNT };

static const char *const port_fields[] = {
	"id", "last_ns", "port_id", "t_ns", NULL
};
static const char *const network_fields[] = {
	"id", "last_ns", "network_id", "t_ns", NULL
};
static const char *const subnet_fields[] = {
	"id", "last_ns", "subnet_id", "t_ns", NULL
};
static const char *const router_fields[] = {
	"id", "last_ns", "router_id", "t_ns", NULL
};

static const char port_schema_v1[] =
	"CREATE TABLE IF NOT EXISTS neutron_objects ("
	"  node            TEXT NOT NULL,"
	"  id              TEXT NOT NULL,"
	"  type            TEXT NOT NULL,"	/* port, network, subnet, router */
	"  obj_id          TEXT NOT NULL,"
	"  last_ns         INTEGER,"
	"  t_ns            INTEGER NOT NULL,"
	"  raw             TEXT NOT NULL,"
	"  base            TEXT,"	/* the previous lives' (app_kind.h) */
	"  updated_ns      INTEGER,"
	"  PRIMARY KEY (node, type, id)"
	") WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS neutron_objects_obj ON neutron_objects "
	"  (type, obj_id);";

static const char *const port_schema[] = {
	port_schema_v1,
	NULL
};

enum port_st { PST_GET, PST_PUT, PST_ALL, PST_STATUS, PST__COUNT };

static const char *const port_sql[PST__COUNT] = {
	[PST_GET] =
	    "SELECT t_ns, raw, base FROM neutron_objects WHERE node = ?1 AND "
	    "type = ?3 AND id = ?2",
	[PST_PUT] =
	    "INSERT OR REPLACE INTO neutron_objects (node, id, type, obj_id, "
	    "last_ns, t_ns, raw, updated_ns, base) VALUES (?1, ?2, ?3, ?4, ?5, "
	    "?6, ?7, ?8, ?9)",
	/* Each object's reports, newest first (on the aggregator's clock). */
	[PST_ALL] =
	    "SELECT obj_id, raw FROM neutron_objects r WHERE type = ?1 "
	    "ORDER BY obj_id, coalesce(last_ns, t_ns) - coalesce((SELECT "
	    "clock_offset_ns FROM nodes WHERE name = r.node), 0) DESC",
	[PST_STATUS] =
	    "SELECT (SELECT count(DISTINCT obj_id) FROM neutron_objects "
	    "WHERE type = 'port'), (SELECT count(DISTINCT obj_id) FROM "
	    "neutron_objects WHERE type = 'network'), (SELECT count(DISTINCT "
	    "obj_id) FROM neutron_objects WHERE type = 'router')",
};

struct port {
	struct store	*s;
	sqlite3_stmt	*st[PST__COUNT];
};

extern const struct agg_kind agg_kind_port;

static void
port_finish(void *arg)
{
	struct port *p = arg;
	int i;

	if (p == NULL)
		return;
	for (i = 0; i < PST__COUNT; i++)
		sqlite3_finalize(p->st[i]);
	free(p);
}

static void *
port_prepare(struct store *s)
{
	struct port *p;
	int i;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		log_warn("%s: calloc", __func__);
		return NULL;
	}
	p->s = s;
	for (i = 0; i < PST__COUNT; i++)
		if (store_prepare(s, port_sql[i], &p->st[i]) == -1) {
			port_finish(p);
			return NULL;
		}
	return p;
}

/* A record of type (its object id member is obj). */
static enum agg_ingest
obj_ingest(struct store *s, struct port *p, const struct store_rec *rec,
    const char *type, const char *obj)
{
	struct json_object *o;
	sqlite3_stmt *st;
	const char *id, *oid;
	char *raw, *base;
	int64_t t;
	enum agg_ingest r;

	if (app_need_str(s, rec, PF_ID, "id", &id) != AGG_STORED ||
	    app_need_str(s, rec, PF_OBJ, obj, &oid) != AGG_STORED ||
	    app_need_i64(s, rec, PF_T_NS, "t_ns", &t) != AGG_STORED)
		return AGG_SKIPPED;
	st = store_reset(p->st[PST_GET]);
	store_bind_str(st, 1, rec->node);
	store_bind_str(st, 2, id);
	store_bind_str(st, 3, type);
	if ((r = app_supersede(s, st, store_rec_obj(rec), t, &o, &raw, &base)) !=
	    AGG_STORED)
		return r;
	st = store_reset(p->st[PST_PUT]);
	store_bind_str(st, 1, rec->node);
	store_bind_str(st, 2, id);
	store_bind_str(st, 3, type);
	store_bind_str(st, 4, oid);
	store_bind_i64(st, 5, app_i64(o, "last_ns"));
	sqlite3_bind_int64(st, 6, t);
	sqlite3_bind_text(st, 7, raw, -1, free);
	sqlite3_bind_int64(st, 8, store_now(s));
	sqlite3_bind_text(st, 9, base, -1, free);
	r = store_done(s, st, type) == -1 ? AGG_ERROR : AGG_STORED;
	json_object_put(o);
	return r;
}

static enum agg_ingest
port_ingest(struct store *s, void *arg, const struct store_rec *rec)
{
	return obj_ingest(s, arg, rec, "port", "port_id");
}

static enum agg_ingest
network_ingest(struct store *s, void *arg, const struct store_rec *rec)
{
	return obj_ingest(s, arg, rec, "network", "network_id");
}

static enum agg_ingest
subnet_ingest(struct store *s, void *arg, const struct store_rec *rec)
{
	return obj_ingest(s, arg, rec, "subnet", "subnet_id");
}

static enum agg_ingest
router_ingest(struct store *s, void *arg, const struct store_rec *rec)
{
	return obj_ingest(s, arg, rec, "router", "router_id");
}

/*
 * Every object of type, each its reports merged (newest first, nulls
 * filled from older ones), into a new array of the merged objects.
 */
static struct json_object *
merged(struct store *s, const char *type, const char **err)
{
	struct json_object *arr, *cur = NULL, *o;
	struct port *p;
	sqlite3_stmt *st;
	const char *oid, *raw;
	char *id = NULL;
	int r;

	*err = NULL;
	if ((p = store_kind_state(s, &agg_kind_port)) == NULL) {
		*err = store_err(s, "store: no port kind");
		return NULL;
	}
	arr = json_object_new_array();
	st = store_reset(p->st[PST_ALL]);
	store_bind_str(st, 1, type);
	while ((r = store_row(s, st, type)) == 1) {
		oid = (const char *)sqlite3_column_text(st, 0);
		raw = (const char *)sqlite3_column_text(st, 1);
		if (oid == NULL || raw == NULL ||
		    (o = json_tokener_parse(raw)) == NULL)
			continue;
		if (id == NULL || strcmp(id, oid) != 0) {
			if (cur != NULL)
				json_object_array_add(arr, cur);
			free(id);
			id = strdup(oid);
			cur = o;
			continue;
		}
		app_fill_in(cur, o);
		json_object_put(o);
	}
	sqlite3_reset(st);
	if (cur != NULL)
		json_object_array_add(arr, cur);
	free(id);
	if (r == -1) {
		json_object_put(arr);
		*err = store_err(s, "store: %s", sqlite3_errmsg(store_db(s)));
		return NULL;
	}
	return arr;
}

/* A new object of obj's members keys (null where it has none). */
static struct json_object *
pick(struct json_object *obj, const char *const *keys)
{
	struct json_object *o = json_object_new_object();
	size_t i;

	for (i = 0; keys[i] != NULL; i++)
		json_object_object_add(o, keys[i], app_copy(obj, keys[i]));
	return o;
}

static int
gone(struct json_object *o, const char *status_word)
{
	const char *st = app_str(o, "status");

	return app_bool(o, "deleted") == 1 ||
	    (st != NULL && strcmp(st, status_word) == 0);
}

static int
streq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

struct json_object *
store_q_ports(struct store *s, const struct port_filter *f, const char **err)
{
	static const char *const keys[] = { "port_id", "mac", "ips",
	    "device_id", "host", "status", NULL };
	static const struct port_filter none;
	struct json_object *all, *arr, *o, *ips;
	size_t i;

	if (f == NULL)
		f = &none;
	if ((all = merged(s, "port", err)) == NULL)
		return NULL;
	arr = json_object_new_array();
	for (i = 0; i < json_object_array_length(all); i++) {
		o = json_object_array_get_idx(all, i);
		if ((f->live && gone(o, "DELETED")) ||
		    (f->device != NULL && !streq(app_str(o, "device_id"),
		    f->device)) ||
		    (f->host != NULL && !streq(app_str(o, "host"), f->host)) ||
		    (f->network != NULL && !streq(app_str(o, "network_id"),
		    f->network)))
			continue;
		o = pick(o, keys);
		/* ips is an array, empty rather than null. */
		if ((ips = app_get(o, "ips")) == NULL ||
		    !json_object_is_type(ips, json_type_array))
			json_object_object_add(o, "ips", json_object_new_array());
		json_object_array_add(arr, o);
	}
	json_object_put(all);
	return arr;
}

struct json_object *
store_q_networks(struct store *s, const char **err)
{
	static const char *const keys[] = { "network_id", "name", "status",
	    "network_type", "physical_network", "segmentation_id", "mtu",
	    "external", "shared", NULL };
	static const char *const skeys[] = { "subnet_id", "name", "cidr",
	    "gateway_ip", "ip_version", "enable_dhcp", NULL };
	struct json_object *nets, *subs, *ports, *arr, *n, *o, *sa, *x;
	size_t i, j;
	int64_t nports;

	if ((nets = merged(s, "network", err)) == NULL)
		return NULL;
	if ((subs = merged(s, "subnet", err)) == NULL) {
		json_object_put(nets);
		return NULL;
	}
	if ((ports = merged(s, "port", err)) == NULL) {
		json_object_put(nets);
		json_object_put(subs);
		return NULL;
	}
	arr = json_object_new_array();
	for (i = 0; i < json_object_array_length(nets); i++) {
		n = json_object_array_get_idx(nets, i);
		if (gone(n, "DELETED"))
			continue;
		o = pick(n, keys);
		sa = json_object_new_array();
		for (j = 0; j < json_object_array_length(subs); j++) {
			x = json_object_array_get_idx(subs, j);
			if (streq(app_str(x, "network_id"),
			    app_str(n, "network_id")) && !gone(x, "DELETED"))
				json_object_array_add(sa, pick(x, skeys));
		}
		json_object_object_add(o, "subnets", sa);
		for (j = 0, nports = 0; j < json_object_array_length(ports); j++) {
			x = json_object_array_get_idx(ports, j);
			nports += streq(app_str(x, "network_id"),
			    app_str(n, "network_id")) && !gone(x, "DELETED");
		}
		json_object_object_add(o, "ports", json_object_new_int64(nports));
		json_object_array_add(arr, o);
	}
	json_object_put(nets);
	json_object_put(subs);
	json_object_put(ports);
	return arr;
}

struct json_object *
store_q_routers(struct store *s, const char **err)
{
	static const char *const keys[] = { "router_id", "name", "status",
	    "external_network_id", "gateway_ips", "interfaces", NULL };
	struct json_object *all, *arr, *o;
	size_t i;

	if ((all = merged(s, "router", err)) == NULL)
		return NULL;
	arr = json_object_new_array();
	for (i = 0; i < json_object_array_length(all); i++) {
		o = json_object_array_get_idx(all, i);
		if (!gone(o, "DELETED"))
			json_object_array_add(arr, pick(o, keys));
	}
	json_object_put(all);
	return arr;
}

static int
port_status(struct store *s, void *arg, struct json_object *o)
{
	struct port *p = arg;
	sqlite3_stmt *st = store_reset(p->st[PST_STATUS]);

	if (store_row(s, st, "status") != 1) {
		sqlite3_reset(st);
		return -1;
	}
	json_object_object_add(o, "ports",
	    json_object_new_int64(sqlite3_column_int64(st, 0)));
	json_object_object_add(o, "networks",
	    json_object_new_int64(sqlite3_column_int64(st, 1)));
	json_object_object_add(o, "routers",
	    json_object_new_int64(sqlite3_column_int64(st, 2)));
	sqlite3_reset(st);
	return 0;
}

/*
 * /metrics: the ports not deleted by Neutron's status, the networks
 * and routers: no per-port series.
 */
static int
port_metrics(struct store *s, void *arg, struct prom *p)
{
	struct port_filter f = { .live = 1 };
	struct app_tally t;
	struct json_object *arr, *nets, *rts;
	const char *err;
	size_t i;

	(void)arg;
	if ((arr = store_q_ports(s, &f, &err)) == NULL)
		return -1;
	if ((nets = store_q_networks(s, &err)) == NULL) {
		json_object_put(arr);
		return -1;
	}
	if ((rts = store_q_routers(s, &err)) == NULL) {
		json_object_put(arr);
		json_object_put(nets);
		return -1;
	}
	memset(&t, 0, sizeof(t));
	for (i = 0; i < json_object_array_length(arr); i++)
		app_tally_add(&t, app_str(json_object_array_get_idx(arr, i),
		    "status"), NULL, 1);
	prom_family(p, "strata_ports", PROM_GAUGE,
	    "Neutron ports (not deleted), by status.");
	app_tally_write(&t, p, "strata_ports", "status", NULL);
	prom_one(p, "strata_networks", PROM_GAUGE,
	    "Neutron networks (not deleted).",
	    (double)json_object_array_length(nets));
	prom_one(p, "strata_routers", PROM_GAUGE,
	    "Neutron routers (not deleted).",
	    (double)json_object_array_length(rts));
	app_tally_free(&t);
	json_object_put(arr);
	json_object_put(nets);
	json_object_put(rts);
	return 0;
}

/* Its page: aggregator/kinds/port/web/ (docs/http.md). */
static const struct agg_web port_web = {
	.title = "Ports",
	.list = "ports.html",
	.item = NULL,
};

static const struct agg_record port_records[] = {
	{ "port", port_fields, port_ingest, NULL },
	{ "network", network_fields, network_ingest, NULL },
	{ "subnet", subnet_fields, subnet_ingest, NULL },
	{ "router", router_fields, router_ingest, NULL },
	{ NULL, NULL, NULL, NULL }
};

extern const struct ctl_cmd *const port_cmds[];

const struct agg_kind agg_kind_port = {
	.name = "port",
	.records = port_records,
	.schema = port_schema,
	.prepare = port_prepare,
	.finish = port_finish,
	.status = port_status,
	.cmds = port_cmds,
	.metrics = port_metrics,
	.web = &port_web,
};
