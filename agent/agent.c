/*
 * agent.c: strata-agent, the per-node daemon.  Reads the node's LTTng live
 * session (or a trace directory), runs every analyzer over the events and
 * writes the records they emit.
 *
 * Two threads.  The reader thread (reader.c) runs the babeltrace2 graph:
 * it decodes, waits when the live session has nothing, and backs off when
 * relayd is gone, without busy-waiting.  Everything else happens in the
 * main thread's libevent loop: the analyzers over each batch of events
 * the reader hands over, the records, the aggregator link, /metrics
 * (--http, agent_http.c), signals.  With `threads = 1` (traces only) the
 * loop runs the graph itself, in turns, and there is one thread.
 */
#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "agent.h"
#include "analyzer.h"
#include "clock.h"
#include "conf.h"
#include "httpd.h"
#include "jwrite.h"
#include "log.h"
#include "notify.h"
#include "push.h"
#include "reader.h"
#include "source.h"
#include "tls.h"
#include "token.h"

#define AGENT_IDLE_MS		100	/* live session had nothing: pause */
#define AGENT_STATS_S		5	/* counters to the aggregator */
#define AGENT_SIGNAL_DRAIN_MS	5000	/* stopped by a signal: acks this long */

#define EXIT_RUNTIME		1
#define EXIT_USAGE		2

struct agent {
	struct agent_conf	 conf;
	int			 once;
	struct an_host		 host;		/* what every analyzer gets */
	struct an_set		*set;
	struct source		*src;
	struct jbuf		 jb;		/* the record being written */
	struct vmresolve	*vr;
	struct procsample	*ps;		/* no lttng-modules: /proc */
	struct event		*ev_ps;
	struct event_base	*base;
	struct reader		*reader;	/* the source, in its thread */
	const char		*conffile;	/* -f, read again on SIGHUP */
	struct cli_set		*cli;
	int			 ncli;
	struct source_stats	 final_stats;	/* once the reader stopped */
	int			 have_final_stats;
	struct event		*ev_sig[4];
	struct event		*ev_stats;
	struct event		*ev_drain;
	struct push		*push;		/* records to the aggregator */
	uint64_t		 drain_left_ms;
	uint64_t		 drain_ms;	/* the whole wait, for the log */
	uint64_t		 drain_refused;	/* push_refused() when it began */
	uint64_t		 drain_t0;	/* clock_mono_ns() when it began */
	int			 finishing;
	uint64_t		 stats_events;	/* events at the last stats tick */
	FILE			*out;		/* records, JSON lines */
	const char		*out_name;
	int			 out_dirty;
	int			 out_failed;	/* write error already logged */
	uint64_t		 records;
	uint64_t		 write_errors;
	int			 exit_code;
	struct notify		*notify;	/* READY, STATUS, WATCHDOG */
	struct arm_state	 arm;		/* what --arm created */
	struct agent_http	*http;		/* --http: /metrics */
	int64_t			 started_ns;
};

/* Command-line settings, applied in order after the config file. */
struct cli_set {
	const char	*key;
	const char	*value;		/* NULL: value is a -D key=value */
	const char	*where;
};

/*
 * The configuration: defaults, then the file, then the command line.
 * Every error is logged (FILE:LINE: message), all in one pass; returns
 * how many there were.  Used at start, by -n, and on SIGHUP.
 */
