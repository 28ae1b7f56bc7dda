/*
 * ovs.c: the ovs analyzer: Open vSwitch's datapath and ovs-vswitchd from
 * the ovs:* events (docs/events.md, "Provider ovs"), whatever their source
 * (kernel tracepoints and kprobes, USDT probes, strata-ovs-bridge).
 *
 * Packets are joined with bounded memory.  The fast path of a packet is
 * one nested call chain on one CPU (receive > process > lookup > actions >
 * send), so each CPU keeps a stack of at most OVS_CPU_DEPTH packets and
 * entry/exit pairs delimit the components without a tag.  A miss queues
 * an upcall: the upcalls in flight are one ring of `ovs.inflight_max`
 * shared by the handler threads, matched by pkt_hash (a hash of the
 * packet's first 64 bytes) checked against the length where the source
 * has it, else by handler thread and batch order (upcall_cost.py's
 * method: attribution is then per batch).  The slow path ends when the
 * handler's ovs_packet_cmd_execute returns.  What times out, is pushed out
 * of a full table or finds nothing to match is counted (stats, and each
 * ovs_handlers record), never dropped silently.
 *
 * Every `ovs.summary_s` of trace time it sends, never one record per
 * packet: ovs_latency per (bridge, port) with log-linear histograms of
 * the fast path, slow path and total and of each component; ovs_flows
 * per bridge (upcalls, flow installs and deletes, reconfigurations and
 * their rates); ovs_handlers (upcalls per handler thread and per batch,
 * the join's counters); ovs_port on a change of the port map; and the
 * alerts ovs.latency_high and ovs.upcall_storm with their resolutions
 * (docs/records.md).
 *
 * For VM-to-VM latency across nodes, a packet whose dp_entry carries a
 * pkt_hash with pkt_hash % `ovs.sample_every` == 0 is a sample: its time,
 * hash, port and way ("in" at receive, "out" at send).  Every node picks
 * the same packets, as the choice is by their bytes; ovs_samples sends
 * them per summary (at most `ovs.samples_max`, the rest counted), and the
 * aggregator joins one node's "in" to another's "out" (`ovs vm2vm`).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer.h"
#include "loghist.h"
#include "oslo.h"
#include "log.h"

#define OVS_CPU_DEPTH	8	/* nested packets on one CPU */
#define OVS_HANDLERS	64	/* handler threads counted per window */
#define OVS_NAME	64

/* The codes of classify(). */
enum ovs_code {
	OC_DP_ENTRY, OC_DP_EXIT, OC_UPCALL, OC_HRECV, OC_PUT, OC_DEL,
	OC_EXEC, OC_RECONF, OC_PORTMAP, OC_DPSTATS, OC__COUNT
};

static const char *const oc_events[OC__COUNT] = {
	"ovs:dp_entry", "ovs:dp_exit", "ovs:upcall", "ovs:handler_recv",
	"ovs:flow_put", "ovs:flow_del", "ovs:flow_execute", "ovs:reconfigure",
	"ovs:port_map", "ovs:dp_stats"
};

static const char *const oc_slots[OC__COUNT][EV_PLAN_SLOTS + 1] = {
	[OC_DP_ENTRY] = { "component", "cpu", "tid", "bridge", "port",
	    "pkt_hash", NULL },
	[OC_DP_EXIT] = { "component", "cpu", "tid", NULL },
	[OC_UPCALL] = { "cpu", "pkt_hash", "len", "bridge", "port", NULL },
	[OC_HRECV] = { "handler", "batch", "batch_size", "pkt_hash", "len",
	    NULL },
	[OC_PUT] = { "handler", "pkt_hash", "bridge", "ufid", NULL },
	[OC_DEL] = { "handler", "bridge", "ufid", "reason", NULL },
	[OC_EXEC] = { "handler", "pkt_hash", "len", NULL },
	[OC_RECONF] = { "what", "bridge", "port", NULL },
	[OC_PORTMAP] = { "bridge", "port", "ofport", "iface_id",
	    "attached_mac", "vm_uuid", "present", "mac", NULL },
	[OC_DPSTATS] = { "datapath", "bridge", "missed", "lost", "flows",
	    NULL },
};

/* Datapath components (dp_entry/dp_exit), then the slow path's stages. */
enum ovs_comp {
	CO_RECEIVE, CO_PROCESS, CO_LOOKUP, CO_UPCALL, CO_ACTIONS, CO_SEND,
	CO_EXECUTE, CO__DP,
	CO_QUEUE = CO__DP, CO_HANDLER, CO_PUT, CO__COUNT
};

static const char *const co_names[CO__COUNT] = {
	"receive", "process", "lookup", "upcall", "actions", "send", "execute",
	"queue", "handler", "put"
};

enum ovs_path { OP_FAST, OP_SLOW, OP_TOTAL, OP__COUNT };
static const char *const op_names[OP__COUNT] = { "fast", "slow", "total" };

struct ovs_params {
	double		 summary_s;
	double		 timeout_ms;
	unsigned	 inflight_max;
	unsigned	 cpus_max;
	unsigned	 ports_max;
	double		 latency_p99_us;
	double		 alert_window_s;
	unsigned	 alert_min_packets;
	double		 upcall_storm_per_s;
	unsigned	 sample_every;
	unsigned	 samples_max;
};

#define P_OFF(m)	offsetof(struct ovs_params, m)
static const struct an_param ovs_param_table[] = {
	{ "summary_s", AN_P_DOUBLE, 10, 0.1, 86400, P_OFF(summary_s),
	  "the period of the ovs_latency, ovs_flows and ovs_handlers records (trace time)" },
	{ "timeout_ms", AN_P_DOUBLE, 1000, 0.001, 600000, P_OFF(timeout_ms),
	  "a packet or upcall in flight this long is dropped from the join (counted as timed_out)" },
	{ "inflight_max", AN_P_UINT, 1024, 1, 1048576, P_OFF(inflight_max),
	  "upcalls in flight at most; the oldest is evicted (counted) beyond" },
	{ "cpus_max", AN_P_UINT, 256, 1, 65536, P_OFF(cpus_max),
	  "CPUs with a per-CPU packet stack; events of higher CPUs count as unmatched" },
	{ "ports_max", AN_P_UINT, 512, 1, 65536, P_OFF(ports_max),
	  "(bridge, port) pairs kept; events of others count under bridge and port \"-\"" },
	{ "latency_p99_us", AN_P_DOUBLE, 0, 0, 1e9, P_OFF(latency_p99_us),
	  "ovs.latency_high when a port's total p99 is above this (us) over alert_window_s; 0: never" },
	{ "alert_window_s", AN_P_DOUBLE, 60, 0.1, 86400, P_OFF(alert_window_s),
	  "the window of the ovs.latency_high p99 (trace time, whole summaries)" },
	{ "alert_min_packets", AN_P_UINT, 20, 1, 1000000000, P_OFF(alert_min_packets),
	  "packets a port needs in an alert window for its p99 to raise or resolve an alert" },
	{ "upcall_storm_per_s", AN_P_DOUBLE, 0, 0, 1e12, P_OFF(upcall_storm_per_s),
	  "ovs.upcall_storm when a bridge's upcalls per second over a summary are above this; 0: never" },
	{ "sample_every", AN_P_UINT, 64, 0, 1u << 30, P_OFF(sample_every),
	  "a packet whose pkt_hash % this is 0 is an ovs_samples sample (the same packets on every node); 0: none" },
	{ "samples_max", AN_P_UINT, 4096, 1, 1048576, P_OFF(samples_max),
	  "samples kept per summary; more are counted as dropped" },
	{ NULL, 0, 0, 0, 0, 0, NULL }
};

