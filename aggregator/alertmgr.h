/*
 * alertmgr.h: the aggregator's alerts sent to Prometheus Alertmanager
 * (its v2 API: POST /api/v2/alerts), to one Alertmanager or to each of an
 * HA pair.  Firing alerts are sent again every re-send interval (as
 * Prometheus does) so that a restarted Alertmanager has them back;
 * resolved ones are sent with endsAt a few times, then forgotten.  Nothing
 * here blocks: libevent's HTTP client, a bounded table of the alerts to
 * tell, and retries with capped backoff per Alertmanager.  docs/alerts.md
 * documents the labels, annotations and counters.
 */
#ifndef STRATA_ALERTMGR_H
#define STRATA_ALERTMGR_H

#include <stddef.h>

#include <event2/event.h>
#include <json-c/json.h>

#define AMGR_RESEND_MS		60000	/* default re-send interval */
#define AMGR_TARGETS_MAX	8	/* Alertmanagers at once */
#define AMGR_QUEUE_MAX		10000	/* alerts kept: firing + resolving */
#define AMGR_BATCH_MAX		500	/* alerts in one POST */
#define AMGR_TIMEOUT_S		10	/* one POST, connecting included */
#define AMGR_BACKOFF_MIN_MS	500	/* first retry after a failure */
#define AMGR_BACKOFF_MAX_MS	30000	/* and never later than this */
/*
 * A firing alert's endsAt is this many re-send intervals ahead, so an
 * Alertmanager that stops hearing of it resolves it itself; a resolved
 * alert is sent on the event and at this many re-sends more.
 */
#define AMGR_VALID_RESENDS	4

struct amgr_conf {
	const char *const	*urls;		/* http://HOST[:PORT][/PREFIX] */
	unsigned		 nurls;		/* 0: no Alertmanager */
	const char		*web_url;	/* generatorURL's base; NULL: none */
	unsigned		 resend_ms;	/* 0: AMGR_RESEND_MS */
	unsigned		 queue_max;	/* 0: AMGR_QUEUE_MAX */
};

struct amgr;

struct amgr	*amgr_create(struct event_base *, const struct amgr_conf *);
/*
 * New settings (SIGHUP): an Alertmanager kept keeps its connection, its
 * counters and what it has been told; a new one is told every alert kept.
 */
int		 amgr_reconf(struct amgr *, const struct amgr_conf *);
/* Whether any Alertmanager is configured. */
int		 amgr_enabled(const struct amgr *);
/*
 * An alert as the store gives it (event or not): kept, and sent soon to
 * every Alertmanager.  Never blocks; a full table drops it (counted).
 */
void		 amgr_alert(struct amgr *, struct json_object *alert);
void		 amgr_destroy(struct amgr *);
struct json_object *amgr_stats(struct amgr *);

/*
 * What Alertmanager is sent for an alert, endsAt aside: {labels,
 * annotations, startsAt, generatorURL}.  web_url may be NULL.
 */
struct json_object *amgr_alert_obj(struct json_object *alert,
		    const char *web_url);
/* RFC 3339 UTC with milliseconds of ns since the epoch. */
void		 amgr_time(char *buf, size_t len, int64_t ns);
/*
 * 0 if url is one amgr_create() takes: http://HOST[:PORT][/PREFIX]
 * (web: https too, and any path); else -1 and why in buf.
 */
int		 amgr_url_check(const char *url, int web, char *buf, size_t len);

#endif
