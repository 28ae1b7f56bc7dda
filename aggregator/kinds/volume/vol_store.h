/*
 * vol_store.h: the volume kind's queries: the volumes list and one volume
 * in detail (backend parts, operations, each attachment's connection).
 */
#ifndef STRATA_VOL_STORE_H
#define STRATA_VOL_STORE_H

#include <json-c/json.h>

struct store;

/* live: without the deleted ones.  A new array, or NULL with *err. */
struct json_object *store_q_volumes(struct store *, int live,
		    const char **err);
/* NULL with *err NULL when there is no such volume. */
struct json_object *store_q_volume(struct store *, const char *id,
		    const char **err);

#endif
