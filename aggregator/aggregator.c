/*
 * aggregator.c: strata-aggregator's main.  One libevent loop wires the
 * agent listener (ingest) to the SQLite store, the store's alerts to the
 * control socket's followers, the journal and the hook, and a timer to the
 * store's stale-node check, and (--http) /metrics, /api/ and the web views
 * to the same read-only commands.  SIGINT/SIGTERM stop it cleanly: no more agent
 * input, every alert stream gets its end object, the store is closed.
 * SIGHUP reads the configuration again and applies what can change live
 * (thresholds, hook, alert log, Alertmanagers, the TLS certificate and CA
 * for new connections) without touching the agents' connections.  At
 * start (and when SIGHUP adds the first Alertmanager) the store's active
 * alerts are told to Alertmanager again.
 */
#include <sys/types.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "conf.h"
#include "log.h"
#include "clock.h"
#include "store.h"
#include "ingest.h"
#include "ctl.h"
#include "fdbudget.h"
#include "alertout.h"
#include "http.h"
#include "notify.h"
#include "proto.h"
#include "tls.h"
#include "aggregator.h"

#define SLOW_BATCH_MS	1000	/* a store_batch() slower than this is logged */
#define DRAIN_MS	2000	/* at exit, how long streams may take to drain */
#define REASSERT_MAX	10000	/* alerts of one store_q_alerts(), its most */
#define AGG_DISPATCH_MS	2	/* the agents' callbacks run before a poll (setup) */

struct agg {
	struct agg_conf		 conf;
	struct event_base	*base;
	struct store		*store;
	struct ingest		*ingest;
	struct ctl		*ctl;
	struct ctl_env		 env;
	struct alertout		*ao;
	struct agg_http		*http;		/* --http; NULL when off */
	struct notify		*notify;	/* READY, STATUS, WATCHDOG */
	struct event		*stale_ev;
	struct event		*sync_ev;	/* the store's syncer: on_synced */
	struct event		*sigint, *sigterm, *sighup;
	int			 stopping;
	uint64_t		 batches, batch_fail, alerts;
	uint64_t		 reloads, reloads_failed;
	const char		*conffile;	/* -f, read again on SIGHUP */
	struct agg_opt		*opts;		/* the command line's settings */
	int			 nopts;
};

static double
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void
on_hello(void *arg, const char *node, const char *agent_version, int64_t wall_ns)
{
	struct agg *agg = arg;
	int64_t now = clock_wall_ns();

	/* In doubles: an agent's wall_ns may be anything (store.c checks it). */
	log_debug("agent %s (%s) said hello, clock offset %.3f s", node,
	    agent_version, ((double)wall_ns - (double)now) / 1e9);
	if (store_group_begin(agg->store) == -1 ||
	    store_node_hello(agg->store, node, agent_version, wall_ns, now) == -1)
		log_warnx("store: hello of %s not stored", node);
}

static int
on_batch(void *arg, const char *node, const struct proto_rec *recs, size_t n)
{
	struct agg *agg = arg;
	struct store_batch_counts bc;
	double t0 = mono_ms(), ms;
	int r;

	r = store_group_begin(agg->store);
	if (r == 0)
		r = store_batch(agg->store, node, recs, n, clock_wall_ns());
	ms = mono_ms() - t0;
	agg->batches++;
	if (r == -1) {
		agg->batch_fail++;
		log_warnx("store: batch of %zu records from %s not stored",
		    n, node);
		return -1;
	}
	store_last_batch(agg->store, &bc);
	if (ms > SLOW_BATCH_MS)
		log_warnx("store: batch of %zu records from %s took %.0f ms",
		    n, node, ms);
	log_debug("batch from %s: %u stored, %u duplicate, %u skipped, %.2f ms",
	    node, bc.stored, bc.duplicate, bc.skipped, ms);
	return 0;
}

static void
on_stats(void *arg, const char *node, struct json_object *stats)
{
	struct agg *agg = arg;

	if (store_group_begin(agg->store) == -1 ||
	    store_node_stats(agg->store, node, stats, clock_wall_ns()) == -1)
		log_warnx("store: stats of %s not stored", node);
}

