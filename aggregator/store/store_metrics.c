/*
 * store_metrics.c: the store's part of /metrics (docs/http.md): alerts by
 * name, severity and state, the records each node sent by record type
 * (counted in memory since the store opened: a Prometheus counter may
 * start again at a restart), the store's counters table, the size of the
 * database, then every kind's own families (agg_kind.metrics).  Label
 * sets stay bounded: alert names, severities, nodes and record types.
 * The statements are prepared per scrape: a scrape every few seconds
 * costs microseconds of preparing, and the core's statement table stays
 * what batches use.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "log.h"
#include "prom.h"
#include "store_int.h"

void
store_ingested_add(struct store *s, const char *node)
{
	struct store_ingested *e = NULL, *ni;
	size_t i;

	for (i = 0; i < s->nrt && s->batch_rt[i] == 0; i++)
		;
	if (i == s->nrt)
		return;
	for (i = 0; i < s->ning; i++)
		if (strcmp(s->ing[i].node, node) == 0) {
			e = &s->ing[i];
			break;
		}
	if (e == NULL) {
		if (s->ning == s->ingcap) {
			ni = reallocarray(s->ing, s->ingcap ? s->ingcap * 2 : 16,
			    sizeof(*ni));
			if (ni == NULL)
				return;
			s->ing = ni;
			s->ingcap = s->ingcap ? s->ingcap * 2 : 16;
		}
		e = &s->ing[s->ning];
		if ((e->node = strdup(node)) == NULL ||
		    (e->n = calloc(s->nrt, sizeof(*e->n))) == NULL) {
			free(e->node);
			return;
		}
		s->ning++;
	}
	for (i = 0; i < s->nrt; i++)
		e->n[i] += s->batch_rt[i];
}

void
store_ingested_free(struct store *s)
{
	size_t i;

	for (i = 0; i < s->ning; i++) {
		free(s->ing[i].node);
		free(s->ing[i].n);
	}
	free(s->ing);
	s->ing = NULL;
	s->ning = s->ingcap = 0;
}

static int
run(struct store *s, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK) {
		log_warnx("store: metrics: %s", sqlite3_errmsg(s->db));
		return -1;
	}
	return 0;
}

static const char *
col(sqlite3_stmt *st, int i)
{
	const char *t = (const char *)sqlite3_column_text(st, i);

	return t != NULL ? t : "";
}

/* Alerts (a folded alert is part of the one it was folded into). */
static int
metrics_alerts(struct store *s, struct prom *p)
{
	static const char *const fam[][3] = {
		{ "firing", "strata_alerts_firing",
		  "Alerts firing now, by name and severity." },
		{ "acked", "strata_alerts_acked",
		  "Alerts acknowledged (stratactl alert ack) and not resolved." },
	};
	sqlite3_stmt *st;
	const char *lb[4];
	size_t f;
	int r = 0;

	/* The tally the alerts' triggers keep (schema version 4). */
	if (run(s, "SELECT name, severity, sum(n * (state = 'firing')), "
	    "sum(n * (state = 'acked')), sum(n) FROM alert_tally "
	    "GROUP BY name, severity HAVING sum(n) > 0 "
	    "ORDER BY name, severity", &st) == -1)
		return -1;
	for (f = 0; f < 3 && r != -1; f++) {
		if (f < 2)
			prom_family(p, fam[f][1], PROM_GAUGE, fam[f][2]);
		else
			prom_family(p, "strata_alerts_raised_total", PROM_COUNTER,
			    "Alerts raised, by name and severity (each once, "
			    "whatever became of it).");
		sqlite3_reset(st);
		while ((r = store_row(s, st, "alert metrics")) == 1) {
			lb[0] = "name";
			lb[1] = col(st, 0);
			lb[2] = "severity";
			lb[3] = col(st, 1);
			prom_sample_v(p, f < 2 ? fam[f][1] :
			    "strata_alerts_raised_total",
			    (double)sqlite3_column_int64(st, 2 + (int)f), lb, 2);
		}
	}
	sqlite3_finalize(st);
	return r == -1 ? -1 : 0;
}

