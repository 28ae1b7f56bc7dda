/*
 * bench_store.c: how fast the aggregator's store takes records and answers
 * queries.  Not a test (make check builds it, never runs it):
 *
 *	tests/bench/bench_store [-d dir] [-m migrations] [-r rounds]
 *	    [-b batch] [-q queries] [-n nodes] [-v vms] [-a N]
 *	    [-s full|normal] [-R restart|continue [-M migrations]] [-k]
 *	tests/bench/bench_store -Q database [-q queries]
 *
 * It plays migrations between nodes as strata-agent reports them (per
 * side: state records that carry the rounds so far, one migration_round
 * record per dirty-sync round, alerts for every -a'th of them, 10), over
 * -v VMs (500), in batches per node, into a new database; then it times
 * the queries the control socket runs, over what it stored (2000 x 500 =
 * 1 M rounds by default).  -k keeps the database; -Q times the queries
 * over a kept one.
 *
 * -R: the first -m migrations are all of one VM; then, after a clean
 * stop and start of the store (restart: store_close() runs PRAGMA
 * optimize, which writes the planner's statistics of that one VM) or
 * without one (continue), -M more over -v VMs, and the batch cost of
 * both phases.  The two must match: the plans are pinned.
 */
#define _GNU_SOURCE		/* asprintf */
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "log.h"
#include "store.h"
#include "mig_store.h"
#include "clock.h"

#define SEC	1000000000LL
#define T0	1795634430000000000LL

static struct store *st;
static unsigned opt_batch = 500;
static int opt_vms = 500;		/* migrations are spread over this many VMs */
static int opt_alerts = 10;		/* every opt_alerts-th migration raises one */
static double ingest_s, ingest_cpu_s, parse_s, batch_max_s;
static uint64_t nrecords, nbatches, nrounds;

/* A node's pending batch. */
struct pending {
	const char		*node;
	struct json_object	*arr;
};

static void
flush(struct pending *p, int64_t now)
{
	struct json_object *again;
	const char *text;
	double t, c;

	if (json_object_array_length(p->arr) == 0)
		return;
	/* What ingest does first: parse the frame (timed apart). */
	text = json_object_to_json_string_ext(p->arr, JSON_C_TO_STRING_PLAIN);
	t = now_s();
	again = json_tokener_parse(text);
	parse_s += now_s() - t;
	t = now_s();
	c = cpu_s();
	if (store_records(st, p->node, again, now) == -1) {
		fprintf(stderr, "bench_store: store_records failed\n");
		exit(1);
	}
	ingest_cpu_s += cpu_s() - c;
	t = now_s() - t;
	ingest_s += t;
	if (t > batch_max_s)
		batch_max_s = t;
	nrecords += json_object_array_length(again);
	nbatches++;
	json_object_put(again);
	json_object_put(p->arr);
	p->arr = json_object_new_array();
}

static void
add(struct pending *p, struct json_object *rec, int64_t now)
{
	json_object_array_add(p->arr, rec);
	if (json_object_array_length(p->arr) >= opt_batch)
		flush(p, now);
}

static struct json_object *
round_obj(int n, int64_t t, int dirty)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "n", json_object_new_int(n));
	json_object_object_add(o, "t_ns", json_object_new_int64(t));
	json_object_object_add(o, "start_ns", json_object_new_int64(t - SEC / 10));
	json_object_object_add(o, "dirty_pages", json_object_new_int64(dirty));
	json_object_object_add(o, "dirty_pages_reported",
	    json_object_new_int64(dirty));
	json_object_object_add(o, "duration_ms", json_object_new_double(100.25));
	json_object_object_add(o, "pending_bytes",
	    json_object_new_int64((int64_t)dirty * 4096));
	json_object_object_add(o, "bytes", json_object_new_int64(3355443));
	json_object_object_add(o, "bandwidth_bps",
	    json_object_new_double(33554432.0));
	json_object_object_add(o, "dirty_rate_bps",
	    json_object_new_double(dirty * 4096 * 10.0));
	json_object_object_add(o, "predicted_downtime_ms",
	    json_object_new_double(dirty * 4096 / 33554.432));
	json_object_object_add(o, "throttle_pct", NULL);
	json_object_object_add(o, "verdict", json_object_new_string(
	    n > 3 ? "stalled" : "converging"));
	return o;
}

