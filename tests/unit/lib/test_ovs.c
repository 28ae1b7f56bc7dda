/*
 * test_ovs.c: the ovs analyzer fed ovs:* events directly, with known
 * latencies injected per component on several CPUs and handler threads:
 * the histograms report them within one bucket, the rates are what was
 * sent, and the in-flight tables stay within their bounds under loss and
 * reordering; the alerts fire and resolve.  Also the log-linear
 * histogram's buckets (lib/loghist.c).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "analyzer.h"
#include "loghist.h"
#include "tap.h"

extern const struct analyzer_class an_ovs_class;

#define US	1000ULL
#define MS	1000000ULL
#define SEC	1000000000ULL
#define T0	(1700000000ULL * 1000000000ULL)

struct recs {
	struct json_object	*a;
};

static void
collect(void *arg, struct json_object *rec)
{
	json_object_array_add(((struct recs *)arg)->a, rec);
}

struct h {
	void			*an;
	struct recs		 r;
	struct an_conf		*conf;
	char			 node[16];
};

static void
h_open(struct h *h, const char *const *kv)
{
	struct an_host host;

	memset(h, 0, sizeof(*h));
	snprintf(h->node, sizeof(h->node), "cmp1");
	h->r.a = json_object_new_array();
	h->conf = an_conf_create();
	for (; kv != NULL && kv[0] != NULL; kv += 2)
		if (an_conf_set(h->conf, kv[0], kv[1], "test") != 0)
			diag("cannot set %s", kv[0]);
	memset(&host, 0, sizeof(host));
	host.node = h->node;
	host.emit = collect;
	host.emit_arg = &h->r;
	h->an = an_ovs_class.create(&host, an_conf_block(h->conf, "ovs"));
}

static void
h_close(struct h *h)
{
	an_ovs_class.destroy(h->an);
	an_conf_free(h->conf);
	json_object_put(h->r.a);
}

/* Feeds one event: name, time, then (type, name, value) triples. */
static void
feed(struct h *h, const char *name, uint64_t t, const char *fmt, ...)
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
	if (ev.code >= 0)
		an_ovs_class.event(h->an, &ev);
}

static void
entry(struct h *h, uint64_t t, const char *comp, int cpu, int tid,
    const char *bridge, const char *port)
{
	feed(h, "ovs:dp_entry", t, "siissu", "component", comp, "cpu", cpu,
	    "tid", tid, "bridge", bridge, "port", port, "len", (uint64_t)64);
}

static void
dexit(struct h *h, uint64_t t, const char *comp, int cpu, int tid)
{
	feed(h, "ovs:dp_exit", t, "sii", "component", comp, "cpu", cpu,
	    "tid", tid);
}

/* The record of kind with members (k, v) pairs matching; NULL if none. */
static struct json_object *
find(struct h *h, const char *kind, const char *k1, const char *v1,
    const char *k2, const char *v2, int last)
{
	struct json_object *o, *v, *found = NULL;
	size_t i;

	for (i = 0; i < json_object_array_length(h->r.a); i++) {
		o = json_object_array_get_idx(h->r.a, i);
		if (!json_object_object_get_ex(o, "kind", &v) ||
		    strcmp(json_object_get_string(v), kind) != 0)
			continue;
		if (k1 && (!json_object_object_get_ex(o, k1, &v) ||
		    strcmp(json_object_get_string(v), v1) != 0))
			continue;
		if (k2 && (!json_object_object_get_ex(o, k2, &v) ||
		    strcmp(json_object_get_string(v), v2) != 0))
			continue;
		found = o;
		if (!last)
			break;
	}
	return found;
}

static int
count(struct h *h, const char *kind, const char *k1, const char *v1)
{
	struct json_object *o, *v;
	size_t i;
	int n = 0;

	for (i = 0; i < json_object_array_length(h->r.a); i++) {
		o = json_object_array_get_idx(h->r.a, i);
		if (json_object_object_get_ex(o, "kind", &v) &&
		    strcmp(json_object_get_string(v), kind) == 0 &&
		    (k1 == NULL || (json_object_object_get_ex(o, k1, &v) &&
		    strcmp(json_object_get_string(v), v1) == 0)))
			n++;
	}
	return n;
}

static double
dget(struct json_object *o, const char *a, const char *b, const char *c)
{
	struct json_object *v = o;

	if (a && !json_object_object_get_ex(v, a, &v))
		return -1;
	if (b && !json_object_object_get_ex(v, b, &v))
		return -1;
	if (c && !json_object_object_get_ex(v, c, &v))
		return -1;
	return json_object_get_double(v);
}

/* Reported (us) within one bucket of the true value (ns). */
static int
in_bucket(double got_us, uint64_t want_ns)
{
	unsigned b = lh_bucket(want_ns);

	return fabs(got_us * 1000.0 - (double)want_ns) <= (double)lh_width(b);
}

static void
test_loghist(void)
{
	struct loghist h;
	uint64_t v;
	unsigned b, bad = 0, prev = 0;

	for (v = 1; v < 50000000ULL; v = v * 1.01 + 1) {
		b = lh_bucket(v);
		if (v < lh_lo(b) || v >= lh_lo(b) + lh_width(b) ||
		    (v >= 8 && lh_width(b) * 8 > v) || b < prev)
			bad++;
		prev = b;
	}
	is_int(bad, 0, "loghist: every value in its bucket, buckets at most 12.5 % wide, monotonic");
	lh_clear(&h);
	for (v = 1; v <= 1000; v++)
		lh_add(&h, v * US);
	ok(in_bucket(lh_quantile(&h, 0.5) / 1000.0, 500 * US) &&
	    in_bucket(lh_quantile(&h, 0.99) / 1000.0, 990 * US) &&
	    lh_quantile(&h, 1.0) == 1000 * US,
	    "loghist: 1..1000 us gives p50 500 us, p99 990 us (one bucket), max 1000 us");
}

