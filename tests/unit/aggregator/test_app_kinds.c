/*
 * test_app_kinds.c: the application-layer kinds of the aggregator (vm,
 * request, service, volume, port) and the multi-layer link, on real SQLite
 * files in a temporary directory, fed through store_records() as agents
 * send them (docs/records.md) and asked through the control commands
 * (ctl_handle_line): the CLI contract's --json shapes member for member,
 * the merge of several nodes' records, supersede and dedupe, skipped
 * malformed records; a Nova live migration linked to the QEMU migration
 * on both nodes, its phases, the rollback diagnosed ("failed to converge
 * under guest workload", after the completion timeout, inferred without
 * the timeout line, after an admin abort); the request tree down to QEMU's
 * rounds; the advice of a not_converging alert.
 */
#define _GNU_SOURCE		/* asprintf */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "log.h"
#include "ctl.h"
#include "store.h"
#include "tap.h"
#include "ctl_harness.h"
#include "app_kind.h"

#define SEC	1000000000LL
#define MS	1000000LL
/* Some time in 2026, as the agents' clocks would say it. */
#define T0	1795634430000000000LL
#define MIB	1048576.0

#define U1	"6f2c1a9e-8d4b-4e57-9a1f-3c2b7d9e0a11"	/* boots, migrates */
#define U2	"0b7e6a55-3c1f-4a7e-9d61-2f2d8f0c9a22"	/* deleted */
#define U3	"a1b2c3d4-0000-4000-8000-000000000033"	/* times out */
#define U4	"a1b2c3d4-0000-4000-8000-000000000044"	/* no timeout line */
#define U5	"a1b2c3d4-0000-4000-8000-000000000055"	/* admin abort */

static char dir[64];
static struct ctl_env env;

static void __attribute__((noreturn, format(printf, 1, 2)))
bail(const char *fmt, ...)
{
	va_list ap;

	fputs("Bail out! ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	exit(1);
}

/* Stores a batch written as JSON text (an array); -2 if it is not JSON. */
static int __attribute__((format(printf, 3, 4)))
feed(const char *node, int64_t now, const char *fmt, ...)
{
	struct json_object *arr;
	char *text;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) == -1)
		abort();
	va_end(ap);
	if ((arr = json_tokener_parse(text)) == NULL) {
		diag("bad test JSON: %s", text);
		free(text);
		return -2;
	}
	free(text);
	rc = store_records(env.store, node, arr, now);
	json_object_put(arr);
	return rc;
}

/* The error message of a request that fails, or NULL. */
static char *
ask_err(const char *line)
{
	struct json_object *resp, *v;
	char *e = NULL;
	int streaming;

	resp = ctl_handle_line(&env, NULL, line, strlen(line), &streaming);
	if (json_object_object_get_ex(resp, "ok", &v) &&
	    !json_object_get_boolean(v) &&
	    json_object_object_get_ex(resp, "error", &v))
		e = strdup(json_object_get_string(v));
	json_object_put(resp);
	return e;
}

static struct json_object *
get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (o != NULL && json_object_is_type(o, json_type_object))
		json_object_object_get_ex(o, key, &v);
	return v;
}

/* A path of members and array indices: "sides.0.role". */
static struct json_object *
at(struct json_object *o, const char *path)
{
	char buf[256], *p, *tok, *save;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf; (tok = strtok_r(p, ".", &save)) != NULL; p = NULL) {
		if (o == NULL)
			return NULL;
		if (json_object_is_type(o, json_type_array))
			o = json_object_array_get_idx(o, atoi(tok));
		else
			o = get(o, tok);
	}
	return o;
}

static const char *
s_at(struct json_object *o, const char *path)
{
	struct json_object *v = at(o, path);

	return v != NULL && json_object_is_type(v, json_type_string) ?
	    json_object_get_string(v) : NULL;
}

static double
d_at(struct json_object *o, const char *path)
{
	struct json_object *v = at(o, path);

	return v != NULL && (json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double)) ?
	    json_object_get_double(v) : NAN;
}

static int64_t
i_at(struct json_object *o, const char *path)
{
	struct json_object *v = at(o, path);

	return v != NULL && json_object_is_type(v, json_type_int) ?
	    json_object_get_int64(v) : -999;
}

static size_t
len_at(struct json_object *o, const char *path)
{
	struct json_object *v = path ? at(o, path) : o;

	return v != NULL && json_object_is_type(v, json_type_array) ?
	    json_object_array_length(v) : 0;
}

/* The element of array arr whose member key is val. */
static struct json_object *
find(struct json_object *arr, const char *key, const char *val)
{
	size_t i;

	for (i = 0; i < len_at(arr, NULL); i++)
		if (s_at(json_object_array_get_idx(arr, i), key) != NULL &&
		    strcmp(s_at(json_object_array_get_idx(arr, i), key), val) ==
		    0)
			return json_object_array_get_idx(arr, i);
	return NULL;
}

static int
near(double got, double want, double tol)
{
	if (fabs(got - want) <= tol)
		return 1;
	diag("  got %.6g, want %.6g", got, want);
	return 0;
}

/* A tree node's first child of kind (and name prefix, or NULL). */
static struct json_object *
child(struct json_object *t, const char *kind, const char *name)
{
	struct json_object *k = get(t, "children"), *c;
	size_t i;

	for (i = 0; i < len_at(k, NULL); i++) {
		c = json_object_array_get_idx(k, i);
		if (s_at(c, "kind") != NULL && strcmp(s_at(c, "kind"), kind) == 0 &&
		    (name == NULL || (s_at(c, "name") != NULL &&
		    strncmp(s_at(c, "name"), name, strlen(name)) == 0)))
			return c;
	}
	return NULL;
}