static int
agent_conf_build(struct agent_conf *conf, const char *conffile,
    const struct cli_set *cli, int ncli)
{
	char *flive, *ftrace;
	int errors = 0, i;

	if (agent_conf_init(conf) == -1)
		return 1;
	if (conffile != NULL && agent_conf_load(conf, conffile) == -1)
		errors++;
	/* An input named on the command line replaces the file's. */
	flive = conf->live;
	ftrace = conf->trace;
	conf->live = conf->trace = NULL;
	for (i = 0; i < ncli; i++)
		if (cli[i].value == NULL ? agent_conf_assign(conf, cli[i].key,
		    cli[i].where) : agent_conf_set(conf, cli[i].key, cli[i].value,
		    cli[i].where))
			errors++;
	if (conf->live == NULL && conf->trace == NULL) {
		conf->live = flive;
		conf->trace = ftrace;
	} else {
		free(flive);
		free(ftrace);
	}
	if (conf->live != NULL && conf->trace != NULL) {
		log_warnx("live and trace are both set; choose one");
		errors++;
	}
	if (conf->live == NULL && conf->trace == NULL) {
		log_warnx("no input: give --live URL or --trace DIR");
		errors++;
	}
	if (conf->threads == 1 && conf->live != NULL) {
		log_warnx("threads = 1 is for a trace (--trace): a live read "
		    "can wait on the relay daemon, and the agent's loop must not");
		errors++;
	}
	if (conf->arm.enable && conf->live == NULL) {
		log_warnx("arm needs a live URL (--live) naming the session");
		errors++;
	}
	if (conf->http != NULL && conf->http_token_file == NULL &&
	    !httpd_addr_loopback(conf->http)) {
		log_warnx("http %s is not a loopback address: give "
		    "http_token_file too (Prometheus then sends Authorization: "
		    "Bearer TOKEN)", conf->http);
		errors++;
	}
	if ((conf->tls_cert != NULL || conf->tls_key != NULL ||
	    conf->tls_ca != NULL) && (conf->tls_cert == NULL ||
	    conf->tls_key == NULL || conf->tls_ca == NULL)) {
		log_warnx("TLS needs tls_cert, tls_key and tls_ca; missing:%s%s%s",
		    conf->tls_cert == NULL ? " tls_cert" : "",
		    conf->tls_key == NULL ? " tls_key" : "",
		    conf->tls_ca == NULL ? " tls_ca" : "");
		errors++;
	}
	return errors;
}

/* The TLS context of the agent's link, NULL without TLS or on error. */
static struct ssl_ctx_st *
agent_tls(const struct agent_conf *conf, int *failed)
{
	struct tls_files f = { conf->tls_cert, conf->tls_key, conf->tls_ca };
	SSL_CTX *ctx;

	*failed = 0;
	if (f.cert == NULL)
		return NULL;
	if ((ctx = tls_ctx_new(TLS_CLIENT, &f, "tls")) == NULL)
		*failed = 1;
	return ctx;
}

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: strata-agent [--node NAME] (--live URL | --trace DIR) "
	    "[--jsonl PATH|-]\n"
	    "                    [--once] [-f CONFIG] [-d] [-D key=value] "
	    "[--version] [-h]\n"
	    "                    [--aggregator HOST:PORT [--token-file FILE] "
	    "[--spool PATH] [--drain SECONDS]] [--arm]\n"
	    "                    [--http [HOST:]PORT]\n"
	    "                    [--tls-cert FILE --tls-key FILE --tls-ca FILE]\n"
	    "  URL is net://HOST[:PORT]/host/HOSTNAME/SESSION (lttng-relayd "
	    "live port)\n");
}

/* A write or flush of the output failed: counted, logged once a streak. */
static void
agent_out_failed(struct agent *a, const char *what)
{
	a->write_errors++;
	if (!a->out_failed)
		log_warn("%s: %s", a->out_name, what);
	a->out_failed = 1;
}

/* One record's line to the output (text NULL: it could not be written). */
static void
agent_write(struct agent *a, const char *text, size_t len)
{
	if (text == NULL || fwrite(text, 1, len, a->out) != len ||
	    fputc('\n', a->out) == EOF)
		agent_out_failed(a, "write");
	else
		a->out_dirty = 1;
}

/*
 * Every record any analyzer emits passes here or, written as text, through
 * agent_emit_text(): the one place that decides where records go.  Takes
 * ownership of rec.
 */
static void
agent_record(struct agent *a, struct json_object *rec)
{
	a->records++;
	if (a->push != NULL) {
		/* Spooled at once; refusals are counted by push. */
		push_record(a->push, rec);
		if (a->out == NULL) {
			json_object_put(rec);
			return;
		}
	}
	if (jwrite(&a->jb, rec) == -1)
		agent_write(a, NULL, 0);
	else
		agent_write(a, a->jb.p, a->jb.len);
	json_object_put(rec);
}

static void
agent_emit(void *arg, struct json_object *rec)
{
	agent_record(arg, rec);
}

/* A record the analyzer wrote as text: the same ways as agent_record(). */
static void
agent_emit_text(void *arg, const char *text, size_t len)
{
	struct agent *a = arg;

	a->records++;
	if (a->push != NULL) {
		push_record_text(a->push, text, len);
		if (a->out == NULL)
			return;
	}
	agent_write(a, text, len);
}

