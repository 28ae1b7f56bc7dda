/*
 * fmt_migration.c: stratactl's formatters of the migration kind's
 * commands: the `migrations` table and `migration ID` (both sides, their
 * stages and rounds with the model's prediction after each, and a
 * terminal plot of each side's rounds).  Compiled
 * into stratactl (clients/clients.mk), listed by migration_fmts in its
 * formatter table.
 *
 * The plot shows what the verdict decides on (docs/convergence.md): the
 * bytes still pending after each sync against QEMU's stop-and-copy
 * threshold (the side's threshold_bytes, else bandwidth x downtime limit,
 * as QEMU computes it), and the dirty rate against the bandwidth.  Not
 * dirty_pages: QEMU accumulates that over rate periods of at least a
 * second, so it says little about a single round.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ctl_fmt.h"

#define PLOT_COLS	21	/* columns of each bar; the mark is column 10 */

static void
fmt_migrations(FILE *f, struct json_object *r, const char *stream)
{
	static const char *hdr[] = { "ID", "VM", "SOURCE", "DESTINATION",
	    "STATE", "OUTCOME", "VERDICT", "ROUNDS", "DOWNTIME", "TOTAL",
	    "STARTED" };
	struct json_object *m;
	struct fmt_table *t;
	const char *row[11];
	char b[4][64];
	size_t i;

	t = fmt_table_new(11, hdr);
	fmt_table_right(t, 7);
	fmt_table_right(t, 8);
	fmt_table_right(t, 9);
	for (i = 0; i < json_object_array_length(r); i++) {
		m = json_object_array_get_idx(r, i);
		row[0] = fmt_str(m, "id");
		row[1] = fmt_vm(m);
		row[2] = fmt_str(m, "src_node");
		row[3] = fmt_str(m, "dst_node");
		row[4] = fmt_str(m, "state");
		row[5] = fmt_str(m, "outcome");
		row[6] = fmt_str(m, "verdict");
		row[7] = fmt_num(b[0], sizeof(b[0]), json_object_object_get(m,
		    "rounds"));
		row[8] = fmt_ms(b[1], sizeof(b[1]), json_object_object_get(m,
		    "downtime_ms"));
		row[9] = fmt_ms(b[2], sizeof(b[2]), json_object_object_get(m,
		    "total_ms"));
		row[10] = fmt_time(b[3], sizeof(b[3]), json_object_object_get(m,
		    "started_ns"));
		fmt_table_add(t, row);
	}
	fmt_table_print(t, f);
	fmt_table_free(t);
}

/* A positive number of obj's key, or 0. */
static double
num_of(struct json_object *obj, const char *key)
{
	struct json_object *v;
	double d;

	if (!json_object_object_get_ex(obj, key, &v) || fmt_is_null(v))
		return 0;
	d = json_object_get_double(v);
	return d > 0 && isfinite(d) ? d : 0;
}

/*
 * A bar of n of PLOT_COLS columns with the mark ('|', or '┃' under the
 * bar) at column 10 and '>' when it runs past the end.
 */
static void
marked_bar(FILE *f, int n)
{
	int i;

	if (n < 0)
		n = 0;
	for (i = 0; i < PLOT_COLS; i++) {
		if (i < n && i < PLOT_COLS - 1)
			fputs(i == 10 ? "┃" : "█", f);
		else if (i == 10)
			fputc('|', f);
		else if (i == PLOT_COLS - 1 && n > PLOT_COLS - 1)
			fputc('>', f);
		else
			fputc(' ', f);
	}
}

/* Log scale: the mark is v == ref, every 5 columns a factor of 10. */
static void
log_bar(FILE *f, double v, double ref)
{
	marked_bar(f, v <= 0 ? 0 : (int)lround(10 + 5 * log10(v / ref)));
}

/* Linear: the mark is v == ref, the end 2 x ref. */
static void
lin_bar(FILE *f, double v, double ref)
{
	marked_bar(f, (int)lround(10 * v / ref));
}

/*
 * The threshold QEMU stops the VM under: the side's threshold_bytes, else
 * its (or its last round's) bandwidth x the downtime limit.  0 if unknown.
 */
static double
side_threshold(struct json_object *side, struct json_object *rounds,
    double limit_ms, int *derived)
{
	double bw;
	size_t n;

	*derived = 0;
	if (num_of(side, "threshold_bytes") > 0)
		return num_of(side, "threshold_bytes");
	if (num_of(json_object_object_get(side, "evidence"),
	    "threshold_bytes") > 0)
		return num_of(json_object_object_get(side, "evidence"),
		    "threshold_bytes");
	*derived = 1;
	if ((bw = num_of(side, "bandwidth_bps")) == 0 &&
	    (n = json_object_array_length(rounds)) > 0)
		bw = num_of(json_object_array_get_idx(rounds, n - 1),
		    "bandwidth_bps");
	return bw * limit_ms / 1000;
}