static void
test_vms(void)
{
	struct json_object *r, *v, *tl;
	struct store_batch_counts c;

	/* The controller saw the boot; cmp1 runs it; U2 lived on cmp2. */
	is_int(feed("ctl", T0 + 10 * SEC, "["
	    "{\"kind\":\"vm\",\"node\":\"ctl\",\"id\":\"ctl/" U1 "\","
	    "\"t_ns\":%lld,\"uuid\":\"" U1 "\",\"name\":\"web-1\","
	    "\"instance_name\":null,\"host\":null,\"vm_state\":\"building\","
	    "\"task_state\":\"scheduling\",\"power_state\":\"pending\","
	    "\"since_ns\":%lld,\"first_ns\":%lld,\"last_ns\":%lld,"
	    "\"state_ms\":{\"building\":1000},\"epoch_ns\":%lld},"
	    "{\"kind\":\"vm_event\",\"node\":\"ctl\",\"id\":\"ctl/msg-1\","
	    "\"t_ns\":%lld,\"uuid\":\"" U1 "\",\"name\":\"web-1\","
	    "\"event_type\":\"instance.create.start\",\"vm_state\":\"building\","
	    "\"task_state\":\"scheduling\",\"power_state\":\"pending\","
	    "\"host\":null,\"service\":\"nova-conductor\","
	    "\"publisher_host\":\"ctl\",\"request_id\":\"req-boot\"}]",
	    (long long)(T0 + SEC), (long long)(T0 + SEC), (long long)(T0 + SEC),
	    (long long)(T0 + SEC), (long long)T0, (long long)(T0 + SEC)), 0,
	    "vm and vm_event records of the controller are stored");
	is_int(feed("cmp1", T0 + 11 * SEC, "["
	    "{\"kind\":\"vm\",\"node\":\"cmp1\",\"id\":\"cmp1/" U1 "\","
	    "\"t_ns\":%lld,\"uuid\":\"" U1 "\",\"name\":null,"
	    "\"instance_name\":\"instance-0000002a\",\"host\":\"cmp1\","
	    "\"vm_state\":\"active\",\"task_state\":null,"
	    "\"power_state\":\"running\",\"since_ns\":%lld},"
	    "{\"kind\":\"vm_event\",\"node\":\"cmp1\",\"id\":\"cmp1/msg-2\","
	    "\"t_ns\":%lld,\"uuid\":\"" U1 "\","
	    "\"event_type\":\"instance.create.end\",\"vm_state\":\"active\","
	    "\"task_state\":null,\"power_state\":\"running\",\"host\":\"cmp1\","
	    "\"service\":\"nova-compute\",\"publisher_host\":\"cmp1\","
	    "\"request_id\":\"req-boot\"},"
	    /* The same notification seen on a second node: once. */
	    "{\"kind\":\"vm_event\",\"node\":\"cmp1\",\"id\":\"cmp1/msg-1\","
	    "\"t_ns\":%lld,\"uuid\":\"" U1 "\","
	    "\"event_type\":\"instance.create.start\",\"vm_state\":\"building\","
	    "\"task_state\":\"scheduling\",\"power_state\":\"pending\","
	    "\"host\":null},"
	    "{\"kind\":\"vm_event\",\"node\":\"cmp1\",\"id\":\"cmp1/msg-3\","
	    "\"t_ns\":%lld,\"uuid\":\"" U1 "\","
	    "\"event_type\":\"instance.power_off.start\",\"vm_state\":\"active\","
	    "\"task_state\":\"powering-off\",\"power_state\":\"running\","
	    "\"host\":null}]",
	    (long long)(T0 + 5 * SEC), (long long)(T0 + 5 * SEC),
	    (long long)(T0 + 5 * SEC), (long long)(T0 + SEC),
	    (long long)(T0 + 6 * SEC)), 0, "cmp1's records are stored");
	is_int(feed("cmp2", T0 + 12 * SEC, "["
	    "{\"kind\":\"vm\",\"node\":\"cmp2\",\"id\":\"cmp2/" U2 "\","
	    "\"t_ns\":%lld,\"uuid\":\"" U2 "\",\"name\":\"db-1\","
	    "\"host\":\"cmp2\",\"vm_state\":\"deleted\",\"task_state\":null,"
	    "\"power_state\":\"nostate\",\"since_ns\":%lld,\"deleted\":true},"
	    "{\"kind\":\"vm\",\"node\":\"cmp2\",\"uuid\":\"" U2 "\","
	    "\"t_ns\":1},"
	    "{\"kind\":\"vm_event\",\"node\":\"cmp2\",\"id\":\"cmp2/x\","
	    "\"uuid\":\"" U2 "\"},"
	    "{\"kind\":\"vm\",\"node\":\"cmp2\",\"id\":\"cmp2/x\",\"uuid\":7,"
	    "\"t_ns\":1}]",
	    (long long)(T0 + 7 * SEC), (long long)(T0 + 7 * SEC)), 0,
	    "a batch with malformed vm records is acknowledged");
	store_last_batch(env.store, &c);
	is_int(c.stored, 1, "one of its records stored");
	is_int(c.skipped, 3, "three skipped: no id, no t_ns, uuid not a string");

	r = ctl_ask(&env, "{\"cmd\":\"vms\"}");
	is_int(len_at(r, NULL), 2, "vms: two instances");
	v = find(r, "uuid", U1);
	ok(json_exactly(v, "uuid,name,host,vm_state,task_state,power_state,since_ns"),
	    "vms: each element has exactly the contract's members");
	is_str(s_at(v, "name"), "web-1", "vms: the name from the node that "
	    "knew it");
	is_str(s_at(v, "vm_state"), "active", "vms: states of the node whose "
	    "states began last (cmp1)");
	ok(at(v, "task_state") == NULL && strcmp(s_at(v, "power_state"),
	    "running") == 0, "vms: task_state null, power_state running");
	is_int(i_at(v, "since_ns"), T0 + 5 * SEC, "vms: since_ns as sent");
	is_str(s_at(v, "host"), "cmp1", "vms: host from the latest event that "
	    "tells");
	json_object_put(r);
	r = ctl_ask(&env, "{\"cmd\":\"vms\",\"args\":{\"live\":true}}");
	ok(len_at(r, NULL) == 1 && find(r, "uuid", U1) != NULL,
	    "vms live: the deleted instance is left out");
	json_object_put(r);
	r = ctl_ask(&env, "{\"cmd\":\"vms\",\"args\":{\"host\":\"cmp2\"}}");
	ok(len_at(r, NULL) == 1 && find(r, "uuid", U2) != NULL,
	    "vms host cmp2: only db-1");
	json_object_put(r);

	v = ctl_ask(&env, "{\"cmd\":\"vm\",\"args\":{\"id\":\"instance-0000002a\"}}");
	ok(json_exactly(v, "uuid,name,host,timeline,migrations"),
	    "vm NAME: exactly uuid, name, host, timeline, migrations");
	is_str(s_at(v, "uuid"), U1, "vm: found by libvirt name");
	tl = get(v, "timeline");
	is_int(len_at(tl, NULL), 3, "vm: three events, the one seen on two "
	    "nodes once");
	ok(json_exactly(at(tl, "0"), "t_ns,event_type,vm_state,task_state,"
	    "power_state,host"), "vm: timeline entries have exactly the "
	    "contract's members");
	ok(s_at(tl, "0.event_type") && strcmp(s_at(tl, "0.event_type"),
	    "instance.create.start") == 0 && s_at(tl, "2.event_type") &&
	    strcmp(s_at(tl, "2.event_type"), "instance.power_off.start") == 0,
	    "vm: timeline in time order across nodes");
	is_str(s_at(tl, "2.host"), "cmp1", "vm: a null host is carried forward");
	ok(at(tl, "0.host") == NULL, "vm: no host before one is known");
	json_object_put(v);
	ok((v = ctl_ask(&env, "{\"cmd\":\"vm\",\"args\":{\"id\":\"nope\"}}")) == NULL,
	    "vm: an unknown instance is an error");
	{
		char *e = ask_err("{\"cmd\":\"vm\",\"args\":{\"id\":\"nope\"}}");

		ok(e != NULL && strstr(e, "no instance nope") != NULL,
		    "vm: the error says there is no such instance");
		free(e);
	}

	/* Supersede: an older record changes nothing; a new epoch's nulls. */
	is_int(feed("cmp1", T0 + 13 * SEC, "["
	    "{\"kind\":\"vm\",\"node\":\"cmp1\",\"id\":\"cmp1/" U1 "\","
	    "\"t_ns\":%lld,\"uuid\":\"" U1 "\",\"vm_state\":\"error\","
	    "\"since_ns\":%lld}]", (long long)(T0 + 2 * SEC),
	    (long long)(T0 + 2 * SEC)), 0, "an older record is acknowledged");
	store_last_batch(env.store, &c);
	is_int(c.duplicate, 1, "an older record is superseded (duplicate)");
	is_int(feed("cmp1", T0 + 14 * SEC, "["
	    "{\"kind\":\"vm\",\"node\":\"cmp1\",\"id\":\"cmp1/" U1 "\","
	    "\"t_ns\":%lld,\"uuid\":\"" U1 "\",\"name\":null,"
	    "\"instance_name\":null,\"host\":null,\"vm_state\":\"stopped\","
	    "\"task_state\":null,\"power_state\":\"shutdown\",\"since_ns\":%lld,"
	    "\"epoch_ns\":%lld}]", (long long)(T0 + 8 * SEC),
	    (long long)(T0 + 8 * SEC), (long long)(T0 + 8 * SEC)), 0,
	    "a record of a new agent epoch is stored");
	r = ctl_ask(&env, "{\"cmd\":\"vms\"}");
	v = find(r, "uuid", U1);
	is_str(s_at(v, "vm_state"), "stopped", "vms: the newer record's state");
	json_object_put(r);
	v = ctl_ask(&env, "{\"cmd\":\"vm\",\"args\":{\"id\":\"instance-0000002a\"}}");
	ok(v != NULL, "vm: still found by the libvirt name the new epoch's "
	    "record did not know");
	json_object_put(v);
	is_int(feed("cmp1", T0 + 15 * SEC, "["
	    "{\"kind\":\"vm\",\"node\":\"cmp1\",\"id\":\"cmp1/" U1 "\","
	    "\"t_ns\":%lld,\"uuid\":\"" U1 "\",\"name\":null,"
	    "\"instance_name\":null,\"host\":null,\"vm_state\":\"stopped\","
	    "\"task_state\":null,\"power_state\":\"shutdown\",\"since_ns\":%lld,"
	    "\"epoch_ns\":%lld}]", (long long)(T0 + 8 * SEC),
	    (long long)(T0 + 8 * SEC), (long long)(T0 + 8 * SEC)), 0,
	    "the same record again is acknowledged");
	store_last_batch(env.store, &c);
	is_int(c.duplicate, 1, "the same record again is a duplicate");

	/* Within one life a null is news: the task is over. */
	ok(feed("cmp1", T0 + 16 * SEC, "["
	    "{\"kind\":\"vm\",\"node\":\"cmp1\",\"id\":\"cmp1/" U1 "\","
	    "\"t_ns\":%lld,\"uuid\":\"" U1 "\",\"name\":null,"
	    "\"instance_name\":null,\"host\":null,\"vm_state\":\"stopped\","
	    "\"task_state\":\"powering-on\",\"power_state\":\"shutdown\","
	    "\"since_ns\":%lld,\"epoch_ns\":%lld}]", (long long)(T0 + 9 * SEC),
	    (long long)(T0 + 9 * SEC), (long long)(T0 + 8 * SEC)) == 0 &&
	    feed("cmp1", T0 + 17 * SEC, "["
	    "{\"kind\":\"vm\",\"node\":\"cmp1\",\"id\":\"cmp1/" U1 "\","
	    "\"t_ns\":%lld,\"uuid\":\"" U1 "\",\"name\":null,"
	    "\"instance_name\":null,\"host\":null,\"vm_state\":\"active\","
	    "\"task_state\":null,\"power_state\":\"running\","
	    "\"since_ns\":%lld,\"epoch_ns\":%lld}]", (long long)(T0 + 10 * SEC),
	    (long long)(T0 + 10 * SEC), (long long)(T0 + 8 * SEC)) == 0,
	    "two more records of the new life: powering-on, then no task");
	r = ctl_ask(&env, "{\"cmd\":\"vms\"}");
	v = find(r, "uuid", U1);
	ok(s_at(v, "vm_state") && strcmp(s_at(v, "vm_state"), "active") == 0 &&
	    at(v, "task_state") == NULL, "vms: a null task_state of the same "
	    "life is taken as it is (no task)");
	json_object_put(r);
	v = ctl_ask(&env, "{\"cmd\":\"vm\",\"args\":{\"id\":\"instance-0000002a\"}}");
	ok(v != NULL, "vm: what the previous life knew (the libvirt name) is "
	    "kept for the records of the new one");
	json_object_put(v);
}

