/*
 * record.c: the records the migration analyzer emits, as json-c
 * objects: `migration` (a migration side as it stands), `migration_round`
 * and `alert`.  Every field is documented in docs/records.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/printbuf.h>

#include "log.h"
#include "migration.h"

/* Keys are literals and each is added once: no copy, no lookup. */
#define J_ADD(o, k, v)	json_object_object_add_ex((o), (k), (v), \
			    JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_ADD_CONSTANT_KEY)

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

static struct json_object *
j_str(const char *s)
{
	return s != NULL && *s != '\0' ? json_object_new_string(s) : NULL;
}

static struct json_object *
j_u64(uint64_t v)
{
	return json_object_new_int64((int64_t)v);
}

/* A time in ns, or null when it did not happen. */
static struct json_object *
j_ns(uint64_t v)
{
	return v != 0 ? j_u64(v) : NULL;
}

/*
 * A non-negative number with `places` decimals, printed as such ("9.071").
 * Integer digits, not printf("%.3f"): records are the agent's hottest
 * output.
 */
static struct json_object *
j_fixed(double v, int places)
{
	char buf[40], *p = buf + sizeof(buf);
	uint64_t u;
	double scale = 1;
	int i;

	if (!(v >= 0) || v > 9e12)
		return NULL;
	for (i = 0; i < places; i++)
		scale *= 10;
	u = (uint64_t)(v * scale + 0.5);
	*--p = '\0';
	for (i = 0; i < places; i++, u /= 10)
		*--p = (char)('0' + u % 10);
	if (places > 0)
		*--p = '.';
	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) > 0);
	return json_object_new_double_s(v, p);
}

/* Milliseconds to the microsecond. */
static struct json_object *
j_ms(double v)
{
	return j_fixed(v, 3);
}

/* Ratios and probabilities: four decimals. */
static struct json_object *
j_ratio(double v)
{
	return j_fixed(v, 4);
}

/* Rates and bandwidths: whole bytes per second. */
static struct json_object *
j_rate(double v)
{
	return v > 0 ? json_object_new_int64((int64_t)(v + 0.5)) : NULL;
}

static struct json_object *
j_span_ms(uint64_t from, uint64_t to)
{
	return from != 0 && to >= from ? j_ms((double)(to - from) / 1e6) : NULL;
}

/*
 * The model's prediction after a round (docs/convergence.md), as the
 * migration and migration_round records and the alert evidence carry it.
 */
static void
mig_pred_add(struct json_object *o, const struct mig_pred *p)
{
	int known = p->ratio >= 0;

	J_ADD(o, "est_ratio", known ? j_ratio(p->ratio) : NULL);
	J_ADD(o, "est_ratio_se", known ? j_ratio(p->ratio_se) : NULL);
	J_ADD(o, "never_ratio", known ? j_ratio(p->never_ratio) : NULL);
	J_ADD(o, "p_never", p->p_never >= 0 ? j_ratio(p->p_never) : NULL);
	J_ADD(o, "est_dirty_rate_bps", j_rate(p->dirty_rate_bps));
	J_ADD(o, "est_dirty_rate_sd_bps", known ?
	    json_object_new_int64((int64_t)(p->dirty_rate_sd_bps + 0.5)) : NULL);
	J_ADD(o, "est_bandwidth_bps", j_rate(p->bandwidth_bps));
	J_ADD(o, "est_bandwidth_sd_bps", known ?
	    json_object_new_int64((int64_t)(p->bandwidth_sd_bps + 0.5)) : NULL);
	J_ADD(o, "est_page_cost", known ? j_ratio(p->cost) : NULL);
	J_ADD(o, "est_id", json_object_new_int((int)p->est));
	J_ADD(o, "est_since_ns", j_ns(p->est_since_ns));
	J_ADD(o, "est_rounds", json_object_new_int((int)p->est_rounds));
	J_ADD(o, "est_adjusted", json_object_new_boolean(p->adjusted));
	J_ADD(o, "predicted_rounds_left", p->rounds_left >= 0 ?
	    json_object_new_int(p->rounds_left) : NULL);
	J_ADD(o, "predicted_time_left_ms", j_ms(p->time_left_ms));
	J_ADD(o, "predicted_end_ns", j_ns(p->end_ns));
	J_ADD(o, "predicted_end_downtime_ms", j_ms(p->end_downtime_ms));
}