/*
 * The batches, hellos and heartbeats of a pass, committed at once; with
 * the syncer durable later (on_synced), else now.
 */
static int
on_commit(void *arg, unsigned n, size_t nrec, uint64_t *gen)
{
	struct agg *agg = arg;
	double t0 = mono_ms(), ms;
	uint64_t g = 0;
	int r;

	r = gen != NULL ? store_group_commit_async(agg->store, &g) :
	    store_group_commit(agg->store);
	if (gen != NULL)
		*gen = g;
	if (r == -1) {
		agg->batch_fail += n;
		log_warnx("store: %u batches of %zu records not stored: their "
		    "group's commit failed", n, nrec);
		return -1;
	}
	if ((ms = mono_ms() - t0) > SLOW_BATCH_MS)
		log_warnx("store: the commit of %u batches of %zu records took "
		    "%.0f ms", n, nrec, ms);
	return 0;
}

/* The syncer synced the WAL: the batches of the commits before are acked. */
static void
on_synced(evutil_socket_t fd, short what, void *arg)
{
	struct agg *agg = arg;
	uint64_t gen;
	int ok;

	(void)fd;
	(void)what;
	ok = store_sync_done(agg->store, &gen) == 0;
	if (agg->ingest != NULL)
		ingest_durable(agg->ingest, gen, ok);
}

/* durable = yes: the syncer, once; without it the commits sync. */
static void
agg_syncer(struct agg *agg)
{
	if (!agg->conf.durable || agg->sync_ev != NULL)
		return;
	if (store_syncer_start(agg->store) == -1 ||
	    (agg->sync_ev = event_new(agg->base, store_sync_fd(agg->store),
	    EV_READ | EV_PERSIST, on_synced, agg)) == NULL ||
	    event_priority_set(agg->sync_ev, 1) == -1 ||
	    event_add(agg->sync_ev, NULL) == -1) {
		log_warnx("store: the commits sync the disk themselves");
		if (agg->sync_ev != NULL)
			event_free(agg->sync_ev);
		agg->sync_ev = NULL;
		store_syncer_stop(agg->store);
	}
}

static void
on_gone(void *arg, const char *node)
{
	log_debug("agent %s gone", node);
}

/* Every alert the store commits: followers, journal/syslog, hook. */
static void
on_alert(void *arg, struct json_object *alert)
{
	struct agg *agg = arg;

	agg->alerts++;
	ctl_alert(agg->ctl, alert);
	alertout_alert(agg->ao, alert);
}

static void
on_status(void *arg, struct json_object *obj)
{
	struct agg *agg = arg;

	json_object_object_add(obj, "listen",
	    json_object_new_string(agg->conf.listen));
	json_object_object_add(obj, "db", json_object_new_string(agg->conf.db));
	json_object_object_add(obj, "token",
	    json_object_new_boolean(agg->conf.token != NULL));
	json_object_object_add(obj, "tls",
	    json_object_new_boolean(agg->conf.tls_ctx != NULL));
	json_object_object_add(obj, "stale_after_ms",
	    json_object_new_int64(agg->conf.stale_ms));
	json_object_object_add(obj, "durable",
	    json_object_new_boolean(agg->conf.durable));
	json_object_object_add(obj, "follow_queue",
	    json_object_new_int((int)agg->conf.follow_queue));
	json_object_object_add(obj, "reloads",
	    json_object_new_int64((int64_t)agg->reloads));
	json_object_object_add(obj, "reloads_failed",
	    json_object_new_int64((int64_t)agg->reloads_failed));
	json_object_object_add(obj, "batches",
	    json_object_new_int64((int64_t)agg->batches));
	json_object_object_add(obj, "batches_failed",
	    json_object_new_int64((int64_t)agg->batch_fail));
	json_object_object_add(obj, "alerts",
	    json_object_new_int64((int64_t)agg->alerts));
	if (agg->ingest != NULL)
		json_object_object_add(obj, "ingest", ingest_stats(agg->ingest));
	if (agg->ao != NULL)
		json_object_object_add(obj, "alert_delivery",
		    alertout_stats(agg->ao));
	if (agg->http != NULL)
		json_object_object_add(obj, "http", agg_http_stats(agg->http));
}

