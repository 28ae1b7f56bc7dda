/*
 * req_tree.c: what one request caused, as a tree for `request ID`.  From
 * the request's parts (each node's services), Nova's events of it per
 * service, its Nova live migrations (both computes' phases) and the QEMU
 * migrations they are linked to (by instance uuid and time: the
 * migration kind's sides, stages and rounds), and the Neutron/Cinder
 * requests it made (their global_request_id is its id, or, without one,
 * they touched one of its instances, volumes or ports in its time):
 *
 *   request → API → conductor/scheduler → compute source, compute
 *   destination (Nova's phases there, the QEMU side there → its stages →
 *   its rounds) → the requests it made of other services
 *
 * Every tree node is {kind, layer, name, node, host, service, start_ns,
 * end_ns, duration_ms, status, error, attrs, children} plus the members of
 * its kind (docs/control.md, "request"); under each round, the kernel's
 * nodes: its migration thread and vCPUs (aggregator/kinds/kernel/).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <json-c/json.h>

#include "log.h"
#include "req_int.h"
#include "vm_store.h"
#include "mig_store.h"
#include "kern_store.h"

/* A new tree node. */
static struct json_object *
tnode(const char *kind, const char *name)
{
	struct json_object *t = json_object_new_object();

	app_add_str(t, "kind", kind);
	app_add_str(t, "name", name);
	json_object_object_add(t, "children", json_object_new_array());
	return t;
}

static void
tnode_times(struct json_object *t, int64_t start, int64_t end)
{
	app_add_i64(t, "start_ns", start);
	app_add_i64(t, "end_ns", end);
	app_add_dbl(t, "duration_ms", start != STORE_NONE && end != STORE_NONE ?
	    (end - start) / 1e6 : 0.0 / 0.0);
}

static void
tnode_add(struct json_object *parent, struct json_object *child)
{
	json_object_array_add(json_object_object_get(parent, "children"),
	    child);
}

static int
by_start(const void *a, const void *b)
{
	struct json_object *x = *(struct json_object *const *)a;
	struct json_object *y = *(struct json_object *const *)b;
	int64_t s = app_i64(x, "start_ns"), t = app_i64(y, "start_ns");
	int64_t rx = app_i64(x, "rank"), ry = app_i64(y, "rank");

	if (rx != ry)
		return rx < ry ? -1 : 1;
	if (s == STORE_NONE)
		s = INT64_MAX;
	if (t == STORE_NONE)
		t = INT64_MAX;
	return s < t ? -1 : s > t;
}

/* Which level of the tree a service is. */
enum svc_class { SVC_API, SVC_CONTROL, SVC_COMPUTE, SVC_OTHER, SVC__COUNT };

static enum svc_class
svc_class(const char *svc)
{
	size_t n = strlen(svc);

	if (n > 4 && strcmp(svc + n - 4, "-api") == 0)
		return SVC_API;
	if (strcmp(svc, "nova-conductor") == 0 ||
	    strcmp(svc, "nova-scheduler") == 0 ||
	    strcmp(svc, "nova-superconductor") == 0 ||
	    strcmp(svc, "cinder-scheduler") == 0)
		return SVC_CONTROL;
	if (strcmp(svc, "nova-compute") == 0)
		return SVC_COMPUTE;
	return SVC_OTHER;
}

static int
streq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/*
 * The first and last event of the services of class c on node (Nova's
 * events of the request), into *start and *end if any.
 */
static void
class_times(struct json_object *events, const char *node, enum svc_class c,
    int64_t *start, int64_t *end)
{
	struct json_object *e;
	const char *svc;
	int64_t f, l;
	size_t i;

	for (i = 0; i < json_object_array_length(events); i++) {
		e = json_object_array_get_idx(events, i);
		svc = app_str(e, "service");
		if (svc == NULL || svc_class(svc) != c ||
		    !streq(app_str(e, "node"), node))
			continue;
		f = app_i64(e, "first_ns");
		l = app_i64(e, "last_ns");
		if (f != STORE_NONE && (*start == STORE_NONE || f < *start))
			*start = f;
		if (l != STORE_NONE && (*end == STORE_NONE || l > *end))
			*end = l;
	}
}

