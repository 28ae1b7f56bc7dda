/*
 * alertmgr.c: the aggregator's alerts sent to Prometheus Alertmanager's
 * v2 API.  Every alert event goes into one table (by store id, in the
 * order of their last change: seq); each Alertmanager has a cursor, the
 * seq up to which it has been told everything, and at most one POST in
 * flight with the next AMGR_BATCH_MAX alerts after its cursor.  A re-send
 * tick sets every cursor back to 0, so firing alerts are told again
 * (endsAt AMGR_VALID_RESENDS intervals ahead, as Prometheus does) and a
 * restarted Alertmanager gets them back; a resolved alert is told with
 * its endsAt on the event and at the next AMGR_VALID_RESENDS ticks, then
 * forgotten.  A failed POST keeps the cursor and retries after a backoff
 * doubling from AMGR_BACKOFF_MIN_MS up to AMGR_BACKOFF_MAX_MS (never
 * beyond the re-send interval).  The table is bounded: when it is full the
 * oldest resolved alert goes, else the new alert is dropped and counted.
 * HTTP is libevent's evhttp client, names resolved by evdns: the event
 * loop never waits for an Alertmanager.
 */
#define _GNU_SOURCE		/* asprintf */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <arpa/inet.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>

#include "clock.h"
#include "log.h"
#include "jwrite.h"
#include "alertmgr.h"

#define AMGR_PATH		"/api/v2/alerts"
#define AMGR_HASH		1024
#define AMGR_LOG_EVERY_NS	(60 * 1000000000LL)	/* repeated warnings */
#define AMGR_TEXT_MAX		1024	/* the evidence annotation */
#define AMGR_BODY_MAX		65536	/* of an Alertmanager's answer */

struct am_alert {
	TAILQ_ENTRY(am_alert)	 order;		/* by seq */
	struct am_alert		*hnext;
	int64_t			 id;		/* the store's alert id */
	uint64_t		 seq;		/* when it last changed */
	struct json_object	*obj;		/* amgr_alert_obj() */
	int			 resolved;
	int64_t			 ends_ns;	/* resolved: endsAt */
	unsigned		 ticks;		/* re-sends since resolved */
};

enum am_state { AM_UNKNOWN, AM_UP, AM_DOWN };

struct am_target {
	TAILQ_ENTRY(am_target)	 entry;
	struct amgr		*am;
	char			*url;		/* as configured */
	char			*host;		/* without brackets */
	char			*hosthdr;	/* Host: */
	char			*path;		/* PREFIX/api/v2/alerts */
	int			 port;
	struct evhttp_connection *conn;
	struct evhttp_request	*req;		/* the POST in flight */
	uint64_t		 cursor;	/* seq up to which it is told */
	uint64_t		 batch_last;	/* seq of the last one in flight */
	unsigned		 batch_n;
	int			 rewind;	/* a tick while in flight */
	enum evhttp_request_error err;
	int			 have_err;
	struct event		*kick;		/* send what is new, soon */
	struct event		*retry;		/* the backoff */
	unsigned		 backoff_ms;
	enum am_state		 state;
	uint64_t		 sent, posts, failed, rejected;
	uint64_t		 fails;		/* since the last success */
	int64_t			 last_ok_ns, down_ns;
	int64_t			 logged_ns;	/* last warning while down */
	int64_t			 refused_ns;	/* last warning of a refusal */
	char			 last_error[200];
};

struct amgr {
	struct event_base	*base;
	struct evdns_base	*dns;		/* made for the first host name */
	TAILQ_HEAD(, am_target)	 targets;
	unsigned		 ntargets;
	TAILQ_HEAD(am_alert_q, am_alert) alerts;
	struct am_alert		*hash[AMGR_HASH];
	unsigned		 nalerts, nresolving;
	uint64_t		 seq;
	char			*web_url;
	unsigned		 resend_ms, qmax;
	struct event		*tick;
	uint64_t		 dropped, drops_unlogged;
	int64_t			 drop_logged_ns;
};

static void	target_flush(struct am_target *);

/* A member as a string, NULL for null, missing or empty. */
static const char *
mstr(struct json_object *o, const char *key)
{
	struct json_object *v;
	const char *s;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) || v == NULL)
		return NULL;
	s = json_object_get_string(v);
	return s != NULL && *s != '\0' ? s : NULL;
}

static int64_t
mi64(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return 0;
	return json_object_get_int64(v);
}

static void
add_str(struct json_object *o, const char *key, const char *val)
{
	if (val != NULL && *val != '\0')
		json_object_object_add(o, key, json_object_new_string(val));
}