/*
 * Fast path on 4 CPUs, interleaved: CPU c's packets take (12 + 4c) us
 * receive to exit, of which lookup (3 + c) us and send 2 us.
 */
static void
test_fast(void)
{
	static const char *const kv[] = { "ovs.summary_s", "10", NULL };
	struct h h;
	struct json_object *o;
	char port[8];
	uint64_t t, total, lk;
	int c, i, good = 1;

	h_open(&h, kv);
	for (i = 0; i < 200; i++) {
		for (c = 0; c < 4; c++) {
			t = T0 + (uint64_t)i * MS + (uint64_t)c * 100;
			snprintf(port, sizeof(port), "p%d", c);
			lk = (3 + (uint64_t)c) * US;
			total = (12 + 4 * (uint64_t)c) * US;
			entry(&h, t, "receive", c, 0, "br-int", port);
			entry(&h, t + 1 * US, "process", c, 0, "", "");
			entry(&h, t + 2 * US, "lookup", c, 0, "", "");
			dexit(&h, t + 2 * US + lk, "lookup", c, 0);
			entry(&h, t + 3 * US + lk, "actions", c, 0, "", "");
			entry(&h, t + 4 * US + lk, "send", c, 0, "", "");
			dexit(&h, t + 6 * US + lk, "send", c, 0);
			dexit(&h, t + 7 * US + lk, "actions", c, 0);
			dexit(&h, t + total - US, "process", c, 0);
			dexit(&h, t + total, "receive", c, 0);
		}
	}
	an_ovs_class.finish(h.an);
	for (c = 0; c < 4; c++) {
		snprintf(port, sizeof(port), "p%d", c);
		o = find(&h, "ovs_latency", "bridge", "br-int", "port", port, 0);
		total = (12 + 4 * (uint64_t)c) * US;
		lk = (3 + (uint64_t)c) * US;
		if (o == NULL) {
			good = 0;
			diag("no ovs_latency for %s", port);
			continue;
		}
		if (dget(o, "paths", "fast", "count") != 200 ||
		    !in_bucket(dget(o, "paths", "fast", "p50_us"), total) ||
		    !in_bucket(dget(o, "paths", "fast", "p99_us"), total) ||
		    !in_bucket(dget(o, "paths", "fast", "p999_us"), total) ||
		    dget(o, "paths", "fast", "max_us") != (double)total / 1000 ||
		    dget(o, "paths", "total", "count") != 200 ||
		    dget(o, "paths", "slow", "count") != 0 ||
		    !in_bucket(dget(o, "components", "lookup", "p50_us"), lk) ||
		    !in_bucket(dget(o, "components", "send", "p99_us"), 2 * US)) {
			good = 0;
			diag("%s: %s", port, json_object_to_json_string(o));
		}
	}
	ok(good, "fast path on 4 CPUs: 200 packets each, p50/p99/p99.9 within one bucket of 12/16/20/24 us, max exact, lookup and send per component");
	h_close(&h);
}

/*
 * Slow path through 3 handler threads: upcall, handler receive +20 us,
 * put +30 us, execute +10 us, ovs_packet_cmd_execute 9 us; each handler's
 * receives come in the reverse order of the upcalls (reordering), joined
 * by pkt_hash; a 4th handler's batch has no hash and joins by order.
 */