/* One (bridge, port): its histograms of the window, its port map row. */
struct oport {
	char		 bridge[OVS_NAME];
	char		 port[OVS_NAME];
	int		 active;		/* packets this window */
	struct loghist	 path[OP__COUNT];
	struct loghist	*comp;			/* [CO__COUNT], on first use */
	struct loghist	 alert;			/* total, over the alert window */
	int		 firing;
	uint64_t	 fired_ns;
	/* The OVSDB Interface row (ovs:port_map). */
	int		 mapped, map_dirty, present, ofport;
	char		 iface_id[OVS_NAME], attached_mac[24], vm_uuid[OVS_NAME];
	char		 mac[24];
	uint64_t	 map_ns;
};

struct obridge {
	char		 name[OVS_NAME];
	uint64_t	 upcalls, installs, deletes, reconf, lost;	/* window */
	uint64_t	 t_upcalls, t_installs, t_deletes, t_reconf;	/* life */
	int		 upcall_events;	/* ovs:upcall seen: dp_stats not counted */
	int		 fresh;		/* known since this window */
	int		 was_active;	/* counts in the window before */
	int		 firing;
	uint64_t	 fired_ns;
};

/* A datapath's last dp_stats counters, for the deltas. */
struct odp {
	char		 name[OVS_NAME];
	uint64_t	 missed, lost;
};

/* One packet on a CPU's stack. */
struct fpkt {
	uint64_t	 t0;			/* root component's entry */
	uint64_t	 ent[CO__DP];		/* entries; 0: not in it */
	int		 root;			/* CO_RECEIVE or CO_EXECUTE */
	int		 upcalled;
	int		 tid;
	int		 port;			/* oport index, -1 */
	int		 slow;			/* ring position + 1 of its upcall */
	uint64_t	 slow_t;		/* and its t_up: the slot may be reused */
};

struct ocpu {
	struct fpkt	 stk[OVS_CPU_DEPTH];
	unsigned	 n;
};

enum sstate { SS_FREE, SS_QUEUED, SS_RECV, SS_PUT, SS_EXEC };

/* One upcall in flight. */
struct spkt {
	enum sstate	 state;
	uint64_t	 hash;			/* 0: none */
	unsigned	 len;
	int		 handler;
	int		 port;
	uint64_t	 t_rx, t_up, t_recv, t_put, t_exec;
};

struct ohandler {
	int		 tid;
	uint64_t	 upcalls, batches, last_batch, max_batch;
	int		 has_batch;
};

/* A sampled packet at a port: ovs_samples. */
struct osample {
	uint64_t	 t, hash;
	int		 port;		/* into ports */
	int		 out;		/* 0: in (receive), 1: out (send) */
};

struct ovs_an {
	struct an_host	 host;
	struct ovs_params params;
	uint64_t	 timeout_ns, period_ns;	/* of params, per event */
	struct ocpu	*cpus;
	unsigned	 ncpus;
	struct spkt	*ring;
	unsigned	 ring_cap, ring_head, ring_n;	/* head: oldest */
	struct oport	**ports;
	unsigned	 nports, ports_cap;
	int		*pidx;			/* open addressing, -1 free */
	unsigned	 pidx_cap;
	struct obridge	*bridges;
	unsigned	 nbridges, bridges_cap;
	struct odp	*dps;
	unsigned	 ndps, dps_cap;
	struct ohandler	 handlers[OVS_HANDLERS];
	unsigned	 nhandlers;
	uint64_t	 win_start, now_ns, alert_start, epoch_ns;
	/* Counters: life, and the window's. */
	uint64_t	 events, packets_fast, packets_slow;
	uint64_t	 evicted, timed_out, unmatched, port_overflow;
	uint64_t	 w_evicted, w_timed_out, w_unmatched, w_batches;
	uint64_t	 w_batch_upcalls;
	int		 upcall_events;	/* ovs:upcall seen: kprobes queue none */
	int		 usdt_handlers;	/* a handler's USDT probe seen */
	/* ovs-vswitchd's main loop (USDT main:run_start, main:poll_block). */
	int		 main_state;	/* 0 unknown, 1 running, 2 blocked */
	uint64_t	 main_t;	/* its last change, or the window's start */
	uint64_t	 w_main_busy, w_main_idle, w_main_iters;
	/* The revalidators' USDT probes in the window, and their threads. */
	uint64_t	 w_rv[3];		/* by US_DEL, US_RESULT, US_SWEEP */
	int		 rv_tids[OVS_HANDLERS];
	unsigned	 rv_ntids;
	struct osample	*samples;	/* the window's, samples_max */
	unsigned	 nsamples;
	uint64_t	 sampled, w_samples_dropped, samples_dropped;
};

static int kp_code(const char *);
static void upcall_queue(struct ovs_an *, struct fpkt *, uint64_t, unsigned,
    uint64_t, int);
static void revalidator(struct ovs_an *, int, int);
static struct spkt *ring_find(struct ovs_an *, enum sstate, enum sstate, int,
    uint64_t, unsigned);
static void flow_execute(struct ovs_an *, const struct ev *);
static void main_account(struct ovs_an *, uint64_t);

static void
ovs_classify(const char *name, const char *const *fields, unsigned nfields,
    struct ev_plan *plan)
{
	int c;

	for (c = 0; c < OC__COUNT; c++)
		if (strcmp(name, oc_events[c]) == 0) {
			an_plan_fields(plan, c, oc_slots[c], fields, nfields);
			return;
		}
	an_plan_fields(plan, kp_code(name), NULL, NULL, 0);
}

/*
 * The datapath components' names differ in their first letter: one string
 * comparison per entry or exit event, the commonest events.
 */
static int
comp_of(const char *s)
{
	int c;

	if (s == NULL)
		return -1;
	for (c = 0; c < CO__DP; c++)
		if (s[0] == co_names[c][0])
			return strcmp(s + 1, co_names[c] + 1) == 0 ? c : -1;
	return -1;
}

static const char *
name_or_dash(const char *s)
{
	return s != NULL && *s != '\0' ? s : "-";
}

static uint64_t
hash_str2(const char *a, const char *b)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *a; a++)
		h = (h ^ (unsigned char)*a) * 1099511628211ULL;
	h = (h ^ '/') * 1099511628211ULL;
	for (; *b; b++)
		h = (h ^ (unsigned char)*b) * 1099511628211ULL;
	return h;
}

static struct obridge *bridge_get(struct ovs_an *, const char *);

static int
pidx_insert(struct ovs_an *an, int i)
{
	unsigned m = an->pidx_cap - 1, k;

	k = (unsigned)hash_str2(an->ports[i]->bridge, an->ports[i]->port) & m;
	while (an->pidx[k] != -1)
		k = (k + 1) & m;
	an->pidx[k] = i;
	return 0;
}

