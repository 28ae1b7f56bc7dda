/*
 * kind.c: the kernel kind on the aggregator's side: what each node's
 * kernel did (lib/analyzers/kernel/): the samples of threads
 * (kernel_thread: CPU time, run-queue wait, switches, KVM exits between
 * two cuts), the latest state of each block device (kernel_disk) and of
 * the CPUs (kernel_cpu).  `disks` lists the devices, `threads` sums the
 * samples of a VM's QEMU, a migration's source QEMU (over the migration)
 * or a node, and the migration kind asks for the figures of each round
 * (kern_annotate_rounds) for its evidence and advice.  Samples older than
 * 6 hours before a node's newest leave the store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <json-c/json.h>

#include "log.h"
#include "kind.h"
#include "app_kind.h"
#include "kern_store.h"
#include "mig_store.h"

/* Samples kept per node: 6 hours before its newest (docs/records.md). */
#define KERN_KEEP_NS	(6LL * 3600 * 1000000000LL)

/* The members of a kernel_thread record (sorted). */
enum kt_f { KT_COMM, KT_CPU_NS, KT_END_NS, KT_ID, KT_KVM_EXITS,
	KT_NEIGHBOURS, KT_PID,
	KT_PREEMPTED, KT_ROLE, KT_SOURCE, KT_START_NS, KT_SWITCHES, KT_T_NS,
	KT_TID, KT_VCPU, KT_VM_NAME, KT_VM_UUID, KT_WAIT_NS, KT__COUNT };

static const char *const kt_fields[] = {
	"comm", "cpu_ns", "end_ns", "id", "kvm_exits", "neighbours", "pid",
	"preempted",
	"role", "source", "start_ns", "switches", "t_ns", "tid", "vcpu",
	"vm_name", "vm_uuid", "wait_ns",
	NULL
};

_Static_assert(sizeof(kt_fields) / sizeof(kt_fields[0]) == KT__COUNT + 1,
    "one name per enum kt_f");

/* kernel_disk, kernel_cpu: the latest of each, kept whole. */
enum kd_f { KD_DEVICE, KD_ID, KD_T_NS, KD__COUNT };
static const char *const kd_fields[] = { "device", "id", "t_ns", NULL };
enum kc_f { KC_ID, KC_T_NS, KC__COUNT };
static const char *const kc_fields[] = { "id", "t_ns", NULL };

static const char kern_schema_v1[] =
	"CREATE TABLE IF NOT EXISTS kernel_threads ("
	"  node            TEXT NOT NULL,"
	"  id              TEXT NOT NULL,"
	"  tid             INTEGER NOT NULL,"
	"  pid             INTEGER,"
	"  comm            TEXT,"
	"  role            TEXT,"
	"  vcpu            INTEGER,"
	"  source          TEXT,"
	"  vm_uuid         TEXT,"
	"  vm_name         TEXT,"
	"  start_ns        INTEGER NOT NULL,"
	"  end_ns          INTEGER NOT NULL,"
	"  cpu_ns          INTEGER NOT NULL,"
	"  wait_ns         INTEGER NOT NULL,"
	"  switches        INTEGER NOT NULL,"
	"  preempted       INTEGER,"
	"  kvm_exits       INTEGER NOT NULL,"
	"  neighbours      TEXT,"	/* JSON: who held its CPU while it waited */
	"  PRIMARY KEY (node, id)"
	") WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS kthreads_pid ON kernel_threads "
	"  (node, pid, start_ns);"
	"CREATE INDEX IF NOT EXISTS kthreads_end ON kernel_threads (node, end_ns);"
	"CREATE INDEX IF NOT EXISTS kthreads_vm ON kernel_threads (vm_uuid);"
	"CREATE TABLE IF NOT EXISTS kernel_disks ("
	"  node            TEXT NOT NULL,"
	"  device          TEXT NOT NULL,"
	"  t_ns            INTEGER NOT NULL,"
	"  raw             TEXT NOT NULL,"
	"  PRIMARY KEY (node, device)"
	") WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS kernel_cpus ("
	"  node            TEXT PRIMARY KEY,"
	"  t_ns            INTEGER NOT NULL,"
	"  raw             TEXT NOT NULL"
	");";

static const char *const kern_schema[] = {
	kern_schema_v1,
	NULL
};

enum kern_st { KS_PUT_THREAD, KS_GET_DISK, KS_PUT_DISK, KS_GET_CPU,
	KS_PUT_CPU, KS_DISKS, KS_THREADS, KS_ROUND, KS_VM_PID, KS_VM_SIDE,
	KS_LAST_END, KS_PRUNE, KS_STATUS, KS_NEIGH, KS_CPUS, KS_SERIES,
	KS__COUNT };