static void
agent_flush(struct agent *a)
{
	if (a->out == NULL || !a->out_dirty)
		return;
	a->out_dirty = 0;
	if (fflush(a->out) == EOF)
		agent_out_failed(a, "flush");
	else
		a->out_failed = 0;
}

/* The source's counters, as the reader thread last posted them. */
static void
agent_source_stats(struct agent *a, struct source_stats *st)
{
	if (a->reader != NULL)
		reader_stats(a->reader, st);
	else if (a->have_final_stats)
		*st = a->final_stats;
	else
		*st = *source_stats(a->src);
}

static void
agent_stats(struct agent *a)
{
	struct source_stats stb, *st = &stb;

	agent_source_stats(a, st);
	struct json_object *an = an_set_stats(a->set);

	log_info("stats: events %llu dispatched %llu unclaimed %llu "
	    "discarded_events %llu "
	    "discarded_packets %llu fields_dropped %llu classes %llu "
	    "rebuilds %llu records %llu "
	    "write_errors %llu analyzers %s",
	    (unsigned long long)st->events,
	    (unsigned long long)st->dispatched,
	    (unsigned long long)(st->events - st->dispatched),
	    (unsigned long long)st->discarded_events,
	    (unsigned long long)st->discarded_packets,
	    (unsigned long long)st->fields_dropped,
	    (unsigned long long)st->classes,
	    (unsigned long long)st->rebuilds,
	    (unsigned long long)a->records,
	    (unsigned long long)a->write_errors,
	    json_object_to_json_string_ext(an, JSON_C_TO_STRING_PLAIN));
	json_object_put(an);
}

/*
 * Leaves once the aggregator acknowledged everything, at the deadline, or
 * when the aggregator refuses the link (a bad token, a store that cannot
 * write: waiting would not help); what is left stays in the spool.
 */
static void
agent_drain(evutil_socket_t fd, short what, void *arg)
{
	struct agent *a = arg;
	struct timeval tv = { 0, 50 * 1000 };
	uint64_t left = push_unacked(a->push);
	const char *why;
	int refused = push_refused(a->push, &why) > a->drain_refused;

	if (left > 0 && a->drain_left_ms > 0 && !refused) {
		a->drain_left_ms -= a->drain_left_ms > 50 ? 50 : a->drain_left_ms;
		evtimer_add(a->ev_drain, &tv);
		return;
	}
	if (left > 0)
		log_warnx("%llu records not yet acknowledged after %.1f s (%s); "
		    "they stay in the spool and are sent at the next start",
		    (unsigned long long)left, (clock_mono_ns() - a->drain_t0) / 1e9,
		    refused ? why : a->drain_left_ms == 0 ? "drain_s" :
		    "stopped");
	else if (a->drain_ms > 0)
		log_info("every record acknowledged");
	push_sync(a->push);
	event_base_loopbreak(a->base);
}

static void	agent_rd_batch(void *);

/* The live timer's tick: the kernel's accounting read from /proc. */
static void
agent_procsample(evutil_socket_t fd, short what, void *arg)
{
	struct agent *a = arg;

	(void)fd;
	(void)what;
	procsample_run(a->ps, (uint64_t)clock_wall_ns());
	agent_rd_batch(a);
}

/*
 * End of input or a signal: analyzers emit what is pending, then stop,
 * once the aggregator acknowledged every record: at the end of input
 * within drain_s, after a signal within 5 s (a service manager waits).
 */
static void
agent_finish(struct agent *a, int code, int by_signal)
{
	if (a->finishing) {
		/* A signal while waiting for acks: wait no more. */
		a->drain_left_ms = 0;
		return;
	}
	a->finishing = 1;
	if (a->ev_ps != NULL)
		event_del(a->ev_ps);
	/* Stop reading first: nothing reaches the analyzers after finish. */
	if (a->reader != NULL) {
		struct source_stats st;

		reader_stats(a->reader, &st);
		reader_destroy(a->reader);
		a->reader = NULL;
		a->final_stats = st;
		a->have_final_stats = 1;
	}
	notify_stopping(a->notify);
	an_set_finish(a->set);
	agent_flush(a);
	agent_stats(a);
	a->exit_code = code;
	if (a->push != NULL) {
		a->drain_ms = by_signal ? AGENT_SIGNAL_DRAIN_MS :
		    (uint64_t)(a->conf.drain_s * 1000);
		a->drain_left_ms = a->drain_ms;
		a->drain_refused = push_refused(a->push, NULL);
		a->drain_t0 = clock_mono_ns();
		if (push_unacked(a->push) > 0)
			log_info("waiting up to %.1f s for the aggregator to "
			    "acknowledge %llu records", a->drain_ms / 1000.0,
			    (unsigned long long)push_unacked(a->push));
		agent_drain(-1, 0, a);
		return;
	}
	event_base_loopbreak(a->base);
}

