/*
 * migration.h: the state the live-migration analyzer keeps per QEMU
 * process and per migration, shared by migration.c (the state machine)
 * and verdict.c / record.c (the convergence model and the records).
 */
#ifndef STRATA_AN_MIGRATION_H
#define STRATA_AN_MIGRATION_H

#include <stdint.h>

#include "analyzer.h"
#include "jwrite.h"

#define MIG_MAX_ROUNDS		4096	/* rounds kept per migration (the latest) */
#define MIG_MAX_STAGES		8
#define MIG_RECORD_ROUNDS	200	/* rounds a migration record carries */
#define MIG_MAX_STATES		32	/* QEMU state changes kept per migration */
#define MIG_ERROR_GRACE_NS	(2ULL * 1000000000ULL)	/* late error lines */
#define MIG_PAGE_SIZE		4096	/* target page size in bytes */
#define MIG_MAX_ORIGINS		64	/* vpid-less streams/threads remembered */
#define MIG_MAX_CHANGES		16	/* changes of conditions kept per migration */
#define MIG_BW_WINDOW		5	/* bandwidth samples a lowered cap must hold */
#define MIG_BW_UP_SAMPLES	2	/* samples above the cap that raise it */

/* Thresholds that decide verdicts and alerts; see docs/convergence.md. */
struct mig_params {
	double		downtime_limit_ms;	/* QEMU's downtime-limit, default 300 */
	unsigned	stall_rounds;		/* rounds before a not-converging alert */
	double		min_drop_pct;		/* ratio above 1 + this: diverging */
	double		alert_confidence_pct;	/* alert when this sure it never converges */
	unsigned	max_rounds;		/* needing more rounds than this is never */
	double		rate_noise_pct;		/* prior spread of one round's ratio */
	double		bw_step_pct;		/* a bandwidth step this large is a change */
};

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

/*
 * What the model predicts after a round, from the estimate the round
 * belongs to (docs/convergence.md).  Negative or 0: not known.
 */
struct mig_pred {
	double		ratio;		/* pages dirtied per page sent */
	double		ratio_se;	/* its standard error */
	double		dirty_rate_bps;	/* page bytes dirtied per second */
	double		dirty_rate_sd_bps;	/* spread over the estimate's rounds */
	double		bandwidth_bps;	/* bytes sent per second */
	double		bandwidth_sd_bps;	/* spread of QEMU's samples */
	double		cost;		/* bytes sent per page byte (<1: compressed) */
	double		p_never;	/* probability it never reaches the threshold */
	double		never_ratio;	/* the ratio from which it counts as never */
	int		rounds_left;	/* -1: never (more than max_rounds) */
	double		time_left_ms;
	uint64_t	end_ns;		/* predicted completion */
	double		end_downtime_ms;	/* QEMU's view at that switchover */
	unsigned	est;		/* the estimate it comes from */
	unsigned	est_rounds;	/* rounds that estimate holds */
	unsigned	est_iter;	/* of them iterative */
	uint64_t	est_since_ns;	/* when its conditions began */
	int		adjusted;	/* the previous estimate, adjusted to a change */
};

/*
 * One estimate: the sums over the rounds under one set of conditions.
 * Iterative rounds weigh by the bytes they cost; the first pass gives the
 * dirty rate but not the cost of a page (it is full of zero pages).
 */
struct mig_est {
	unsigned	id;		/* 0 from the start, +1 per change */
	uint64_t	since_ns;	/* migration start or the change */
	unsigned	first_n;	/* its first round's number */
	unsigned	nrounds;	/* rounds it holds, the first pass counted */
	unsigned	niter;		/* of them iterative */
	double		sw, swr, swr2, sw2;	/* iterative: weights, weighted ratios */
	double		proc, cost_bytes;	/* iterative: page bytes done, bytes sent */
	double		first_dirty, first_bytes;	/* the first pass, if in it */
	double		dirty, dur, bytes, rate2_dur;	/* all rounds: rates */
	double		bw_n, bw_s, bw_s2;	/* QEMU's bandwidth samples in it */
	double		thr_n, thr_s;	/* and its thresholds */
	double		rate_factor;	/* dirty rate vs the previous estimate's */
};

