/*
 * ovs_store.h: the ovs kind's queries: latency per node, bridge, port and
 * path; one histogram; flow and upcall rates; where a MAC or IP is.
 */
#ifndef STRATA_OVS_STORE_H
#define STRATA_OVS_STORE_H

#include <stdint.h>

#include <json-c/json.h>

struct store;

struct ovs_filter {
	const char	*node;		/* or NULL */
	const char	*bridge;	/* or NULL */
	const char	*port;		/* or NULL */
	int64_t		 since_ns;	/* windows ending after; 0: all */
};

/* Each a new array (hist: object), or NULL with *err set. */
struct json_object *store_q_ovs_latency(struct store *,
		    const struct ovs_filter *, const char **err);
/* path: fast, slow, total or a component (receive, lookup, queue, ...). */
struct json_object *store_q_ovs_hist(struct store *, const char *node,
		    const char *port, const char *path, int64_t since_ns,
		    const char **err);
struct json_object *store_q_ovs_flows(struct store *,
		    const struct ovs_filter *, const char **err);
struct json_object *store_q_ovs_locate(struct store *, const char *addr,
		    const char **err);

/* kind.c */
struct ovs_kind;
struct ovs_kind	*ovs_state(struct store *, const char **err);
struct sqlite3_stmt *ovs_stmt(struct ovs_kind *, int which);

enum ovs_st {
	OST_HIST_PUT, OST_FLOWS_PUT, OST_HANDLERS_PUT, OST_PORT_GET,
	OST_PORT_PUT, OST_LATENCY, OST_HIST, OST_FLOWS, OST_PORTS,
	OST_STATUS, OST_PRUNE_HIST, OST_PRUNE_FLOWS, OST_PRUNE_HANDLERS,
	OST__COUNT
};

#endif
