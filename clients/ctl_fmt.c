/*
 * ctl_fmt.c: stratactl's formatters (see ctl_fmt.h).  Only presentation:
 * the JSON from the aggregator goes in, text comes out; `--json` bypasses
 * all of this and prints the aggregator's result as it is.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
		return (NULL);
	t->ncols = ncols;
	for (i = 0; i < ncols; i++)
		t->hdr[i] = strdup(headers[i]);
	return (t);
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
	return (n);
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

static int
is_null(struct json_object *v)
{
	return (v == NULL || json_object_is_type(v, json_type_null));
}

const char *
fmt_str(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || is_null(v))
		return ("-");
	return (json_object_get_string(v));
}

const char *
fmt_time(char *buf, size_t sz, struct json_object *ns)
{
	struct tm tm;
	time_t t;
	int64_t v;

	if (is_null(ns) || (v = json_object_get_int64(ns)) <= 0)
		return ("-");
	t = (time_t)(v / 1000000000LL);
	localtime_r(&t, &tm);
	strftime(buf, sz, "%Y-%m-%d %H:%M:%S", &tm);
	return (buf);
}

static const char *
dur_ms(char *buf, size_t sz, double ms)
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
	return (buf);
}

const char *
fmt_ago(char *buf, size_t sz, struct json_object *ns, int64_t now_ns)
{
	char d[32];
	int64_t v;

	if (is_null(ns) || (v = json_object_get_int64(ns)) <= 0)
		return ("-");
	if (now_ns < v)
		return ("now");
	snprintf(buf, sz, "%s ago", dur_ms(d, sizeof(d), (now_ns - v) / 1e6));
	return (buf);
}

const char *
fmt_ms(char *buf, size_t sz, struct json_object *ms)
{
	if (is_null(ms))
		return ("-");
	return (dur_ms(buf, sz, json_object_get_double(ms)));
}

static const char *
units(char *buf, size_t sz, double v, const char *suffix)
{
	static const char *u[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	int i = 0;

	while (v >= 1024 && i < 4) {
		v /= 1024;
		i++;
	}
	snprintf(buf, sz, i == 0 ? "%.0f %s%s" : "%.1f %s%s", v, u[i], suffix);
	return (buf);
}

const char *
fmt_bytes(char *buf, size_t sz, struct json_object *bytes)
{
	if (is_null(bytes))
		return ("-");
	return (units(buf, sz, json_object_get_double(bytes), ""));
}

const char *
fmt_rate(char *buf, size_t sz, struct json_object *bps)
{
	if (is_null(bps))
		return ("-");
	return (units(buf, sz, json_object_get_double(bps), "/s"));
}

const char *
fmt_num(char *buf, size_t sz, struct json_object *v)
{
	double d;

	if (is_null(v))
		return ("-");
	if (json_object_is_type(v, json_type_int))
		snprintf(buf, sz, "%lld", (long long)json_object_get_int64(v));
	else if (json_object_is_type(v, json_type_double)) {
		d = json_object_get_double(v);
		snprintf(buf, sz, d == floor(d) && fabs(d) < 1e15 ?
		    "%.0f" : "%.2f", d);
	} else
		snprintf(buf, sz, "%s", json_object_get_string(v));
	return (buf);
}

void
fmt_kv(FILE *f, struct json_object *obj, int indent)
{
	char buf[64];

	json_object_object_foreach(obj, key, val) {
		if (json_object_is_type(val, json_type_object)) {
			fprintf(f, "%*s%s:\n", indent, "", key);
			fmt_kv(f, val, indent + 2);
		} else if (json_object_is_type(val, json_type_array))
			fprintf(f, "%*s%s: %s\n", indent, "", key,
			    json_object_to_json_string_ext(val,
			    JSON_C_TO_STRING_PLAIN));
		else if (strcmp(key + (strlen(key) > 3 ? strlen(key) - 3 : 0),
		    "_ns") == 0 && !is_null(val) && json_object_get_int64(val) >
		    1000000000000000000LL)
			fprintf(f, "%*s%s: %s\n", indent, "", key,
			    fmt_time(buf, sizeof(buf), val));
		else
			fprintf(f, "%*s%s: %s\n", indent, "", key,
			    fmt_num(buf, sizeof(buf), val));
	}
}

/* A horizontal bar of v/max * width columns, in eighths. */
static void
bar(FILE *f, double frac, unsigned width)
{
	static const char *eighths[] = { "", "▏", "▎", "▍", "▌", "▋", "▊", "▉" };
	unsigned full, i, used;
	int part;

	if (frac < 0)
		frac = 0;
	if (frac > 1)
		frac = 1;
	full = (unsigned)(frac * width);
	part = (int)((frac * width - full) * 8);
	for (i = 0; i < full; i++)
		fputs("█", f);
	used = full;
	if (part > 0 && full < width) {
		fputs(eighths[part], f);
		used++;
	}
	for (; used < width; used++)
		fputc(' ', f);
}

