/*
 * test_kernel.c: the kernel analyzer on event sequences written by hand,
 * with the figures known in advance: a QEMU's vCPU and migration threads
 * on two CPUs (CPU time, run-queue wait, preemptions, KVM exits), samples
 * cut at a migration round's end, block requests (latency percentiles,
 * bytes, queue depth), the /proc samples' deltas, softirq time, and the
 * bounds (threads that exit leave, a full table counts).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer.h"
#include "kernel.h"
#include "tap.h"

#define MAXREC	4096
#define MS	1000000ULL
#define T0	1700000000000000000ULL	/* on a window boundary */

struct run {
	void			*an;
	struct json_object	*recs[MAXREC];
	unsigned		 nrecs;
	struct kn_params	 params;
	struct vmreg		*vms;
};

static void
collect(void *arg, struct json_object *rec)
{
	struct run *r = arg;

	if (r->nrecs < MAXREC)
		r->recs[r->nrecs++] = rec;
	else
		json_object_put(rec);
}

static void
run_init(struct run *r, double window_s, unsigned max_threads)
{
	struct an_host host;

	memset(r, 0, sizeof(*r));
	memset(&host, 0, sizeof(host));
	host.node = "node-a";
	an_params_default(&an_kernel_class, &r->params);
	r->params.window_s = window_s;
	if (max_threads)
		r->params.max_threads = max_threads;
	host.emit = collect;
	host.emit_arg = r;
	host.vms = r->vms = vmreg_create(0);
	r->an = an_kernel_class.create(&host, &r->params);
}

static void
run_free(struct run *r)
{
	unsigned i;

	an_kernel_class.destroy(r->an);
	vmreg_destroy(r->vms);
	for (i = 0; i < r->nrecs; i++)
		json_object_put(r->recs[i]);
}

static void
feed(struct run *r, struct ev *ev)
{
	struct ev_plan plan;

	an_plan_from_event(&an_kernel_class, ev, &plan);
	ev->code = plan.code;
	ev->plan = &plan;
	if (ev->code != AN_CODE_NONE)
		an_kernel_class.event(r->an, ev);
	ev->plan = NULL;
}

static void
ev_init(struct ev *ev, const char *name, uint64_t t, int cpu)
{
	memset(ev, 0, sizeof(*ev));
	ev->name = name;
	ev->t_ns = t;
	ev->cpu = cpu;
	ev->vpid = ev->vtid = -1;
}

static void
sw(struct run *r, uint64_t t, int cpu, int64_t prev, int64_t state,
    const char *pcomm, int64_t next, const char *ncomm)
{
	struct ev ev;

	ev_init(&ev, "sched_switch", t, cpu);
	ev_add_str(&ev, "prev_comm", pcomm);
	ev_add_int(&ev, "prev_tid", prev);
	ev_add_int(&ev, "prev_prio", 20);
	ev_add_int(&ev, "prev_state", state);
	ev_add_str(&ev, "next_comm", ncomm);
	ev_add_int(&ev, "next_tid", next);
	ev_add_int(&ev, "next_prio", 20);
	feed(r, &ev);
}

static void
wake(struct run *r, uint64_t t, int64_t tid, const char *comm, int cpu)
{
	struct ev ev;

	ev_init(&ev, "sched_wakeup", t, 0);
	ev_add_str(&ev, "comm", comm);
	ev_add_int(&ev, "tid", tid);
	ev_add_int(&ev, "prio", 20);
	ev_add_int(&ev, "target_cpu", cpu);
	feed(r, &ev);
}

static void
sd_proc(struct run *r, uint64_t t, int64_t tid, int64_t pid, const char *name)
{
	struct ev ev;

	ev_init(&ev, "lttng_statedump_process_state", t, 0);
	ev_add_int(&ev, "tid", tid);
	ev_add_int(&ev, "pid", pid);
	ev_add_str(&ev, "name", name);
	feed(r, &ev);
}

