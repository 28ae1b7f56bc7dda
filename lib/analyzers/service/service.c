/*
 * service.c: the service analyzer: per service and operation (the event
 * type without .start/.end/.error), the latency of each .start/.end pair
 * of notifications, errors (.error, and ends of priority ERROR), the rate
 * over the last minute and a latency histogram with p50, p90, p99 and max.
 * Emits `service` records (docs/records.md).
 *
 * A .start waits in its operation's open list until its end: matched by
 * object id (instance, volume, port...), else by request id, else the
 * oldest open one without an id (Neutron's create.start has no id yet).
 * Starts with no end after service.window_s are dropped (abandoned).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oslo.h"
#include "log.h"

#define SVC_MAX_OPEN	256	/* open starts per operation */
#define SVC_RATE_S	60

struct svc_params {
	double		 window_s;
};

struct svc_open {
	char		 obj[64];
	char		 rid[64];
	uint64_t	 t_ns;
};

struct svc_op {
	struct oent	 e;		/* key: SERVICE/OPERATION */
	char		 service[48];
	char		 operation[112];
	enum oslo_project project;
	uint64_t	 count, errors, unpaired, abandoned;
	struct svc_open	*open;		/* oldest first */
	unsigned	 nopen;
	struct ohist	 h;
	uint32_t	 rate[SVC_RATE_S];	/* finished per second, a ring */
	uint64_t	 rate_sec[SVC_RATE_S];	/* the second each slot counts */
	uint64_t	 end_ns;	/* last finished */
};

struct svc_an {
	struct an_host	 host;
	struct svc_params params;
	struct oslo_ctx	*own;
	struct otab	 ops;
	uint64_t	 epoch_ns, now_ns;
	uint64_t	 abandon_ns;	/* last look for abandoned starts */
	uint64_t	 events, used, pairs, unpaired, abandoned, no_service;
};

#define P_OFF(m)	offsetof(struct svc_params, m)
static const struct an_param svc_param_table[] = {
	{ "window_s", AN_P_DOUBLE, 3600, 1, 1e8, P_OFF(window_s),
	  "a .start without its end for this long is dropped (abandoned)" },
	{ NULL, 0, 0, 0, 0, 0, NULL }
};

static void
svc_classify(const char *name, const char *const *fields, unsigned nfields,
    struct ev_plan *plan)
{
	if (strcmp(name, OSLO_EVENT) == 0)
		an_plan_fields(plan, 0, oslo_fields, fields, nfields);
	else
		an_plan_fields(plan, AN_CODE_NONE, NULL, NULL, 0);
}

static void
rate_add(struct svc_op *op, uint64_t t_ns)
{
	uint64_t sec = t_ns / 1000000000ULL;
	unsigned k = (unsigned)(sec % SVC_RATE_S);

	if (op->rate_sec[k] != sec) {
		op->rate_sec[k] = sec;
		op->rate[k] = 0;
	}
	op->rate[k]++;
}

/* Finished per second over the minute before now (trace time). */
static double
rate_per_s(const struct svc_op *op, uint64_t now_ns)
{
	uint64_t now = now_ns / 1000000000ULL, sum = 0;
	unsigned k;

	for (k = 0; k < SVC_RATE_S; k++)
		if (op->rate_sec[k] + SVC_RATE_S > now && op->rate_sec[k] <= now)
			sum += op->rate[k];
	return (double)sum / SVC_RATE_S;
}

static void
open_drop(struct svc_op *op, unsigned i)
{
	memmove(&op->open[i], &op->open[i + 1],
	    (op->nopen - i - 1) * sizeof(op->open[0]));
	op->nopen--;
}

static void
svc_start(struct svc_an *an, struct svc_op *op, const char *obj,
    const char *rid, uint64_t t)
{
	struct svc_open *o;

	if (op->open == NULL &&
	    (op->open = calloc(SVC_MAX_OPEN, sizeof(*op->open))) == NULL) {
		log_warn("%s: calloc", __func__);
		return;
	}
	if (op->nopen == SVC_MAX_OPEN) {
		open_drop(op, 0);
		op->abandoned++;
		an->abandoned++;
	}
	o = &op->open[op->nopen++];
	oslo_cpy(o->obj, sizeof(o->obj), obj);
	oslo_cpy(o->rid, sizeof(o->rid), rid);
	o->t_ns = t;
}

