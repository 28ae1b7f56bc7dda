/*
 * nmig.c: Nova live migrations, one side per node, from the
 * instance.live_migration_{pre,post,post_dest,rollback,rollback_dest,
 * abort,force_complete}.{start,end,error} notifications (and their
 * unversioned compute.instance.live_migration.* names) and the lines the
 * libvirt driver and the compute manager log on the source:
 *
 *   Live migration not completed after N sec      (the completion timeout)
 *   Migration running for N secs, memory M% remaining (bytes processed=P,
 *     remaining=R, total=T)...                   (progress)
 *   Migration operation was cancelled            (abort_job: admin or timeout)
 *   Migration operation has aborted              (the job failed)
 *   Live Migration failure: TEXT
 *   Migrating instance to DEST finished successfully.
 *
 * Nova sends no notification when its completion timeout aborts a
 * migration: the timeout line, the cancel and the rollback tell it.  A
 * line without its instance (the plain lttngust handler drops oslo.log's
 * context) goes to the one migration running here, else it waits up to
 * VM_ORPHAN_NS for a source-side migration to claim it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm.h"

const char *
nm_outcome_str(enum nm_outcome o)
{
	switch (o) {
	case NM_COMPLETED:
		return "completed";
	case NM_ROLLED_BACK:
		return "rolled_back";
	case NM_ABORTED:
		return "aborted";
	case NM_TIMED_OUT:
		return "timed_out";
	case NM_FAILED:
		return "failed";
	default:
		return NULL;
	}
}

const char *
nm_role_str(enum nm_role r)
{
	switch (r) {
	case NM_ROLE_SOURCE:
		return "source";
	case NM_ROLE_DEST:
		return "destination";
	default:
		return NULL;
	}
}

static void
nm_running_add(struct vm_an *an, struct nmig *nm)
{
	if (an->nrunning < VM_MAX_RUNNING)
		an->running[an->nrunning++] = nm;
	else
		an->running_overflow = 1;
}

void
nm_forget(struct vm_an *an, struct nmig *nm)
{
	unsigned i;

	for (i = 0; i < an->nrunning; i++)
		if (an->running[i] == nm) {
			an->running[i] = an->running[--an->nrunning];
			break;
		}
	if (an->nrunning == 0)
		an->running_overflow = 0;
}

struct nmig *
nm_current(struct vm_an *an, const struct vm *vm)
{
	if (vm->cur_mig[0] == '\0')
		return NULL;
	return (struct nmig *)otab_find(&an->migs, vm->cur_mig);
}

static int
is_dest_phase(const char *phase)
{
	return strcmp(phase, "pre") == 0 || strcmp(phase, "post_dest") == 0 ||
	    strcmp(phase, "rollback_dest") == 0;
}

/* The claims plain log lines left, when recent enough. */
static void
nm_adopt(struct vm_an *an, struct nmig *nm, uint64_t t)
{
	struct nm_orphan *o = &an->orphan;

#define RECENT(x)	((x) != 0 && (x) + VM_ORPHAN_NS >= t && (x) <= t + VM_ORPHAN_NS)
	if (RECENT(o->timeout_ns) && nm->timed_out_ns == 0) {
		nm->timed_out_ns = o->timeout_ns;
		nm->timeout_s = o->timeout_s;
		o->timeout_ns = 0;
	}
	if (RECENT(o->cancelled_ns) && nm->cancelled_ns == 0) {
		nm->cancelled_ns = o->cancelled_ns;
		o->cancelled_ns = 0;
	}
	if (RECENT(o->failure_ns) && nm->error[0] == '\0') {
		oslo_cpy(nm->error, sizeof(nm->error), o->failure);
		o->failure_ns = 0;
	}
	if (RECENT(o->dest_ns) && nm->dest_host[0] == '\0') {
		oslo_cpy(nm->dest_host, sizeof(nm->dest_host), o->dest);
		o->dest_ns = 0;
	}
#undef RECENT
	if (nm->timed_out_ns != 0 && nm->cancelled_ns >= nm->timed_out_ns &&
	    nm->abort_ns == 0 && nm->timeout_action[0] == '\0')
		oslo_cpy(nm->timeout_action, sizeof(nm->timeout_action), "abort");
}

