/*
 * mig_correlate.c: the migration kind's after-batch hook: turns migration
 * sides into migrations, and makes the alerts of one migration's sides one
 * alert.  The source
 * side of a live migration is reported by one node's agent and the
 * destination side by another's; the store pairs them (same VM, other
 * role, other node, overlapping time once each node's clock offset is
 * applied), derives the migration's outcome, downtime and times from both,
 * and keeps one row per migration in `migrations`.
 *
 * Times are compared on the aggregator's clock with each node's clock
 * offset (store_clock.c); matched pairs refine the offsets: the
 * destination cannot resume the VM before the source stopped it.
 * docs/store.md tells the rules.
 */
#define _GNU_SOURCE		/* asprintf */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "log.h"
#include "mig_int.h"

/* A side as correlation needs it; strings are owned. */
struct side {
	int64_t		 key;		/* migration_sides.id */
	char		*node;
	char		*sid;
	int		 stub;		/* rounds only, no record yet */
	int		 source;	/* role: source (1) or destination */
	char		*vm_uuid;
	char		*vm_name;
	char		*state;
	char		*outcome;
	char		*error;
	char		*verdict;
	double		 downtime_ms;
	double		 total_ms;
	int64_t		 started_ns;	/* started_ns, else its first record */
	int64_t		 ended_ns;
	int64_t		 vm_stop_ns;
	int64_t		 vm_resume_ns;
	char		*mig_id;
	char		*peer_node;
	char		*peer_sid;
};

static void
side_free(struct side *x)
{
	free(x->node);
	free(x->sid);
	free(x->vm_uuid);
	free(x->vm_name);
	free(x->state);
	free(x->outcome);
	free(x->error);
	free(x->verdict);
	free(x->mig_id);
	free(x->peer_node);
	free(x->peer_sid);
	memset(x, 0, sizeof(*x));
}

/*
 * A side's time and duration as correlation uses them: what the range
 * checks of ingest would refuse (a database written before them may hold
 * it) is unknown, so no arithmetic on it can overflow.
 */
static int64_t
side_time(struct store *s, int64_t t)
{
	return store_time_ok(s, t) ? t : STORE_NONE;
}

static double
side_ms(double ms)
{
	return store_ms_ok(ms) ? ms : 0.0 / 0.0;
}

/* Fills x from a row of SIDE_COLS (store.c). */
static void
side_from_row(struct store *s, struct side *x, sqlite3_stmt *st)
{
	const unsigned char *role;

	memset(x, 0, sizeof(*x));
	x->node = store_col_dup(st, 0);
	x->sid = store_col_dup(st, 1);
	role = sqlite3_column_text(st, 2);
	x->source = role != NULL && strcmp((const char *)role, "source") == 0;
	x->stub = role == NULL || *role == '\0';
	x->vm_uuid = store_col_dup(st, 3);
	x->vm_name = store_col_dup(st, 4);
	x->state = store_col_dup(st, 6);
	x->outcome = store_col_dup(st, 7);
	x->error = store_col_dup(st, 8);
	x->verdict = store_col_dup(st, 9);
	x->downtime_ms = side_ms(store_col_dbl(st, 10));
	x->total_ms = side_ms(store_col_dbl(st, 11));
	x->started_ns = side_time(s, store_col_i64(st, 12));
	if (x->started_ns == STORE_NONE)
		x->started_ns = side_time(s, store_col_i64(st, 19));
	x->ended_ns = side_time(s, store_col_i64(st, 13));
	x->vm_stop_ns = side_time(s, store_col_i64(st, 14));
	x->vm_resume_ns = side_time(s, store_col_i64(st, 15));
	x->mig_id = store_col_dup(st, 22);
	x->peer_node = store_col_dup(st, 23);
	x->peer_sid = store_col_dup(st, 24);
	x->key = sqlite3_column_int64(st, 25);
}

/* 1 when found, 0 when there is no such side, -1 on error. */
static int
side_load(struct mig *m, const char *node, const char *sid, struct side *x)
{
	sqlite3_stmt *st = mig_st(m, MST_SIDE_GET);
	int r;

	store_bind_str(st, 1, node);
	store_bind_str(st, 2, sid);
	if ((r = store_row(m->s, st, "side")) == 1)
		side_from_row(m->s, x, st);
	sqlite3_reset(st);
	if (r == 1 && (x->node == NULL || x->sid == NULL)) {
		side_free(x);
		return -1;
	}
	return r;
}

