/*
 * kind.c: the ovs kind on the aggregator's side: each node's Open vSwitch
 * summaries (docs/records.md, "Open vSwitch"): the latency histograms of
 * every window per bridge, port and path or component (ovs_latency), the
 * flow and upcall counts per bridge (ovs_flows), the handler threads'
 * batches (ovs_handlers), the port map from the OVSDB (ovs_port), the
 * sampled packets of each window (ovs_samples: by hash, what the same
 * packet did on two nodes; ovs_vm2vm.c), and the alerts ovs.latency_high
 * and ovs.upcall_storm, which ovs.latency_ok and ovs.upcall_calm resolve.
 * A window is one row per (node, bridge, port, path, start), a sample one
 * row per (node, hash, dir, t_ns, port): a record sent twice is the same
 * rows; the queries merge the windows (ovs_query.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <json-c/json.h>

#include "log.h"
#include "kind.h"
#include "app_kind.h"
#include "loghist.h"
#include "ovs_store.h"
#include "prom.h"

static const char ovs_schema_v1[] =
	"CREATE TABLE IF NOT EXISTS ovs_hist ("
	"  node            TEXT NOT NULL,"
	"  bridge          TEXT NOT NULL,"
	"  port            TEXT NOT NULL,"
	"  path            TEXT NOT NULL,"	/* fast, slow, total, a component */
	"  start_ns        INTEGER NOT NULL,"
	"  end_ns          INTEGER NOT NULL,"
	"  count           INTEGER NOT NULL,"
	"  max_ns          INTEGER NOT NULL,"
	"  buckets         TEXT NOT NULL,"	/* [[bucket, count], ...] */
	"  PRIMARY KEY (node, bridge, port, path, start_ns)"
	") WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS ovs_hist_end ON ovs_hist (end_ns);"
	"CREATE TABLE IF NOT EXISTS ovs_flows ("
	"  node            TEXT NOT NULL,"
	"  bridge          TEXT NOT NULL,"
	"  start_ns        INTEGER NOT NULL,"
	"  end_ns          INTEGER NOT NULL,"
	"  upcalls         INTEGER NOT NULL,"
	"  installs        INTEGER NOT NULL,"
	"  deletes         INTEGER NOT NULL,"
	"  reconfigurations INTEGER NOT NULL,"
	"  lost            INTEGER NOT NULL,"
	"  PRIMARY KEY (node, bridge, start_ns)"
	") WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS ovs_handlers ("
	"  node            TEXT NOT NULL,"
	"  start_ns        INTEGER NOT NULL,"
	"  end_ns          INTEGER NOT NULL,"
	"  raw             TEXT NOT NULL,"
	"  PRIMARY KEY (node, start_ns)"
	") WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS ovs_ports ("
	"  node            TEXT NOT NULL,"
	"  bridge          TEXT NOT NULL,"
	"  port            TEXT NOT NULL,"
	"  t_ns            INTEGER NOT NULL,"
	"  ofport          INTEGER,"
	"  iface_id        TEXT,"		/* the Neutron port id */
	"  attached_mac    TEXT,"
	"  vm_uuid         TEXT,"
	"  mac             TEXT,"
	"  present         INTEGER NOT NULL,"
	"  PRIMARY KEY (node, bridge, port)"
	") WITHOUT ROWID;";

/* Version 2: the sampled packets (ovs_samples records), one row each. */
static const char ovs_schema_v2[] =
	"CREATE TABLE IF NOT EXISTS ovs_samples ("
	"  node            TEXT NOT NULL,"
	"  t_ns            INTEGER NOT NULL,"	/* the node's trace clock */
	"  hash            TEXT NOT NULL,"	/* pkt_hash, 16 hex digits */
	"  dir             TEXT NOT NULL,"	/* in (from port), out (to port) */
	"  bridge          TEXT NOT NULL,"
	"  port            TEXT NOT NULL,"
	"  PRIMARY KEY (node, hash, dir, t_ns, port)"
	") WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS ovs_samples_hash ON ovs_samples (hash);"
	"CREATE INDEX IF NOT EXISTS ovs_samples_t ON ovs_samples (node, t_ns);";

