/*
 * test_ovs_kind.c: the ovs kind end to end without daemons: the real ovs
 * analyzer (lib/analyzers/ovs/) fed ovs:* events with known latencies on
 * two nodes, its records stored through store_records() as an agent
 * sends them, and the control commands asked (ctl_handle_line): the
 * --json contracts of `ovs` and `ovs flows` member for member, `ovs hist`,
 * `ovs locate` through the port kind's Neutron ports, the alerts
 * ovs.latency_high and ovs.upcall_storm fired and resolved, a batch sent
 * twice stored once, malformed records skipped; `ovs vm2vm` from the
 * ovs_samples records of two nodes with clock offsets.
 */
#define _GNU_SOURCE		/* asprintf */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>
#include <sqlite3.h>

#include "analyzer.h"
#include "loghist.h"
#include "log.h"
#include "ctl.h"
#include "store.h"
#include "store_kind.h"
#include "tap.h"
#include "ctl_harness.h"

extern const struct analyzer_class an_ovs_class;

#define SEC	1000000000ULL
#define MS	1000000ULL
#define US	1000ULL
#define T0	1795634430000000000ULL	/* 2026, a whole second */

static char dir[64];
static struct ctl_env env;

struct node {
	void			*an;
	struct an_conf		*conf;
	struct json_object	*recs;
	char			 name[16];
};

static void
collect(void *arg, struct json_object *rec)
{
	json_object_array_add(((struct node *)arg)->recs, rec);
}

static void
node_open(struct node *n, const char *name)
{
	static const char *const kv[] = { "ovs.summary_s", "1",
	    "ovs.latency_p99_us", "50", "ovs.alert_window_s", "1",
	    "ovs.alert_min_packets", "10", "ovs.upcall_storm_per_s", "100",
	    NULL };
	struct an_host host;
	const char *const *p;

	memset(n, 0, sizeof(*n));
	snprintf(n->name, sizeof(n->name), "%s", name);
	n->recs = json_object_new_array();
	n->conf = an_conf_create();
	for (p = kv; *p != NULL; p += 2)
		an_conf_set(n->conf, p[0], p[1], "test");
	memset(&host, 0, sizeof(host));
	host.node = n->name;
	host.emit = collect;
	host.emit_arg = n;
	n->an = an_ovs_class.create(&host, an_conf_block(n->conf, "ovs"));
}

static void
feed(struct node *n, const char *name, uint64_t t, const char *fmt, ...)
{
	struct ev ev;
	struct ev_plan plan;
	va_list ap;
	const char *f;

	memset(&ev, 0, sizeof(ev));
	ev.name = name;
	ev.t_ns = t;
	ev.vpid = ev.vtid = -1;
	ev.cpu = -1;
	va_start(ap, fmt);
	for (; *fmt; fmt++) {
		f = va_arg(ap, const char *);
		if (*fmt == 's')
			ev_add_str(&ev, f, va_arg(ap, const char *));
		else if (*fmt == 'i')
			ev_add_int(&ev, f, va_arg(ap, int));
		else
			ev_add_uint(&ev, f, va_arg(ap, uint64_t));
	}
	va_end(ap);
	an_plan_from_event(&an_ovs_class, &ev, &plan);
	ev.plan = &plan;
	ev.code = plan.code;
	an_ovs_class.event(n->an, &ev);
}

/* n packets on cpu through port, lat apart, from start, 10 ms apart. */
static void
packets(struct node *n, uint64_t start, int cpu, const char *port,
    uint64_t lat, int count)
{
	uint64_t t;
	int i;

	for (i = 0; i < count; i++) {
		t = start + (uint64_t)i * 10 * MS + (uint64_t)cpu * 1000;
		feed(n, "ovs:dp_entry", t, "siiss", "component", "receive",
		    "cpu", cpu, "tid", 0, "bridge", "br-int", "port", port);
		feed(n, "ovs:dp_entry", t + 1000, "siiss", "component", "lookup",
		    "cpu", cpu, "tid", 0, "bridge", "", "port", "");
		feed(n, "ovs:dp_exit", t + 3000, "sii", "component", "lookup",
		    "cpu", cpu, "tid", 0);
		feed(n, "ovs:dp_exit", t + lat, "sii", "component", "receive",
		    "cpu", cpu, "tid", 0);
	}
}

static void
portmap(struct node *n, uint64_t t, const char *port, const char *iface,
    const char *mac, const char *vm)
{
	feed(n, "ovs:port_map", t, "ssissssi", "bridge", "br-int", "port", port,
	    "ofport", port[3] - '0', "iface_id", iface, "attached_mac", mac,
	    "vm_uuid", vm, "mac", "", "present", 1);
}