/* A round as a `migration` record carries it (mig_round_brief()). */
static struct json_object *
round_brief(int n, int64_t t, int dirty)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "n", json_object_new_int(n));
	json_object_object_add(o, "t_ns", json_object_new_int64(t));
	json_object_object_add(o, "dirty_pages", json_object_new_int64(dirty));
	json_object_object_add(o, "duration_ms", json_object_new_double(100.25));
	json_object_object_add(o, "pending_bytes",
	    json_object_new_int64((int64_t)dirty * 4096));
	json_object_object_add(o, "predicted_downtime_ms",
	    json_object_new_double(dirty * 4096 / 33554.432));
	json_object_object_add(o, "verdict", json_object_new_string(
	    n > 3 ? "stalled" : "converging"));
	return o;
}

static struct json_object *
common(const char *kind, const char *node, int64_t t, const char *uuid,
    const char *name)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "kind", json_object_new_string(kind));
	json_object_object_add(o, "node", json_object_new_string(node));
	json_object_object_add(o, "t_ns", json_object_new_int64(t));
	json_object_object_add(o, "vm_uuid", json_object_new_string(uuid));
	json_object_object_add(o, "vm_name", json_object_new_string(name));
	return o;
}

/* A `migration` record as mig_record() makes it, with nr rounds so far. */
static struct json_object *
mig_obj(const char *id, const char *node, int64_t t, const char *uuid,
    const char *name, const char *role, const char *state,
    const char *outcome, int64_t start, int nr, const int *dirty)
{
	struct json_object *o = common("migration", node, t, uuid, name);
	struct json_object *a;
	int i;

	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "vpid", json_object_new_int(4242));
	json_object_object_add(o, "role", json_object_new_string(role));
	json_object_object_add(o, "state", json_object_new_string(state));
	json_object_object_add(o, "outcome", outcome ?
	    json_object_new_string(outcome) : NULL);
	json_object_object_add(o, "error", NULL);
	json_object_object_add(o, "started_ns", json_object_new_int64(start));
	json_object_object_add(o, "ended_ns", outcome ?
	    json_object_new_int64(t) : NULL);
	json_object_object_add(o, "vm_stop_ns", outcome &&
	    strcmp(role, "source") == 0 ? json_object_new_int64(t - SEC / 20) :
	    NULL);
	json_object_object_add(o, "vm_resume_ns", outcome &&
	    strcmp(role, "destination") == 0 ? json_object_new_int64(t) : NULL);
	json_object_object_add(o, "total_ms",
	    json_object_new_double((t - start) / 1e6));
	json_object_object_add(o, "downtime_ms", outcome ?
	    json_object_new_double(50.0) : NULL);
	json_object_object_add(o, "verdict", json_object_new_string(
	    nr > 3 ? "stalled" : "converging"));
	json_object_object_add(o, "predicted_downtime_ms",
	    json_object_new_double(812.5));
	json_object_object_add(o, "downtime_limit_ms",
	    json_object_new_double(300));
	json_object_object_add(o, "bandwidth_bps",
	    json_object_new_double(33554432.0));
	json_object_object_add(o, "throttle_pct", NULL);
	json_object_object_add(o, "dirty_syncs", json_object_new_int(nr));
	a = json_object_new_array();
	for (i = 0; i < 3; i++) {
		struct json_object *so = json_object_new_object();

		json_object_object_add(so, "name", json_object_new_string(
		    i == 0 ? "setup" : i == 1 ? "iterative" : "stop-copy"));
		json_object_object_add(so, "start_ns",
		    json_object_new_int64(start + i * SEC));
		json_object_object_add(so, "end_ns",
		    json_object_new_int64(start + (i + 1) * SEC));
		json_object_object_add(so, "duration_ms",
		    json_object_new_double(1000));
		json_object_array_add(a, so);
	}
	json_object_object_add(o, "stages", a);
	a = json_object_new_array();
	for (i = 0; i < 3; i++) {
		struct json_object *so = json_object_new_object();

		json_object_object_add(so, "state", json_object_new_string(
		    i == 0 ? "setup" : i == 1 ? "active" : "device"));
		json_object_object_add(so, "t_ns",
		    json_object_new_int64(start + i * SEC));
		json_object_array_add(a, so);
	}
	json_object_object_add(o, "states", a);
	a = json_object_new_array();
	for (i = 0; i < nr && strcmp(role, "source") == 0; i++)
		json_object_array_add(a, round_brief(i + 1, start + (i + 1) *
		    SEC / 10, dirty[i]));
	json_object_object_add(o, "rounds", a);
	return o;
}

