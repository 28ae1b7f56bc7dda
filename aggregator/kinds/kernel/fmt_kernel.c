/*
 * fmt_kernel.c: stratactl's formatters of the kernel kind's commands: the
 * `disks` table (one row per node and device) and the `threads` table.
 * Compiled into stratactl (clients/clients.mk), listed by kernel_fmts in
 * its formatter table.
 */
#include <stdio.h>

#include "ctl_fmt.h"

static const char *
ms(char *b, size_t n, struct json_object *o, const char *key)
{
	struct json_object *v = json_object_object_get(o, key);

	if (fmt_is_null(v))
		return "-";
	snprintf(b, n, "%.3f", json_object_get_double(v));
	return b;
}

static void
fmt_disks(FILE *f, struct json_object *r, const char *stream)
{
	static const char *hdr[] = { "NODE", "DEVICE", "REQUESTS", "BYTES",
	    "P50 MS", "P99 MS", "MAX MS", "DEPTH", "SOURCE" };
	struct json_object *d;
	struct fmt_table *t;
	const char *row[9];
	char b[5][64];
	size_t i;
	unsigned c;

	(void)stream;
	t = fmt_table_new(9, hdr);
	for (c = 2; c < 8; c++)
		fmt_table_right(t, c);
	for (i = 0; i < json_object_array_length(r); i++) {
		d = json_object_array_get_idx(r, i);
		row[0] = fmt_str(d, "node");
		row[1] = fmt_str(d, "device");
		row[2] = fmt_str(d, "requests");
		row[3] = fmt_bytes(b[0], sizeof(b[0]),
		    json_object_object_get(d, "bytes"));
		row[4] = ms(b[1], sizeof(b[1]), d, "p50_ms");
		row[5] = ms(b[2], sizeof(b[2]), d, "p99_ms");
		row[6] = ms(b[3], sizeof(b[3]), d, "max_ms");
		row[7] = ms(b[4], sizeof(b[4]), d, "depth_avg");
		row[8] = fmt_str(d, "source");
		fmt_table_add(t, row);
	}
	fmt_table_print(t, f);
	fmt_table_free(t);
}

static void
fmt_threads(FILE *f, struct json_object *r, const char *stream)
{
	static const char *hdr[] = { "NODE", "PID", "TID", "COMM", "ROLE",
	    "CPU MS", "WAIT MS", "SWITCHES", "KVM EXITS" };
	struct json_object *x;
	struct fmt_table *t;
	const char *row[9];
	char b[2][64];
	size_t i;
	unsigned c;

	(void)stream;
	t = fmt_table_new(9, hdr);
	for (c = 5; c < 9; c++)
		fmt_table_right(t, c);
	for (i = 0; i < json_object_array_length(r); i++) {
		x = json_object_array_get_idx(r, i);
		row[0] = fmt_str(x, "node");
		row[1] = fmt_str(x, "pid");
		row[2] = fmt_str(x, "tid");
		row[3] = fmt_str(x, "comm");
		row[4] = fmt_str(x, "role");
		row[5] = ms(b[0], sizeof(b[0]), x, "cpu_ms");
		row[6] = ms(b[1], sizeof(b[1]), x, "wait_ms");
		row[7] = fmt_str(x, "switches");
		row[8] = fmt_str(x, "kvm_exits");
		fmt_table_add(t, row);
	}
	fmt_table_print(t, f);
	fmt_table_free(t);
}

static void
fmt_cpus(FILE *f, struct json_object *r, const char *stream)
{
	static const char *hdr[] = { "NODE", "CPU", "SOFTIRQ MS", "NET_RX MS",
	    "NET_TX MS", "IRQ MS", "IRQS" };
	static const char *ihdr[] = { "NODE", "INTERFACE", "RX PACKETS",
	    "RX BYTES", "TX PACKETS", "TX BYTES" };
	struct json_object *a, *x;
	struct fmt_table *t;
	const char *row[7];
	char b[5][64];
	size_t i;
	unsigned c;

	(void)stream;
	t = fmt_table_new(7, hdr);
	for (c = 1; c < 7; c++)
		fmt_table_right(t, c);
	a = json_object_object_get(r, "cpus");
	for (i = 0; a != NULL && i < json_object_array_length(a); i++) {
		x = json_object_array_get_idx(a, i);
		row[0] = fmt_str(x, "node");
		row[1] = fmt_str(x, "cpu");
		row[2] = ms(b[0], sizeof(b[0]), x, "softirq_ms");
		row[3] = ms(b[1], sizeof(b[1]), x, "net_rx_ms");
		row[4] = ms(b[2], sizeof(b[2]), x, "net_tx_ms");
		row[5] = ms(b[3], sizeof(b[3]), x, "irq_ms");
		row[6] = fmt_str(x, "irqs");
		fmt_table_add(t, row);
	}
	fmt_table_print(t, f);
	fmt_table_free(t);
	a = json_object_object_get(r, "interfaces");
	if (a == NULL || json_object_array_length(a) == 0)
		return;
	fprintf(f, "\n");
	t = fmt_table_new(6, ihdr);
	for (c = 2; c < 6; c++)
		fmt_table_right(t, c);
	for (i = 0; i < json_object_array_length(a); i++) {
		x = json_object_array_get_idx(a, i);
		row[0] = fmt_str(x, "node");
		row[1] = fmt_str(x, "name");
		row[2] = fmt_str(x, "rx_packets");
		row[3] = fmt_bytes(b[0], sizeof(b[0]),
		    json_object_object_get(x, "rx_bytes"));
		row[4] = fmt_str(x, "tx_packets");
		row[5] = fmt_bytes(b[1], sizeof(b[1]),
		    json_object_object_get(x, "tx_bytes"));
		fmt_table_add(t, row);
	}
	fmt_table_print(t, f);
	fmt_table_free(t);
}

const struct ctl_fmt kernel_fmts[] = {
	{ "disks",	fmt_disks },
	{ "threads",	fmt_threads },
	{ "cpus",	fmt_cpus },
	{ NULL, NULL }
};
