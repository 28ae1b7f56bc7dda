/*
 * cmd.h: what every control command file (aggregator/cmd/cmd_*.c and each
 * record kind's cmd_*.c) shares: reading its checked arguments, setting
 * its error, turning a store answer into its result.  The helpers are
 * static inline so a kind's library needs nothing of aggregator/cmd/ but
 * this header.
 */
#ifndef STRATA_CMD_H
#define STRATA_CMD_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

#include "ctl.h"

/* The arguments list of a command that takes none. */
#define CMD_ARGS_NONE	{ { NULL, 0, 0, NULL } }

/* A flag: 1 when given and true. */
static inline int
arg_bool(struct json_object *args, const char *name)
{
	struct json_object *v;

	return json_object_object_get_ex(args, name, &v) &&
	    json_object_get_boolean(v);
}

/* A string argument, NULL when not given. */
static inline const char *
arg_str(struct json_object *args, const char *name)
{
	struct json_object *v;

	if (!json_object_object_get_ex(args, name, &v))
		return NULL;
	return json_object_get_string(v);
}

/* An integer (or time) argument: 1 and *out when given, 0 otherwise. */
static inline int
arg_int(struct json_object *args, const char *name, int64_t *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(args, name, &v))
		return 0;
	*out = json_object_get_int64(v);
	return 1;
}

static inline void __attribute__((format(printf, 2, 3)))
set_err(struct ctl_call *call, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(call->err, sizeof(call->err), fmt, ap);
	va_end(ap);
}

/*
 * The store's answer becomes the result, or its error the message.  Call
 * the query first, then this: in from_store(call, store_q_x(&err), err)
 * err may be read before the query sets it (C leaves the order of
 * arguments unspecified), and the error said "store query failed".
 */
static inline enum ctl_ret
from_store(struct ctl_call *call, struct json_object *r, const char *err)
{
	if (r == NULL) {
		set_err(call, "%s", err != NULL ? err : "store query failed");
		return CTL_ERROR;
	}
	call->result = r;
	return CTL_DONE;
}

#endif
