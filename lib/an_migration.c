/*
 * an_migration.c: the live-migration analyzer.  Follows every migration of
 * every QEMU process on the node from the qemu:* trace events (QEMU 7.2 names
 * and the 8.x-10.x renames): state, stages, rounds, throttling, downtime and
 * outcome, and after every round asks mig_verdict.c whether it converges.
 * Emits `migration`, `migration_round` and `alert` records (docs/records.md).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an_migration.h"
#include "log.h"

enum mig_code {
	C_SET_STATE,
	C_SYNC_START,
	C_SYNC_END,
	C_PENDING,		/* 7.2 migrate_pending: size, max */
	C_PENDING_EXACT,	/* after a sync */
	C_PENDING_ESTIMATE,
	C_TRANSFERRED,
	C_LOW_PENDING,
	C_VM_STOP,
	C_VM_STATE,
	C_ERROR,
	C_CANCEL,
	C_CLEANUP,
	C_FILE_ERR,
	C_THROTTLE,
	C_THROTTLE_SET,
	C_POSTCOPY_START,
	C_SAVEVM_SETUP,
	C_COMPLETE_PRECOPY,
	C_LOADVM_SETUP,
	C_RAM_LOAD_COMPLETE,
	C_INCOMING_END,
	C_IDENTITY,		/* strata:vm_identity */
	C_QEMU_LOG,		/* strata:qemu_log */
};

static const struct {
	const char	*name;
	enum mig_code	 code;
} mig_events[] = {
	{ "qemu:migrate_set_state",			C_SET_STATE },
	{ "qemu:migration_bitmap_sync_start",		C_SYNC_START },
	{ "qemu:migration_bitmap_sync_end",		C_SYNC_END },
	{ "qemu:migrate_pending",			C_PENDING },
	{ "qemu:migrate_pending_exact",			C_PENDING_EXACT },
	{ "qemu:migrate_pending_estimate",		C_PENDING_ESTIMATE },
	{ "qemu:migrate_transferred",			C_TRANSFERRED },
	{ "qemu:migration_thread_low_pending",		C_LOW_PENDING },
	{ "qemu:migration_completion_vm_stop",		C_VM_STOP },
	{ "qemu:vm_state_notify",			C_VM_STATE },
	{ "qemu:migrate_fd_error",			C_ERROR },
	{ "qemu:migrate_error",				C_ERROR },
	{ "qemu:migrate_fd_cancel",			C_CANCEL },
	{ "qemu:migration_cancel",			C_CANCEL },
	{ "qemu:migrate_fd_cleanup",			C_CLEANUP },
	{ "qemu:migration_cleanup",			C_CLEANUP },
	{ "qemu:migration_thread_file_err",		C_FILE_ERR },
	{ "qemu:migration_throttle",			C_THROTTLE },
	{ "qemu:cpu_throttle_set",			C_THROTTLE_SET },
	{ "qemu:postcopy_start",			C_POSTCOPY_START },
	{ "qemu:savevm_state_setup",			C_SAVEVM_SETUP },
	{ "qemu:savevm_state_complete_precopy",		C_COMPLETE_PRECOPY },
	{ "qemu:loadvm_state_setup",			C_LOADVM_SETUP },
	{ "qemu:ram_load_complete",			C_RAM_LOAD_COMPLETE },
	{ "qemu:process_incoming_migration_co_end",	C_INCOMING_END },
	{ "strata:vm_identity",				C_IDENTITY },
	{ "strata:qemu_log",				C_QEMU_LOG },
};

static int
mig_classify(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(mig_events) / sizeof(mig_events[0]); i++)
		if (strcmp(mig_events[i].name, name) == 0)
			return mig_events[i].code;
	/* Other qemu:* events cost nothing: the source counts them unclaimed. */
	return AN_CODE_NONE;
}

static void
mig_emit(struct mig_an *an, struct json_object *rec)
{
	if (rec != NULL)
		an->ctx.emit(an->ctx.emit_arg, rec);
}

