/*
 * source.h: the event source.  Reads an LTTng live session (through
 * lttng-relayd) or a CTF trace directory with babeltrace2, turns every
 * event an analyzer wants into a struct ev and hands it to the analyzer set.
 *
 * The caller drives it: source_run() does a bounded amount of work and says
 * what to do next, so it fits an event loop without threads.
 */
#ifndef STRATA_SOURCE_H
#define STRATA_SOURCE_H

#include <stdint.h>

#include "analyzer.h"
#include "ev.h"

enum source_status {
	SOURCE_PROGRESS,	/* did work; call again soon */
	SOURCE_AGAIN,		/* live: nothing now; wait a little, then call again */
	SOURCE_END,		/* offline trace done (final), or live session gone */
	SOURCE_ERROR,		/* see source_error(); offline: final;
				   live: call again after source_retry_ms() */
};

struct source_stats {
	uint64_t	events;			/* event messages seen */
	uint64_t	dispatched;		/* events handed to at least one analyzer */
	uint64_t	discarded_events;	/* lost by the tracer (ring buffer full) */
	uint64_t	discarded_packets;	/* lost packets (live, or overwrite mode) */
	uint64_t	classes;		/* event classes resolved */
	uint64_t	rebuilds;		/* graphs built after the first one */
	uint64_t	errors;			/* runs that ended in SOURCE_ERROR */
	uint64_t	fields_dropped;		/* fields past EV_MAX_FIELDS, not decoded */
};

/* Sees every event, wanted or not (tests, event dumps); may be NULL. */
typedef void	(*source_hook_fn)(void *arg, const struct ev *);
/*
 * Gets every wanted event with its analyzers' plans; by default
 * an_set_event() on the set.  A reader thread sets its own to hand events
 * over to another thread: the event and field names stay valid until
 * source_destroy(), string values only during the call.
 */
typedef void	(*source_dispatch_fn)(void *arg, struct ev *,
		    const struct ev_plan *plans);

struct source;

/* source.c */
struct source	*source_create(const char *input, int live, struct an_set *);
void		 source_destroy(struct source *);
void		 source_set_hook(struct source *, source_hook_fn, void *);
void		 source_set_dispatch(struct source *, source_dispatch_fn, void *);
enum source_status source_run(struct source *, unsigned budget);
/* One readable line describing the last SOURCE_ERROR. */
const char	*source_error(const struct source *);
/* Drops the graph; the next source_run() builds a new one. */
void		 source_reset(struct source *);
/*
 * From another thread: makes a source_run() in progress give up (the
 * graph's interrupter; a live recv(2) notices it on EINTR).  For good.
 */
void		 source_interrupt(struct source *);
/* Live: how long to wait before the next attempt (capped exponential). */
unsigned	 source_retry_ms(struct source *);
const struct source_stats *source_stats(const struct source *);
int		 source_is_live(const struct source *);

#endif