static const char *const kern_sql[KS__COUNT] = {
	[KS_PUT_THREAD] =
	    "INSERT OR REPLACE INTO kernel_threads (node, id, tid, pid, comm, "
	    "role, vcpu, source, vm_uuid, vm_name, start_ns, end_ns, cpu_ns, "
	    "wait_ns, switches, preempted, kvm_exits, neighbours) VALUES (?1, "
	    "?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
	    "?17, ?18)",
	[KS_GET_DISK] =
	    "SELECT t_ns FROM kernel_disks WHERE node = ?1 AND device = ?2",
	[KS_PUT_DISK] =
	    "INSERT OR REPLACE INTO kernel_disks (node, device, t_ns, raw) "
	    "VALUES (?1, ?2, ?3, ?4)",
	[KS_GET_CPU] = "SELECT t_ns FROM kernel_cpus WHERE node = ?1",
	[KS_PUT_CPU] =
	    "INSERT OR REPLACE INTO kernel_cpus (node, t_ns, raw) "
	    "VALUES (?1, ?2, ?3)",
	[KS_DISKS] =
	    "SELECT node, raw FROM kernel_disks WHERE ?1 IS NULL OR node = ?1 "
	    "ORDER BY node, device",
	/* Bare columns come from the row of max(end_ns): the latest. */
	[KS_THREADS] =
	    "SELECT node, tid, pid, comm, role, vcpu, source, sum(cpu_ns), "
	    "sum(wait_ns), sum(switches), sum(kvm_exits), min(start_ns), "
	    "max(end_ns), vm_uuid, vm_name FROM kernel_threads "
	    "WHERE (?1 IS NULL OR node = ?1) AND (?2 IS NULL OR pid = ?2) "
	    "AND end_ns > ?3 AND start_ns < ?4 "
	    "GROUP BY node, tid ORDER BY sum(cpu_ns) + sum(wait_ns) DESC, "
	    "node, tid LIMIT ?5",
	/* A round's samples: those within it (cut at its syncs). */
	[KS_ROUND] =
	    "SELECT tid, comm, role, vcpu, source, sum(cpu_ns), sum(wait_ns), "
	    "sum(switches), sum(kvm_exits) FROM kernel_threads "
	    "WHERE node = ?1 AND pid = ?2 AND start_ns >= ?3 AND end_ns <= ?4 "
	    "GROUP BY tid ORDER BY tid",
	[KS_VM_PID] =
	    "SELECT node, pid FROM kernel_threads WHERE vm_uuid = ?1 OR "
	    "vm_name = ?1 ORDER BY end_ns DESC LIMIT 1",
	[KS_VM_SIDE] =
	    "SELECT node, vpid FROM migration_sides WHERE (vm_uuid = ?1 OR "
	    "vm_name = ?1) AND vpid IS NOT NULL ORDER BY t_ns DESC LIMIT 1",
	[KS_LAST_END] =
	    "SELECT max(end_ns) FROM kernel_threads WHERE node = ?1 AND "
	    "(?2 IS NULL OR pid = ?2)",
	[KS_PRUNE] =
	    "DELETE FROM kernel_threads WHERE node = ?1 AND end_ns < "
	    "(SELECT max(end_ns) FROM kernel_threads WHERE node = ?1) - ?2",
	[KS_SERIES] =
	    "SELECT start_ns, end_ns, cpu_ns, wait_ns, switches, kvm_exits "
	    "FROM kernel_threads WHERE node = ?1 AND tid = ?2 AND end_ns > ?3 "
	    "AND start_ns < ?4 ORDER BY start_ns LIMIT 2000",
	[KS_CPUS] =
	    "SELECT node, raw FROM kernel_cpus WHERE ?1 IS NULL OR node = ?1 "
	    "ORDER BY node",
	[KS_NEIGH] =
	    "SELECT neighbours FROM kernel_threads WHERE node = ?1 AND tid = ?2 "
	    "AND end_ns > ?3 AND start_ns < ?4 AND neighbours IS NOT NULL",
	[KS_STATUS] =
	    "SELECT (SELECT count(*) FROM kernel_threads), "
	    "(SELECT count(*) FROM kernel_disks)",
};

struct kern {
	struct store	*s;
	sqlite3_stmt	*st[KS__COUNT];
	int		 touched;	/* samples in this batch */
};

extern const struct agg_kind agg_kind_kernel;

static void
kern_finish(void *arg)
{
	struct kern *k = arg;
	int i;

	if (k == NULL)
		return;
	for (i = 0; i < KS__COUNT; i++)
		sqlite3_finalize(k->st[i]);
	free(k);
}

static void *
kern_prepare(struct store *s)
{
	struct kern *k;
	int i;

	if ((k = calloc(1, sizeof(*k))) == NULL) {
		log_warn("%s: calloc", __func__);
		return NULL;
	}
	k->s = s;
	for (i = 0; i < KS__COUNT; i++)
		if (store_prepare(s, kern_sql[i], &k->st[i]) == -1) {
			kern_finish(k);
			return NULL;
		}
	return k;
}

/* A count a sample cannot do without: present, not negative. */
static enum agg_ingest
need_count(struct store *s, const struct store_rec *rec, int f,
    const char *name, int64_t *v)
{
	if (app_need_i64(s, rec, f, name, v) != AGG_STORED)
		return AGG_SKIPPED;
	if (*v < 0 || *v > STORE_TIME_RANGE_NS)
		return store_skip(s, SKIP_OUT_OF_RANGE, rec, name);
	return AGG_STORED;
}

