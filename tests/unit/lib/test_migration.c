/*
 * test_migration.c: the migration analyzer on event sequences written by
 * hand and on the real QEMU 7.2 logs in tests/data/qemu-7.2 (parsed by
 * lib/qemu_log.c, exactly what strata-qemu-bridge sends through LTTng).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer.h"
#include "jwrite.h"
#include "migration.h"
#include "qemu_log.h"
#include "tap.h"

#define MAXREC	4096

struct run {
	void			*an;
	struct json_object	*recs[MAXREC];
	unsigned		 nrecs;
	struct mig_params	 params;
	struct vmreg		*vms;	/* the registry the analyzer shares */
	int			 batch;	/* flush only when told, as one agent batch */
};

/* A record as the agent writes it: its text, read back. */
static void
collect(void *arg, struct json_object *rec)
{
	struct run *r = arg;

	if (r->nrecs < MAXREC)
		r->recs[r->nrecs++] = json_tokener_parse(
		    json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PLAIN |
		    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(rec);
}

/*
 * The analyzer writes its records as text: each must be, byte for byte,
 * what json-c's writer gives for the tree json-c reads from it (the
 * members in their order, numbers as written, strings escaped as json-c
 * escapes them), as the tree-built records were.
 */
static unsigned text_n, text_bad;

static void
collect_text(void *arg, const char *text, size_t len)
{
	struct run *r = arg;
	struct json_object *o = json_tokener_parse(text);
	struct jbuf b = { NULL, 0, 0, 0 };

	text_n++;
	if (o == NULL || strlen(text) != len || jwrite(&b, o) == -1 ||
	    b.len != len || memcmp(b.p, text, len) != 0) {
		if (text_bad++ == 0)
			diag("not as json-c writes it: %.300s", text);
	}
	jbuf_free(&b);
	if (r->nrecs < MAXREC && o != NULL)
		r->recs[r->nrecs++] = o;
	else
		json_object_put(o);
}

static void
run_init(struct run *r, const struct mig_params *p)
{
	struct an_host host;

	memset(r, 0, sizeof(*r));
	memset(&host, 0, sizeof(host));
	host.node = "node-a";
	an_params_default(&an_migration_class, &r->params);
	if (p != NULL)
		r->params = *p;
	host.emit = collect;
	host.emit_text = collect_text;
	host.emit_arg = r;
	host.vms = r->vms = vmreg_create(0);
	r->an = an_migration_class.create(&host, &r->params);
}

static void
run_free(struct run *r)
{
	unsigned i;

	an_migration_class.destroy(r->an);
	vmreg_destroy(r->vms);
	for (i = 0; i < r->nrecs; i++)
		json_object_put(r->recs[i]);
}

static void
feed_ev(struct run *r, struct ev *ev)
{
	struct ev_plan plan;

	/* No class cache here: the plan comes from the event itself. */
	an_plan_from_event(&an_migration_class, ev, &plan);
	ev->code = plan.code;
	ev->plan = &plan;
	if (ev->code != AN_CODE_NONE)
		an_migration_class.event(r->an, ev);
	ev->plan = NULL;
	if (!r->batch)
		an_migration_class.flush(r->an);
}

/* "qemu:event k=v k=v": numbers become integers, the rest strings. */
static void
feed_on(struct run *r, int64_t vpid, int64_t vtid, int cpu, double t_s,
    const char *spec)
{
	static char buf[1024];
	struct ev ev;
	char *tok, *save, *eq, *end;
	long long v;

	memset(&ev, 0, sizeof(ev));
	snprintf(buf, sizeof(buf), "%s", spec);
	ev.vpid = vpid;
	ev.vtid = vtid;
	ev.cpu = cpu;
	ev.t_ns = (uint64_t)llround(t_s * 1e9);
	ev.name = strtok_r(buf, " ", &save);
	while ((tok = strtok_r(NULL, " ", &save)) != NULL) {
		if ((eq = strchr(tok, '=')) == NULL)
			continue;
		*eq++ = '\0';
		for (end = eq; *end; end++)
			if (*end == '_')
				*end = ' ';	/* "_" stands for a space */
		v = strtoll(eq, &end, 10);
		if (*eq != '\0' && *end == '\0')
			ev_add_int(&ev, tok, v);
		else
			ev_add_str(&ev, tok, eq);
	}
	feed_ev(r, &ev);
}

static void
feed(struct run *r, int64_t vpid, double t_s, const char *spec)
{
	feed_on(r, vpid, vpid, 0, t_s, spec);
}

static const char *
str(struct json_object *o, const char *k)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || v == NULL)
		return NULL;
	return json_object_get_string(v);
}

static double
num(struct json_object *o, const char *k)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || v == NULL)
		return -1;
	return json_object_get_double(v);
}

static int
isnull(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) && v == NULL;
}

/* The last `migration` record of the migration played by process vpid. */
static struct json_object *
last_mig(struct run *r, int64_t vpid)
{
	struct json_object *found = NULL;
	unsigned i;

	for (i = 0; i < r->nrecs; i++)
		if (strcmp(str(r->recs[i], "kind"), "migration") == 0 &&
		    num(r->recs[i], "vpid") == vpid)
			found = r->recs[i];
	return found;
}

static unsigned
count_alerts(struct run *r, const char *name, struct json_object **first)
{
	unsigned i, n = 0;

	for (i = 0; i < r->nrecs; i++)
		if (strcmp(str(r->recs[i], "kind"), "alert") == 0 &&
		    strcmp(str(r->recs[i], "name"), name) == 0) {
			if (n++ == 0 && first != NULL)
				*first = r->recs[i];
		}
	return n;
}

static unsigned
nrounds(struct json_object *mig)
{
	struct json_object *a;

	if (mig == NULL || !json_object_object_get_ex(mig, "rounds", &a))
		return 0;
	return (unsigned)json_object_array_length(a);
}

