/*
 * kthread.c: the kernel analyzer's threads: a table by tid (open
 * addressing, bounded by kernel.max_threads; it starts small and doubles
 * as threads come, between two events so that no thread pointer an
 * event's code holds moves), the scheduler's state
 * machine over sched_switch and sched_wakeup (running, runnable, blocked),
 * and the samples: what each thread did between two cuts (the window's
 * end, a migration round's end), emitted as kernel_thread records.
 *
 * The rules, the same for the offline test's independent reading
 * (tests/integration/kernel_figures.py):
 * - CPU time runs from a switch in to the switch out on the same CPU; a
 *   thread already on a CPU when the trace starts is counted from the
 *   first switch that puts it there.
 * - Run-queue wait runs from a wakeup (sched_wakeup, sched_wakeup_new) or
 *   a switch out that leaves the thread runnable (prev_state's low byte 0:
 *   TASK_RUNNING, and the preempted markers TASK_REPORT_MAX, TASK_STATE_MAX)
 *   to its next switch in.
 * - At the end of input, open intervals are counted up to the last event.
 */
#include <stdlib.h>
#include <string.h>

#include "kernel.h"
#include "log.h"

static unsigned
hash_tid(int64_t tid, unsigned size)
{
	uint64_t h = (uint64_t)tid * 0x9E3779B97F4A7C15ULL;

	return (unsigned)(h >> 32) & (size - 1);
}

/* The table's size for max_threads: twice, a power of two. */
static unsigned
size_max(const struct kn_an *an)
{
	unsigned size = 64;

	while (size < an->params.max_threads * 2 && size < (1u << 23))
		size <<= 1;
	return size;
}

int
kn_threads_init(struct kn_an *an)
{
	unsigned size = size_max(an);

	if (size > KN_THREADS_FIRST)
		size = KN_THREADS_FIRST;
	if ((an->thr = calloc(size, sizeof(*an->thr))) == NULL) {
		log_warn("%s: calloc", __func__);
		return -1;
	}
	an->thr_size = size;
	return 0;
}

/*
 * Before an event: the table doubles when the threads an event may add
 * (KN_THREADS_PER_EVENT) could take it past half full, up to its size for
 * max_threads.  Called where no kn_thread pointer is held.  A failed
 * allocation keeps the table: it fills up, and threads_full counts.
 */
void
kn_threads_reserve(struct kn_an *an)
{
	struct kn_thread *n;
	unsigned size, i, k;

	if (2 * (an->thr_n + KN_THREADS_PER_EVENT) <= an->thr_size ||
	    an->thr_size >= size_max(an))
		return;
	size = an->thr_size * 2;
	if ((n = calloc(size, sizeof(*n))) == NULL) {
		log_warn("%s: calloc", __func__);
		return;
	}
	for (i = 0; i < an->thr_size; i++) {
		if (an->thr[i].tid == 0)
			continue;
		for (k = hash_tid(an->thr[i].tid, size); n[k].tid != 0;
		    k = (k + 1) & (size - 1))
			;
		n[k] = an->thr[i];
	}
	free(an->thr);
	an->thr = n;
	an->thr_size = size;
}

const char *
kn_role_name(enum kn_role r)
{
	switch (r) {
	case KR_VCPU:
		return "vcpu";
	case KR_MIGRATION:
		return "migration";
	case KR_IO:
		return "io";
	default:
		return "other";
	}
}

/* QEMU names its threads: "CPU 0/KVM", "live_migration", "multifdsend_3". */
static enum kn_role
role_of(const char *comm, int *vcpu)
{
	int n;

	if (strncmp(comm, "CPU ", 4) == 0 && comm[4] >= '0' && comm[4] <= '9') {
		n = atoi(comm + 4);
		if (strchr(comm, '/') != NULL) {
			*vcpu = n;
			return KR_VCPU;
		}
	}
	if (strcmp(comm, "live_migration") == 0 ||
	    strncmp(comm, "multifdsend_", 12) == 0 ||
	    strncmp(comm, "multifdrecv_", 12) == 0 ||
	    strncmp(comm, "mig/", 4) == 0)
		return KR_MIGRATION;
	if (strncmp(comm, "IO ", 3) == 0 || strncmp(comm, "iothread", 8) == 0)
		return KR_IO;
	return KR_OTHER;
}

void
kn_thread_comm(struct kn_thread *th, const char *comm)
{
	int vcpu = -1;

	if (comm == NULL || *comm == '\0' ||
	    strncmp(th->comm, comm, KN_COMM - 1) == 0)
		return;
	strncpy(th->comm, comm, KN_COMM - 1);
	th->comm[KN_COMM - 1] = '\0';
	th->role = role_of(th->comm, &vcpu);
	if (vcpu >= 0)
		th->vcpu = vcpu;
}

