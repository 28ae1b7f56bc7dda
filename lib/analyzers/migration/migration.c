/*
 * migration.c: the live-migration analyzer.  Follows every migration of
 * every QEMU process on the node from the qemu:* trace events (QEMU 7.2 names
 * and the 8.x-10.x renames): state, stages, rounds, throttling, downtime and
 * outcome, and after every round asks verdict.c whether it converges.
 * Emits `migration`, `migration_round` and `alert` records (docs/records.md).
 *
 * Each event class is classified once into a plan (its code and where the
 * fields it reads are); mig_event() then dispatches through mig_ops[], one
 * small function per code.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migration.h"
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
	C_COUNT
};

/* The fields each code reads, in slot order (ev_slot_*). */
static const char *const f_state[] = { "new_state", NULL };
static const char *const f_sync[] = { "dirty_pages", NULL };
enum { S_SIZE, S_MAX };
static const char *const f_pending[] = { "size", "max", NULL };
enum { S_TRANSFERRED, S_TRANFERRED, S_BANDWIDTH, S_TSIZE };
static const char *const f_transferred[] = {
	"transferred", "tranferred", "bandwidth", "size", NULL	/* 7.2's typo */
};
enum { S_RUNNING, S_REASON };
static const char *const f_vm_state[] = { "running", "reason_str", NULL };
static const char *const f_error[] = { "error_desc", NULL };
static const char *const f_throttle[] = { "new_throttle_pct", NULL };
static const char *const f_ret[] = { "ret", NULL };
enum { S_UUID, S_NAME, S_QEMU_PID, S_SPEED };
static const char *const f_identity[] = {
	"vm_uuid", "vm_name", "qemu_pid", "speed_x1000", NULL
};
enum { S_LEVEL, S_TEXT, S_LOG_PID };
static const char *const f_qemu_log[] = { "level", "text", "qemu_pid", NULL };

static const struct {
	const char		*name;
	enum mig_code		 code;
	const char *const	*fields;
} mig_events[] = {
	{ "qemu:migrate_set_state",		C_SET_STATE,	f_state },
	{ "qemu:migration_bitmap_sync_start",	C_SYNC_START,	NULL },
	{ "qemu:migration_bitmap_sync_end",	C_SYNC_END,	f_sync },
	{ "qemu:migrate_pending",		C_PENDING,	f_pending },
	{ "qemu:migrate_pending_exact",		C_PENDING_EXACT, f_pending },
	{ "qemu:migrate_pending_estimate",	C_PENDING_ESTIMATE, f_pending },
	{ "qemu:migrate_transferred",		C_TRANSFERRED,	f_transferred },
	{ "qemu:migration_thread_low_pending",	C_LOW_PENDING,	NULL },
	{ "qemu:migration_completion_vm_stop",	C_VM_STOP,	NULL },
	{ "qemu:vm_state_notify",		C_VM_STATE,	f_vm_state },
	{ "qemu:migrate_fd_error",		C_ERROR,	f_error },
	{ "qemu:migrate_error",			C_ERROR,	f_error },
	{ "qemu:migrate_fd_cancel",		C_CANCEL,	NULL },
	{ "qemu:migration_cancel",		C_CANCEL,	NULL },
	{ "qemu:migrate_fd_cleanup",		C_CLEANUP,	NULL },
	{ "qemu:migration_cleanup",		C_CLEANUP,	NULL },
	{ "qemu:migration_thread_file_err",	C_FILE_ERR,	NULL },
	{ "qemu:migration_throttle",		C_THROTTLE,	NULL },
	{ "qemu:cpu_throttle_set",		C_THROTTLE_SET,	f_throttle },
	{ "qemu:postcopy_start",		C_POSTCOPY_START, NULL },
	{ "qemu:savevm_state_setup",		C_SAVEVM_SETUP,	NULL },
	{ "qemu:savevm_state_complete_precopy",	C_COMPLETE_PRECOPY, NULL },
	{ "qemu:loadvm_state_setup",		C_LOADVM_SETUP,	NULL },
	{ "qemu:ram_load_complete",		C_RAM_LOAD_COMPLETE, f_ret },
	{ "qemu:process_incoming_migration_co_end", C_INCOMING_END, f_ret },
	{ "strata:vm_identity",			C_IDENTITY,	f_identity },
	{ "strata:qemu_log",			C_QEMU_LOG,	f_qemu_log },
};