/* A `request` record of node for request rid; extra is more members. */
static int
req_rec(const char *node, const char *rid, const char *svcs,
    const char *hosts, const char *op, int64_t start, int64_t end,
    const char *status, const char *extra)
{
	return feed(node, end + SEC, "[{\"kind\":\"request\",\"node\":\"%s\","
	    "\"id\":\"%s/%s\",\"t_ns\":%lld,\"request_id\":\"%s\","
	    "\"services\":%s,\"hosts\":%s,\"operation\":%s,\"started_ns\":%lld,"
	    "\"ended_ns\":%lld,\"duration_ms\":%.1f,\"status\":\"%s\"%s%s}]",
	    node, node, rid, (long long)end, rid, svcs, hosts, op,
	    (long long)start, (long long)end, (end - start) / 1e6, status,
	    *extra ? "," : "", extra);
}

static void
test_requests(void)
{
	struct json_object *r, *q;
	int64_t t = T0 + 100 * SEC;

	ok(req_rec("ctl", "req-a", "[\"nova-api\",\"nova-conductor\"]",
	    "[\"ctl\"]", "\"POST /v2.1/servers\"", t, t + 300 * MS, "ok",
	    "\"global_request_id\":null,\"instance_uuids\":[\"" U1 "\"],"
	    "\"api\":{\"method\":\"POST\",\"path\":\"/v2.1/servers\","
	    "\"status\":202,\"duration_ms\":120.0}") == 0 &&
	    req_rec("cmp1", "req-a", "[\"nova-compute\"]", "[\"cmp1\"]",
	    "\"instance.create\"", t + 200 * MS, t + 4500 * MS, "ok",
	    "\"instance_uuids\":[\"" U1 "\"]") == 0,
	    "a request seen by the controller and by cmp1 is stored");
	/* Neutron's own request, made by Nova's (global_request_id). */
	ok(req_rec("ctl", "req-n1", "[\"neutron-server\"]", "[\"ctl\"]",
	    "\"port.update\"", t + 1 * SEC, t + 1500 * MS, "ok",
	    "\"global_request_id\":\"req-a\",\"port_ids\":[\"p-1\"]") == 0,
	    "Neutron's request with Nova's as its global request id");
	/* Cinder's, without a global id, on the same instance and time. */
	ok(req_rec("ctl", "req-c1", "[\"cinder-volume\"]", "[\"ctl\"]",
	    "\"volume.attach\"", t + 2 * SEC, t + 3 * SEC, "error",
	    "\"global_request_id\":null,\"instance_uuids\":[\"" U1 "\"],"
	    "\"volume_ids\":[\"v-1\"],\"error\":\"VolumeNotFound\"") == 0,
	    "Cinder's request without a global request id, failed");
	/* A later Nova request on the same instance: no child of req-a. */
	ok(req_rec("ctl", "req-b", "[\"nova-api\"]", "[\"ctl\"]",
	    "\"instance.power_off\"", t + 4 * SEC, t + 4100 * MS, "running",
	    "\"instance_uuids\":[\"" U1 "\"]") == 0, "another Nova request");

	r = ctl_ask(&env, "{\"cmd\":\"requests\"}");
	is_int(len_at(r, NULL), 4, "requests: four request ids");
	q = find(r, "request_id", "req-a");
	ok(json_exactly(q, "request_id,global_request_id,services,hosts,operation,"
	    "started_ns,duration_ms,status"), "requests: each element has "
	    "exactly the contract's members");
	is_int(len_at(q, "services"), 3, "requests: services of both nodes");
	ok(len_at(q, "hosts") == 2 && strcmp(s_at(q, "hosts.0"), "cmp1") == 0 &&
	    strcmp(s_at(q, "hosts.1"), "ctl") == 0, "requests: hosts sorted, "
	    "both nodes'");
	is_str(s_at(q, "operation"), "instance.create", "requests: the "
	    "notification's operation over the API call");
	is_int(i_at(q, "started_ns"), t, "requests: started the first part's");
	ok(near(d_at(q, "duration_ms"), 4500, 0.01), "requests: duration "
	    "from the first start to the last end (4500 ms)");
	is_str(s_at(q, "status"), "ok", "requests: status ok");
	ok(at(q, "global_request_id") == NULL, "requests: a root request has "
	    "global_request_id null");
	is_str(s_at(find(r, "request_id", "req-n1"), "global_request_id"),
	    "req-a", "requests: Neutron's request names Nova's");
	is_str(s_at(r, "0.request_id"), "req-b", "requests: newest first");
	json_object_put(r);

	r = ctl_ask(&env, "{\"cmd\":\"requests\",\"args\":{\"slow\":true}}");
	ok(len_at(r, NULL) == 2 && strcmp(s_at(r, "0.request_id"), "req-a") ==
	    0 && strcmp(s_at(r, "1.request_id"), "req-c1") == 0,
	    "requests --slow: those of 1 s or more, slowest first");
	json_object_put(r);
	r = ctl_ask(&env, "{\"cmd\":\"requests\",\"args\":{\"slow-ms\":2000}}");
	ok(len_at(r, NULL) == 1, "requests --slow-ms 2000: one");
	json_object_put(r);
	r = ctl_ask(&env, "{\"cmd\":\"requests\",\"args\":{\"failed\":true}}");
	ok(len_at(r, NULL) == 1 && strcmp(s_at(r, "0.request_id"), "req-c1") ==
	    0, "requests --failed: the one with status error");
	json_object_put(r);
	r = ctl_ask(&env, "{\"cmd\":\"requests\",\"args\":{\"vm\":\"" U1 "\","
	    "\"operation\":\"instance.create\"}}");
	ok(len_at(r, NULL) == 1, "requests --vm --operation: one");
	json_object_put(r);

	/* A part updated: error wins over ok, the merge follows. */
	ok(req_rec("cmp1", "req-a", "[\"nova-compute\"]", "[\"cmp1\"]",
	    "\"instance.create\"", t + 200 * MS, t + 5 * SEC, "error",
	    "\"error\":\"No valid host\"") == 0, "cmp1's part again, failed");
	r = ctl_ask(&env, "{\"cmd\":\"request\",\"args\":{\"id\":\"req-a\"}}");
	is_str(s_at(r, "status"), "error", "request: error wins over ok");
	is_str(s_at(r, "error"), "No valid host", "request: the error text");
	is_int(len_at(r, "parts"), 2, "request: one part per node");
	is_int(len_at(r, "children"), 2, "request: two requests it made");
	is_str(s_at(find(get(r, "children"), "request_id", "req-n1"), "link"),
	    "global_request_id", "request: Neutron's linked by its global "
	    "request id");
	is_str(s_at(find(get(r, "children"), "request_id", "req-c1"), "link"),
	    "instance", "request: Cinder's linked by the instance");
	ok(find(get(r, "children"), "request_id", "req-b") == NULL,
	    "request: another Nova request on the instance is no child");
	q = get(r, "tree");
	ok(child(q, "api", "API") != NULL && child(q, "control",
	    "conductor/scheduler") != NULL && child(q, "compute", NULL) != NULL,
	    "request tree: API, conductor/scheduler, compute");
	is_str(s_at(child(q, "api", NULL), "api.path"), "/v2.1/servers",
	    "request tree: the API call");
	is_str(s_at(q, "children.0.kind"), "api", "request tree: the API first");
	json_object_put(r);
	{
		char *e = ask_err("{\"cmd\":\"request\",\"args\":{\"id\":\"x\"}}");

		ok(e != NULL && strstr(e, "no request x") != NULL,
		    "request: an unknown id is an error");
		free(e);
	}
}

