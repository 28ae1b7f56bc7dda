/*
 * kernel.h: the kernel analyzer's state, shared by its files: threads
 * (kthread.c), block devices (kblock.c), CPUs and interfaces (kernel.c),
 * records (krecord.c).  Everything is bounded: the tables have a
 * configured size and what does not fit is counted, not kept.
 */
#ifndef STRATA_AN_KERNEL_H
#define STRATA_AN_KERNEL_H

#include <stdint.h>

#include "analyzer.h"

#define KN_COMM		16	/* TASK_COMM_LEN */
#define KN_THREADS_FIRST 1024	/* the thread table's first size */
#define KN_THREADS_PER_EVENT 4	/* threads one event may add, at most */
#define KN_DISK		32
#define KN_IFACE	16
#define KN_MAX_CPUS	1024
#define KN_MAX_DISKS	64
#define KN_MAX_IFACES	32
#define KN_SOFTIRQS	10	/* NR_SOFTIRQS */
#define KN_MAX_ALIASES	128	/* udev names of block devices */
#define KN_RUNS		16	/* a CPU's last runs, for neighbours */
#define KN_NEIGH	4	/* neighbours kept per thread and sample */
#define KN_ALIAS	128
/* Latency histogram: 8 buckets per power of two, from 1 us. */
#define KN_HIST_SUB	8
#define KN_HIST		(8 * 28)	/* up to 2^28 us: 268 s */

/* Where the figures came from. */
enum kn_source { KS_MODULES, KS_PROC };

enum kn_role { KR_OTHER, KR_VCPU, KR_MIGRATION, KR_IO };

enum kn_tstate { KT_UNKNOWN, KT_RUNNING, KT_RUNNABLE, KT_BLOCKED };

struct kn_params {
	double		 window_s;	/* a thread sample's length */
	unsigned	 top_threads;	/* non-QEMU threads kept per window */
	unsigned	 max_threads;
	unsigned	 max_inflight;	/* block requests in flight, per node */
	double		 proc_disk_s;	/* a /proc disk's record at most this often */
};

/* What a thread did in the current window. */
/* Who held the CPU while a QEMU thread waited for it. */
struct kn_neigh {
	int64_t		 tid;		/* 0: free */
	int64_t		 pid;
	char		 comm[KN_COMM];
	uint64_t	 ns;		/* of its wait they ran */
};

struct kn_acc {
	uint64_t	 cpu_ns;	/* on a CPU */
	uint64_t	 wait_ns;	/* runnable, not on a CPU */
	uint64_t	 switches;	/* times it left a CPU */
	uint64_t	 kvm_exits;
	uint64_t	 wakeups;
	uint64_t	 preempted;	/* left a CPU still runnable */
	struct kn_neigh	 neigh[KN_NEIGH];
};

struct kn_thread {
	int64_t		 tid;		/* 0: free slot */
	int64_t		 pid;		/* -1 unknown */
	char		 comm[KN_COMM];
	enum kn_role	 role;
	enum kn_tstate	 state;
	int		 cpu;		/* where it runs or waits; -1 */
	uint64_t	 t_state;	/* accounted up to here */
	uint64_t	 wait_since;	/* runnable since (its neighbours') */
	uint64_t	 t0;		/* the window's start */
	struct kn_acc	 acc;		/* since t0 */
	struct kn_acc	 total;		/* since first seen */
	uint64_t	 first_ns;
	int		 exited;	/* dropped after its last sample */
	int		 vcpu;		/* vcpu_id from KVM events, -1 */
	enum kn_source	 source;
	/* /proc: the counters at the last sample (cumulative). */
	uint64_t	 proc_cpu, proc_wait, proc_slices;
	int		 proc_seen;
};

struct kn_req {
	uint64_t	 dev;		/* 0: free */
	uint64_t	 sector;
	uint64_t	 t_issue;
	uint64_t	 bytes;
	int		 write;
};

struct kn_disk {
	uint64_t	 dev;
	char		 name[KN_DISK];	/* statedump's diskname, or MAJ:MIN */
	enum kn_source	 source;
	uint64_t	 since_ns;
	uint64_t	 last_ns;
	uint64_t	 requests, bytes, read_bytes, write_bytes, errors;
	uint64_t	 lat_sum_ns, lat_max_ns, lat_min_ns;
	uint32_t	 hist[KN_HIST];
	unsigned	 inflight, depth_max;
	double		 depth_area;	/* inflight x ns */
	uint64_t	 t_depth;
	uint64_t	 unmatched;	/* completions with no issue seen */
	int		 dirty;
	/* /proc/diskstats: the counters at the last sample. */
	uint64_t	 ds_ios, ds_sectors, ds_ticks_ms;
	int		 ds_seen;
	uint64_t	 ds_sent_ns;	/* the sample of its last record */
};

