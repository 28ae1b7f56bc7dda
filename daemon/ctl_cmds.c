/*
 * ctl_cmds.c: the control socket's commands, one function each, in one
 * table (name, alias, usage, arguments, exec) as in tmux's cmd_table.  Also
 * the request parser: every malformed request (not JSON, not an object,
 * unknown command, bad arguments) is answered with an error object.
 * docs/control.md documents every command; keep the two in step.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "store.h"
#include "ctl.h"

static enum ctl_ret	cmd_help(struct ctl_call *);
static enum ctl_ret	cmd_status(struct ctl_call *);
static enum ctl_ret	cmd_nodes(struct ctl_call *);
static enum ctl_ret	cmd_migrations(struct ctl_call *);
static enum ctl_ret	cmd_migration(struct ctl_call *);
static enum ctl_ret	cmd_alerts(struct ctl_call *);
static enum ctl_ret	cmd_alerts_follow(struct ctl_call *);
static enum ctl_ret	cmd_alert_ack(struct ctl_call *);

static const struct ctl_arg args_none[] = { { NULL, 0, 0 } };
static const struct ctl_arg args_migrations[] = {
	{ "active",	CTL_ARG_BOOL,	0 },
	{ "failed",	CTL_ARG_BOOL,	0 },
	{ "vm",		CTL_ARG_STR,	0 },
	{ "node",	CTL_ARG_STR,	0 },
	{ "since",	CTL_ARG_INT,	0 },
	{ "limit",	CTL_ARG_INT,	0 },
	{ NULL, 0, 0 }
};
static const struct ctl_arg args_id[] = {
	{ "id",		CTL_ARG_ID,	1 },
	{ NULL, 0, 0 }
};
static const struct ctl_arg args_alerts[] = {
	{ "firing",	CTL_ARG_BOOL,	0 },
	{ "all",	CTL_ARG_BOOL,	0 },
	{ "since",	CTL_ARG_INT,	0 },
	{ "limit",	CTL_ARG_INT,	0 },
	{ NULL, 0, 0 }
};
static const struct ctl_arg args_ack[] = {
	{ "id",		CTL_ARG_INT,	1 },
	{ NULL, 0, 0 }
};

const struct ctl_cmd ctl_cmd_table[] = {
	{ "help", NULL, "help", args_none, cmd_help },
	{ "status", NULL, "status", args_none, cmd_status },
	{ "nodes", NULL, "nodes", args_none, cmd_nodes },
	{ "migrations", NULL,
	    "migrations [active] [failed] [vm:S] [node:S] [since:NS] [limit:N]",
	    args_migrations, cmd_migrations },
	{ "migration", NULL, "migration id:ID", args_id, cmd_migration },
	{ "alerts", NULL, "alerts [firing] [all] [since:NS] [limit:N]", args_alerts,
	    cmd_alerts },
	{ "alerts follow", "follow", "alerts follow", args_none,
	    cmd_alerts_follow },
	{ "alert ack", "ack", "alert ack id:N", args_ack, cmd_alert_ack },
	{ NULL, NULL, NULL, NULL, NULL }
};

static const char *argtype_names[] = {
	[CTL_ARG_BOOL] = "a boolean",
	[CTL_ARG_INT] = "an integer",
	[CTL_ARG_STR] = "a string",
	[CTL_ARG_ID] = "a string or an integer",
};

const struct ctl_cmd *
ctl_cmd_find(const char *name)
{
	const struct ctl_cmd *c;

	for (c = ctl_cmd_table; c->name != NULL; c++) {
		if (strcmp(c->name, name) == 0 ||
		    (c->alias != NULL && strcmp(c->alias, name) == 0))
			return (c);
	}
	return (NULL);
}

struct json_object *
ctl_response_ok(struct json_object *result)
{
	struct json_object *r;

	r = json_object_new_object();
	json_object_object_add(r, "ok", json_object_new_boolean(1));
	json_object_object_add(r, "result", result);
	return (r);
}

struct json_object *
ctl_response_error(const char *fmt, ...)
{
	struct json_object *r;
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r = json_object_new_object();
	json_object_object_add(r, "ok", json_object_new_boolean(0));
	json_object_object_add(r, "error", json_object_new_string(msg));
	return (r);
}

static int
arg_type_ok(struct json_object *v, enum ctl_argtype t)
{
	switch (t) {
	case CTL_ARG_BOOL:
		return (json_object_is_type(v, json_type_boolean));
	case CTL_ARG_INT:
		return (json_object_is_type(v, json_type_int));
	case CTL_ARG_STR:
		return (json_object_is_type(v, json_type_string));
	case CTL_ARG_ID:
		return (json_object_is_type(v, json_type_string) ||
		    json_object_is_type(v, json_type_int));
	}
	return (0);
}

/* Checks args against the command's list; fills err and returns -1 if bad. */
static int
check_args(const struct ctl_cmd *cmd, struct json_object *args, char *err,
    size_t errsz)
{
	const struct ctl_arg *a;
	struct json_object *v;

	json_object_object_foreach(args, key, val) {
		for (a = cmd->args; a->name != NULL; a++)
			if (strcmp(a->name, key) == 0)
				break;
		if (a->name == NULL) {
			snprintf(err, errsz, "%s: unknown argument '%s' "
			    "(usage: %s)", cmd->name, key, cmd->usage);
			return (-1);
		}
		if (!arg_type_ok(val, a->type)) {
			snprintf(err, errsz, "%s: argument '%s' must be %s",
			    cmd->name, key, argtype_names[a->type]);
			return (-1);
		}
	}
	for (a = cmd->args; a->name != NULL; a++) {
		if (a->required && !json_object_object_get_ex(args, a->name, &v)) {
			snprintf(err, errsz, "%s: argument '%s' is required "
			    "(usage: %s)", cmd->name, a->name, cmd->usage);
			return (-1);
		}
	}
	return (0);
}

