/*
 * ovs_query.c: the ovs kind's queries.  Latencies merge the windows'
 * histograms of each (node, bridge, port, path) and read their
 * percentiles (lib/loghist.c, the analyzer's own buckets); flows sum the
 * windows of each (node, bridge) and divide by the time they cover;
 * locate joins the OVSDB port map with the port kind's Neutron ports.
 */
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <json-c/json.h>

#include "kind.h"
#include "store_kind.h"
#include "loghist.h"
#include "ovs_store.h"
#include "port_store.h"

static struct json_object *
us(uint64_t ns)
{
	return json_object_new_double((double)ns / 1000.0);
}

/* A text column as a JSON string, null for NULL. */
static struct json_object *
col_str(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t != NULL ? json_object_new_string((const char *)t) : NULL;
}

void
ovs_add_pcts(struct json_object *o, const struct loghist *h, int p999)
{
	json_object_object_add(o, "count", json_object_new_int64(
	    (int64_t)h->count));
	json_object_object_add(o, "p50_us", us(lh_quantile(h, 0.50)));
	json_object_object_add(o, "p90_us", us(lh_quantile(h, 0.90)));
	json_object_object_add(o, "p99_us", us(lh_quantile(h, 0.99)));
	if (p999)
		json_object_object_add(o, "p999_us", us(lh_quantile(h, 0.999)));
	json_object_object_add(o, "max_us", us(h->max));
}

/* A row's buckets into h (a malformed stored row is left out). */
static void
merge_row(struct loghist *h, sqlite3_stmt *st, int cmax, int cbuckets)
{
	struct json_object *b;
	const char *txt = (const char *)sqlite3_column_text(st, cbuckets);
	struct loghist one;

	if (txt == NULL || (b = json_tokener_parse(txt)) == NULL)
		return;
	memset(&one, 0, sizeof(one));
	if (lh_add_json(&one, b, (uint64_t)sqlite3_column_int64(st, cmax)) == 0)
		lh_merge(h, &one);
	json_object_put(b);
}

static int
same(const char *a, const unsigned char *b)
{
	return b != NULL && strcmp(a, (const char *)b) == 0;
}

struct json_object *
store_q_ovs_latency(struct store *s, const struct ovs_filter *f,
    const char **err)
{
	struct json_object *arr, *o;
	struct ovs_kind *k;
	struct loghist *h;
	sqlite3_stmt *st;
	char key[4][256];
	int r, have = 0;

	*err = NULL;
	if ((k = ovs_state(s, err)) == NULL)
		return NULL;
	if ((h = calloc(1, sizeof(*h))) == NULL) {
		*err = "out of memory";
		return NULL;
	}
	arr = json_object_new_array();
	st = ovs_stmt(k, OST_LATENCY);
	store_bind_str(st, 1, f->node);
	store_bind_str(st, 2, f->bridge);
	store_bind_str(st, 3, f->port);
	sqlite3_bind_int64(st, 4, f->since_ns);
	for (;;) {
		r = store_row(s, st, "ovs latency");
		if (have && (r != 1 || !same(key[0], sqlite3_column_text(st, 0)) ||
		    !same(key[1], sqlite3_column_text(st, 1)) ||
		    !same(key[2], sqlite3_column_text(st, 2)) ||
		    !same(key[3], sqlite3_column_text(st, 3)))) {
			o = json_object_new_object();
			json_object_object_add(o, "node",
			    json_object_new_string(key[0]));
			json_object_object_add(o, "bridge",
			    json_object_new_string(key[1]));
			json_object_object_add(o, "port",
			    json_object_new_string(key[2]));
			json_object_object_add(o, "path",
			    json_object_new_string(key[3]));
			ovs_add_pcts(o, h, 1);
			json_object_array_add(arr, o);
			lh_clear(h);
			have = 0;
		}
		if (r != 1)
			break;
		if (!have) {
			for (int i = 0; i < 4; i++)
				snprintf(key[i], sizeof(key[i]), "%s",
				    (const char *)sqlite3_column_text(st, i));
			have = 1;
		}
		merge_row(h, st, 4, 5);
	}
	sqlite3_reset(st);
	free(h);
	if (r == -1) {
		json_object_put(arr);
		*err = store_err(s, "store: %s", sqlite3_errmsg(store_db(s)));
		return NULL;
	}
	return arr;
}

/*
 * One histogram: every window of (node, port, path) merged, each bridge
 * with such a port apart; its non-empty buckets with their bounds.
 */