static int
streq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/*
 * The id of the migration a side leads.  The agent's side ids start with
 * "node/" and are unique across nodes; other ids get the node in front.
 */
char *
mig_id_of(const char *node, const char *sid)
{
	size_t n = strlen(node);
	char *id;

	if (strncmp(sid, node, n) == 0 && sid[n] == '/')
		id = strdup(sid);
	else if (asprintf(&id, "%s/%s", node, sid) == -1)
		id = NULL;
	if (id == NULL)
		log_warn("%s", __func__);
	return id;
}

static int64_t
absdiff(int64_t a, int64_t b)
{
	return a > b ? a - b : b - a;
}

/* An offset some node's clock may have (store_clock.c keeps them so). */
static int
offset_ok(int64_t v)
{
	return store_time_near(v, 0);
}

/*
 * A matched pair says the destination resumed (dst clock) no earlier than
 * the source stopped (src clock).  When the offsets say otherwise they are
 * wrong by at least the gap: move both toward each other, the destination
 * no lower than what its records prove.  A clock error shows in the
 * sides' starts too (both QEMUs start the migration within moments of
 * each other): a gap larger than the starts' difference and the tolerance,
 * or one that would take an offset out of range, is no clock error, and
 * the offsets stay.  Returns 1 then (the stop and the resume say nothing
 * of the downtime), 0 otherwise, -1 on a database error.  Every time here
 * passed side_time() and every offset store_clock_get(): nothing overflows.
 */
static int
clock_refine(struct mig *m, const struct side *src, const struct side *dst,
    struct store_clock *cs, struct store_clock *cd)
{
	int64_t gap, v, dd, ds, limit;
	int64_t hd = cd->hello != STORE_NONE ? cd->hello : 0;
	int64_t hs = cs->hello != STORE_NONE ? cs->hello : 0;

	gap = (dst->vm_resume_ns - cd->offset) - (src->vm_stop_ns - cs->offset);
	if (gap >= 0)
		return 0;
	v = -gap;
	limit = MIG_CORR_TOL_NS;
	if (src->started_ns != STORE_NONE && dst->started_ns != STORE_NONE)
		limit += absdiff(src->started_ns - cs->offset,
		    dst->started_ns - cd->offset);
	dd = v / 2;
	if (cd->lo != STORE_NONE && cd->offset - dd < cd->lo)
		dd = cd->offset - cd->lo > 0 ? cd->offset - cd->lo : 0;
	ds = v - dd;
	if (v > limit || !offset_ok(cd->adj - dd) || !offset_ok(cs->adj + ds) ||
	    !offset_ok(hd + cd->adj - dd) || !offset_ok(hs + cs->adj + ds)) {
		log_info("store: migration %s: destination %s resumed %.3f s "
		    "before source %s stopped by the clock offsets, more than "
		    "a clock error explains: offsets kept", src->sid,
		    dst->node, v / 1e9, src->node);
		return 1;
	}
	log_info("store: migration %s: destination %s resumed %.3f ms before "
	    "source %s stopped by the clock offsets: offsets corrected",
	    src->sid, dst->node, v / 1e6, src->node);
	cd->adj -= dd;
	cs->adj += ds;
	if (store_clock_put(m->s, dst->node, cd) == -1 ||
	    store_clock_put(m->s, src->node, cs) == -1)
		return -1;
	return 0;
}

/* What a side's QEMU says ended it, from its outcome or its last state. */
static const char *
side_outcome(const struct side *x)
{
	if (x == NULL)
		return NULL;
	if (x->outcome != NULL)
		return x->outcome;
	if (streq(x->state, "completed") || streq(x->state, "failed") ||
	    streq(x->state, "cancelled"))
		return x->state;
	return NULL;
}

