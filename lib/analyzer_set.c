/*
 * analyzer_set.c: the set that fans one event stream out to every analyzer
 * of the table (lib/analyzers/analyzers.c), and the parameters of every
 * class: one block per class, filled from the class's descriptor table,
 * set by "CLASS.key" from the configuration and handed to the class on
 * create and on reload.
 */
#include <stdlib.h>
#include <string.h>

#include "analyzer.h"
#include "conf.h"
#include "log.h"

struct an_conf {
	unsigned	  n;
	void		**block;	/* per class, params_size bytes */
};

struct an_set {
	unsigned	  n;
	void		**self;
	struct an_conf	 *conf;		/* the blocks the analyzers read */
	struct an_host	  host;
	struct vmreg	 *own_vms;	/* made here when the host gave none */
	struct an_shared  shared;	/* host.shared points here */
};

static unsigned
an_table_count(void)
{
	unsigned n = 0;

	while (analyzer_table[n] != NULL)
		n++;
	return n;
}

void
an_params_default(const struct analyzer_class *cls, void *block)
{
	const struct an_param *p;
	char *b = block;

	for (p = cls->params; p != NULL && p->key != NULL; p++) {
		if (p->type == AN_P_UINT)
			*(unsigned *)(b + p->off) = (unsigned)p->def;
		else
			*(double *)(b + p->off) = p->def;
	}
}

struct an_conf *
an_conf_create(void)
{
	struct an_conf *c;
	unsigned i;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("%s: calloc", __func__);
		return NULL;
	}
	c->n = an_table_count();
	if ((c->block = calloc(c->n, sizeof(*c->block))) == NULL) {
		log_warn("%s: calloc", __func__);
		goto fail;
	}
	for (i = 0; i < c->n; i++) {
		/* A class without parameters still gets a (1-byte) block. */
		c->block[i] = calloc(1, analyzer_table[i]->params_size + 1);
		if (c->block[i] == NULL) {
			log_warn("%s: calloc", __func__);
			goto fail;
		}
		an_params_default(analyzer_table[i], c->block[i]);
	}
	return c;
fail:
	an_conf_free(c);
	return NULL;
}

void
an_conf_free(struct an_conf *c)
{
	unsigned i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n && c->block != NULL; i++)
		free(c->block[i]);
	free(c->block);
	free(c);
}

static void
an_conf_copy(struct an_conf *dst, const struct an_conf *src)
{
	unsigned i;

	for (i = 0; i < dst->n; i++)
		memcpy(dst->block[i], src->block[i],
		    analyzer_table[i]->params_size);
}

const void *
an_conf_block(const struct an_conf *c, const char *name)
{
	unsigned i;

	for (i = 0; i < c->n; i++)
		if (strcmp(analyzer_table[i]->name, name) == 0)
			return c->block[i];
	return NULL;
}

static const struct an_param *
an_param_find(const struct analyzer_class *cls, const char *key)
{
	const struct an_param *p;

	for (p = cls->params; p != NULL && p->key != NULL; p++)
		if (strcmp(p->key, key) == 0)
			return p;
	return NULL;
}

static int
an_param_set(const struct analyzer_class *cls, void *block,
    const struct an_param *p, const char *value, const char *where)
{
	double d;

	if (*value == '\0') {
		log_warnx("%s: %s.%s: empty value", where, cls->name, p->key);
		return -1;
	}
	if (conf_number(value, -1e300, 1e300, p->type == AN_P_UINT, &d) == -1) {
		log_warnx("%s: %s.%s: \"%s\" is not %s", where, cls->name,
		    p->key, value, p->type == AN_P_UINT ? "an integer" :
		    "a number");
		return -1;
	}
	if (d < p->min || d > p->max) {
		log_warnx("%s: %s.%s: %s is out of range %g..%g", where,
		    cls->name, p->key, value, p->min, p->max);
		return -1;
	}
	if (p->type == AN_P_UINT)
		*(unsigned *)((char *)block + p->off) = (unsigned)d;
	else
		*(double *)((char *)block + p->off) = d;
	return 0;
}