/* systemd's STATUS= line, refreshed with the watchdog. */
static void
status_line(void *arg, char *buf, size_t len)
{
	struct agg *agg = arg;
	struct json_object *is = NULL, *v;
	int agents = 0;

	if (agg->ingest != NULL && (is = ingest_stats(agg->ingest)) != NULL &&
	    json_object_object_get_ex(is, "agents", &v) &&
	    json_object_is_type(v, json_type_array))
		agents = (int)json_object_array_length(v);
	json_object_put(is);
	snprintf(buf, len, "%s: %d agents, %llu batches, %llu alerts",
	    agg->stopping ? "stopping" : "running", agents,
	    (unsigned long long)agg->batches, (unsigned long long)agg->alerts);
}

static void
stale_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct agg *agg = arg;

	if (store_check_stale(agg->store, clock_wall_ns(),
	    agg->conf.stale_ms * 1000000LL) == -1)
		log_warnx("store: stale check failed");
}

/* Check often enough that a node is marked within ~1/6 of the limit. */
static void
stale_schedule(struct agg *agg)
{
	struct timeval tv;
	int64_t every;

	every = agg->conf.stale_ms / 6;
	if (every < 1000)
		every = 1000;
	if (every > 10000)
		every = 10000;
	tv.tv_sec = every / 1000;
	tv.tv_usec = (every % 1000) * 1000;
	evtimer_add(agg->stale_ev, &tv);
}

/*
 * generatorURL's base: web-url, else http://HOST:PORT of the web views'
 * listener (http: HOST:PORT, or PORT alone for loopback), with this
 * host's name for a wildcard address; NULL when neither is set.
 */
static const char *
web_base(const char *web_url, const char *http, char *buf, size_t len)
{
	char host[256], port[16];

	if (web_url != NULL)
		return web_url;
	if (http == NULL || *http == '\0')
		return NULL;
	if (strchr(http, ':') == NULL) {
		snprintf(host, sizeof(host), "127.0.0.1");
		snprintf(port, sizeof(port), "%s", http);
	} else if (proto_hostport(http, host, sizeof(host), port,
	    sizeof(port)) == -1)
		return NULL;
	if ((*host == '\0' || strcmp(host, "0.0.0.0") == 0 ||
	    strcmp(host, "::") == 0 || strcmp(host, "*") == 0) &&
	    gethostname(host, sizeof(host)) == -1)
		return NULL;
	host[sizeof(host) - 1] = '\0';
	snprintf(buf, len, strchr(host, ':') != NULL ? "http://[%s]:%s" :
	    "http://%s:%s", host, port);
	return buf;
}

/* Holds until the next call: alertout_create()/_reconf() copy it all. */
static void
alertout_conf_of(const struct agg_conf *c, struct alertout_conf *aoc)
{
	static char web[300];

	memset(aoc, 0, sizeof(*aoc));
	aoc->log = c->alert_log;
	aoc->hook = c->hook;
	aoc->hook_timeout_ms = c->hook_timeout_ms;
	aoc->hook_max = c->hook_max;
	aoc->am.urls = (const char *const *)c->alertmanager_urls.v;
	aoc->am.nurls = c->alertmanager_urls.n;
	aoc->am.resend_ms = c->alertmanager_resend_ms;
	aoc->am.web_url = web_base(c->web_url, c->http, web, sizeof(web));
}

/*
 * Alertmanager hears again of every alert still active in the store (the
 * newest REASSERT_MAX firing, and the acknowledged among the newest),
 * so that a restarted aggregator re-asserts them.
 */
static void
agg_reassert(struct agg *agg)
{
	struct json_object *l, *a;
	const char *err = NULL, *state;
	size_t i, n = 0;
	int pass;

	if (!alertout_alertmanager(agg->ao))
		return;
	for (pass = 0; pass < 2; pass++) {
		if ((l = store_q_alerts(agg->store, pass == 0, 0, REASSERT_MAX,
		    &err)) == NULL) {
			log_warnx("alertmanager: active alerts not read: %s",
			    err != NULL ? err : "store error");
			return;
		}
		for (i = 0; i < json_object_array_length(l); i++) {
			a = json_object_array_get_idx(l, i);
			state = json_object_get_string(
			    json_object_object_get(a, "state"));
			if (state == NULL || strcmp(state, pass == 0 ?
			    "firing" : "acked") != 0)
				continue;
			alertout_reassert(agg->ao, a);
			n++;
		}
		json_object_put(l);
	}
	log_info("alertmanager: %zu active alerts from the store", n);
}