static const char *const ovs_schema[] = {
	ovs_schema_v1,
	ovs_schema_v2,
	NULL
};

static const char *const ovs_sql[OST__COUNT] = {
	[OST_HIST_PUT] =
	    "INSERT OR REPLACE INTO ovs_hist (node, bridge, port, path, "
	    "start_ns, end_ns, count, max_ns, buckets) VALUES (?1, ?2, ?3, ?4, "
	    "?5, ?6, ?7, ?8, ?9)",
	[OST_FLOWS_PUT] =
	    "INSERT OR REPLACE INTO ovs_flows (node, bridge, start_ns, end_ns, "
	    "upcalls, installs, deletes, reconfigurations, lost) VALUES (?1, "
	    "?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[OST_HANDLERS_PUT] =
	    "INSERT OR REPLACE INTO ovs_handlers (node, start_ns, end_ns, raw) "
	    "VALUES (?1, ?2, ?3, ?4)",
	[OST_PORT_GET] =
	    "SELECT t_ns FROM ovs_ports WHERE node = ?1 AND bridge = ?2 AND "
	    "port = ?3",
	[OST_PORT_PUT] =
	    "INSERT OR REPLACE INTO ovs_ports (node, bridge, port, t_ns, "
	    "ofport, iface_id, attached_mac, vm_uuid, mac, present) VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[OST_LATENCY] =
	    "SELECT node, bridge, port, path, max_ns, buckets FROM ovs_hist "
	    "WHERE path IN ('fast', 'slow', 'total') AND (?1 IS NULL OR node = "
	    "?1) AND (?2 IS NULL OR bridge = ?2) AND (?3 IS NULL OR port = ?3) "
	    "AND end_ns > ?4 ORDER BY node, bridge, port, path",
	[OST_HIST] =
	    "SELECT bridge, max_ns, buckets, start_ns, end_ns FROM ovs_hist "
	    "WHERE node = ?1 AND port = ?2 AND path = ?3 AND end_ns > ?4 "
	    "ORDER BY bridge",
	[OST_FLOWS] =
	    "SELECT node, bridge, min(start_ns), max(end_ns), sum(upcalls), "
	    "sum(installs), sum(deletes), sum(reconfigurations), sum(lost) "
	    "FROM ovs_flows WHERE (?1 IS NULL OR node = ?1) AND (?2 IS NULL OR "
	    "bridge = ?2) AND end_ns > ?3 GROUP BY node, bridge ORDER BY node, "
	    "bridge",
	[OST_PORTS] =
	    "SELECT node, bridge, port, ofport, iface_id, attached_mac, "
	    "vm_uuid, mac, present, t_ns FROM ovs_ports ORDER BY node, bridge, "
	    "port",
	[OST_STATUS] =
	    "SELECT (SELECT count(*) FROM ovs_ports WHERE present), "
	    "(SELECT count(*) FROM (SELECT DISTINCT node, bridge FROM "
	    "ovs_flows)), (SELECT count(*) FROM ovs_hist)",
	/* Windows OVS_KEEP_NS older than the node's newest go. */
	[OST_PRUNE_HIST] =
	    "DELETE FROM ovs_hist WHERE node = ?1 AND end_ns < "
	    "(SELECT max(end_ns) FROM ovs_hist WHERE node = ?1) - ?2",
	[OST_PRUNE_FLOWS] =
	    "DELETE FROM ovs_flows WHERE node = ?1 AND end_ns < "
	    "(SELECT max(end_ns) FROM ovs_flows WHERE node = ?1) - ?2",
	[OST_PRUNE_HANDLERS] =
	    "DELETE FROM ovs_handlers WHERE node = ?1 AND end_ns < "
	    "(SELECT max(end_ns) FROM ovs_handlers WHERE node = ?1) - ?2",
	[OST_SAMPLE_PUT] =
	    "INSERT OR IGNORE INTO ovs_samples (node, t_ns, hash, dir, bridge, "
	    "port) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	/* Samples OVS_SAMPLES_KEEP_NS older than the node's newest go. */
	[OST_PRUNE_SAMPLES] =
	    "DELETE FROM ovs_samples WHERE node = ?1 AND t_ns < "
	    "(SELECT max(t_ns) FROM ovs_samples WHERE node = ?1) - ?2",
	/* The newest sample of any node, each node's found by its index. */
	[OST_SAMPLES_NEWEST] =
	    "SELECT max((SELECT max(t_ns) FROM ovs_samples WHERE node = "
	    "n.name)) FROM nodes n",
	/*
	 * Pairs of one packet: in from a port on one node, out to a port on
	 * another, later on the aggregator's clock by less than ?4.  The
	 * CROSS JOIN keeps the plan (the 'in' side, then its hash) whatever
	 * the statistics say.
	 */
	[OST_VM2VM] =
	    "SELECT sn, sb, sp, dn, db, dp, lat FROM (SELECT a.node AS sn, "
	    "a.bridge AS sb, a.port AS sp, b.node AS dn, b.bridge AS db, "
	    "b.port AS dp, (b.t_ns - coalesce((SELECT clock_offset_ns FROM "
	    "nodes WHERE name = b.node), 0)) - (a.t_ns - coalesce((SELECT "
	    "clock_offset_ns FROM nodes WHERE name = a.node), 0)) AS lat "
	    "FROM ovs_samples a CROSS JOIN ovs_samples b ON b.hash = a.hash "
	    "AND b.dir = 'out' AND b.node != a.node "
	    "WHERE a.dir = 'in' AND a.t_ns > ?3 AND (?1 IS NULL OR a.node = "
	    "?1) AND (?2 IS NULL OR b.node = ?2)) WHERE lat >= 0 AND lat < ?4 "
	    "ORDER BY sn, sp, dn, dp, sb, db LIMIT ?5",
	[OST_PORT_VM] =
	    "SELECT vm_uuid, iface_id FROM ovs_ports WHERE node = ?1 AND "
	    "bridge = ?2 AND port = ?3 AND present",
};

