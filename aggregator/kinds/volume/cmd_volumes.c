/*
 * cmd_volumes.c: `volumes` (each Cinder volume: size, status, backend,
 * attachments with host, mountpoint and target) and `volume ID` (one in
 * detail); and the kind's command list.
 */
#include <stddef.h>

#include "vol_store.h"
#include "cmd.h"

static enum ctl_ret	cmd_volumes_exec(struct ctl_call *);
static enum ctl_ret	cmd_volume_exec(struct ctl_call *);

static const struct ctl_arg cmd_volumes_args[] = {
	{ "live",	CTL_ARG_BOOL,	0, "without the deleted ones" },
	{ NULL, 0, 0, NULL }
};

const struct ctl_cmd ctl_cmd_volumes = {
	.name = "volumes",
	.usage = "volumes [live]",
	.summary = "Cinder volumes: backend, attachments, targets",
	.args = cmd_volumes_args,
	.flags = CTL_CMD_READONLY,
	.exec = cmd_volumes_exec,
};

static const struct ctl_arg cmd_volume_args[] = {
	{ "id",	CTL_ARG_ID, CTL_ARG_REQUIRED | CTL_ARG_POSITIONAL,
	    "a volume id" },
	{ NULL, 0, 0, NULL }
};

const struct ctl_cmd ctl_cmd_volume = {
	.name = "volume",
	.usage = "volume id:ID",
	.summary = "one volume: backend, operations, connections",
	.args = cmd_volume_args,
	.flags = CTL_CMD_READONLY,
	.exec = cmd_volume_exec,
};

const struct ctl_cmd *const volume_cmds[] = {
	&ctl_cmd_volumes,
	&ctl_cmd_volume,
	NULL
};

static enum ctl_ret
cmd_volumes_exec(struct ctl_call *call)
{
	struct json_object *r;
	const char *err = NULL;

	r = store_q_volumes(call->env->store,
	    arg_bool(call->args, "live"), &err);
	return from_store(call, r, err);
}

static enum ctl_ret
cmd_volume_exec(struct ctl_call *call)
{
	struct json_object *r;
	const char *err = NULL, *id = arg_str(call->args, "id");

	if (id == NULL || *id == '\0') {
		set_err(call, "id must not be empty");
		return CTL_ERROR;
	}
	r = store_q_volume(call->env->store, id, &err);
	if (r == NULL && err == NULL) {
		set_err(call, "no volume %.128s", id);
		return CTL_ERROR;
	}
	return from_store(call, r, err);
}
