/*
 * http.h: strata-aggregator's HTTP side (`--http ADDR:PORT`): /metrics
 * for Prometheus, /api/ (the control socket's read-only commands, run in
 * the process: the same JSON as `stratactl --json`) and the read-only web
 * views.  Nothing here writes: a command not flagged CTL_CMD_READONLY is
 * refused.  docs/http.md.
 */
#ifndef STRATA_HTTP_H
#define STRATA_HTTP_H

#include <event2/event.h>
#include <json-c/json.h>

struct ctl_env;
struct agg_http;

struct agg_http_conf {
	const char	*addr;		/* HOST:PORT */
	const char	*root;		/* web files; NULL: STRATA_WEBDIR */
	const char	*token;		/* bearer token for /metrics and /api/ */
};

/* Listens at once; NULL with a log line when it cannot. */
struct agg_http		*agg_http_create(struct event_base *,
			    const struct agg_http_conf *, const struct ctl_env *);
void			 agg_http_destroy(struct agg_http *);
/* The address bound (HOST:PORT, the real port for port 0). */
const char		*agg_http_addr(const struct agg_http *);
/* Its part of `status` ("http"). */
struct json_object	*agg_http_stats(const struct agg_http *);

#endif