/*
 * How long a node's windows are kept, from its newest (the views merge
 * what is kept, or what ends after since:); a node sends windows every
 * ovs.summary_s, forever, and the store would grow without bound.
 */
#define OVS_KEEP_NS		(6 * 3600 * 1000000000LL)
/* Samples are many more, and `ovs vm2vm` reads an hour at most. */
#define OVS_SAMPLES_KEEP_NS	(3600 * 1000000000LL)

struct ovs_kind {
	struct store	*s;
	sqlite3_stmt	*st[OST__COUNT];
	int		 touched;	/* windows or samples in this batch */
	int		 capped;	/* ovs vm2vm hit its cap (logged once) */
	char		 subject[300];	/* the alert hook's subject id */
};

extern const struct agg_kind agg_kind_ovs;

struct ovs_kind *
ovs_state(struct store *s, const char **err)
{
	struct ovs_kind *k;

	if ((k = store_kind_state(s, &agg_kind_ovs)) == NULL)
		*err = store_err(s, "store: no ovs kind");
	return k;
}

sqlite3_stmt *
ovs_stmt(struct ovs_kind *k, int which)
{
	return store_reset(k->st[which]);
}

/* Whether this is the first time `ovs vm2vm` hit its cap. */
int
ovs_cap_first(struct ovs_kind *k)
{
	if (k->capped)
		return 0;
	k->capped = 1;
	return 1;
}

static void
ovs_finish(void *arg)
{
	struct ovs_kind *k = arg;
	int i;

	if (k == NULL)
		return;
	for (i = 0; i < OST__COUNT; i++)
		sqlite3_finalize(k->st[i]);
	free(k);
}

static void *
ovs_prepare(struct store *s)
{
	struct ovs_kind *k;
	int i;

	if ((k = calloc(1, sizeof(*k))) == NULL) {
		log_warn("%s: calloc", __func__);
		return NULL;
	}
	k->s = s;
	for (i = 0; i < OST__COUNT; i++)
		if (store_prepare(s, ovs_sql[i], &k->st[i]) == -1) {
			ovs_finish(k);
			return NULL;
		}
	return k;
}

static int
prune(struct store *s, struct ovs_kind *k, int which, const char *node,
    int64_t keep)
{
	sqlite3_stmt *st = ovs_stmt(k, which);

	store_bind_str(st, 1, node);
	sqlite3_bind_int64(st, 2, keep);
	return store_done(s, st, "ovs prune");
}