/* A round's prediction as the migration record lists it, by round. */
static struct json_object *
mig_pred_brief(const struct mig_round *r)
{
	struct json_object *o = json_object_new_object();
	const struct mig_pred *p = &r->pred;

	J_ADD(o, "n", json_object_new_int((int)r->n));
	J_ADD(o, "ratio", r->ratio >= 0 ? j_ratio(r->ratio) : NULL);
	J_ADD(o, "est_ratio", p->ratio >= 0 ? j_ratio(p->ratio) : NULL);
	J_ADD(o, "est_ratio_se", p->ratio >= 0 ? j_ratio(p->ratio_se) : NULL);
	J_ADD(o, "p_never", p->p_never >= 0 ? j_ratio(p->p_never) : NULL);
	J_ADD(o, "predicted_rounds_left", p->rounds_left >= 0 ?
	    json_object_new_int(p->rounds_left) : NULL);
	J_ADD(o, "predicted_time_left_ms", j_ms(p->time_left_ms));
	J_ADD(o, "predicted_end_ns", j_ns(p->end_ns));
	J_ADD(o, "predicted_end_downtime_ms", j_ms(p->end_downtime_ms));
	J_ADD(o, "est_id", json_object_new_int((int)p->est));
	J_ADD(o, "est_adjusted", json_object_new_boolean(p->adjusted));
	return o;
}

/* The changes of conditions the model saw: [{t_ns, what, from, to, round}]. */
static struct json_object *
mig_changes(const struct migration *m)
{
	struct json_object *a = json_object_new_array(), *o;
	const struct mig_change *c;
	unsigned i, n = m->nchanges < MIG_MAX_CHANGES ? m->nchanges :
	    MIG_MAX_CHANGES;
	int bw;

	for (i = 0; i < n; i++) {
		c = &m->changes[i];
		bw = strcmp(c->what, "bandwidth") == 0;
		o = json_object_new_object();
		J_ADD(o, "t_ns", j_u64(c->t_ns));
		J_ADD(o, "what", json_object_new_string(c->what));
		J_ADD(o, "from", c->from < 0 ? NULL : bw ? j_rate(c->from) :
		    json_object_new_int((int)c->from));
		J_ADD(o, "to", c->to < 0 ? NULL : bw ? j_rate(c->to) :
		    json_object_new_int((int)c->to));
		J_ADD(o, "round", json_object_new_int((int)c->round));
		json_object_array_add(a, o);
	}
	return a;
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
    struct json_object *o, const char *kind, uint64_t t_ns)
{
	const struct mig_proc *p = m->proc;

	J_ADD(o, "kind", json_object_new_string(kind));
	J_ADD(o, "node", json_object_new_string(an->host.node));
	if (t_ns != 0)		/* 0: the caller has set it */
		J_ADD(o, "t_ns", j_u64(t_ns));
	J_ADD(o, "vm_uuid", p->ident_known ? j_str(p->ident.uuid) : NULL);
	J_ADD(o, "vm_name", p->ident_known ? j_str(p->ident.name) : NULL);
}

/* A round as the migration record carries it: what a curve needs. */
static struct json_object *
mig_round_brief(const struct mig_round *r)
{
	struct json_object *o = json_object_new_object();

	J_ADD(o, "n", json_object_new_int((int)r->n));
	J_ADD(o, "t_ns", j_u64(r->t_end_ns));
	J_ADD(o, "dirty_pages", j_u64(r->dirty_pages));
	J_ADD(o, "duration_ms", j_span_ms(r->t_start_ns, r->t_end_ns));
	J_ADD(o, "pending_bytes", j_u64(r->pending_bytes));
	J_ADD(o, "predicted_downtime_ms", j_ms(r->predicted_downtime_ms));
	J_ADD(o, "ratio", r->ratio >= 0 ? j_ratio(r->ratio) : NULL);
	J_ADD(o, "verdict", j_str(mig_verdict_str(r->verdict)));
	return o;
}