/*
 * Predicted downtime on a log scale: the limit is the '|' at column 10,
 * every 5 columns is a factor of 10 (so 20 columns is 100 x the limit).
 */
static void
downtime_bar(FILE *f, double ms, double limit)
{
	int n, i;

	n = (int)lround(10 + 5 * log10(ms > 0 ? ms / limit : 1e-3));
	if (n < 0)
		n = 0;
	for (i = 0; i < 21; i++) {
		if (i < n && i < 20)
			fputs(i == 10 ? "┃" : "█", f);
		else if (i == 10)
			fputs("|", f);
		else if (i == 20 && n > 20)
			fputc('>', f);
		else
			fputc(' ', f);
	}
}

void
fmt_plot_rounds(FILE *f, struct json_object *rounds, double limit_ms,
    unsigned width)
{
	struct json_object *r, *v;
	double max = 0, d, ms;
	size_t i, n;
	char buf[32];

	n = rounds != NULL ? json_object_array_length(rounds) : 0;
	if (n == 0) {
		fprintf(f, "  (no rounds)\n");
		return;
	}
	for (i = 0; i < n; i++) {
		r = json_object_array_get_idx(rounds, i);
		if (json_object_object_get_ex(r, "dirty_pages", &v) &&
		    !is_null(v) && (d = json_object_get_double(v)) > max)
			max = d;
	}
	fprintf(f, "%5s  %-*s %10s  %12s  %s %.0f ms\n", "round", width,
	    "dirty pages", "", "predicted", "log scale, | = limit", limit_ms);
	for (i = 0; i < n; i++) {
		r = json_object_array_get_idx(rounds, i);
		fprintf(f, "%5s  ", fmt_num(buf, sizeof(buf),
		    json_object_object_get(r, "n")));
		v = json_object_object_get(r, "dirty_pages");
		bar(f, is_null(v) || max <= 0 ? 0 :
		    json_object_get_double(v) / max, width);
		fprintf(f, " %10s  ", fmt_num(buf, sizeof(buf), v));
		v = json_object_object_get(r, "predicted_downtime_ms");
		if (is_null(v)) {
			fprintf(f, "%12s\n", "-");
			continue;
		}
		ms = json_object_get_double(v);
		fprintf(f, "%12s  ", dur_ms(buf, sizeof(buf), ms));
		downtime_bar(f, ms, limit_ms);
		fprintf(f, " %s\n", ms > limit_ms ? "over" : "ok");
	}
}

/* HH:MM:SS.mmm of an ns timestamp, local time. */
static const char *
clock_ms(char *buf, size_t sz, struct json_object *ns)
{
	struct tm tm;
	time_t t;
	int64_t v;

	if (is_null(ns) || (v = json_object_get_int64(ns)) <= 0)
		return ("-");
	t = (time_t)(v / 1000000000LL);
	localtime_r(&t, &tm);
	snprintf(buf, sz, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min,
	    tm.tm_sec, (int)(v % 1000000000LL / 1000000));
	return (buf);
}

static void
print_stages(FILE *f, struct json_object *stages)
{
	static const char *hdr[] = { "  STAGE", "START", "END", "DURATION" };
	struct fmt_table *t;
	struct json_object *s;
	const char *row[4];
	char b[3][64], name[64];
	size_t i, n;

	n = stages != NULL && json_object_is_type(stages, json_type_array) ?
	    json_object_array_length(stages) : 0;
	if (n == 0)
		return;
	t = fmt_table_new(4, hdr);
	fmt_table_right(t, 3);
	for (i = 0; i < n; i++) {
		s = json_object_array_get_idx(stages, i);
		snprintf(name, sizeof(name), "  %s", fmt_str(s, "name"));
		row[0] = name;
		row[1] = clock_ms(b[0], sizeof(b[0]),
		    json_object_object_get(s, "start_ns"));
		row[2] = clock_ms(b[1], sizeof(b[1]),
		    json_object_object_get(s, "end_ns"));
		row[3] = fmt_ms(b[2], sizeof(b[2]),
		    json_object_object_get(s, "duration_ms"));
		fmt_table_add(t, row);
	}
	fmt_table_print(t, f);
	fmt_table_free(t);
}

