/*
 * emit_ev.c: fire the lttng-ust tracepoint that matches a struct ev.
 *
 * tracepoint() needs the provider and event names as tokens, so each event
 * has a small function; a table maps the event name to it and lists the
 * fields (for scenario checking and --list).  Built once per program, like
 * qemu_tp.c: with -DSTRATA_QEMU_72 qemu:migrate_transferred has QEMU 7.2's
 * layout, and each layout accepts the other's spelling of its first field
 * (`tranferred` / `transferred`) so 7.2 and newer input both work.
 */
#include <stdint.h>
#include <string.h>

#include "emit_ev.h"
#include "qemu_tp.h"
#define STRATA_TP_STRATA
#include "qemu_tp.h"
#include "ovs_tp.h"
#include "kernel_tp.h"

#ifdef STRATA_QEMU_72
#define XFER_NAME	"tranferred"
#define XFER_ALIAS	"transferred"
#else
#define XFER_NAME	"transferred"
#define XFER_ALIAS	"tranferred"
#endif

struct emit_tp {
	const char	*name;
	/* "u:name" uint64_t, "i:name" int, "s:name" string. */
	const char	*fields[EMIT_EV_MAXFIELDS];
	void		(*fire)(const struct ev *, uint64_t *missing);
};

static const struct ev_field *
fld(const struct ev *e, const char *name)
{
	const struct ev_field *f = ev_field(e, name);

	if (f == NULL && strcmp(name, XFER_NAME) == 0)
		f = ev_field(e, XFER_ALIAS);
	return f;
}

static uint64_t
arg_u(const struct ev *e, const char *name, uint64_t *missing)
{
	const struct ev_field *f = fld(e, name);

	if (f != NULL) {
		if (f->type == EVF_UINT)
			return f->v.u;
		if (f->type == EVF_INT)
			return (uint64_t)f->v.i;
		if (f->type == EVF_DOUBLE && f->v.d >= 0)
			return (uint64_t)f->v.d;
	}
	(*missing)++;
	return 0;
}

static int
arg_i(const struct ev *e, const char *name, uint64_t *missing)
{
	const struct ev_field *f = fld(e, name);

	if (f != NULL) {
		if (f->type == EVF_INT)
			return (int)f->v.i;
		if (f->type == EVF_UINT)
			return (int)f->v.u;
		if (f->type == EVF_DOUBLE)
			return (int)f->v.d;
	}
	(*missing)++;
	return 0;
}

static const char *
arg_s(const struct ev *e, const char *name, uint64_t *missing)
{
	const struct ev_field *f = fld(e, name);

	if (f != NULL && f->type == EVF_STR && f->v.s != NULL)
		return f->v.s;
	(*missing)++;
	return "";
}

#define FIRE0(p, n)							\
static void								\
fire_##p##_##n(const struct ev *e, uint64_t *m)				\
{									\
	(void)e;							\
	(void)m;							\
	tracepoint(p, n);						\
}

FIRE0(qemu, migrate_fd_cleanup)
FIRE0(qemu, migration_cleanup)
FIRE0(qemu, migrate_fd_cancel)
FIRE0(qemu, migration_cancel)
FIRE0(qemu, migration_thread_file_err)
FIRE0(qemu, postcopy_start)
FIRE0(qemu, savevm_state_setup)
FIRE0(qemu, savevm_state_complete_precopy)
FIRE0(qemu, loadvm_state_setup)
FIRE0(qemu, migration_bitmap_sync_start)
FIRE0(qemu, migration_throttle)

static void
fire_qemu_migrate_set_state(const struct ev *e, uint64_t *m)
{
	tracepoint(qemu, migrate_set_state, arg_s(e, "new_state", m));
}

static void
fire_qemu_migrate_fd_error(const struct ev *e, uint64_t *m)
{
	tracepoint(qemu, migrate_fd_error, arg_s(e, "error_desc", m));
}

static void
fire_qemu_migrate_error(const struct ev *e, uint64_t *m)
{
	tracepoint(qemu, migrate_error, arg_s(e, "error_desc", m));
}

static void
fire_qemu_migrate_pending(const struct ev *e, uint64_t *m)
{
	tracepoint(qemu, migrate_pending, arg_u(e, "size", m), arg_u(e, "max", m),
	    arg_u(e, "pre", m), arg_u(e, "compat", m), arg_u(e, "post", m));
}

