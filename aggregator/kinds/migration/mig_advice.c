/*
 * mig_advice.c: what would make a migration converge, from what was
 * measured (docs/alerts.md, "advice").  QEMU switches over once the bytes
 * still pending after a sync fit in the downtime limit at the measured
 * bandwidth (threshold = bandwidth x limit); the pending bytes, bandwidth
 * and dirty rate of the side's last round therefore tell what bandwidth
 * the limit needs, what downtime the bandwidth allows, and, when the
 * guest dirties memory as fast as QEMU sends it, that no bandwidth or
 * limit short of that will do and post-copy or auto-converge (CPU
 * throttling) is the way, with whether the capability is on when the
 * events say.  Every `migration.not_converging` alert object carries it
 * (mig_alert_json), and so does the diagnosis of a migration that failed
 * to converge (mig_link.c).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>
#include <json-c/json.h>

#include "log.h"
#include "mig_int.h"
#include "kern_store.h"

/* The guest dirties at least this share of the bandwidth: saturated. */
#define ADV_SATURATED		0.95
/* A downtime limit up to this (or 4 x the limit) is worth proposing. */
#define ADV_DOWNTIME_OK_MS	1000.0

static struct json_object *
get(struct json_object *o, const char *k)
{
	struct json_object *v;

	if (o == NULL || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, k, &v))
		return NULL;
	return v;
}

static double
num(struct json_object *o, const char *k)
{
	struct json_object *v = get(o, k);

	if (v == NULL || !(json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double)))
		return NAN;
	return json_object_get_double(v);
}

/* The first of a, b, c that is a positive number. */
static double
first_pos(double a, double b, double c)
{
	if (isfinite(a) && a > 0)
		return a;
	if (isfinite(b) && b > 0)
		return b;
	if (isfinite(c) && c > 0)
		return c;
	return NAN;
}

/* 1 on, 0 off, -1 when the events do not say. */
static int
capability(struct json_object *side, struct json_object *ev, const char *name)
{
	struct json_object *caps, *v;
	size_t i;

	caps = get(side, "capabilities");
	if (caps == NULL)
		caps = get(ev, "capabilities");
	if (caps == NULL)
		return -1;
	if (json_object_is_type(caps, json_type_object)) {
		v = get(caps, name);
		return v != NULL && json_object_is_type(v, json_type_boolean) ?
		    json_object_get_boolean(v) : -1;
	}
	if (json_object_is_type(caps, json_type_array)) {
		/* The capabilities that are on. */
		for (i = 0; i < json_object_array_length(caps); i++) {
			v = json_object_array_get_idx(caps, i);
			if (v != NULL && json_object_is_type(v, json_type_string) &&
			    strcmp(json_object_get_string(v), name) == 0)
				return 1;
		}
		return 0;
	}
	return -1;
}

/* Post-copy is on when a stage or state says the migration used it. */
static int
postcopy_on(struct json_object *side, struct json_object *ev)
{
	struct json_object *a, *x;
	const char *n;
	size_t i;
	int c = capability(side, ev, "postcopy-ram");

	if (c != -1)
		return c;
	if ((a = get(side, "stages")) != NULL &&
	    json_object_is_type(a, json_type_array))
		for (i = 0; i < json_object_array_length(a); i++) {
			x = json_object_array_get_idx(a, i);
			if (json_object_is_type(get(x, "name"), json_type_string) &&
			    (n = json_object_get_string(get(x, "name"))) != NULL &&
			    strncmp(n, "postcopy", 8) == 0)
				return 1;
		}
	return -1;
}

/* Auto-converge is on when QEMU throttled the guest. */
static int
autoconv_on(struct json_object *side, struct json_object *ev, double *pct)
{
	double steps;
	int c = capability(side, ev, "auto-converge");

	*pct = first_pos(num(side, "throttle_pct"), num(ev, "throttle_pct"),
	    NAN);
	steps = first_pos(num(side, "throttle_steps"), num(ev,
	    "throttle_steps"), NAN);
	if (c != -1)
		return c;
	return isfinite(*pct) || isfinite(steps) ? 1 : -1;
}

static const char *
onoff(int v)
{
	return v == 1 ? "on" : v == 0 ? "off" : "not known from the events";
}

