/*
 * ctl_fmt.h: stratactl's readable output: aligned tables, human units for
 * times, durations and sizes, and the formatters, one per command, that
 * turn a command's result into text.  The formatters are found by command
 * name in fmt_kinds[] (stratactl.c): the generic ones (ctl_fmt.c) and each
 * record kind's (aggregator/kinds/KIND/fmt_KIND.c).
 */
#ifndef STRATA_CTL_FMT_H
#define STRATA_CTL_FMT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

#define FMT_MAXCOLS	16

/*
 * A command's formatter.  stream is NULL for an answer, else the kind of
 * the stream line ("start", "alert", "skipped"; the end is generic).
 */
struct ctl_fmt {
	const char	*cmd;
	void		(*print)(FILE *, struct json_object *result,
			    const char *stream);
};

/* ctl_fmt.c: status, nodes, alerts, alerts follow, alert ack. */
extern const struct ctl_fmt ctl_fmt_generic[];

struct fmt_table;

struct fmt_table *fmt_table_new(unsigned ncols, const char *const *headers);
/* Adds a row of ncols strings (copied; NULL prints "-"). */
void		 fmt_table_add(struct fmt_table *, const char *const *cells);
/* Right-aligns column col (numbers). */
void		 fmt_table_right(struct fmt_table *, unsigned col);
void		 fmt_table_print(struct fmt_table *, FILE *);
void		 fmt_table_free(struct fmt_table *);

int		 fmt_is_null(struct json_object *);
/* Each returns buf, "-" for a null or missing value. */
const char	*fmt_time(char *buf, size_t, struct json_object *ns);
/* HH:MM:SS.mmm, local time. */
const char	*fmt_clock_ms(char *buf, size_t, struct json_object *ns);
const char	*fmt_ago(char *buf, size_t, struct json_object *ns, int64_t now_ns);
const char	*fmt_ms(char *buf, size_t, struct json_object *ms);
const char	*fmt_dur_ms(char *buf, size_t, double ms);
const char	*fmt_bytes(char *buf, size_t, struct json_object *bytes);
const char	*fmt_rate(char *buf, size_t, struct json_object *bps);
/* v in B, KiB, MiB... with suffix ("/s"). */
const char	*fmt_units(char *buf, size_t, double v, const char *suffix);
const char	*fmt_num(char *buf, size_t, struct json_object *v);
const char	*fmt_str(struct json_object *obj, const char *key);
/* vm_name, or vm_uuid when there is no name. */
const char	*fmt_vm(struct json_object *obj);

/* Everything of obj, one "key: value" line per scalar, nested indented. */
void		 fmt_kv(FILE *, struct json_object *obj, int indent);

#endif