/* The rounds of a side, counted once and then kept up by each batch. */
static int64_t
rounds_count(struct mig *m, const struct side *x)
{
	sqlite3_stmt *st;
	int64_t n = STORE_NONE;

	if (x == NULL)
		return 0;
	st = mig_st(m, MST_SIDE_NROUNDS);
	sqlite3_bind_int64(st, 1, x->key);
	if (store_row(m->s, st, "rounds count") == 1)
		n = store_col_i64(st, 0);
	sqlite3_reset(st);
	if (n != STORE_NONE)
		return n;
	st = mig_st(m, MST_SIDE_ROUNDS_COUNT);
	sqlite3_bind_int64(st, 1, x->key);
	if (store_row(m->s, st, "rounds count") == 1)
		n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (n == STORE_NONE)
		return 0;
	st = mig_st(m, MST_SIDE_SET_NROUNDS);
	sqlite3_bind_int64(st, 1, x->key);
	sqlite3_bind_int64(st, 2, n);
	store_done(m->s, st, "rounds count");
	return n;
}

/* The migration's fields, derived from its sides. */
struct merged {
	const char	*outcome;
	const char	*state;
	const char	*error;
	char		 detail[1024];
	double		 downtime_ms;
	const char	*downtime_basis;
	int64_t		 ended_ns;
};

/*
 * The outcome follows what happened first.  A cancel on the source always
 * makes the destination's load fail afterwards: the migration is cancelled
 * and that failure is detail.  Otherwise a failure on either side fails it
 * (a destination that dies shows on the source as a broken pipe).
 */
static void
merge_outcome(const struct side *src, const struct side *dst,
    struct merged *g)
{
	const char *so = side_outcome(src), *dout = side_outcome(dst);

	g->outcome = NULL;
	g->error = NULL;
	g->detail[0] = '\0';
	if (src == NULL) {
		g->outcome = dout;
		g->error = dst->error;
		return;
	}
	if (streq(so, "cancelled") || (so == NULL &&
	    streq(src->state, "cancelling"))) {
		g->outcome = so;
		if (streq(dout, "failed"))
			snprintf(g->detail, sizeof(g->detail), "cancelled on "
			    "the source; the destination then failed%s%.900s",
			    dst->error ? ": " : "", dst->error ? dst->error : "");
		return;
	}
	if (streq(so, "failed") || streq(so, "rolled_back")) {
		g->outcome = so;
		g->error = src->error;
		if (streq(dout, "failed"))
			snprintf(g->detail, sizeof(g->detail), "the destination "
			    "failed too%s%.900s", dst->error ? ": " : "",
			    dst->error ? dst->error : "");
		else if (dst != NULL && dout == NULL)
			snprintf(g->detail, sizeof(g->detail), "the destination "
			    "side never finished (was it killed?)");
		return;
	}
	if (streq(dout, "failed")) {
		g->outcome = "failed";
		g->error = dst->error;
		if (so != NULL)
			snprintf(g->detail, sizeof(g->detail), "the destination "
			    "failed after the source %s", so);
		else
			snprintf(g->detail, sizeof(g->detail), "the destination "
			    "failed while the source was %s", src->state ?
			    src->state : "running");
		return;
	}
	if (so != NULL) {
		g->outcome = so;
		return;
	}
	/* The VM runs on the destination before the source says it is done. */
	if (streq(dout, "completed") || streq(dout, "cancelled"))
		g->outcome = dout;
}

static int
merge(struct mig *m, const struct side *src, const struct side *dst,
    struct merged *g)
{
	struct store_clock cs, cd;
	const struct side *lead = src != NULL ? src : dst;
	int64_t gap, e;
	int r;

	merge_outcome(src, dst, g);
	if (streq(g->outcome, "completed") || streq(g->outcome, "failed") ||
	    streq(g->outcome, "cancelled"))
		g->state = g->outcome;
	else
		g->state = lead->state;