static void
units(char *b, size_t n, double v, const char *suffix)
{
	static const char *u[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	int i = 0;

	while (v >= 1024 && i < 4) {
		v /= 1024;
		i++;
	}
	snprintf(b, n, "%.1f %s%s", v, u[i], suffix);
}

static void
add_num(struct json_object *o, const char *k, double v)
{
	json_object_object_add(o, k, isfinite(v) ? store_json_double(v) : NULL);
}

static void
add_tri(struct json_object *o, const char *k, int v)
{
	json_object_object_add(o, k, v == -1 ? NULL :
	    json_object_new_boolean(v));
}

/*
 * The kernel's figures of each round of side (its QEMU's threads on node,
 * aggregator/kinds/kernel/), and the side's "kernel": the round where the
 * migration thread waited the largest share for a CPU.
 */
void
mig_kernel_side(struct store *s, struct json_object *side, const char *node)
{
	struct json_object *k, *v;
	double pct;
	int n;

	if ((v = get(side, "vpid")) == NULL || node == NULL ||
	    (n = kern_annotate_rounds(s, node, json_object_get_int64(v),
	    get(side, "rounds"), &pct)) < 0)
		return;
	k = json_object_new_object();
	json_object_object_add(k, "worst_round", json_object_new_int(n));
	add_num(k, "migration_thread_wait_pct", pct);
	json_object_object_add(k, "cpu_bound", json_object_new_boolean(
	    pct >= KERN_CPU_BOUND_PCT));
	json_object_object_add(side, "kernel", k);
}

/* The migration thread's share of round r spent waiting for a CPU; NAN. */
static double
cpu_wait_pct(struct json_object *r)
{
	return num(get(get(r, "kernel"), "migration_thread"), "wait_pct");
}

struct json_object *
mig_advice_of(struct json_object *side, struct json_object *rounds,
    struct json_object *ev)
{
	struct json_object *o, *r = NULL, *x;
	double P, B, D, L, T, need_bw, need_dt, ratio, pct, wpct;
	char b[4][64], text[1024];
	const char *way;
	size_t i, n, len;
	int pc, ac, k, limit_assumed = 0;

	/* The last round with pending bytes: the side's, else the evidence's. */
	for (k = 0; k < 2 && r == NULL; k++) {
		x = k == 0 ? rounds : get(ev, "rounds");
		if (x == NULL || !json_object_is_type(x, json_type_array))
			continue;
		for (i = json_object_array_length(x); i-- > 0 && r == NULL; )
			if (isfinite(num(json_object_array_get_idx(x, i),
			    "pending_bytes")))
				r = json_object_array_get_idx(x, i);
	}
	if (r == NULL)
		return NULL;
	P = num(r, "pending_bytes");
	B = first_pos(num(r, "bandwidth_bps"), num(side, "bandwidth_bps"),
	    num(ev, "bandwidth_bps"));
	D = num(r, "dirty_rate_bps");
	L = first_pos(num(ev, "downtime_limit_ms"), num(side,
	    "downtime_limit_ms"), NAN);
	if (!isfinite(L)) {
		L = 300;	/* QEMU's default downtime-limit */
		limit_assumed = 1;
	}
	T = first_pos(num(side, "threshold_bytes"), num(ev, "threshold_bytes"),
	    isfinite(B) ? B * L / 1000 : NAN);
	pc = postcopy_on(side, ev);
	ac = autoconv_on(side, ev, &pct);
	need_bw = P * 1000 / L;
	if (isfinite(D) && D > need_bw)
		need_bw = D;
	need_dt = isfinite(B) && B > 0 ? P * 1000 / B : NAN;
	ratio = isfinite(B) && B > 0 && isfinite(D) ? D / B : NAN;
	wpct = cpu_wait_pct(r);
	/* A migration thread starved of CPU sends slowly, whatever it may. */
	if (isfinite(wpct) && wpct >= KERN_CPU_BOUND_PCT)
		way = "cpu";
	else if (isfinite(ratio) && ratio >= ADV_SATURATED)
		way = pc == 1 ? "postcopy" : ac == 1 ? "auto_converge" :
		    "postcopy_or_auto_converge";
	else if (isfinite(need_dt) && (need_dt <= ADV_DOWNTIME_OK_MS ||
	    need_dt <= 4 * L))
		way = "downtime";
	else
		way = "bandwidth";

	o = json_object_new_object();
	json_object_object_add(o, "way", json_object_new_string(way));
	json_object_object_add(o, "round", get(r, "n") ?
	    json_object_get(get(r, "n")) : NULL);
	add_num(o, "pending_bytes", P);
	add_num(o, "bandwidth_bps", B);
	add_num(o, "dirty_rate_bps", D);
	add_num(o, "dirty_ratio", ratio);
	add_num(o, "downtime_limit_ms", L);
	json_object_object_add(o, "downtime_limit_assumed",
	    json_object_new_boolean(limit_assumed));
	add_num(o, "threshold_bytes", T);
	add_num(o, "bandwidth_needed_bps", need_bw);
	add_num(o, "downtime_needed_ms", need_dt);
	add_tri(o, "postcopy", pc);
	add_tri(o, "auto_converge", ac);
	add_num(o, "throttle_pct", isfinite(pct) ? pct : NAN);
	add_num(o, "migration_thread_wait_pct", wpct);

	units(b[0], sizeof(b[0]), P, "");
	units(b[1], sizeof(b[1]), need_bw, "/s");
	units(b[2], sizeof(b[2]), isfinite(B) ? B : 0, "/s");
	len = (size_t)snprintf(text, sizeof(text), "%s pending: the %.0f ms "
	    "downtime limit%s needs %s of bandwidth (measured %s)", b[0], L,
	    limit_assumed ? " (QEMU's default)" : "", b[1],
	    isfinite(B) ? b[2] : "unknown");
	if (isfinite(need_dt) && len < sizeof(text))
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		    ", or the measured bandwidth needs a downtime limit of "
		    "%.0f ms", need_dt);
	if (isfinite(ratio) && len < sizeof(text)) {
		units(b[3], sizeof(b[3]), D, "/s");
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		    "; the guest dirties %s, %.0f%% of the bandwidth", b[3],
		    ratio * 100);
	}
	if (len >= sizeof(text))
		len = sizeof(text) - 1;
	n = sizeof(text) - len;
	if (strcmp(way, "cpu") == 0)
		snprintf(text + len, n, "; the migration thread waited %.0f %% "
		    "of round %d for a CPU: the limit is CPU, not bandwidth: pin "
		    "the migration thread to a CPU of its own or free one (the "
		    "threads that ran there: stratactl threads) rather than "
		    "raise the bandwidth", wpct, get(r, "n") ?
		    json_object_get_int(get(r, "n")) : 0);
	else if (strcmp(way, "downtime") == 0)
		snprintf(text + len, n, ": raise the downtime limit to %.0f ms "
		    "(QEMU downtime-limit, Nova [libvirt] live_migration_downtime)",
		    ceil(need_dt * 1.1));
	else if (strcmp(way, "bandwidth") == 0)
		snprintf(text + len, n, ": give the migration %s (QEMU "
		    "max-bandwidth, Nova [libvirt] live_migration_bandwidth), or "
		    "use post-copy (%s) or auto-converge (%s)", b[1], onoff(pc),
		    onoff(ac));
	else if (strcmp(way, "auto_converge") == 0)
		snprintf(text + len, n, ", so more rounds alone will not "
		    "converge: auto-converge is on%s%.0f%s and must slow the "
		    "guest further, or switch to post-copy (%s; Nova "
		    "live-migration-force-complete)", isfinite(pct) ?
		    ", throttle at " : "", isfinite(pct) ? pct : 0,
		    isfinite(pct) ? "%" : "", onoff(pc));
	else
		snprintf(text + len, n, ", so more rounds alone will not "
		    "converge: switch to post-copy (postcopy-ram %s; Nova "
		    "live_migration_permit_post_copy, then "
		    "live-migration-force-complete) or throttle the guest with "
		    "auto-converge (%s; Nova live_migration_permit_auto_converge)",
		    onoff(pc), onoff(ac));
	json_object_object_add(o, "text", json_object_new_string(text));
	return o;
}