static void
kvm_exit(struct run *r, uint64_t t, int cpu, int vcpu)
{
	struct ev ev;

	ev_init(&ev, "kvm_x86_exit", t, cpu);
	ev_add_uint(&ev, "exit_reason", 30);
	ev_add_uint(&ev, "guest_rip", 0);
	ev_add_uint(&ev, "vcpu_id", (uint64_t)vcpu);
	feed(r, &ev);
}

static void
rq(struct run *r, const char *name, uint64_t t, uint64_t dev, uint64_t sector,
    uint64_t nr)
{
	struct ev ev;

	ev_init(&ev, name, t, 0);
	ev_add_uint(&ev, "dev", dev);
	ev_add_uint(&ev, "sector", sector);
	ev_add_uint(&ev, "nr_sector", nr);
	if (strcmp(name, "block_rq_issue") == 0) {
		ev_add_uint(&ev, "bytes", nr * 512);
		ev_add_int(&ev, "tid", 77);
		ev_add_uint(&ev, "rwbs", 1);	/* a write */
		ev_add_str(&ev, "comm", "qemu-system-x86");
	} else {
		ev_add_int(&ev, "error", 0);
		ev_add_uint(&ev, "rwbs", 1);
	}
	feed(r, &ev);
}

/* The sum of member key over tid's kernel_thread samples in [a, b]. */
static int64_t
sum(struct run *r, int64_t tid, const char *key, uint64_t a, uint64_t b)
{
	struct json_object *o, *v;
	const char *k;
	int64_t s = 0;
	unsigned i;

	for (i = 0; i < r->nrecs; i++) {
		o = r->recs[i];
		k = json_object_get_string(json_object_object_get(o, "kind"));
		if (strcmp(k, "kernel_thread") != 0 || json_object_get_int64(
		    json_object_object_get(o, "tid")) != tid)
			continue;
		if ((uint64_t)json_object_get_int64(json_object_object_get(o,
		    "start_ns")) < a || (uint64_t)json_object_get_int64(
		    json_object_object_get(o, "end_ns")) > b)
			continue;
		if ((v = json_object_object_get(o, key)) != NULL)
			s += json_object_get_int64(v);
	}
	return s;
}

static struct json_object *
last_of(struct run *r, const char *kind, const char *key, const char *val)
{
	struct json_object *o, *found = NULL;
	unsigned i;

	for (i = 0; i < r->nrecs; i++) {
		o = r->recs[i];
		if (strcmp(json_object_get_string(json_object_object_get(o,
		    "kind")), kind) != 0)
			continue;
		if (key != NULL && strcmp(json_object_get_string(
		    json_object_object_get(o, key)), val) != 0)
			continue;
		found = o;
	}
	return found;
}

static const char *
str_of(struct json_object *o, const char *key)
{
	return o != NULL ? json_object_get_string(json_object_object_get(o,
	    key)) : NULL;
}

static double
dbl_of(struct json_object *o, const char *key)
{
	return o != NULL ? json_object_get_double(json_object_object_get(o,
	    key)) : -1;
}

/*
 * A QEMU (pid 100): vCPU 0 is thread 101, the migration thread 102; one
 * CPU (0) shared with a busy loop (200).  The migration thread waits 4 ms
 * of a 10 ms round for the CPU.
 */