/* The index of (bridge, port), made on first sight; "-"/"-" past the bound. */
static int
port_get(struct ovs_an *an, const char *bridge, const char *port)
{
	struct oport *p, **np;
	unsigned m, k, i;
	int *ni;

	bridge = name_or_dash(bridge);
	port = name_or_dash(port);
	if (an->pidx_cap > 0) {
		m = an->pidx_cap - 1;
		k = (unsigned)hash_str2(bridge, port) & m;
		while (an->pidx[k] != -1) {
			p = an->ports[an->pidx[k]];
			if (strcmp(p->bridge, bridge) == 0 &&
			    strcmp(p->port, port) == 0)
				return an->pidx[k];
			k = (k + 1) & m;
		}
	}
	if (an->nports >= an->params.ports_max) {
		an->port_overflow++;
		if (strcmp(bridge, "-") == 0 && strcmp(port, "-") == 0)
			return -1;
		return port_get(an, "-", "-");
	}
	if (an->nports == an->ports_cap) {
		an->ports_cap = an->ports_cap ? an->ports_cap * 2 : 16;
		if ((np = realloc(an->ports, an->ports_cap * sizeof(*np))) ==
		    NULL) {
			log_warn("%s: realloc", __func__);
			return -1;
		}
		an->ports = np;
	}
	if (2 * (an->nports + 1) > an->pidx_cap) {
		k = an->pidx_cap ? an->pidx_cap * 2 : 64;
		if ((ni = malloc(k * sizeof(*ni))) == NULL) {
			log_warn("%s: malloc", __func__);
			return -1;
		}
		free(an->pidx);
		an->pidx = ni;
		an->pidx_cap = k;
		for (i = 0; i < k; i++)
			ni[i] = -1;
		for (i = 0; i < an->nports; i++)
			pidx_insert(an, (int)i);
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		log_warn("%s: calloc", __func__);
		return -1;
	}
	snprintf(p->bridge, sizeof(p->bridge), "%s", bridge);
	snprintf(p->port, sizeof(p->port), "%s", port);
	p->ofport = -1;
	an->ports[an->nports] = p;
	pidx_insert(an, (int)an->nports);
	/* Its bridge has an ovs_flows record from now on. */
	(void)bridge_get(an, bridge);
	return (int)an->nports++;
}

static struct obridge *
bridge_get(struct ovs_an *an, const char *name)
{
	struct obridge *b;
	unsigned i;

	name = name_or_dash(name);
	for (i = 0; i < an->nbridges; i++)
		if (strcmp(an->bridges[i].name, name) == 0)
			return &an->bridges[i];
	if (an->nbridges >= an->params.ports_max) {
		if (strcmp(name, "-") == 0)
			return NULL;
		return bridge_get(an, "-");
	}
	if (an->nbridges == an->bridges_cap) {
		an->bridges_cap = an->bridges_cap ? an->bridges_cap * 2 : 8;
		if ((b = realloc(an->bridges, an->bridges_cap * sizeof(*b))) ==
		    NULL) {
			log_warn("%s: realloc", __func__);
			return NULL;
		}
		an->bridges = b;
	}
	b = &an->bridges[an->nbridges++];
	memset(b, 0, sizeof(*b));
	snprintf(b->name, sizeof(b->name), "%s", name);
	b->fresh = 1;
	return b;
}

static struct ohandler *
handler_get(struct ovs_an *an, int tid)
{
	unsigned i;

	for (i = 0; i < an->nhandlers; i++)
		if (an->handlers[i].tid == tid)
			return &an->handlers[i];
	if (an->nhandlers == OVS_HANDLERS)
		return NULL;
	memset(&an->handlers[an->nhandlers], 0, sizeof(an->handlers[0]));
	an->handlers[an->nhandlers].tid = tid;
	return &an->handlers[an->nhandlers++];
}

static void
comp_add(struct ovs_an *an, int pi, int comp, uint64_t ns)
{
	struct oport *p;

	if (pi < 0)
		return;
	p = an->ports[pi];
	if (p->comp == NULL && (p->comp = calloc(CO__COUNT,
	    sizeof(*p->comp))) == NULL) {
		log_warn("%s: calloc", __func__);
		return;
	}
	lh_add(&p->comp[comp], ns);
	p->active = 1;
}

static void
path_add(struct ovs_an *an, int pi, enum ovs_path path, uint64_t ns)
{
	struct oport *p;

	if (pi < 0)
		return;
	p = an->ports[pi];
	lh_add(&p->path[path], ns);
	if (path == OP_TOTAL)
		lh_add(&p->alert, ns);
	p->active = 1;
}

static int
ev_int(const struct ev *ev, unsigned slot, int def)
{
	int64_t v;

	return ev_slot_i64(ev, slot, &v) == 0 ? (int)v : def;
}

static uint64_t
ev_u(const struct ev *ev, unsigned slot)
{
	uint64_t v;

	return ev_slot_u64(ev, slot, &v) == 0 ? v : 0;
}

static struct ocpu *
cpu_of(struct ovs_an *an, const struct ev *ev, unsigned slot)
{
	int cpu = ev_int(ev, slot, ev->cpu);

	if (cpu < 0 || (unsigned)cpu >= an->ncpus)
		return NULL;
	return &an->cpus[cpu];
}

/* The slow-path entry at ring position pos + 1 (0: none). */
static struct spkt *
ring_at(struct ovs_an *an, int pos1)
{
	struct spkt *s;

	if (pos1 <= 0)
		return NULL;
	s = &an->ring[(unsigned)(pos1 - 1)];
	return s->state == SS_FREE ? NULL : s;
}

static void
ring_trim(struct ovs_an *an)
{
	while (an->ring_n > 0 && an->ring[an->ring_head].state == SS_FREE) {
		an->ring_head = (an->ring_head + 1) % an->ring_cap;
		an->ring_n--;
	}
}

static void
ring_free(struct ovs_an *an, struct spkt *s)
{
	s->state = SS_FREE;
	ring_trim(an);
}

/* Drops what is older than the timeout: CPU stacks and upcalls in flight. */
static void
expire(struct ovs_an *an, struct ocpu *only)
{
	uint64_t lim = an->timeout_ns;
	struct ocpu *c;
	struct spkt *s;
	unsigned i, j, k;

	for (i = 0; i < (only != NULL ? 1 : an->ncpus); i++) {
		c = only ? only : &an->cpus[i];
		for (j = 0, k = 0; j < c->n; j++) {
			if (an->now_ns - c->stk[j].t0 > lim) {
				an->timed_out++;
				an->w_timed_out++;
				continue;
			}
			c->stk[k++] = c->stk[j];
		}
		c->n = k;
	}
	for (i = 0; i < an->ring_n; i++) {
		s = &an->ring[(an->ring_head + i) % an->ring_cap];
		if (s->state == SS_FREE || an->now_ns - s->t_up <= lim)
			continue;
		s->state = SS_FREE;
		an->timed_out++;
		an->w_timed_out++;
	}
	ring_trim(an);
}

static void
unmatched(struct ovs_an *an)
{
	an->unmatched++;
	an->w_unmatched++;
}

/* Component comp entered on CPU c at t (thread tid; bridge, port or NULL). */
static void
dp_enter(struct ovs_an *an, struct ocpu *c, int comp, int tid, uint64_t t,
    const char *bridge, const char *port)
{
	struct fpkt *f;
	struct spkt *s;
	unsigned i;

	if (c == NULL || comp < 0) {
		unmatched(an);
		return;
	}
	if (c->n > 0 && an->now_ns - c->stk[0].t0 > an->timeout_ns)
		expire(an, c);
	if (comp == CO_RECEIVE || comp == CO_EXECUTE) {
		if (c->n == OVS_CPU_DEPTH) {
			/* The oldest never left: pushed out. */
			memmove(&c->stk[0], &c->stk[1],
			    (OVS_CPU_DEPTH - 1) * sizeof(c->stk[0]));
			c->n--;
			an->evicted++;
			an->w_evicted++;
		}
		f = &c->stk[c->n++];
		memset(f, 0, sizeof(*f));
		f->t0 = t;
		f->root = comp;
		f->tid = tid;
		f->ent[comp] = t;
		f->port = -1;
		if (comp == CO_RECEIVE) {
			f->port = port_get(an, bridge, port);
			return;
		}
		/* The handler's oldest upcall executed: its packet. */
		for (i = 0; i < an->ring_n; i++) {
			s = &an->ring[(an->ring_head + i) % an->ring_cap];
			if (s->state == SS_EXEC && s->handler == tid) {
				f->slow = (int)((an->ring_head + i) %
				    an->ring_cap) + 1;
				f->slow_t = s->t_up;
				f->port = s->port;
				break;
			}
		}
		return;
	}
	if (c->n == 0) {
		unmatched(an);
		return;
	}
	f = &c->stk[c->n - 1];
	f->ent[comp] = t;
	if (comp == CO_UPCALL)
		f->upcalled = 1;
}