/* The counters each heartbeat carries to the aggregator. */
static void
agent_push_stats(evutil_socket_t fd, short what, void *arg)
{
	struct agent *a = arg;
	struct source_stats stb, *st = &stb;

	agent_source_stats(a, st);
	struct json_object *o = json_object_new_object();
	struct timeval tv = { AGENT_STATS_S, 0 };

	json_object_object_add(o, "events_per_s", json_object_new_double(
	    (double)(st->events - a->stats_events) / AGENT_STATS_S));
	json_object_object_add(o, "events", json_object_new_int64((int64_t)st->events));
	json_object_object_add(o, "discarded_events",
	    json_object_new_int64((int64_t)st->discarded_events));
	json_object_object_add(o, "discarded_packets",
	    json_object_new_int64((int64_t)st->discarded_packets));
	json_object_object_add(o, "records", json_object_new_int64((int64_t)a->records));
	a->stats_events = st->events;
	push_set_stats(a->push, o);
	json_object_put(o);
	evtimer_add(a->ev_stats, &tv);
}

/* /metrics: the figures of this moment (agent_http.c). */
static void
agent_figures(void *arg, struct agent_figures *f)
{
	struct agent *a = arg;

	f->node = a->conf.node;
	f->live = a->conf.live != NULL;
	f->started_ns = a->started_ns;
	agent_source_stats(a, &f->src);
	f->records = a->records;
	f->write_errors = a->write_errors;
	f->push = a->push != NULL ? push_stats(a->push) : NULL;
	f->analyzers = an_set_stats(a->set);
}

/* Reader callbacks, in the main thread. */
static void
agent_rd_event(void *arg, struct ev *ev, const struct ev_plan *plans)
{
	struct agent *a = arg;

	an_set_event(a->set, ev, plans);
	if (a->ps != NULL)
		procsample_note(a->ps, ev);
}

static void
agent_rd_batch(void *arg)
{
	struct agent *a = arg;

	an_set_flush(a->set);
	/* What this batch produced survives a crash of the agent: in the
	 * spool before the --jsonl copy, so the copy never holds more. */
	if (a->push != NULL)
		push_flush(a->push);
	agent_flush(a);
}

static void
agent_rd_end(void *arg, enum source_status st, const char *msg)
{
	struct agent *a = arg;

	if (st == SOURCE_ERROR && a->conf.live == NULL) {
		struct source_stats ss;

		/* Say what is kept: a trace cut short is still analysed. */
		agent_source_stats(a, &ss);
		log_warnx("%s", msg);
		log_warnx("%s: trace not read to its end: the %llu events read "
		    "before the error are analysed and their records kept",
		    a->conf.trace, (unsigned long long)ss.events);
		agent_finish(a, EXIT_RUNTIME, 0);
	} else if (st == SOURCE_ERROR) {
		log_warnx("%s", msg);
		agent_finish(a, EXIT_RUNTIME, 0);
	} else if (a->conf.live == NULL) {
		log_info("%s: end of trace", a->conf.trace);
		agent_finish(a, 0, 0);
	} else if (a->once) {
		log_info("%s: live session ended", a->conf.live);
		agent_finish(a, 0, 0);
	} else
		log_info("%s: live session ended, waiting for it to come "
		    "back", a->conf.live);
}

/*
 * SIGHUP, TLS: the certificate, key and CA files are read again for the
 * next connection to the aggregator (a rotated certificate is used from
 * the next reconnect; the current connection stays).  Files that do not
 * load change nothing.
 */
