/*
 * analyzer.h: the one interface every analyzer implements, and the set that
 * runs them all over one event stream.  Nothing here names an analyzer:
 * each class brings its own parameters (a descriptor table), its own codes
 * and its own field plans.
 *
 * Analyzers are pure: events in, records (json-c objects) out through the
 * emit callback.  They do no I/O of their own; what they need from the host
 * (which VM a process is, the time) comes through struct an_host.
 */
#ifndef STRATA_ANALYZER_H
#define STRATA_ANALYZER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

#include "ev.h"
#include "vmreg.h"

#define AN_CODE_NONE	(-1)	/* classify(): the analyzer ignores the event */

/*
 * What the analyzers of one set share about the current event.  The set
 * bumps seq before handing each event out, so a result a helper library
 * computed for seq is the current event's: the first analyzer that needs
 * the parse of an event's message makes it, the others reuse it.  memo is
 * the one helper's state (the OpenStack message parser,
 * lib/analyzers/oslo/); memo_free is called by an_set_destroy.
 */
struct an_shared {
	uint64_t	 seq;
	void		*memo;
	void		(*memo_free)(void *);
};

/* The host's services, the same for every analyzer. */
struct an_host {
	const char	*node;		/* this node's name */
	/* Required.  Takes ownership of rec. */
	void		(*emit)(void *arg, struct json_object *rec);
	/*
	 * A record as its JSON text (an object with an "id"); may be NULL:
	 * an_emit_text() then parses the text for emit.  Same emit_arg.
	 */
	void		(*emit_text)(void *arg, const char *text, size_t len);
	void		*emit_arg;
	/* Fills *out for a local process; returns -1 when unknown.  May be NULL. */
	int		(*resolve_vm)(void *arg, int64_t vpid, struct vm_ident *out);
	void		*resolve_arg;
	/* Wall clock, ns since the epoch; NULL: analyzers use trace time only. */
	int64_t		(*now_ns)(void);
	/* What analyzers learn about VMs, shared; NULL: the set makes one. */
	struct vmreg	*vms;
	/* Per-event sharing between the set's analyzers; the set fills it. */
	struct an_shared *shared;
};

enum an_ptype {
	AN_P_DOUBLE,		/* a double in the params struct */
	AN_P_UINT,		/* an unsigned */
};

/* One configuration key of a class: CLASS.key in the configuration. */
struct an_param {
	const char	*key;		/* NULL ends the table */
	enum an_ptype	 type;
	double		 def, min, max;
	size_t		 off;		/* into the class's params struct */
	const char	*help;		/* one line, for documentation */
};

struct analyzer_class {
	const char		*name;		/* also the configuration namespace */
	const struct an_param	*params;	/* may be NULL */
	size_t			 params_size;	/* of the class's params struct */
	/*
	 * Called once per event class with the names of the fields events of
	 * that class carry (ev->f order): fills plan->code (>= 0, or
	 * AN_CODE_NONE) and the indices of the fields the code reads.
	 */
	void		(*classify)(const char *event_name,
			    const char *const *fields, unsigned nfields,
			    struct ev_plan *plan);
	/* params: the class's own block, valid until destroy. */
	void		*(*create)(const struct an_host *, const void *params);
	void		(*event)(void *self, const struct ev *);
	/*
	 * After each batch of events: emit the records deferred during it
	 * (a migration changing state several times in a batch is sent once).
	 */
	void		(*flush)(void *self);
	/* End of input (offline trace or shutdown): emit what is pending. */
	void		(*finish)(void *self);
	/* New parameters (SIGHUP): they apply from the next round on. */
	void		(*set_params)(void *self, const void *params);
	/* Counters for the agent's stats line; adds members to obj. */
	void		(*stats)(void *self, struct json_object *obj);
	void		(*destroy)(void *self);
};

/* The registration table, NULL-terminated (lib/analyzers/analyzers.c). */
extern const struct analyzer_class *const analyzer_table[];

/* Every class's parameters, one block each (configuration). */
struct an_conf;

/* A running set of every registered analyzer. */
struct an_set;

/* analyzer_set.c */
struct an_conf	*an_conf_create(void);
void		 an_conf_free(struct an_conf *);
/*
 * Sets CLASS.key (or a bare key of one class, deprecated, with a warning):
 * 0, -1 after logging WHERE: why, or 1 when no class has the key.
 */
int		 an_conf_set(struct an_conf *, const char *key,
		    const char *value, const char *where);
/* Every CLASS.key = value, as -nv prints them. */
void		 an_conf_print(const struct an_conf *, FILE *);
/* "CLASS.key V, ..." for one log line. */
void		 an_conf_describe(const struct an_conf *, char *buf, size_t);
/* The block of class name (for its tests); NULL if unknown. */
const void	*an_conf_block(const struct an_conf *, const char *name);
/* A class's defaults into a block of class->params_size bytes. */
void		 an_params_default(const struct analyzer_class *, void *block);

/* A record written as text (jw_*, jwrite.h) to the host. */
void		 an_emit_text(const struct an_host *, const char *text,
		    size_t len);

/* Fills plan for one event class: code, and the indices of fields[i]. */
void		 an_plan_fields(struct ev_plan *plan, int code,
		    const char *const *slots, const char *const *fields,
		    unsigned nfields);
/* A plan from one event's own fields, for producers with no class cache. */
void		 an_plan_from_event(const struct analyzer_class *,
		    const struct ev *, struct ev_plan *plan);

/* conf may be NULL (defaults); it is copied. */
struct an_set	*an_set_create(const struct an_host *, const struct an_conf *);
void		 an_set_destroy(struct an_set *);
unsigned	 an_set_count(const struct an_set *);
/* Fills plans[an_set_count()] for one event class; returns how many want it. */
unsigned	 an_set_classify(const struct an_set *, const char *name,
		    const char *const *fields, unsigned nfields,
		    struct ev_plan *plans);
/* Hands ev to every analyzer whose code is >= 0, with its plan in ev->plan;
   plans as an_set_classify() filled them (it links the takers). */
void		 an_set_event(struct an_set *, struct ev *ev,
		    const struct ev_plan *plans);
void		 an_set_flush(struct an_set *);
void		 an_set_params(struct an_set *, const struct an_conf *);
void		 an_set_finish(struct an_set *);
struct json_object *an_set_stats(struct an_set *);
struct vmreg	*an_set_vms(struct an_set *);

#endif
