/*
 * ev.c: access to the fields of a decoded event, by name (a linear scan,
 * for tests and rare events) or by the slot of the analyzer's plan (an
 * index, for the hot path).
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

/* ev_slot() of a plan that is not trusted (or a slot out of range). */
const struct ev_field *
ev_slot_checked(const struct ev *ev, unsigned slot)
{
	const struct ev_plan *p = ev->plan;
	const char *name;
	int i;

	if (p == NULL || slot >= EV_PLAN_SLOTS || p->slots == NULL ||
	    (name = p->slots[slot]) == NULL)
		return NULL;
	i = p->idx[slot];
	if (p->trusted)
		return i >= 0 && (unsigned)i < ev->nfields ? &ev->f[i] : NULL;
	if (i >= 0 && (unsigned)i < ev->nfields &&
	    strcmp(ev->f[i].name, name) == 0)
		return &ev->f[i];
	return ev_field(ev, name);
}

/*
 * An unsigned value; a negative value is refused, and so is a double that
 * is not finite or out of range (converting it would be undefined).
 */
int
ev_field_u64(const struct ev_field *f, uint64_t *out)
{
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
		if (!(f->v.d >= 0 && f->v.d < 18446744073709551616.0))
			return -1;
		*out = (uint64_t)f->v.d;
		return 0;
	default:
		return -1;
	}
}

int
ev_field_i64(const struct ev_field *f, int64_t *out)
{
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
		if (!(f->v.d >= -9223372036854775808.0 &&
		    f->v.d < 9223372036854775808.0))
			return -1;
		*out = (int64_t)f->v.d;
		return 0;
	default:
		return -1;
	}
}

static const char *
field_str(const struct ev_field *f)
{
	if (f == NULL || f->type != EVF_STR)
		return NULL;
	return f->v.s;
}

int
ev_u64(const struct ev *ev, const char *name, uint64_t *out)
{
	return ev_field_u64(ev_field(ev, name), out);
}

int
ev_i64(const struct ev *ev, const char *name, int64_t *out)
{
	return ev_field_i64(ev_field(ev, name), out);
}

const char *
ev_str(const struct ev *ev, const char *name)
{
	return field_str(ev_field(ev, name));
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