static void
test_services(void)
{
	struct json_object *r, *s;

	/* Two nodes' histograms of the same operation add up. */
	ok(feed("cmp1", T0 + 200 * SEC, "["
	    "{\"kind\":\"service\",\"node\":\"cmp1\",\"id\":\"cmp1/nova-compute/"
	    "instance.create\",\"t_ns\":%lld,\"service\":\"nova-compute\","
	    "\"operation\":\"instance.create\",\"count\":10,\"errors\":1,"
	    "\"p50_ms\":1000,\"p90_ms\":2000,\"p99_ms\":2000,\"max_ms\":2000,"
	    "\"hist\":[[1024,8],[2048,2]],\"epoch_ns\":%lld},"
	    "{\"kind\":\"service\",\"node\":\"cmp1\",\"id\":\"cmp1/nova-compute/"
	    "instance.power_off\",\"t_ns\":%lld,\"service\":\"nova-compute\","
	    "\"operation\":\"instance.power_off\",\"count\":3,\"errors\":0,"
	    "\"p50_ms\":210.5,\"p90_ms\":230,\"p99_ms\":230,\"max_ms\":230,"
	    "\"hist\":[[215.3,2],[256,1]],\"epoch_ns\":%lld}]",
	    (long long)(T0 + 200 * SEC), (long long)T0,
	    (long long)(T0 + 200 * SEC), (long long)T0) == 0 &&
	    feed("cmp2", T0 + 200 * SEC, "["
	    "{\"kind\":\"service\",\"node\":\"cmp2\",\"id\":\"cmp2/nova-compute/"
	    "instance.create\",\"t_ns\":%lld,\"service\":\"nova-compute\","
	    "\"operation\":\"instance.create\",\"count\":10,\"errors\":0,"
	    "\"p50_ms\":4000,\"p90_ms\":8000,\"p99_ms\":9000,\"max_ms\":9000,"
	    "\"hist\":[[4096,5],[8192,4],[null,1]],\"epoch_ns\":%lld}]",
	    (long long)(T0 + 200 * SEC), (long long)T0) == 0,
	    "service records of two nodes are stored");
	r = ctl_ask(&env, "{\"cmd\":\"services\"}");
	is_int(len_at(r, NULL), 2, "services: two (service, operation)");
	s = find(r, "operation", "instance.create");
	ok(json_exactly(s, "service,operation,count,errors,p50_ms,p90_ms,p99_ms,"
	    "max_ms"), "services: each element has exactly the contract's "
	    "members");
	is_int(i_at(s, "count"), 20, "services: counts summed over nodes");
	is_int(i_at(s, "errors"), 1, "services: errors summed");
	ok(near(d_at(s, "p50_ms"), 2048, 0.001), "services: p50 of the summed "
	    "histogram (rank 10 of 20: the 2048 ms bucket)");
	ok(near(d_at(s, "p90_ms"), 8192, 0.001), "services: p90 (rank 18: "
	    "8192 ms)");
	ok(near(d_at(s, "p99_ms"), 9000, 0.001), "services: p99 above the last "
	    "bound is the max");
	ok(near(d_at(s, "max_ms"), 9000, 0.001), "services: max of the nodes");
	s = find(r, "operation", "instance.power_off");
	ok(near(d_at(s, "p50_ms"), 210.5, 0.001) && i_at(s, "count") == 3,
	    "services: one node's record keeps its exact percentiles");
	json_object_put(r);
	/* An agent restart: a new epoch's counts add to the old one's. */
	ok(feed("cmp1", T0 + 300 * SEC, "["
	    "{\"kind\":\"service\",\"node\":\"cmp1\",\"id\":\"cmp1/nova-compute/"
	    "instance.power_off\",\"t_ns\":%lld,\"service\":\"nova-compute\","
	    "\"operation\":\"instance.power_off\",\"count\":1,\"errors\":1,"
	    "\"p50_ms\":300,\"p90_ms\":300,\"p99_ms\":300,\"max_ms\":300,"
	    "\"hist\":[[304.4,1]],\"epoch_ns\":%lld}]",
	    (long long)(T0 + 300 * SEC), (long long)(T0 + 250 * SEC)) == 0,
	    "a new epoch's record");
	r = ctl_ask(&env, "{\"cmd\":\"services\",\"args\":{\"operation\":"
	    "\"instance.power_off\"}}");
	ok(len_at(r, NULL) == 1 && i_at(r, "0.count") == 4 &&
	    i_at(r, "0.errors") == 1 && near(d_at(r, "0.max_ms"), 300, 0.001),
	    "services: two epochs summed (4 operations, max 300 ms)");
	json_object_put(r);
}