/*
 * After a batch with windows, the node's windows past OVS_KEEP_NS go, and
 * its samples past OVS_SAMPLES_KEEP_NS.
 */
static int
ovs_after_batch(struct store *s, void *arg, const char *node)
{
	struct ovs_kind *k = arg;
	int q;

	if (!k->touched)
		return 0;
	for (q = OST_PRUNE_HIST; q <= OST_PRUNE_HANDLERS; q++)
		if (prune(s, k, q, node, OVS_KEEP_NS) == -1)
			return -1;
	return prune(s, k, OST_PRUNE_SAMPLES, node, OVS_SAMPLES_KEEP_NS);
}

static void
ovs_batch_end(void *arg)
{
	((struct ovs_kind *)arg)->touched = 0;
}

/* A window's bounds: present, start before end, both times a node may send. */
static enum agg_ingest
window_of(struct store *s, const struct store_rec *rec, int fs, int fe,
    int64_t *start, int64_t *end)
{
	if (app_need_i64(s, rec, fs, "start_ns", start) != AGG_STORED ||
	    app_need_i64(s, rec, fe, "end_ns", end) != AGG_STORED)
		return AGG_SKIPPED;
	if (!store_time_ok(s, *start) || !store_time_ok(s, *end) ||
	    *end < *start)
		return store_skip(s, SKIP_OUT_OF_RANGE, rec, "start_ns/end_ns");
	return AGG_STORED;
}

/* ovs_latency: bridge, components, end_ns, id, paths, port, start_ns. */
enum lat_f { LF_BRIDGE, LF_COMPONENTS, LF_END, LF_ID, LF_PATHS, LF_PORT,
    LF_START };
static const char *const latency_fields[] = {
	"bridge", "components", "end_ns", "id", "paths", "port", "start_ns",
	NULL
};

/* One histogram object {count, max_us, buckets} into a row. */
static enum agg_ingest
hist_put(struct store *s, struct ovs_kind *k, const struct store_rec *rec,
    const char *bridge, const char *port, const char *path, int64_t start,
    int64_t end, struct json_object *h)
{
	struct json_object *b, *m;
	struct loghist lh;
	sqlite3_stmt *st;
	double max_us;

	if (!json_object_is_type(h, json_type_object) ||
	    !json_object_object_get_ex(h, "buckets", &b) ||
	    !json_object_object_get_ex(h, "max_us", &m) ||
	    (!json_object_is_type(m, json_type_double) &&
	    !json_object_is_type(m, json_type_int)))
		return store_skip(s, SKIP_BAD_FIELD, rec, path);
	max_us = json_object_get_double(m);
	if (!store_ms_ok(max_us / 1000.0))
		return store_skip(s, SKIP_OUT_OF_RANGE, rec, path);
	memset(&lh, 0, sizeof(lh));
	if (lh_add_json(&lh, b, (uint64_t)(max_us * 1000.0)) == -1)
		return store_skip(s, SKIP_BAD_FIELD, rec, path);
	if (lh.count == 0)
		return AGG_STORED;
	k->touched = 1;
	st = ovs_stmt(k, OST_HIST_PUT);
	store_bind_str(st, 1, rec->node);
	store_bind_str(st, 2, bridge);
	store_bind_str(st, 3, port);
	store_bind_str(st, 4, path);
	sqlite3_bind_int64(st, 5, start);
	sqlite3_bind_int64(st, 6, end);
	sqlite3_bind_int64(st, 7, (int64_t)lh.count);
	sqlite3_bind_int64(st, 8, (int64_t)lh.max);
	store_bind_str(st, 9, json_object_to_json_string_ext(b,
	    JSON_C_TO_STRING_PLAIN));
	return store_done(s, st, "ovs_hist") == -1 ? AGG_ERROR : AGG_STORED;
}

