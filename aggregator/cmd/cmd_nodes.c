/*
 * cmd_nodes.c: `nodes`, the agents and their last contact.
 */
#include <stddef.h>

#include "store.h"
#include "cmd.h"

static enum ctl_ret	cmd_nodes_exec(struct ctl_call *);

static const struct ctl_arg cmd_nodes_args[] = CMD_ARGS_NONE;

const struct ctl_cmd ctl_cmd_nodes = {
	.name = "nodes",
	.usage = "nodes",
	.summary = "agents and their last contact",
	.args = cmd_nodes_args,
	.flags = CTL_CMD_READONLY,
	.exec = cmd_nodes_exec,
};

static enum ctl_ret
cmd_nodes_exec(struct ctl_call *call)
{
	const char *err = NULL;
	struct json_object *r;

	r = store_q_nodes(call->env->store, &err);
	return from_store(call, r, err);
}