/* Widens [*start, *end] to hold [s, e]. */
static void
span(int64_t *start, int64_t *end, int64_t s, int64_t e)
{
	if (s != STORE_NONE && (*start == STORE_NONE || s < *start))
		*start = s;
	if (e != STORE_NONE && (*end == STORE_NONE || e > *end))
		*end = e;
}

/* A compute node's time holds what happened there (phases, QEMU). */
static void
compute_spans(struct json_object *root)
{
	struct json_object *kids = json_object_object_get(root, "children");
	struct json_object *c, *g, *gk;
	int64_t s, e;
	size_t i, j;

	for (i = 0; i < json_object_array_length(kids); i++) {
		c = json_object_array_get_idx(kids, i);
		if (!streq(app_str(c, "kind"), "compute"))
			continue;
		s = app_i64(c, "start_ns");
		e = app_i64(c, "end_ns");
		gk = json_object_object_get(c, "children");
		for (j = 0; j < json_object_array_length(gk); j++) {
			g = json_object_array_get_idx(gk, j);
			span(&s, &e, app_i64(g, "start_ns"), app_i64(g,
			    "end_ns"));
		}
		tnode_times(c, s, e);
	}
}

/* A QEMU side: its stages, its rounds under the stage they ran in. */
static struct json_object *
qemu_node(struct json_object *mig, struct json_object *side)
{
	struct json_object *t, *stages, *rounds, *st, *r, *sn, *rn, *home;
	const char *role = app_str(side, "role");
	char name[160];
	int64_t rt, ss, se;
	size_t i, j, nst;

	snprintf(name, sizeof(name), "QEMU %s side", role ? role : "?");
	t = tnode("qemu", name);
	app_add_str(t, "node", app_str(side, "node"));
	tnode_times(t, app_i64(side, "started_ns"), app_i64(side, "ended_ns"));
	app_add_str(t, "migration_id", app_str(mig, "id"));
	app_add_str(t, "side_id", app_str(side, "id"));
	app_add_str(t, "role", role);
	app_add_str(t, "state", app_str(side, "state"));
	app_add_str(t, "outcome", app_str(side, "outcome"));
	app_add_str(t, "verdict", app_str(side, "verdict"));
	app_add_str(t, "error", app_str(side, "error"));
	app_add_i64(t, "vpid", app_i64(side, "vpid"));
	stages = app_get(side, "stages");
	nst = stages != NULL && json_object_is_type(stages, json_type_array) ?
	    json_object_array_length(stages) : 0;
	for (i = 0; i < nst; i++) {
		st = json_object_array_get_idx(stages, i);
		sn = tnode("stage", app_str(st, "name"));
		app_add_i64(sn, "start_ns", app_i64(st, "start_ns"));
		app_add_i64(sn, "end_ns", app_i64(st, "end_ns"));
		app_add_dbl(sn, "duration_ms", app_dbl(st, "duration_ms"));
		tnode_add(t, sn);
	}
	rounds = app_get(side, "rounds");
	for (j = 0; rounds != NULL && json_object_is_type(rounds,
	    json_type_array) && j < json_object_array_length(rounds); j++) {
		r = json_object_array_get_idx(rounds, j);
		snprintf(name, sizeof(name), "round %lld",
		    (long long)app_i64(r, "n"));
		rn = tnode("round", name);
		tnode_times(rn, app_i64(r, "start_ns"), app_i64(r, "t_ns"));
		if (app_get(r, "duration_ms") != NULL)
			app_add_dbl(rn, "duration_ms", app_dbl(r, "duration_ms"));
		json_object_object_add(rn, "n", app_copy(r, "n"));
		json_object_object_add(rn, "pending_bytes", app_copy(r,
		    "pending_bytes"));
		json_object_object_add(rn, "dirty_pages", app_copy(r,
		    "dirty_pages"));
		json_object_object_add(rn, "dirty_rate_bps", app_copy(r,
		    "dirty_rate_bps"));
		json_object_object_add(rn, "bandwidth_bps", app_copy(r,
		    "bandwidth_bps"));
		json_object_object_add(rn, "predicted_downtime_ms", app_copy(r,
		    "predicted_downtime_ms"));
		json_object_object_add(rn, "verdict", app_copy(r, "verdict"));
		{
			struct json_object *kn = kern_tree_nodes(r,
			    app_str(side, "node"));

			for (i = 0; i < json_object_array_length(kn); i++)
				tnode_add(rn, json_object_get(
				    json_object_array_get_idx(kn, i)));
			json_object_put(kn);
		}
		/* Under the stage whose time holds the round's end. */
		home = t;
		rt = app_i64(r, "t_ns");
		for (i = 0; rt != STORE_NONE && i < nst; i++) {
			st = json_object_array_get_idx(stages, i);
			ss = app_i64(st, "start_ns");
			se = app_i64(st, "end_ns");
			if (ss != STORE_NONE && rt >= ss &&
			    (se == STORE_NONE || rt <= se)) {
				home = json_object_array_get_idx(
				    json_object_object_get(t, "children"), i);
				break;
			}
		}
		tnode_add(home, rn);
	}
	return t;
}