static void
metrics_ingested(struct store *s, struct prom *p)
{
	const char *lb[4];
	size_t i, t;

	prom_family(p, "strata_records_ingested_total", PROM_COUNTER,
	    "Records the store took from a node (new, changed or sent again), "
	    "by record kind, since the aggregator started.");
	for (i = 0; i < s->ning; i++)
		for (t = 0; t < s->nrt; t++) {
			lb[0] = "node";
			lb[1] = s->ing[i].node;
			lb[2] = "kind";
			lb[3] = s->rt[t].name;
			prom_sample_v(p, "strata_records_ingested_total",
			    (double)s->ing[i].n[t], lb, 2);
		}
}

/* The counters table: records.* and skipped.* (store.c). */
static int
metrics_counters(struct store *s, struct prom *p)
{
	static const char *const results[] = { "stored", "duplicate",
	    "skipped" };
	static const char *const reasons[] = { "not_object", "no_kind",
	    "unknown_kind", "missing_field", "bad_field" };
	sqlite3_stmt *st;
	int64_t rv[3] = { 0, 0, 0 }, sv[5] = { 0, 0, 0, 0, 0 };
	const char *name;
	size_t i;
	int r;

	if (run(s, "SELECT name, value FROM counters", &st) == -1)
		return -1;
	while ((r = store_row(s, st, "counter metrics")) == 1) {
		name = col(st, 0);
		for (i = 0; i < 3; i++)
			if (strncmp(name, "records.", 8) == 0 &&
			    strcmp(name + 8, results[i]) == 0)
				rv[i] = sqlite3_column_int64(st, 1);
		for (i = 0; i < 5; i++)
			if (strncmp(name, "skipped.", 8) == 0 &&
			    strcmp(name + 8, reasons[i]) == 0)
				sv[i] = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (r == -1)
		return -1;
	prom_family(p, "strata_store_records_total", PROM_COUNTER,
	    "Records of every batch the store committed, by what became of "
	    "them (kept across restarts).");
	for (i = 0; i < 3; i++)
		prom_sample(p, "strata_store_records_total", (double)rv[i],
		    "result", results[i], NULL);
	prom_family(p, "strata_store_records_skipped_total", PROM_COUNTER,
	    "Records skipped as malformed or of an unknown kind, by reason.");
	for (i = 0; i < 5; i++)
		prom_sample(p, "strata_store_records_skipped_total",
		    (double)sv[i], "reason", reasons[i], NULL);
	return 0;
}

static int64_t
pragma_int(struct store *s, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (run(s, sql, &st) == -1)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int
store_metrics(struct store *s, struct prom *p)
{
	const struct agg_kind *kd;
	int64_t pages, size;
	size_t k;
	int r = 0;

	prom_one(p, "strata_store_schema_version", PROM_GAUGE,
	    "The store's schema version (PRAGMA user_version).",
	    STORE_SCHEMA_VERSION);
	pages = pragma_int(s, "PRAGMA page_count");
	size = pragma_int(s, "PRAGMA page_size");
	if (pages >= 0 && size > 0)
		prom_one(p, "strata_store_database_bytes", PROM_GAUGE,
		    "Size of the SQLite database file (without its WAL).",
		    (double)(pages * size));
	if (metrics_alerts(s, p) == -1)
		r = -1;
	metrics_ingested(s, p);
	if (metrics_counters(s, p) == -1)
		r = -1;
	for (k = 0; k < s->nkinds; k++) {
		kd = agg_kind_table[k];
		if (kd->metrics != NULL &&
		    kd->metrics(s, s->kstate[k], p) == -1) {
			log_warnx("store: metrics of kind %s failed", kd->name);
			r = -1;
		}
	}
	return r;
}
