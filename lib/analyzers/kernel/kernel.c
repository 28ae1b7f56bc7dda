/*
 * kernel.c: the kernel analyzer: what the host kernel did for the threads
 * of each QEMU (CPU time, run-queue wait, switches, KVM exits), for each
 * block device (latency, throughput, queue depth) and on each CPU (softirq
 * and irq time, the interfaces' packets).  Its sources: the lttng-modules
 * events with the field names lttng-modules 2.x emits (docs/events.md;
 * also under the provider strata_kernel: for replays through lttng-ust),
 * and, on hosts without lttng-modules, the agent's samples of the kernel's
 * own accounting (strata:proc_thread from /proc/PID/task/TID/schedstat,
 * strata:proc_disk from /proc/diskstats): the same records, their source
 * stated.  Samples are cut at every kernel.window_s of trace time and at
 * each dirty-bitmap sync of a QEMU (qemu:migration_bitmap_sync_*), so a
 * migration round's figures are sums of whole samples.
 */
#include <stdlib.h>
#include <string.h>

#include "kernel.h"
#include "log.h"

enum kn_code {
	C_SWITCH, C_WAKEUP, C_FORK, C_EXIT, C_FREE, C_KVM_EXIT, C_KVM_ENTRY,
	C_RQ_ISSUE, C_RQ_COMPLETE, C_SI_ENTRY, C_SI_EXIT, C_IRQ_ENTRY,
	C_IRQ_EXIT, C_NET_TX, C_NET_RX, C_SD_PROC, C_SD_BLOCK, C_MIG_SYNC,
	C_PROC_THREAD, C_PROC_DISK, C_ALIAS, C_IDENTITY
};

static const char *const f_switch[] = { "prev_tid", "prev_state", "next_tid",
	"prev_comm", "next_comm", "cpu_id", NULL };
static const char *const f_wakeup[] = { "tid", "comm", "target_cpu",
	"cpu_id", NULL };
static const char *const f_fork[] = { "parent_pid", "child_tid", "child_pid",
	"child_comm", "parent_tid", NULL };
static const char *const f_tid[] = { "tid", NULL };
static const char *const f_kvm[] = { "vcpu_id", "exit_reason", "cpu_id",
	NULL };
static const char *const f_issue[] = { "dev", "sector", "nr_sector", "rwbs",
	NULL };
static const char *const f_complete[] = { "dev", "sector", "error", "errors",
	NULL };
static const char *const f_vec[] = { "vec", "cpu_id", NULL };
static const char *const f_irq[] = { "irq", "cpu_id", NULL };
static const char *const f_net[] = { "len", "name", NULL };
static const char *const f_sd_proc[] = { "tid", "pid", "name", NULL };
static const char *const f_sd_block[] = { "dev", "diskname", NULL };
static const char *const f_proc_thread[] = { "pid", "tid", "comm", "cpu_ns",
	"wait_ns", "slices", NULL };
static const char *const f_proc_disk[] = { "dev", "name", "ios", "sectors",
	"ticks_ms", NULL };
static const char *const f_alias[] = { "dev", "path", NULL };
static const char *const f_identity[] = { "qemu_pid", NULL };

