/*
 * cmd_ovs.c: `ovs` (latency per node, bridge, port and path), `ovs hist
 * NODE PORT` (one histogram), `ovs flows` (upcall, install, delete and
 * reconfiguration counts and rates per node and bridge), `ovs locate
 * ADDR` (the OVS port, node, Neutron port and instance of a MAC or IP)
 * and `ovs vm2vm` (latency from a port on one node to a port on another,
 * from the sampled packets); and the kind's command list.
 */
#include <string.h>

#include "ovs_store.h"
#include "cmd.h"

static enum ctl_ret	cmd_ovs_exec(struct ctl_call *);
static enum ctl_ret	cmd_ovs_hist_exec(struct ctl_call *);
static enum ctl_ret	cmd_ovs_flows_exec(struct ctl_call *);
static enum ctl_ret	cmd_ovs_locate_exec(struct ctl_call *);
static enum ctl_ret	cmd_ovs_vm2vm_exec(struct ctl_call *);

static const struct ctl_arg cmd_ovs_args[] = {
	{ "node",	CTL_ARG_STR,	0, "of this node" },
	{ "bridge",	CTL_ARG_STR,	0, "of this bridge" },
	{ "port",	CTL_ARG_STR,	0, "of this port" },
	{ "since",	CTL_ARG_TIME,	0, "windows ending after this time (ns)" },
	{ NULL, 0, 0, NULL }
};

const struct ctl_cmd ctl_cmd_ovs = {
	.name = "ovs",
	.usage = "ovs [node:S] [bridge:S] [port:S] [since:T]",
	.summary = "Open vSwitch latency per node, bridge, port: fast, slow, total",
	.args = cmd_ovs_args,
	.flags = CTL_CMD_READONLY,
	.exec = cmd_ovs_exec,
};

static const struct ctl_arg cmd_ovs_hist_args[] = {
	{ "node",	CTL_ARG_STR, CTL_ARG_REQUIRED | CTL_ARG_POSITIONAL,
	    "the node" },
	{ "port",	CTL_ARG_STR, CTL_ARG_REQUIRED | CTL_ARG_POSITIONAL,
	    "the port" },
	{ "path",	CTL_ARG_STR,	0,
	    "fast, slow, total (default) or a component: receive, process, lookup, upcall, actions, send, execute, queue, handler, put" },
	{ "since",	CTL_ARG_TIME,	0, "windows ending after this time (ns)" },
	{ NULL, 0, 0, NULL }
};

const struct ctl_cmd ctl_cmd_ovs_hist = {
	.name = "ovs hist",
	.usage = "ovs hist node:S port:S [path:S] [since:T]",
	.summary = "one port's latency histogram",
	.args = cmd_ovs_hist_args,
	.flags = CTL_CMD_READONLY,
	.exec = cmd_ovs_hist_exec,
};

static const struct ctl_arg cmd_ovs_flows_args[] = {
	{ "node",	CTL_ARG_STR,	0, "of this node" },
	{ "bridge",	CTL_ARG_STR,	0, "of this bridge" },
	{ "since",	CTL_ARG_TIME,	0, "windows ending after this time (ns)" },
	{ NULL, 0, 0, NULL }
};

const struct ctl_cmd ctl_cmd_ovs_flows = {
	.name = "ovs flows",
	.usage = "ovs flows [node:S] [bridge:S] [since:T]",
	.summary = "upcalls, flow installs and deletes, reconfigurations, rates",
	.args = cmd_ovs_flows_args,
	.flags = CTL_CMD_READONLY,
	.exec = cmd_ovs_flows_exec,
};

static const struct ctl_arg cmd_ovs_locate_args[] = {
	{ "address",	CTL_ARG_STR, CTL_ARG_REQUIRED | CTL_ARG_POSITIONAL,
	    "a MAC or IP address" },
	{ NULL, 0, 0, NULL }
};