static int
arg_bool(struct json_object *args, const char *name)
{
	struct json_object *v;

	return (json_object_object_get_ex(args, name, &v) &&
	    json_object_get_boolean(v));
}

static const char *
arg_str(struct json_object *args, const char *name)
{
	struct json_object *v;

	if (!json_object_object_get_ex(args, name, &v))
		return (NULL);
	return (json_object_get_string(v));
}

static int
arg_int(struct json_object *args, const char *name, int64_t *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(args, name, &v))
		return (0);
	*out = json_object_get_int64(v);
	return (1);
}

/* Trims trailing white space (and the CR of a CRLF line). */
static size_t
trim_len(const char *line, size_t len)
{
	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' ' ||
	    line[len - 1] == '\t'))
		len--;
	return (len);
}

static int
is_blank(const char *line, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t')
			return (0);
	return (1);
}

/* Parses one line as a JSON object; NULL with err filled otherwise. */
static struct json_object *
parse_object(const char *line, size_t len, char *err, size_t errsz)
{
	struct json_tokener *tok;
	struct json_object *o = NULL;
	enum json_tokener_error jerr;
	size_t used;

	if (memchr(line, '\0', len) != NULL) {
		snprintf(err, errsz, "request is not JSON: it contains a NUL byte");
		return (NULL);
	}
	if ((tok = json_tokener_new()) == NULL) {
		snprintf(err, errsz, "out of memory");
		return (NULL);
	}
	o = json_tokener_parse_ex(tok, line, (int)len);
	jerr = json_tokener_get_error(tok);
	used = json_tokener_get_parse_end(tok);
	if (o == NULL && jerr == json_tokener_continue) {
		/* The line ended: a bare number needs a terminator to end. */
		o = json_tokener_parse_ex(tok, " ", 1);
		jerr = json_tokener_get_error(tok);
	}
	json_tokener_free(tok);
	if (o == NULL || jerr != json_tokener_success) {
		json_object_put(o);
		snprintf(err, errsz, "request is not JSON: %s",
		    jerr == json_tokener_continue ? "unexpected end of line" :
		    json_tokener_error_desc(jerr));
		return (NULL);
	}
	if (!is_blank(line + used, len - used)) {
		json_object_put(o);
		snprintf(err, errsz, "request is not JSON: trailing data "
		    "after the object at byte %zu", used);
		return (NULL);
	}
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		snprintf(err, errsz, "request must be a JSON object "
		    "like {\"cmd\":\"status\"}");
		return (NULL);
	}
	return (o);
}

