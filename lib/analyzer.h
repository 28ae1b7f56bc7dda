/*
 * analyzer.h: the one interface every analyzer implements, and the set that
 * runs them all over one event stream.
 *
 * Analyzers are pure: events in, records (json-c objects) out through the
 * emit callback.  They do no I/O of their own; what they need from the host
 * (which VM a process is) comes through callbacks in struct an_ctx.
 */
#ifndef STRATA_ANALYZER_H
#define STRATA_ANALYZER_H

#include <stdint.h>

#include <json-c/json.h>

#include "ev.h"

#define AN_CODE_NONE	(-1)	/* classify(): the analyzer ignores the event */

/* Thresholds that decide verdicts and alerts; see docs/convergence.md. */
struct an_params {
	double		downtime_limit_ms;	/* QEMU's downtime-limit, default 300 */
	unsigned	stall_rounds;		/* iterative rounds with no drop before alerting */
	double		min_drop_pct;		/* a drop smaller than this is noise */
	unsigned	page_size;		/* target page size in bytes */
};

/* What a process is, as far as the host knows. */
struct vm_ident {
	char	uuid[64];
	char	name[128];
};

struct an_ctx {
	const char		*node;		/* this node's name */
	struct an_params	 params;
	/* Required.  Takes ownership of rec. */
	void			(*emit)(void *arg, struct json_object *rec);
	void			*emit_arg;
	/* Fills *out for a local process; returns -1 when unknown.  May be NULL. */
	int			(*resolve_vm)(void *arg, int64_t vpid, struct vm_ident *out);
	void			*resolve_arg;
};

struct analyzer_class {
	const char	*name;
	/* Called once per event class: a code >= 0, or AN_CODE_NONE. */
	int		(*classify)(const char *event_name);
	void		*(*create)(const struct an_ctx *);
	void		(*event)(void *self, const struct ev *);
	/*
	 * After each batch of events: emit the records deferred during it
	 * (a migration changing state several times in a batch is sent once).
	 */
	void		(*flush)(void *self);
	/* End of input (offline trace or shutdown): emit what is pending. */
	void		(*finish)(void *self);
	/* New thresholds (SIGHUP): they apply from the next round on. */
	void		(*set_params)(void *self, const struct an_params *);
	/* Counters for the agent's stats line; adds members to obj. */
	void		(*stats)(void *self, struct json_object *obj);
	void		(*destroy)(void *self);
};

/* The registration table, NULL-terminated (analyzers.c). */
extern const struct analyzer_class *const analyzer_table[];

/* A running set of every registered analyzer. */
struct an_set;

/* analyzers.c */
void		 an_params_default(struct an_params *);
struct an_set	*an_set_create(const struct an_ctx *);
void		 an_set_destroy(struct an_set *);
unsigned	 an_set_count(const struct an_set *);
/* Fills codes[an_set_count()] for one event class; returns how many want it. */
unsigned	 an_set_classify(const struct an_set *, const char *name, int *codes);
/* Hands ev to every analyzer whose code is >= 0; ev->code is set per analyzer. */
void		 an_set_event(struct an_set *, struct ev *ev, const int *codes);
void		 an_set_flush(struct an_set *);
void		 an_set_params(struct an_set *, const struct an_params *);
void		 an_set_finish(struct an_set *);
struct json_object *an_set_stats(struct an_set *);

/* an_migration.c */
extern const struct analyzer_class an_migration_class;

#endif
