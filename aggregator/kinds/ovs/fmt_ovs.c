/*
 * fmt_ovs.c: stratactl's formatters of the ovs kind's commands: the
 * latency table, a port's histogram as bars, the flow rates, where an
 * address is and the VM-to-VM latencies.  Compiled into stratactl (clients/clients.mk), listed by
 * ovs_fmts in its formatter table.
 */
#include <stdio.h>
#include <string.h>

#include "ctl_fmt.h"

static double
dbl(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_double(v) :
	    0;
}

static const char *
usf(char *b, size_t sz, struct json_object *o, const char *k)
{
	snprintf(b, sz, "%.1f", dbl(o, k));
	return b;
}

static void
fmt_ovs(FILE *f, struct json_object *r, const char *stream)
{
	static const char *hdr[] = { "NODE", "BRIDGE", "PORT", "PATH", "COUNT",
	    "P50 US", "P90 US", "P99 US", "P99.9 US", "MAX US" };
	static const char *keys[] = { "p50_us", "p90_us", "p99_us", "p999_us",
	    "max_us" };
	struct json_object *o;
	struct fmt_table *t;
	const char *row[10];
	char b[6][32];
	size_t i;
	int j;

	t = fmt_table_new(10, hdr);
	for (j = 4; j < 10; j++)
		fmt_table_right(t, (unsigned)j);
	for (i = 0; i < json_object_array_length(r); i++) {
		o = json_object_array_get_idx(r, i);
		row[0] = fmt_str(o, "node");
		row[1] = fmt_str(o, "bridge");
		row[2] = fmt_str(o, "port");
		row[3] = fmt_str(o, "path");
		row[4] = fmt_num(b[0], sizeof(b[0]), json_object_object_get(o,
		    "count"));
		for (j = 0; j < 5; j++)
			row[5 + j] = usf(b[1 + j], sizeof(b[1 + j]), o, keys[j]);
		fmt_table_add(t, row);
	}
	fmt_table_print(t, f);
	fmt_table_free(t);
}

/* One line a bucket: its bounds, count and a bar scaled to the largest. */
static void
fmt_ovs_hist(FILE *f, struct json_object *r, const char *stream)
{
	struct json_object *bs, *b;
	double top = 0, c;
	size_t i, n;
	int w;

	fprintf(f, "%s %s %s port %s: %lld packets, p50 %.1f us, p90 %.1f us, "
	    "p99 %.1f us, p99.9 %.1f us, max %.1f us\n", fmt_str(r, "node"),
	    fmt_str(r, "bridge"), fmt_str(r, "path"), fmt_str(r, "port"),
	    (long long)dbl(r, "count"), dbl(r, "p50_us"), dbl(r, "p90_us"),
	    dbl(r, "p99_us"), dbl(r, "p999_us"), dbl(r, "max_us"));
	if (!json_object_object_get_ex(r, "buckets", &bs) ||
	    !json_object_is_type(bs, json_type_array))
		return;
	n = json_object_array_length(bs);
	for (i = 0; i < n; i++)
		if ((c = dbl(json_object_array_get_idx(bs, i), "count")) > top)
			top = c;
	for (i = 0; i < n; i++) {
		b = json_object_array_get_idx(bs, i);
		c = dbl(b, "count");
		w = top > 0 ? (int)(50.0 * c / top + 0.5) : 0;
		if (w == 0 && c > 0)
			w = 1;
		fprintf(f, "%10.1f - %10.1f us %10lld |%.*s\n", dbl(b, "lo_us"),
		    dbl(b, "hi_us"), (long long)c, w,
		    "##################################################");
	}
}

