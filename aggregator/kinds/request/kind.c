/*
 * kind.c: the request kind's registration on the aggregator's side: a
 * request id as every node's services saw it, merged into one request,
 * with the tree of what it caused down to QEMU's rounds.
 */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "kind.h"
#include "req_int.h"
#include "req_store.h"
#include "app_kind.h"
#include "prom.h"

static const double req_duration_s[] = { 0.1, 0.5, 1, 5, 10, 30, 60, 120,
    300 };
#define NREQDUR	(sizeof(req_duration_s) / sizeof(req_duration_s[0]))

/*
 * /metrics: the requests stored, by status and operation (ids in an
 * operation's path as {id}; at most APP_TALLY_MAX label sets), and a
 * histogram of their durations: no per-request series.
 */
static int
req_metrics(struct store *s, void *arg, struct prom *p)
{
	struct req_filter f = { .limit = APP_LIST_MAX };
	struct app_tally t;
	struct json_object *arr, *o;
	uint64_t n[NREQDUR + 1], count = 0;
	const char *err;
	char *op;
	double d, sum = 0;
	size_t i, k;

	(void)arg;
	if ((arr = store_q_requests(s, &f, &err)) == NULL)
		return -1;
	memset(&t, 0, sizeof(t));
	memset(n, 0, sizeof(n));
	for (i = 0; i < json_object_array_length(arr); i++) {
		o = json_object_array_get_idx(arr, i);
		op = app_op_label(app_str(o, "operation"));
		app_tally_add(&t, app_str(o, "status"), op, 1);
		free(op);
		if (!isfinite(d = app_dbl(o, "duration_ms")))
			continue;
		d /= 1e3;
		for (k = 0; k < NREQDUR && d > req_duration_s[k]; k++)
			;
		n[k]++;
		count++;
		sum += d;
	}
	prom_family(p, "strata_requests_total", PROM_COUNTER,
	    "OpenStack requests stored (merged across nodes), by status and "
	    "operation.");
	app_tally_write(&t, p, "strata_requests_total", "status", "operation");
	prom_family(p, "strata_request_duration_seconds", PROM_HISTOGRAM,
	    "Duration of the requests stored, first start to last end.");
	prom_histogram(p, "strata_request_duration_seconds", req_duration_s,
	    n, NREQDUR, count, sum, NULL, 0);
	app_tally_free(&t);
	json_object_put(arr);
	return 0;
}

/* Its pages: aggregator/kinds/request/web/ (docs/http.md). */
static const struct agg_web req_web = {
	.title = "Requests",
	.list = "requests.html",
	.item = "request.html",
};

static const struct agg_record req_records[] = {
	{ "request", req_fields, req_ingest, NULL },
	{ NULL, NULL, NULL, NULL }
};

extern const struct ctl_cmd *const request_cmds[];

const struct agg_kind agg_kind_request = {
	.name = "request",
	.records = req_records,
	.schema = req_schema,
	.prepare = req_prepare,
	.finish = req_finish,
	.after_batch = req_after_batch,
	.batch_end = req_batch_end,
	.status = req_status,
	.cmds = request_cmds,
	.metrics = req_metrics,
	.web = &req_web,
};