	g->downtime_ms = 0.0 / 0.0;
	g->downtime_basis = NULL;
	g->ended_ns = STORE_NONE;
	if (src != NULL && dst != NULL) {
		if (store_clock_get(m->s, src->node, &cs) == -1 ||
		    store_clock_get(m->s, dst->node, &cd) == -1)
			return -1;
		if (src->vm_stop_ns != STORE_NONE &&
		    dst->vm_resume_ns != STORE_NONE &&
		    (r = clock_refine(m, src, dst, &cs, &cd)) != 1) {
			if (r == -1)
				return -1;
			gap = (dst->vm_resume_ns - cd.offset) -
			    (src->vm_stop_ns - cs.offset);
			if (store_ms_ok((gap > 0 ? gap : 0) / 1e6)) {
				g->downtime_ms = (gap > 0 ? gap : 0) / 1e6;
				g->downtime_basis = "stop_to_resume";
			}
		}
		if (g->outcome != NULL) {
			g->ended_ns = src->ended_ns;
			if (dst->ended_ns != STORE_NONE) {
				e = dst->ended_ns - cd.offset + cs.offset;
				if (g->ended_ns == STORE_NONE || e > g->ended_ns)
					g->ended_ns = e;
			}
		}
	} else if (g->outcome != NULL)
		g->ended_ns = lead->ended_ns;
	if (g->downtime_basis == NULL) {
		if (src != NULL && src->downtime_ms == src->downtime_ms) {
			g->downtime_ms = src->downtime_ms;
			g->downtime_basis = "source";
		} else if (dst != NULL && dst->downtime_ms == dst->downtime_ms) {
			g->downtime_ms = dst->downtime_ms;
			g->downtime_basis = "destination";
		}
	}
	return 0;
}

/* Writes the migration row mig_id from its sides (src and/or dst). */
static int
mig_write(struct mig *m, const char *mig_id, const struct side *src,
    const struct side *dst)
{
	const struct side *lead = src != NULL ? src : dst;
	struct merged g;
	sqlite3_stmt *st;
	int64_t rounds;
	double total;
	const char *uuid, *name, *last;

	if (merge(m, src, dst, &g) == -1)
		return -1;
	if ((rounds = rounds_count(m, src)) == 0)
		rounds = rounds_count(m, dst);
	total = lead->total_ms;
	if (total != total && dst != NULL)
		total = dst->total_ms;
	uuid = lead->vm_uuid ? lead->vm_uuid : dst ? dst->vm_uuid : NULL;
	name = lead->vm_name ? lead->vm_name : dst ? dst->vm_name : NULL;

	st = mig_st(m, MST_MIG_UPSERT);
	store_bind_str(st, 1, mig_id);
	store_bind_str(st, 2, uuid);
	store_bind_str(st, 3, name);
	store_bind_str(st, 4, src ? src->node : NULL);
	store_bind_str(st, 5, src ? src->sid : NULL);
	store_bind_str(st, 6, dst ? dst->node : NULL);
	store_bind_str(st, 7, dst ? dst->sid : NULL);
	store_bind_str(st, 8, g.state);
	store_bind_str(st, 9, g.outcome);
	store_bind_str(st, 10, lead->verdict ? lead->verdict :
	    dst ? dst->verdict : NULL);
	sqlite3_bind_int64(st, 11, rounds);
	store_bind_dbl(st, 12, g.downtime_ms);
	store_bind_str(st, 13, g.downtime_basis);
	store_bind_dbl(st, 14, total);
	store_bind_i64(st, 15, lead->started_ns);
	store_bind_i64(st, 16, g.ended_ns);
	store_bind_str(st, 17, g.error);
	store_bind_str(st, 18, g.detail[0] ? g.detail : NULL);
	sqlite3_bind_int64(st, 19, store_now(m->s));
	if (store_done(m->s, st, "migration") == -1)
		return -1;
	if (uuid == NULL)
		return 0;
	/* Where the VM lives now, if we can tell. */
	if (streq(g.outcome, "completed") && dst != NULL)
		last = dst->node;
	else if (src != NULL)
		last = src->node;
	else
		last = NULL;
	st = mig_st(m, MST_VM_UPSERT);
	store_bind_str(st, 1, uuid);
	store_bind_str(st, 2, name);
	store_bind_str(st, 3, last);
	sqlite3_bind_int64(st, 4, store_now(m->s));
	return store_done(m->s, st, "vm");
}

static int
set_peer(struct mig *m, const char *node, const char *sid,
    const char *pnode, const char *psid)
{
	sqlite3_stmt *st = mig_st(m, MST_SIDE_SET_PEER);

	store_bind_str(st, 1, node);
	store_bind_str(st, 2, sid);
	store_bind_str(st, 3, pnode);
	store_bind_str(st, 4, psid);
	return store_done(m->s, st, "peer");
}

