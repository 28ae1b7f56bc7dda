/*
 * fmt_vm.c: stratactl's formatters of the vm kind's commands: the `vms`
 * table and `vm UUID` (its state timeline, its migrations).  Compiled into
 * stratactl (clients/clients.mk), listed by vm_fmts in its formatter table.
 */
#include <stdio.h>
#include <string.h>

#include "ctl_fmt.h"

static void
fmt_vms(FILE *f, struct json_object *r, const char *stream)
{
	static const char *hdr[] = { "NAME", "UUID", "HOST", "VM STATE",
	    "TASK STATE", "POWER STATE", "SINCE" };
	struct json_object *v;
	struct fmt_table *t;
	const char *row[7];
	char b[64];
	size_t i;

	t = fmt_table_new(7, hdr);
	for (i = 0; i < json_object_array_length(r); i++) {
		v = json_object_array_get_idx(r, i);
		row[0] = fmt_str(v, "name");
		row[1] = fmt_str(v, "uuid");
		row[2] = fmt_str(v, "host");
		row[3] = fmt_str(v, "vm_state");
		row[4] = fmt_str(v, "task_state");
		row[5] = fmt_str(v, "power_state");
		row[6] = fmt_time(b, sizeof(b), json_object_object_get(v,
		    "since_ns"));
		fmt_table_add(t, row);
	}
	fmt_table_print(t, f);
	fmt_table_free(t);
}

static void
fmt_instance(FILE *f, struct json_object *v, const char *stream)
{
	static const char *hdr[] = { "TIME", "EVENT", "VM STATE",
	    "TASK STATE", "POWER STATE", "HOST" };
	struct json_object *tl, *e, *m;
	struct fmt_table *t;
	const char *row[6];
	char b[2][64], tb[96];
	size_t i, n;

	fprintf(f, "instance %s (%s) on %s\n", fmt_str(v, "name"),
	    fmt_str(v, "uuid"), fmt_str(v, "host"));
	if (json_object_object_get_ex(v, "timeline", &tl) &&
	    (n = json_object_array_length(tl)) > 0) {
		fputc('\n', f);
		t = fmt_table_new(6, hdr);
		for (i = 0; i < n; i++) {
			e = json_object_array_get_idx(tl, i);
			/* The date and time to the ms: YYYY-MM-DD HH:MM:SS.mmm */
			snprintf(tb, sizeof(tb), "%s%s", fmt_time(b[0],
			    sizeof(b[0]), json_object_object_get(e, "t_ns")),
			    strlen(fmt_clock_ms(b[1], sizeof(b[1]),
			    json_object_object_get(e, "t_ns"))) > 8 ? b[1] + 8 :
			    "");
			row[0] = tb;
			row[1] = fmt_str(e, "event_type");
			row[2] = fmt_str(e, "vm_state");
			row[3] = fmt_str(e, "task_state");
			row[4] = fmt_str(e, "power_state");
			row[5] = fmt_str(e, "host");
			fmt_table_add(t, row);
		}
		fmt_table_print(t, f);
		fmt_table_free(t);
	} else
		fprintf(f, "  (no events)\n");
	if (json_object_object_get_ex(v, "migrations", &m) &&
	    (n = json_object_array_length(m)) > 0) {
		fprintf(f, "\nmigrations (stratactl migration ID):\n");
		for (i = 0; i < n; i++)
			fprintf(f, "  %s\n", json_object_get_string(
			    json_object_array_get_idx(m, i)));
	}
}

const struct ctl_fmt vm_fmts[] = {
	{ "vms",	fmt_vms },
	{ "vm",		fmt_instance },
	{ NULL, NULL }
};