struct kn_thread *
kn_thread(struct kn_an *an, int64_t tid, int create)
{
	struct kn_thread *th;
	unsigned i;

	if (tid <= 0)
		return NULL;	/* the idle task, or no thread */
	for (i = hash_tid(tid, an->thr_size);; i = (i + 1) & (an->thr_size - 1)) {
		th = &an->thr[i];
		if (th->tid == tid)
			return th;
		if (th->tid == 0)
			break;
	}
	if (!create)
		return NULL;
	/* One slot stays free, or a probe for a new tid would not end. */
	if (an->thr_n >= an->params.max_threads ||
	    an->thr_n + 1 >= an->thr_size) {
		an->threads_full++;
		return NULL;
	}
	memset(th, 0, sizeof(*th));
	th->tid = tid;
	th->pid = -1;
	th->cpu = -1;
	th->vcpu = -1;
	th->t0 = an->now_ns;
	th->first_ns = an->now_ns;
	an->thr_n++;
	return th;
}

/* Backward-shift deletion keeps the probe chains whole. */
void
kn_thread_drop(struct kn_an *an, struct kn_thread *th)
{
	unsigned i = (unsigned)(th - an->thr), j, k, m = an->thr_size - 1;

	an->thr[i].tid = 0;
	an->thr_n--;
	an->threads_dropped++;
	for (j = (i + 1) & m; an->thr[j].tid != 0; j = (j + 1) & m) {
		k = hash_tid(an->thr[j].tid, an->thr_size);
		/* Can entry j move to the hole at i? */
		if ((j > i && (k <= i || k > j)) || (j < i && (k <= i && k > j))) {
			an->thr[i] = an->thr[j];
			an->thr[j].tid = 0;
			i = j;
		}
	}
}

static void
add_cpu(struct kn_thread *th, uint64_t d)
{
	th->acc.cpu_ns += d;
	th->total.cpu_ns += d;
}

static void
add_wait(struct kn_thread *th, uint64_t d)
{
	th->acc.wait_ns += d;
	th->total.wait_ns += d;
}

/* What the thread did up to t in the state it is in. */
void
kn_thread_account(struct kn_thread *th, uint64_t t)
{
	if (t <= th->t_state)
		return;
	if (th->state == KT_RUNNING)
		add_cpu(th, t - th->t_state);
	else if (th->state == KT_RUNNABLE)
		add_wait(th, t - th->t_state);
	th->t_state = t;
}

/* The low byte is the task state (0: running); above it, preemption. */
static int
still_runnable(int64_t prev_state)
{
	return (prev_state & 0xff) == 0;
}

/* Credits the threads that ran on c during [a, b] as th's neighbours. */
static void
neighbours(struct kn_an *an, struct kn_thread *th, struct kn_cpu *c,
    uint64_t a, uint64_t b)
{
	struct kn_neigh *n, *min;
	struct kn_thread *o;
	uint64_t lo, hi;
	unsigned i, k;

	for (i = 0; i < KN_RUNS && i < c->nrun; i++) {
		if (c->runs[i].tid <= 0 || c->runs[i].tid == th->tid)
			continue;
		lo = c->runs[i].a > a ? c->runs[i].a : a;
		hi = c->runs[i].b < b ? c->runs[i].b : b;
		if (hi <= lo)
			continue;
		min = NULL;
		for (k = 0; k < KN_NEIGH; k++) {
			n = &th->acc.neigh[k];
			if (n->tid == c->runs[i].tid || n->tid == 0)
				break;
			if (min == NULL || n->ns < min->ns)
				min = n;
		}
		if (k == KN_NEIGH) {
			if (min->ns >= hi - lo)
				continue;	/* the least, kept */
			n = min;
			n->tid = 0;
		}
		if (n->tid == 0) {
			memset(n, 0, sizeof(*n));
			n->tid = c->runs[i].tid;
			if ((o = kn_thread(an, n->tid, 0)) != NULL) {
				n->pid = o->pid;
				memcpy(n->comm, o->comm, KN_COMM);
			}
		}
		n->ns += hi - lo;
	}
}

static int kept(const struct kn_an *, const struct kn_thread *);

