/*
 * test_ojs.c: the JSON reader of lib/analyzers/oslo (what it accepts and
 * refuses, against json-c on the same texts), and the message parser on
 * the malformed stream: every bad input counted and skipped, none fatal.
 */
#include "app_harness.h"
#include "ojs.h"
#include "oslo.h"
#include "tap.h"

static void
test_valid(void)
{
	static const char *const good[] = {
		"{}", "[]", "0", "-1.5e3", "\"x\"", "true", "null",
		" { \"a\" : [1, 2, {\"b\": null}], \"c\": \"d\" } ",
		"{\"k\":\"\\u00e9\\n\\\"\\\\\\/\"}",
		"{\"s\":\"\\ud83d\\ude00\"}",
		"[[[[[]]]]]",
	};
	static const char *const bad[] = {
		"", "{", "}", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "[1,]",
		"{'a':1}", "[01]", "[1.]", "[.5]", "[1e]", "\"\\x\"", "\"abc",
		"tru", "nul", "{\"a\":1} x", "[\"\\u12\"]", "{\"a\" 1}",
		"[\"a\tb\"]",
	};
	struct ojs j;
	size_t i;

	ojs_init(&j);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ok(ojs_parse(&j, good[i], strlen(good[i])) == 0,
		    "accepts %s", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct json_object *o = json_tokener_parse(bad[i]);

		ok(ojs_parse(&j, bad[i], strlen(bad[i])) == -1 && j.err != NULL,
		    "refuses '%s' (%s)%s", bad[i], j.err ? j.err : "?",
		    o == NULL ? "" : " [json-c accepts it]");
		json_object_put(o);
	}
	ojs_free(&j);
}

static void
test_lookup(void)
{
	static const char doc[] = "{\"event_type\":\"instance.update\","
	    "\"payload\":{\"nova_object.data\":{\"uuid\":\"u-1\",\"n\":42,"
	    "\"l\":[{\"ip\":\"10.0.0.1\"},{\"ip\":\"10.0.0.2\"}],\"e\":\"\","
	    "\"b\":false,\"esc\":\"a\\\"b\"}},\"z\":1}";
	static const char *const path[] = { "payload", "nova_object.data", NULL };
	struct ojs j;
	int d, l, it, n = 0;
	int64_t v;

	ojs_init(&j);
	ok(ojs_parse(&j, doc, strlen(doc)) == 0, "parses a payload");
	is_s(ojs_gets(&j, 0, "event_type"), "instance.update", "top-level string");
	d = ojs_path(&j, 0, path);
	ok(d > 0 && oslo_data(&j, ojs_get(&j, 0, "payload")) == d,
	    "nova_object.data by path and by oslo_data");
	is_s(ojs_gets(&j, d, "uuid"), "u-1", "nested string");
	ok(ojs_int(&j, ojs_get(&j, d, "n"), &v) == 0 && v == 42, "number 42");
	is_s(ojs_gets(&j, d, "esc"), "a\"b", "escaped quote unescaped in place");
	ok(oslo_s(&j, d, "e") == NULL, "empty string is no value for oslo_s");
	is_int(ojs_bool(&j, ojs_get(&j, d, "b")), 0, "false");
	l = ojs_get(&j, d, "l");
	for (it = ojs_first(&j, l); it >= 0; it = ojs_next(&j, l, it))
		n++;
	is_int(n, 2, "array of two objects iterated");
	is_int(ojs_get(&j, 0, "z") > 0, 1, "a key after a nested subtree is found");
	ok(ojs_get(&j, d, "missing") == -1, "a missing key is -1");
	ojs_free(&j);
}