struct json_object *
store_q_ovs_hist(struct store *s, const char *node, const char *port,
    const char *path, int64_t since_ns, const char **err)
{
	struct json_object *res, *bs, *b;
	struct ovs_kind *k;
	struct loghist *h;
	sqlite3_stmt *st;
	char cpath[80], bridge[256] = "";
	int64_t first = 0, last = 0;
	unsigned i;
	int r, n = 0;

	*err = NULL;
	if ((k = ovs_state(s, err)) == NULL)
		return NULL;
	if (strcmp(path, "fast") == 0 || strcmp(path, "slow") == 0 ||
	    strcmp(path, "total") == 0)
		snprintf(cpath, sizeof(cpath), "%s", path);
	else
		snprintf(cpath, sizeof(cpath), "c:%.70s", path);
	if ((h = calloc(1, sizeof(*h))) == NULL) {
		*err = "out of memory";
		return NULL;
	}
	st = ovs_stmt(k, OST_HIST);
	store_bind_str(st, 1, node);
	store_bind_str(st, 2, port);
	store_bind_str(st, 3, cpath);
	sqlite3_bind_int64(st, 4, since_ns);
	while ((r = store_row(s, st, "ovs hist")) == 1) {
		/* The first bridge with this port name; others are counted. */
		if (bridge[0] == '\0')
			snprintf(bridge, sizeof(bridge), "%s",
			    (const char *)sqlite3_column_text(st, 0));
		else if (!same(bridge, sqlite3_column_text(st, 0))) {
			n++;
			continue;
		}
		merge_row(h, st, 1, 2);
		if (first == 0 || sqlite3_column_int64(st, 3) < first)
			first = sqlite3_column_int64(st, 3);
		if (sqlite3_column_int64(st, 4) > last)
			last = sqlite3_column_int64(st, 4);
	}
	sqlite3_reset(st);
	if (r == -1) {
		free(h);
		*err = store_err(s, "store: %s", sqlite3_errmsg(store_db(s)));
		return NULL;
	}
	if (bridge[0] == '\0') {
		free(h);
		*err = store_err(s, "no %s latency of port %s on node %s", path,
		    port, node);
		return NULL;
	}
	res = json_object_new_object();
	json_object_object_add(res, "node", json_object_new_string(node));
	json_object_object_add(res, "bridge", json_object_new_string(bridge));
	json_object_object_add(res, "port", json_object_new_string(port));
	json_object_object_add(res, "path", json_object_new_string(path));
	ovs_add_pcts(res, h, 1);
	json_object_object_add(res, "since_ns", json_object_new_int64(first));
	json_object_object_add(res, "until_ns", json_object_new_int64(last));
	json_object_object_add(res, "other_bridges", json_object_new_int(n));
	bs = json_object_new_array();
	for (i = 0; i < LH_NBUCKETS; i++) {
		if (h->b[i] == 0)
			continue;
		b = json_object_new_object();
		json_object_object_add(b, "lo_us", us(lh_lo(i)));
		json_object_object_add(b, "hi_us", us(lh_lo(i) + lh_width(i)));
		json_object_object_add(b, "count", json_object_new_int64(h->b[i]));
		json_object_array_add(bs, b);
	}
	json_object_object_add(res, "buckets", bs);
	free(h);
	return res;
}

/* Rates over the time the windows cover, from the first start to the last end. */
struct json_object *
store_q_ovs_flows(struct store *s, const struct ovs_filter *f,
    const char **err)
{
	static const char *const cnt[] = { "upcalls", "installs", "deletes",
	    "reconfigurations" };
	struct json_object *arr, *o;
	struct ovs_kind *k;
	sqlite3_stmt *st;
	int64_t since, until;
	double span;
	int r, i;

	*err = NULL;
	if ((k = ovs_state(s, err)) == NULL)
		return NULL;
	arr = json_object_new_array();
	st = ovs_stmt(k, OST_FLOWS);
	store_bind_str(st, 1, f->node);
	store_bind_str(st, 2, f->bridge);
	sqlite3_bind_int64(st, 3, f->since_ns);
	while ((r = store_row(s, st, "ovs flows")) == 1) {
		since = sqlite3_column_int64(st, 2);
		until = sqlite3_column_int64(st, 3);
		span = until > since ? (double)(until - since) / 1e9 : 0;
		o = json_object_new_object();
		json_object_object_add(o, "node", col_str(st, 0));
		json_object_object_add(o, "bridge", col_str(st, 1));
		for (i = 0; i < 4; i++)
			json_object_object_add(o, cnt[i], json_object_new_int64(
			    sqlite3_column_int64(st, 4 + i)));
		json_object_object_add(o, "upcalls_per_s", json_object_new_double(
		    span > 0 ? (double)sqlite3_column_int64(st, 4) / span : 0));
		json_object_object_add(o, "installs_per_s", json_object_new_double(
		    span > 0 ? (double)sqlite3_column_int64(st, 5) / span : 0));
		json_object_object_add(o, "deletes_per_s", json_object_new_double(
		    span > 0 ? (double)sqlite3_column_int64(st, 6) / span : 0));
		json_object_object_add(o, "since_ns", json_object_new_int64(since));
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

static int
ieq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcasecmp(a, b) == 0;
}

static const char *
jstr(struct json_object *o, const char *k)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* The Neutron port (of the port kind's merged ones) with addr as MAC or IP. */
static int
neutron_has(struct json_object *np, const char *addr)
{
	struct json_object *ips;
	size_t i;

	if (ieq(jstr(np, "mac"), addr))
		return 1;
	if (!json_object_object_get_ex(np, "ips", &ips) ||
	    !json_object_is_type(ips, json_type_array))
		return 0;
	for (i = 0; i < json_object_array_length(ips); i++)
		if (ieq(json_object_get_string(json_object_array_get_idx(ips,
		    i)), addr))
			return 1;
	return 0;
}

static struct json_object *
neutron_by_id(struct json_object *nports, const char *id)
{
	size_t i;

	for (i = 0; id != NULL && nports != NULL &&
	    i < json_object_array_length(nports); i++)
		if (ieq(jstr(json_object_array_get_idx(nports, i), "port_id"),
		    id))
			return json_object_array_get_idx(nports, i);
	return NULL;
}

static struct json_object *
jcopy(struct json_object *o, const char *k)
{
	struct json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, k, &v))
		return NULL;
	return json_object_get(v);
}

