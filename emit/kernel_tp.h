/*
 * kernel_tp.h: the lttng-ust provider `strata_kernel` of strata-emit: the
 * lttng-modules 2.13 kernel events Strata reads (docs/events.md), with
 * their names and field names, for replays on hosts without kernel
 * tracing (tests, the demo).  Each event carries cpu_id as its last
 * member: the CPU the replayed kernel event happened on (the packet's
 * cpu_id is the replayer's).  Field types follow lttng-modules: pid_t and
 * int as int, dev_t, sector_t and u64 as 64-bit unsigned.
 */
#undef TRACEPOINT_PROVIDER
#undef LTTNG_UST_TRACEPOINT_PROVIDER
#define LTTNG_UST_TRACEPOINT_PROVIDER strata_kernel
#undef LTTNG_UST_TRACEPOINT_INCLUDE
#define LTTNG_UST_TRACEPOINT_INCLUDE "kernel_tp.h"

#if !defined(STRATA_KERNEL_TP_H) || defined(TRACEPOINT_HEADER_MULTI_READ)
#define STRATA_KERNEL_TP_H

#include <stdint.h>
#include <lttng/tracepoint.h>

TRACEPOINT_EVENT(strata_kernel, sched_switch,
	TP_ARGS(const char *, prev_comm, int, prev_tid, int, prev_prio,
	    int64_t, prev_state, const char *, next_comm, int, next_tid,
	    int, next_prio, int, cpu_id),
	TP_FIELDS(
		ctf_string(prev_comm, prev_comm)
		ctf_integer(int, prev_tid, prev_tid)
		ctf_integer(int, prev_prio, prev_prio)
		ctf_integer(int64_t, prev_state, prev_state)
		ctf_string(next_comm, next_comm)
		ctf_integer(int, next_tid, next_tid)
		ctf_integer(int, next_prio, next_prio)
		ctf_integer(int, cpu_id, cpu_id)
	)
)

TRACEPOINT_EVENT(strata_kernel, sched_wakeup,
	TP_ARGS(const char *, comm, int, tid, int, prio, int, target_cpu,
	    int, cpu_id),
	TP_FIELDS(
		ctf_string(comm, comm)
		ctf_integer(int, tid, tid)
		ctf_integer(int, prio, prio)
		ctf_integer(int, target_cpu, target_cpu)
		ctf_integer(int, cpu_id, cpu_id)
	)
)

TRACEPOINT_EVENT(strata_kernel, kvm_x86_exit,
	TP_ARGS(uint64_t, exit_reason, uint64_t, guest_rip, uint64_t, vcpu_id,
	    int, cpu_id),
	TP_FIELDS(
		ctf_integer(unsigned int, exit_reason, exit_reason)
		ctf_integer(uint64_t, guest_rip, guest_rip)
		ctf_integer(unsigned int, vcpu_id, vcpu_id)
		ctf_integer(int, cpu_id, cpu_id)
	)
)

TRACEPOINT_EVENT(strata_kernel, lttng_statedump_process_state,
	TP_ARGS(int, tid, int, pid, int, ppid, const char *, name, int, cpu_id),
	TP_FIELDS(
		ctf_integer(int, tid, tid)
		ctf_integer(int, pid, pid)
		ctf_integer(int, ppid, ppid)
		ctf_string(name, name)
		ctf_integer(int, cpu_id, cpu_id)
	)
)

TRACEPOINT_EVENT(strata_kernel, block_rq_issue,
	TP_ARGS(uint64_t, dev, uint64_t, sector, uint64_t, nr_sector,
	    uint64_t, bytes, int, tid, uint64_t, rwbs, const char *, comm,
	    int, cpu_id),
	TP_FIELDS(
		ctf_integer(uint64_t, dev, dev)
		ctf_integer(uint64_t, sector, sector)
		ctf_integer(unsigned int, nr_sector, nr_sector)
		ctf_integer(unsigned int, bytes, bytes)
		ctf_integer(int, tid, tid)
		ctf_integer(unsigned int, rwbs, rwbs)
		ctf_string(comm, comm)
		ctf_integer(int, cpu_id, cpu_id)
	)
)

TRACEPOINT_EVENT(strata_kernel, block_rq_complete,
	TP_ARGS(uint64_t, dev, uint64_t, sector, uint64_t, nr_sector,
	    int, error, uint64_t, rwbs, int, cpu_id),
	TP_FIELDS(
		ctf_integer(uint64_t, dev, dev)
		ctf_integer(uint64_t, sector, sector)
		ctf_integer(unsigned int, nr_sector, nr_sector)
		ctf_integer(int, error, error)
		ctf_integer(unsigned int, rwbs, rwbs)
		ctf_integer(int, cpu_id, cpu_id)
	)
)

TRACEPOINT_EVENT(strata_kernel, irq_softirq_entry,
	TP_ARGS(uint64_t, vec, int, cpu_id),
	TP_FIELDS(
		ctf_integer(unsigned int, vec, vec)
		ctf_integer(int, cpu_id, cpu_id)
	)
)

TRACEPOINT_EVENT(strata_kernel, irq_softirq_exit,
	TP_ARGS(uint64_t, vec, int, cpu_id),
	TP_FIELDS(
		ctf_integer(unsigned int, vec, vec)
		ctf_integer(int, cpu_id, cpu_id)
	)
)

#endif /* STRATA_KERNEL_TP_H */

#include <lttng/tracepoint-event.h>
