/*
 * cmd_migration.c: `migration ID`, one migration with both its sides,
 * their stages and rounds.
 */
#include <stddef.h>

#include "mig_store.h"
#include "store.h"
#include "cmd.h"

static enum ctl_ret	cmd_migration_exec(struct ctl_call *);

static const struct ctl_arg cmd_migration_args[] = {
	{ "id",	CTL_ARG_ID, CTL_ARG_REQUIRED | CTL_ARG_POSITIONAL,
	    "a migration id, or the id of one of its sides" },
	{ NULL, 0, 0, NULL }
};

const struct ctl_cmd ctl_cmd_migration = {
	.name = "migration",
	.usage = "migration id:ID",
	.summary = "both sides, stages, rounds, plot",
	.args = cmd_migration_args,
	.flags = CTL_CMD_READONLY,
	.exec = cmd_migration_exec,
};

static enum ctl_ret
cmd_migration_exec(struct ctl_call *call)
{
	struct json_object *v, *r;
	const char *err = NULL;
	const char *id;

	json_object_object_get_ex(call->args, "id", &v);
	id = json_object_get_string(v);
	if (id == NULL || *id == '\0') {
		set_err(call, "id must not be empty");
		return CTL_ERROR;
	}
	r = store_q_migration(call->env->store, id, &err);
	if (r == NULL && err == NULL) {
		set_err(call, "no migration %.128s", id);
		return CTL_ERROR;
	}
	return from_store(call, r, err);
}