static void
fire_qemu_migrate_pending_exact(const struct ev *e, uint64_t *m)
{
	tracepoint(qemu, migrate_pending_exact, arg_u(e, "size", m),
	    arg_u(e, "pre", m), arg_u(e, "post", m));
}

static void
fire_qemu_migrate_pending_estimate(const struct ev *e, uint64_t *m)
{
	tracepoint(qemu, migrate_pending_estimate, arg_u(e, "size", m),
	    arg_u(e, "pre", m), arg_u(e, "post", m));
}

static void
fire_qemu_migration_completion_vm_stop(const struct ev *e, uint64_t *m)
{
	tracepoint(qemu, migration_completion_vm_stop, arg_i(e, "ret", m));
}

static void
fire_qemu_migration_thread_low_pending(const struct ev *e, uint64_t *m)
{
	tracepoint(qemu, migration_thread_low_pending, arg_u(e, "pending", m));
}

static void
fire_qemu_migrate_transferred(const struct ev *e, uint64_t *m)
{
#ifdef STRATA_QEMU_72
	tracepoint(qemu, migrate_transferred, arg_u(e, XFER_NAME, m),
	    arg_u(e, "time_spent", m), arg_u(e, "bandwidth", m), arg_u(e, "size", m));
#else
	tracepoint(qemu, migrate_transferred, arg_u(e, XFER_NAME, m),
	    arg_u(e, "time_spent", m), arg_u(e, "bandwidth", m), arg_u(e, "avail_bw", m),
	    arg_u(e, "size", m));
#endif
}

static void
fire_qemu_process_incoming_migration_co_end(const struct ev *e, uint64_t *m)
{
	tracepoint(qemu, process_incoming_migration_co_end, arg_i(e, "ret", m),
	    arg_i(e, "ps", m));
}

static void
fire_qemu_migration_bitmap_sync_end(const struct ev *e, uint64_t *m)
{
	tracepoint(qemu, migration_bitmap_sync_end, arg_u(e, "dirty_pages", m));
}

static void
fire_qemu_ram_load_complete(const struct ev *e, uint64_t *m)
{
	tracepoint(qemu, ram_load_complete, arg_i(e, "ret", m),
	    arg_u(e, "seq_iter", m));
}

static void
fire_qemu_cpu_throttle_set(const struct ev *e, uint64_t *m)
{
	tracepoint(qemu, cpu_throttle_set, arg_i(e, "new_throttle_pct", m));
}

static void
fire_qemu_vm_state_notify(const struct ev *e, uint64_t *m)
{
	tracepoint(qemu, vm_state_notify, arg_i(e, "running", m),
	    arg_i(e, "reason", m), arg_s(e, "reason_str", m));
}

static void
fire_strata_vm_identity(const struct ev *e, uint64_t *m)
{
	tracepoint(strata, vm_identity, arg_i(e, "qemu_pid", m),
	    arg_s(e, "vm_uuid", m), arg_s(e, "vm_name", m),
	    arg_i(e, "speed_x1000", m));
}

static void
fire_strata_qemu_log(const struct ev *e, uint64_t *m)
{
	tracepoint(strata, qemu_log, arg_i(e, "qemu_pid", m), arg_s(e, "level", m),
	    arg_s(e, "text", m));
}

/* Provider ovs (ovs_tp.h): strings never empty, "-" for none. */
static const char *
arg_nz(const struct ev *e, const char *name, uint64_t *missing)
{
	const char *s = arg_s(e, name, missing);

	return *s != '\0' ? s : "-";
}

static void
fire_ovs_dp_entry(const struct ev *e, uint64_t *m)
{
	tracepoint(ovs, dp_entry, arg_nz(e, "component", m), arg_i(e, "cpu", m),
	    arg_i(e, "tid", m), arg_u(e, "skbaddr", m), arg_nz(e, "bridge", m),
	    arg_nz(e, "port", m), (unsigned)arg_u(e, "len", m),
	    arg_u(e, "pkt_hash", m));
}

static void
fire_ovs_dp_exit(const struct ev *e, uint64_t *m)
{
	tracepoint(ovs, dp_exit, arg_nz(e, "component", m), arg_i(e, "cpu", m),
	    arg_i(e, "tid", m), arg_u(e, "skbaddr", m));
}