/* One migration from node src to node dst, both sides and its rounds. */
static void
play(struct pending *ps, struct pending *pd, int k, int rounds, int64_t t0)
{
	char sid[128], did[128], uuid[64], name[32], aid[160];
	struct json_object *r, *a;
	int64_t t, now;
	int *dirty, i;

	if ((dirty = calloc(rounds + 1, sizeof(*dirty))) == NULL)
		exit(1);
	snprintf(uuid, sizeof(uuid), "6f1c0b7e-0000-4000-8000-%012d",
	    k % opt_vms);
	snprintf(name, sizeof(name), "instance-%08x", k % opt_vms);
	snprintf(sid, sizeof(sid), "%s/%d/%lld", ps->node, 1000 + k,
	    (long long)t0);
	snprintf(did, sizeof(did), "%s/%d/%lld", pd->node, 2000 + k,
	    (long long)(t0 + SEC / 1000));
	now = t0 + SEC;
	add(ps, mig_obj(sid, ps->node, t0, uuid, name, "source", "setup", NULL,
	    t0, 0, dirty), now);
	add(pd, mig_obj(did, pd->node, t0 + SEC / 1000, uuid, name,
	    "destination", "active", NULL, t0 + SEC / 1000, 0, dirty), now);
	add(ps, mig_obj(sid, ps->node, t0 + SEC / 200, uuid, name, "source",
	    "active", NULL, t0, 0, dirty), now);
	for (i = 0; i < rounds; i++) {
		t = t0 + (i + 1) * SEC / 10;
		dirty[i] = 65000 - (i * 37) % 40000;
		r = round_obj(i + 1, t, dirty[i]);
		json_object_object_add(r, "kind",
		    json_object_new_string("migration_round"));
		json_object_object_add(r, "node",
		    json_object_new_string(ps->node));
		snprintf(aid, sizeof(aid), "%s#%d", sid, i + 1);
		json_object_object_add(r, "id", json_object_new_string(aid));
		json_object_object_add(r, "migration_id",
		    json_object_new_string(sid));
		json_object_object_add(r, "vm_uuid", json_object_new_string(uuid));
		add(ps, r, t + SEC);
		nrounds++;
		/* The verdict changes now and then: a state record. */
		if (i == 3 || i == rounds / 2)
			add(ps, mig_obj(sid, ps->node, t, uuid, name, "source",
			    "active", NULL, t0, i + 1, dirty), t + SEC);
		if (i == 5 && k % opt_alerts == 0) {
			a = common("alert", ps->node, t, uuid, name);
			snprintf(aid, sizeof(aid), "%s!migration.not_converging",
			    sid);
			json_object_object_add(a, "id", json_object_new_string(aid));
			json_object_object_add(a, "name", json_object_new_string(
			    "migration.not_converging"));
			json_object_object_add(a, "severity",
			    json_object_new_string("warning"));
			json_object_object_add(a, "migration_id",
			    json_object_new_string(sid));
			json_object_object_add(a, "message", json_object_new_string(
			    "live migration is not converging"));
			json_object_object_add(a, "evidence",
			    json_object_new_object());
			add(ps, a, t + SEC);
		}
	}
	t = t0 + (rounds + 2) * SEC / 10;
	add(ps, mig_obj(sid, ps->node, t, uuid, name, "source", "completed",
	    "completed", t0, rounds, dirty), t + SEC);
	add(pd, mig_obj(did, pd->node, t + SEC / 50, uuid, name, "destination",
	    "completed", "completed", t0 + SEC / 1000, 0, dirty), t + SEC);
	free(dirty);
}

