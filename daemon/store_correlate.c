/*
 * store_correlate.c: turns migration sides into migrations.  The source
 * side of a live migration is reported by one node's agent and the
 * destination side by another's; the store pairs them (same VM, other
 * role, other node, overlapping time once each node's clock offset is
 * applied), derives the migration's outcome, downtime and times from both,
 * and keeps one row per migration in `migrations`.
 *
 * Clock offsets (node clock minus the aggregator's, in ns) come from the
 * handshake (agent wall clock vs ours), are raised by the records (a
 * record's t_ns cannot lie in our future, so t_ns - now is a lower bound),
 * and refined by matched pairs: the destination cannot resume the VM
 * before the source stopped it.  docs/store.md tells the rules.
 */
#define _GNU_SOURCE		/* asprintf */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "log.h"
#include "store.h"
#include "store_int.h"

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

/* Fills x from a row of SIDE_COLS (store.c). */
static void
side_from_row(struct side *x, sqlite3_stmt *st)
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
	x->downtime_ms = store_col_dbl(st, 10);
	x->total_ms = store_col_dbl(st, 11);
	x->started_ns = store_col_i64(st, 12);
	if (x->started_ns == STORE_NONE)
		x->started_ns = store_col_i64(st, 19);
	x->ended_ns = store_col_i64(st, 13);
	x->vm_stop_ns = store_col_i64(st, 14);
	x->vm_resume_ns = store_col_i64(st, 15);
	x->mig_id = store_col_dup(st, 22);
	x->peer_node = store_col_dup(st, 23);
	x->peer_sid = store_col_dup(st, 24);
	x->key = sqlite3_column_int64(st, 25);
}

/* 1 when found, 0 when there is no such side, -1 on error. */
static int
side_load(struct store *s, const char *node, const char *sid, struct side *x)
{
	sqlite3_stmt *st = store_st(s, ST_SIDE_GET);
	int r;

	store_bind_str(st, 1, node);
	store_bind_str(st, 2, sid);
	if ((r = store_row(s, st, "side")) == 1)
		side_from_row(x, st);
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
store_mig_id(const char *node, const char *sid)
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
	return r == -1 ? -1 : 0;
}

