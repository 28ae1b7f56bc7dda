/*
 * store.h: the aggregator's SQLite store (WAL): nodes, VMs, migrations and
 * their sides, rounds and alerts, plus the cross-node correlation of
 * migration sides.  All results of queries are json-c objects the control
 * socket returns as they are.  Contract between store.c and its users.
 */
#ifndef STRATA_STORE_H
#define STRATA_STORE_H

#include <stdint.h>

#include <json-c/json.h>

struct store;

/* The PRAGMA user_version this code writes; a newer database is refused. */
#define STORE_SCHEMA_VERSION	2

/*
 * Called after a commit for each alert that fired, resolved or was acked.
 * The object (one element of store_q_alerts() plus "event": "fired",
 * "resolved" or "acked") stays the store's: take json_object_get() to keep it.
 */
typedef void (*store_alert_cb)(void *arg, struct json_object *alert);

/* What the last store_records() call did with its records. */
struct store_batch_counts {
	unsigned	stored;		/* new or changed records */
	unsigned	duplicate;	/* already stored as they are, or superseded */
	unsigned	skipped;	/* malformed or of an unknown kind: counted */
};

struct mig_filter {
	int		 active;	/* only migrations without an outcome */
	int		 failed;	/* only failed, cancelled or rolled back */
	const char	*vm;		/* uuid or name, NULL for any */
	const char	*node;		/* src or dst node, NULL for any */
	uint64_t	 since_ns;	/* started at or after, 0 for any */
	unsigned	 limit;		/* 0 for the default (1000) */
};

/* Opens (creating or upgrading the schema) or returns NULL with a log line. */
struct store	*store_open(const char *path);
void		 store_close(struct store *);
void		 store_set_alert_cb(struct store *, store_alert_cb, void *arg);
/*
 * durable 1 (the default): a batch is on disk when store_records()
 * returns, so an acknowledged batch survives a power loss (one fsync per
 * batch).  0: it survives a crash of the aggregator, not of the machine.
 */
int		 store_set_durable(struct store *, int durable);

/* An agent said hello: wall_ns is its wall clock at the handshake. */
int		 store_node_hello(struct store *, const char *node,
		    const char *agent_version, int64_t wall_ns, int64_t now_ns);
/* A heartbeat: counters from the agent (events/s, discarded events...). */
int		 store_node_stats(struct store *, const char *node,
		    struct json_object *stats, int64_t now_ns);
/*
 * One batch of records from a node, in one transaction.  Records are stored
 * by (node, id): a record sent twice is stored once.  Returns 0 once the
 * batch is durably committed (the caller then acknowledges it), -1 if not.
 * Malformed records are counted and skipped, never fail the batch.
 */
int		 store_records(struct store *, const char *node,
		    struct json_object *records, int64_t now_ns);
void		 store_last_batch(struct store *, struct store_batch_counts *);
/* Marks nodes not seen for stale_ns stale and fires node.stale once each. */
int		 store_check_stale(struct store *, int64_t now_ns, int64_t stale_ns);

/*
 * Queries; each returns a new json object, or NULL with *err set
 * (store_q_migration: NULL with *err NULL when there is no such migration).
 */
struct json_object *store_q_status(struct store *, const char **err);
struct json_object *store_q_nodes(struct store *, const char **err);
struct json_object *store_q_migrations(struct store *, const struct mig_filter *,
		    const char **err);
/* id: a migration id, or "node/side-id" or the side id of one of its sides. */
struct json_object *store_q_migration(struct store *, const char *id,
		    const char **err);
/* The newest `limit` alerts (0: 1000, at most 10000), oldest first. */
struct json_object *store_q_alerts(struct store *, int firing_only,
		    uint64_t since_ns, unsigned limit, const char **err);
/* Acks a firing alert; -1 with *err when there is no such firing alert. */
int		 store_alert_ack(struct store *, int64_t id, const char **err);

#endif