static void
test_volumes_ports(void)
{
	struct json_object *r, *v;

	ok(feed("ctl", T0 + 400 * SEC, "["
	    "{\"kind\":\"volume\",\"node\":\"ctl\",\"id\":\"ctl/v-1\","
	    "\"t_ns\":%lld,\"volume_id\":\"v-1\",\"name\":\"data\","
	    "\"size_gb\":20,\"status\":\"in-use\","
	    "\"backend\":\"ctl@lvm#lvm\",\"last_ns\":%lld,"
	    "\"attachments\":[{\"attachment_id\":\"a-1\",\"instance_uuid\":\""
	    U1 "\",\"host\":\"cmp1\",\"mountpoint\":\"/dev/vdb\","
	    "\"target\":\"iscsi iqn.2010-10.org.openstack:volume-v-1 "
	    "192.0.2.10:3260 lun 1\",\"connection\":{\"driver_volume_type\":"
	    "\"iscsi\"}}]},"
	    "{\"kind\":\"volume\",\"node\":\"ctl\",\"id\":\"ctl/v-2\","
	    "\"t_ns\":%lld,\"volume_id\":\"v-2\",\"name\":\"old\","
	    "\"size_gb\":1,\"status\":\"deleted\",\"backend\":\"ctl@lvm#lvm\","
	    "\"attachments\":[]},"
	    "{\"kind\":\"port\",\"node\":\"ctl\",\"id\":\"ctl/p-1\","
	    "\"t_ns\":%lld,\"port_id\":\"p-1\",\"mac\":\"fa:16:3e:00:00:01\","
	    "\"ips\":[\"10.0.0.5\"],\"network_id\":\"n-1\",\"device_id\":\""
	    U1 "\",\"host\":\"cmp1\",\"status\":\"ACTIVE\"},"
	    "{\"kind\":\"network\",\"node\":\"ctl\",\"id\":\"ctl/n-1\","
	    "\"t_ns\":%lld,\"network_id\":\"n-1\",\"name\":\"private\","
	    "\"status\":\"ACTIVE\",\"network_type\":\"vxlan\","
	    "\"segmentation_id\":1001},"
	    "{\"kind\":\"subnet\",\"node\":\"ctl\",\"id\":\"ctl/s-1\","
	    "\"t_ns\":%lld,\"subnet_id\":\"s-1\",\"network_id\":\"n-1\","
	    "\"cidr\":\"10.0.0.0/24\",\"gateway_ip\":\"10.0.0.1\"},"
	    "{\"kind\":\"router\",\"node\":\"ctl\",\"id\":\"ctl/r-1\","
	    "\"t_ns\":%lld,\"router_id\":\"r-1\",\"name\":\"gw\","
	    "\"status\":\"ACTIVE\",\"gateway_ips\":[\"203.0.113.5\"],"
	    "\"interfaces\":[{\"port_id\":\"p-9\",\"subnet_id\":\"s-1\"}]}]",
	    (long long)(T0 + 390 * SEC), (long long)(T0 + 390 * SEC),
	    (long long)(T0 + 390 * SEC), (long long)(T0 + 390 * SEC),
	    (long long)(T0 + 390 * SEC), (long long)(T0 + 390 * SEC),
	    (long long)(T0 + 390 * SEC)) == 0,
	    "volume, port, network, subnet, router records are stored");
	/* Nova's compute saw the attach later but knows no target. */
	ok(feed("cmp1", T0 + 401 * SEC, "["
	    "{\"kind\":\"volume\",\"node\":\"cmp1\",\"id\":\"cmp1/v-1\","
	    "\"t_ns\":%lld,\"volume_id\":\"v-1\",\"name\":null,"
	    "\"size_gb\":null,\"status\":\"in-use\",\"backend\":null,"
	    "\"last_ns\":%lld,\"attachments\":[{\"instance_uuid\":\"" U1 "\","
	    "\"host\":\"cmp1\",\"mountpoint\":\"/dev/vdb\",\"target\":null}]},"
	    "{\"kind\":\"port\",\"node\":\"cmp1\",\"id\":\"cmp1/p-1\","
	    "\"t_ns\":%lld,\"port_id\":\"p-1\",\"mac\":null,\"ips\":null,"
	    "\"device_id\":\"" U1 "\",\"host\":\"cmp2\",\"status\":\"ACTIVE\"}]",
	    (long long)(T0 + 395 * SEC), (long long)(T0 + 395 * SEC),
	    (long long)(T0 + 395 * SEC)) == 0,
	    "a compute's view of the same volume and port");
	r = ctl_ask(&env, "{\"cmd\":\"volumes\"}");
	is_int(len_at(r, NULL), 2, "volumes: two");
	v = find(r, "volume_id", "v-1");
	ok(json_exactly(v, "volume_id,name,size_gb,status,backend,attachments"),
	    "volumes: each element has exactly the contract's members");
	ok(json_exactly(at(v, "attachments.0"), "instance_uuid,host,mountpoint,"
	    "target"), "volumes: attachments have exactly the contract's "
	    "members");
	ok(s_at(v, "name") && strcmp(s_at(v, "name"), "data") == 0 &&
	    i_at(v, "size_gb") == 20 && strcmp(s_at(v, "backend"),
	    "ctl@lvm#lvm") == 0, "volumes: what the newest lacks from the "
	    "older report (name, size, backend)");
	ok(s_at(v, "attachments.0.target") != NULL && strstr(s_at(v,
	    "attachments.0.target"), "iqn.2010-10.org.openstack:volume-v-1"),
	    "volumes: the attachment's target from the report that had it");
	json_object_put(r);
	r = ctl_ask(&env, "{\"cmd\":\"volumes\",\"args\":{\"live\":true}}");
	is_int(len_at(r, NULL), 1, "volumes live: the deleted one left out");
	json_object_put(r);
	v = ctl_ask(&env, "{\"cmd\":\"volume\",\"args\":{\"id\":\"v-1\"}}");
	is_str(s_at(v, "attachments.0.connection.driver_volume_type"), "iscsi",
	    "volume ID: the attachment's connection");
	json_object_put(v);

	r = ctl_ask(&env, "{\"cmd\":\"ports\"}");
	v = find(r, "port_id", "p-1");
	ok(len_at(r, NULL) == 1 && json_exactly(v, "port_id,mac,ips,device_id,host,"
	    "status"), "ports: one, with exactly the contract's members");
	ok(s_at(v, "mac") && strcmp(s_at(v, "mac"), "fa:16:3e:00:00:01") == 0 &&
	    strcmp(s_at(v, "ips.0"), "10.0.0.5") == 0 &&
	    strcmp(s_at(v, "host"), "cmp2") == 0, "ports: newest host, older "
	    "MAC and IPs");
	json_object_put(r);
	r = ctl_ask(&env, "{\"cmd\":\"ports\",\"args\":{\"device\":\"" U1 "\","
	    "\"host\":\"cmp1\"}}");
	is_int(len_at(r, NULL), 0, "ports --device --host cmp1: none (it moved)");
	json_object_put(r);
	r = ctl_ask(&env, "{\"cmd\":\"networks\"}");
	ok(len_at(r, NULL) == 1 && strcmp(s_at(r, "0.subnets.0.cidr"),
	    "10.0.0.0/24") == 0 && i_at(r, "0.ports") == 1,
	    "networks: the subnet and the port count");
	json_object_put(r);
	r = ctl_ask(&env, "{\"cmd\":\"routers\"}");
	ok(len_at(r, NULL) == 1 && strcmp(s_at(r, "0.gateway_ips.0"),
	    "203.0.113.5") == 0, "routers: the gateway");
	json_object_put(r);
}

/*
 * A live migration of uuid that never converges: the QEMU source side on
 * cmp1 (cancelled at ts + dur s, n rounds of 256 MiB pending at 32 MiB/s
 * dirtied at dirty MiB/s, throttle when >= 0) and the destination side on
 * cmp2 (failed), with a not_converging alert.  Returns the source side id.
 */