static enum agg_ingest
kt_ingest(struct store *s, void *arg, const struct store_rec *rec)
{
	struct kern *k = arg;
	sqlite3_stmt *st;
	const char *id;
	int64_t tid, t0, t1, cpu, wait, sw, kvm;

	if (app_need_str(s, rec, KT_ID, "id", &id) != AGG_STORED ||
	    app_need_i64(s, rec, KT_TID, "tid", &tid) != AGG_STORED ||
	    app_need_i64(s, rec, KT_START_NS, "start_ns", &t0) != AGG_STORED ||
	    app_need_i64(s, rec, KT_END_NS, "end_ns", &t1) != AGG_STORED ||
	    need_count(s, rec, KT_CPU_NS, "cpu_ns", &cpu) != AGG_STORED ||
	    need_count(s, rec, KT_WAIT_NS, "wait_ns", &wait) != AGG_STORED ||
	    need_count(s, rec, KT_SWITCHES, "switches", &sw) != AGG_STORED ||
	    need_count(s, rec, KT_KVM_EXITS, "kvm_exits", &kvm) != AGG_STORED)
		return AGG_SKIPPED;
	if (!store_time_ok(s, t0) || !store_time_ok(s, t1) || t1 < t0)
		return store_skip(s, SKIP_OUT_OF_RANGE, rec, "start_ns");
	st = store_reset(k->st[KS_PUT_THREAD]);
	store_bind_str(st, 1, rec->node);
	store_bind_str(st, 2, id);
	sqlite3_bind_int64(st, 3, tid);
	store_bind_i64(st, 4, store_opt_i64(rec, KT_PID));
	store_bind_str(st, 5, store_opt_str(rec, KT_COMM));
	store_bind_str(st, 6, store_opt_str(rec, KT_ROLE));
	store_bind_i64(st, 7, store_opt_i64(rec, KT_VCPU));
	store_bind_str(st, 8, store_opt_str(rec, KT_SOURCE));
	store_bind_str(st, 9, store_opt_str(rec, KT_VM_UUID));
	store_bind_str(st, 10, store_opt_str(rec, KT_VM_NAME));
	sqlite3_bind_int64(st, 11, t0);
	sqlite3_bind_int64(st, 12, t1);
	sqlite3_bind_int64(st, 13, cpu);
	sqlite3_bind_int64(st, 14, wait);
	sqlite3_bind_int64(st, 15, sw);
	store_bind_i64(st, 16, store_opt_i64(rec, KT_PREEMPTED));
	sqlite3_bind_int64(st, 17, kvm);
	if (rec->v[KT_NEIGHBOURS] != NULL && json_object_is_type(
	    rec->v[KT_NEIGHBOURS], json_type_array) &&
	    json_object_array_length(rec->v[KT_NEIGHBOURS]) > 0)
		store_bind_str(st, 18, json_object_to_json_string_ext(
		    rec->v[KT_NEIGHBOURS], JSON_C_TO_STRING_PLAIN));
	else
		sqlite3_bind_null(st, 18);
	if (store_done(s, st, "kernel_thread") == -1)
		return AGG_ERROR;
	k->touched = 1;
	return AGG_STORED;
}

/* The latest record of (node, key) in a table of raw records. */
static enum agg_ingest
latest(struct store *s, sqlite3_stmt *get, sqlite3_stmt *put,
    const struct store_rec *rec, const char *key, int64_t t)
{
	sqlite3_stmt *st;
	char *raw;
	int r, n = 1;

	st = store_reset(get);
	store_bind_str(st, n++, rec->node);
	if (key != NULL)
		store_bind_str(st, n++, key);
	r = store_row(s, st, "kernel");
	if (r == 1 && sqlite3_column_int64(st, 0) > t) {
		sqlite3_reset(st);
		return AGG_DUPLICATE;	/* superseded */
	}
	sqlite3_reset(st);
	if (r == -1)
		return AGG_ERROR;
	if ((raw = app_raw(store_rec_obj(rec))) == NULL)
		return AGG_ERROR;
	st = store_reset(put);
	n = 1;
	store_bind_str(st, n++, rec->node);
	if (key != NULL)
		store_bind_str(st, n++, key);
	sqlite3_bind_int64(st, n++, t);
	sqlite3_bind_text(st, n, raw, -1, free);
	return store_done(s, st, "kernel") == -1 ? AGG_ERROR : AGG_STORED;
}

static enum agg_ingest
kd_ingest(struct store *s, void *arg, const struct store_rec *rec)
{
	struct kern *k = arg;
	const char *dev, *id;
	int64_t t;

	if (app_need_str(s, rec, KD_ID, "id", &id) != AGG_STORED ||
	    app_need_str(s, rec, KD_DEVICE, "device", &dev) != AGG_STORED ||
	    app_need_i64(s, rec, KD_T_NS, "t_ns", &t) != AGG_STORED)
		return AGG_SKIPPED;
	return latest(s, k->st[KS_GET_DISK], k->st[KS_PUT_DISK], rec, dev, t);
}