/* A receive or send of a packet with a sampled pkt_hash at a named port. */
static void
sample(struct ovs_an *an, const struct ev *ev, int comp)
{
	const char *port = ev_slot_str(ev, 4);
	struct osample *o;
	uint64_t h;
	int pi;

	if ((comp != CO_RECEIVE && comp != CO_SEND) ||
	    an->params.sample_every == 0 || (h = ev_u(ev, 5)) == 0 ||
	    h % an->params.sample_every != 0 || port == NULL ||
	    strcmp(name_or_dash(port), "-") == 0)
		return;
	if (an->nsamples == an->params.samples_max) {
		an->w_samples_dropped++;
		an->samples_dropped++;
		return;
	}
	if ((pi = port_get(an, ev_slot_str(ev, 3), port)) < 0)
		return;
	o = &an->samples[an->nsamples++];
	o->t = ev->t_ns;
	o->hash = h;
	o->port = pi;
	o->out = comp == CO_SEND;
	an->sampled++;
}

static void
dp_entry(struct ovs_an *an, const struct ev *ev)
{
	int comp = comp_of(ev_slot_str(ev, 0));

	sample(an, ev, comp);
	dp_enter(an, cpu_of(an, ev, 1), comp,
	    ev_int(ev, 2, (int)ev->vtid), ev->t_ns, ev_slot_str(ev, 3),
	    ev_slot_str(ev, 4));
}

static void
slow_done(struct ovs_an *an, struct spkt *s, uint64_t t)
{
	path_add(an, s->port, OP_SLOW, t - s->t_up);
	path_add(an, s->port, OP_TOTAL, t - (s->t_rx ? s->t_rx : s->t_up));
	if (s->t_recv)
		comp_add(an, s->port, CO_QUEUE, s->t_recv - s->t_up);
	if (s->t_recv && s->t_put)
		comp_add(an, s->port, CO_HANDLER, s->t_put - s->t_recv);
	if (s->t_put && s->t_exec)
		comp_add(an, s->port, CO_PUT, s->t_exec - s->t_put);
	an->packets_slow++;
	ring_free(an, s);
}

static void
dp_leave(struct ovs_an *an, struct ocpu *c, int comp, uint64_t t)
{
	struct fpkt *f;
	struct spkt *s;

	if (c == NULL || comp < 0 || c->n == 0) {
		unmatched(an);
		return;
	}
	f = &c->stk[c->n - 1];
	if (f->ent[comp] == 0 || t < f->ent[comp]) {
		unmatched(an);
		return;
	}
	comp_add(an, f->port, comp, t - f->ent[comp]);
	f->ent[comp] = 0;
	if (comp != f->root)
		return;
	if (comp == CO_RECEIVE && !f->upcalled) {
		path_add(an, f->port, OP_FAST, t - f->t0);
		path_add(an, f->port, OP_TOTAL, t - f->t0);
		an->packets_fast++;
	} else if (comp == CO_EXECUTE) {
		if ((s = ring_at(an, f->slow)) != NULL && s->state == SS_EXEC &&
		    s->t_up == f->slow_t)
			slow_done(an, s, t);
		else if (f->slow != 0)
			unmatched(an);
	}
	c->n--;
}

static void
dp_exit(struct ovs_an *an, const struct ev *ev)
{
	dp_leave(an, cpu_of(an, ev, 1), comp_of(ev_slot_str(ev, 0)), ev->t_ns);
}

/*
 * The kernel tracer's function tracing of the datapath (`lttng
 * enable-event -k --function=F E`): events E_entry and E_return, no
 * fields, the CPU from the stream.  One code per (function, side) after
 * the ovs:* codes.
 */
static const char *const kp_funcs[CO__DP] = {
	[CO_RECEIVE] = "ovs_vport_receive",
	[CO_PROCESS] = "ovs_dp_process_packet",
	[CO_LOOKUP] = "ovs_flow_tbl_lookup_stats",
	[CO_UPCALL] = "ovs_dp_upcall",
	[CO_ACTIONS] = "ovs_execute_actions",
	[CO_SEND] = "ovs_vport_send",
	[CO_EXECUTE] = "ovs_packet_cmd_execute",
};
#define OC_KP_BASE	OC__COUNT

/*
 * ovs-vswitchd's USDT probes through the kernel tracer (`lttng
 * enable-event -k --userspace-probe=sdt:PATH:PROVIDER:PROBE NAME`, the
 * names below; docs/events.md): no arguments, the handler thread from
 * vtid.  recv_upcall takes the oldest queued upcall, op_flow_put and
 * op_flow_execute that handler's oldest received one.  Flow installs are
 * counted from ovs:flow_put (strata-ovs-bridge), not from op_flow_put:
 * a bridge on the same host would count each twice.  main:run_start and
 * main:poll_block split the main loop's time into busy (run_start to
 * poll_block) and blocked, per summary (ovs_handlers' main_loop).
 * The revalidators' probes (op_flow_del; revalidate:flow_result and
 * revalidator_sweep__:flow_sweep_result, OVS 3.2 and later) are counted
 * per summary with the threads that fired them (ovs_handlers'
 * revalidator): the flows a revalidator looked at, swept and deleted.
 */
static const char *const us_names[] = {
	"ovs_recv_upcall", "ovs_op_flow_put", "ovs_op_flow_execute",
	"ovs_main_run_start", "ovs_main_poll_block", "ovs_op_flow_del",
	"ovs_reval_flow_result", "ovs_reval_sweep_result"
};
enum { US_RECV, US_PUT, US_EXEC, US_RUN, US_POLL, US_DEL, US_RESULT,
    US_SWEEP, US__COUNT };
#define OC_US_BASE	(OC_KP_BASE + 2 * CO__DP)

/* E_entry / E_return (an optional "CHANNEL_" prefix is not expected). */
static int
kp_code(const char *name)
{
	size_t n, fl;
	int c;

	n = strlen(name);
	for (c = 0; c < CO__DP; c++) {
		fl = strlen(kp_funcs[c]);
		if (n < fl || strncmp(name, kp_funcs[c], fl) != 0)
			continue;
		if (strcmp(name + fl, "_entry") == 0)
			return OC_KP_BASE + 2 * c;
		if (strcmp(name + fl, "_return") == 0)
			return OC_KP_BASE + 2 * c + 1;
	}
	for (c = 0; c < US__COUNT; c++)
		if (strcmp(name, us_names[c]) == 0)
			return OC_US_BASE + c;
	return AN_CODE_NONE;
}

static void
kp_event(struct ovs_an *an, const struct ev *ev)
{
	int k = ev->code - OC_KP_BASE;
	struct ocpu *c = ev->cpu >= 0 && (unsigned)ev->cpu < an->ncpus ?
	    &an->cpus[ev->cpu] : NULL;

	if (k % 2 == 1) {
		dp_leave(an, c, k / 2, ev->t_ns);
		return;
	}
	dp_enter(an, c, k / 2, (int)ev->vtid, ev->t_ns, NULL, NULL);
	/*
	 * Without the tracepoint (ovs:upcall), ovs_dp_upcall's entry queues
	 * the packet's upcall itself, of no hash, once the handlers' USDT
	 * probes are seen (else nothing would take it): they find it by
	 * order, as upcall_cost.py does.
	 */
	if (k / 2 == CO_UPCALL && !an->upcall_events && an->usdt_handlers &&
	    c != NULL && c->n > 0)
		upcall_queue(an, &c->stk[c->n - 1], 0, 0, ev->t_ns,
		    c->stk[c->n - 1].port);
}

