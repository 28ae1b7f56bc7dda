/*
 * vm.c: the vm analyzer.  Follows every Nova instance this node's services
 * talk about, from their notifications (versioned instance.* and
 * unversioned compute.instance.*, through oslo.messaging's log driver) and
 * the seed's EVENT lines: name, host and node, vm_state / task_state /
 * power_state with the time spent in each, host changes; QEMU's own run
 * state beside it (qemu:vm_state_notify) when the QEMU process is local;
 * and, through nmig.c, each Nova live migration.  Emits `vm`, `vm_event`
 * and `nova_migration` records (docs/records.md).
 *
 * Nova's payloads can be stale (a source compute's post.end still says
 * host SOURCE, task_state migrating): what a live-migration phase implies
 * in Nova's code wins over its payload (docs/records.md, kind `vm`).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm.h"
#include "log.h"

enum vm_code { C_PY, C_QSTATE, C_IDENT };

static const char *const f_qstate[] = { "running", "reason_str", NULL };
static const char *const f_ident[] = { "vm_uuid", "vm_name", "qemu_pid", NULL };

#define P_OFF(m)	offsetof(struct vm_params, m)
static const struct an_param vm_param_table[] = {
	{ "window_s", AN_P_DOUBLE, 3600, 1, 1e8, P_OFF(window_s),
	  "an instance with no event for this long leaves the agent's memory" },
	{ "mig_window_s", AN_P_DOUBLE, 3600, 1, 1e8, P_OFF(mig_window_s),
	  "a Nova live migration with no event for this long leaves it" },
	{ NULL, 0, 0, 0, 0, 0, NULL }
};

/*
 * What a live-migration phase implies: task state and host after it.
 * The payloads' host is the instance's host where the phase runs, true
 * for every phase but the source's post.end, sent after the destination
 * took the instance over (Nova's _post_live_migration notifies with the
 * source's stale instance object).
 */
enum imp_task { IT_PAYLOAD, IT_MIGRATING, IT_NONE };
enum imp_host { IH_PAYLOAD, IH_DEST };

static const struct {
	const char	*phase;
	enum imp_task	 start_task, end_task;
	enum imp_host	 end_host;
} lm_implied[] = {
	{ "pre",		IT_MIGRATING, IT_MIGRATING, IH_PAYLOAD },
	{ "post",		IT_MIGRATING, IT_NONE, IH_DEST },
	{ "post_dest",		IT_MIGRATING, IT_NONE, IH_PAYLOAD },
	{ "rollback",		IT_MIGRATING, IT_NONE, IH_PAYLOAD },
	{ "rollback_dest",	IT_MIGRATING, IT_NONE, IH_PAYLOAD },
	{ "abort",		IT_MIGRATING, IT_MIGRATING, IH_PAYLOAD },
	{ "force_complete",	IT_MIGRATING, IT_MIGRATING, IH_PAYLOAD },
};

/* Unversioned names (compute.instance.live_migration.X) → phase. */
static const struct {
	const char	*suffix;
	const char	*phase;
} lm_legacy[] = {
	{ "pre", "pre" }, { "_post", "post" }, { "post.dest", "post_dest" },
	{ "_rollback", "rollback" }, { "rollback.dest", "rollback_dest" },
	{ "post", "post" }, { "rollback", "rollback" },
};

static void
vm_classify(const char *name, const char *const *fields, unsigned nfields,
    struct ev_plan *plan)
{
	if (strcmp(name, OSLO_EVENT) == 0)
		an_plan_fields(plan, C_PY, oslo_fields, fields, nfields);
	else if (strcmp(name, "qemu:vm_state_notify") == 0)
		an_plan_fields(plan, C_QSTATE, f_qstate, fields, nfields);
	else if (strcmp(name, "strata:vm_identity") == 0)
		an_plan_fields(plan, C_IDENT, f_ident, fields, nfields);
	else
		an_plan_fields(plan, AN_CODE_NONE, NULL, NULL, 0);
}

