/*
 * cmds.c: the vm kind's control commands, listed for its registration
 * (kind.c, `.cmds`).
 */
#include <stddef.h>

#include "ctl.h"

extern const struct ctl_cmd ctl_cmd_vms;
extern const struct ctl_cmd ctl_cmd_vm;

const struct ctl_cmd *const vm_cmds[] = {
	&ctl_cmd_vms,
	&ctl_cmd_vm,
	NULL
};