struct kn_cpu {
	int64_t		 cur;		/* tid on it, -1 unknown */
	uint64_t	 t_in;
	uint64_t	 softirq_ns[KN_SOFTIRQS];
	uint64_t	 softirq_n[KN_SOFTIRQS];
	uint64_t	 si_t, irq_t;	/* entry times, 0 outside */
	int		 si_vec;
	uint64_t	 irq_ns, irq_n;
	int		 seen;
	/* its last runs: who, from when to when (ring) */
	struct {
		int64_t	 tid;
		uint64_t a, b;
	}		 runs[KN_RUNS];
	unsigned	 nrun;
};

struct kn_iface {
	char		 name[KN_IFACE];
	uint64_t	 tx_packets, tx_bytes, rx_packets, rx_bytes;
	int		 dirty;
};

/* A udev name of a block device (/dev/disk/by-path/...), from the agent. */
struct kn_alias {
	uint64_t	 dev;
	char		 path[KN_ALIAS];
};

struct kn_an {
	struct an_host	 host;
	struct kn_params params;
	/* threads: open addressing by tid, power-of-two size */
	struct kn_thread *thr;
	unsigned	 thr_size, thr_n;
	struct kn_req	*req;
	unsigned	 req_size, req_n;
	struct kn_disk	 disks[KN_MAX_DISKS];
	unsigned	 ndisks;
	struct kn_cpu	*cpus;
	unsigned	 ncpus;		/* allocated */
	struct kn_iface	 ifaces[KN_MAX_IFACES];
	unsigned	 nifaces;
	struct kn_alias	 aliases[KN_MAX_ALIASES];
	unsigned	 naliases;
	/* strata-qemu-bridge's pid -> its QEMU's (strata:vm_identity) */
	struct {
		int64_t	 vpid, qemu_pid;
	}		 bridges[64];
	unsigned	 next_bridge;
	uint64_t	 epoch_ns, now_ns, win_end;
	uint64_t	 window_ns;
	int		 have_kernel;	/* lttng-modules events seen */
	int		 cpu_dirty;	/* softirq, irq or packets since the record */
	/* counters for stats */
	uint64_t	 events, switches, threads_dropped, threads_full;
	uint64_t	 req_full, req_unmatched, samples, disk_records;
	uint64_t	 cuts;
};

extern const struct analyzer_class an_kernel_class;

/* kthread.c */
int		 kn_threads_init(struct kn_an *);
void		 kn_threads_reserve(struct kn_an *);
struct kn_thread *kn_thread(struct kn_an *, int64_t tid, int create);
void		 kn_thread_drop(struct kn_an *, struct kn_thread *);
void		 kn_thread_comm(struct kn_thread *, const char *);
void		 kn_thread_account(struct kn_thread *, uint64_t t);
void		 kn_switch(struct kn_an *, int cpu, uint64_t t, int64_t prev,
		    int64_t prev_state, const char *prev_comm, int64_t next,
		    const char *next_comm);
void		 kn_wakeup(struct kn_an *, uint64_t t, int64_t tid,
		    const char *comm, int cpu);
/* Ends the current samples of pid's threads (-1: all) at t. */
void		 kn_cut(struct kn_an *, uint64_t t, int64_t pid);
const char	*kn_role_name(enum kn_role);

/* kblock.c */
int		 kn_block_init(struct kn_an *);
struct kn_disk	*kn_disk(struct kn_an *, uint64_t dev, int create);
void		 kn_rq_issue(struct kn_an *, uint64_t t, uint64_t dev,
		    uint64_t sector, uint64_t nr_sector, uint64_t rwbs);
void		 kn_rq_complete(struct kn_an *, uint64_t t, uint64_t dev,
		    uint64_t sector, int64_t error);
void		 kn_hist_add(struct kn_disk *, uint64_t ns);
/* Upper bound of the bucket holding the pct'th latency, ms; -1 empty. */
double		 kn_hist_pct(const struct kn_disk *, double pct);

/* krecord.c */
struct json_object *kn_thread_record(const struct kn_an *,
		    const struct kn_thread *, uint64_t t1);
struct json_object *kn_disk_record(const struct kn_an *,
		    const struct kn_disk *, int final);
struct json_object *kn_cpu_record(const struct kn_an *, uint64_t t1);
const char	*kn_source_name(enum kn_source);

#endif