struct mig_change {
	uint64_t	t_ns;
	const char	*what;		/* "bandwidth", "throttle", "postcopy" */
	double		from, to;	/* bytes/s or percent; <0 unknown */
	unsigned	round;		/* the round it happened in */
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
	uint64_t	remaining_bytes;	/* not yet sent at the sync */
	uint64_t	processed_bytes;	/* page bytes the round went through */
	double		ratio;		/* dirtied / processed; <0 unknown */
	int		est;		/* its estimate; -1: a change within it */
	int		added;		/* counted in its estimate's sums */
	struct mig_pred	pred;		/* the prediction after it */
	/* Its brief and its predictions' brief as JSON, once written (a
	 * round older than the last no longer changes); record.c. */
	char		*text[2];
	size_t		 text_len[2];
};

void	mig_round_text_free(struct mig_round *);

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

	/* The convergence model (verdict.c). */
	struct mig_est	 est;			/* the current conditions */
	struct mig_est	 prev_est;		/* the ones before the last change */
	int		 have_prev;
	struct mig_change changes[MIG_MAX_CHANGES];
	unsigned	 nchanges;		/* all, also those not kept */
	double		 bw_ref;		/* the bandwidth cap as it looks */
	double		 bw_win[MIG_BW_WINDOW];	/* the last samples at or below it */
	uint64_t	 bw_win_t[MIG_BW_WINDOW];	/* the sample before each */
	unsigned	 bw_nwin;
	unsigned	 bw_ncand;		/* samples in a row above it */
	double		 bw_cand_min;
	uint64_t	 bw_cand_t;
	uint64_t	 bw_last_t;
	struct mig_pred	 pred;			/* after the last round */

	enum mig_verdict verdict;
	double		 predicted_downtime_ms;	/* <0 unknown */
	int		 alerted;		/* not_converging raised */
	unsigned	 alert_round;		/* the round it was raised after */
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

/*
 * Without the vpid context, the QEMU process an event belongs to is the
 * one the last strata:vm_identity of the same thread (vtid) or, without
 * vtid either, of the same CPU's stream named.
 */
struct mig_origin {
	int64_t		 origin;	/* vtid, or -2 - cpu */
	int64_t		 qemu_pid;
};

struct mig_an {
	struct an_host	 host;
	struct jbuf	 jb;		/* the record being written */
	struct mig_params params;
	unsigned	 page_size;
	struct mig_proc	*procs[256];
	struct mig_origin origins[MIG_MAX_ORIGINS];
	unsigned	 norigins;
	unsigned	 next_origin;	/* round-robin victim when full */
	uint64_t	 no_vpid;	/* events without the vpid context */
	uint64_t	 events;
	uint64_t	 ignored;	/* modelled events outside any migration */
	uint64_t	 bad;		/* events missing a required field */
	uint64_t	 migrations;
	uint64_t	 alerts;
};

/* migration.c: the class analyzers.c registers. */
extern const struct analyzer_class an_migration_class;

/* verdict.c */
void	mig_model_start(struct migration *, uint64_t t_ns);
void	mig_pred_converged(struct migration *);
void	mig_round_evaluate(struct mig_an *, struct migration *, struct mig_round *);
int	mig_should_alert(const struct mig_an *, const struct migration *);
void	mig_change(struct mig_an *, struct migration *, const char *what,
	    double from, double to, uint64_t t_ns);
void	mig_bw_sample(struct mig_an *, struct migration *, double bw_bps,
	    double threshold, uint64_t t_ns);

/* record.c */
const char		*mig_role_str(enum mig_role);
const char		*mig_outcome_str(enum mig_outcome);
const char		*mig_verdict_str(enum mig_verdict);
/* A record's text into b (what was there replaced); -1: out of memory. */
int			 mig_record(const struct mig_an *, struct migration *,
			    uint64_t t_ns, struct jbuf *b);
int			 mig_round_record(const struct mig_an *,
			    const struct migration *, const struct mig_round *,
			    struct jbuf *b);
int			 mig_alert(const struct mig_an *, const struct migration *,
			    const char *name, uint64_t t_ns, struct jbuf *b);

#endif