static struct nmig *
nm_new(struct vm_an *an, struct vm *vm, const char *rid, uint64_t t)
{
	char key[160], id[256];
	struct nmig *nm;
	unsigned i;
	int created;

	if (rid != NULL)
		snprintf(key, sizeof(key), "%s/%s", vm->uuid, rid);
	else
		snprintf(key, sizeof(key), "%s/%" PRIu64, vm->uuid, t);
	snprintf(id, sizeof(id), "%s/%s", an->host.node, key);
	if ((nm = (struct nmig *)otab_get(&an->migs, id, &created)) == NULL)
		return NULL;
	if (!created)
		return nm;
	oslo_cpy(nm->key, sizeof(nm->key), key);
	oslo_cpy(nm->uuid, sizeof(nm->uuid), vm->uuid);
	oslo_cpy(nm->request_id, sizeof(nm->request_id), rid);
	nm->started_ns = t;
	nm->timeout_s = -1;
	nm->qemu_pid = vm->qemu_pid;
	an->migrations++;
	nm_running_add(an, nm);
	oslo_cpy(vm->cur_mig, sizeof(vm->cur_mig), id);
	for (i = 0; i < vm->nmigs; i++)
		if (strcmp(vm->migs[i], id) == 0)
			break;
	if (i == vm->nmigs) {
		if (vm->nmigs == VM_MAX_MIGS) {
			memmove(vm->migs[0], vm->migs[1],
			    (VM_MAX_MIGS - 1) * sizeof(vm->migs[0]));
			vm->nmigs--;
		}
		oslo_cpy(vm->migs[vm->nmigs], sizeof(vm->migs[0]), id);
		vm->nmigs++;
	}
	return nm;
}

/*
 * The migration an event of vm with request id rid belongs to: the
 * current one when the request is the same (or either is unknown and it
 * still runs), else a new one.
 */
static struct nmig *
nm_for(struct vm_an *an, struct vm *vm, const char *phase, const char *rid,
    uint64_t t)
{
	struct nmig *nm = nm_current(an, vm);

	/* An abort or force-complete is a request of its own, on this one. */
	if (nm != NULL && nm->outcome == NM_RUNNING && phase != NULL &&
	    (strcmp(phase, "abort") == 0 || strcmp(phase, "force_complete") == 0))
		return nm;
	if (nm != NULL) {
		if (rid != NULL && nm->request_id[0] != '\0') {
			if (strcmp(rid, nm->request_id) == 0)
				return nm;
		} else if (nm->outcome == NM_RUNNING ||
		    (nm->ended_ns != 0 && t < nm->ended_ns + VM_ORPHAN_NS)) {
			if (rid != NULL && nm->request_id[0] == '\0')
				oslo_cpy(nm->request_id, sizeof(nm->request_id),
				    rid);
			return nm;
		}
	}
	return nm_new(an, vm, rid, t);
}

static struct nm_phase *
nm_phase_find(struct nmig *nm, const char *name, int open_only)
{
	unsigned i;

	for (i = nm->nph; i-- > 0;)
		if (strcmp(nm->ph[i].name, name) == 0 &&
		    (!open_only || nm->ph[i].end_ns == 0))
			return &nm->ph[i];
	return NULL;
}

static struct nm_phase *
nm_phase_add(struct nmig *nm, const char *name, const char *host)
{
	struct nm_phase *p;

	if (nm->nph == NM_MAX_PHASES)
		return NULL;
	p = &nm->ph[nm->nph++];
	memset(p, 0, sizeof(*p));
	oslo_cpy(p->name, sizeof(p->name), name);
	oslo_cpy(p->host, sizeof(p->host), host);
	return p;
}