static double
round_field(struct json_object *mig, unsigned i, const char *k)
{
	struct json_object *a;

	json_object_object_get_ex(mig, "rounds", &a);
	return num(json_object_array_get_idx(a, i), k);
}

static int	play_log_at(struct run *, const char *, uint64_t *, double);

/* Replays one real QEMU log file through the parser into the analyzer. */
static int
play_log(struct run *r, const char *path, uint64_t *skipped)
{
	return play_log_at(r, path, skipped, 1);
}

/* The same, with the pace of a replay `speed` times faster. */
static int
play_log_at(struct run *r, const char *path, uint64_t *skipped, double speed)
{
	struct qemu_log_parser qp;
	struct ev ev;
	char line[4096];
	uint64_t t0 = 0;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		diag("cannot open %s", path);
		return -1;
	}
	qemu_log_parser_init(&qp);
	while (fgets(line, sizeof(line), f) != NULL) {
		memset(&ev, 0, sizeof(ev));
		if (qemu_log_parse(&qp, line, &ev) != QLOG_EVENT)
			continue;
		if (speed != 1 && ev.vpid > 0) {
			if (t0 == 0) {
				struct ev id;

				t0 = ev.t_ns;
				memset(&id, 0, sizeof(id));
				id.name = "strata:vm_identity";
				id.vpid = ev.vpid;
				id.t_ns = t0;
				ev_add_int(&id, "qemu_pid", ev.vpid);
				ev_add_str(&id, "vm_uuid", "");
				ev_add_int(&id, "speed_x1000", (int64_t)(speed * 1000));
				feed_ev(r, &id);
			}
			ev.t_ns = t0 + (uint64_t)((double)(ev.t_ns - t0) / speed);
		}
		feed_ev(r, &ev);
	}
	if (skipped != NULL)
		*skipped = qp.n_skipped;
	qemu_log_parser_free(&qp);
	fclose(f);
	return 0;
}

static char *
data(const char *rel)
{
	static char buf[1024];
	const char *top = getenv("top_srcdir");

	snprintf(buf, sizeof(buf), "%s/tests/data/qemu-7.2/%s", top ? top : "..", rel);
	return buf;
}

static void
test_real_conv_rounds(void)
{
	struct run r;
	struct json_object *src, *dst;
	static const int want[] = { 25076, 10807, 5115, 2805, 1220, 745 };
	unsigned i, ok_rounds = 1;

	run_init(&r, NULL);
	play_log(&r, data("conv-rounds/src.log"), NULL);
	play_log(&r, data("conv-rounds/dst.log"), NULL);
	an_migration_class.finish(r.an);
	src = last_mig(&r, 9112);
	dst = last_mig(&r, 9122);
	ok(src != NULL && dst != NULL, "conv-rounds: both sides reported");
	if (src == NULL || dst == NULL)
		goto out;
	is_str(str(src, "role"), "source", "conv-rounds: 9112 is the source");
	is_str(str(dst, "role"), "destination", "conv-rounds: 9122 is the destination");
	is_str(str(src, "outcome"), "completed", "conv-rounds: source completed");
	is_str(str(dst, "outcome"), "completed", "conv-rounds: destination completed");
	is_int(nrounds(src), 6, "conv-rounds: 6 rounds (8 syncs less setup and stop-and-copy)");
	for (i = 0; i < 6 && i < nrounds(src); i++)
		if ((int)round_field(src, i, "dirty_pages") != want[i]) {
			diag("round %u: dirty_pages %.0f, want %d", i + 1,
			    round_field(src, i, "dirty_pages"), want[i]);
			ok_rounds = 0;
		}
	ok(ok_rounds, "conv-rounds: dirty pages per round 25076 10807 5115 2805 1220 745 "
	    "(4025 reported in the same rate period as 2805)");
	ok(fabs(num(src, "downtime_ms") - 9) < 1.0,
	    "conv-rounds: downtime %.3f ms, QMP says 9", num(src, "downtime_ms"));
	ok(fabs(num(src, "total_ms") - 11737) < 2.0,
	    "conv-rounds: total %.1f ms, QMP says 11737", num(src, "total_ms"));
	is_int(count_alerts(&r, "migration.not_converging", NULL), 0,
	    "conv-rounds: no not_converging alert");
	is_int(count_alerts(&r, "migration.failed", NULL), 0, "conv-rounds: no failed alert");
	is_str(str(src, "verdict"), "converged", "conv-rounds: verdict converged");
	is_int(num(src, "dirty_syncs"), 8, "conv-rounds: 8 dirty syncs as QMP's dirty-sync-count");
	ok(num(dst, "vm_resume_ns") > 0, "conv-rounds: destination resume time known");
out:
	run_free(&r);
}

