/*
 * http_metrics.c: /metrics, in the text format or OpenMetrics as the
 * scraper's Accept asks (lib/prom.h).  The aggregator's own figures come
 * from what `status` answers (ingest, control socket, alert delivery,
 * batches, reloads, this listener), the nodes from what `nodes` answers
 * (their agents connected or not from ingest's list), and the rest from
 * the store and its kinds (store_metrics()).  docs/http.md lists every
 * family; the names follow Prometheus's conventions (base units,
 * _total for counters) and no label takes more values than there are
 * nodes, alert names or record kinds.
 */
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include <event2/buffer.h>

#include "log.h"
#include "prom.h"
#include "ctl.h"
#include "store.h"
#include "http_int.h"

/* A number at a path of members (NULL-terminated); NAN when absent. */
static double
jnum(struct json_object *o, ...)
{
	struct json_object *v = o;
	const char *k;
	va_list ap;

	va_start(ap, o);
	while (v != NULL && (k = va_arg(ap, const char *)) != NULL)
		if (!json_object_object_get_ex(v, k, &v))
			v = NULL;
	va_end(ap);
	if (v == NULL)
		return NAN;
	switch (json_object_get_type(v)) {
	case json_type_int:
	case json_type_double:
		return json_object_get_double(v);
	case json_type_boolean:
		return json_object_get_boolean(v) ? 1 : 0;
	default:
		return NAN;
	}
}

static struct json_object *
jobj(struct json_object *o, const char *k)
{
	struct json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, k, &v) ||
	    !json_object_is_type(v, json_type_object))
		return NULL;
	return v;
}

/* One family of one sample from obj's member, left out when absent. */
struct fig {
	const char	*member;
	const char	*name;
	enum prom_type	 type;
	const char	*help;
};

static void
figures(struct prom *p, struct json_object *obj, const struct fig *f)
{
	double v;

	for (; f->member != NULL; f++)
		if (!isnan(v = jnum(obj, f->member, NULL)))
			prom_one(p, f->name, f->type, f->help, v);
}

static const struct fig ingest_figs[] = {
	{ "connections", "strata_ingest_connections", PROM_GAUGE,
	  "Agent connections open (handshaken or not)." },
	{ "accepting", "strata_ingest_accepting", PROM_GAUGE,
	  "1 while the agent listener accepts (0: paused, e.g. out of "
	  "descriptors)." },
	{ "accepted", "strata_ingest_accepted_total", PROM_COUNTER,
	  "Agent connections accepted." },
	{ "hellos", "strata_ingest_hellos_total", PROM_COUNTER,
	  "Agent handshakes accepted." },
	{ "refused", "strata_ingest_refused_total", PROM_COUNTER,
	  "Agent connections refused (version, token, address)." },
	{ "closed_bad", "strata_ingest_closed_bad_total", PROM_COUNTER,
	  "Agent connections closed for a protocol error." },
	{ "frames", "strata_ingest_frames_total", PROM_COUNTER,
	  "Frames read from agents." },
	{ "batches", "strata_ingest_batches_total", PROM_COUNTER,
	  "Record batches read from agents." },
	{ "records", "strata_ingest_records_total", PROM_COUNTER,
	  "Records read from agents (before the store)." },
	{ "store_failures", "strata_ingest_store_failures_total", PROM_COUNTER,
	  "Batches the store could not commit (not acknowledged: the agent "
	  "sends them again)." },
	{ "accept_pauses", "strata_ingest_accept_pauses_total", PROM_COUNTER,
	  "Times the agent listener paused accepting." },
	{ NULL, NULL, 0, NULL }
};

static const struct fig ctl_figs[] = {
	{ "clients", "strata_ctl_clients", PROM_GAUGE,
	  "Control socket clients connected." },
	{ "followers", "strata_ctl_followers", PROM_GAUGE,
	  "Control socket clients following alerts." },
	{ "accepted", "strata_ctl_accepted_total", PROM_COUNTER,
	  "Control socket connections accepted." },
	{ "refused", "strata_ctl_refused_total", PROM_COUNTER,
	  "Control socket connections refused (too many clients)." },
	{ "requests", "strata_ctl_requests_total", PROM_COUNTER,
	  "Control requests answered." },
	{ "errors", "strata_ctl_errors_total", PROM_COUNTER,
	  "Control requests answered with an error." },
	{ "alerts", "strata_ctl_alerts_total", PROM_COUNTER,
	  "Alert events queued to followers." },
	{ "skipped", "strata_ctl_skipped_total", PROM_COUNTER,
	  "Alert events followers lost for not keeping up." },
	{ NULL, NULL, 0, NULL }
};

