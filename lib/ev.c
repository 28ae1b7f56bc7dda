/*
 * ev.c: access to the fields of a decoded event by name.  Events carry a
 * handful of fields, so a linear scan beats any index.
 */
#include <string.h>

#include "ev.h"

const struct ev_field *
ev_field(const struct ev *ev, const char *name)
{
	unsigned i;

	for (i = 0; i < ev->nfields; i++)
		if (strcmp(ev->f[i].name, name) == 0)
			return &ev->f[i];
	return NULL;
}

/* An unsigned value; a negative signed value is refused. */
int
ev_u64(const struct ev *ev, const char *name, uint64_t *out)
{
	const struct ev_field *f = ev_field(ev, name);

	if (f == NULL)
		return -1;
	switch (f->type) {
	case EVF_UINT:
		*out = f->v.u;
		return 0;
	case EVF_INT:
		if (f->v.i < 0)
			return -1;
		*out = (uint64_t)f->v.i;
		return 0;
	case EVF_DOUBLE:
		if (f->v.d < 0)
			return -1;
		*out = (uint64_t)f->v.d;
		return 0;
	default:
		return -1;
	}
}

int
ev_i64(const struct ev *ev, const char *name, int64_t *out)
{
	const struct ev_field *f = ev_field(ev, name);

	if (f == NULL)
		return -1;
	switch (f->type) {
	case EVF_INT:
		*out = f->v.i;
		return 0;
	case EVF_UINT:
		if (f->v.u > INT64_MAX)
			return -1;
		*out = (int64_t)f->v.u;
		return 0;
	case EVF_DOUBLE:
		*out = (int64_t)f->v.d;
		return 0;
	default:
		return -1;
	}
}

const char *
ev_str(const struct ev *ev, const char *name)
{
	const struct ev_field *f = ev_field(ev, name);

	if (f == NULL || f->type != EVF_STR)
		return NULL;
	return f->v.s;
}

static struct ev_field *
ev_add(struct ev *ev, const char *name, enum ev_ftype type)
{
	struct ev_field *f;

	if (ev->nfields >= EV_MAX_FIELDS)
		return NULL;
	f = &ev->f[ev->nfields++];
	f->name = name;
	f->type = type;
	return f;
}

void
ev_add_int(struct ev *ev, const char *name, int64_t v)
{
	struct ev_field *f = ev_add(ev, name, EVF_INT);

	if (f != NULL)
		f->v.i = v;
}

void
ev_add_uint(struct ev *ev, const char *name, uint64_t v)
{
	struct ev_field *f = ev_add(ev, name, EVF_UINT);

	if (f != NULL)
		f->v.u = v;
}

void
ev_add_str(struct ev *ev, const char *name, const char *v)
{
	struct ev_field *f = ev_add(ev, name, EVF_STR);

	if (f != NULL)
		f->v.s = v;
}
