/*
 * kind.c: the service kind on the aggregator's side: per service and
 * operation, what each node's agent counted (operations, errors, a latency
 * histogram of fixed bounds), kept per node and agent epoch and summed
 * across them for the cluster's percentiles (`services`).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <json-c/json.h>

#include "log.h"
#include "kind.h"
#include "app_kind.h"
#include "svc_store.h"
#include "prom.h"

/* The members of a `service` record (sorted). */
enum svc_f { SF_EPOCH_NS, SF_ID, SF_OPERATION, SF_SERVICE, SF_T_NS,
    SF__COUNT };

static const char *const svc_fields[] = {
	"epoch_ns", "id", "operation", "service", "t_ns",
	NULL
};

_Static_assert(sizeof(svc_fields) / sizeof(svc_fields[0]) == SF__COUNT + 1,
    "one name per enum svc_f");

/*
 * Version 1: the latest record of each (node, id, epoch): its counts are
 * that agent life's, so the cluster's are the sum over nodes and epochs.
 */
static const char svc_schema_v1[] =
	"CREATE TABLE IF NOT EXISTS service_reports ("
	"  node            TEXT NOT NULL,"
	"  id              TEXT NOT NULL,"
	"  epoch_ns        INTEGER NOT NULL,"
	"  service         TEXT NOT NULL,"
	"  operation       TEXT NOT NULL,"
	"  t_ns            INTEGER NOT NULL,"
	"  raw             TEXT NOT NULL,"
	"  base            TEXT,"	/* the previous lives' (app_kind.h) */
	"  updated_ns      INTEGER,"
	"  PRIMARY KEY (node, id, epoch_ns)"
	") WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS service_reports_op ON service_reports "
	"  (service, operation);";

static const char *const svc_schema[] = {
	svc_schema_v1,
	NULL
};

enum svc_st { SST_GET, SST_PUT, SST_ALL, SST_STATUS, SST__COUNT };

static const char *const svc_sql[SST__COUNT] = {
	[SST_GET] =
	    "SELECT t_ns, raw, base FROM service_reports WHERE node = ?1 AND "
	    "id = ?2 AND epoch_ns = ?3",
	[SST_PUT] =
	    "INSERT OR REPLACE INTO service_reports (node, id, epoch_ns, "
	    "service, operation, t_ns, raw, updated_ns, base) VALUES (?1, ?2, "
	    "?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[SST_ALL] =
	    "SELECT service, operation, raw FROM service_reports "
	    "WHERE (?1 IS NULL OR service = ?1) AND "
	    "(?2 IS NULL OR operation = ?2) ORDER BY service, operation",
	[SST_STATUS] =
	    "SELECT count(*) FROM (SELECT DISTINCT service, operation "
	    "FROM service_reports)",
};

struct svc {
	struct store	*s;
	sqlite3_stmt	*st[SST__COUNT];
};

extern const struct agg_kind agg_kind_service;

static void
svc_finish(void *arg)
{
	struct svc *v = arg;
	int i;

	if (v == NULL)
		return;
	for (i = 0; i < SST__COUNT; i++)
		sqlite3_finalize(v->st[i]);
	free(v);
}

static void *
svc_prepare(struct store *s)
{
	struct svc *v;
	int i;

	if ((v = calloc(1, sizeof(*v))) == NULL) {
		log_warn("%s: calloc", __func__);
		return NULL;
	}
	v->s = s;
	for (i = 0; i < SST__COUNT; i++)
		if (store_prepare(s, svc_sql[i], &v->st[i]) == -1) {
			svc_finish(v);
			return NULL;
		}
	return v;
}

