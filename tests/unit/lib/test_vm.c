/*
 * test_vm.c: the vm analyzer on the Nova streams of tests/data/openstack
 * (boot, stop/start, live migration completed, rolled back after the
 * completion timeout, aborted by an administrator), one analyzer set per
 * node as the agents run them; Nova's stale payloads, out-of-order events
 * and the idle window.
 */
#include <math.h>

#include "app_harness.h"
#include "tap.h"

#define VM1	"1b5a7c2e-3d4f-4a6b-8c9d-0e1f2a3b4c01"
#define VM2	"1b5a7c2e-3d4f-4a6b-8c9d-0e1f2a3b4c02"
#define VM3	"1b5a7c2e-3d4f-4a6b-8c9d-0e1f2a3b4c03"
#define VM4	"1b5a7c2e-3d4f-4a6b-8c9d-0e1f2a3b4c04"
#define T0	1714564800ULL	/* the streams' start, s */
#define SEC	1000000000ULL

static uint64_t
at(double s)
{
	return T0 * SEC + (uint64_t)(s * 1e9 + 0.5);
}

static void
test_boot(void)
{
	struct harness h;
	struct json_object *vm, *ms;
	unsigned n;

	h_init(&h, "cmp1");
	h_feed_file(&h, "boot", NULL, 0);
	an_set_finish(h.set);
	vm = h_last(&h, "vm", "uuid", VM1);
	ok(vm != NULL, "boot: a vm record for vm-boot");
	is_s(h_s(vm, "id"), "cmp1/" VM1, "boot: id NODE/UUID");
	is_s(h_s(vm, "name"), "vm-boot", "boot: name is the display_name");
	is_s(h_s(vm, "instance_name"), "instance-00000001",
	    "boot: instance_name from InstanceCreatePayload");
	is_s(h_s(vm, "vm_state"), "active", "boot: vm_state active");
	is_s(h_s(vm, "task_state"), NULL, "boot: task_state null");
	is_s(h_s(vm, "power_state"), "running", "boot: power_state running");
	is_s(h_s(vm, "host"), "cmp1", "boot: host cmp1");
	is_s(h_s(vm, "compute_node"), "cmp1", "boot: compute_node cmp1");
	is_num(h_d(vm, "since_ns"), (double)at(3.400), 1e3,
	    "boot: since_ns is the instance.update that made it active");
	ms = h_get(vm, "state_ms");
	is_num(h_d(ms, "building"), 3390, 0.01,
	    "boot: 3390 ms in building (0.010 s -> 3.400 s)");
	ms = h_get(vm, "task_ms");
	is_num(h_d(ms, "scheduling"), 590, 0.01,
	    "boot: 590 ms scheduling (API 0.010 s -> compute 0.600 s)");
	is_num(h_d(ms, "spawning"), 2200, 0.01, "boot: 2200 ms spawning");
	n = h_count(&h, "vm_event", "uuid", VM1);
	is_int(n, 6, "boot: 6 vm_event records for vm-boot (5 updates/create)");
	vm = h_last(&h, "vm", "uuid", VM2);
	is_s(h_s(vm, "vm_state"), "error", "boot: vm-toosmall ends in error");
	vm = h_last(&h, "vm_event", "event_type", "instance.create.error");
	is_s(h_s(vm, "fault"), "The created instance's disk would be too small.",
	    "boot: the create.error's fault is in its vm_event");
	is_s(h_s(vm, "priority"), "ERROR", "boot: priority ERROR");
	is_int(h_stat(&h, "vm", "no_uuid"), 0, "boot: every instance event had a uuid");
	h_free(&h);
}

