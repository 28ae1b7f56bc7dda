/*
 * vm_record.c: the `vm` and `nova_migration` records (docs/records.md).
 */
#include <stdio.h>
#include <string.h>

#include "vm.h"

static struct json_object *
st_json(const struct st_ms *a, unsigned n, const char *cur, uint64_t since,
    uint64_t t_ns, int known)
{
	struct json_object *o = json_object_new_object();
	double extra;
	unsigned i;
	int found = 0;

	for (i = 0; i < n; i++) {
		extra = 0;
		if (known && strcmp(a[i].name, cur) == 0) {
			found = 1;
			if (t_ns > since)
				extra = (double)(t_ns - since) / 1e6;
		}
		json_object_object_add(o, a[i].name[0] ? a[i].name : "none",
		    json_object_new_double(a[i].ms + extra));
	}
	if (known && !found)
		json_object_object_add(o, cur[0] ? cur : "none",
		    json_object_new_double(t_ns > since ?
		    (double)(t_ns - since) / 1e6 : 0));
	return o;
}

struct json_object *
vm_record(const struct vm_an *an, const struct vm *vm, uint64_t t_ns, int final)
{
	struct json_object *o, *a, *h;
	char id[256];
	unsigned i;

	snprintf(id, sizeof(id), "%s/%s", an->host.node, vm->e.key);
	o = oj_rec("vm", an->host.node, id, t_ns);
	J_ADD(o, "uuid", oj_str(vm->uuid));
	J_ADD(o, "name", oj_str(vm->name));
	J_ADD(o, "instance_name", oj_str(vm->instance_name));
	J_ADD(o, "host", oj_str(vm->host));
	J_ADD(o, "compute_node", oj_str(vm->node));
	J_ADD(o, "vm_state", oj_str(vm->vm_state));
	J_ADD(o, "task_state", oj_str(vm->task_state));
	J_ADD(o, "power_state", oj_str(vm->power_state));
	J_ADD(o, "since_ns", oj_ns(vm->since_ns));
	J_ADD(o, "first_ns", oj_ns(vm->first_ns));
	J_ADD(o, "last_ns", oj_ns(vm->e.last_ns));
	J_ADD(o, "last_event_type", oj_str(vm->last_event_type));
	J_ADD(o, "request_id", oj_str(vm->request_id));
	J_ADD(o, "state_ms", st_json(vm->vm_ms, vm->nvm_ms, vm->vm_state,
	    vm->vm_since_ns, t_ns, vm->vm_state[0] != '\0'));
	J_ADD(o, "task_ms", st_json(vm->task_ms, vm->ntask_ms, vm->task_state,
	    vm->task_since_ns, t_ns, vm->task_known));
	a = json_object_new_array_ext((int)vm->nhosts);
	for (i = 0; i < vm->nhosts; i++) {
		h = json_object_new_object();
		J_ADD(h, "host", json_object_new_string(vm->hosts[i].host));
		J_ADD(h, "since_ns", oj_ns(vm->hosts[i].since_ns));
		json_object_array_add(a, h);
	}
	J_ADD(o, "hosts", a);
	a = json_object_new_array_ext((int)vm->nmigs);
	for (i = 0; i < vm->nmigs; i++)
		json_object_array_add(a, json_object_new_string(vm->migs[i]));
	J_ADD(o, "migrations", a);
	J_ADD(o, "qemu_state", oj_str(vm->qemu_state));
	J_ADD(o, "qemu_state_ns", oj_ns(vm->qemu_state_ns));
	J_ADD(o, "qemu_pid", vm->qemu_pid > 0 ?
	    json_object_new_int64(vm->qemu_pid) : NULL);
	J_ADD(o, "events", json_object_new_int64((int64_t)vm->events));
	J_ADD(o, "deleted", json_object_new_boolean(vm->deleted));
	J_ADD(o, "final", json_object_new_boolean(final));
	J_ADD(o, "epoch_ns", oj_ns(an->epoch_ns));
	return o;
}