int
an_conf_set(struct an_conf *c, const char *key, const char *value,
    const char *where)
{
	const struct an_param *p;
	const char *dot;
	size_t len;
	unsigned i, found = 0, which = 0;

	if ((dot = strchr(key, '.')) != NULL) {
		len = (size_t)(dot - key);
		for (i = 0; i < c->n; i++) {
			if (strlen(analyzer_table[i]->name) != len ||
			    strncmp(analyzer_table[i]->name, key, len) != 0)
				continue;
			if ((p = an_param_find(analyzer_table[i], dot + 1)) ==
			    NULL) {
				log_warnx("%s: unknown key \"%s\"", where, key);
				return -1;
			}
			return an_param_set(analyzer_table[i], c->block[i], p,
			    value, where);
		}
		return 1;
	}
	/* A bare key, as before the keys had a class: one class must own it. */
	for (i = 0; i < c->n; i++)
		if (an_param_find(analyzer_table[i], key) != NULL) {
			found++;
			which = i;
		}
	if (found != 1)
		return 1;
	log_warnx("%s: \"%s\" is deprecated, write \"%s.%s\"", where, key,
	    analyzer_table[which]->name, key);
	return an_param_set(analyzer_table[which], c->block[which],
	    an_param_find(analyzer_table[which], key), value, where);
}

void
an_conf_print(const struct an_conf *c, FILE *fp)
{
	const struct an_param *p;
	const char *b;
	unsigned i;

	for (i = 0; i < c->n; i++) {
		b = c->block[i];
		for (p = analyzer_table[i]->params; p != NULL && p->key != NULL;
		    p++) {
			if (p->type == AN_P_UINT)
				fprintf(fp, "%s.%s = %u\n", analyzer_table[i]->name,
				    p->key, *(const unsigned *)(b + p->off));
			else
				fprintf(fp, "%s.%s = %g\n", analyzer_table[i]->name,
				    p->key, *(const double *)(b + p->off));
		}
	}
}

void
an_conf_describe(const struct an_conf *c, char *buf, size_t size)
{
	const struct an_param *p;
	const char *b;
	size_t len = 0;
	unsigned i;
	int r;

	if (size == 0)
		return;
	buf[0] = '\0';
	for (i = 0; i < c->n; i++) {
		b = c->block[i];
		for (p = analyzer_table[i]->params; p != NULL && p->key != NULL;
		    p++) {
			if (p->type == AN_P_UINT)
				r = snprintf(buf + len, size - len, "%s%s.%s %u",
				    len ? ", " : "", analyzer_table[i]->name,
				    p->key, *(const unsigned *)(b + p->off));
			else
				r = snprintf(buf + len, size - len, "%s%s.%s %g",
				    len ? ", " : "", analyzer_table[i]->name,
				    p->key, *(const double *)(b + p->off));
			if (r < 0 || (size_t)r >= size - len)
				return;
			len += (size_t)r;
		}
	}
}

void
an_emit_text(const struct an_host *h, const char *text, size_t len)
{
	struct json_object *o;

	if (h->emit_text != NULL) {
		h->emit_text(h->emit_arg, text, len);
		return;
	}
	if ((o = json_tokener_parse(text)) == NULL) {
		log_warnx("%s: a record that is not JSON", __func__);
		return;
	}
	h->emit(h->emit_arg, o);
}

void
an_plan_fields(struct ev_plan *plan, int code, const char *const *slots,
    const char *const *fields, unsigned nfields)
{
	unsigned s, i;

	memset(plan, 0, sizeof(*plan));
	plan->code = code;
	plan->trusted = 1;
	plan->slots = slots;
	for (s = 0; s < EV_PLAN_SLOTS; s++)
		plan->idx[s] = -1;
	/* slots is NULL-terminated, at most EV_PLAN_SLOTS long. */
	for (s = 0; slots != NULL && s < EV_PLAN_SLOTS && slots[s] != NULL; s++) {
		for (i = 0; i < nfields && i < 127; i++)
			if (strcmp(fields[i], slots[s]) == 0) {
				plan->idx[s] = (int8_t)i;
				break;
			}
	}
}

