/*
 * test_app.c: the request, service, volume and port analyzers on the
 * streams of tests/data/openstack (boot, live migration, volume, network),
 * with the numbers an operator would read: request durations and status,
 * Cinder and Neutron requests hung on Nova's by global_request_id,
 * per-operation latency percentiles, the volume → attachment → target map
 * and the port → MAC → IP → instance → host map.
 */
#include <math.h>

#include "app_harness.h"
#include "tap.h"

#define VM1	"1b5a7c2e-3d4f-4a6b-8c9d-0e1f2a3b4c01"
#define REQ	"req-6a1f0c52-7d3e-4b8a-9f21-3c4d5e6f7a01"
#define REQ2	"req-6a1f0c52-7d3e-4b8a-9f21-3c4d5e6f7a02"
#define NREQ1	"req-7b2e1d63-8e4f-4c9b-a032-4d5e6f7a8b01"
#define PORT1	"65c0ee9f-d634-4522-8954-51021b570b01"
#define VOL	"462dcc2d-130d-4654-8db1-da0df2da6a01"
#define T0	1714564800ULL
#define SEC	1000000000ULL

static uint64_t
at(double s)
{
	return T0 * SEC + (uint64_t)(s * 1e9 + 0.5);
}

static int
arr_has(struct json_object *a, const char *s)
{
	size_t i;

	for (i = 0; a != NULL && i < json_object_array_length(a); i++)
		if (h_streq(json_object_get_string(json_object_array_get_idx(a, i)),
		    s))
			return 1;
	return 0;
}

static void
test_request(void)
{
	struct harness h;
	struct json_object *r, *api;

	h_init(&h, "cmp1");
	h_feed_file(&h, "boot", NULL, 0);
	an_set_finish(h.set);
	r = h_last(&h, "request", "request_id", REQ);
	ok(r != NULL, "request: a record for the boot request");
	is_s(h_s(r, "id"), "cmp1/" REQ, "request: id NODE/REQUEST_ID");
	is_s(h_s(r, "operation"), "instance.create", "request: operation instance.create");
	is_s(h_s(r, "status"), "ok", "request: status ok once create.end came");
	ok(arr_has(h_get(r, "services"), "nova-api") &&
	    arr_has(h_get(r, "services"), "nova-compute"),
	    "request: services nova-api and nova-compute");
	ok(arr_has(h_get(r, "hosts"), "cmp1"), "request: host cmp1");
	ok(arr_has(h_get(r, "instance_uuids"), VM1), "request: touched vm-boot");
	is_num(h_d(r, "started_ns"), (double)at(0.010), 1e3, "request: started at 0.010 s");
	is_num(h_d(r, "duration_ms"), 3400, 0.01, "request: 3400 ms (0.010 -> 3.410 s)");
	api = h_get(r, "api");
	ok(h_streq(h_s(api, "method"), "POST") &&
	    h_streq(h_s(api, "path"), "/v2.1/servers") &&
	    h_d(api, "status") == 202, "request: api POST /v2.1/servers 202");
	is_num(h_d(api, "duration_ms"), 348.912, 0.001, "request: the API took 348.912 ms");
	r = h_last(&h, "request", "request_id", NREQ1);
	is_s(h_s(r, "global_request_id"), REQ,
	    "request: Neutron's port create hangs on Nova's boot (global_request_id)");
	is_s(h_s(r, "operation"), "port.create", "request: Neutron's operation port.create");
	ok(arr_has(h_get(r, "port_ids"), PORT1) &&
	    arr_has(h_get(r, "services"), "neutron-server"),
	    "request: Neutron's request names its port and neutron-server");
	is_num(h_d(h_get(r, "api"), "status"), 201, 0, "request: POST /v2.0/ports 201");
	r = h_last(&h, "request", "request_id", REQ2);
	is_s(h_s(r, "status"), "error", "request: the failed boot is an error");
	ok(h_s(r, "error") != NULL && strstr(h_s(r, "error"), "too small") != NULL,
	    "request: its error text says why (%s)", h_s(r, "error"));
	is_int(h_count(&h, "request", "final", NULL), 0, "request: none final yet");
	h_free(&h);
}

