/*
 * test_alertmgr.c: what Alertmanager is sent, and how (aggregator/
 * alertmgr.c).  The object of an alert: labels, annotations, startsAt and
 * generatorURL for a migration, a node and a subjectless alert; the URL
 * checks; then, against an evhttp server in the same loop standing in for
 * Alertmanager: alerts batched into one POST with endsAt ahead while
 * firing, a full table dropping a new alert (counted) but evicting a
 * resolved one first, a 503 counted as a failure and retried after the
 * backoff, a 400 counted as refused and not retried, and the re-send.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "tap.h"
#include "clock.h"
#include "alertmgr.h"

static struct event_base *base;

/* The stand-in Alertmanager: answers code, keeps what it was sent. */
static struct {
	int			 code;
	int			 posts;
	int			 alerts;	/* in every POST */
	char			 path[64];
	char			 host[64];
	char			 ctype[64];
	struct json_object	*last;		/* the last POST's array */
} srv;

static void
srv_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	struct evkeyvalq *h = evhttp_request_get_input_headers(req);
	size_t n = evbuffer_get_length(in);
	char *body = calloc(1, n + 1);
	const char *v;

	evbuffer_copyout(in, body, n);
	snprintf(srv.path, sizeof(srv.path), "%s", evhttp_request_get_uri(req));
	snprintf(srv.host, sizeof(srv.host), "%s",
	    (v = evhttp_find_header(h, "Host")) ? v : "");
	snprintf(srv.ctype, sizeof(srv.ctype), "%s",
	    (v = evhttp_find_header(h, "Content-Type")) ? v : "");
	srv.posts++;
	if (srv.code == 200) {
		json_object_put(srv.last);
		srv.last = json_tokener_parse(body);
		if (srv.last != NULL)
			srv.alerts += (int)json_object_array_length(srv.last);
	}
	free(body);
	evhttp_send_reply(req, srv.code, srv.code == 200 ? "OK" : "No",
	    NULL);
}

/* Runs the loop until *counter passes want or ms pass; 1 if it did. */
static int
run_until(int *counter, int want, int ms)
{
	uint64_t end = clock_mono_ns() + (uint64_t)ms * 1000000ULL;
	struct timeval tv = { 0, 20000 };

	while (*counter < want && clock_mono_ns() < end) {
		event_base_loopexit(base, &tv);
		event_base_dispatch(base);
	}
	return *counter >= want;
}

static void
run_ms(int ms)
{
	int never = 0;

	run_until(&never, 1, ms);
}

static int64_t stat_of(struct amgr *, const char *, int);

/* stat_of() once it is want, or what it is after ms of the loop. */
static int64_t
stat_settled(struct amgr *am, const char *key, int target, int64_t want,
    int ms)
{
	uint64_t end = clock_mono_ns() + (uint64_t)ms * 1000000ULL;
	int64_t v;

	while ((v = stat_of(am, key, target)) != want && clock_mono_ns() < end)
		run_ms(20);
	return v;
}

static struct json_object *
alert(int id, const char *state, const char *skind, const char *sid)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "{\"id\":%d,\"name\":\"migration."
	    "not_converging\",\"severity\":\"warning\",\"state\":\"%s\","
	    "\"node\":\"cmp1\",\"vm_uuid\":\"uuid-%d\",\"vm_name\":null,"
	    "\"fired_ns\":1795634490123000000,\"t_ns\":1,"
	    "\"resolved_ns\":%s,\"resolution\":%s,"
	    "\"message\":\"alert %d\",\"evidence\":{\"verdict\":\"stalled\","
	    "\"rounds\":[1,2,3],\"note\":\"two words\",\"limit\":300,"
	    "\"nested\":{\"a\":1},\"error\":null},"
	    "\"subject\":%s%s%s%s%s}", id, state, id,
	    strcmp(state, "resolved") == 0 ? "1795634499000000000" : "null",
	    strcmp(state, "resolved") == 0 ? "\"migration.converged\"" : "null",
	    id, skind ? "{\"kind\":\"" : "null", skind ? skind : "",
	    skind ? "\",\"id\":\"" : "", skind ? sid : "", skind ? "\"}" : "");
	return json_tokener_parse(buf);
}

static const char *
get(struct json_object *o, const char *path)
{
	char key[64];
	const char *dot;
	struct json_object *v = o;

	while (v != NULL && (dot = strchr(path, '.')) != NULL) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		if (!json_object_object_get_ex(v, key, &v))
			return NULL;
		path = dot + 1;
	}
	if (v == NULL || !json_object_object_get_ex(v, path, &v) || v == NULL)
		return NULL;
	return json_object_get_string(v);
}