static const char *
qemu_stuck(const char *uuid, int64_t ts, int dur, int n, double dirty,
    int throttle, const char *sid)
{
	char rounds[8192], one[512], thr[64];
	size_t len = 0;
	int k;

	snprintf(thr, sizeof(thr), throttle >= 0 ? "%d" : "null", throttle);
	rounds[0] = '\0';
	for (k = 1; k <= n; k++) {
		snprintf(one, sizeof(one), "%s{\"kind\":\"migration_round\","
		    "\"node\":\"cmp1\",\"id\":\"%s#%d\",\"migration_id\":\"%s\","
		    "\"n\":%d,\"t_ns\":%lld,\"start_ns\":%lld,"
		    "\"dirty_pages\":65536,\"duration_ms\":8000,"
		    "\"pending_bytes\":%lld,\"bytes\":268435456,"
		    "\"bandwidth_bps\":33554432,\"dirty_rate_bps\":%.0f,"
		    "\"predicted_downtime_ms\":8000,\"throttle_pct\":%s,"
		    "\"verdict\":\"%s\"}", k > 1 ? "," : "", sid, k, sid, k,
		    (long long)(ts + 8LL * k * SEC),
		    (long long)(ts + 8LL * (k - 1) * SEC),
		    (long long)(268435456 - 4096LL * k), dirty * MIB, thr,
		    k > 2 ? "stalled" : "converging");
		len += (size_t)snprintf(rounds + len, sizeof(rounds) - len, "%s",
		    one);
	}
	if (feed("cmp1", ts + (dur + 1) * SEC, "[%s,"
	    "{\"kind\":\"migration\",\"node\":\"cmp1\",\"id\":\"%s\","
	    "\"t_ns\":%lld,\"vm_uuid\":\"%s\",\"vm_name\":\"vm-%.4s\","
	    "\"vpid\":4242,\"role\":\"source\",\"state\":\"cancelled\","
	    "\"outcome\":\"cancelled\",\"error\":null,\"started_ns\":%lld,"
	    "\"ended_ns\":%lld,\"total_ms\":%d000,\"verdict\":\"stalled\","
	    "\"downtime_limit_ms\":300,\"bandwidth_bps\":33554432,"
	    "\"throttle_pct\":%s,\"throttle_steps\":%d,"
	    "\"states\":[{\"state\":\"setup\",\"t_ns\":%lld},"
	    "{\"state\":\"active\",\"t_ns\":%lld},"
	    "{\"state\":\"cancelling\",\"t_ns\":%lld},"
	    "{\"state\":\"cancelled\",\"t_ns\":%lld}],"
	    "\"stages\":[{\"name\":\"setup\",\"start_ns\":%lld,\"end_ns\":%lld,"
	    "\"duration_ms\":10},{\"name\":\"precopy\",\"start_ns\":%lld,"
	    "\"end_ns\":%lld,\"duration_ms\":8000},{\"name\":\"iterative\","
	    "\"start_ns\":%lld,\"end_ns\":%lld,\"duration_ms\":%d}]},"
	    "{\"kind\":\"alert\",\"node\":\"cmp1\",\"id\":\"%s!migration."
	    "not_converging\",\"name\":\"migration.not_converging\","
	    "\"severity\":\"warning\",\"migration_id\":\"%s\",\"vm_uuid\":\"%s\","
	    "\"t_ns\":%lld,\"message\":\"live migration is not converging\","
	    "\"evidence\":{\"verdict\":\"stalled\",\"downtime_limit_ms\":300,"
	    "\"bandwidth_bps\":33554432,\"threshold_bytes\":null,"
	    "\"throttle_pct\":%s,\"throttle_steps\":%d}}]",
	    rounds, sid, (long long)(ts + dur * SEC), uuid, uuid,
	    (long long)ts, (long long)(ts + dur * SEC), dur, thr,
	    throttle >= 0 ? 2 : 0,
	    (long long)ts, (long long)(ts + 10 * MS),
	    (long long)(ts + (dur - 1) * SEC), (long long)(ts + dur * SEC),
	    (long long)ts, (long long)(ts + 10 * MS), (long long)(ts + 10 * MS),
	    (long long)(ts + 8 * SEC), (long long)(ts + 8 * SEC),
	    (long long)(ts + dur * SEC), (dur - 8) * 1000,
	    sid, sid, uuid, (long long)(ts + 26 * SEC), thr,
	    throttle >= 0 ? 2 : 0) != 0)
		bail("cannot store the source side of %s", uuid);
	if (feed("cmp2", ts + (dur + 2) * SEC, "["
	    "{\"kind\":\"migration\",\"node\":\"cmp2\",\"id\":\"cmp2/777/%lld\","
	    "\"t_ns\":%lld,\"vm_uuid\":\"%s\",\"vpid\":777,"
	    "\"role\":\"destination\",\"state\":\"failed\",\"outcome\":\"failed\","
	    "\"error\":\"load of migration failed: Input/output error\","
	    "\"started_ns\":%lld,\"ended_ns\":%lld,"
	    "\"stages\":[{\"name\":\"load\",\"start_ns\":%lld,\"end_ns\":%lld,"
	    "\"duration_ms\":%d}]}]",
	    (long long)(ts + 100 * MS), (long long)(ts + dur * SEC + SEC), uuid,
	    (long long)(ts + 100 * MS), (long long)(ts + dur * SEC + SEC),
	    (long long)(ts + 100 * MS), (long long)(ts + dur * SEC + SEC),
	    dur * 1000) != 0)
		bail("cannot store the destination side of %s", uuid);
	return sid;
}

/*
 * Nova's records of that migration under request rid: the source compute
 * (cmp1) with its rollback and how it ended (outcome, extra members), the
 * destination (cmp2) with pre and rollback_dest, and the request's parts.
 */
static void
nova_rollback(const char *uuid, const char *rid, int64_t ts, int dur,
    const char *outcome, const char *extra)
{
	int64_t pre = ts - 2 * SEC, rb = ts + (dur + 1) * SEC;

	if (feed("cmp1", rb + 3 * SEC, "["
	    "{\"kind\":\"nova_migration\",\"node\":\"cmp1\",\"id\":\"cmp1/%s/%s\","
	    "\"migration_key\":\"%s/%s\",\"t_ns\":%lld,\"instance_uuid\":\"%s\","
	    "\"vm_name\":\"vm-%.4s\",\"request_id\":\"%s\",\"role\":\"source\","
	    "\"source_host\":\"cmp1\",\"dest_host\":\"cmp2\","
	    "\"phases\":[{\"name\":\"rollback\",\"start_ns\":%lld,"
	    "\"end_ns\":%lld,\"duration_ms\":1000,\"host\":\"cmp1\","
	    "\"error\":null}],\"started_ns\":%lld,\"ended_ns\":%lld,"
	    "\"outcome\":\"%s\"%s%s},"
	    "{\"kind\":\"request\",\"node\":\"cmp1\",\"id\":\"cmp1/%s\","
	    "\"t_ns\":%lld,\"request_id\":\"%s\",\"services\":[\"nova-compute\"],"
	    "\"hosts\":[\"cmp1\"],\"operation\":\"instance.live_migration\","
	    "\"instance_uuids\":[\"%s\"],\"started_ns\":%lld,\"ended_ns\":%lld,"
	    "\"status\":\"ok\"}]",
	    uuid, rid, uuid, rid, (long long)(rb + SEC), uuid, uuid, rid,
	    (long long)rb, (long long)(rb + SEC), (long long)(pre + 100 * MS),
	    (long long)(rb + SEC), outcome, *extra ? "," : "", extra,
	    rid, (long long)(rb + SEC), rid, uuid, (long long)(pre + 100 * MS),
	    (long long)(rb + SEC)) != 0)
		bail("cannot store cmp1's Nova records of %s", uuid);
	if (feed("cmp2", rb + 3 * SEC, "["
	    "{\"kind\":\"nova_migration\",\"node\":\"cmp2\",\"id\":\"cmp2/%s/%s\","
	    "\"migration_key\":\"%s/%s\",\"t_ns\":%lld,\"instance_uuid\":\"%s\","
	    "\"request_id\":\"%s\",\"role\":\"destination\","
	    "\"source_host\":\"cmp1\",\"dest_host\":\"cmp2\","
	    "\"phases\":[{\"name\":\"pre\",\"start_ns\":%lld,\"end_ns\":%lld,"
	    "\"duration_ms\":1500,\"host\":\"cmp2\",\"error\":null},"
	    "{\"name\":\"rollback_dest\",\"start_ns\":%lld,\"end_ns\":%lld,"
	    "\"duration_ms\":500,\"host\":\"cmp2\",\"error\":null}],"
	    "\"started_ns\":%lld,\"ended_ns\":%lld,\"outcome\":\"rolled_back\"},"
	    "{\"kind\":\"request\",\"node\":\"cmp2\",\"id\":\"cmp2/%s\","
	    "\"t_ns\":%lld,\"request_id\":\"%s\",\"services\":[\"nova-compute\"],"
	    "\"hosts\":[\"cmp2\"],\"operation\":\"instance.live_migration\","
	    "\"started_ns\":%lld,\"ended_ns\":%lld,\"status\":\"ok\"}]",
	    uuid, rid, uuid, rid, (long long)(rb + 2 * SEC), uuid, rid,
	    (long long)pre, (long long)(pre + 1500 * MS),
	    (long long)(rb + 1500 * MS), (long long)(rb + 2 * SEC),
	    (long long)pre, (long long)(rb + 2 * SEC), rid,
	    (long long)(rb + 2 * SEC), rid, (long long)pre,
	    (long long)(rb + 2 * SEC)) != 0)
		bail("cannot store cmp2's Nova records of %s", uuid);
	if (feed("ctl", rb + 3 * SEC, "["
	    "{\"kind\":\"request\",\"node\":\"ctl\",\"id\":\"ctl/%s\","
	    "\"t_ns\":%lld,\"request_id\":\"%s\","
	    "\"services\":[\"nova-api\",\"nova-conductor\",\"nova-scheduler\"],"
	    "\"hosts\":[\"ctl\"],\"operation\":\"POST /v2.1/servers/%s/action\","
	    "\"api\":{\"method\":\"POST\",\"path\":\"/v2.1/servers/%s/action\","
	    "\"status\":202,\"duration_ms\":80},\"instance_uuids\":[\"%s\"],"
	    "\"started_ns\":%lld,\"ended_ns\":%lld,\"status\":\"ok\"}]",
	    rid, (long long)(pre - SEC), rid, uuid, uuid, uuid,
	    (long long)(pre - 3 * SEC), (long long)(pre - SEC)) != 0)
		bail("cannot store the controller's request %s", rid);
}

