/*
 * ctl.h: the aggregator's control socket.  A UNIX socket speaking
 * newline-delimited JSON (docs/control.md): one request object per line,
 * one response object per line, and for `alerts follow` a stream of alert
 * objects that ends with an explicit end object.
 *
 * Two sockets, as bgpd has: the full one, for the group that may change
 * things (`alert ack`), and an optional read-only one that anybody (the
 * web views, dashboards) may use for the commands flagged
 * CTL_CMD_READONLY.
 *
 * ctl.c owns the sockets and the connections; aggregator/cmd/ the commands,
 * one file each, their table (cmd.c, which also collects each record
 * kind's commands, kind.h) and the request parser (cmd_parse.c); follow.c
 * the per-follower bounded queues.
 */
#ifndef STRATA_CTL_H
#define STRATA_CTL_H

/*
 * The priority of the control socket's events: on a base with two
 * (aggregator.c), a request is read and answered before the batches of
 * the same pass of the event loop; 0 is valid on any base.
 */
#define CTL_PRIORITY	0

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "proto.h"

#define CTL_CLIENTS_MAX		128	/* connections at once, both sockets */
#define CTL_FOLLOWERS_MAX	64	/* of which following alerts */
#define CTL_IDLE_MS		60000	/* a client silent this long is closed */
#define CTL_OUT_HIGH		(1024 * 1024)	/* stop reading requests above */
#define CTL_FOLLOW_WMARK	(64 * 1024)	/* queued in the socket buffer */
#define CTL_FOLLOW_QLEN		256	/* alerts queued per follower */
#define CTL_MODE		0660	/* the full socket: its group */
#define CTL_MODE_RO		0666	/* the read-only one: anybody */

/* The sockets of ctl_create(). */
struct ctl_conf {
	const char	*path;		/* the full socket: every command */
	const char	*ro_path;	/* NULL, or a socket for CTL_CMD_READONLY ones */
	unsigned	 idle_ms;	/* 0: CTL_IDLE_MS */
};

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

/*
 * The argument types.  `help` names them (ctl_argtype_name()), so a client
 * can map its command line onto a request without a table of its own.
 */
enum ctl_argtype {
	CTL_ARG_BOOL,		/* "bool": a flag */
	CTL_ARG_INT,		/* "int": a JSON integer */
	CTL_ARG_STR,		/* "string" */
	CTL_ARG_ID,		/* "id": a string or a JSON integer */
	CTL_ARG_TIME,		/* "time": ns since the epoch, a JSON integer */
};

#define CTL_ARG_REQUIRED	0x1	/* the command fails without it */
#define CTL_ARG_POSITIONAL	0x2	/* stratactl CMD VALUE, not --name VALUE */

struct ctl_arg {
	const char		*name;
	enum ctl_argtype	 type;
	int			 flags;		/* CTL_ARG_* */
	const char		*summary;	/* one line for the usage */
};

#define CTL_CMD_READONLY	0x1	/* only reads (status, lists): "show" */
#define CTL_CMD_STREAM		0x2	/* answers with a stream */

struct ctl_cmd {
	const char		*name;
	const char		*alias;		/* NULL for none */
	const char		*usage;		/* the request's form */
	const char		*summary;	/* one line: what it answers */
	const struct ctl_arg	*args;		/* ends with { NULL } */
	int			 flags;		/* CTL_CMD_* */
	enum ctl_ret		(*exec)(struct ctl_call *);
};

/* cmd/cmd.c: the table, the generic commands then each kind's. */
/* The i-th command, NULL past the last. */
const struct ctl_cmd	*ctl_cmd_at(size_t i);
const struct ctl_cmd	*ctl_cmd_find(const char *);
const char		*ctl_argtype_name(enum ctl_argtype);

/* cmd/cmd_parse.c: requests. */
/*
 * Parses and runs one request line (without its newline).  Returns the
 * response object, never NULL; *streaming is set when the connection now
 * follows alerts.
 */
struct json_object	*ctl_handle_line(const struct ctl_env *, struct ctl_conn *,
			    const char *line, size_t len, int *streaming);
/*
 * Checks args against cmd's arguments as a request's are (unknown,
 * mistyped, missing); -1 with the message in err.
 */
int			 ctl_check_args(const struct ctl_cmd *,
			    struct json_object *args, char *err, size_t errsz);
struct json_object	*ctl_response_error(const char *fmt, ...)
			    __attribute__((format(printf, 1, 2)));
struct json_object	*ctl_response_ok(struct json_object *result);

/* ctl.c */
/*
 * Listens on conf->path (mode CTL_MODE) and, when set, conf->ro_path
 * (CTL_MODE_RO), where only CTL_CMD_READONLY commands run.  A client that
 * sends nothing for idle_ms is closed (followers excepted); at
 * CTL_CLIENTS_MAX, or out of descriptors, the client idle the longest makes
 * room for a new one.  Each client is accepted on one of the spare
 * descriptors of fdbudget.h when one is left.
 */
struct ctl		*ctl_create(struct event_base *, const struct ctl_conf *,
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
/* 1 when conn came through the read-only socket (NULL: 0). */
int			 ctl_conn_readonly(const struct ctl_conn *);

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