static void
plot_rounds(FILE *f, struct json_object *side, struct json_object *rounds,
    double limit_ms)
{
	struct json_object *r;
	double thr, pend, rate, bw;
	char b[3][32];
	size_t i, n;
	int derived;

	n = json_object_array_length(rounds);
	thr = side_threshold(side, rounds, limit_ms, &derived);
	if (thr <= 0) {
		fprintf(f, "  (no threshold: neither threshold_bytes nor a "
		    "bandwidth)\n");
		return;
	}
	fmt_units(b[0], sizeof(b[0]), thr, "");
	fprintf(f, "pending bytes after each sync against the threshold %s%s\n"
	    "(log scale, | = threshold, 5 columns = x10); dirty rate against "
	    "the bandwidth (| = bandwidth)\n", b[0], derived ?
	    " (bandwidth x downtime limit)" : "");
	fprintf(f, "%5s  %-*s %10s  %-*s %10s / %-10s  %s\n", "round",
	    PLOT_COLS, "pending / threshold", "pending", PLOT_COLS,
	    "dirty rate / bw", "dirty rate", "bandwidth", "");
	for (i = 0; i < n; i++) {
		r = json_object_array_get_idx(rounds, i);
		pend = num_of(r, "pending_bytes");
		rate = num_of(r, "dirty_rate_bps");
		bw = num_of(r, "bandwidth_bps");
		fprintf(f, "%5s  ", fmt_num(b[0], sizeof(b[0]),
		    json_object_object_get(r, "n")));
		log_bar(f, pend, thr);
		fprintf(f, " %10s  ", fmt_bytes(b[0], sizeof(b[0]),
		    json_object_object_get(r, "pending_bytes")));
		if (bw > 0)
			lin_bar(f, rate, bw);
		else
			fprintf(f, "%*s", PLOT_COLS, "");
		fprintf(f, " %10s / %-10s  %s\n", fmt_rate(b[1], sizeof(b[1]),
		    json_object_object_get(r, "dirty_rate_bps")),
		    fmt_rate(b[2], sizeof(b[2]),
		    json_object_object_get(r, "bandwidth_bps")),
		    fmt_is_null(json_object_object_get(r, "pending_bytes")) ?
		    "-" : pend > thr ? "over" : "ok");
	}
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
		row[1] = fmt_clock_ms(b[0], sizeof(b[0]),
		    json_object_object_get(s, "start_ns"));
		row[2] = fmt_clock_ms(b[1], sizeof(b[1]),
		    json_object_object_get(s, "end_ns"));
		row[3] = fmt_ms(b[2], sizeof(b[2]),
		    json_object_object_get(s, "duration_ms"));
		fmt_table_add(t, row);
	}
	fmt_table_print(t, f);
	fmt_table_free(t);
}

/*
 * The prediction after round n, from the side's `predictions` (its
 * migration record's: the store keeps rounds without them).
 */
static struct json_object *
pred_of(struct json_object *preds, struct json_object *round)
{
	struct json_object *p, *n = json_object_object_get(round, "n");
	size_t i, len;

	if (preds == NULL || !json_object_is_type(preds, json_type_array) ||
	    fmt_is_null(n))
		return NULL;
	len = json_object_array_length(preds);
	for (i = 0; i < len; i++) {
		p = json_object_array_get_idx(preds, i);
		if (json_object_get_int64(json_object_object_get(p, "n")) ==
		    json_object_get_int64(n))
			return p;
	}
	return NULL;
}

/*
 * The prediction columns: the ratio with its standard error, how sure the
 * model is that it never converges, the rounds left ("never" beyond the
 * model's horizon) and the time until the predicted end.
 */
static void
pred_cells(struct json_object *p, struct json_object *round, char b[4][64],
    const char *row[4])
{
	struct json_object *v;
	double end, t;

	row[0] = row[1] = row[2] = row[3] = "-";
	if (p == NULL)
		return;
	if (!fmt_is_null(v = json_object_object_get(p, "est_ratio"))) {
		snprintf(b[0], sizeof(b[0]), "%.2f±%.2f%s",
		    json_object_get_double(v), json_object_get_double(
		    json_object_object_get(p, "est_ratio_se")),
		    json_object_get_boolean(json_object_object_get(p,
		    "est_adjusted")) ? "*" : "");
		row[0] = b[0];
	}
	if (!fmt_is_null(v = json_object_object_get(p, "p_never"))) {
		snprintf(b[1], sizeof(b[1]), "%.1f%%",
		    100 * json_object_get_double(v));
		row[1] = b[1];
		row[2] = "never";
	}
	if (!fmt_is_null(v = json_object_object_get(p,
	    "predicted_rounds_left")))
		row[2] = fmt_num(b[2], sizeof(b[2]), v);
	v = json_object_object_get(p, "predicted_end_ns");
	if (!fmt_is_null(v) && !fmt_is_null(json_object_object_get(round,
	    "t_ns"))) {
		end = json_object_get_double(v);
		t = json_object_get_double(json_object_object_get(round, "t_ns"));
		row[3] = fmt_dur_ms(b[3], sizeof(b[3]), end > t ?
		    (end - t) / 1e6 : 0);
	}
}