static const char *
phase_names(struct json_object *ph, char *buf, size_t sz)
{
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < len_at(ph, NULL) && len + 1 < sz; i++)
		len += (size_t)snprintf(buf + len, sz - len, "%s%s", i ? "," : "",
		    s_at(json_object_array_get_idx(ph, i), "name"));
	return buf;
}

static void
test_link(void)
{
	struct json_object *m, *m2, *d, *a, *r, *t, *c, *q, *st, *alerts;
	int64_t ts = T0 + 1000 * SEC;
	char sid[64], buf[256], *mid;
	const char *e;

	snprintf(sid, sizeof(sid), "cmp1/4242/%lld", (long long)ts);
	qemu_stuck(U3, ts, 60, 6, 32.0, -1, sid);
	nova_rollback(U3, "req-lm3", ts, 60, "timed_out",
	    "\"completion_timeout_s\":60,\"timed_out_ns\":1795635490000000000,"
	    "\"timeout_action\":\"abort\",\"abort_requested_ns\":null");

	m = ctl_ask(&env, "{\"cmd\":\"migration\",\"args\":{\"id\":\"%s\"}}", sid);
	ok(m != NULL && len_at(m, "sides") == 2, "migration: QEMU's two sides "
	    "correlated");
	is_str(s_at(m, "nova.migration_key"), U3 "/req-lm3", "migration: "
	    "linked to the Nova live migration of the instance");
	is_str(s_at(m, "nova.request_id"), "req-lm3", "migration: the Nova "
	    "request id");
	ok(s_at(m, "nova.source_host") && strcmp(s_at(m, "nova.source_host"),
	    "cmp1") == 0 && strcmp(s_at(m, "nova.dest_host"), "cmp2") == 0,
	    "migration: Nova's source and destination");
	is_str(s_at(m, "nova.outcome"), "timed_out", "migration: Nova's "
	    "outcome, the timeout of the source over the destination's "
	    "rolled_back");
	is_str(phase_names(get(m, "phases"), buf, sizeof(buf)),
	    "pre,qemu,rollback,rollback_dest", "migration: phases pre, QEMU, "
	    "rollback, rollback_dest in time order");
	d = get(m, "diagnosis");
	is_str(s_at(d, "summary"), "failed to converge under guest workload",
	    "diagnosis: failed to converge under guest workload");
	ok(at(d, "evidence.reached_stop_and_copy") != NULL &&
	    !json_object_get_boolean(at(d, "evidence.reached_stop_and_copy")) &&
	    !json_object_get_boolean(at(d,
	    "evidence.pending_fell_below_threshold")),
	    "diagnosis: never reached stop-and-copy, never below the threshold");
	is_int(i_at(d, "evidence.rounds"), 6, "diagnosis: evidence of 6 rounds");
	ok(near(d_at(d, "evidence.threshold_bytes"), 33554432 * 0.3, 1),
	    "diagnosis: the threshold is bandwidth x downtime limit (9.6 MiB)");
	ok(near(d_at(d, "evidence.min_pending_bytes"), 268435456 - 6 * 4096, 1),
	    "diagnosis: the least pending bytes");
	is_str(s_at(d, "rollback.reason"), "completion_timeout", "diagnosis: "
	    "the rollback followed Nova's completion timeout");
	ok(near(d_at(d, "rollback.completion_timeout_s"), 60, 0) &&
	    !json_object_get_boolean(at(d, "rollback.inferred")) &&
	    !json_object_get_boolean(at(d, "rollback.abort_notification")),
	    "diagnosis: the timeout that applied, 60 s, from Nova's line; no "
	    "abort notification");
	ok((e = s_at(d, "text")) != NULL && strstr(e, "completion timeout of "
	    "60 s") != NULL && strstr(e, "never reached stop-and-copy") != NULL,
	    "diagnosis: the text says so");
	is_str(s_at(d, "advice.way"), "postcopy_or_auto_converge", "diagnosis: "
	    "the guest dirties as fast as QEMU sends: post-copy or "
	    "auto-converge");

	m2 = ctl_ask(&env, "{\"cmd\":\"migration\",\"args\":{\"id\":\"" U3 "/req-lm3\"}}");
	ok(m2 != NULL && strcmp(s_at(m2, "id"), s_at(m, "id")) == 0,
	    "migration: a Nova migration_key finds its QEMU migration");
	json_object_put(m2);
	mid = strdup(s_at(m, "id"));
	json_object_put(m);

	r = ctl_ask(&env, "{\"cmd\":\"vm\",\"args\":{\"id\":\"" U3 "\"}}");
	ok(len_at(r, "migrations") == 1 && strcmp(s_at(r, "migrations.0"),
	    mid) == 0, "vm: its migrations are the QEMU migration's id (the "
	    "Nova one is linked to it)");
	json_object_put(r);

	/* The request tree: API -> conductor -> computes -> QEMU -> rounds. */
	r = ctl_ask(&env, "{\"cmd\":\"request\",\"args\":{\"id\":\"req-lm3\"}}");
	is_str(s_at(r, "operation"), "instance.live_migration", "request: the "
	    "live migration");
	is_int(len_at(r, "services"), 4, "request: nova-api, conductor, "
	    "scheduler, compute");
	t = get(r, "tree");
	ok(strcmp(s_at(t, "children.0.kind"), "api") == 0 &&
	    strcmp(s_at(t, "children.1.kind"), "control") == 0,
	    "request tree: API, then conductor/scheduler");
	c = child(t, "compute", "compute source");
	ok(c != NULL && strcmp(s_at(c, "node"), "cmp1") == 0,
	    "request tree: compute source cmp1");
	ok(child(c, "phase", "rollback") != NULL, "request tree: Nova's "
	    "rollback under the source");
	q = child(c, "qemu", NULL);
	ok(q != NULL && strcmp(s_at(q, "migration_id"), mid) == 0,
	    "request tree: the QEMU source side under the source compute");
	st = child(q, "stage", "iterative");
	ok(st != NULL && len_at(st, "children") == 5 &&
	    strcmp(s_at(st, "children.0.kind"), "round") == 0,
	    "request tree: the rounds under the stage they ran in (5 in "
	    "iterative)");
	is_int(len_at(child(q, "stage", "precopy"), "children"), 1,
	    "request tree: round 1 ended the first pass");
	ok(near(d_at(st, "children.0.pending_bytes"), 268435456 - 2 * 4096, 1),
	    "request tree: a round's pending bytes");
	c = child(t, "compute", "compute destination");
	ok(c != NULL && child(c, "phase", "pre") != NULL &&
	    child(c, "phase", "rollback_dest") != NULL &&
	    child(c, "qemu", NULL) != NULL, "request tree: the destination "
	    "with pre, rollback_dest and its QEMU side");
	is_str(s_at(r, "diagnosis.summary"), "failed to converge under guest "
	    "workload", "request: the diagnosis of its migration");
	json_object_put(r);

	/* The alert carries what would make it converge. */
	alerts = ctl_ask(&env, "{\"cmd\":\"alerts\"}");
	a = NULL;
	{
		size_t i;

		for (i = 0; i < len_at(alerts, NULL); i++)
			if (s_at(json_object_array_get_idx(alerts, i),
			    "migration_id") && strcmp(s_at(
			    json_object_array_get_idx(alerts, i),
			    "migration_id"), sid) == 0)
				a = json_object_array_get_idx(alerts, i);
	}
	ok(a != NULL && get(a, "advice") != NULL, "alert: the not_converging "
	    "alert has advice");
	ok(near(d_at(a, "advice.bandwidth_needed_bps"),
	    (268435456 - 6 * 4096) / 0.3, 1), "advice: the bandwidth the 300 ms "
	    "limit needs (pending / limit, 853 MiB/s)");
	ok(near(d_at(a, "advice.downtime_needed_ms"),
	    (268435456 - 6 * 4096) * 1000.0 / 33554432, 0.01), "advice: the "
	    "downtime the measured bandwidth needs (8000 ms)");
	ok(near(d_at(a, "advice.dirty_ratio"), 1.0, 0.001), "advice: the dirty "
	    "rate is the bandwidth");
	is_str(s_at(a, "advice.way"), "postcopy_or_auto_converge", "advice: "
	    "post-copy or auto-converge");
	ok(at(a, "advice.postcopy") == NULL && at(a, "advice.auto_converge") ==
	    NULL, "advice: neither capability known from the events");
	ok((e = s_at(a, "advice.text")) != NULL && strstr(e, "post-copy") &&
	    strstr(e, "auto-converge"), "advice: the text names both");
	json_object_put(alerts);
	free(mid);

	/* Rolled back with no timeout line and no abort: inferred. */
	ts = T0 + 2000 * SEC;
	snprintf(sid, sizeof(sid), "cmp1/5252/%lld", (long long)ts);
	qemu_stuck(U4, ts, 90, 10, 32.0, -1, sid);
	nova_rollback(U4, "req-lm4", ts, 90, "rolled_back", "");
	m = ctl_ask(&env, "{\"cmd\":\"migration\",\"args\":{\"id\":\"%s\"}}", sid);
	d = get(m, "diagnosis");
	is_str(s_at(d, "summary"), "failed to converge under guest workload",
	    "no timeout line: still failed to converge under guest workload");
	ok(s_at(d, "rollback.reason") && strcmp(s_at(d, "rollback.reason"),
	    "completion_timeout") == 0 && json_object_get_boolean(at(d,
	    "rollback.inferred")) && near(d_at(d,
	    "rollback.completion_timeout_s"), 90, 0.5),
	    "no timeout line: the completion timeout inferred from the cancel "
	    "with no abort notification (about 90 s)");
	json_object_put(m);

	/* An admin's abort, and auto-converge on (QEMU throttled). */
	ts = T0 + 3000 * SEC;
	snprintf(sid, sizeof(sid), "cmp1/6262/%lld", (long long)ts);
	qemu_stuck(U5, ts, 40, 4, 32.0, 40, sid);
	nova_rollback(U5, "req-lm5", ts, 40, "aborted",
	    "\"abort_requested_ns\":1795637468000000000");
	m = ctl_ask(&env, "{\"cmd\":\"migration\",\"args\":{\"id\":\"%s\"}}", sid);
	d = get(m, "diagnosis");
	is_str(s_at(d, "rollback.reason"), "admin_abort", "abort: the rollback "
	    "followed an admin's abort");
	ok(json_object_get_boolean(at(d, "rollback.abort_notification")),
	    "abort: the abort notification was seen");
	is_str(s_at(d, "advice.way"), "auto_converge", "abort: with the guest "
	    "throttled, auto-converge is the way");
	ok(at(d, "advice.auto_converge") != NULL && json_object_get_boolean(
	    at(d, "advice.auto_converge")) && near(d_at(d,
	    "advice.throttle_pct"), 40, 0), "advice: auto-converge on, throttle "
	    "40 %");
	json_object_put(m);
}

