/*
 * cmd_requests.c: `requests`, one row per request id across services and
 * nodes: newest first, or the slow ones slowest first, or the failed ones.
 */
#include <string.h>

#include "req_store.h"
#include "app_kind.h"
#include "cmd.h"

static enum ctl_ret	cmd_requests_exec(struct ctl_call *);

static const struct ctl_arg cmd_requests_args[] = {
	{ "slow",	CTL_ARG_BOOL,	0, "only those that took at least slow-ms, "
	    "slowest first" },
	{ "slow-ms",	CTL_ARG_INT,	0, "what slow is, in ms (default 1000)" },
	{ "failed",	CTL_ARG_BOOL,	0, "only those with status error" },
	{ "vm",		CTL_ARG_STR,	0, "that touched this instance uuid" },
	{ "operation",	CTL_ARG_STR,	0, "of this operation (instance.create)" },
	{ "since",	CTL_ARG_TIME,	0, "started at or after" },
	{ "limit",	CTL_ARG_INT,	0, "at most N (1..100000, default 1000)" },
	{ NULL, 0, 0, NULL }
};

const struct ctl_cmd ctl_cmd_requests = {
	.name = "requests",
	.usage = "requests [slow] [slow-ms:N] [failed] [vm:S] [operation:S] "
	    "[since:NS] [limit:N]",
	.summary = "requests across services and hosts, newest first",
	.args = cmd_requests_args,
	.flags = CTL_CMD_READONLY,
	.exec = cmd_requests_exec,
};

static enum ctl_ret
cmd_requests_exec(struct ctl_call *call)
{
	struct json_object *r;
	struct req_filter f;
	const char *err = NULL;
	int64_t v = 0;
	int have;

	memset(&f, 0, sizeof(f));
	f.slow = arg_bool(call->args, "slow");
	f.failed = arg_bool(call->args, "failed");
	f.vm = arg_str(call->args, "vm");
	f.operation = arg_str(call->args, "operation");
	if (arg_int(call->args, "slow-ms", &v)) {
		if (v < 0 || v > 86400000) {
			set_err(call, "slow-ms must be between 0 and 86400000");
			return CTL_ERROR;
		}
		f.slow = 1;
		f.slow_ms = v;
	}
	if (arg_int(call->args, "since", &v)) {
		if (v < 0) {
			set_err(call, "since must be ns since the epoch, >= 0");
			return CTL_ERROR;
		}
		f.since_ns = (uint64_t)v;
	}
	v = 0;
	have = arg_int(call->args, "limit", &v);
	if (app_limit(v, have, &f.limit) == -1) {
		set_err(call, "limit must be between 1 and %d", APP_LIST_MAX);
		return CTL_ERROR;
	}
	r = store_q_requests(call->env->store, &f, &err);
	return from_store(call, r, err);
}
