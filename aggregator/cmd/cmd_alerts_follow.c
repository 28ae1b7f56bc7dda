/*
 * cmd_alerts_follow.c: `alerts follow`, which turns the connection into a
 * stream of alert events (ctl.c, follow.c) that ends with an end object.
 */
#include <stddef.h>

#include "cmd.h"

static enum ctl_ret	cmd_alerts_follow_exec(struct ctl_call *);

static const struct ctl_arg cmd_alerts_follow_args[] = CMD_ARGS_NONE;

const struct ctl_cmd ctl_cmd_alerts_follow = {
	.name = "alerts follow",
	.alias = "follow",
	.usage = "alerts follow",
	.summary = "a stream of alert events until interrupted",
	.args = cmd_alerts_follow_args,
	.flags = CTL_CMD_READONLY | CTL_CMD_STREAM,
	.exec = cmd_alerts_follow_exec,
};

static enum ctl_ret
cmd_alerts_follow_exec(struct ctl_call *call)
{
	struct json_object *r;

	if (call->conn == NULL) {
		set_err(call, "only a socket connection can follow");
		return CTL_ERROR;
	}
	if (ctl_conn_follow(call->conn, call->env->follow_qlen) == -1) {
		set_err(call, "cannot follow alerts now");
		return CTL_ERROR;
	}
	r = json_object_new_object();
	json_object_object_add(r, "following", json_object_new_boolean(1));
	json_object_object_add(r, "queue", json_object_new_int(
	    (int)(call->env->follow_qlen ? call->env->follow_qlen :
	    CTL_FOLLOW_QLEN)));
	call->result = r;
	return CTL_STREAM;
}