/* A migration that only needs a larger downtime limit. */
static void
test_advice_downtime(void)
{
	struct json_object *alerts, *a = NULL;
	int64_t ts = T0 + 4000 * SEC;
	size_t i;

	if (feed("cmp3", ts + 30 * SEC, "["
	    "{\"kind\":\"migration_round\",\"node\":\"cmp3\",\"id\":\"m7#4\","
	    "\"migration_id\":\"m7\",\"n\":4,\"t_ns\":%lld,"
	    "\"pending_bytes\":20971520,\"bandwidth_bps\":67108864,"
	    "\"dirty_rate_bps\":16777216},"
	    "{\"kind\":\"migration\",\"node\":\"cmp3\",\"id\":\"m7\","
	    "\"t_ns\":%lld,\"vm_uuid\":\"u7\",\"role\":\"source\","
	    "\"state\":\"active\",\"started_ns\":%lld,\"verdict\":\"stalled\","
	    "\"downtime_limit_ms\":100},"
	    "{\"kind\":\"alert\",\"node\":\"cmp3\",\"id\":\"m7!nc\","
	    "\"name\":\"migration.not_converging\",\"migration_id\":\"m7\","
	    "\"t_ns\":%lld,\"message\":\"m\",\"evidence\":"
	    "{\"downtime_limit_ms\":100}}]", (long long)(ts + 20 * SEC),
	    (long long)(ts + 20 * SEC), (long long)ts,
	    (long long)(ts + 21 * SEC)) != 0)
		bail("cannot store m7");
	alerts = ctl_ask(&env, "{\"cmd\":\"alerts\"}");
	for (i = 0; i < len_at(alerts, NULL); i++)
		if (s_at(json_object_array_get_idx(alerts, i), "migration_id") &&
		    strcmp(s_at(json_object_array_get_idx(alerts, i),
		    "migration_id"), "m7") == 0)
			a = json_object_array_get_idx(alerts, i);
	is_str(s_at(a, "advice.way"), "downtime", "advice: a guest dirtying a "
	    "quarter of the bandwidth needs only a larger downtime limit");
	ok(near(d_at(a, "advice.downtime_needed_ms"), 312.5, 0.01),
	    "advice: 20 MiB at 64 MiB/s need 312.5 ms");
	ok(near(d_at(a, "advice.bandwidth_needed_bps"), 20971520 / 0.1, 1),
	    "advice: or 200 MiB/s for the 100 ms limit");
	ok(strstr(s_at(a, "advice.text"), "raise the downtime limit to 344 ms")
	    != NULL, "advice: the text proposes the limit, with a margin");
	json_object_put(alerts);
}

/* /metrics' label bounds: operations without ids, at most 64 label sets. */
static void
test_metric_bounds(void)
{
	struct app_tally t;
	char *l, v[16];
	int i;

	l = app_op_label("POST /v2.1/servers/" U1 "/action");
	is_str(l, "POST /v2.1/servers/{id}/action", "operation label: the "
	    "uuid in the path as {id}, v2.1 kept");
	free(l);
	l = app_op_label("instance.live_migration");
	is_str(l, "instance.live_migration", "operation label: a Nova event "
	    "type as it is");
	free(l);
	l = app_op_label("GET /v3/volumes/12345678?limit=5");
	is_str(l, "GET /v3/volumes/{id}?limit=5", "operation label: a numeric "
	    "id of 8 digits as {id}");
	free(l);
	memset(&t, 0, sizeof(t));
	for (i = 0; i < 100; i++) {
		snprintf(v, sizeof(v), "op%d", i);
		app_tally_add(&t, "ok", v, 1);
	}
	app_tally_add(&t, "ok", "op0", 1);
	app_tally_add(&t, NULL, NULL, 1);
	ok(t.n == APP_TALLY_MAX && t.other && t.e[APP_TALLY_MAX].v == 37 &&
	    t.e[0].v == 2, "tally: 64 label sets, the other 36 (and an unknown) "
	    "summed under other");
	app_tally_free(&t);
}

int
main(void)
{
	char cmd[128], path[128];

	log_init("test_app_kinds", 1, 0);
	snprintf(dir, sizeof(dir), "/tmp/strata-test-app-XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/app.db", dir);
	if ((env.store = store_open(path)) == NULL)
		bail("cannot open the store %s", path);
	env.started_ns = T0;
	test_vms();
	test_requests();
	test_services();
	test_volumes_ports();
	test_link();
	test_advice_downtime();
	test_metric_bounds();
	store_close(env.store);
	plan_no_plan_end();
	if (!tap_failed) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			diag("cannot remove %s", dir);
	} else
		diag("the databases are in %s", dir);
	return exit_status();
}
