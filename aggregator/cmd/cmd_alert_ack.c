/*
 * cmd_alert_ack.c: `alert ack`, acknowledges a firing alert (the one
 * writing command).
 */
#include <stddef.h>

#include "store.h"
#include "cmd.h"

static enum ctl_ret	cmd_alert_ack_exec(struct ctl_call *);

static const struct ctl_arg cmd_alert_ack_args[] = {
	{ "id",	CTL_ARG_INT, CTL_ARG_REQUIRED | CTL_ARG_POSITIONAL,
	    "the alert's id (alerts lists it)" },
	{ NULL, 0, 0, NULL }
};

const struct ctl_cmd ctl_cmd_alert_ack = {
	.name = "alert ack",
	.alias = "ack",
	.usage = "alert ack id:N",
	.summary = "acknowledge a firing alert",
	.args = cmd_alert_ack_args,
	.flags = 0,
	.exec = cmd_alert_ack_exec,
};

static enum ctl_ret
cmd_alert_ack_exec(struct ctl_call *call)
{
	struct json_object *r;
	const char *err = NULL;
	int64_t id = 0;

	arg_int(call->args, "id", &id);
	if (store_alert_ack(call->env->store, id, &err) == -1) {
		set_err(call, "%s", err != NULL ? err :
		    "no such firing alert");
		return CTL_ERROR;
	}
	r = json_object_new_object();
	json_object_object_add(r, "acked", json_object_new_int64(id));
	call->result = r;
	return CTL_DONE;
}