static enum agg_ingest
latency_ingest(struct store *s, void *arg, const struct store_rec *rec)
{
	struct ovs_kind *k = arg;
	struct json_object *paths = rec->v[LF_PATHS];
	struct json_object *comps = rec->v[LF_COMPONENTS];
	const char *bridge, *port, *id;
	int64_t start, end;
	enum agg_ingest r;
	char cname[80];

	if (app_need_str(s, rec, LF_ID, "id", &id) != AGG_STORED ||
	    app_need_str(s, rec, LF_BRIDGE, "bridge", &bridge) != AGG_STORED ||
	    app_need_str(s, rec, LF_PORT, "port", &port) != AGG_STORED ||
	    (r = window_of(s, rec, LF_START, LF_END, &start, &end)) !=
	    AGG_STORED)
		return AGG_SKIPPED;
	if (paths == NULL || !json_object_is_type(paths, json_type_object))
		return store_skip(s, SKIP_BAD_FIELD, rec, "paths");
	json_object_object_foreach(paths, pk, pv) {
		if (strcmp(pk, "fast") != 0 && strcmp(pk, "slow") != 0 &&
		    strcmp(pk, "total") != 0)
			continue;
		if ((r = hist_put(s, k, rec, bridge, port, pk, start, end, pv)) !=
		    AGG_STORED)
			return r;
	}
	if (comps != NULL && json_object_is_type(comps, json_type_object)) {
		json_object_object_foreach(comps, ck, cv) {
			/* Components are stored as "c:NAME", apart from paths. */
			snprintf(cname, sizeof(cname), "c:%.70s", ck);
			if ((r = hist_put(s, k, rec, bridge, port, cname, start,
			    end, cv)) != AGG_STORED)
				return r;
		}
	}
	return AGG_STORED;
}

/* ovs_flows. */
enum flows_f { FF_BRIDGE, FF_DELETES, FF_END, FF_ID, FF_INSTALLS, FF_LOST,
    FF_RECONF, FF_START, FF_UPCALLS };
static const char *const flows_fields[] = {
	"bridge", "deletes", "end_ns", "id", "installs", "lost",
	"reconfigurations", "start_ns", "upcalls", NULL
};

static enum agg_ingest
flows_ingest(struct store *s, void *arg, const struct store_rec *rec)
{
	static const int cnt[] = { FF_UPCALLS, FF_INSTALLS, FF_DELETES,
	    FF_RECONF, FF_LOST };
	static const char *const cname[] = { "upcalls", "installs", "deletes",
	    "reconfigurations", "lost" };
	struct ovs_kind *k = arg;
	const char *bridge, *id;
	int64_t start, end, v[5];
	sqlite3_stmt *st;
	unsigned i;

	if (app_need_str(s, rec, FF_ID, "id", &id) != AGG_STORED ||
	    app_need_str(s, rec, FF_BRIDGE, "bridge", &bridge) != AGG_STORED ||
	    window_of(s, rec, FF_START, FF_END, &start, &end) != AGG_STORED)
		return AGG_SKIPPED;
	for (i = 0; i < 5; i++) {
		if (i == 4 && rec->v[cnt[i]] == NULL) {
			v[i] = 0;
			continue;
		}
		if (app_need_i64(s, rec, cnt[i], cname[i], &v[i]) != AGG_STORED)
			return AGG_SKIPPED;
		if (v[i] < 0 || v[i] > (int64_t)1 << 48)
			return store_skip(s, SKIP_OUT_OF_RANGE, rec, cname[i]);
	}
	k->touched = 1;
	st = ovs_stmt(k, OST_FLOWS_PUT);
	store_bind_str(st, 1, rec->node);
	store_bind_str(st, 2, bridge);
	sqlite3_bind_int64(st, 3, start);
	sqlite3_bind_int64(st, 4, end);
	for (i = 0; i < 5; i++)
		sqlite3_bind_int64(st, 5 + (int)i, v[i]);
	return store_done(s, st, "ovs_flows") == -1 ? AGG_ERROR : AGG_STORED;
}

/* ovs_handlers: kept as sent. */
enum hand_f { HF_END, HF_ID, HF_START };
static const char *const handlers_fields[] = {
	"end_ns", "id", "start_ns", NULL
};

