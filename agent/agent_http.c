/*
 * agent_http.c: strata-agent's own /metrics (`--http ADDR:PORT`, the
 * `http` key), so that a node is watched even while the aggregator is
 * down: what the agent read (events, discarded ones), what its analyzers
 * made of it, and how its records fare on the way to the aggregator
 * (connected, spooled, refused).  The listener is lib/httpd.c; the
 * numbers come from agent.c at each scrape (agent_figures).  Every
 * sample carries the node's name, as the aggregator's strata_node_*
 * families do.  docs/http.md.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "agent.h"
#include "httpd.h"
#include "log.h"
#include "prom.h"
#include "token.h"

struct agent_http {
	struct httpd		*h;
	agent_figures_fn	 fig;
	void			*arg;
};

static double
jnum(struct json_object *o, const char *k)
{
	struct json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, k, &v))
		return NAN;
	switch (json_object_get_type(v)) {
	case json_type_int:
	case json_type_double:
		return json_object_get_double(v);
	case json_type_boolean:
		return json_object_get_boolean(v);
	default:
		return NAN;
	}
}

static void
one(struct prom *p, const char *name, enum prom_type t, const char *help,
    double v, const char *node)
{
	if (isnan(v))
		return;
	prom_family(p, name, t, help);
	prom_sample(p, name, v, "node", node, NULL);
}

/* push_stats() members: the link to the aggregator and its spool. */
static const struct {
	const char	*member;
	const char	*name;
	enum prom_type	 type;
	const char	*help;
} push_figs[] = {
	{ "connected", "strata_agent_aggregator_connected", PROM_GAUGE,
	  "1 while the aggregator has welcomed this agent." },
	{ "records", "strata_agent_push_records_total", PROM_COUNTER,
	  "Records queued for the aggregator." },
	{ "rejected", "strata_agent_push_rejected_total", PROM_COUNTER,
	  "Records refused before the spool (no id, too large)." },
	{ "batches", "strata_agent_push_batches_total", PROM_COUNTER,
	  "Batches sent to the aggregator." },
	{ "acks", "strata_agent_push_acks_total", PROM_COUNTER,
	  "Acknowledgements from the aggregator." },
	{ "connects", "strata_agent_push_connects_total", PROM_COUNTER,
	  "Connections made to the aggregator." },
	{ "refused", "strata_agent_push_refused_total", PROM_COUNTER,
	  "Handshakes the aggregator refused." },
	{ "failures", "strata_agent_push_failures_total", PROM_COUNTER,
	  "Connections to the aggregator that failed or broke." },
	{ "spool_unacked", "strata_agent_spool_unacked_records", PROM_GAUGE,
	  "Records not yet acknowledged by the aggregator (spooled)." },
	{ "spool_bytes", "strata_agent_spool_bytes", PROM_GAUGE,
	  "Size of the spool file." },
	{ "spool_dropped", "strata_agent_spool_dropped_total", PROM_COUNTER,
	  "Records dropped from a full spool (spool_max_mb)." },
	{ "spool_corrupt", "strata_agent_spool_corrupt_total", PROM_COUNTER,
	  "Spool lines that did not parse when the spool was read again." },
};

static void
analyzer_figures(struct prom *p, struct json_object *an, const char *node)
{
	prom_family(p, "strata_agent_analyzer_total", PROM_COUNTER,
	    "Each analyzer's own counters (docs/http.md), by analyzer and "
	    "counter.");
	if (an == NULL || !json_object_is_type(an, json_type_object))
		return;
	json_object_object_foreach(an, name, sub) {
		if (!json_object_is_type(sub, json_type_object))
			continue;
		json_object_object_foreach(sub, counter, v) {
			if (!json_object_is_type(v, json_type_int))
				continue;
			prom_sample(p, "strata_agent_analyzer_total",
			    json_object_get_double(v), "node", node, "analyzer",
			    name, "counter", counter, NULL);
		}
	}
}

