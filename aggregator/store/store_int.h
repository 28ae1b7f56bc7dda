/*
 * store_int.h: what the files of the store core share and nobody else
 * needs: struct store, its prepared statements, and the helpers between
 * store.c (open, batches, kind dispatch), store_alert.c (generic alerts),
 * store_clock.c (node clock offsets), store_query.c (queries),
 * store_metrics.c (/metrics) and store_schema.c (the core's and the
 * kinds' schema versions).
 */
#ifndef STRATA_STORE_INT_H
#define STRATA_STORE_INT_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>
#include <json-c/json.h>

#include "kind.h"
#include "store.h"
#include "store_kind.h"

#define STORE_ALERTS_MAX	10000		/* alerts one query returns */
#define STORE_ALERTS_DEFAULT	1000		/* ... when not told */
/* A record further ahead of the aggregator's clock says nothing of it. */
#define STORE_CLOCK_MAX_AHEAD_NS (86400LL * 1000000000LL)

/* Every statement of the core, prepared once in store_open(). */
enum store_st {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_NODE_GET,
	ST_NODE_TOUCH,
	ST_NODE_COUNT,
	ST_NODE_HELLO,
	ST_NODE_HELLO_NOCLOCK,
	ST_NODE_STATS,
	ST_NODE_CLOCK,
	ST_NODE_STALE_LIST,
	ST_NODE_SET_STALE,
	ST_COUNTER_ADD,
	ST_ALERT_INSERT,
	ST_ALERT_FIND_ACTIVE,
	ST_ALERT_UPDATE,
	ST_ALERT_RESOLVE,
	ST_ALERT_ACK,
	ST_ALERT_FOLD,
	ST_ALERT_GET,
	ST_ALERTS_LIST,
	ST_STATUS_NODES,
	ST_STATUS_ALERTS,
	ST_COUNTERS,
	ST_NODES_LIST,
	ST__COUNT
};

/* An alert that changed in the open transaction: told after the commit. */
struct store_alert_ev {
	int64_t		 id;
	const char	*event;		/* "fired", "resolved", "acked" */
};

/* A record type ("kind" member) and who ingests it: a kind, or the core. */
struct store_rtype {
	const char		*name;
	size_t			 kind;		/* index in agg_kind_table */
	const struct agg_record	*rec;		/* NULL: the core's `alert` */
	const char *const	*fields;
	int			 t_ns;		/* index of "t_ns", or -1 */
	uint64_t		 textmask;	/* fields read as text, by index */
	unsigned char		 lo[128];	/* fields, by first letter */
	unsigned char		 hi[128];
};

/* Records a node sent that the store took, by record type, since open. */
struct store_ingested {
	char			*node;
	uint64_t		*n;		/* by store_rtype index */
};

struct store {
	sqlite3			*db;
	char			*path;
	sqlite3_stmt		*st[ST__COUNT];
	store_alert_cb		 alert_cb;
	void			*alert_arg;
	int			 in_tx;
	int			 group;		/* store_group_begin() */
	int			 group_failed;	/* a write of it failed */
	unsigned		 group_writes;	/* batches in it */
	struct store_ckpt	*ckpt;		/* store_ckpt.c; NULL: none */
	struct store_sync	*sync;		/* store_sync.c; NULL: none */
	int			 durable;	/* store_set_durable() */
	int			 group_synced;	/* its COMMIT is the syncer's */

	struct store_batch_counts last;		/* of the last batch */
	unsigned		 skips[SKIP__COUNT];	/* of the open batch */
	int64_t			 now_ns;		/* of the open batch */

	struct store_alert_ev	*aev;
	size_t			 naev, aevcap;

	size_t			 nkinds;
	void			**kstate;	/* by agg_kind_table index */
	struct store_rtype	*rt;
	size_t			 nrt;
	uint64_t		*batch_rt;	/* the open batch's, by rt index */
	struct store_ingested	*ing;		/* store_metrics.c */
	size_t			 ning, ingcap;
	char			 errbuf[256];	/* what *err points to */
	struct json_tokener	*tok;		/* a record's members, from text */
};

/* store_ckpt.c */
void		 store_checkpointer_stop(struct store *);

/* store_sync.c */
uint64_t	 store_sync_request(struct store *);
int		 store_sync_now(struct store *);

/* store.c */
sqlite3_stmt	*store_st(struct store *, enum store_st);
int		 store_tx_begin(struct store *);
int		 store_tx_commit(struct store *);
void		 store_tx_rollback(struct store *);

/* store_alert.c */
int		 store_alert_event(struct store *, int64_t, const char *);
int		 store_alert_resolve(struct store *, int64_t, const char *,
		    int64_t now_ns);
int64_t		 store_alert_raise(struct store *, const char *node,
		    const char *name, const char *severity, const char *message,
		    int64_t now_ns);
enum agg_ingest	 store_alert_ingest(struct store *, const struct store_rec *);
void		 store_alert_deliver(struct store *);
struct json_object *store_alert_json(struct store *, int64_t id);

/* store_clock.c */
int		 store_clock_bound(struct store *, const char *, int64_t lo);

/* store_metrics.c */
void		 store_ingested_add(struct store *, const char *node);
void		 store_ingested_free(struct store *);

/* store_schema.c */
int		 store_schema_version(sqlite3 *);
int		 store_schema_upgrade(sqlite3 *, const char *path, int target);
int		 store_schema_kinds(sqlite3 *, const char *path);

#endif