static void
test_real_nonconv_cancel(void)
{
	struct run r;
	struct json_object *src, *dst, *alert = NULL;
	double deciding;

	run_init(&r, NULL);
	play_log(&r, data("nonconv-cancel/src.log"), NULL);
	play_log(&r, data("nonconv-cancel/dst.log"), NULL);
	an_migration_class.finish(r.an);
	src = last_mig(&r, 8755);
	dst = last_mig(&r, 8765);
	ok(src != NULL && dst != NULL, "nonconv-cancel: both sides reported");
	if (src == NULL || dst == NULL)
		goto out;
	is_int(count_alerts(&r, "migration.not_converging", &alert), 1,
	    "nonconv-cancel: exactly one not_converging alert");
	/*
	 * Round 1 is the first pass; iterative round 2 is round 3, 23.68 s in
	 * (it was iterative round 3, 31.5 s in, before the rate model).
	 */
	deciding = round_field(src, 2, "t_ns");
	ok(alert != NULL && num(alert, "t_ns") >= deciding &&
	    num(alert, "t_ns") - deciding < 1e6 &&
	    fabs((deciding - num(src, "started_ns")) / 1e9 - 23.68) < 0.01,
	    "nonconv-cancel: alert at the end of iterative round 2 "
	    "(%.2f s into the migration)", alert ? (num(alert, "t_ns") -
	    num(src, "started_ns")) / 1e9 : 0);
	if (alert != NULL) {
		ok(strstr(str(alert, "message"), "predicted downtime") != NULL,
		    "nonconv-cancel: alert message gives the predicted downtime: %s",
		    str(alert, "message"));
		is_str(str(alert, "severity"), "warning", "nonconv-cancel: alert severity");
	} else {
		ok(0, "nonconv-cancel: alert message");
		ok(0, "nonconv-cancel: alert severity");
	}
	ok(num(src, "predicted_downtime_ms") > 5000,
	    "nonconv-cancel: predicted downtime %.0f ms (~260 MB at 33 MB/s)",
	    num(src, "predicted_downtime_ms"));
	is_str(str(src, "outcome"), "cancelled", "nonconv-cancel: source cancelled");
	is_str(str(src, "state"), "cancelled", "nonconv-cancel: state cancelled, "
	    "not changed by the later cancel and shutdown");
	ok(strcmp(str(src, "verdict"), "stalled") == 0 ||
	    strcmp(str(src, "verdict"), "diverging") == 0,
	    "nonconv-cancel: verdict %s", str(src, "verdict"));
	is_int(count_alerts(&r, "migration.failed", NULL), 2,
	    "nonconv-cancel: migration.failed for the cancel and the destination");
	is_str(str(dst, "outcome"), "failed", "nonconv-cancel: destination load failed");
	ok(str(dst, "errors") && strstr(str(dst, "errors"), "load of migration failed"),
	    "nonconv-cancel: destination error text kept: %s", str(dst, "errors"));
out:
	run_free(&r);
}

static void
test_real_dst_killed(void)
{
	struct run r;
	struct json_object *src;

	run_init(&r, NULL);
	play_log(&r, data("dst-killed/src.log"), NULL);
	an_migration_class.finish(r.an);
	src = last_mig(&r, 8932);
	ok(src != NULL, "dst-killed: source reported");
	if (src == NULL)
		goto out;
	is_str(str(src, "outcome"), "failed", "dst-killed: source failed");
	is_str(str(src, "error"), "Unable to write to socket: Broken pipe",
	    "dst-killed: QEMU's error text, as query-migrate's error-desc");
	is_int(count_alerts(&r, "migration.failed", NULL), 1, "dst-killed: one failed alert");
	is_int(count_alerts(&r, "migration.not_converging", NULL), 0,
	    "dst-killed: no not_converging alert after one round");
out:
	run_free(&r);
}

/*
 * Every real migration in tests/data/qemu-7.2, what QMP says happened and
 * what the model must say of it: docs/convergence.md has the same table.
 * Times are seconds since the migration started (migrate_set_state setup).
 */
static const struct real_case {
	const char	*dir;
	int64_t		 src, dst;	/* QEMU pids */
	const char	*outcome;	/* the source's, as QMP's status */
	const char	*verdict;	/* the source's last */
	unsigned	 rounds;
	unsigned	 alert_round;	/* of not_converging; 0: none */
	double		 alert_s;
	int		 resolved;	/* migration.converged after it */
	const char	*changes;	/* what changed, in order */
	double		 downtime_ms;	/* QMP's; <0: not completed */
	int		 never;		/* its last prediction: never */
} real_cases[] = {
	{ "conv-rounds", 9112, 9122, "completed", "converged", 6, 0, 0, 0,
	  "", 9, 0 },
	{ "nonconv-cancel", 8755, 8765, "cancelled", "stalled", 5, 3, 23.68, 0,
	  "", -1, 1 },
	{ "dst-killed", 8932, 8942, "failed", "stalled", 1, 0, 0, 0,
	  "", -1, 1 },
	{ "slow-conv", 20835, 20834, "completed", "converged", 31, 0, 0, 0,
	  "", 9, 0 },
	{ "barely-nonconv", 15579, 15578, "cancelled", "diverging", 11, 3, 10.27,
	  0, "", -1, 1 },
	{ "bw-raised", 1910, 1909, "completed", "converged", 13, 3, 24.03, 1,
	  "bandwidth", 14, 0 },
	{ "bw-lowered", 19269, 19268, "cancelled", "diverging", 10, 4, 11.92, 0,
	  "bandwidth", -1, 1 },
	{ "large-vm", 9834, 9833, "completed", "converged", 12, 0, 0, 0,
	  "", 33, 0 },
	{ "autoconv-timeout", 5951, 5950, "cancelled", "converging", 13, 3,
	  23.93, 0, "throttle throttle throttle throttle throttle throttle",
	  -1, 0 },
	{ "idle", 8026, 8025, "completed", "converged", 1, 0, 0, 0,
	  "", 12, 0 },
	{ "xbzrle-conv", 9879, 9878, "completed", "converged", 4, 0, 0, 0,
	  "", 4, 0 },
};
#define REAL_CHECKS	10	/* ok()s per case */

static int
same(const char *got, const char *want)
{
	return got != NULL && want != NULL && strcmp(got, want) == 0;
}

/* The kinds of a migration record's changes, space separated. */
static const char *
changes_of(struct json_object *mig, char *buf, size_t len)
{
	struct json_object *a;
	size_t i, off = 0;

	buf[0] = '\0';
	if (!json_object_object_get_ex(mig, "changes", &a) || a == NULL)
		return buf;
	for (i = 0; i < json_object_array_length(a) && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? " " : "",
		    str(json_object_array_get_idx(a, i), "what"));
	return buf;
}

/*
 * The first of the source's migration_round records, after the first
 * pass, whose estimate is the last one and predicts when it ends.
 */
