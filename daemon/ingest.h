/*
 * ingest.h: the aggregator's side of the agent protocol (lib/proto.h):
 * listens, checks each agent's handshake (version, token), decodes batches
 * and acknowledges each one after the callback has stored it.
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

struct ingest;

struct ingest_conf {
	const char	*listen;	/* "HOST:PORT" */
	const char	*token;		/* NULL: no token, loopback agents only */
	uint32_t	 max_frame;	/* bytes; 0 for the default */
};

struct ingest_cb {
	/* Handshake accepted: node name, agent version, agent wall clock. */
	void	(*hello)(void *arg, const char *node, const char *agent_version,
		    int64_t wall_ns);
	/* A batch (JSON array of records): 0 when durably stored -> acked. */
	int	(*batch)(void *arg, const char *node, struct json_object *records);
	/* A heartbeat with the agent's counters. */
	void	(*stats)(void *arg, const char *node, struct json_object *stats);
	/* The connection of node closed (for any reason, ingest_destroy too). */
	void	(*gone)(void *arg, const char *node);
};

struct ingest	*ingest_create(struct event_base *, const struct ingest_conf *,
		    const struct ingest_cb *, void *arg);
void		 ingest_destroy(struct ingest *);
/* Connected agents and counters (frames, refused, closed-bad) as JSON. */
struct json_object *ingest_stats(struct ingest *);
/* Added by the transport part: the port bound (useful with "HOST:0"). */
uint16_t	 ingest_port(struct ingest *);

#endif