static enum agg_ingest
kc_ingest(struct store *s, void *arg, const struct store_rec *rec)
{
	struct kern *k = arg;
	const char *id;
	int64_t t;

	if (app_need_str(s, rec, KC_ID, "id", &id) != AGG_STORED ||
	    app_need_i64(s, rec, KC_T_NS, "t_ns", &t) != AGG_STORED)
		return AGG_SKIPPED;
	return latest(s, k->st[KS_GET_CPU], k->st[KS_PUT_CPU], rec, NULL, t);
}

/* Keeps KERN_KEEP_NS of samples per node, before its newest. */
static int
kern_after_batch(struct store *s, void *arg, const char *node)
{
	struct kern *k = arg;
	sqlite3_stmt *st;

	if (!k->touched)
		return 0;
	st = store_reset(k->st[KS_PRUNE]);
	store_bind_str(st, 1, node);
	sqlite3_bind_int64(st, 2, KERN_KEEP_NS);
	return store_done(s, st, "kernel prune");
}

static void
kern_batch_end(void *arg)
{
	struct kern *k = arg;

	k->touched = 0;
}

static struct json_object *
jget(struct json_object *o, const char *key)
{
	struct json_object *v;

	return o != NULL && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static struct json_object *
jcopy(struct json_object *o, const char *key)
{
	return json_object_get(jget(o, key));
}

struct json_object *
store_q_disks(struct store *s, const char *node, const char **err)
{
	static const char *const keys[] = { "device", "requests", "bytes",
	    "p50_ms", "p99_ms", "max_ms", "since_ns", "source", "mean_ms",
	    "p90_ms", "read_bytes", "write_bytes", "errors", "depth_avg",
	    "depth_max", "inflight", "unmatched", "last_ns", "paths",
	    "hist_us" };
	struct json_object *arr, *o, *x;
	struct kern *k;
	sqlite3_stmt *st;
	const char *raw;
	size_t i;
	int r;

	*err = NULL;
	if ((k = store_kind_state(s, &agg_kind_kernel)) == NULL) {
		*err = store_err(s, "store: no kernel kind");
		return NULL;
	}
	arr = json_object_new_array();
	st = store_reset(k->st[KS_DISKS]);
	store_bind_str(st, 1, node);
	while ((r = store_row(s, st, "disks")) == 1) {
		raw = (const char *)sqlite3_column_text(st, 1);
		if (raw == NULL || (x = json_tokener_parse(raw)) == NULL)
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "node", json_object_new_string(
		    (const char *)sqlite3_column_text(st, 0)));
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			json_object_object_add(o, keys[i], jcopy(x, keys[i]));
		json_object_put(x);
		json_object_array_add(arr, o);
	}
	sqlite3_reset(st);
	if (r == -1) {
		json_object_put(arr);
		*err = store_err(s, "store: %s", sqlite3_errmsg(store_db(s)));
		return NULL;
	}
	return arr;
}

struct json_object *
store_q_cpus(struct store *s, const char *node, const char **err)
{
	struct json_object *res, *cpus, *ifs, *x, *arr, *c, *o, *si;
	struct kern *k;
	sqlite3_stmt *st;
	const char *raw, *nd;
	double total, rx, tx;
	size_t i;
	int r;

	*err = NULL;
	if ((k = store_kind_state(s, &agg_kind_kernel)) == NULL) {
		*err = store_err(s, "store: no kernel kind");
		return NULL;
	}
	res = json_object_new_object();
	cpus = json_object_new_array();
	ifs = json_object_new_array();
	json_object_object_add(res, "cpus", cpus);
	json_object_object_add(res, "interfaces", ifs);
	st = store_reset(k->st[KS_CPUS]);
	store_bind_str(st, 1, node);
	while ((r = store_row(s, st, "cpus")) == 1) {
		nd = (const char *)sqlite3_column_text(st, 0);
		raw = (const char *)sqlite3_column_text(st, 1);
		if (raw == NULL || (x = json_tokener_parse(raw)) == NULL)
			continue;
		arr = jget(x, "cpus");
		for (i = 0; arr != NULL && json_object_is_type(arr,
		    json_type_array) && i < json_object_array_length(arr); i++) {
			c = json_object_array_get_idx(arr, i);
			o = json_object_new_object();
			json_object_object_add(o, "node", json_object_new_string(nd));
			json_object_object_add(o, "cpu", jcopy(c, "cpu"));
			json_object_object_add(o, "irq_ms", jcopy(c, "irq_ms"));
			json_object_object_add(o, "irqs", jcopy(c, "irqs"));
			total = rx = tx = 0;
			if ((si = jget(c, "softirq")) != NULL &&
			    json_object_is_type(si, json_type_object)) {
				json_object_object_foreach(si, vec, v) {
					double ms = jget(v, "ms") ?
					    json_object_get_double(jget(v, "ms")) : 0;

					total += ms;
					if (strcmp(vec, "NET_RX") == 0)
						rx = ms;
					else if (strcmp(vec, "NET_TX") == 0)
						tx = ms;
				}
			}
			json_object_object_add(o, "softirq_ms",
			    store_json_double(total));
			json_object_object_add(o, "net_rx_ms", store_json_double(rx));
			json_object_object_add(o, "net_tx_ms", store_json_double(tx));
			json_object_object_add(o, "softirq", jcopy(c, "softirq"));
			json_object_object_add(o, "since_ns", jcopy(x, "since_ns"));
			json_object_array_add(cpus, o);
		}
		arr = jget(x, "interfaces");
		for (i = 0; arr != NULL && json_object_is_type(arr,
		    json_type_array) && i < json_object_array_length(arr); i++) {
			o = json_object_get(json_object_array_get_idx(arr, i));
			json_object_object_add(o, "node", json_object_new_string(nd));
			json_object_array_add(ifs, o);
		}
		json_object_put(x);
	}
	sqlite3_reset(st);
	if (r == -1) {
		json_object_put(res);
		*err = store_err(s, "store: %s", sqlite3_errmsg(store_db(s)));
		return NULL;
	}
	return res;
}

