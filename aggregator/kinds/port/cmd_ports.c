/*
 * cmd_ports.c: `ports` (port, MAC, IPs, device, binding host, status),
 * `networks` (with their subnets) and `routers`; and the kind's command
 * list.
 */
#include <string.h>

#include "port_store.h"
#include "cmd.h"

static enum ctl_ret	cmd_ports_exec(struct ctl_call *);
static enum ctl_ret	cmd_networks_exec(struct ctl_call *);
static enum ctl_ret	cmd_routers_exec(struct ctl_call *);

static const struct ctl_arg cmd_ports_args[] = {
	{ "device",	CTL_ARG_STR,	0, "of this device (instance uuid)" },
	{ "host",	CTL_ARG_STR,	0, "bound to this host" },
	{ "network",	CTL_ARG_STR,	0, "on this network id" },
	{ "live",	CTL_ARG_BOOL,	0, "without the deleted ones" },
	{ NULL, 0, 0, NULL }
};

const struct ctl_cmd ctl_cmd_ports = {
	.name = "ports",
	.usage = "ports [device:S] [host:S] [network:S] [live]",
	.summary = "Neutron ports: MAC, IPs, device, binding host",
	.args = cmd_ports_args,
	.flags = CTL_CMD_READONLY,
	.exec = cmd_ports_exec,
};

static const struct ctl_arg cmd_none_args[] = CMD_ARGS_NONE;

const struct ctl_cmd ctl_cmd_networks = {
	.name = "networks",
	.usage = "networks",
	.summary = "Neutron networks with their subnets",
	.args = cmd_none_args,
	.flags = CTL_CMD_READONLY,
	.exec = cmd_networks_exec,
};

const struct ctl_cmd ctl_cmd_routers = {
	.name = "routers",
	.usage = "routers",
	.summary = "Neutron routers: gateway, interfaces",
	.args = cmd_none_args,
	.flags = CTL_CMD_READONLY,
	.exec = cmd_routers_exec,
};

const struct ctl_cmd *const port_cmds[] = {
	&ctl_cmd_ports,
	&ctl_cmd_networks,
	&ctl_cmd_routers,
	NULL
};

static enum ctl_ret
cmd_ports_exec(struct ctl_call *call)
{
	struct json_object *r;
	struct port_filter f;
	const char *err = NULL;

	memset(&f, 0, sizeof(f));
	f.device = arg_str(call->args, "device");
	f.host = arg_str(call->args, "host");
	f.network = arg_str(call->args, "network");
	f.live = arg_bool(call->args, "live");
	r = store_q_ports(call->env->store, &f, &err);
	return from_store(call, r, err);
}

static enum ctl_ret
cmd_networks_exec(struct ctl_call *call)
{
	struct json_object *r;
	const char *err = NULL;

	r = store_q_networks(call->env->store, &err);
	return from_store(call, r, err);
}

static enum ctl_ret
cmd_routers_exec(struct ctl_call *call)
{
	struct json_object *r;
	const char *err = NULL;

	r = store_q_routers(call->env->store, &err);
	return from_store(call, r, err);
}
