/*
 * mig_int.h: what the files of the migration kind share: its state (its
 * statements and the sides the open batch touched), the members of its
 * records, and the helpers between kind.c (registration), mig_schema.c
 * (tables, statements), mig_ingest.c (records in), mig_correlate.c (sides
 * into migrations, one alert per migration) and mig_query.c (queries).
 */
#ifndef STRATA_MIG_INT_H
#define STRATA_MIG_INT_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>
#include <json-c/json.h>

#include "kind.h"
#include "store_kind.h"
#include "mig_store.h"

/* How far apart two sides' times may be and still be one migration. */
#define MIG_CORR_TOL_NS		(30LL * 1000000000LL)
#define MIG_LIST_DEFAULT	1000		/* store_q_migrations() limit */
#define MIG_METRICS_ACTIVE	100		/* active migrations with gauges */

/* The members of a `migration` record, as mig_fields_side (sorted). */
enum mig_fs {
	MF_DOWNTIME_MS, MF_ENDED_NS, MF_ERROR, MF_ID, MF_OUTCOME,
	MF_PREDICTED_DOWNTIME_MS, MF_ROLE, MF_ROUNDS, MF_STARTED_NS, MF_STATE,
	MF_T_NS, MF_THROTTLE_PCT, MF_TOTAL_MS, MF_VERDICT, MF_VM_NAME,
	MF_VM_RESUME_NS, MF_VM_STOP_NS, MF_VM_UUID, MF_VPID,
	MF__COUNT
};

/* The members of a `migration_round` record, as mig_fields_round. */
enum mig_fr {
	MR_BANDWIDTH_BPS, MR_BYTES, MR_DIRTY_PAGES, MR_DIRTY_RATE_BPS,
	MR_DURATION_MS, MR_MIGRATION_ID, MR_N, MR_PENDING_BYTES,
	MR_PREDICTED_DOWNTIME_MS, MR_START_NS, MR_T_NS, MR_THROTTLE_PCT,
	MR_VERDICT,
	MR__COUNT
};

/* Every statement of the kind, prepared in mig_prepare(). */
enum mig_st {
	MST_SIDE_UPSERT,
	MST_SIDE_GET,
	MST_SIDE_CANDIDATES,
	MST_SIDE_SET_PEER,
	MST_SIDE_SET_MIG,
	MST_SIDES_OF_MIG,
	MST_SIDE_BY_SID,
	MST_SIDE_ID,
	MST_SIDE_STUB,
	MST_SIDE_MIG,
	MST_SIDE_ROUNDS_COUNT,
	MST_SIDE_ROUNDS_MAX,
	MST_SIDE_NROUNDS,
	MST_SIDE_SET_NROUNDS,
	MST_SIDE_ADD_NROUNDS,
	MST_MIG_UPSERT,
	MST_MIG_DELETE,
	MST_MIG_GET,
	MST_VM_UPSERT,
	MST_ROUND_INSERT,
	MST_ROUND_UPDATE,
	MST_ROUNDS_OF_SIDE,
	MST_LAST_PENDING_ROUND,
	MST_MIG_ALERTS,
	MST_STATUS,
	MST_ALERT_VM,
	MST_METRICS_ALL,
	MST_METRICS_ACTIVE,
	MST__COUNT
};

/* Filters of store_q_migrations(), one prepared statement per mix. */
#define MIGF_ACTIVE	0x01
#define MIGF_FAILED	0x02
#define MIGF_VM		0x04
#define MIGF_NODE	0x08
#define MIGF_SINCE	0x10
#define MIGF__COUNT	0x20

/* A side touched by the open batch: correlated before the commit. */
struct mig_touch {
	char		*sid;
	int64_t		 side;		/* migration_sides.id */
	int64_t		 nrounds;	/* its count before the batch, or NONE */
	int		 changed;	/* its record changed */
	int64_t		 new_rounds;	/* rounds it got in this batch */
};

/* The kind's state in one store. */
struct mig {
	struct store		*s;
	sqlite3_stmt		*st[MST__COUNT];
	sqlite3_stmt		*st_list[MIGF__COUNT];	/* on first use */
	int			 side_param[MF__COUNT];	/* :member, or 0 */
	int			 side_node, side_updated, side_raw;

	struct mig_touch	*touch;
	size_t			 ntouch, touchcap;
	char			**asid;		/* sides the batch's alerts name */
	/* The migration id of the alert being stored: its subject's id. */
	char			*alert_mid;
	size_t			 nasid, asidcap;
};

extern const char *const mig_fields_side[];
extern const char *const mig_fields_round[];
extern const char *const mig_schema[];

/* mig_schema.c */
sqlite3_stmt	*mig_st(struct mig *, enum mig_st);
void		*mig_prepare(struct store *);
void		 mig_finish(void *);

/* mig_ingest.c */
enum agg_ingest	 mig_ingest_side(struct store *, void *, const struct store_rec *);
enum agg_ingest	 mig_ingest_round(struct store *, void *,
		    const struct store_rec *);
enum agg_ingest	 mig_kind_alert(struct store *, void *, struct store_alert_in *);
void		 mig_batch_end(void *);

/* mig_correlate.c */
int		 mig_after_batch(struct store *, void *, const char *node);
char		*mig_id_of(const char *node, const char *sid);

/* mig_query.c */
int		 mig_status(struct store *, void *, struct json_object *);
void		 mig_alert_json(struct store *, void *, struct json_object *,
		    const char *, const char *, const char *);
int		 mig_metrics(struct store *, void *, struct prom *);

/* mig_link.c: the Nova live migration, its phases, the diagnosis. */
int		 mig_link(struct mig *, struct json_object *migration);
char		*mig_link_lookup(struct mig *, const char *nova_key);

/* mig_advice.c: what would make a migration converge. */
struct json_object *mig_advice_of(struct json_object *side,
		    struct json_object *rounds, struct json_object *evidence);
/* The kernel's figures of side's rounds (aggregator/kinds/kernel/). */
void		 mig_kernel_side(struct store *, struct json_object *side,
		    const char *node);
struct json_object *mig_advice_side(struct mig *, const char *node,
		    const char *sid, struct json_object *evidence);

#endif
