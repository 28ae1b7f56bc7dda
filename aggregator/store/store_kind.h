/*
 * store_kind.h: what the store offers the record kinds' code
 * (aggregator/kinds/KIND/): statements and their values, the members of
 * a record, skips, alerts by subject, node clock offsets, rows as JSON.
 * struct store stays the store's own (store_int.h).
 */
#ifndef STRATA_STORE_KIND_H
#define STRATA_STORE_KIND_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>
#include <json-c/json.h>

#include "kind.h"
#include "store.h"

#define STORE_NONE		INT64_MIN	/* an unknown integer column */
#define STORE_REC_MAX		40		/* members a record type reads */
#define STORE_ROW_COLS_MAX	64

/* A record as its ingest function sees it: its members, found once. */
struct store_rec {
	/*
	 * The whole record: NULL when it came as text (an agent's BATCH),
	 * whose members of agg_record.fields alone are values; then
	 * store_rec_obj() parses the whole text, once.
	 */
	struct json_object	*obj;
	const char		*node;		/* of the batch */
	size_t			 i;		/* its place in the batch */
	struct json_object	*v[STORE_REC_MAX]; /* by agg_record.fields */
	const char		*text;		/* its JSON text, or NULL */
	size_t			 len;
	struct json_object	**whole;	/* store_rec_obj()'s, of text */
	struct json_tokener	*tok;		/* the store's, for text */
	/* agg_record.text_fields, from text: their text (NULL: absent). */
	const char		*span[STORE_REC_MAX];
	size_t			 spanlen[STORE_REC_MAX];
	/* store_rec_as_text(): v[] made (and own parsed), to release. */
	int			 made;
	struct json_object	*own;
};

/* Record members: a value of the wrong type is "bad", null is "absent". */
enum store_fld { STORE_FLD_ABSENT, STORE_FLD_OK, STORE_FLD_BAD };

/* Why records were skipped; the names are the counters' suffixes. */
enum store_skip {
	SKIP_NOT_OBJECT,
	SKIP_NO_KIND,
	SKIP_UNKNOWN_KIND,
	SKIP_MISSING_FIELD,
	SKIP_BAD_FIELD,
	SKIP_OUT_OF_RANGE,	/* a time or duration no node could send */
	SKIP__COUNT
};

/*
 * What an agent's numbers may be (docs/store.md, "Range checks"): a time
 * (ns since the epoch, the node's clock) within STORE_TIME_RANGE_NS of
 * the aggregator's clock, a duration from 0 to that much.  The bound keeps
 * every sum and difference of times and clock offsets far from overflow.
 */
#define STORE_TIME_RANGE_NS	(10LL * 366 * 86400 * 1000000000LL) /* ~10 y */

/* An `alert` record on its way in; a kind's alert hook sets the subject. */
struct store_alert_in {
	const struct store_rec	*rec;
	const char		*name;
	const char		*subject_kind;	/* NULL: none */
	const char		*subject_id;
};

/* store.c */
sqlite3		*store_db(struct store *);
int64_t		 store_now(struct store *);	/* of the open batch */
void		*store_kind_state(struct store *, const struct agg_kind *);
int		 store_prepare(struct store *, const char *sql, sqlite3_stmt **);
sqlite3_stmt	*store_reset(sqlite3_stmt *);
int		 store_done(struct store *, sqlite3_stmt *, const char *);
int		 store_row(struct store *, sqlite3_stmt *, const char *);
void		 store_bind_str(sqlite3_stmt *, int, const char *);
void		 store_bind_i64(sqlite3_stmt *, int, int64_t);
void		 store_bind_dbl(sqlite3_stmt *, int, double);
int64_t		 store_col_i64(sqlite3_stmt *, int);
double		 store_col_dbl(sqlite3_stmt *, int);
char		*store_col_dup(sqlite3_stmt *, int);
const char	*store_err(struct store *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
/* Counts the skip (AGG_SKIPPED, to return) with a debug line. */
enum agg_ingest	 store_skip(struct store *, enum store_skip,
		    const struct store_rec *, const char *detail);
/* Scans obj as a record of type name (another record's parts). */
int		 store_rec_as(struct store *, const char *name,
		    struct json_object *obj, struct store_rec *);
/*
 * Scans text (an element of a text field) as a record of type name;
 * store_rec_release() gives back what it made.  -1 when the text is not
 * a JSON object, or the type is unknown.
 */
int		 store_rec_as_text(struct store *, const char *name,
		    const char *text, size_t len, struct store_rec *);
void		 store_rec_release(struct store_rec *);
/*
 * A text field of a record that came as text: 1 with its text, 0 when
 * the record came as values (then v[f] holds it, or NULL), -1 absent.
 */
int		 store_rec_span(const struct store_rec *, int f,
		    const char **text, size_t *len);
/*
 * Member name of the record, a new reference (json_object_put() it); NULL
 * when absent or null.  From a record's text, only that member is made.
 */
struct json_object *store_rec_get(const struct store_rec *, const char *name);
/* The whole record as a json-c object (parsed from its text if need be). */
struct json_object *store_rec_obj(const struct store_rec *);
enum store_fld	 store_rec_str(const struct store_rec *, int, const char **);
enum store_fld	 store_rec_i64(const struct store_rec *, int, int64_t *);
enum store_fld	 store_rec_dbl(const struct store_rec *, int, double *);
/* A time within STORE_TIME_RANGE_NS of now_ns (overflow-safe). */
int		 store_time_near(int64_t t, int64_t now_ns);
/* A time an agent may send in the open batch. */
int		 store_time_ok(struct store *, int64_t t);
/* A duration in ms an agent may send: finite, 0 up to the range. */
int		 store_ms_ok(double ms);
/* Optional members: a wrong type is left out rather than fail a record. */
const char	*store_opt_str(const struct store_rec *, int);
int64_t		 store_opt_i64(const struct store_rec *, int);
double		 store_opt_dbl(const struct store_rec *, int);

/* store_alert.c */
/* Resolves the active alerts name of (node, subject), folded or not. */
int		 store_alert_resolve_named(struct store *, const char *node,
		    const char *subject_kind, const char *subject_id,
		    const char *name, const char *why);
/*
 * Alert fold is one event with alert keep: it leaves every list, and
 * its events of the open transaction are never delivered.
 */
int		 store_alert_fold(struct store *, int64_t keep, int64_t fold);

/* store_clock.c */
struct store_clock {
	int64_t		 hello;		/* STORE_NONE without a handshake */
	int64_t		 lo;		/* STORE_NONE without a bound */
	int64_t		 adj;		/* from matched pairs */
	int64_t		 offset;	/* what the store uses: node - aggregator */
};
int		 store_clock_get(struct store *, const char *, struct store_clock *);
/* Recomputes the offset from its evidence and stores all of it. */
int		 store_clock_put(struct store *, const char *, struct store_clock *);

/* store_query.c */
struct json_object *store_json_col(sqlite3_stmt *, int);
struct json_object *store_json_row(sqlite3_stmt *);
struct json_object *store_json_double(double);
struct json_object *store_json_text_col(sqlite3_stmt *, int);
/*
 * The same, with only the object's members named in names (NULL-
 * terminated): a JSON text whose other members are skipped, not built.
 */
struct json_object *store_json_text_pick(sqlite3_stmt *, int,
		    const char *const *names);
/* The row with the column names found once by store_json_keys_of(). */
void		 store_json_keys_of(sqlite3_stmt *, const char **, int max);
struct json_object *store_json_row_keys(sqlite3_stmt *, const char **keys);

#endif