static void
agent_reload_tls(struct agent *a, struct agent_conf *nc)
{
	struct ssl_ctx_st *ctx;
	int failed;
	char *s;

	if (a->push == NULL)
		return;
	if ((a->conf.tls_cert == NULL) != (nc->tls_cert == NULL)) {
		log_warnx("SIGHUP: TLS is turned %s only at restart",
		    a->conf.tls_cert == NULL ? "on" : "off");
		return;
	}
	if (nc->tls_cert == NULL)
		return;
	if ((ctx = agent_tls(nc, &failed)) == NULL) {
		log_warnx("SIGHUP: TLS files not read again; the old ones stay");
		return;
	}
	push_set_tls(a->push, ctx);
	SSL_CTX_free(ctx);
#define SWAP(m) do { s = a->conf.m; a->conf.m = nc->m; nc->m = s; } while (0)
	SWAP(tls_cert);
	SWAP(tls_key);
	SWAP(tls_ca);
#undef SWAP
	log_info("SIGHUP: TLS files read again, for the next connection");
}

/*
 * SIGHUP: read the configuration again.  Thresholds apply at once, to
 * migrations in progress too, and the TLS files at the next connection;
 * what needs a restart (input, node, aggregator, spool, arming) is named
 * in the log and left as it is.  A file with errors changes nothing.
 */
static void
agent_reload(struct agent *a)
{
	struct agent_conf nc;
	static const struct {
		const char	*key;
		size_t		 off;
	} fixed[] = {
		{ "live", offsetof(struct agent_conf, live) },
		{ "trace", offsetof(struct agent_conf, trace) },
		{ "jsonl", offsetof(struct agent_conf, jsonl) },
		{ "aggregator", offsetof(struct agent_conf, aggregator) },
		{ "token_file", offsetof(struct agent_conf, token_file) },
		{ "spool", offsetof(struct agent_conf, spool) },
		{ "http", offsetof(struct agent_conf, http) },
		{ "http_token_file", offsetof(struct agent_conf, http_token_file) },
	};
	struct an_conf *tmp;
	const char *o, *n;
	char desc[1024];
	size_t i;

	if (agent_conf_build(&nc, a->conffile, a->cli, a->ncli) > 0) {
		log_warnx("SIGHUP: configuration has errors, nothing changed");
		agent_conf_free(&nc);
		return;
	}
	conf_restart_only("node", a->conf.node, nc.node);
	conf_restart_only("threads", a->conf.threads > 1 ? "2" : "1",
	    nc.threads > 1 ? "2" : "1");
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		o = *(char **)((char *)&a->conf + fixed[i].off);
		n = *(char **)((char *)&nc + fixed[i].off);
		conf_restart_only(fixed[i].key, o, n);
	}
	agent_reload_tls(a, &nc);
	an_set_params(a->set, nc.an);
	an_conf_describe(nc.an, desc, sizeof(desc));
	log_info("SIGHUP: thresholds %s", desc);
	/* The new parameters are the agent's now; the old ones leave with nc. */
	tmp = a->conf.an;
	a->conf.an = nc.an;
	nc.an = tmp;
	agent_conf_free(&nc);
}

static void
agent_signal(evutil_socket_t sig, short what, void *arg)
{
	struct agent *a = arg;

	switch (sig) {
	case SIGUSR1:
		agent_stats(a);
		break;
	case SIGHUP:
		agent_reload(a);
		break;
	default:
		log_info("%s, finishing", strsignal(sig));
		agent_finish(a, 0, 1);
		break;
	}
}

static int
agent_open_output(struct agent *a)
{
	const char *path = a->conf.jsonl != NULL ? a->conf.jsonl : "-";

	/* With an aggregator, records go to a file only when asked. */
	if (a->conf.aggregator != NULL && a->conf.jsonl == NULL) {
		a->out_name = "the aggregator";
		return 0;
	}

	if (strcmp(path, "-") == 0) {
		a->out = stdout;
		a->out_name = "stdout";
		return 0;
	}
	if ((a->out = fopen(path, "a")) == NULL) {
		log_warn("%s", path);
		return -1;
	}
	a->out_name = path;
	return 0;
}

/* Does the live URL name this host's session (/host/HOSTNAME/)? */
static int
agent_url_is_local(const char *url)
{
	char host[256];
	const char *p;
	size_t len;

	if (gethostname(host, sizeof(host)) == -1 ||
	    (p = strstr(url, "/host/")) == NULL)
		return 0;
	host[sizeof(host) - 1] = '\0';
	p += 6;
	len = strcspn(p, "/");
	return len == strlen(host) && strncmp(p, host, len) == 0;
}

