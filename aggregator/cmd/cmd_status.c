/*
 * cmd_status.c: `status`, the store's counts plus the aggregator's own
 * section (version, protocol, pid, uptime, control socket and the caller's
 * counters).
 */
#include <unistd.h>

#include "clock.h"
#include "store.h"
#include "cmd.h"

static enum ctl_ret	cmd_status_exec(struct ctl_call *);

static const struct ctl_arg cmd_status_args[] = CMD_ARGS_NONE;

const struct ctl_cmd ctl_cmd_status = {
	.name = "status",
	.usage = "status",
	.summary = "the aggregator and its store",
	.args = cmd_status_args,
	.flags = CTL_CMD_READONLY,
	.exec = cmd_status_exec,
};

static enum ctl_ret
cmd_status_exec(struct ctl_call *call)
{
	const struct ctl_env *env = call->env;
	struct json_object *r, *agg;
	const char *err = NULL;
	int64_t now = clock_wall_ns();

	if ((r = store_q_status(env->store, &err)) == NULL)
		return from_store(call, NULL, err);
	if (!json_object_is_type(r, json_type_object)) {
		agg = r;
		r = json_object_new_object();
		json_object_object_add(r, "store", agg);
	}
	agg = json_object_new_object();
	json_object_object_add(agg, "version", json_object_new_string(
#ifdef STRATA_VERSION
	    STRATA_VERSION
#else
	    "unknown"
#endif
	    ));
	json_object_object_add(agg, "protocol",
	    json_object_new_int(CTL_PROTOCOL_VERSION));
	json_object_object_add(agg, "pid", json_object_new_int((int)getpid()));
	json_object_object_add(agg, "started_ns",
	    json_object_new_int64(env->started_ns));
	json_object_object_add(agg, "uptime_s",
	    json_object_new_int64((now - env->started_ns) / 1000000000LL));
	if (env->ctl != NULL)
		json_object_object_add(agg, "ctl", ctl_stats(env->ctl));
	if (env->status != NULL)
		env->status(env->status_arg, agg);
	json_object_object_add(r, "aggregator", agg);
	call->result = r;
	return CTL_DONE;
}