/* QEMU's migration states (MigrationStatus), parsed once per event. */
enum mig_state {
	ST_OTHER,		/* none of the below: recorded, nothing else */
	ST_SETUP,
	ST_ACTIVE,
	ST_POSTCOPY_ACTIVE,
	ST_PRE_SWITCHOVER,
	ST_DEVICE,
	ST_COMPLETED,
	ST_CANCELLED,
	ST_FAILED,
};

static const struct {
	const char	*name;
	enum mig_state	 state;
} mig_states[] = {
	{ "setup",		ST_SETUP },
	{ "active",		ST_ACTIVE },
	{ "postcopy-active",	ST_POSTCOPY_ACTIVE },
	{ "pre-switchover",	ST_PRE_SWITCHOVER },
	{ "device",		ST_DEVICE },
	{ "completed",		ST_COMPLETED },
	{ "cancelled",		ST_CANCELLED },
	{ "failed",		ST_FAILED },
};

/* The class's configuration keys: migration.KEY (docs/convergence.md). */
#define P_OFF(m)	offsetof(struct mig_params, m)
static const struct an_param mig_param_table[] = {
	{ "downtime_limit_ms", AN_P_DOUBLE, 300, 1, 1e7, P_OFF(downtime_limit_ms),
	  "QEMU's downtime limit the verdicts use" },
	{ "stall_rounds", AN_P_UINT, 3, 1, 1e6, P_OFF(stall_rounds),
	  "rounds (the first pass counts) before a not-converging alert" },
	{ "min_drop_pct", AN_P_DOUBLE, 10, 0, 100, P_OFF(min_drop_pct),
	  "a ratio above 1 + this (percent) is diverging, not stalled" },
	{ "alert_confidence_pct", AN_P_DOUBLE, 95, 50, 99.999,
	  P_OFF(alert_confidence_pct),
	  "alert when this sure (percent) that it never converges" },
	{ "max_rounds", AN_P_UINT, 100, 2, 1e6, P_OFF(max_rounds),
	  "needing more rounds than this counts as never converging" },
	{ "rate_noise_pct", AN_P_DOUBLE, 3, 0.1, 100, P_OFF(rate_noise_pct),
	  "the spread (percent) of one round's ratio before rounds show it" },
	{ "bw_step_pct", AN_P_DOUBLE, 25, 1, 99, P_OFF(bw_step_pct),
	  "a bandwidth step (percent) that is a change of conditions" },
	{ NULL, 0, 0, 0, 0, 0, NULL }
};

static enum mig_state
mig_state_parse(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(mig_states) / sizeof(mig_states[0]); i++)
		if (strcmp(mig_states[i].name, s) == 0)
			return mig_states[i].state;
	return ST_OTHER;
}

static void
mig_classify(const char *name, const char *const *fields, unsigned nfields,
    struct ev_plan *plan)
{
	size_t i;

	for (i = 0; i < sizeof(mig_events) / sizeof(mig_events[0]); i++)
		if (strcmp(mig_events[i].name, name) == 0) {
			an_plan_fields(plan, (int)mig_events[i].code,
			    mig_events[i].fields, fields, nfields);
			return;
		}
	/* Other qemu:* events cost nothing: the source counts them unclaimed. */
	an_plan_fields(plan, AN_CODE_NONE, NULL, NULL, 0);
}

/* The record just written into an->jb (r: its writer's return). */
static void
mig_emit(struct mig_an *an, int r)
{
	if (r == 0)
		an_emit_text(&an->host, an->jb.p, an->jb.len);
	else
		log_warnx("migration: a record not written: out of memory");
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
	mig_emit(an, mig_record(an, m, m->dirty_t_ns, &an->jb));
}

