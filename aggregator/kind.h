/*
 * kind.h: a record kind on the aggregator's side.  A kind is one folder,
 * aggregator/kinds/KIND/, that exports one `const struct agg_kind
 * agg_kind_KIND`, and one line in aggregator/kinds/kinds.c.  Nothing
 * generic (store, ingest, control socket, stratactl) names a kind: the
 * store finds a record's kind by its `kind` member in this table, runs
 * the kind's schema steps, and calls its hooks (docs/store.md).
 * What a kind's hooks may call of the store is aggregator/store/store_kind.h.
 */
#ifndef STRATA_KIND_H
#define STRATA_KIND_H

#include <stddef.h>

struct ctl_cmd;
struct json_object;
struct prom;
struct store;
struct store_rec;
struct store_alert_in;

/* What an ingest function made of its record: the batch's counts. */
enum agg_ingest {
	AGG_ERROR = -1,		/* a database error: the batch rolls back */
	AGG_STORED,		/* new or changed */
	AGG_DUPLICATE,		/* already stored as it is, or superseded */
	AGG_SKIPPED,		/* malformed: counted by store_skip() */
	AGG_ALERT_STORE		/* alert hook only: store it as an alert */
};

/* One record kind ("kind" member) a kind ingests. */
struct agg_record {
	const char		 *name;		/* "migration_round" */
	/* The members it reads, sorted, NULL-terminated (STORE_REC_MAX). */
	const char *const	 *fields;
	/* Inside the batch's transaction. */
	enum agg_ingest		(*ingest)(struct store *, void *state,
				    const struct store_rec *);
	/*
	 * Of its fields, those it reads as text when the record came as
	 * text (store_rec_span()), NULL-terminated; NULL for none.  Their
	 * values are not made (an array of records, read one at a time).
	 */
	const char *const	 *text_fields;
};

/*
 * A kind's web view (aggregator/http/, docs/http.md): its pages and
 * scripts are files of aggregator/kinds/KIND/web/, served under
 * /kinds/KIND/ and installed in $(pkgdatadir)/web/kinds/KIND/.
 */
struct agg_web {
	const char		 *title;	/* "Migrations": the navigation's entry */
	const char		 *list;		/* "migrations.html": the list page */
	/* One subject's page, FILE?id=ID (alerts link theirs); NULL: none. */
	const char		 *item;
};

struct agg_kind {
	const char		 *name;		/* "migration" */
	/* The records it ingests, up to one with a NULL name. */
	const struct agg_record	 *records;
	/*
	 * Its schema steps, NULL-terminated: step v turns the kind's
	 * version v into v + 1 (table `kinds`).  Append-only.
	 */
	const char *const	 *schema;
	/* After the schema: its statements and state, NULL on error. */
	void			*(*prepare)(struct store *);
	void			 (*finish)(void *state);
	/*
	 * An `alert` record whose name is "KIND.something": the hook sets
	 * its subject, or does what it says itself (and returns what
	 * became of it instead of AGG_ALERT_STORE).
	 */
	enum agg_ingest		(*alert)(struct store *, void *state,
				    struct store_alert_in *);
	/* After the batch's records, before its commit (correlation). */
	int			 (*after_batch)(struct store *, void *state,
				    const char *node);
	/* After every batch, committed or not: forget what it touched. */
	void			 (*batch_end)(void *state);
	/* Adds its members to the `status` object. */
	int			 (*status)(struct store *, void *state,
				    struct json_object *);
	/*
	 * Adds its members to every alert object (those of the alerts
	 * it is the subject of, and nulls for the others).
	 */
	void			 (*alert_json)(struct store *, void *state,
				    struct json_object *alert,
				    const char *subject_kind,
				    const char *subject_id, const char *node);
	/* Its control commands, NULL-terminated; NULL for none. */
	const struct ctl_cmd	*const *cmds;
	/*
	 * Writes its metric families for /metrics (lib/prom.h): counts
	 * from its tables, bounded label sets only; -1 on a database error.
	 */
	int			 (*metrics)(struct store *, void *state,
				    struct prom *);
	/* Its web view; NULL for none. */
	const struct agg_web	*web;
};

/* kinds/kinds.c: the registration table, NULL-terminated. */
extern const struct agg_kind *const agg_kind_table[];

#endif