/*
 * SIGHUP, TLS: the certificate, key and CA files were read again (by
 * agg_conf_build) into nc's context, which new connections get; agents
 * connected keep theirs, and get the new one when they reconnect.
 */
static void
agg_reload_tls(struct agg *agg, struct agg_conf *nc)
{
	struct agg_conf *c = &agg->conf;
	struct ssl_ctx_st *ctx;
	char desc[256], *s;

	if ((c->tls_ctx == NULL) != (nc->tls_ctx == NULL)) {
		log_warnx("SIGHUP: TLS is turned %s only at restart",
		    c->tls_ctx == NULL ? "on" : "off");
		return;
	}
	if (c->tls_ctx == NULL || agg->ingest == NULL ||
	    ingest_set_tls(agg->ingest, nc->tls_ctx) == -1)
		return;
	ctx = c->tls_ctx;
	c->tls_ctx = nc->tls_ctx;
	nc->tls_ctx = ctx;
#define SWAP(m) do { s = c->m; c->m = nc->m; nc->m = s; } while (0)
	SWAP(tls_cert);
	SWAP(tls_key);
	SWAP(tls_ca);
	SWAP(tls_where);
#undef SWAP
	tls_ctx_describe(c->tls_ctx, desc, sizeof(desc));
	log_info("SIGHUP: TLS files read again; new connections get "
	    "certificate %s", desc);
}

/*
 * SIGHUP: the file again, the command line over it.  Thresholds, the
 * hook, the alert log and the TLS files apply at once; what the listener,
 * the store and the control socket were opened with is kept until a
 * restart (logged), so no agent and no stratactl follower is
 * disconnected.  A configuration with an error changes nothing.
 */
static void
agg_reload(struct agg *agg)
{
	struct agg_conf nc, *c = &agg->conf;
	struct alertout_conf aoc;
	struct agg_list urls;
	char *hook, *web;
	int had_am;

	if (agg_conf_build(&nc, agg->conffile, agg->opts, agg->nopts) > 0) {
		log_warnx("SIGHUP: configuration has errors, nothing changed");
		agg->reloads_failed++;
		agg_conf_free(&nc);
		return;
	}
	agg_conf_restart_only(c, &nc);
	if (c->token != NULL && nc.token != NULL && strcmp(c->token, nc.token))
		log_warnx("SIGHUP: the token changes only at restart");

	alertout_conf_of(&nc, &aoc);
	had_am = alertout_alertmanager(agg->ao);
	if (alertout_reconf(agg->ao, &aoc) == -1) {
		log_warnx("SIGHUP: alert delivery not changed, nothing changed");
		agg->reloads_failed++;
		agg_conf_free(&nc);
		return;
	}
	agg_reload_tls(agg, &nc);
	if (nc.durable != c->durable &&
	    store_set_durable(agg->store, nc.durable) == -1)
		log_warnx("SIGHUP: durable = %s not applied",
		    nc.durable ? "yes" : "no");
	else {
		c->durable = nc.durable;
		agg_syncer(agg);
	}
	hook = c->hook;
	c->hook = nc.hook;
	nc.hook = hook;
	c->hook_timeout_ms = nc.hook_timeout_ms;
	c->hook_max = nc.hook_max;
	c->alert_log = nc.alert_log;
	urls = c->alertmanager_urls;
	c->alertmanager_urls = nc.alertmanager_urls;
	nc.alertmanager_urls = urls;
	web = c->web_url;
	c->web_url = nc.web_url;
	nc.web_url = web;
	c->alertmanager_resend_ms = nc.alertmanager_resend_ms;
	if (!had_am)
		agg_reassert(agg);
	c->follow_queue = nc.follow_queue;
	agg->env.follow_qlen = nc.follow_queue;	/* followers from now on */
	if (nc.stale_ms != c->stale_ms) {
		c->stale_ms = nc.stale_ms;
		stale_schedule(agg);
	}
	agg->reloads++;
	log_info("SIGHUP: stale-after %lldms, durable %s, follow-queue %u, "
	    "hook %s, %u alertmanagers", (long long)c->stale_ms,
	    c->durable ? "yes" : "no", c->follow_queue,
	    c->hook != NULL ? c->hook : "none", c->alertmanager_urls.n);
	agg_conf_free(&nc);
}