static const struct {
	const char		*name;
	int			 code;
	const char *const	*slots;
} kn_events[] = {
	{ "sched_switch",		C_SWITCH,	f_switch },
	{ "sched_wakeup",		C_WAKEUP,	f_wakeup },
	{ "sched_wakeup_new",		C_WAKEUP,	f_wakeup },
	{ "sched_process_fork",		C_FORK,		f_fork },
	{ "sched_process_exit",		C_EXIT,		f_tid },
	{ "sched_process_free",		C_FREE,		f_tid },
	{ "kvm_x86_exit",		C_KVM_EXIT,	f_kvm },
	{ "kvm_exit",			C_KVM_EXIT,	f_kvm },
	{ "kvm_x86_entry",		C_KVM_ENTRY,	f_kvm },
	{ "kvm_entry",			C_KVM_ENTRY,	f_kvm },
	{ "block_rq_issue",		C_RQ_ISSUE,	f_issue },
	{ "block_rq_complete",		C_RQ_COMPLETE,	f_complete },
	{ "softirq_entry",		C_SI_ENTRY,	f_vec },
	{ "irq_softirq_entry",		C_SI_ENTRY,	f_vec },
	{ "softirq_exit",		C_SI_EXIT,	f_vec },
	{ "irq_softirq_exit",		C_SI_EXIT,	f_vec },
	{ "irq_handler_entry",		C_IRQ_ENTRY,	f_irq },
	{ "irq_handler_exit",		C_IRQ_EXIT,	f_irq },
	{ "net_dev_queue",		C_NET_TX,	f_net },
	{ "netif_receive_skb",		C_NET_RX,	f_net },
	{ "lttng_statedump_process_state", C_SD_PROC,	f_sd_proc },
	{ "lttng_statedump_block_device", C_SD_BLOCK,	f_sd_block },
	{ "qemu:migration_bitmap_sync_start", C_MIG_SYNC, NULL },
	{ "qemu:migration_bitmap_sync_end", C_MIG_SYNC,	NULL },
	{ "strata:proc_thread",		C_PROC_THREAD,	f_proc_thread },
	{ "strata:proc_disk",		C_PROC_DISK,	f_proc_disk },
	{ "strata:block_alias",		C_ALIAS,	f_alias },
	{ "strata:vm_identity",		C_IDENTITY,	f_identity },
};

/* Replays of kernel events through lttng-ust use this provider. */
#define KN_UST_PROVIDER	"strata_kernel:"

#define P_OFF(m)	offsetof(struct kn_params, m)
static const struct an_param kn_param_table[] = {
	{ "window_s", AN_P_DOUBLE, 5, 0.01, 3600, P_OFF(window_s),
	  "length of a thread's sample (kernel_thread records), trace time" },
	{ "top_threads", AN_P_UINT, 8, 0, 1000000, P_OFF(top_threads),
	  "threads other than QEMU's kept per sample, the busiest first" },
	{ "max_threads", AN_P_UINT, 65536, 64, 4194304, P_OFF(max_threads),
	  "threads followed at once; past it new threads are counted, not kept" },
	{ "max_inflight", AN_P_UINT, 4096, 16, 1048576, P_OFF(max_inflight),
	  "block requests in flight followed at once" },
	{ "proc_disk_s", AN_P_DOUBLE, 10, 0, 86400, P_OFF(proc_disk_s),
	  "a /proc disk's kernel_disk record while it has I/O, at most this often (its samples' clock); 0: at first sight and at the end only" },
	{ NULL, 0, 0, 0, 0, 0, NULL }
};

static void
kn_classify(const char *name, const char *const *fields, unsigned nfields,
    struct ev_plan *plan)
{
	size_t i;

	if (strncmp(name, KN_UST_PROVIDER, sizeof(KN_UST_PROVIDER) - 1) == 0)
		name += sizeof(KN_UST_PROVIDER) - 1;
	for (i = 0; i < sizeof(kn_events) / sizeof(kn_events[0]); i++)
		if (strcmp(kn_events[i].name, name) == 0) {
			an_plan_fields(plan, kn_events[i].code,
			    kn_events[i].slots, fields, nfields);
			return;
		}
	an_plan_fields(plan, AN_CODE_NONE, NULL, NULL, 0);
}

/* A member as a signed integer (a tid, a state), def where none. */
static inline int64_t
slot_i(const struct ev *ev, unsigned s, int64_t def)
{
	const struct ev_field *f = ev_slot(ev, s);
	int64_t v;
	uint64_t u;

	if (f != NULL && f->type == EVF_INT)
		return f->v.i;
	if (f != NULL && f->type == EVF_UINT)
		return (int64_t)f->v.u;
	if (ev_field_i64(f, &v) == 0)
		return v;
	if (ev_field_u64(f, &u) == 0)
		return (int64_t)u;
	return def;
}

/*
 * The event's CPU: a cpu_id member of the payload (replays through
 * lttng-ust, where the packet's CPU is the replayer's), else the packet's.
 */