static void
nm_end(struct vm_an *an, struct nmig *nm, enum nm_outcome o, uint64_t t)
{
	if (nm->outcome == NM_RUNNING)
		nm_forget(an, nm);
	nm->outcome = o;
	nm->ended_ns = t;
}

/* After a rollback: why it happened, from what was seen. */
static enum nm_outcome
nm_rollback_outcome(const struct nmig *nm)
{
	if (nm->abort_ns != 0)
		return NM_ABORTED;
	if (nm->timed_out_ns != 0)
		return NM_TIMED_OUT;
	return NM_ROLLED_BACK;
}

struct nmig *
nm_phase_event(struct vm_an *an, struct vm *vm, const char *phase,
    enum oslo_phase ph, const struct oslo_msg *m)
{
	const struct ojs *j = m->doc;
	struct nm_phase *p;
	const char *s, *host;
	struct nmig *nm;
	uint64_t t = m->t_ns;

	if ((nm = nm_for(an, vm, phase, m->request_id, t)) == NULL)
		return NULL;
	if (nm->name[0] == '\0' || vm->name[0] != '\0')
		oslo_cpy(nm->name, sizeof(nm->name), vm->name);
	if (m->global_request_id != NULL && m->request_id != NULL &&
	    strcmp(m->request_id, nm->request_id) == 0)
		oslo_cpy(nm->global_request_id, sizeof(nm->global_request_id),
		    m->global_request_id);
	if (vm->qemu_pid > 0)
		nm->qemu_pid = vm->qemu_pid;
	host = m->pub_host;
	if (is_dest_phase(phase)) {
		if (nm->role == NM_ROLE_NONE)
			nm->role = NM_ROLE_DEST;
		if (host != NULL && nm->dest_host[0] == '\0')
			oslo_cpy(nm->dest_host, sizeof(nm->dest_host), host);
		/* The instance's host while it migrates is the source. */
		if (strcmp(phase, "pre") == 0 && m->data >= 0 &&
		    (s = oslo_s(j, m->data, "host")) != NULL &&
		    nm->source_host[0] == '\0' &&
		    (host == NULL || strcmp(s, host) != 0))
			oslo_cpy(nm->source_host, sizeof(nm->source_host), s);
		if (strcmp(phase, "post_dest") == 0 && ph == PH_END &&
		    m->data >= 0 && (s = oslo_s(j, m->data, "host")) != NULL)
			oslo_cpy(nm->dest_host, sizeof(nm->dest_host), s);
	} else {
		if (nm->role == NM_ROLE_NONE) {
			nm->role = NM_ROLE_SOURCE;
			nm_adopt(an, nm, t);
		}
		if (host != NULL && nm->source_host[0] == '\0')
			oslo_cpy(nm->source_host, sizeof(nm->source_host), host);
	}
	switch (ph) {
	case PH_START:
		if ((p = nm_phase_add(nm, phase, host)) != NULL)
			p->start_ns = t;
		if (strcmp(phase, "abort") == 0 && nm->abort_ns == 0)
			nm->abort_ns = t;
		break;
	case PH_END:
	case PH_ERROR:
		if ((p = nm_phase_find(nm, phase, 1)) == NULL &&
		    (p = nm_phase_add(nm, phase, host)) == NULL)
			break;
		p->end_ns = t;
		if (ph == PH_ERROR) {
			s = NULL;
			if (m->data >= 0) {
				int f = oslo_data(j, ojs_get(j, m->data, "fault"));

				if ((s = oslo_s(j, f, "exception_message")) == NULL)
					s = oslo_s(j, m->data, "exception");
			}
			oslo_cpy(p->error, sizeof(p->error), s ? s : "error");
			if (nm->error[0] == '\0')
				oslo_cpy(nm->error, sizeof(nm->error), p->error);
			if (nm->outcome == NM_RUNNING)
				nm_end(an, nm, NM_FAILED, t);
			break;
		}
		if (strcmp(phase, "abort") == 0 && nm->abort_ns == 0)
			nm->abort_ns = t;
		if (strcmp(phase, "post") == 0 || strcmp(phase, "post_dest") == 0) {
			if (nm->outcome == NM_RUNNING || nm->outcome == NM_FAILED) {
				nm_end(an, nm, NM_COMPLETED, t);
				if (nm->timed_out_ns != 0)
					oslo_cpy(nm->timeout_action,
					    sizeof(nm->timeout_action),
					    "force_complete");
			}
		} else if (strcmp(phase, "rollback") == 0 ||
		    strcmp(phase, "rollback_dest") == 0) {
			/* The source's rollback knows more than the dest's. */
			if (nm->outcome == NM_RUNNING || nm->outcome == NM_FAILED ||
			    (nm->outcome == NM_ROLLED_BACK &&
			    nm_rollback_outcome(nm) != NM_ROLLED_BACK))
				nm_end(an, nm, nm_rollback_outcome(nm), t);
		}
		break;
	default:
		break;
	}
	nm->last_ns = t;
	otab_touch(&an->migs, &nm->e, t);
	return nm;
}