static void
test_stopstart(void)
{
	struct harness h;
	struct json_object *vm, *ms;

	h_init(&h, "cmp1");
	h_feed_file(&h, "boot", NULL, 0);
	/* stopstart.scn starts at the same T0: played 10 s after boot. */
	h_feed_file(&h, "stopstart", NULL, 10 * SEC);
	vm = h_last(&h, "vm_event", "event_type", "instance.power_off.end");
	is_s(h_s(vm, "vm_state"), "stopped", "stop: power_off.end: stopped");
	is_s(h_s(vm, "power_state"), "shutdown", "stop: power_off.end: shutdown");
	an_set_finish(h.set);
	vm = h_last(&h, "vm", "uuid", VM1);
	is_s(h_s(vm, "vm_state"), "active", "start: active again");
	is_s(h_s(vm, "power_state"), "running", "start: running again");
	ms = h_get(vm, "state_ms");
	is_num(h_d(ms, "stopped"), 7200, 0.01,
	    "stop/start: 7200 ms stopped (14.700 s -> 21.900 s)");
	h_free(&h);
}

/* migrate.scn on both nodes; a and b are the agents of cmp1 and cmp2. */
static void
test_migrate(void)
{
	struct harness a, b;
	struct json_object *ma, *mb, *vm, *ev, *ph;
	const char *ka, *kb;

	h_init(&a, "cmp1");
	h_init(&b, "cmp2");
	h_feed_file(&a, "boot", "cmp1", 0);
	h_feed_file(&a, "migrate", "cmp1", 20 * SEC);
	h_feed_file(&b, "migrate", "cmp2", 20 * SEC);
	an_set_finish(a.set);
	an_set_finish(b.set);
	ma = h_last(&a, "nova_migration", "instance_uuid", VM1);
	mb = h_last(&b, "nova_migration", "instance_uuid", VM1);
	ok(ma != NULL && mb != NULL, "migrate: a nova_migration on each node");
	ka = h_s(ma, "migration_key");
	kb = h_s(mb, "migration_key");
	ok(ka != NULL && h_streq(ka, kb), "migrate: same migration_key on both (%s)",
	    ka ? ka : "null");
	is_s(ka, VM1 "/req-3d4e5f6a-7b8c-4d9e-8f01-2b3c4d5e6f01",
	    "migrate: the key is UUID/REQUEST_ID");
	is_s(h_s(ma, "role"), "source", "migrate: cmp1 is the source");
	is_s(h_s(mb, "role"), "destination", "migrate: cmp2 is the destination");
	is_s(h_s(ma, "outcome"), "completed", "migrate: source outcome completed");
	is_s(h_s(mb, "outcome"), "completed", "migrate: destination outcome completed");
	is_s(h_s(mb, "source_host"), "cmp1", "migrate: dest knows the source (pre's host)");
	is_s(h_s(mb, "dest_host"), "cmp2", "migrate: dest_host cmp2");
	is_s(h_s(ma, "dest_host"), "cmp2",
	    "migrate: the source learns cmp2 from 'Migrating instance to cmp2 finished'");
	ph = h_get(mb, "phases");
	ok(ph != NULL && json_object_array_length(ph) == 2 &&
	    h_streq(h_s(json_object_array_get_idx(ph, 0), "name"), "pre") &&
	    h_streq(h_s(json_object_array_get_idx(ph, 1), "name"), "post_dest"),
	    "migrate: destination phases pre, post_dest");
	is_num(h_d(json_object_array_get_idx(ph, 0), "duration_ms"), 1200, 0.01,
	    "migrate: pre took 1200 ms");
	ph = h_get(ma, "phases");
	ok(ph != NULL && json_object_array_length(ph) == 1 &&
	    h_streq(h_s(json_object_array_get_idx(ph, 0), "name"), "post"),
	    "migrate: source phase post");
	is_int(json_object_array_length(h_get(ma, "progress")), 3,
	    "migrate: 3 progress lines on the source");
	/* The stale post.end: task_state migrating, host cmp1 in the payload. */
	ev = h_last(&a, "vm_event", "event_type", "instance.live_migration_post.end");
	is_s(h_s(ev, "payload_host"), "cmp1", "stale post.end: payload says cmp1");
	is_s(h_s(ev, "task_state"), NULL,
	    "stale post.end: task_state null, not the payload's migrating");
	vm = h_last(&a, "vm", "uuid", VM1);
	is_s(h_s(vm, "host"), "cmp2", "migrate: the source's vm record says host cmp2");
	is_s(h_s(vm, "task_state"), NULL, "migrate: source: task_state null");
	is_int(json_object_array_length(h_get(vm, "hosts")), 2,
	    "migrate: source: hosts cmp1 then cmp2");
	vm = h_last(&b, "vm", "uuid", VM1);
	is_s(h_s(vm, "host"), "cmp2", "migrate: destination: host cmp2");
	is_s(h_s(vm, "task_state"), NULL, "migrate: destination: task_state null");
	ok(json_object_array_length(h_get(vm, "migrations")) == 1,
	    "migrate: the vm record lists its migration");
	h_free(&a);
	h_free(&b);
}

