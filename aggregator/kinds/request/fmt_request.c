/*
 * fmt_request.c: stratactl's formatters of the request kind's commands:
 * the `requests` table and `request ID` (each node's part, then the tree
 * of what it caused, one line per node, and the diagnosis of its live
 * migration when it has one).  Compiled into stratactl
 * (clients/clients.mk), listed by request_fmts in its formatter table.
 */
#include <stdio.h>
#include <string.h>

#include "ctl_fmt.h"

#define ROUNDS_SHOWN	24	/* more: the first 4 and the last 16 */

/* The strings of a JSON array, comma-separated, into buf. */
static const char *
joined(char *buf, size_t sz, struct json_object *arr)
{
	size_t i, n, len = 0;

	buf[0] = '\0';
	if (arr == NULL || !json_object_is_type(arr, json_type_array) ||
	    (n = json_object_array_length(arr)) == 0)
		return "-";
	for (i = 0; i < n && len + 1 < sz; i++)
		len += (size_t)snprintf(buf + len, sz - len, "%s%s",
		    i ? "," : "", json_object_get_string(
		    json_object_array_get_idx(arr, i)));
	return buf;
}

static void
fmt_requests(FILE *f, struct json_object *r, const char *stream)
{
	static const char *hdr[] = { "REQUEST", "OPERATION", "STATUS",
	    "STARTED", "DURATION", "SERVICES", "HOSTS" };
	struct json_object *q;
	struct fmt_table *t;
	const char *row[7];
	char b[4][256];
	size_t i;

	t = fmt_table_new(7, hdr);
	fmt_table_right(t, 4);
	for (i = 0; i < json_object_array_length(r); i++) {
		q = json_object_array_get_idx(r, i);
		row[0] = fmt_str(q, "request_id");
		row[1] = fmt_str(q, "operation");
		row[2] = fmt_str(q, "status");
		row[3] = fmt_time(b[0], sizeof(b[0]), json_object_object_get(q,
		    "started_ns"));
		row[4] = fmt_ms(b[1], sizeof(b[1]), json_object_object_get(q,
		    "duration_ms"));
		row[5] = joined(b[2], sizeof(b[2]), json_object_object_get(q,
		    "services"));
		row[6] = joined(b[3], sizeof(b[3]), json_object_object_get(q,
		    "hosts"));
		fmt_table_add(t, row);
	}
	fmt_table_print(t, f);
	fmt_table_free(t);
}

static int
is(struct json_object *o, const char *key, const char *v)
{
	return strcmp(fmt_str(o, key), v) == 0;
}

/* What a tree node says beyond its name and times. */
static void
node_detail(FILE *f, struct json_object *t)
{
	struct json_object *api;
	char b[4][64];

	if (is(t, "kind", "round")) {
		fprintf(f, "  pending %s, dirty rate %s, bandwidth %s%s%s",
		    fmt_bytes(b[0], sizeof(b[0]), json_object_object_get(t,
		    "pending_bytes")), fmt_rate(b[1], sizeof(b[1]),
		    json_object_object_get(t, "dirty_rate_bps")),
		    fmt_rate(b[2], sizeof(b[2]), json_object_object_get(t,
		    "bandwidth_bps")), is(t, "verdict", "-") ? "" : ", ",
		    is(t, "verdict", "-") ? "" : fmt_str(t, "verdict"));
		return;
	}
	if (is(t, "kind", "qemu")) {
		fprintf(f, "  state %s, outcome %s, verdict %s (pid %s, "
		    "migration %s)", fmt_str(t, "state"), fmt_str(t, "outcome"),
		    fmt_str(t, "verdict"), fmt_str(t, "vpid"),
		    fmt_str(t, "migration_id"));
	} else if (is(t, "kind", "child")) {
		fprintf(f, "  %s on %s, %s (linked by %s)",
		    joined(b[0], sizeof(b[0]), json_object_object_get(t,
		    "services")), joined(b[1], sizeof(b[1]),
		    json_object_object_get(t, "hosts")), fmt_str(t, "status"),
		    fmt_str(t, "link"));
	} else if (!is(t, "kind", "stage")) {
		if (!is(t, "services", "-") &&
		    json_object_is_type(json_object_object_get(t, "services"),
		    json_type_array))
			fprintf(f, "  %s", joined(b[0], sizeof(b[0]),
			    json_object_object_get(t, "services")));
		if (!is(t, "host", "-"))
			fprintf(f, "%s on %s", is(t, "services", "-") ? " " : "",
			    fmt_str(t, "host"));
		if (!is(t, "status", "-"))
			fprintf(f, ", %s", fmt_str(t, "status"));
	}
	if (json_object_object_get_ex(t, "api", &api) && !fmt_is_null(api))
		fprintf(f, "  [%s %s -> %s, %s]", fmt_str(api, "method"),
		    fmt_str(api, "path"), fmt_str(api, "status"),
		    fmt_ms(b[3], sizeof(b[3]), json_object_object_get(api,
		    "duration_ms")));
	if (!is(t, "error", "-"))
		fprintf(f, "  error: %s", fmt_str(t, "error"));
}