static int64_t
stat_of(struct amgr *am, const char *key, int target)
{
	struct json_object *s = amgr_stats(am), *v, *t;
	int64_t r = -1;

	if (s == NULL)
		return -1;
	if (target < 0) {
		if (json_object_object_get_ex(s, key, &v))
			r = json_object_get_int64(v);
	} else if (json_object_object_get_ex(s, "alertmanagers", &t) &&
	    (t = json_object_array_get_idx(t, target)) != NULL &&
	    json_object_object_get_ex(t, key, &v))
		r = json_object_get_int64(v);
	json_object_put(s);
	return r;
}

static void
test_objects(void)
{
	struct json_object *a, *o;
	char buf[64], why[120];

	amgr_time(buf, sizeof(buf), 1795634490123456789LL);
	is_str(buf, "2026-11-25T19:21:30.123Z", "amgr_time: RFC 3339, UTC, ms");

	a = alert(7, "firing", "migration", "cmp1/42/1 x");
	json_object_object_add(a, "advice",
	    json_object_new_string("raise the limit"));
	o = amgr_alert_obj(a, "http://web:8080/");
	is_str(get(o, "labels.alertname"), "migration.not_converging",
	    "label alertname: the alert's name");
	is_str(get(o, "labels.subject_id"), "cmp1/42/1 x", "label subject_id");
	ok(get(o, "labels.vm_name") == NULL && get(o, "labels.vm_uuid") &&
	    get(o, "labels.node") && get(o, "labels.severity") &&
	    json_object_object_length(json_object_object_get(o, "labels")) ==
	    6, "labels: a null vm_name is left out; 6 labels");
	is_str(get(o, "annotations.summary"), "alert 7", "summary: message");
	is_str(get(o, "annotations.evidence"),
	    "verdict=stalled rounds=3 note=\"two words\" limit=300",
	    "evidence: scalars, arrays by length, no objects or nulls");
	is_str(get(o, "annotations.advice"), "raise the limit",
	    "advice: the alert's");
	is_str(get(o, "annotations.alert_id"), "7", "annotation alert_id");
	ok(get(o, "annotations.resolution") == NULL,
	    "no resolution while firing");
	is_str(get(o, "startsAt"), "2026-11-25T19:21:30.123Z",
	    "startsAt: when the aggregator stored it (fired_ns)");
	is_str(get(o, "generatorURL"),
	    "http://web:8080/migration.html?id=cmp1%2F42%2F1%20x",
	    "generatorURL: the subject's page, its id encoded");
	ok(get(o, "endsAt") == NULL, "no endsAt in the object: set per POST");
	json_object_put(o);
	json_object_put(a);

	a = alert(8, "resolved", "node", "cmp2");
	o = amgr_alert_obj(a, "https://strata.example.org/ui");
	is_str(get(o, "generatorURL"),
	    "https://strata.example.org/ui/node.html?id=cmp2",
	    "a node alert: the node's page");
	is_str(get(o, "annotations.resolution"), "migration.converged",
	    "resolved: its resolution");
	json_object_put(o);
	o = amgr_alert_obj(a, NULL);
	ok(get(o, "generatorURL") == NULL, "no web-url: no generatorURL");
	json_object_put(o);
	json_object_put(a);

	a = alert(9, "firing", NULL, NULL);
	json_object_object_add(json_object_object_get(a, "evidence"), "advice",
	    json_object_new_string("from the evidence"));
	o = amgr_alert_obj(a, "http://web");
	is_str(get(o, "generatorURL"), "http://web/alerts.html?id=9",
	    "no subject: the alerts page");
	is_str(get(o, "annotations.advice"), "from the evidence",
	    "advice: the evidence's when the alert has none");
	ok(get(o, "labels.subject_kind") == NULL, "no subject labels");
	json_object_put(o);
	json_object_put(a);

	ok(amgr_url_check("http://127.0.0.1:9093", 0, why, sizeof(why)) == 0 &&
	    amgr_url_check("http://am/prefix/", 0, why, sizeof(why)) == 0 &&
	    amgr_url_check("http://[::1]:9093/api/v2/alerts", 0, why,
	    sizeof(why)) == 0, "URLs: host:port, a prefix, IPv6, the API path");
	ok(amgr_url_check("https://am:9093", 0, why, sizeof(why)) == -1 &&
	    amgr_url_check("https://web", 1, why, sizeof(why)) == 0 &&
	    amgr_url_check("am:9093", 0, why, sizeof(why)) == -1 &&
	    amgr_url_check("http://am:0", 0, why, sizeof(why)) == -1,
	    "https only for the web views; a scheme and a port 1..65535");
}