/* The JSON text of a brief, written with the agent's flags. */
static char *
brief_text(struct json_object *o, size_t *len)
{
	const char *s;
	char *t = NULL;

	s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, len);
	if (s != NULL && (t = malloc(*len + 1)) != NULL)
		memcpy(t, s, *len + 1);
	json_object_put(o);
	return t;
}

void
mig_round_text_free(struct mig_round *r)
{
	free(r->text[0]);
	free(r->text[1]);
	r->text[0] = r->text[1] = NULL;
}

/* Writes the array's text, kept as its userdata, in place of its items. */
static int
text_serializer(struct json_object *jso, struct printbuf *pb, int level,
    int flags)
{
	const char *s = json_object_get_userdata(jso);

	(void)level;
	(void)flags;
	return printbuf_memappend(pb, s, (int)strlen(s));
}

/*
 * The briefs (which 0) or the predictions' briefs (1) of rounds from..the
 * last, as one JSON array.  A migration record carries up to 200 of each,
 * and the agent sends one whenever its migration changes: rounds older
 * than the last are written to text once and copied after, instead of
 * building and serializing 200 objects each time.  The array serializes
 * to that text (json-c's custom serializer); it has no items to walk.
 */
static struct json_object *
mig_brief_array(struct migration *m, unsigned from, int which)
{
	struct json_object *a = json_object_new_array();
	struct mig_round *r;
	size_t len = 2, n;
	char *buf, *p, *last = NULL;
	unsigned i;

	if (a == NULL || from >= m->nrounds)
		return a;
	for (i = from; i < m->nrounds; i++) {
		r = &m->rounds[i];
		if (i + 1 == m->nrounds)
			last = brief_text(which ? mig_pred_brief(r) :
			    mig_round_brief(r), &n);
		else if (r->text[which] == NULL) {
			r->text[which] = brief_text(which ? mig_pred_brief(r) :
			    mig_round_brief(r), &r->text_len[which]);
			n = r->text_len[which];
		} else
			n = r->text_len[which];
		if ((i + 1 == m->nrounds ? last : r->text[which]) == NULL)
			goto fail;
		len += n + 1;
	}
	if ((buf = malloc(len + 1)) == NULL)
		goto fail;
	p = buf;
	*p++ = '[';
	for (i = from; i + 1 < m->nrounds; i++) {
		r = &m->rounds[i];
		memcpy(p, r->text[which], r->text_len[which]);
		p += r->text_len[which];
		*p++ = ',';
	}
	n = strlen(last);
	memcpy(p, last, n);
	p += n;
	*p++ = ']';
	*p = '\0';
	free(last);
	json_object_set_serializer(a, text_serializer, buf,
	    json_object_free_userdata);
	return a;
fail:
	log_warnx("%s: out of memory", __func__);
	free(last);
	return a;		/* an empty array */
}

/* A round in full, as migration_round records and alert evidence carry it. */
static struct json_object *
mig_round_obj(const struct mig_an *an, const struct mig_round *r)
{
	struct json_object *o = json_object_new_object();

	J_ADD(o, "n", json_object_new_int((int)r->n));
	J_ADD(o, "t_ns", j_u64(r->t_end_ns));
	J_ADD(o, "start_ns", j_u64(r->t_start_ns));
	J_ADD(o, "dirty_pages", j_u64(r->dirty_pages));
	J_ADD(o, "dirty_pages_reported", j_u64(r->dirty_reported));
	J_ADD(o, "duration_ms", j_span_ms(r->t_start_ns, r->t_end_ns));
	J_ADD(o, "pending_bytes", j_u64(r->pending_bytes));
	J_ADD(o, "bytes", j_u64(r->bytes));
	J_ADD(o, "bandwidth_bps", j_rate(r->bandwidth_bps));
	J_ADD(o, "dirty_rate_bps", j_rate(r->dirty_rate_bps));
	J_ADD(o, "predicted_downtime_ms", j_ms(r->predicted_downtime_ms));
	J_ADD(o, "throttle_pct", r->throttle_pct >= 0 ?
	    json_object_new_int(r->throttle_pct) : NULL);
	J_ADD(o, "remaining_bytes", j_u64(r->remaining_bytes));
	J_ADD(o, "processed_bytes", j_u64(r->processed_bytes));
	J_ADD(o, "ratio", r->ratio >= 0 ? j_ratio(r->ratio) : NULL);
	J_ADD(o, "verdict", j_str(mig_verdict_str(r->verdict)));
	return o;
}

