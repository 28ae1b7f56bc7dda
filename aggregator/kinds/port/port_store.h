/*
 * port_store.h: the port kind's queries: ports (port -> MAC -> IPs ->
 * device -> host), networks with their subnets, routers.
 */
#ifndef STRATA_PORT_STORE_H
#define STRATA_PORT_STORE_H

#include <json-c/json.h>

struct store;

struct port_filter {
	const char	*device;	/* device_id (instance uuid), or NULL */
	const char	*host;		/* binding host, or NULL */
	const char	*network;	/* network id, or NULL */
	int		 live;		/* without the deleted ones */
};

/* Each a new array, or NULL with *err set. */
struct json_object *store_q_ports(struct store *, const struct port_filter *,
		    const char **err);
struct json_object *store_q_networks(struct store *, const char **err);
struct json_object *store_q_routers(struct store *, const char **err);

#endif