void
amgr_time(char *buf, size_t len, int64_t ns)
{
	struct tm tm;
	time_t t;
	int64_t ms;

	if (ns < 0)
		ns = 0;
	t = (time_t)(ns / 1000000000LL);
	ms = (ns / 1000000LL) % 1000;
	gmtime_r(&t, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)ms);
}

/*
 * The evidence object in one line, logfmt-like: scalars as key=value,
 * arrays as their length, objects left out; at most AMGR_TEXT_MAX bytes.
 */
static void
evidence_text(struct json_object *ev, char *buf, size_t len)
{
	const char *s;
	size_t off = 0;
	int n;

	buf[0] = '\0';
	if (ev == NULL || !json_object_is_type(ev, json_type_object))
		return;
	json_object_object_foreach(ev, key, v) {
		if (v == NULL || strcmp(key, "advice") == 0)
			continue;
		switch (json_object_get_type(v)) {
		case json_type_array:
			n = snprintf(buf + off, len - off, "%s%s=%zu",
			    off ? " " : "", key, json_object_array_length(v));
			break;
		case json_type_string:
			s = json_object_get_string(v);
			n = snprintf(buf + off, len - off,
			    strpbrk(s, " =\"") ? "%s%s=\"%s\"" : "%s%s=%s",
			    off ? " " : "", key, s);
			break;
		case json_type_object:
			continue;
		default:
			n = snprintf(buf + off, len - off, "%s%s=%s",
			    off ? " " : "", key, json_object_get_string(v));
			break;
		}
		if (n < 0 || (size_t)n >= len - off) {
			buf[off] = '\0';	/* whole items only */
			return;
		}
		off += (size_t)n;
	}
}

/* What a subject's page is called: its kind, [a-z0-9_] only. */
static int
page_name_ok(const char *s)
{
	if (s == NULL || *s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '_'))
			return 0;
	return 1;
}

/*
 * The web view of the alert: WEB/KIND.html?id=ID for a subject (the
 * migration's page for a migration), WEB/alerts.html?id=ALERT otherwise.
 */
static char *
generator_url(struct json_object *a, const char *web)
{
	struct json_object *subj = NULL;
	const char *kind = NULL, *id = NULL;
	char *enc, *url = NULL;
	size_t wl;

	if (web == NULL || *web == '\0')
		return NULL;
	if (json_object_object_get_ex(a, "subject", &subj) && subj != NULL) {
		kind = mstr(subj, "kind");
		id = mstr(subj, "id");
	}
	wl = strlen(web);
	if (wl > 0 && web[wl - 1] == '/')
		wl--;
	if (page_name_ok(kind) && id != NULL) {
		if ((enc = evhttp_uriencode(id, -1, 0)) == NULL)
			return NULL;
		if (asprintf(&url, "%.*s/%s.html?id=%s", (int)wl, web, kind,
		    enc) == -1)
			url = NULL;
		free(enc);
	} else if (asprintf(&url, "%.*s/alerts.html?id=%" PRId64, (int)wl,
	    web, mi64(a, "id")) == -1)
		url = NULL;
	return url;
}

struct json_object *
amgr_alert_obj(struct json_object *a, const char *web)
{
	struct json_object *o, *labels, *ann, *subj = NULL, *ev = NULL, *adv;
	const char *advice, *state;
	char buf[AMGR_TEXT_MAX], *url;
	int64_t t;

	o = json_object_new_object();
	labels = json_object_new_object();
	ann = json_object_new_object();
	/* Labels name the alert: what Alertmanager groups and routes by. */
	add_str(labels, "alertname", mstr(a, "name"));
	add_str(labels, "severity", mstr(a, "severity"));
	add_str(labels, "node", mstr(a, "node"));
	add_str(labels, "vm_uuid", mstr(a, "vm_uuid"));
	add_str(labels, "vm_name", mstr(a, "vm_name"));
	if (json_object_object_get_ex(a, "subject", &subj) && subj != NULL) {
		add_str(labels, "subject_kind", mstr(subj, "kind"));
		add_str(labels, "subject_id", mstr(subj, "id"));
	}
	/* Annotations say what it is about now. */
	add_str(ann, "summary", mstr(a, "message"));
	json_object_object_get_ex(a, "evidence", &ev);
	evidence_text(ev, buf, sizeof(buf));
	add_str(ann, "evidence", buf);
	/* The agent's own advice, else the text of the kind's. */
	if ((advice = mstr(ev, "advice")) == NULL &&
	    json_object_object_get_ex(a, "advice", &adv) && adv != NULL)
		advice = json_object_is_type(adv, json_type_object) ?
		    mstr(adv, "text") : json_object_get_string(adv);
	add_str(ann, "advice", advice);
	state = mstr(a, "state");
	add_str(ann, "state", state);
	if (state != NULL && strcmp(state, "resolved") == 0)
		add_str(ann, "resolution", mstr(a, "resolution"));
	add_str(ann, "alert_id", mstr(a, "id"));
	json_object_object_add(o, "labels", labels);
	json_object_object_add(o, "annotations", ann);
	/* When the aggregator stored it; the node's t_ns if it has not. */
	if ((t = mi64(a, "fired_ns")) <= 0 && (t = mi64(a, "t_ns")) <= 0)
		t = clock_wall_ns();
	amgr_time(buf, sizeof(buf), t);
	json_object_object_add(o, "startsAt", json_object_new_string(buf));
	if ((url = generator_url(a, web)) != NULL) {
		json_object_object_add(o, "generatorURL",
		    json_object_new_string(url));
		free(url);
	}
	return o;
}