struct json_object *
mig_record(const struct mig_an *an, struct migration *m, uint64_t t_ns)
{
	struct json_object *o = json_object_new_object();
	struct json_object *a;
	const struct mig_stage *s;
	uint64_t end = m->end_ns ? m->end_ns : m->last_ns;
	unsigned i;

	mig_common(an, m, o, "migration", t_ns);
	J_ADD(o, "id", json_object_new_string(m->id));
	J_ADD(o, "vpid", json_object_new_int64(m->proc->qemu_pid));
	J_ADD(o, "role", j_str(mig_role_str(m->role)));
	J_ADD(o, "state", j_str(m->state));
	J_ADD(o, "outcome", j_str(mig_outcome_str(m->outcome)));
	J_ADD(o, "error", j_str(mig_error(m)));
	J_ADD(o, "errors", j_str(m->errors));
	J_ADD(o, "started_ns", j_u64(m->start_ns));
	J_ADD(o, "ended_ns", j_ns(m->end_ns));
	J_ADD(o, "vm_stop_ns", j_ns(m->vm_stop_ns));
	J_ADD(o, "vm_resume_ns", j_ns(m->vm_resume_ns));
	J_ADD(o, "total_ms", j_span_ms(m->start_ns, end));
	/*
	 * Source downtime: VM stopped for the switchover until QEMU completed;
	 * in postcopy until the guest runs on the destination (postcopy-active).
	 */
	J_ADD(o, "downtime_ms", m->role == ROLE_SOURCE &&
	    m->outcome == OUT_COMPLETED ? j_span_ms(m->vm_stop_ns,
	    m->postcopy_ns ? m->postcopy_active_ns : m->end_ns) : NULL);
	J_ADD(o, "verdict", j_str(mig_verdict_str(m->verdict)));
	J_ADD(o, "predicted_downtime_ms", j_ms(m->predicted_downtime_ms));
	mig_pred_add(o, &m->pred);
	J_ADD(o, "downtime_limit_ms", j_ms(an->params.downtime_limit_ms));
	J_ADD(o, "threshold_bytes", m->threshold_bytes ?
	    j_u64(m->threshold_bytes) : NULL);
	J_ADD(o, "bandwidth_bps", j_rate(m->bandwidth_bps));
	J_ADD(o, "bytes_transferred", j_u64(m->bytes_total));
	J_ADD(o, "throttle_pct", m->throttle_pct >= 0 ?
	    json_object_new_int(m->throttle_pct) : NULL);
	J_ADD(o, "throttle_steps", json_object_new_int((int)m->throttle_steps));
	J_ADD(o, "dirty_syncs", json_object_new_int((int)m->nsyncs));
	J_ADD(o, "final_dirty_pages", m->vm_stop_ns && m->final_dirty_pages ?
	    j_u64(m->final_dirty_pages) : NULL);
	J_ADD(o, "pages_loaded_iterations", m->role == ROLE_DESTINATION ?
	    json_object_new_int((int)m->loads) : NULL);
	J_ADD(o, "alerted", json_object_new_boolean(m->alerted));
	J_ADD(o, "alert_round", m->alerted ?
	    json_object_new_int((int)m->alert_round) : NULL);
	J_ADD(o, "changes", mig_changes(m));

	a = json_object_new_array();
	for (i = 0; i < m->nstages; i++) {
		struct json_object *so = json_object_new_object();

		s = &m->stages[i];
		J_ADD(so, "name", json_object_new_string(s->name));
		J_ADD(so, "start_ns", j_u64(s->start_ns));
		J_ADD(so, "end_ns", j_ns(s->end_ns));
		J_ADD(so, "duration_ms", j_span_ms(s->start_ns,
		    s->end_ns ? s->end_ns : end));
		json_object_array_add(a, so);
	}
	J_ADD(o, "stages", a);

	a = json_object_new_array();
	for (i = 0; i < m->nstates; i++) {
		struct json_object *so = json_object_new_object();

		J_ADD(so, "state", json_object_new_string(m->states[i].state));
		J_ADD(so, "t_ns", j_u64(m->states[i].t_ns));
		json_object_array_add(a, so);
	}
	J_ADD(o, "states", a);

	/* The latest rounds only, so a record stays small; all are sent as
	 * migration_round records.  Then the same rounds' predictions: the
	 * store keeps rounds in columns of their own, the rest of this record
	 * as it comes. */
	i = m->nrounds > MIG_RECORD_ROUNDS ? m->nrounds - MIG_RECORD_ROUNDS : 0;
	J_ADD(o, "rounds", mig_brief_array(m, i, 0));
	J_ADD(o, "predictions", mig_brief_array(m, i, 1));
	J_ADD(o, "rounds_total", json_object_new_int((int)(m->nrounds +
	    m->rounds_dropped)));
	J_ADD(o, "rounds_dropped", json_object_new_int((int)m->rounds_dropped));
	return o;
}