static void
test_slow(void)
{
	static const char *const kv[] = { "ovs.summary_s", "10", NULL };
	struct h h;
	struct json_object *o;
	uint64_t t, hash;
	int i, k, hd, good = 1;

	h_open(&h, kv);
	for (i = 0; i < 100; i++) {
		t = T0 + (uint64_t)i * MS;
		/* Three packets miss on CPUs 0..2, 1 us apart. */
		for (k = 0; k < 3; k++) {
			entry(&h, t + k * US, "receive", k, 0, "br-int", "tap1");
			feed(&h, "ovs:upcall", t + k * US + 3 * US, "iuuuss",
			    "cpu", k, "pkt_hash", (uint64_t)(1000 * i + k + 1),
			    "len", (uint64_t)98, "upcall_port", (uint64_t)7,
			    "bridge", "br-int", "port", "tap1");
			dexit(&h, t + k * US + 4 * US, "receive", k, 0);
		}
		/* Handler 100 + k takes packet 2 - k: reversed. */
		for (k = 0; k < 3; k++) {
			hd = 100 + k;
			hash = (uint64_t)(1000 * i + (2 - k) + 1);
			t = T0 + (uint64_t)i * MS + (uint64_t)(2 - k) * US + 3 * US;
			feed(&h, "ovs:handler_recv", t + 20 * US, "iuuuuu",
			    "handler", hd, "batch", (uint64_t)i, "n", (uint64_t)0,
			    "batch_size", (uint64_t)1, "pkt_hash", hash,
			    "len", (uint64_t)98);
		}
		for (k = 2; k >= 0; k--) {
			hd = 100 + k;
			hash = (uint64_t)(1000 * i + (2 - k) + 1);
			t = T0 + (uint64_t)i * MS + (uint64_t)(2 - k) * US + 3 * US;
			feed(&h, "ovs:flow_put", t + 50 * US, "iuss",
			    "handler", hd, "pkt_hash", hash, "bridge", "br-int",
			    "ufid", "u");
			feed(&h, "ovs:flow_execute", t + 60 * US, "iuu",
			    "handler", hd, "pkt_hash", hash, "len", (uint64_t)98);
			entry(&h, t + 60 * US + 500, "execute", 3, hd, "", "");
			entry(&h, t + 62 * US, "actions", 3, hd, "", "");
			entry(&h, t + 63 * US, "send", 3, hd, "", "");
			dexit(&h, t + 64 * US, "send", 3, hd);
			dexit(&h, t + 65 * US, "actions", 3, hd);
			dexit(&h, t + 69 * US + 500, "execute", 3, hd);
		}
	}
	/* Handler 200: a batch of 4 without hashes, in order. */
	t = T0 + 500 * MS;
	for (k = 0; k < 4; k++)
		feed(&h, "ovs:upcall", t + k * US, "iuuss", "cpu", 0,
		    "pkt_hash", (uint64_t)0, "len", (uint64_t)0,
		    "bridge", "br-ex", "port", "eth1");
	for (k = 0; k < 4; k++)
		feed(&h, "ovs:handler_recv", t + 100 * US + k * US, "iuuuuu",
		    "handler", 200, "batch", (uint64_t)7, "n", (uint64_t)k,
		    "batch_size", (uint64_t)4, "pkt_hash", (uint64_t)0,
		    "len", (uint64_t)0);
	for (k = 0; k < 4; k++) {
		feed(&h, "ovs:flow_put", t + 200 * US + k * 10 * US, "iuss",
		    "handler", 200, "pkt_hash", (uint64_t)0, "bridge", "br-ex",
		    "ufid", "u");
		feed(&h, "ovs:flow_execute", t + 201 * US + k * 10 * US, "iuu",
		    "handler", 200, "pkt_hash", (uint64_t)0, "len", (uint64_t)0);
		entry(&h, t + 202 * US + k * 10 * US, "execute", 1, 200, "", "");
		dexit(&h, t + 203 * US + k * 10 * US, "execute", 1, 200);
	}
	an_ovs_class.finish(h.an);
	o = find(&h, "ovs_latency", "bridge", "br-int", "port", "tap1", 0);
	if (o == NULL ||
	    dget(o, "paths", "slow", "count") != 300 ||
	    !in_bucket(dget(o, "paths", "slow", "p50_us"), 69500) ||
	    !in_bucket(dget(o, "paths", "slow", "p99_us"), 69500) ||
	    dget(o, "paths", "total", "count") != 300 ||
	    !in_bucket(dget(o, "paths", "total", "p50_us"), 72500) ||
	    dget(o, "paths", "fast", "count") != 0 ||
	    !in_bucket(dget(o, "components", "queue", "p50_us"), 20 * US) ||
	    !in_bucket(dget(o, "components", "handler", "p50_us"), 30 * US) ||
	    !in_bucket(dget(o, "components", "put", "p50_us"), 10 * US) ||
	    !in_bucket(dget(o, "components", "execute", "p50_us"), 9 * US))
		good = 0;
	ok(good, "slow path through 3 handlers, receives reversed: 300 joined by pkt_hash, slow 69.5 us, total 72.5 us, queue 20, handler 30, put 10, execute 9 us");
	if (!good)
		diag("%s", o ? json_object_to_json_string(o) : "no record");
	o = find(&h, "ovs_latency", "bridge", "br-ex", "port", "eth1", 0);
	ok(o != NULL && dget(o, "paths", "slow", "count") == 4 &&
	    dget(o, "paths", "slow", "max_us") == 230 &&
	    in_bucket(dget(o, "paths", "slow", "p50_us"), 212 * US),
	    "a batch of 4 without hashes joins in batch order: slow 203, 212, 221, 230 us");
	o = find(&h, "ovs_handlers", NULL, NULL, NULL, NULL, 0);
	ok(o != NULL && dget(o, "unmatched", NULL, NULL) == 0 &&
	    dget(o, "evicted", NULL, NULL) == 0 &&
	    dget(o, "inflight", NULL, NULL) == 0 &&
	    dget(o, "batches", NULL, NULL) == 301 &&
	    fabs(dget(o, "upcalls_per_batch", NULL, NULL) - 304.0 / 301) < 1e-9 &&
	    json_object_array_length(json_object_object_get(o, "handlers")) == 4,
	    "ovs_handlers: 4 handler threads, 301 batches, 304/301 upcalls per batch, nothing unmatched or in flight");
	h_close(&h);
}