static int
agent_setup_push(struct agent *a)
{
	struct push_conf pc;
	char *token = NULL;
	const char *state = getenv("STATE_DIRECTORY");
	char spool[4096];
	int failed;

	memset(&pc, 0, sizeof(pc));
	pc.aggregator = a->conf.aggregator;
	pc.node = a->conf.node;
	if ((pc.tls = agent_tls(&a->conf, &failed)) == NULL && failed)
		return -1;
	if (a->conf.token_file != NULL &&
	    (token = token_read(a->conf.token_file)) == NULL) {
		SSL_CTX_free(pc.tls);
		return -1;
	}
	pc.token = token;
	/* systemd's StateDirectory= is where the spool lives by default. */
	if (a->conf.spool != NULL)
		pc.spool_path = a->conf.spool;
	else if (state != NULL) {
		snprintf(spool, sizeof(spool), "%s/agent.spool", state);
		pc.spool_path = spool;
	} else
		log_warnx("no spool configured: unacknowledged records are "
		    "kept in memory only and lost if the agent stops");
	pc.spool_max = (uint64_t)(a->conf.spool_max_mb * 1048576.0);
	pc.batch_max = 500;
	pc.flush_ms = 100;
	a->push = push_create(a->base, &pc);
	SSL_CTX_free(pc.tls);		/* push keeps its own reference */
	if (token != NULL) {
		explicit_bzero(token, strlen(token));
		free(token);
	}
	if (a->push == NULL)
		return -1;
	if ((a->ev_stats = evtimer_new(a->base, agent_push_stats, a)) == NULL ||
	    (a->ev_drain = evtimer_new(a->base, agent_drain, a)) == NULL) {
		log_warnx("evtimer_new failed");
		return -1;
	}
	agent_push_stats(-1, 0, a);
	return 0;
}

/* systemd's STATUS= line (systemctl status). */
static void
agent_status(void *arg, char *buf, size_t len)
{
	struct agent *a = arg;
	struct source_stats stb, *st = &stb;

	agent_source_stats(a, st);
	char armed[128];

	arm_describe(&a->arm, armed, sizeof(armed));
	snprintf(buf, len, "%s: %llu events, %llu records%s%s",
	    a->conf.live != NULL ? "live" : "trace",
	    (unsigned long long)st->events, (unsigned long long)a->records,
	    a->arm.session[0] != '\0' ? "; " : "",
	    a->arm.session[0] != '\0' ? armed : "");
}

