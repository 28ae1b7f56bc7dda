/*
 * ctl_harness.h: what the record kinds' tests share to check the CLI
 * contract: a control request handled in process (ctl_handle_line, as the
 * control socket would) and a check that a --json object has exactly the
 * members the contract names.  Include after ctl.h and tap.h.
 */
#ifndef CTL_HARNESS_H
#define CTL_HARNESS_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

/* One control request's result (the caller puts it), or NULL on an error. */
static inline struct json_object *
ctl_ask(struct ctl_env *env, const char *fmt, ...)
{
	struct json_object *resp, *res = NULL, *v;
	char *line;
	va_list ap;
	int streaming;

	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) == -1)
		abort();
	va_end(ap);
	resp = ctl_handle_line(env, NULL, line, strlen(line), &streaming);
	if (json_object_object_get_ex(resp, "ok", &v) &&
	    json_object_get_boolean(v) &&
	    json_object_object_get_ex(resp, "result", &v))
		res = json_object_get(v);
	else if (json_object_object_get_ex(resp, "error", &v))
		diag("  %s: %s", line, json_object_get_string(v));
	json_object_put(resp);
	free(line);
	return res;
}

/* Whether o has exactly the members of keys (comma-separated). */
static inline int
json_exactly(struct json_object *o, const char *keys)
{
	char buf[512], *p, *tok, *save;
	int n = 0;

	if (o == NULL || !json_object_is_type(o, json_type_object))
		return 0;
	snprintf(buf, sizeof(buf), "%s", keys);
	for (p = buf; (tok = strtok_r(p, ",", &save)) != NULL; p = NULL, n++)
		if (!json_object_object_get_ex(o, tok, NULL)) {
			diag("  no member %s", tok);
			return 0;
		}
	if (json_object_object_length(o) != n) {
		diag("  %d members, want %d: %s", json_object_object_length(o),
		    n, json_object_to_json_string(o));
		return 0;
	}
	return 1;
}

#endif
