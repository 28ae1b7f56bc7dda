/*
 * record.c: the records the migration analyzer emits, written as JSON
 * text member by member (jw_*, lib/jwrite.h), no json-c tree: `migration`
 * (a migration side as it stands), `migration_round` and `alert`.  Every
 * field is documented in docs/records.md.  The bytes are those json-c's
 * writer gave for the trees these functions built before (test_migration
 * "records as text").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jwrite.h"
#include "log.h"
#include "migration.h"

const char *
mig_role_str(enum mig_role r)
{
	switch (r) {
	case ROLE_SOURCE:
		return "source";
	case ROLE_DESTINATION:
		return "destination";
	default:
		return NULL;
	}
}

const char *
mig_outcome_str(enum mig_outcome o)
{
	switch (o) {
	case OUT_COMPLETED:
		return "completed";
	case OUT_FAILED:
		return "failed";
	case OUT_CANCELLED:
		return "cancelled";
	case OUT_ROLLED_BACK:
		return "rolled_back";
	default:
		return NULL;
	}
}

const char *
mig_verdict_str(enum mig_verdict v)
{
	switch (v) {
	case VERDICT_CONVERGING:
		return "converging";
	case VERDICT_STALLED:
		return "stalled";
	case VERDICT_DIVERGING:
		return "diverging";
	case VERDICT_CONVERGED:
		return "converged";
	default:
		return NULL;
	}
}

/* A member: a string; null when empty (k_s: always the string). */
static inline void
k_str(struct jbuf *b, const char *k, const char *s)
{
	jw_key(b, k);
	jw_str(b, s != NULL && *s != '\0' ? s : NULL);
}

static inline void
k_s(struct jbuf *b, const char *k, const char *s)
{
	jw_key(b, k);
	jw_str(b, s);
}

static inline void
k_null(struct jbuf *b, const char *k)
{
	jw_key(b, k);
	jw_null(b);
}

static inline void
k_int(struct jbuf *b, const char *k, int64_t v)
{
	jw_key(b, k);
	jw_int(b, v);
}

static inline void
k_u64(struct jbuf *b, const char *k, uint64_t v)
{
	k_int(b, k, (int64_t)v);
}

/* An integer when it is known, else null. */
static inline void
k_opt(struct jbuf *b, const char *k, int known, int64_t v)
{
	if (known)
		k_int(b, k, v);
	else
		k_null(b, k);
}

static inline void
k_bool(struct jbuf *b, const char *k, int v)
{
	jw_key(b, k);
	jw_bool(b, v);
}

/* A time in ns, or null when it did not happen. */
static inline void
k_ns(struct jbuf *b, const char *k, uint64_t v)
{
	if (v != 0)
		k_u64(b, k, v);
	else
		k_null(b, k);
}

/*
 * A non-negative number with `places` decimals, printed as such ("9.071").
 * Integer digits, not printf("%.3f"): records are the agent's hottest
 * output.
 */
static inline void
k_fixed(struct jbuf *b, const char *k, double v, int places)
{
	char buf[40], *p = buf + sizeof(buf);
	uint64_t u;
	double scale = 1;
	int i;

	if (!(v >= 0) || v > 9e12) {
		k_null(b, k);
		return;
	}
	for (i = 0; i < places; i++)
		scale *= 10;
	u = (uint64_t)(v * scale + 0.5);
	for (i = 0; i < places; i++, u /= 10)
		*--p = (char)('0' + u % 10);
	if (places > 0)
		*--p = '.';
	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) > 0);
	jw_key(b, k);
	jw_raw(b, p, (size_t)(buf + sizeof(buf) - p));
}

/* Milliseconds to the microsecond. */
static inline void
k_ms(struct jbuf *b, const char *k, double v)
{
	k_fixed(b, k, v, 3);
}

/* Ratios and probabilities: four decimals; null when not known (< 0). */
static inline void
k_ratio(struct jbuf *b, const char *k, double v)
{
	k_fixed(b, k, v, 4);
}

/* Rates and bandwidths: whole bytes per second. */
static inline void
k_rate(struct jbuf *b, const char *k, double v)
{
	if (v > 0)
		k_int(b, k, (int64_t)(v + 0.5));
	else
		k_null(b, k);
}