static const struct fig delivery_figs[] = {
	{ "logged", "strata_alert_logged_total", PROM_COUNTER,
	  "Alert events written to the journal or syslog." },
	{ "hooks_running", "strata_alert_hooks_running", PROM_GAUGE,
	  "Alert hooks running now." },
	{ "hooks_waiting", "strata_alert_hooks_waiting", PROM_GAUGE,
	  "Alert events waiting for a hook slot." },
	{ NULL, NULL, 0, NULL }
};

static void
aggregator_figures(struct prom *p, struct json_object *st)
{
	static const char *const hooks[] = { "started", "ok", "failed",
	    "killed", "dropped" };
	struct json_object *agg = jobj(st, "aggregator"), *d, *r;
	char key[32];
	double v;
	size_t i;

	prom_family(p, "strata_aggregator_info", PROM_GAUGE,
	    "The aggregator's version (always 1).");
	prom_sample(p, "strata_aggregator_info", 1, "version",
	    json_object_get_string(json_object_object_get(agg, "version")),
	    NULL);
	if (!isnan(v = jnum(agg, "started_ns", NULL)))
		prom_one(p, "strata_aggregator_start_time_seconds", PROM_GAUGE,
		    "When the aggregator started (Unix time).", v / 1e9);
	prom_family(p, "strata_aggregator_reloads_total", PROM_COUNTER,
	    "SIGHUP reloads: applied, or failed (a file with errors).");
	prom_sample(p, "strata_aggregator_reloads_total",
	    jnum(agg, "reloads", NULL), "result", "applied", NULL);
	prom_sample(p, "strata_aggregator_reloads_total",
	    jnum(agg, "reloads_failed", NULL), "result", "failed", NULL);
	prom_family(p, "strata_store_batches_total", PROM_COUNTER,
	    "Agent batches given to the store: committed or failed.");
	v = jnum(agg, "batches", NULL) - jnum(agg, "batches_failed", NULL);
	prom_sample(p, "strata_store_batches_total", v, "result", "committed",
	    NULL);
	prom_sample(p, "strata_store_batches_total",
	    jnum(agg, "batches_failed", NULL), "result", "failed", NULL);
	if (!isnan(v = jnum(agg, "alerts", NULL)))
		prom_one(p, "strata_alert_events_total", PROM_COUNTER,
		    "Alert events (fired, acked, resolved) the store reported.",
		    v);
	figures(p, jobj(agg, "ingest"), ingest_figs);
	figures(p, jobj(agg, "ctl"), ctl_figs);
	if ((d = jobj(agg, "alert_delivery")) != NULL) {
		figures(p, d, delivery_figs);
		prom_family(p, "strata_alert_hooks_total", PROM_COUNTER,
		    "Alert hook runs: started, and how they ended.");
		for (i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++) {
			snprintf(key, sizeof(key), "hooks_%s", hooks[i]);
			if (!isnan(v = jnum(d, key, NULL)))
				prom_sample(p, "strata_alert_hooks_total", v,
				    "result", hooks[i], NULL);
		}
	}
	if ((d = jobj(agg, "http")) != NULL) {
		if (!isnan(v = jnum(d, "requests", NULL)))
			prom_one(p, "strata_http_requests_total", PROM_COUNTER,
			    "HTTP requests that reached the routes.", v);
		prom_family(p, "strata_http_responses_total", PROM_COUNTER,
		    "HTTP responses, by status code.");
		if ((r = jobj(d, "responses")) != NULL) {
			json_object_object_foreach(r, code, n)
				prom_sample(p, "strata_http_responses_total",
				    json_object_get_double(n), "code", code,
				    NULL);
		}
	}
}