static enum agg_ingest
svc_ingest(struct store *s, void *arg, const struct store_rec *rec)
{
	struct svc *v = arg;
	struct json_object *o;
	sqlite3_stmt *st;
	const char *id, *svc, *op;
	char *raw, *base;
	int64_t t, epoch;
	enum agg_ingest r;

	if (app_need_str(s, rec, SF_ID, "id", &id) != AGG_STORED ||
	    app_need_str(s, rec, SF_SERVICE, "service", &svc) != AGG_STORED ||
	    app_need_str(s, rec, SF_OPERATION, "operation", &op) !=
	    AGG_STORED ||
	    app_need_i64(s, rec, SF_T_NS, "t_ns", &t) != AGG_STORED)
		return AGG_SKIPPED;
	if ((epoch = store_opt_i64(rec, SF_EPOCH_NS)) == STORE_NONE)
		epoch = 0;
	st = store_reset(v->st[SST_GET]);
	store_bind_str(st, 1, rec->node);
	store_bind_str(st, 2, id);
	sqlite3_bind_int64(st, 3, epoch);
	if ((r = app_supersede(s, st, store_rec_obj(rec), t, &o, &raw, &base)) !=
	    AGG_STORED)
		return r;
	st = store_reset(v->st[SST_PUT]);
	store_bind_str(st, 1, rec->node);
	store_bind_str(st, 2, id);
	sqlite3_bind_int64(st, 3, epoch);
	store_bind_str(st, 4, svc);
	store_bind_str(st, 5, op);
	sqlite3_bind_int64(st, 6, t);
	sqlite3_bind_text(st, 7, raw, -1, free);
	sqlite3_bind_int64(st, 8, store_now(s));
	sqlite3_bind_text(st, 9, base, -1, free);
	r = store_done(s, st, "service") == -1 ? AGG_ERROR : AGG_STORED;
	json_object_put(o);
	return r;
}

/* The summed histogram of one (service, operation): le_ms -> count. */
#define HIST_MAX	128

struct hist {
	double		 le[HIST_MAX];	/* INFINITY: above the last bound */
	int64_t		 n[HIST_MAX];
	size_t		 len;
	int64_t		 total;
};

static void
hist_add(struct hist *h, struct json_object *arr)
{
	struct json_object *b, *le, *n;
	double bound;
	int64_t c;
	size_t i, k;

	if (arr == NULL || !json_object_is_type(arr, json_type_array))
		return;
	for (i = 0; i < json_object_array_length(arr); i++) {
		b = json_object_array_get_idx(arr, i);
		if (b == NULL || !json_object_is_type(b, json_type_array) ||
		    json_object_array_length(b) != 2)
			continue;
		le = json_object_array_get_idx(b, 0);
		n = json_object_array_get_idx(b, 1);
		if (n == NULL || !json_object_is_type(n, json_type_int) ||
		    (c = json_object_get_int64(n)) <= 0)
			continue;
		if (le == NULL)
			bound = INFINITY;
		else if (json_object_is_type(le, json_type_int) ||
		    json_object_is_type(le, json_type_double))
			bound = json_object_get_double(le);
		else
			continue;
		/* Same bounds on every node: equal to the last digits. */
		for (k = 0; k < h->len; k++)
			if (h->le[k] == bound || (isfinite(bound) &&
			    fabs(h->le[k] - bound) <= 1e-9 * bound))
				break;
		if (k == h->len) {
			if (h->len == HIST_MAX)
				continue;
			h->le[h->len] = bound;
			h->n[h->len++] = 0;
		}
		h->n[k] += c;
		h->total += c;
	}
}