struct json_object *
nm_record(const struct vm_an *an, const struct nmig *nm, uint64_t t_ns,
    int final)
{
	struct json_object *o, *a, *p;
	const struct nm_progress *pg;
	uint64_t end;
	unsigned i, k;

	o = oj_rec("nova_migration", an->host.node, nm->e.key, t_ns);
	J_ADD(o, "migration_key", oj_str(nm->key));
	J_ADD(o, "instance_uuid", oj_str(nm->uuid));
	J_ADD(o, "vm_name", oj_str(nm->name));
	J_ADD(o, "request_id", oj_str(nm->request_id));
	J_ADD(o, "global_request_id", oj_str(nm->global_request_id));
	J_ADD(o, "role", oj_str(nm_role_str(nm->role)));
	J_ADD(o, "source_host", oj_str(nm->source_host));
	J_ADD(o, "dest_host", oj_str(nm->dest_host));
	a = json_object_new_array_ext((int)nm->nph);
	for (i = 0; i < nm->nph; i++) {
		const struct nm_phase *ph = &nm->ph[i];

		p = json_object_new_object();
		J_ADD(p, "name", json_object_new_string(ph->name));
		J_ADD(p, "start_ns", oj_ns(ph->start_ns));
		J_ADD(p, "end_ns", oj_ns(ph->end_ns));
		J_ADD(p, "duration_ms", oj_ms(ph->start_ns, ph->end_ns));
		J_ADD(p, "host", oj_str(ph->host));
		J_ADD(p, "error", oj_str(ph->error));
		json_object_array_add(a, p);
	}
	J_ADD(o, "phases", a);
	J_ADD(o, "started_ns", oj_ns(nm->started_ns));
	J_ADD(o, "ended_ns", oj_ns(nm->ended_ns));
	end = nm->ended_ns != 0 ? nm->ended_ns : nm->e.last_ns;
	J_ADD(o, "duration_ms", oj_ms(nm->started_ns, end));
	J_ADD(o, "outcome", oj_str(nm_outcome_str(nm->outcome)));
	J_ADD(o, "abort_requested_ns", oj_ns(nm->abort_ns));
	J_ADD(o, "completion_timeout_s", nm->timeout_s >= 0 ?
	    json_object_new_int64(nm->timeout_s) : NULL);
	J_ADD(o, "timed_out_ns", oj_ns(nm->timed_out_ns));
	J_ADD(o, "timeout_action", oj_str(nm->timeout_action));
	J_ADD(o, "cancelled_ns", oj_ns(nm->cancelled_ns));
	a = json_object_new_array_ext((int)nm->nprog);
	for (k = 0; k < nm->nprog; k++) {
		i = (nm->prog_next + NM_MAX_PROGRESS - nm->nprog + k) %
		    NM_MAX_PROGRESS;
		pg = &nm->prog[i];
		p = json_object_new_object();
		J_ADD(p, "t_ns", oj_ns(pg->t_ns));
		J_ADD(p, "elapsed_s", json_object_new_double(pg->elapsed_s));
		J_ADD(p, "remaining_pct", json_object_new_double(pg->remaining_pct));
		J_ADD(p, "processed_bytes", json_object_new_int64(pg->processed));
		J_ADD(p, "remaining_bytes", json_object_new_int64(pg->remaining));
		J_ADD(p, "total_bytes", json_object_new_int64(pg->total));
		json_object_array_add(a, p);
	}
	J_ADD(o, "progress", a);
	J_ADD(o, "error", oj_str(nm->error));
	J_ADD(o, "qemu_pid", nm->qemu_pid > 0 ?
	    json_object_new_int64(nm->qemu_pid) : NULL);
	J_ADD(o, "final", json_object_new_boolean(final));
	J_ADD(o, "epoch_ns", oj_ns(an->epoch_ns));
	return o;
}