/* A Nova phase of a live migration on one compute. */
static struct json_object *
phase_node(struct json_object *p)
{
	struct json_object *t = tnode("phase", app_str(p, "name"));

	app_add_str(t, "node", app_str(p, "node"));
	app_add_str(t, "host", app_str(p, "host"));
	app_add_i64(t, "start_ns", app_i64(p, "start_ns"));
	app_add_i64(t, "end_ns", app_i64(p, "end_ns"));
	app_add_dbl(t, "duration_ms", app_dbl(p, "duration_ms"));
	app_add_str(t, "error", app_str(p, "error"));
	return t;
}

/* The role a compute node plays in the request's live migrations. */
static const char *
compute_role(struct json_object *novas, const char *node,
    struct json_object *hosts)
{
	struct json_object *n;
	const char *sh, *dh;
	size_t i, k;

	for (i = 0; i < json_object_array_length(novas); i++) {
		n = json_object_array_get_idx(novas, i);
		if (streq(app_str(n, "source_node"), node))
			return "source";
		if (streq(app_str(n, "dest_node"), node))
			return "destination";
		sh = app_str(n, "source_host");
		dh = app_str(n, "dest_host");
		for (k = 0; hosts != NULL && k < json_object_array_length(hosts);
		    k++) {
			const char *h = json_object_get_string(
			    json_object_array_get_idx(hosts, k));

			if (streq(h, sh))
				return "source";
			if (streq(h, dh))
				return "destination";
		}
	}
	return NULL;
}

/*
 * The compute node of node in the tree (made if missing), with Nova's
 * phases on node and the QEMU sides there.
 */
static struct json_object *
compute_node(struct json_object *root, const char *node, const char *role,
    const char *host)
{
	struct json_object *kids = json_object_object_get(root, "children"), *c;
	char name[192];
	size_t i;

	for (i = 0; i < json_object_array_length(kids); i++) {
		c = json_object_array_get_idx(kids, i);
		if (streq(app_str(c, "kind"), "compute") &&
		    streq(app_str(c, "node"), node))
			return c;
	}
	snprintf(name, sizeof(name), "compute%s%s %s", role ? " " : "",
	    role ? role : "", host ? host : node);
	c = tnode("compute", name);
	app_add_str(c, "node", node);
	app_add_str(c, "host", host ? host : node);
	app_add_str(c, "service", "nova-compute");
	app_add_str(c, "role", role);
	json_object_object_add(c, "rank", json_object_new_int(role == NULL ? 4 :
	    strcmp(role, "source") == 0 ? 2 : 3));
	tnode_add(root, c);
	return c;
}

