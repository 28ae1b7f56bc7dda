/*
 * an_migration.h: the state the live-migration analyzer keeps per QEMU
 * process and per migration, shared by an_migration.c (the state machine)
 * and mig_verdict.c / mig_record.c (the convergence model and the records).
 */
#ifndef STRATA_AN_MIGRATION_H
#define STRATA_AN_MIGRATION_H

#include <stdint.h>

#include "analyzer.h"

#define MIG_MAX_ROUNDS		4096	/* rounds kept per migration (the latest) */
#define MIG_MAX_STAGES		8
#define MIG_RECORD_ROUNDS	200	/* rounds a migration record carries */
#define MIG_MAX_STATES		32	/* QEMU state changes kept per migration */
#define MIG_ERROR_GRACE_NS	(2ULL * 1000000000ULL)	/* late error lines */

enum mig_role { ROLE_UNKNOWN, ROLE_SOURCE, ROLE_DESTINATION };

enum mig_outcome {
	OUT_NONE,		/* still running */
	OUT_COMPLETED,
	OUT_FAILED,
	OUT_CANCELLED,
	OUT_ROLLED_BACK,	/* source VM stopped, migration failed, VM runs again */
};

enum mig_verdict {
	VERDICT_NONE,		/* no round finished yet */
	VERDICT_CONVERGING,
	VERDICT_STALLED,
	VERDICT_DIVERGING,
	VERDICT_CONVERGED,
};

struct mig_round {
	unsigned	n;		/* 1 is the first pass over all RAM */
	uint64_t	t_start_ns;
	uint64_t	t_end_ns;	/* the bitmap sync that ended it */
	uint64_t	dirty_reported;	/* dirty_pages as QEMU traced it */
	uint64_t	dirty_pages;	/* pages dirtied during this round */
	uint64_t	pending_bytes;	/* left to send after the sync */
	int		pending_exact;	/* pending_bytes is QEMU's, not estimated */
	uint64_t	bytes;		/* sent during the round */
	double		bandwidth_bps;	/* QEMU's measured bandwidth at the end */
	double		dirty_rate_bps;
	double		predicted_downtime_ms;
	int		throttle_pct;
	enum mig_verdict verdict;
};

struct mig_stage {
	const char	*name;
	uint64_t	 start_ns;
	uint64_t	 end_ns;	/* 0 while in it */
};

struct mig_proc;

struct migration {
	struct mig_proc	*proc;
	char		 id[160];
	enum mig_role	 role;
	char		 state[32];	/* QEMU's last migration state */
	enum mig_outcome outcome;
	char		 error[512];	/* QEMU's error_desc, else its last error line */
	char		 errors[1024];	/* every error line, "; " separated */
	int		 file_error;	/* migration_thread_file_err seen */
	uint64_t	 start_ns;
	uint64_t	 end_ns;	/* outcome time */
	uint64_t	 last_ns;	/* last event */
	uint64_t	 vm_stop_ns;	/* source VM stopped for the switchover */
	uint64_t	 vm_resume_ns;	/* VM running again (dst resume, src rollback) */
	uint64_t	 postcopy_ns;	/* postcopy_start */
	uint64_t	 postcopy_active_ns;	/* the guest runs on the destination */
	int		 fail_pending;	/* failed after VM stop: rollback or not? */
	int		 cancel_requested;

	struct mig_stage stages[MIG_MAX_STAGES];
	unsigned	 nstages;
	struct {
		char		state[24];
		uint64_t	t_ns;
	}		 states[MIG_MAX_STATES];	/* every state as it came */
	unsigned	 nstates;
	int		 dirty;		/* a migration record is due */
	uint64_t	 dirty_t_ns;	/* its time */

	/* Rounds, from migration_bitmap_sync_end. */
	struct mig_round *rounds;
	unsigned	 nrounds;
	unsigned	 rounds_cap;		/* allocated, up to MIG_MAX_ROUNDS */
	unsigned	 rounds_dropped;	/* beyond MIG_MAX_ROUNDS */
	unsigned	 nsyncs;
	uint64_t	 sync_t_ns;		/* last sync */
	uint64_t	 period_start_ns;	/* QEMU's dirty-rate period */
	uint64_t	 last_reported;		/* dirty_pages at the last sync */
	int		 period_reset;		/* QEMU began a new period after it */
	int		 eval_pending;		/* round closed, waiting for its pending size */
	uint64_t	 round_bytes;		/* sent since the last sync */
	uint64_t	 initial_pending;	/* RAM to send at the start */
	uint64_t	 final_dirty_pages;	/* sync in stop-and-copy */

	/* What QEMU measures. */
	double		 bandwidth_bps;		/* last migrate_transferred */
	uint64_t	 threshold_bytes;	/* QEMU's max pending for switchover */
	uint64_t	 bytes_total;
	int		 throttle_pct;		/* -1 unknown */
	unsigned	 throttle_steps;
	unsigned	 loads;			/* destination: ram_load_complete count */

	enum mig_verdict verdict;
	double		 predicted_downtime_ms;	/* <0 unknown */
	int		 predicted_rounds_left;	/* -1: never at this rate */
	int		 alerted;		/* not_converging raised */
	int		 resolved;		/* converged sent after it */
	int		 final_sent;
};

struct mig_proc {
	int64_t		 vpid;		/* the emitting process */
	int64_t		 qemu_pid;	/* the QEMU process, if told */
	struct vm_ident	 ident;
	int		 ident_known;
	int		 ident_tried;
	uint64_t	 period_ns;	/* QEMU's 1 s rate period at the events' pace */
	unsigned	 nmig;		/* migrations seen on this process */
	struct migration *cur;		/* running, or finished within the grace */
	struct mig_proc	*next;
};

struct mig_an {
	struct an_ctx	 ctx;
	struct mig_proc	*procs[256];
	uint64_t	 events;
	uint64_t	 ignored;	/* modelled events outside any migration */
	uint64_t	 bad;		/* events missing a required field */
	uint64_t	 migrations;
	uint64_t	 alerts;
};

/* mig_verdict.c */
void	mig_round_evaluate(struct mig_an *, struct migration *, struct mig_round *);
int	mig_should_alert(const struct mig_an *, const struct migration *);

/* mig_record.c */
const char		*mig_role_str(enum mig_role);
const char		*mig_outcome_str(enum mig_outcome);
const char		*mig_verdict_str(enum mig_verdict);
struct json_object	*mig_record(const struct mig_an *, const struct migration *,
			    uint64_t t_ns);
struct json_object	*mig_round_record(const struct mig_an *,
			    const struct migration *, const struct mig_round *);
struct json_object	*mig_alert(const struct mig_an *, const struct migration *,
			    const char *name, uint64_t t_ns);

#endif
