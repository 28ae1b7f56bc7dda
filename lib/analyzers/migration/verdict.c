/*
 * verdict.c: the convergence model of the migration analyzer.  After
 * every round: how many pages the guest dirties per page QEMU sends (the
 * ratio) and how sure that is, the dirty rate and bandwidth behind it,
 * the rounds and time left until QEMU's stop-and-copy threshold, the
 * downtime then, and the probability that the threshold is never reached
 * as things stand.  A change of conditions (a bandwidth step, a throttle
 * step, postcopy) starts a new estimate.  docs/convergence.md explains
 * the model and its defaults; the numbers are QEMU's own.
 */
#include <math.h>
#include <string.h>

#include "migration.h"

/* What one estimate says, before it meets the pending bytes. */
struct mig_stats {
	double		ratio, se;
	double		rate, rate_sd;	/* page bytes dirtied per second */
	double		bw, bw_sd;	/* bytes sent per second */
	double		cost;		/* bytes sent per page byte */
	double		thr;		/* QEMU's typical threshold; 0 unknown */
	unsigned	iter;		/* iterative rounds behind it */
	int		adjusted;	/* only the previous estimate, adjusted */
};

/*
 * One QEMU iteration at the events' pace: QEMU sends for at most 100 ms
 * (BUFFER_DELAY), a tenth of its 1 s rate period.
 */
static uint64_t
iteration_ns(const struct migration *m)
{
	return m->proc->period_ns / 10;
}

static double
norm_cdf(double z)
{
	return 0.5 * erfc(-z / sqrt(2.0));
}

static double
secs_of(const struct mig_round *r)
{
	return r->t_end_ns > r->t_start_ns ?
	    (double)(r->t_end_ns - r->t_start_ns) / 1e9 : 0;
}

/* What a round cost on the wire: QEMU's count, else bandwidth x time. */
static double
round_cost_bytes(const struct mig_round *r)
{
	if (r->bytes > 0)
		return (double)r->bytes;
	return r->bandwidth_bps * secs_of(r);
}

void
mig_model_start(struct migration *m, uint64_t t_ns)
{
	memset(&m->est, 0, sizeof(m->est));
	m->est.since_ns = t_ns;
	m->est.first_n = 1;
	m->est.rate_factor = 1;
	memset(&m->pred, 0, sizeof(m->pred));
	m->pred.ratio = -1;
	m->pred.p_never = -1;
	m->pred.rounds_left = -1;
}

/* Below the threshold (low pending, postcopy, completed): nothing left. */
void
mig_pred_converged(struct migration *m)
{
	m->pred.rounds_left = 0;
	m->pred.time_left_ms = 0;
	m->pred.never_ratio = -1;
	if (m->pred.p_never > 0)
		m->pred.p_never = 0;
}

/*
 * What the round went through.  After a sync QEMU's bitmap holds what was
 * left unsent (remaining) plus the pages dirtied since (dirty_pages, the
 * newly set bits), so remaining = pending - dirtied; the round went
 * through the pending bytes before it down to remaining.  Its ratio,
 * dirtied / gone through, is what the next round's pending is made of:
 * time, bandwidth, zero pages and compression cancel out.
 */
static void
mig_round_measure(const struct mig_an *an, const struct migration *m,
    struct mig_round *r)
{
	double dirty = (double)r->dirty_pages * an->page_size;
	double rem = (double)r->pending_bytes - dirty, prev = 0;

	r->remaining_bytes = rem > 0 ? (uint64_t)rem : 0;
	r->processed_bytes = 0;
	r->ratio = -1;
	if (r->n == 1)
		prev = (double)m->initial_pending;
	else if (m->nrounds >= 2)
		prev = (double)m->rounds[m->nrounds - 2].pending_bytes;
	if (prev > (double)r->remaining_bytes)
		r->processed_bytes = (uint64_t)(prev - (double)r->remaining_bytes);
	/* The first pass is full of zero pages: its ratio needs the cost. */
	if (r->n > 1 && r->processed_bytes > 0)
		r->ratio = dirty / (double)r->processed_bytes;
}