static int
ev_cpu(struct kn_an *an, const struct ev *ev, unsigned slot)
{
	int64_t c = slot_i(ev, slot, ev->cpu);
	struct kn_cpu *n;
	unsigned want;

	if (c < 0 || c >= KN_MAX_CPUS)
		return -1;
	if ((unsigned)c >= an->ncpus) {
		want = an->ncpus ? an->ncpus : 8;
		while (want <= (unsigned)c)
			want *= 2;
		if ((n = realloc(an->cpus, want * sizeof(*n))) == NULL) {
			log_warn("%s: realloc", __func__);
			return -1;
		}
		memset(n + an->ncpus, 0, (want - an->ncpus) * sizeof(*n));
		for (unsigned i = an->ncpus; i < want; i++) {
			n[i].cur = -1;
			n[i].si_vec = -1;
		}
		an->cpus = n;
		an->ncpus = want;
	}
	return (int)c;
}

/* A disk's kernel_disk record: sent, and its news with it. */
static void
kn_disk_send(struct kn_an *an, struct kn_disk *d, int final)
{
	an->host.emit(an->host.emit_arg, kn_disk_record(an, d, final));
	d->dirty = 0;
	an->disk_records++;
}

static void
kn_disks_emit(struct kn_an *an, int final)
{
	unsigned i;

	for (i = 0; i < an->ndisks; i++)
		if (an->disks[i].dirty || final)
			kn_disk_send(an, &an->disks[i], final);
}

/* The end of a window: every thread's sample, the devices, the CPUs. */
static void
kn_window(struct kn_an *an, uint64_t t, int final)
{
	unsigned i;
	int any = 0;

	kn_cut(an, t, -1);
	kn_disks_emit(an, final);
	for (i = 0; i < an->ncpus && !any; i++)
		any = an->cpus[i].seen;
	if (any && an->cpu_dirty) {
		an->host.emit(an->host.emit_arg, kn_cpu_record(an, t));
		an->cpu_dirty = 0;
	}
}

static void
kn_iface(struct kn_an *an, const char *name, uint64_t len, int rx)
{
	struct kn_iface *f = NULL;
	unsigned i;

	if (name == NULL || *name == '\0')
		return;
	for (i = 0; i < an->nifaces; i++)
		if (strncmp(an->ifaces[i].name, name, KN_IFACE - 1) == 0) {
			f = &an->ifaces[i];
			break;
		}
	if (f == NULL) {
		if (an->nifaces == KN_MAX_IFACES)
			return;
		f = &an->ifaces[an->nifaces++];
		memset(f, 0, sizeof(*f));
		strncpy(f->name, name, KN_IFACE - 1);
	}
	if (rx) {
		f->rx_packets++;
		f->rx_bytes += len;
	} else {
		f->tx_packets++;
		f->tx_bytes += len;
	}
	an->cpu_dirty = 1;
}

/* An agent's sample of /proc/PID/task/TID/schedstat (cumulative). */
static void
kn_proc_thread(struct kn_an *an, const struct ev *ev)
{
	struct kn_thread *th;
	uint64_t cpu, wait, slices;
	int64_t tid = slot_i(ev, 1, -1);

	if (an->have_kernel)
		return;		/* the kernel's events say it better */
	if ((th = kn_thread(an, tid, 1)) == NULL)
		return;
	th->source = KS_PROC;
	th->pid = slot_i(ev, 0, th->pid);
	kn_thread_comm(th, ev_slot_str(ev, 2));
	if (ev_slot_u64(ev, 3, &cpu) != 0 || ev_slot_u64(ev, 4, &wait) != 0 ||
	    ev_slot_u64(ev, 5, &slices) != 0)
		return;
	if (th->proc_seen && cpu >= th->proc_cpu && wait >= th->proc_wait &&
	    slices >= th->proc_slices) {
		th->acc.cpu_ns += cpu - th->proc_cpu;
		th->total.cpu_ns += cpu - th->proc_cpu;
		th->acc.wait_ns += wait - th->proc_wait;
		th->total.wait_ns += wait - th->proc_wait;
		th->acc.switches += slices - th->proc_slices;
		th->total.switches += slices - th->proc_slices;
	}
	th->proc_cpu = cpu;
	th->proc_wait = wait;
	th->proc_slices = slices;
	th->proc_seen = 1;
}

