/*
 * krecord.c: the kernel analyzer's records (docs/records.md):
 * kernel_thread (one thread's sample between two cuts, with its totals),
 * kernel_disk (one block device since it was first seen: requests, bytes,
 * latency percentiles and histogram, queue depth) and kernel_cpu (one
 * CPU's softirq and irq time, and the interfaces' packets).
 */
#include <inttypes.h>
#include <stdio.h>

#include <json-c/json.h>

#include "kernel.h"

#define J_ADD(o, k, v)	json_object_object_add_ex((o), (k), (v), \
			    JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_ADD_CONSTANT_KEY)

static const char *const softirq_names[KN_SOFTIRQS] = {
	"HI", "TIMER", "NET_TX", "NET_RX", "BLOCK", "IRQ_POLL", "TASKLET",
	"SCHED", "HRTIMER", "RCU"
};

const char *
kn_source_name(enum kn_source s)
{
	return s == KS_PROC ? "proc" : "lttng-modules";
}

static struct json_object *
ju(uint64_t v)
{
	return json_object_new_int64((int64_t)v);
}

static struct json_object *
jms(uint64_t ns)
{
	return json_object_new_double((double)ns / 1e6);
}

static struct json_object *
rec(const struct kn_an *an, const char *kind, const char *id, uint64_t t)
{
	struct json_object *o = json_object_new_object();

	J_ADD(o, "kind", json_object_new_string(kind));
	J_ADD(o, "node", json_object_new_string(an->host.node != NULL ?
	    an->host.node : ""));
	J_ADD(o, "id", json_object_new_string(id));
	J_ADD(o, "t_ns", ju(t));
	return o;
}

struct json_object *
kn_thread_record(const struct kn_an *an, const struct kn_thread *th,
    uint64_t t1)
{
	const struct vmreg_entry *vm = NULL;
	struct json_object *o, *tot;
	char id[128];

	snprintf(id, sizeof(id), "%s/%" PRId64 "/%" PRIu64, an->host.node,
	    th->tid, th->t0);
	o = rec(an, "kernel_thread", id, t1);
	J_ADD(o, "source", json_object_new_string(kn_source_name(th->source)));
	J_ADD(o, "tid", json_object_new_int64(th->tid));
	J_ADD(o, "pid", th->pid > 0 ? json_object_new_int64(th->pid) : NULL);
	J_ADD(o, "comm", json_object_new_string(th->comm));
	J_ADD(o, "role", json_object_new_string(kn_role_name(th->role)));
	J_ADD(o, "vcpu", th->vcpu >= 0 ? json_object_new_int(th->vcpu) : NULL);
	if (th->pid > 0 && an->host.vms != NULL)
		vm = vmreg_by_pid(an->host.vms, th->pid);
	J_ADD(o, "vm_uuid", vm != NULL && vm->id.uuid[0] ?
	    json_object_new_string(vm->id.uuid) : NULL);
	J_ADD(o, "vm_name", vm != NULL && vm->id.name[0] ?
	    json_object_new_string(vm->id.name) : NULL);
	J_ADD(o, "start_ns", ju(th->t0));
	J_ADD(o, "end_ns", ju(t1));
	J_ADD(o, "cpu_ns", ju(th->acc.cpu_ns));
	J_ADD(o, "wait_ns", ju(th->acc.wait_ns));
	J_ADD(o, "switches", ju(th->acc.switches));
	J_ADD(o, "preempted", ju(th->acc.preempted));
	J_ADD(o, "wakeups", ju(th->acc.wakeups));
	J_ADD(o, "kvm_exits", ju(th->acc.kvm_exits));
	{
		struct json_object *ns = json_object_new_array(), *x;
		unsigned k;

		for (k = 0; k < KN_NEIGH; k++) {
			const struct kn_neigh *n = &th->acc.neigh[k];

			if (n->tid == 0)
				continue;
			x = json_object_new_object();
			J_ADD(x, "tid", json_object_new_int64(n->tid));
			J_ADD(x, "pid", n->pid > 0 ?
			    json_object_new_int64(n->pid) : NULL);
			J_ADD(x, "comm", json_object_new_string(n->comm));
			J_ADD(x, "ns", ju(n->ns));
			json_object_array_add(ns, x);
		}
		J_ADD(o, "neighbours", ns);
	}
	tot = json_object_new_object();
	J_ADD(tot, "cpu_ns", ju(th->total.cpu_ns));
	J_ADD(tot, "wait_ns", ju(th->total.wait_ns));
	J_ADD(tot, "switches", ju(th->total.switches));
	J_ADD(tot, "kvm_exits", ju(th->total.kvm_exits));
	J_ADD(o, "total", tot);
	J_ADD(o, "first_ns", ju(th->first_ns));
	J_ADD(o, "exited", json_object_new_boolean(th->exited));
	return o;
}

