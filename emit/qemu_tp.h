/*
 * qemu_tp.h: lttng-ust 2.13 tracepoint providers of strata-emit and
 * strata-qemu-bridge.
 *
 * Provider `qemu` mirrors what QEMU's own ust trace backend generates for
 * the events Strata consumes: one event per trace-event, fields named after
 * the trace-events arguments, integers as ctf_integer of the C type,
 * strings as ctf_string.  Provider `strata` carries Strata's own events.
 *
 * One header, two providers: include it once for `qemu`, then define
 * STRATA_TP_STRATA and include it again for `strata`:
 *
 *	#include "qemu_tp.h"
 *	#define STRATA_TP_STRATA
 *	#include "qemu_tp.h"
 *
 * qemu:migrate_transferred changed layout after QEMU 7.2 and one provider
 * can register only one layout per event.  Compiled with -DSTRATA_QEMU_72
 * (strata-qemu-bridge, which replays the logs of Debian 12's QEMU 7.2) it
 * has QEMU 7.2's fields (tranferred, time_spent, bandwidth, size);
 * otherwise (strata-emit) the newer ones (transferred, time_spent,
 * bandwidth, avail_bw, size).  See docs/events.md.
 */

#ifdef STRATA_TP_STRATA

#undef TRACEPOINT_PROVIDER
#undef LTTNG_UST_TRACEPOINT_PROVIDER
#define LTTNG_UST_TRACEPOINT_PROVIDER strata
#undef LTTNG_UST_TRACEPOINT_INCLUDE
#define LTTNG_UST_TRACEPOINT_INCLUDE "qemu_tp.h"

#if !defined(STRATA_TP_STRATA_H) || defined(TRACEPOINT_HEADER_MULTI_READ)
#define STRATA_TP_STRATA_H

#include <lttng/tracepoint.h>

/* "The events my process emits belong to this QEMU/VM." */
/*
 * speed_x1000: the pace of the events relative to the QEMU that produced
 * them, in thousandths: 1000 live or replayed in real time, 20000 replayed
 * 20 times faster, 0 as fast as possible.  The analyzer scales QEMU's own
 * time windows (the 1 s dirty-rate period) by it.
 */
TRACEPOINT_EVENT(strata, vm_identity,
	TP_ARGS(int, qemu_pid, const char *, vm_uuid, const char *, vm_name,
	    int, speed_x1000),
	TP_FIELDS(
		ctf_integer(int, qemu_pid, qemu_pid)
		ctf_string(vm_uuid, vm_uuid)
		ctf_string(vm_name, vm_name)
		ctf_integer(int, speed_x1000, speed_x1000)
	)
)

/* A QEMU error, warning or info message from its log. */
TRACEPOINT_EVENT(strata, qemu_log,
	TP_ARGS(int, qemu_pid, const char *, level, const char *, text),
	TP_FIELDS(
		ctf_integer(int, qemu_pid, qemu_pid)
		ctf_string(level, level)
		ctf_string(text, text)
	)
)

#endif /* STRATA_TP_STRATA_H */

#else /* provider qemu */

#undef TRACEPOINT_PROVIDER
#undef LTTNG_UST_TRACEPOINT_PROVIDER
#define LTTNG_UST_TRACEPOINT_PROVIDER qemu
#undef LTTNG_UST_TRACEPOINT_INCLUDE
#define LTTNG_UST_TRACEPOINT_INCLUDE "qemu_tp.h"

#if !defined(STRATA_TP_QEMU_H) || defined(TRACEPOINT_HEADER_MULTI_READ)
#define STRATA_TP_QEMU_H

#include <stdint.h>
#include <lttng/tracepoint.h>

#ifdef STRATA_QEMU_72
#define STRATA_TP_LAYOUT	"qemu-7.2"
#else
#define STRATA_TP_LAYOUT	"qemu-8.2+"
#endif

/* An event without arguments, as QEMU's ust backend declares it. */
#define STRATA_TP_VOID(name)						\
	TRACEPOINT_EVENT(qemu, name, TP_ARGS(void), TP_FIELDS())

/* migration/migration.c */
TRACEPOINT_EVENT(qemu, migrate_set_state,
	TP_ARGS(const char *, new_state),
	TP_FIELDS(ctf_string(new_state, new_state)))
STRATA_TP_VOID(migrate_fd_cleanup)
STRATA_TP_VOID(migration_cleanup)
TRACEPOINT_EVENT(qemu, migrate_fd_error,
	TP_ARGS(const char *, error_desc),
	TP_FIELDS(ctf_string(error_desc, error_desc)))
TRACEPOINT_EVENT(qemu, migrate_error,
	TP_ARGS(const char *, error_desc),
	TP_FIELDS(ctf_string(error_desc, error_desc)))