static void
test_sched(void)
{
	struct run r;
	struct ev ev;
	struct json_object *o;

	run_init(&r, 1, 0);
	sd_proc(&r, T0 + 1 * MS, 100, 100, "qemu-system-x86");
	sd_proc(&r, T0 + 1 * MS, 101, 100, "CPU 0/KVM");
	sd_proc(&r, T0 + 1 * MS, 102, 100, "live_migration");
	sd_proc(&r, T0 + 1 * MS, 200, 200, "burn");
	/* Round start: the QEMU's bitmap sync at 10 ms. */
	ev_init(&ev, "qemu:migration_bitmap_sync_end", T0 + 10 * MS, 3);
	ev.vpid = 100;
	feed(&r, &ev);
	/* CPU 0: burn runs 10..14, the migration thread woke at 10 waits. */
	sw(&r, T0 + 10 * MS, 0, 0, 0, "swapper/0", 200, "burn");
	wake(&r, T0 + 10 * MS, 102, "live_migration", 0);
	sw(&r, T0 + 14 * MS, 0, 200, 0, "burn", 102, "live_migration");
	/* it runs 14..20, preempted back by burn (still runnable) */
	sw(&r, T0 + 20 * MS, 0, 102, 0, "live_migration", 200, "burn");
	/* CPU 1: vCPU 0 runs 10..18 with 3 KVM exits, then blocks */
	sw(&r, T0 + 10 * MS, 1, 0, 0, "swapper/1", 101, "CPU 0/KVM");
	kvm_exit(&r, T0 + 11 * MS, 1, 0);
	kvm_exit(&r, T0 + 12 * MS, 1, 0);
	kvm_exit(&r, T0 + 13 * MS, 1, 0);
	sw(&r, T0 + 18 * MS, 1, 101, 1, "CPU 0/KVM", 0, "swapper/1");
	/* Round end at 20 ms: its samples are cut there. */
	ev_init(&ev, "qemu:migration_bitmap_sync_end", T0 + 20 * MS, 3);
	ev.vpid = 100;
	feed(&r, &ev);
	/* more after the round: the migration thread waits 20..25 */
	sw(&r, T0 + 25 * MS, 0, 200, 0, "burn", 102, "live_migration");
	sw(&r, T0 + 26 * MS, 0, 102, 1, "live_migration", 0, "swapper/0");
	an_kernel_class.finish(r.an);

	is_int(sum(&r, 102, "cpu_ns", T0 + 10 * MS, T0 + 20 * MS), 6 * MS,
	    "round 10..20 ms: the migration thread ran 6 ms");
	is_int(sum(&r, 102, "wait_ns", T0 + 10 * MS, T0 + 20 * MS), 4 * MS,
	    "and waited 4 ms (40 % of the round) for the CPU burn held");
	is_int(sum(&r, 102, "preempted", T0 + 10 * MS, T0 + 20 * MS), 1,
	    "it was preempted once");
	is_int(sum(&r, 101, "cpu_ns", T0 + 10 * MS, T0 + 20 * MS), 8 * MS,
	    "vCPU 0 ran 8 ms of the round");
	is_int(sum(&r, 101, "kvm_exits", T0 + 10 * MS, T0 + 20 * MS), 3,
	    "with 3 KVM exits");
	is_int(sum(&r, 102, "wait_ns", T0 + 20 * MS, T0 + 30 * MS), 5 * MS,
	    "after the round: 5 more ms of wait, in a later sample");
	is_int(sum(&r, 102, "cpu_ns", 0, UINT64_MAX), 7 * MS,
	    "the migration thread's CPU over all samples: 7 ms");
	is_int(sum(&r, 200, "cpu_ns", 0, UINT64_MAX), 9 * MS,
	    "burn ran 4 + 5 ms = 9 ms");
	{
		struct json_object *s, *n;
		unsigned i;
		int64_t ns = 0;
		const char *who = NULL;

		/* The samples of the migration thread: who held its CPU. */
		for (i = 0; i < r.nrecs; i++) {
			s = r.recs[i];
			if (strcmp(str_of(s, "kind"), "kernel_thread") != 0 ||
			    strcmp(str_of(s, "comm"), "live_migration") != 0)
				continue;
			n = json_object_object_get(s, "neighbours");
			if (n != NULL && json_object_array_length(n) > 0) {
				who = str_of(json_object_array_get_idx(n, 0),
				    "comm");
				ns += json_object_get_int64(json_object_object_get(
				    json_object_array_get_idx(n, 0), "ns"));
			}
		}
		is_str(who, "burn", "the migration thread's neighbour: burn");
		is_int(ns, 9 * MS, "burn held its CPU 4 + 5 ms of its waits");
	}
	o = last_of(&r, "kernel_thread", "comm", "CPU 0/KVM");
	is_str(str_of(o, "role"), "vcpu", "CPU 0/KVM has role vcpu");
	is_str(str_of(o, "source"), "lttng-modules", "source lttng-modules");
	o = last_of(&r, "kernel_thread", "comm", "live_migration");
	is_str(str_of(o, "role"), "migration", "live_migration has role migration");
	is_int(json_object_get_int64(json_object_object_get(o, "pid")), 100,
	    "its pid from the statedump: 100");
	run_free(&r);
}

