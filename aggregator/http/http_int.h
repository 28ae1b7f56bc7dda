/*
 * http_int.h: what the files of aggregator/http/ share: the listener's
 * state and one handler per concern: http.c (the listener and its
 * routes), http_metrics.c (/metrics), http_api.c (/api/) and
 * http_static.c (the web files, Chart.js, /views.json).
 */
#ifndef STRATA_HTTP_INT_H
#define STRATA_HTTP_INT_H

#include <event2/http.h>
#include <json-c/json.h>

#include "httpd.h"
#include "http.h"

#ifndef STRATA_WEBDIR
#define STRATA_WEBDIR		"/usr/share/strata/web"
#endif
#ifndef STRATA_CHARTJS
#define STRATA_CHARTJS		"/usr/share/javascript/chart.js/chart.min.js"
#endif
#define HTTP_FILE_MAX		(4 * 1024 * 1024)	/* a static file */

struct agg_http {
	struct httpd		*h;
	const struct ctl_env	*env;
	char			*root;
	uint64_t		 scrapes, scrape_errors;
	uint64_t		 api_calls, api_errors;
};

/* Runs a command in the process; NULL with *code and err set otherwise. */
struct json_object	*http_run(struct agg_http *, const char *cmd,
			    struct json_object *args, int *code, char *err,
			    size_t errsz);

/* http_metrics.c */
void	http_metrics(struct agg_http *, struct evhttp_request *);
/* http_api.c: path is what follows "/api" */
void	http_api(struct agg_http *, struct evhttp_request *, const char *path);
/* http_static.c */
void	http_static(struct agg_http *, struct evhttp_request *, const char *path);
void	http_views(struct agg_http *, struct evhttp_request *);
void	http_chartjs(struct agg_http *, struct evhttp_request *);

#endif