STRATA_TP_VOID(migrate_fd_cancel)
STRATA_TP_VOID(migration_cancel)
TRACEPOINT_EVENT(qemu, migrate_pending,
	TP_ARGS(uint64_t, size, uint64_t, max, uint64_t, pre, uint64_t, compat,
	    uint64_t, post),
	TP_FIELDS(
		ctf_integer(uint64_t, size, size)
		ctf_integer(uint64_t, max, max)
		ctf_integer(uint64_t, pre, pre)
		ctf_integer(uint64_t, compat, compat)
		ctf_integer(uint64_t, post, post)
	)
)
TRACEPOINT_EVENT(qemu, migrate_pending_exact,
	TP_ARGS(uint64_t, size, uint64_t, pre, uint64_t, post),
	TP_FIELDS(
		ctf_integer(uint64_t, size, size)
		ctf_integer(uint64_t, pre, pre)
		ctf_integer(uint64_t, post, post)
	)
)
TRACEPOINT_EVENT(qemu, migrate_pending_estimate,
	TP_ARGS(uint64_t, size, uint64_t, pre, uint64_t, post),
	TP_FIELDS(
		ctf_integer(uint64_t, size, size)
		ctf_integer(uint64_t, pre, pre)
		ctf_integer(uint64_t, post, post)
	)
)
TRACEPOINT_EVENT(qemu, migration_completion_vm_stop,
	TP_ARGS(int, ret),
	TP_FIELDS(ctf_integer(int, ret, ret)))
STRATA_TP_VOID(migration_thread_file_err)
TRACEPOINT_EVENT(qemu, migration_thread_low_pending,
	TP_ARGS(uint64_t, pending),
	TP_FIELDS(ctf_integer(uint64_t, pending, pending)))
#ifdef STRATA_QEMU_72
/* QEMU 7.2: the first argument is spelled `tranferred` in trace-events. */
TRACEPOINT_EVENT(qemu, migrate_transferred,
	TP_ARGS(uint64_t, tranferred, uint64_t, time_spent, uint64_t, bandwidth,
	    uint64_t, size),
	TP_FIELDS(
		ctf_integer(uint64_t, tranferred, tranferred)
		ctf_integer(uint64_t, time_spent, time_spent)
		ctf_integer(uint64_t, bandwidth, bandwidth)
		ctf_integer(uint64_t, size, size)
	)
)
#else
TRACEPOINT_EVENT(qemu, migrate_transferred,
	TP_ARGS(uint64_t, transferred, uint64_t, time_spent, uint64_t, bandwidth,
	    uint64_t, avail_bw, uint64_t, size),
	TP_FIELDS(
		ctf_integer(uint64_t, transferred, transferred)
		ctf_integer(uint64_t, time_spent, time_spent)
		ctf_integer(uint64_t, bandwidth, bandwidth)
		ctf_integer(uint64_t, avail_bw, avail_bw)
		ctf_integer(uint64_t, size, size)
	)
)
#endif
STRATA_TP_VOID(postcopy_start)
TRACEPOINT_EVENT(qemu, process_incoming_migration_co_end,
	TP_ARGS(int, ret, int, ps),
	TP_FIELDS(
		ctf_integer(int, ret, ret)
		ctf_integer(int, ps, ps)
	)
)

/* migration/savevm.c */
STRATA_TP_VOID(savevm_state_setup)
STRATA_TP_VOID(savevm_state_complete_precopy)
STRATA_TP_VOID(loadvm_state_setup)

/* migration/ram.c */
STRATA_TP_VOID(migration_bitmap_sync_start)
TRACEPOINT_EVENT(qemu, migration_bitmap_sync_end,
	TP_ARGS(uint64_t, dirty_pages),
	TP_FIELDS(ctf_integer(uint64_t, dirty_pages, dirty_pages)))
STRATA_TP_VOID(migration_throttle)
TRACEPOINT_EVENT(qemu, ram_load_complete,
	TP_ARGS(int, ret, uint64_t, seq_iter),
	TP_FIELDS(
		ctf_integer(int, ret, ret)
		ctf_integer(uint64_t, seq_iter, seq_iter)
	)
)

/* cpu-throttle.c (softmmu/, migration/ or system/ depending on version) */
TRACEPOINT_EVENT(qemu, cpu_throttle_set,
	TP_ARGS(int, new_throttle_pct),
	TP_FIELDS(ctf_integer(int, new_throttle_pct, new_throttle_pct)))

/* softmmu/runstate.c (system/ since 8.1) */
TRACEPOINT_EVENT(qemu, vm_state_notify,
	TP_ARGS(int, running, int, reason, const char *, reason_str),
	TP_FIELDS(
		ctf_integer(int, running, running)
		ctf_integer(int, reason, reason)
		ctf_string(reason_str, reason_str)
	)
)

#endif /* STRATA_TP_QEMU_H */

#endif /* provider */

#include <lttng/tracepoint-event.h>