/* Rates per window, as emitted: 1 s summaries. */
static void
test_rates(void)
{
	static const char *const kv[] = { "ovs.summary_s", "1", NULL };
	struct h h;
	struct json_object *o;
	uint64_t t;
	int i;

	h_open(&h, kv);
	/* Window [T0, T0+1s): 500 upcalls, 100 installs, 50 deletes, 3 reconf. */
	for (i = 0; i < 500; i++) {
		t = T0 + (uint64_t)i * 2 * MS;
		feed(&h, "ovs:upcall", t, "iuuss", "cpu", i % 2,
		    "pkt_hash", (uint64_t)(i + 1), "len", (uint64_t)60,
		    "bridge", "br-int", "port", "tap1");
		if (i % 5 == 0)
			feed(&h, "ovs:flow_put", t + 1, "iuss", "handler", -1,
			    "pkt_hash", (uint64_t)0, "bridge", "br-int",
			    "ufid", "u");
		if (i % 10 == 0)
			feed(&h, "ovs:flow_del", t + 2, "isss", "handler", -1,
			    "bridge", "br-int", "ufid", "u", "reason", "idle");
	}
	feed(&h, "ovs:reconfigure", T0 + 10 * MS, "sss", "what", "port_add",
	    "bridge", "br-int", "port", "tap2");
	feed(&h, "ovs:reconfigure", T0 + 20 * MS, "sss", "what", "port_del",
	    "bridge", "br-int", "port", "tap2");
	feed(&h, "ovs:reconfigure", T0 + 30 * MS, "sss", "what", "bridge_add",
	    "bridge", "br-ex", "port", "");
	/* Window 2: dp_stats alone (no upcall events on br-ex): +40 misses. */
	feed(&h, "ovs:dp_stats", T0 + 1100 * MS, "ssuuu", "datapath", "netdev@x",
	    "bridge", "br-ex", "missed", (uint64_t)1000, "lost", (uint64_t)0,
	    "flows", (uint64_t)3);
	feed(&h, "ovs:dp_stats", T0 + 1900 * MS, "ssuuu", "datapath", "netdev@x",
	    "bridge", "br-ex", "missed", (uint64_t)1040, "lost", (uint64_t)2,
	    "flows", (uint64_t)3);
	feed(&h, "ovs:reconfigure", T0 + 2100 * MS, "sss", "what", "run",
	    "bridge", "", "port", "");
	an_ovs_class.finish(h.an);
	o = find(&h, "ovs_flows", "bridge", "br-int", NULL, NULL, 0);
	ok(o != NULL && dget(o, "upcalls", NULL, NULL) == 500 &&
	    dget(o, "installs", NULL, NULL) == 100 &&
	    dget(o, "deletes", NULL, NULL) == 50 &&
	    dget(o, "reconfigurations", NULL, NULL) == 2 &&
	    dget(o, "upcalls_per_s", NULL, NULL) == 500 &&
	    dget(o, "installs_per_s", NULL, NULL) == 100 &&
	    dget(o, "deletes_per_s", NULL, NULL) == 50,
	    "ovs_flows br-int, first second: 500 upcalls/s, 100 installs/s, 50 deletes/s, 2 reconfigurations");
	o = find(&h, "ovs_flows", "bridge", "br-ex", NULL, NULL, 1);
	ok(count(&h, "ovs_flows", "bridge", "br-ex") == 3 && o != NULL &&
	    dget(o, "reconfigurations", NULL, NULL) == 0,
	    "br-ex: one ovs_flows per window once known (3 windows)");
	o = find(&h, "ovs_flows", "bridge", "br-ex", NULL, NULL, 0);
	ok(o != NULL && dget(o, "reconfigurations", NULL, NULL) == 1,
	    "br-ex: its bridge_add counted");
	{
		struct json_object *a = NULL, *v;
		size_t i2;
		int n = 0;

		for (i2 = 0; i2 < json_object_array_length(h.r.a); i2++) {
			v = json_object_array_get_idx(h.r.a, i2);
			if (strcmp(json_object_get_string(json_object_object_get(
			    v, "kind")), "ovs_flows") == 0 &&
			    strcmp(json_object_get_string(json_object_object_get(
			    v, "bridge")), "br-ex") == 0 && n++ == 1)
				a = v;
		}
		ok(a != NULL && dget(a, "upcalls", NULL, NULL) == 40 &&
		    dget(a, "upcalls_per_s", NULL, NULL) == 40 &&
		    dget(a, "lost", NULL, NULL) == 2,
		    "dp_stats: the second second's 40 misses are br-ex's upcalls (40/s), 2 lost");
	}
	o = find(&h, "ovs_flows", "bridge", "-", NULL, NULL, 0);
	ok(o != NULL && dget(o, "reconfigurations", NULL, NULL) == 1,
	    "a reconfiguration run of no bridge counts under bridge -");
	h_close(&h);
}

/*
 * Loss and reordering: upcalls never received, receives never exited,
 * exits with no entry, out-of-order handler events: bounded and counted.
 */