static inline void
k_span_ms(struct jbuf *b, const char *k, uint64_t from, uint64_t to)
{
	if (from != 0 && to >= from)
		k_ms(b, k, (double)(to - from) / 1e6);
	else
		k_null(b, k);
}

/*
 * The model's prediction after a round (docs/convergence.md), as the
 * migration and migration_round records and the alert evidence carry it.
 */
static void
mig_pred_add(struct jbuf *b, const struct mig_pred *p)
{
	int known = p->ratio >= 0;

	k_ratio(b, "est_ratio", known ? p->ratio : -1);
	k_ratio(b, "est_ratio_se", known ? p->ratio_se : -1);
	k_ratio(b, "never_ratio", known ? p->never_ratio : -1);
	k_ratio(b, "p_never", p->p_never >= 0 ? p->p_never : -1);
	k_rate(b, "est_dirty_rate_bps", p->dirty_rate_bps);
	k_opt(b, "est_dirty_rate_sd_bps", known,
	    (int64_t)(p->dirty_rate_sd_bps + 0.5));
	k_rate(b, "est_bandwidth_bps", p->bandwidth_bps);
	k_opt(b, "est_bandwidth_sd_bps", known,
	    (int64_t)(p->bandwidth_sd_bps + 0.5));
	k_ratio(b, "est_page_cost", known ? p->cost : -1);
	k_int(b, "est_id", (int)p->est);
	k_ns(b, "est_since_ns", p->est_since_ns);
	k_int(b, "est_rounds", (int)p->est_rounds);
	k_bool(b, "est_adjusted", p->adjusted);
	k_opt(b, "predicted_rounds_left", p->rounds_left >= 0, p->rounds_left);
	k_ms(b, "predicted_time_left_ms", p->time_left_ms);
	k_ns(b, "predicted_end_ns", p->end_ns);
	k_ms(b, "predicted_end_downtime_ms", p->end_downtime_ms);
}

/* A round's prediction as the migration record lists it, by round. */
static void
mig_pred_brief(struct jbuf *b, const struct mig_round *r)
{
	const struct mig_pred *p = &r->pred;

	jw_open(b, '{');
	k_int(b, "n", (int)r->n);
	k_ratio(b, "ratio", r->ratio >= 0 ? r->ratio : -1);
	k_ratio(b, "est_ratio", p->ratio >= 0 ? p->ratio : -1);
	k_ratio(b, "est_ratio_se", p->ratio >= 0 ? p->ratio_se : -1);
	k_ratio(b, "p_never", p->p_never >= 0 ? p->p_never : -1);
	k_opt(b, "predicted_rounds_left", p->rounds_left >= 0, p->rounds_left);
	k_ms(b, "predicted_time_left_ms", p->time_left_ms);
	k_ns(b, "predicted_end_ns", p->end_ns);
	k_ms(b, "predicted_end_downtime_ms", p->end_downtime_ms);
	k_int(b, "est_id", (int)p->est);
	k_bool(b, "est_adjusted", p->adjusted);
	jw_close(b, '}');
}

/* The changes of conditions the model saw: [{t_ns, what, from, to, round}]. */
static void
mig_changes(struct jbuf *b, const struct migration *m)
{
	const struct mig_change *c;
	unsigned i, n = m->nchanges < MIG_MAX_CHANGES ? m->nchanges :
	    MIG_MAX_CHANGES;
	int bw;

	jw_key(b, "changes");
	jw_open(b, '[');
	for (i = 0; i < n; i++) {
		c = &m->changes[i];
		bw = strcmp(c->what, "bandwidth") == 0;
		jw_item(b);
		jw_open(b, '{');
		k_u64(b, "t_ns", c->t_ns);
		k_s(b, "what", c->what);
		if (c->from < 0)
			k_null(b, "from");
		else if (bw)
			k_rate(b, "from", c->from);
		else
			k_int(b, "from", (int)c->from);
		if (c->to < 0)
			k_null(b, "to");
		else if (bw)
			k_rate(b, "to", c->to);
		else
			k_int(b, "to", (int)c->to);
		k_int(b, "round", (int)c->round);
		jw_close(b, '}');
	}
	jw_close(b, ']');
}

/* QEMU's error_desc when traced, else its last error line, as query-migrate. */
static const char *
mig_error(const struct migration *m)
{
	const char *last;

	if (m->error[0] != '\0')
		return m->error;
	if (m->errors[0] == '\0')
		return NULL;
	last = strrchr(m->errors, ';');
	return last != NULL ? last + 2 : m->errors;
}