static int
pid_slot(struct vm_an *an, int64_t vpid, int create)
{
	unsigned i;

	for (i = 0; i < an->npids; i++)
		if (an->pids[i].vpid == vpid)
			return (int)i;
	if (!create)
		return -1;
	if (an->npids < VM_MAX_PIDS)
		i = an->npids++;
	else {
		i = an->next_pid;
		an->next_pid = (an->next_pid + 1) % VM_MAX_PIDS;
	}
	memset(&an->pids[i], 0, sizeof(an->pids[i]));
	an->pids[i].vpid = vpid;
	an->pids[i].qemu_pid = vpid;
	return (int)i;
}

struct vm *
vm_get(struct vm_an *an, const char *uuid, uint64_t t_ns)
{
	const struct vmreg_entry *re;
	struct vm *vm;
	unsigned i;
	int created;

	if ((vm = (struct vm *)otab_get(&an->vms, uuid, &created)) == NULL)
		return NULL;
	if (!created)
		return vm;
	oslo_cpy(vm->uuid, sizeof(vm->uuid), uuid);
	vm->first_ns = t_ns;
	vm->qemu_pid = -1;
	if ((re = vmreg_by_uuid(an->host.vms, uuid)) != NULL) {
		vm->qemu_pid = re->qemu_pid;
		if (re->id.name[0] != '\0')
			oslo_cpy(vm->instance_name, sizeof(vm->instance_name),
			    re->id.name);
	}
	for (i = 0; i < an->npids; i++)
		if (strcmp(an->pids[i].uuid, uuid) == 0) {
			vm->qemu_pid = an->pids[i].qemu_pid;
			oslo_cpy(vm->qemu_state, sizeof(vm->qemu_state),
			    an->pids[i].state);
			vm->qemu_state_ns = an->pids[i].state_ns;
		}
	return vm;
}

static void
st_add(struct st_ms *a, unsigned *n, const char *name, double ms)
{
	unsigned i;

	for (i = 0; i < *n; i++)
		if (strcmp(a[i].name, name) == 0) {
			a[i].ms += ms;
			return;
		}
	if (*n == VM_MAX_STATES)
		return;
	oslo_cpy(a[*n].name, sizeof(a[*n].name), name);
	a[*n].ms = ms;
	(*n)++;
}

void
vm_set_host(struct vm *vm, const char *host, uint64_t t_ns)
{
	if (host == NULL || *host == '\0' || strcmp(vm->host, host) == 0)
		return;
	oslo_cpy(vm->host, sizeof(vm->host), host);
	if (vm->nhosts == VM_MAX_HOSTS) {
		memmove(&vm->hosts[0], &vm->hosts[1],
		    (VM_MAX_HOSTS - 1) * sizeof(vm->hosts[0]));
		vm->nhosts--;
	}
	oslo_cpy(vm->hosts[vm->nhosts].host, sizeof(vm->hosts[0].host), host);
	vm->hosts[vm->nhosts].since_ns = t_ns;
	vm->nhosts++;
}

/* The states an event leaves the instance in (NULL: not told). */
struct vm_states {
	const char	*vm_state, *task_state, *power_state;
	int		 task_told;	/* task_state is in the event (maybe null) */
	const char	*old_vm_state, *old_task_state;
	const char	*host;		/* as established; NULL: not told */
};

static void
vm_apply(struct vm *vm, const struct vm_states *s, uint64_t t)
{
	int changed = 0;

	if (s->vm_state != NULL && strcmp(s->vm_state, vm->vm_state) != 0) {
		if (vm->vm_state[0] != '\0' && t >= vm->vm_since_ns)
			st_add(vm->vm_ms, &vm->nvm_ms, vm->vm_state,
			    (double)(t - vm->vm_since_ns) / 1e6);
		oslo_cpy(vm->vm_state, sizeof(vm->vm_state), s->vm_state);
		vm->vm_since_ns = t;
		changed = 1;
	}
	if (s->task_told && (strcmp(s->task_state ? s->task_state : "",
	    vm->task_state) != 0 || !vm->task_known)) {
		if (vm->task_known && t >= vm->task_since_ns)
			st_add(vm->task_ms, &vm->ntask_ms, vm->task_state,
			    (double)(t - vm->task_since_ns) / 1e6);
		oslo_cpy(vm->task_state, sizeof(vm->task_state), s->task_state);
		vm->task_since_ns = t;
		vm->task_known = 1;
		changed = 1;
	}
	if (s->power_state != NULL &&
	    strcmp(s->power_state, vm->power_state) != 0) {
		oslo_cpy(vm->power_state, sizeof(vm->power_state),
		    s->power_state);
		changed = 1;
	}
	if (changed || vm->since_ns == 0)
		vm->since_ns = t;
	vm->state_t_ns = t;
	if (s->host != NULL)
		vm_set_host(vm, s->host, t);
}

