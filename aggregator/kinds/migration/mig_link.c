/*
 * mig_link.c: the multi-layer link of a migration.  A QEMU migration of
 * instance U is linked to the Nova live migration of U whose times overlap
 * it (libvirt's domain uuid is the instance uuid, which is QEMU's -uuid,
 * so vm_uuid = instance_uuid; the vm kind merges the two computes'
 * records, vm_store.h).  `migration ID` then shows Nova's request and its
 * phases (pre, QEMU, post or rollback) above QEMU's stages and rounds, and
 * a diagnosis of what went wrong: above all the seed's abnormal case, a
 * Nova rollback whose QEMU migration never reached stop-and-copy and
 * whose pending bytes never fell below QEMU's threshold, "failed to
 * converge under guest workload", with the evidence, why Nova rolled back
 * (its completion timeout, which sends no abort notification, or an
 * admin's abort) and what would have made it converge (mig_advice.c).
 */
#define _GNU_SOURCE		/* asprintf */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "log.h"
#include "mig_int.h"
#include "vm_store.h"
#include "kern_store.h"

/* How far Nova's times may lie outside QEMU's and still be its. */
#define LINK_TOL_NS	(30LL * 1000000000LL)

static struct json_object *
get(struct json_object *o, const char *k)
{
	struct json_object *v;

	if (o == NULL || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, k, &v))
		return NULL;
	return v;
}

static const char *
str(struct json_object *o, const char *k)
{
	struct json_object *v = get(o, k);

	return v != NULL && json_object_is_type(v, json_type_string) ?
	    json_object_get_string(v) : NULL;
}

static double
num(struct json_object *o, const char *k)
{
	struct json_object *v = get(o, k);

	if (v == NULL || !(json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double)))
		return NAN;
	return json_object_get_double(v);
}

static int64_t
ns(struct json_object *o, const char *k)
{
	struct json_object *v = get(o, k);

	return v != NULL && json_object_is_type(v, json_type_int) ?
	    json_object_get_int64(v) : STORE_NONE;
}

static int
streq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static void
add_num(struct json_object *o, const char *k, double v)
{
	json_object_object_add(o, k, isfinite(v) ? store_json_double(v) : NULL);
}

static void
add_ns(struct json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, v != STORE_NONE ?
	    json_object_new_int64(v) : NULL);
}

