/*
 * vm.h: the state the vm analyzer keeps per Nova instance and per Nova
 * live migration, shared by vm.c (events and states), nmig.c (live
 * migrations from the instance.live_migration_* notifications and the
 * libvirt driver's log lines) and vm_record.c (the records).
 */
#ifndef STRATA_AN_VM_H
#define STRATA_AN_VM_H

#include <stdint.h>

#include "oslo.h"

#define VM_MAX_STATES	12	/* distinct vm/task states timed per instance */
#define VM_MAX_HOSTS	16
#define VM_MAX_MIGS	16
#define NM_MAX_PHASES	16
#define NM_MAX_PROGRESS	32
#define VM_MAX_PIDS	64	/* QEMU processes remembered (vm_identity) */
#define VM_MAX_RUNNING	64	/* running migrations followed for plain lines */
#define VM_ORPHAN_NS	(120ULL * 1000000000ULL)	/* plain log lines wait */

struct vm_params {
	double		 window_s;	/* idle instances leave after this */
	double		 mig_window_s;	/* finished migrations leave after this */
};

struct st_ms {
	char		 name[24];	/* "" for the null task state */
	double		 ms;
};

struct vm {
	struct oent	 e;		/* key: uuid */
	char		 uuid[64];
	char		 name[128];
	char		 instance_name[64];
	char		 host[64];	/* as established; "" unknown */
	char		 node[64];
	char		 vm_state[24];
	char		 task_state[32];
	char		 power_state[16];
	int		 task_known;	/* task_state was ever told */
	uint64_t	 since_ns;	/* the current state triple began */
	uint64_t	 state_t_ns;	/* the event that set it */
	uint64_t	 first_ns;
	char		 last_event_type[96];
	char		 request_id[64];
	struct st_ms	 vm_ms[VM_MAX_STATES];
	unsigned	 nvm_ms;
	struct st_ms	 task_ms[VM_MAX_STATES];
	unsigned	 ntask_ms;
	uint64_t	 vm_since_ns;	/* the current vm_state began */
	uint64_t	 task_since_ns;
	struct {
		char		 host[64];
		uint64_t	 since_ns;
	}		 hosts[VM_MAX_HOSTS];
	unsigned	 nhosts;
	char		 migs[VM_MAX_MIGS][160];	/* nova_migration ids */
	unsigned	 nmigs;
	char		 cur_mig[160];	/* the nmig key of the open one */
	char		 qemu_state[24];
	uint64_t	 qemu_state_ns;
	int64_t		 qemu_pid;
	uint64_t	 events;
	int		 deleted;
};

enum nm_role { NM_ROLE_NONE, NM_ROLE_SOURCE, NM_ROLE_DEST };

enum nm_outcome {
	NM_RUNNING,
	NM_COMPLETED,
	NM_ROLLED_BACK,
	NM_ABORTED,
	NM_TIMED_OUT,
	NM_FAILED,
};

struct nm_phase {
	char		 name[16];
	uint64_t	 start_ns, end_ns;
	char		 host[64];
	char		 error[256];
};

struct nm_progress {
	uint64_t	 t_ns;
	double		 elapsed_s, remaining_pct;
	int64_t		 processed, remaining, total;
};

struct nmig {
	struct oent	 e;		/* key: the record id */
	char		 key[160];	/* migration_key: UUID/REQUEST */
	char		 uuid[64];
	char		 name[128];
	char		 request_id[64];
	char		 global_request_id[64];
	enum nm_role	 role;
	char		 source_host[64];
	char		 dest_host[64];
	struct nm_phase	 ph[NM_MAX_PHASES];
	unsigned	 nph;
	uint64_t	 started_ns, ended_ns, last_ns;
	enum nm_outcome	 outcome;
	uint64_t	 abort_ns;
	int64_t		 timeout_s;	/* -1 unknown */
	uint64_t	 timed_out_ns;
	char		 timeout_action[16];
	uint64_t	 cancelled_ns;	/* "Migration operation was cancelled" */
	struct nm_progress prog[NM_MAX_PROGRESS];
	unsigned	 nprog, prog_next;
	char		 error[256];
	int64_t		 qemu_pid;
};

/* What a plain log line (no instance) said, until a migration claims it. */
struct nm_orphan {
	uint64_t	 timeout_ns;
	int64_t		 timeout_s;
	uint64_t	 cancelled_ns;
	uint64_t	 failure_ns;
	char		 failure[256];
	char		 dest[64];
	uint64_t	 dest_ns;
};

struct vm_an {
	struct an_host	 host;
	struct vm_params params;
	struct oslo_ctx	*own;
	struct otab	 vms;
	struct otab	 migs;
	struct nm_orphan orphan;
	struct {
		int64_t		 vpid;
		int64_t		 qemu_pid;
		char		 uuid[64];
		char		 state[24];
		uint64_t	 state_ns;
	}		 pids[VM_MAX_PIDS];
	unsigned	 npids, next_pid;
	struct nmig	*running[VM_MAX_RUNNING];	/* outcome not yet known */
	unsigned	 nrunning;
	int		 running_overflow;	/* more than VM_MAX_RUNNING */
	uint64_t	 epoch_ns;
	uint64_t	 now_ns;	/* latest event time */
	/* counters */
	uint64_t	 events;
	uint64_t	 notifications;	/* instance.* ones used */
	uint64_t	 vm_events;	/* vm_event records */
	uint64_t	 no_uuid;	/* instance notifications without a uuid */
	uint64_t	 stale;		/* older than the state they would replace */
	uint64_t	 migrations;
	uint64_t	 lines_used;	/* libvirt/compute log lines used */
	uint64_t	 lines_unattributed;
	uint64_t	 qemu_states;
};

/* vm.c */
extern const struct analyzer_class an_vm_class;
struct vm	*vm_get(struct vm_an *, const char *uuid, uint64_t t_ns);
void		 vm_set_host(struct vm *, const char *host, uint64_t t_ns);

/* nmig.c */
/*
 * A live-migration phase event of vm: phase name ("pre", "post", ...),
 * the notification phase (PH_START...), the message.  Returns the
 * migration (created when new), NULL when it cannot be kept.
 */
struct nmig	*nm_phase_event(struct vm_an *, struct vm *, const char *phase,
		    enum oslo_phase, const struct oslo_msg *);
/* A log line of the libvirt driver / compute manager; 1 when used. */
int		 nm_log_line(struct vm_an *, const struct oslo_msg *);
struct nmig	*nm_current(struct vm_an *, const struct vm *);
const char	*nm_outcome_str(enum nm_outcome);
/* The migration leaves the agent (evicted): no longer running here. */
void		 nm_forget(struct vm_an *, struct nmig *);
const char	*nm_role_str(enum nm_role);

/* vm_record.c */
struct json_object *vm_record(const struct vm_an *, const struct vm *,
		    uint64_t t_ns, int final);
struct json_object *nm_record(const struct vm_an *, const struct nmig *,
		    uint64_t t_ns, int final);

#endif
