/*
 * emit_ev.h: re-emit one decoded event (struct ev) as the matching lttng-ust
 * tracepoint of qemu_tp.h or ovs_tp.h.  Fields are looked up by name; a missing number
 * is emitted as 0 and a missing string as "", and both are counted.
 */
#ifndef STRATA_EMIT_EV_H
#define STRATA_EMIT_EV_H

#include <stdint.h>

#include "ev.h"

#define EMIT_EV_MAXFIELDS	10

struct emit_ev_stats {
	uint64_t	emitted;	/* tracepoints fired */
	uint64_t	unknown;	/* events with no tracepoint in this program */
	uint64_t	missing;	/* fields absent from the event (sent as 0/"") */
};

/* emit_ev.c */
const char	*emit_ev_layout(void);
unsigned	 emit_ev_count(void);
/* Index of "provider:event" (or a bare qemu event name), -1 if none. */
int		 emit_ev_lookup(const char *name);
const char	*emit_ev_name(int idx);
/* Field i of event idx: its name and type (EVF_*); -1 past the last one. */
int		 emit_ev_field(int idx, unsigned i, const char **name);
/*
 * Type of a field accepted by event idx, -1 if none; *canon (if not NULL)
 * gets the field's name in this layout (tranferred/transferred alias).
 */
int		 emit_ev_field_type(int idx, const char *name,
		    const char **canon);
/* Fires the tracepoint of event idx with ev's fields; -1 if idx is bad. */
int		 emit_ev_emit(struct emit_ev_stats *, int idx, const struct ev *);
/* Looks ev->name up and fires it; -1 (counted unknown) if not emittable. */
int		 emit_ev(struct emit_ev_stats *, const struct ev *);

#endif
