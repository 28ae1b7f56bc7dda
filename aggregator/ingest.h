/*
 * ingest.h: the aggregator's side of the agent protocol (lib/proto.h):
 * listens, checks each agent's handshake (TLS and its certificate's name,
 * version, token), decodes batches and acknowledges each one after the
 * callback has stored it (or the group it is in was committed).
 * docs/protocol.md.  ingest_create() ignores SIGPIPE if the program left
 * it at its default (a lost agent is a write error).  The json objects
 * passed to callbacks live only during the call (json_object_get() to keep
 * one); callbacks must not call ingest_destroy().
 */
#ifndef STRATA_INGEST_H
#define STRATA_INGEST_H

#include <stdint.h>

#include <event2/event.h>
#include <json-c/json.h>
#include "proto.h"

struct ingest;
struct ssl_ctx_st;

struct ingest_conf {
	const char	*listen;	/* "HOST:PORT" */
	const char	*token;		/* NULL: no token */
	uint32_t	 max_frame;	/* bytes; 0 for the default */
	struct ssl_ctx_st *tls;		/* tls_ctx_new(TLS_SERVER); NULL: no TLS */
};
/*
 * Without TLS and token only agents on loopback are accepted, and
 * ingest_create() refuses to listen anywhere else.
 */

struct ingest_cb {
	/* Handshake accepted: node name, agent version, agent wall clock. */
	void	(*hello)(void *arg, const char *node, const char *agent_version,
		    int64_t wall_ns);
	/* A batch (n records, their text): 0 when durably stored -> acked. */
	int	(*batch)(void *arg, const char *node,
		    const struct proto_rec *recs, size_t n);
	/* A heartbeat with the agent's counters. */
	void	(*stats)(void *arg, const char *node, struct json_object *stats);
	/* The connection of node closed (for any reason, ingest_destroy too). */
	void	(*gone)(void *arg, const char *node);
	/*
	 * Group commit, when set: batch() only adds the batch to the store's
	 * open group (0: added, -1: refused at once); commit() makes the
	 * group durable, after the reads of a pass of the event loop or once
	 * it is 10 ms old or holds 5000 records (connections with more
	 * frames wait for the next group).  Every batch of the group is
	 * acknowledged after commit() returned 0; if it returned -1, their
	 * connections are refused (the agents send them again).  hello() and
	 * stats() writes go in the group too.  NULL: each batch() stores and
	 * commits its batch, which is acknowledged at once.  If commit() sets
	 * *gen (when gen is not NULL) to a commit number, the group is
	 * committed but not yet durable: its batches are acknowledged by
	 * ingest_durable() once that commit is.
	 */
	int	(*commit)(void *arg, unsigned batches, size_t records,
		    uint64_t *gen);
};

struct ingest	*ingest_create(struct event_base *, const struct ingest_conf *,
		    const struct ingest_cb *, void *arg);
void		 ingest_destroy(struct ingest *);
/*
 * Every commit up to gen is durable: their batches are acknowledged.  ok
 * 0: a sync failed, and the connections waiting are refused.
 */
void		 ingest_durable(struct ingest *, uint64_t gen, int ok);
/* Connected agents and counters (frames, refused, closed-bad) as JSON. */
struct json_object *ingest_stats(struct ingest *);
/*
 * SIGHUP: the context for connections from now on (ingest takes its own
 * reference; open connections keep theirs).  -1 when ingest has no TLS:
 * TLS is turned on or off only at a restart.
 */
int		 ingest_set_tls(struct ingest *, struct ssl_ctx_st *);
/* Added by the transport part: the port bound (useful with "HOST:0"). */
uint16_t	 ingest_port(struct ingest *);

#endif
