/*
 * store.h: the aggregator's SQLite store (WAL): nodes, counters, generic
 * alerts, and the record kinds registered in aggregator/kinds/ (kind.h),
 * which keep their own tables.  All results of queries are json-c objects
 * the control socket returns as they are.  Contract between the store and
 * its users; a kind's queries are in its own header (the migration kind's:
 * kinds/migration/mig_store.h).
 */
#ifndef STRATA_STORE_H
#define STRATA_STORE_H

#include <stdint.h>

#include <json-c/json.h>

struct store;
struct proto_rec;
struct prom;

/* The PRAGMA user_version this code writes; a newer database is refused. */
#define STORE_SCHEMA_VERSION	4

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

/* Opens (creating or upgrading the schema) or returns NULL with a log line. */
struct store	*store_open(const char *path);
void		 store_close(struct store *);
void		 store_set_alert_cb(struct store *, store_alert_cb, void *arg);
/*
 * durable 1 (the default): a batch is on disk when store_records()
 * returns (or its group commits), so an acknowledged batch survives a
 * power loss.  0: it survives a crash of the aggregator, not of the
 * machine.
 */
int		 store_set_durable(struct store *, int durable);
/*
 * Group commit: from store_group_begin() to store_group_commit(), every
 * write (batches, hellos, heartbeats, alerts) is part of one transaction,
 * durable only when store_group_commit() returns 0 (one fsync for the
 * group).  If any write of the group fails, the whole group is rolled
 * back, later writes fail until the group ends, and store_group_commit()
 * returns -1: a caller acknowledges a group's batches only after its
 * commit.  store_close() commits an open group.
 */
/*
 * Checkpoints the WAL from a thread of its own (store_ckpt.c) rather than
 * in the commits of the caller's thread; stopped by store_close().
 */
int		 store_checkpointer_start(struct store *);
/*
 * With durable = yes: the groups' COMMITs do not wait for the disk, a
 * thread of its own syncs the WAL (store_sync.c); stopped by store_close().
 * store_group_commit() still returns once the group is durable;
 * store_group_commit_async() returns once it is committed, *gen the
 * number of its commit (0: durable already).  store_sync_fd() is readable
 * when a sync ended; store_sync_done() then gives the newest commit
 * durable in *gen, or -1 once a sync failed (nothing after *gen is, nor
 * will be: every later group fails).
 */
int		 store_syncer_start(struct store *);
void		 store_syncer_stop(struct store *);
int		 store_sync_fd(struct store *);
int		 store_sync_done(struct store *, uint64_t *gen);
int		 store_group_begin(struct store *);
int		 store_group_commit(struct store *);
int		 store_group_commit_async(struct store *, uint64_t *gen);
int		 store_in_group(struct store *);

/* An agent said hello: wall_ns is its wall clock at the handshake. */
int		 store_node_hello(struct store *, const char *node,
		    const char *agent_version, int64_t wall_ns, int64_t now_ns);
/* A heartbeat: counters from the agent (events/s, discarded events...). */
int		 store_node_stats(struct store *, const char *node,
		    struct json_object *stats, int64_t now_ns);
/*
 * One batch of records from a node, in one transaction.  Records are stored
 * by (node, id): a record sent twice is stored once.  Returns 0 once the
 * batch is durably committed (the caller then acknowledges it), or in a
 * group, once it is part of it; -1 if not.
 * Malformed records are counted and skipped, never fail the batch.
 */
int		 store_records(struct store *, const char *node,
		    struct json_object *records, int64_t now_ns);
/*
 * The same for records as an agent sends them (lib/proto/proto.h): each
 * record's text, scanned; only the members its kind reads are parsed.
 */
int		 store_batch(struct store *, const char *node,
		    const struct proto_rec *recs, size_t n, int64_t now_ns);
void		 store_last_batch(struct store *, struct store_batch_counts *);
/* Marks nodes not seen for stale_ns stale and fires node.stale once each. */
int		 store_check_stale(struct store *, int64_t now_ns, int64_t stale_ns);

/* Queries; each returns a new json object, or NULL with *err set. */
struct json_object *store_q_status(struct store *, const char **err);
struct json_object *store_q_nodes(struct store *, const char **err);
/* The newest `limit` alerts (0: 1000, at most 10000), oldest first. */
struct json_object *store_q_alerts(struct store *, int firing_only,
		    uint64_t since_ns, unsigned limit, const char **err);
/* Acks a firing alert; -1 with *err when there is no such firing alert. */
int		 store_alert_ack(struct store *, int64_t id, const char **err);

/*
 * /metrics: the store's families (alerts, records taken by node and
 * kind, the counters, the database's size), then each kind's
 * (agg_kind.metrics).  -1 on a database error, after what was written.
 */
int		 store_metrics(struct store *, struct prom *);

#endif