static void
add_col(struct json_object *o, const char *key, sqlite3_stmt *st, int c)
{
	json_object_object_add(o, key, store_json_col(st, c));
}

static struct json_object *
ms_col(sqlite3_stmt *st, int c)
{
	return store_json_double((double)sqlite3_column_int64(st, c) / 1e6);
}

/* The migration's source side (or its only one): node, pid, span. */
static int
mig_span(struct store *s, const char *id, char **node, int64_t *pid,
    int64_t *from, int64_t *to, const char **err)
{
	struct json_object *m, *sides, *side, *pick = NULL, *v;
	size_t i;

	if ((m = store_q_migration(s, id, err)) == NULL)
		return -1;
	sides = jget(m, "sides");
	for (i = 0; sides != NULL && i < json_object_array_length(sides); i++) {
		side = json_object_array_get_idx(sides, i);
		if (pick == NULL || ((v = jget(side, "role")) != NULL &&
		    strcmp(json_object_get_string(v), "source") == 0))
			pick = side;
	}
	if (pick == NULL || jget(pick, "vpid") == NULL || jget(pick, "node") == NULL) {
		json_object_put(m);
		*err = store_err(s, "migration %.128s: no side with a QEMU pid",
		    id);
		return -1;
	}
	*node = strdup(json_object_get_string(jget(pick, "node")));
	*pid = json_object_get_int64(jget(pick, "vpid"));
	*from = (v = jget(pick, "started_ns")) != NULL ?
	    json_object_get_int64(v) : 0;
	*to = (v = jget(pick, "ended_ns")) != NULL ?
	    json_object_get_int64(v) : INT64_MAX;
	json_object_put(m);
	return 0;
}

/* A VM (uuid or name): its QEMU's node and pid, from its samples or sides. */
static int
vm_pid(struct kern *k, const char *vm, char **node, int64_t *pid)
{
	sqlite3_stmt *st;
	int i, r;

	for (i = 0; i < 2; i++) {
		st = store_reset(k->st[i == 0 ? KS_VM_PID : KS_VM_SIDE]);
		store_bind_str(st, 1, vm);
		if ((r = store_row(k->s, st, "threads")) == 1) {
			*node = store_col_dup(st, 0);
			*pid = sqlite3_column_int64(st, 1);
		}
		sqlite3_reset(st);
		if (r == 1)
			return 0;
		if (r == -1)
			return -1;
	}
	return 1;
}

#define KERN_VM_WINDOW_NS	(60LL * 1000000000LL)

/* One thread's samples over [from, to]: its CPU and wait over time. */
static struct json_object *
series(struct kern *k, const char *node, int64_t tid, int64_t from,
    int64_t to)
{
	struct json_object *arr = json_object_new_array(), *x;
	sqlite3_stmt *st;

	st = store_reset(k->st[KS_SERIES]);
	store_bind_str(st, 1, node);
	sqlite3_bind_int64(st, 2, tid);
	sqlite3_bind_int64(st, 3, from);
	sqlite3_bind_int64(st, 4, to);
	while (store_row(k->s, st, "series") == 1) {
		x = json_object_new_object();
		json_object_object_add(x, "start_ns", store_json_col(st, 0));
		json_object_object_add(x, "end_ns", store_json_col(st, 1));
		json_object_object_add(x, "cpu_ms", store_json_double(
		    (double)sqlite3_column_int64(st, 2) / 1e6));
		json_object_object_add(x, "wait_ms", store_json_double(
		    (double)sqlite3_column_int64(st, 3) / 1e6));
		json_object_object_add(x, "switches", store_json_col(st, 4));
		json_object_object_add(x, "kvm_exits", store_json_col(st, 5));
		json_object_array_add(arr, x);
	}
	sqlite3_reset(st);
	return arr;
}
#define KERN_NEIGH		8

/*
 * A QEMU thread's noisy neighbours over [from, to]: the threads that held
 * its CPU while it waited, summed over its samples, the most first.
 */