/* ---- URLs ------------------------------------------------------------------ */

struct am_url {
	char	*host;		/* without [] */
	int	 port;
	char	*path;		/* the POST's */
};

static void
am_url_free(struct am_url *u)
{
	free(u->host);
	free(u->path);
	memset(u, 0, sizeof(*u));
}

static int
am_url_parse(const char *url, int web, struct am_url *out, char *why,
    size_t len)
{
	struct evhttp_uri *u;
	const char *scheme, *host, *path;
	size_t hl, pl, sl = strlen(AMGR_PATH);
	int port, rc = -1;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if ((u = evhttp_uri_parse_with_flags(url, 0)) == NULL) {
		snprintf(why, len, "not a URL");
		return -1;
	}
	scheme = evhttp_uri_get_scheme(u);
	host = evhttp_uri_get_host(u);
	port = evhttp_uri_get_port(u);
	path = evhttp_uri_get_path(u);
	if (!web && scheme != NULL && strcmp(scheme, "https") == 0) {
		snprintf(why, len, "https is not supported; use a TLS proxy");
		goto out;
	}
	if (scheme == NULL || (strcmp(scheme, "http") != 0 &&
	    (!web || strcmp(scheme, "https") != 0))) {
		snprintf(why, len, web ? "not http:// or https://" :
		    "not http://");
		goto out;
	}
	if (host == NULL || *host == '\0') {
		snprintf(why, len, "no host");
		goto out;
	}
	if (port == 0 || port > 65535) {
		snprintf(why, len, "port 1..65535");
		goto out;
	}
	if (evhttp_uri_get_userinfo(u) != NULL) {
		snprintf(why, len, "no user:password@");
		goto out;
	}
	if (!web && (evhttp_uri_get_query(u) != NULL ||
	    evhttp_uri_get_fragment(u) != NULL)) {
		snprintf(why, len, "no ?query or #fragment");
		goto out;
	}
	rc = 0;
	if (out == NULL)
		goto out;
	/* [::1] is a host too. */
	hl = strlen(host);
	if (host[0] == '[' && hl > 2 && host[hl - 1] == ']')
		out->host = strndup(host + 1, hl - 2);
	else
		out->host = strdup(host);
	out->port = port == -1 ? 80 : port;
	/* A route prefix, or the whole path of the API. */
	if (path == NULL)
		path = "";
	pl = strlen(path);
	while (pl > 0 && path[pl - 1] == '/')
		pl--;
	if (pl >= sl && strncmp(path + pl - sl, AMGR_PATH, sl) == 0)
		pl -= sl;
	if (asprintf(&out->path, "%.*s%s", (int)pl, path, AMGR_PATH) == -1)
		out->path = NULL;
	if (out->host == NULL || out->path == NULL) {
		snprintf(why, len, "out of memory");
		am_url_free(out);
		rc = -1;
	}
out:
	evhttp_uri_free(u);
	return rc;
}

int
amgr_url_check(const char *url, int web, char *why, size_t len)
{
	return am_url_parse(url, web, NULL, why, len);
}

static int
host_numeric(const char *host)
{
	unsigned char b[16];

	return evutil_inet_pton(AF_INET, host, b) == 1 ||
	    evutil_inet_pton(AF_INET6, host, b) == 1;
}

/* ---- the table of alerts -------------------------------------------------------- */

static struct am_alert **
alert_slot(struct amgr *am, int64_t id)
{
	struct am_alert **p;

	p = &am->hash[(uint64_t)id % AMGR_HASH];
	while (*p != NULL && (*p)->id != id)
		p = &(*p)->hnext;
	return p;
}

