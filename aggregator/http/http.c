/*
 * http.c: the aggregator's HTTP listener (lib/httpd.h) and its routes:
 *
 *	/metrics		Prometheus (http_metrics.c)
 *	/api/CMD[/ARG]		a read-only control command (http_api.c)
 *	/views.json		the views: generic ones, then each kind's
 *	/static/chart.js	Chart.js (Debian's libjs-chart.js)
 *	/kinds/KIND/FILE	a kind's web files (agg_kind.web)
 *	/ and /FILE		the generic web files (http_static.c)
 *
 * Every command runs through http_run(), which refuses any command that
 * is not flagged CTL_CMD_READONLY: this side of the aggregator only
 * reads, as bgpd's restricted control socket does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "log.h"
#include "ctl.h"
#include "http_int.h"

/* Served without the bearer token: files that hold no data. */
static const char *const http_open_paths[] = {
	"/", "/static/", "/kinds/", "*.html", "*.css", "*.js", "/favicon.ico",
	NULL
};

struct json_object *
http_run(struct agg_http *w, const char *name, struct json_object *args,
    int *code, char *err, size_t errsz)
{
	const struct ctl_cmd *cmd;
	struct ctl_call call;
	struct json_object *none = NULL;

	if ((cmd = ctl_cmd_find(name)) == NULL) {
		*code = 404;
		snprintf(err, errsz, "unknown command '%.64s' (see /api/)", name);
		return NULL;
	}
	if (!(cmd->flags & CTL_CMD_READONLY)) {
		*code = 403;
		snprintf(err, errsz, "%s changes state: over HTTP only reading "
		    "commands run (use stratactl)", cmd->name);
		return NULL;
	}
	if (cmd->flags & CTL_CMD_STREAM) {
		*code = 400;
		snprintf(err, errsz, "%s is a stream: poll /api/alerts instead",
		    cmd->name);
		return NULL;
	}
	if (args == NULL && (args = none = json_object_new_object()) == NULL) {
		*code = 500;
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	if (ctl_check_args(cmd, args, err, errsz) == -1) {
		json_object_put(none);
		*code = 400;
		return NULL;
	}
	memset(&call, 0, sizeof(call));
	call.env = w->env;
	call.args = args;
	if (cmd->exec(&call) != CTL_DONE) {
		json_object_put(call.result);
		json_object_put(none);
		/* The commands say "no migration X" for what is not there. */
		*code = strncmp(call.err, "no ", 3) == 0 ? 404 : 400;
		snprintf(err, errsz, "%s: %s", cmd->name,
		    call.err[0] != '\0' ? call.err : "failed");
		return NULL;
	}
	json_object_put(none);
	*code = 200;
	return call.result;
}

static void
http_route(struct httpd *h, struct evhttp_request *req, const char *path,
    void *arg)
{
	struct agg_http *w = arg;

	if (strcmp(path, "/metrics") == 0)
		http_metrics(w, req);
	else if (strcmp(path, "/api") == 0 || strncmp(path, "/api/", 5) == 0)
		http_api(w, req, path + 4);
	else if (strcmp(path, "/views.json") == 0)
		http_views(w, req);
	else if (strcmp(path, "/static/chart.js") == 0)
		http_chartjs(w, req);
	else
		http_static(w, req, path);
}

struct agg_http *
agg_http_create(struct event_base *base, const struct agg_http_conf *c,
    const struct ctl_env *env)
{
	struct httpd_conf hc;
	struct agg_http *w;

	if ((w = calloc(1, sizeof(*w))) == NULL) {
		log_warn("%s: calloc", __func__);
		return NULL;
	}
	w->env = env;
	if ((w->root = strdup(c->root != NULL ? c->root : STRATA_WEBDIR)) ==
	    NULL) {
		log_warn("%s: strdup", __func__);
		free(w);
		return NULL;
	}
	memset(&hc, 0, sizeof(hc));
	hc.addr = c->addr;
	hc.token = c->token;
	hc.open = http_open_paths;
	if ((w->h = httpd_create(base, &hc, http_route, w)) == NULL) {
		agg_http_destroy(w);
		return NULL;
	}
	log_info("http: /metrics, /api/ and the web views on http://%s/%s",
	    httpd_addr(w->h), c->token != NULL ? " (bearer token)" : "");
	return w;
}

void
agg_http_destroy(struct agg_http *w)
{
	if (w == NULL)
		return;
	httpd_destroy(w->h);
	free(w->root);
	free(w);
}

const char *
agg_http_addr(const struct agg_http *w)
{
	return httpd_addr(w->h);
}

struct json_object *
agg_http_stats(const struct agg_http *w)
{
	struct json_object *o = httpd_stats(w->h);

	json_object_object_add(o, "root", json_object_new_string(w->root));
	json_object_object_add(o, "scrapes",
	    json_object_new_int64((int64_t)w->scrapes));
	json_object_object_add(o, "scrape_errors",
	    json_object_new_int64((int64_t)w->scrape_errors));
	json_object_object_add(o, "api_calls",
	    json_object_new_int64((int64_t)w->api_calls));
	json_object_object_add(o, "api_errors",
	    json_object_new_int64((int64_t)w->api_errors));
	return o;
}
