/*
 * ovs_store.h: the ovs kind's queries: latency per node, bridge, port and
 * path; one histogram; flow and upcall rates; where a MAC or IP is; the
 * latency from a port on one node to a port on another (vm2vm).
 */
#ifndef STRATA_OVS_STORE_H
#define STRATA_OVS_STORE_H

#include <stdint.h>

#include <json-c/json.h>

struct store;
struct loghist;

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

/* ovs_vm2vm.c */
/*
 * Sampled packets in from a port of one node and out to a port of
 * another: per pair of ports, their latency on the aggregator's clock.
 * src, dst: of these nodes (or NULL); since_ns: samples after (0: the
 * last OVS_VM2VM_SPAN_NS, never more).
 */
#define OVS_VM2VM_SPAN_NS	(3600 * 1000000000LL)
#define OVS_VM2VM_MAX_NS	1000000000LL	/* a pair further apart is not one */
#define OVS_VM2VM_MAX_PAIRS	100000
struct json_object *store_q_ovs_vm2vm(struct store *, const char *src,
		    const char *dst, int64_t since_ns, const char **err);

/* ovs_query.c, for ovs_vm2vm.c */
/* count, p50_us, p90_us, p99_us, p999_us when p999, max_us. */
void		 ovs_add_pcts(struct json_object *, const struct loghist *,
		    int p999);

/* kind.c */
struct ovs_kind;
struct ovs_kind	*ovs_state(struct store *, const char **err);
struct sqlite3_stmt *ovs_stmt(struct ovs_kind *, int which);
int		 ovs_cap_first(struct ovs_kind *);

enum ovs_st {
	OST_HIST_PUT, OST_FLOWS_PUT, OST_HANDLERS_PUT, OST_PORT_GET,
	OST_PORT_PUT, OST_LATENCY, OST_HIST, OST_FLOWS, OST_PORTS,
	OST_STATUS, OST_PRUNE_HIST, OST_PRUNE_FLOWS, OST_PRUNE_HANDLERS,
	OST_SAMPLE_PUT, OST_PRUNE_SAMPLES, OST_SAMPLES_NEWEST, OST_VM2VM,
	OST_PORT_VM, OST__COUNT
};

#endif