static void
alert_remove(struct amgr *am, struct am_alert *e)
{
	struct am_alert **p = alert_slot(am, e->id);

	if (*p == e)
		*p = e->hnext;
	TAILQ_REMOVE(&am->alerts, e, order);
	am->nalerts--;
	if (e->resolved)
		am->nresolving--;
	json_object_put(e->obj);
	free(e);
}

static void
alerts_clear(struct amgr *am)
{
	struct am_alert *e;

	while ((e = TAILQ_FIRST(&am->alerts)) != NULL)
		alert_remove(am, e);
}

/* Room for one more: the oldest resolved alert goes, if there is one. */
static int
alerts_room(struct amgr *am)
{
	struct am_alert *e;

	if (am->nalerts < am->qmax)
		return 0;
	TAILQ_FOREACH(e, &am->alerts, order)
		if (e->resolved) {
			alert_remove(am, e);
			return 0;
		}
	return -1;
}

static void
log_drop(struct amgr *am, struct json_object *a)
{
	int64_t now = clock_wall_ns();

	am->dropped++;
	am->drops_unlogged++;
	if (am->drop_logged_ns != 0 &&
	    now - am->drop_logged_ns < AMGR_LOG_EVERY_NS)
		return;
	log_warnx("alertmanager: %u alerts kept, the most there may be: "
	    "alert %s %s not sent (%" PRIu64 " dropped since the last line, "
	    "%" PRIu64 " in all)", am->nalerts, mstr(a, "name") ?
	    mstr(a, "name") : "?", mstr(a, "id") ? mstr(a, "id") : "?",
	    am->drops_unlogged, am->dropped);
	am->drops_unlogged = 0;
	am->drop_logged_ns = now;
}

static void
kick_all(struct amgr *am)
{
	struct am_target *t;

	TAILQ_FOREACH(t, &am->targets, entry)
		event_active(t->kick, EV_TIMEOUT, 1);
}

void
amgr_alert(struct amgr *am, struct json_object *a)
{
	struct am_alert *e, **slot;
	struct json_object *o, *v;
	const char *state, *event;
	int64_t id, ends;
	int resolved;

	if (am == NULL || am->ntargets == 0)
		return;
	if (!json_object_object_get_ex(a, "id", &v) ||
	    !json_object_is_type(v, json_type_int))
		return;
	id = json_object_get_int64(v);
	state = mstr(a, "state");
	event = mstr(a, "event");
	resolved = (state != NULL && strcmp(state, "resolved") == 0) ||
	    (event != NULL && strcmp(event, "resolved") == 0);
	slot = alert_slot(am, id);
	if ((e = *slot) == NULL) {
		if (alerts_room(am) == -1) {
			log_drop(am, a);
			return;
		}
		if ((e = calloc(1, sizeof(*e))) == NULL) {
			log_warn("%s: calloc", __func__);
			log_drop(am, a);
			return;
		}
		e->id = id;
		e->obj = amgr_alert_obj(a, am->web_url);
		slot = alert_slot(am, id);	/* alerts_room() may have moved it */
		*slot = e;
		am->nalerts++;
	} else {
		/*
		 * Labels are what Alertmanager knows the alert by: keep them
		 * (and startsAt) as first sent; the rest says what it is now.
		 */
		o = amgr_alert_obj(a, am->web_url);
		if (json_object_object_get_ex(e->obj, "labels", &v))
			json_object_object_add(o, "labels", json_object_get(v));
		if (json_object_object_get_ex(e->obj, "startsAt", &v))
			json_object_object_add(o, "startsAt",
			    json_object_get(v));
		json_object_put(e->obj);
		e->obj = o;
		TAILQ_REMOVE(&am->alerts, e, order);
	}
	if (resolved && !e->resolved) {
		if ((ends = mi64(a, "resolved_ns")) <= 0)
			ends = clock_wall_ns();
		e->ends_ns = ends;
		e->resolved = 1;
		e->ticks = 0;
		am->nresolving++;
	}
	e->seq = ++am->seq;
	TAILQ_INSERT_TAIL(&am->alerts, e, order);
	kick_all(am);
}

/* ---- POSTs --------------------------------------------------------------------- */

static const char *
req_error_str(enum evhttp_request_error err)
{
	switch (err) {
	case EVREQ_HTTP_TIMEOUT:
		return "timed out";
	case EVREQ_HTTP_EOF:
		return "connection refused or closed";
	case EVREQ_HTTP_INVALID_HEADER:
		return "bad answer (header)";
	case EVREQ_HTTP_BUFFER_ERROR:
		return "connection error";
	case EVREQ_HTTP_REQUEST_CANCEL:
		return "cancelled";
	case EVREQ_HTTP_DATA_TOO_LONG:
		return "answer too long";
	}
	return "failed";
}