static void
drained_cb(void *arg)
{
	struct agg *agg = arg;

	event_base_loopexit(agg->base, NULL);
}

static void
signal_cb(evutil_socket_t sig, short ev, void *arg)
{
	struct agg *agg = arg;
	struct timeval tv = { DRAIN_MS / 1000, (DRAIN_MS % 1000) * 1000 };

	if (sig == SIGHUP) {
		if (!agg->stopping)
			agg_reload(agg);
		return;
	}
	if (agg->stopping) {
		log_warnx("signal %d again: exiting now", (int)sig);
		event_base_loopbreak(agg->base);
		return;
	}
	agg->stopping = 1;
	log_info("signal %d: stopping", (int)sig);
	notify_stopping(agg->notify);
	evtimer_del(agg->stale_ev);
	/* No more agent input, so no more alerts; then end every stream. */
	ingest_destroy(agg->ingest);
	agg->ingest = NULL;
	agg_http_destroy(agg->http);
	agg->http = NULL;
	if (ctl_shutdown(agg->ctl, "aggregator stopping", drained_cb, agg) > 0)
		event_base_loopexit(agg->base, &tv);
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: strata-aggregator [-dnvV] [-f CONFIG] [--listen HOST:PORT] "
	    "[--db PATH]\n"
	    "           [--ctl PATH] [--ctl-ro PATH] [--ctl-idle-timeout DUR]\n"
	    "           [--token-file FILE] [--stale-after DUR] [--hook CMD]\n"
	    "           [--hook-timeout DUR] [--hook-max N] "
	    "[--alert-log auto|journal|syslog|none]\n"
	    "           [--durable yes|no] [--follow-queue N] "
	    "[--max-frame BYTES]\n"
	    "           [--alertmanager URL]... [--alertmanager-resend DUR] "
	    "[--web-url URL]\n"
	    "           [--http [HOST:]PORT [--http-root DIR] "
	    "[--http-token-file FILE]]\n"
	    "           [--tls-cert FILE --tls-key FILE --tls-ca FILE]\n"
	    "  -f CONFIG   configuration file (key = value; keys as the long "
	    "options)\n"
	    "  -d          debug: stay in the foreground, log to stderr\n"
	    "  -n          check the configuration: errors, or nothing and "
	    "exit 0\n"
	    "  -v          with -n: print the configuration, normalised\n"
	    "defaults: --db %s --ctl %s --stale-after 60s\n"
	    "without TLS or a token only agents on loopback are accepted\n",
	    AGG_DB_DEFAULT, CTL_SOCKET_DEFAULT);
	exit(2);
}