static void
node_run(struct node *n)
{
	uint64_t t;
	int i;

	portmap(n, T0, "tap1", "11111111-aaaa-4bbb-8ccc-000000000001",
	    "fa:16:3e:00:00:01", "vm-1");
	portmap(n, T0, "tap2", "", "fa:16:3e:00:00:02", "vm-2");
	an_ovs_class.flush(n->an);
	/* Second 0: tap1 10 us, tap2 100 us (p99 > 50 us: an alert). */
	packets(n, T0, 0, "tap1", 10 * US, 50);
	packets(n, T0, 1, "tap2", 100 * US, 50);
	/* Second 1: both 10 us; 300 upcalls (> 100/s), 30 installs. */
	packets(n, T0 + SEC, 0, "tap1", 10 * US, 50);
	packets(n, T0 + SEC, 1, "tap2", 10 * US, 50);
	for (i = 0; i < 300; i++) {
		t = T0 + SEC + (uint64_t)i * 3 * MS + 500;
		feed(n, "ovs:upcall", t, "iuuss", "cpu", 2, "pkt_hash",
		    (uint64_t)(i + 1), "len", (uint64_t)60, "bridge", "br-int",
		    "port", "tap1");
		if (i % 10 == 0)
			feed(n, "ovs:flow_put", t + 1, "iuss", "handler", -1,
			    "pkt_hash", (uint64_t)0, "bridge", "br-int",
			    "ufid", "u");
	}
	/* Second 2: 10 deletes, 2 reconfigurations, tap1 10 us. */
	for (i = 0; i < 10; i++)
		feed(n, "ovs:flow_del", T0 + 2 * SEC + (uint64_t)i * MS, "isss",
		    "handler", -1, "bridge", "br-int", "ufid", "u", "reason",
		    "idle");
	feed(n, "ovs:reconfigure", T0 + 2 * SEC + 20 * MS, "sss", "what",
	    "port_add", "bridge", "br-int", "port", "tap3");
	feed(n, "ovs:reconfigure", T0 + 2 * SEC + 30 * MS, "sss", "what",
	    "port_del", "bridge", "br-int", "port", "tap3");
	packets(n, T0 + 2 * SEC, 0, "tap1", 10 * US, 50);
	/* Into second 3: the window of second 2 closes. */
	feed(n, "ovs:reconfigure", T0 + 3 * SEC + 1, "sss", "what", "run",
	    "bridge", "br-int", "port", "");
	an_ovs_class.flush(n->an);
}

static const char *
s_at(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) && v ?
	    json_object_get_string(v) : NULL;
}

static double
d_at(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_double(v) :
	    -1;
}

/* The element with members k1 = v1 ... (NULL-ended pairs). */
static struct json_object *
find(struct json_object *arr, ...)
{
	struct json_object *o;
	const char *k, *v, *got;
	va_list ap;
	size_t i;
	int match;

	for (i = 0; arr != NULL && i < json_object_array_length(arr); i++) {
		o = json_object_array_get_idx(arr, i);
		match = 1;
		va_start(ap, arr);
		while ((k = va_arg(ap, const char *)) != NULL) {
			v = va_arg(ap, const char *);
			got = s_at(o, k);
			if (got == NULL || strcmp(got, v) != 0)
				match = 0;
		}
		va_end(ap);
		if (match)
			return o;
	}
	return NULL;
}

static int
in_bucket(double got_us, uint64_t want_ns)
{
	return fabs(got_us * 1000.0 - (double)want_ns) <=
	    (double)lh_width(lh_bucket(want_ns));
}

static int
store(struct node *n)
{
	return store_records(env.store, n->name, n->recs,
	    (int64_t)(T0 + 4 * SEC));
}