static void
test_request_window(void)
{
	struct harness h;
	char msg[256];
	int i;

	h_init(&h, "cmp1");		/* request.window_s 300 by default */
	h_feed_file(&h, "boot", NULL, 0);
	for (i = 1; i <= 7; i++) {	/* time goes on: 7 × 60 s */
		snprintf(msg, sizeof(msg), "tick %d", i);
		h_feed(&h, at(60.0 * i), "nova.compute.manager", 20, msg);
		an_set_flush(h.set);
	}
	ok(h_last(&h, "request", "request_id", REQ) != NULL &&
	    json_object_get_boolean(h_get(h_last(&h, "request", "request_id", REQ),
	    "final")), "request window: the boot request is final after 300 s idle");
	is_int(h_stat(&h, "request", "requests_kept"), 0,
	    "request window: no request left in the agent");
	h_free(&h);
}

static void
test_service(void)
{
	struct harness a, b;
	struct json_object *s;

	h_init(&a, "cmp1");
	h_init(&b, "cmp2");
	h_feed_file(&a, "boot", "cmp1", 0);
	h_feed_file(&a, "migrate", "cmp1", 20 * SEC);
	h_feed_file(&b, "migrate", "cmp2", 20 * SEC);
	an_set_finish(a.set);
	an_set_finish(b.set);
	s = h_last(&a, "service", "id", "cmp1/nova-compute/instance.create");
	ok(s != NULL, "service: nova-compute instance.create");
	is_num(h_d(s, "count"), 2, 0, "service: 2 creates finished");
	is_num(h_d(s, "errors"), 1, 0, "service: 1 error (create.error)");
	is_num(h_d(s, "p50_ms"), 260, 0.01, "service: p50 260 ms (the failed one)");
	is_num(h_d(s, "p90_ms"), 2810, 0.01, "service: p90 2810 ms");
	is_num(h_d(s, "max_ms"), 2810, 0.01, "service: max 2810 ms (0.600 -> 3.410 s)");
	is_s(h_s(s, "project"), "nova", "service: project nova");
	s = h_last(&a, "service", "id", "cmp1/neutron-server/port.create");
	is_num(h_d(s, "p50_ms"), 160, 0.01,
	    "service: Neutron's port.create paired without an id in .start: 160 ms");
	s = h_last(&a, "service", "id", "cmp1/neutron-server/port.update");
	is_num(h_d(s, "count"), 2, 0, "service: 2 port updates (boot's binding, the migration's)");
	is_num(h_d(s, "unpaired"), 0, 0, "service: every port.update.end paired");
	is_num(h_d(s, "max_ms"), 150, 0.01, "service: the migration's port update 150 ms");
	s = h_last(&b, "service", "id", "cmp2/nova-compute/instance.live_migration_pre");
	is_num(h_d(s, "p50_ms"), 1200, 0.01, "service: cmp2 live_migration_pre 1200 ms");
	s = h_last(&a, "service", "id", "cmp1/nova-compute/instance.live_migration_post");
	is_num(h_d(s, "max_ms"), 1200, 0.01, "service: cmp1 live_migration_post 1200 ms");
	ok(json_object_array_length(h_get(s, "hist")) == 1,
	    "service: one histogram bucket used");
	h_free(&a);
	h_free(&b);
}

