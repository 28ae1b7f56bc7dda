/*
 * oslo_an.c: the `oslo` analyzer: parses every lttng_python:event first
 * (oslo.c), so the application analyzers after it in the table find the
 * parse made, and reports the parser's counters in the stats line
 * (malformed, duplicates, ...).  It emits no records.
 */
#include <stdlib.h>
#include <string.h>

#include "oslo.h"
#include "log.h"

struct oslo_an {
	struct an_host	 host;
	struct oslo_ctx	*own;		/* without a set to share with */
};

static void
oslo_an_classify(const char *name, const char *const *fields, unsigned nfields,
    struct ev_plan *plan)
{
	if (strcmp(name, OSLO_EVENT) == 0)
		an_plan_fields(plan, 0, oslo_fields, fields, nfields);
	else
		an_plan_fields(plan, AN_CODE_NONE, NULL, NULL, 0);
}

static void *
oslo_an_create(const struct an_host *host, const void *params)
{
	struct oslo_an *an;

	(void)params;
	if ((an = calloc(1, sizeof(*an))) == NULL) {
		log_warn("%s: calloc", __func__);
		return NULL;
	}
	an->host = *host;
	return an;
}

static void
oslo_an_event(void *self, const struct ev *ev)
{
	struct oslo_an *an = self;

	(void)oslo_get(&an->host, ev, &an->own);
}

static void
oslo_an_nop(void *self)
{
	(void)self;
}

static void
oslo_an_stats(void *self, struct json_object *obj)
{
	struct oslo_an *an = self;
	const struct oslo_stats *st = oslo_stats_of(&an->host, an->own);
	struct oslo_stats zero;

	if (st == NULL) {
		memset(&zero, 0, sizeof(zero));
		st = &zero;
	}
#define N(k) json_object_object_add(obj, #k, json_object_new_int64((int64_t)st->k))
	N(events);
	N(notifications);
	N(json_logs);
	N(plain_logs);
	N(seeds);
	N(no_msg);
	N(malformed);
	N(unknown_shape);
	N(bad_notification);
	N(duplicates);
	N(ignored);
	N(too_big);
#undef N
}

static void
oslo_an_destroy(void *self)
{
	struct oslo_an *an = self;

	oslo_ctx_free(an->own);
	free(an);
}

const struct analyzer_class an_oslo_class = {
	.name = "oslo",
	.params = NULL,
	.params_size = 0,
	.classify = oslo_an_classify,
	.create = oslo_an_create,
	.event = oslo_an_event,
	.flush = oslo_an_nop,
	.finish = oslo_an_nop,
	.set_params = NULL,
	.stats = oslo_an_stats,
	.destroy = oslo_an_destroy,
};