static void
mig_emit_alert(struct mig_an *an, struct migration *m, const char *name,
    uint64_t t_ns)
{
	an->alerts++;
	mig_emit(an, mig_alert(an, m, name, t_ns, &an->jb));
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

/* What this analyzer learnt about a VM, for the others (vmreg.h). */
static void
mig_proc_share(struct mig_an *an, const struct mig_proc *p, uint64_t t_ns)
{
	struct vmreg_entry e;

	if (an->host.vms == NULL || p->qemu_pid <= 0)
		return;
	memset(&e, 0, sizeof(e));
	e.qemu_pid = p->qemu_pid;
	e.id = p->ident;
	snprintf(e.host, sizeof(e.host), "%s", an->host.node ? an->host.node : "");
	e.t_ns = t_ns;
	vmreg_put(an->host.vms, &e);
}

/*
 * Who the process is: told by strata:vm_identity, else known to the VM
 * registry, else asked of the host.
 */
static void
mig_proc_identify(struct mig_an *an, struct mig_proc *p, uint64_t t_ns)
{
	const struct vmreg_entry *e;

	if (p->ident_known || p->ident_tried)
		return;
	p->ident_tried = 1;
	if ((e = vmreg_by_pid(an->host.vms, p->qemu_pid)) != NULL) {
		p->ident = e->id;
		p->ident_known = 1;
	} else if (an->host.resolve_vm != NULL &&
	    an->host.resolve_vm(an->host.resolve_arg, p->vpid, &p->ident) == 0) {
		p->ident_known = 1;
		mig_proc_share(an, p, t_ns);
	}
}

/* The thread, else the CPU's stream, an event without vpid came from. */
static int64_t
mig_origin_of(const struct ev *ev)
{
	return ev->vtid >= 0 ? ev->vtid : -2 - (int64_t)ev->cpu;
}

static int64_t
mig_origin_get(const struct mig_an *an, int64_t origin)
{
	unsigned i;

	for (i = 0; i < an->norigins; i++)
		if (an->origins[i].origin == origin)
			return an->origins[i].qemu_pid;
	return -1;
}

static void
mig_origin_set(struct mig_an *an, int64_t origin, int64_t qemu_pid)
{
	unsigned i;

	for (i = 0; i < an->norigins; i++)
		if (an->origins[i].origin == origin)
			break;
	if (i == an->norigins) {
		if (an->norigins < MIG_MAX_ORIGINS)
			an->norigins++;
		else {
			i = an->next_origin;
			an->next_origin = (an->next_origin + 1) % MIG_MAX_ORIGINS;
		}
	}
	an->origins[i].origin = origin;
	an->origins[i].qemu_pid = qemu_pid;
}

/*
 * The process an event belongs to: its vpid.  Without the vpid context
 * (the session lacks `lttng add-context -u -t vpid`), the QEMU pid the
 * event names (vm_identity, qemu_log), else the one its thread's or
 * stream's last vm_identity named, so two bridges stay two processes.
 */
static struct mig_proc *
mig_proc_of(struct mig_an *an, const struct ev *ev)
{
	int64_t key = ev->vpid, pid;

	if (key < 0) {
		an->no_vpid++;
		if (ev->code == C_IDENTITY &&
		    ev_slot_i64(ev, S_QEMU_PID, &pid) == 0 && pid > 0) {
			mig_origin_set(an, mig_origin_of(ev), pid);
			key = pid;
		} else if (ev->code == C_QEMU_LOG &&
		    ev_slot_i64(ev, S_LOG_PID, &pid) == 0 && pid > 0)
			key = pid;
		else
			key = mig_origin_get(an, mig_origin_of(ev));
	}
	return mig_proc_get(an, key);
}

static void
mig_free(struct migration *m)
{
	if (m == NULL)
		return;
	for (unsigned i = 0; i < m->nrounds; i++)
		mig_round_text_free(&m->rounds[i]);
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
	mig_model_start(m, t_ns);
	/* Stable across re-reads of the same trace: a resent record is one. */
	snprintf(m->id, sizeof(m->id), "%s/%" PRId64 "/%" PRIu64,
	    an->host.node, p->qemu_pid, t_ns);
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
		mig_pred_converged(m);
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
		for (unsigned i = 0; i < MIG_MAX_ROUNDS / 4; i++)
			mig_round_text_free(&m->rounds[i]);
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
	r->pending_bytes = dirty * an->page_size;
	r->bytes = m->round_bytes;
	r->bandwidth_bps = m->bandwidth_bps;
	r->throttle_pct = m->throttle_pct;
	r->ratio = -1;
	r->est = r->n >= m->est.first_n ? (int)m->est.id : -1;
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
	mig_emit(an, mig_round_record(an, m, r, &an->jb));
	if (!m->alerted && mig_should_alert(an, m)) {
		m->alerted = 1;
		m->alert_round = r->n;
		mig_emit_alert(an, m, "migration.not_converging", t_ns);
	}
	if (m->verdict != before)
		mig_emit_state(an, m, t_ns);
}

static void
mig_on_sync_end(struct mig_an *an, struct migration *m, const struct ev *ev)
{
	uint64_t dirty;

	if (ev_slot_u64(ev, 0, &dirty) == -1) {
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

	if (ev_slot_u64(ev, S_SIZE, &size) == -1) {
		an->bad++;
		return;
	}
	if (ev->code == C_PENDING && ev_slot_u64(ev, S_MAX, &max) == 0 &&
	    max > 0)
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

	if (ev_slot_u64(ev, S_TRANSFERRED, &bytes) == -1 &&
	    ev_slot_u64(ev, S_TRANFERRED, &bytes) == -1) {
		an->bad++;
		return;
	}
	m->round_bytes += bytes;
	m->bytes_total += bytes;
	if (ev_slot_u64(ev, S_TSIZE, &size) == 0 && size > 0)
		m->threshold_bytes = size;
	else
		size = 0;
	if (ev_slot_u64(ev, S_BANDWIDTH, &bw) == 0 && bw > 0) {
		m->bandwidth_bps = (double)bw * 1000.0;	/* QEMU: bytes/ms */
		mig_bw_sample(an, m, m->bandwidth_bps, (double)size, ev->t_ns);
	}
}

/* Failed: after the VM stopped, whether it runs again decides. */
static void
mig_on_failed(struct mig_an *an, struct migration *m, uint64_t t_ns)
{
	if (m->role == ROLE_SOURCE && m->vm_stop_ns != 0 &&
	    m->vm_resume_ns == 0) {
		m->fail_pending = 1;
		mig_emit_state(an, m, t_ns);
	} else
		mig_end(an, m, OUT_FAILED, t_ns);
}

static void
mig_state_record(struct migration *m, const char *st, uint64_t t_ns)
{
	snprintf(m->state, sizeof(m->state), "%s", st);
	m->last_ns = t_ns;
	if (m->nstates < MIG_MAX_STATES) {
		snprintf(m->states[m->nstates].state,
		    sizeof(m->states[m->nstates].state), "%s", st);
		m->states[m->nstates++].t_ns = t_ns;
	}
}

static void
mig_on_state(struct mig_an *an, struct mig_proc *p, const struct ev *ev)
{
	struct migration *m = p->cur;
	const char *st = ev_slot_str(ev, 0);
	enum mig_state k;

	if (st == NULL) {
		an->bad++;
		return;
	}
	k = mig_state_parse(st);
	if (m != NULL && m->outcome == OUT_NONE && k == ST_SETUP)
		return;		/* already in setup */
	if (k == ST_SETUP || m == NULL || m->outcome != OUT_NONE) {
		/* Only these start one; after an outcome the rest changes nothing. */
		if (k != ST_SETUP && k != ST_ACTIVE && k != ST_POSTCOPY_ACTIVE) {
			an->ignored++;
			return;
		}
		/* An incoming migration starts active (7.2) with no setup. */
		if ((m = mig_start(an, p, ev->t_ns)) == NULL)
			return;
	}
	mig_state_record(m, st, ev->t_ns);

	switch (k) {
	case ST_COMPLETED:
		mig_end(an, m, OUT_COMPLETED, ev->t_ns);
		break;
	case ST_CANCELLED:
		mig_end(an, m, OUT_CANCELLED, ev->t_ns);
		break;
	case ST_FAILED:
		mig_on_failed(an, m, ev->t_ns);
		break;
	case ST_POSTCOPY_ACTIVE:
		if (m->postcopy_active_ns == 0)
			m->postcopy_active_ns = ev->t_ns;
		mig_stage_enter(m, "postcopy", ev->t_ns);
		mig_emit_state(an, m, ev->t_ns);
		break;
	case ST_PRE_SWITCHOVER:
	case ST_DEVICE:
		mig_stage_enter(m, "stop-and-copy", ev->t_ns);
		mig_emit_state(an, m, ev->t_ns);
		break;
	default:
		mig_emit_state(an, m, ev->t_ns);
		break;
	}
}

static void
mig_on_set_state(struct mig_an *an, struct mig_proc *p, const struct ev *ev)
{
	mig_proc_identify(an, p, ev->t_ns);
	mig_on_state(an, p, ev);
}

static void
mig_on_vm_state(struct mig_an *an, struct migration *m, const struct ev *ev)
{
	int64_t running;
	const char *reason = ev_slot_str(ev, S_REASON);

	if (ev_slot_i64(ev, S_RUNNING, &running) == -1) {
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
	const char *level = ev_slot_str(ev, S_LEVEL);
	const char *text = ev_slot_str(ev, S_TEXT);

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
	const char *uuid = ev_slot_str(ev, S_UUID);
	const char *name = ev_slot_str(ev, S_NAME);
	int64_t pid, speed;

	if (uuid == NULL && name == NULL) {
		an->bad++;
		return;
	}
	if (ev_slot_i64(ev, S_QEMU_PID, &pid) == 0 && pid > 0)
		p->qemu_pid = pid;
	/* A replay 20 times faster sees QEMU's 1 s period as 50 ms. */
	if (ev_slot_i64(ev, S_SPEED, &speed) == 0 && speed >= 0)
		p->period_ns = speed > 0 ? (uint64_t)(1e12 / (double)speed) : 0;
	snprintf(p->ident.uuid, sizeof(p->ident.uuid), "%s", uuid ? uuid : "");
	snprintf(p->ident.name, sizeof(p->ident.name), "%s", name ? name : "");
	p->ident_known = 1;
	mig_proc_share(an, p, ev->t_ns);
}

static void
mig_on_low_pending(struct mig_an *an, struct migration *m, const struct ev *ev)
{
	/* Below QEMU's threshold: the switchover comes next. */
	if (m->verdict != VERDICT_CONVERGED) {
		m->verdict = VERDICT_CONVERGED;
		mig_pred_converged(m);
		mig_emit_state(an, m, ev->t_ns);
	}
}

static void
mig_on_vm_stop(struct mig_an *an, struct migration *m, const struct ev *ev)
{
	(void)an;
	if (m->vm_stop_ns == 0) {
		m->vm_stop_ns = ev->t_ns;
		mig_stage_enter(m, "stop-and-copy", ev->t_ns);
	}
}

static void
mig_on_error(struct mig_an *an, struct migration *m, const struct ev *ev)
{
	const char *s;

	(void)an;
	if ((s = ev_slot_str(ev, 0)) != NULL) {
		snprintf(m->error, sizeof(m->error), "%s", s);
		mig_add_error(m, s);
	}
}

static void
mig_on_cancel(struct mig_an *an, struct migration *m, const struct ev *ev)
{
	(void)an;
	(void)ev;
	m->cancel_requested = 1;
}

static void
mig_on_cleanup(struct mig_an *an, struct migration *m, const struct ev *ev)
{
	if (m->fail_pending)
		mig_end(an, m, OUT_FAILED, ev->t_ns);
}

static void
mig_on_file_err(struct mig_an *an, struct migration *m, const struct ev *ev)
{
	(void)an;
	(void)ev;
	m->file_error = 1;
}

static void
mig_on_throttle(struct mig_an *an, struct migration *m, const struct ev *ev)
{
	m->throttle_steps++;
	mig_change(an, m, "throttle", m->throttle_pct, -1, ev->t_ns);
}

static void
mig_on_throttle_set(struct mig_an *an, struct migration *m, const struct ev *ev)
{
	int64_t i;

	if (ev_slot_i64(ev, 0, &i) == 0) {
		if (i != m->throttle_pct && i > 0)
			m->throttle_steps++;
		if (i != m->throttle_pct)
			mig_change(an, m, "throttle", m->throttle_pct, (double)i,
			    ev->t_ns);
		m->throttle_pct = (int)i;
	}
}

static void
mig_on_postcopy(struct mig_an *an, struct migration *m, const struct ev *ev)
{
	mig_change(an, m, "postcopy", -1, -1, ev->t_ns);
	m->postcopy_ns = ev->t_ns;
	if (m->vm_stop_ns == 0)
		m->vm_stop_ns = ev->t_ns;
	m->verdict = VERDICT_CONVERGED;	/* postcopy always finishes */
	mig_pred_converged(m);
	mig_stage_enter(m, "postcopy", ev->t_ns);
	mig_emit_state(an, m, ev->t_ns);
}

static void
mig_on_complete_precopy(struct mig_an *an, struct migration *m,
    const struct ev *ev)
{
	(void)an;
	if (m->postcopy_ns == 0)
		mig_stage_enter(m, "stop-and-copy", ev->t_ns);
}

static void
mig_on_loadvm(struct mig_an *an, struct migration *m, const struct ev *ev)
{
	(void)an;
	mig_stage_enter(m, "load", ev->t_ns);
}

static void
mig_on_ram_load(struct mig_an *an, struct migration *m, const struct ev *ev)
{
	char buf[64];
	int64_t i;

	(void)an;
	m->loads++;
	if (ev_slot_i64(ev, 0, &i) == 0 && i < 0) {
		snprintf(buf, sizeof(buf), "ram load failed: %" PRId64, i);
		mig_add_error(m, buf);
	}
}

static void
mig_on_incoming_end(struct mig_an *an, struct migration *m, const struct ev *ev)
{
	char buf[64];
	int64_t i;

	(void)an;
	if (ev_slot_i64(ev, 0, &i) == 0 && i != 0) {
		snprintf(buf, sizeof(buf), "incoming migration ended: %" PRId64, i);
		mig_add_error(m, buf);
	}
}

/*
 * What each code does.  proc: handles the process, with or without a
 * migration; else fn runs on the migration in progress, after the role
 * hint (which side of a migration this event says the process is) and
 * after closing a round waiting for its pending size, unless the event may
 * be that size or comes between the sync and it, as a throttle step does
 * (keep_round).
 */
static const struct mig_op {
	void		(*proc)(struct mig_an *, struct mig_proc *,
			    const struct ev *);
	void		(*fn)(struct mig_an *, struct migration *,
			    const struct ev *);
	enum mig_role	 role;
	int		 keep_round;
} mig_ops[C_COUNT] = {
	[C_SET_STATE] =		{ mig_on_set_state, NULL, ROLE_UNKNOWN, 0 },
	[C_IDENTITY] =		{ mig_on_identity, NULL, ROLE_UNKNOWN, 0 },
	[C_QEMU_LOG] =		{ mig_on_qemu_log, NULL, ROLE_UNKNOWN, 0 },
	[C_SYNC_START] =	{ NULL, NULL, ROLE_SOURCE, 0 },
	[C_SYNC_END] =		{ NULL, mig_on_sync_end, ROLE_SOURCE, 1 },
	[C_PENDING] =		{ NULL, mig_on_pending, ROLE_SOURCE, 1 },
	[C_PENDING_EXACT] =	{ NULL, mig_on_pending, ROLE_SOURCE, 1 },
	[C_PENDING_ESTIMATE] =	{ NULL, mig_on_pending, ROLE_SOURCE, 0 },
	[C_TRANSFERRED] =	{ NULL, mig_on_transferred, ROLE_SOURCE, 0 },
	[C_LOW_PENDING] =	{ NULL, mig_on_low_pending, ROLE_UNKNOWN, 0 },
	[C_VM_STOP] =		{ NULL, mig_on_vm_stop, ROLE_UNKNOWN, 0 },
	[C_VM_STATE] =		{ NULL, mig_on_vm_state, ROLE_UNKNOWN, 0 },
	[C_ERROR] =		{ NULL, mig_on_error, ROLE_UNKNOWN, 0 },
	[C_CANCEL] =		{ NULL, mig_on_cancel, ROLE_UNKNOWN, 0 },
	[C_CLEANUP] =		{ NULL, mig_on_cleanup, ROLE_UNKNOWN, 0 },
	[C_FILE_ERR] =		{ NULL, mig_on_file_err, ROLE_UNKNOWN, 0 },
	[C_THROTTLE] =		{ NULL, mig_on_throttle, ROLE_UNKNOWN, 1 },
	[C_THROTTLE_SET] =	{ NULL, mig_on_throttle_set, ROLE_UNKNOWN, 1 },
	[C_POSTCOPY_START] =	{ NULL, mig_on_postcopy, ROLE_SOURCE, 0 },
	[C_SAVEVM_SETUP] =	{ NULL, NULL, ROLE_SOURCE, 0 },
	[C_COMPLETE_PRECOPY] =	{ NULL, mig_on_complete_precopy, ROLE_SOURCE, 0 },
	[C_LOADVM_SETUP] =	{ NULL, mig_on_loadvm, ROLE_DESTINATION, 0 },
	[C_RAM_LOAD_COMPLETE] =	{ NULL, mig_on_ram_load, ROLE_DESTINATION, 0 },
	[C_INCOMING_END] =	{ NULL, mig_on_incoming_end, ROLE_DESTINATION, 0 },
};

static void
mig_event(void *self, const struct ev *ev)
{
	struct mig_an *an = self;
	const struct mig_op *op;
	struct mig_proc *p;
	struct migration *m;

	an->events++;
	if (ev->code < 0 || ev->code >= C_COUNT)
		return;
	op = &mig_ops[ev->code];
	if ((p = mig_proc_of(an, ev)) == NULL)
		return;
	if (op->proc != NULL) {
		op->proc(an, p, ev);
		return;
	}
	m = p->cur;
	if (m == NULL || (m->outcome != OUT_NONE && !m->fail_pending)) {
		an->ignored++;
		return;
	}
	m->last_ns = ev->t_ns;
	if (m->role == ROLE_UNKNOWN)
		m->role = op->role;
	if (m->eval_pending && !op->keep_round)
		mig_round_finish(an, m, ev->t_ns);
	if (op->fn != NULL)
		op->fn(an, m, ev);
}

static void *
mig_create(const struct an_host *host, const void *params)
{
	struct mig_an *an;

	if ((an = calloc(1, sizeof(*an))) == NULL) {
		log_warn("%s: calloc", __func__);
		return NULL;
	}
	an->host = *host;
	an->params = *(const struct mig_params *)params;
	an->page_size = MIG_PAGE_SIZE;
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
mig_set_params(void *self, const void *params)
{
	struct mig_an *an = self;

	an->params = *(const struct mig_params *)params;
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
	json_object_object_add(obj, "no_vpid", json_object_new_int64((int64_t)an->no_vpid));
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
	jbuf_free(&an->jb);
	free(an);
}

const struct analyzer_class an_migration_class = {
	.name = "migration",
	.params = mig_param_table,
	.params_size = sizeof(struct mig_params),
	.classify = mig_classify,
	.create = mig_create,
	.event = mig_event,
	.flush = mig_flush,
	.finish = mig_finish,
	.set_params = mig_set_params,
	.stats = mig_stats,
	.destroy = mig_destroy,
};