/* One level of a part: the services of class c of one node. */
static void
part_level(struct json_object *root, struct json_object *p, enum svc_class c,
    struct json_object *events, struct json_object *novas)
{
	static const char *const names[] = { "API", "conductor/scheduler",
	    "compute", "services" };
	struct json_object *svcs = app_get(p, "services"), *t, *api, *sv;
	struct json_object *hosts = app_get(p, "hosts");
	const char *node = app_str(p, "node"), *role = NULL, *host;
	int64_t start = STORE_NONE, end = STORE_NONE;
	size_t i, n = svcs ? json_object_array_length(svcs) : 0;
	int any = 0;

	sv = json_object_new_array();
	for (i = 0; i < n; i++) {
		const char *s = json_object_get_string(
		    json_object_array_get_idx(svcs, i));

		if (s != NULL && svc_class(s) == c) {
			json_object_array_add(sv, json_object_new_string(s));
			any = 1;
		}
	}
	if (!any) {
		json_object_put(sv);
		return;
	}
	host = hosts && json_object_array_length(hosts) > 0 ?
	    json_object_get_string(json_object_array_get_idx(hosts, 0)) : node;
	if (c == SVC_COMPUTE) {
		role = compute_role(novas, node, hosts);
		t = compute_node(root, node, role, host);
	} else {
		t = tnode(c == SVC_API ? "api" : c == SVC_CONTROL ? "control" :
		    "service", names[c]);
		app_add_str(t, "node", node);
		app_add_str(t, "host", host);
		json_object_object_add(t, "rank", json_object_new_int(c ==
		    SVC_API ? 0 : c == SVC_CONTROL ? 1 : 5));
		tnode_add(root, t);
	}
	json_object_object_add(t, "services", sv);
	/* Nova's events of these services, within the node's part. */
	class_times(events, node, c, &start, &end);
	span(&start, &end, app_i64(p, "started_ns"), app_i64(p, "ended_ns"));
	tnode_times(t, start, end);
	app_add_str(t, "status", app_str(p, "status"));
	app_add_str(t, "error", app_str(p, "error"));
	if (c == SVC_API && (api = app_get(p, "api")) != NULL)
		json_object_object_add(t, "api", json_object_get(api));
}

/* The QEMU migration a Nova live migration is linked to, in full. */
static struct json_object *
linked_migration(struct store *s, struct json_object *nova)
{
	struct mig_filter f;
	struct json_object *arr, *m, *full = NULL;
	const char *err, *best = NULL;
	int64_t ns = app_i64(nova, "started_ns"), ne = app_i64(nova,
	    "ended_ns"), d, bd = INT64_MAX, ms;
	size_t i;

	if (app_str(nova, "instance_uuid") == NULL)
		return NULL;
	memset(&f, 0, sizeof(f));
	f.vm = app_str(nova, "instance_uuid");
	f.limit = APP_LIST_MAX;
	if ((arr = store_q_migrations(s, &f, &err)) == NULL)
		return NULL;
	for (i = 0; i < json_object_array_length(arr); i++) {
		m = json_object_array_get_idx(arr, i);
		ms = app_i64(m, "started_ns");
		if (!app_overlap(ns, ne, ms, app_i64(m, "ended_ns"),
		    APP_LINK_TOL_NS))
			continue;
		d = ms > ns ? ms - ns : ns - ms;
		if (d < bd) {
			bd = d;
			best = app_str(m, "id");
		}
	}
	if (best != NULL)
		full = store_q_migration(s, best, &err);
	json_object_put(arr);
	return full;
}