static int
agent_setup(struct agent *a)
{
	const int sigs[4] = { SIGINT, SIGTERM, SIGUSR1, SIGHUP };
	const char *input;
	int live = a->conf.live != NULL;
	unsigned i;

	if (agent_open_output(a) == -1)
		return -1;
	a->host.node = a->conf.node;
	a->host.emit = agent_emit;
	a->host.emit_text = agent_emit_text;
	a->host.emit_arg = a;
	a->host.now_ns = clock_wall_ns;
	/* Process ids from another host say nothing about this one. */
	if (live && agent_url_is_local(a->conf.live)) {
		if ((a->vr = vmresolve_create(NULL)) == NULL)
			return -1;
		a->host.resolve_vm = vmresolve_lookup;
		a->host.resolve_arg = a->vr;
	}
	if ((a->set = an_set_create(&a->host, a->conf.an)) == NULL)
		return -1;
	input = live ? a->conf.live : a->conf.trace;
	if ((a->src = source_create(input, live, a->set)) == NULL)
		return -1;

	if ((a->base = event_base_new()) == NULL) {
		log_warnx("event_base_new failed");
		return -1;
	}
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < 4; i++) {
		a->ev_sig[i] = evsignal_new(a->base, sigs[i], agent_signal, a);
		if (a->ev_sig[i] == NULL || evsignal_add(a->ev_sig[i], NULL)) {
			log_warnx("cannot watch signal %d", sigs[i]);
			return -1;
		}
	}
	if (a->conf.aggregator != NULL && agent_setup_push(a) == -1)
		return -1;
	a->started_ns = clock_wall_ns();
	if (a->conf.http != NULL && (a->http = agent_http_create(a->base,
	    a->conf.http, a->conf.http_token_file, agent_figures, a)) == NULL)
		return -1;
	if (a->conf.arm.enable &&
	    arm_session(&a->conf.arm, a->conf.live, &a->arm) == -1)
		return -1;
	if ((a->notify = notify_create(a->base, agent_status, a)) == NULL)
		return -1;
	/*
	 * A local live session: the block devices' udev names, and without
	 * lttng-modules the kernel layer from /proc.
	 */
	if (a->vr != NULL) {
		struct timeval tv;
		int kernel = access("/sys/module/lttng_tracer", F_OK) == -1;

		tv.tv_sec = a->conf.arm.live_timer_ms / 1000;
		tv.tv_usec = (a->conf.arm.live_timer_ms % 1000) * 1000;
		if ((a->ps = procsample_create(NULL, NULL, kernel,
		    a->set)) == NULL ||
		    (a->ev_ps = event_new(a->base, -1, EV_PERSIST,
		    agent_procsample, a)) == NULL ||
		    event_add(a->ev_ps, &tv) == -1) {
			log_warnx("cannot sample /proc");
			return -1;
		}
	}
	{
		static const struct reader_cb cb = {
			agent_rd_event, agent_rd_batch, agent_rd_end
		};

		a->reader = reader_create(a->base, a->src,
		    an_set_count(a->set), AGENT_IDLE_MS, a->conf.threads > 1,
		    &cb, a);
		if (a->reader == NULL)
			return -1;
	}
	log_info("node %s, reading %s %s, records to %s%s", a->conf.node,
	    live ? "live session" : "trace", input, a->out_name,
	    a->vr != NULL ? ", VM names from /proc" : "");
	if (a->ps != NULL && access("/sys/module/lttng_tracer", F_OK) == -1)
		log_info("no lttng-modules: the kernel's accounting of migrating "
		    "QEMUs and of the block devices is read from /proc every "
		    "%u ms", a->conf.arm.live_timer_ms);
	return 0;
}

static void
agent_teardown(struct agent *a)
{
	unsigned i;

	agent_http_destroy(a->http);
	a->http = NULL;
	if (a->push != NULL)
		push_destroy(a->push);
	if (a->ev_stats != NULL)
		event_free(a->ev_stats);
	if (a->ev_drain != NULL)
		event_free(a->ev_drain);
	if (a->ev_ps != NULL)
		event_free(a->ev_ps);
	procsample_destroy(a->ps);
	reader_destroy(a->reader);
	a->reader = NULL;
	for (i = 0; i < 4; i++)
		if (a->ev_sig[i] != NULL)
			event_free(a->ev_sig[i]);
	notify_destroy(a->notify);
	if (a->base != NULL)
		event_base_free(a->base);
	source_destroy(a->src);
	arm_disarm(&a->arm);
	an_set_destroy(a->set);
	vmresolve_destroy(a->vr);
	jbuf_free(&a->jb);
	if (a->out != NULL && a->out != stdout)
		fclose(a->out);
	else if (a->out == stdout)
		fflush(stdout);
	agent_conf_free(&a->conf);
}

enum {
	OPT_NODE = 256,
	OPT_LIVE,
	OPT_TRACE,
	OPT_JSONL,
	OPT_ONCE,
	OPT_VERSION,
	OPT_AGGREGATOR,
	OPT_TOKEN_FILE,
	OPT_SPOOL,
	OPT_ARM,
	OPT_HTTP,
	OPT_TLS_CERT,
	OPT_TLS_KEY,
	OPT_TLS_CA,
	OPT_DRAIN,
};

static const struct option longopts[] = {
	{ "node",	required_argument,	NULL,	OPT_NODE },
	{ "live",	required_argument,	NULL,	OPT_LIVE },
	{ "trace",	required_argument,	NULL,	OPT_TRACE },
	{ "jsonl",	required_argument,	NULL,	OPT_JSONL },
	{ "once",	no_argument,		NULL,	OPT_ONCE },
	{ "aggregator",	required_argument,	NULL,	OPT_AGGREGATOR },
	{ "token-file",	required_argument,	NULL,	OPT_TOKEN_FILE },
	{ "spool",	required_argument,	NULL,	OPT_SPOOL },
	{ "arm",	no_argument,		NULL,	OPT_ARM },
	{ "http",	required_argument,	NULL,	OPT_HTTP },
	{ "tls-cert",	required_argument,	NULL,	OPT_TLS_CERT },
	{ "tls-key",	required_argument,	NULL,	OPT_TLS_KEY },
	{ "tls-ca",	required_argument,	NULL,	OPT_TLS_CA },
	{ "drain",	required_argument,	NULL,	OPT_DRAIN },
	{ "version",	no_argument,		NULL,	OPT_VERSION },
	{ "help",	no_argument,		NULL,	'h' },
	{ NULL,		0,			NULL,	0 }
};

