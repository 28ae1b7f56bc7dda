/*
 * store_clock.c: each node's clock offset (node clock minus the
 * aggregator's, in ns) and its evidence: the handshake (agent wall clock
 * vs ours) and the records (a record's t_ns cannot lie in our future, so
 * t_ns - now is a lower bound).  Kinds add evidence of their own through
 * store_clock_put() (the migration kind: matched pairs).  Every piece is
 * within STORE_TIME_RANGE_NS (the range checks of store.c refuse what is
 * not), so their sums cannot overflow.  docs/store.md tells the rules.
 */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "log.h"
#include "store.h"
#include "store_int.h"

/* An offset (or a piece of one) some node's clock may have. */
static int
clock_near(int64_t v)
{
	return store_time_near(v, 0);
}

int
store_clock_get(struct store *s, const char *node, struct store_clock *c)
{
	sqlite3_stmt *st = store_st(s, ST_NODE_GET);
	int r;

	c->hello = c->lo = STORE_NONE;
	c->adj = c->offset = 0;
	store_bind_str(st, 1, node);
	if ((r = store_row(s, st, "clock")) == 1) {
		c->offset = sqlite3_column_int64(st, 1);
		c->hello = store_col_i64(st, 2);
		c->lo = store_col_i64(st, 3);
		c->adj = store_col_i64(st, 4);
		if (c->adj == STORE_NONE)
			c->adj = 0;
	}
	sqlite3_reset(st);
	/*
	 * A database written before the range checks may hold an offset no
	 * node clock has (a wrapped one): that evidence is dropped.
	 */
	if (!clock_near(c->offset) || (c->hello != STORE_NONE &&
	    !clock_near(c->hello)) || (c->lo != STORE_NONE &&
	    !clock_near(c->lo)) || !clock_near(c->adj)) {
		log_warnx("store: node %s: stored clock offset %lld ns is out of "
		    "range: dropped", node, (long long)c->offset);
		c->hello = c->lo = STORE_NONE;
		c->adj = c->offset = 0;
	}
	return r == -1 ? -1 : 0;
}

/* Recomputes the offset from its evidence and stores all of it. */
int
store_clock_put(struct store *s, const char *node, struct store_clock *c)
{
	sqlite3_stmt *st;
	const char *source;

	/* Each piece is within the range (store_clock_get, clock_refine). */
	c->offset = (c->hello != STORE_NONE ? c->hello : 0) + c->adj;
	source = c->adj != 0 ? "pairs" :
	    c->hello != STORE_NONE ? "handshake" : NULL;
	if (c->lo != STORE_NONE && c->lo > c->offset) {
		c->offset = c->lo;
		source = "records";
	}
	st = store_st(s, ST_NODE_CLOCK);
	store_bind_str(st, 1, node);
	sqlite3_bind_int64(st, 2, c->offset);
	store_bind_i64(st, 3, c->lo);
	sqlite3_bind_int64(st, 4, c->adj);
	store_bind_str(st, 5, source);
	return store_done(s, st, "clock");
}

/* A batch of node showed a record ahead of our clock by lo ns. */
int
store_clock_bound(struct store *s, const char *node, int64_t lo)
{
	struct store_clock c;
	int64_t before;

	if (store_clock_get(s, node, &c) == -1)
		return -1;
	if (c.lo != STORE_NONE && c.lo >= lo)
		return 0;
	c.lo = lo;
	before = c.offset;
	if (store_clock_put(s, node, &c) == -1)
		return -1;
	if (c.offset - before >= 10 * 1000000LL)
		log_info("store: node %s: its trace clock runs at least %.3f ms "
		    "ahead of the aggregator's (the estimate was %.3f ms)",
		    node, lo / 1e6, before / 1e6);
	else if (c.offset != before)
		log_debug("store: node %s: clock offset %.3f ms from its records",
		    node, c.offset / 1e6);
	return 0;
}