static void
print_rounds(FILE *f, struct json_object *rounds, struct json_object *preds)
{
	static const char *hdr[] = { "ROUND", "DURATION", "DIRTY PAGES",
	    "DIRTY RATE", "PENDING", "BANDWIDTH", "SENT", "PRED. DOWNTIME",
	    "THROTTLE", "VERDICT", "RATIO", "P(NEVER)", "LEFT", "ENDS IN" };
	static const char *num[] = { "n", "duration_ms", "dirty_pages",
	    "dirty_rate_bps", "pending_bytes", "bandwidth_bps", "bytes",
	    "predicted_downtime_ms", "throttle_pct", "verdict" };
	struct fmt_table *t;
	struct json_object *r;
	const char *row[14];
	char b[10][64], pb[4][64];
	size_t i;
	int j;

	t = fmt_table_new(14, hdr);
	for (j = 0; j < 14; j++)
		if (j != 9)
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
		pred_cells(pred_of(preds, r), r, pb, row + 10);
		fmt_table_add(t, row);
	}
	fmt_table_print(t, f);
	fmt_table_free(t);
}

/* The kernel under each round (the kernel kind): who waited for a CPU. */
static void
print_kernel(FILE *f, struct json_object *rounds)
{
	static const char *hdr[] = { "  ROUND", "MIGRATION THREAD CPU",
	    "WAIT", "WAIT %", "VCPUS CPU", "VCPUS WAIT", "KVM EXITS",
	    "CPU-BOUND", "SOURCE" };
	struct json_object *r, *k, *mt, *v, *x;
	struct fmt_table *t;
	const char *row[9];
	char b[8][64];
	double vc, vw;
	size_t i, j, n = 0;

	t = fmt_table_new(9, hdr);
	for (j = 0; j < 7; j++)
		fmt_table_right(t, (unsigned)j);
	for (i = 0; rounds != NULL && i < json_object_array_length(rounds); i++) {
		r = json_object_array_get_idx(rounds, i);
		if ((k = json_object_object_get(r, "kernel")) == NULL)
			continue;
		n++;
		mt = json_object_object_get(k, "migration_thread");
		vc = vw = 0;
		v = json_object_object_get(k, "vcpus");
		for (j = 0; v != NULL && j < json_object_array_length(v); j++) {
			x = json_object_array_get_idx(v, j);
			vc += json_object_get_double(json_object_object_get(x,
			    "cpu_ms"));
			vw += json_object_get_double(json_object_object_get(x,
			    "wait_ms"));
		}
		snprintf(b[0], sizeof(b[0]), "  %s", fmt_str(r, "n"));
		row[0] = b[0];
		row[1] = mt ? fmt_ms(b[1], sizeof(b[1]),
		    json_object_object_get(mt, "cpu_ms")) : "-";
		row[2] = mt ? fmt_ms(b[2], sizeof(b[2]),
		    json_object_object_get(mt, "wait_ms")) : "-";
		if (mt != NULL) {
			snprintf(b[3], sizeof(b[3]), "%.1f %%",
			    json_object_get_double(json_object_object_get(mt,
			    "wait_pct")));
			row[3] = b[3];
		} else
			row[3] = "-";
		row[4] = fmt_dur_ms(b[4], sizeof(b[4]), vc);
		row[5] = fmt_dur_ms(b[5], sizeof(b[5]), vw);
		row[6] = fmt_str(k, "kvm_exits");
		row[7] = json_object_get_boolean(json_object_object_get(k,
		    "cpu_bound")) ? "yes" : "no";
		row[8] = fmt_str(k, "source");
		fmt_table_add(t, row);
	}
	if (n > 0) {
		fprintf(f, "\n  kernel, per round:\n");
		fmt_table_print(t, f);
	}
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
	    fmt_clock_ms(b[0], sizeof(b[0]), json_object_object_get(s,
	    "started_ns")), fmt_clock_ms(b[1], sizeof(b[1]),
	    json_object_object_get(s, "vm_stop_ns")), fmt_clock_ms(b[2],
	    sizeof(b[2]), json_object_object_get(s, "vm_resume_ns")));
	if (strcmp(err, "-") != 0)
		fprintf(f, "  error: %s\n", err);
	print_stages(f, json_object_object_get(s, "stages"));
}