/* The migration record is due; it leaves at the end of the batch. */
static void
mig_emit_state(struct mig_an *an, struct migration *m, uint64_t t_ns)
{
	(void)an;
	m->dirty = 1;
	m->dirty_t_ns = t_ns;
}

static void
mig_flush_one(struct mig_an *an, struct migration *m)
{
	if (m == NULL || !m->dirty)
		return;
	m->dirty = 0;
	mig_emit(an, mig_record(an, m, m->dirty_t_ns));
}

static void
mig_emit_alert(struct mig_an *an, struct migration *m, const char *name,
    uint64_t t_ns)
{
	an->alerts++;
	mig_emit(an, mig_alert(an, m, name, t_ns));
}

static struct mig_proc *
mig_proc_get(struct mig_an *an, int64_t vpid)
{
	struct mig_proc **head = &an->procs[(uint64_t)vpid % 256], *p;

	for (p = *head; p != NULL; p = p->next)
		if (p->vpid == vpid)
			return p;
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		log_warn("%s: calloc", __func__);
		return NULL;
	}
	p->vpid = vpid;
	p->qemu_pid = vpid;
	p->period_ns = 1000000000ULL;
	p->next = *head;
	*head = p;
	return p;
}

/* Who the process is: told by strata:vm_identity, else asked of the host. */
static void
mig_proc_identify(struct mig_an *an, struct mig_proc *p)
{
	if (p->ident_known || p->ident_tried)
		return;
	p->ident_tried = 1;
	if (an->ctx.resolve_vm != NULL &&
	    an->ctx.resolve_vm(an->ctx.resolve_arg, p->vpid, &p->ident) == 0)
		p->ident_known = 1;
}

static void
mig_free(struct migration *m)
{
	if (m == NULL)
		return;
	free(m->rounds);
	free(m);
}

static void
mig_stage_enter(struct migration *m, const char *name, uint64_t t_ns)
{
	struct mig_stage *s;

	if (m->nstages > 0) {
		s = &m->stages[m->nstages - 1];
		if (strcmp(s->name, name) == 0)
			return;
		if (s->end_ns == 0)
			s->end_ns = t_ns;
	}
	if (m->nstages == MIG_MAX_STAGES)
		return;
	s = &m->stages[m->nstages++];
	s->name = name;
	s->start_ns = t_ns;
	s->end_ns = 0;
}

static void
mig_stage_close(struct migration *m, uint64_t t_ns)
{
	if (m->nstages > 0 && m->stages[m->nstages - 1].end_ns == 0)
		m->stages[m->nstages - 1].end_ns = t_ns;
}

static struct migration *
mig_start(struct mig_an *an, struct mig_proc *p, uint64_t t_ns)
{
	struct migration *m;

	mig_flush_one(an, p->cur);
	mig_free(p->cur);
	p->cur = NULL;
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		log_warn("%s: calloc", __func__);
		return NULL;
	}
	m->proc = p;
	m->start_ns = m->last_ns = t_ns;
	m->throttle_pct = -1;
	m->predicted_downtime_ms = -1;
	m->predicted_rounds_left = -1;
	/* Stable across re-reads of the same trace: a resent record is one. */
	snprintf(m->id, sizeof(m->id), "%s/%" PRId64 "/%" PRIu64,
	    an->ctx.node, p->qemu_pid, t_ns);
	p->cur = m;
	p->nmig++;
	an->migrations++;
	mig_stage_enter(m, "setup", t_ns);
	return m;
}