struct json_object *
mig_round_record(const struct mig_an *an, const struct migration *m,
    const struct mig_round *r)
{
	struct json_object *o = mig_round_obj(an, r);
	char id[200];

	snprintf(id, sizeof(id), "%s#%u", m->id, r->n);
	mig_common(an, m, o, "migration_round", 0);	/* t_ns: the round's */
	J_ADD(o, "id", json_object_new_string(id));
	J_ADD(o, "migration_id", json_object_new_string(m->id));
	mig_pred_add(o, &r->pred);
	return o;
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

struct json_object *
mig_alert(const struct mig_an *an, const struct migration *m,
    const char *name, uint64_t t_ns)
{
	struct json_object *o = json_object_new_object();
	struct json_object *ev = json_object_new_object(), *a;
	const char *who = m->proc->ident_known && m->proc->ident.name[0] ?
	    m->proc->ident.name : m->id;
	const char *err = mig_error(m);
	char id[220], msg[1024];
	unsigned i, from;

	snprintf(id, sizeof(id), "%s!%s", m->id, name);
	mig_common(an, m, o, "alert", t_ns);
	J_ADD(o, "id", json_object_new_string(id));
	J_ADD(o, "name", json_object_new_string(name));
	J_ADD(o, "severity", json_object_new_string(mig_alert_severity(name)));
	J_ADD(o, "migration_id", json_object_new_string(m->id));

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
	J_ADD(o, "message", json_object_new_string(msg));

	/* The evidence: the last rounds and what QEMU measured. */
	a = json_object_new_array();
	from = m->nrounds > 6 ? m->nrounds - 6 : 0;
	for (i = from; i < m->nrounds; i++)
		json_object_array_add(a, mig_round_obj(an, &m->rounds[i]));
	J_ADD(ev, "rounds", a);
	J_ADD(ev, "outcome", j_str(mig_outcome_str(m->outcome)));
	J_ADD(ev, "verdict", j_str(mig_verdict_str(m->verdict)));
	J_ADD(ev, "predicted_downtime_ms", j_ms(m->predicted_downtime_ms));
	J_ADD(ev, "downtime_limit_ms", j_ms(an->params.downtime_limit_ms));
	J_ADD(ev, "bandwidth_bps", j_rate(m->bandwidth_bps));
	J_ADD(ev, "threshold_bytes", m->threshold_bytes ?
	    j_u64(m->threshold_bytes) : NULL);
	J_ADD(ev, "throttle_pct", m->throttle_pct >= 0 ?
	    json_object_new_int(m->throttle_pct) : NULL);
	J_ADD(ev, "throttle_steps", json_object_new_int((int)m->throttle_steps));
	J_ADD(ev, "error", j_str(err));
	mig_pred_add(ev, &m->pred);
	J_ADD(ev, "changes", mig_changes(m));
	J_ADD(o, "evidence", ev);
	return o;
}
