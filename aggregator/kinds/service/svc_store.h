/*
 * svc_store.h: the service kind's query: per service and operation, the
 * counts and latency percentiles of every node and agent epoch summed.
 */
#ifndef STRATA_SVC_STORE_H
#define STRATA_SVC_STORE_H

#include <json-c/json.h>

struct store;

/* service, operation: NULL for any.  A new array, or NULL with *err. */
struct json_object *store_q_services(struct store *, const char *service,
		    const char *operation, const char **err);

#endif
