/*
 * cmd_kernel.c: `disks` (every block device of every node: requests,
 * bytes, latency percentiles, source) and `threads [VM|MIGRATION]` (the
 * threads of a VM's QEMU over its last minute, of a migration's source
 * QEMU over the migration, or of the nodes: CPU time, run-queue wait,
 * switches, KVM exits, the busiest first), `cpus` (softirq and irq time
 * per CPU, the interfaces' packets); and the kind's command list.
 */
#include <stddef.h>

#include "kern_store.h"
#include "cmd.h"

static enum ctl_ret	cmd_disks_exec(struct ctl_call *);
static enum ctl_ret	cmd_threads_exec(struct ctl_call *);
static enum ctl_ret	cmd_cpus_exec(struct ctl_call *);

static const struct ctl_arg cmd_cpus_args[] = {
	{ "node",	CTL_ARG_STR,	0, "only this node's" },
	{ NULL, 0, 0, NULL }
};

const struct ctl_cmd ctl_cmd_cpus = {
	.name = "cpus",
	.usage = "cpus [node:NODE]",
	.summary = "per CPU softirq (network) and irq time, interfaces' packets",
	.args = cmd_cpus_args,
	.flags = CTL_CMD_READONLY,
	.exec = cmd_cpus_exec,
};

static const struct ctl_arg cmd_disks_args[] = {
	{ "node",	CTL_ARG_STR,	0, "only this node's devices" },
	{ NULL, 0, 0, NULL }
};

const struct ctl_cmd ctl_cmd_disks = {
	.name = "disks",
	.usage = "disks [node:NODE]",
	.summary = "block devices: requests, bytes, latency (kernel)",
	.args = cmd_disks_args,
	.flags = CTL_CMD_READONLY,
	.exec = cmd_disks_exec,
};

static const struct ctl_arg cmd_threads_args[] = {
	{ "subject",	CTL_ARG_ID,	CTL_ARG_POSITIONAL,
	    "a VM (uuid or name) or a migration id; none: every node's" },
	{ "node",	CTL_ARG_STR,	0, "only this node's threads" },
	{ "pid",	CTL_ARG_INT,	0, "only this process's threads" },
	{ "since",	CTL_ARG_TIME,	0, "samples from this time on" },
	{ "limit",	CTL_ARG_INT,	0, "at most this many threads (50)" },
	{ "series",	CTL_ARG_BOOL,	0, "each thread's samples: CPU and wait over time" },
	{ NULL, 0, 0, NULL }
};

const struct ctl_cmd ctl_cmd_threads = {
	.name = "threads",
	.usage = "threads [VM|MIGRATION] [node:NODE] [pid:N] [since:NS] [limit:N] [series]",
	.summary = "threads: CPU time, run-queue wait, switches, KVM exits",
	.args = cmd_threads_args,
	.flags = CTL_CMD_READONLY,
	.exec = cmd_threads_exec,
};

const struct ctl_cmd *const kernel_cmds[] = {
	&ctl_cmd_disks,
	&ctl_cmd_threads,
	&ctl_cmd_cpus,
	NULL
};

static enum ctl_ret
cmd_cpus_exec(struct ctl_call *call)
{
	struct json_object *r;
	const char *err = NULL;

	r = store_q_cpus(call->env->store,
	    arg_str(call->args, "node"), &err);
	return from_store(call, r, err);
}

static enum ctl_ret
cmd_disks_exec(struct ctl_call *call)
{
	struct json_object *r;
	const char *err = NULL;

	r = store_q_disks(call->env->store,
	    arg_str(call->args, "node"), &err);
	return from_store(call, r, err);
}

static enum ctl_ret
cmd_threads_exec(struct ctl_call *call)
{
	struct kern_filter f;
	struct json_object *r;
	const char *err = NULL;
	int64_t v;

	f.subject = arg_str(call->args, "subject");
	f.node = arg_str(call->args, "node");
	f.pid = arg_int(call->args, "pid", &v) == 1 ? v : -1;
	f.since_ns = arg_int(call->args, "since", &v) == 1 ? v : 0;
	f.limit = 50;
	f.series = arg_bool(call->args, "series");
	if (arg_int(call->args, "limit", &v) == 1) {
		if (v < 1 || v > 100000) {
			set_err(call, "limit must be from 1 to 100000");
			return CTL_ERROR;
		}
		f.limit = (unsigned)v;
	}
	if (f.subject != NULL && *f.subject == '\0')
		f.subject = NULL;
	r = store_q_threads(call->env->store, &f, &err);
	if (r == NULL && err == NULL) {
		set_err(call, "no VM or migration %.128s", f.subject);
		return CTL_ERROR;
	}
	return from_store(call, r, err);
}