/* Adds (sign 1) or takes back (-1) a round's share of an estimate. */
static void
mig_est_add(const struct mig_an *an, struct mig_est *e, struct mig_round *r,
    int sign)
{
	double dirty = (double)r->dirty_pages * an->page_size;
	double secs = secs_of(r), b = round_cost_bytes(r), w;

	e->nrounds += sign;
	e->dirty += sign * dirty;
	e->dur += sign * secs;
	e->bytes += sign * b;
	if (secs > 0)
		e->rate2_dur += sign * dirty * dirty / secs;
	if (r->n == 1) {
		e->first_dirty += sign * dirty;
		e->first_bytes += sign * b;
	} else if (r->ratio >= 0) {
		w = b > 0 ? b : (double)r->processed_bytes;
		e->niter += sign;
		e->sw += sign * w;
		e->swr += sign * w * r->ratio;
		e->swr2 += sign * w * r->ratio * r->ratio;
		e->sw2 += sign * w * w;
		e->proc += sign * (double)r->processed_bytes;
		e->cost_bytes += sign * b;
	}
	r->added = sign > 0;
}

/*
 * The estimate's ratio: the rounds' ratios weighted by what they cost, the
 * first pass's from its dirty rate and the cost of a page in the iterative
 * rounds (1 before any).  Its spread: the rounds' own, pooled with a prior
 * of rate_noise_pct worth one round, so two rounds that agree by chance
 * do not make it certain.
 */
static int
mig_est_stats(const struct mig_an *an, const struct mig_est *e,
    struct mig_stats *st)
{
	double sw = e->sw, swr = e->swr, swr2 = e->swr2, sw2 = e->sw2;
	double w, r, neff, var, s2, sp, v;

	memset(st, 0, sizeof(*st));
	st->cost = e->proc > 0 && e->cost_bytes > 0 ?
	    e->cost_bytes / e->proc : 1;
	if (e->first_bytes > 0) {
		w = e->first_bytes;
		r = e->first_dirty * st->cost / w;
		sw += w;
		swr += w * r;
		swr2 += w * r * r;
		sw2 += w * w;
	}
	if (sw <= 0 || sw2 <= 0)
		return -1;
	st->ratio = swr / sw;
	neff = sw * sw / sw2;
	var = swr2 / sw - st->ratio * st->ratio;
	s2 = neff > 1 && var > 0 ? var * neff / (neff - 1) : 0;
	sp = an->params.rate_noise_pct / 100.0 * fmax(st->ratio, 0.05);
	st->se = sqrt((sp * sp + (neff - 1) * s2) / neff / neff);
	if (st->se < 1e-4)
		st->se = 1e-4;
	if (e->dur > 0) {
		st->rate = e->dirty / e->dur;
		v = e->rate2_dur / e->dur - st->rate * st->rate;
		st->rate_sd = v > 0 ? sqrt(v) : 0;
	}
	if (e->dur > 0 && e->bytes > 0)
		st->bw = e->bytes / e->dur;
	else if (e->bw_n > 0)
		st->bw = e->bw_s / e->bw_n;
	if (e->bw_n > 1) {
		v = (e->bw_s2 - e->bw_s * e->bw_s / e->bw_n) / (e->bw_n - 1);
		st->bw_sd = v > 0 ? sqrt(v) : 0;
	}
	if (e->thr_n > 0)
		st->thr = e->thr_s / e->thr_n;
	st->iter = e->niter;
	return 0;
}

/*
 * Right after a change, before a round under the new conditions: the
 * previous estimate with the new bandwidth (QEMU's samples since, else the
 * new cap) and, for a throttle step, the dirty rate scaled by the vCPU
 * time left; twice as uncertain.
 */