/*
 * The multi-layer link (mig_link.c): the Nova live migration above the
 * QEMU one, its phases with QEMU's between them, the diagnosis and what
 * would make it converge.
 */
static void
print_nova(FILE *f, struct json_object *m)
{
	static const char *hdr[] = { "  PHASE", "HOST", "START", "END",
	    "DURATION", "ERROR" };
	struct json_object *n, *ph, *p, *d, *a, *rb;
	struct fmt_table *t;
	const char *row[6];
	char b[3][64], name[64];
	size_t i;

	n = json_object_object_get(m, "nova");
	if (!fmt_is_null(n)) {
		fprintf(f, "\nNova live migration %s: request %s, %s -> %s, "
		    "outcome %s\n", fmt_str(n, "migration_key"),
		    fmt_str(n, "request_id"), fmt_str(n, "source_host"),
		    fmt_str(n, "dest_host"), fmt_str(n, "outcome"));
		if (strcmp(fmt_str(n, "completion_timeout_s"), "-") != 0)
			fprintf(f, "  completion timeout %s s\n",
			    fmt_str(n, "completion_timeout_s"));
		if (strcmp(fmt_str(n, "error"), "-") != 0)
			fprintf(f, "  error: %s\n", fmt_str(n, "error"));
	} else
		fprintf(f, "\n(no Nova live migration linked: no nova_migration "
		    "record of the instance in its time)\n");
	ph = json_object_object_get(m, "phases");
	if (ph != NULL && json_object_array_length(ph) > 0) {
		t = fmt_table_new(6, hdr);
		fmt_table_right(t, 4);
		for (i = 0; i < json_object_array_length(ph); i++) {
			p = json_object_array_get_idx(ph, i);
			snprintf(name, sizeof(name), "  %s%s", fmt_str(p, "name"),
			    strcmp(fmt_str(p, "name"), "qemu") == 0 ?
			    " (below)" : "");
			row[0] = name;
			row[1] = fmt_str(p, "host");
			row[2] = fmt_clock_ms(b[0], sizeof(b[0]),
			    json_object_object_get(p, "start_ns"));
			row[3] = fmt_clock_ms(b[1], sizeof(b[1]),
			    json_object_object_get(p, "end_ns"));
			row[4] = fmt_ms(b[2], sizeof(b[2]),
			    json_object_object_get(p, "duration_ms"));
			row[5] = fmt_str(p, "error");
			fmt_table_add(t, row);
		}
		fmt_table_print(t, f);
		fmt_table_free(t);
	}
	d = json_object_object_get(m, "diagnosis");
	if (!fmt_is_null(d)) {
		fprintf(f, "\ndiagnosis: %s\n  %s\n", fmt_str(d, "summary"),
		    fmt_str(d, "text"));
		rb = json_object_object_get(d, "rollback");
		if (!fmt_is_null(rb) && strcmp(fmt_str(rb,
		    "completion_timeout_s"), "-") != 0)
			fprintf(f, "  timeout that applied: %s s%s\n",
			    fmt_str(rb, "completion_timeout_s"),
			    json_object_get_boolean(json_object_object_get(rb,
			    "inferred")) ? " (inferred: no abort notification, "
			    "QEMU cancelled)" : "");
	}
	a = !fmt_is_null(d) ? json_object_object_get(d, "advice") : NULL;
	if (fmt_is_null(a))
		a = json_object_object_get(m, "advice");
	if (!fmt_is_null(a))
		fprintf(f, "  to converge: %s\n", fmt_str(a, "text"));
}

static void
fmt_migration(FILE *f, struct json_object *m, const char *stream)
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
	print_nova(f, m);
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
		    !fmt_is_null(v) && json_object_get_double(v) > 0)
			limit = json_object_get_double(v);
		fprintf(f, "\nrounds of the %s on %s\n", fmt_str(s, "role"),
		    fmt_str(s, "node"));
		print_rounds(f, rounds, json_object_object_get(s,
		    "predictions"));
		fprintf(f, "RATIO: pages dirtied per page sent (the estimate "
		    "after the round; * adjusted to a change), P(NEVER): that "
		    "it never reaches the threshold\n");
		print_kernel(f, rounds);
		fprintf(f, "\n");
		plot_rounds(f, s, rounds, limit);
	}
}

const struct ctl_fmt migration_fmts[] = {
	{ "migrations",	fmt_migrations },
	{ "migration",	fmt_migration },
	{ NULL, NULL }
};
