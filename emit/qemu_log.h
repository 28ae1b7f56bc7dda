/*
 * qemu_log.h: parse the output of QEMU's `log` trace backend, one line at a
 * time, into struct ev.
 *
 * Stock distribution QEMU (Debian 12 ships 7.2) traces through the log
 * backend: `TID@SECONDS.MICROS:event_name args...`, interleaved with QEMU's
 * own messages (`2026-11-25T19:19:32.263632Z qemu-system-x86_64: text`).
 * The parser turns a trace line into a "qemu:<event>" event whose fields
 * carry the trace-events argument names (the same schema as QEMU's ust
 * backend) and a message line into a "strata:qemu_log" event.  It does no
 * I/O: the caller reads lines and hands them over.  See docs/events.md.
 */
#ifndef STRATA_QEMU_LOG_H
#define STRATA_QEMU_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "ev.h"

/* qemu_log_parse() results. */
#define QLOG_EMPTY	0	/* blank line: nothing, not counted as skipped */
#define QLOG_EVENT	1	/* *out holds an event */
#define QLOG_SKIP	2	/* not parseable; reason in parser->skip_reason */

struct qlog_cfmt;

struct qemu_log_parser {
	/*
	 * The QEMU process id: the first TID seen (QEMU's main thread writes
	 * the first trace line), or what qemu_log_parser_set_pid() set; -1
	 * while unknown.
	 */
	int64_t			 pid;
	int64_t			 last_tid;	/* TID of the last trace line, -1 */
	const char		*skip_reason;	/* why the last line was skipped */

	/* Counters since init. */
	uint64_t		 n_lines;	/* every call */
	uint64_t		 n_empty;	/* QLOG_EMPTY */
	uint64_t		 n_events;	/* QLOG_EVENT, all kinds */
	uint64_t		 n_known;	/* trace events whose args were decoded */
	uint64_t		 n_unknown;	/* trace events not in the format table */
	uint64_t		 n_messages;	/* strata:qemu_log events */
	uint64_t		 n_skipped;	/* QLOG_SKIP */

	/* Private. */
	char			*buf;		/* the event's strings live here */
	size_t			 bufsz;
	struct qlog_cfmt	*fmts;		/* compiled format table */
	unsigned		 nfmts;
};

/* qemu_log.c */
int		 qemu_log_parser_init(struct qemu_log_parser *);
void		 qemu_log_parser_free(struct qemu_log_parser *);
void		 qemu_log_parser_set_pid(struct qemu_log_parser *, int64_t);
/*
 * Parses one line (a trailing "\n" or "\r\n" is ignored).  On QLOG_EVENT the
 * strings in *out point into the parser and stay valid until the next call.
 */
int		 qemu_log_parse(struct qemu_log_parser *, const char *line,
		    struct ev *out);
/* 1 if the parser decodes the arguments of this trace event name. */
int		 qemu_log_known_event(const char *event);
/* Parses "YYYY-MM-DDTHH:MM:SS[.frac]Z" into ns since the epoch; -1 if bad. */
int		 qemu_log_iso_time(const char *s, size_t len, uint64_t *t_ns);

#endif