static void
test_bounds(void)
{
	static const char *const kv[] = { "ovs.inflight_max", "16",
	    "ovs.timeout_ms", "50", "ovs.summary_s", "10", NULL };
	struct h h;
	struct json_object *st, *o;
	uint64_t t;
	int i;

	h_open(&h, kv);
	st = json_object_new_object();
	for (i = 0; i < 1000; i++)
		feed(&h, "ovs:upcall", T0 + (uint64_t)i * US, "iuuss", "cpu", 0,
		    "pkt_hash", (uint64_t)(i + 1), "len", (uint64_t)60,
		    "bridge", "b", "port", "p");
	an_ovs_class.stats(h.an, st);
	is_int(json_object_get_int64(json_object_object_get(st, "inflight")), 16,
	    "1000 upcalls never received: 16 in flight (ovs.inflight_max)");
	is_int(json_object_get_int64(json_object_object_get(st, "evicted")), 984,
	    "the 984 others evicted, counted");
	json_object_put(st);
	/* 100 receive entries on CPU 1 with no exit: the stack holds 8. */
	for (i = 0; i < 100; i++)
		entry(&h, T0 + 2 * MS + (uint64_t)i * US, "receive", 1, 0, "b", "p");
	/* 5 exits with nothing entered, on CPU 2. */
	for (i = 0; i < 5; i++)
		dexit(&h, T0 + 3 * MS + (uint64_t)i, "send", 2, 0);
	/* A put on a handler that received nothing. */
	feed(&h, "ovs:flow_put", T0 + 4 * MS, "iuss", "handler", 9,
	    "pkt_hash", (uint64_t)5, "bridge", "b", "ufid", "u");
	st = json_object_new_object();
	an_ovs_class.stats(h.an, st);
	is_int(json_object_get_int64(json_object_object_get(st, "evicted")),
	    984 + 92, "CPU 1's stack keeps 8 packets; 92 pushed out, counted");
	is_int(json_object_get_int64(json_object_object_get(st, "unmatched")), 6,
	    "5 exits without entry and 1 put without receive: 6 unmatched");
	json_object_put(st);
	/* 100 ms later (timeout 50 ms): everything in flight times out. */
	t = T0 + 200 * MS;
	entry(&h, t, "receive", 5, 0, "b", "p");
	an_ovs_class.flush(h.an);
	st = json_object_new_object();
	an_ovs_class.stats(h.an, st);
	is_int(json_object_get_int64(json_object_object_get(st, "timed_out")),
	    16 + 8, "after the timeout: 16 upcalls and 8 packets timed out");
	is_int(json_object_get_int64(json_object_object_get(st, "inflight")), 0,
	    "nothing left in flight");
	json_object_put(st);
	/* A reordered pair on CPU 5: exit of receive before lookup's exit. */
	entry(&h, t + US, "lookup", 5, 0, "", "");
	dexit(&h, t + 2 * US, "receive", 5, 0);
	dexit(&h, t + 3 * US, "lookup", 5, 0);
	an_ovs_class.finish(h.an);
	o = find(&h, "ovs_handlers", NULL, NULL, NULL, NULL, 1);
	ok(o != NULL && dget(o, "evicted", NULL, NULL) == 984 + 92 &&
	    dget(o, "timed_out", NULL, NULL) == 24 &&
	    dget(o, "unmatched", NULL, NULL) == 7,
	    "ovs_handlers reports evicted 1076, timed_out 24, unmatched 7 (the lookup exit after its packet left)");
	h_close(&h);
}

static void
latency_window(struct h *h, uint64_t start, uint64_t lat, int n)
{
	uint64_t t;
	int i;

	for (i = 0; i < n; i++) {
		t = start + (uint64_t)i * 10 * MS;
		entry(h, t, "receive", 0, 0, "br-int", "tap9");
		dexit(h, t + lat, "receive", 0, 0);
	}
}

static void
test_alerts(void)
{
	static const char *const kv[] = { "ovs.summary_s", "1",
	    "ovs.latency_p99_us", "50", "ovs.alert_window_s", "2",
	    "ovs.upcall_storm_per_s", "100", NULL };
	struct h h;
	struct json_object *o;
	int i;

	h_open(&h, kv);
	latency_window(&h, T0, 10 * US, 200);			/* 0-2 s: 10 us */
	latency_window(&h, T0 + 2000 * MS, 100 * US, 200);	/* 2-4 s: 100 us */
	latency_window(&h, T0 + 4000 * MS, 10 * US, 200);	/* 4-6 s */
	for (i = 0; i < 300; i++)				/* 6-7 s: 300/s */
		feed(&h, "ovs:upcall", T0 + 6000 * MS + (uint64_t)i * 3 * MS,
		    "iuuss", "cpu", 3, "pkt_hash", (uint64_t)(i + 1),
		    "len", (uint64_t)60, "bridge", "br-int", "port", "tap9");
	feed(&h, "ovs:reconfigure", T0 + 8500 * MS, "sss", "what", "run",
	    "bridge", "br-int", "port", "");
	an_ovs_class.finish(h.an);
	is_int(count(&h, "alert", "name", "ovs.latency_high"), 1,
	    "one ovs.latency_high: p99 100 us > 50 us in the 2-4 s window");
	o = find(&h, "alert", "name", "ovs.latency_high", NULL, NULL, 0);
	ok(o != NULL && in_bucket(dget(o, "evidence", "p99_us", NULL), 100 * US) &&
	    strcmp(json_object_get_string(json_object_object_get(o, "port")),
	    "tap9") == 0 && json_object_get_int64(json_object_object_get(o,
	    "t_ns")) == (int64_t)(T0 + 4000 * MS),
	    "its evidence: p99 100 us, port tap9, at the window's end (4 s)");
	is_int(count(&h, "alert", "name", "ovs.latency_ok"), 1,
	    "ovs.latency_ok once the next window is back to 10 us");
	is_int(count(&h, "alert", "name", "ovs.upcall_storm"), 1,
	    "ovs.upcall_storm: 300 upcalls/s > 100/s");
	is_int(count(&h, "alert", "name", "ovs.upcall_calm"), 1,
	    "ovs.upcall_calm the second after");
	o = find(&h, "alert", "name", "ovs.upcall_calm", NULL, NULL, 0);
	ok(o != NULL && strcmp(json_object_get_string(json_object_object_get(o,
	    "id")), "cmp1/br-int/!ovs.upcall_calm!1700000007000000000") == 0 &&
	    json_object_get_int64(json_object_object_get(o, "t_ns")) ==
	    (int64_t)(T0 + 8000 * MS),
	    "the resolution at 8 s names the storm fired at 7 s");
	is_int(count(&h, "ovs_flows", "bridge", "br-int"), 4,
	    "ovs_flows of br-int: its first window, the storm's, the zeros after it, the last (reconfigured): an idle bridge sends nothing in between");
	h_close(&h);
}