static struct json_object *
first_end_prediction(struct run *r, const char *mid, double last_est)
{
	unsigned i;

	for (i = 0; i < r->nrecs; i++) {
		struct json_object *o = r->recs[i];

		if (strcmp(str(o, "kind"), "migration_round") != 0 ||
		    strcmp(str(o, "migration_id"), mid) != 0)
			continue;
		if (num(o, "n") >= 2 && num(o, "est_id") == last_est &&
		    num(o, "est_rounds") >= 1 && !isnull(o, "predicted_end_ns"))
			return o;
	}
	return NULL;
}

/* The highest p_never of the source's rounds. */
static double
max_p_never(struct run *r, const char *mid)
{
	double p = 0;
	unsigned i;

	for (i = 0; i < r->nrecs; i++) {
		struct json_object *o = r->recs[i];

		if (strcmp(str(o, "kind"), "migration_round") == 0 &&
		    strcmp(str(o, "migration_id"), mid) == 0 &&
		    num(o, "p_never") > p)
			p = num(o, "p_never");
	}
	return p;
}

static void
test_real_case(const struct real_case *c)
{
	struct run r;
	struct json_object *src, *alert = NULL, *pr;
	char path[256], buf[256];
	unsigned nalerts, i;
	double start, end, t, deciding, pend;

	run_init(&r, NULL);
	snprintf(path, sizeof(path), "%s/src.log", c->dir);
	play_log(&r, data(path), NULL);
	snprintf(path, sizeof(path), "%s/dst.log", c->dir);
	play_log(&r, data(path), NULL);
	an_migration_class.finish(r.an);
	if ((src = last_mig(&r, c->src)) == NULL || last_mig(&r, c->dst) == NULL) {
		for (i = 0; i < REAL_CHECKS; i++)
			ok(0, "%s: both sides are reported", c->dir);
		goto out;
	}
	start = num(src, "started_ns");
	end = num(src, "ended_ns");
	ok(same(str(src, "outcome"), c->outcome), "%s: source %s (QMP: %s)",
	    c->dir, str(src, "outcome"), c->outcome);
	ok(same(str(src, "verdict"), c->verdict), "%s: last verdict %s (want %s)",
	    c->dir, str(src, "verdict"), c->verdict);
	ok(nrounds(src) == c->rounds, "%s: %u rounds (want %u)", c->dir,
	    nrounds(src), c->rounds);
	nalerts = count_alerts(&r, "migration.not_converging", &alert);
	ok(nalerts == (c->alert_round ? 1u : 0u),
	    "%s: %u not_converging alerts (want %s)", c->dir, nalerts,
	    c->alert_round ? "one" : "none");
	if (c->alert_round == 0)
		ok(isnull(src, "alert_round") && !json_object_get_boolean(
		    json_object_object_get(src, "alerted")),
		    "%s: never alerted", c->dir);
	else {
		deciding = round_field(src, c->alert_round - 1, "t_ns");
		t = alert != NULL ? num(alert, "t_ns") : 0;
		ok(alert != NULL && t >= deciding && t - deciding < 1e6 &&
		    num(src, "alert_round") == c->alert_round &&
		    fabs((t - start) / 1e9 - c->alert_s) < 0.01,
		    "%s: alert at the end of round %u, %.2f s in (want %.2f s)",
		    c->dir, c->alert_round, (t - start) / 1e9, c->alert_s);
	}
	ok(count_alerts(&r, "migration.converged", NULL) == (unsigned)c->resolved,
	    "%s: %s", c->dir, c->resolved ? "migration.converged resolves "
	    "the alert" : "no migration.converged");
	ok(same(changes_of(src, buf, sizeof(buf)), c->changes),
	    "%s: changes of conditions: %s (want %s)", c->dir, buf,
	    *c->changes ? c->changes : "none");
	if (c->downtime_ms >= 0)
		ok(fabs(num(src, "downtime_ms") - c->downtime_ms) < 3,
		    "%s: downtime %.3f ms, QMP says %.0f", c->dir,
		    num(src, "downtime_ms"), c->downtime_ms);
	else
		ok(isnull(src, "downtime_ms"), "%s: no downtime", c->dir);
	/* What the model predicted for the end. */
	if (c->downtime_ms >= 0 && c->rounds >= 2) {
		pr = first_end_prediction(&r, str(src, "id"), num(src, "est_id"));
		pend = pr != NULL ? num(pr, "predicted_end_ns") : 0;
		ok(pr != NULL && fabs(pend - end) < 0.1 * (end - start),
		    "%s: after round %.0f it predicted the end %.2f s in, "
		    "%.0f rounds left; it ended %.2f s in, after %.0f more",
		    c->dir, pr ? num(pr, "n") : 0, (pend - start) / 1e9,
		    pr ? num(pr, "predicted_rounds_left") : 0,
		    (end - start) / 1e9, pr ? c->rounds - num(pr, "n") : 0);
	} else if (c->downtime_ms >= 0)
		ok(num(src, "predicted_rounds_left") == 0,
		    "%s: below the threshold after its first pass", c->dir);
	else if (c->never)
		ok(isnull(src, "predicted_rounds_left") &&
		    num(src, "p_never") >= 0.9,
		    "%s: its last prediction is never (p_never %.4f)", c->dir,
		    num(src, "p_never"));
	else
		ok(num(src, "predicted_rounds_left") > 0 &&
		    num(src, "p_never") < 0.05,
		    "%s: its last prediction is converging, %.0f rounds left",
		    c->dir, num(src, "predicted_rounds_left"));
	/* How far from an alert a migration that converges by itself stays. */
	if (c->alert_round == 0 && c->downtime_ms >= 0 &&
	    strcmp(c->dir, "xbzrle-conv") != 0)
		ok(max_p_never(&r, str(src, "id")) < 0.01,
		    "%s: p_never stays below 1 %% (at most %.4f)", c->dir,
		    max_p_never(&r, str(src, "id")));
	else if (c->alert_round != 0)
		ok(alert != NULL && strstr(str(alert, "message"),
		    "sure it never reaches the threshold") != NULL,
		    "%s: the alert says how sure: %s", c->dir,
		    alert ? str(alert, "message") : "-");
	else
		ok(1, "%s: no p_never margin to hold (at most %.4f)", c->dir,
		    max_p_never(&r, str(src, "id")));
out:
	run_free(&r);
}