static void
vm_emit_event(struct vm_an *an, const struct vm *vm, const struct oslo_msg *m,
    const struct vm_states *s, int stale, const char *fault)
{
	struct json_object *o;
	char id[256];

	if (m->message_id != NULL)
		snprintf(id, sizeof(id), "%s/%s", an->host.node, m->message_id);
	else
		snprintf(id, sizeof(id), "%s/%s/%" PRIu64 "/%s", an->host.node,
		    vm->uuid, m->t_ns, m->event_type ? m->event_type : "log");
	o = oj_rec("vm_event", an->host.node, id, m->t_ns);
	J_ADD(o, "uuid", oj_str(vm->uuid));
	J_ADD(o, "name", oj_str(vm->name));
	J_ADD(o, "event_type", oj_str(m->event_type));
	if (stale) {
		J_ADD(o, "vm_state", oj_str(s->vm_state));
		J_ADD(o, "task_state", oj_str(s->task_state));
		J_ADD(o, "power_state", oj_str(s->power_state));
	} else {
		J_ADD(o, "vm_state", oj_str(vm->vm_state));
		J_ADD(o, "task_state", oj_str(vm->task_state));
		J_ADD(o, "power_state", oj_str(vm->power_state));
	}
	J_ADD(o, "old_vm_state", oj_str(s->old_vm_state));
	J_ADD(o, "old_task_state", oj_str(s->old_task_state));
	J_ADD(o, "host", oj_str(stale ? NULL : s->host));
	J_ADD(o, "payload_host", m->data >= 0 ?
	    oj_str(oslo_s(m->doc, m->data, "host")) : NULL);
	J_ADD(o, "publisher_id", oj_str(m->publisher_id));
	J_ADD(o, "service", oj_str(m->service));
	J_ADD(o, "publisher_host", oj_str(m->pub_host));
	J_ADD(o, "request_id", oj_str(m->request_id));
	J_ADD(o, "global_request_id", oj_str(m->global_request_id));
	J_ADD(o, "priority", oj_str(m->priority));
	J_ADD(o, "fault", oj_str(fault));
	J_ADD(o, "source", json_object_new_string(
	    m->src == OSLO_NOTIFICATION ? "notification" :
	    m->src == OSLO_SEED ? "seed" : "log"));
	J_ADD(o, "stale", json_object_new_boolean(stale));
	an->vm_events++;
	an->host.emit(an->host.emit_arg, o);
}

/* The live-migration phase an event type names, or NULL. */
static const char *
lm_phase_of(const char *base)
{
	static const char v[] = "instance.live_migration_";
	static const char u[] = "compute.instance.live_migration.";
	size_t i;

	if (strncmp(base, v, sizeof(v) - 1) == 0) {
		base += sizeof(v) - 1;
		for (i = 0; i < sizeof(lm_implied) / sizeof(lm_implied[0]); i++)
			if (strcmp(base, lm_implied[i].phase) == 0)
				return lm_implied[i].phase;
		return NULL;
	}
	if (strncmp(base, u, sizeof(u) - 1) == 0) {
		base += sizeof(u) - 1;
		for (i = 0; i < sizeof(lm_legacy) / sizeof(lm_legacy[0]); i++)
			if (strcmp(base, lm_legacy[i].suffix) == 0)
				return lm_legacy[i].phase;
	}
	return NULL;
}

/* A string member, where a JSON null counts as told (returned NULL). */
static int
told(const struct ojs *j, int obj, const char *key, const char **out)
{
	int t = ojs_get(j, obj, key);

	if (t < 0)
		return 0;
	*out = ojs_str(j, t);
	if (*out != NULL && **out == '\0')
		*out = NULL;
	return 1;
}

/* The fault's exception message, when the payload has one. */
static const char *
vm_fault(const struct ojs *j, int d)
{
	int f = ojs_get(j, d, "fault");
	const char *s;

	if (ojs_type(j, f) != OJS_OBJ)
		return NULL;
	f = oslo_data(j, f);
	if ((s = oslo_s(j, f, "exception_message")) == NULL)
		s = oslo_s(j, f, "exception");
	return s;
}

