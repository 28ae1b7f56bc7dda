/*
 * cmd_migrations.c: `migrations`, the migration kind's list command:
 * migrations newest first, filtered by state, VM, node and start time.
 */
#include <string.h>

#include "mig_store.h"
#include "store.h"
#include "cmd.h"

static enum ctl_ret	cmd_migrations_exec(struct ctl_call *);

static const struct ctl_arg cmd_migrations_args[] = {
	{ "active",	CTL_ARG_BOOL,	0, "only those without an outcome" },
	{ "failed",	CTL_ARG_BOOL,	0, "only failed, cancelled or rolled back" },
	{ "vm",		CTL_ARG_STR,	0, "of this VM (uuid or name)" },
	{ "node",	CTL_ARG_STR,	0, "from or to this node" },
	{ "since",	CTL_ARG_TIME,	0, "started at or after" },
	{ "limit",	CTL_ARG_INT,	0, "at most N (1..100000, default 1000)" },
	{ NULL, 0, 0, NULL }
};

const struct ctl_cmd ctl_cmd_migrations = {
	.name = "migrations",
	.usage = "migrations [active] [failed] [vm:S] [node:S] [since:NS] "
	    "[limit:N]",
	.summary = "migrations, newest first",
	.args = cmd_migrations_args,
	.flags = CTL_CMD_READONLY,
	.exec = cmd_migrations_exec,
};

static enum ctl_ret
cmd_migrations_exec(struct ctl_call *call)
{
	struct mig_filter f;
	const char *err = NULL;
	struct json_object *r;
	int64_t v;

	memset(&f, 0, sizeof(f));
	f.active = arg_bool(call->args, "active");
	f.failed = arg_bool(call->args, "failed");
	f.vm = arg_str(call->args, "vm");
	f.node = arg_str(call->args, "node");
	if (arg_int(call->args, "since", &v)) {
		if (v < 0) {
			set_err(call, "since must be ns since the epoch, >= 0");
			return CTL_ERROR;
		}
		f.since_ns = (uint64_t)v;
	}
	if (arg_int(call->args, "limit", &v)) {
		if (v < 1 || v > 100000) {
			set_err(call, "limit must be between 1 and 100000");
			return CTL_ERROR;
		}
		f.limit = (unsigned)v;
	}
	r = store_q_migrations(call->env->store, &f, &err);
	return from_store(call, r, err);
}
