/*
 * bench_oslo.c: where the application analyzers' time goes, without the
 * trace reader: the messages of one stream file of tests/data/openstack
 * (default every stream but malformed) fed again and again as
 * lttng_python:event events, timed per event for
 *   strlen      glibc's strlen of the message: each byte read once, at
 *               SIMD speed (the least any reader of the message costs)
 *   scan        lib/jscan.c's validating scan of the message, nothing built
 *               (the least a reader that checks the JSON costs)
 *   json-c      json_tokener_parse of the message (what the brief costs)
 *   ojs         the analyzers' own reader (lib/analyzers/oslo/ojs.c)
 *   parse       oslo_get: the reader plus the message's shape and fields
 *   set         the whole analyzer set, records made and freed
 *   set+json    the same, records serialized as the agent writes them
 *
 *	tests/bench/bench_oslo [SECONDS_EACH] [STREAM...]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "analyzer.h"
#include "jscan.h"
#include "ojs.h"
#include "oslo.h"

struct msg {
	char		*logger;
	char		*text;
	int		 level;
	uint64_t	 t_ns;
};

static struct msg *msgs;
static unsigned nmsgs;
static uint64_t serialized_bytes;
static volatile size_t sink_len;	/* keeps strlen and scan from being elided */
static int serialize;

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void
load(const char *path)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL) {
		perror(path);
		exit(1);
	}
	while (getline(&line, &cap, fp) > 0) {
		struct json_object *o = json_tokener_parse(line);
		const char *l;

		if (o == NULL)
			continue;
		msgs = realloc(msgs, (nmsgs + 1) * sizeof(*msgs));
		msgs[nmsgs].logger = strdup(json_object_get_string(
		    json_object_object_get(o, "logger")));
		msgs[nmsgs].text = strdup(json_object_get_string(
		    json_object_object_get(o, "message")));
		l = json_object_get_string(json_object_object_get(o, "level"));
		msgs[nmsgs].level = strcmp(l, "ERROR") == 0 ? 40 :
		    strcmp(l, "WARNING") == 0 ? 30 : 20;
		msgs[nmsgs].t_ns = (uint64_t)(json_object_get_double(
		    json_object_object_get(o, "time")) * 1e9);
		nmsgs++;
		json_object_put(o);
	}
	free(line);
	fclose(fp);
}

static void
make_ev(struct ev *ev, const struct msg *m, uint64_t t_ns)
{
	memset(ev, 0, sizeof(*ev));
	ev->name = "lttng_python:event";
	ev->t_ns = t_ns;
	ev->vpid = ev->vtid = 1;
	ev_add_str(ev, "asctime", "2024-05-01 12:00:00,000");
	ev_add_str(ev, "msg", m->text);
	ev_add_str(ev, "logger_name", m->logger);
	ev_add_str(ev, "funcName", "notify");
	ev_add_int(ev, "lineno", 1);
	ev_add_int(ev, "int_loglevel", m->level);
	ev_add_int(ev, "thread", 1);
	ev_add_str(ev, "threadName", "MainThread");
}

static void
sink(void *arg, struct json_object *rec)
{
	size_t len;

	(void)arg;
	if (serialize) {
		json_object_to_json_string_length(rec, JSON_C_TO_STRING_PLAIN, &len);
		serialized_bytes += len;
	}
	json_object_put(rec);
}

static const char *const fields[] = {
	"asctime", "msg", "logger_name", "funcName", "lineno", "int_loglevel",
	"thread", "threadName"
};

/* ns per event for one way of reading, over about secs seconds. */
static double
run(const char *what, double secs)
{
	uint64_t t0 = mono_ns(), end = t0 + (uint64_t)(secs * 1e9), n = 0, loop = 0;
	struct an_host host;
	struct an_set *set = NULL;
	struct ev_plan *plans = NULL, plan;
	struct oslo_ctx *own = NULL;
	struct ojs j;
	struct ev ev;
	unsigned i;
	double ns;

	ojs_init(&j);
	memset(&host, 0, sizeof(host));
	host.node = "bench";
	host.emit = sink;
	if (strncmp(what, "set", 3) == 0) {
		serialize = strcmp(what, "set+json") == 0;
		set = an_set_create(&host, NULL);
		plans = calloc(an_set_count(set), sizeof(*plans));
		an_set_classify(set, "lttng_python:event", fields, 8, plans);
	}
	an_plan_fields(&plan, 0, oslo_fields, fields, 8);
	while (mono_ns() < end) {
		for (i = 0; i < nmsgs; i++) {
			/* Each pass later in time: windows and rates move on. */
			uint64_t t = msgs[i].t_ns + loop * 60000000000ULL;

			if (strcmp(what, "strlen") == 0) {
				sink_len += strlen(msgs[i].text);
			} else if (strcmp(what, "scan") == 0) {
				const char *p = msgs[i].text, *err;

				if (jscan_value(&p, p + strlen(p), 0, &err) !=
				    JS_ERROR)
					sink_len += (size_t)(p - msgs[i].text);
			} else if (strcmp(what, "json-c") == 0) {
				json_object_put(json_tokener_parse(msgs[i].text));
			} else if (strcmp(what, "ojs") == 0) {
				(void)ojs_parse(&j, msgs[i].text, strlen(msgs[i].text));
			} else if (strcmp(what, "parse") == 0) {
				make_ev(&ev, &msgs[i], t);
				ev.plan = &plan;
				(void)oslo_get(&host, &ev, &own);
			} else {
				make_ev(&ev, &msgs[i], t);
				an_set_event(set, &ev, plans);
				an_set_flush(set);
			}
			n++;
		}
		loop++;
	}
	ns = (double)(mono_ns() - t0) / (double)n;
	if (set != NULL) {
		an_set_finish(set);
		an_set_destroy(set);
	}
	free(plans);
	oslo_ctx_free(own);
	ojs_free(&j);
	return ns;
}

int
main(int argc, char **argv)
{
	static const char *const streams[] = { "boot", "stopstart", "volume",
	    "migrate", "network", "migrate-timeout", "migrate-abort", NULL };
	static const char *const ways[] = { "strlen", "scan", "json-c", "ojs",
	    "parse", "set", "set+json", NULL };
	double secs = argc > 1 ? atof(argv[1]) : 2.0;
	char path[512];
	uint64_t bytes = 0;
	unsigned i;

	if (argc > 2)
		for (i = 2; i < (unsigned)argc; i++)
			load(argv[i]);
	else
		for (i = 0; streams[i] != NULL; i++) {
			snprintf(path, sizeof(path), "%s/streams/%s.jsonl",
			    DATADIR, streams[i]);
			load(path);
		}
	for (i = 0; i < nmsgs; i++)
		bytes += strlen(msgs[i].text);
	printf("%u messages, %.0f bytes on average\n", nmsgs,
	    (double)bytes / nmsgs);
	printf("| way | ns/event | events/s |\n|---|---:|---:|\n");
	for (i = 0; ways[i] != NULL; i++) {
		double ns = run(ways[i], secs);

		printf("| %s | %.0f | %.0f |\n", ways[i], ns, 1e9 / ns);
		fflush(stdout);
	}
	return 0;
}