static void
test_ovs(void)
{
	struct node a, b;
	struct json_object *r, *o, *bs;
	struct store_batch_counts c;
	size_t i;
	int64_t sum;

	node_open(&a, "cmp1");
	node_open(&b, "cmp2");
	node_run(&a);
	node_run(&b);
	is_int(store(&a), 0, "cmp1's records stored");
	store_last_batch(env.store, &c);
	is_int(c.skipped, 0, "none skipped");
	ok(c.stored > 10, "cmp1: %u records stored", c.stored);
	is_int(store(&b), 0, "cmp2's records stored");

	r = ctl_ask(&env, "{\"cmd\":\"ovs\"}");
	is_int(r ? json_object_array_length(r) : 0, 8,
	    "ovs: 2 nodes x 2 ports x 2 paths (fast, total: no upcall joined, no slow row)");
	o = find(r, "node", "cmp1", "port", "tap2", "path", "fast", NULL);
	ok(json_exactly(o, "node,bridge,port,path,count,p50_us,p90_us,p99_us,"
	    "p999_us,max_us"), "ovs: each element has exactly the contract's members");
	ok(o != NULL && d_at(o, "count") == 100 && d_at(o, "max_us") == 100 &&
	    in_bucket(d_at(o, "p50_us"), 10 * US) &&
	    in_bucket(d_at(o, "p90_us"), 100 * US) &&
	    in_bucket(d_at(o, "p99_us"), 100 * US),
	    "ovs cmp1 tap2 fast: two windows merged (50 of 100 us, 50 of 10 us): p50 10 us, p90 and p99 100 us, max 100 us");
	if (o != NULL && d_at(o, "count") != 100)
		diag("%s", json_object_to_json_string(o));
	o = find(r, "node", "cmp2", "port", "tap1", "path", "total", NULL);
	ok(o != NULL && d_at(o, "count") == 150 &&
	    in_bucket(d_at(o, "p99_us"), 10 * US) && d_at(o, "max_us") == 10,
	    "ovs cmp2 tap1 total: 150 packets of 10 us");
	o = find(r, "node", "cmp1", "port", "tap1", "path", "slow", NULL);
	ok(o == NULL, "no slow row without upcalls joined");
	json_object_put(r);
	r = ctl_ask(&env, "{\"cmd\":\"ovs\",\"args\":{\"node\":\"cmp2\",\"port\":\"tap2\"}}");
	is_int(r ? json_object_array_length(r) : 0, 2, "ovs --node cmp2 --port tap2: its 2 paths");
	json_object_put(r);

	r = ctl_ask(&env, "{\"cmd\":\"ovs hist\",\"args\":{\"node\":\"cmp1\",\"port\":\"tap2\",\"path\":\"fast\"}}");
	bs = r ? json_object_object_get(r, "buckets") : NULL;
	for (i = 0, sum = 0; bs && i < json_object_array_length(bs); i++)
		sum += (int64_t)d_at(json_object_array_get_idx(bs, i), "count");
	ok(r != NULL && d_at(r, "count") == 100 && sum == 100 &&
	    json_object_array_length(bs) == 2 &&
	    d_at(json_object_array_get_idx(bs, 0), "lo_us") <= 10 &&
	    d_at(json_object_array_get_idx(bs, 0), "hi_us") > 10 &&
	    d_at(json_object_array_get_idx(bs, 1), "lo_us") <= 100 &&
	    d_at(json_object_array_get_idx(bs, 1), "hi_us") > 100,
	    "ovs hist cmp1 tap2 fast: two buckets, around 10 us and 100 us, 100 packets");
	json_object_put(r);
	r = ctl_ask(&env, "{\"cmd\":\"ovs hist\",\"args\":{\"node\":\"cmp1\",\"port\":\"tap1\",\"path\":\"lookup\"}}");
	ok(r != NULL && d_at(r, "count") == 150 &&
	    in_bucket(d_at(r, "p50_us"), 2 * US),
	    "ovs hist --path lookup: the lookup component, 2 us");
	json_object_put(r);
	ok(ctl_ask(&env, "{\"cmd\":\"ovs hist\",\"args\":{\"node\":\"cmp1\",\"port\":\"nope\"}}") == NULL,
	    "ovs hist of an unknown port is an error");
	ok(ctl_ask(&env, "{\"cmd\":\"ovs hist\",\"args\":{\"node\":\"cmp1\",\"port\":\"tap1\",\"path\":\"bogus\"}}") == NULL,
	    "ovs hist with a bad path is an error");

	r = ctl_ask(&env, "{\"cmd\":\"ovs flows\"}");
	is_int(r ? json_object_array_length(r) : 0, 2, "ovs flows: one bridge on each node");
	o = find(r, "node", "cmp1", "bridge", "br-int", NULL);
	ok(json_exactly(o, "node,bridge,upcalls,installs,deletes,reconfigurations,"
	    "upcalls_per_s,installs_per_s,deletes_per_s,since_ns"),
	    "ovs flows: each element has exactly the contract's members");
	ok(o != NULL && d_at(o, "upcalls") == 300 && d_at(o, "installs") == 30 &&
	    d_at(o, "deletes") == 10 && d_at(o, "reconfigurations") == 2 &&
	    d_at(o, "upcalls_per_s") == 100 && d_at(o, "installs_per_s") == 10 &&
	    fabs(d_at(o, "deletes_per_s") - 10.0 / 3) < 1e-9 &&
	    (uint64_t)d_at(o, "since_ns") == T0,
	    "ovs flows cmp1 br-int: 300 upcalls, 30 installs, 10 deletes, 2 reconfigurations over 3 s: 100/s, 10/s, 3.33/s since T0");
	if (o != NULL && d_at(o, "upcalls_per_s") != 100)
		diag("%s", json_object_to_json_string(o));
	json_object_put(r);

	r = ctl_ask(&env, "{\"cmd\":\"ovs locate\",\"args\":{\"address\":\"10.0.0.5\"}}");
	o = find(r, "node", "cmp1", NULL);
	ok(r != NULL && json_object_array_length(r) == 2 && o != NULL &&
	    strcmp(s_at(o, "port"), "tap1") == 0 &&
	    strcmp(s_at(o, "neutron_port_id"),
	    "11111111-aaaa-4bbb-8ccc-000000000001") == 0 &&
	    strcmp(s_at(o, "instance"), "inst-0001") == 0 &&
	    strcmp(s_at(o, "mac"), "fa:16:3e:00:00:01") == 0,
	    "ovs locate 10.0.0.5: the Neutron port's IP, on tap1 of both nodes, instance from Neutron");
	if (o == NULL || json_object_array_length(r) != 2)
		diag("%s", r ? json_object_to_json_string(r) : "null");
	json_object_put(r);
	r = ctl_ask(&env, "{\"cmd\":\"ovs locate\",\"args\":{\"address\":\"FA:16:3E:00:00:02\"}}");
	o = find(r, "node", "cmp2", NULL);
	ok(r != NULL && json_object_array_length(r) == 2 && o != NULL &&
	    strcmp(s_at(o, "port"), "tap2") == 0 &&
	    s_at(o, "neutron_port_id") == NULL &&
	    strcmp(s_at(o, "instance"), "vm-2") == 0,
	    "ovs locate by attached-mac (any case): tap2, no Neutron port, instance from vm-uuid");
	json_object_put(r);
	r = ctl_ask(&env, "{\"cmd\":\"ovs locate\",\"args\":{\"address\":\"10.9.9.9\"}}");
	is_int(r ? (int)json_object_array_length(r) : -1, 0, "ovs locate of an unknown address: empty");
	json_object_put(r);

	r = ctl_ask(&env, "{\"cmd\":\"alerts\",\"args\":{\"all\":true}}");
	o = find(r, "node", "cmp1", "name", "ovs.latency_high", NULL);
	ok(o != NULL && strcmp(s_at(o, "state"), "resolved") == 0 &&
	    strcmp(s_at(json_object_object_get(o, "subject"), "id"),
	    "br-int/tap2") == 0 &&
	    strcmp(s_at(json_object_object_get(o, "subject"), "kind"), "ovs") == 0,
	    "ovs.latency_high on cmp1 br-int/tap2, resolved by ovs.latency_ok");
	o = find(r, "node", "cmp1", "name", "ovs.upcall_storm", NULL);
	ok(o != NULL && strcmp(s_at(o, "state"), "resolved") == 0 &&
	    strcmp(s_at(json_object_object_get(o, "subject"), "id"),
	    "br-int") == 0, "ovs.upcall_storm on cmp1 br-int, resolved by ovs.upcall_calm");
	ok(find(r, "name", "ovs.latency_ok", NULL) == NULL &&
	    find(r, "name", "ovs.upcall_calm", NULL) == NULL,
	    "the resolutions are not alerts of their own");
	is_int(r ? json_object_array_length(r) : 0, 4, "4 alerts: 2 per node");
	json_object_put(r);

	/* The same batch again: the same rows. */
	is_int(store(&a), 0, "cmp1's batch sent twice");
	r = ctl_ask(&env, "{\"cmd\":\"ovs flows\",\"args\":{\"node\":\"cmp1\"}}");
	o = find(r, "bridge", "br-int", NULL);
	ok(o != NULL && d_at(o, "upcalls") == 300, "sent twice, counted once");
	json_object_put(r);
	r = ctl_ask(&env, "{\"cmd\":\"alerts\",\"args\":{\"all\":true}}");
	is_int(r ? json_object_array_length(r) : 0, 4, "and no new alert");
	json_object_put(r);

	an_ovs_class.destroy(a.an);
	an_ovs_class.destroy(b.an);
	an_conf_free(a.conf);
	an_conf_free(b.conf);
	json_object_put(a.recs);
	json_object_put(b.recs);
}