static int
mig_est_adjusted(const struct mig_an *an, const struct migration *m,
    struct mig_stats *st)
{
	const struct mig_est *e = &m->est, *pe = &m->prev_est;
	double bw_old, bw_new, rel, k;

	if (!m->have_prev || mig_est_stats(an, pe, st) == -1)
		return -1;
	rel = st->se / fmax(st->ratio, 1e-6);
	st->ratio *= e->rate_factor;
	st->rate *= e->rate_factor;
	st->rate_sd *= e->rate_factor;
	/* The bandwidth step as QEMU's samples show it, before and since. */
	bw_old = pe->bw_n > 0 ? pe->bw_s / pe->bw_n : 0;
	bw_new = e->bw_n > 0 ? e->bw_s / e->bw_n : m->bw_ref;
	if (bw_old > 0 && bw_new > 0) {
		k = bw_new / bw_old;
		st->ratio /= k;
		st->thr = e->thr_n > 0 ? e->thr_s / e->thr_n : st->thr * k;
		st->bw *= k;
	}
	st->se = fmax(2 * rel, an->params.rate_noise_pct / 100.0) * st->ratio;
	if (st->se < 1e-4)
		st->se = 1e-4;
	st->adjusted = 1;
	return 0;
}

/*
 * What the model knows under the conditions of estimate e: its rounds,
 * and for the current estimate after a change, the previous one adjusted
 * to the change as a prior: the two ratios weighted by their precision.
 * So one round under new conditions that agrees with what the change
 * implies is as telling as several, and one that does not moves the
 * estimate as far as its uncertainty allows.
 */
static int
mig_est_view(const struct mig_an *an, const struct migration *m,
    const struct mig_est *e, struct mig_stats *st)
{
	struct mig_stats pr;
	double w1, w2;
	int own = mig_est_stats(an, e, st) == 0;

	if (e != &m->est || mig_est_adjusted(an, m, &pr) == -1)
		return own ? 0 : -1;
	if (!own) {
		*st = pr;
		return 0;
	}
	w1 = 1 / (st->se * st->se);
	w2 = 1 / (pr.se * pr.se);
	st->ratio = (st->ratio * w1 + pr.ratio * w2) / (w1 + w2);
	st->se = 1 / sqrt(w1 + w2);
	st->iter += pr.iter;
	return 0;
}

/*
 * From the pending bytes P after a round: QEMU syncs once it has sent all
 * but R < threshold T, on average T - half of what one 100 ms iteration
 * sends, and then holds R + ratio x (P - R).  So P - R shrinks by the
 * ratio per round and the threshold is reached once it is below T - R.
 * Needing more than max_rounds rounds counts as never: the ratio is then
 * above never_ratio = ((T - R) / (P - R))^(1 / max_rounds), and p_never
 * is the probability that the true ratio is.
 */
