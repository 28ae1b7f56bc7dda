/*
 * http_api.c: /api/, the control socket's read-only commands over HTTP
 * (docs/http.md).  GET /api/CMD?ARG=VALUE&... runs CMD in the process
 * (http_run(): only commands flagged CTL_CMD_READONLY, never a stream)
 * and answers its result as `stratactl --json CMD` prints it; a command
 * of two words is /api/A/B, and what follows the command in the path is
 * its first positional argument (/api/migration/cmp1/2345/17640...).
 * Query values take the argument's type: a bool is true, false, 1, 0 or
 * nothing (?active); an int a decimal integer; a time ns since the
 * epoch or a duration back from now (?since=10m).  Errors are
 * {"error": MESSAGE} with 400 (a bad argument), 403 (a writing
 * command), 404 (no such command or object).  /api/ lists the commands
 * served, as `help` describes them, each with its path.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "log.h"
#include "clock.h"
#include "jwrite.h"
#include "conf.h"
#include "ctl.h"
#include "http_int.h"

#define API_ARGS_MAX	16

static void
api_reply(struct agg_http *w, struct evhttp_request *req, int code,
    struct json_object *o)
{
	struct evbuffer *b;
	char *s;
	size_t n;

	if ((b = evbuffer_new()) == NULL || (s = jwrite_dup(o, &n)) == NULL) {
		if (b != NULL)
			evbuffer_free(b);
		httpd_error(w->h, req, 500, "out of memory");
		return;
	}
	evbuffer_add(b, s, n);
	free(s);
	evbuffer_add(b, "\n", 1);
	httpd_reply(w->h, req, code, "application/json", b);
	evbuffer_free(b);
}

static void
api_error(struct agg_http *w, struct evhttp_request *req, int code,
    const char *msg)
{
	struct json_object *o = json_object_new_object();

	w->api_errors++;
	json_object_object_add(o, "error", json_object_new_string(msg));
	api_reply(w, req, code, o);
	json_object_put(o);
}

/* A query value as the argument's type; NULL leaves it a string. */
static struct json_object *
api_value(const struct ctl_arg *a, const char *v)
{
	char *end;
	long long n;
	int64_t ms;

	switch (a->type) {
	case CTL_ARG_BOOL:
		if (*v == '\0' || strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
			return json_object_new_boolean(1);
		if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
			return json_object_new_boolean(0);
		break;
	case CTL_ARG_INT:
	case CTL_ARG_TIME:
		errno = 0;
		n = strtoll(v, &end, 10);
		if (*v != '\0' && *end == '\0' && errno == 0)
			return json_object_new_int64(n);
		if (a->type == CTL_ARG_TIME && conf_duration_ms(v, &ms) == 0)
			return json_object_new_int64(clock_wall_ns() -
			    ms * 1000000LL);
		break;
	default:
		break;
	}
	return json_object_new_string(v);
}

static const struct ctl_arg *
api_arg(const struct ctl_cmd *cmd, const char *name)
{
	const struct ctl_arg *a;

	for (a = cmd->args; a->name != NULL; a++)
		if (strcmp(a->name, name) == 0)
			return a;
	return NULL;
}

/*
 * The query string into args: "k=v" or "k" (a flag), '&'-separated,
 * %-encoded; -1 with err on a repeated argument or too many of them.
 */
static int
api_args(const struct ctl_cmd *cmd, struct evhttp_request *req,
    struct json_object *args, char *err, size_t errsz)
{
	static const struct ctl_arg any = { NULL, CTL_ARG_STR, 0, NULL };
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *q = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	const struct ctl_arg *a;
	char *copy, *item, *save = NULL, *eq, *k, *v;
	int n = 0, r = 0;

	if (q == NULL || *q == '\0')
		return 0;
	if ((copy = strdup(q)) == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	for (item = strtok_r(copy, "&", &save); item != NULL && r == 0;
	    item = strtok_r(NULL, "&", &save)) {
		if ((eq = strchr(item, '=')) != NULL)
			*eq = '\0';
		k = evhttp_uridecode(item, 1, NULL);
		v = evhttp_uridecode(eq != NULL ? eq + 1 : "", 1, NULL);
		if (k == NULL || v == NULL) {
			snprintf(err, errsz, "out of memory");
			r = -1;
		} else if (++n > API_ARGS_MAX ||
		    json_object_object_get_ex(args, k, NULL)) {
			snprintf(err, errsz, "%s: argument '%.64s' given twice, "
			    "or more than %d arguments", cmd->name, k,
			    API_ARGS_MAX);
			r = -1;
		} else {
			/* Unknown ones go in as strings: the check names them. */
			if ((a = api_arg(cmd, k)) == NULL)
				a = &any;
			json_object_object_add(args, k, api_value(a, v));
		}
		free(k);
		free(v);
	}
	free(copy);
	return r;
}

/* /api/: the commands served, as help has them, each with its path. */
static void
api_index(struct agg_http *w, struct evhttp_request *req)
{
	struct json_object *help, *out, *c, *v;
	char err[256], path[128], *p;
	size_t i;
	int code;

	if ((help = http_run(w, "help", NULL, &code, err, sizeof(err))) ==
	    NULL) {
		api_error(w, req, code, err);
		return;
	}
	out = json_object_new_array();
	for (i = 0; i < json_object_array_length(help); i++) {
		c = json_object_array_get_idx(help, i);
		if (!json_object_get_boolean(json_object_object_get(c,
		    "readonly")) || json_object_get_boolean(
		    json_object_object_get(c, "stream")))
			continue;
		json_object_object_get_ex(c, "name", &v);
		snprintf(path, sizeof(path), "/api/%s", json_object_get_string(v));
		for (p = path; *p != '\0'; p++)
			if (*p == ' ')
				*p = '/';
		json_object_object_add(c, "path", json_object_new_string(path));
		json_object_array_add(out, json_object_get(c));
	}
	json_object_put(help);
	api_reply(w, req, 200, out);
	json_object_put(out);
}

void
http_api(struct agg_http *w, struct evhttp_request *req, const char *path)
{
	const struct ctl_cmd *cmd = NULL;
	const struct ctl_arg *a;
	struct json_object *args, *r;
	const char *rest = NULL, *slash, *slash2;
	char name[128], err[512];
	int code;

	w->api_calls++;
	path += strspn(path, "/");
	if (*path == '\0') {
		api_index(w, req);
		return;
	}
	/* "a/b/rest" is the command "a b" when there is one, else "a". */
	if ((slash = strchr(path, '/')) != NULL) {
		slash2 = strchr(slash + 1, '/');
		snprintf(name, sizeof(name), "%.*s", (int)(slash2 != NULL ?
		    slash2 - path : (ptrdiff_t)strlen(path)), path);
		if ((size_t)(slash - path) < sizeof(name))
			name[slash - path] = ' ';
		if ((cmd = ctl_cmd_find(name)) != NULL)
			rest = slash2 != NULL ? slash2 + 1 : NULL;
	}
	if (cmd == NULL) {
		snprintf(name, sizeof(name), "%.*s", (int)(slash != NULL ?
		    slash - path : (ptrdiff_t)strlen(path)), path);
		rest = slash != NULL ? slash + 1 : NULL;
		if ((cmd = ctl_cmd_find(name)) == NULL) {
			snprintf(err, sizeof(err), "unknown command '%.64s' "
			    "(see /api/)", name);
			api_error(w, req, 404, err);
			return;
		}
	}
	args = json_object_new_object();
	if (api_args(cmd, req, args, err, sizeof(err)) == -1) {
		json_object_put(args);
		api_error(w, req, 400, err);
		return;
	}
	if (rest != NULL && *rest != '\0') {
		for (a = cmd->args; a->name != NULL; a++)
			if (a->flags & CTL_ARG_POSITIONAL)
				break;
		if (a->name == NULL || json_object_object_get_ex(args, a->name,
		    NULL)) {
			json_object_put(args);
			snprintf(err, sizeof(err), "%s: nothing to take "
			    "\"%.128s\" in the path", cmd->name, rest);
			api_error(w, req, 404, err);
			return;
		}
		json_object_object_add(args, a->name, api_value(a, rest));
	}
	r = http_run(w, cmd->name, args, &code, err, sizeof(err));
	json_object_put(args);
	if (r == NULL) {
		api_error(w, req, code, err);
		return;
	}
	api_reply(w, req, 200, r);
	json_object_put(r);
}
