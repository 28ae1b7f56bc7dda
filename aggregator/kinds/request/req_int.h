/*
 * req_int.h: what the files of the request kind share: its state
 * (statements, the request ids the open batch touched), the members of
 * its record, and the helpers between kind.c (registration),
 * req_schema.c (tables, statements), req_ingest.c (records in, merged
 * after the batch), req_query.c (the list, one request) and req_tree.c
 * (what one request caused, as a tree).
 */
#ifndef STRATA_REQ_INT_H
#define STRATA_REQ_INT_H

#include <stddef.h>

#include <sqlite3.h>
#include <json-c/json.h>

#include "kind.h"
#include "store_kind.h"
#include "app_kind.h"
#include "req_store.h"

/* The members of a `request` record, as req_fields (sorted). */
enum req_f {
	RF_ENDED_NS, RF_GLOBAL_REQUEST_ID, RF_ID, RF_REQUEST_ID, RF_STARTED_NS,
	RF_STATUS, RF_T_NS,
	RF__COUNT
};

enum req_st {
	RST_PART_GET,
	RST_PART_PUT,
	RST_PARTS_OF,
	RST_MERGED_PUT,
	RST_OBJECT_PUT,
	RST_GET,
	RST_CHILDREN,
	RST_RELATED,
	RST_STATUS,
	RST__COUNT
};

struct req {
	struct store		*s;
	sqlite3_stmt		*st[RST__COUNT];
	struct app_set		 touched;	/* request ids of the batch */
};

extern const char *const req_fields[];
extern const char *const req_schema[];

/* req_schema.c */
sqlite3_stmt	*req_st(struct req *, enum req_st);
void		*req_prepare(struct store *);
void		 req_finish(void *);

/* req_ingest.c */
enum agg_ingest	 req_ingest(struct store *, void *, const struct store_rec *);
int		 req_after_batch(struct store *, void *, const char *node);
void		 req_batch_end(void *);

/* req_query.c */
int		 req_status(struct store *, void *, struct json_object *);
/* The parts (each node's record) of request id, by start: an array. */
struct json_object *req_parts(struct req *, const char *id);

/* req_tree.c */
/* Adds the request's tree and what it links to (o: the request). */
int		 req_tree(struct req *, struct json_object *o);

#endif