static void
us_event(struct ovs_an *an, const struct ev *ev)
{
	int tid = (int)ev->vtid;
	struct ohandler *h;
	struct spkt *s;

	switch (ev->code - OC_US_BASE) {
	case US_RECV:
		an->usdt_handlers = 1;
		if ((h = handler_get(an, tid)) != NULL)
			h->upcalls++;
		if ((s = ring_find(an, SS_QUEUED, SS_QUEUED, -1, 0, 0)) ==
		    NULL) {
			unmatched(an);
			return;
		}
		s->state = SS_RECV;
		s->handler = tid;
		s->t_recv = ev->t_ns;
		break;
	case US_PUT:
		if ((s = ring_find(an, SS_RECV, SS_RECV, tid, 0, 0)) == NULL) {
			unmatched(an);
			return;
		}
		s->state = SS_PUT;
		s->t_put = ev->t_ns;
		break;
	case US_EXEC:
		flow_execute(an, ev);
		break;
	case US_DEL:
	case US_RESULT:
	case US_SWEEP:
		revalidator(an, ev->code - OC_US_BASE, tid);
		break;
	case US_RUN:
	case US_POLL:
		main_account(an, ev->t_ns);
		if (ev->code - OC_US_BASE == US_RUN && an->main_state != 1)
			an->w_main_iters++;
		an->main_state = ev->code - OC_US_BASE == US_RUN ? 1 : 2;
		break;
	}
}

/* A revalidator probe: counted, and its thread (up to OVS_HANDLERS). */
static void
revalidator(struct ovs_an *an, int us, int tid)
{
	unsigned i;

	an->w_rv[us - US_DEL]++;
	for (i = 0; i < an->rv_ntids; i++)
		if (an->rv_tids[i] == tid)
			return;
	if (an->rv_ntids < OVS_HANDLERS)
		an->rv_tids[an->rv_ntids++] = tid;
}

/* The main loop's time up to t, to the state it was in. */
static void
main_account(struct ovs_an *an, uint64_t t)
{
	if (an->main_state != 0 && t > an->main_t) {
		if (an->main_state == 1)
			an->w_main_busy += t - an->main_t;
		else
			an->w_main_idle += t - an->main_t;
	}
	if (t > an->main_t)
		an->main_t = t;
}

/* A queued upcall of packet hash/len (0: unknown), from frame f or NULL. */
static void
upcall_queue(struct ovs_an *an, struct fpkt *f, uint64_t hash, unsigned len,
    uint64_t t, int port)
{
	struct spkt *s;
	unsigned pos;

	if (an->ring_n == an->ring_cap) {
		/* Full: the oldest upcall is evicted. */
		an->ring[an->ring_head].state = SS_FREE;
		an->evicted++;
		an->w_evicted++;
		ring_trim(an);
	}
	pos = (an->ring_head + an->ring_n) % an->ring_cap;
	s = &an->ring[pos];
	memset(s, 0, sizeof(*s));
	s->state = SS_QUEUED;
	s->hash = hash;
	s->len = len;
	s->handler = -1;
	s->t_up = t;
	s->t_rx = f != NULL ? f->t0 : 0;
	s->port = port;
	an->ring_n++;
}

static void
upcall(struct ovs_an *an, const struct ev *ev)
{
	struct ocpu *c = cpu_of(an, ev, 0);
	struct obridge *b;
	struct fpkt *f = NULL;
	int port;

	an->upcall_events = 1;
	if (c != NULL && c->n > 0) {
		f = &c->stk[c->n - 1];
		f->upcalled = 1;
	}
	if ((b = bridge_get(an, ev_slot_str(ev, 3))) != NULL) {
		b->upcalls++;
		b->t_upcalls++;
		b->upcall_events = 1;
	}
	if (strcmp(name_or_dash(ev_slot_str(ev, 4)), "-") != 0)
		port = port_get(an, ev_slot_str(ev, 3), ev_slot_str(ev, 4));
	else
		port = f != NULL ? f->port : port_get(an,
		    ev_slot_str(ev, 3), NULL);
	upcall_queue(an, f, ev_u(ev, 1), (unsigned)ev_u(ev, 2), ev->t_ns, port);
}

/*
 * The oldest upcall in state st (of handler, unless -1) with hash (if not
 * 0) and len (if not 0).
 */
static struct spkt *
ring_find(struct ovs_an *an, enum sstate lo, enum sstate hi, int handler,
    uint64_t hash, unsigned len)
{
	struct spkt *s;
	unsigned i;

	for (i = 0; i < an->ring_n; i++) {
		s = &an->ring[(an->ring_head + i) % an->ring_cap];
		if (s->state < lo || s->state > hi)
			continue;
		if (handler != -1 && s->handler != handler)
			continue;
		if (hash != 0 && s->hash != 0 && s->hash != hash)
			continue;
		if (len != 0 && s->len != 0 && s->len != len)
			continue;
		return s;
	}
	return NULL;
}

static void
handler_recv(struct ovs_an *an, const struct ev *ev)
{
	int tid = ev_int(ev, 0, (int)ev->vtid);
	uint64_t batch = ev_u(ev, 1), bsize = ev_u(ev, 2);
	struct ohandler *h = handler_get(an, tid);
	struct spkt *s;

	if (h != NULL) {
		h->upcalls++;
		if (!h->has_batch || h->last_batch != batch) {
			h->batches++;
			an->w_batches++;
			h->has_batch = 1;
			h->last_batch = batch;
			an->w_batch_upcalls += bsize;
		}
		if (bsize > h->max_batch)
			h->max_batch = bsize;
	}
	if ((s = ring_find(an, SS_QUEUED, SS_QUEUED, -1, ev_u(ev, 3),
	    (unsigned)ev_u(ev, 4))) == NULL) {
		unmatched(an);
		return;
	}
	s->state = SS_RECV;
	s->handler = tid;
	s->t_recv = ev->t_ns;
}

static void
flow_put(struct ovs_an *an, const struct ev *ev)
{
	int tid = ev_int(ev, 0, -1);
	struct obridge *b;
	struct spkt *s;

	if ((b = bridge_get(an, ev_slot_str(ev, 2))) != NULL) {
		b->installs++;
		b->t_installs++;
	}
	if (tid < 0)
		return;		/* seen in a flow dump: no packet to join */
	if ((s = ring_find(an, SS_RECV, SS_RECV, tid, ev_u(ev, 1), 0)) ==
	    NULL) {
		unmatched(an);
		return;
	}
	s->state = SS_PUT;
	s->t_put = ev->t_ns;
}

static void
flow_del(struct ovs_an *an, const struct ev *ev)
{
	struct obridge *b;

	if ((b = bridge_get(an, ev_slot_str(ev, 1))) != NULL) {
		b->deletes++;
		b->t_deletes++;
	}
}

static void
flow_execute(struct ovs_an *an, const struct ev *ev)
{
	int tid = ev_int(ev, 0, (int)ev->vtid);
	struct spkt *s;

	if ((s = ring_find(an, SS_RECV, SS_PUT, tid, ev_u(ev, 1),
	    (unsigned)ev_u(ev, 2))) == NULL) {
		unmatched(an);
		return;
	}
	s->state = SS_EXEC;
	s->t_exec = ev->t_ns;
}

static void
reconfigure(struct ovs_an *an, const struct ev *ev)
{
	struct obridge *b;

	if ((b = bridge_get(an, ev_slot_str(ev, 1))) != NULL) {
		b->reconf++;
		b->t_reconf++;
	}
}

/* "-" is none (docs/events.md: string fields are never empty). */
static void
cpy(char *dst, size_t size, const char *s)
{
	snprintf(dst, size, "%s", s != NULL && strcmp(s, "-") != 0 ? s : "");
}

