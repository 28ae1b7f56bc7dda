/*
 * cmds.c: the migration kind's control commands, listed for its
 * registration (kind.c, `.cmds`); the command table (aggregator/cmd/cmd.c)
 * collects them after the generic ones.
 */
#include <stddef.h>

#include "ctl.h"

extern const struct ctl_cmd ctl_cmd_migrations;
extern const struct ctl_cmd ctl_cmd_migration;

const struct ctl_cmd *const migration_cmds[] = {
	&ctl_cmd_migrations,
	&ctl_cmd_migration,
	NULL
};