/* The requests it made of other services, and their link. */
static struct json_object *
children(struct req *q, const char *rid, int64_t start, int64_t end)
{
	struct json_object *arr = json_object_new_array(), *c, *svcs;
	struct app_set seen = { 0 };
	sqlite3_stmt *st;
	size_t i;
	int r, nova;

	st = req_st(q, RST_CHILDREN);
	store_bind_str(st, 1, rid);
	while ((r = store_row(q->s, st, "children")) == 1) {
		c = json_object_new_object();
		json_object_object_add(c, "request_id", store_json_col(st, 0));
		json_object_object_add(c, "services",
		    store_json_text_col(st, 2));
		json_object_object_add(c, "hosts", store_json_text_col(st, 3));
		json_object_object_add(c, "operation", store_json_col(st, 4));
		json_object_object_add(c, "started_ns", store_json_col(st, 5));
		json_object_object_add(c, "duration_ms", store_json_col(st, 6));
		json_object_object_add(c, "status", store_json_col(st, 7));
		app_add_str(c, "link", "global_request_id");
		app_set_add(&seen, app_str(c, "request_id"));
		json_object_array_add(arr, c);
	}
	sqlite3_reset(st);
	if (start == STORE_NONE)
		goto out;
	st = req_st(q, RST_RELATED);
	store_bind_str(st, 1, rid);
	sqlite3_bind_int64(st, 2, start - APP_LINK_TOL_NS);
	sqlite3_bind_int64(st, 3, (end != STORE_NONE ? end : start) +
	    APP_LINK_TOL_NS);
	while ((r = store_row(q->s, st, "related")) == 1) {
		const char *id = (const char *)sqlite3_column_text(st, 0);

		if (id == NULL || app_set_has(&seen, id))
			continue;
		/* Another Nova request on the same instance is no child. */
		svcs = store_json_text_col(st, 2);
		for (i = 0, nova = 0; svcs != NULL &&
		    json_object_is_type(svcs, json_type_array) &&
		    i < json_object_array_length(svcs); i++)
			nova |= strncmp(json_object_get_string(
			    json_object_array_get_idx(svcs, i)), "nova-", 5) == 0;
		if (nova) {
			json_object_put(svcs);
			continue;
		}
		c = json_object_new_object();
		json_object_object_add(c, "request_id", store_json_col(st, 0));
		json_object_object_add(c, "services", svcs);
		json_object_object_add(c, "hosts", store_json_text_col(st, 3));
		json_object_object_add(c, "operation", store_json_col(st, 4));
		json_object_object_add(c, "started_ns", store_json_col(st, 5));
		json_object_object_add(c, "duration_ms", store_json_col(st, 6));
		json_object_object_add(c, "status", store_json_col(st, 7));
		app_add_str(c, "link", (const char *)sqlite3_column_text(st, 8));
		app_set_add(&seen, id);
		json_object_array_add(arr, c);
	}
	sqlite3_reset(st);
 out:
	app_set_free(&seen);
	return arr;
}

/* Sorts every node's children by rank, then start. */
static void
tree_sort(struct json_object *t)
{
	struct json_object *kids = json_object_object_get(t, "children");
	size_t i;

	if (kids == NULL)
		return;
	json_object_array_sort(kids, by_start);
	for (i = 0; i < json_object_array_length(kids); i++) {
		tree_sort(json_object_array_get_idx(kids, i));
		json_object_object_del(json_object_array_get_idx(kids, i),
		    "rank");
	}
}