struct json_object *
kn_disk_record(const struct kn_an *an, const struct kn_disk *d, int final)
{
	struct json_object *o, *h;
	uint64_t span;
	char id[128];
	unsigned i;
	double p;

	snprintf(id, sizeof(id), "%s/%s", an->host.node, d->name);
	o = rec(an, "kernel_disk", id, d->last_ns);
	J_ADD(o, "source", json_object_new_string(kn_source_name(d->source)));
	J_ADD(o, "device", json_object_new_string(d->name));
	J_ADD(o, "dev", ju(d->dev));
	J_ADD(o, "since_ns", ju(d->since_ns));
	J_ADD(o, "last_ns", ju(d->last_ns));
	J_ADD(o, "requests", ju(d->requests));
	J_ADD(o, "bytes", ju(d->bytes));
	J_ADD(o, "read_bytes", ju(d->read_bytes));
	J_ADD(o, "write_bytes", ju(d->write_bytes));
	J_ADD(o, "errors", ju(d->errors));
	J_ADD(o, "unmatched", ju(d->unmatched));
	if (d->requests > 0 && d->source == KS_MODULES) {
		J_ADD(o, "lat_sum_ns", ju(d->lat_sum_ns));
		J_ADD(o, "min_ms", jms(d->lat_min_ns));
		J_ADD(o, "mean_ms", json_object_new_double((double)d->lat_sum_ns /
		    (double)d->requests / 1e6));
		J_ADD(o, "max_ms", jms(d->lat_max_ns));
		J_ADD(o, "p50_ms", json_object_new_double(kn_hist_pct(d, 50)));
		J_ADD(o, "p90_ms", json_object_new_double(kn_hist_pct(d, 90)));
		J_ADD(o, "p99_ms", json_object_new_double(kn_hist_pct(d, 99)));
	} else if (d->requests > 0) {
		/* /proc/diskstats: the mean only (time in I/O / requests). */
		p = (double)d->lat_sum_ns / (double)d->requests / 1e6;
		J_ADD(o, "lat_sum_ns", ju(d->lat_sum_ns));
		J_ADD(o, "mean_ms", json_object_new_double(p));
		J_ADD(o, "min_ms", NULL);
		J_ADD(o, "max_ms", NULL);
		J_ADD(o, "p50_ms", NULL);
		J_ADD(o, "p90_ms", NULL);
		J_ADD(o, "p99_ms", NULL);
	}
	h = json_object_new_array();
	for (i = 0; i < KN_HIST; i++) {
		struct json_object *b;
		unsigned e = i / KN_HIST_SUB, sub = i % KN_HIST_SUB;

		if (d->hist[i] == 0)
			continue;
		b = json_object_new_array();
		/* [upper edge in us, count] */
		json_object_array_add(b, json_object_new_double(
		    (double)(1ULL << e) * (1.0 + (sub + 1) / (double)KN_HIST_SUB)));
		json_object_array_add(b, ju(d->hist[i]));
		json_object_array_add(h, b);
	}
	J_ADD(o, "hist_us", h);
	h = json_object_new_array();
	for (i = 0; i < an->naliases; i++)
		if (an->aliases[i].dev == d->dev)
			json_object_array_add(h, json_object_new_string(
			    an->aliases[i].path));
	J_ADD(o, "paths", h);
	span = d->t_depth > d->since_ns ? d->t_depth - d->since_ns : 0;
	J_ADD(o, "depth_max", ju(d->depth_max));
	J_ADD(o, "depth_avg", json_object_new_double(span > 0 ?
	    d->depth_area / (double)span : 0));
	J_ADD(o, "inflight", ju(d->inflight));
	J_ADD(o, "final", json_object_new_boolean(final));
	return o;
}

/* Every CPU's softirq and irq time, and the interfaces, since the start. */
struct json_object *
kn_cpu_record(const struct kn_an *an, uint64_t t1)
{
	struct json_object *o, *cpus, *c, *si, *v, *ifs, *x;
	const struct kn_cpu *k;
	const struct kn_iface *f;
	char id[128];
	unsigned i, j;

	snprintf(id, sizeof(id), "%s/cpus", an->host.node);
	o = rec(an, "kernel_cpu", id, t1);
	J_ADD(o, "since_ns", ju(an->epoch_ns));
	cpus = json_object_new_array();
	for (i = 0; i < an->ncpus; i++) {
		k = &an->cpus[i];
		if (!k->seen)
			continue;
		c = json_object_new_object();
		J_ADD(c, "cpu", json_object_new_int((int)i));
		J_ADD(c, "irq_ms", jms(k->irq_ns));
		J_ADD(c, "irqs", ju(k->irq_n));
		si = json_object_new_object();
		for (j = 0; j < KN_SOFTIRQS; j++) {
			if (k->softirq_n[j] == 0)
				continue;
			v = json_object_new_object();
			J_ADD(v, "count", ju(k->softirq_n[j]));
			J_ADD(v, "ms", jms(k->softirq_ns[j]));
			J_ADD(si, softirq_names[j], v);
		}
		J_ADD(c, "softirq", si);
		json_object_array_add(cpus, c);
	}
	J_ADD(o, "cpus", cpus);
	ifs = json_object_new_array();
	for (i = 0; i < an->nifaces; i++) {
		f = &an->ifaces[i];
		x = json_object_new_object();
		J_ADD(x, "name", json_object_new_string(f->name));
		J_ADD(x, "tx_packets", ju(f->tx_packets));
		J_ADD(x, "tx_bytes", ju(f->tx_bytes));
		J_ADD(x, "rx_packets", ju(f->rx_packets));
		J_ADD(x, "rx_bytes", ju(f->rx_bytes));
		json_object_array_add(ifs, x);
	}
	J_ADD(o, "interfaces", ifs);
	return o;
}