static int
cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

enum q { Q_STATUS, Q_MIGS, Q_MIGS_ACTIVE, Q_MIGS_VM, Q_MIG, Q_ALERTS, Q_NODES };

static struct json_object *
query(enum q which, int i, const char *mig_id)
{
	struct mig_filter f;
	const char *err = NULL;
	char vm[64];

	memset(&f, 0, sizeof(f));
	switch (which) {
	case Q_STATUS:
		return store_q_status(st, &err);
	case Q_MIGS:
		return store_q_migrations(st, &f, &err);
	case Q_MIGS_ACTIVE:
		f.active = 1;
		return store_q_migrations(st, &f, &err);
	case Q_MIGS_VM:
		snprintf(vm, sizeof(vm), "6f1c0b7e-0000-4000-8000-%012d",
		    i % opt_vms);
		f.vm = vm;
		return store_q_migrations(st, &f, &err);
	case Q_MIG:
		return store_q_migration(st, mig_id, &err);
	case Q_ALERTS:
		return store_q_alerts(st, 0, 0, 0, &err);
	case Q_NODES:
		return store_q_nodes(st, &err);
	}
	return NULL;
}

static double
thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The query alone, and with the JSON text the control socket sends: wall
 * clock, and the CPU time of this thread (what a core of its own would
 * take: on a shared machine the wall clock also counts other processes).
 */
static void
time_query(const char *what, enum q which, int n, const char *mig_id)
{
	struct json_object *r;
	double *lat, *tot, *cpu, t, t1, c, len = 0;
	int i;

	if ((lat = calloc(n, sizeof(*lat))) == NULL ||
	    (tot = calloc(n, sizeof(*tot))) == NULL ||
	    (cpu = calloc(n, sizeof(*cpu))) == NULL)
		exit(1);
	for (i = 0; i < n; i++) {
		t = now_s();
		c = thread_cpu_s();
		if ((r = query(which, i, mig_id)) == NULL) {
			fprintf(stderr, "bench_store: query %s failed\n", what);
			exit(1);
		}
		cpu[i] = (thread_cpu_s() - c) * 1e3;
		t1 = now_s();
		len += strlen(json_object_to_json_string_ext(r,
		    JSON_C_TO_STRING_PLAIN));
		json_object_put(r);
		lat[i] = (t1 - t) * 1e3;
		tot[i] = (now_s() - t) * 1e3;
	}
	qsort(lat, n, sizeof(*lat), cmp_dbl);
	qsort(tot, n, sizeof(*tot), cmp_dbl);
	qsort(cpu, n, sizeof(*cpu), cmp_dbl);
	printf("  %-31s %7.3f %7.3f | %7.3f %7.3f | %7.3f %7.3f  %7.0f\n",
	    what, lat[n / 2], lat[(int)(n * 0.99)], cpu[n / 2],
	    cpu[(int)(n * 0.99)], tot[n / 2], tot[(int)(n * 0.99)], len / n);
	free(lat);
	free(tot);
	free(cpu);
}