const struct ctl_cmd ctl_cmd_ovs_locate = {
	.name = "ovs locate",
	.usage = "ovs locate address:S",
	.summary = "the OVS port, node, Neutron port and instance of a MAC or IP",
	.args = cmd_ovs_locate_args,
	.flags = CTL_CMD_READONLY,
	.exec = cmd_ovs_locate_exec,
};

static const struct ctl_arg cmd_ovs_vm2vm_args[] = {
	{ "src",	CTL_ARG_STR,	0, "packets in from a port of this node" },
	{ "dst",	CTL_ARG_STR,	0, "packets out to a port of this node" },
	{ "since",	CTL_ARG_TIME,	0,
	    "samples after this time (ns; at most the last hour)" },
	{ NULL, 0, 0, NULL }
};

const struct ctl_cmd ctl_cmd_ovs_vm2vm = {
	.name = "ovs vm2vm",
	.usage = "ovs vm2vm [src:S] [dst:S] [since:T]",
	.summary = "latency from a port on one node to a port on another, sampled packets",
	.args = cmd_ovs_vm2vm_args,
	.flags = CTL_CMD_READONLY,
	.exec = cmd_ovs_vm2vm_exec,
};

const struct ctl_cmd *const ovs_cmds[] = {
	&ctl_cmd_ovs,
	&ctl_cmd_ovs_hist,
	&ctl_cmd_ovs_flows,
	&ctl_cmd_ovs_locate,
	&ctl_cmd_ovs_vm2vm,
	NULL
};

static void
filter_of(struct ctl_call *call, struct ovs_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->node = arg_str(call->args, "node");
	f->bridge = arg_str(call->args, "bridge");
	f->port = arg_str(call->args, "port");
	arg_int(call->args, "since", &f->since_ns);
}

static enum ctl_ret
cmd_ovs_exec(struct ctl_call *call)
{
	struct json_object *r;
	struct ovs_filter f;
	const char *err = NULL;

	filter_of(call, &f);
	r = store_q_ovs_latency(call->env->store, &f, &err);
	return from_store(call, r, err);
}

static enum ctl_ret
cmd_ovs_hist_exec(struct ctl_call *call)
{
	static const char *const paths[] = { "fast", "slow", "total",
	    "receive", "process", "lookup", "upcall", "actions", "send",
	    "execute", "queue", "handler", "put", NULL };
	struct json_object *r;
	const char *err = NULL, *path = arg_str(call->args, "path");
	int64_t since = 0;
	int i;

	if (path == NULL)
		path = "total";
	for (i = 0; paths[i] != NULL && strcmp(paths[i], path) != 0; i++)
		;
	if (paths[i] == NULL) {
		set_err(call, "path must be fast, slow, total or a component, "
		    "not '%s'", path);
		return CTL_ERROR;
	}
	arg_int(call->args, "since", &since);
	r = store_q_ovs_hist(call->env->store, arg_str(call->args, "node"),
	    arg_str(call->args, "port"), path, since, &err);
	return from_store(call, r, err);
}

static enum ctl_ret
cmd_ovs_flows_exec(struct ctl_call *call)
{
	struct json_object *r;
	struct ovs_filter f;
	const char *err = NULL;

	filter_of(call, &f);
	r = store_q_ovs_flows(call->env->store, &f, &err);
	return from_store(call, r, err);
}

static enum ctl_ret
cmd_ovs_locate_exec(struct ctl_call *call)
{
	struct json_object *r;
	const char *err = NULL, *a = arg_str(call->args, "address");

	if (a == NULL || *a == '\0') {
		set_err(call, "address must not be empty");
		return CTL_ERROR;
	}
	r = store_q_ovs_locate(call->env->store, a, &err);
	return from_store(call, r, err);
}

static enum ctl_ret
cmd_ovs_vm2vm_exec(struct ctl_call *call)
{
	struct json_object *r;
	const char *err = NULL;
	int64_t since = 0;

	arg_int(call->args, "since", &since);
	r = store_q_ovs_vm2vm(call->env->store, arg_str(call->args, "src"),
	    arg_str(call->args, "dst"), since, &err);
	return from_store(call, r, err);
}
