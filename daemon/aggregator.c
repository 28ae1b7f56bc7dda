/*
 * aggregator.c: strata-aggregator's main.  One libevent loop wires the
 * agent listener (ingest) to the SQLite store, the store's alerts to the
 * control socket's followers, the journal and the hook, and a timer to the
 * store's stale-node check.  SIGINT/SIGTERM stop it cleanly: no more agent
 * input, every alert stream gets its end object, the store is closed.
 * SIGHUP reads the configuration again and applies what can change live
 * (thresholds, hook, alert log) without touching the agents' connections.
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

#include "log.h"
#include "store.h"
#include "ingest.h"
#include "ctl.h"
#include "alertout.h"
#include "notify.h"
#include "aggregator.h"

#define SLOW_BATCH_MS	1000	/* a store_records() slower than this is logged */
#define DRAIN_MS	2000	/* at exit, how long streams may take to drain */

struct agg {
	struct agg_conf		 conf;
	struct event_base	*base;
	struct store		*store;
	struct ingest		*ingest;
	struct ctl		*ctl;
	struct ctl_env		 env;
	struct alertout		*ao;
	struct notify		*notify;	/* READY, STATUS, WATCHDOG */
	struct event		*stale_ev;
	struct event		*sigint, *sigterm, *sighup;
	int			 stopping;
	uint64_t		 batches, batch_fail, alerts;
	uint64_t		 reloads, reloads_failed;
	const char		*conffile;	/* -f, read again on SIGHUP */
	struct agg_opt		*opts;		/* the command line's settings */
	int			 nopts;
};

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec);
}

static double
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1e3 + ts.tv_nsec / 1e6);
}

static void
on_hello(void *arg, const char *node, const char *agent_version, int64_t wall_ns)
{
	struct agg *agg = arg;
	int64_t now = now_ns();

	log_debug("agent %s (%s) said hello, clock offset %.3f s", node,
	    agent_version, (double)(wall_ns - now) / 1e9);
	if (store_node_hello(agg->store, node, agent_version, wall_ns, now) == -1)
		log_warnx("store: hello of %s not stored", node);
}

static int
on_batch(void *arg, const char *node, struct json_object *records)
{
	struct agg *agg = arg;
	struct store_batch_counts bc;
	double t0 = mono_ms(), ms;
	int r;

	r = store_records(agg->store, node, records, now_ns());
	ms = mono_ms() - t0;
	agg->batches++;
	if (r == -1) {
		agg->batch_fail++;
		log_warnx("store: batch of %zu records from %s not stored",
		    json_object_array_length(records), node);
		return (-1);
	}
	store_last_batch(agg->store, &bc);
	if (ms > SLOW_BATCH_MS)
		log_warnx("store: batch of %zu records from %s took %.0f ms",
		    json_object_array_length(records), node, ms);
	log_debug("batch from %s: %u stored, %u duplicate, %u skipped, %.2f ms",
	    node, bc.stored, bc.duplicate, bc.skipped, ms);
	return (0);
}