static int
setup(struct agg *agg)
{
	struct timeval dispatch = { 0, AGG_DISPATCH_MS * 1000 };
	struct event_config *cfg;
	struct alertout_conf aoc;
	struct ingest_conf ic;
	struct ingest_cb cb;
	struct ctl_conf cc;

	/* Spares for the control socket, before agents can take them. */
	if (fdbudget_init(0) == -1)
		return -1;
	/*
	 * Two priorities: the control socket's events first (ctl.h).  The
	 * rest (the agents' batches, the group's commit) are run at most
	 * AGG_DISPATCH_MS at a time before the loop polls again, so that a
	 * request that came meanwhile waits for one callback, not for all
	 * the connections that were ready at once.
	 */
	if ((cfg = event_config_new()) == NULL ||
	    event_config_set_max_dispatch_interval(cfg, &dispatch, -1, 1) ==
	    -1 || (agg->base = event_base_new_with_config(cfg)) == NULL ||
	    event_base_priority_init(agg->base, 2) == -1) {
		if (cfg != NULL)
			event_config_free(cfg);
		log_warnx("event_base_new failed");
		return -1;
	}
	event_config_free(cfg);
	if ((agg->notify = notify_create(agg->base, status_line, agg)) == NULL)
		return -1;
	if ((agg->store = store_open(agg->conf.db)) == NULL)
		return -1;
	if (store_set_durable(agg->store, agg->conf.durable) == -1)
		return -1;
	/* Checkpoints off the event loop; without the thread, in commits. */
	if (store_checkpointer_start(agg->store) == -1)
		log_warnx("store: checkpoints stay in the commits");
	agg_syncer(agg);

	alertout_conf_of(&agg->conf, &aoc);
	if ((agg->ao = alertout_create(agg->base, &aoc)) == NULL)
		return -1;

	agg->env.store = agg->store;
	agg->env.started_ns = clock_wall_ns();
	agg->env.follow_qlen = agg->conf.follow_queue;
	agg->env.status = on_status;
	agg->env.status_arg = agg;
	memset(&cc, 0, sizeof(cc));
	cc.path = agg->conf.ctl;
	cc.ro_path = agg->conf.ctl_ro;
	cc.idle_ms = (unsigned)agg->conf.ctl_idle_ms;
	if ((agg->ctl = ctl_create(agg->base, &cc, &agg->env)) == NULL)
		return -1;
	store_set_alert_cb(agg->store, on_alert, agg);
	agg_reassert(agg);
	if (agg->conf.http != NULL) {
		struct agg_http_conf hc = { agg->conf.http, agg->conf.http_root,
		    agg->conf.http_token };

		if ((agg->http = agg_http_create(agg->base, &hc, &agg->env)) ==
		    NULL)
			return -1;
	}

	memset(&ic, 0, sizeof(ic));
	ic.listen = agg->conf.listen;
	ic.token = agg->conf.token;
	ic.tls = agg->conf.tls_ctx;
	ic.max_frame = agg->conf.max_frame;
	memset(&cb, 0, sizeof(cb));
	cb.hello = on_hello;
	cb.batch = on_batch;
	cb.commit = on_commit;
	cb.stats = on_stats;
	cb.gone = on_gone;
	if (agg->conf.token == NULL && agg->conf.tls_ctx == NULL)
		log_info("no TLS, no token: accepting agents on loopback only");
	if ((agg->ingest = ingest_create(agg->base, &ic, &cb, agg)) == NULL)
		return -1;

	agg->stale_ev = event_new(agg->base, -1, EV_PERSIST, stale_cb, agg);
	agg->sigint = evsignal_new(agg->base, SIGINT, signal_cb, agg);
	agg->sigterm = evsignal_new(agg->base, SIGTERM, signal_cb, agg);
	agg->sighup = evsignal_new(agg->base, SIGHUP, signal_cb, agg);
	if (agg->stale_ev == NULL || agg->sigint == NULL ||
	    agg->sigterm == NULL || agg->sighup == NULL) {
		log_warnx("cannot create events");
		return -1;
	}
	stale_schedule(agg);
	evsignal_add(agg->sigint, NULL);
	evsignal_add(agg->sigterm, NULL);
	evsignal_add(agg->sighup, NULL);
	return 0;
}

