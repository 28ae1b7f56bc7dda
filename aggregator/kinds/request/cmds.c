/*
 * cmds.c: the request kind's control commands, listed for its
 * registration (kind.c, `.cmds`).
 */
#include <stddef.h>

#include "ctl.h"

extern const struct ctl_cmd ctl_cmd_requests;
extern const struct ctl_cmd ctl_cmd_request;

const struct ctl_cmd *const request_cmds[] = {
	&ctl_cmd_requests,
	&ctl_cmd_request,
	NULL
};