static unsigned
backoff_cap(const struct amgr *am)
{
	return am->resend_ms < AMGR_BACKOFF_MAX_MS ? am->resend_ms :
	    AMGR_BACKOFF_MAX_MS;
}

/* The POST failed: keep the cursor, count, retry after the backoff. */
static void
target_failed(struct am_target *t, const char *why)
{
	struct timeval tv;
	int64_t now = clock_wall_ns();

	t->failed++;
	t->fails++;
	snprintf(t->last_error, sizeof(t->last_error), "%s", why);
	t->backoff_ms = t->backoff_ms == 0 ? AMGR_BACKOFF_MIN_MS :
	    t->backoff_ms * 2;
	if (t->backoff_ms > backoff_cap(t->am))
		t->backoff_ms = backoff_cap(t->am);
	if (t->state != AM_DOWN) {
		t->state = AM_DOWN;
		t->down_ns = now;
		t->logged_ns = now;
		log_warnx("alertmanager %s: %s; retrying (alerts kept: %u)",
		    t->url, why, t->am->nalerts);
	} else if (now - t->logged_ns >= AMGR_LOG_EVERY_NS) {
		t->logged_ns = now;
		log_warnx("alertmanager %s: still failing, %" PRIu64
		    " attempts in %" PRId64 " s: %s", t->url, t->fails,
		    (int64_t)((now - t->down_ns) / 1000000000LL), why);
	}
	tv.tv_sec = t->backoff_ms / 1000;
	tv.tv_usec = (t->backoff_ms % 1000) * 1000;
	evtimer_add(t->retry, &tv);
}

static void
target_ok(struct am_target *t)
{
	int64_t now = clock_wall_ns();

	if (t->state == AM_DOWN)
		log_info("alertmanager %s: delivering again after %" PRIu64
		    " failed attempts in %" PRId64 " s", t->url, t->fails,
		    (int64_t)((now - t->down_ns) / 1000000000LL));
	else if (t->state == AM_UNKNOWN)
		log_info("alertmanager %s: delivering", t->url);
	t->state = AM_UP;
	t->fails = 0;
	t->backoff_ms = 0;
	t->last_ok_ns = now;
}

static void
req_error_cb(enum evhttp_request_error err, void *arg)
{
	struct am_target *t = arg;

	t->err = err;
	t->have_err = 1;
}

/* The first line of an answer's body, for the log. */
static void
answer_text(struct evhttp_request *req, char *buf, size_t len)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t n, i;

	n = in != NULL ? evbuffer_copyout(in, buf, len - 1) : 0;
	if (n == (size_t)-1)
		n = 0;
	buf[n] = '\0';
	for (i = 0; i < n; i++)
		if (buf[i] == '\n' || buf[i] == '\r') {
			buf[i] = '\0';
			break;
		}
}

static void
req_done_cb(struct evhttp_request *req, void *arg)
{
	struct am_target *t = arg;
	char why[200], body[120];
	int64_t now = clock_wall_ns();
	int dnserr;
	int code = req != NULL ? evhttp_request_get_response_code(req) : 0;
	int rewind = t->rewind;

	t->req = NULL;
	t->rewind = 0;
	if (code == 0) {
		/* A name that does not resolve, or a refused connect. */
		if ((dnserr = bufferevent_socket_get_dns_error(
		    evhttp_connection_get_bufferevent(t->conn))) != 0) {
			snprintf(why, sizeof(why), "cannot resolve %s: %s",
			    t->host, evutil_gai_strerror(dnserr));
			target_failed(t, why);
		} else
			target_failed(t, t->have_err ? req_error_str(t->err) :
			    "no connection (refused, unreachable or closed)");
		return;
	}
	if (code >= 200 && code < 300) {
		t->sent += t->batch_n;
		t->posts++;
		if (!rewind)
			t->cursor = t->batch_last;
		target_ok(t);
		event_active(t->kick, EV_TIMEOUT, 1);
		return;
	}
	answer_text(req, body, sizeof(body));
	snprintf(why, sizeof(why), "HTTP %d%s%s", code, *body ? ": " : "",
	    body);
	if (code == 400 || code == 422) {
		/* Bad alerts: it will not take them any better next time. */
		t->rejected += t->batch_n;
		snprintf(t->last_error, sizeof(t->last_error), "%s", why);
		if (t->refused_ns == 0 ||
		    now - t->refused_ns >= AMGR_LOG_EVERY_NS) {
			t->refused_ns = now;
			log_warnx("alertmanager %s: %u alerts refused (%" PRIu64
			    " in all): %s", t->url, t->batch_n, t->rejected,
			    why);
		}
		target_ok(t);	/* it answers */
		if (!rewind)
			t->cursor = t->batch_last;
		event_active(t->kick, EV_TIMEOUT, 1);
		return;
	}
	target_failed(t, why);
}