/* The outcome is final: what QEMU does afterwards does not change it. */
static void
mig_end(struct mig_an *an, struct migration *m, enum mig_outcome outcome,
    uint64_t t_ns)
{
	if (m->outcome != OUT_NONE)
		return;
	m->outcome = outcome;
	m->end_ns = t_ns;
	m->fail_pending = 0;
	mig_stage_close(m, t_ns);
	if (outcome == OUT_COMPLETED) {
		m->verdict = VERDICT_CONVERGED;
		m->predicted_rounds_left = 0;
	}
	mig_emit_state(an, m, t_ns);
	switch (outcome) {
	case OUT_COMPLETED:
		if (m->alerted && !m->resolved) {
			m->resolved = 1;
			mig_emit_alert(an, m, "migration.converged", t_ns);
		}
		break;
	case OUT_FAILED:
	case OUT_CANCELLED:
	case OUT_ROLLED_BACK:
		mig_emit_alert(an, m, "migration.failed", t_ns);
		break;
	default:
		break;
	}
	m->final_sent = 1;
}

static void
mig_add_error(struct migration *m, const char *text)
{
	size_t len = strlen(m->errors);

	if (text == NULL || *text == '\0')
		return;
	if (strstr(m->errors, text) != NULL)
		return;
	snprintf(m->errors + len, sizeof(m->errors) - len, "%s%s",
	    len ? "; " : "", text);
}

static void
mig_round_close(struct mig_an *an, struct migration *m, uint64_t t_ns,
    uint64_t reported)
{
	struct mig_round *r;
	uint64_t dirty;

	/*
	 * QEMU counts dirty pages per rate period (>= 1 s), not per sync: a
	 * sync in the same period as the one before reports the running sum.
	 * QEMU starts a new period after a sync that ends more than 1 s after
	 * the period began.
	 */
	if (m->period_reset || reported < m->last_reported)
		dirty = reported;
	else
		dirty = reported - m->last_reported;
	m->period_reset = t_ns > m->period_start_ns + m->proc->period_ns;
	if (m->period_reset)
		m->period_start_ns = t_ns;
	m->last_reported = reported;

	if (m->nrounds == MIG_MAX_ROUNDS) {
		/* Forget the oldest quarter at once: amortised O(1) per round. */
		m->rounds_dropped += MIG_MAX_ROUNDS / 4;
		m->nrounds -= MIG_MAX_ROUNDS / 4;
		memmove(m->rounds, m->rounds + MIG_MAX_ROUNDS / 4,
		    m->nrounds * sizeof(*m->rounds));
	}
	if (m->nrounds == m->rounds_cap) {
		unsigned cap = m->rounds_cap ? m->rounds_cap * 2 : 16;
		struct mig_round *nr;

		if ((nr = reallocarray(m->rounds, cap, sizeof(*nr))) == NULL) {
			log_warn("%s: reallocarray", __func__);
			return;
		}
		m->rounds = nr;
		m->rounds_cap = cap;
	}
	r = &m->rounds[m->nrounds++];
	memset(r, 0, sizeof(*r));
	r->n = m->nrounds + m->rounds_dropped;
	r->t_start_ns = m->sync_t_ns;
	r->t_end_ns = t_ns;
	r->dirty_reported = reported;
	r->dirty_pages = dirty;
	r->pending_bytes = dirty * an->ctx.params.page_size;
	r->bytes = m->round_bytes;
	r->bandwidth_bps = m->bandwidth_bps;
	r->throttle_pct = m->throttle_pct;
	m->round_bytes = 0;
	m->eval_pending = 1;
	if (r->n == 2)
		mig_stage_enter(m, "iterative", r->t_start_ns);
}

/* A closed round gets its verdict once QEMU said what is left to send. */
static void
mig_round_finish(struct mig_an *an, struct migration *m, uint64_t t_ns)
{
	struct mig_round *r;
	enum mig_verdict before = m->verdict;

	if (!m->eval_pending || m->nrounds == 0)
		return;
	m->eval_pending = 0;
	r = &m->rounds[m->nrounds - 1];
	mig_round_evaluate(an, m, r);
	mig_emit(an, mig_round_record(an, m, r));
	if (!m->alerted && mig_should_alert(an, m)) {
		m->alerted = 1;
		mig_emit_alert(an, m, "migration.not_converging", t_ns);
	}
	if (m->verdict != before)
		mig_emit_state(an, m, t_ns);
}