static void
mig_common(const struct mig_an *an, const struct migration *m,
    struct jbuf *b, const char *kind, uint64_t t_ns)
{
	const struct mig_proc *p = m->proc;

	k_s(b, "kind", kind);
	k_s(b, "node", an->host.node);
	if (t_ns != 0)		/* 0: the caller has set it */
		k_u64(b, "t_ns", t_ns);
	k_str(b, "vm_uuid", p->ident_known ? p->ident.uuid : NULL);
	k_str(b, "vm_name", p->ident_known ? p->ident.name : NULL);
}

/* A round as the migration record carries it: what a curve needs. */
static void
mig_round_brief(struct jbuf *b, const struct mig_round *r)
{
	jw_open(b, '{');
	k_int(b, "n", (int)r->n);
	k_u64(b, "t_ns", r->t_end_ns);
	k_u64(b, "dirty_pages", r->dirty_pages);
	k_span_ms(b, "duration_ms", r->t_start_ns, r->t_end_ns);
	k_u64(b, "pending_bytes", r->pending_bytes);
	k_ms(b, "predicted_downtime_ms", r->predicted_downtime_ms);
	k_ratio(b, "ratio", r->ratio >= 0 ? r->ratio : -1);
	k_str(b, "verdict", mig_verdict_str(r->verdict));
	jw_close(b, '}');
}

static void
brief(struct jbuf *b, const struct mig_round *r, int which)
{
	if (which)
		mig_pred_brief(b, r);
	else
		mig_round_brief(b, r);
}

void
mig_round_text_free(struct mig_round *r)
{
	free(r->text[0]);
	free(r->text[1]);
	r->text[0] = r->text[1] = NULL;
}

/*
 * Member key: the briefs (which 0) or the predictions' briefs (1) of
 * rounds from..the last, as one JSON array.  A migration record carries
 * up to 200 of each, and the agent sends one whenever its migration
 * changes: a round older than the last no longer changes, so its brief is
 * written once, kept, and copied after.
 */
static void
mig_brief_array(struct jbuf *b, const char *key, struct migration *m,
    unsigned from, int which)
{
	struct jbuf t = { NULL, 0, 0, 0 };
	struct mig_round *r;
	unsigned i;

	jw_key(b, key);
	jw_open(b, '[');
	for (i = from; i < m->nrounds; i++) {
		r = &m->rounds[i];
		jw_item(b);
		if (i + 1 == m->nrounds) {
			brief(b, r, which);
			continue;
		}
		if (r->text[which] == NULL) {
			jw_reset(&t);
			brief(&t, r, which);
			if (jw_done(&t) == 0 &&
			    (r->text[which] = malloc(t.len + 1)) != NULL) {
				memcpy(r->text[which], t.p, t.len + 1);
				r->text_len[which] = t.len;
			}
		}
		if (r->text[which] != NULL)
			jw_raw(b, r->text[which], r->text_len[which]);
		else
			brief(b, r, which);	/* out of memory: not kept */
	}
	jw_close(b, ']');
	jbuf_free(&t);
}

/* A round's members in full, as migration_round records and alert
 * evidence carry them. */
static void
mig_round_members(struct jbuf *b, const struct mig_round *r)
{
	k_int(b, "n", (int)r->n);
	k_u64(b, "t_ns", r->t_end_ns);
	k_u64(b, "start_ns", r->t_start_ns);
	k_u64(b, "dirty_pages", r->dirty_pages);
	k_u64(b, "dirty_pages_reported", r->dirty_reported);
	k_span_ms(b, "duration_ms", r->t_start_ns, r->t_end_ns);
	k_u64(b, "pending_bytes", r->pending_bytes);
	k_u64(b, "bytes", r->bytes);
	k_rate(b, "bandwidth_bps", r->bandwidth_bps);
	k_rate(b, "dirty_rate_bps", r->dirty_rate_bps);
	k_ms(b, "predicted_downtime_ms", r->predicted_downtime_ms);
	k_opt(b, "throttle_pct", r->throttle_pct >= 0, r->throttle_pct);
	k_u64(b, "remaining_bytes", r->remaining_bytes);
	k_u64(b, "processed_bytes", r->processed_bytes);
	k_ratio(b, "ratio", r->ratio >= 0 ? r->ratio : -1);
	k_str(b, "verdict", mig_verdict_str(r->verdict));
}