static void
fmt_ovs_flows(FILE *f, struct json_object *r, const char *stream)
{
	static const char *hdr[] = { "NODE", "BRIDGE", "UPCALLS", "INSTALLS",
	    "DELETES", "RECONF", "UPCALLS/S", "INSTALLS/S", "DELETES/S" };
	struct json_object *o;
	struct fmt_table *t;
	const char *row[9];
	char b[7][32];
	size_t i;
	int j;

	t = fmt_table_new(9, hdr);
	for (j = 2; j < 9; j++)
		fmt_table_right(t, (unsigned)j);
	for (i = 0; i < json_object_array_length(r); i++) {
		o = json_object_array_get_idx(r, i);
		row[0] = fmt_str(o, "node");
		row[1] = fmt_str(o, "bridge");
		row[2] = fmt_num(b[0], 32, json_object_object_get(o, "upcalls"));
		row[3] = fmt_num(b[1], 32, json_object_object_get(o, "installs"));
		row[4] = fmt_num(b[2], 32, json_object_object_get(o, "deletes"));
		row[5] = fmt_num(b[3], 32, json_object_object_get(o,
		    "reconfigurations"));
		row[6] = usf(b[4], 32, o, "upcalls_per_s");
		row[7] = usf(b[5], 32, o, "installs_per_s");
		row[8] = usf(b[6], 32, o, "deletes_per_s");
		fmt_table_add(t, row);
	}
	fmt_table_print(t, f);
	fmt_table_free(t);
}

static void
fmt_ovs_locate(FILE *f, struct json_object *r, const char *stream)
{
	static const char *hdr[] = { "ADDRESS", "NODE", "BRIDGE", "PORT",
	    "NEUTRON PORT", "MAC", "INSTANCE" };
	struct json_object *o;
	struct fmt_table *t;
	const char *row[7];
	size_t i;

	t = fmt_table_new(7, hdr);
	for (i = 0; i < json_object_array_length(r); i++) {
		o = json_object_array_get_idx(r, i);
		row[0] = fmt_str(o, "address");
		row[1] = fmt_str(o, "node");
		row[2] = fmt_str(o, "bridge");
		row[3] = fmt_str(o, "port");
		row[4] = fmt_str(o, "neutron_port_id");
		row[5] = fmt_str(o, "mac");
		row[6] = fmt_str(o, "instance");
		fmt_table_add(t, row);
	}
	fmt_table_print(t, f);
	fmt_table_free(t);
}

/* NODE/PORT of a side of a vm2vm row. */
static const char *
side(char *b, size_t sz, struct json_object *o, const char *node,
    const char *port)
{
	snprintf(b, sz, "%s/%s", fmt_str(o, node), fmt_str(o, port));
	return b;
}

static void
fmt_ovs_vm2vm(FILE *f, struct json_object *r, const char *stream)
{
	static const char *hdr[] = { "SRC", "SRC VM", "DST", "DST VM", "COUNT",
	    "P50 US", "P90 US", "P99 US", "MAX US" };
	static const char *keys[] = { "p50_us", "p90_us", "p99_us", "max_us" };
	struct json_object *o;
	struct fmt_table *t;
	const char *row[9];
	char src[300], dst[300], b[5][32];
	size_t i;
	int j;

	t = fmt_table_new(9, hdr);
	for (j = 4; j < 9; j++)
		fmt_table_right(t, (unsigned)j);
	for (i = 0; i < json_object_array_length(r); i++) {
		o = json_object_array_get_idx(r, i);
		row[0] = side(src, sizeof(src), o, "src_node", "src_port");
		row[1] = fmt_str(o, "src_vm");
		row[2] = side(dst, sizeof(dst), o, "dst_node", "dst_port");
		row[3] = fmt_str(o, "dst_vm");
		row[4] = fmt_num(b[0], sizeof(b[0]), json_object_object_get(o,
		    "count"));
		for (j = 0; j < 4; j++)
			row[5 + j] = usf(b[1 + j], sizeof(b[1 + j]), o, keys[j]);
		fmt_table_add(t, row);
	}
	fmt_table_print(t, f);
	fmt_table_free(t);
}

const struct ctl_fmt ovs_fmts[] = {
	{ "ovs",		fmt_ovs },
	{ "ovs hist",		fmt_ovs_hist },
	{ "ovs flows",		fmt_ovs_flows },
	{ "ovs locate",		fmt_ovs_locate },
	{ "ovs vm2vm",		fmt_ovs_vm2vm },
	{ NULL, NULL }
};