static void
test_real_cases(void)
{
	size_t i;

	for (i = 0; i < sizeof(real_cases) / sizeof(real_cases[0]); i++)
		test_real_case(&real_cases[i]);
}

/*
 * A source migration, traced as QEMU 7.2 does at 32 MiB/s, whose rounds
 * leave pend_mb[i] MB to send: each round sends what the round before left
 * (at the cost of its pages: no compression, no zero pages) and the pages
 * it dirtied are what it leaves; the first pass sends the working set at
 * the pace of the second round.  dirty_pages sums over QEMU's rate
 * periods (reset at a sync more than 1 s after the period began).  From
 * round throttle_from + 1 on, QEMU throttles after each sync, 20 %, 30 %...
 */
static double
play_rounds(struct run *r, int64_t vpid, double t, const int *pend_mb, int n,
    int throttle_from)
{
	const double bw = 33554432;
	double sent, period;
	long long acc = 0;
	char buf[256];
	int i;

	feed(r, vpid, t, "qemu:migrate_set_state new_state=setup");
	feed(r, vpid, t += 0.001, "qemu:savevm_state_setup");
	feed(r, vpid, t += 0.001, "qemu:migration_bitmap_sync_end dirty_pages=0");
	period = t;
	feed(r, vpid, t += 0.001, "qemu:migrate_set_state new_state=active");
	feed(r, vpid, t += 0.001, "qemu:migrate_pending size=536870912 max=0 pre=536870912 compat=0 post=0");
	for (i = 0; i < n; i++) {
		sent = i > 0 ? pend_mb[i - 1] : n > 1 ?
		    (double)pend_mb[0] * pend_mb[0] / pend_mb[1] : pend_mb[0];
		sent *= 1048576;
		t += sent / bw;
		snprintf(buf, sizeof(buf), "qemu:migrate_transferred "
		    "tranferred=%.0f time_spent=100 bandwidth=33554 size=10066329",
		    sent);
		feed(r, vpid, t, buf);
		acc += pend_mb[i] * 256;
		snprintf(buf, sizeof(buf), "qemu:migration_bitmap_sync_end dirty_pages=%lld",
		    acc);
		feed(r, vpid, t += 0.001, buf);
		if (t > period + 1) {
			period = t;
			acc = 0;
		}
		if (throttle_from >= 0 && i >= throttle_from) {
			snprintf(buf, sizeof(buf), "qemu:cpu_throttle_set new_throttle_pct=%d",
			    20 + 10 * (i - throttle_from));
			feed(r, vpid, t += 0.0001, buf);
		}
		snprintf(buf, sizeof(buf), "qemu:migrate_pending size=%d max=10066329 pre=0 compat=0 post=0",
		    pend_mb[i] * 1048576);
		feed(r, vpid, t += 0.001, buf);
	}
	return t;
}

static double
play_completion(struct run *r, int64_t vpid, double t)
{
	feed(r, vpid, t += 0.01, "qemu:migration_thread_low_pending pending=4096");
	feed(r, vpid, t += 0.001, "qemu:vm_state_notify running=0 reason=7 reason_str=finish-migrate");
	feed(r, vpid, t += 0.001, "qemu:migration_completion_vm_stop ret=0");
	feed(r, vpid, t += 0.001, "qemu:savevm_state_complete_precopy");
	feed(r, vpid, t += 0.001, "qemu:migration_bitmap_sync_end dirty_pages=10");
	feed(r, vpid, t += 0.020, "qemu:migrate_set_state new_state=completed");
	return t;
}

/* Records kept so far are let go: a long migration makes more than MAXREC. */
static void
run_drop_records(struct run *r)
{
	unsigned i;

	for (i = 0; i < r->nrecs; i++)
		json_object_put(r->recs[i]);
	r->nrecs = 0;
}

/*
 * 5000 rounds: the migration keeps the latest MIG_MAX_ROUNDS (the oldest
 * quarter forgotten at once), and each migration record carries the
 * latest 200 rounds and their predictions, written once per round: they
 * must be the right ones, in order, across the forgetting.
 */