static void
mig_predict(const struct mig_an *an, const struct migration *m,
    const struct mig_stats *st, const struct mig_est *e, double pend,
    uint64_t now, struct mig_pred *p)
{
	const struct mig_params *prm = &an->params;
	double thr_now, thr, chunk, rbar, gap, excess, x, k, geo, pfinal;
	unsigned h = prm->max_rounds ? prm->max_rounds : 1;

	memset(p, 0, sizeof(*p));
	p->ratio = st->ratio;
	p->ratio_se = st->se;
	p->dirty_rate_bps = st->rate;
	p->dirty_rate_sd_bps = st->rate_sd;
	p->bandwidth_bps = st->bw;
	p->bandwidth_sd_bps = st->bw_sd;
	p->cost = st->cost;
	p->est = e->id;
	p->est_rounds = e->nrounds;
	p->est_iter = st->iter;
	p->est_since_ns = e->since_ns;
	p->adjusted = st->adjusted;
	p->p_never = -1;
	p->rounds_left = -1;
	p->time_left_ms = -1;
	p->end_downtime_ms = -1;
	p->never_ratio = 1 - prm->min_drop_pct / 100.0;

	thr_now = m->threshold_bytes > 0 ? (double)m->threshold_bytes :
	    st->bw * prm->downtime_limit_ms / 1000.0;
	if (thr_now > 0 && pend < thr_now) {
		p->never_ratio = -1;
		p->p_never = 0;
		p->rounds_left = 0;
		p->time_left_ms = 0;
		if (st->bw > 0)
			p->end_downtime_ms = pend / st->bw * 1000.0;
		p->end_ns = now + (uint64_t)(fmax(p->end_downtime_ms, 0) * 1e6);
		return;
	}
	thr = st->thr > 0 ? st->thr : thr_now;
	if (thr <= 0 || st->bw <= 0 || st->cost <= 0)
		return;
	chunk = (double)iteration_ns(m) / 1e9 * st->bw / st->cost;
	rbar = thr - fmin(chunk / 2, thr / 2);
	gap = thr - rbar;
	excess = pend - rbar;
	x = excess > gap ? gap / excess : 0.999;
	p->never_ratio = pow(x, 1.0 / h);
	p->p_never = norm_cdf((st->ratio - p->never_ratio) / st->se);
	if (st->ratio >= p->never_ratio)
		return;
	k = st->ratio > 0 ? ceil(log(x) / log(st->ratio)) : 1;
	if (k < 1)
		k = 1;
	geo = st->ratio > 0 ? (1 - pow(st->ratio, k)) / (1 - st->ratio) : 1;
	pfinal = rbar + pow(st->ratio, k) * excess;
	p->rounds_left = (int)k;
	p->time_left_ms = excess * st->cost / st->bw * geo * 1000.0;
	p->end_downtime_ms = pfinal / st->bw * 1000.0;
	p->end_ns = now + (uint64_t)((p->time_left_ms + p->end_downtime_ms) * 1e6);
}

/* The estimate a round belongs to; NULL: a change within it. */
static struct mig_est *
mig_est_of(struct migration *m, const struct mig_round *r)
{
	if (r->est < 0)
		return NULL;
	if ((unsigned)r->est == m->est.id)
		return &m->est;
	if (m->have_prev && (unsigned)r->est == m->prev_est.id)
		return &m->prev_est;
	return NULL;
}

void
mig_round_evaluate(struct mig_an *an, struct migration *m, struct mig_round *r)
{
	const struct mig_params *prm = &an->params;
	double secs = secs_of(r), pend = (double)r->pending_bytes, bw;
	struct mig_est *e;
	struct mig_stats st;
	int have;

	r->dirty_rate_bps = secs > 0 ?
	    (double)r->dirty_pages * an->page_size / secs : 0;
	mig_round_measure(an, m, r);
	if ((e = mig_est_of(m, r)) != NULL) {
		if (!r->added)
			mig_est_add(an, e, r, 1);
	} else
		e = &m->est;	/* mixed conditions: what the new ones imply */
	have = mig_est_view(an, m, e, &st) == 0;
	if (have)
		mig_predict(an, m, &st, e, pend, r->t_end_ns, &r->pred);
	else {
		memset(&r->pred, 0, sizeof(r->pred));
		r->pred.ratio = -1;
		r->pred.p_never = -1;
		r->pred.rounds_left = -1;
		r->pred.time_left_ms = -1;
		r->pred.end_downtime_ms = -1;
	}
	if (r->n == 1 && r->pred.cost > 0 && round_cost_bytes(r) > 0)
		r->ratio = (double)r->dirty_pages * an->page_size *
		    r->pred.cost / round_cost_bytes(r);

	bw = r->pred.bandwidth_bps > 0 ? r->pred.bandwidth_bps :
	    r->bandwidth_bps > 0 ? r->bandwidth_bps :
	    secs > 0 ? (double)r->bytes / secs : 0;
	r->predicted_downtime_ms = bw > 0 ? pend / bw * 1000.0 : -1;
	m->predicted_downtime_ms = r->predicted_downtime_ms;

	if (r->pred.rounds_left == 0)
		r->verdict = VERDICT_CONVERGED;
	else if (r->pred.ratio < 0)
		r->verdict = VERDICT_NONE;
	else if (r->pred.ratio < r->pred.never_ratio)
		r->verdict = VERDICT_CONVERGING;
	else if (r->pred.ratio > 1 + prm->min_drop_pct / 100.0)
		r->verdict = VERDICT_DIVERGING;
	else
		r->verdict = VERDICT_STALLED;
	m->pred = r->pred;
	if (m->postcopy_ns == 0)
		m->verdict = r->verdict;
}