/* The one migration running on this node, if there is exactly one. */
static struct nmig *
nm_only_running(struct vm_an *an)
{
	return an->nrunning == 1 && !an->running_overflow ? an->running[0] :
	    NULL;
}

enum line_kind { L_TIMEOUT, L_PROGRESS, L_CANCELLED, L_ABORTED, L_FAILURE,
	L_DEST };

static int
nm_line_kind(const char *text, int64_t *n, char *buf, size_t len,
    struct nm_progress *pg)
{
	static const char timeout[] = "Live migration not completed after ";
	static const char running[] = "Migration running for ";
	static const char failure[] = "Live Migration failure: ";
	static const char dest[] = "Migrating instance to ";
	const char *p, *e;
	long long a, b, c, d;
	double secs;
	int pct;

	switch (text[0]) {
	case 'L':
		if (strncmp(text, timeout, sizeof(timeout) - 1) == 0) {
			*n = strtoll(text + sizeof(timeout) - 1, NULL, 10);
			return L_TIMEOUT;
		}
		if (strncmp(text, failure, sizeof(failure) - 1) == 0) {
			oslo_cpy(buf, len, text + sizeof(failure) - 1);
			return L_FAILURE;
		}
		return -1;
	case 'M':
		if (strncmp(text, running, sizeof(running) - 1) == 0) {
			p = text + sizeof(running) - 1;
			if (sscanf(p, "%lf secs, memory %d%% remaining (bytes "
			    "processed=%lld, remaining=%lld, total=%lld",
			    &secs, &pct, &a, &b, &c) != 5)
				return -1;
			(void)d;
			pg->elapsed_s = secs;
			pg->remaining_pct = pct;
			pg->processed = a;
			pg->remaining = b;
			pg->total = c;
			return L_PROGRESS;
		}
		if (strcmp(text, "Migration operation was cancelled") == 0)
			return L_CANCELLED;
		if (strcmp(text, "Migration operation has aborted") == 0)
			return L_ABORTED;
		if (strncmp(text, dest, sizeof(dest) - 1) == 0 &&
		    (e = strstr(text, " finished successfully")) != NULL) {
			p = text + sizeof(dest) - 1;
			if ((size_t)(e - p) >= len || e == p)
				return -1;
			memcpy(buf, p, (size_t)(e - p));
			buf[e - p] = '\0';
			return L_DEST;
		}
		return -1;
	default:
		return -1;
	}
}