static void
fire_ovs_upcall(const struct ev *e, uint64_t *m)
{
	tracepoint(ovs, upcall, arg_i(e, "cpu", m), arg_u(e, "skbaddr", m),
	    (unsigned)arg_u(e, "len", m), (uint32_t)arg_u(e, "ovs_flow_hash", m),
	    (uint32_t)arg_u(e, "upcall_port", m), arg_u(e, "pkt_hash", m),
	    arg_nz(e, "bridge", m), arg_nz(e, "port", m),
	    arg_nz(e, "key_eth_src", m), arg_nz(e, "key_eth_dst", m));
}

static void
fire_ovs_handler_recv(const struct ev *e, uint64_t *m)
{
	tracepoint(ovs, handler_recv, arg_i(e, "handler", m),
	    arg_u(e, "batch", m), (unsigned)arg_u(e, "n", m),
	    (unsigned)arg_u(e, "batch_size", m), arg_u(e, "pkt_hash", m),
	    (unsigned)arg_u(e, "len", m));
}

static void
fire_ovs_flow_put(const struct ev *e, uint64_t *m)
{
	tracepoint(ovs, flow_put, arg_i(e, "handler", m),
	    arg_u(e, "pkt_hash", m), arg_nz(e, "bridge", m),
	    arg_nz(e, "ufid", m), arg_nz(e, "flow", m));
}

static void
fire_ovs_flow_del(const struct ev *e, uint64_t *m)
{
	tracepoint(ovs, flow_del, arg_i(e, "handler", m), arg_nz(e, "bridge", m),
	    arg_nz(e, "ufid", m), arg_nz(e, "reason", m));
}

static void
fire_ovs_flow_execute(const struct ev *e, uint64_t *m)
{
	tracepoint(ovs, flow_execute, arg_i(e, "handler", m),
	    arg_u(e, "pkt_hash", m), (unsigned)arg_u(e, "len", m));
}

static void
fire_ovs_reconfigure(const struct ev *e, uint64_t *m)
{
	tracepoint(ovs, reconfigure, arg_nz(e, "what", m),
	    arg_nz(e, "bridge", m), arg_nz(e, "port", m));
}

static void
fire_ovs_port_map(const struct ev *e, uint64_t *m)
{
	tracepoint(ovs, port_map, arg_nz(e, "bridge", m), arg_nz(e, "port", m),
	    arg_i(e, "ofport", m), arg_nz(e, "iface_id", m),
	    arg_nz(e, "attached_mac", m), arg_nz(e, "vm_uuid", m),
	    arg_nz(e, "mac", m), arg_i(e, "present", m));
}

static void
fire_ovs_dp_stats(const struct ev *e, uint64_t *m)
{
	tracepoint(ovs, dp_stats, arg_nz(e, "datapath", m),
	    arg_nz(e, "bridge", m), arg_u(e, "hit", m), arg_u(e, "missed", m),
	    arg_u(e, "lost", m), arg_u(e, "flows", m));
}

/* strata_kernel: lttng-modules' events replayed (kernel_tp.h). */
static void
fire_strata_kernel_sched_switch(const struct ev *e, uint64_t *m)
{
	tracepoint(strata_kernel, sched_switch, arg_s(e, "prev_comm", m),
	    arg_i(e, "prev_tid", m), arg_i(e, "prev_prio", m),
	    arg_i(e, "prev_state", m), arg_s(e, "next_comm", m),
	    arg_i(e, "next_tid", m), arg_i(e, "next_prio", m),
	    arg_i(e, "cpu_id", m));
}

static void
fire_strata_kernel_sched_wakeup(const struct ev *e, uint64_t *m)
{
	tracepoint(strata_kernel, sched_wakeup, arg_s(e, "comm", m),
	    arg_i(e, "tid", m), arg_i(e, "prio", m), arg_i(e, "target_cpu", m),
	    arg_i(e, "cpu_id", m));
}

static void
fire_strata_kernel_kvm_x86_exit(const struct ev *e, uint64_t *m)
{
	tracepoint(strata_kernel, kvm_x86_exit, arg_u(e, "exit_reason", m),
	    arg_u(e, "guest_rip", m), arg_u(e, "vcpu_id", m),
	    arg_i(e, "cpu_id", m));
}

static void
fire_strata_kernel_lttng_statedump_process_state(const struct ev *e,
    uint64_t *m)
{
	tracepoint(strata_kernel, lttng_statedump_process_state,
	    arg_i(e, "tid", m), arg_i(e, "pid", m), arg_i(e, "ppid", m),
	    arg_s(e, "name", m), arg_i(e, "cpu_id", m));
}

