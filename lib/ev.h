/*
 * ev.h: one decoded trace event, as every analyzer sees it.
 *
 * The event source (babeltrace2) and the QEMU log parser both fill this
 * structure, so analyzers never depend on where an event came from and unit
 * tests can build events by hand.  Field names and string values point into
 * storage owned by the producer and are valid only during the callback.
 * The trace source decodes only the fields some analyzer's plan names, so
 * an analyzer reads a field through its plan's slots (ev_slot*), never by
 * a name its plan lacks.
 */
#ifndef STRATA_EV_H
#define STRATA_EV_H

#include <stdint.h>

#define EV_MAX_FIELDS	24
#define EV_PLAN_SLOTS	8	/* fields one analyzer code reads */

enum ev_ftype {
	EVF_INT,		/* signed integer, in v.i */
	EVF_UINT,		/* unsigned integer, in v.u */
	EVF_DOUBLE,		/* real, in v.d */
	EVF_STR,		/* string, in v.s */
};

struct ev_field {
	const char	*name;
	enum ev_ftype	 type;
	union {
		int64_t		 i;
		uint64_t	 u;
		double		 d;
		const char	*s;
	} v;
};

/*
 * What one analyzer reads of one event class, resolved once: its code and
 * where in ev->f each field it reads is.  A trusted plan comes from the
 * class's field list (the event source): a field costs an index, and
 * idx[] is -1 wherever the plan names no field (an_plan_fields()).  An
 * untrusted one was computed from one event (producers without a class
 * cache): the name at the index is checked, else looked up by name.
 */
struct ev_plan {
	int			 code;		/* AN_CODE_NONE: not wanted */
	int8_t			 trusted;
	int8_t			 next;		/* the set's next plan that wants
						   the class, -1: none */
	const char *const	*slots;		/* field names, the analyzer's */
	int8_t			 idx[EV_PLAN_SLOTS];	/* into ev->f; -1 absent */
};

struct ev {
	const char	*name;		/* "provider:event", e.g. "qemu:migrate_pending" */
	uint64_t	 t_ns;		/* ns since the Unix epoch, trace clock */
	int64_t		 vpid;		/* emitting process, -1 if unknown */
	int64_t		 vtid;		/* emitting thread, -1 if unknown */
	int		 cpu;		/* the stream's CPU (cpu_id), -1 if unknown */
	int		 code;		/* the analyzer's own code for this event class */
	const struct ev_plan *plan;	/* the analyzer's plan; NULL: by name only */
	unsigned	 nfields;
	struct ev_field	 f[EV_MAX_FIELDS];
};

/* ev.c */
const struct ev_field	*ev_field(const struct ev *, const char *);
int			 ev_u64(const struct ev *, const char *, uint64_t *);
int			 ev_i64(const struct ev *, const char *, int64_t *);
const char		*ev_str(const struct ev *, const char *);
/* A field's value: -1 when it is missing or does not fit the type. */
int			 ev_field_u64(const struct ev_field *, uint64_t *);
int			 ev_field_i64(const struct ev_field *, int64_t *);
const struct ev_field	*ev_slot_checked(const struct ev *, unsigned slot);
void			 ev_add_int(struct ev *, const char *, int64_t);
void			 ev_add_uint(struct ev *, const char *, uint64_t);
void			 ev_add_str(struct ev *, const char *, const char *);

/*
 * The slot accessors are the analyzers' hot path (several calls an event):
 * inline, a trusted plan's index and a value of the expected type go
 * straight through; everything else takes the checked functions of ev.c.
 */

/* Field slot of ev->plan; NULL when the plan has no such field. */
static inline const struct ev_field *
ev_slot(const struct ev *ev, unsigned slot)
{
	const struct ev_plan *p = ev->plan;
	int i;

	if (p == NULL || !p->trusted || slot >= EV_PLAN_SLOTS)
		return ev_slot_checked(ev, slot);
	i = p->idx[slot];	/* -1 where the plan names no field */
	return i >= 0 && (unsigned)i < ev->nfields ? &ev->f[i] : NULL;
}

static inline int
ev_slot_u64(const struct ev *ev, unsigned slot, uint64_t *out)
{
	const struct ev_field *f = ev_slot(ev, slot);

	if (f != NULL && f->type == EVF_UINT) {
		*out = f->v.u;
		return 0;
	}
	return ev_field_u64(f, out);
}

static inline int
ev_slot_i64(const struct ev *ev, unsigned slot, int64_t *out)
{
	const struct ev_field *f = ev_slot(ev, slot);

	if (f != NULL && f->type == EVF_INT) {
		*out = f->v.i;
		return 0;
	}
	return ev_field_i64(f, out);
}

static inline const char *
ev_slot_str(const struct ev *ev, unsigned slot)
{
	const struct ev_field *f = ev_slot(ev, slot);

	return f != NULL && f->type == EVF_STR ? f->v.s : NULL;
}

#endif