static void
test_malformed(void)
{
	struct store_batch_counts c;
	struct json_object *arr;
	char *text;

	if (asprintf(&text, "["
	    "{\"kind\":\"ovs_latency\",\"node\":\"x\",\"id\":\"x/1\",\"t_ns\":%llu,"
	    "\"bridge\":\"b\",\"port\":\"p\",\"start_ns\":%llu,\"end_ns\":%llu,"
	    "\"paths\":{\"fast\":{\"count\":1,\"max_us\":1,\"buckets\":\"x\"}}},"
	    "{\"kind\":\"ovs_latency\",\"node\":\"x\",\"id\":\"x/2\",\"t_ns\":%llu,"
	    "\"bridge\":\"b\",\"port\":\"p\",\"start_ns\":%llu,\"end_ns\":%llu,"
	    "\"paths\":{\"fast\":{\"count\":1,\"max_us\":1,\"buckets\":[[9999,1]]}}},"
	    "{\"kind\":\"ovs_flows\",\"node\":\"x\",\"id\":\"x/3\",\"t_ns\":%llu,"
	    "\"bridge\":\"b\",\"start_ns\":%llu,\"end_ns\":%llu,\"upcalls\":-4,"
	    "\"installs\":0,\"deletes\":0,\"reconfigurations\":0},"
	    "{\"kind\":\"ovs_port\",\"node\":\"x\",\"id\":\"x/4\",\"t_ns\":%llu},"
	    "{\"kind\":\"ovs_flows\",\"node\":\"x\",\"id\":\"x/5\",\"t_ns\":%llu,"
	    "\"bridge\":\"b\",\"start_ns\":%llu,\"end_ns\":%llu,\"upcalls\":4,"
	    "\"installs\":0,\"deletes\":0,\"reconfigurations\":0}]",
	    T0, T0, T0 + SEC, T0, T0, T0 + SEC, T0, T0, T0 + SEC, T0, T0, T0,
	    T0 + SEC) == -1)
		abort();
	arr = json_tokener_parse(text);
	free(text);
	is_int(store_records(env.store, "x", arr, (int64_t)(T0 + 4 * SEC)), 0,
	    "a batch with malformed ovs records is acknowledged");
	json_object_put(arr);
	store_last_batch(env.store, &c);
	is_int(c.skipped, 4, "4 skipped: buckets not an array, a bucket out of range, a negative count, a port without bridge");
	is_int(c.stored, 1, "the good one stored");
}

