/*
 * cmd_services.c: `services`, per service and operation: count, errors,
 * latency percentiles over every node; and the kind's command list.
 */
#include <stddef.h>

#include "svc_store.h"
#include "cmd.h"

static enum ctl_ret	cmd_services_exec(struct ctl_call *);

static const struct ctl_arg cmd_services_args[] = {
	{ "service",	CTL_ARG_STR,	0, "only this service (nova-compute)" },
	{ "operation",	CTL_ARG_STR,	0, "only this operation (volume.attach)" },
	{ NULL, 0, 0, NULL }
};

const struct ctl_cmd ctl_cmd_services = {
	.name = "services",
	.usage = "services [service:S] [operation:S]",
	.summary = "per service and operation: count, errors, p50/p90/p99",
	.args = cmd_services_args,
	.flags = CTL_CMD_READONLY,
	.exec = cmd_services_exec,
};

const struct ctl_cmd *const service_cmds[] = {
	&ctl_cmd_services,
	NULL
};

static enum ctl_ret
cmd_services_exec(struct ctl_call *call)
{
	struct json_object *r;
	const char *err = NULL;

	r = store_q_services(call->env->store,
	    arg_str(call->args, "service"), arg_str(call->args, "operation"),
	    &err);
	return from_store(call, r, err);
}