struct json_object *
ctl_handle_line(const struct ctl_env *env, struct ctl_conn *conn,
    const char *line, size_t len, int *streaming)
{
	const struct ctl_cmd *cmd;
	struct json_object *req, *args = NULL, *tag = NULL, *resp, *v;
	struct ctl_call call;
	enum ctl_ret ret;
	char err[512];

	*streaming = 0;
	len = trim_len(line, len);
	if (is_blank(line, len))
		return (NULL);
	if ((req = parse_object(line, len, err, sizeof(err))) == NULL)
		return (ctl_response_error("%s", err));

	json_object_object_foreach(req, key, val) {
		if (strcmp(key, "cmd") != 0 && strcmp(key, "args") != 0 &&
		    strcmp(key, "tag") != 0) {
			resp = ctl_response_error("unknown request member '%s' "
			    "(a request has cmd, args and tag)", key);
			goto out;
		}
		(void)val;
	}
	if (json_object_object_get_ex(req, "tag", &tag))
		json_object_get(tag);
	if (!json_object_object_get_ex(req, "cmd", &v) ||
	    !json_object_is_type(v, json_type_string)) {
		resp = ctl_response_error("request has no \"cmd\" string");
		goto out;
	}
	if ((cmd = ctl_cmd_find(json_object_get_string(v))) == NULL) {
		resp = ctl_response_error("unknown command '%.64s' (try help)",
		    json_object_get_string(v));
		goto out;
	}
	if (!json_object_object_get_ex(req, "args", &args) || args == NULL)
		args = json_object_new_object();
	else if (!json_object_is_type(args, json_type_object)) {
		args = NULL;
		resp = ctl_response_error("%s: \"args\" must be an object",
		    cmd->name);
		goto out;
	} else
		json_object_get(args);
	if (check_args(cmd, args, err, sizeof(err)) == -1) {
		resp = ctl_response_error("%s", err);
		goto out;
	}

	memset(&call, 0, sizeof(call));
	call.env = env;
	call.conn = conn;
	call.args = args;
	ret = cmd->exec(&call);
	if (ret == CTL_ERROR)
		resp = ctl_response_error("%s: %s", cmd->name,
		    call.err[0] != '\0' ? call.err : "failed");
	else {
		if (ret == CTL_STREAM) {
			*streaming = 1;
			resp = ctl_response_ok(call.result);
			json_object_object_add(resp, "stream",
			    json_object_new_string("start"));
		} else
			resp = ctl_response_ok(call.result);
	}
out:
	if (tag != NULL)
		json_object_object_add(resp, "tag", tag);
	json_object_put(args);
	json_object_put(req);
	return (resp);
}

static void
set_err(struct ctl_call *call, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(call->err, sizeof(call->err), fmt, ap);
	va_end(ap);
}

/* The store's answer becomes the result, or its error the message. */
static enum ctl_ret
from_store(struct ctl_call *call, struct json_object *r, const char *err)
{
	if (r == NULL) {
		set_err(call, "%s", err != NULL ? err : "store query failed");
		return (CTL_ERROR);
	}
	call->result = r;
	return (CTL_DONE);
}

static enum ctl_ret
cmd_help(struct ctl_call *call)
{
	const struct ctl_cmd *c;
	const struct ctl_arg *a;
	struct json_object *arr, *o, *args;

	arr = json_object_new_array();
	for (c = ctl_cmd_table; c->name != NULL; c++) {
		o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(c->name));
		if (c->alias != NULL)
			json_object_object_add(o, "alias",
			    json_object_new_string(c->alias));
		json_object_object_add(o, "usage", json_object_new_string(c->usage));
		args = json_object_new_object();
		for (a = c->args; a->name != NULL; a++)
			json_object_object_add(args, a->name,
			    json_object_new_string(argtype_names[a->type]));
		json_object_object_add(o, "args", args);
		json_object_array_add(arr, o);
	}
	call->result = arr;
	return (CTL_DONE);
}

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec);
}

static enum ctl_ret
cmd_status(struct ctl_call *call)
{
	const struct ctl_env *env = call->env;
	struct json_object *r, *agg;
	const char *err = NULL;
	int64_t now = now_ns();

	if ((r = store_q_status(env->store, &err)) == NULL)
		return (from_store(call, NULL, err));
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
	return (CTL_DONE);
}

