/*
 * cmd_vm.c: `vm UUID`, one Nova instance: its state timeline across the
 * nodes and its live migrations.
 */
#include <stddef.h>

#include "vm_store.h"
#include "cmd.h"

static enum ctl_ret	cmd_vm_exec(struct ctl_call *);

static const struct ctl_arg cmd_vm_args[] = {
	{ "id",	CTL_ARG_ID, CTL_ARG_REQUIRED | CTL_ARG_POSITIONAL,
	    "an instance uuid, display name or libvirt name" },
	{ NULL, 0, 0, NULL }
};

const struct ctl_cmd ctl_cmd_vm = {
	.name = "vm",
	.usage = "vm id:UUID",
	.summary = "one instance: state timeline, migrations",
	.args = cmd_vm_args,
	.flags = CTL_CMD_READONLY,
	.exec = cmd_vm_exec,
};

static enum ctl_ret
cmd_vm_exec(struct ctl_call *call)
{
	struct json_object *r;
	const char *err = NULL, *id = arg_str(call->args, "id");

	if (id == NULL || *id == '\0') {
		set_err(call, "id must not be empty");
		return CTL_ERROR;
	}
	r = store_q_vm(call->env->store, id, &err);
	if (r == NULL && err == NULL) {
		set_err(call, "no instance %.128s", id);
		return CTL_ERROR;
	}
	return from_store(call, r, err);
}
