/*
 * mig_verdict.c: the convergence model of the migration analyzer.  After
 * every round: how fast the data left to send shrinks, what the downtime
 * would be if QEMU switched over now, how many rounds are left, and whether
 * the migration cannot converge as things stand.  docs/convergence.md
 * explains the model; the numbers are QEMU's own where it traces them.
 */
#include <math.h>

#include "an_migration.h"

/* Bytes left to send after round number n (0: before the first pass). */
static double
mig_pending(const struct migration *m, unsigned idx_plus_one)
{
	if (idx_plus_one == 0)
		return (double)m->initial_pending;
	return (double)m->rounds[idx_plus_one - 1].pending_bytes;
}

static double
mig_threshold(const struct mig_an *an, const struct migration *m, double bw)
{
	if (m->threshold_bytes > 0)
		return (double)m->threshold_bytes;
	return bw * an->ctx.params.downtime_limit_ms / 1000.0;
}

void
mig_round_evaluate(struct mig_an *an, struct migration *m, struct mig_round *r)
{
	const struct an_params *prm = &an->ctx.params;
	unsigned k = m->nrounds;		/* r is rounds[k - 1] */
	unsigned w = prm->stall_rounds ? prm->stall_rounds : 1;
	double secs = (double)(r->t_end_ns - r->t_start_ns) / 1e9;
	double bw = r->bandwidth_bps, pend = (double)r->pending_bytes;
	double drop = prm->min_drop_pct / 100.0, ref, rho, thr;

	if (bw <= 0 && secs > 0)
		bw = (double)r->bytes / secs;
	r->dirty_rate_bps = secs > 0 ?
	    (double)r->dirty_pages * prm->page_size / secs : 0;
	r->predicted_downtime_ms = bw > 0 ? pend / bw * 1000.0 : -1;
	m->predicted_downtime_ms = r->predicted_downtime_ms;
	thr = mig_threshold(an, m, bw);

	/* The average shrink factor per round over the last w rounds. */
	if (w > k)
		w = k;
	while (w > 0 && mig_pending(m, k - w) <= 0)
		w--;
	if (w > 0) {
		ref = mig_pending(m, k - w);
		rho = pow(pend > 0 ? pend / ref : 0, 1.0 / w);
	} else
		rho = -1;

	if (thr > 0 && pend < thr)
		r->verdict = VERDICT_CONVERGED;
	else if (rho < 0)
		r->verdict = VERDICT_NONE;
	else if (rho < 1 - drop)
		r->verdict = VERDICT_CONVERGING;
	else if (rho > 1 + drop)
		r->verdict = VERDICT_DIVERGING;
	else
		r->verdict = VERDICT_STALLED;
	if (m->postcopy_ns == 0)
		m->verdict = r->verdict;

	if (thr > 0 && pend < thr)
		m->predicted_rounds_left = 0;
	else if (r->verdict == VERDICT_CONVERGING && thr > 0)
		m->predicted_rounds_left = (int)ceil(log(thr / pend) / log(rho));
	else
		m->predicted_rounds_left = -1;
}

/*
 * Alert when, over the last stall_rounds iterative rounds, the data left
 * never fell meaningfully below what it was before them, and switching
 * over now would exceed the downtime limit.  Rising for a round or two is
 * noise; so is one round that drops less than min_drop_pct.
 */
int
mig_should_alert(const struct mig_an *an, const struct migration *m)
{
	const struct an_params *prm = &an->ctx.params;
	unsigned w = prm->stall_rounds ? prm->stall_rounds : 1, k = m->nrounds, i;
	unsigned iterative = m->nrounds + m->rounds_dropped - 1;
	double ref, low;

	if (m->role != ROLE_SOURCE || m->outcome != OUT_NONE ||
	    m->postcopy_ns != 0 || m->vm_stop_ns != 0)
		return 0;
	if (k == 0 || iterative < w || k < w + 1)
		return 0;
	if (m->predicted_downtime_ms <= prm->downtime_limit_ms)
		return 0;
	ref = mig_pending(m, k - w);
	low = ref;
	for (i = k - w + 1; i <= k; i++)
		if (mig_pending(m, i) < low)
			low = mig_pending(m, i);
	return low > ref * (1 - prm->min_drop_pct / 100.0);
}
