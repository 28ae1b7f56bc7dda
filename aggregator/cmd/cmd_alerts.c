/*
 * cmd_alerts.c: `alerts`, the newest alerts (1000 unless asked), oldest
 * first, all of them or only the firing ones.
 */
#include <stddef.h>

#include "store.h"
#include "cmd.h"

static enum ctl_ret	cmd_alerts_exec(struct ctl_call *);

static const struct ctl_arg cmd_alerts_args[] = {
	{ "firing",	CTL_ARG_BOOL,	0, "only the firing ones" },
	{ "all",	CTL_ARG_BOOL,	0, "every state (the default)" },
	{ "since",	CTL_ARG_TIME,	0, "raised at or after" },
	{ "limit",	CTL_ARG_INT,	0, "the newest N (1..10000, default 1000)" },
	{ NULL, 0, 0, NULL }
};

const struct ctl_cmd ctl_cmd_alerts = {
	.name = "alerts",
	.usage = "alerts [firing] [all] [since:NS] [limit:N]",
	.summary = "alerts, oldest first",
	.args = cmd_alerts_args,
	.flags = CTL_CMD_READONLY,
	.exec = cmd_alerts_exec,
};

static enum ctl_ret
cmd_alerts_exec(struct ctl_call *call)
{
	const char *err = NULL;
	struct json_object *r;
	int64_t since = 0, limit = 0;
	int firing;

	firing = arg_bool(call->args, "firing");
	/* A big list blocks the loop: the newest 1000 unless asked. */
	if (arg_int(call->args, "limit", &limit) &&
	    (limit < 1 || limit > 10000)) {
		set_err(call, "limit must be between 1 and 10000");
		return CTL_ERROR;
	}
	if (firing && arg_bool(call->args, "all")) {
		set_err(call, "firing and all exclude each other");
		return CTL_ERROR;
	}
	if (arg_int(call->args, "since", &since) && since < 0) {
		set_err(call, "since must be ns since the epoch, >= 0");
		return CTL_ERROR;
	}
	r = store_q_alerts(call->env->store, firing, (uint64_t)since,
	    (unsigned)limit, &err);
	return from_store(call, r, err);
}