/* n pairs of 1..n ms: exact percentiles, then the histogram's. */
static void
test_percentiles(int n, double tol)
{
	struct harness h;
	struct json_object *s;
	char msg[512];
	int i;

	h_init(&h, "cmp1");
	for (i = 1; i <= n; i++) {
		snprintf(msg, sizeof(msg), "{\"message_id\":\"s-%d\",\"publisher_id\":"
		    "\"volume.cmp1@lvm\",\"event_type\":\"volume.create.start\","
		    "\"payload\":{\"volume_id\":\"v-%d\",\"status\":\"creating\"}}",
		    i, i);
		h_feed(&h, at(i), "oslo.messaging.notification.volume.create.start",
		    20, msg);
		snprintf(msg, sizeof(msg), "{\"message_id\":\"e-%d\",\"publisher_id\":"
		    "\"volume.cmp1@lvm\",\"event_type\":\"volume.create.end\","
		    "\"payload\":{\"volume_id\":\"v-%d\",\"status\":\"available\"}}",
		    i, i);
		h_feed(&h, at(i) + (uint64_t)i * 1000000ULL,
		    "oslo.messaging.notification.volume.create.end", 20, msg);
	}
	an_set_finish(h.set);
	s = h_last(&h, "service", "id", "cmp1/cinder-volume/volume.create");
	is_num(h_d(s, "count"), n, 0, n > 1024 ? "percentiles: 2000 pairs counted" :
	    "percentiles: 1000 pairs counted");
	is_num(h_d(s, "p50_ms"), n * 0.5, n * 0.5 * tol, n > 1024 ?
	    "percentiles (histogram, 2000): p50 1000 ms within 19 %" :
	    "percentiles (exact, 1000): p50 500 ms");
	is_num(h_d(s, "p90_ms"), n * 0.9, n * 0.9 * tol, "percentiles: p90");
	is_num(h_d(s, "p99_ms"), n * 0.99, n * 0.99 * tol, "percentiles: p99");
	is_num(h_d(s, "max_ms"), n, 0.01, "percentiles: max exact");
	h_free(&h);
}

static void
test_volume(void)
{
	struct harness h;
	struct json_object *v = NULL, *att, *ops;
	unsigned i;

	h_init(&h, "cmp1");
	h_feed_file(&h, "volume", NULL, 0);
	an_set_finish(h.set);
	/* The last record while in use: attached, before the detach. */
	for (i = h.nrecs; i-- > 0;)
		if (h_streq(h_s(h.recs[i], "kind"), "volume") &&
		    h_streq(h_s(h.recs[i], "status"), "in-use")) {
			v = h.recs[i];
			break;
		}
	ok(v != NULL, "volume: a record while attached");
	is_s(h_s(v, "status"), "in-use", "volume: in-use while attached");
	is_int(json_object_array_length(h_get(v, "attachments")), 1,
	    "volume: one attachment (Cinder's and Nova's are the same)");
	att = json_object_array_get_idx(h_get(v, "attachments"), 0);
	is_s(h_s(att, "instance_uuid"), VM1, "volume: attached to vm-boot");
	is_s(h_s(att, "host"), "cmp1", "volume: on host cmp1");
	is_s(h_s(att, "mountpoint"), "/dev/vdb", "volume: at /dev/vdb");
	is_s(h_s(att, "target"), "iscsi iqn.2010-10.org.openstack:volume-" VOL
	    " 192.0.2.10:3260 lun 1", "volume: the iSCSI target, portal and lun");
	is_num(h_d(h_get(att, "connection"), "target_lun"), 1, 0,
	    "volume: connection.target_lun 1");
	v = h_last(&h, "volume", "volume_id", VOL);
	ok(json_object_get_boolean(h_get(v, "final")) &&
	    json_object_get_boolean(h_get(v, "final")),
	    "volume: the delete's record is final");
	is_s(h_s(v, "status"), "deleted", "volume: status deleted");
	is_num(h_d(v, "size_gb"), 20, 0, "volume: 20 GB after the resize");
	is_s(h_s(v, "backend"), "cmp1@lvm#lvm", "volume: backend cmp1@lvm#lvm");
	ok(h_streq(h_s(v, "backend_host"), "cmp1") &&
	    h_streq(h_s(v, "backend_name"), "lvm") && h_streq(h_s(v, "pool"), "lvm"),
	    "volume: backend host cmp1, backend lvm, pool lvm");
	is_int(json_object_array_length(h_get(v, "attachments")), 0,
	    "volume: no attachment after the detach");
	ops = h_get(v, "operations");
	is_num(h_d(h_get(ops, "create"), "last_ms"), 1800, 0.01, "volume: create 1800 ms");
	is_num(h_d(h_get(ops, "attach"), "last_ms"), 800, 0.01, "volume: attach 800 ms");
	is_num(h_d(h_get(ops, "detach"), "last_ms"), 800, 0.01, "volume: detach 800 ms");
	is_num(h_d(h_get(ops, "resize"), "last_ms"), 3300, 0.01, "volume: resize 3300 ms");
	is_num(h_d(h_get(ops, "delete"), "last_ms"), 1700, 0.01, "volume: delete 1700 ms");
	is_s(h_s(h_last(&h, "request", "request_id",
	    "req-9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c03"), "global_request_id"),
	    "req-9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c02",
	    "volume: Cinder's attach request hangs on Nova's attach");
	is_int(h_stat(&h, "volume", "volumes"), 0, "volume: deleted, gone from the agent");
	h_free(&h);
}

