/*
 * source_int.h: what the two halves of the event source share: the graph
 * side (source.c) and the per-class cache and event decoding
 * (source_class.c).  Private to them.
 */
#ifndef STRATA_SOURCE_INT_H
#define STRATA_SOURCE_INT_H

#include <babeltrace2/babeltrace.h>

#include "source.h"

struct cls_info;

struct source {
	char			*input;
	int			 live;
	struct an_set		*set;
	unsigned		 nan;		/* an_set_count() */
	source_hook_fn		 hook;
	void			*hook_arg;
	source_dispatch_fn	 dispatch;
	void			*dispatch_arg;

	const bt_plugin		*ctf;
	const bt_plugin		*utils;
	bt_graph		*graph;
	bt_interrupter		*intr;		/* in every graph: source_interrupt() */
	int			 built;		/* graphs built so far */

	struct cls_info		**cache;	/* open addressing by pointer */
	size_t			 cache_size;
	size_t			 cache_used;

	uint64_t		 run_events;	/* events seen during this run */
	uint64_t		 run_batches;	/* message arrays during this run */
	int			 down;		/* live: in an outage */
	enum source_status	 over;		/* offline: END or ERROR, final */
	unsigned		 retry_ms;
	char			 err[512];
	struct source_stats	 st;
	int			 warned_vpid;	/* the missing vpid context, once */
	const bt_packet		*last_packet;	/* packet_cpu()'s, referenced */
	struct cls_info		*last_ci;	/* cache_get()'s last answer */
	int			 last_cpu;
	struct source_name	*names;		/* interned, until destroy */
};

/* Event and field names outlive graph rebuilds, so readers may keep them. */
struct source_name {
	struct source_name	*next;
	char			 s[];
};

/* source_class.c */
bt_graph_simple_sink_component_consume_func_status
	source_consume(bt_message_iterator *, void *);
void	source_cache_clear(struct source *);
void	source_names_free(struct source *);

#endif