static void
test_many_rounds(void)
{
	struct json_object *m, *a, *p;
	struct run r;
	char buf[256];
	double t = 1000;
	unsigned i, n, in_order = 1, preds_match = 1;

	run_init(&r, NULL);
	feed(&r, 300, t, "qemu:migrate_set_state new_state=setup");
	feed(&r, 300, t += 0.001, "qemu:migration_bitmap_sync_end dirty_pages=0");
	feed(&r, 300, t += 0.001, "qemu:migrate_set_state new_state=active");
	for (i = 0; i < 5000; i++) {
		if (r.nrecs > MAXREC - 16)
			run_drop_records(&r);
		snprintf(buf, sizeof(buf), "qemu:migrate_transferred "
		    "tranferred=1048576 time_spent=100 bandwidth=33554 "
		    "size=10066329");
		feed(&r, 300, t += 0.03, buf);
		snprintf(buf, sizeof(buf), "qemu:migration_bitmap_sync_end "
		    "dirty_pages=%u", 256 * (i + 1));
		feed(&r, 300, t += 0.001, buf);
		feed(&r, 300, t += 0.001, "qemu:migrate_pending size=1048576 "
		    "max=10066329 pre=0 compat=0 post=0");
	}
	feed(&r, 300, t += 0.01, "qemu:migrate_set_state new_state=cancelled");
	m = last_mig(&r, 300);
	n = nrounds(m);
	json_object_object_get_ex(m, "rounds", &a);
	json_object_object_get_ex(m, "predictions", &p);
	for (i = 0; i < n; i++) {
		if ((unsigned)round_field(m, i, "n") != 5000 - n + 1 + i ||
		    (i > 0 && round_field(m, i, "t_ns") <=
		    round_field(m, i - 1, "t_ns")))
			in_order = 0;
		if (num(json_object_array_get_idx(p, i), "n") !=
		    round_field(m, i, "n"))
			preds_match = 0;
	}
	ok(m != NULL && n == 200 && in_order && num(m, "rounds_total") == 5000 &&
	    num(m, "rounds_dropped") == 1024,
	    "5000 rounds: the record carries rounds 4801..5000 in order (%u, "
	    "total %.0f, %.0f forgotten)", n, m ? num(m, "rounds_total") : 0,
	    m ? num(m, "rounds_dropped") : 0);
	ok(p != NULL && json_object_array_length(p) == 200 && preds_match,
	    "5000 rounds: and the same rounds' predictions");
	run_free(&r);
}

static void
test_noise_does_not_alert(void)
{
	static const int pend[] = { 200, 120, 130, 125, 60, 20, 5 };
	struct run r;
	struct json_object *m;

	run_init(&r, NULL);
	play_completion(&r, 100, play_rounds(&r, 100, 1000, pend, 7, -1));
	m = last_mig(&r, 100);
	is_int(count_alerts(&r, "migration.not_converging", NULL), 0,
	    "noise: rising for two rounds after a drop does not alert");
	is_str(m ? str(m, "outcome") : NULL, "completed", "noise: completed");
	run_free(&r);
}

/*
 * Rounds shorter than QEMU's 1 s rate period report dirty_pages summed
 * over the period: 3072 pages, then 3072 + 2048 = 5120 in the same period
 * look like a rise while the guest dirtied less each round.
 */
static void
test_short_rounds_rising_counts(void)
{
	static const int pend[] = { 200, 100, 50, 25, 12, 8, 5 };
	struct run r;
	struct json_object *m;
	unsigned i, same_pages = 1;

	run_init(&r, NULL);
	play_completion(&r, 150, play_rounds(&r, 150, 1000, pend, 7, -1));
	m = last_mig(&r, 150);
	for (i = 0; i < 7 && i < nrounds(m); i++)
		if ((int)round_field(m, i, "dirty_pages") != pend[i] * 256)
			same_pages = 0;
	ok(m != NULL && nrounds(m) == 7 && same_pages,
	    "short rounds: the dirty pages of each round, not QEMU's period sums");
	is_int(count_alerts(&r, "migration.not_converging", NULL), 0,
	    "short rounds: no alert");
	ok(m != NULL && fabs(round_field(m, 3, "ratio") - 0.5) < 0.01,
	    "short rounds: round 4 dirtied half of what it sent (ratio %.3f)",
	    m ? round_field(m, 3, "ratio") : -1);
	run_free(&r);
}

static void
test_flat_alerts_once(void)
{
	static const int pend[] = { 256, 250, 255, 252, 251, 254, 253, 250 };
	struct run r;
	struct json_object *m, *a = NULL;

	run_init(&r, NULL);
	play_rounds(&r, 200, 1000, pend, 8, -1);
	feed(&r, 200, 1100, "qemu:migration_cancel");
	feed(&r, 200, 1100.001, "qemu:migrate_set_state new_state=cancelling");
	feed(&r, 200, 1100.01, "qemu:migrate_set_state new_state=cancelled");
	feed(&r, 200, 1101, "qemu:vm_state_notify running=0 reason=11 reason_str=shutdown");
	m = last_mig(&r, 200);
	is_int(count_alerts(&r, "migration.not_converging", &a), 1,
	    "flat: one not_converging alert over 7 flat iterative rounds");
	ok(a != NULL && num(a, "t_ns") >= round_field(m, 2, "t_ns") &&
	    num(a, "t_ns") - round_field(m, 2, "t_ns") <= 1e6,
	    "flat: raised at the end of iterative round 2 (round 3)");
	is_str(str(m, "outcome"), "cancelled", "flat: cancelled by 8.x migration_cancel");
	is_str(str(m, "verdict"), "stalled", "flat: verdict stalled");
	ok(isnull(m, "predicted_rounds_left"), "flat: no rounds-left prediction");
	run_free(&r);
}

static void
test_growth_is_diverging(void)
{
	static const int pend[] = { 100, 130, 170, 220, 290 };
	struct run r;
	struct json_object *m;

	run_init(&r, NULL);
	play_rounds(&r, 300, 1000, pend, 5, -1);
	m = last_mig(&r, 300);
	is_str(m ? str(m, "verdict") : NULL, "diverging", "growth: verdict diverging");
	is_int(count_alerts(&r, "migration.not_converging", NULL), 1, "growth: alert");
	run_free(&r);
}

static void
test_autoconverge_resolves(void)
{
	static const int pend[] = { 256, 252, 250, 251, 200, 120, 50, 9 };
	struct run r;
	struct json_object *m, *a = NULL;

	run_init(&r, NULL);
	play_completion(&r, 400, play_rounds(&r, 400, 1000, pend, 8, 2));
	m = last_mig(&r, 400);
	is_int(count_alerts(&r, "migration.not_converging", &a), 1,
	    "auto-converge: alert while stalled");
	is_int(count_alerts(&r, "migration.converged", NULL), 1,
	    "auto-converge: migration.converged resolves it on completion");
	ok(m && num(m, "throttle_pct") == 70 && num(m, "throttle_steps") == 6,
	    "auto-converge: throttle 70%% after 6 steps (got %.0f%%, %.0f)",
	    m ? num(m, "throttle_pct") : -1, m ? num(m, "throttle_steps") : -1);
	is_str(m ? str(m, "outcome") : NULL, "completed", "auto-converge: completed");
	run_free(&r);
}