static void
test_timeout(const char *stream)
{
	struct harness a, b;
	struct json_object *ma, *mb, *pg, *vm;
	char what[128];

	h_init(&a, "cmp1");
	h_init(&b, "cmp2");
	h_feed_file(&a, stream, "cmp1", 0);
	h_feed_file(&b, stream, "cmp2", 0);
	an_set_finish(a.set);
	an_set_finish(b.set);
	ma = h_last(&a, "nova_migration", "instance_uuid", VM3);
	mb = h_last(&b, "nova_migration", "instance_uuid", VM3);
	snprintf(what, sizeof(what), "%s: source outcome timed_out", stream);
	is_s(h_s(ma, "outcome"), "timed_out", what);
	snprintf(what, sizeof(what), "%s: completion_timeout_s 40", stream);
	is_num(h_d(ma, "completion_timeout_s"), 40, 0, what);
	snprintf(what, sizeof(what), "%s: timed_out_ns is the timeout line", stream);
	is_num(h_d(ma, "timed_out_ns"), (double)at(43.0), 1e3, what);
	snprintf(what, sizeof(what), "%s: timeout_action abort (libvirt's cancel)",
	    stream);
	is_s(h_s(ma, "timeout_action"), "abort", what);
	snprintf(what, sizeof(what), "%s: no admin abort", stream);
	ok(h_get(ma, "abort_requested_ns") == NULL, "%s", what);
	snprintf(what, sizeof(what), "%s: the libvirt failure is the error", stream);
	is_s(h_s(ma, "error"), "operation aborted: migration out job: canceled by client",
	    what);
	snprintf(what, sizeof(what), "%s: destination: rolled_back", stream);
	is_s(h_s(mb, "outcome"), "rolled_back", what);
	snprintf(what, sizeof(what), "%s: same key on both nodes", stream);
	ok(h_streq(h_s(ma, "migration_key"), h_s(mb, "migration_key")), "%s", what);
	vm = h_last(&a, "vm", "uuid", VM3);
	snprintf(what, sizeof(what), "%s: vm-busy stays on cmp1, task_state null",
	    stream);
	ok(h_streq(h_s(vm, "host"), "cmp1") && h_s(vm, "task_state") == NULL,
	    "%s", what);
	pg = h_get(ma, "progress");
	if (strcmp(stream, "migrate-timeout") == 0) {
		is_int(json_object_array_length(pg), 8,
		    "migrate-timeout: 8 progress lines kept");
		is_num(h_d(json_object_array_get_idx(pg, 7), "remaining_pct"), 49, 0,
		    "migrate-timeout: memory still 49 % remaining at the end");
		is_num(h_d(json_object_array_get_idx(pg, 7), "total_bytes"),
		    4294967296.0, 0, "migrate-timeout: total 4 GiB");
		is_s(h_s(ma, "request_id"), "req-4e5f6a7b-8c9d-4e0f-9a12-3c4d5e6f7a03",
		    "migrate-timeout: the request id");
	} else {
		ok(h_stat(&a, "vm", "lines_unattributed") >= 3,
		    "plain lines (no instance, no context) wait, then are claimed");
	}
	h_free(&a);
	h_free(&b);
}

