/*
 * reader.h: runs the event source (babeltrace2) in a thread of its own and
 * hands the events to the libevent loop in batches, so decoding and
 * analysis use two cores: the decoding is the most expensive part, and
 * the analyzers and records then cost no throughput.  The analyzers still
 * run in the main thread only.  With threaded 0 (offline traces only: a
 * live read can block in recv(2)), the loop runs the source itself and the
 * events go straight to the analyzers: one core, less CPU.
 */
#ifndef STRATA_READER_H
#define STRATA_READER_H

#include <event2/event.h>

#include "ev.h"
#include "source.h"

struct reader;

struct reader_cb {
	/* One wanted event and its analyzers' plans (main thread). */
	void	(*event)(void *arg, struct ev *, const struct ev_plan *plans);
	/* After each batch: the time to flush records. */
	void	(*batch)(void *arg);
	/* The source ended (offline END, or ERROR with its message). */
	void	(*end)(void *arg, enum source_status, const char *msg);
};

/* Starts the thread (or the loop's turns) at once; the source belongs to
   the reader until destroy. */
struct reader	*reader_create(struct event_base *, struct source *,
		    unsigned nanalyzers, unsigned idle_ms, int threaded,
		    const struct reader_cb *, void *arg);
/* Stops the thread, if there is one, and waits for it. */
void		 reader_destroy(struct reader *);
/* A copy of the source's counters as of the last batch. */
void		 reader_stats(struct reader *, struct source_stats *);

#endif