static void
test_portmap(void)
{
	struct h h;
	struct json_object *o;

	h_open(&h, NULL);
	feed(&h, "ovs:port_map", T0, "ssissssi", "bridge", "br-int",
	    "port", "tapaaaa", "ofport", 3, "iface_id", "aaaa-1111",
	    "attached_mac", "fa:16:3e:00:00:01", "vm_uuid", "vm-1",
	    "mac", "fe:16:3e:00:00:01", "present", 1);
	an_ovs_class.flush(h.an);
	an_ovs_class.flush(h.an);
	feed(&h, "ovs:port_map", T0 + MS, "ssissssi", "bridge", "br-int",
	    "port", "tapaaaa", "ofport", 3, "iface_id", "aaaa-1111",
	    "attached_mac", "fa:16:3e:00:00:01", "vm_uuid", "vm-1",
	    "mac", "fe:16:3e:00:00:01", "present", 0);
	an_ovs_class.finish(h.an);
	is_int(count(&h, "ovs_port", NULL, NULL), 2,
	    "one ovs_port per change of the row (2 flushes without change send nothing)");
	o = find(&h, "ovs_port", NULL, NULL, NULL, NULL, 1);
	ok(o != NULL && strcmp(json_object_get_string(json_object_object_get(o,
	    "iface_id")), "aaaa-1111") == 0 &&
	    json_object_get_int(json_object_object_get(o, "ofport")) == 3 &&
	    !json_object_get_boolean(json_object_object_get(o, "present")) &&
	    strcmp(json_object_get_string(json_object_object_get(o, "id")),
	    "cmp1/br-int/tapaaaa") == 0,
	    "ovs_port: iface-id, ofport, gone after present 0, id NODE/BRIDGE/PORT");
	h_close(&h);
}

/*
 * The kernel tracer's function tracing (NAME_entry/_return) and USDT
 * probes (NAME as enabled): no fields, the thread from vtid (-1: none).
 */
static void
kpt(struct h *h, const char *name, uint64_t t, int cpu, int tid)
{
	struct ev ev;
	struct ev_plan plan;

	memset(&ev, 0, sizeof(ev));
	ev.name = name;
	ev.t_ns = t;
	ev.vpid = -1;
	ev.vtid = tid;
	ev.cpu = cpu;
	an_plan_from_event(&an_ovs_class, &ev, &plan);
	ev.plan = &plan;
	ev.code = plan.code;
	if (ev.code >= 0)
		an_ovs_class.event(h->an, &ev);
}

static void
kp(struct h *h, const char *name, uint64_t t, int cpu)
{
	kpt(h, name, t, cpu, -1);
}

static void
test_kprobes(void)
{
	struct h h;
	struct json_object *o;
	uint64_t t;
	int i, c;

	h_open(&h, NULL);
	for (i = 0; i < 100; i++)
		for (c = 0; c < 2; c++) {
			t = T0 + (uint64_t)i * MS + (uint64_t)c * 300;
			kp(&h, "ovs_vport_receive_entry", t, c);
			kp(&h, "ovs_dp_process_packet_entry", t + US, c);
			kp(&h, "ovs_flow_tbl_lookup_stats_entry", t + 2 * US, c);
			kp(&h, "ovs_flow_tbl_lookup_stats_return", t + 5 * US, c);
			kp(&h, "ovs_execute_actions_entry", t + 6 * US, c);
			kp(&h, "ovs_vport_send_entry", t + 7 * US, c);
			kp(&h, "ovs_vport_send_return", t + 9 * US, c);
			kp(&h, "ovs_execute_actions_return", t + 10 * US, c);
			kp(&h, "ovs_dp_process_packet_return", t + 11 * US, c);
			kp(&h, "ovs_vport_receive_return", t + (12 + 8 * (uint64_t)c) * US, c);
			kp(&h, "sched_switch", t + 13 * US, c);
		}
	an_ovs_class.finish(h.an);
	o = find(&h, "ovs_latency", "bridge", "-", "port", "-", 0);
	ok(o != NULL && dget(o, "paths", "fast", "count") == 200 &&
	    dget(o, "paths", "fast", "max_us") == 20 &&
	    in_bucket(dget(o, "paths", "fast", "p50_us"), 12 * US) &&
	    in_bucket(dget(o, "components", "lookup", "p50_us"), 3 * US) &&
	    in_bucket(dget(o, "components", "send", "p99_us"), 2 * US),
	    "kprobes (ovs_vport_receive_entry/_return ...) on 2 CPUs: 200 fast-path packets under -/-, 12 and 20 us, lookup 3 us, send 2 us");
	h_close(&h);
}

/*
 * kprobes and ovs-vswitchd's USDT probes, no ovs:upcall: the miss's
 * ovs_dp_upcall entry queues the upcall, handler thread 777's recv_upcall,
 * op_flow_put and op_flow_execute take it by order, its
 * ovs_packet_cmd_execute return ends the slow path.
 */
