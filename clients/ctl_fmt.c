/*
 * ctl_fmt.c: stratactl's readable output (see ctl_fmt.h): tables, units,
 * and the formatters of the generic commands (status, nodes, alerts, alert
 * ack, the alert stream).  Only presentation: the JSON from the aggregator
 * goes in, text comes out; `--json` bypasses all of this and prints the
 * aggregator's result as it is.  A record kind's formatters live with the
 * kind (aggregator/kinds/KIND/fmt_KIND.c) and are listed in fmt_kinds[].
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "ctl_fmt.h"

struct fmt_table {
	unsigned	  ncols;
	char		 *hdr[FMT_MAXCOLS];
	int		  right[FMT_MAXCOLS];
	char		***rows;
	unsigned	  nrows, cap;
};

struct fmt_table *
fmt_table_new(unsigned ncols, const char *const *headers)
{
	struct fmt_table *t;
	unsigned i;

	if (ncols > FMT_MAXCOLS || (t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->ncols = ncols;
	for (i = 0; i < ncols; i++)
		t->hdr[i] = strdup(headers[i]);
	return t;
}

void
fmt_table_right(struct fmt_table *t, unsigned col)
{
	if (col < t->ncols)
		t->right[col] = 1;
}

void
fmt_table_add(struct fmt_table *t, const char *const *cells)
{
	char ***rows, **row;
	unsigned i;

	if (t->nrows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		if ((rows = realloc(t->rows, t->cap * sizeof(*rows))) == NULL)
			return;
		t->rows = rows;
	}
	if ((row = calloc(t->ncols, sizeof(*row))) == NULL)
		return;
	for (i = 0; i < t->ncols; i++)
		row[i] = strdup(cells[i] != NULL && *cells[i] != '\0' ?
		    cells[i] : "-");
	t->rows[t->nrows++] = row;
}

/* Terminal columns of a UTF-8 string: one per code point. */
static unsigned
ucols(const char *s)
{
	unsigned n = 0;

	for (; s != NULL && *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static void
print_cell(FILE *f, const char *s, unsigned w, int right, int last)
{
	unsigned n = ucols(s), pad = w > n ? w - n : 0;

	if (right)
		fprintf(f, "%*s%s", (int)pad, "", s);
	else if (last)
		fputs(s, f);
	else
		fprintf(f, "%s%*s", s, (int)pad, "");
}

void
fmt_table_print(struct fmt_table *t, FILE *f)
{
	unsigned w[FMT_MAXCOLS], i, r, n;

	for (i = 0; i < t->ncols; i++) {
		w[i] = ucols(t->hdr[i]);
		for (r = 0; r < t->nrows; r++)
			if ((n = ucols(t->rows[r][i])) > w[i])
				w[i] = n;
	}
	for (i = 0; i < t->ncols; i++) {
		print_cell(f, t->hdr[i], w[i], t->right[i], i + 1 == t->ncols);
		fputs(i + 1 == t->ncols ? "\n" : "  ", f);
	}
	for (r = 0; r < t->nrows; r++)
		for (i = 0; i < t->ncols; i++) {
			print_cell(f, t->rows[r][i], w[i], t->right[i],
			    i + 1 == t->ncols);
			fputs(i + 1 == t->ncols ? "\n" : "  ", f);
		}
}

void
fmt_table_free(struct fmt_table *t)
{
	unsigned i, r;

	if (t == NULL)
		return;
	for (r = 0; r < t->nrows; r++) {
		for (i = 0; i < t->ncols; i++)
			free(t->rows[r][i]);
		free(t->rows[r]);
	}
	for (i = 0; i < t->ncols; i++)
		free(t->hdr[i]);
	free(t->rows);
	free(t);
}

int
fmt_is_null(struct json_object *v)
{
	return v == NULL || json_object_is_type(v, json_type_null);
}

const char *
fmt_str(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || fmt_is_null(v))
		return "-";
	return json_object_get_string(v);
}

const char *
fmt_time(char *buf, size_t sz, struct json_object *ns)
{
	struct tm tm;
	time_t t;
	int64_t v;

	if (fmt_is_null(ns) || (v = json_object_get_int64(ns)) <= 0)
		return "-";
	t = (time_t)(v / 1000000000LL);
	localtime_r(&t, &tm);
	strftime(buf, sz, "%Y-%m-%d %H:%M:%S", &tm);
	return buf;
}

const char *
fmt_dur_ms(char *buf, size_t sz, double ms)
{
	if (ms < 1)
		snprintf(buf, sz, "%.2f ms", ms);
	else if (ms < 1000)
		snprintf(buf, sz, "%.1f ms", ms);
	else if (ms < 60000)
		snprintf(buf, sz, "%.2f s", ms / 1000);
	else if (ms < 3600000)
		snprintf(buf, sz, "%dm%02ds", (int)(ms / 60000),
		    (int)fmod(ms / 1000, 60));
	else
		snprintf(buf, sz, "%dh%02dm", (int)(ms / 3600000),
		    (int)fmod(ms / 60000, 60));
	return buf;
}

const char *
fmt_ago(char *buf, size_t sz, struct json_object *ns, int64_t now_ns)
{
	char d[32];
	int64_t v;

	if (fmt_is_null(ns) || (v = json_object_get_int64(ns)) <= 0)
		return "-";
	if (now_ns < v)
		return "now";
	snprintf(buf, sz, "%s ago", fmt_dur_ms(d, sizeof(d), (now_ns - v) / 1e6));
	return buf;
}

const char *
fmt_ms(char *buf, size_t sz, struct json_object *ms)
{
	if (fmt_is_null(ms))
		return "-";
	return fmt_dur_ms(buf, sz, json_object_get_double(ms));
}

const char *
fmt_units(char *buf, size_t sz, double v, const char *suffix)
{
	static const char *u[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	int i = 0;

	while (v >= 1024 && i < 4) {
		v /= 1024;
		i++;
	}
	snprintf(buf, sz, i == 0 ? "%.0f %s%s" : "%.1f %s%s", v, u[i], suffix);
	return buf;
}

const char *
fmt_bytes(char *buf, size_t sz, struct json_object *bytes)
{
	if (fmt_is_null(bytes))
		return "-";
	return fmt_units(buf, sz, json_object_get_double(bytes), "");
}

const char *
fmt_rate(char *buf, size_t sz, struct json_object *bps)
{
	if (fmt_is_null(bps))
		return "-";
	return fmt_units(buf, sz, json_object_get_double(bps), "/s");
}

const char *
fmt_num(char *buf, size_t sz, struct json_object *v)
{
	double d;

	if (fmt_is_null(v))
		return "-";
	if (json_object_is_type(v, json_type_int))
		snprintf(buf, sz, "%lld", (long long)json_object_get_int64(v));
	else if (json_object_is_type(v, json_type_double)) {
		d = json_object_get_double(v);
		snprintf(buf, sz, d == floor(d) && fabs(d) < 1e15 ?
		    "%.0f" : "%.2f", d);
	} else
		snprintf(buf, sz, "%s", json_object_get_string(v));
	return buf;
}

/* Whether an array holds objects only (and at least one). */
static int
fmt_objects(struct json_object *a)
{
	size_t i, n = json_object_array_length(a);

	for (i = 0; i < n; i++)
		if (!json_object_is_type(json_object_array_get_idx(a, i),
		    json_type_object))
			return 0;
	return n > 0;
}

void
fmt_kv(FILE *f, struct json_object *obj, int indent)
{
	char buf[64];
	size_t i;

	json_object_object_foreach(obj, key, val) {
		if (json_object_is_type(val, json_type_object)) {
			fprintf(f, "%*s%s:\n", indent, "", key);
			fmt_kv(f, val, indent + 2);
		} else if (json_object_is_type(val, json_type_array) &&
		    fmt_objects(val)) {
			/* One block per element (status: the Alertmanagers). */
			for (i = 0; i < json_object_array_length(val); i++) {
				fprintf(f, "%*s%s[%zu]:\n", indent, "", key, i);
				fmt_kv(f, json_object_array_get_idx(val, i),
				    indent + 2);
			}
		} else if (json_object_is_type(val, json_type_array))
			fprintf(f, "%*s%s: %s\n", indent, "", key,
			    json_object_to_json_string_ext(val,
			    JSON_C_TO_STRING_PLAIN |
			    JSON_C_TO_STRING_NOSLASHESCAPE));
		else if (strcmp(key + (strlen(key) > 3 ? strlen(key) - 3 : 0),
		    "_ns") == 0 && !fmt_is_null(val) && json_object_get_int64(val) >
		    1000000000000000000LL)
			fprintf(f, "%*s%s: %s\n", indent, "", key,
			    fmt_time(buf, sizeof(buf), val));
		else if (json_object_is_type(val, json_type_string))
			fprintf(f, "%*s%s: %s\n", indent, "", key,
			    json_object_get_string(val));	/* all of it */
		else
			fprintf(f, "%*s%s: %s\n", indent, "", key,
			    fmt_num(buf, sizeof(buf), val));
	}
}

/* HH:MM:SS.mmm of an ns timestamp, local time. */
const char *
fmt_clock_ms(char *buf, size_t sz, struct json_object *ns)
{
	struct tm tm;
	time_t t;
	int64_t v;

	if (fmt_is_null(ns) || (v = json_object_get_int64(ns)) <= 0)
		return "-";
	t = (time_t)(v / 1000000000LL);
	localtime_r(&t, &tm);
	snprintf(buf, sz, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min,
	    tm.tm_sec, (int)(v % 1000000000LL / 1000000));
	return buf;
}


/* The VM's name, or its uuid when it has none. */
const char *
fmt_vm(struct json_object *o)
{
	return strcmp(fmt_str(o, "vm_name"), "-") != 0 ? fmt_str(o, "vm_name") :
	    fmt_str(o, "vm_uuid");
}

/*
 * When an alert last changed and what it says now: a resolved alert gives
 * its resolution and when it was resolved, not the message it fired with
 * ("... is not converging") and its fire time.
 */
static const char *
alert_when_what(struct json_object *a, char *tbuf, size_t tsz, char *mbuf,
    size_t msz, const char **when)
{
	struct json_object *v;

	if (strcmp(fmt_str(a, "state"), "resolved") == 0 ||
	    strcmp(fmt_str(a, "event"), "resolved") == 0) {
		v = json_object_object_get(a, "resolved_ns");
		*when = fmt_time(tbuf, tsz, fmt_is_null(v) ?
		    json_object_object_get(a, "t_ns") : v);
		if (strcmp(fmt_str(a, "resolution"), "-") != 0)
			snprintf(mbuf, msz, "resolved: %s",
			    fmt_str(a, "resolution"));
		else
			snprintf(mbuf, msz, "resolved");
		return mbuf;
	}
	*when = fmt_time(tbuf, tsz, json_object_object_get(a, "t_ns"));
	return fmt_str(a, "message");
}

static void
fmt_status(FILE *f, struct json_object *r, const char *stream)
{
	fmt_kv(f, r, 0);
}

static void
fmt_nodes(FILE *f, struct json_object *r, const char *stream)
{
	static const char *hdr[] = { "NODE", "AGENT", "STATE", "LAST SEEN",
	    "EVENTS/S", "DISCARDED", "CLOCK OFFSET", "RECORDS" };
	struct json_object *n;
	struct fmt_table *t;
	char b[4][64];
	const char *row[8];
	int64_t now = clock_wall_ns();
	size_t i;

	t = fmt_table_new(8, hdr);
	fmt_table_right(t, 4);
	fmt_table_right(t, 5);
	fmt_table_right(t, 6);
	fmt_table_right(t, 7);
	for (i = 0; i < json_object_array_length(r); i++) {
		n = json_object_array_get_idx(r, i);
		row[0] = fmt_str(n, "name");
		row[1] = fmt_str(n, "agent_version");
		row[2] = json_object_get_boolean(json_object_object_get(n,
		    "stale")) ? "stale" : "up";
		row[3] = fmt_ago(b[0], sizeof(b[0]),
		    json_object_object_get(n, "last_seen_ns"), now);
		row[4] = fmt_num(b[1], sizeof(b[1]),
		    json_object_object_get(n, "events_per_s"));
		row[5] = fmt_num(b[2], sizeof(b[2]),
		    json_object_object_get(n, "discarded"));
		row[6] = fmt_ms(b[3], sizeof(b[3]),
		    json_object_object_get(n, "clock_offset_ms"));
		row[7] = fmt_str(n, "records");
		fmt_table_add(t, row);
	}
	fmt_table_print(t, f);
	fmt_table_free(t);
}

/* The text of the alert's advice, when a kind gave it one. */
static const char *
alert_advice(struct json_object *a)
{
	struct json_object *v;

	if (!json_object_object_get_ex(a, "advice", &v) || fmt_is_null(v) ||
	    strcmp(fmt_str(v, "text"), "-") == 0)
		return NULL;
	return fmt_str(v, "text");
}

static void
fmt_alerts(FILE *f, struct json_object *r, const char *stream)
{
	static const char *hdr[] = { "ID", "STATE", "SEVERITY", "NAME", "NODE",
	    "VM", "TIME", "MESSAGE" };
	struct json_object *a;
	struct fmt_table *t;
	const char *row[8];
	char tb[64], mb[256];
	size_t i;

	t = fmt_table_new(8, hdr);
	fmt_table_right(t, 0);
	for (i = 0; i < json_object_array_length(r); i++) {
		a = json_object_array_get_idx(r, i);
		row[0] = fmt_str(a, "id");
		row[1] = fmt_str(a, "state");
		row[2] = fmt_str(a, "severity");
		row[3] = fmt_str(a, "name");
		row[4] = fmt_str(a, "node");
		row[5] = fmt_vm(a);
		row[7] = alert_when_what(a, tb, sizeof(tb), mb, sizeof(mb),
		    &row[6]);
		fmt_table_add(t, row);
	}
	fmt_table_print(t, f);
	fmt_table_free(t);
	/* What a kind advises for a firing alert (docs/alerts.md, "advice"). */
	for (i = 0; i < json_object_array_length(r); i++) {
		a = json_object_array_get_idx(r, i);
		if (strcmp(fmt_str(a, "state"), "resolved") != 0 &&
		    alert_advice(a) != NULL)
			fprintf(f, "alert %s advice: %s\n", fmt_str(a, "id"),
			    alert_advice(a));
	}
}

/* One line per alert event of the stream; the start and end are generic. */
static void
fmt_alerts_follow(FILE *f, struct json_object *r, const char *stream)
{
	const char *ev = fmt_str(r, "event"), *when, *what;
	char tb[64], mb[256];

	if (stream == NULL || strcmp(stream, "start") == 0)
		return;
	if (strcmp(stream, "skipped") == 0) {
		fprintf(f, "... %s alerts skipped: this client read too "
		    "slowly\n", fmt_str(r, "skipped"));
		return;
	}
	what = alert_when_what(r, tb, sizeof(tb), mb, sizeof(mb), &when);
	fprintf(f, "%s  %-8s %-8s %-26s %-10s %-20s %s\n", when,
	    strcmp(ev, "-") != 0 ? ev : fmt_str(r, "state"),
	    fmt_str(r, "severity"), fmt_str(r, "name"), fmt_str(r, "node"),
	    fmt_vm(r), what);
	if (strcmp(ev, "resolved") != 0 && alert_advice(r) != NULL)
		fprintf(f, "    advice: %s\n", alert_advice(r));
}

static void
fmt_alert_ack(FILE *f, struct json_object *r, const char *stream)
{
	fprintf(f, "alert %s acknowledged\n", fmt_str(r, "acked"));
}

const struct ctl_fmt ctl_fmt_generic[] = {
	{ "status",		fmt_status },
	{ "nodes",		fmt_nodes },
	{ "alerts",		fmt_alerts },
	{ "alerts follow",	fmt_alerts_follow },
	{ "alert ack",		fmt_alert_ack },
	{ NULL, NULL }
};