static struct json_object *
located(const char *addr, sqlite3_stmt *st, struct json_object *np)
{
	struct json_object *o = json_object_new_object();
	const char *vm;

	json_object_object_add(o, "address", json_object_new_string(addr));
	json_object_object_add(o, "node", st ? col_str(st, 0) :
	    jcopy(np, "host"));
	json_object_object_add(o, "bridge", st ? col_str(st, 1) :
	    NULL);
	json_object_object_add(o, "port", st ? col_str(st, 2) :
	    NULL);
	json_object_object_add(o, "ofport", st && sqlite3_column_type(st, 3) !=
	    SQLITE_NULL ? json_object_new_int64(sqlite3_column_int64(st, 3)) :
	    NULL);
	json_object_object_add(o, "neutron_port_id", np ? jcopy(np, "port_id") :
	    st ? col_str(st, 4) : NULL);
	json_object_object_add(o, "mac", np ? jcopy(np, "mac") :
	    col_str(st, 5));
	json_object_object_add(o, "ips", np ? jcopy(np, "ips") :
	    json_object_new_array());
	/* The instance: Neutron's device, else the OVSDB's vm-uuid. */
	vm = np ? jstr(np, "device_id") : NULL;
	json_object_object_add(o, "instance", vm ? json_object_new_string(vm) :
	    st ? col_str(st, 6) : NULL);
	json_object_object_add(o, "host", np ? jcopy(np, "host") : NULL);
	json_object_object_add(o, "present", st ?
	    json_object_new_boolean(sqlite3_column_int(st, 8)) : NULL);
	return o;
}

/*
 * Where addr (a MAC or an IP) is: every OVS port whose OVSDB row or whose
 * Neutron port (external_ids:iface-id) has it, and the Neutron ports
 * with it no OVS port reported.
 */
struct json_object *
store_q_ovs_locate(struct store *s, const char *addr, const char **err)
{
	struct json_object *arr, *nports, *np, *used;
	struct ovs_kind *k;
	sqlite3_stmt *st;
	const char *iface;
	size_t i;
	int r;

	*err = NULL;
	if ((k = ovs_state(s, err)) == NULL)
		return NULL;
	/* The port kind's map, where there is one (no Neutron: none). */
	if ((nports = store_q_ports(s, NULL, err)) == NULL)
		nports = json_object_new_array();
	*err = NULL;
	used = json_object_new_array();
	arr = json_object_new_array();
	st = ovs_stmt(k, OST_PORTS);
	while ((r = store_row(s, st, "ovs locate")) == 1) {
		iface = (const char *)sqlite3_column_text(st, 4);
		np = neutron_by_id(nports, iface);
		if (!(np != NULL && neutron_has(np, addr)) &&
		    !ieq((const char *)sqlite3_column_text(st, 5), addr) &&
		    !ieq((const char *)sqlite3_column_text(st, 7), addr))
			continue;
		if (np != NULL)
			json_object_array_add(used, json_object_new_string(
			    jstr(np, "port_id")));
		json_object_array_add(arr, located(addr, st, np));
	}
	sqlite3_reset(st);
	if (r == -1) {
		json_object_put(arr);
		json_object_put(nports);
		json_object_put(used);
		*err = store_err(s, "store: %s", sqlite3_errmsg(store_db(s)));
		return NULL;
	}
	for (i = 0; i < json_object_array_length(nports); i++) {
		np = json_object_array_get_idx(nports, i);
		if (!neutron_has(np, addr))
			continue;
		for (r = 0; r < (int)json_object_array_length(used); r++)
			if (ieq(json_object_get_string(json_object_array_get_idx(
			    used, (size_t)r)), jstr(np, "port_id")))
				break;
		if (r == (int)json_object_array_length(used))
			json_object_array_add(arr, located(addr, NULL, np));
	}
	json_object_put(nports);
	json_object_put(used);
	return arr;
}