static enum agg_ingest
handlers_ingest(struct store *s, void *arg, const struct store_rec *rec)
{
	struct ovs_kind *k = arg;
	const char *id;
	int64_t start, end;
	sqlite3_stmt *st;

	if (app_need_str(s, rec, HF_ID, "id", &id) != AGG_STORED ||
	    window_of(s, rec, HF_START, HF_END, &start, &end) != AGG_STORED)
		return AGG_SKIPPED;
	k->touched = 1;
	st = ovs_stmt(k, OST_HANDLERS_PUT);
	store_bind_str(st, 1, rec->node);
	sqlite3_bind_int64(st, 2, start);
	sqlite3_bind_int64(st, 3, end);
	store_bind_str(st, 4, json_object_to_json_string_ext(store_rec_obj(rec),
	    JSON_C_TO_STRING_PLAIN));
	return store_done(s, st, "ovs_handlers") == -1 ? AGG_ERROR : AGG_STORED;
}

/* ovs_port: the newest row of (node, bridge, port) wins. */
enum port_f { PF_ATT_MAC, PF_BRIDGE, PF_ID, PF_IFACE, PF_MAC, PF_OFPORT,
    PF_PORT, PF_PRESENT, PF_T_NS, PF_VM };
static const char *const port_fields[] = {
	"attached_mac", "bridge", "id", "iface_id", "mac", "ofport", "port",
	"present", "t_ns", "vm_uuid", NULL
};

static enum agg_ingest
port_ingest(struct store *s, void *arg, const struct store_rec *rec)
{
	struct ovs_kind *k = arg;
	const char *bridge, *port, *id;
	int64_t t, ofport;
	sqlite3_stmt *st;
	int r;

	if (app_need_str(s, rec, PF_ID, "id", &id) != AGG_STORED ||
	    app_need_str(s, rec, PF_BRIDGE, "bridge", &bridge) != AGG_STORED ||
	    app_need_str(s, rec, PF_PORT, "port", &port) != AGG_STORED ||
	    app_need_i64(s, rec, PF_T_NS, "t_ns", &t) != AGG_STORED)
		return AGG_SKIPPED;
	st = ovs_stmt(k, OST_PORT_GET);
	store_bind_str(st, 1, rec->node);
	store_bind_str(st, 2, bridge);
	store_bind_str(st, 3, port);
	if ((r = store_row(s, st, "ovs_ports")) == -1)
		return AGG_ERROR;
	if (r == 1 && sqlite3_column_int64(st, 0) > t) {
		sqlite3_reset(st);
		return AGG_DUPLICATE;
	}
	sqlite3_reset(st);
	ofport = store_opt_i64(rec, PF_OFPORT);
	st = ovs_stmt(k, OST_PORT_PUT);
	store_bind_str(st, 1, rec->node);
	store_bind_str(st, 2, bridge);
	store_bind_str(st, 3, port);
	sqlite3_bind_int64(st, 4, t);
	if (ofport >= 0)
		sqlite3_bind_int64(st, 5, ofport);
	store_bind_str(st, 6, store_opt_str(rec, PF_IFACE));
	store_bind_str(st, 7, store_opt_str(rec, PF_ATT_MAC));
	store_bind_str(st, 8, store_opt_str(rec, PF_VM));
	store_bind_str(st, 9, store_opt_str(rec, PF_MAC));
	sqlite3_bind_int(st, 10, rec->v[PF_PRESENT] == NULL ||
	    json_object_get_boolean(rec->v[PF_PRESENT]));
	return store_done(s, st, "ovs_ports") == -1 ? AGG_ERROR : AGG_STORED;
}

/*
 * ovs_samples: [[t_ns, hash, dir, bridge, port], ...] of a window; its
 * dropped count is the agent's to report, not stored.
 */
enum samp_f { SF_END, SF_EVERY, SF_ID, SF_SAMPLES, SF_START };
static const char *const samples_fields[] = {
	"end_ns", "every", "id", "samples", "start_ns", NULL
};

/* An element's string at i: non-empty, or NULL. */
static const char *
elem_str(struct json_object *e, size_t i)
{
	struct json_object *v = json_object_array_get_idx(e, i);

	if (v == NULL || !json_object_is_type(v, json_type_string) ||
	    *json_object_get_string(v) == '\0')
		return NULL;
	return json_object_get_string(v);
}