/* An agent's sample of one /proc/diskstats line (cumulative). */
static void
kn_proc_disk(struct kn_an *an, const struct ev *ev)
{
	struct kn_disk *d;
	uint64_t dev, ios, sectors, ticks;
	const char *name;
	int first;

	if (an->have_kernel || ev_slot_u64(ev, 0, &dev) != 0 ||
	    ev_slot_u64(ev, 2, &ios) != 0 || ev_slot_u64(ev, 3, &sectors) != 0 ||
	    ev_slot_u64(ev, 4, &ticks) != 0 || (d = kn_disk(an, dev, 1)) == NULL)
		return;
	d->source = KS_PROC;
	if ((name = ev_slot_str(ev, 1)) != NULL && *name != '\0') {
		strncpy(d->name, name, KN_DISK - 1);
		d->name[KN_DISK - 1] = '\0';
	}
	if (d->ds_seen && ios >= d->ds_ios && sectors >= d->ds_sectors &&
	    ticks >= d->ds_ticks_ms) {
		d->requests += ios - d->ds_ios;
		d->bytes += (sectors - d->ds_sectors) * 512;
		d->lat_sum_ns += (ticks - d->ds_ticks_ms) * 1000000;
		if (ios != d->ds_ios)
			d->dirty = 1;
	} else if (!d->ds_seen)
		d->since_ns = ev->t_ns;
	first = !d->ds_seen;
	d->ds_ios = ios;
	d->ds_sectors = sectors;
	d->ds_ticks_ms = ticks;
	d->ds_seen = 1;
	d->last_ns = ev->t_ns;
	/*
	 * /proc samples never close a window (their clock is the agent's,
	 * not the trace's), and a node with no trace events has none: the
	 * disk's own samples send its record, at first sight, idle or not,
	 * so `disks` lists it, then when it had I/O, once a proc_disk_s.
	 */
	if (first || (an->params.proc_disk_s > 0 && d->dirty &&
	    (double)(ev->t_ns - d->ds_sent_ns) >= an->params.proc_disk_s * 1e9)) {
		kn_disk_send(an, d, 0);
		d->ds_sent_ns = ev->t_ns;
	}
}

/* A udev name of a device: kept (the latest KN_MAX_ALIASES) for its records. */
static void
kn_alias(struct kn_an *an, const struct ev *ev)
{
	struct kn_alias *a;
	const char *path = ev_slot_str(ev, 1);
	uint64_t dev;
	unsigned i;

	if (ev_slot_u64(ev, 0, &dev) != 0 || path == NULL || *path == '\0')
		return;
	for (i = 0; i < an->naliases; i++)
		if (strncmp(an->aliases[i].path, path, KN_ALIAS - 1) == 0) {
			an->aliases[i].dev = dev;
			return;
		}
	if (an->naliases == KN_MAX_ALIASES) {
		memmove(&an->aliases[0], &an->aliases[1],
		    (KN_MAX_ALIASES - 1) * sizeof(an->aliases[0]));
		an->naliases--;
	}
	a = &an->aliases[an->naliases++];
	a->dev = dev;
	strncpy(a->path, path, KN_ALIAS - 1);
	a->path[KN_ALIAS - 1] = '\0';
}