/*
 * Alert when the model is alert_confidence_pct sure that the threshold is
 * never reached, after stall_rounds rounds (the first pass counts), from
 * an estimate with a round under the current conditions (not only one
 * adjusted to a change) and an iterative round behind it: the cost of a
 * page is only known from those.  Not sooner: under xbzrle the first
 * iterative round fills the cache and costs what a page costs without it.
 */
int
mig_should_alert(const struct mig_an *an, const struct migration *m)
{
	const struct mig_params *prm = &an->params;
	const struct mig_round *r;

	if (m->role != ROLE_SOURCE || m->outcome != OUT_NONE ||
	    m->postcopy_ns != 0 || m->vm_stop_ns != 0 || m->nrounds == 0)
		return 0;
	r = &m->rounds[m->nrounds - 1];
	if (r->n < prm->stall_rounds || r->pred.adjusted ||
	    r->pred.p_never < 0 || r->pred.est_iter == 0)
		return 0;
	if (r->verdict != VERDICT_STALLED && r->verdict != VERDICT_DIVERGING)
		return 0;
	return r->pred.p_never >= prm->alert_confidence_pct / 100.0;
}

/* How a throttle step scales the dirty rate: the vCPU time it leaves. */
static double
throttle_factor(const char *what, double from, double to)
{
	if (strcmp(what, "throttle") != 0 || to < 0 || to >= 100)
		return 1;
	return (100 - to) / (100 - fmax(from, 0));
}

/*
 * A change of conditions at t_ns starts a new estimate.  The round it
 * happened in belongs to neither, unless it came within one QEMU
 * iteration of that round's start (a throttle step comes right after the
 * sync that decides it): then the round is the new estimate's first.
 */
void
mig_change(struct mig_an *an, struct migration *m, const char *what,
    double from, double to, uint64_t t_ns)
{
	struct mig_change *c;
	struct mig_round *last = m->nrounds ? &m->rounds[m->nrounds - 1] : NULL;
	unsigned n_open = m->nrounds + m->rounds_dropped + 1, first, id;
	double f;
	int busy;

	if (m->outcome != OUT_NONE)
		return;
	f = throttle_factor(what, from, to);
	/* QEMU traces one throttle step twice (migration_throttle, then
	 * cpu_throttle_set with the percentage): one change. */
	c = m->nchanges > 0 && m->nchanges <= MIG_MAX_CHANGES ?
	    &m->changes[m->nchanges - 1] : NULL;
	if (c != NULL && strcmp(c->what, what) == 0 &&
	    t_ns <= c->t_ns + iteration_ns(m)) {
		if (to >= 0) {
			f = throttle_factor(what, c->from, c->to);
			if (c->to < 0)
				c->from = from;
			c->to = to;
			m->est.rate_factor *= throttle_factor(what, c->from,
			    c->to) / f;
		}
		return;
	}
	if (m->nchanges < MIG_MAX_CHANGES) {
		c = &m->changes[m->nchanges];
		c->t_ns = t_ns;
		c->what = what;
		c->from = from;
		c->to = to;
		c->round = n_open;
	}
	m->nchanges++;
	if (strcmp(what, "postcopy") == 0 || m->vm_stop_ns != 0)
		return;

	first = n_open;
	if (m->nsyncs == 0)
		first = 1;
	else if (!m->eval_pending && t_ns > m->sync_t_ns + iteration_ns(m))
		first = n_open + 1;	/* the open round is mixed */
	else if (t_ns + iteration_ns(m) < m->sync_t_ns && last != NULL) {
		/* Seen late (a lowered cap): it came within the last round. */
		if (last->added && mig_est_of(m, last) != NULL)
			mig_est_add(an, mig_est_of(m, last), last, -1);
		last->est = -1;
	}
	busy = m->est.nrounds > 0 || (m->eval_pending && last != NULL &&
	    last->est == (int)m->est.id);
	id = m->est.id + 1;
	if (busy || !m->have_prev) {
		m->prev_est = m->est;
		m->have_prev = 1;
	} else
		f *= m->est.rate_factor;	/* nothing measured in between */
	memset(&m->est, 0, sizeof(m->est));
	m->est.id = id;
	m->est.since_ns = t_ns;
	m->est.first_n = first;
	m->est.rate_factor = f;
}