static void
mig_on_sync_end(struct mig_an *an, struct migration *m, const struct ev *ev)
{
	uint64_t dirty;

	if (ev_u64(ev, "dirty_pages", &dirty) == -1) {
		an->bad++;
		return;
	}
	if (m->role == ROLE_UNKNOWN)
		m->role = ROLE_SOURCE;
	mig_round_finish(an, m, ev->t_ns);
	m->nsyncs++;
	if (m->vm_stop_ns != 0 || m->postcopy_ns != 0) {
		/* The sync of stop-and-copy: what is left, not a round. */
		m->final_dirty_pages = dirty;
		return;
	}
	if (m->nsyncs == 1) {
		/* The sync at setup starts the first pass over all RAM. */
		m->sync_t_ns = ev->t_ns;
		m->period_start_ns = ev->t_ns;
		m->period_reset = 1;
		m->last_reported = 0;
		mig_stage_enter(m, "precopy", ev->t_ns);
		return;
	}
	mig_round_close(an, m, ev->t_ns, dirty);
	m->sync_t_ns = ev->t_ns;
}

static void
mig_on_pending(struct mig_an *an, struct migration *m, const struct ev *ev)
{
	uint64_t size, max;

	if (ev_u64(ev, "size", &size) == -1) {
		an->bad++;
		return;
	}
	if (ev->code == C_PENDING && ev_u64(ev, "max", &max) == 0 && max > 0)
		m->threshold_bytes = max;
	if (m->initial_pending == 0)
		m->initial_pending = size;
	if (m->eval_pending && ev->code != C_PENDING_ESTIMATE) {
		m->rounds[m->nrounds - 1].pending_bytes = size;
		m->rounds[m->nrounds - 1].pending_exact = 1;
		mig_round_finish(an, m, ev->t_ns);
	}
}

static void
mig_on_transferred(struct mig_an *an, struct migration *m, const struct ev *ev)
{
	uint64_t bytes, bw, size;

	if (ev_u64(ev, "transferred", &bytes) == -1 &&
	    ev_u64(ev, "tranferred", &bytes) == -1) {
		an->bad++;
		return;
	}
	m->round_bytes += bytes;
	m->bytes_total += bytes;
	if (ev_u64(ev, "bandwidth", &bw) == 0 && bw > 0)
		m->bandwidth_bps = (double)bw * 1000.0;	/* QEMU: bytes/ms */
	if (ev_u64(ev, "size", &size) == 0 && size > 0)
		m->threshold_bytes = size;
}