static void
test_rollback(void)
{
	static const int pend[] = { 100, 40, 9 };
	struct run r;
	struct json_object *m;
	double t;

	run_init(&r, NULL);
	t = play_rounds(&r, 500, 1000, pend, 3, -1);
	feed(&r, 500, t += 0.01, "qemu:vm_state_notify running=0 reason=7 reason_str=finish-migrate");
	feed(&r, 500, t += 0.01, "qemu:migrate_set_state new_state=failed");
	feed(&r, 500, t += 0.001, "qemu:vm_state_notify running=1 reason=9 reason_str=running");
	feed(&r, 500, t += 0.002, "qemu:migrate_fd_cleanup");
	m = last_mig(&r, 500);
	is_str(m ? str(m, "outcome") : NULL, "rolled_back",
	    "rollback: source VM stopped, failed, runs again");
	is_int(count_alerts(&r, "migration.failed", NULL), 1, "rollback: one failed alert");
	run_free(&r);
}

static void
test_postcopy(void)
{
	static const int pend[] = { 300, 280 };
	struct run r;
	struct json_object *m;
	double t;

	run_init(&r, NULL);
	t = play_rounds(&r, 600, 1000, pend, 2, -1);
	feed(&r, 600, t += 0.1, "qemu:postcopy_start");
	feed(&r, 600, t += 0.001, "qemu:vm_state_notify running=0 reason=7 reason_str=finish-migrate");
	feed(&r, 600, t += 0.05, "qemu:migrate_set_state new_state=postcopy-active");
	feed(&r, 600, t += 5, "qemu:migrate_set_state new_state=completed");
	m = last_mig(&r, 600);
	is_str(m ? str(m, "outcome") : NULL, "completed", "postcopy: completed");
	ok(m && fabs(num(m, "downtime_ms") - 51) < 1,
	    "postcopy: downtime from stop to postcopy-active %.1f ms", m ? num(m, "downtime_ms") : -1);
	is_int(count_alerts(&r, "migration.not_converging", NULL), 0, "postcopy: no alert");
	ok(m != NULL && json_object_array_length(json_object_object_get(m,
	    "changes")) == 1 && same(str(json_object_array_get_idx(
	    json_object_object_get(m, "changes"), 0), "what"), "postcopy"),
	    "postcopy: the switch is a change of conditions in the record");
	run_free(&r);
}

static void
test_identity_retry_and_bad_input(void)
{
	static const int pend[] = { 100, 30, 5 };
	struct run r;
	struct json_object *m, *first = NULL;
	unsigned i, nids = 0;
	const char *id1 = NULL;
	double t;

	run_init(&r, NULL);
	feed(&r, 700, 999, "strata:vm_identity qemu_pid=4242 vm_uuid=6a1f2c3e-0000-4000-8000-000000000001 vm_name=instance-0000002a");
	feed(&r, 700, 999.5, "qemu:migrate_set_state");		/* no new_state */
	feed(&r, 700, 999.6, "qemu:some_future_event x=1");
	feed(&r, 700, 999.7, "qemu:migration_bitmap_sync_end");	/* outside any migration */
	t = play_rounds(&r, 700, 1000, pend, 1, -1);
	feed(&r, 700, t += 1, "qemu:migrate_fd_error error_desc=Connection_refused");
	feed(&r, 700, t += 0.001, "qemu:migrate_set_state new_state=failed");
	play_completion(&r, 700, play_rounds(&r, 700, t + 10, pend, 3, -1));
	for (i = 0; i < r.nrecs; i++)
		if (strcmp(str(r.recs[i], "kind"), "migration") == 0) {
			if (first == NULL)
				first = r.recs[i];
			if (id1 == NULL || strcmp(id1, str(r.recs[i], "id")) != 0) {
				id1 = str(r.recs[i], "id");
				nids++;
			}
		}
	m = last_mig(&r, 4242);
	is_int(nids, 2, "retry: a failed migration and its retry are two migrations");
	is_str(first ? str(first, "vm_uuid") : NULL, "6a1f2c3e-0000-4000-8000-000000000001",
	    "identity: vm_uuid from strata:vm_identity");
	is_str(first ? str(first, "vm_name") : NULL, "instance-0000002a", "identity: vm_name");
	is_str(m ? str(m, "outcome") : NULL, "completed", "retry: completed");
	{
		struct json_object *stats = json_object_new_object();

		an_migration_class.stats(r.an, stats);
		struct ev_plan plan;

		an_migration_class.classify("qemu:some_future_event", NULL, 0,
		    &plan);
		ok(plan.code == AN_CODE_NONE &&
		    num(stats, "bad") == 1,
		    "bad input: unknown qemu event left unclaimed, 1 event missing its field counted "
		    "(%s)", json_object_to_json_string(stats));
		json_object_put(stats);
	}
	for (i = 0; i < r.nrecs; i++)
		if (strcmp(str(r.recs[i], "kind"), "migration") == 0 &&
		    str(r.recs[i], "outcome") != NULL &&
		    strcmp(str(r.recs[i], "outcome"), "failed") == 0)
			break;
	ok(i < r.nrecs && strcmp(str(r.recs[i], "error"), "Connection refused") == 0,
	    "failed: error_desc from migrate_fd_error");
	run_free(&r);
}

