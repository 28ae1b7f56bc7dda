/*
 * app_harness.h: what the application analyzers' unit tests share: a
 * whole analyzer set (every registered analyzer, as the agent runs them)
 * fed with lttng_python:event events built from the JSON-lines streams in
 * tests/data/openstack/streams (strata-os-emit.py --write: the messages
 * the lttng-ust Python agent records), and the records it emits.
 * Header-only, one per test program.
 */
#ifndef STRATA_APP_HARNESS_H
#define STRATA_APP_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "analyzer.h"

#ifndef DATADIR
#define DATADIR "tests/data/openstack"
#endif

/* The field layout of lttng_python:event (lttng-ust's Python agent). */
static const char *const h_fields[] = {
	"asctime", "msg", "logger_name", "funcName", "lineno", "int_loglevel",
	"thread", "threadName"
};
#define H_NFIELDS	8

struct harness {
	struct an_set		*set;
	struct ev_plan		*plans;
	struct json_object	**recs;
	unsigned		 nrecs, cap;
	unsigned		 fed;
	char			 node[64];
};

static inline void
h_collect(void *arg, struct json_object *rec)
{
	struct harness *h = arg;

	if (h->nrecs == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 256;
		h->recs = realloc(h->recs, h->cap * sizeof(*h->recs));
	}
	h->recs[h->nrecs++] = rec;
}

static inline void
h_init_conf(struct harness *h, const char *node, const struct an_conf *conf)
{
	struct an_host host;

	memset(h, 0, sizeof(*h));
	snprintf(h->node, sizeof(h->node), "%s", node);
	memset(&host, 0, sizeof(host));
	host.node = h->node;
	host.emit = h_collect;
	host.emit_arg = h;
	h->set = an_set_create(&host, conf);
	h->plans = calloc(an_set_count(h->set), sizeof(*h->plans));
	an_set_classify(h->set, "lttng_python:event", h_fields, H_NFIELDS,
	    h->plans);
}

static inline void
h_init(struct harness *h, const char *node)
{
	h_init_conf(h, node, NULL);
}

static inline void
h_free(struct harness *h)
{
	unsigned i;

	an_set_destroy(h->set);
	for (i = 0; i < h->nrecs; i++)
		json_object_put(h->recs[i]);
	free(h->recs);
	free(h->plans);
}

static inline int
h_level(const char *l)
{
	if (strcmp(l, "DEBUG") == 0)
		return 10;
	if (strcmp(l, "WARNING") == 0 || strcmp(l, "WARN") == 0)
		return 30;
	if (strcmp(l, "ERROR") == 0)
		return 40;
	if (strcmp(l, "CRITICAL") == 0)
		return 50;
	return 20;
}

/* One lttng_python:event, as the event source decodes it. */
static inline void
h_feed(struct harness *h, uint64_t t_ns, const char *logger, int level,
    const char *msg)
{
	struct ev ev;

	memset(&ev, 0, sizeof(ev));
	ev.name = "lttng_python:event";
	ev.t_ns = t_ns;
	ev.vpid = 4242;
	ev.vtid = 4242;
	ev.cpu = 0;
	ev_add_str(&ev, "asctime", "2024-05-01 12:00:00,000");
	ev_add_str(&ev, "msg", msg);
	ev_add_str(&ev, "logger_name", logger);
	ev_add_str(&ev, "funcName", "notify");
	ev_add_int(&ev, "lineno", 1);
	ev_add_int(&ev, "int_loglevel", level);
	ev_add_int(&ev, "thread", 1);
	ev_add_str(&ev, "threadName", "MainThread");
	an_set_event(h->set, &ev, h->plans);
	h->fed++;
}

/* A stream file's lines of node (NULL: all), one batch per line. */
static inline int
h_feed_file(struct harness *h, const char *name, const char *node,
    uint64_t shift_ns)
{
	char path[512], *line = NULL;
	size_t cap = 0;
	FILE *fp;
	int n = 0;

	snprintf(path, sizeof(path), "%s/streams/%s.jsonl", DATADIR, name);
	if ((fp = fopen(path, "r")) == NULL) {
		printf("# cannot open %s\n", path);
		return -1;
	}
	while (getline(&line, &cap, fp) > 0) {
		struct json_object *o = json_tokener_parse(line), *v;
		const char *nd;

		if (o == NULL)
			continue;
		nd = json_object_object_get_ex(o, "node", &v) ?
		    json_object_get_string(v) : "";
		if (node == NULL || strcmp(nd, node) == 0) {
			double t = json_object_get_double(
			    json_object_object_get(o, "time"));

			h_feed(h, (uint64_t)(t * 1e6) * 1000 + shift_ns,
			    json_object_get_string(json_object_object_get(o,
			    "logger")),
			    h_level(json_object_get_string(
			    json_object_object_get(o, "level"))),
			    json_object_get_string(json_object_object_get(o,
			    "message")));
			an_set_flush(h->set);
			n++;
		}
		json_object_put(o);
	}
	free(line);
	fclose(fp);
	return n;
}

static inline const char *
h_s(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) || v == NULL)
		return NULL;
	return json_object_get_string(v);
}

static inline struct json_object *
h_get(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

static inline double
h_d(struct json_object *o, const char *key)
{
	struct json_object *v = h_get(o, key);

	return v != NULL ? json_object_get_double(v) : -1;
}

static inline int
h_streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* The last record of kind whose member key is val (key NULL: any). */
static inline struct json_object *
h_last(const struct harness *h, const char *kind, const char *key,
    const char *val)
{
	unsigned i;

	for (i = h->nrecs; i-- > 0;)
		if (h_streq(h_s(h->recs[i], "kind"), kind) &&
		    (key == NULL || h_streq(h_s(h->recs[i], key), val)))
			return h->recs[i];
	return NULL;
}

static inline unsigned
h_count(const struct harness *h, const char *kind, const char *key,
    const char *val)
{
	unsigned i, n = 0;

	for (i = 0; i < h->nrecs; i++)
		if (h_streq(h_s(h->recs[i], "kind"), kind) &&
		    (key == NULL || h_streq(h_s(h->recs[i], key), val)))
			n++;
	return n;
}

/* A member of the analyzer's stats object, e.g. ("oslo", "duplicates"). */
static inline long long
h_stat(struct harness *h, const char *cls, const char *key)
{
	struct json_object *st = an_set_stats(h->set), *c, *v;
	long long r = -1;

	if (json_object_object_get_ex(st, cls, &c) &&
	    json_object_object_get_ex(c, key, &v))
		r = json_object_get_int64(v);
	json_object_put(st);
	return r;
}

#define is_s(got, want, what) do {					\
	const char *g_ = (got), *w_ = (want);				\
	if (!ok(h_streq(g_, w_), "%s", what))				\
		diag("  got %s, want %s", g_ ? g_ : "null",		\
		    w_ ? w_ : "null");					\
} while (0)

#define is_num(got, want, tol, what) do {				\
	double g_ = (got), w_ = (want);					\
	if (!ok(g_ >= w_ - (tol) && g_ <= w_ + (tol), "%s", what))	\
		diag("  got %g, want %g", g_, w_);			\
} while (0)

#endif