static void
mig_on_state(struct mig_an *an, struct mig_proc *p, const struct ev *ev)
{
	struct migration *m = p->cur;
	const char *st = ev_str(ev, "new_state");

	if (st == NULL) {
		an->bad++;
		return;
	}
	if (strcmp(st, "setup") == 0 || m == NULL || m->outcome != OUT_NONE) {
		if (m != NULL && m->outcome == OUT_NONE && strcmp(st, "setup") == 0)
			return;		/* already in setup */
		if (strcmp(st, "setup") != 0 && strcmp(st, "active") != 0 &&
		    strcmp(st, "postcopy-active") != 0) {
			an->ignored++;	/* after an outcome: does not change it */
			return;
		}
		if ((m = mig_start(an, p, ev->t_ns)) == NULL)
			return;
		/* An incoming migration starts active (7.2) with no setup. */
		if (strcmp(st, "active") == 0)
			m->role = ROLE_UNKNOWN;
	}
	snprintf(m->state, sizeof(m->state), "%s", st);
	m->last_ns = ev->t_ns;
	if (m->nstates < MIG_MAX_STATES) {
		snprintf(m->states[m->nstates].state,
		    sizeof(m->states[m->nstates].state), "%s", st);
		m->states[m->nstates++].t_ns = ev->t_ns;
	}

	if (strcmp(st, "completed") == 0)
		mig_end(an, m, OUT_COMPLETED, ev->t_ns);
	else if (strcmp(st, "cancelled") == 0)
		mig_end(an, m, OUT_CANCELLED, ev->t_ns);
	else if (strcmp(st, "failed") == 0) {
		if (m->role == ROLE_SOURCE && m->vm_stop_ns != 0 &&
		    m->vm_resume_ns == 0) {
			/* Decided by whether the VM runs again. */
			m->fail_pending = 1;
			mig_emit_state(an, m, ev->t_ns);
		} else
			mig_end(an, m, OUT_FAILED, ev->t_ns);
	} else {
		if (strcmp(st, "postcopy-active") == 0) {
			if (m->postcopy_active_ns == 0)
				m->postcopy_active_ns = ev->t_ns;
			mig_stage_enter(m, "postcopy", ev->t_ns);
		}
		else if (strcmp(st, "pre-switchover") == 0 ||
		    strcmp(st, "device") == 0)
			mig_stage_enter(m, "stop-and-copy", ev->t_ns);
		mig_emit_state(an, m, ev->t_ns);
	}
}

static void
mig_on_vm_state(struct mig_an *an, struct migration *m, const struct ev *ev)
{
	int64_t running;
	const char *reason = ev_str(ev, "reason_str");

	if (ev_i64(ev, "running", &running) == -1) {
		an->bad++;
		return;
	}
	if (m->outcome != OUT_NONE)
		return;
	if (!running) {
		if (m->role != ROLE_DESTINATION && m->vm_stop_ns == 0 &&
		    (reason == NULL || strcmp(reason, "finish-migrate") == 0)) {
			m->vm_stop_ns = ev->t_ns;
			if (m->postcopy_ns == 0)
				mig_stage_enter(m, "stop-and-copy", ev->t_ns);
		}
		return;
	}
	m->vm_resume_ns = ev->t_ns;
	if (m->fail_pending)
		mig_end(an, m, OUT_ROLLED_BACK, ev->t_ns);
}

static void
mig_on_qemu_log(struct mig_an *an, struct mig_proc *p, const struct ev *ev)
{
	struct migration *m = p->cur;
	const char *level = ev_str(ev, "level");
	const char *text = ev_str(ev, "text");

	if (text == NULL) {
		an->bad++;
		return;
	}
	if (m == NULL || (level != NULL && strcmp(level, "error") != 0))
		return;
	if (m->outcome != OUT_NONE && ev->t_ns > m->end_ns + MIG_ERROR_GRACE_NS)
		return;
	if (ev->t_ns + 1000000ULL < m->start_ns)
		return;
	mig_add_error(m, text);
	if (m->outcome == OUT_FAILED || m->outcome == OUT_ROLLED_BACK ||
	    m->fail_pending) {
		/* QEMU often reports the cause just after the failure. */
		mig_emit_state(an, m, ev->t_ns);
	}
}

static void
mig_on_identity(struct mig_an *an, struct mig_proc *p, const struct ev *ev)
{
	const char *uuid = ev_str(ev, "vm_uuid");
	const char *name = ev_str(ev, "vm_name");
	int64_t pid, speed;

	if (uuid == NULL && name == NULL) {
		an->bad++;
		return;
	}
	if (ev_i64(ev, "qemu_pid", &pid) == 0 && pid > 0)
		p->qemu_pid = pid;
	/* A replay 20 times faster sees QEMU's 1 s period as 50 ms. */
	if (ev_i64(ev, "speed_x1000", &speed) == 0 && speed >= 0)
		p->period_ns = speed > 0 ? (uint64_t)(1e12 / (double)speed) : 0;
	snprintf(p->ident.uuid, sizeof(p->ident.uuid), "%s", uuid ? uuid : "");
	snprintf(p->ident.name, sizeof(p->ident.name), "%s", name ? name : "");
	p->ident_known = 1;
}

