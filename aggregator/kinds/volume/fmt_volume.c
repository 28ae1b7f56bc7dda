/*
 * fmt_volume.c: stratactl's formatters of the volume kind's commands: the
 * `volumes` table (one row per attachment) and `volume ID`.  Compiled into
 * stratactl (clients/clients.mk), listed by volume_fmts in its formatter
 * table.
 */
#include <stdio.h>

#include "ctl_fmt.h"

static void
fmt_volumes(FILE *f, struct json_object *r, const char *stream)
{
	static const char *hdr[] = { "VOLUME", "NAME", "SIZE", "STATUS",
	    "BACKEND", "INSTANCE", "HOST", "MOUNTPOINT", "TARGET" };
	struct json_object *v, *att, *a;
	struct fmt_table *t;
	const char *row[9];
	char b[64];
	size_t i, j, n;

	t = fmt_table_new(9, hdr);
	fmt_table_right(t, 2);
	for (i = 0; i < json_object_array_length(r); i++) {
		v = json_object_array_get_idx(r, i);
		row[0] = fmt_str(v, "volume_id");
		row[1] = fmt_str(v, "name");
		if (fmt_is_null(json_object_object_get(v, "size_gb")))
			row[2] = "-";
		else {
			snprintf(b, sizeof(b), "%s GiB", fmt_str(v, "size_gb"));
			row[2] = b;
		}
		row[3] = fmt_str(v, "status");
		row[4] = fmt_str(v, "backend");
		att = json_object_object_get(v, "attachments");
		n = att != NULL ? json_object_array_length(att) : 0;
		for (j = 0; j < (n ? n : 1); j++) {
			a = n ? json_object_array_get_idx(att, j) : NULL;
			row[5] = a ? fmt_str(a, "instance_uuid") : "-";
			row[6] = a ? fmt_str(a, "host") : "-";
			row[7] = a ? fmt_str(a, "mountpoint") : "-";
			row[8] = a ? fmt_str(a, "target") : "-";
			fmt_table_add(t, row);
			/* Further attachments of the volume: only theirs. */
			row[0] = row[1] = row[2] = row[3] = row[4] = "";
		}
	}
	fmt_table_print(t, f);
	fmt_table_free(t);
}

static void
fmt_volume(FILE *f, struct json_object *r, const char *stream)
{
	fmt_kv(f, r, 0);
}

const struct ctl_fmt volume_fmts[] = {
	{ "volumes",	fmt_volumes },
	{ "volume",	fmt_volume },
	{ NULL, NULL }
};