static void
queries(int nq, const char *mig_id)
{
	printf("queries, %d each, ms:     store call wall | store call CPU  "
	    "| with JSON text   bytes\n", nq);
	printf("  %-31s %7s %7s | %7s %7s | %7s %7s\n", "", "p50", "p99", "p50",
	    "p99", "p50", "p99");
	time_query("status", Q_STATUS, nq, NULL);
	time_query("migrations (default, 1000)", Q_MIGS, nq, NULL);
	time_query("migrations --active", Q_MIGS_ACTIVE, nq, NULL);
	time_query("migrations --vm UUID", Q_MIGS_VM, nq, NULL);
	time_query("migration ID (2 sides, rounds)", Q_MIG, nq, mig_id);
	time_query("alerts", Q_ALERTS, nq, NULL);
	time_query("nodes", Q_NODES, nq, NULL);
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench_store [-d dir] [-m migrations] "
	    "[-r rounds] [-b batch] [-q queries] [-n nodes] [-v vms] "
	    "[-a N] "
	    "[-s full|normal] [-R restart|continue] [-k]\n       bench_store -Q database "
	    "[-q queries]\n");
	exit(2);
}

/* Migrations k0 .. k0 + nmig - 1, every node's batches flushed at the end. */
static void
ingest_phase(struct pending *pend, int nnodes, int k0, int nmig, int rounds,
    int vms)
{
	int k, i, saved = opt_vms;

	ingest_s = ingest_cpu_s = parse_s = batch_max_s = 0;
	nrecords = nbatches = nrounds = 0;
	opt_vms = vms;
	/* From node k % n to another one, never itself. */
	for (k = k0; k < k0 + nmig; k++)
		play(&pend[k % nnodes], &pend[(k % nnodes + 1 + (k / nnodes) %
		    (nnodes - 1)) % nnodes], k, rounds, T0 + (int64_t)k * 60 * SEC);
	for (i = 0; i < nnodes; i++)
		flush(&pend[i], T0 + (int64_t)(k0 + nmig) * 60 * SEC);
	opt_vms = saved;
}

static void
ingest_report(const char *what)
{
	printf("%s: %llu records (%llu rounds) in %llu batches\n", what,
	    (unsigned long long)nrecords, (unsigned long long)nrounds,
	    (unsigned long long)nbatches);
	printf("  store_records:   %8.0f records/s wall  (%.2f s in "
	    "store_records, %.2f ms per batch, slowest %.2f ms)\n",
	    nrecords / ingest_s, ingest_s, ingest_s * 1e3 / nbatches,
	    batch_max_s * 1e3);
	printf("  store_records:   %8.0f records/s per CPU second (one core: "
	    "%.2f s CPU)\n", nrecords / ingest_cpu_s, ingest_cpu_s);
	printf("  with JSON parse: %8.0f records/s  (parse %.2f s)\n",
	    nrecords / (ingest_s + parse_s), parse_s);
}