int
mig_record(const struct mig_an *an, struct migration *m, uint64_t t_ns,
    struct jbuf *b)
{
	const struct mig_stage *s;
	uint64_t end = m->end_ns ? m->end_ns : m->last_ns;
	unsigned i;

	jw_reset(b);
	jw_open(b, '{');
	mig_common(an, m, b, "migration", t_ns);
	k_s(b, "id", m->id);
	k_int(b, "vpid", m->proc->qemu_pid);
	k_str(b, "role", mig_role_str(m->role));
	k_str(b, "state", m->state);
	k_str(b, "outcome", mig_outcome_str(m->outcome));
	k_str(b, "error", mig_error(m));
	k_str(b, "errors", m->errors);
	k_u64(b, "started_ns", m->start_ns);
	k_ns(b, "ended_ns", m->end_ns);
	k_ns(b, "vm_stop_ns", m->vm_stop_ns);
	k_ns(b, "vm_resume_ns", m->vm_resume_ns);
	k_span_ms(b, "total_ms", m->start_ns, end);
	/*
	 * Source downtime: VM stopped for the switchover until QEMU completed;
	 * in postcopy until the guest runs on the destination (postcopy-active).
	 */
	if (m->role == ROLE_SOURCE && m->outcome == OUT_COMPLETED)
		k_span_ms(b, "downtime_ms", m->vm_stop_ns,
		    m->postcopy_ns ? m->postcopy_active_ns : m->end_ns);
	else
		k_null(b, "downtime_ms");
	k_str(b, "verdict", mig_verdict_str(m->verdict));
	k_ms(b, "predicted_downtime_ms", m->predicted_downtime_ms);
	mig_pred_add(b, &m->pred);
	k_ms(b, "downtime_limit_ms", an->params.downtime_limit_ms);
	k_opt(b, "threshold_bytes", m->threshold_bytes != 0,
	    (int64_t)m->threshold_bytes);
	k_rate(b, "bandwidth_bps", m->bandwidth_bps);
	k_u64(b, "bytes_transferred", m->bytes_total);
	k_opt(b, "throttle_pct", m->throttle_pct >= 0, m->throttle_pct);
	k_int(b, "throttle_steps", (int)m->throttle_steps);
	k_int(b, "dirty_syncs", (int)m->nsyncs);
	k_opt(b, "final_dirty_pages", m->vm_stop_ns != 0 &&
	    m->final_dirty_pages != 0, (int64_t)m->final_dirty_pages);
	k_opt(b, "pages_loaded_iterations", m->role == ROLE_DESTINATION,
	    (int)m->loads);
	k_bool(b, "alerted", m->alerted);
	k_opt(b, "alert_round", m->alerted, (int)m->alert_round);
	mig_changes(b, m);

	jw_key(b, "stages");
	jw_open(b, '[');
	for (i = 0; i < m->nstages; i++) {
		s = &m->stages[i];
		jw_item(b);
		jw_open(b, '{');
		k_s(b, "name", s->name);
		k_u64(b, "start_ns", s->start_ns);
		k_ns(b, "end_ns", s->end_ns);
		k_span_ms(b, "duration_ms", s->start_ns,
		    s->end_ns ? s->end_ns : end);
		jw_close(b, '}');
	}
	jw_close(b, ']');

	jw_key(b, "states");
	jw_open(b, '[');
	for (i = 0; i < m->nstates; i++) {
		jw_item(b);
		jw_open(b, '{');
		k_s(b, "state", m->states[i].state);
		k_u64(b, "t_ns", m->states[i].t_ns);
		jw_close(b, '}');
	}
	jw_close(b, ']');

	/* The latest rounds only, so a record stays small; all are sent as
	 * migration_round records.  Then the same rounds' predictions: the
	 * store keeps rounds in columns of their own, the rest of this record
	 * as it comes. */
	i = m->nrounds > MIG_RECORD_ROUNDS ? m->nrounds - MIG_RECORD_ROUNDS : 0;
	mig_brief_array(b, "rounds", m, i, 0);
	mig_brief_array(b, "predictions", m, i, 1);
	k_int(b, "rounds_total", (int)(m->nrounds + m->rounds_dropped));
	k_int(b, "rounds_dropped", (int)m->rounds_dropped);
	jw_close(b, '}');
	return jw_done(b);
}