static void
vm_final(struct vm_an *an, struct vm *vm, uint64_t t_ns)
{
	an->host.emit(an->host.emit_arg, vm_record(an, vm, t_ns, 1));
	otab_del(&an->vms, &vm->e);
}

static void
vm_notification(struct vm_an *an, const struct oslo_msg *m)
{
	const struct ojs *j = m->doc;
	int d = m->data, su, i;
	const char *s, *phase, *fault = NULL;
	struct vm_states st;
	struct nmig *nm = NULL;
	struct vm *vm;
	int stale;

	if (m->instance_uuid == NULL) {
		an->no_uuid++;
		return;
	}
	if ((vm = vm_get(an, m->instance_uuid, m->t_ns)) == NULL)
		return;
	an->notifications++;
	vm->events++;
	memset(&st, 0, sizeof(st));
	if (d >= 0) {
		if ((s = oslo_s(j, d, "display_name")) != NULL)
			oslo_cpy(vm->name, sizeof(vm->name), s);
		if ((s = oslo_s(j, d, "node")) != NULL)
			oslo_cpy(vm->node, sizeof(vm->node), s);
		if ((s = oslo_s(j, d, "instance_name")) != NULL)
			oslo_cpy(vm->instance_name, sizeof(vm->instance_name), s);
		st.vm_state = oslo_s(j, d, "state");
		st.power_state = oslo_s(j, d, "power_state");
		st.task_told = told(j, d, "task_state", &st.task_state);
		if (!st.task_told)	/* unversioned */
			st.task_told = told(j, d, "state_description",
			    &st.task_state);
		if (told(j, d, "new_task_state", &s)) {	/* compute.instance.update */
			st.task_state = s;
			st.task_told = 1;
		}
		st.old_vm_state = oslo_s(j, d, "old_state");
		st.old_task_state = oslo_s(j, d, "old_task_state");
		/* instance.update: state_update is what changed, and wins. */
		su = oslo_data(j, ojs_get(j, d, "state_update"));
		if (ojs_type(j, su) == OJS_OBJ) {
			if ((s = oslo_s(j, su, "state")) != NULL)
				st.vm_state = s;
			if (told(j, su, "new_task_state", &s)) {
				st.task_state = s;
				st.task_told = 1;
			}
			st.old_vm_state = oslo_s(j, su, "old_state");
			st.old_task_state = oslo_s(j, su, "old_task_state");
		}
		st.host = oslo_s(j, d, "host");
		fault = vm_fault(j, d);
	}
	if (m->request_id != NULL)
		oslo_cpy(vm->request_id, sizeof(vm->request_id), m->request_id);
	oslo_cpy(vm->last_event_type, sizeof(vm->last_event_type),
	    m->event_type);

	if ((phase = lm_phase_of(m->base)) != NULL) {
		nm = nm_phase_event(an, vm, phase, m->phase, m);
		for (i = 0; i < (int)(sizeof(lm_implied) / sizeof(lm_implied[0]));
		    i++)
			if (strcmp(lm_implied[i].phase, phase) == 0)
				break;
		if (m->phase == PH_START || m->phase == PH_END) {
			enum imp_task it = m->phase == PH_START ?
			    lm_implied[i].start_task : lm_implied[i].end_task;

			st.task_told = 1;
			st.task_state = it == IT_MIGRATING ? "migrating" : NULL;
		}
		if (m->phase == PH_END && lm_implied[i].end_host == IH_DEST)
			st.host = nm != NULL && nm->dest_host[0] != '\0' ?
			    nm->dest_host : NULL;
		else if (m->phase == PH_ERROR)
			st.host = NULL;
	}
	stale = vm->state_t_ns != 0 && m->t_ns < vm->state_t_ns;
	if (stale)
		an->stale++;
	else
		vm_apply(vm, &st, m->t_ns);
	if (strcmp(m->base, "instance.delete") == 0 ||
	    strcmp(m->base, "compute.instance.delete") == 0) {
		if (m->phase == PH_END && !stale) {
			oslo_cpy(vm->vm_state, sizeof(vm->vm_state), "deleted");
			vm->deleted = 1;
		}
	}
	otab_touch(&an->vms, &vm->e, m->t_ns);
	vm_emit_event(an, vm, m, &st, stale, fault);
	if (vm->deleted)
		vm_final(an, vm, m->t_ns);
}

