/*
 * analyzers.c: the registration table and the set that fans one event
 * stream out to every analyzer.  Adding an analyzer is one line here.
 */
#include <stdlib.h>

#include "analyzer.h"
#include "log.h"

const struct analyzer_class *const analyzer_table[] = {
	&an_migration_class,
	NULL
};

struct an_set {
	unsigned	  n;
	void		**self;
};

void
an_params_default(struct an_params *p)
{
	p->downtime_limit_ms = 300;
	p->stall_rounds = 3;
	p->min_drop_pct = 10;
	p->page_size = 4096;
}

struct an_set *
an_set_create(const struct an_ctx *ctx)
{
	struct an_set *set;
	unsigned i;

	if ((set = calloc(1, sizeof(*set))) == NULL)
		return NULL;
	while (analyzer_table[set->n] != NULL)
		set->n++;
	if ((set->self = calloc(set->n, sizeof(*set->self))) == NULL)
		goto fail;
	for (i = 0; i < set->n; i++) {
		if ((set->self[i] = analyzer_table[i]->create(ctx)) == NULL) {
			log_warnx("%s: cannot create analyzer %s", __func__,
			    analyzer_table[i]->name);
			goto fail;
		}
	}
	return set;
fail:
	an_set_destroy(set);
	return NULL;
}

void
an_set_destroy(struct an_set *set)
{
	unsigned i;

	if (set == NULL)
		return;
	for (i = 0; i < set->n && set->self != NULL; i++)
		if (set->self[i] != NULL)
			analyzer_table[i]->destroy(set->self[i]);
	free(set->self);
	free(set);
}

unsigned
an_set_count(const struct an_set *set)
{
	return set->n;
}

unsigned
an_set_classify(const struct an_set *set, const char *name, int *codes)
{
	unsigned i, wanted = 0;

	for (i = 0; i < set->n; i++) {
		codes[i] = analyzer_table[i]->classify(name);
		if (codes[i] != AN_CODE_NONE)
			wanted++;
	}
	return wanted;
}

void
an_set_event(struct an_set *set, struct ev *ev, const int *codes)
{
	unsigned i;

	for (i = 0; i < set->n; i++) {
		if (codes[i] == AN_CODE_NONE)
			continue;
		ev->code = codes[i];
		analyzer_table[i]->event(set->self[i], ev);
	}
}

void
an_set_flush(struct an_set *set)
{
	unsigned i;

	for (i = 0; i < set->n; i++)
		if (analyzer_table[i]->flush != NULL)
			analyzer_table[i]->flush(set->self[i]);
}

void
an_set_params(struct an_set *set, const struct an_params *params)
{
	unsigned i;

	for (i = 0; i < set->n; i++)
		if (analyzer_table[i]->set_params != NULL)
			analyzer_table[i]->set_params(set->self[i], params);
}

void
an_set_finish(struct an_set *set)
{
	unsigned i;

	for (i = 0; i < set->n; i++)
		analyzer_table[i]->finish(set->self[i]);
}

struct json_object *
an_set_stats(struct an_set *set)
{
	struct json_object *obj = json_object_new_object();
	struct json_object *sub;
	unsigned i;

	for (i = 0; i < set->n; i++) {
		if (analyzer_table[i]->stats == NULL)
			continue;
		sub = json_object_new_object();
		analyzer_table[i]->stats(set->self[i], sub);
		json_object_object_add(obj, analyzer_table[i]->name, sub);
	}
	return obj;
}