/* The alerts after the cursor, up to AMGR_BATCH_MAX, in one POST. */
static void
target_flush(struct am_target *t)
{
	struct amgr *am = t->am;
	struct am_alert *e, *first = NULL;
	struct json_object *arr, *o;
	struct evhttp_request *req;
	struct evkeyvalq *hdr;
	char ends[40], *body;
	size_t len;
	int64_t valid;
	unsigned n = 0;

	if (t->req != NULL || evtimer_pending(t->retry, NULL))
		return;
	/* Those changed since the cursor are at the end. */
	for (e = TAILQ_LAST(&am->alerts, am_alert_q); e != NULL &&
	    e->seq > t->cursor; e = TAILQ_PREV(e, am_alert_q, order))
		first = e;
	if (first == NULL)
		return;
	valid = clock_wall_ns() +
	    (int64_t)am->resend_ms * 1000000LL * AMGR_VALID_RESENDS;
	arr = json_object_new_array();
	for (e = first; e != NULL && n < AMGR_BATCH_MAX;
	    e = TAILQ_NEXT(e, order)) {
		o = json_object_new_object();
		json_object_object_foreach(e->obj, key, val)
			json_object_object_add(o, key, json_object_get(val));
		amgr_time(ends, sizeof(ends), e->resolved ? e->ends_ns : valid);
		json_object_object_add(o, "endsAt",
		    json_object_new_string(ends));
		json_object_array_add(arr, o);
		t->batch_last = e->seq;
		n++;
	}
	t->batch_n = n;
	body = jwrite_dup(arr, &len);
	json_object_put(arr);
	if (body == NULL || (req = evhttp_request_new(req_done_cb, t)) ==
	    NULL) {
		free(body);
		target_failed(t, "cannot make a request");
		return;
	}
	evhttp_request_set_error_cb(req, req_error_cb);
	hdr = evhttp_request_get_output_headers(req);
	evhttp_add_header(hdr, "Host", t->hosthdr);
	evhttp_add_header(hdr, "Content-Type", "application/json");
	evhttp_add_header(hdr, "User-Agent", "strata-aggregator"
#ifdef STRATA_VERSION
	    "/" STRATA_VERSION
#endif
	    );
	evbuffer_add(evhttp_request_get_output_buffer(req), body, len);
	free(body);
	t->req = req;
	t->have_err = 0;
	/* A refused connect may call req_done_cb() before this returns. */
	if (evhttp_make_request(t->conn, req, EVHTTP_REQ_POST, t->path) ==
	    -1 && t->req == req) {
		t->req = NULL;
		target_failed(t, "cannot send the request");
	}
}

static void
kick_cb(evutil_socket_t fd, short ev, void *arg)
{
	target_flush(arg);
}

/* ---- Alertmanagers ------------------------------------------------------------- */

static void
target_free(struct am_target *t)
{
	if (t == NULL)
		return;
	/* Frees the request in flight without calling req_done_cb(). */
	if (t->conn != NULL)
		evhttp_connection_free(t->conn);
	if (t->kick != NULL)
		event_free(t->kick);
	if (t->retry != NULL)
		event_free(t->retry);
	free(t->url);
	free(t->host);
	free(t->hosthdr);
	free(t->path);
	free(t);
}

static struct am_target *
target_new(struct amgr *am, const char *url)
{
	struct am_target *t;
	struct am_url u;
	char why[120];
	int r;

	if (am_url_parse(url, 0, &u, why, sizeof(why)) == -1) {
		log_warnx("alertmanager %s: %s", url, why);
		return NULL;
	}
	if (!host_numeric(u.host) && am->dns == NULL &&
	    (am->dns = evdns_base_new(am->base,
	    EVDNS_BASE_INITIALIZE_NAMESERVERS |
	    EVDNS_BASE_DISABLE_WHEN_INACTIVE)) == NULL) {
		log_warnx("alertmanager %s: no resolver for %s", url, u.host);
		am_url_free(&u);
		return NULL;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		log_warn("%s: calloc", __func__);
		am_url_free(&u);
		return NULL;
	}
	t->am = am;
	t->host = u.host;
	t->path = u.path;
	t->port = u.port;
	t->url = strdup(url);
	r = strchr(t->host, ':') != NULL ?
	    asprintf(&t->hosthdr, "[%s]:%d", t->host, t->port) :
	    asprintf(&t->hosthdr, "%s:%d", t->host, t->port);
	if (r == -1)
		t->hosthdr = NULL;
	t->conn = evhttp_connection_base_new(am->base,
	    host_numeric(t->host) ? NULL : am->dns, t->host,
	    (unsigned short)t->port);
	t->kick = event_new(am->base, -1, 0, kick_cb, t);
	t->retry = evtimer_new(am->base, kick_cb, t);
	if (t->url == NULL || t->hosthdr == NULL || t->conn == NULL ||
	    t->kick == NULL || t->retry == NULL) {
		log_warnx("alertmanager %s: cannot set it up", url);
		target_free(t);
		return NULL;
	}
	evhttp_connection_set_timeout(t->conn, AMGR_TIMEOUT_S);
	evhttp_connection_set_retries(t->conn, 0);
	evhttp_connection_set_max_body_size(t->conn, AMGR_BODY_MAX);
	return t;
}