static void
fire_strata_kernel_block_rq_issue(const struct ev *e, uint64_t *m)
{
	tracepoint(strata_kernel, block_rq_issue, arg_u(e, "dev", m),
	    arg_u(e, "sector", m), arg_u(e, "nr_sector", m),
	    arg_u(e, "bytes", m), arg_i(e, "tid", m), arg_u(e, "rwbs", m),
	    arg_s(e, "comm", m), arg_i(e, "cpu_id", m));
}

static void
fire_strata_kernel_block_rq_complete(const struct ev *e, uint64_t *m)
{
	tracepoint(strata_kernel, block_rq_complete, arg_u(e, "dev", m),
	    arg_u(e, "sector", m), arg_u(e, "nr_sector", m),
	    arg_i(e, "error", m), arg_u(e, "rwbs", m), arg_i(e, "cpu_id", m));
}

static void
fire_strata_kernel_irq_softirq_entry(const struct ev *e, uint64_t *m)
{
	tracepoint(strata_kernel, irq_softirq_entry, arg_u(e, "vec", m),
	    arg_i(e, "cpu_id", m));
}

static void
fire_strata_kernel_irq_softirq_exit(const struct ev *e, uint64_t *m)
{
	tracepoint(strata_kernel, irq_softirq_exit, arg_u(e, "vec", m),
	    arg_i(e, "cpu_id", m));
}

#define TP(p, n, ...)	{ #p ":" #n, { __VA_ARGS__ }, fire_##p##_##n }

static const struct emit_tp emit_tps[] = {
	TP(qemu, migrate_set_state, "s:new_state"),
	TP(qemu, migrate_fd_cleanup, NULL),
	TP(qemu, migration_cleanup, NULL),
	TP(qemu, migrate_fd_error, "s:error_desc"),
	TP(qemu, migrate_error, "s:error_desc"),
	TP(qemu, migrate_fd_cancel, NULL),
	TP(qemu, migration_cancel, NULL),
	TP(qemu, migrate_pending, "u:size", "u:max", "u:pre", "u:compat",
	    "u:post"),
	TP(qemu, migrate_pending_exact, "u:size", "u:pre", "u:post"),
	TP(qemu, migrate_pending_estimate, "u:size", "u:pre", "u:post"),
	TP(qemu, migration_completion_vm_stop, "i:ret"),
	TP(qemu, migration_thread_file_err, NULL),
	TP(qemu, migration_thread_low_pending, "u:pending"),
#ifdef STRATA_QEMU_72
	TP(qemu, migrate_transferred, "u:tranferred", "u:time_spent",
	    "u:bandwidth", "u:size"),
#else
	TP(qemu, migrate_transferred, "u:transferred", "u:time_spent",
	    "u:bandwidth", "u:avail_bw", "u:size"),
#endif
	TP(qemu, postcopy_start, NULL),
	TP(qemu, process_incoming_migration_co_end, "i:ret", "i:ps"),
	TP(qemu, savevm_state_setup, NULL),
	TP(qemu, savevm_state_complete_precopy, NULL),
	TP(qemu, loadvm_state_setup, NULL),
	TP(qemu, migration_bitmap_sync_start, NULL),
	TP(qemu, migration_bitmap_sync_end, "u:dirty_pages"),
	TP(qemu, migration_throttle, NULL),
	TP(qemu, ram_load_complete, "i:ret", "u:seq_iter"),
	TP(qemu, cpu_throttle_set, "i:new_throttle_pct"),
	TP(qemu, vm_state_notify, "i:running", "i:reason", "s:reason_str"),
	TP(strata, vm_identity, "i:qemu_pid", "s:vm_uuid", "s:vm_name",
	    "i:speed_x1000"),
	TP(strata, qemu_log, "i:qemu_pid", "s:level", "s:text"),
	TP(ovs, dp_entry, "s:component", "i:cpu", "i:tid", "u:skbaddr",
	    "s:bridge", "s:port", "u:len", "u:pkt_hash"),
	TP(ovs, dp_exit, "s:component", "i:cpu", "i:tid", "u:skbaddr"),
	TP(ovs, upcall, "i:cpu", "u:skbaddr", "u:len", "u:ovs_flow_hash",
	    "u:upcall_port", "u:pkt_hash", "s:bridge", "s:port",
	    "s:key_eth_src", "s:key_eth_dst"),
	TP(ovs, handler_recv, "i:handler", "u:batch", "u:n", "u:batch_size",
	    "u:pkt_hash", "u:len"),
	TP(ovs, flow_put, "i:handler", "u:pkt_hash", "s:bridge", "s:ufid",
	    "s:flow"),
	TP(ovs, flow_del, "i:handler", "s:bridge", "s:ufid", "s:reason"),
	TP(ovs, flow_execute, "i:handler", "u:pkt_hash", "u:len"),
	TP(ovs, reconfigure, "s:what", "s:bridge", "s:port"),
	TP(ovs, port_map, "s:bridge", "s:port", "i:ofport", "s:iface_id",
	    "s:attached_mac", "s:vm_uuid", "s:mac", "i:present"),
	TP(ovs, dp_stats, "s:datapath", "s:bridge", "u:hit", "u:missed",
	    "u:lost", "u:flows"),
	TP(strata_kernel, sched_switch, "s:prev_comm", "i:prev_tid",
	    "i:prev_prio", "i:prev_state", "s:next_comm", "i:next_tid",
	    "i:next_prio", "i:cpu_id"),
	TP(strata_kernel, sched_wakeup, "s:comm", "i:tid", "i:prio",
	    "i:target_cpu", "i:cpu_id"),
	TP(strata_kernel, kvm_x86_exit, "u:exit_reason", "u:guest_rip",
	    "u:vcpu_id", "i:cpu_id"),
	TP(strata_kernel, lttng_statedump_process_state, "i:tid", "i:pid",
	    "i:ppid", "s:name", "i:cpu_id"),
	TP(strata_kernel, block_rq_issue, "u:dev", "u:sector", "u:nr_sector",
	    "u:bytes", "i:tid", "u:rwbs", "s:comm", "i:cpu_id"),
	TP(strata_kernel, block_rq_complete, "u:dev", "u:sector",
	    "u:nr_sector", "i:error", "u:rwbs", "i:cpu_id"),
	TP(strata_kernel, irq_softirq_entry, "u:vec", "i:cpu_id"),
	TP(strata_kernel, irq_softirq_exit, "u:vec", "i:cpu_id"),
};
#define EMIT_NTPS	(sizeof(emit_tps) / sizeof(emit_tps[0]))