static struct json_object *
neighbours(struct kern *k, const char *node, int64_t tid, int64_t from,
    int64_t to)
{
	struct {
		int64_t		 tid, pid, ns;
		char		 comm[32];
	} t[KERN_NEIGH], tmp;
	struct json_object *arr, *a, *x, *v;
	sqlite3_stmt *st;
	const char *txt;
	size_t i, j, n = 0, m;

	st = store_reset(k->st[KS_NEIGH]);
	store_bind_str(st, 1, node);
	sqlite3_bind_int64(st, 2, tid);
	sqlite3_bind_int64(st, 3, from);
	sqlite3_bind_int64(st, 4, to);
	while (store_row(k->s, st, "neighbours") == 1) {
		txt = (const char *)sqlite3_column_text(st, 0);
		if (txt == NULL || (a = json_tokener_parse(txt)) == NULL)
			continue;
		m = json_object_is_type(a, json_type_array) ?
		    json_object_array_length(a) : 0;
		for (i = 0; i < m; i++) {
			x = json_object_array_get_idx(a, i);
			if ((v = jget(x, "tid")) == NULL)
				continue;
			for (j = 0; j < n; j++)
				if (t[j].tid == json_object_get_int64(v))
					break;
			if (j == n) {
				if (n == KERN_NEIGH)
					continue;
				memset(&t[n], 0, sizeof(t[n]));
				t[n].tid = json_object_get_int64(v);
				t[n].pid = jget(x, "pid") ? json_object_get_int64(
				    jget(x, "pid")) : -1;
				snprintf(t[n].comm, sizeof(t[n].comm), "%s",
				    jget(x, "comm") ? json_object_get_string(
				    jget(x, "comm")) : "");
				n++;
			}
			t[j].ns += jget(x, "ns") ? json_object_get_int64(
			    jget(x, "ns")) : 0;
		}
		json_object_put(a);
	}
	sqlite3_reset(st);
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (t[j].ns > t[i].ns) {
				tmp = t[i];
				t[i] = t[j];
				t[j] = tmp;
			}
	arr = json_object_new_array();
	for (i = 0; i < n && i < 4; i++) {
		x = json_object_new_object();
		json_object_object_add(x, "tid", json_object_new_int64(t[i].tid));
		json_object_object_add(x, "pid", t[i].pid > 0 ?
		    json_object_new_int64(t[i].pid) : NULL);
		json_object_object_add(x, "comm", json_object_new_string(
		    t[i].comm));
		json_object_object_add(x, "wait_ms", store_json_double(
		    (double)t[i].ns / 1e6));
		json_object_array_add(arr, x);
	}
	return arr;
}

struct json_object *
store_q_threads(struct store *s, const struct kern_filter *f, const char **err)
{
	struct json_object *arr, *o;
	struct kern *k;
	sqlite3_stmt *st;
	char *node = NULL;
	const char *role;
	int64_t pid = f->pid, from = 0, to = INT64_MAX, last;
	int r;

	*err = NULL;
	if ((k = store_kind_state(s, &agg_kind_kernel)) == NULL) {
		*err = store_err(s, "store: no kernel kind");
		return NULL;
	}
	if (f->subject != NULL) {
		/* A migration: its source QEMU over the migration. */
		if (mig_span(s, f->subject, &node, &pid, &from, &to, err) == -1) {
			if (*err != NULL)
				return NULL;
			/* A VM: its QEMU over the last minute of its samples. */
			if ((r = vm_pid(k, f->subject, &node, &pid)) == -1) {
				*err = store_err(s, "store: %s",
				    sqlite3_errmsg(store_db(s)));
				return NULL;
			}
			if (r == 1)
				return NULL;	/* no such VM or migration */
			st = store_reset(k->st[KS_LAST_END]);
			store_bind_str(st, 1, node);
			sqlite3_bind_int64(st, 2, pid);
			if (store_row(s, st, "threads") == 1 &&
			    sqlite3_column_type(st, 0) != SQLITE_NULL) {
				last = sqlite3_column_int64(st, 0);
				from = last - KERN_VM_WINDOW_NS;
			}
			sqlite3_reset(st);
		}
	}
	if (f->since_ns > from)
		from = f->since_ns;
	arr = json_object_new_array();
	st = store_reset(k->st[KS_THREADS]);
	store_bind_str(st, 1, node != NULL ? node : f->node);
	store_bind_i64(st, 2, pid >= 0 ? pid : STORE_NONE);
	sqlite3_bind_int64(st, 3, from);
	sqlite3_bind_int64(st, 4, to);
	sqlite3_bind_int64(st, 5, f->limit);
	while ((r = store_row(s, st, "threads")) == 1) {
		o = json_object_new_object();
		add_col(o, "node", st, 0);
		add_col(o, "pid", st, 2);
		add_col(o, "tid", st, 1);
		add_col(o, "comm", st, 3);
		add_col(o, "role", st, 4);
		json_object_object_add(o, "cpu_ms", ms_col(st, 7));
		json_object_object_add(o, "wait_ms", ms_col(st, 8));
		add_col(o, "switches", st, 9);
		add_col(o, "cpu_ns", st, 7);
		add_col(o, "wait_ns", st, 8);
		add_col(o, "kvm_exits", st, 10);
		add_col(o, "vcpu", st, 5);
		add_col(o, "source", st, 6);
		add_col(o, "start_ns", st, 11);
		add_col(o, "end_ns", st, 12);
		add_col(o, "vm_uuid", st, 13);
		add_col(o, "vm_name", st, 14);
		role = (const char *)sqlite3_column_text(st, 4);
		json_object_object_add(o, "neighbours", role != NULL &&
		    strcmp(role, "other") != 0 ? neighbours(k,
		    (const char *)sqlite3_column_text(st, 0),
		    sqlite3_column_int64(st, 1), from, to) : NULL);
		if (f->series)
			json_object_object_add(o, "series", series(k,
			    (const char *)sqlite3_column_text(st, 0),
			    sqlite3_column_int64(st, 1), from, to));
		json_object_array_add(arr, o);
	}
	sqlite3_reset(st);
	free(node);
	if (r == -1) {
		json_object_put(arr);
		*err = store_err(s, "store: %s", sqlite3_errmsg(store_db(s)));
		return NULL;
	}
	return arr;
}