static void
agent_metrics(struct agent_http *ah, struct evhttp_request *req)
{
	struct agent_figures f;
	struct evbuffer *b;
	struct prom p;
	size_t i;
	int om;

	if ((b = evbuffer_new()) == NULL) {
		httpd_error(ah->h, req, 500, "out of memory");
		return;
	}
	memset(&f, 0, sizeof(f));
	ah->fig(ah->arg, &f);
	om = prom_accepts_om(httpd_header(req, "Accept"));
	prom_init(&p, b, om);
	prom_family(&p, "strata_agent_info", PROM_GAUGE,
	    "The agent's version and input (always 1).");
	prom_sample(&p, "strata_agent_info", 1, "node", f.node, "version",
	    STRATA_VERSION, "input", f.live ? "live" : "trace", NULL);
	one(&p, "strata_agent_start_time_seconds", PROM_GAUGE,
	    "When the agent started (Unix time).", f.started_ns / 1e9, f.node);
	one(&p, "strata_agent_events_total", PROM_COUNTER,
	    "Events read from the session or trace.", (double)f.src.events,
	    f.node);
	one(&p, "strata_agent_events_dispatched_total", PROM_COUNTER,
	    "Events handed to at least one analyzer.",
	    (double)f.src.dispatched, f.node);
	one(&p, "strata_agent_events_discarded_total", PROM_COUNTER,
	    "Events the tracer discarded (ring buffer full).",
	    (double)f.src.discarded_events, f.node);
	one(&p, "strata_agent_packets_discarded_total", PROM_COUNTER,
	    "Packets lost (live, or a tracer in overwrite mode).",
	    (double)f.src.discarded_packets, f.node);
	one(&p, "strata_agent_fields_dropped_total", PROM_COUNTER,
	    "Event fields past the decoder's limit, not decoded.",
	    (double)f.src.fields_dropped, f.node);
	one(&p, "strata_agent_event_classes", PROM_GAUGE,
	    "Event classes resolved.", (double)f.src.classes, f.node);
	one(&p, "strata_agent_graph_rebuilds_total", PROM_COUNTER,
	    "babeltrace2 graphs built again (relayd or session back).",
	    (double)f.src.rebuilds, f.node);
	one(&p, "strata_agent_source_errors_total", PROM_COUNTER,
	    "Reads of the session that ended in an error.",
	    (double)f.src.errors, f.node);
	one(&p, "strata_agent_records_total", PROM_COUNTER,
	    "Records the analyzers emitted.", (double)f.records, f.node);
	one(&p, "strata_agent_write_errors_total", PROM_COUNTER,
	    "Write errors of the --jsonl copy.", (double)f.write_errors,
	    f.node);
	for (i = 0; f.push != NULL && i < sizeof(push_figs) /
	    sizeof(push_figs[0]); i++)
		one(&p, push_figs[i].name, push_figs[i].type, push_figs[i].help,
		    jnum(f.push, push_figs[i].member), f.node);
	analyzer_figures(&p, f.analyzers, f.node);
	prom_end(&p);
	json_object_put(f.push);
	json_object_put(f.analyzers);
	httpd_reply(ah->h, req, 200, om ? PROM_CT_OM : PROM_CT_TEXT, b);
	evbuffer_free(b);
}

static void
agent_http_route(struct httpd *h, struct evhttp_request *req,
    const char *path, void *arg)
{
	struct agent_http *ah = arg;

	if (strcmp(path, "/metrics") == 0)
		agent_metrics(ah, req);
	else
		httpd_error(h, req, 404, "strata-agent serves /metrics only");
}

struct agent_http *
agent_http_create(struct event_base *base, const char *addr,
    const char *token_file, agent_figures_fn fig, void *arg)
{
	struct agent_http *ah;
	struct httpd_conf hc;
	char *token = NULL;

	if (token_file != NULL && (token = token_read(token_file)) == NULL)
		return NULL;
	if ((ah = calloc(1, sizeof(*ah))) == NULL) {
		log_warn("%s: calloc", __func__);
		free(token);
		return NULL;
	}
	ah->fig = fig;
	ah->arg = arg;
	memset(&hc, 0, sizeof(hc));
	hc.addr = addr;
	hc.token = token;
	ah->h = httpd_create(base, &hc, agent_http_route, ah);
	if (token != NULL) {
		explicit_bzero(token, strlen(token));
		free(token);
	}
	if (ah->h == NULL) {
		free(ah);
		return NULL;
	}
	log_info("http: /metrics on http://%s/metrics%s", httpd_addr(ah->h),
	    token_file != NULL ? " (bearer token)" : "");
	return ah;
}

void
agent_http_destroy(struct agent_http *ah)
{
	if (ah == NULL)
		return;
	httpd_destroy(ah->h);
	free(ah);
}