static void
port_map(struct ovs_an *an, const struct ev *ev)
{
	struct oport *p;
	int pi, present;
	int64_t v;

	if ((pi = port_get(an, ev_slot_str(ev, 0), ev_slot_str(ev, 1))) < 0)
		return;
	p = an->ports[pi];
	present = ev_slot_i64(ev, 6, &v) == 0 ? v != 0 : 1;
	p->mapped = 1;
	p->map_dirty = 1;
	p->present = present;
	p->ofport = ev_int(ev, 2, -1);
	cpy(p->iface_id, sizeof(p->iface_id), ev_slot_str(ev, 3));
	cpy(p->attached_mac, sizeof(p->attached_mac), ev_slot_str(ev, 4));
	cpy(p->vm_uuid, sizeof(p->vm_uuid), ev_slot_str(ev, 5));
	cpy(p->mac, sizeof(p->mac), ev_slot_str(ev, 7));
	p->map_ns = ev->t_ns;
}

/* Datapath counters: the misses are the upcalls where no upcall event is. */
static void
dp_stats(struct ovs_an *an, const struct ev *ev)
{
	const char *dpn = name_or_dash(ev_slot_str(ev, 0)), *br;
	uint64_t missed = ev_u(ev, 2), lost = ev_u(ev, 3);
	struct obridge *b;
	struct odp *d = NULL;
	unsigned i;

	for (i = 0; i < an->ndps; i++)
		if (strcmp(an->dps[i].name, dpn) == 0)
			d = &an->dps[i];
	if (d == NULL) {
		if (an->ndps == an->dps_cap) {
			an->dps_cap = an->dps_cap ? 2 * an->dps_cap : 4;
			if ((d = realloc(an->dps, an->dps_cap * sizeof(*d))) ==
			    NULL) {
				log_warn("%s: realloc", __func__);
				return;
			}
			an->dps = d;
		}
		d = &an->dps[an->ndps++];
		cpy(d->name, sizeof(d->name), dpn);
		/* The first reading is the base: what came before is not ours. */
		d->missed = missed;
		d->lost = lost;
		return;
	}
	br = name_or_dash(ev_slot_str(ev, 1));
	if ((b = bridge_get(an, strcmp(br, "-") != 0 ? br : dpn)) != NULL && !b->upcall_events && missed >= d->missed) {
		b->upcalls += missed - d->missed;
		b->t_upcalls += missed - d->missed;
	}
	if (b != NULL && lost >= d->lost)
		b->lost += lost - d->lost;
	d->missed = missed;
	d->lost = lost;
}

static double
us(uint64_t ns)
{
	return (double)ns / 1000.0;
}

static struct json_object *
hist_json(const struct loghist *h, int buckets)
{
	struct json_object *o = json_object_new_object();

	J_ADD(o, "count", json_object_new_int64((int64_t)h->count));
	J_ADD(o, "p50_us", json_object_new_double(us(lh_quantile(h, 0.50))));
	J_ADD(o, "p90_us", json_object_new_double(us(lh_quantile(h, 0.90))));
	J_ADD(o, "p99_us", json_object_new_double(us(lh_quantile(h, 0.99))));
	J_ADD(o, "p999_us", json_object_new_double(us(lh_quantile(h, 0.999))));
	J_ADD(o, "max_us", json_object_new_double(us(h->max)));
	J_ADD(o, "mean_us", json_object_new_double(h->count ?
	    us(h->sum / h->count) : 0));
	if (buckets)
		J_ADD(o, "buckets", lh_buckets_json(h));
	return o;
}

static void
emit(struct ovs_an *an, struct json_object *o)
{
	an->host.emit(an->host.emit_arg, o);
}

static struct json_object *
rec_new(struct ovs_an *an, const char *kind, const char *a, const char *b,
    uint64_t start, uint64_t t)
{
	char id[320];

	if (b != NULL)
		snprintf(id, sizeof(id), "%s/%s/%s/%s/%" PRIu64, an->host.node,
		    kind, a, b, start);
	else if (a != NULL)
		snprintf(id, sizeof(id), "%s/%s/%s/%" PRIu64, an->host.node,
		    kind, a, start);
	else
		snprintf(id, sizeof(id), "%s/%s/%" PRIu64, an->host.node, kind,
		    start);
	return oj_rec(kind, an->host.node, id, t);
}

static void
alert_rec(struct ovs_an *an, const char *name, const char *sev,
    const char *bridge, const char *port, uint64_t fired, uint64_t t,
    const char *msg, struct json_object *evidence)
{
	struct json_object *o;
	char id[320];

	snprintf(id, sizeof(id), "%s/%s/%s!%s!%" PRIu64, an->host.node, bridge,
	    port != NULL ? port : "", name, fired);
	o = oj_rec("alert", an->host.node, id, t);
	J_ADD(o, "name", json_object_new_string(name));
	J_ADD(o, "severity", json_object_new_string(sev));
	J_ADD(o, "bridge", json_object_new_string(bridge));
	J_ADD(o, "port", oj_str(port));
	J_ADD(o, "message", json_object_new_string(msg));
	J_ADD(o, "evidence", evidence);
	emit(an, o);
}

/* The latency alert of each port, once its alert window is over. */
static void
alerts_latency(struct ovs_an *an, uint64_t t)
{
	double thr = an->params.latency_p99_us;
	struct json_object *evd;
	struct oport *p;
	char msg[400];
	double p99;
	unsigned i;

	for (i = 0; i < an->nports; i++) {
		p = an->ports[i];
		if (thr <= 0 || p->alert.count < an->params.alert_min_packets) {
			lh_clear(&p->alert);
			continue;
		}
		p99 = us(lh_quantile(&p->alert, 0.99));
		if ((p99 > thr) != (p->firing != 0)) {
			evd = json_object_new_object();
			J_ADD(evd, "p99_us", json_object_new_double(p99));
			J_ADD(evd, "threshold_us", json_object_new_double(thr));
			J_ADD(evd, "window_s",
			    json_object_new_double(an->params.alert_window_s));
			J_ADD(evd, "count",
			    json_object_new_int64((int64_t)p->alert.count));
			if (p99 > thr) {
				p->firing = 1;
				p->fired_ns = t;
				snprintf(msg, sizeof(msg), "OvS latency on %s port "
				    "%s: p99 %.1f us > %.1f us over %.0f s "
				    "(%" PRIu64 " packets)", p->bridge, p->port,
				    p99, thr, an->params.alert_window_s,
				    p->alert.count);
				alert_rec(an, "ovs.latency_high", "warning",
				    p->bridge, p->port, t, t, msg, evd);
			} else {
				p->firing = 0;
				snprintf(msg, sizeof(msg), "OvS latency on %s port "
				    "%s back to p99 %.1f us <= %.1f us",
				    p->bridge, p->port, p99, thr);
				alert_rec(an, "ovs.latency_ok", "info",
				    p->bridge, p->port, p->fired_ns, t, msg, evd);
			}
		}
		lh_clear(&p->alert);
	}
}

static void
alert_storm(struct ovs_an *an, struct obridge *b, double rate, uint64_t t)
{
	double thr = an->params.upcall_storm_per_s;
	struct json_object *evd;
	char msg[300];

	if (thr <= 0 || (rate > thr) == (b->firing != 0))
		return;
	evd = json_object_new_object();
	J_ADD(evd, "upcalls_per_s", json_object_new_double(rate));
	J_ADD(evd, "threshold_per_s", json_object_new_double(thr));
	J_ADD(evd, "upcalls", json_object_new_int64((int64_t)b->upcalls));
	if (rate > thr) {
		b->firing = 1;
		b->fired_ns = t;
		snprintf(msg, sizeof(msg), "upcall storm on bridge %s: %.0f "
		    "upcalls/s > %.0f/s", b->name, rate, thr);
		alert_rec(an, "ovs.upcall_storm", "warning", b->name, NULL, t,
		    t, msg, evd);
	} else {
		b->firing = 0;
		snprintf(msg, sizeof(msg), "upcalls on bridge %s back to %.0f/s "
		    "<= %.0f/s", b->name, rate, thr);
		alert_rec(an, "ovs.upcall_calm", "info", b->name, NULL,
		    b->fired_ns, t, msg, evd);
	}
}