static void
teardown(struct agg *agg)
{
	if (agg->ingest != NULL)
		ingest_destroy(agg->ingest);
	agg->ingest = NULL;
	agg_http_destroy(agg->http);
	agg->http = NULL;
	ctl_destroy(agg->ctl);
	agg->ctl = NULL;
	alertout_destroy(agg->ao);
	agg->ao = NULL;
	if (agg->sync_ev != NULL)
		event_free(agg->sync_ev);
	agg->sync_ev = NULL;
	if (agg->store != NULL)
		store_close(agg->store);
	notify_destroy(agg->notify);
	agg->notify = NULL;
	if (agg->stale_ev != NULL)
		event_free(agg->stale_ev);
	if (agg->sigint != NULL)
		event_free(agg->sigint);
	if (agg->sigterm != NULL)
		event_free(agg->sigterm);
	if (agg->sighup != NULL)
		event_free(agg->sighup);
	if (agg->base != NULL)
		event_base_free(agg->base);
	fdbudget_fini();
	agg_conf_free(&agg->conf);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "listen",	required_argument,	NULL, 'L' },
		{ "db",		required_argument,	NULL, 'D' },
		{ "ctl",	required_argument,	NULL, 'C' },
		{ "ctl-ro",	required_argument,	NULL, 3001 },
		{ "ctl-idle-timeout", required_argument, NULL, 'I' },
		{ "token-file",	required_argument,	NULL, 'T' },
		{ "stale-after", required_argument,	NULL, 'S' },
		{ "hook",	required_argument,	NULL, 'H' },
		{ "hook-timeout", required_argument,	NULL, 'O' },
		{ "hook-max",	required_argument,	NULL, 'M' },
		{ "follow-queue", required_argument,	NULL, 'Q' },
		{ "max-frame",	required_argument,	NULL, 'F' },
		{ "alert-log",	required_argument,	NULL, 'A' },
		{ "durable",	required_argument,	NULL, 'U' },
		/* The first name of a val is the key: --alertmanager too. */
		{ "alertmanager-url", required_argument, NULL, 'a' },
		{ "alertmanager", required_argument,	NULL, 'a' },
		{ "alertmanager-resend", required_argument, NULL, 'R' },
		{ "web-url",	required_argument,	NULL, 'W' },
		/* Past any letter: other branches take letters too. */
		{ "http",	required_argument,	NULL, 2001 },
		{ "http-root",	required_argument,	NULL, 2002 },
		{ "http-token-file", required_argument,	NULL, 2003 },
		{ "tls-cert",	required_argument,	NULL, 1001 },
		{ "tls-key",	required_argument,	NULL, 1002 },
		{ "tls-ca",	required_argument,	NULL, 1003 },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static struct agg agg;
	const char *config = NULL;
	int ch, i, check = 0, verbose = 0, debug = 0, errors;

	if ((agg.opts = calloc((size_t)argc, sizeof(*agg.opts))) == NULL) {
		perror("calloc");
		return 1;
	}
	while ((ch = getopt_long(argc, argv, "f:dnvhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			config = optarg;
			break;
		case 'd':
			debug = 1;
			break;
		case 'n':
			check = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'V':
			printf("strata-aggregator %s\n", STRATA_VERSION);
			return 0;
		case 'h':
		case '?':
			usage();
			break;
		default:
			/* Long options are settings; applied after the file. */
			for (i = 0; longopts[i].name != NULL; i++)
				if (longopts[i].val == ch)
					break;
			agg.opts[agg.nopts].key = longopts[i].name;
			agg.opts[agg.nopts++].val = optarg;
			break;
		}
	}
	if (optind != argc)
		usage();
	log_init("strata-aggregator", debug || check, debug);

	errors = agg_conf_build(&agg.conf, config, agg.opts, agg.nopts);
	agg.conf.debug = debug;
	if (check) {
		/* -n: the verdict on the configuration; -nv: and what it is. */
		if (errors == 0 && verbose)
			agg_conf_print(&agg.conf, stdout);
		agg_conf_free(&agg.conf);
		free(agg.opts);
		return errors > 0 ? 2 : 0;
	}
	if (errors > 0) {
		agg_conf_free(&agg.conf);
		free(agg.opts);
		return 2;
	}
	agg.conffile = config;

	signal(SIGPIPE, SIG_IGN);
	if (setup(&agg) == -1) {
		teardown(&agg);
		free(agg.opts);
		return 1;
	}
	log_info("strata-aggregator %s: agents on %s, control %s%s%s, store %s",
	    STRATA_VERSION, agg.conf.listen, agg.conf.ctl,
	    agg.conf.ctl_ro != NULL ? ", read-only control " : "",
	    agg.conf.ctl_ro != NULL ? agg.conf.ctl_ro : "", agg.conf.db);
	notify_ready(agg.notify);
	event_base_dispatch(agg.base);
	log_info("stopped: %llu batches, %llu alerts",
	    (unsigned long long)agg.batches, (unsigned long long)agg.alerts);
	teardown(&agg);
	free(agg.opts);
	return 0;
}