/*
 * QEMU's bandwidth sample (bytes/s, every ~100 ms) and threshold.  The cap
 * (max-bandwidth) is the upper envelope of the samples: single samples
 * fall short of it (zero pages, short iterations) but never pass it.  So
 * a lowered cap is all of MIG_BW_WINDOW samples in a row more than
 * bw_step_pct below it, a raised one MIG_BW_UP_SAMPLES in a row above it.
 */
void
mig_bw_sample(struct mig_an *an, struct migration *m, double bw,
    double thr, uint64_t t_ns)
{
	double step = an->params.bw_step_pct / 100.0, hi;
	uint64_t prev = m->bw_last_t ? m->bw_last_t : t_ns;
	unsigned i;

	m->bw_last_t = t_ns;
	if (m->nsyncs == 0 || m->vm_stop_ns != 0 || m->postcopy_ns != 0)
		goto count;
	if (m->bw_ref <= 0) {
		m->bw_ref = bw;
		goto count;
	}
	if (bw > (1 + step) * m->bw_ref) {
		if (m->bw_ncand++ == 0) {
			m->bw_cand_t = prev;
			m->bw_cand_min = bw;
		} else if (bw < m->bw_cand_min)
			m->bw_cand_min = bw;
		if (m->bw_ncand >= MIG_BW_UP_SAMPLES) {
			mig_change(an, m, "bandwidth", m->bw_ref, m->bw_cand_min,
			    m->bw_cand_t);
			m->bw_ref = m->bw_cand_min;
			m->bw_ncand = 0;
			m->bw_nwin = 0;
		}
		goto count;
	}
	m->bw_ncand = 0;
	if (m->bw_nwin == MIG_BW_WINDOW) {
		memmove(m->bw_win, m->bw_win + 1,
		    (MIG_BW_WINDOW - 1) * sizeof(m->bw_win[0]));
		memmove(m->bw_win_t, m->bw_win_t + 1,
		    (MIG_BW_WINDOW - 1) * sizeof(m->bw_win_t[0]));
		m->bw_nwin--;
	}
	m->bw_win[m->bw_nwin] = bw;
	m->bw_win_t[m->bw_nwin++] = prev;
	if (m->bw_nwin < MIG_BW_WINDOW) {
		if (bw > m->bw_ref)
			m->bw_ref = bw;
		goto count;
	}
	for (hi = 0, i = 0; i < MIG_BW_WINDOW; i++)
		if (m->bw_win[i] > hi)
			hi = m->bw_win[i];
	if (hi < (1 - step) * m->bw_ref) {
		mig_change(an, m, "bandwidth", m->bw_ref, hi, m->bw_win_t[0]);
		m->bw_nwin = 0;
	}
	m->bw_ref = hi;
count:
	m->est.bw_n++;
	m->est.bw_s += bw;
	m->est.bw_s2 += bw * bw;
	if (thr > 0) {
		m->est.thr_n++;
		m->est.thr_s += thr;
	}
}
