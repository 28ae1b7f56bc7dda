/*
 * cmd_parse.c: the control socket's request parser, generic over the
 * command table (cmd.c): every malformed request (not JSON, not an object,
 * unknown command, unknown, mistyped or missing arguments) is answered with
 * an error object before any command runs, so a command sees only the
 * arguments it declared, of their declared type.  A request that is not
 * UTF-8 is refused before it is parsed, and a writing command that came
 * through the read-only socket is refused before it runs.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "utf8.h"
#include "ctl.h"

/* For the error messages: what an argument of each type must be. */
static const char *const argtype_desc[] = {
	[CTL_ARG_BOOL] = "a boolean",
	[CTL_ARG_INT] = "an integer",
	[CTL_ARG_STR] = "a string",
	[CTL_ARG_ID] = "a string or an integer",
	[CTL_ARG_TIME] = "an integer (ns since the epoch)",
};

struct json_object *
ctl_response_ok(struct json_object *result)
{
	struct json_object *r;

	r = json_object_new_object();
	json_object_object_add(r, "ok", json_object_new_boolean(1));
	json_object_object_add(r, "result", result);
	return r;
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
	/* A %.64s or the buffer's end may cut a character in two. */
	utf8_sanitize(msg);
	r = json_object_new_object();
	json_object_object_add(r, "ok", json_object_new_boolean(0));
	json_object_object_add(r, "error", json_object_new_string(msg));
	return r;
}

static int
arg_type_ok(struct json_object *v, enum ctl_argtype t)
{
	switch (t) {
	case CTL_ARG_BOOL:
		return json_object_is_type(v, json_type_boolean);
	case CTL_ARG_INT:
	case CTL_ARG_TIME:
		return json_object_is_type(v, json_type_int);
	case CTL_ARG_STR:
		return json_object_is_type(v, json_type_string);
	case CTL_ARG_ID:
		return json_object_is_type(v, json_type_string) ||
		    json_object_is_type(v, json_type_int);
	}
	return 0;
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
			return -1;
		}
		if (!arg_type_ok(val, a->type)) {
			snprintf(err, errsz, "%s: argument '%s' must be %s",
			    cmd->name, key, argtype_desc[a->type]);
			return -1;
		}
	}
	for (a = cmd->args; a->name != NULL; a++) {
		if ((a->flags & CTL_ARG_REQUIRED) &&
		    !json_object_object_get_ex(args, a->name, &v)) {
			snprintf(err, errsz, "%s: argument '%s' is required "
			    "(usage: %s)", cmd->name, a->name, cmd->usage);
			return -1;
		}
	}
	return 0;
}

/* Trims trailing white space (and the CR of a CRLF line). */
static size_t
trim_len(const char *line, size_t len)
{
	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' ' ||
	    line[len - 1] == '\t'))
		len--;
	return len;
}

static int
is_blank(const char *line, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t')
			return 0;
	return 1;
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
		return NULL;
	}
	if ((tok = json_tokener_new()) == NULL) {
		snprintf(err, errsz, "out of memory");
		return NULL;
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
		return NULL;
	}
	if (!is_blank(line + used, len - used)) {
		json_object_put(o);
		snprintf(err, errsz, "request is not JSON: trailing data "
		    "after the object at byte %zu", used);
		return NULL;
	}
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		snprintf(err, errsz, "request must be a JSON object "
		    "like {\"cmd\":\"status\"}");
		return NULL;
	}
	return o;
}

/*
 * The request's tag as the response echoes it: rebuilt value by value.
 * json-c keeps the text a double was parsed from and writes that text
 * back, and its tokener takes numbers JSON does not allow (-01.5, 7.), so
 * a tag echoed as it came made a response line that is not JSON.  A
 * rebuilt double is written as json-c writes any (%.17g: the same value).
 * NULL with *why set for a number that is not finite (NaN, Infinity: JSON
 * has no way to write them).  Depth is bounded by the tokener's.
 */
static struct json_object *
tag_copy(struct json_object *v, const char **why)
{
	struct json_object *c, *e;
	size_t i, n;
	double d;

	switch (json_object_get_type(v)) {
	case json_type_double:
		if (!isfinite(d = json_object_get_double(v))) {
			*why = "a number that is not finite";
			return NULL;
		}
		return json_object_new_double(d);
	case json_type_object:
		if ((c = json_object_new_object()) == NULL)
			break;
		json_object_object_foreach(v, key, val) {
			e = NULL;
			if (val != NULL && (e = tag_copy(val, why)) == NULL) {
				json_object_put(c);
				return NULL;
			}
			json_object_object_add(c, key, e);
		}
		return c;
	case json_type_array:
		if ((c = json_object_new_array()) == NULL)
			break;
		n = json_object_array_length(v);
		for (i = 0; i < n; i++) {
			e = json_object_array_get_idx(v, i);
			if (e != NULL && (e = tag_copy(e, why)) == NULL) {
				json_object_put(c);
				return NULL;
			}
			json_object_array_add(c, e);
		}
		return c;
	default:
		/* Strings, integers, booleans: json-c writes them its own way. */
		return json_object_get(v);
	}
	*why = "out of memory";
	return NULL;
}

struct json_object *
ctl_handle_line(const struct ctl_env *env, struct ctl_conn *conn,
    const char *line, size_t len, int *streaming)
{
	const struct ctl_cmd *cmd;
	struct json_object *req, *args = NULL, *tag = NULL, *resp, *v;
	struct ctl_call call;
	enum ctl_ret ret;
	const char *why = NULL;
	char err[512];
	size_t used;

	*streaming = 0;
	len = trim_len(line, len);
	if (is_blank(line, len))
		return NULL;
	/* Echoed bytes that are not UTF-8 would make the answer invalid JSON. */
	if ((used = utf8_valid(line, len)) != len)
		return ctl_response_error("request is not JSON: it is not "
		    "valid UTF-8 (byte %zu)", used);
	if ((req = parse_object(line, len, err, sizeof(err))) == NULL)
		return ctl_response_error("%s", err);

	json_object_object_foreach(req, key, val) {
		if (strcmp(key, "cmd") != 0 && strcmp(key, "args") != 0 &&
		    strcmp(key, "tag") != 0) {
			resp = ctl_response_error("unknown request member '%s' "
			    "(a request has cmd, args and tag)", key);
			goto out;
		}
		(void)val;
	}
	if (json_object_object_get_ex(req, "tag", &v) && v != NULL &&
	    (tag = tag_copy(v, &why)) == NULL) {
		resp = ctl_response_error("\"tag\" cannot be echoed: it holds "
		    "%s", why);
		goto out;
	}
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
	if (!(cmd->flags & CTL_CMD_READONLY) && ctl_conn_readonly(conn)) {
		resp = ctl_response_error("%s: not allowed on the read-only "
		    "control socket: it changes the aggregator's state (use "
		    "the control socket, group strata)", cmd->name);
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
	return resp;
}

/* The request's checks for callers without a request line (/api/). */
int
ctl_check_args(const struct ctl_cmd *cmd, struct json_object *args, char *err,
    size_t errsz)
{
	return check_args(cmd, args, err, errsz);
}