void
kn_switch(struct kn_an *an, int cpu, uint64_t t, int64_t prev,
    int64_t prev_state, const char *prev_comm, int64_t next,
    const char *next_comm)
{
	struct kn_thread *p, *n;
	struct kn_cpu *c = cpu >= 0 && (unsigned)cpu < an->ncpus ?
	    &an->cpus[cpu] : NULL;

	an->switches++;
	if ((p = kn_thread(an, prev, 1)) != NULL) {
		kn_thread_comm(p, prev_comm);
		if (p->state == KT_RUNNING && p->cpu == cpu)
			kn_thread_account(p, t);
		p->acc.switches++;
		p->total.switches++;
		if (still_runnable(prev_state)) {
			p->state = KT_RUNNABLE;
			p->wait_since = t;
			p->acc.preempted++;
			p->total.preempted++;
		} else
			p->state = KT_BLOCKED;
		p->t_state = t;
		p->cpu = cpu;
	}
	/* The run that ends here, for the neighbours of those who waited. */
	if (c != NULL && c->seen && c->cur > 0) {
		c->runs[c->nrun % KN_RUNS].tid = c->cur;
		c->runs[c->nrun % KN_RUNS].a = c->t_in;
		c->runs[c->nrun % KN_RUNS].b = t;
		c->nrun++;
	}
	if ((n = kn_thread(an, next, 1)) != NULL) {
		kn_thread_comm(n, next_comm);
		/* A QEMU thread that waited: who ran here meanwhile. */
		if (n->state == KT_RUNNABLE && c != NULL && kept(an, n))
			neighbours(an, n, c, n->wait_since, t);
		if (n->state == KT_RUNNABLE)
			kn_thread_account(n, t);
		n->state = KT_RUNNING;
		n->t_state = t;
		n->cpu = cpu;
	}
	if (c != NULL) {
		c->cur = next;
		c->t_in = t;
		c->seen = 1;
	}
}

void
kn_wakeup(struct kn_an *an, uint64_t t, int64_t tid, const char *comm,
    int cpu)
{
	struct kn_thread *th;

	if ((th = kn_thread(an, tid, 1)) == NULL)
		return;
	kn_thread_comm(th, comm);
	if (th->state == KT_RUNNING || th->state == KT_RUNNABLE)
		return;
	th->state = KT_RUNNABLE;
	th->t_state = t;
	th->wait_since = t;
	th->cpu = cpu;
	th->acc.wakeups++;
	th->total.wakeups++;
}

static int
active(const struct kn_thread *th)
{
	return th->acc.cpu_ns != 0 || th->acc.wait_ns != 0 ||
	    th->acc.switches != 0 || th->acc.kvm_exits != 0;
}

/* A QEMU thread (by its VM, its pid's name or its own): always kept. */
static int
kept(const struct kn_an *an, const struct kn_thread *th)
{
	if (th->role != KR_OTHER || strncmp(th->comm, "qemu", 4) == 0)
		return 1;
	return th->pid > 0 && an->host.vms != NULL &&
	    vmreg_by_pid(an->host.vms, th->pid) != NULL;
}

static void
emit_sample(struct kn_an *an, struct kn_thread *th, uint64_t t)
{
	an->host.emit(an->host.emit_arg, kn_thread_record(an, th, t));
	an->samples++;
}

static int
by_cpu_desc(const void *a, const void *b)
{
	const struct kn_thread *x = *(struct kn_thread *const *)a;
	const struct kn_thread *y = *(struct kn_thread *const *)b;

	if (x->acc.cpu_ns + x->acc.wait_ns != y->acc.cpu_ns + y->acc.wait_ns)
		return x->acc.cpu_ns + x->acc.wait_ns <
		    y->acc.cpu_ns + y->acc.wait_ns ? 1 : -1;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

/*
 * Ends the samples at t: of pid's threads (a round of its migration), or
 * of all (the window's end: QEMU's threads and the busiest others, up to
 * kernel.top_threads of them).  Threads that exited leave the table.
 */
void
kn_cut(struct kn_an *an, uint64_t t, int64_t pid)
{
	struct kn_thread *th, **top = NULL;
	unsigned i, ntop = 0;

	an->cuts++;
	/* No thread followed (a trace of QEMU's events only): nothing to end. */
	if (an->thr_n == 0)
		return;
	if (pid < 0 && (top = calloc(an->thr_n, sizeof(*top))) == NULL)
		log_warn("%s: calloc", __func__);
	for (i = 0; i < an->thr_size; i++) {
		th = &an->thr[i];
		if (th->tid == 0 || (pid >= 0 && th->pid != pid))
			continue;
		/* A cut before the sample's start (input out of order): later. */
		if (t < th->t0)
			continue;
		kn_thread_account(th, t);
		if (!active(th))
			th->t0 = t;
		else if (pid >= 0 || kept(an, th)) {
			emit_sample(an, th, t);
			memset(&th->acc, 0, sizeof(th->acc));
			th->t0 = t;
		} else if (top != NULL)
			top[ntop++] = th;
	}
	if (top != NULL) {
		qsort(top, ntop, sizeof(*top), by_cpu_desc);
		for (i = 0; i < ntop; i++) {
			if (i < an->params.top_threads)
				emit_sample(an, top[i], t);
			memset(&top[i]->acc, 0, sizeof(top[i]->acc));
			top[i]->t0 = t;
		}
		free(top);
	}
	if (pid >= 0)
		return;
	/* Dropping moves entries: walk again until nothing is dropped. */
	for (i = 0; i < an->thr_size; i++) {
		th = &an->thr[i];
		if (th->tid != 0 && th->exited && th->state == KT_BLOCKED) {
			kn_thread_drop(an, th);
			i--;	/* the shift may have moved one here (wraps) */
		}
	}
}