/* ovs_samples of the window: [t_ns, "hash", "in"|"out", bridge, port]. */
static void
samples_close(struct ovs_an *an, uint64_t end)
{
	struct json_object *o, *a, *e;
	struct osample *s;
	char hex[17];
	unsigned i;

	if (an->nsamples == 0 && an->w_samples_dropped == 0)
		return;
	o = rec_new(an, "ovs_samples", NULL, NULL, an->win_start, end);
	J_ADD(o, "start_ns", json_object_new_int64((int64_t)an->win_start));
	J_ADD(o, "end_ns", json_object_new_int64((int64_t)end));
	J_ADD(o, "every", json_object_new_int64(an->params.sample_every));
	J_ADD(o, "dropped", json_object_new_int64(
	    (int64_t)an->w_samples_dropped));
	a = json_object_new_array_ext((int)an->nsamples);
	for (i = 0; i < an->nsamples; i++) {
		s = &an->samples[i];
		snprintf(hex, sizeof(hex), "%016" PRIx64, s->hash);
		e = json_object_new_array_ext(5);
		json_object_array_add(e, json_object_new_int64((int64_t)s->t));
		json_object_array_add(e, json_object_new_string(hex));
		json_object_array_add(e, json_object_new_string(s->out ?
		    "out" : "in"));
		json_object_array_add(e, json_object_new_string(
		    an->ports[s->port]->bridge));
		json_object_array_add(e, json_object_new_string(
		    an->ports[s->port]->port));
		json_object_array_add(a, e);
	}
	J_ADD(o, "samples", a);
	emit(an, o);
	an->nsamples = 0;
	an->w_samples_dropped = 0;
}

/* The window [win_start, end): every record of it, then a new window. */
static void
window_close(struct ovs_an *an, uint64_t end)
{
	struct json_object *o, *paths, *comps, *a, *h;
	struct oport *p;
	struct obridge *b;
	double span = (double)(end - an->win_start) / 1e9;
	unsigned i, j;
	int active;

	if (span <= 0)
		span = an->params.summary_s;
	for (i = 0; i < an->nports; i++) {
		p = an->ports[i];
		if (!p->active)
			continue;
		o = rec_new(an, "ovs_latency", p->bridge, p->port,
		    an->win_start, end);
		J_ADD(o, "bridge", json_object_new_string(p->bridge));
		J_ADD(o, "port", json_object_new_string(p->port));
		J_ADD(o, "start_ns", json_object_new_int64((int64_t)an->win_start));
		J_ADD(o, "end_ns", json_object_new_int64((int64_t)end));
		paths = json_object_new_object();
		for (j = 0; j < OP__COUNT; j++)
			J_ADD(paths, op_names[j], hist_json(&p->path[j], 1));
		J_ADD(o, "paths", paths);
		comps = json_object_new_object();
		for (j = 0; p->comp != NULL && j < CO__COUNT; j++)
			if (p->comp[j].count > 0)
				J_ADD(comps, co_names[j],
				    hist_json(&p->comp[j], 1));
		J_ADD(o, "components", comps);
		emit(an, o);
		for (j = 0; j < OP__COUNT; j++)
			lh_clear(&p->path[j]);
		for (j = 0; p->comp != NULL && j < CO__COUNT; j++)
			lh_clear(&p->comp[j]);
		p->active = 0;
	}
	for (i = 0; i < an->nbridges; i++) {
		b = &an->bridges[i];
		active = b->upcalls || b->installs || b->deletes || b->reconf ||
		    b->lost;
		alert_storm(an, b, (double)b->upcalls / span, end);
		/* An idle bridge: one record of zeros, then none until news. */
		if (!active && !b->was_active && !b->fresh)
			continue;
		b->was_active = active;
		b->fresh = 0;
		o = rec_new(an, "ovs_flows", b->name, NULL, an->win_start, end);
		J_ADD(o, "bridge", json_object_new_string(b->name));
		J_ADD(o, "start_ns", json_object_new_int64((int64_t)an->win_start));
		J_ADD(o, "end_ns", json_object_new_int64((int64_t)end));
		J_ADD(o, "upcalls", json_object_new_int64((int64_t)b->upcalls));
		J_ADD(o, "installs", json_object_new_int64((int64_t)b->installs));
		J_ADD(o, "deletes", json_object_new_int64((int64_t)b->deletes));
		J_ADD(o, "reconfigurations",
		    json_object_new_int64((int64_t)b->reconf));
		J_ADD(o, "lost", json_object_new_int64((int64_t)b->lost));
		J_ADD(o, "upcalls_per_s",
		    json_object_new_double((double)b->upcalls / span));
		J_ADD(o, "installs_per_s",
		    json_object_new_double((double)b->installs / span));
		J_ADD(o, "deletes_per_s",
		    json_object_new_double((double)b->deletes / span));
		J_ADD(o, "epoch_ns", oj_ns(an->epoch_ns));
		emit(an, o);
		b->upcalls = b->installs = b->deletes = b->reconf = b->lost = 0;
	}
	samples_close(an, end);
	/* The main loop's state goes on into the next window. */
	main_account(an, end);
	if (an->nhandlers > 0 || an->w_evicted || an->w_timed_out ||
	    an->w_unmatched || an->main_state != 0 || an->rv_ntids > 0) {
		o = rec_new(an, "ovs_handlers", NULL, NULL, an->win_start, end);
		J_ADD(o, "start_ns", json_object_new_int64((int64_t)an->win_start));
		J_ADD(o, "end_ns", json_object_new_int64((int64_t)end));
		a = json_object_new_array();
		for (i = 0; i < an->nhandlers; i++) {
			h = json_object_new_object();
			J_ADD(h, "handler",
			    json_object_new_int(an->handlers[i].tid));
			J_ADD(h, "upcalls", json_object_new_int64(
			    (int64_t)an->handlers[i].upcalls));
			J_ADD(h, "batches", json_object_new_int64(
			    (int64_t)an->handlers[i].batches));
			J_ADD(h, "max_batch", json_object_new_int64(
			    (int64_t)an->handlers[i].max_batch));
			json_object_array_add(a, h);
		}
		J_ADD(o, "handlers", a);
		J_ADD(o, "batches", json_object_new_int64((int64_t)an->w_batches));
		J_ADD(o, "upcalls_per_batch", json_object_new_double(
		    an->w_batches ? (double)an->w_batch_upcalls /
		    (double)an->w_batches : 0));
		J_ADD(o, "evicted", json_object_new_int64((int64_t)an->w_evicted));
		J_ADD(o, "timed_out",
		    json_object_new_int64((int64_t)an->w_timed_out));
		J_ADD(o, "unmatched",
		    json_object_new_int64((int64_t)an->w_unmatched));
		J_ADD(o, "inflight", json_object_new_int64((int64_t)an->ring_n));
		if (an->main_state != 0) {
			struct json_object *m = json_object_new_object();
			uint64_t all = an->w_main_busy + an->w_main_idle;

			J_ADD(m, "iterations", json_object_new_int64(
			    (int64_t)an->w_main_iters));
			J_ADD(m, "busy_ms", json_object_new_double(
			    (double)an->w_main_busy / 1e6));
			J_ADD(m, "blocked_ms", json_object_new_double(
			    (double)an->w_main_idle / 1e6));
			J_ADD(m, "busy_pct", json_object_new_double(all ?
			    100.0 * (double)an->w_main_busy / (double)all : 0));
			J_ADD(o, "main_loop", m);
		}
		if (an->rv_ntids > 0) {
			struct json_object *rv = json_object_new_object();

			J_ADD(rv, "threads", json_object_new_int(
			    (int)an->rv_ntids));
			J_ADD(rv, "flows_revalidated", json_object_new_int64(
			    (int64_t)an->w_rv[US_RESULT - US_DEL]));
			J_ADD(rv, "flows_swept", json_object_new_int64(
			    (int64_t)an->w_rv[US_SWEEP - US_DEL]));
			J_ADD(rv, "flow_dels", json_object_new_int64(
			    (int64_t)an->w_rv[0]));
			J_ADD(o, "revalidator", rv);
		}
		emit(an, o);
	}
	memset(an->w_rv, 0, sizeof(an->w_rv));
	an->rv_ntids = 0;
	an->w_main_busy = an->w_main_idle = an->w_main_iters = 0;
	an->nhandlers = 0;
	an->w_evicted = an->w_timed_out = an->w_unmatched = 0;
	an->w_batches = an->w_batch_upcalls = 0;
	if (end - an->alert_start >=
	    (uint64_t)(an->params.alert_window_s * 1e9)) {
		alerts_latency(an, end);
		an->alert_start = end;
	}
	an->win_start = end;
}