/*
 * 200 requests on 8:16, 4 KiB each, two in flight: 100 of 0.5 ms, 100 of
 * 1..100 ms.
 */
static void
test_block(void)
{
	struct run r;
	struct json_object *o;
	uint64_t dev = (8ULL << 20) | 16, t = T0;
	struct ev ev;
	int i;

	run_init(&r, 1, 0);
	ev_init(&ev, "lttng_statedump_block_device", T0, 0);
	ev_add_uint(&ev, "dev", dev);
	ev_add_str(&ev, "diskname", "sdb");
	feed(&r, &ev);
	for (i = 1; i <= 100; i++) {
		rq(&r, "block_rq_issue", t, dev, (uint64_t)i * 8, 8);
		rq(&r, "block_rq_issue", t + 1, dev, 100000 + (uint64_t)i, 8);
		rq(&r, "block_rq_complete", t + 1 + MS / 2, dev,
		    100000 + (uint64_t)i, 8);
		rq(&r, "block_rq_complete", t + (uint64_t)i * MS, dev,
		    (uint64_t)i * 8, 8);
		t += (uint64_t)i * MS + 1;
	}
	rq(&r, "block_rq_complete", t, dev, 999999, 8);	/* never issued */
	an_kernel_class.finish(r.an);
	o = last_of(&r, "kernel_disk", "device", "sdb");
	ok(o != NULL, "a kernel_disk record for sdb (the statedump's name)");
	is_int(json_object_get_int64(json_object_object_get(o, "requests")), 200,
	    "200 requests");
	is_int(json_object_get_int64(json_object_object_get(o, "bytes")),
	    200 * 4096, "819200 bytes");
	is_int(json_object_get_int64(json_object_object_get(o, "unmatched")), 1,
	    "one completion without its issue is counted");
	ok(dbl_of(o, "max_ms") == 100.0, "max 100 ms (got %g)",
	    dbl_of(o, "max_ms"));
	/* nearest rank 100 of 200 is 0.5 ms: within a bucket (12.5 %) */
	ok(dbl_of(o, "p50_ms") >= 0.5 && dbl_of(o, "p50_ms") <= 0.5 * 1.125,
	    "p50 %g ms: 0.5 ms within a bucket", dbl_of(o, "p50_ms"));
	ok(dbl_of(o, "p99_ms") >= 98.0 && dbl_of(o, "p99_ms") <= 100.0,
	    "p99 %g ms: 98 ms within a bucket, never past the max",
	    dbl_of(o, "p99_ms"));
	is_int(json_object_get_int64(json_object_object_get(o, "depth_max")), 2,
	    "queue depth at most 2");
	ok(json_object_get_boolean(json_object_object_get(o, "final")),
	    "the record at the end is final");
	run_free(&r);
}