/* The open start an end closes, or -1. */
static int
svc_match(const struct svc_op *op, const char *obj, const char *rid)
{
	unsigned i;

	if (obj != NULL)
		for (i = 0; i < op->nopen; i++)
			if (strcmp(op->open[i].obj, obj) == 0)
				return (int)i;
	if (rid != NULL)
		for (i = 0; i < op->nopen; i++)
			if (op->open[i].obj[0] == '\0' &&
			    strcmp(op->open[i].rid, rid) == 0)
				return (int)i;
	for (i = 0; i < op->nopen; i++)
		if (op->open[i].obj[0] == '\0' &&
		    (rid == NULL || op->open[i].rid[0] == '\0'))
			return (int)i;
	return -1;
}

static void
svc_end(struct svc_an *an, struct svc_op *op, const struct oslo_msg *m,
    const char *obj)
{
	int i, error;

	error = m->phase == PH_ERROR || (m->priority != NULL &&
	    (strcmp(m->priority, "ERROR") == 0 ||
	    strcmp(m->priority, "CRITICAL") == 0));
	op->count++;
	if (error)
		op->errors++;
	op->end_ns = m->t_ns;
	rate_add(op, m->t_ns);
	if ((i = svc_match(op, obj, m->request_id)) < 0) {
		op->unpaired++;
		an->unpaired++;
		return;
	}
	ohist_add(&op->h, m->t_ns >= op->open[i].t_ns ?
	    (double)(m->t_ns - op->open[i].t_ns) / 1e6 : 0);
	open_drop(op, (unsigned)i);
	an->pairs++;
}

static void
svc_event(void *self, const struct ev *ev)
{
	struct svc_an *an = self;
	const struct oslo_msg *m;
	const char *service, *obj;
	struct svc_op *op;
	char key[192];
	int created;

	an->events++;
	if (an->epoch_ns == 0)
		an->epoch_ns = ev->t_ns;
	if (ev->t_ns > an->now_ns)
		an->now_ns = ev->t_ns;
	if ((m = oslo_get(&an->host, ev, &an->own)) == NULL ||
	    (m->src != OSLO_NOTIFICATION && m->src != OSLO_SEED) ||
	    m->phase == PH_NONE || m->base[0] == '\0')
		return;
	if ((service = m->service) == NULL &&
	    (service = oslo_project_name(m->project)) == NULL) {
		an->no_service++;
		service = "unknown";
	}
	snprintf(key, sizeof(key), "%s/%s", service, m->base);
	if ((op = (struct svc_op *)otab_get(&an->ops, key, &created)) == NULL)
		return;
	if (created) {
		oslo_cpy(op->service, sizeof(op->service), service);
		oslo_cpy(op->operation, sizeof(op->operation), m->base);
		op->project = m->project;
	}
	an->used++;
	obj = m->src == OSLO_NOTIFICATION ? oslo_object_id(m) : m->instance_uuid;
	if (m->phase == PH_START)
		svc_start(an, op, obj, m->request_id, m->t_ns);
	else
		svc_end(an, op, m, obj);
	otab_touch(&an->ops, &op->e, m->t_ns);
}

static struct json_object *
pct_json(const struct ohist *h, double p)
{
	double v = ohist_pct(h, p);

	return v >= 0 ? json_object_new_double(v) : NULL;
}