static void
on_stats(void *arg, const char *node, struct json_object *stats)
{
	struct agg *agg = arg;

	if (store_node_stats(agg->store, node, stats, now_ns()) == -1)
		log_warnx("store: stats of %s not stored", node);
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

	if (store_check_stale(agg->store, now_ns(),
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

static void
alertout_conf_of(const struct agg_conf *c, struct alertout_conf *aoc)
{
	memset(aoc, 0, sizeof(*aoc));
	aoc->log = c->alert_log;
	aoc->hook = c->hook;
	aoc->hook_timeout_ms = c->hook_timeout_ms;
	aoc->hook_max = c->hook_max;
}

/* Logs a setting that changed in the file but is kept until a restart. */
static void
restart_only(const char *key, const char *old, const char *new)
{
	if ((old == NULL) != (new == NULL) ||
	    (old != NULL && strcmp(old, new) != 0))
		log_warnx("SIGHUP: %s changes only at restart; still %s", key,
		    old != NULL ? old : "unset");
}

/*
 * SIGHUP: the file again, the command line over it.  Thresholds, the
 * hook and the alert log apply at once; what the listener, the store and
 * the control socket were opened with is kept until a restart (logged),
 * so no agent and no stratactl follower is disconnected.  A configuration
 * with an error changes nothing.
 */
static void
agg_reload(struct agg *agg)
{
	struct agg_conf nc, *c = &agg->conf;
	struct alertout_conf aoc;
	char *hook;

	if (agg_conf_build(&nc, agg->conffile, agg->opts, agg->nopts) > 0) {
		log_warnx("SIGHUP: configuration has errors, nothing changed");
		agg->reloads_failed++;
		agg_conf_free(&nc);
		return;
	}
	restart_only("listen", c->listen, nc.listen);
	restart_only("db", c->db, nc.db);
	restart_only("ctl", c->ctl, nc.ctl);
	restart_only("token-file", c->token_file, nc.token_file);
	if (c->token != NULL && nc.token != NULL && strcmp(c->token, nc.token))
		log_warnx("SIGHUP: the token changes only at restart");
	if (nc.max_frame != c->max_frame)
		log_warnx("SIGHUP: max-frame changes only at restart");

	alertout_conf_of(&nc, &aoc);
	if (alertout_reconf(agg->ao, &aoc) == -1) {
		log_warnx("SIGHUP: alert delivery not changed, nothing changed");
		agg->reloads_failed++;
		agg_conf_free(&nc);
		return;
	}
	if (nc.durable != c->durable &&
	    store_set_durable(agg->store, nc.durable) == -1)
		log_warnx("SIGHUP: durable = %s not applied",
		    nc.durable ? "yes" : "no");
	else
		c->durable = nc.durable;
	hook = c->hook;
	c->hook = nc.hook;
	nc.hook = hook;
	c->hook_timeout_ms = nc.hook_timeout_ms;
	c->hook_max = nc.hook_max;
	c->alert_log = nc.alert_log;
	c->follow_queue = nc.follow_queue;
	agg->env.follow_qlen = nc.follow_queue;	/* followers from now on */
	if (nc.stale_ms != c->stale_ms) {
		c->stale_ms = nc.stale_ms;
		stale_schedule(agg);
	}
	agg->reloads++;
	log_info("SIGHUP: stale-after %lldms, durable %s, follow-queue %u, "
	    "hook %s", (long long)c->stale_ms, c->durable ? "yes" : "no",
	    c->follow_queue, c->hook != NULL ? c->hook : "none");
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
	if (ctl_shutdown(agg->ctl, "aggregator stopping", drained_cb, agg) > 0)
		event_base_loopexit(agg->base, &tv);
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: strata-aggregator [-dnvV] [-f CONFIG] [--listen HOST:PORT] "
	    "[--db PATH]\n"
	    "           [--ctl PATH] [--token-file FILE] [--stale-after DUR] "
	    "[--hook CMD]\n"
	    "           [--hook-timeout DUR] [--hook-max N] "
	    "[--alert-log auto|journal|syslog|none]\n"
	    "           [--durable yes|no] [--follow-queue N] "
	    "[--max-frame BYTES]\n"
	    "  -f CONFIG   configuration file (key = value; keys as the long "
	    "options)\n"
	    "  -d          debug: stay in the foreground, log to stderr\n"
	    "  -n          check the configuration: errors, or nothing and "
	    "exit 0\n"
	    "  -v          with -n: print the configuration, normalised\n"
	    "defaults: --db %s --ctl %s --stale-after 60s\n"
	    "without a token only agents on loopback are accepted\n",
	    AGG_DB_DEFAULT, CTL_SOCKET_DEFAULT);
	exit(2);
}

static int
setup(struct agg *agg)
{
	struct alertout_conf aoc;
	struct ingest_conf ic;
	struct ingest_cb cb;

	if ((agg->base = event_base_new()) == NULL) {
		log_warnx("event_base_new failed");
		return (-1);
	}
	if ((agg->notify = notify_create(agg->base, status_line, agg)) == NULL)
		return (-1);
	if ((agg->store = store_open(agg->conf.db)) == NULL)
		return (-1);
	if (store_set_durable(agg->store, agg->conf.durable) == -1)
		return (-1);

	alertout_conf_of(&agg->conf, &aoc);
	if ((agg->ao = alertout_create(agg->base, &aoc)) == NULL)
		return (-1);

	agg->env.store = agg->store;
	agg->env.started_ns = now_ns();
	agg->env.follow_qlen = agg->conf.follow_queue;
	agg->env.status = on_status;
	agg->env.status_arg = agg;
	if ((agg->ctl = ctl_create(agg->base, agg->conf.ctl, &agg->env)) == NULL)
		return (-1);
	store_set_alert_cb(agg->store, on_alert, agg);

	memset(&ic, 0, sizeof(ic));
	ic.listen = agg->conf.listen;
	ic.token = agg->conf.token;
	ic.max_frame = agg->conf.max_frame;
	memset(&cb, 0, sizeof(cb));
	cb.hello = on_hello;
	cb.batch = on_batch;
	cb.stats = on_stats;
	cb.gone = on_gone;
	if (agg->conf.token == NULL)
		log_info("no token: accepting agents on loopback only");
	if ((agg->ingest = ingest_create(agg->base, &ic, &cb, agg)) == NULL)
		return (-1);

	agg->stale_ev = event_new(agg->base, -1, EV_PERSIST, stale_cb, agg);
	agg->sigint = evsignal_new(agg->base, SIGINT, signal_cb, agg);
	agg->sigterm = evsignal_new(agg->base, SIGTERM, signal_cb, agg);
	agg->sighup = evsignal_new(agg->base, SIGHUP, signal_cb, agg);
	if (agg->stale_ev == NULL || agg->sigint == NULL ||
	    agg->sigterm == NULL || agg->sighup == NULL) {
		log_warnx("cannot create events");
		return (-1);
	}
	stale_schedule(agg);
	evsignal_add(agg->sigint, NULL);
	evsignal_add(agg->sigterm, NULL);
	evsignal_add(agg->sighup, NULL);
	return (0);
}

static void
teardown(struct agg *agg)
{
	if (agg->ingest != NULL)
		ingest_destroy(agg->ingest);
	agg->ingest = NULL;
	ctl_destroy(agg->ctl);
	agg->ctl = NULL;
	alertout_destroy(agg->ao);
	agg->ao = NULL;
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
	agg_conf_free(&agg->conf);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "listen",	required_argument,	NULL, 'L' },
		{ "db",		required_argument,	NULL, 'D' },
		{ "ctl",	required_argument,	NULL, 'C' },
		{ "token-file",	required_argument,	NULL, 'T' },
		{ "stale-after", required_argument,	NULL, 'S' },
		{ "hook",	required_argument,	NULL, 'H' },
		{ "hook-timeout", required_argument,	NULL, 'O' },
		{ "hook-max",	required_argument,	NULL, 'M' },
		{ "follow-queue", required_argument,	NULL, 'Q' },
		{ "max-frame",	required_argument,	NULL, 'F' },
		{ "alert-log",	required_argument,	NULL, 'A' },
		{ "durable",	required_argument,	NULL, 'U' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static struct agg agg;
	const char *config = NULL;
	int ch, i, check = 0, verbose = 0, debug = 0, errors;

	if ((agg.opts = calloc((size_t)argc, sizeof(*agg.opts))) == NULL) {
		perror("calloc");
		return (1);
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
			return (0);
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
		return (errors > 0 ? 2 : 0);
	}
	if (errors > 0) {
		agg_conf_free(&agg.conf);
		free(agg.opts);
		return (2);
	}
	agg.conffile = config;

	signal(SIGPIPE, SIG_IGN);
	if (setup(&agg) == -1) {
		teardown(&agg);
		free(agg.opts);
		return (1);
	}
	log_info("strata-aggregator %s: agents on %s, control %s, store %s",
	    STRATA_VERSION, agg.conf.listen, agg.conf.ctl, agg.conf.db);
	notify_ready(agg.notify);
	event_base_dispatch(agg.base);
	log_info("stopped: %llu batches, %llu alerts",
	    (unsigned long long)agg.batches, (unsigned long long)agg.alerts);
	teardown(&agg);
	free(agg.opts);
	return (0);
}