/* The agent's /proc samples: cumulative counters become deltas. */
static void
test_proc(void)
{
	struct run r;
	struct ev ev;
	struct json_object *o;
	static const uint64_t cpu[] = { 1000 * MS, 1300 * MS, 1500 * MS };
	static const uint64_t wait[] = { 50 * MS, 450 * MS, 460 * MS };
	uint64_t dev = (253ULL << 20) | 0;
	int i, idle;

	run_init(&r, 1, 0);
	for (i = 0; i < 3; i++) {
		ev_init(&ev, "strata:proc_thread", T0 + (uint64_t)i * 1000 * MS +
		    500 * MS, -1);
		ev_add_int(&ev, "pid", 300);
		ev_add_int(&ev, "tid", 303);
		ev_add_str(&ev, "comm", "live_migration");
		ev_add_uint(&ev, "cpu_ns", cpu[i]);
		ev_add_uint(&ev, "wait_ns", wait[i]);
		ev_add_uint(&ev, "slices", 10 + (uint64_t)i * 5);
		feed(&r, &ev);
		ev_init(&ev, "strata:proc_disk", T0 + (uint64_t)i * 1000 * MS +
		    500 * MS, -1);
		ev_add_uint(&ev, "dev", dev);
		ev_add_str(&ev, "name", "dm-0");
		ev_add_uint(&ev, "ios", 1000 + (uint64_t)i * 10);
		ev_add_uint(&ev, "sectors", 8000 + (uint64_t)i * 80);
		ev_add_uint(&ev, "ticks_ms", 500 + (uint64_t)i * 20);
		feed(&r, &ev);
		ev_init(&ev, "strata:proc_disk", T0 + (uint64_t)i * 1000 * MS +
		    600 * MS, -1);
		ev_add_uint(&ev, "dev", (254ULL << 20) | 16);
		ev_add_str(&ev, "name", "vdb");
		ev_add_uint(&ev, "ios", 77);
		ev_add_uint(&ev, "sectors", 616);
		ev_add_uint(&ev, "ticks_ms", 30);
		feed(&r, &ev);
		/* QEMU's rounds close the windows, as in the agent. */
		ev_init(&ev, "qemu:migration_bitmap_sync_end", T0 +
		    (uint64_t)i * 1000 * MS + 700 * MS, -1);
		ev.vpid = 300;
		feed(&r, &ev);
	}
	for (i = 0, idle = 0; (unsigned)i < r.nrecs; i++) {
		o = r.recs[i];
		if (strcmp(str_of(o, "kind"), "kernel_disk") == 0 &&
		    strcmp(str_of(o, "device"), "vdb") == 0 &&
		    !json_object_get_boolean(json_object_object_get(o, "final")) &&
		    json_object_get_int64(json_object_object_get(o,
		    "requests")) == 0)
			idle++;
	}
	is_int(idle, 1, "an idle disk: one record, at first sight, 0 requests");
	an_kernel_class.finish(r.an);
	is_int(sum(&r, 303, "cpu_ns", 0, UINT64_MAX), 500 * MS,
	    "/proc: 500 ms of CPU between the first and the last sample");
	is_int(sum(&r, 303, "wait_ns", 0, UINT64_MAX), 410 * MS,
	    "/proc: 410 ms of run-queue wait");
	is_int(sum(&r, 303, "switches", 0, UINT64_MAX), 10, "/proc: 10 slices");
	o = last_of(&r, "kernel_thread", "comm", "live_migration");
	is_str(str_of(o, "source"), "proc", "the source is proc");
	o = last_of(&r, "kernel_disk", "device", "dm-0");
	is_int(o ? json_object_get_int64(json_object_object_get(o, "requests")) :
	    -1, 20, "diskstats: 20 requests");
	ok(dbl_of(o, "mean_ms") == 2.0, "diskstats: mean 2 ms (40 ms / 20)");
	is_str(str_of(o, "source"), "proc", "the disk's source is proc");
	run_free(&r);
}

/*
 * A node with no trace events: /proc/diskstats samples alone, one a
 * second, 10 requests each, kernel.proc_disk_s 5.  The disk's record goes
 * out at first sight, then once 5 s of its own samples while it has I/O,
 * not only when the agent stops.
 */
