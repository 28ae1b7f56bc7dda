/*
 * push.h: the agent's side of the agent protocol (lib/proto.h): connects to
 * the aggregator, sends records in batches acknowledged by sequence number,
 * spools unacknowledged records on disk and resends them after a reconnect.
 * docs/protocol.md.  A lost peer must be a write error, not a signal:
 * push_create() ignores SIGPIPE if the program left it at its default.
 */
#ifndef STRATA_PUSH_H
#define STRATA_PUSH_H

#include <stdint.h>

#include <event2/event.h>
#include <json-c/json.h>

struct push;
struct ssl_ctx_st;

struct push_conf {
	const char	*aggregator;	/* "HOST:PORT" */
	const char	*node;
	const char	*token;		/* NULL for none */
	/* tls_ctx_new(TLS_CLIENT); NULL: no TLS.  The aggregator's certificate
	   must name HOST (a DNS name or an IP address). */
	struct ssl_ctx_st *tls;
	const char	*spool_path;	/* file; NULL: memory only */
	uint64_t	 spool_max;	/* bytes on disk before the oldest are dropped (logged, counted) */
	unsigned	 batch_max;	/* records per batch */
	unsigned	 flush_ms;	/* a partial batch leaves after this */
	/* Added by the transport part; 0 takes the default. */
	unsigned	 retry_max_ms;	/* reconnect backoff cap (5000) */
	unsigned	 heartbeat_ms;	/* heartbeat period (10000) */
	unsigned	 window;	/* batches in flight before waiting for acks (4) */
};

struct push	*push_create(struct event_base *, const struct push_conf *);
/*
 * Queues one record (takes a reference of its own); 0, or -1 if refused.
 * The record must be a JSON object with an "id" (records are stored by
 * (node, id)) of at most 64 KiB serialized; it is spooled at once (the
 * caller keeps its own reference and may put it right away).
 */
int		 push_record(struct push *, struct json_object *rec);
/* The same for a record's text (an object with an "id"). */
int		 push_record_text(struct push *, const char *text, size_t len);
/* Counters the next heartbeat carries (events_per_s, discarded, ...). */
void		 push_set_stats(struct push *, struct json_object *stats);
/* Everything accepted so far is either acked or safely spooled. */
int		 push_sync(struct push *);
/* Everything accepted so far is in the spool file (the page cache): a
 * crash of the agent loses none of it; a power loss may. */
int		 push_flush(struct push *);
void		 push_destroy(struct push *);
struct json_object *push_stats(struct push *);
/* Added by the transport part. */
/* Records accepted but not yet acknowledged (in flight or spooled). */
uint64_t	 push_unacked(struct push *);
/* 1 once the aggregator said WELCOME on the current connection. */
int		 push_connected(struct push *);
/* REFUSEs from the aggregator so far; *why: the last error, if asked. */
uint64_t	 push_refused(struct push *, const char **why);
/*
 * SIGHUP: the TLS context of the next connections (push takes its own
 * reference; the current connection keeps its own).  -1 when push has no
 * TLS: it is turned on or off only at a restart.
 */
int		 push_set_tls(struct push *, struct ssl_ctx_st *);

#endif
