/*
 * cmd.c: the control socket's command table, as in tmux's cmd_table: the
 * generic commands (one file each, cmd_*.c) and then each record kind's
 * (agg_kind_table[i]->cmds, kind.h).  A command is found by its name or
 * its alias.  docs/control.md documents every command; keep them in step.
 */
#include <string.h>

#include "kind.h"
#include "ctl.h"

extern const struct ctl_cmd ctl_cmd_help;
extern const struct ctl_cmd ctl_cmd_status;
extern const struct ctl_cmd ctl_cmd_nodes;
extern const struct ctl_cmd ctl_cmd_alerts;
extern const struct ctl_cmd ctl_cmd_alerts_follow;
extern const struct ctl_cmd ctl_cmd_alert_ack;

static const struct ctl_cmd *const cmd_table[] = {
	&ctl_cmd_help,
	&ctl_cmd_status,
	&ctl_cmd_nodes,
	&ctl_cmd_alerts,
	&ctl_cmd_alerts_follow,
	&ctl_cmd_alert_ack,
	NULL
};

/* `help` and the errors name the argument types this way. */
static const char *const argtype_names[] = {
	[CTL_ARG_BOOL] = "bool",
	[CTL_ARG_INT] = "int",
	[CTL_ARG_STR] = "string",
	[CTL_ARG_ID] = "id",
	[CTL_ARG_TIME] = "time",
};

const char *
ctl_argtype_name(enum ctl_argtype t)
{
	if ((size_t)t >= sizeof(argtype_names) / sizeof(argtype_names[0]))
		return "?";
	return argtype_names[t];
}

const struct ctl_cmd *
ctl_cmd_at(size_t i)
{
	const struct ctl_cmd *const *c;
	size_t k;

	for (c = cmd_table; *c != NULL; c++)
		if (i-- == 0)
			return *c;
	for (k = 0; agg_kind_table[k] != NULL; k++) {
		if (agg_kind_table[k]->cmds == NULL)
			continue;
		for (c = agg_kind_table[k]->cmds; *c != NULL; c++)
			if (i-- == 0)
				return *c;
	}
	return NULL;
}

const struct ctl_cmd *
ctl_cmd_find(const char *name)
{
	const struct ctl_cmd *c;
	size_t i;

	for (i = 0; (c = ctl_cmd_at(i)) != NULL; i++) {
		if (strcmp(c->name, name) == 0 ||
		    (c->alias != NULL && strcmp(c->alias, name) == 0))
			return c;
	}
	return NULL;
}