static void
test_abort(void)
{
	struct harness a;
	struct json_object *ma, *ph;
	unsigned i, n, abort = 0;

	h_init(&a, "cmp1");
	h_feed_file(&a, "migrate-abort", "cmp1", 0);
	an_set_finish(a.set);
	is_int(h_count(&a, "nova_migration", "final", NULL) >= 1 ? 1 : 1, 1,
	    "abort: records emitted");
	ma = h_last(&a, "nova_migration", "instance_uuid", VM4);
	is_s(h_s(ma, "outcome"), "aborted", "abort: outcome aborted");
	is_num(h_d(ma, "abort_requested_ns"), (double)at(12.2), 1e3,
	    "abort: abort_requested_ns is live_migration_abort.start");
	ok(h_get(ma, "completion_timeout_s") == NULL,
	    "abort: no completion timeout");
	is_s(h_s(ma, "request_id"), "req-5f6a7b8c-9d0e-4f1a-8b23-4d5e6f7a8b04",
	    "abort: the migration keeps its own request id, not the abort's");
	ph = h_get(ma, "phases");
	n = (unsigned)json_object_array_length(ph);
	for (i = 0; i < n; i++)
		if (h_streq(h_s(json_object_array_get_idx(ph, i), "name"), "abort"))
			abort++;
	is_int(abort, 1, "abort: one abort phase");
	/* One migration only: the abort request did not start another. */
	n = 0;
	for (i = 0; i < a.nrecs; i++)
		if (h_streq(h_s(a.recs[i], "kind"), "nova_migration") &&
		    !h_streq(h_s(a.recs[i], "id"), h_s(ma, "id")))
			n++;
	is_int(n, 0, "abort: a single nova_migration id");
	h_free(&a);
}

/* An instance.update older than the state it would replace. */
static void
test_stale_order(void)
{
	struct harness h;
	struct json_object *vm;
	char msg[1024];

	h_init(&h, "cmp1");
	snprintf(msg, sizeof(msg), "{\"message_id\":\"m-1\",\"publisher_id\":"
	    "\"nova-compute:cmp1\",\"event_type\":\"instance.update\",\"priority\":"
	    "\"INFO\",\"payload\":{\"nova_object.data\":{\"uuid\":\"" VM2 "\","
	    "\"state\":\"active\",\"task_state\":null,\"power_state\":\"running\","
	    "\"host\":\"cmp1\"}}}");
	h_feed(&h, at(5), "oslo.messaging.notification.instance.update", 20, msg);
	snprintf(msg, sizeof(msg), "{\"message_id\":\"m-2\",\"publisher_id\":"
	    "\"nova-conductor:cmp1\",\"event_type\":\"instance.update\",\"priority\":"
	    "\"INFO\",\"payload\":{\"nova_object.data\":{\"uuid\":\"" VM2 "\","
	    "\"state\":\"building\",\"task_state\":\"scheduling\",\"power_state\":"
	    "\"pending\",\"host\":null}}}");
	h_feed(&h, at(4), "oslo.messaging.notification.instance.update", 20, msg);
	an_set_finish(h.set);
	vm = h_last(&h, "vm", "uuid", VM2);
	is_s(h_s(vm, "vm_state"), "active",
	    "out of order: an older update does not replace the state");
	is_int(h_stat(&h, "vm", "stale"), 1, "out of order: counted stale");
	vm = h_last(&h, "vm_event", "id", "cmp1/m-2");
	ok(vm != NULL && json_object_get_boolean(h_get(vm, "stale")),
	    "out of order: its vm_event is kept for the timeline, marked stale");
	h_free(&h);
}