/* The events that say which side of a migration this process is. */
static void
mig_hint_role(struct migration *m, int code)
{
	if (m->role != ROLE_UNKNOWN)
		return;
	switch (code) {
	case C_LOADVM_SETUP:
	case C_RAM_LOAD_COMPLETE:
	case C_INCOMING_END:
		m->role = ROLE_DESTINATION;
		break;
	case C_SAVEVM_SETUP:
	case C_SYNC_START:
	case C_SYNC_END:
	case C_PENDING:
	case C_PENDING_EXACT:
	case C_PENDING_ESTIMATE:
	case C_TRANSFERRED:
	case C_POSTCOPY_START:
	case C_COMPLETE_PRECOPY:
		m->role = ROLE_SOURCE;
		break;
	default:
		break;
	}
}

static void
mig_event(void *self, const struct ev *ev)
{
	struct mig_an *an = self;
	struct mig_proc *p;
	struct migration *m;
	int64_t i;
	const char *s;

	an->events++;
	if ((p = mig_proc_get(an, ev->vpid)) == NULL)
		return;
	switch (ev->code) {
	case C_IDENTITY:
		mig_on_identity(an, p, ev);
		return;
	case C_QEMU_LOG:
		mig_on_qemu_log(an, p, ev);
		return;
	case C_SET_STATE:
		mig_proc_identify(an, p);
		mig_on_state(an, p, ev);
		return;
	default:
		break;
	}

	m = p->cur;
	if (m == NULL || (m->outcome != OUT_NONE && !m->fail_pending)) {
		an->ignored++;
		return;
	}
	m->last_ns = ev->t_ns;
	mig_hint_role(m, ev->code);
	/* A closed round waits only for the pending size right after it. */
	if (m->eval_pending && ev->code != C_PENDING &&
	    ev->code != C_PENDING_EXACT && ev->code != C_SYNC_END)
		mig_round_finish(an, m, ev->t_ns);

	switch (ev->code) {
	case C_SYNC_END:
		mig_on_sync_end(an, m, ev);
		break;
	case C_PENDING:
	case C_PENDING_EXACT:
	case C_PENDING_ESTIMATE:
		mig_on_pending(an, m, ev);
		break;
	case C_TRANSFERRED:
		mig_on_transferred(an, m, ev);
		break;
	case C_LOW_PENDING:
		/* Below QEMU's threshold: the switchover comes next. */
		if (m->verdict != VERDICT_CONVERGED) {
			m->verdict = VERDICT_CONVERGED;
			m->predicted_rounds_left = 0;
			mig_emit_state(an, m, ev->t_ns);
		}
		break;
	case C_VM_STOP:
		if (m->vm_stop_ns == 0) {
			m->vm_stop_ns = ev->t_ns;
			mig_stage_enter(m, "stop-and-copy", ev->t_ns);
		}
		break;
	case C_VM_STATE:
		mig_on_vm_state(an, m, ev);
		break;
	case C_ERROR:
		if ((s = ev_str(ev, "error_desc")) != NULL) {
			snprintf(m->error, sizeof(m->error), "%s", s);
			mig_add_error(m, s);
		}
		break;
	case C_CANCEL:
		m->cancel_requested = 1;
		break;
	case C_CLEANUP:
		if (m->fail_pending)
			mig_end(an, m, OUT_FAILED, ev->t_ns);
		break;
	case C_FILE_ERR:
		m->file_error = 1;
		break;
	case C_THROTTLE:
		m->throttle_steps++;
		break;
	case C_THROTTLE_SET:
		if (ev_i64(ev, "new_throttle_pct", &i) == 0) {
			if (i != m->throttle_pct && i > 0)
				m->throttle_steps++;
			m->throttle_pct = (int)i;
		}
		break;
	case C_POSTCOPY_START:
		m->postcopy_ns = ev->t_ns;
		if (m->vm_stop_ns == 0)
			m->vm_stop_ns = ev->t_ns;
		m->verdict = VERDICT_CONVERGED;	/* postcopy always finishes */
		mig_stage_enter(m, "postcopy", ev->t_ns);
		mig_emit_state(an, m, ev->t_ns);
		break;
	case C_COMPLETE_PRECOPY:
		if (m->postcopy_ns == 0)
			mig_stage_enter(m, "stop-and-copy", ev->t_ns);
		break;
	case C_LOADVM_SETUP:
		mig_stage_enter(m, "load", ev->t_ns);
		break;
	case C_RAM_LOAD_COMPLETE:
		m->loads++;
		if (ev_i64(ev, "ret", &i) == 0 && i < 0) {
			char buf[64];

			snprintf(buf, sizeof(buf), "ram load failed: %" PRId64, i);
			mig_add_error(m, buf);
		}
		break;
	case C_INCOMING_END:
		if (ev_i64(ev, "ret", &i) == 0 && i != 0) {
			char buf[64];

			snprintf(buf, sizeof(buf), "incoming migration ended: %" PRId64, i);
			mig_add_error(m, buf);
		}
		break;
	case C_SYNC_START:
	case C_SAVEVM_SETUP:
	default:
		break;
	}
}