static void
units(char *b, size_t n, double v, const char *suffix)
{
	static const char *u[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	int i = 0;

	while (v >= 1024 && i < 4) {
		v /= 1024;
		i++;
	}
	snprintf(b, n, "%.1f %s%s", v, u[i], suffix);
}

/* The source side of the migration (else its only side). */
static struct json_object *
source_side(struct json_object *o)
{
	struct json_object *sides = get(o, "sides"), *s;
	size_t i;

	if (sides == NULL || !json_object_is_type(sides, json_type_array) ||
	    json_object_array_length(sides) == 0)
		return NULL;
	for (i = 0; i < json_object_array_length(sides); i++) {
		s = json_object_array_get_idx(sides, i);
		if (streq(str(s, "role"), "source"))
			return s;
	}
	return json_object_array_get_idx(sides, 0);
}

/* Whether QEMU got as far as stopping the guest for the switchover. */
static int
reached_switchover(struct json_object *o, struct json_object *src)
{
	static const char *const late[] = { "device", "pre-switchover",
	    "postcopy-active", "completed", NULL };
	struct json_object *a, *x;
	const char *n;
	size_t i, k;

	if (streq(str(o, "outcome"), "completed") ||
	    ns(src, "vm_stop_ns") != STORE_NONE)
		return 1;
	if ((a = get(src, "stages")) != NULL &&
	    json_object_is_type(a, json_type_array))
		for (i = 0; i < json_object_array_length(a); i++) {
			x = json_object_array_get_idx(a, i);
			if ((n = str(x, "name")) != NULL &&
			    (strcmp(n, "stop-and-copy") == 0 ||
			    strncmp(n, "postcopy", 8) == 0))
				return 1;
		}
	if ((a = get(src, "states")) != NULL &&
	    json_object_is_type(a, json_type_array))
		for (i = 0; i < json_object_array_length(a); i++)
			for (k = 0; late[k] != NULL; k++)
				if (streq(str(json_object_array_get_idx(a, i),
				    "state"), late[k]))
					return 1;
	return 0;
}

/* What the rounds of the source say about the threshold. */
struct conv {
	size_t		 rounds;	/* with pending bytes known */
	int		 below;		/* one of them fell below the threshold */
	double		 min_pending, last_pending, threshold, bandwidth;
	double		 dirty_rate, limit_ms;
	const char	*threshold_basis;
	const char	*verdict;
};

static void
convergence(struct json_object *src, struct conv *c)
{
	struct json_object *rounds = get(src, "rounds"), *r;
	double p, t, bw, fixed;
	size_t i;

	memset(c, 0, sizeof(*c));
	c->min_pending = c->last_pending = c->threshold = c->bandwidth =
	    c->dirty_rate = NAN;
	c->limit_ms = num(src, "downtime_limit_ms");
	if (!(c->limit_ms > 0))
		c->limit_ms = 300;	/* QEMU's default */
	fixed = num(src, "threshold_bytes");
	c->threshold_basis = fixed > 0 ? "threshold_bytes" :
	    "bandwidth x downtime limit";
	c->verdict = str(src, "verdict");
	if (rounds == NULL || !json_object_is_type(rounds, json_type_array))
		return;
	for (i = 0; i < json_object_array_length(rounds); i++) {
		r = json_object_array_get_idx(rounds, i);
		if (!isfinite(p = num(r, "pending_bytes")))
			continue;
		bw = num(r, "bandwidth_bps");
		if (!(bw > 0))
			bw = num(src, "bandwidth_bps");
		t = fixed > 0 ? fixed : bw > 0 ? bw * c->limit_ms / 1000 : NAN;
		c->rounds++;
		if (!isfinite(c->min_pending) || p < c->min_pending)
			c->min_pending = p;
		c->last_pending = p;
		if (isfinite(t)) {
			c->threshold = t;
			if (p <= t)
				c->below = 1;
		}
		if (bw > 0)
			c->bandwidth = bw;
		if (isfinite(num(r, "dirty_rate_bps")))
			c->dirty_rate = num(r, "dirty_rate_bps");
	}
}

/* Why Nova rolled back, as the rollback member of the diagnosis. */
static struct json_object *
rollback_why(struct json_object *o, struct json_object *nova, char *text,
    size_t sz)
{
	struct json_object *rb = json_object_new_object();
	const char *nout = str(nova, "outcome"), *qout = str(o, "outcome");
	double total_s = num(o, "total_ms") / 1000, tmo;
	int64_t abort_ns = ns(nova, "abort_requested_ns");

	tmo = num(nova, "completion_timeout_s");
	json_object_object_add(rb, "abort_notification",
	    json_object_new_boolean(abort_ns != STORE_NONE));
	add_ns(rb, "abort_requested_ns", abort_ns);
	add_num(rb, "qemu_elapsed_s", total_s);
	if (streq(nout, "timed_out") || isfinite(tmo)) {
		json_object_object_add(rb, "reason",
		    json_object_new_string("completion_timeout"));
		add_num(rb, "completion_timeout_s", tmo);
		json_object_object_add(rb, "inferred",
		    json_object_new_boolean(0));
		add_ns(rb, "timed_out_ns", ns(nova, "timed_out_ns"));
		json_object_object_add(rb, "timeout_action", json_object_get(
		    get(nova, "timeout_action")));
		snprintf(text, sz, "Nova rolled the migration back after its "
		    "completion timeout of %.0f s (live_migration_completion_"
		    "timeout x the guest's RAM+disk GiB; 'Live migration not "
		    "completed after %.0f sec'), its timeout action %s; an "
		    "automatic abort sends no abort notification", tmo, tmo,
		    str(nova, "timeout_action") ? str(nova, "timeout_action") :
		    "abort");
	} else if (streq(nout, "aborted") || abort_ns != STORE_NONE) {
		json_object_object_add(rb, "reason",
		    json_object_new_string("admin_abort"));
		snprintf(text, sz, "Nova rolled the migration back after an "
		    "admin's abort (instance.live_migration_abort), %.0f s into "
		    "QEMU's migration", total_s);
	} else if (streq(qout, "cancelled")) {
		/* Cancelled with no abort notification: Nova's timer did it. */
		json_object_object_add(rb, "reason",
		    json_object_new_string("completion_timeout"));
		add_num(rb, "completion_timeout_s", round(total_s));
		json_object_object_add(rb, "inferred",
		    json_object_new_boolean(1));
		snprintf(text, sz, "Nova rolled the migration back with no "
		    "abort notification after QEMU's migration was cancelled "
		    "%.0f s in: that is Nova's completion timeout (an automatic "
		    "abort sends no notification); the timeout that applied was "
		    "about %.0f s (live_migration_completion_timeout x the "
		    "guest's RAM+disk GiB)", total_s, round(total_s));
	} else {
		json_object_object_add(rb, "reason",
		    json_object_new_string(qout != NULL ? "qemu_failed" :
		    "unknown"));
		snprintf(text, sz, "Nova rolled the migration back%s%s",
		    qout ? " after QEMU's migration " : "", qout ? qout : "");
	}
	return rb;
}

/* The diagnosis of a migration that did not complete, or NULL. */
static struct json_object *
diagnose(struct json_object *o, struct json_object *nova)
{
	struct json_object *src = source_side(o), *d, *ev, *adv, *kern;
	const char *qout = str(o, "outcome"), *nout = str(nova, "outcome");
	char why[768], b[4][64], text[2048];
	struct conv c;
	int rolled, reached, cpu_bound;

	rolled = nova != NULL && (streq(nout, "rolled_back") ||
	    streq(nout, "timed_out") || streq(nout, "aborted"));
	if (src == NULL || streq(qout, "completed") || (qout == NULL &&
	    !rolled))
		return NULL;
	reached = reached_switchover(o, src);
	convergence(src, &c);
	d = json_object_new_object();
	ev = json_object_new_object();
	json_object_object_add(ev, "rounds", json_object_new_int64(
	    (int64_t)c.rounds));
	add_num(ev, "min_pending_bytes", c.min_pending);
	add_num(ev, "last_pending_bytes", c.last_pending);
	add_num(ev, "threshold_bytes", c.threshold);
	json_object_object_add(ev, "threshold_basis",
	    json_object_new_string(c.threshold_basis));
	add_num(ev, "bandwidth_bps", c.bandwidth);
	add_num(ev, "dirty_rate_bps", c.dirty_rate);
	add_num(ev, "downtime_limit_ms", c.limit_ms);
	json_object_object_add(ev, "verdict", c.verdict ?
	    json_object_new_string(c.verdict) : NULL);
	json_object_object_add(ev, "reached_stop_and_copy",
	    json_object_new_boolean(reached));
	json_object_object_add(ev, "pending_fell_below_threshold",
	    json_object_new_boolean(c.below));
	json_object_object_add(ev, "qemu_outcome", qout ?
	    json_object_new_string(qout) : NULL);
	add_num(ev, "qemu_total_ms", num(o, "total_ms"));
	json_object_object_add(ev, "nova_outcome", nout ?
	    json_object_new_string(nout) : NULL);
	/* The kernel's: the migration thread starved of CPU (kernel kind). */
	kern = get(src, "kernel");
	cpu_bound = kern != NULL && get(kern, "cpu_bound") != NULL &&
	    json_object_get_boolean(get(kern, "cpu_bound"));
	json_object_object_add(ev, "cpu_bound", json_object_new_boolean(
	    cpu_bound));
	json_object_object_add(ev, "cpu_bound_round", cpu_bound ?
	    json_object_get(get(kern, "worst_round")) : NULL);
	add_num(ev, "migration_thread_wait_pct", num(kern,
	    "migration_thread_wait_pct"));
	json_object_object_add(d, "evidence", ev);
	why[0] = '\0';
	if (rolled)
		json_object_object_add(d, "rollback", rollback_why(o, nova, why,
		    sizeof(why)));

	if (!reached && c.rounds > 0 && !c.below) {
		units(b[0], sizeof(b[0]), c.min_pending, "");
		units(b[1], sizeof(b[1]), c.threshold, "");
		units(b[2], sizeof(b[2]), c.bandwidth, "/s");
		units(b[3], sizeof(b[3]), c.dirty_rate, "/s");
		json_object_object_add(d, "summary", json_object_new_string(
		    rolled ? "failed to converge under guest workload" :
		    "did not converge under guest workload"));
		json_object_object_add(d, "cause",
		    json_object_new_string("not_converging"));
		snprintf(text, sizeof(text), "QEMU never reached stop-and-copy: "
		    "in %zu rounds the pending bytes never fell below the "
		    "%s threshold (%s; the least pending was %s) at %s with the "
		    "guest dirtying %s%s%s%s%s", c.rounds, b[1],
		    c.threshold_basis, b[0], isfinite(c.bandwidth) ? b[2] :
		    "an unknown bandwidth", isfinite(c.dirty_rate) ? b[3] :
		    "at an unknown rate", c.verdict ? ", verdict " : "",
		    c.verdict ? c.verdict : "", why[0] ? ". " : "", why);
		if (cpu_bound) {
			size_t len = strlen(text);

			snprintf(text + len, sizeof(text) - len, "; the migration "
			    "thread waited %.0f %% of round %d for a CPU: the "
			    "limit is CPU, not bandwidth", num(kern,
			    "migration_thread_wait_pct"), json_object_get_int(
			    get(kern, "worst_round")));
		}
		adv = mig_advice_of(src, get(src, "rounds"), NULL);
		json_object_object_add(d, "advice", adv);
	} else if (streq(qout, "failed") || streq(qout, "rolled_back")) {
		json_object_object_add(d, "summary", json_object_new_string(
		    "QEMU's migration failed"));
		json_object_object_add(d, "cause",
		    json_object_new_string("qemu_failed"));
		snprintf(text, sizeof(text), "QEMU's migration %s%s%s%s%s%s",
		    qout, str(o, "error") ? ": " : "", str(o, "error") ?
		    str(o, "error") : "", str(o, "detail") ? " (" : "",
		    str(o, "detail") ? str(o, "detail") : "",
		    str(o, "detail") ? ")" : "");
		if (why[0] != '\0') {
			size_t n = strlen(text);

			snprintf(text + n, sizeof(text) - n, ". %s", why);
		}
	} else {
		json_object_object_add(d, "summary", json_object_new_string(
		    rolled ? "rolled back" : qout));
		json_object_object_add(d, "cause", json_object_new_string(
		    reached ? "after_switchover" : "cancelled"));
		snprintf(text, sizeof(text), "QEMU's migration %s%s%s; %s%s",
		    qout ? qout : "ran", reached ? " after the switchover "
		    "began" : "", c.below ? " (the pending bytes had fallen "
		    "below the threshold)" : "", why[0] ? why : "no Nova "
		    "rollback was seen", "");
	}
	json_object_object_add(d, "text", json_object_new_string(text));
	return d;
}

/* Nova's phases and QEMU's between them, in time order. */
static int
phase_cmp(const void *a, const void *b)
{
	int64_t s = ns(*(struct json_object *const *)a, "start_ns");
	int64_t t = ns(*(struct json_object *const *)b, "start_ns");

	if (s == STORE_NONE)
		s = INT64_MAX;
	if (t == STORE_NONE)
		t = INT64_MAX;
	return s < t ? -1 : s > t;
}

static struct json_object *
phases(struct json_object *o, struct json_object *nova)
{
	struct json_object *arr = json_object_new_array(), *p, *q;
	size_t i;
	char host[256];

	if ((p = get(nova, "phases")) != NULL &&
	    json_object_is_type(p, json_type_array))
		for (i = 0; i < json_object_array_length(p); i++)
			json_object_array_add(arr, json_object_get(
			    json_object_array_get_idx(p, i)));
	q = json_object_new_object();
	json_object_object_add(q, "name", json_object_new_string("qemu"));
	snprintf(host, sizeof(host), "%s -> %s", str(o, "src_node") ?
	    str(o, "src_node") : "?", str(o, "dst_node") ? str(o, "dst_node") :
	    "?");
	json_object_object_add(q, "host", json_object_new_string(host));
	json_object_object_add(q, "node", json_object_get(get(o, "src_node")));
	add_ns(q, "start_ns", ns(o, "started_ns"));
	add_ns(q, "end_ns", ns(o, "ended_ns"));
	add_num(q, "duration_ms", num(o, "total_ms"));
	json_object_object_add(q, "error", json_object_get(get(o, "error")));
	json_object_array_add(arr, q);
	json_object_array_sort(arr, phase_cmp);
	return arr;
}

/* A node of the migration's tree (kern_tree_layers adds layer, attrs). */
static struct json_object *
tree_node(const char *kind, const char *name, struct json_object *node,
    int64_t start, int64_t end)
{
	struct json_object *t = json_object_new_object();

	json_object_object_add(t, "kind", json_object_new_string(kind));
	json_object_object_add(t, "name", json_object_new_string(name));
	json_object_object_add(t, "node", json_object_get(node));
	add_ns(t, "start_ns", start);
	add_ns(t, "end_ns", end);
	add_num(t, "duration_ms", start != STORE_NONE && end != STORE_NONE ?
	    (end - start) / 1e6 : NAN);
	json_object_object_add(t, "children", json_object_new_array());
	return t;
}

/*
 * The migration through its layers: each QEMU side, its rounds, and under
 * each round the kernel's (its migration thread, its vCPUs): nested
 * {kind, layer, name, node, start_ns, end_ns, duration_ms, attrs,
 * children}, as `request ID`'s tree.
 */
static struct json_object *
mig_tree(struct json_object *o)
{
	struct json_object *root, *sides, *sd, *t, *rounds, *r, *rn, *kn;
	char name[192];
	size_t i, j, k;

	snprintf(name, sizeof(name), "migration %s", str(o, "id") ?
	    str(o, "id") : "?");
	root = tree_node("migration", name, get(o, "src_node"),
	    ns(o, "started_ns"), ns(o, "ended_ns"));
	json_object_object_add(root, "verdict", json_object_get(get(o,
	    "verdict")));
	json_object_object_add(root, "outcome", json_object_get(get(o,
	    "outcome")));
	sides = get(o, "sides");
	for (i = 0; sides != NULL && i < json_object_array_length(sides); i++) {
		sd = json_object_array_get_idx(sides, i);
		snprintf(name, sizeof(name), "QEMU %s side", str(sd, "role") ?
		    str(sd, "role") : "?");
		t = tree_node("qemu", name, get(sd, "node"), ns(sd,
		    "started_ns"), ns(sd, "ended_ns"));
		json_object_object_add(t, "vpid", json_object_get(get(sd,
		    "vpid")));
		json_object_object_add(t, "role", json_object_get(get(sd,
		    "role")));
		rounds = get(sd, "rounds");
		for (j = 0; rounds != NULL && j < json_object_array_length(rounds);
		    j++) {
			r = json_object_array_get_idx(rounds, j);
			snprintf(name, sizeof(name), "round %d",
			    json_object_get_int(get(r, "n")));
			rn = tree_node("round", name, get(sd, "node"),
			    ns(r, "start_ns"), ns(r, "t_ns"));
			json_object_object_add(rn, "n", json_object_get(get(r,
			    "n")));
			json_object_object_add(rn, "pending_bytes",
			    json_object_get(get(r, "pending_bytes")));
			json_object_object_add(rn, "verdict",
			    json_object_get(get(r, "verdict")));
			kn = kern_tree_nodes(r, str(sd, "node"));
			for (k = 0; k < json_object_array_length(kn); k++)
				json_object_array_add(get(rn, "children"),
				    json_object_get(json_object_array_get_idx(kn,
				    k)));
			json_object_put(kn);
			json_object_array_add(get(t, "children"), rn);
		}
		json_object_array_add(get(root, "children"), t);
	}
	kern_tree_layers(root);
	return root;
}

int
mig_link(struct mig *m, struct json_object *o)
{
	struct json_object *nova, *src;
	const char *err, *v;

	nova = store_q_nova_migration_for(m->s, str(o, "vm_uuid"),
	    ns(o, "started_ns"), ns(o, "ended_ns"), &err);
	json_object_object_add(o, "nova", nova);
	json_object_object_add(o, "phases", phases(o, nova));
	json_object_object_add(o, "diagnosis", diagnose(o, nova));
	/* While it runs and does not converge: what would make it. */
	src = source_side(o);
	v = str(src, "verdict");
	json_object_object_add(o, "advice", str(o, "outcome") == NULL &&
	    (streq(v, "stalled") || streq(v, "diverging")) ?
	    mig_advice_of(src, get(src, "rounds"), NULL) : NULL);
	json_object_object_add(o, "tree", mig_tree(o));
	return 0;
}

char *
mig_link_lookup(struct mig *m, const char *id)
{
	struct mig_filter f;
	struct json_object *nova, *arr, *x;
	const char *err, *best = NULL;
	int64_t s, e, ms, d, bd = INT64_MAX;
	char *r = NULL;
	size_t i;

	if ((nova = store_q_nova_migration(m->s, id, &err)) == NULL)
		return NULL;
	s = ns(nova, "started_ns");
	e = ns(nova, "ended_ns");
	memset(&f, 0, sizeof(f));
	f.vm = str(nova, "instance_uuid");
	f.limit = 100000;
	if (f.vm != NULL && (arr = store_q_migrations(m->s, &f, &err)) != NULL) {
		for (i = 0; i < json_object_array_length(arr); i++) {
			x = json_object_array_get_idx(arr, i);
			ms = ns(x, "started_ns");
			if (ms == STORE_NONE || s == STORE_NONE ||
			    ms + LINK_TOL_NS < s ||
			    (e != STORE_NONE && ms - LINK_TOL_NS > e))
				continue;
			d = ms > s ? ms - s : s - ms;
			if (d < bd) {
				bd = d;
				best = str(x, "id");
			}
		}
		if (best != NULL)
			r = strdup(best);
		json_object_put(arr);
	}
	json_object_put(nova);
	return r;
}