static void
test_usdt(void)
{
	struct h h;
	struct json_object *o;
	uint64_t t;
	int i;

	h_open(&h, NULL);
	for (i = 0; i < 50; i++) {
		t = T0 + (uint64_t)i * MS;
		kp(&h, "ovs_vport_receive_entry", t, 0);
		kp(&h, "ovs_dp_process_packet_entry", t + US, 0);
		kp(&h, "ovs_flow_tbl_lookup_stats_entry", t + 2 * US, 0);
		kp(&h, "ovs_flow_tbl_lookup_stats_return", t + 4 * US, 0);
		kp(&h, "ovs_dp_upcall_entry", t + 5 * US, 0);
		kp(&h, "ovs_dp_upcall_return", t + 8 * US, 0);
		kp(&h, "ovs_dp_process_packet_return", t + 9 * US, 0);
		kp(&h, "ovs_vport_receive_return", t + 10 * US, 0);
		kpt(&h, "ovs_recv_upcall", t + 30 * US, 1, 777);
		kpt(&h, "ovs_op_flow_put", t + 50 * US, 1, 777);
		kpt(&h, "ovs_op_flow_execute", t + 60 * US, 1, 777);
		kpt(&h, "ovs_packet_cmd_execute_entry", t + 62 * US, 1, 777);
		kpt(&h, "ovs_packet_cmd_execute_return", t + 70 * US, 1, 777);
	}
	an_ovs_class.finish(h.an);
	o = find(&h, "ovs_latency", "bridge", "-", "port", "-", 1);
	ok(o != NULL && dget(o, "paths", "slow", "count") == 49 &&
	    in_bucket(dget(o, "paths", "slow", "p50_us"), 65 * US) &&
	    in_bucket(dget(o, "paths", "total", "p50_us"), 70 * US) &&
	    dget(o, "paths", "fast", "count") <= 0,
	    "USDT with kprobes: 49 slow-path packets (the first upcall came before any USDT probe: not queued), upcall to execute 65 us, 70 us in all, none fast");
	ok(o != NULL &&
	    in_bucket(dget(o, "components", "queue", "p50_us"), 25 * US) &&
	    in_bucket(dget(o, "components", "handler", "p50_us"), 20 * US) &&
	    in_bucket(dget(o, "components", "put", "p50_us"), 10 * US),
	    "their stages: queue 25 us (upcall to recv_upcall), handler 20 us (to op_flow_put), put 10 us (to op_flow_execute)");
	h_close(&h);
}

/* main:run_start / main:poll_block: 200 us busy in each 1 ms iteration. */
static void
test_main_loop(void)
{
	static const char *const kv[] = { "ovs.summary_s", "1", NULL };
	struct h h;
	struct json_object *o, *m;
	uint64_t t;
	int i, good = 0, n = 0;
	size_t k;

	h_open(&h, kv);
	for (i = 0; i < 3000; i++) {
		t = T0 + (uint64_t)i * MS;
		kpt(&h, "ovs_main_run_start", t, 0, 500);
		kpt(&h, "ovs_main_poll_block", t + 200 * US, 0, 500);
	}
	kpt(&h, "ovs_main_run_start", T0 + 3000 * MS, 0, 500);
	for (k = 0; k < json_object_array_length(h.r.a); k++) {
		o = json_object_array_get_idx(h.r.a, k);
		if (!json_object_object_get_ex(o, "main_loop", &m))
			continue;
		n++;
		if (fabs(dget(m, "busy_pct", NULL, NULL) - 20) < 0.01 &&
		    dget(m, "iterations", NULL, NULL) == 1000 &&
		    fabs(dget(m, "busy_ms", NULL, NULL) - 200) < 0.01)
			good++;
		else
			diag("  main_loop %s", json_object_to_json_string(m));
	}
	ok(n == 3 && good == 3,
	    "USDT main loop: 3 summaries of 1 s, each 1000 iterations, 200 ms busy, 20 %% (%d of %d)",
	    good, n);
	h_close(&h);
}

/*
 * The revalidators' USDT probes: two threads, each 100 flow results, 10
 * sweep results and 5 op_flow_del in the first second; nothing after.
 */
static void
test_revalidator(void)
{
	static const char *const kv[] = { "ovs.summary_s", "1", NULL };
	struct json_object *o, *rv, *first = NULL;
	struct h h;
	uint64_t t;
	int i, tid, later = 0;
	size_t k;

	h_open(&h, kv);
	for (tid = 600; tid < 602; tid++)
		for (i = 0; i < 100; i++) {
			t = T0 + (uint64_t)(tid - 600) * 100 * US +
			    (uint64_t)i * 5 * MS;
			kpt(&h, "ovs_reval_flow_result", t, 0, tid);
			if (i % 10 == 0)
				kpt(&h, "ovs_reval_sweep_result", t + US, 0,
				    tid);
			if (i % 20 == 0)
				kpt(&h, "ovs_op_flow_del", t + 2 * US, 0, tid);
		}
	kpt(&h, "ovs_reval_flow_result", T0 + 2500 * MS, 0, 600);
	for (k = 0; k < json_object_array_length(h.r.a); k++) {
		o = json_object_array_get_idx(h.r.a, k);
		if (!json_object_object_get_ex(o, "revalidator", &rv))
			continue;
		if (first == NULL)
			first = rv;
		else
			later++;
	}
	ok(first != NULL && dget(first, "threads", NULL, NULL) == 2 &&
	    dget(first, "flows_revalidated", NULL, NULL) == 200 &&
	    dget(first, "flows_swept", NULL, NULL) == 20 &&
	    dget(first, "flow_dels", NULL, NULL) == 10 && later == 0,
	    "USDT revalidator probes: 2 threads, 200 flows revalidated, 20 swept, 10 deleted in the first summary; none in the idle one after (%s)",
	    first ? json_object_to_json_string(first) : "none");
	h_close(&h);
}