/*
 * The advice of side (node, sid) from its record and its last stored
 * round with pending bytes, with the alert's evidence; NULL when no round
 * tells.
 */
/* The side record's members the advice reads (and the kernel's vpid). */
static const char *const advice_members[] = {
	"bandwidth_bps", "capabilities", "downtime_limit_ms", "stages",
	"threshold_bytes", "throttle_pct", "throttle_steps", "vpid", NULL
};

struct json_object *
mig_advice_side(struct mig *m, const char *node, const char *sid,
    struct json_object *ev)
{
	struct json_object *side = NULL, *rounds, *adv;
	const char *keys[STORE_ROW_COLS_MAX];
	sqlite3_stmt *st, *rs;
	int64_t key = STORE_NONE;
	int r;

	st = mig_st(m, MST_SIDE_GET);
	store_bind_str(st, 1, node);
	store_bind_str(st, 2, sid);
	if (store_row(m->s, st, "side") == 1) {
		side = store_json_text_pick(st, 21, advice_members);
		key = sqlite3_column_int64(st, 25);
	}
	sqlite3_reset(st);
	/*
	 * Of the stored rounds, only the one the advice reads (the last
	 * with pending bytes), and its kernel figures: the advice of every
	 * alert delivered read all of them.
	 */
	rounds = json_object_new_array();
	if (key != STORE_NONE) {
		rs = mig_st(m, MST_LAST_PENDING_ROUND);
		sqlite3_bind_int64(rs, 1, key);
		store_json_keys_of(rs, keys, STORE_ROW_COLS_MAX);
		while ((r = store_row(m->s, rs, "rounds")) == 1)
			json_object_array_add(rounds,
			    store_json_row_keys(rs, keys));
		sqlite3_reset(rs);
	}
	if (side != NULL && json_object_is_type(side, json_type_object)) {
		json_object_object_add(side, "rounds", json_object_get(rounds));
		mig_kernel_side(m->s, side, node);
		json_object_object_del(side, "rounds");
	}
	adv = mig_advice_of(side, rounds, ev);
	json_object_put(side);
	json_object_put(rounds);
	return adv;
}