/* The seed's {"EVENT": {event_type, vm_name, state, host, ...}}. */
static void
vm_seed(struct vm_an *an, const struct oslo_msg *m)
{
	const struct ojs *j = m->doc;
	const char *key, *name, *s;
	struct vm_states st;
	struct vm *vm;
	int e = m->seed;

	if ((name = oslo_s(j, e, "vm_name")) == NULL &&
	    (name = oslo_s(j, e, "instance_name")) == NULL)
		name = oslo_s(j, e, "name");
	if ((key = m->instance_uuid) == NULL && (key = name) == NULL)
		return;		/* nothing about an instance */
	if ((vm = vm_get(an, key, m->t_ns)) == NULL)
		return;
	if (m->instance_uuid == NULL)
		vm->uuid[0] = '\0';
	if (name != NULL)
		oslo_cpy(vm->name, sizeof(vm->name), name);
	vm->events++;
	memset(&st, 0, sizeof(st));
	if ((st.vm_state = oslo_s(j, e, "vm_state")) == NULL)
		st.vm_state = oslo_s(j, e, "state");
	st.task_told = told(j, e, "task_state", &st.task_state);
	st.power_state = oslo_s(j, e, "power_state");
	st.host = m->hostname;
	if ((s = m->request_id) != NULL)
		oslo_cpy(vm->request_id, sizeof(vm->request_id), s);
	oslo_cpy(vm->last_event_type, sizeof(vm->last_event_type),
	    m->event_type);
	vm_apply(vm, &st, m->t_ns);
	otab_touch(&an->vms, &vm->e, m->t_ns);
	vm_emit_event(an, vm, m, &st, 0, NULL);
}

static void
vm_py(struct vm_an *an, const struct ev *ev)
{
	const struct oslo_msg *m;

	if ((m = oslo_get(&an->host, ev, &an->own)) == NULL)
		return;
	switch (m->src) {
	case OSLO_NOTIFICATION:
		if (m->project == PR_NOVA &&
		    (strncmp(m->event_type, "instance.", 9) == 0 ||
		    strncmp(m->event_type, "compute.instance.", 17) == 0))
			vm_notification(an, m);
		break;
	case OSLO_SEED:
		if (m->seed >= 0)
			vm_seed(an, m);
		break;
	case OSLO_LOG:
		if (nm_log_line(an, m))
			an->lines_used++;
		break;
	default:
		break;
	}
}

/* QEMU's run state, for the instance of a local QEMU process. */
static void
vm_qemu_state(struct vm_an *an, const struct ev *ev)
{
	const struct vmreg_entry *re;
	const char *state = ev_slot_str(ev, 1);
	struct vm *vm;
	int i;

	if (state == NULL)
		return;
	an->qemu_states++;
	i = pid_slot(an, ev->vpid, 1);
	if (an->pids[i].uuid[0] == '\0' &&
	    (re = vmreg_by_pid(an->host.vms, an->pids[i].qemu_pid)) != NULL)
		oslo_cpy(an->pids[i].uuid, sizeof(an->pids[i].uuid), re->id.uuid);
	oslo_cpy(an->pids[i].state, sizeof(an->pids[i].state), state);
	an->pids[i].state_ns = ev->t_ns;
	if (an->pids[i].uuid[0] == '\0' ||
	    (vm = (struct vm *)otab_find(&an->vms, an->pids[i].uuid)) == NULL)
		return;
	oslo_cpy(vm->qemu_state, sizeof(vm->qemu_state), state);
	vm->qemu_state_ns = ev->t_ns;
	vm->qemu_pid = an->pids[i].qemu_pid;
	otab_touch(&an->vms, &vm->e, ev->t_ns);
}

static void
vm_identity(struct vm_an *an, const struct ev *ev)
{
	const char *uuid = ev_slot_str(ev, 0);
	int64_t pid;
	int i;

	if (uuid == NULL || *uuid == '\0')
		return;
	i = pid_slot(an, ev->vpid, 1);
	oslo_cpy(an->pids[i].uuid, sizeof(an->pids[i].uuid), uuid);
	if (ev_slot_i64(ev, 2, &pid) == 0 && pid > 0)
		an->pids[i].qemu_pid = pid;
}