const char *
emit_ev_layout(void)
{
	return STRATA_TP_LAYOUT;
}

unsigned
emit_ev_count(void)
{
	return EMIT_NTPS;
}

int
emit_ev_lookup(const char *name)
{
	size_t i;

	for (i = 0; i < EMIT_NTPS; i++) {
		if (strcmp(emit_tps[i].name, name) == 0)
			return (int)i;
		/* A bare trace-event name means provider qemu. */
		if (strncmp(emit_tps[i].name, "qemu:", 5) == 0 &&
		    strcmp(emit_tps[i].name + 5, name) == 0)
			return (int)i;
	}
	return -1;
}

const char *
emit_ev_name(int idx)
{
	if (idx < 0 || (unsigned)idx >= EMIT_NTPS)
		return NULL;
	return emit_tps[idx].name;
}

static int
emit_ftype(char c)
{
	return c == 'u' ? EVF_UINT : c == 'i' ? EVF_INT : EVF_STR;
}

int
emit_ev_field(int idx, unsigned i, const char **name)
{
	const char *spec;

	if (idx < 0 || (unsigned)idx >= EMIT_NTPS || i >= EMIT_EV_MAXFIELDS ||
	    (spec = emit_tps[idx].fields[i]) == NULL)
		return -1;
	*name = spec + 2;
	return emit_ftype(spec[0]);
}

int
emit_ev_field_type(int idx, const char *name, const char **canon)
{
	const char *fname;
	unsigned i;
	int t;

	if (emit_ev_name(idx) == NULL)
		return -1;
	if (strcmp(name, XFER_ALIAS) == 0 &&
	    strcmp(emit_ev_name(idx), "qemu:migrate_transferred") == 0)
		name = XFER_NAME;
	for (i = 0; (t = emit_ev_field(idx, i, &fname)) != -1; i++)
		if (strcmp(fname, name) == 0) {
			if (canon != NULL)
				*canon = fname;
			return t;
		}
	return -1;
}

int
emit_ev_emit(struct emit_ev_stats *st, int idx, const struct ev *e)
{
	if (idx < 0 || (unsigned)idx >= EMIT_NTPS) {
		st->unknown++;
		return -1;
	}
	emit_tps[idx].fire(e, &st->missing);
	st->emitted++;
	return 0;
}

int
emit_ev(struct emit_ev_stats *st, const struct ev *e)
{
	return emit_ev_emit(st, emit_ev_lookup(e->name), e);
}
