/*
 * cmd_help.c: `help`, the command table as data.  It describes everything
 * a client needs to build requests and print a usage (name, alias, usage,
 * summary, flags, and each argument's type, whether it is required and
 * whether stratactl takes it positionally), so stratactl keeps no table of
 * its own.  docs/control.md documents the shape.
 */
#include <stddef.h>

#include "cmd.h"

static enum ctl_ret	cmd_help_exec(struct ctl_call *);

static const struct ctl_arg cmd_help_args[] = CMD_ARGS_NONE;

const struct ctl_cmd ctl_cmd_help = {
	.name = "help",
	.usage = "help",
	.summary = "the commands and their arguments",
	.args = cmd_help_args,
	.flags = CTL_CMD_READONLY,
	.exec = cmd_help_exec,
};

static struct json_object *
arg_json(const struct ctl_arg *a)
{
	struct json_object *o;

	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(a->name));
	json_object_object_add(o, "type",
	    json_object_new_string(ctl_argtype_name(a->type)));
	json_object_object_add(o, "required",
	    json_object_new_boolean((a->flags & CTL_ARG_REQUIRED) != 0));
	json_object_object_add(o, "positional",
	    json_object_new_boolean((a->flags & CTL_ARG_POSITIONAL) != 0));
	if (a->summary != NULL)
		json_object_object_add(o, "summary",
		    json_object_new_string(a->summary));
	return o;
}

static enum ctl_ret
cmd_help_exec(struct ctl_call *call)
{
	const struct ctl_cmd *c;
	const struct ctl_arg *a;
	struct json_object *arr, *o, *args;
	size_t i;

	arr = json_object_new_array();
	for (i = 0; (c = ctl_cmd_at(i)) != NULL; i++) {
		o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(c->name));
		if (c->alias != NULL)
			json_object_object_add(o, "alias",
			    json_object_new_string(c->alias));
		json_object_object_add(o, "usage", json_object_new_string(c->usage));
		json_object_object_add(o, "summary",
		    json_object_new_string(c->summary != NULL ? c->summary : ""));
		json_object_object_add(o, "readonly", json_object_new_boolean(
		    (c->flags & CTL_CMD_READONLY) != 0));
		json_object_object_add(o, "stream", json_object_new_boolean(
		    (c->flags & CTL_CMD_STREAM) != 0));
		args = json_object_new_array();
		for (a = c->args; a->name != NULL; a++)
			json_object_array_add(args, arg_json(a));
		json_object_object_add(o, "args", args);
		json_object_array_add(arr, o);
	}
	call->result = arr;
	return CTL_DONE;
}