static void *
mig_create(const struct an_ctx *ctx)
{
	struct mig_an *an;

	if ((an = calloc(1, sizeof(*an))) == NULL)
		return NULL;
	an->ctx = *ctx;
	return an;
}

static void
mig_flush(void *self)
{
	struct mig_an *an = self;
	struct mig_proc *p;
	unsigned i;

	for (i = 0; i < 256; i++)
		for (p = an->procs[i]; p != NULL; p = p->next)
			mig_flush_one(an, p->cur);
}

/* End of input: every migration still open is reported as it stands. */
static void
mig_finish(void *self)
{
	struct mig_an *an = self;
	struct mig_proc *p;
	struct migration *m;
	unsigned i;

	for (i = 0; i < 256; i++)
		for (p = an->procs[i]; p != NULL; p = p->next) {
			if ((m = p->cur) == NULL)
				continue;
			mig_round_finish(an, m, m->last_ns);
			if (m->fail_pending)
				mig_end(an, m, OUT_FAILED, m->last_ns);
			else if (m->outcome == OUT_NONE)
				mig_emit_state(an, m, m->last_ns);
		}
	mig_flush(an);
}

static void
mig_set_params(void *self, const struct an_params *params)
{
	struct mig_an *an = self;

	an->ctx.params = *params;
}

static void
mig_stats(void *self, struct json_object *obj)
{
	struct mig_an *an = self;

	json_object_object_add(obj, "events", json_object_new_int64((int64_t)an->events));
	json_object_object_add(obj, "ignored", json_object_new_int64((int64_t)an->ignored));
	json_object_object_add(obj, "bad", json_object_new_int64((int64_t)an->bad));
	json_object_object_add(obj, "migrations",
	    json_object_new_int64((int64_t)an->migrations));
	json_object_object_add(obj, "alerts", json_object_new_int64((int64_t)an->alerts));
}

static void
mig_destroy(void *self)
{
	struct mig_an *an = self;
	struct mig_proc *p, *next;
	unsigned i;

	for (i = 0; i < 256; i++)
		for (p = an->procs[i]; p != NULL; p = next) {
			next = p->next;
			mig_free(p->cur);
			free(p);
		}
	free(an);
}

const struct analyzer_class an_migration_class = {
	.name = "migration",
	.classify = mig_classify,
	.create = mig_create,
	.event = mig_event,
	.flush = mig_flush,
	.finish = mig_finish,
	.set_params = mig_set_params,
	.stats = mig_stats,
	.destroy = mig_destroy,
};