int
req_tree(struct req *q, struct json_object *o)
{
	struct json_object *parts = app_get(o, "parts"), *events, *novas;
	struct json_object *migs, *root, *p, *n, *ph, *m, *sides, *sd;
	struct json_object *c, *cn, *diag;
	const char *rid = app_str(o, "request_id"), *err, *sn, *role;
	char name[256];
	size_t i, j;
	int k;

	if ((events = store_q_vm_events_of(q->s, rid, &err)) == NULL)
		return -1;
	if ((novas = store_q_nova_migrations_of(q->s, rid, &err)) == NULL) {
		json_object_put(events);
		return -1;
	}
	migs = json_object_new_array();
	for (i = 0; i < json_object_array_length(novas); i++)
		if ((m = linked_migration(q->s, json_object_array_get_idx(novas,
		    i))) != NULL)
			json_object_array_add(migs, m);

	snprintf(name, sizeof(name), "request %s%s%s", rid,
	    app_str(o, "operation") ? " " : "", app_str(o, "operation") ?
	    app_str(o, "operation") : "");
	root = tnode("request", name);
	tnode_times(root, app_i64(o, "started_ns"), app_i64(o, "ended_ns"));
	app_add_str(root, "status", app_str(o, "status"));
	app_add_str(root, "error", app_str(o, "error"));
	for (i = 0; parts != NULL && i < json_object_array_length(parts); i++) {
		p = json_object_array_get_idx(parts, i);
		for (k = 0; k < SVC__COUNT; k++)
			part_level(root, p, (enum svc_class)k, events, novas);
	}
	/* Nova's phases, each on the compute node that saw it. */
	for (i = 0; i < json_object_array_length(novas); i++) {
		n = json_object_array_get_idx(novas, i);
		ph = app_get(n, "phases");
		for (j = 0; ph != NULL && j < json_object_array_length(ph); j++) {
			p = json_object_array_get_idx(ph, j);
			if ((sn = app_str(p, "node")) == NULL)
				continue;
			role = streq(sn, app_str(n, "source_node")) ? "source" :
			    streq(sn, app_str(n, "dest_node")) ? "destination" :
			    NULL;
			tnode_add(compute_node(root, sn, role, app_str(p,
			    "host")), phase_node(p));
		}
	}
	/* The QEMU sides, each under the compute node of its node. */
	for (i = 0; i < json_object_array_length(migs); i++) {
		m = json_object_array_get_idx(migs, i);
		sides = app_get(m, "sides");
		for (j = 0; sides != NULL && j < json_object_array_length(sides);
		    j++) {
			sd = json_object_array_get_idx(sides, j);
			if ((sn = app_str(sd, "node")) == NULL)
				continue;
			cn = compute_node(root, sn, app_str(sd, "role"), NULL);
			tnode_add(cn, qemu_node(m, sd));
		}
	}
	/* The requests it made. */
	c = children(q, rid, app_i64(o, "started_ns"), app_i64(o, "ended_ns"));
	for (i = 0; i < json_object_array_length(c); i++) {
		p = json_object_array_get_idx(c, i);
		snprintf(name, sizeof(name), "request %s%s%s",
		    app_str(p, "request_id"), app_str(p, "operation") ? " " : "",
		    app_str(p, "operation") ? app_str(p, "operation") : "");
		cn = tnode("child", name);
		json_object_object_add(cn, "services", app_copy(p, "services"));
		json_object_object_add(cn, "hosts", app_copy(p, "hosts"));
		app_add_i64(cn, "start_ns", app_i64(p, "started_ns"));
		json_object_object_add(cn, "duration_ms", app_copy(p,
		    "duration_ms"));
		app_add_str(cn, "status", app_str(p, "status"));
		app_add_str(cn, "request_id", app_str(p, "request_id"));
		app_add_str(cn, "link", app_str(p, "link"));
		json_object_object_add(cn, "rank", json_object_new_int(6));
		tnode_add(root, cn);
	}
	compute_spans(root);
	tree_sort(root);
	kern_tree_layers(root);
	/* The diagnosis of the first linked migration that has one. */
	diag = NULL;
	for (i = 0; i < json_object_array_length(migs) && diag == NULL; i++)
		diag = app_get(json_object_array_get_idx(migs, i), "diagnosis");
	json_object_object_add(o, "diagnosis", json_object_get(diag));
	json_object_object_add(o, "children", c);
	json_object_object_add(o, "services_seen", events);
	json_object_object_add(o, "nova_migrations", novas);
	json_object_object_add(o, "migrations", migs);
	json_object_object_add(o, "tree", root);
	return 0;
}