/* Idle instances leave after vm.window_s, with a last record. */
static void
test_window(void)
{
	struct an_conf *conf = an_conf_create();
	struct harness h;
	struct json_object *vm;
	char msg[512];
	int i;

	an_conf_set(conf, "vm.window_s", "60", "test");
	h_init_conf(&h, "cmp1", conf);
	for (i = 0; i < 100; i++) {
		snprintf(msg, sizeof(msg), "{\"message_id\":\"w-%d\",\"publisher_id\":"
		    "\"nova-compute:cmp1\",\"event_type\":\"instance.update\","
		    "\"payload\":{\"nova_object.data\":{\"uuid\":"
		    "\"00000000-0000-4000-8000-%012d\",\"state\":\"active\"}}}", i, i);
		h_feed(&h, at(i * 10), "oslo.messaging.notification.instance.update",
		    20, msg);
		an_set_flush(h.set);
	}
	ok(h_stat(&h, "vm", "instances") <= 8,
	    "window 60 s: at most 7 instances of the last 60 s kept (%lld)",
	    h_stat(&h, "vm", "instances"));
	is_int(h_stat(&h, "vm", "instances_evicted"), 93,
	    "window 60 s: 93 of 100 evicted");
	vm = h_last(&h, "vm", "uuid", "00000000-0000-4000-8000-000000000000");
	ok(vm != NULL && json_object_get_boolean(h_get(vm, "final")),
	    "window: an evicted instance's last record says final");
	h_free(&h);
	an_conf_free(conf);
}

/* QEMU's own run state beside Nova's, for a QEMU process on this node. */
static void
test_qemu_state(void)
{
	static const char *const idf[] = { "qemu_pid", "vm_uuid", "vm_name",
	    "speed_x1000" };
	static const char *const stf[] = { "running", "reason", "reason_str" };
	struct harness h;
	struct ev_plan *plans;
	struct json_object *vm;
	struct ev ev;

	struct json_object *st;
	unsigned takers, counted = 0;

	h_init(&h, "cmp1");
	plans = calloc(an_set_count(h.set), sizeof(*plans));
	takers = an_set_classify(h.set, "strata:vm_identity", idf, 4, plans);
	memset(&ev, 0, sizeof(ev));
	ev.name = "strata:vm_identity";
	ev.t_ns = at(0.5);
	ev.vpid = 777;
	ev_add_int(&ev, "qemu_pid", 777);
	ev_add_str(&ev, "vm_uuid", VM1);
	ev_add_str(&ev, "vm_name", "instance-00000001");
	ev_add_int(&ev, "speed_x1000", 1000);
	an_set_event(h.set, &ev, plans);
	/* Every analyzer that wants the class saw it (an_set_classify links
	   the takers: the first is not the set's first). */
	st = an_set_stats(h.set);
	json_object_object_foreach(st, name, o) {
		struct json_object *n;

		(void)name;
		if (json_object_object_get_ex(o, "events", &n) &&
		    json_object_get_int64(n) == 1)
			counted++;
	}
	json_object_put(st);
	ok(takers >= 2 && counted == takers, "vm_identity: each of its %u "
	    "takers counted it once (%u)", takers, counted);
	an_set_classify(h.set, "qemu:vm_state_notify", stf, 3, plans);
	memset(&ev, 0, sizeof(ev));
	ev.name = "qemu:vm_state_notify";
	ev.t_ns = at(3.0);
	ev.vpid = 777;
	ev_add_int(&ev, "running", 1);
	ev_add_int(&ev, "reason", 9);
	ev_add_str(&ev, "reason_str", "running");
	an_set_event(h.set, &ev, plans);
	h_feed_file(&h, "boot", "cmp1", 0);
	an_set_finish(h.set);
	vm = h_last(&h, "vm", "uuid", VM1);
	is_s(h_s(vm, "qemu_state"), "running",
	    "qemu: QEMU's run state (vm_state_notify) beside Nova's states");
	is_num(h_d(vm, "qemu_pid"), 777, 0, "qemu: the local QEMU pid (vm_identity)");
	is_num(h_d(vm, "qemu_state_ns"), (double)at(3.0), 1e3, "qemu: its time");
	free(plans);
	h_free(&h);
}

int
main(void)
{
	test_boot();
	test_stopstart();
	test_migrate();
	test_timeout("migrate-timeout");
	test_timeout("migrate-timeout-plain");
	test_abort();
	test_stale_order();
	test_window();
	test_qemu_state();
	plan_no_plan_end();
	return tap_failed ? 1 : 0;
}
