/*
 * arm.h: arming the node's LTTng live session (strata-agent --arm, or
 * `arm = yes`).  Through lttng-ctl the agent creates and starts the live
 * session its --live URL names, when the session daemon does not have it
 * yet: the OpenStack Python loggers, qemu:* strata:* ovs:* UST events with
 * vpid/vtid context, and kernel events where the kernel tracer is there.
 * A session that already exists is used as it is and never touched; at
 * exit only a session this process created is destroyed.
 * docs/operations.md ("Arming LTTng") documents the keys below.
 */
#ifndef STRATA_ARM_H
#define STRATA_ARM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define ARM_LIVE_TIMER_MS	200	/* live timer: flush to relayd every */
#define ARM_TRACEFILE_MB	16	/* per stream file on relayd's disk */
#define ARM_TRACEFILE_COUNT	4	/* files per stream (a ring) */
#define ARM_LOGGERS		"nova neutron cinder"
#define ARM_UST_EVENTS		"qemu:* strata:* ovs:*"
#define ARM_KERNEL_EVENTS	"sched_switch sched_wakeup kvm_* block_rq_*"
#define ARM_UST_CHANNEL		"strata"
#define ARM_PYTHON_CHANNEL	"lttng_python_channel"	/* LTTng's own name */
#define ARM_KERNEL_CHANNEL	"strata_kernel"

enum arm_kernel {
	ARM_KERNEL_AUTO,	/* use the kernel tracer if it is there */
	ARM_KERNEL_YES,		/* fail when it is not */
	ARM_KERNEL_NO,
};

/* The agent's `arm*` configuration keys (arm_conf_set). */
struct arm_conf {
	int		 enable;	/* arm = yes | --arm */
	char		*url;		/* relayd control URL; NULL: net://LIVEHOST */
	unsigned	 live_timer_ms;
	char		*loggers;	/* Python logger names, blank/comma list */
	char		*ust_events;
	enum arm_kernel	 kernel;
	char		*kernel_events;
	unsigned	 tracefile_mb;	/* 0: unlimited */
	unsigned	 tracefile_count;
	int		 keep;		/* leave a created session at exit */
};

/* What arm_session() did; arm_disarm() undoes only that. */
struct arm_state {
	char		 session[256];
	int		 created;	/* this process created the session */
	int		 keep;
	int		 kernel;	/* kernel channel enabled */
	unsigned	 nust, npython, nkernel;	/* event rules enabled */
};

void	arm_conf_init(struct arm_conf *);
void	arm_conf_free(struct arm_conf *);
/*
 * One configuration key: 0 when set, -1 for a bad value (logged as
 * "WHERE: KEY: message"), 1 when key is not an arm key (nothing logged).
 */
int	arm_conf_set(struct arm_conf *, const char *key, const char *value,
	    const char *where);
/* The arm keys as `key = value` lines, in the order of docs/operations.md. */
void	arm_conf_print(const struct arm_conf *, FILE *);
/* The SESSION of net://HOST[:PORT]/host/HOSTNAME/SESSION into buf; 0/-1. */
int	arm_session_name(const char *live_url, char *buf, size_t len);

/*
 * Makes sure the session live_url names exists and traces: creates,
 * configures and starts it when the session daemon does not have it.
 * 0 (state says what was done) or -1, logged, with nothing left behind;
 * calling it again later is safe.  Blocks on lttng-sessiond (lttng-ctl).
 */
int	arm_session(const struct arm_conf *, const char *live_url,
	    struct arm_state *);
/* Destroys the session if arm_session() created it (unless keep). */
void	arm_disarm(struct arm_state *);
/* One line for logs and systemd's STATUS=. */
void	arm_describe(const struct arm_state *, char *buf, size_t len);

#endif
