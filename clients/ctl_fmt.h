/*
 * ctl_fmt.h: stratactl's readable output: aligned tables, human units for
 * times, durations and sizes, and the terminal plot of a migration's
 * dirty pages per round against the downtime limit.
 */
#ifndef STRATA_CTL_FMT_H
#define STRATA_CTL_FMT_H

#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

#define FMT_MAXCOLS	16

struct fmt_table;

struct fmt_table *fmt_table_new(unsigned ncols, const char *const *headers);
/* Adds a row of ncols strings (copied; NULL prints "-"). */
void		 fmt_table_add(struct fmt_table *, const char *const *cells);
/* Right-aligns column col (numbers). */
void		 fmt_table_right(struct fmt_table *, unsigned col);
void		 fmt_table_print(struct fmt_table *, FILE *);
void		 fmt_table_free(struct fmt_table *);

/* Each returns buf, "-" for a null or missing value. */
const char	*fmt_time(char *buf, size_t, struct json_object *ns);
const char	*fmt_ago(char *buf, size_t, struct json_object *ns, int64_t now_ns);
const char	*fmt_ms(char *buf, size_t, struct json_object *ms);
const char	*fmt_bytes(char *buf, size_t, struct json_object *bytes);
const char	*fmt_rate(char *buf, size_t, struct json_object *bps);
const char	*fmt_num(char *buf, size_t, struct json_object *v);
const char	*fmt_str(struct json_object *obj, const char *key);

/* Everything of obj, one "key: value" line per scalar, nested indented. */
void		 fmt_kv(FILE *, struct json_object *obj, int indent);
/* `stratactl migration ID`: both sides, stages, rounds and the plot. */
void		 fmt_migration(FILE *, struct json_object *mig);
/* A bar per round: dirty pages, and predicted downtime against limit_ms. */
void		 fmt_plot_rounds(FILE *, struct json_object *rounds,
		    double limit_ms, unsigned width);

#endif