int
kern_annotate_rounds(struct store *s, const char *node, int64_t pid,
    struct json_object *rounds, double *pct)
{
	struct json_object *r, *kj, *vcpus, *mt, *x;
	struct kern *k;
	sqlite3_stmt *st;
	const char *role;
	int64_t a, b, cpu, wait, exits, mcpu, mwait;
	double share;
	size_t i;
	int n, worst = -1, any;

	*pct = 0;
	if ((k = store_kind_state(s, &agg_kind_kernel)) == NULL || node == NULL ||
	    pid <= 0 || rounds == NULL ||
	    !json_object_is_type(rounds, json_type_array))
		return -1;
	for (i = 0; i < json_object_array_length(rounds); i++) {
		r = json_object_array_get_idx(rounds, i);
		if (jget(r, "start_ns") == NULL || jget(r, "t_ns") == NULL)
			continue;
		a = json_object_get_int64(jget(r, "start_ns"));
		b = json_object_get_int64(jget(r, "t_ns"));
		if (b <= a)
			continue;
		st = store_reset(k->st[KS_ROUND]);
		store_bind_str(st, 1, node);
		sqlite3_bind_int64(st, 2, pid);
		sqlite3_bind_int64(st, 3, a);
		sqlite3_bind_int64(st, 4, b);
		kj = json_object_new_object();
		vcpus = json_object_new_array();
		mt = NULL;
		exits = mcpu = mwait = 0;
		any = 0;
		while (store_row(s, st, "round") == 1) {
			any = 1;
			role = (const char *)sqlite3_column_text(st, 2);
			cpu = sqlite3_column_int64(st, 5);
			wait = sqlite3_column_int64(st, 6);
			x = json_object_new_object();
			add_col(x, "tid", st, 0);
			add_col(x, "comm", st, 1);
			json_object_object_add(x, "cpu_ms", ms_col(st, 5));
			json_object_object_add(x, "wait_ms", ms_col(st, 6));
			json_object_object_add(x, "wait_pct", store_json_double(
			    100.0 * (double)wait / (double)(b - a)));
			add_col(x, "switches", st, 7);
			if (role != NULL && strcmp(role, "vcpu") == 0) {
				add_col(x, "vcpu", st, 3);
				add_col(x, "kvm_exits", st, 8);
				exits += sqlite3_column_int64(st, 8);
				json_object_array_add(vcpus, x);
			} else if (role != NULL && strcmp(role, "migration") == 0 &&
			    (mt == NULL || wait > mwait)) {
				/* The one of most wait (multifd: several). */
				json_object_put(mt);
				mt = x;
				mcpu = cpu;
				mwait = wait;
			} else
				json_object_put(x);
			if (jget(kj, "source") == NULL)
				add_col(kj, "source", st, 4);
		}
		sqlite3_reset(st);
		if (!any) {
			json_object_put(kj);
			json_object_put(vcpus);
			continue;
		}
		json_object_object_add(kj, "migration_thread", mt);
		json_object_object_add(kj, "vcpus", vcpus);
		json_object_object_add(kj, "kvm_exits",
		    json_object_new_int64(exits));
		share = mt != NULL ? 100.0 * (double)mwait / (double)(b - a) : 0;
		json_object_object_add(kj, "cpu_bound", json_object_new_boolean(
		    share >= KERN_CPU_BOUND_PCT));
		json_object_object_add(r, "kernel", kj);
		n = jget(r, "n") != NULL ? json_object_get_int(jget(r, "n")) : 0;
		if (mt != NULL && (worst == -1 || share > *pct)) {
			worst = n;
			*pct = share;
		}
		(void)mcpu;
	}
	return worst;
}

static struct json_object *
tree_kernel_node(const char *name, const char *node, struct json_object *r,
    struct json_object *x, const char *source)
{
	static const char *const keys[] = { "tid", "comm", "vcpu", "cpu_ms",
	    "wait_ms", "wait_pct", "switches", "kvm_exits" };
	struct json_object *t, *attrs;
	size_t i;