/* pkt_hash as the analyzer writes it: 16 lowercase hex digits. */
static int
hash_ok(const char *h)
{
	return h != NULL && strlen(h) == 16 &&
	    strspn(h, "0123456789abcdef") == 16;
}

/*
 * One sample into ovs_samples: AGG_STORED (new), AGG_DUPLICATE (stored
 * before), AGG_ERROR, or AGG_SKIPPED with *why when it is malformed.
 */
static enum agg_ingest
sample_put(struct store *s, struct ovs_kind *k, const struct store_rec *rec,
    struct json_object *e, enum store_skip *why)
{
	struct json_object *tv;
	const char *hash, *dir, *bridge, *port;
	sqlite3_stmt *st;
	int64_t t;

	*why = SKIP_BAD_FIELD;
	if (e == NULL || !json_object_is_type(e, json_type_array) ||
	    json_object_array_length(e) != 5)
		return AGG_SKIPPED;
	tv = json_object_array_get_idx(e, 0);
	hash = elem_str(e, 1);
	dir = elem_str(e, 2);
	bridge = elem_str(e, 3);
	port = elem_str(e, 4);
	if (tv == NULL || !json_object_is_type(tv, json_type_int) ||
	    !hash_ok(hash) || dir == NULL || (strcmp(dir, "in") != 0 &&
	    strcmp(dir, "out") != 0) || bridge == NULL || port == NULL)
		return AGG_SKIPPED;
	if (!store_time_ok(s, t = json_object_get_int64(tv))) {
		*why = SKIP_OUT_OF_RANGE;
		return AGG_SKIPPED;
	}
	st = ovs_stmt(k, OST_SAMPLE_PUT);
	store_bind_str(st, 1, rec->node);
	sqlite3_bind_int64(st, 2, t);
	store_bind_str(st, 3, hash);
	store_bind_str(st, 4, dir);
	store_bind_str(st, 5, bridge);
	store_bind_str(st, 6, port);
	if (store_done(s, st, "ovs_samples") == -1)
		return AGG_ERROR;
	return sqlite3_changes(store_db(s)) > 0 ? AGG_STORED : AGG_DUPLICATE;
}

/*
 * The good samples are stored; the bad ones (all of them) count as one
 * skip of the record.  Sent twice: a duplicate.
 */
static enum agg_ingest
samples_ingest(struct store *s, void *arg, const struct store_rec *rec)
{
	struct ovs_kind *k = arg;
	struct json_object *arr = rec->v[SF_SAMPLES];
	enum store_skip why, bad = SKIP__COUNT;
	const char *id;
	int64_t start, end, every;
	unsigned added = 0, dup = 0;
	size_t i;

	if (app_need_str(s, rec, SF_ID, "id", &id) != AGG_STORED ||
	    window_of(s, rec, SF_START, SF_END, &start, &end) != AGG_STORED ||
	    app_need_i64(s, rec, SF_EVERY, "every", &every) != AGG_STORED)
		return AGG_SKIPPED;
	if (every < 1)
		return store_skip(s, SKIP_OUT_OF_RANGE, rec, "every");
	if (arr == NULL || !json_object_is_type(arr, json_type_array))
		return store_skip(s, SKIP_BAD_FIELD, rec, "samples");
	k->touched = 1;
	for (i = 0; i < json_object_array_length(arr); i++) {
		switch (sample_put(s, k, rec, json_object_array_get_idx(arr, i),
		    &why)) {
		case AGG_STORED:
			added++;
			break;
		case AGG_DUPLICATE:
			dup++;
			break;
		case AGG_SKIPPED:
			if (bad == SKIP__COUNT)
				bad = why;
			break;
		default:
			return AGG_ERROR;
		}
	}
	if (bad != SKIP__COUNT)
		store_skip(s, bad, rec, "samples");
	if (added > 0)
		return AGG_STORED;
	if (dup > 0)
		return AGG_DUPLICATE;
	return bad != SKIP__COUNT ? AGG_SKIPPED : AGG_STORED;
}