/* Recomputes the offset from its evidence and stores all of it. */
static int
clock_put(struct store *s, const char *node, struct store_clock *c)
{
	sqlite3_stmt *st;
	const char *source;

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
	if (clock_put(s, node, &c) == -1)
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

/*
 * A matched pair says the destination resumed (dst clock) no earlier than
 * the source stopped (src clock).  When the offsets say otherwise they are
 * wrong by at least the gap: move both toward each other, the destination
 * no lower than what its records prove.
 */
static int
clock_refine(struct store *s, const struct side *src, const struct side *dst,
    struct store_clock *cs, struct store_clock *cd)
{
	int64_t gap, v, dd, ds;

	gap = (dst->vm_resume_ns - cd->offset) - (src->vm_stop_ns - cs->offset);
	if (gap >= 0)
		return 0;
	v = -gap;
	dd = v / 2;
	if (cd->lo != STORE_NONE && cd->offset - dd < cd->lo)
		dd = cd->offset - cd->lo > 0 ? cd->offset - cd->lo : 0;
	ds = v - dd;
	log_info("store: migration %s: destination %s resumed %.3f ms before "
	    "source %s stopped by the clock offsets: offsets corrected",
	    src->sid, dst->node, v / 1e6, src->node);
	cd->adj -= dd;
	cs->adj += ds;
	if (clock_put(s, dst->node, cd) == -1 ||
	    clock_put(s, src->node, cs) == -1)
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
rounds_count(struct store *s, const struct side *x)
{
	sqlite3_stmt *st;
	int64_t n = STORE_NONE;

	if (x == NULL)
		return 0;
	st = store_st(s, ST_SIDE_NROUNDS);
	sqlite3_bind_int64(st, 1, x->key);
	if (store_row(s, st, "rounds count") == 1)
		n = store_col_i64(st, 0);
	sqlite3_reset(st);
	if (n != STORE_NONE)
		return n;
	st = store_st(s, ST_SIDE_ROUNDS_COUNT);
	sqlite3_bind_int64(st, 1, x->key);
	if (store_row(s, st, "rounds count") == 1)
		n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (n == STORE_NONE)
		return 0;
	st = store_st(s, ST_SIDE_SET_NROUNDS);
	sqlite3_bind_int64(st, 1, x->key);
	sqlite3_bind_int64(st, 2, n);
	store_done(s, st, "rounds count");
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
    struct merged *m)
{
	const char *so = side_outcome(src), *dout = side_outcome(dst);

	m->outcome = NULL;
	m->error = NULL;
	m->detail[0] = '\0';
	if (src == NULL) {
		m->outcome = dout;
		m->error = dst->error;
		return;
	}
	if (streq(so, "cancelled") || (so == NULL &&
	    streq(src->state, "cancelling"))) {
		m->outcome = so;
		if (streq(dout, "failed"))
			snprintf(m->detail, sizeof(m->detail), "cancelled on "
			    "the source; the destination then failed%s%.900s",
			    dst->error ? ": " : "", dst->error ? dst->error : "");
		return;
	}
	if (streq(so, "failed") || streq(so, "rolled_back")) {
		m->outcome = so;
		m->error = src->error;
		if (streq(dout, "failed"))
			snprintf(m->detail, sizeof(m->detail), "the destination "
			    "failed too%s%.900s", dst->error ? ": " : "",
			    dst->error ? dst->error : "");
		else if (dst != NULL && dout == NULL)
			snprintf(m->detail, sizeof(m->detail), "the destination "
			    "side never finished (was it killed?)");
		return;
	}
	if (streq(dout, "failed")) {
		m->outcome = "failed";
		m->error = dst->error;
		if (so != NULL)
			snprintf(m->detail, sizeof(m->detail), "the destination "
			    "failed after the source %s", so);
		else
			snprintf(m->detail, sizeof(m->detail), "the destination "
			    "failed while the source was %s", src->state ?
			    src->state : "running");
		return;
	}
	if (so != NULL) {
		m->outcome = so;
		return;
	}
	/* The VM runs on the destination before the source says it is done. */
	if (streq(dout, "completed") || streq(dout, "cancelled"))
		m->outcome = dout;
}

static int
merge(struct store *s, const struct side *src, const struct side *dst,
    struct merged *m)
{
	struct store_clock cs, cd;
	const struct side *lead = src != NULL ? src : dst;
	int64_t gap, e;

	merge_outcome(src, dst, m);
	if (streq(m->outcome, "completed") || streq(m->outcome, "failed") ||
	    streq(m->outcome, "cancelled"))
		m->state = m->outcome;
	else
		m->state = lead->state;

	m->downtime_ms = 0.0 / 0.0;
	m->downtime_basis = NULL;
	m->ended_ns = STORE_NONE;
	if (src != NULL && dst != NULL) {
		if (store_clock_get(s, src->node, &cs) == -1 ||
		    store_clock_get(s, dst->node, &cd) == -1)
			return -1;
		if (src->vm_stop_ns != STORE_NONE &&
		    dst->vm_resume_ns != STORE_NONE) {
			if (clock_refine(s, src, dst, &cs, &cd) == -1)
				return -1;
			gap = (dst->vm_resume_ns - cd.offset) -
			    (src->vm_stop_ns - cs.offset);
			m->downtime_ms = (gap > 0 ? gap : 0) / 1e6;
			m->downtime_basis = "stop_to_resume";
		}
		if (m->outcome != NULL) {
			m->ended_ns = src->ended_ns;
			if (dst->ended_ns != STORE_NONE) {
				e = dst->ended_ns - cd.offset + cs.offset;
				if (m->ended_ns == STORE_NONE || e > m->ended_ns)
					m->ended_ns = e;
			}
		}
	} else if (m->outcome != NULL)
		m->ended_ns = lead->ended_ns;
	if (m->downtime_basis == NULL) {
		if (src != NULL && src->downtime_ms == src->downtime_ms) {
			m->downtime_ms = src->downtime_ms;
			m->downtime_basis = "source";
		} else if (dst != NULL && dst->downtime_ms == dst->downtime_ms) {
			m->downtime_ms = dst->downtime_ms;
			m->downtime_basis = "destination";
		}
	}
	return 0;
}

/* Writes the migration row mig_id from its sides (src and/or dst). */
static int
mig_write(struct store *s, const char *mig_id, const struct side *src,
    const struct side *dst)
{
	const struct side *lead = src != NULL ? src : dst;
	struct merged m;
	sqlite3_stmt *st;
	int64_t rounds;
	double total;
	const char *uuid, *name, *last;

	if (merge(s, src, dst, &m) == -1)
		return -1;
	if ((rounds = rounds_count(s, src)) == 0)
		rounds = rounds_count(s, dst);
	total = lead->total_ms;
	if (total != total && dst != NULL)
		total = dst->total_ms;
	uuid = lead->vm_uuid ? lead->vm_uuid : dst ? dst->vm_uuid : NULL;
	name = lead->vm_name ? lead->vm_name : dst ? dst->vm_name : NULL;

	st = store_st(s, ST_MIG_UPSERT);
	store_bind_str(st, 1, mig_id);
	store_bind_str(st, 2, uuid);
	store_bind_str(st, 3, name);
	store_bind_str(st, 4, src ? src->node : NULL);
	store_bind_str(st, 5, src ? src->sid : NULL);
	store_bind_str(st, 6, dst ? dst->node : NULL);
	store_bind_str(st, 7, dst ? dst->sid : NULL);
	store_bind_str(st, 8, m.state);
	store_bind_str(st, 9, m.outcome);
	store_bind_str(st, 10, lead->verdict ? lead->verdict :
	    dst ? dst->verdict : NULL);
	sqlite3_bind_int64(st, 11, rounds);
	store_bind_dbl(st, 12, m.downtime_ms);
	store_bind_str(st, 13, m.downtime_basis);
	store_bind_dbl(st, 14, total);
	store_bind_i64(st, 15, lead->started_ns);
	store_bind_i64(st, 16, m.ended_ns);
	store_bind_str(st, 17, m.error);
	store_bind_str(st, 18, m.detail[0] ? m.detail : NULL);
	sqlite3_bind_int64(st, 19, s->now_ns);
	if (store_done(s, st, "migration") == -1)
		return -1;
	if (uuid == NULL)
		return 0;
	/* Where the VM lives now, if we can tell. */
	if (streq(m.outcome, "completed") && dst != NULL)
		last = dst->node;
	else if (src != NULL)
		last = src->node;
	else
		last = NULL;
	st = store_st(s, ST_VM_UPSERT);
	store_bind_str(st, 1, uuid);
	store_bind_str(st, 2, name);
	store_bind_str(st, 3, last);
	sqlite3_bind_int64(st, 4, s->now_ns);
	return store_done(s, st, "vm");
}

static int
set_peer(struct store *s, const char *node, const char *sid,
    const char *pnode, const char *psid)
{
	sqlite3_stmt *st = store_st(s, ST_SIDE_SET_PEER);

	store_bind_str(st, 1, node);
	store_bind_str(st, 2, sid);
	store_bind_str(st, 3, pnode);
	store_bind_str(st, 4, psid);
	return store_done(s, st, "peer");
}

/* Moves side x to migration id; the row it leaves goes if now empty. */
static int
set_mig(struct store *s, struct side *x, const char *id)
{
	sqlite3_stmt *st;

	if (streq(x->mig_id, id))
		return 0;
	st = store_st(s, ST_SIDE_SET_MIG);
	store_bind_str(st, 1, x->node);
	store_bind_str(st, 2, x->sid);
	store_bind_str(st, 3, id);
	if (store_done(s, st, "side migration") == -1)
		return -1;
	if (x->mig_id != NULL) {
		st = store_st(s, ST_MIG_DELETE);
		store_bind_str(st, 1, x->mig_id);
		if (store_done(s, st, "old migration") == -1)
			return -1;
	}
	free(x->mig_id);
	x->mig_id = strdup(id);
	return 0;
}

/* Recomputes the migration of side (node, sid) and of its peer. */
static int
recompute(struct store *s, const char *node, const char *sid)
{
	struct side x, y;
	struct side *src, *dst;
	char *id = NULL;
	int r, have_y = 0, rc = -1;

	memset(&y, 0, sizeof(y));
	if ((r = side_load(s, node, sid, &x)) != 1)
		return r;
	if (x.stub) {
		side_free(&x);
		return 0;
	}
	if (x.peer_node != NULL && x.peer_sid != NULL) {
		if ((r = side_load(s, x.peer_node, x.peer_sid, &y)) == -1)
			goto out;
		have_y = r == 1 && streq(y.peer_node, x.node) &&
		    streq(y.peer_sid, x.sid) && y.source != x.source;
		if (!have_y) {
			/* A pairing that lost its other half. */
			if (set_peer(s, x.node, x.sid, NULL, NULL) == -1)
				goto out;
		}
	}
	src = x.source ? &x : have_y && y.source ? &y : NULL;
	dst = !x.source ? &x : have_y && !y.source ? &y : NULL;
	if (src != NULL)
		id = store_mig_id(src->node, src->sid);
	else
		id = store_mig_id(dst->node, dst->sid);
	if (id == NULL)
		goto out;
	if (set_mig(s, &x, id) == -1 || (have_y && set_mig(s, &y, id) == -1))
		goto out;
	rc = mig_write(s, id, src, dst);
 out:
	free(id);
	side_free(&x);
	side_free(&y);
	return rc;
}

/* Splits a pair; the other side then stands alone. */
static int
unpair(struct store *s, const char *node, const char *sid)
{
	struct side p;
	int r;

	if ((r = side_load(s, node, sid, &p)) != 1)
		return r;
	r = set_peer(s, node, sid, NULL, NULL);
	side_free(&p);
	return r;
}

static int64_t
absdiff(int64_t a, int64_t b)
{
	return a > b ? a - b : b - a;
}

/* A side's start on the aggregator's clock. */
static int
corrected(struct store *s, const char *node, int64_t t, int64_t *out)
{
	struct store_clock c;

	if (store_clock_get(s, node, &c) == -1)
		return -1;
	*out = t == STORE_NONE ? STORE_NONE : t - c.offset;
	return 0;
}

/* A side that may be the other half of a migration. */
struct cand {
	char		*node;
	char		*sid;
	char		*pnode;		/* its current peer, if any */
	char		*psid;
	int64_t		 start;
	int64_t		 end;
};

/* The other side x belongs with, if any; its key into bnode/bsid. */
static int
best_peer(struct store *s, const struct side *x, char **bnode, char **bsid)
{
	sqlite3_stmt *st;
	struct side p;
	struct cand *c = NULL, *cp;
	char *cnode, *csid, *pnode, *psid;
	int64_t xs, xe, cs, ce, ps, score, pscore, best = INT64_MAX;
	size_t nc = 0, i;
	int r, rc = -1;

	*bnode = *bsid = NULL;
	if (corrected(s, x->node, x->started_ns, &xs) == -1 ||
	    corrected(s, x->node, x->ended_ns, &xe) == -1)
		return -1;
	if (xs == STORE_NONE)
		return 0;
	if (xe == STORE_NONE)
		xe = INT64_MAX - STORE_CORR_TOL_NS;

	st = s->st[ST_SIDE_CANDIDATES];
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	store_bind_str(st, 1, x->vm_uuid);
	store_bind_str(st, 2, x->source ? "destination" : "source");
	store_bind_str(st, 3, x->node);
	/*
	 * Read every candidate first: scoring one runs other statements,
	 * and the candidates of one VM are few.
	 */
	while ((r = store_row(s, st, "candidates")) == 1) {
		if ((cp = reallocarray(c, nc + 1, sizeof(*c))) == NULL) {
			log_warn("%s: reallocarray", __func__);
			r = -1;
			break;
		}
		c = cp;
		cp = &c[nc++];
		cp->node = store_col_dup(st, 0);
		cp->sid = store_col_dup(st, 1);
		cp->start = store_col_i64(st, 2);
		cp->end = store_col_i64(st, 3);
		cp->pnode = store_col_dup(st, 4);
		cp->psid = store_col_dup(st, 5);
	}
	sqlite3_reset(st);
	if (r == -1)
		goto out;

	for (i = 0; i < nc; i++) {
		cnode = c[i].node;
		csid = c[i].sid;
		if (cnode == NULL || csid == NULL ||
		    corrected(s, cnode, c[i].start, &cs) == -1 ||
		    corrected(s, cnode, c[i].end, &ce) == -1)
			goto out;
		if (cs == STORE_NONE)
			continue;
		if (ce == STORE_NONE)
			ce = INT64_MAX - STORE_CORR_TOL_NS;
		if (cs - STORE_CORR_TOL_NS > xe || xs - STORE_CORR_TOL_NS > ce)
			continue;
		score = absdiff(xs, cs);
		pnode = c[i].pnode;
		psid = c[i].psid;
		if (pnode != NULL && psid != NULL &&
		    !(streq(pnode, x->node) && streq(psid, x->sid))) {
			/* Taken: only a closer match takes it over. */
			if ((r = side_load(s, pnode, psid, &p)) == -1)
				goto out;
			if (r == 1) {
				if (corrected(s, p.node, p.started_ns, &ps) ==
				    -1) {
					side_free(&p);
					goto out;
				}
				side_free(&p);
				pscore = ps == STORE_NONE ? INT64_MAX :
				    absdiff(ps, cs);
				if (pscore <= score)
					continue;
			}
		}
		if (score < best) {
			best = score;
			free(*bnode);
			free(*bsid);
			*bnode = strdup(cnode);
			*bsid = strdup(csid);
		}
	}
	rc = 0;
 out:
	for (i = 0; i < nc; i++) {
		free(c[i].node);
		free(c[i].sid);
		free(c[i].pnode);
		free(c[i].psid);
	}
	free(c);
	if (rc == -1) {
		free(*bnode);
		free(*bsid);
		*bnode = *bsid = NULL;
	}
	return rc;
}

/*
 * Side (node, sid) was stored or got rounds in this batch.  When its record
 * changed, it looks for its other half first; then its migration row (and
 * those of sides it left behind) are written again.
 */
int
store_correlate(struct store *s, const char *node, const struct store_touch *t)
{
	struct side x;
	char *bnode = NULL, *bsid = NULL, *onode = NULL, *osid = NULL;
	char *bpnode = NULL, *bpsid = NULL;
	struct side b;
	const char *sid = t->sid;
	sqlite3_stmt *st;
	int r, rc = -1;

	if (t->new_rounds > 0) {
		st = store_st(s, ST_SIDE_ADD_NROUNDS);
		sqlite3_bind_int64(st, 1, t->side);
		sqlite3_bind_int64(st, 2, t->new_rounds);
		if (store_done(s, st, "rounds count") == -1)
			return -1;
	}
	if ((r = side_load(s, node, sid, &x)) != 1)
		return r;
	if (x.stub) {
		side_free(&x);
		return 0;
	}
	if (!t->changed || x.vm_uuid == NULL) {
		side_free(&x);
		return recompute(s, node, sid);
	}
	if (best_peer(s, &x, &bnode, &bsid) == -1)
		goto out;
	if (bnode == NULL || (streq(bnode, x.peer_node) &&
	    streq(bsid, x.peer_sid))) {
		rc = recompute(s, node, sid);
		goto out;
	}

	/* A new pair: both leave whoever they were with. */
	if (x.peer_node != NULL && x.peer_sid != NULL) {
		onode = strdup(x.peer_node);
		osid = strdup(x.peer_sid);
		if (unpair(s, onode, osid) == -1)
			goto out;
	}
	if ((r = side_load(s, bnode, bsid, &b)) != 1)
		goto out;
	if (b.peer_node != NULL && b.peer_sid != NULL) {
		bpnode = strdup(b.peer_node);
		bpsid = strdup(b.peer_sid);
	}
	side_free(&b);
	if (bpnode != NULL && unpair(s, bpnode, bpsid) == -1)
		goto out;
	if (set_peer(s, node, sid, bnode, bsid) == -1 ||
	    set_peer(s, bnode, bsid, node, sid) == -1)
		goto out;
	log_debug("store: side %s/%s paired with %s/%s", node, sid, bnode,
	    bsid);
	if (recompute(s, node, sid) == -1 ||
	    (onode != NULL && recompute(s, onode, osid) == -1) ||
	    (bpnode != NULL && recompute(s, bpnode, bpsid) == -1))
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