static void
kn_event(void *self, const struct ev *ev)
{
	struct kn_an *an = self;
	struct kn_thread *th;
	struct kn_cpu *c;
	struct kn_disk *d;
	uint64_t t = ev->t_ns, w = an->window_ns, u;
	int64_t v;
	int cpu;
	const char *s;

	an->events++;
	kn_threads_reserve(an);
	/*
	 * The agent's /proc readings carry its wall clock, ahead of the
	 * trace's events: with kernel events they say nothing, and they
	 * never move the windows.
	 */
	if (ev->code == C_ALIAS) {
		kn_alias(an, ev);
		return;
	}
	if (ev->code == C_IDENTITY) {
		/* A bridge's events name its QEMU: its cuts are the QEMU's. */
		unsigned i;
		int64_t q = slot_i(ev, 0, -1);

		if (ev->vpid <= 0 || q <= 0 || q == ev->vpid)
			return;
		for (i = 0; i < 64; i++)
			if (an->bridges[i].vpid == ev->vpid)
				break;
		if (i == 64) {
			i = an->next_bridge;
			an->next_bridge = (i + 1) % 64;
		}
		an->bridges[i].vpid = ev->vpid;
		an->bridges[i].qemu_pid = q;
		return;
	}
	if (ev->code == C_PROC_THREAD || ev->code == C_PROC_DISK) {
		if (an->have_kernel)
			return;
		if (ev->code == C_PROC_THREAD)
			kn_proc_thread(an, ev);
		else
			kn_proc_disk(an, ev);
		return;
	}
	if (an->epoch_ns == 0)
		an->epoch_ns = t;
	if (t > an->now_ns)
		an->now_ns = t;
	if (an->win_end == 0)
		an->win_end = (t / w + 1) * w;
	else if (t >= an->win_end) {
		kn_window(an, t / w * w, 0);
		an->win_end = (t / w + 1) * w;
	}
	if (ev->code != C_MIG_SYNC)
		an->have_kernel = 1;
	switch (ev->code) {
	case C_SWITCH:
		cpu = ev_cpu(an, ev, 5);
		kn_switch(an, cpu, t, slot_i(ev, 0, -1), slot_i(ev, 1, 1),
		    ev_slot_str(ev, 3), slot_i(ev, 2, -1), ev_slot_str(ev, 4));
		break;
	case C_WAKEUP:
		cpu = (int)slot_i(ev, 2, ev->cpu);
		kn_wakeup(an, t, slot_i(ev, 0, -1), ev_slot_str(ev, 1), cpu);
		break;
	case C_FORK:
		/* A thread of the same process, or a new process. */
		if ((th = kn_thread(an, slot_i(ev, 1, -1), 1)) == NULL)
			break;
		v = slot_i(ev, 2, -1);
		th->pid = v > 0 ? v : th->pid;
		kn_thread_comm(th, ev_slot_str(ev, 3));
		break;
	case C_EXIT:
		if ((th = kn_thread(an, slot_i(ev, 0, -1), 0)) != NULL)
			th->exited = 1;
		break;
	case C_FREE:
		if ((th = kn_thread(an, slot_i(ev, 0, -1), 0)) != NULL)
			th->exited = 1;
		break;
	case C_KVM_EXIT:
		cpu = ev_cpu(an, ev, 2);
		if (cpu < 0 || (th = kn_thread(an, an->cpus[cpu].cur, 0)) == NULL)
			break;
		th->acc.kvm_exits++;
		th->total.kvm_exits++;
		if ((v = slot_i(ev, 0, -1)) >= 0) {
			th->vcpu = (int)v;
			th->role = KR_VCPU;
		}
		break;
	case C_KVM_ENTRY:
		cpu = ev_cpu(an, ev, 2);
		if (cpu >= 0 && (th = kn_thread(an, an->cpus[cpu].cur, 0)) != NULL &&
		    (v = slot_i(ev, 0, -1)) >= 0) {
			th->vcpu = (int)v;
			th->role = KR_VCPU;
		}
		break;
	case C_RQ_ISSUE:
		kn_rq_issue(an, t, (uint64_t)slot_i(ev, 0, 0),
		    (uint64_t)slot_i(ev, 1, 0), (uint64_t)slot_i(ev, 2, 0),
		    (uint64_t)slot_i(ev, 3, 0));
		break;
	case C_RQ_COMPLETE:
		kn_rq_complete(an, t, (uint64_t)slot_i(ev, 0, 0),
		    (uint64_t)slot_i(ev, 1, 0), slot_i(ev, 2, slot_i(ev, 3, 0)));
		break;
	case C_SI_ENTRY:
	case C_SI_EXIT:
		if ((cpu = ev_cpu(an, ev, 1)) < 0)
			break;
		c = &an->cpus[cpu];
		c->seen = 1;
		v = slot_i(ev, 0, -1);
		if (ev->code == C_SI_ENTRY) {
			c->si_t = t;
			c->si_vec = (int)v;
		} else if (c->si_t != 0 && v == c->si_vec && v >= 0 &&
		    v < KN_SOFTIRQS) {
			c->softirq_ns[v] += t - c->si_t;
			c->softirq_n[v]++;
			c->si_t = 0;
			an->cpu_dirty = 1;
		}
		break;
	case C_IRQ_ENTRY:
	case C_IRQ_EXIT:
		if ((cpu = ev_cpu(an, ev, 1)) < 0)
			break;
		c = &an->cpus[cpu];
		c->seen = 1;
		if (ev->code == C_IRQ_ENTRY)
			c->irq_t = t;
		else if (c->irq_t != 0) {
			c->irq_ns += t - c->irq_t;
			c->irq_n++;
			c->irq_t = 0;
			an->cpu_dirty = 1;
		}
		break;
	case C_NET_TX:
	case C_NET_RX:
		kn_iface(an, ev_slot_str(ev, 1), (uint64_t)slot_i(ev, 0, 0),
		    ev->code == C_NET_RX);
		break;
	case C_SD_PROC:
		if ((th = kn_thread(an, slot_i(ev, 0, -1), 1)) == NULL)
			break;
		if ((v = slot_i(ev, 1, -1)) > 0)
			th->pid = v;
		kn_thread_comm(th, ev_slot_str(ev, 2));
		break;
	case C_SD_BLOCK:
		if (ev_slot_u64(ev, 0, &u) == 0 && (d = kn_disk(an, u, 1)) != NULL &&
		    (s = ev_slot_str(ev, 1)) != NULL && *s != '\0') {
			strncpy(d->name, s, KN_DISK - 1);
			d->name[KN_DISK - 1] = '\0';
		}
		break;
	case C_MIG_SYNC:
		/* A round of this QEMU's migration ends or begins here. */
		if (ev->vpid <= 0)
			break;
		v = ev->vpid;
		for (unsigned i = 0; i < 64; i++)
			if (an->bridges[i].vpid == v) {
				v = an->bridges[i].qemu_pid;
				break;
			}
		kn_cut(an, t, v);
		break;
	}
}