/* VM A on cmp1 (tapA), VM B on cmp2 (tapB); the nodes' clock offsets. */
#define VM_A	"aaaaaaaa-0000-4000-8000-00000000000a"
#define VM_B	"bbbbbbbb-0000-4000-8000-00000000000b"
#define NP_A	"11111111-0000-4000-8000-00000000000a"
#define NP_B	"22222222-0000-4000-8000-00000000000b"
#define OFF1	(-7 * (int64_t)MS)	/* cmp1 - aggregator */
#define OFF2	(40 * (int64_t)MS)	/* cmp2 - aggregator */
#define T1	(T0 + 10 * SEC)		/* the samples, aggregator's clock */
#define NOW1	((int64_t)(T0 + 60 * SEC))

static int
store_one(const char *node, struct json_object *rec)
{
	struct json_object *arr = json_object_new_array();
	int r;

	json_object_array_add(arr, rec);
	r = store_records(env.store, node, arr, NOW1);
	json_object_put(arr);
	return r;
}

static void
vm_port(const char *node, const char *port, const char *vm, const char *np)
{
	struct json_object *o = json_object_new_object();
	char id[64];

	snprintf(id, sizeof(id), "%s/ovs_port/%s", node, port);
	json_object_object_add(o, "kind", json_object_new_string("ovs_port"));
	json_object_object_add(o, "node", json_object_new_string(node));
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "t_ns", json_object_new_int64((int64_t)T1));
	json_object_object_add(o, "bridge", json_object_new_string("br-int"));
	json_object_object_add(o, "port", json_object_new_string(port));
	json_object_object_add(o, "iface_id", json_object_new_string(np));
	json_object_object_add(o, "vm_uuid", json_object_new_string(vm));
	json_object_object_add(o, "present", json_object_new_boolean(1));
	if (store_one(node, o) != 0)
		diag("the port map of %s %s was not stored", node, port);
}

/* [t_ns, hash, dir, bridge, port]. */
static struct json_object *
sample(int64_t t, const char *hash, const char *way, const char *bridge,
    const char *port)
{
	struct json_object *a = json_object_new_array();

	json_object_array_add(a, json_object_new_int64(t));
	json_object_array_add(a, json_object_new_string(hash));
	json_object_array_add(a, json_object_new_string(way));
	json_object_array_add(a, json_object_new_string(bridge));
	json_object_array_add(a, json_object_new_string(port));
	return a;
}