/* Moves side x to migration id; the row it leaves goes if now empty. */
static int
set_mig(struct mig *m, struct side *x, const char *id)
{
	sqlite3_stmt *st;

	if (streq(x->mig_id, id))
		return 0;
	st = mig_st(m, MST_SIDE_SET_MIG);
	store_bind_str(st, 1, x->node);
	store_bind_str(st, 2, x->sid);
	store_bind_str(st, 3, id);
	if (store_done(m->s, st, "side migration") == -1)
		return -1;
	if (x->mig_id != NULL) {
		st = mig_st(m, MST_MIG_DELETE);
		store_bind_str(st, 1, x->mig_id);
		if (store_done(m->s, st, "old migration") == -1)
			return -1;
	}
	free(x->mig_id);
	x->mig_id = strdup(id);
	return 0;
}

/* Recomputes the migration of side (node, sid) and of its peer. */
static int
recompute(struct mig *m, const char *node, const char *sid)
{
	struct side x, y;
	struct side *src, *dst;
	char *id = NULL;
	int r, have_y = 0, rc = -1;

	memset(&y, 0, sizeof(y));
	if ((r = side_load(m, node, sid, &x)) != 1)
		return r;
	if (x.stub) {
		side_free(&x);
		return 0;
	}
	if (x.peer_node != NULL && x.peer_sid != NULL) {
		if ((r = side_load(m, x.peer_node, x.peer_sid, &y)) == -1)
			goto out;
		have_y = r == 1 && streq(y.peer_node, x.node) &&
		    streq(y.peer_sid, x.sid) && y.source != x.source;
		if (!have_y) {
			/* A pairing that lost its other half. */
			if (set_peer(m, x.node, x.sid, NULL, NULL) == -1)
				goto out;
		}
	}
	src = x.source ? &x : have_y && y.source ? &y : NULL;
	dst = !x.source ? &x : have_y && !y.source ? &y : NULL;
	if (src != NULL)
		id = mig_id_of(src->node, src->sid);
	else
		id = mig_id_of(dst->node, dst->sid);
	if (id == NULL)
		goto out;
	if (set_mig(m, &x, id) == -1 || (have_y && set_mig(m, &y, id) == -1))
		goto out;
	rc = mig_write(m, id, src, dst);
 out:
	free(id);
	side_free(&x);
	side_free(&y);
	return rc;
}

/* Splits a pair; the other side then stands alone. */
static int
unpair(struct mig *m, const char *node, const char *sid)
{
	struct side p;
	int r;

	if ((r = side_load(m, node, sid, &p)) != 1)
		return r;
	r = set_peer(m, node, sid, NULL, NULL);
	side_free(&p);
	return r;
}

/* A side that may be the other half of a migration; times corrected. */
struct cand {
	char		*node;
	char		*sid;
	int64_t		 start;
	int64_t		 end;		/* INT64_MAX - tolerance: running */
	int		 taken;		/* paired with another side */
	int64_t		 pstart;	/* that side's start */
};

/* A time of a node on the aggregator's clock; unknown when out of range. */
static int64_t
corrected(struct store *s, int64_t t, int64_t offset)
{
	if (!store_time_ok(s, t) || !offset_ok(offset))
		return STORE_NONE;
	return t - offset;
}

static void
cands_free(struct cand *c, size_t nc)
{
	size_t i;

	for (i = 0; i < nc; i++) {
		free(c[i].node);
		free(c[i].sid);
	}
	free(c);
}

