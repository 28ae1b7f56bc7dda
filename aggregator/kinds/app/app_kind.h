/*
 * app_kind.h: what the application-layer kinds (vm, request, service,
 * volume, port: Nova, Neutron and Cinder through their logs) share on the
 * aggregator's side.  Their agents send each object as it stands, the
 * latest record of an (node, id) superseding the earlier ones, and a new
 * agent life (epoch_ns), or the object seen again after the agent forgot
 * it (first_ns), starts it afresh with nulls where it knows nothing yet:
 * app_supersede() keeps what the store already had there.
 * Plus small JSON helpers and the time-overlap rule of the multi-layer
 * link (docs/records.md, "Application layer").
 */
#ifndef STRATA_APP_KIND_H
#define STRATA_APP_KIND_H

#include <stdint.h>

#include <sqlite3.h>
#include <json-c/json.h>

#include "kind.h"
#include "store_kind.h"

/* How far a Nova operation's times may lie outside what it caused. */
#define APP_LINK_TOL_NS		(30LL * 1000000000LL)
#define APP_LIST_DEFAULT	1000
#define APP_LIST_MAX		100000

/*
 * What to store for rec, whose key the statement get (bound, stepped
 * here; columns t_ns, raw, base) finds stored or not: AGG_DUPLICATE when
 * the stored record is newer or the same, AGG_STORED with *out the record
 * to store, *raw its text and *base the text of its base (NULL for none;
 * the caller puts and frees them), or AGG_ERROR.  A record that starts
 * the object afresh (another epoch_ns or first_ns than the stored one)
 * makes the stored record its base: its null members, and those of the
 * records of its life after it, are filled from the base.
 */
enum agg_ingest	 app_supersede(struct store *, sqlite3_stmt *get,
		    struct json_object *rec, int64_t t_ns,
		    struct json_object **out, char **raw, char **base);

/*
 * A member the record cannot do without: AGG_STORED when it is there,
 * else the skip counted (AGG_SKIPPED).
 */
enum agg_ingest	 app_need_str(struct store *, const struct store_rec *, int f,
		    const char *name, const char **v);
enum agg_ingest	 app_need_i64(struct store *, const struct store_rec *, int f,
		    const char *name, int64_t *v);

/* The record as stored: plain JSON text, malloc'd (NULL on error). */
char		*app_raw(struct json_object *);

/*
 * One object from several nodes' records of it, newest first: o (the
 * newest) gets each member it lacks or has null from older.
 */
void		 app_fill_in(struct json_object *o, struct json_object *older);

/* Members: NULL / STORE_NONE / NaN / -1 when absent, null or mistyped. */
struct json_object *app_get(struct json_object *, const char *key);
const char	*app_str(struct json_object *, const char *key);
int64_t		 app_i64(struct json_object *, const char *key);
double		 app_dbl(struct json_object *, const char *key);
int		 app_bool(struct json_object *, const char *key);

/* A copy of member key of o (JSON null when absent), for an answer. */
struct json_object *app_copy(struct json_object *o, const char *key);
/* Adds a string, NULL as JSON null. */
void		 app_add_str(struct json_object *, const char *key,
		    const char *v);
/* Adds an integer, STORE_NONE as JSON null. */
void		 app_add_i64(struct json_object *, const char *key, int64_t v);
/* Adds a number, NaN as JSON null. */
void		 app_add_dbl(struct json_object *, const char *key, double v);

/* A sorted set of strings, as a JSON array at the end. */
struct app_set {
	char		**v;
	size_t		 n, cap;
};
int		 app_set_add(struct app_set *, const char *);
/* Adds every string of a JSON array. */
int		 app_set_add_all(struct app_set *, struct json_object *arr);
int		 app_set_has(const struct app_set *, const char *);
struct json_object *app_set_json(const struct app_set *);
void		 app_set_free(struct app_set *);

/*
 * Whether [s1, e1] and [s2, e2] overlap within tol; an end of STORE_NONE
 * is still running.  A start of STORE_NONE never overlaps.
 */
int		 app_overlap(int64_t s1, int64_t e1, int64_t s2, int64_t e2,
		    int64_t tol);

/* The limit argument of a list: 1..APP_LIST_MAX, default when absent. */
int		 app_limit(int64_t given, int have, unsigned *out);

/*
 * /metrics (the kinds' .metrics): samples counted by up to two label
 * values, at most APP_TALLY_MAX label sets (the rest counted under
 * "other"), so a family's cardinality stays bounded whatever is stored.
 * A NULL value counts as "unknown".
 */
#define APP_TALLY_MAX	64

struct prom;

struct app_tally {
	struct {
		char	*a, *b;
		double	 v;
	}		 e[APP_TALLY_MAX + 1];	/* the last: "other" */
	size_t		 n;
	int		 other;
};
void		 app_tally_add(struct app_tally *, const char *a,
		    const char *b, double v);
/* The family's samples (la, lb: the label names; lb NULL for one). */
void		 app_tally_write(struct app_tally *, struct prom *,
		    const char *name, const char *la, const char *lb);
void		 app_tally_free(struct app_tally *);
/*
 * An operation bounded for a label: a path's segments that look like
 * ids (a digit and 8 characters or more, or 32 and more) as "{id}".
 */
char		*app_op_label(const char *op);

#endif