static void
test_proc_no_trace(void)
{
	struct run r;
	struct ev ev;
	struct json_object *o;
	int64_t req[4];
	unsigned i, n = 0;

	run_init(&r, 1, 0);
	r.params.proc_disk_s = 5;
	an_kernel_class.set_params(r.an, &r.params);
	for (i = 0; i < 12; i++) {
		ev_init(&ev, "strata:proc_disk", T0 + (uint64_t)i * 1000 * MS,
		    -1);
		ev_add_uint(&ev, "dev", (8ULL << 20) | 16);
		ev_add_str(&ev, "name", "sdb");
		ev_add_uint(&ev, "ios", 100 + (uint64_t)i * 10);
		ev_add_uint(&ev, "sectors", 800 + (uint64_t)i * 80);
		ev_add_uint(&ev, "ticks_ms", 50 + (uint64_t)i * 10);
		feed(&r, &ev);
	}
	for (i = 0; i < r.nrecs; i++) {
		o = r.recs[i];
		if (strcmp(str_of(o, "kind"), "kernel_disk") != 0)
			continue;
		if (n < 4)
			req[n] = json_object_get_int64(json_object_object_get(o,
			    "requests"));
		n++;
	}
	ok(n == 3 && req[0] == 0 && req[1] == 50 && req[2] == 100,
	    "no trace events: sdb's record at first sight (0 requests), then at 5 s (50) and 10 s (100) of its samples, before the agent stops (%u records)",
	    n);
	run_free(&r);
}

/* Threads that exit leave the table; a full table counts, keeps none. */
static void
test_bounds(void)
{
	struct run r;
	struct json_object *st;
	struct ev ev;
	int i, k;

	run_init(&r, 0.01, 64);
	for (i = 0; i < 1000; i++) {
		uint64_t t = T0 + (uint64_t)i * 20 * MS;

		sw(&r, t, 0, 0, 0, "swapper/0", 1000 + i, "worker");
		ev_init(&ev, "sched_process_exit", t + MS, 0);
		ev_add_str(&ev, "comm", "worker");
		ev_add_int(&ev, "tid", 1000 + i);
		feed(&r, &ev);
		sw(&r, t + 2 * MS, 0, 1000 + i, 64, "worker", 0, "swapper/0");
	}
	st = json_object_new_object();
	an_kernel_class.stats(r.an, st);
	ok(json_object_get_int64(json_object_object_get(st, "threads")) <= 2,
	    "1000 threads that exited: %lld left in the table",
	    (long long)json_object_get_int64(json_object_object_get(st,
	    "threads")));
	is_int(json_object_get_int64(json_object_object_get(st,
	    "threads_full")), 0, "a table of 64 never filled");
	is_int(sum(&r, 1500, "cpu_ns", 0, UINT64_MAX), 2 * MS,
	    "thread 1500 ran its 2 ms before it left");
	json_object_put(st);
	run_free(&r);

	run_init(&r, 1, 64);
	for (i = 0; i < 100; i++)
		wake(&r, T0 + (uint64_t)i, 5000 + i, "sleeper", 0);
	st = json_object_new_object();
	an_kernel_class.stats(r.an, st);
	is_int(json_object_get_int64(json_object_object_get(st, "threads")), 64,
	    "100 live threads, a table of 64: 64 followed");
	is_int(json_object_get_int64(json_object_object_get(st,
	    "threads_full")), 36, "and 36 counted as not followed");
	json_object_put(st);
	run_free(&r);

	/*
	 * The default bound (65,536): the table starts at 1024 slots and
	 * doubles as threads come; threads made before it grew are found
	 * after (woken again: still 3000; thread 5000's CPU time).
	 */
	run_init(&r, 1, 0);
	sw(&r, T0, 0, 0, 0, "swapper/0", 5000, "sleeper");
	for (k = 0; k < 2; k++)
		for (i = 1; i < 3000; i++) {
			uint64_t t = T0 + (uint64_t)k * 3 * MS +
			    (uint64_t)i * 100;

			sw(&r, t, 1, 0, 0, "swapper/1", 5000 + i, "short");
			sw(&r, t + 50, 1, 5000 + i, 1, "short", 0, "swapper/1");
		}
	sw(&r, T0 + 2 * MS, 0, 5000, 1, "sleeper", 0, "swapper/0");
	st = json_object_new_object();
	an_kernel_class.stats(r.an, st);
	ok(json_object_get_int64(json_object_object_get(st, "threads")) ==
	    3000 && json_object_get_int64(json_object_object_get(st,
	    "threads_full")) == 0 && json_object_get_int64(
	    json_object_object_get(st, "threads_table")) == 8192,
	    "3000 live threads, default bound: all followed in a table grown from 1024 to 8192 slots (%s)",
	    json_object_to_json_string(st));
	/* Past the window: its samples. */
	sw(&r, T0 + 1500 * MS, 1, 0, 0, "swapper/1", 4999, "other");
	is_int(sum(&r, 5000, "cpu_ns", 0, UINT64_MAX), 2 * MS,
	    "thread 5000, made before the table grew, keeps its 2 ms");
	json_object_put(st);
	run_free(&r);
}

