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