static struct json_object *
svc_record(const struct svc_an *an, const struct svc_op *op)
{
	struct json_object *o;
	char id[256];

	snprintf(id, sizeof(id), "%s/%s", an->host.node, op->e.key);
	o = oj_rec("service", an->host.node, id, op->e.last_ns);
	J_ADD(o, "service", json_object_new_string(op->service));
	J_ADD(o, "project", oj_str(oslo_project_name(op->project)));
	J_ADD(o, "operation", json_object_new_string(op->operation));
	J_ADD(o, "count", json_object_new_int64((int64_t)op->count));
	J_ADD(o, "errors", json_object_new_int64((int64_t)op->errors));
	J_ADD(o, "unpaired", json_object_new_int64((int64_t)op->unpaired));
	J_ADD(o, "abandoned", json_object_new_int64((int64_t)op->abandoned));
	J_ADD(o, "in_flight", json_object_new_int64(op->nopen));
	J_ADD(o, "rate_per_s", json_object_new_double(rate_per_s(op,
	    an->now_ns)));
	J_ADD(o, "p50_ms", pct_json(&op->h, 50));
	J_ADD(o, "p90_ms", pct_json(&op->h, 90));
	J_ADD(o, "p99_ms", pct_json(&op->h, 99));
	J_ADD(o, "max_ms", op->h.count ? json_object_new_double(op->h.max_ms) :
	    NULL);
	J_ADD(o, "min_ms", op->h.count ? json_object_new_double(op->h.min_ms) :
	    NULL);
	J_ADD(o, "mean_ms", op->h.count ? json_object_new_double(op->h.sum_ms /
	    (double)op->h.count) : NULL);
	J_ADD(o, "sum_ms", json_object_new_double(op->h.sum_ms));
	J_ADD(o, "paired", json_object_new_int64((int64_t)op->h.count));
	J_ADD(o, "hist", ohist_json(&op->h));
	J_ADD(o, "last_ns", oj_ns(op->end_ns));
	J_ADD(o, "epoch_ns", oj_ns(an->epoch_ns));
	return o;
}

static void
svc_flush_one(void *arg, struct oent *e)
{
	struct svc_an *an = arg;

	an->host.emit(an->host.emit_arg, svc_record(an, (struct svc_op *)e));
}

/* Starts that waited longer than the window are given up. */
static void
svc_abandon(struct svc_an *an)
{
	uint64_t w = (uint64_t)(an->params.window_s * 1e9);
	struct oent *e;

	if (an->now_ns < w)
		return;
	for (e = an->ops.oldest; e != NULL; e = e->newer) {
		struct svc_op *op = (struct svc_op *)e;
		unsigned n = 0;

		while (n < op->nopen && op->open[n].t_ns + w < an->now_ns)
			n++;
		if (n == 0)
			continue;
		memmove(&op->open[0], &op->open[n],
		    (op->nopen - n) * sizeof(op->open[0]));
		op->nopen -= n;
		op->abandoned += n;
		an->abandoned += n;
	}
}

static void
svc_flush_force(struct svc_an *an, int force)
{
	if (force || an->now_ns > an->abandon_ns + 1000000000ULL) {
		an->abandon_ns = an->now_ns;
		svc_abandon(an);
	}
	otab_flush(&an->ops, svc_flush_one, an);
}

static void
svc_flush(void *self)
{
	svc_flush_force(self, 0);
}

static void
svc_finish(void *self)
{
	svc_flush_force(self, 1);
}

static void *
svc_create(const struct an_host *host, const void *params)
{
	struct svc_an *an;

	if ((an = calloc(1, sizeof(*an))) == NULL) {
		log_warn("%s: calloc", __func__);
		return NULL;
	}
	an->host = *host;
	an->params = *(const struct svc_params *)params;
	if (otab_init(&an->ops, sizeof(struct svc_op)) == -1) {
		free(an);
		return NULL;
	}
	return an;
}

static void
svc_set_params(void *self, const void *params)
{
	struct svc_an *an = self;

	an->params = *(const struct svc_params *)params;
}

static void
svc_stats(void *self, struct json_object *obj)
{
	struct svc_an *an = self;

	svc_abandon(an);
#define N(k, v) json_object_object_add(obj, k, json_object_new_int64((int64_t)(v)))
	N("events", an->events);
	N("used", an->used);
	N("operations", an->ops.n);
	N("pairs", an->pairs);
	N("unpaired", an->unpaired);
	N("abandoned", an->abandoned);
	N("no_service", an->no_service);
#undef N
}

static void
svc_op_free(struct oent *e)
{
	struct svc_op *op = (struct svc_op *)e;

	free(op->open);
	ohist_free(&op->h);
}

static void
svc_destroy(void *self)
{
	struct svc_an *an = self;

	otab_free(&an->ops, svc_op_free);
	oslo_ctx_free(an->own);
	free(an);
}

const struct analyzer_class an_service_class = {
	.name = "service",
	.params = svc_param_table,
	.params_size = sizeof(struct svc_params),
	.classify = svc_classify,
	.create = svc_create,
	.event = svc_event,
	.flush = svc_flush,
	.finish = svc_finish,
	.set_params = svc_set_params,
	.stats = svc_stats,
	.destroy = svc_destroy,
};