static void
vm_event(void *self, const struct ev *ev)
{
	struct vm_an *an = self;

	an->events++;
	if (an->epoch_ns == 0)
		an->epoch_ns = ev->t_ns;
	if (ev->t_ns > an->now_ns)
		an->now_ns = ev->t_ns;
	switch (ev->code) {
	case C_PY:
		vm_py(an, ev);
		break;
	case C_QSTATE:
		vm_qemu_state(an, ev);
		break;
	case C_IDENT:
		vm_identity(an, ev);
		break;
	default:
		break;
	}
}

static void
vm_flush_vm(void *arg, struct oent *e)
{
	struct vm_an *an = arg;

	an->host.emit(an->host.emit_arg, vm_record(an, (struct vm *)e,
	    e->last_ns, 0));
}

static void
vm_flush_nm(void *arg, struct oent *e)
{
	struct vm_an *an = arg;

	an->host.emit(an->host.emit_arg, nm_record(an, (struct nmig *)e,
	    e->last_ns, 0));
}

static void
vm_final_vm(void *arg, struct oent *e)
{
	struct vm_an *an = arg;

	an->host.emit(an->host.emit_arg, vm_record(an, (struct vm *)e,
	    e->last_ns, 1));
}

static void
vm_final_nm(void *arg, struct oent *e)
{
	struct vm_an *an = arg;

	an->host.emit(an->host.emit_arg, nm_record(an, (struct nmig *)e,
	    e->last_ns, 1));
	nm_forget(an, (struct nmig *)e);
}

static void
vm_flush(void *self)
{
	struct vm_an *an = self;

	otab_flush(&an->vms, vm_flush_vm, an);
	otab_flush(&an->migs, vm_flush_nm, an);
	otab_expire(&an->vms, an->now_ns,
	    (uint64_t)(an->params.window_s * 1e9), vm_final_vm, an);
	otab_expire(&an->migs, an->now_ns,
	    (uint64_t)(an->params.mig_window_s * 1e9), vm_final_nm, an);
}

static void
vm_finish(void *self)
{
	vm_flush(self);
}

static void *
vm_create(const struct an_host *host, const void *params)
{
	struct vm_an *an;

	if ((an = calloc(1, sizeof(*an))) == NULL) {
		log_warn("%s: calloc", __func__);
		return NULL;
	}
	an->host = *host;
	an->params = *(const struct vm_params *)params;
	if (otab_init(&an->vms, sizeof(struct vm)) == -1 ||
	    otab_init(&an->migs, sizeof(struct nmig)) == -1) {
		otab_free(&an->vms, NULL);
		free(an);
		return NULL;
	}
	return an;
}

static void
vm_set_params(void *self, const void *params)
{
	struct vm_an *an = self;

	an->params = *(const struct vm_params *)params;
}

static void
vm_stats(void *self, struct json_object *obj)
{
	struct vm_an *an = self;

#define N(k, v) json_object_object_add(obj, k, json_object_new_int64((int64_t)(v)))
	N("events", an->events);
	N("notifications", an->notifications);
	N("vm_events", an->vm_events);
	N("no_uuid", an->no_uuid);
	N("stale", an->stale);
	N("instances", an->vms.n);
	N("instances_evicted", an->vms.evicted);
	N("migrations", an->migrations);
	N("migrations_kept", an->migs.n);
	N("lines_used", an->lines_used);
	N("lines_unattributed", an->lines_unattributed);
	N("qemu_states", an->qemu_states);
#undef N
}

static void
vm_destroy(void *self)
{
	struct vm_an *an = self;

	otab_free(&an->vms, NULL);
	otab_free(&an->migs, NULL);
	oslo_ctx_free(an->own);
	free(an);
}

const struct analyzer_class an_vm_class = {
	.name = "vm",
	.params = vm_param_table,
	.params_size = sizeof(struct vm_params),
	.classify = vm_classify,
	.create = vm_create,
	.event = vm_event,
	.flush = vm_flush,
	.finish = vm_finish,
	.set_params = vm_set_params,
	.stats = vm_stats,
	.destroy = vm_destroy,
};
