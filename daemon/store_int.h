/*
 * store_int.h: what the files of the store share and nobody else needs:
 * struct store, its prepared statements, and the helpers between store.c
 * (open, ingest, alerts), store_query.c (queries), store_correlate.c
 * (sides into migrations, clock offsets) and store_schema.c (versions).
 */
#ifndef STRATA_STORE_INT_H
#define STRATA_STORE_INT_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>
#include <json-c/json.h>

#include "store.h"

#define STORE_NONE		INT64_MIN	/* an unknown integer column */
#define STORE_ALERTS_MAX	10000		/* alerts one query returns */
#define STORE_ALERTS_DEFAULT	1000		/* ... when not told */
#define STORE_MIGS_DEFAULT	1000		/* store_q_migrations() limit */
/* How far apart two sides' times may be and still be one migration. */
#define STORE_CORR_TOL_NS	(30LL * 1000000000LL)
/* A record further ahead of the aggregator's clock says nothing of it. */
#define STORE_CLOCK_MAX_AHEAD_NS (86400LL * 1000000000LL)

/* Every statement, prepared once in store_open(). */
enum store_st {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_NODE_GET,
	ST_NODE_TOUCH,
	ST_NODE_COUNT,
	ST_NODE_HELLO,
	ST_NODE_STATS,
	ST_NODE_CLOCK,
	ST_NODE_STALE_LIST,
	ST_NODE_SET_STALE,
	ST_COUNTER_ADD,
	ST_SIDE_UPSERT,
	ST_SIDE_GET,
	ST_SIDE_CANDIDATES,
	ST_SIDE_SET_PEER,
	ST_SIDE_SET_MIG,
	ST_SIDES_OF_MIG,
	ST_SIDE_BY_SID,
	ST_SIDE_ID,
	ST_SIDE_STUB,
	ST_SIDE_ROUNDS_COUNT,
	ST_SIDE_ROUNDS_MAX,
	ST_SIDE_NROUNDS,
	ST_SIDE_SET_NROUNDS,
	ST_SIDE_ADD_NROUNDS,
	ST_MIG_UPSERT,
	ST_MIG_DELETE,
	ST_MIG_GET,
	ST_VM_UPSERT,
	ST_ROUND_INSERT,
	ST_ROUND_UPDATE,
	ST_ROUNDS_OF_SIDE,
	ST_ALERT_INSERT,
	ST_ALERT_FIND_ACTIVE,
	ST_ALERT_UPDATE,
	ST_ALERT_RESOLVE,
	ST_ALERT_ACK,
	ST_ALERT_GET,
	ST_ALERTS_LIST,
	ST_ALERTS_OF_SIDE,
	ST_STATUS_NODES,
	ST_STATUS_MIGS,
	ST_STATUS_ALERTS,
	ST_STATUS_VMS,
	ST_COUNTERS,
	ST_NODES_LIST,
	ST__COUNT
};

/* Filters of store_q_migrations(), one prepared statement per mix. */
#define MIGF_ACTIVE	0x01
#define MIGF_FAILED	0x02
#define MIGF_VM		0x04
#define MIGF_NODE	0x08
#define MIGF_SINCE	0x10
#define MIGF__COUNT	0x20

/* A side touched by the open batch: correlated before the commit. */
struct store_touch {
	char		*sid;
	int64_t		 side;		/* migration_sides.id */
	int64_t		 nrounds;	/* its count before the batch, or NONE */
	int		 changed;	/* its record changed */
	int64_t		 new_rounds;	/* rounds it got in this batch */
};

/* An alert that changed in the open transaction: told after the commit. */
struct store_alert_ev {
	int64_t		 id;
	const char	*event;		/* "fired", "resolved", "acked" */
};

/* Why records were skipped; the names are the counters' suffixes. */
enum store_skip {
	SKIP_NOT_OBJECT,
	SKIP_NO_KIND,
	SKIP_UNKNOWN_KIND,
	SKIP_MISSING_FIELD,
	SKIP_BAD_FIELD,
	SKIP__COUNT
};

struct store {
	sqlite3			*db;
	char			*path;
	sqlite3_stmt		*st[ST__COUNT];
	sqlite3_stmt		*st_mig[MIGF__COUNT];	/* prepared on first use */
	store_alert_cb		 alert_cb;
	void			*alert_arg;
	int			 in_tx;

	struct store_batch_counts last;		/* of the last batch */
	unsigned		 skips[SKIP__COUNT];	/* of the open batch */
	int64_t			 now_ns;		/* of the open batch */

	struct store_touch	*touch;
	size_t			 ntouch, touchcap;
	struct store_alert_ev	*aev;
	size_t			 naev, aevcap;

	unsigned char		 rf_lo[128];	/* record members, by first letter */
	unsigned char		 rf_hi[128];
	char			 errbuf[256];	/* what *err points to */
};

/* store.c */
sqlite3_stmt	*store_st(struct store *, enum store_st);
int		 store_done(struct store *, sqlite3_stmt *, const char *);
int		 store_row(struct store *, sqlite3_stmt *, const char *);
void		 store_bind_str(sqlite3_stmt *, int, const char *);
void		 store_bind_i64(sqlite3_stmt *, int, int64_t);
void		 store_bind_dbl(sqlite3_stmt *, int, double);
int64_t		 store_col_i64(sqlite3_stmt *, int);
double		 store_col_dbl(sqlite3_stmt *, int);
char		*store_col_dup(sqlite3_stmt *, int);
int		 store_tx_begin(struct store *);
int		 store_tx_commit(struct store *);
void		 store_tx_rollback(struct store *);
int		 store_alert_event(struct store *, int64_t, const char *);
int		 store_alert_resolve(struct store *, int64_t, const char *,
		    int64_t now_ns);
const char	*store_err(struct store *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/* store_query.c */
struct json_object *store_json_col(sqlite3_stmt *, int);
struct json_object *store_json_row(sqlite3_stmt *);
struct json_object *store_json_double(double);
struct json_object *store_alert_json(struct store *, int64_t id);

/* store_correlate.c */
struct store_clock {
	int64_t		 hello;		/* STORE_NONE without a handshake */
	int64_t		 lo;		/* STORE_NONE without a bound */
	int64_t		 adj;		/* from matched migration pairs */
	int64_t		 offset;	/* what the store uses: node - aggregator */
};
int		 store_clock_get(struct store *, const char *, struct store_clock *);
int		 store_clock_bound(struct store *, const char *, int64_t lo);
int		 store_correlate(struct store *, const char *node,
		    const struct store_touch *);
char		*store_mig_id(const char *node, const char *sid);

/* store_schema.c */
int		 store_schema_version(sqlite3 *);
int		 store_schema_upgrade(sqlite3 *, const char *path, int target);

#endif