int
nm_log_line(struct vm_an *an, const struct oslo_msg *m)
{
	struct nm_progress pg;
	struct nmig *nm = NULL;
	struct vm *vm;
	char buf[256];
	int64_t n = 0;
	int kind;

	if (m->project != PR_NOVA && m->logger != NULL)
		return 0;
	memset(&pg, 0, sizeof(pg));
	if ((kind = nm_line_kind(m->text, &n, buf, sizeof(buf), &pg)) < 0)
		return 0;
	if (m->instance_uuid != NULL) {
		if ((vm = vm_get(an, m->instance_uuid, m->t_ns)) == NULL)
			return 0;
		nm = nm_current(an, vm);
		if (nm == NULL || (nm->outcome != NM_RUNNING && kind != L_DEST &&
		    (m->request_id == NULL ||
		    strcmp(m->request_id, nm->request_id) != 0))) {
			nm = nm_new(an, vm, m->request_id, m->t_ns);
			if (nm == NULL)
				return 0;
			oslo_cpy(nm->name, sizeof(nm->name), vm->name);
		}
		if (nm->role == NM_ROLE_NONE)
			nm->role = NM_ROLE_SOURCE;
		if (nm->source_host[0] == '\0')
			oslo_cpy(nm->source_host, sizeof(nm->source_host),
			    m->hostname ? m->hostname : an->host.node);
		otab_touch(&an->vms, &vm->e, m->t_ns);
	} else
		nm = nm_only_running(an);
	if (nm == NULL) {
		/* Kept until a migration claims it. */
		an->lines_unattributed++;
		switch (kind) {
		case L_TIMEOUT:
			an->orphan.timeout_ns = m->t_ns;
			an->orphan.timeout_s = n;
			break;
		case L_CANCELLED:
			an->orphan.cancelled_ns = m->t_ns;
			break;
		case L_FAILURE:
			an->orphan.failure_ns = m->t_ns;
			oslo_cpy(an->orphan.failure, sizeof(an->orphan.failure),
			    buf);
			break;
		case L_DEST:
			an->orphan.dest_ns = m->t_ns;
			oslo_cpy(an->orphan.dest, sizeof(an->orphan.dest), buf);
			break;
		default:
			break;
		}
		return 0;
	}
	if (m->request_id != NULL && nm->request_id[0] == '\0')
		oslo_cpy(nm->request_id, sizeof(nm->request_id), m->request_id);
	if (m->global_request_id != NULL && nm->global_request_id[0] == '\0')
		oslo_cpy(nm->global_request_id, sizeof(nm->global_request_id),
		    m->global_request_id);
	switch (kind) {
	case L_TIMEOUT:
		nm->timeout_s = n;
		nm->timed_out_ns = m->t_ns;
		break;
	case L_PROGRESS:
		pg.t_ns = m->t_ns;
		nm->prog[nm->prog_next] = pg;
		nm->prog_next = (nm->prog_next + 1) % NM_MAX_PROGRESS;
		if (nm->nprog < NM_MAX_PROGRESS)
			nm->nprog++;
		break;
	case L_CANCELLED:
		nm->cancelled_ns = m->t_ns;
		if (nm->timed_out_ns != 0 && nm->abort_ns == 0)
			oslo_cpy(nm->timeout_action, sizeof(nm->timeout_action),
			    "abort");
		break;
	case L_ABORTED:
		if (nm->error[0] == '\0')
			oslo_cpy(nm->error, sizeof(nm->error),
			    "Migration operation has aborted");
		break;
	case L_FAILURE:
		oslo_cpy(nm->error, sizeof(nm->error), buf);
		break;
	case L_DEST:
		oslo_cpy(nm->dest_host, sizeof(nm->dest_host), buf);
		/* The source learns where its instance went. */
		if (nm->outcome == NM_COMPLETED && (vm = (struct vm *)
		    otab_find(&an->vms, nm->uuid)) != NULL) {
			vm_set_host(vm, buf, m->t_ns);
			otab_touch(&an->vms, &vm->e, m->t_ns);
		}
		break;
	}
	if (m->t_ns > nm->last_ns)
		nm->last_ns = m->t_ns;
	otab_touch(&an->migs, &nm->e, m->t_ns);
	return 1;
}