/* A replay 20 times faster, told by strata:vm_identity: the same rounds. */
static void
test_replay_speed(void)
{
	static const int want[] = { 65537, 63326, 63804, 63804, 63804 };
	struct run r;
	struct json_object *src;
	unsigned i, same = 1;

	run_init(&r, NULL);
	play_log_at(&r, data("nonconv-cancel/src.log"), NULL, 20);
	src = last_mig(&r, 8755);
	is_int(nrounds(src), 5, "replay x20: 5 rounds");
	for (i = 0; i < 5 && i < nrounds(src); i++)
		if ((int)round_field(src, i, "dirty_pages") != want[i]) {
			diag("round %u: %.0f, want %d", i + 1,
			    round_field(src, i, "dirty_pages"), want[i]);
			same = 0;
		}
	ok(same, "replay x20: dirty pages per round as in real time (QEMU's "
	    "1 s period scaled to 50 ms, not 478 for a round 0.4 s long)");
	is_int(count_alerts(&r, "migration.not_converging", NULL), 1,
	    "replay x20: the alert still fires");
	run_free(&r);
}

/* One agent batch holding a whole migration: one record, nothing lost. */
static void
test_batch_coalesces(void)
{
	struct run r;
	struct json_object *src, *states;
	unsigned i, n = 0;

	run_init(&r, NULL);
	r.batch = 1;
	play_log(&r, data("conv-rounds/src.log"), NULL);
	an_migration_class.flush(r.an);
	for (i = 0; i < r.nrecs; i++)
		if (strcmp(str(r.recs[i], "kind"), "migration") == 0)
			n++;
	src = last_mig(&r, 9112);
	is_int(n, 1, "batch: one migration record for a migration within one batch");
	ok(src != NULL && json_object_object_get_ex(src, "states", &states) &&
	    json_object_array_length(states) == 3 &&
	    strcmp(str(json_object_array_get_idx(states, 2), "state"), "completed") == 0,
	    "batch: its states history still holds setup, active, completed");
	is_int(nrounds(src), 6, "batch: with its 6 rounds");
	run_free(&r);
}

/*
 * A session without the vpid context: two bridges (two VMs) on two CPUs,
 * their events interleaved, vpid and vtid -1.  Each vm_identity names its
 * QEMU pid; the events after it on the same CPU's stream are that QEMU's.
 * Before, both folded into one migration under the last identity.
 */
static void
test_no_vpid_two_bridges(void)
{
	struct run r;
	struct json_object *a, *b, *stats;
	unsigned i, nmig = 0;
	const char *ids[2] = { NULL, NULL };

	run_init(&r, NULL);
	feed_on(&r, -1, -1, 0, 10.000, "strata:vm_identity qemu_pid=4101 "
	    "vm_uuid=uuid-a vm_name=instance-a speed_x1000=1000");
	feed_on(&r, -1, -1, 1, 10.001, "strata:vm_identity qemu_pid=4202 "
	    "vm_uuid=uuid-b vm_name=instance-b speed_x1000=1000");
	feed_on(&r, -1, -1, 0, 10.010, "qemu:migrate_set_state new_state=setup");
	feed_on(&r, -1, -1, 1, 10.011, "qemu:migrate_set_state new_state=setup");
	feed_on(&r, -1, -1, 0, 10.020, "qemu:migrate_set_state new_state=active");
	feed_on(&r, -1, -1, 1, 10.021, "qemu:migrate_set_state new_state=active");
	feed_on(&r, -1, -1, 1, 10.500, "qemu:migrate_set_state new_state=cancelling");
	feed_on(&r, -1, -1, 0, 11.000, "qemu:migrate_set_state new_state=completed");
	feed_on(&r, -1, -1, 1, 11.001, "qemu:migrate_set_state new_state=cancelled");
	an_migration_class.finish(r.an);

	for (i = 0; i < r.nrecs; i++) {
		const char *id = str(r.recs[i], "id");

		if (strcmp(str(r.recs[i], "kind"), "migration") != 0 || id == NULL)
			continue;
		if (ids[0] == NULL || strcmp(ids[0], id) == 0)
			ids[0] = id;
		else if (ids[1] == NULL || strcmp(ids[1], id) == 0)
			ids[1] = id;
		else
			nmig = 99;
	}
	nmig = nmig == 99 ? 99 : (ids[0] != NULL) + (ids[1] != NULL);
	is_int(nmig, 2, "no vpid: two bridges give two migrations");
	a = last_mig(&r, 4101);
	b = last_mig(&r, 4202);
	is_str(a ? str(a, "vm_name") : NULL, "instance-a",
	    "no vpid: QEMU 4101's migration is instance-a's");
	is_str(a ? str(a, "outcome") : NULL, "completed",
	    "no vpid: instance-a completed");
	is_str(b ? str(b, "vm_name") : NULL, "instance-b",
	    "no vpid: QEMU 4202's migration is instance-b's");
	is_str(b ? str(b, "outcome") : NULL, "cancelled",
	    "no vpid: instance-b cancelled");
	stats = json_object_new_object();
	an_migration_class.stats(r.an, stats);
	is_int(num(stats, "no_vpid"), 9, "no vpid: 9 events counted without vpid");
	json_object_put(stats);
	run_free(&r);
}

int
main(void)
{
	plan(74 + REAL_CHECKS * (int)(sizeof(real_cases) / sizeof(real_cases[0])));
	test_real_conv_rounds();
	test_real_nonconv_cancel();
	test_real_dst_killed();
	test_real_cases();
	test_noise_does_not_alert();
	test_many_rounds();
	test_short_rounds_rising_counts();
	test_flat_alerts_once();
	test_growth_is_diverging();
	test_autoconverge_resolves();
	test_rollback();
	test_postcopy();
	test_identity_retry_and_bad_input();
	test_batch_coalesces();
	test_replay_speed();
	test_no_vpid_two_bridges();
	ok(text_bad == 0 && text_n > 1000, "records as text: %u written, "
	    "each the bytes json-c writes for the tree it reads from it (%u not)",
	    text_n, text_bad);
	return exit_status();
}