static const char *
member_str(struct json_object *v)
{
	if (!json_object_is_type(v, json_type_string) ||
	    *json_object_get_string(v) == '\0')
		return NULL;
	return json_object_get_string(v);
}

/*
 * ovs.latency_high is about a port ("BRIDGE/PORT"), ovs.upcall_storm
 * about a bridge; ovs.latency_ok and ovs.upcall_calm resolve them.
 */
static enum agg_ingest
ovs_alert(struct store *s, void *arg, struct store_alert_in *a)
{
	struct ovs_kind *k = arg;
	struct json_object *bv = store_rec_get(a->rec, "bridge");
	struct json_object *pv = store_rec_get(a->rec, "port");
	const char *bridge = member_str(bv), *port = member_str(pv);
	const char *fired = NULL;

	if (bridge != NULL && port != NULL)
		snprintf(k->subject, sizeof(k->subject), "%s/%s", bridge, port);
	else if (bridge != NULL)
		snprintf(k->subject, sizeof(k->subject), "%s", bridge);
	json_object_put(bv);
	json_object_put(pv);
	if (bridge == NULL)
		return AGG_ALERT_STORE;
	if (strcmp(a->name, "ovs.latency_ok") == 0)
		fired = "ovs.latency_high";
	else if (strcmp(a->name, "ovs.upcall_calm") == 0)
		fired = "ovs.upcall_storm";
	if (fired != NULL) {
		if (store_alert_resolve_named(s, a->rec->node, "ovs", k->subject,
		    fired, a->name) == -1)
			return AGG_ERROR;
		return AGG_STORED;
	}
	a->subject_kind = "ovs";
	a->subject_id = k->subject;
	return AGG_ALERT_STORE;
}

static int
ovs_status(struct store *s, void *arg, struct json_object *o)
{
	struct ovs_kind *k = arg;
	sqlite3_stmt *st = ovs_stmt(k, OST_STATUS);

	if (store_row(s, st, "status") != 1) {
		sqlite3_reset(st);
		return -1;
	}
	json_object_object_add(o, "ovs_ports",
	    json_object_new_int64(sqlite3_column_int64(st, 0)));
	json_object_object_add(o, "ovs_bridges",
	    json_object_new_int64(sqlite3_column_int64(st, 1)));
	json_object_object_add(o, "ovs_windows",
	    json_object_new_int64(sqlite3_column_int64(st, 2)));
	sqlite3_reset(st);
	return 0;
}

/* /metrics: counts only, no per-port series. */
static int
ovs_metrics(struct store *s, void *arg, struct prom *p)
{
	struct ovs_kind *k = arg;
	sqlite3_stmt *st = ovs_stmt(k, OST_STATUS);

	if (store_row(s, st, "metrics") != 1) {
		sqlite3_reset(st);
		return -1;
	}
	prom_one(p, "strata_ovs_ports", PROM_GAUGE,
	    "Open vSwitch interfaces in the OVSDB port maps, all nodes.",
	    (double)sqlite3_column_int64(st, 0));
	prom_one(p, "strata_ovs_bridges", PROM_GAUGE,
	    "Open vSwitch bridges reporting flows, all nodes.",
	    (double)sqlite3_column_int64(st, 1));
	sqlite3_reset(st);
	return 0;
}

static const struct agg_record ovs_records[] = {
	{ "ovs_latency", latency_fields, latency_ingest, NULL },
	{ "ovs_flows", flows_fields, flows_ingest, NULL },
	{ "ovs_handlers", handlers_fields, handlers_ingest, NULL },
	{ "ovs_port", port_fields, port_ingest, NULL },
	{ "ovs_samples", samples_fields, samples_ingest, NULL },
	{ NULL, NULL, NULL, NULL }
};

extern const struct ctl_cmd *const ovs_cmds[];

const struct agg_kind agg_kind_ovs = {
	.name = "ovs",
	.records = ovs_records,
	.schema = ovs_schema,
	.prepare = ovs_prepare,
	.finish = ovs_finish,
	.after_batch = ovs_after_batch,
	.batch_end = ovs_batch_end,
	.alert = ovs_alert,
	.status = ovs_status,
	.cmds = ovs_cmds,
	.metrics = ovs_metrics,
};