/* Nearest rank over the summed buckets: the bucket's bound, max above. */
static double
hist_pct(const struct hist *h, double p, double max)
{
	size_t order[HIST_MAX], i, j, t;
	int64_t rank, cum = 0;

	if (h->total == 0)
		return NAN;
	for (i = 0; i < h->len; i++)
		order[i] = i;
	for (i = 1; i < h->len; i++)
		for (j = i; j > 0 && h->le[order[j - 1]] > h->le[order[j]];
		    j--) {
			t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	rank = (int64_t)ceil(p * (double)h->total);
	if (rank < 1)
		rank = 1;
	for (i = 0; i < h->len; i++) {
		cum += h->n[order[i]];
		if (cum >= rank) {
			if (!isfinite(h->le[order[i]]))
				return max;
			return isfinite(max) && max < h->le[order[i]] ? max :
			    h->le[order[i]];
		}
	}
	return max;
}

/* One (service, operation): its records summed; exactly the contract. */
struct acc {
	char			*service, *operation;
	int64_t			 count, errors;
	double			 max;
	struct hist		 h;
	size_t			 nrec;
	struct json_object	*only;		/* the record, while just one */
};

static void
acc_flush(struct acc *a, struct json_object *arr)
{
	struct json_object *o;
	double p50, p90, p99;

	if (a->service == NULL)
		return;
	o = json_object_new_object();
	app_add_str(o, "service", a->service);
	app_add_str(o, "operation", a->operation);
	json_object_object_add(o, "count", json_object_new_int64(a->count));
	json_object_object_add(o, "errors", json_object_new_int64(a->errors));
	if (a->nrec == 1) {
		/* One node, one epoch: its own (exact) values. */
		json_object_object_add(o, "p50_ms", app_copy(a->only, "p50_ms"));
		json_object_object_add(o, "p90_ms", app_copy(a->only, "p90_ms"));
		json_object_object_add(o, "p99_ms", app_copy(a->only, "p99_ms"));
		json_object_object_add(o, "max_ms", app_copy(a->only, "max_ms"));
	} else {
		p50 = hist_pct(&a->h, 0.50, a->max);
		p90 = hist_pct(&a->h, 0.90, a->max);
		p99 = hist_pct(&a->h, 0.99, a->max);
		app_add_dbl(o, "p50_ms", p50);
		app_add_dbl(o, "p90_ms", p90);
		app_add_dbl(o, "p99_ms", p99);
		app_add_dbl(o, "max_ms", a->max);
	}
	json_object_array_add(arr, o);
	free(a->service);
	free(a->operation);
	json_object_put(a->only);
	memset(a, 0, sizeof(*a));
	a->max = NAN;
}

struct json_object *
store_q_services(struct store *s, const char *service, const char *operation,
    const char **err)
{
	struct json_object *arr, *o;
	struct svc *v;
	struct acc a;
	sqlite3_stmt *st;
	const char *svc, *op, *raw;
	int64_t c;
	double m;
	int r;

	*err = NULL;
	if ((v = store_kind_state(s, &agg_kind_service)) == NULL) {
		*err = store_err(s, "store: no service kind");
		return NULL;
	}
	memset(&a, 0, sizeof(a));
	a.max = NAN;
	arr = json_object_new_array();
	st = store_reset(v->st[SST_ALL]);
	store_bind_str(st, 1, service);
	store_bind_str(st, 2, operation);
	while ((r = store_row(s, st, "services")) == 1) {
		svc = (const char *)sqlite3_column_text(st, 0);
		op = (const char *)sqlite3_column_text(st, 1);
		raw = (const char *)sqlite3_column_text(st, 2);
		if (svc == NULL || op == NULL || raw == NULL ||
		    (o = json_tokener_parse(raw)) == NULL)
			continue;
		if (a.service == NULL || strcmp(a.service, svc) != 0 ||
		    strcmp(a.operation, op) != 0) {
			acc_flush(&a, arr);
			a.service = strdup(svc);
			a.operation = strdup(op);
		}
		if ((c = app_i64(o, "count")) != STORE_NONE)
			a.count += c;
		if ((c = app_i64(o, "errors")) != STORE_NONE)
			a.errors += c;
		m = app_dbl(o, "max_ms");
		if (isfinite(m) && (!isfinite(a.max) || m > a.max))
			a.max = m;
		hist_add(&a.h, app_get(o, "hist"));
		if (a.nrec++ == 0)
			a.only = o;
		else
			json_object_put(o);
	}
	sqlite3_reset(st);
	acc_flush(&a, arr);
	if (r == -1) {
		json_object_put(arr);
		*err = store_err(s, "store: %s", sqlite3_errmsg(store_db(s)));
		return NULL;
	}
	return arr;
}

static int
svc_status(struct store *s, void *arg, struct json_object *o)
{
	struct svc *v = arg;
	sqlite3_stmt *st = store_reset(v->st[SST_STATUS]);

	if (store_row(s, st, "status") != 1) {
		sqlite3_reset(st);
		return -1;
	}
	json_object_object_add(o, "service_operations",
	    json_object_new_int64(sqlite3_column_int64(st, 0)));
	sqlite3_reset(st);
	return 0;
}

/*
 * /metrics: per service and operation (the agents' configured ones, at
 * most APP_TALLY_MAX), the operations and errors counted and the latency
 * percentiles `services` computes and the max (label stat, not
 * quantile: that is a summary's, which promtool insists on), in seconds.
 */
static int
svc_metrics(struct store *s, void *arg, struct prom *p)
{
	static const struct { const char *key, *q; } qs[] = {
		{ "p50_ms", "p50" }, { "p90_ms", "p90" }, { "p99_ms", "p99" },
		{ "max_ms", "max" },
	};
	struct app_tally cnt, errs;
	struct json_object *arr, *o;
	const char *err, *sv, *op;
	size_t i, k, n;
	double v;

	(void)arg;
	if ((arr = store_q_services(s, NULL, NULL, &err)) == NULL)
		return -1;
	n = json_object_array_length(arr);
	if (n > APP_TALLY_MAX)
		n = APP_TALLY_MAX;
	memset(&cnt, 0, sizeof(cnt));
	memset(&errs, 0, sizeof(errs));
	for (i = 0; i < n; i++) {
		o = json_object_array_get_idx(arr, i);
		app_tally_add(&cnt, app_str(o, "service"),
		    app_str(o, "operation"), (double)app_i64(o, "count"));
		app_tally_add(&errs, app_str(o, "service"),
		    app_str(o, "operation"), (double)app_i64(o, "errors"));
	}
	prom_family(p, "strata_service_operations_total", PROM_COUNTER,
	    "Operations the services' agents counted, summed over nodes.");
	app_tally_write(&cnt, p, "strata_service_operations_total", "service",
	    "operation");
	prom_family(p, "strata_service_errors_total", PROM_COUNTER,
	    "Operations that failed, summed over nodes.");
	app_tally_write(&errs, p, "strata_service_errors_total", "service",
	    "operation");
	prom_family(p, "strata_service_operation_seconds", PROM_GAUGE,
	    "Latency percentiles (stat p50, p90, p99) and max of an operation "
	    "over every node (the summed histograms' bounds).");
	for (i = 0; i < n; i++) {
		o = json_object_array_get_idx(arr, i);
		sv = app_str(o, "service");
		op = app_str(o, "operation");
		for (k = 0; k < sizeof(qs) / sizeof(qs[0]); k++)
			if (isfinite(v = app_dbl(o, qs[k].key)))
				prom_sample(p, "strata_service_operation_seconds",
				    v / 1e3, "service", sv ? sv : "unknown",
				    "operation", op ? op : "unknown",
				    "stat", qs[k].q, NULL);
	}
	app_tally_free(&cnt);
	app_tally_free(&errs);
	json_object_put(arr);
	return 0;
}

/* Its page: aggregator/kinds/service/web/ (docs/http.md). */
static const struct agg_web svc_web = {
	.title = "Services",
	.list = "services.html",
	.item = NULL,
};

static const struct agg_record svc_records[] = {
	{ "service", svc_fields, svc_ingest, NULL },
	{ NULL, NULL, NULL, NULL }
};

extern const struct ctl_cmd *const service_cmds[];

const struct agg_kind agg_kind_service = {
	.name = "service",
	.records = svc_records,
	.schema = svc_schema,
	.prepare = svc_prepare,
	.finish = svc_finish,
	.status = svc_status,
	.cmds = service_cmds,
	.metrics = svc_metrics,
	.web = &svc_web,
};
