/*
 * ctl.h: the aggregator's control socket.  A UNIX socket speaking
 * newline-delimited JSON (docs/control.md): one request object per line,
 * one response object per line, and for `alerts follow` a stream of alert
 * objects that ends with an explicit end object.
 *
 * ctl.c owns the socket and the connections, ctl_cmds.c the one command
 * table and request parsing, follow.c the per-follower bounded queues.
 */
#ifndef STRATA_CTL_H
#define STRATA_CTL_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <json-c/json.h>

/* Bump CTL_PROTOCOL_VERSION if a request or response shape changes. */
#define CTL_PROTOCOL_VERSION	1
#define CTL_SOCKET_DEFAULT	"/run/strata/aggregator.sock"
#define CTL_LINE_MAX		65536	/* longest request line, bytes */
#define CTL_CLIENTS_MAX		128	/* connections at once */
#define CTL_OUT_HIGH		(1024 * 1024)	/* stop reading requests above */
#define CTL_FOLLOW_WMARK	(64 * 1024)	/* queued in the socket buffer */
#define CTL_FOLLOW_QLEN		256	/* alerts queued per follower */

struct store;
struct ctl;
struct ctl_conn;

/* What the commands may use; owned by the caller of ctl_create(). */
struct ctl_env {
	struct store	*store;
	int64_t		 started_ns;
	unsigned	 follow_qlen;	/* 0 for CTL_FOLLOW_QLEN */
	/* Adds the caller's counters (ingest, alert delivery) to obj.  May be NULL. */
	void		(*status)(void *arg, struct json_object *obj);
	void		*status_arg;
	/* Set by ctl_create(); NULL when commands run without a socket. */
	struct ctl	*ctl;
};

enum ctl_ret {
	CTL_ERROR = -1,		/* call->err says why */
	CTL_DONE = 0,		/* call->result is the answer */
	CTL_STREAM = 1,		/* the connection now streams (follow) */
};

struct ctl_call {
	const struct ctl_env	*env;
	struct ctl_conn		*conn;		/* NULL without a socket */
	struct json_object	*args;		/* checked against the command; never NULL */
	struct json_object	*result;	/* CTL_DONE: taken by the caller */
	char			 err[256];	/* CTL_ERROR */
};

enum ctl_argtype {
	CTL_ARG_BOOL,
	CTL_ARG_INT,		/* a JSON integer */
	CTL_ARG_STR,
	CTL_ARG_ID,		/* a string or a JSON integer */
};

struct ctl_arg {
	const char		*name;
	enum ctl_argtype	 type;
	int			 required;
};

struct ctl_cmd {
	const char		*name;
	const char		*alias;		/* NULL for none */
	const char		*usage;
	const struct ctl_arg	*args;		/* ends with { NULL } */
	enum ctl_ret		(*exec)(struct ctl_call *);
};

/* ctl_cmds.c */
extern const struct ctl_cmd ctl_cmd_table[];
const struct ctl_cmd	*ctl_cmd_find(const char *);
/*
 * Parses and runs one request line (without its newline).  Returns the
 * response object, never NULL; *streaming is set when the connection now
 * follows alerts.
 */
struct json_object	*ctl_handle_line(const struct ctl_env *, struct ctl_conn *,
			    const char *line, size_t len, int *streaming);
struct json_object	*ctl_response_error(const char *fmt, ...)
			    __attribute__((format(printf, 1, 2)));
struct json_object	*ctl_response_ok(struct json_object *result);

/* ctl.c */
struct ctl		*ctl_create(struct event_base *, const char *path,
			    struct ctl_env *);
/* Alert to every follower; never blocks, copies what it keeps. */
void			 ctl_alert(struct ctl *, struct json_object *alert);
/*
 * Stops accepting, ends every stream with an end object and closes each
 * connection once its output has drained; done(arg) runs when none is left.
 * Returns how many connections are still draining (0: done already ran).
 */
int			 ctl_shutdown(struct ctl *, const char *reason,
			    void (*done)(void *), void *arg);
void			 ctl_destroy(struct ctl *);
struct json_object	*ctl_stats(struct ctl *);
/* Makes conn a follower; -1 when it cannot be. */
int			 ctl_conn_follow(struct ctl_conn *, unsigned qlen);

/* follow.c: a follower's bounded queue of stream lines. */
struct follow_q;
struct follow_q		*follow_q_create(unsigned cap);
void			 follow_q_free(struct follow_q *);
/* Queues a copy of line; when full the line is dropped and counted: -1. */
int			 follow_q_push(struct follow_q *, const char *line);
/*
 * Next line to send (caller frees), a {"skipped":N} line where alerts were
 * lost, or NULL when nothing is queued.
 */
char			*follow_q_pop(struct follow_q *);
/* Drops what is queued; returns the alerts lost and not yet reported. */
uint64_t		 follow_q_drop(struct follow_q *);
unsigned		 follow_q_len(const struct follow_q *);
uint64_t		 follow_q_skipped(const struct follow_q *);
char			*follow_line_alert(struct json_object *alert);
char			*follow_line_skipped(uint64_t n);
char			*follow_line_end(const char *reason, uint64_t skipped);

#endif