/* Every candidate of x, read by one statement. */
static int
cands_load(struct mig *m, const struct side *x, struct cand **cp, size_t *np)
{
	sqlite3_stmt *st = mig_st(m, MST_SIDE_CANDIDATES);
	struct cand *c = NULL, *p, *e;
	size_t nc = 0;
	int64_t off;
	int r;

	store_bind_str(st, 1, x->vm_uuid);
	store_bind_str(st, 2, x->source ? "destination" : "source");
	store_bind_str(st, 3, x->node);
	store_bind_str(st, 4, x->sid);
	while ((r = store_row(m->s, st, "candidates")) == 1) {
		if ((p = reallocarray(c, nc + 1, sizeof(*c))) == NULL) {
			log_warn("%s: reallocarray", __func__);
			r = -1;
			break;
		}
		c = p;
		e = &c[nc++];
		e->node = store_col_dup(st, 0);
		e->sid = store_col_dup(st, 1);
		off = sqlite3_column_int64(st, 4);
		e->start = corrected(m->s, store_col_i64(st, 2), off);
		e->end = corrected(m->s, store_col_i64(st, 3), off);
		if (e->end == STORE_NONE)
			e->end = INT64_MAX - MIG_CORR_TOL_NS;
		e->taken = sqlite3_column_int(st, 5);
		e->pstart = corrected(m->s, store_col_i64(st, 6),
		    sqlite3_column_int64(st, 7));
		if (e->node == NULL || e->sid == NULL) {
			r = -1;
			break;
		}
	}
	sqlite3_reset(st);
	*cp = c;
	*np = nc;
	return r == -1 ? -1 : 0;
}

/*
 * How well candidate c matches x's window [xs, xe]: 1 with *score (the
 * distance of the starts), 0 when it does not.  A candidate paired with
 * another side is taken over only by a closer match.
 */
static int
cand_score(const struct cand *c, int64_t xs, int64_t xe, int64_t *score)
{
	int64_t pscore;

	if (c->start == STORE_NONE)
		return 0;
	if (c->start - MIG_CORR_TOL_NS > xe || xs - MIG_CORR_TOL_NS > c->end)
		return 0;
	*score = absdiff(xs, c->start);
	if (!c->taken)
		return 1;
	pscore = c->pstart == STORE_NONE ? INT64_MAX :
	    absdiff(c->pstart, c->start);
	return pscore > *score;
}

/* The other side x belongs with, if any; its key into bnode/bsid. */
static int
best_peer(struct mig *m, const struct side *x, char **bnode, char **bsid)
{
	struct store_clock clk;
	struct cand *c = NULL, *best = NULL;
	int64_t xs, xe, score, bscore = INT64_MAX;
	size_t nc = 0, i;
	int rc = -1;

	*bnode = *bsid = NULL;
	if (store_clock_get(m->s, x->node, &clk) == -1)
		return -1;
	if ((xs = corrected(m->s, x->started_ns, clk.offset)) == STORE_NONE)
		return 0;
	if ((xe = corrected(m->s, x->ended_ns, clk.offset)) == STORE_NONE)
		xe = INT64_MAX - MIG_CORR_TOL_NS;
	if (cands_load(m, x, &c, &nc) == -1)
		goto out;
	for (i = 0; i < nc; i++) {
		if (cand_score(&c[i], xs, xe, &score) && score < bscore) {
			bscore = score;
			best = &c[i];
		}
	}
	rc = 0;
	if (best == NULL)
		goto out;
	*bnode = strdup(best->node);
	*bsid = strdup(best->sid);
	if (*bnode == NULL || *bsid == NULL) {
		log_warn("%s: strdup", __func__);
		free(*bnode);
		free(*bsid);
		*bnode = *bsid = NULL;
		rc = -1;
	}
 out:
	cands_free(c, nc);
	return rc;
}

/*
 * Side (node, sid) was stored or got rounds in this batch.  When its record
 * changed, it looks for its other half first; then its migration row (and
 * those of sides it left behind) are written again.
 */