int
main(int argc, char **argv)
{
	struct pending *pend;
	const char *dir = "/tmp";
	char path[256], mig_id[128], cmd[1024];
	int nmig = 2000, rounds = 500, nq = 1000, nnodes = 20, ch, i;
	const char *existing = NULL;
	int durable = 1, keep = 0, restart = 0, nmig2 = 0;
	double w0, c0, wall, cpu, before_ms;
	struct stat sb;

	while ((ch = getopt(argc, argv, "a:b:d:kM:m:n:Q:q:R:r:s:v:")) != -1) {
		switch (ch) {
		case 's':
			if (strcmp(optarg, "full") == 0)
				durable = 1;
			else if (strcmp(optarg, "normal") == 0)
				durable = 0;
			else
				usage();
			break;
		case 'a':
			opt_alerts = atoi(optarg);
			break;
		case 'b':
			opt_batch = (unsigned)atoi(optarg);
			break;
		case 'd':
			dir = optarg;
			break;
		case 'k':
			keep = 1;
			break;
		case 'Q':
			existing = optarg;
			break;
		case 'M':
			nmig2 = atoi(optarg);
			break;
		case 'm':
			nmig = atoi(optarg);
			break;
		case 'n':
			nnodes = atoi(optarg);
			break;
		case 'q':
			nq = atoi(optarg);
			break;
		case 'R':
			if (strcmp(optarg, "restart") == 0)
				restart = 2;
			else if (strcmp(optarg, "continue") == 0)
				restart = 1;
			else
				usage();
			break;
		case 'r':
			rounds = atoi(optarg);
			break;
		case 'v':
			opt_vms = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (nmig < 1 || rounds < 1 || opt_batch < 1 || nq < 1 || nnodes < 2 ||
	    opt_vms < 1 || opt_alerts < 1)
		usage();
	if (nmig2 == 0)
		nmig2 = nmig;
	log_init("bench_store", 1, 0);
	if (existing != NULL) {
		if ((st = store_open(existing)) == NULL)
			return 1;
		snprintf(mig_id, sizeof(mig_id), "compute-00/1000/%lld",
		    (long long)T0);
		queries(nq, mig_id);
		store_close(st);
		return 0;
	}
	snprintf(path, sizeof(path), "%s/bench-store-%d.db", dir, (int)getpid());
	if ((st = store_open(path)) == NULL || store_set_durable(st, durable) ==
	    -1)
		return 1;
	if ((pend = calloc(nnodes, sizeof(*pend))) == NULL)
		return 1;
	for (i = 0; i < nnodes; i++) {
		char *n;

		if (asprintf(&n, "compute-%02d", i) == -1)
			return 1;
		pend[i].node = n;
		pend[i].arr = json_object_new_array();
		store_node_hello(st, n, "0.1.0", T0, T0);
	}

	printf("bench_store: %d migrations x %d rounds over %d VMs, batches "
	    "of %u, %d nodes, synchronous %s, %s\n", nmig, rounds, opt_vms,
	    opt_batch, nnodes, durable ? "full" : "normal", path);
	w0 = now_s();
	c0 = cpu_s();
	ingest_phase(pend, nnodes, 0, nmig, rounds, restart ? 1 : opt_vms);
	wall = now_s() - w0;
	cpu = cpu_s() - c0;
	ingest_report("ingest");
	printf("  whole run: %.2f s wall, %.2f s CPU (incl. building the "
	    "records)\n", wall, cpu);
	if (stat(path, &sb) == 0)
		printf("  database: %.1f MiB\n", sb.st_size / 1048576.0);

	if (restart) {
		/*
		 * A clean stop and start (store_close() runs what it runs at
		 * exit, PRAGMA optimize included), then as many migrations
		 * again: the batches must not get slower on the planner
		 * statistics the stop left (docs/performance.md).
		 */
		before_ms = ingest_s * 1e3 / nbatches;
		if (restart == 2) {
			store_close(st);
			if ((st = store_open(path)) == NULL ||
			    store_set_durable(st, durable) == -1)
				return 1;
		}
		ingest_phase(pend, nnodes, nmig, nmig2, rounds, opt_vms);
		ingest_report(restart == 2 ? "after a clean restart" :
		    "as many again, no restart");
		printf("  %s: %.2f ms per batch before, %.2f ms after "
		    "(x%.2f)\n", restart == 2 ? "restart" : "continue", before_ms, ingest_s * 1e3 / nbatches,
		    ingest_s * 1e3 / nbatches / before_ms);
	}

	snprintf(mig_id, sizeof(mig_id), "%s/%d/%lld", pend[0].node, 1000,
	    (long long)T0);
	queries(nq, mig_id);

	store_close(st);
	for (i = 0; i < nnodes; i++) {
		json_object_put(pend[i].arr);
		free((char *)pend[i].node);
	}
	free(pend);
	snprintf(cmd, sizeof(cmd), "rm -f '%s' '%s-wal' '%s-shm'", path, path,
	    path);
	if (keep)
		printf("kept %s\n", path);
	else if (system(cmd) != 0)
		fprintf(stderr, "bench_store: cannot remove %s\n", path);
	return 0;
}