/*
 * The re-send: resolved alerts told often enough are forgotten, every
 * Alertmanager is told everything again.
 */
static void
tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct amgr *am = arg;
	struct am_alert *e, *next;
	struct am_target *t;

	for (e = TAILQ_FIRST(&am->alerts); e != NULL; e = next) {
		next = TAILQ_NEXT(e, order);
		if (e->resolved && ++e->ticks > AMGR_VALID_RESENDS)
			alert_remove(am, e);
	}
	TAILQ_FOREACH(t, &am->targets, entry) {
		t->cursor = 0;
		t->rewind = t->req != NULL;
		event_active(t->kick, EV_TIMEOUT, 1);
	}
}

int
amgr_enabled(const struct amgr *am)
{
	return am != NULL && am->ntargets > 0;
}

int
amgr_reconf(struct amgr *am, const struct amgr_conf *conf)
{
	TAILQ_HEAD(, am_target) keep;
	struct am_target *t, *fresh[AMGR_TARGETS_MAX];
	struct timeval tv;
	char *web = NULL;
	unsigned i, j, n = conf->nurls, resend;

	if (n > AMGR_TARGETS_MAX) {
		log_warnx("alertmanager: %u URLs, at most %d", n,
		    AMGR_TARGETS_MAX);
		return -1;
	}
	if (conf->web_url != NULL && *conf->web_url != '\0' &&
	    (web = strdup(conf->web_url)) == NULL) {
		log_warn("%s: strdup", __func__);
		return -1;
	}
	/* New ones first, so that a failure changes nothing. */
	for (i = 0; i < n; i++) {
		fresh[i] = NULL;
		for (j = 0; j < i; j++)
			if (strcmp(conf->urls[i], conf->urls[j]) == 0)
				break;
		if (j < i)
			continue;	/* twice: once */
		TAILQ_FOREACH(t, &am->targets, entry)
			if (strcmp(t->url, conf->urls[i]) == 0)
				break;
		if (t == NULL && (fresh[i] = target_new(am, conf->urls[i])) ==
		    NULL) {
			while (i-- > 0)
				target_free(fresh[i]);
			free(web);
			return -1;
		}
	}
	TAILQ_INIT(&keep);
	for (i = 0; i < n; i++) {
		if ((t = fresh[i]) == NULL) {
			TAILQ_FOREACH(t, &am->targets, entry)
				if (strcmp(t->url, conf->urls[i]) == 0)
					break;
			if (t == NULL)
				continue;	/* a duplicate, already moved */
			TAILQ_REMOVE(&am->targets, t, entry);
		} else
			log_info("alertmanager %s: alerts go there", t->url);
		TAILQ_INSERT_TAIL(&keep, t, entry);
	}
	while ((t = TAILQ_FIRST(&am->targets)) != NULL) {
		TAILQ_REMOVE(&am->targets, t, entry);
		log_info("alertmanager %s: no more alerts go there", t->url);
		target_free(t);
	}
	am->ntargets = 0;
	while ((t = TAILQ_FIRST(&keep)) != NULL) {
		TAILQ_REMOVE(&keep, t, entry);
		TAILQ_INSERT_TAIL(&am->targets, t, entry);
		am->ntargets++;
	}
	free(am->web_url);
	am->web_url = web;
	am->qmax = conf->queue_max ? conf->queue_max : AMGR_QUEUE_MAX;
	resend = conf->resend_ms ? conf->resend_ms : AMGR_RESEND_MS;
	if (am->ntargets == 0) {
		alerts_clear(am);	/* nobody to tell */
		evtimer_del(am->tick);
	} else if (resend != am->resend_ms || !evtimer_pending(am->tick,
	    NULL)) {
		tv.tv_sec = resend / 1000;
		tv.tv_usec = (resend % 1000) * 1000;
		evtimer_add(am->tick, &tv);
	}
	am->resend_ms = resend;
	kick_all(am);
	return 0;
}

