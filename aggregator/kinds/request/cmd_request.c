/*
 * cmd_request.c: `request ID`, one request: each node's part and the tree
 * of what it caused (API, conductor/scheduler, the computes, QEMU's
 * stages and rounds, the requests it made of Neutron and Cinder).
 */
#include <stddef.h>

#include "req_store.h"
#include "cmd.h"

static enum ctl_ret	cmd_request_exec(struct ctl_call *);

static const struct ctl_arg cmd_request_args[] = {
	{ "id",	CTL_ARG_ID, CTL_ARG_REQUIRED | CTL_ARG_POSITIONAL,
	    "a request id (req-...)" },
	{ NULL, 0, 0, NULL }
};

const struct ctl_cmd ctl_cmd_request = {
	.name = "request",
	.usage = "request id:ID",
	.summary = "one request: the tree of what it caused",
	.args = cmd_request_args,
	.flags = CTL_CMD_READONLY,
	.exec = cmd_request_exec,
};

static enum ctl_ret
cmd_request_exec(struct ctl_call *call)
{
	struct json_object *r;
	const char *err = NULL, *id = arg_str(call->args, "id");

	if (id == NULL || *id == '\0') {
		set_err(call, "id must not be empty");
		return CTL_ERROR;
	}
	r = store_q_request(call->env->store, id, &err);
	if (r == NULL && err == NULL) {
		set_err(call, "no request %.128s", id);
		return CTL_ERROR;
	}
	return from_store(call, r, err);
}