/* An ovs_samples record of the window [start, start + 1 s). */
static struct json_object *
samples_rec(const char *node, int64_t start, struct json_object *samples)
{
	struct json_object *o = json_object_new_object();
	char id[64];

	snprintf(id, sizeof(id), "%s/ovs_samples/%lld", node, (long long)start);
	json_object_object_add(o, "kind", json_object_new_string("ovs_samples"));
	json_object_object_add(o, "node", json_object_new_string(node));
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "t_ns", json_object_new_int64(start +
	    (int64_t)SEC));
	json_object_object_add(o, "start_ns", json_object_new_int64(start));
	json_object_object_add(o, "end_ns", json_object_new_int64(start +
	    (int64_t)SEC));
	json_object_object_add(o, "every", json_object_new_int64(64));
	json_object_object_add(o, "dropped", json_object_new_int64(0));
	json_object_object_add(o, "samples", samples);
	return o;
}

static void
hash_of(char *b, size_t sz, int i)
{
	snprintf(b, sz, "%016llx", (unsigned long long)(i + 1) * 64 * 1000003);
}

/*
 * Packet i (aggregator's clock): in from tapA on cmp1 at T1 + i * 10 ms,
 * out to the tunnel 1 ms later, in from it on cmp2 at 2 ms, out to tapB
 * at 3 ms; each node's samples on its own clock.
 */
static struct json_object *
node_samples(int node, int from, int to)
{
	struct json_object *a = json_object_new_array();
	int64_t t;
	char h[24];
	int i;

	for (i = from; i < to; i++) {
		hash_of(h, sizeof(h), i);
		t = (int64_t)(T1 + (uint64_t)i * 10 * MS) +
		    (node == 1 ? OFF1 : OFF2 + 2 * (int64_t)MS);
		json_object_array_add(a, sample(t, h, "in",
		    node == 1 ? "br-int" : "br-tun",
		    node == 1 ? "tapA" : "vxlan_sys_4789"));
		json_object_array_add(a, sample(t + (int64_t)MS, h, "out",
		    node == 1 ? "br-tun" : "br-int",
		    node == 1 ? "vxlan_sys_4789" : "tapB"));
	}
	return a;
}

/* Both nodes' clocks as OFF1 and OFF2 say, or both the aggregator's. */
static void
offsets(int on)
{
	store_node_hello(env.store, "cmp1", "test", NOW1 + (on ? OFF1 : 0),
	    NOW1);
	store_node_hello(env.store, "cmp2", "test", NOW1 + (on ? OFF2 : 0),
	    NOW1);
}

/* The one row of `ovs vm2vm` with args, its count (-1: not one row). */
static struct json_object *
vm2vm(const char *args, int *n)
{
	struct json_object *r;

	r = ctl_ask(&env, "{\"cmd\":\"ovs vm2vm\",\"args\":{%s}}", args);
	*n = r != NULL ? (int)json_object_array_length(r) : -1;
	return r;
}