int
mig_round_record(const struct mig_an *an, const struct migration *m,
    const struct mig_round *r, struct jbuf *b)
{
	char id[200];

	snprintf(id, sizeof(id), "%s#%u", m->id, r->n);
	jw_reset(b);
	jw_open(b, '{');
	mig_round_members(b, r);
	mig_common(an, m, b, "migration_round", 0);	/* t_ns: the round's */
	k_s(b, "id", id);
	k_s(b, "migration_id", m->id);
	mig_pred_add(b, &r->pred);
	jw_close(b, '}');
	return jw_done(b);
}

static const char *
mig_alert_severity(const char *name)
{
	if (strcmp(name, "migration.not_converging") == 0)
		return "warning";
	if (strcmp(name, "migration.failed") == 0)
		return "error";
	return "info";
}

int
mig_alert(const struct mig_an *an, const struct migration *m,
    const char *name, uint64_t t_ns, struct jbuf *b)
{
	const char *who = m->proc->ident_known && m->proc->ident.name[0] ?
	    m->proc->ident.name : m->id;
	const char *err = mig_error(m);
	char id[220], msg[1024];
	unsigned i, from;

	snprintf(id, sizeof(id), "%s!%s", m->id, name);
	jw_reset(b);
	jw_open(b, '{');
	mig_common(an, m, b, "alert", t_ns);
	k_s(b, "id", id);
	k_s(b, "name", name);
	k_s(b, "severity", mig_alert_severity(name));
	k_s(b, "migration_id", m->id);
	if (strcmp(name, "migration.not_converging") == 0)
		snprintf(msg, sizeof(msg), "live migration of %s is not "
		    "converging: %u rounds, %.0f MiB left, the guest dirties "
		    "%.2f ± %.2f pages per page sent, %.1f %% sure it never "
		    "reaches the threshold; predicted downtime %.0f ms > limit "
		    "%.0f ms, verdict %s", who, m->nrounds + m->rounds_dropped,
		    m->nrounds ? m->rounds[m->nrounds - 1].pending_bytes /
		    1048576.0 : 0, m->pred.ratio, m->pred.ratio_se,
		    100 * m->pred.p_never, m->predicted_downtime_ms,
		    an->params.downtime_limit_ms,
		    mig_verdict_str(m->verdict) ? mig_verdict_str(m->verdict) : "-");
	else if (strcmp(name, "migration.failed") == 0)
		snprintf(msg, sizeof(msg), "live migration of %s %s%s%.600s", who,
		    m->outcome == OUT_CANCELLED ? "was cancelled" :
		    m->outcome == OUT_ROLLED_BACK ? "failed and rolled back" :
		    "failed", err ? ": " : "", err ? err : "");
	else
		snprintf(msg, sizeof(msg), "live migration of %s converged "
		    "and completed after %u rounds", who,
		    m->nrounds + m->rounds_dropped);
	k_s(b, "message", msg);

	/* The evidence: the last rounds and what QEMU measured. */
	jw_key(b, "evidence");
	jw_open(b, '{');
	jw_key(b, "rounds");
	jw_open(b, '[');
	from = m->nrounds > 6 ? m->nrounds - 6 : 0;
	for (i = from; i < m->nrounds; i++) {
		jw_item(b);
		jw_open(b, '{');
		mig_round_members(b, &m->rounds[i]);
		jw_close(b, '}');
	}
	jw_close(b, ']');
	k_str(b, "outcome", mig_outcome_str(m->outcome));
	k_str(b, "verdict", mig_verdict_str(m->verdict));
	k_ms(b, "predicted_downtime_ms", m->predicted_downtime_ms);
	k_ms(b, "downtime_limit_ms", an->params.downtime_limit_ms);
	k_rate(b, "bandwidth_bps", m->bandwidth_bps);
	k_opt(b, "threshold_bytes", m->threshold_bytes != 0,
	    (int64_t)m->threshold_bytes);
	k_opt(b, "throttle_pct", m->throttle_pct >= 0, m->throttle_pct);
	k_int(b, "throttle_steps", (int)m->throttle_steps);
	k_str(b, "error", err);
	mig_pred_add(b, &m->pred);
	mig_changes(b, m);
	jw_close(b, '}');
	jw_close(b, '}');
	return jw_done(b);
}