static void
test_port(void)
{
	struct harness h;
	struct json_object *p, *r;

	h_init(&h, "cmp1");
	h_feed_file(&h, "boot", NULL, 0);
	p = h_last(&h, "port", "port_id", PORT1);
	is_s(h_s(p, "mac"), "fa:16:3e:c9:cb:01", "port: mac");
	ok(arr_has(h_get(p, "ips"), "10.0.0.11"), "port: fixed IP 10.0.0.11");
	is_s(h_s(p, "device_id"), VM1, "port: device is vm-boot");
	is_s(h_s(p, "device_owner"), "compute:nova", "port: owner compute:nova");
	is_s(h_s(p, "host"), "cmp1", "port: bound to cmp1");
	is_num(h_d(h_get(h_get(p, "operations"), "create"), "last_ms"), 160, 0.01,
	    "port: created in 160 ms");
	h_feed_file(&h, "migrate", "cmp1", 20 * SEC);
	p = h_last(&h, "port", "port_id", PORT1);
	is_s(h_s(p, "host"), "cmp2", "port: the live migration moved the binding to cmp2");
	is_s(h_s(p, "status"), "ACTIVE", "port: ACTIVE");
	h_feed_file(&h, "network", NULL, 100 * SEC);
	an_set_finish(h.set);
	p = h_last(&h, "port", "port_id", "65c0ee9f-d634-4522-8954-51021b570b02");
	is_s(h_s(p, "name"), "web-port", "port: renamed web-port by the update");
	is_num(h_d(h_get(h_get(p, "operations"), "update"), "last_ms"), 120, 0.01,
	    "port: update 120 ms");
	p = h_last(&h, "port", "port_id", "65c0ee9f-d634-4522-8954-51021b570b03");
	ok(json_object_get_boolean(h_get(p, "deleted")) &&
	    json_object_get_boolean(h_get(p, "final")) &&
	    h_streq(h_s(p, "status"), "DELETED"), "port: the deleted port's final record");
	is_num(h_d(h_get(h_get(p, "operations"), "delete"), "last_ms"), 210, 0.01,
	    "port: delete 210 ms");
	p = h_last(&h, "network", "network_id", "91c013e2-d65a-474e-9177-c3e1799ca701");
	ok(arr_has(h_get(p, "subnet_ids"), "a2f1f29d-571b-4533-907f-5803ab96ea01"),
	    "network: knows its subnet");
	is_num(h_d(p, "mtu"), 1400, 0, "network: mtu 1400");
	p = h_last(&h, "subnet", "subnet_id", "a2f1f29d-571b-4533-907f-5803ab96ea01");
	is_s(h_s(p, "cidr"), "192.168.199.0/24", "subnet: cidr");
	r = h_last(&h, "router", "router_id", "915a14a6-867b-4af7-83d1-70efceb14601");
	is_s(h_s(r, "external_network_id"), "ae34051f-aa6c-4c75-abf5-50dc9ac99ef3",
	    "router: external network");
	ok(arr_has(h_get(r, "gateway_ips"), "172.24.4.6"), "router: gateway IP");
	is_int(json_object_array_length(h_get(r, "interfaces")), 1, "router: one interface");
	is_s(h_s(json_object_array_get_idx(h_get(r, "interfaces"), 0), "port_id"),
	    "2dc46bcc-d1f2-4077-b99e-91ee28afaf01", "router: the interface's port");
	h_free(&h);
}

int
main(void)
{
	test_request();
	test_request_window();
	test_service();
	test_percentiles(1000, 0);
	test_percentiles(2000, 0.19);
	test_volume();
	test_port();
	plan_no_plan_end();
	return tap_failed ? 1 : 0;
}