void
an_plan_from_event(const struct analyzer_class *cls, const struct ev *ev,
    struct ev_plan *plan)
{
	const char *names[EV_MAX_FIELDS];
	unsigned i;

	for (i = 0; i < ev->nfields; i++)
		names[i] = ev->f[i].name;
	cls->classify(ev->name, names, ev->nfields, plan);
	plan->trusted = 0;
}

struct an_set *
an_set_create(const struct an_host *host, const struct an_conf *conf)
{
	struct an_set *set;
	unsigned i;

	if ((set = calloc(1, sizeof(*set))) == NULL) {
		log_warn("%s: calloc", __func__);
		return NULL;
	}
	set->host = *host;
	if (set->host.vms == NULL) {
		if ((set->own_vms = vmreg_create(0)) == NULL)
			goto fail;
		set->host.vms = set->own_vms;
	}
	set->host.shared = &set->shared;
	if ((set->conf = an_conf_create()) == NULL)
		goto fail;
	if (conf != NULL)
		an_conf_copy(set->conf, conf);
	set->n = set->conf->n;
	if ((set->self = calloc(set->n, sizeof(*set->self))) == NULL) {
		log_warn("%s: calloc", __func__);
		goto fail;
	}
	for (i = 0; i < set->n; i++) {
		set->self[i] = analyzer_table[i]->create(&set->host,
		    set->conf->block[i]);
		if (set->self[i] == NULL) {
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
	if (set->shared.memo_free != NULL)
		set->shared.memo_free(set->shared.memo);
	an_conf_free(set->conf);
	vmreg_destroy(set->own_vms);
	free(set);
}

unsigned
an_set_count(const struct an_set *set)
{
	return set->n;
}

struct vmreg *
an_set_vms(struct an_set *set)
{
	return set->host.vms;
}

unsigned
an_set_classify(const struct an_set *set, const char *name,
    const char *const *fields, unsigned nfields, struct ev_plan *plans)
{
	unsigned i, wanted = 0;
	int next = -1;

	for (i = 0; i < set->n; i++)
		analyzer_table[i]->classify(name, fields, nfields, &plans[i]);
	/* Linked from the last, so that an event visits only its takers. */
	for (i = set->n; i-- > 0; ) {
		plans[i].next = (int8_t)next;
		if (plans[i].code != AN_CODE_NONE) {
			next = (int)i;
			wanted++;
		}
	}
	return wanted;
}

void
an_set_event(struct an_set *set, struct ev *ev, const struct ev_plan *plans)
{
	int i;

	set->shared.seq++;
	if (set->n == 0)
		return;
	/* The plans that want the class, through an_set_classify's links. */
	for (i = plans[0].code != AN_CODE_NONE ? 0 : plans[0].next; i >= 0;
	    i = plans[i].next) {
		ev->code = plans[i].code;
		ev->plan = &plans[i];
		analyzer_table[i]->event(set->self[i], ev);
	}
	ev->plan = NULL;
}

void
an_set_flush(struct an_set *set)
{
	unsigned i;

	for (i = 0; i < set->n; i++)
		if (analyzer_table[i]->flush != NULL)
			analyzer_table[i]->flush(set->self[i]);
}

/* SIGHUP: the set's blocks change, then every class is told. */
void
an_set_params(struct an_set *set, const struct an_conf *conf)
{
	unsigned i;

	an_conf_copy(set->conf, conf);
	for (i = 0; i < set->n; i++)
		if (analyzer_table[i]->set_params != NULL)
			analyzer_table[i]->set_params(set->self[i],
			    set->conf->block[i]);
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