/* Softirq time per CPU, and the replay provider's cpu_id member. */
static void
test_softirq(void)
{
	struct run r;
	struct ev ev;
	struct json_object *o, *cpus, *c, *si;
	int i;

	run_init(&r, 1, 0);
	for (i = 0; i < 10; i++) {
		ev_init(&ev, "strata_kernel:irq_softirq_entry", T0 + (uint64_t)i *
		    MS, 0);
		ev_add_uint(&ev, "vec", 3);
		ev_add_int(&ev, "cpu_id", 2);
		feed(&r, &ev);
		ev_init(&ev, "strata_kernel:irq_softirq_exit", T0 + (uint64_t)i *
		    MS + 100000, 0);
		ev_add_uint(&ev, "vec", 3);
		ev_add_int(&ev, "cpu_id", 2);
		feed(&r, &ev);
	}
	for (i = 0; i < 3; i++) {
		ev_init(&ev, "net_dev_queue", T0 + 20 * MS + (uint64_t)i, 1);
		ev_add_uint(&ev, "skbaddr", 1);
		ev_add_uint(&ev, "len", 1500);
		ev_add_str(&ev, "name", "tap0");
		feed(&r, &ev);
	}
	ev_init(&ev, "netif_receive_skb", T0 + 21 * MS, 1);
	ev_add_uint(&ev, "skbaddr", 2);
	ev_add_uint(&ev, "len", 60);
	ev_add_str(&ev, "name", "tap0");
	feed(&r, &ev);
	an_kernel_class.finish(r.an);
	o = last_of(&r, "kernel_cpu", NULL, NULL);
	{
		struct json_object *ifs = o ? json_object_object_get(o,
		    "interfaces") : NULL, *f;

		f = ifs && json_object_array_length(ifs) == 1 ?
		    json_object_array_get_idx(ifs, 0) : NULL;
		ok(f != NULL && strcmp(str_of(f, "name"), "tap0") == 0 &&
		    json_object_get_int64(json_object_object_get(f,
		    "tx_packets")) == 3 && json_object_get_int64(
		    json_object_object_get(f, "tx_bytes")) == 4500 &&
		    json_object_get_int64(json_object_object_get(f,
		    "rx_packets")) == 1 && json_object_get_int64(
		    json_object_object_get(f, "rx_bytes")) == 60,
		    "tap0: 3 packets, 4500 bytes sent (net_dev_queue), 1 of 60 "
		    "received (netif_receive_skb)");
	}
	cpus = o ? json_object_object_get(o, "cpus") : NULL;
	c = cpus && json_object_array_length(cpus) == 1 ?
	    json_object_array_get_idx(cpus, 0) : NULL;
	is_int(c ? json_object_get_int(json_object_object_get(c, "cpu")) : -1,
	    2, "one CPU seen: cpu_id 2 from the payload, not the packet's 0");
	si = c ? json_object_object_get(json_object_object_get(c, "softirq"),
	    "NET_RX") : NULL;
	is_int(si ? json_object_get_int64(json_object_object_get(si, "count")) :
	    -1, 10, "10 NET_RX softirqs");
	ok(si != NULL && json_object_get_double(json_object_object_get(si,
	    "ms")) == 1.0, "for 1 ms in all");
	run_free(&r);
}

int
main(void)
{
	plan(43);
	test_sched();
	test_block();
	test_proc();
	test_proc_no_trace();
	test_bounds();
	test_softirq();
	return exit_status();
}