static int
correlate(struct mig *m, const char *node, const struct mig_touch *t)
{
	struct side x;
	char *bnode = NULL, *bsid = NULL, *onode = NULL, *osid = NULL;
	char *bpnode = NULL, *bpsid = NULL;
	struct side b;
	const char *sid = t->sid;
	sqlite3_stmt *st;
	int r, rc = -1;

	if (t->new_rounds > 0) {
		st = mig_st(m, MST_SIDE_ADD_NROUNDS);
		sqlite3_bind_int64(st, 1, t->side);
		sqlite3_bind_int64(st, 2, t->new_rounds);
		if (store_done(m->s, st, "rounds count") == -1)
			return -1;
	}
	if ((r = side_load(m, node, sid, &x)) != 1)
		return r;
	if (x.stub) {
		side_free(&x);
		return 0;
	}
	if (!t->changed || x.vm_uuid == NULL) {
		side_free(&x);
		return recompute(m, node, sid);
	}
	if (best_peer(m, &x, &bnode, &bsid) == -1)
		goto out;
	if (bnode == NULL || (streq(bnode, x.peer_node) &&
	    streq(bsid, x.peer_sid))) {
		rc = recompute(m, node, sid);
		goto out;
	}

	/* A new pair: both leave whoever they were with. */
	if (x.peer_node != NULL && x.peer_sid != NULL) {
		onode = strdup(x.peer_node);
		osid = strdup(x.peer_sid);
		if (unpair(m, onode, osid) == -1)
			goto out;
	}
	if ((r = side_load(m, bnode, bsid, &b)) != 1)
		goto out;
	if (b.peer_node != NULL && b.peer_sid != NULL) {
		bpnode = strdup(b.peer_node);
		bpsid = strdup(b.peer_sid);
	}
	side_free(&b);
	if (bpnode != NULL && unpair(m, bpnode, bpsid) == -1)
		goto out;
	if (set_peer(m, node, sid, bnode, bsid) == -1 ||
	    set_peer(m, bnode, bsid, node, sid) == -1)
		goto out;
	log_debug("store: side %s/%s paired with %s/%s", node, sid, bnode,
	    bsid);
	if (recompute(m, node, sid) == -1 ||
	    (onode != NULL && recompute(m, onode, osid) == -1) ||
	    (bpnode != NULL && recompute(m, bpnode, bpsid) == -1))
		goto out;
	rc = 0;
 out:
	side_free(&x);
	free(bnode);
	free(bsid);
	free(onode);
	free(osid);
	free(bpnode);
	free(bpsid);
	return rc;
}

#define FOLD_MAX	64		/* alerts of one migration at once */

/*
 * One alert per (migration, name): the active alerts of the sides of
 * side (node, sid)'s migration with the same name fold into the oldest.
 */
static int
fold_alerts(struct mig *m, const char *node, const char *sid)
{
	sqlite3_stmt *st;
	char *mig = NULL, *names[FOLD_MAX];
	int64_t ids[FOLD_MAX], keep = 0;
	int n = 0, r, i, rc = -1;

	st = mig_st(m, MST_SIDE_MIG);
	store_bind_str(st, 1, node);
	store_bind_str(st, 2, sid);
	if ((r = store_row(m->s, st, "side migration")) == 1)
		mig = store_col_dup(st, 0);
	sqlite3_reset(st);
	if (r == -1)
		return -1;
	if (mig == NULL)
		return 0;
	st = mig_st(m, MST_MIG_ALERTS);
	store_bind_str(st, 1, mig);
	while (n < FOLD_MAX && (r = store_row(m->s, st, "alerts")) == 1) {
		ids[n] = sqlite3_column_int64(st, 0);
		if ((names[n] = store_col_dup(st, 1)) == NULL)
			break;
		n++;
	}
	sqlite3_reset(st);
	if (r == -1)
		goto out;
	for (i = 0; i < n; i++) {
		if (i == 0 || strcmp(names[i], names[i - 1]) != 0)
			keep = ids[i];
		else if (store_alert_fold(m->s, keep, ids[i]) == -1)
			goto out;
	}
	rc = 0;
 out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(mig);
	return rc;
}

/*
 * After the batch's records: the sides it touched are correlated, then
 * the alerts of their migrations, and of the sides its alerts name, are
 * made one per migration and name.
 */
int
mig_after_batch(struct store *s, void *arg, const char *node)
{
	struct mig *m = arg;
	size_t i;

	(void)s;
	for (i = 0; i < m->ntouch; i++)
		if ((m->touch[i].changed || m->touch[i].new_rounds > 0) &&
		    correlate(m, node, &m->touch[i]) == -1)
			return -1;
	for (i = 0; i < m->ntouch; i++)
		if (fold_alerts(m, node, m->touch[i].sid) == -1)
			return -1;
	for (i = 0; i < m->nasid; i++)
		if (fold_alerts(m, node, m->asid[i]) == -1)
			return -1;
	return 0;
}