static void
kn_flush(void *self)
{
	(void)self;	/* records go out at the cuts */
}

static void
kn_finish(void *self)
{
	struct kn_an *an = self;

	if (an->events == 0)
		return;
	an->cpu_dirty = 1;
	kn_window(an, an->now_ns, 1);
}

static void *
kn_create(const struct an_host *host, const void *params)
{
	struct kn_an *an;

	if ((an = calloc(1, sizeof(*an))) == NULL) {
		log_warn("%s: calloc", __func__);
		return NULL;
	}
	an->host = *host;
	an->params = *(const struct kn_params *)params;
	an->window_ns = (uint64_t)(an->params.window_s * 1e9);
	if (an->window_ns == 0)
		an->window_ns = 1000000000ULL;
	if (kn_threads_init(an) == -1 || kn_block_init(an) == -1) {
		free(an->thr);
		free(an);
		return NULL;
	}
	return an;
}

/* Sizes stay as created; the window, top_threads, proc_disk_s at once. */
static void
kn_set_params(void *self, const void *params)
{
	struct kn_an *an = self;
	const struct kn_params *p = params;

	an->params.window_s = p->window_s;
	an->params.top_threads = p->top_threads;
	an->params.proc_disk_s = p->proc_disk_s;
	an->window_ns = (uint64_t)(p->window_s * 1e9);
	if (an->window_ns == 0)
		an->window_ns = 1000000000ULL;
}

static void
kn_stats(void *self, struct json_object *obj)
{
	struct kn_an *an = self;

#define N(k, v) json_object_object_add(obj, k, json_object_new_int64((int64_t)(v)))
	N("events", an->events);
	N("switches", an->switches);
	N("threads", an->thr_n);
	N("threads_dropped", an->threads_dropped);
	N("threads_full", an->threads_full);
	N("threads_table", an->thr_size);
	N("samples", an->samples);
	N("disks", an->ndisks);
	N("disk_records", an->disk_records);
	N("requests_in_flight", an->req_n);
	N("requests_full", an->req_full);
	N("requests_unmatched", an->req_unmatched);
#undef N
}

static void
kn_destroy(void *self)
{
	struct kn_an *an = self;

	free(an->thr);
	free(an->req);
	free(an->cpus);
	free(an);
}

const struct analyzer_class an_kernel_class = {
	.name = "kernel",
	.params = kn_param_table,
	.params_size = sizeof(struct kn_params),
	.classify = kn_classify,
	.create = kn_create,
	.event = kn_event,
	.flush = kn_flush,
	.finish = kn_finish,
	.set_params = kn_set_params,
	.stats = kn_stats,
	.destroy = kn_destroy,
};