	t = json_object_new_object();
	json_object_object_add(t, "kind", json_object_new_string("kernel"));
	json_object_object_add(t, "layer", json_object_new_string("kernel"));
	json_object_object_add(t, "name", json_object_new_string(name));
	json_object_object_add(t, "node", node != NULL ?
	    json_object_new_string(node) : NULL);
	json_object_object_add(t, "start_ns", jcopy(r, "start_ns"));
	json_object_object_add(t, "end_ns", jcopy(r, "t_ns"));
	json_object_object_add(t, "duration_ms", jcopy(x, "cpu_ms"));
	attrs = json_object_new_object();
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (jget(x, keys[i]) != NULL)
			json_object_object_add(attrs, keys[i], jcopy(x, keys[i]));
	json_object_object_add(attrs, "source", source != NULL ?
	    json_object_new_string(source) : NULL);
	json_object_object_add(t, "attrs", attrs);
	json_object_object_add(t, "children", json_object_new_array());
	return t;
}

struct json_object *
kern_tree_nodes(struct json_object *round, const char *node)
{
	struct json_object *arr = json_object_new_array(), *k, *x, *v;
	const char *src;
	char name[96];
	size_t i;

	if ((k = jget(round, "kernel")) == NULL)
		return arr;
	src = jget(k, "source") ? json_object_get_string(jget(k, "source")) :
	    NULL;
	if ((x = jget(k, "migration_thread")) != NULL) {
		snprintf(name, sizeof(name), "migration thread %s: %.0f %% "
		    "waiting for a CPU", jget(x, "tid") ? json_object_get_string(
		    jget(x, "tid")) : "?", jget(x, "wait_pct") ?
		    json_object_get_double(jget(x, "wait_pct")) : 0.0);
		json_object_array_add(arr, tree_kernel_node(name, node, round, x,
		    src));
	}
	v = jget(k, "vcpus");
	for (i = 0; v != NULL && json_object_is_type(v, json_type_array) &&
	    i < json_object_array_length(v); i++) {
		x = json_object_array_get_idx(v, i);
		snprintf(name, sizeof(name), "vCPU %s: %s KVM exits",
		    jget(x, "vcpu") ? json_object_get_string(jget(x, "vcpu")) :
		    "?", jget(x, "kvm_exits") ? json_object_get_string(
		    jget(x, "kvm_exits")) : "0");
		json_object_array_add(arr, tree_kernel_node(name, node, round, x,
		    src));
	}
	return arr;
}

/* The layer of a tree node's kind. */
static const char *
layer_of(const char *kind)
{
	static const char *const virt[] = { "qemu", "stage", "round",
	    "migration", "ovs", "datapath" };
	size_t i;

	if (kind == NULL)
		return "application";
	if (strcmp(kind, "kernel") == 0)
		return "kernel";
	for (i = 0; i < sizeof(virt) / sizeof(virt[0]); i++)
		if (strcmp(kind, virt[i]) == 0)
			return "virtualization";
	return "application";
}

void
kern_tree_layers(struct json_object *t)
{
	static const char *const common[] = { "kind", "layer", "name", "node",
	    "start_ns", "end_ns", "duration_ms", "attrs", "children" };
	struct json_object *kids, *attrs;
	size_t i;
	int skip;

	if (t == NULL || !json_object_is_type(t, json_type_object))
		return;
	if (jget(t, "layer") == NULL)
		json_object_object_add(t, "layer", json_object_new_string(
		    layer_of(jget(t, "kind") ? json_object_get_string(
		    jget(t, "kind")) : NULL)));
	if (jget(t, "attrs") == NULL) {
		attrs = json_object_new_object();
		json_object_object_foreach(t, key, val) {
			skip = 0;
			for (i = 0; i < sizeof(common) / sizeof(common[0]); i++)
				if (strcmp(key, common[i]) == 0)
					skip = 1;
			if (!skip)
				json_object_object_add(attrs, key,
				    json_object_get(val));
		}
		json_object_object_add(t, "attrs", attrs);
	}
	if ((kids = jget(t, "children")) == NULL ||
	    !json_object_is_type(kids, json_type_array))
		return;
	for (i = 0; i < json_object_array_length(kids); i++)
		kern_tree_layers(json_object_array_get_idx(kids, i));
}

static int
kern_status(struct store *s, void *arg, struct json_object *o)
{
	struct kern *k = arg;
	sqlite3_stmt *st = store_reset(k->st[KS_STATUS]);

	if (store_row(s, st, "status") != 1) {
		sqlite3_reset(st);
		return -1;
	}
	json_object_object_add(o, "kernel_samples",
	    json_object_new_int64(sqlite3_column_int64(st, 0)));
	json_object_object_add(o, "kernel_disks",
	    json_object_new_int64(sqlite3_column_int64(st, 1)));
	sqlite3_reset(st);
	return 0;
}

static const struct agg_record kern_records[] = {
	{ "kernel_thread", kt_fields, kt_ingest, NULL },
	{ "kernel_disk", kd_fields, kd_ingest, NULL },
	{ "kernel_cpu", kc_fields, kc_ingest, NULL },
	{ NULL, NULL, NULL, NULL }
};

extern const struct ctl_cmd *const kernel_cmds[];

const struct agg_kind agg_kind_kernel = {
	.name = "kernel",
	.records = kern_records,
	.schema = kern_schema,
	.prepare = kern_prepare,
	.finish = kern_finish,
	.after_batch = kern_after_batch,
	.batch_end = kern_batch_end,
	.status = kern_status,
	.cmds = kernel_cmds,
};