int
main(int argc, char *argv[])
{
	static struct agent a;
	struct cli_set *cli;
	const char *conffile = NULL;
	int ch, debug = 0, ncli = 0, errors, check = 0, verbose = 0;

	log_init("strata-agent", 1, 0);
	if ((cli = calloc((size_t)argc, sizeof(*cli))) == NULL)
		fatal("calloc");
	while ((ch = getopt_long(argc, argv, "dD:f:hnvV", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case OPT_NODE:
			cli[ncli++] = (struct cli_set){ "node", optarg,
			    "command line" };
			break;
		case OPT_LIVE:
			cli[ncli++] = (struct cli_set){ "live", optarg,
			    "command line" };
			break;
		case OPT_TRACE:
			cli[ncli++] = (struct cli_set){ "trace", optarg,
			    "command line" };
			break;
		case OPT_JSONL:
			cli[ncli++] = (struct cli_set){ "jsonl", optarg,
			    "command line" };
			break;
		case OPT_ONCE:
			a.once = 1;
			break;
		case OPT_AGGREGATOR:
			cli[ncli++] = (struct cli_set){ "aggregator", optarg,
			    "command line" };
			break;
		case OPT_TOKEN_FILE:
			cli[ncli++] = (struct cli_set){ "token_file", optarg,
			    "command line" };
			break;
		case OPT_SPOOL:
			cli[ncli++] = (struct cli_set){ "spool", optarg,
			    "command line" };
			break;
		case OPT_ARM:
			cli[ncli++] = (struct cli_set){ "arm", "yes",
			    "command line" };
			break;
		case OPT_HTTP:
			cli[ncli++] = (struct cli_set){ "http", optarg,
			    "command line" };
			break;
		case OPT_TLS_CERT:
			cli[ncli++] = (struct cli_set){ "tls_cert", optarg,
			    "command line" };
			break;
		case OPT_TLS_KEY:
			cli[ncli++] = (struct cli_set){ "tls_key", optarg,
			    "command line" };
			break;
		case OPT_TLS_CA:
			cli[ncli++] = (struct cli_set){ "tls_ca", optarg,
			    "command line" };
			break;
		case OPT_DRAIN:
			cli[ncli++] = (struct cli_set){ "drain_s", optarg,
			    "command line" };
			break;
		case 'd':
			debug++;
			break;
		case 'D':
			cli[ncli++] = (struct cli_set){ optarg, NULL, "-D" };
			break;
		case 'f':
			conffile = optarg;
			break;
		case 'n':
			check = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'V':
		case OPT_VERSION:
			printf("strata-agent %s\n", STRATA_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		log_warnx("unexpected argument \"%s\"", argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}
	log_setdebug(debug);

	errors = agent_conf_build(&a.conf, conffile, cli, ncli);
	if (check) {
		/* -n: the verdict on the configuration; -nv: and what it is. */
		if (errors == 0 && verbose)
			agent_conf_print(&a.conf, stdout);
		agent_conf_free(&a.conf);
		free(cli);
		return errors > 0 ? EXIT_USAGE : 0;
	}
	if (errors > 0) {
		usage(stderr);
		agent_conf_free(&a.conf);
		free(cli);
		return EXIT_USAGE;
	}
	a.conffile = conffile;
	a.cli = cli;
	a.ncli = ncli;

	a.exit_code = EXIT_RUNTIME;
	if (agent_setup(&a) == 0) {
		notify_ready(a.notify);
		if (event_base_dispatch(a.base) == -1) {
			log_warnx("event loop failed");
			a.exit_code = EXIT_RUNTIME;
		}
	}
	agent_teardown(&a);
	free(a.cli);
	return a.exit_code;
}
