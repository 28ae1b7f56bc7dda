/*
 * ev.h: one decoded trace event, as every analyzer sees it.
 *
 * The event source (babeltrace2) and the QEMU log parser both fill this
 * structure, so analyzers never depend on where an event came from and unit
 * tests can build events by hand.  Field names and string values point into
 * storage owned by the producer and are valid only during the callback.
 */
#ifndef STRATA_EV_H
#define STRATA_EV_H

#include <stdint.h>

#define EV_MAX_FIELDS	12

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

struct ev {
	const char	*name;		/* "provider:event", e.g. "qemu:migrate_pending" */
	uint64_t	 t_ns;		/* ns since the Unix epoch, trace clock */
	int64_t		 vpid;		/* emitting process, -1 if unknown */
	int64_t		 vtid;		/* emitting thread, -1 if unknown */
	int		 code;		/* the analyzer's own code for this event class */
	unsigned	 nfields;
	struct ev_field	 f[EV_MAX_FIELDS];
};

/* ev.c */
const struct ev_field	*ev_field(const struct ev *, const char *);
int			 ev_u64(const struct ev *, const char *, uint64_t *);
int			 ev_i64(const struct ev *, const char *, int64_t *);
const char		*ev_str(const struct ev *, const char *);
void			 ev_add_int(struct ev *, const char *, int64_t);
void			 ev_add_uint(struct ev *, const char *, uint64_t);
void			 ev_add_str(struct ev *, const char *, const char *);

#endif