/* What the events read of the parameters, in ns. */
static void
params_ns(struct ovs_an *an)
{
	an->period_ns = (uint64_t)(an->params.summary_s * 1e9);
	if (an->period_ns == 0)
		an->period_ns = 1;
	an->timeout_ns = (uint64_t)(an->params.timeout_ms * 1e6);
}

/* Windows are aligned on the period: every node's cover the same times. */
static void
advance(struct ovs_an *an, uint64_t t)
{
	uint64_t p = an->period_ns;

	if (an->win_start == 0) {
		an->win_start = t - t % p;
		an->alert_start = an->win_start;
		an->epoch_ns = t;
		return;
	}
	while (t >= an->win_start + p)
		window_close(an, an->win_start + p);
}

static void
ovs_event(void *self, const struct ev *ev)
{
	struct ovs_an *an = self;

	an->events++;
	if (ev->t_ns > an->now_ns)
		an->now_ns = ev->t_ns;
	advance(an, an->now_ns);
	switch (ev->code) {
	case OC_DP_ENTRY:
		dp_entry(an, ev);
		break;
	case OC_DP_EXIT:
		dp_exit(an, ev);
		break;
	case OC_UPCALL:
		upcall(an, ev);
		break;
	case OC_HRECV:
		handler_recv(an, ev);
		break;
	case OC_PUT:
		flow_put(an, ev);
		break;
	case OC_DEL:
		flow_del(an, ev);
		break;
	case OC_EXEC:
		flow_execute(an, ev);
		break;
	case OC_RECONF:
		reconfigure(an, ev);
		break;
	case OC_PORTMAP:
		port_map(an, ev);
		break;
	case OC_DPSTATS:
		dp_stats(an, ev);
		break;
	default:
		if (ev->code >= OC_US_BASE)
			us_event(an, ev);
		else if (ev->code >= OC_KP_BASE)
			kp_event(an, ev);
		break;
	}
}

static void
map_flush(struct ovs_an *an)
{
	struct json_object *o;
	struct oport *p;
	char id[320];
	unsigned i;

	for (i = 0; i < an->nports; i++) {
		p = an->ports[i];
		if (!p->map_dirty)
			continue;
		p->map_dirty = 0;
		snprintf(id, sizeof(id), "%s/%s/%s", an->host.node, p->bridge,
		    p->port);
		o = oj_rec("ovs_port", an->host.node, id, p->map_ns);
		J_ADD(o, "bridge", json_object_new_string(p->bridge));
		J_ADD(o, "port", json_object_new_string(p->port));
		J_ADD(o, "ofport", p->ofport >= 0 ?
		    json_object_new_int(p->ofport) : NULL);
		J_ADD(o, "iface_id", oj_str(p->iface_id));
		J_ADD(o, "attached_mac", oj_str(p->attached_mac));
		J_ADD(o, "vm_uuid", oj_str(p->vm_uuid));
		J_ADD(o, "mac", oj_str(p->mac));
		J_ADD(o, "present", json_object_new_boolean(p->present));
		emit(an, o);
	}
}

static void
ovs_flush(void *self)
{
	struct ovs_an *an = self;

	map_flush(an);
	if (an->win_start != 0)
		expire(an, NULL);
}

static void
ovs_finish(void *self)
{
	struct ovs_an *an = self;

	map_flush(an);
	if (an->win_start == 0)
		return;
	expire(an, NULL);
	/* The partial window ends at the last event. */
	if (an->now_ns >= an->win_start)
		window_close(an, an->now_ns + 1);
}

static int
ovs_alloc(struct ovs_an *an)
{
	an->ncpus = an->params.cpus_max;
	an->ring_cap = an->params.inflight_max;
	if ((an->cpus = calloc(an->ncpus, sizeof(*an->cpus))) == NULL ||
	    (an->ring = calloc(an->ring_cap, sizeof(*an->ring))) == NULL ||
	    (an->samples = calloc(an->params.samples_max,
	    sizeof(*an->samples))) == NULL) {
		log_warn("%s: calloc", __func__);
		return -1;
	}
	return 0;
}

static void ovs_destroy(void *);

static void *
ovs_create(const struct an_host *host, const void *params)
{
	struct ovs_an *an;

	if ((an = calloc(1, sizeof(*an))) == NULL) {
		log_warn("%s: calloc", __func__);
		return NULL;
	}
	an->host = *host;
	an->params = *(const struct ovs_params *)params;
	params_ns(an);
	if (ovs_alloc(an) == -1) {
		ovs_destroy(an);
		return NULL;
	}
	return an;
}

/* The tables keep their sizes until the agent restarts. */
static void
ovs_set_params(void *self, const void *params)
{
	struct ovs_an *an = self;
	unsigned cpus = an->params.cpus_max, inflight = an->params.inflight_max;
	unsigned smax = an->params.samples_max;

	an->params = *(const struct ovs_params *)params;
	an->params.cpus_max = cpus;
	an->params.inflight_max = inflight;
	an->params.samples_max = smax;
	params_ns(an);
}

static void
ovs_stats(void *self, struct json_object *obj)
{
	struct ovs_an *an = self;

#define N(k, v) json_object_object_add(obj, k, json_object_new_int64((int64_t)(v)))
	N("events", an->events);
	N("packets_fast", an->packets_fast);
	N("packets_slow", an->packets_slow);
	N("inflight", an->ring_n);
	N("evicted", an->evicted);
	N("timed_out", an->timed_out);
	N("unmatched", an->unmatched);
	N("ports", an->nports);
	N("port_overflow", an->port_overflow);
	N("sampled", an->sampled);
	N("samples_dropped", an->samples_dropped);
#undef N
}

static void
ovs_destroy(void *self)
{
	struct ovs_an *an = self;
	unsigned i;

	if (an == NULL)
		return;
	for (i = 0; i < an->nports; i++) {
		free(an->ports[i]->comp);
		free(an->ports[i]);
	}
	free(an->ports);
	free(an->pidx);
	free(an->bridges);
	free(an->dps);
	free(an->cpus);
	free(an->ring);
	free(an->samples);
	free(an);
}

const struct analyzer_class an_ovs_class = {
	.name = "ovs",
	.params = ovs_param_table,
	.params_size = sizeof(struct ovs_params),
	.classify = ovs_classify,
	.create = ovs_create,
	.event = ovs_event,
	.flush = ovs_flush,
	.finish = ovs_finish,
	.set_params = ovs_set_params,
	.stats = ovs_stats,
	.destroy = ovs_destroy,
};