static void
test_delivery(void)
{
	struct evhttp *http = evhttp_new(base);
	struct evhttp_bound_socket *bs;
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	struct amgr_conf c;
	struct amgr *am;
	struct json_object *a, *e;
	char url[64], host[64], now[40];
	const char *urls[1];
	int i, p;

	evhttp_set_gencb(http, srv_cb, NULL);
	bs = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0);
	getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&sin,
	    &sl);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/am/",
	    ntohs(sin.sin_port));
	snprintf(host, sizeof(host), "127.0.0.1:%d", ntohs(sin.sin_port));
	srv.code = 200;

	memset(&c, 0, sizeof(c));
	urls[0] = url;
	c.urls = urls;
	c.nurls = 1;
	c.resend_ms = 60000;	/* no re-send until the test asks for one */
	c.queue_max = 3;
	am = amgr_create(base, &c);
	ok(am != NULL && amgr_enabled(am), "an Alertmanager configured");

	/* Three at once: one POST. */
	for (i = 1; i <= 3; i++) {
		a = alert(i, "firing", "migration", "m");
		amgr_alert(am, a);
		json_object_put(a);
	}
	ok(run_until(&srv.alerts, 3, 3000), "three alerts delivered");
	is_int(srv.posts, 1, "in one POST");
	is_str(srv.path, "/am/api/v2/alerts", "to PREFIX/api/v2/alerts");
	is_str(srv.host, host, "with its Host header");
	is_str(srv.ctype, "application/json", "as JSON");
	e = json_object_array_get_idx(srv.last, 0);
	amgr_time(now, sizeof(now), clock_wall_ns() + 239000000000LL);
	ok(get(e, "endsAt") != NULL && strcmp(get(e, "endsAt"), now) > 0,
	    "firing: endsAt 4 re-sends (4 min) ahead");
	is_int(stat_settled(am, "sent", -1, 3, 3000), 3, "status: sent 3");

	/* Full: a new one is dropped, unless a resolved one can go. */
	a = alert(4, "firing", "migration", "m");
	amgr_alert(am, a);
	json_object_put(a);
	is_int(stat_of(am, "dropped", -1), 1,
	    "the table full (3): a new alert dropped and counted");
	a = alert(1, "resolved", "migration", "m");
	amgr_alert(am, a);
	json_object_put(a);
	ok(run_until(&srv.alerts, 4, 3000), "the resolved one sent");
	e = json_object_array_get_idx(srv.last, 0);
	is_str(get(e, "endsAt"), "2026-11-25T19:21:39.000Z",
	    "resolved: endsAt its resolved_ns");
	is_str(get(e, "labels.subject_id"), "m", "same labels as when firing");
	a = alert(5, "firing", "migration", "m");
	amgr_alert(am, a);
	json_object_put(a);
	is_int(stat_of(am, "dropped", -1), 1,
	    "full again: the resolved alert makes room, nothing dropped");
	is_int(stat_of(am, "queued", -1), 3, "3 queued");
	ok(run_until(&srv.alerts, 5, 3000), "the new one delivered");

	/* Down: counted, retried after the backoff. */
	srv.code = 503;
	p = srv.posts;
	a = alert(5, "acked", "migration", "m");
	amgr_alert(am, a);
	json_object_put(a);
	ok(run_until(&srv.posts, p + 1, 3000), "503: the POST was answered");
	run_ms(100);
	is_int(stat_settled(am, "failed", 0, 1, 3000), 1,
	    "a 503 is a failure, counted");
	is_int(stat_of(am, "pending", 0), 1, "its alert still pending");
	srv.code = 200;
	i = srv.alerts;
	ok(run_until(&srv.alerts, i + 1, 3000),
	    "retried after the backoff once it answers 200");
	is_str(get(json_object_array_get_idx(srv.last, 0),
	    "annotations.state"), "acked", "an acked alert: state acked");
	/* The server counts the alert before the client reads its answer. */
	is_int(stat_settled(am, "pending", 0, 0, 3000), 0, "nothing pending");

	/* A 400: refused, not retried. */
	srv.code = 400;
	p = srv.posts;
	a = alert(3, "firing", "migration", "m");
	amgr_alert(am, a);
	json_object_put(a);
	run_until(&srv.posts, p + 1, 3000);
	run_ms(300);
	is_int(stat_of(am, "rejected", 0), 1, "a 400: the alert counted refused");
	is_int(srv.posts, p + 1, "and not sent again before the re-send");
	srv.code = 200;

	/* The re-send: everything kept, in one POST. */
	c.resend_ms = 1000;
	ok(amgr_reconf(am, &c) == 0, "re-send every 1 s (SIGHUP)");
	i = srv.posts;
	ok(run_until(&srv.posts, i + 1, 2500), "re-sent within the interval");
	is_int(json_object_array_length(srv.last), 3,
	    "the re-send carries the 3 alerts kept");

	c.nurls = 0;
	ok(amgr_reconf(am, &c) == 0 && !amgr_enabled(am) &&
	    amgr_stats(am) == NULL, "reconfigured without URLs: none, no stats");
	amgr_destroy(am);
	evhttp_free(http);
	json_object_put(srv.last);
}

int
main(void)
{
	setenv("TZ", "UTC", 1);
	base = event_base_new();
	test_objects();
	test_delivery();
	event_base_free(base);
	plan_no_plan_end();
	return exit_status();
}
