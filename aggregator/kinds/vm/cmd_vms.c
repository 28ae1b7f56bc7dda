/*
 * cmd_vms.c: `vms`, the Nova instances with their states and host.
 */
#include <string.h>

#include "vm_store.h"
#include "app_kind.h"
#include "cmd.h"

static enum ctl_ret	cmd_vms_exec(struct ctl_call *);

static const struct ctl_arg cmd_vms_args[] = {
	{ "host",	CTL_ARG_STR,	0, "only those on this compute host" },
	{ "live",	CTL_ARG_BOOL,	0, "without the deleted ones" },
	{ "limit",	CTL_ARG_INT,	0, "at most N (1..100000, default 1000)" },
	{ NULL, 0, 0, NULL }
};

const struct ctl_cmd ctl_cmd_vms = {
	.name = "vms",
	.usage = "vms [host:S] [live] [limit:N]",
	.summary = "Nova instances: states, host, since when",
	.args = cmd_vms_args,
	.flags = CTL_CMD_READONLY,
	.exec = cmd_vms_exec,
};

static enum ctl_ret
cmd_vms_exec(struct ctl_call *call)
{
	struct json_object *r;
	struct vm_filter f;
	const char *err = NULL;
	int64_t v = 0;
	int have;

	memset(&f, 0, sizeof(f));
	f.host = arg_str(call->args, "host");
	f.live = arg_bool(call->args, "live");
	have = arg_int(call->args, "limit", &v);
	if (app_limit(v, have, &f.limit) == -1) {
		set_err(call, "limit must be between 1 and %d", APP_LIST_MAX);
		return CTL_ERROR;
	}
	r = store_q_vms(call->env->store, &f, &err);
	return from_store(call, r, err);
}