static void
print_rounds(FILE *f, struct json_object *rounds)
{
	static const char *hdr[] = { "ROUND", "DURATION", "DIRTY PAGES",
	    "DIRTY RATE", "PENDING", "BANDWIDTH", "SENT", "PRED. DOWNTIME",
	    "THROTTLE", "VERDICT" };
	static const char *num[] = { "n", "duration_ms", "dirty_pages",
	    "dirty_rate_bps", "pending_bytes", "bandwidth_bps", "bytes",
	    "predicted_downtime_ms", "throttle_pct", "verdict" };
	struct fmt_table *t;
	struct json_object *r;
	const char *row[10];
	char b[10][64];
	size_t i;
	int j;

	t = fmt_table_new(10, hdr);
	for (j = 0; j < 9; j++)
		fmt_table_right(t, (unsigned)j);
	for (i = 0; i < json_object_array_length(rounds); i++) {
		r = json_object_array_get_idx(rounds, i);
		for (j = 0; j < 10; j++) {
			struct json_object *v = json_object_object_get(r, num[j]);

			if (j == 1 || j == 7)
				row[j] = fmt_ms(b[j], sizeof(b[j]), v);
			else if (j == 3 || j == 5)
				row[j] = fmt_rate(b[j], sizeof(b[j]), v);
			else if (j == 4 || j == 6)
				row[j] = fmt_bytes(b[j], sizeof(b[j]), v);
			else
				row[j] = fmt_num(b[j], sizeof(b[j]), v);
		}
		fmt_table_add(t, row);
	}
	fmt_table_print(t, f);
	fmt_table_free(t);
}

static void
print_side(FILE *f, struct json_object *s)
{
	char b[3][64];
	const char *err = fmt_str(s, "error");

	fprintf(f, "\n%s on %s (side %s, QEMU pid %s)\n", fmt_str(s, "role"),
	    fmt_str(s, "node"), fmt_str(s, "id"), fmt_str(s, "vpid"));
	fprintf(f, "  state %s  outcome %s  verdict %s  total %s  "
	    "downtime %s\n", fmt_str(s, "state"), fmt_str(s, "outcome"),
	    fmt_str(s, "verdict"), fmt_ms(b[0], sizeof(b[0]),
	    json_object_object_get(s, "total_ms")), fmt_ms(b[1], sizeof(b[1]),
	    json_object_object_get(s, "downtime_ms")));
	fprintf(f, "  started %s  VM stopped %s  VM resumed %s\n",
	    clock_ms(b[0], sizeof(b[0]), json_object_object_get(s,
	    "started_ns")), clock_ms(b[1], sizeof(b[1]),
	    json_object_object_get(s, "vm_stop_ns")), clock_ms(b[2],
	    sizeof(b[2]), json_object_object_get(s, "vm_resume_ns")));
	if (strcmp(err, "-") != 0)
		fprintf(f, "  error: %s\n", err);
	print_stages(f, json_object_object_get(s, "stages"));
}

void
fmt_migration(FILE *f, struct json_object *m)
{
	struct json_object *sides, *s, *rounds, *v;
	char b[3][64];
	const char *err = fmt_str(m, "error");
	double limit;
	size_t i, n;

	fprintf(f, "migration %s\n", fmt_str(m, "id"));
	fprintf(f, "  VM %s (%s)  %s -> %s\n", fmt_str(m, "vm_name"),
	    fmt_str(m, "vm_uuid"), fmt_str(m, "src_node"),
	    fmt_str(m, "dst_node"));
	fprintf(f, "  state %s  outcome %s  verdict %s  rounds %s\n",
	    fmt_str(m, "state"), fmt_str(m, "outcome"), fmt_str(m, "verdict"),
	    fmt_str(m, "rounds"));
	fprintf(f, "  started %s  total %s  downtime %s%s%s%s\n",
	    fmt_time(b[0], sizeof(b[0]), json_object_object_get(m,
	    "started_ns")), fmt_ms(b[1], sizeof(b[1]),
	    json_object_object_get(m, "total_ms")), fmt_ms(b[2], sizeof(b[2]),
	    json_object_object_get(m, "downtime_ms")),
	    strcmp(fmt_str(m, "downtime_basis"), "-") != 0 ? " (" : "",
	    strcmp(fmt_str(m, "downtime_basis"), "-") != 0 ?
	    fmt_str(m, "downtime_basis") : "",
	    strcmp(fmt_str(m, "downtime_basis"), "-") != 0 ? ")" : "");
	if (strcmp(err, "-") != 0)
		fprintf(f, "  error: %s\n", err);
	if (!json_object_object_get_ex(m, "sides", &sides) ||
	    (n = json_object_array_length(sides)) == 0) {
		fprintf(f, "  (no sides reported)\n");
		return;
	}
	for (i = 0; i < n; i++)
		print_side(f, json_object_array_get_idx(sides, i));
	for (i = 0; i < n; i++) {
		s = json_object_array_get_idx(sides, i);
		if (!json_object_object_get_ex(s, "rounds", &rounds) ||
		    !json_object_is_type(rounds, json_type_array) ||
		    json_object_array_length(rounds) == 0)
			continue;
		limit = 300;
		if (json_object_object_get_ex(s, "downtime_limit_ms", &v) &&
		    !is_null(v) && json_object_get_double(v) > 0)
			limit = json_object_get_double(v);
		fprintf(f, "\nrounds of the %s on %s\n", fmt_str(s, "role"),
		    fmt_str(s, "node"));
		print_rounds(f, rounds);
		fprintf(f, "\n");
		fmt_plot_rounds(f, rounds, limit, 40);
	}
}