static void
test_publisher(void)
{
	const char *svc;
	char host[64];

	oslo_publisher("nova-compute:cmp2", "instance.update", &svc, host,
	    sizeof(host));
	ok(h_streq(svc, "nova-compute") && h_streq(host, "cmp2"),
	    "nova-compute:cmp2 -> nova-compute on cmp2");
	oslo_publisher("volume.cmp1@lvm", "volume.create.end", &svc, host,
	    sizeof(host));
	ok(h_streq(svc, "cinder-volume") && h_streq(host, "cmp1"),
	    "volume.cmp1@lvm -> cinder-volume on cmp1");
	oslo_publisher("network.ctl-1.example.org", "port.create.end", &svc, host,
	    sizeof(host));
	ok(h_streq(svc, "neutron-server") && h_streq(host, "ctl-1.example.org"),
	    "network.HOST -> neutron-server");
	oslo_publisher("scheduler.ctl", "volume.create.start", &svc, host,
	    sizeof(host));
	ok(h_streq(svc, "cinder-scheduler"), "scheduler.ctl of a volume event -> cinder-scheduler");
	oslo_publisher("compute.cmp3", "compute.instance.create.end", &svc, host,
	    sizeof(host));
	ok(h_streq(svc, "nova-compute") && h_streq(host, "cmp3"),
	    "unversioned compute.HOST -> nova-compute");
}

/* malformed.scn: everything counted, nothing fatal, the good one used. */
static void
test_malformed(void)
{
	struct harness h;
	int n;

	h_init(&h, "cmp1");
	n = h_feed_file(&h, "malformed", NULL, 0);
	an_set_finish(h.set);
	is_int(n, 14, "malformed: 14 messages fed");
	is_int(h_stat(&h, "oslo", "events"), 14, "oslo: 14 events seen");
	is_int(h_stat(&h, "oslo", "plain_logs"), 0,
	    "oslo: no plain line (a notification logger carries JSON only)");
	is_int(h_stat(&h, "oslo", "malformed"), 4,
	    "oslo: 4 malformed (not JSON, truncated, an array, nested 80 deep)");
	is_int(h_stat(&h, "oslo", "bad_notification"), 2,
	    "oslo: 2 envelopes without a usable event_type");
	is_int(h_stat(&h, "oslo", "unknown_shape"), 1,
	    "oslo: 1 JSON object of no known shape");
	is_int(h_stat(&h, "oslo", "duplicates"), 1, "oslo: 1 duplicate message_id");
	is_int(h_stat(&h, "oslo", "ignored"), 1,
	    "oslo: 1 notification of an event type no analyzer follows");
	is_int(h_stat(&h, "vm", "no_uuid"), 2,
	    "vm: the 2 instance.update without uuid counted");
	is_int(h_stat(&h, "volume", "no_volume_id"), 1,
	    "volume: the attach.end without volume_id counted");
	is_int(h_stat(&h, "port", "no_id"), 1, "port: the port without id counted");
	is_int(h_count(&h, "vm_event", "uuid", "1b5a7c2e-3d4f-4a6b-8c9d-0e1f2a3b4c09"),
	    1, "the good notification is used once (its duplicate skipped)");
	ok(h_last(&h, "volume", NULL, NULL) == NULL,
	    "no volume from a notification without a volume_id");
	h_free(&h);
}

/* The same through the JSON handler: each message inside oslo.log's JSON. */
static void
test_malformed_json(void)
{
	struct harness h;

	h_init(&h, "cmp1");
	h_feed_file(&h, "malformed-json", NULL, 0);
	an_set_finish(h.set);
	is_int(h_stat(&h, "oslo", "malformed"), 4,
	    "json route: 4 malformed notifications inside the JSON lines");
	is_int(h_stat(&h, "oslo", "bad_notification"), 2,
	    "json route: 2 envelopes without a usable event_type");
	is_int(h_stat(&h, "oslo", "duplicates"), 1, "json route: 1 duplicate");
	is_int(h_stat(&h, "oslo", "ignored"), 1, "json route: 1 ignored event type");
	is_int(h_stat(&h, "oslo", "json_logs"), 1,
	    "json route: the unknown object on nova.compute.manager is a log line");
	is_int(h_stat(&h, "vm", "no_uuid"), 2, "json route: 2 without uuid");
	h_free(&h);
}

int
main(void)
{
	test_valid();
	test_lookup();
	test_publisher();
	test_malformed();
	test_malformed_json();
	plan_no_plan_end();
	return tap_failed ? 1 : 0;
}