static void
test_vm2vm(void)
{
	struct store_batch_counts c;
	struct json_object *r, *o, *bad;
	char h[24];
	int n;

	offsets(1);
	vm_port("cmp1", "tapA", VM_A, NP_A);
	vm_port("cmp2", "tapB", VM_B, NP_B);
	r = vm2vm("", &n);
	is_int(n, 0, "ovs vm2vm without samples: empty");
	json_object_put(r);
	is_int(store_one("cmp1", samples_rec("cmp1", (int64_t)T1 + OFF1,
	    node_samples(1, 0, 20))), 0, "cmp1's samples stored");
	store_last_batch(env.store, &c);
	ok(c.stored == 1 && c.skipped == 0, "cmp1: one record stored, none "
	    "skipped");
	is_int(store_one("cmp2", samples_rec("cmp2", (int64_t)T1 + OFF2,
	    node_samples(2, 0, 20))), 0, "cmp2's samples stored");

	r = vm2vm("", &n);
	is_int(n, 1, "ovs vm2vm: one pair of ports (the tunnel's pair runs "
	    "back in time, the same node's are not pairs)");
	o = r != NULL ? json_object_array_get_idx(r, 0) : NULL;
	ok(json_exactly(o, "src_node,src_bridge,src_port,src_vm,"
	    "src_neutron_port,dst_node,dst_bridge,dst_port,dst_vm,"
	    "dst_neutron_port,count,p50_us,p90_us,p99_us,max_us"),
	    "ovs vm2vm: the element has exactly the contract's members");
	ok(o != NULL && strcmp(s_at(o, "src_node"), "cmp1") == 0 &&
	    strcmp(s_at(o, "src_bridge"), "br-int") == 0 &&
	    strcmp(s_at(o, "src_port"), "tapA") == 0 &&
	    strcmp(s_at(o, "src_vm"), VM_A) == 0 &&
	    strcmp(s_at(o, "src_neutron_port"), NP_A) == 0 &&
	    strcmp(s_at(o, "dst_node"), "cmp2") == 0 &&
	    strcmp(s_at(o, "dst_bridge"), "br-int") == 0 &&
	    strcmp(s_at(o, "dst_port"), "tapB") == 0 &&
	    strcmp(s_at(o, "dst_vm"), VM_B) == 0 &&
	    strcmp(s_at(o, "dst_neutron_port"), NP_B) == 0,
	    "ovs vm2vm: from cmp1 br-int/tapA (VM A) to cmp2 br-int/tapB (VM B)");
	ok(o != NULL && d_at(o, "count") == 20 &&
	    in_bucket(d_at(o, "p50_us"), 3 * MS) &&
	    in_bucket(d_at(o, "p99_us"), 3 * MS) && d_at(o, "max_us") == 3000,
	    "ovs vm2vm: 20 packets, p50 and p99 within a bucket of 3000 us, "
	    "max 3000 us");
	if (o != NULL && d_at(o, "count") != 20)
		diag("%s", json_object_to_json_string(o));
	json_object_put(r);

	offsets(0);
	r = vm2vm("", &n);
	o = n == 1 ? json_object_array_get_idx(r, 0) : NULL;
	ok(o != NULL && in_bucket(d_at(o, "p50_us"), 50 * MS),
	    "the offsets are applied: with both taken away, 3 + 40 + 7 = 50 ms");
	json_object_put(r);
	offsets(1);

	is_int(store_one("cmp2", samples_rec("cmp2", (int64_t)T1 + OFF2,
	    node_samples(2, 0, 20))), 0, "cmp2's record sent twice");
	store_last_batch(env.store, &c);
	ok(c.duplicate == 1 && c.stored == 0, "the second time a duplicate");
	r = vm2vm("", &n);
	o = n == 1 ? json_object_array_get_idx(r, 0) : NULL;
	ok(o != NULL && d_at(o, "count") == 20, "stored once: still 20");
	json_object_put(r);

	r = vm2vm("\"src\":\"cmp1\",\"dst\":\"cmp2\"", &n);
	is_int(n, 1, "ovs vm2vm src:cmp1 dst:cmp2: the pair");
	json_object_put(r);
	r = vm2vm("\"src\":\"cmp2\"", &n);
	is_int(n, 0, "src:cmp2: none (nothing went from cmp2 to cmp1)");
	json_object_put(r);
	r = vm2vm("\"dst\":\"cmp1\"", &n);
	is_int(n, 0, "dst:cmp1: none");
	json_object_put(r);
	r = ctl_ask(&env, "{\"cmd\":\"ovs vm2vm\",\"args\":{\"since\":%lld}}",
	    (long long)(T1 + 95 * MS) + OFF1);
	o = r != NULL && json_object_array_length(r) == 1 ?
	    json_object_array_get_idx(r, 0) : NULL;
	ok(o != NULL && d_at(o, "count") == 10,
	    "since: the 10 packets that came in after it");
	json_object_put(r);

	/* 2 more packets; cmp2's record of them has 7 bad samples too. */
	is_int(store_one("cmp1", samples_rec("cmp1", (int64_t)(T1 + SEC) + OFF1,
	    node_samples(1, 20, 22))), 0, "cmp1: 2 more packets");
	bad = node_samples(2, 20, 22);
	hash_of(h, sizeof(h), 20);
	json_object_array_add(bad, json_tokener_parse("[1, 2]"));
	json_object_array_add(bad, json_tokener_parse("\"x\""));
	json_object_array_add(bad, sample((int64_t)T1, "00000000000000XY",
	    "out", "br-int", "tapB"));
	json_object_array_add(bad, sample((int64_t)T1, "abc", "out", "br-int",
	    "tapB"));
	json_object_array_add(bad, sample((int64_t)T1, h, "sideways", "br-int",
	    "tapB"));
	json_object_array_add(bad, sample((int64_t)T1, h, "out", "", "tapB"));
	json_object_array_add(bad, sample(5, h, "out", "br-int", "tapB"));
	is_int(store_one("cmp2", samples_rec("cmp2", (int64_t)(T1 + SEC) + OFF2,
	    bad)), 0, "cmp2: a record with 4 good samples and 7 bad ones");
	store_last_batch(env.store, &c);
	ok(c.stored == 1 && c.skipped == 1,
	    "its good samples stored, the bad ones one skip (stored %u, "
	    "skipped %u)", c.stored, c.skipped);
	r = vm2vm("", &n);
	o = n == 1 ? json_object_array_get_idx(r, 0) : NULL;
	ok(o != NULL && d_at(o, "count") == 22,
	    "the good samples count: 22 packets");
	json_object_put(r);
	is_int(store_one("cmp2", samples_rec("cmp2", (int64_t)(T1 + 2 * SEC),
	    json_tokener_parse("[[1,2,3,4,5]]"))), 0,
	    "cmp2: a record of bad samples only");
	store_last_batch(env.store, &c);
	ok(c.stored == 0 && c.skipped == 1, "skipped");
}

