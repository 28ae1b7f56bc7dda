/*
 * req_store.h: the request kind's queries over the store: the requests
 * list (one row per request id, its records of every node merged) and one
 * request with the tree of what it caused: API, conductor/scheduler,
 * compute source and destination, the QEMU migration's stages and rounds,
 * and the Neutron/Cinder requests it made.
 */
#ifndef STRATA_REQ_STORE_H
#define STRATA_REQ_STORE_H

#include <stdint.h>

#include <json-c/json.h>

struct store;

#define REQ_SLOW_MS_DEFAULT	1000

struct req_filter {
	int		 slow;		/* at least slow_ms, slowest first */
	int64_t		 slow_ms;	/* 0 for REQ_SLOW_MS_DEFAULT */
	int		 failed;	/* status error */
	const char	*vm;		/* touched this instance uuid */
	const char	*operation;	/* this operation */
	uint64_t	 since_ns;	/* started at or after, 0 for any */
	unsigned	 limit;		/* 0 for the default (1000) */
};

/* A new json array, or NULL with *err set. */
struct json_object *store_q_requests(struct store *, const struct req_filter *,
		    const char **err);
/*
 * id: a request id.  NULL with *err set on error, NULL with *err NULL when
 * there is no such request.
 */
struct json_object *store_q_request(struct store *, const char *id,
		    const char **err);

#endif