/* A packet at port with pkt_hash: receive and send, as a source with bytes. */
static void
hentry(struct h *h, uint64_t t, const char *comp, const char *port,
    uint64_t hash)
{
	feed(h, "ovs:dp_entry", t, "siissuu", "component", comp, "cpu", 0,
	    "tid", 0, "bridge", "br-int", "port", port, "len", (uint64_t)98,
	    "pkt_hash", hash);
}

/*
 * ovs_samples: with ovs.sample_every 4, the packets whose pkt_hash is a
 * multiple of 4 are samples, in at their receive port and out at their
 * send port; ovs.samples_max 50 a window, the rest counted as dropped; a
 * hash of 0 (no bytes) and a send with no port are no samples.
 */
static void
test_samples(void)
{
	static const char *const kv[] = { "ovs.summary_s", "1",
	    "ovs.sample_every", "4", "ovs.samples_max", "50", NULL };
	struct json_object *w[2] = { NULL, NULL }, *o, *v, *e, *st;
	struct h h;
	uint64_t t, hash, want_t;
	size_t k, n = 0, j;
	int i, good = 1;
	char hex[17];

	h_open(&h, kv);
	/* Window 1: hashes 1..100; window 2: 101..220. */
	for (i = 0; i < 220; i++) {
		t = T0 + (i < 100 ? (uint64_t)i * 5 * MS :
		    SEC + (uint64_t)(i - 100) * 5 * MS);
		hash = (uint64_t)i + 1;
		hentry(&h, t, "receive", "tapA", hash);
		hentry(&h, t + 10 * US, "send", "vxlan0", hash);
		dexit(&h, t + 12 * US, "send", 0, 0);
		dexit(&h, t + 15 * US, "receive", 0, 0);
	}
	hentry(&h, T0 + 1990 * MS, "receive", "tapA", 0);
	entry(&h, T0 + 1991 * MS, "send", 0, 0, "", "");
	dexit(&h, T0 + 1992 * MS, "send", 0, 0);
	dexit(&h, T0 + 1993 * MS, "receive", 0, 0);
	entry(&h, T0 + 2500 * MS, "receive", 0, 0, "br-int", "tapA");
	for (k = 0; k < json_object_array_length(h.r.a); k++) {
		o = json_object_array_get_idx(h.r.a, k);
		if (json_object_object_get_ex(o, "kind", &v) &&
		    strcmp(json_object_get_string(v), "ovs_samples") == 0 &&
		    n < 2)
			w[n++] = o;
	}
	if (n != 2) {
		ok(0, "ovs_samples: 2 windows (got %zu)", n);
		ok(0, "ovs_samples: window 2 full");
		h_close(&h);
		return;
	}
	/* Window 1: 25 packets (4, 8, ..., 100), in then out. */
	json_object_object_get_ex(w[0], "samples", &v);
	if (json_object_array_length(v) != 50 ||
	    dget(w[0], "every", NULL, NULL) != 4 ||
	    dget(w[0], "dropped", NULL, NULL) != 0 ||
	    dget(w[0], "start_ns", NULL, NULL) != (double)T0 ||
	    dget(w[0], "end_ns", NULL, NULL) != (double)(T0 + SEC))
		good = 0;
	for (j = 0; good && j < 50; j++) {
		e = json_object_array_get_idx(v, j);
		hash = 4 * (j / 2 + 1);
		want_t = T0 + (hash - 1) * 5 * MS + (j % 2 ? 10 * US : 0);
		snprintf(hex, sizeof(hex), "%016" PRIx64, hash);
		if (json_object_array_length(e) != 5 ||
		    (uint64_t)json_object_get_int64(
		    json_object_array_get_idx(e, 0)) != want_t ||
		    strcmp(json_object_get_string(
		    json_object_array_get_idx(e, 1)), hex) != 0 ||
		    strcmp(json_object_get_string(
		    json_object_array_get_idx(e, 2)), j % 2 ? "out" : "in") ||
		    strcmp(json_object_get_string(
		    json_object_array_get_idx(e, 3)), "br-int") != 0 ||
		    strcmp(json_object_get_string(
		    json_object_array_get_idx(e, 4)), j % 2 ? "vxlan0" :
		    "tapA") != 0) {
			good = 0;
			diag("  sample %zu: %s", j, json_object_to_json_string(e));
		}
	}
	ok(good, "ovs_samples, sample_every 4: hashes 4..100 of 1..100 (25 packets), each in at tapA and out at vxlan0, with its time and hash");
	/* Window 2: 30 packets (104..220), 60 samples: 50 kept, 10 dropped. */
	json_object_object_get_ex(w[1], "samples", &v);
	st = json_object_new_object();
	an_ovs_class.stats(h.an, st);
	ok(json_object_array_length(v) == 50 &&
	    dget(w[1], "dropped", NULL, NULL) == 10 &&
	    dget(st, "sampled", NULL, NULL) == 100 &&
	    dget(st, "samples_dropped", NULL, NULL) == 10,
	    "ovs_samples: samples_max 50 a window, 10 more dropped and counted; hash 0 and a send without a port are no samples (%s)",
	    json_object_to_json_string(st));
	json_object_put(st);
	h_close(&h);
}

int
main(void)
{
	plan(34);
	test_loghist();
	test_fast();
	test_slow();
	test_rates();
	test_bounds();
	test_alerts();
	test_portmap();
	test_kprobes();
	test_usdt();
	test_main_loop();
	test_samples();
	test_revalidator();
	return exit_status();
}
