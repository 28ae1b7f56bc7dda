/*
 * fmt_service.c: stratactl's formatter of the service kind's `services`
 * table.  Compiled into stratactl (clients/clients.mk), listed by
 * service_fmts in its formatter table.
 */
#include <stdio.h>

#include "ctl_fmt.h"

static void
fmt_services(FILE *f, struct json_object *r, const char *stream)
{
	static const char *hdr[] = { "SERVICE", "OPERATION", "COUNT",
	    "ERRORS", "P50", "P90", "P99", "MAX" };
	struct json_object *v;
	struct fmt_table *t;
	const char *row[8];
	char b[6][64];
	size_t i;
	int j;

	t = fmt_table_new(8, hdr);
	for (j = 2; j < 8; j++)
		fmt_table_right(t, (unsigned)j);
	for (i = 0; i < json_object_array_length(r); i++) {
		v = json_object_array_get_idx(r, i);
		row[0] = fmt_str(v, "service");
		row[1] = fmt_str(v, "operation");
		row[2] = fmt_num(b[0], sizeof(b[0]), json_object_object_get(v,
		    "count"));
		row[3] = fmt_num(b[1], sizeof(b[1]), json_object_object_get(v,
		    "errors"));
		row[4] = fmt_ms(b[2], sizeof(b[2]), json_object_object_get(v,
		    "p50_ms"));
		row[5] = fmt_ms(b[3], sizeof(b[3]), json_object_object_get(v,
		    "p90_ms"));
		row[6] = fmt_ms(b[4], sizeof(b[4]), json_object_object_get(v,
		    "p99_ms"));
		row[7] = fmt_ms(b[5], sizeof(b[5]), json_object_object_get(v,
		    "max_ms"));
		fmt_table_add(t, row);
	}
	fmt_table_print(t, f);
	fmt_table_free(t);
}

const struct ctl_fmt service_fmts[] = {
	{ "services",	fmt_services },
	{ NULL, NULL }
};