static int
count_rows(const char *sql)
{
	sqlite3_stmt *st;
	int n = -1;

	if (sqlite3_prepare_v2(store_db(env.store), sql, -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* Samples 1 h older than the node's newest leave the store. */
static void
test_samples_retention(void)
{
	struct json_object *arr = json_object_new_array(), *a, *b;
	int64_t old = (int64_t)(T0 - 2 * 3600 * SEC);

	a = json_object_new_array();
	json_object_array_add(a, sample(old, "0000000000000040", "in", "br-int",
	    "t"));
	b = json_object_new_array();
	json_object_array_add(b, sample((int64_t)T0, "0000000000000080", "in",
	    "br-int", "t"));
	json_object_array_add(arr, samples_rec("r", old, a));
	json_object_array_add(arr, samples_rec("r", (int64_t)T0, b));
	is_int(store_records(env.store, "r", arr, (int64_t)(T0 + 2 * SEC)), 0,
	    "retention: a sample 2 h old and a new one stored");
	json_object_put(arr);
	is_int(count_rows("SELECT count(*) FROM ovs_samples WHERE node = 'r'"),
	    1, "the sample older than 1 h before the node's newest is gone");
}

/* Windows 6 h older than the node's newest leave the store. */
static void
test_retention(void)
{
	struct json_object *arr;
	sqlite3_stmt *st;
	char *text;
	int n = -1;
	uint64_t old = T0 - 7 * 3600 * SEC;

	if (asprintf(&text, "["
	    "{\"kind\":\"ovs_flows\",\"node\":\"r\",\"id\":\"r/old\","
	    "\"t_ns\":%llu,\"bridge\":\"b\",\"start_ns\":%llu,"
	    "\"end_ns\":%llu,\"upcalls\":1,\"installs\":0,\"deletes\":0,"
	    "\"reconfigurations\":0},"
	    "{\"kind\":\"ovs_flows\",\"node\":\"r\",\"id\":\"r/new\","
	    "\"t_ns\":%llu,\"bridge\":\"b\",\"start_ns\":%llu,"
	    "\"end_ns\":%llu,\"upcalls\":2,\"installs\":0,\"deletes\":0,"
	    "\"reconfigurations\":0}]",
	    (unsigned long long)old, (unsigned long long)old,
	    (unsigned long long)(old + SEC), T0, T0, T0 + SEC) == -1)
		abort();
	arr = json_tokener_parse(text);
	free(text);
	is_int(store_records(env.store, "r", arr, (int64_t)(T0 + 2 * SEC)), 0,
	    "retention: a window 7 h old and a new one stored");
	json_object_put(arr);
	if (sqlite3_prepare_v2(store_db(env.store), "SELECT count(*) FROM "
	    "ovs_flows WHERE node = 'r'", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	is_int(n, 1, "the one older than 6 h before the node's newest is gone");
}

int
main(void)
{
	char cmd[128], path[128];

	log_init("test_ovs_kind", 1, 0);
	snprintf(dir, sizeof(dir), "/tmp/strata-test-ovs-XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/ovs.db", dir);
	if ((env.store = store_open(path)) == NULL) {
		printf("Bail out! cannot open %s\n", path);
		return 1;
	}
	env.started_ns = (int64_t)T0;
	/* The port kind's Neutron port behind tap1. */
	{
		struct json_object *arr;
		char *text;

		if (asprintf(&text, "[{\"kind\":\"port\",\"node\":\"ctl1\","
		    "\"id\":\"ctl1/11111111-aaaa-4bbb-8ccc-000000000001\","
		    "\"t_ns\":%llu,\"last_ns\":%llu,"
		    "\"port_id\":\"11111111-aaaa-4bbb-8ccc-000000000001\","
		    "\"mac\":\"fa:16:3e:00:00:01\",\"ips\":[\"10.0.0.5\"],"
		    "\"device_id\":\"inst-0001\",\"host\":\"cmp1\","
		    "\"status\":\"ACTIVE\"}]", T0, T0) == -1)
			abort();
		arr = json_tokener_parse(text);
		free(text);
		if (store_records(env.store, "ctl1", arr, (int64_t)T0) != 0)
			diag("the Neutron port was not stored");
		json_object_put(arr);
	}
	test_ovs();
	test_malformed();
	test_vm2vm();
	test_retention();
	test_samples_retention();
	store_close(env.store);
	plan_no_plan_end();
	if (!tap_failed) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			diag("cannot remove %s", dir);
	} else
		diag("the database is in %s", dir);
	return exit_status();
}