static void
print_tree(FILE *f, struct json_object *t, const char *prefix, int last,
    int root)
{
	struct json_object *kids, *k;
	char b[2][64], sub[256];
	size_t i, n;

	if (!root)
		fprintf(f, "%s%s", prefix, last ? "└─ " : "├─ ");
	fprintf(f, "%s  %s  %s", fmt_str(t, "name"), fmt_clock_ms(b[0],
	    sizeof(b[0]), json_object_object_get(t, "start_ns")),
	    fmt_ms(b[1], sizeof(b[1]), json_object_object_get(t,
	    "duration_ms")));
	node_detail(f, t);
	fputc('\n', f);
	if (!json_object_object_get_ex(t, "children", &kids) ||
	    (n = json_object_array_length(kids)) == 0)
		return;
	snprintf(sub, sizeof(sub), "%s%s", prefix, root ? "" : last ? "   " :
	    "│  ");
	for (i = 0; i < n; i++) {
		k = json_object_array_get_idx(kids, i);
		if (n > ROUNDS_SHOWN && is(k, "kind", "round") && i >= 4 &&
		    i < n - 16) {
			if (i == 4)
				fprintf(f, "%s├─ ... %zu more rounds ...\n",
				    sub, n - 20);
			continue;
		}
		print_tree(f, k, sub, i + 1 == n, 0);
	}
}

static void
print_diagnosis(FILE *f, struct json_object *d)
{
	struct json_object *v;

	if (fmt_is_null(d))
		return;
	fprintf(f, "\ndiagnosis: %s\n", fmt_str(d, "summary"));
	if (!is(d, "text", "-"))
		fprintf(f, "  %s\n", fmt_str(d, "text"));
	if (json_object_object_get_ex(d, "advice", &v) && !fmt_is_null(v) &&
	    !is(v, "text", "-"))
		fprintf(f, "  to converge: %s\n", fmt_str(v, "text"));
}

static void
fmt_request(FILE *f, struct json_object *r, const char *stream)
{
	struct json_object *tree;
	char b[3][256];

	fprintf(f, "request %s  %s\n", fmt_str(r, "request_id"),
	    fmt_str(r, "operation"));
	fprintf(f, "  status %s  started %s  duration %s\n", fmt_str(r,
	    "status"), fmt_time(b[0], sizeof(b[0]), json_object_object_get(r,
	    "started_ns")), fmt_ms(b[1], sizeof(b[1]),
	    json_object_object_get(r, "duration_ms")));
	fprintf(f, "  services %s\n", joined(b[2], sizeof(b[2]),
	    json_object_object_get(r, "services")));
	fprintf(f, "  hosts %s\n", joined(b[2], sizeof(b[2]),
	    json_object_object_get(r, "hosts")));
	if (!is(r, "global_request_id", "-"))
		fprintf(f, "  made by request %s\n", fmt_str(r,
		    "global_request_id"));
	if (!is(r, "error", "-"))
		fprintf(f, "  error: %s\n", fmt_str(r, "error"));
	if (json_object_object_get_ex(r, "tree", &tree) && !fmt_is_null(tree)) {
		fputc('\n', f);
		print_tree(f, tree, "", 1, 1);
	}
	print_diagnosis(f, json_object_object_get(r, "diagnosis"));
}

const struct ctl_fmt request_fmts[] = {
	{ "requests",	fmt_requests },
	{ "request",	fmt_request },
	{ NULL, NULL }
};
