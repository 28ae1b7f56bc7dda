/*
 * fmt_port.c: stratactl's formatters of the port kind's commands: the
 * `ports`, `networks` and `routers` tables.  Compiled into stratactl
 * (clients/clients.mk), listed by port_fmts in its formatter table.
 */
#include <stdio.h>
#include <string.h>

#include "ctl_fmt.h"

/* The strings of a JSON array, comma-separated. */
static const char *
joined(char *buf, size_t sz, struct json_object *arr)
{
	size_t i, n, len = 0;

	if (arr == NULL || !json_object_is_type(arr, json_type_array) ||
	    (n = json_object_array_length(arr)) == 0)
		return "-";
	buf[0] = '\0';
	for (i = 0; i < n && len + 1 < sz; i++)
		len += (size_t)snprintf(buf + len, sz - len, "%s%s",
		    i ? "," : "", json_object_get_string(
		    json_object_array_get_idx(arr, i)));
	return buf;
}

static void
fmt_ports(FILE *f, struct json_object *r, const char *stream)
{
	static const char *hdr[] = { "PORT", "MAC", "IPS", "DEVICE", "HOST",
	    "STATUS" };
	struct json_object *p;
	struct fmt_table *t;
	const char *row[6];
	char b[512];
	size_t i;

	t = fmt_table_new(6, hdr);
	for (i = 0; i < json_object_array_length(r); i++) {
		p = json_object_array_get_idx(r, i);
		row[0] = fmt_str(p, "port_id");
		row[1] = fmt_str(p, "mac");
		row[2] = joined(b, sizeof(b), json_object_object_get(p, "ips"));
		row[3] = fmt_str(p, "device_id");
		row[4] = fmt_str(p, "host");
		row[5] = fmt_str(p, "status");
		fmt_table_add(t, row);
	}
	fmt_table_print(t, f);
	fmt_table_free(t);
}

static void
fmt_networks(FILE *f, struct json_object *r, const char *stream)
{
	static const char *hdr[] = { "NETWORK", "NAME", "STATUS", "TYPE",
	    "SEGMENT", "PORTS", "SUBNETS" };
	struct json_object *n, *subs, *s;
	struct fmt_table *t;
	const char *row[7];
	char b[2][64], sb[512];
	size_t i, j, len;

	t = fmt_table_new(7, hdr);
	fmt_table_right(t, 5);
	for (i = 0; i < json_object_array_length(r); i++) {
		n = json_object_array_get_idx(r, i);
		row[0] = fmt_str(n, "network_id");
		row[1] = fmt_str(n, "name");
		row[2] = fmt_str(n, "status");
		row[3] = fmt_str(n, "network_type");
		row[4] = fmt_num(b[0], sizeof(b[0]), json_object_object_get(n,
		    "segmentation_id"));
		row[5] = fmt_num(b[1], sizeof(b[1]), json_object_object_get(n,
		    "ports"));
		subs = json_object_object_get(n, "subnets");
		sb[0] = '\0';
		for (j = 0, len = 0; subs != NULL &&
		    j < json_object_array_length(subs) && len + 1 < sizeof(sb);
		    j++) {
			s = json_object_array_get_idx(subs, j);
			len += (size_t)snprintf(sb + len, sizeof(sb) - len,
			    "%s%s", j ? "," : "", fmt_str(s, "cidr"));
		}
		row[6] = sb[0] ? sb : "-";
		fmt_table_add(t, row);
	}
	fmt_table_print(t, f);
	fmt_table_free(t);
}

static void
fmt_routers(FILE *f, struct json_object *r, const char *stream)
{
	static const char *hdr[] = { "ROUTER", "NAME", "STATUS",
	    "EXTERNAL NETWORK", "GATEWAY IPS", "INTERFACES" };
	struct json_object *x;
	struct fmt_table *t;
	const char *row[6];
	char b[512], nb[32];
	size_t i;

	t = fmt_table_new(6, hdr);
	for (i = 0; i < json_object_array_length(r); i++) {
		x = json_object_array_get_idx(r, i);
		row[0] = fmt_str(x, "router_id");
		row[1] = fmt_str(x, "name");
		row[2] = fmt_str(x, "status");
		row[3] = fmt_str(x, "external_network_id");
		row[4] = joined(b, sizeof(b), json_object_object_get(x,
		    "gateway_ips"));
		snprintf(nb, sizeof(nb), "%zu", json_object_is_type(
		    json_object_object_get(x, "interfaces"), json_type_array) ?
		    json_object_array_length(json_object_object_get(x,
		    "interfaces")) : 0);
		row[5] = nb;
		fmt_table_add(t, row);
	}
	fmt_table_print(t, f);
	fmt_table_free(t);
}

const struct ctl_fmt port_fmts[] = {
	{ "ports",	fmt_ports },
	{ "networks",	fmt_networks },
	{ "routers",	fmt_routers },
	{ NULL, NULL }
};