struct amgr *
amgr_create(struct event_base *base, const struct amgr_conf *conf)
{
	struct amgr *am;

	if ((am = calloc(1, sizeof(*am))) == NULL) {
		log_warn("%s: calloc", __func__);
		return NULL;
	}
	am->base = base;
	TAILQ_INIT(&am->targets);
	TAILQ_INIT(&am->alerts);
	if ((am->tick = event_new(base, -1, EV_PERSIST, tick_cb, am)) == NULL ||
	    amgr_reconf(am, conf) == -1) {
		amgr_destroy(am);
		return NULL;
	}
	return am;
}

void
amgr_destroy(struct amgr *am)
{
	struct am_target *t;

	if (am == NULL)
		return;
	while ((t = TAILQ_FIRST(&am->targets)) != NULL) {
		TAILQ_REMOVE(&am->targets, t, entry);
		target_free(t);
	}
	alerts_clear(am);
	if (am->tick != NULL)
		event_free(am->tick);
	if (am->dns != NULL)
		evdns_base_free(am->dns, 0);
	free(am->web_url);
	free(am);
}

/* How many alerts t has not been told yet. */
static unsigned
target_pending(const struct am_target *t)
{
	const struct am_alert *e;
	unsigned n = 0;

	for (e = TAILQ_LAST(&t->am->alerts, am_alert_q); e != NULL &&
	    e->seq > t->cursor; e = TAILQ_PREV(e, am_alert_q, order))
		n++;
	return n;
}

static const char *
state_name(enum am_state s)
{
	return s == AM_UP ? "up" : s == AM_DOWN ? "down" : "unknown";
}

struct json_object *
amgr_stats(struct amgr *am)
{
	struct json_object *o, *arr, *t_o;
	struct am_target *t;
	uint64_t sent = 0, failed = 0, rejected = 0;

	if (am == NULL || am->ntargets == 0)
		return NULL;
	o = json_object_new_object();
	arr = json_object_new_array();
	TAILQ_FOREACH(t, &am->targets, entry) {
		t_o = json_object_new_object();
		json_object_object_add(t_o, "url",
		    json_object_new_string(t->url));
		json_object_object_add(t_o, "state",
		    json_object_new_string(state_name(t->state)));
		json_object_object_add(t_o, "sent",
		    json_object_new_int64((int64_t)t->sent));
		json_object_object_add(t_o, "posts",
		    json_object_new_int64((int64_t)t->posts));
		json_object_object_add(t_o, "failed",
		    json_object_new_int64((int64_t)t->failed));
		json_object_object_add(t_o, "rejected",
		    json_object_new_int64((int64_t)t->rejected));
		json_object_object_add(t_o, "pending",
		    json_object_new_int((int)target_pending(t)));
		json_object_object_add(t_o, "in_flight",
		    json_object_new_boolean(t->req != NULL));
		json_object_object_add(t_o, "backoff_ms",
		    json_object_new_int((int)t->backoff_ms));
		json_object_object_add(t_o, "last_ok_ns", t->last_ok_ns ?
		    json_object_new_int64(t->last_ok_ns) : NULL);
		json_object_object_add(t_o, "last_error", *t->last_error ?
		    json_object_new_string(t->last_error) : NULL);
		json_object_array_add(arr, t_o);
		sent += t->sent;
		failed += t->failed;
		rejected += t->rejected;
	}
	json_object_object_add(o, "resend_ms",
	    json_object_new_int((int)am->resend_ms));
	json_object_object_add(o, "queue_max", json_object_new_int((int)am->qmax));
	json_object_object_add(o, "queued", json_object_new_int((int)am->nalerts));
	json_object_object_add(o, "firing",
	    json_object_new_int((int)(am->nalerts - am->nresolving)));
	json_object_object_add(o, "resolving",
	    json_object_new_int((int)am->nresolving));
	json_object_object_add(o, "sent", json_object_new_int64((int64_t)sent));
	json_object_object_add(o, "failed",
	    json_object_new_int64((int64_t)failed));
	json_object_object_add(o, "rejected",
	    json_object_new_int64((int64_t)rejected));
	json_object_object_add(o, "dropped",
	    json_object_new_int64((int64_t)am->dropped));
	json_object_object_add(o, "web_url", am->web_url ?
	    json_object_new_string(am->web_url) : NULL);
	json_object_object_add(o, "alertmanagers", arr);
	return o;
}