/* Is node's agent connected now (ingest's list)? */
static int
connected(struct json_object *st, const char *node)
{
	struct json_object *agents, *a, *n;
	size_t i;

	agents = json_object_object_get(jobj(jobj(st, "aggregator"), "ingest"),
	    "agents");
	if (!json_object_is_type(agents, json_type_array))
		return 0;
	for (i = 0; i < json_object_array_length(agents); i++) {
		a = json_object_array_get_idx(agents, i);
		if (json_object_object_get_ex(a, "node", &n) &&
		    strcmp(json_object_get_string(n), node) == 0)
			return 1;
	}
	return 0;
}

static const struct {
	const char	*name;
	enum prom_type	 type;
	const char	*help;
} node_fams[] = {
	{ "strata_node_up", PROM_GAUGE,
	  "1 when the node's agent is connected and the node is not stale." },
	{ "strata_node_stale", PROM_GAUGE,
	  "1 when the node's agent sent nothing for stale-after (node.stale)." },
	{ "strata_node_clock_offset_seconds", PROM_GAUGE,
	  "The node's trace clock minus the aggregator's, as the store "
	  "corrects it." },
	{ "strata_node_events_discarded_total", PROM_COUNTER,
	  "Events the node's tracer discarded (ring buffer full), as its "
	  "agent last said." },
	{ "strata_node_events_per_second", PROM_GAUGE,
	  "Events per second the node's agent read, as it last said." },
	{ "strata_node_last_seen_timestamp_seconds", PROM_GAUGE,
	  "When the node's agent was last heard from (Unix time)." },
};
#define NNODEFAMS	(sizeof(node_fams) / sizeof(node_fams[0]))

static void
node_figures(struct prom *p, struct json_object *nodes, struct json_object *st)
{
	struct json_object *n, *nm;
	const char *name;
	size_t f, i, len;
	double v;

	len = json_object_is_type(nodes, json_type_array) ?
	    json_object_array_length(nodes) : 0;
	for (f = 0; f < NNODEFAMS; f++) {
		prom_family(p, node_fams[f].name, node_fams[f].type,
		    node_fams[f].help);
		for (i = 0; i < len; i++) {
			n = json_object_array_get_idx(nodes, i);
			if (!json_object_object_get_ex(n, "name", &nm))
				continue;
			name = json_object_get_string(nm);
			switch (f) {
			case 0:
				v = connected(st, name) &&
				    jnum(n, "stale", NULL) != 1;
				break;
			case 1:
				v = jnum(n, "stale", NULL);
				break;
			case 2:
				v = jnum(n, "clock_offset_ns", NULL) / 1e9;
				break;
			case 3:
				v = jnum(n, "discarded", NULL);
				if (isnan(v))
					v = 0;
				break;
			case 4:
				v = jnum(n, "events_per_s", NULL);
				break;
			default:
				v = jnum(n, "last_seen_ns", NULL) / 1e9;
				break;
			}
			if (!isnan(v))
				prom_sample(p, node_fams[f].name, v, "node",
				    name, NULL);
		}
	}
}

void
http_metrics(struct agg_http *w, struct evhttp_request *req)
{
	struct json_object *st, *nodes;
	struct evbuffer *b;
	struct prom p;
	char err[256];
	int code, om;

	w->scrapes++;
	if ((b = evbuffer_new()) == NULL) {
		httpd_error(w->h, req, 500, "out of memory");
		return;
	}
	om = prom_accepts_om(httpd_header(req, "Accept"));
	prom_init(&p, b, om);
	if ((st = http_run(w, "status", NULL, &code, err, sizeof(err))) ==
	    NULL || (nodes = http_run(w, "nodes", NULL, &code, err,
	    sizeof(err))) == NULL) {
		json_object_put(st);
		w->scrape_errors++;
		log_warnx("http: /metrics: %s", err);
		httpd_error(w->h, req, 503, "%s", err);
		evbuffer_free(b);
		return;
	}
	aggregator_figures(&p, st);
	node_figures(&p, nodes, st);
	if (store_metrics(w->env->store, &p) == -1) {
		/* What could be read is still worth a scrape. */
		w->scrape_errors++;
	}
	prom_one(&p, "strata_http_scrape_errors_total", PROM_COUNTER,
	    "Scrapes of /metrics that could not read everything.",
	    (double)w->scrape_errors);
	prom_end(&p);
	json_object_put(st);
	json_object_put(nodes);
	httpd_reply(w->h, req, 200, om ? PROM_CT_OM : PROM_CT_TEXT, b);
	evbuffer_free(b);
}