static enum ctl_ret
cmd_nodes(struct ctl_call *call)
{
	const char *err = NULL;
	struct json_object *r;

	r = store_q_nodes(call->env->store, &err);
	return (from_store(call, r, err));
}

static enum ctl_ret
cmd_migrations(struct ctl_call *call)
{
	struct mig_filter f;
	const char *err = NULL;
	struct json_object *r;
	int64_t v;

	memset(&f, 0, sizeof(f));
	f.active = arg_bool(call->args, "active");
	f.failed = arg_bool(call->args, "failed");
	f.vm = arg_str(call->args, "vm");
	f.node = arg_str(call->args, "node");
	if (arg_int(call->args, "since", &v)) {
		if (v < 0) {
			set_err(call, "since must be ns since the epoch, >= 0");
			return (CTL_ERROR);
		}
		f.since_ns = (uint64_t)v;
	}
	if (arg_int(call->args, "limit", &v)) {
		if (v < 1 || v > 100000) {
			set_err(call, "limit must be between 1 and 100000");
			return (CTL_ERROR);
		}
		f.limit = (unsigned)v;
	}
	r = store_q_migrations(call->env->store, &f, &err);
	return (from_store(call, r, err));
}

static enum ctl_ret
cmd_migration(struct ctl_call *call)
{
	struct json_object *v, *r;
	const char *err = NULL;
	const char *id;

	json_object_object_get_ex(call->args, "id", &v);
	id = json_object_get_string(v);
	if (id == NULL || *id == '\0') {
		set_err(call, "id must not be empty");
		return (CTL_ERROR);
	}
	r = store_q_migration(call->env->store, id, &err);
	if (r == NULL && err == NULL) {
		set_err(call, "no migration %.128s", id);
		return (CTL_ERROR);
	}
	return (from_store(call, r, err));
}

static enum ctl_ret
cmd_alerts(struct ctl_call *call)
{
	const char *err = NULL;
	struct json_object *r;
	int64_t since = 0, limit = 0;
	int firing;

	firing = arg_bool(call->args, "firing");
	/* A big list blocks the loop: the newest 1000 unless asked. */
	if (arg_int(call->args, "limit", &limit) &&
	    (limit < 1 || limit > 10000)) {
		set_err(call, "limit must be between 1 and 10000");
		return (CTL_ERROR);
	}
	if (firing && arg_bool(call->args, "all")) {
		set_err(call, "firing and all exclude each other");
		return (CTL_ERROR);
	}
	if (arg_int(call->args, "since", &since) && since < 0) {
		set_err(call, "since must be ns since the epoch, >= 0");
		return (CTL_ERROR);
	}
	r = store_q_alerts(call->env->store, firing, (uint64_t)since,
	    (unsigned)limit, &err);
	return (from_store(call, r, err));
}

static enum ctl_ret
cmd_alerts_follow(struct ctl_call *call)
{
	struct json_object *r;

	if (call->conn == NULL) {
		set_err(call, "only a socket connection can follow");
		return (CTL_ERROR);
	}
	if (ctl_conn_follow(call->conn, call->env->follow_qlen) == -1) {
		set_err(call, "cannot follow alerts now");
		return (CTL_ERROR);
	}
	r = json_object_new_object();
	json_object_object_add(r, "following", json_object_new_boolean(1));
	json_object_object_add(r, "queue", json_object_new_int(
	    (int)(call->env->follow_qlen ? call->env->follow_qlen :
	    CTL_FOLLOW_QLEN)));
	call->result = r;
	return (CTL_STREAM);
}

static enum ctl_ret
cmd_alert_ack(struct ctl_call *call)
{
	struct json_object *r;
	const char *err = NULL;
	int64_t id = 0;

	arg_int(call->args, "id", &id);
	if (store_alert_ack(call->env->store, id, &err) == -1) {
		set_err(call, "%s", err != NULL ? err :
		    "no such firing alert");
		return (CTL_ERROR);
	}
	r = json_object_new_object();
	json_object_object_add(r, "acked", json_object_new_int64(id));
	call->result = r;
	return (CTL_DONE);
}
