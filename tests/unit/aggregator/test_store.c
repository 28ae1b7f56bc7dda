/*
 * test_store.c: the aggregator's store on real SQLite files in a temporary
 * directory: dedupe of resent batches, correlation of the two sides of a
 * migration across nodes (outcome, downtime with clock offsets), skipped
 * malformed records, schema upgrade and refusal, the alert lifecycle and
 * stale nodes.
 */
#define _GNU_SOURCE		/* asprintf */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>
#include <json-c/json.h>

#include "log.h"
#include "jscan.h"
#include "proto.h"
#include "store.h"
#include "mig_store.h"
#include "store_int.h"
#include "tap.h"

#define SEC	1000000000LL
#define MS	1000000LL
/* Some time in 2026, as the agents' clocks would say it. */
#define T0	1795634430000000000LL

static char dir[64];

/* Records the tests build, freed at the end. */
static char *pool[512];
static int npool;

static char *
keep(char *p)
{
	if (npool < 512)
		pool[npool++] = p;
	return p;
}

/* Alerts the callback saw: "event name node". */
static char cb_seen[32][160];
static int cb_n;

static void
alert_cb(void *arg, struct json_object *a)
{
	struct json_object *v;
	const char *ev = "?", *name = "?", *node = "?";

	if (json_object_object_get_ex(a, "event", &v))
		ev = json_object_get_string(v);
	if (json_object_object_get_ex(a, "name", &v))
		name = json_object_get_string(v);
	if (json_object_object_get_ex(a, "node", &v))
		node = json_object_get_string(v);
	if (cb_n < 32)
		snprintf(cb_seen[cb_n++], sizeof(cb_seen[0]), "%s %s %s", ev,
		    name, node);
}

static char *
dbpath(const char *name)
{
	static char p[128];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

/*
 * How batch() gives its records to the store: as their text, as an
 * agent's BATCH does (store_batch(), the aggregator's path), or as json-c
 * objects (store_records()).
 */
static int as_objects;

/* The elements of the array text as records' text, for store_batch(). */
static int
batch_text(struct store *s, const char *node, int64_t now, const char *text)
{
	struct proto_rec recs[512];
	struct jscan_member m;
	const char *p = jscan_ws(text, text + strlen(text)) + 1, *err;
	const char *end = text + strlen(text);
	size_t n = 0;

	(void)m;
	for (;;) {
		p = jscan_ws(p, end);
		if (*p == ']' || n == 512)
			break;
		if (*p == ',')
			p = jscan_ws(p + 1, end);
		recs[n].text = p;
		if (jscan_value(&p, end, 1, &err) == JS_ERROR)
			abort();
		recs[n].len = (size_t)(p - recs[n].text);
		n++;
	}
	return store_batch(s, node, recs, n, now);
}

/* Stores a batch written as JSON text (an array). */
static int
batch(struct store *s, const char *node, int64_t now, const char *fmt, ...)
{
	struct json_object *arr;
	char *text;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) == -1)
		abort();
	va_end(ap);
	if ((arr = json_tokener_parse(text)) == NULL ||
	    !json_object_is_type(arr, json_type_array)) {
		diag("bad test JSON: %s", text);
		json_object_put(arr);
		free(text);
		return -2;
	}
	if (as_objects)
		rc = store_records(s, node, arr, now);
	else
		rc = batch_text(s, node, now, text);
	json_object_put(arr);
	free(text);
	return rc;
}

static struct json_object *
get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (o != NULL)
		json_object_object_get_ex(o, key, &v);
	return v;
}

static const char *
gets(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key);

	return v != NULL ? json_object_get_string(v) : NULL;
}

static int64_t
geti(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key);

	return v != NULL ? json_object_get_int64(v) : -999;
}

static double
getd(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key);

	return v != NULL ? json_object_get_double(v) : -999;
}

static struct json_object *
migrations(struct store *s, const struct mig_filter *f)
{
	const char *err;
	struct json_object *r = store_q_migrations(s, f, &err);

	if (r == NULL)
		diag("migrations: %s", err);
	return r;
}

/* The only migration of VM vm, or NULL. */
static struct json_object *
mig_of(struct store *s, const char *vm)
{
	struct mig_filter f = { .vm = vm };
	struct json_object *arr = migrations(s, &f), *m = NULL;

	if (arr != NULL && json_object_array_length(arr) == 1)
		m = json_object_get(json_object_array_get_idx(arr, 0));
	else if (arr != NULL)
		diag("%zu migrations of %s", json_object_array_length(arr), vm);
	json_object_put(arr);
	return m;
}

static struct json_object *
node_of(struct store *s, const char *name)
{
	const char *err;
	struct json_object *arr = store_q_nodes(s, &err), *n = NULL;
	size_t i;

	for (i = 0; arr != NULL && i < json_object_array_length(arr); i++)
		if (strcmp(gets(json_object_array_get_idx(arr, i), "name"),
		    name) == 0)
			n = json_object_get(json_object_array_get_idx(arr, i));
	json_object_put(arr);
	return n;
}

/* A `migration` record; extra is more JSON members (or ""). */
static char *
mig_rec(const char *id, const char *node, int64_t t, const char *vm,
    const char *role, const char *state, const char *outcome,
    const char *extra)
{
	char *r;
	char oc[64];

	if (outcome != NULL)
		snprintf(oc, sizeof(oc), "\"%s\"", outcome);
	else
		strcpy(oc, "null");
	if (asprintf(&r, "{\"kind\":\"migration\",\"id\":\"%s\",\"node\":"
	    "\"%s\",\"t_ns\":%lld,\"vm_uuid\":\"%s\",\"vm_name\":\"vm-%.8s\","
	    "\"vpid\":4242,\"role\":\"%s\",\"state\":\"%s\",\"outcome\":%s,"
	    "\"unknown_field\":{\"a\":[1,2]}%s%s}", id, node, (long long)t, vm,
	    vm, role, state, oc, *extra ? "," : "", extra) == -1)
		abort();
	return keep(r);
}

static char *
round_rec(const char *mid, const char *node, int n, int64_t t, int dirty)
{
	char *r;

	if (asprintf(&r, "{\"kind\":\"migration_round\",\"id\":\"%s#%d\","
	    "\"node\":\"%s\",\"migration_id\":\"%s\",\"n\":%d,\"t_ns\":%lld,"
	    "\"dirty_pages\":%d,\"duration_ms\":100.5,\"dirty_rate_bps\":"
	    "2.5e8,\"pending_bytes\":%d,\"bandwidth_bps\":33554432}", mid, n,
	    node, mid, n, (long long)t, dirty, dirty * 4096) == -1)
		abort();
	return keep(r);
}

static int
one(struct store *s, const char *node, int64_t now, char *rec)
{
	return batch(s, node, now, "[%s]", rec);
}

static void
test_open_and_dedupe(void)
{
	struct store_batch_counts c;
	struct store *s;
	struct json_object *st, *m, *n;
	const char *err;
	char *r1, *r2, *r3, *r4, *a1, *text;
	sqlite3 *db;
	sqlite3_stmt *q;

	s = store_open(dbpath("dedupe.db"));
	ok(s != NULL, "store_open creates a new database");
	if (s == NULL)
		return;
	if (sqlite3_open(dbpath("dedupe.db"), &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL) ==
	    SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
		is_str((const char *)sqlite3_column_text(q, 0), "wal",
		    "the database is in WAL mode");
	else
		ok(0, "the database is in WAL mode");
	sqlite3_finalize(q);
	sqlite3_close(db);

	r1 = mig_rec("a/1/100", "a", T0, "uuid-dedupe", "source", "setup",
	    NULL, "\"started_ns\":1795634430000000000");
	r2 = mig_rec("a/1/100", "a", T0 + SEC, "uuid-dedupe", "source",
	    "active", NULL, "\"started_ns\":1795634430000000000,"
	    "\"verdict\":\"converging\"");
	r3 = round_rec("a/1/100", "a", 1, T0 + SEC, 65000);
	r4 = round_rec("a/1/100", "a", 2, T0 + 2 * SEC, 30000);
	if (asprintf(&a1, "{\"kind\":\"alert\",\"id\":\"a/1/100!x\",\"name\":"
	    "\"migration.failed\",\"severity\":\"error\",\"migration_id\":"
	    "\"a/1/100\",\"node\":\"a\",\"t_ns\":%lld,\"message\":\"m\","
	    "\"evidence\":{\"k\":1}}", (long long)(T0 + 3 * SEC)) == -1)
		abort();
	if (asprintf(&text, "[%s,%s,%s,%s,%s]", r1, r2, r3, r4, a1) == -1)
		abort();
	keep(a1);

	is_int(batch(s, "a", T0 + 4 * SEC, "%s", text), 0, "a batch is stored");
	store_last_batch(s, &c);
	is_int(c.stored, 5, "5 records stored");
	is_int(c.duplicate, 0, "no duplicate in the first batch");
	is_int(batch(s, "a", T0 + 5 * SEC, "%s", text), 0,
	    "the same batch again is acknowledged");
	store_last_batch(s, &c);
	is_int(c.stored, 0, "nothing stored the second time");
	is_int(c.duplicate, 5, "5 duplicates counted");
	free(text);

	m = mig_of(s, "uuid-dedupe");
	ok(m != NULL, "one migration for the VM");
	is_int(geti(m, "rounds"), 2, "rounds is the count of rounds (2)");
	is_str(gets(m, "state"), "active", "the latest record is the state");
	is_str(gets(m, "verdict"), "converging", "verdict from the latest");
	ok(get(m, "outcome") == NULL, "a running migration has no outcome");
	is_str(gets(m, "src_node"), "a", "src_node is the node");
	ok(get(m, "dst_node") == NULL, "a side alone has no dst_node");
	json_object_put(m);

	st = store_q_status(s, &err);
	is_int(geti(st, "migrations_total"), 1, "status: 1 migration");
	is_int(geti(st, "migrations_active"), 1, "status: 1 active");
	is_int(geti(st, "alerts_firing"), 1, "status: 1 alert firing");
	is_int(geti(st, "schema_version"), STORE_SCHEMA_VERSION,
	    "status: schema version");
	is_str(gets(st, "db"), dbpath("dedupe.db"), "status: db path");
	is_int(geti(get(st, "counters"), "records.duplicate"), 5,
	    "status: 5 duplicates counted");
	json_object_put(st);
	n = node_of(s, "a");
	is_int(geti(n, "records"), 5, "node a: 5 records");
	is_int(geti(n, "duplicates"), 5, "node a: 5 duplicates");
	json_object_put(n);

	/* An older record after a newer one changes nothing. */
	is_int(one(s, "a", T0 + 6 * SEC, mig_rec("a/1/100", "a", T0,
	    "uuid-dedupe", "source", "setup", NULL, "")), 0,
	    "an older record is accepted");
	store_last_batch(s, &c);
	is_int(c.duplicate, 1, "and counted as superseded");
	m = mig_of(s, "uuid-dedupe");
	is_str(gets(m, "state"), "active", "the newer state stays");
	json_object_put(m);
	store_close(s);

	s = store_open(dbpath("dedupe.db"));
	m = s ? mig_of(s, "uuid-dedupe") : NULL;
	is_int(geti(m, "rounds"), 2, "reopened: the data is there");
	json_object_put(m);
	store_close(s);
}

/*
 * Node a's clock is right, node b's runs 2 s ahead.  The source stops the
 * VM at T+10 s (a's clock); the destination resumes it at T+12.050 s (b's
 * clock): 50 ms of downtime.
 */
static void
test_correlation(void)
{
	struct store *s;
	struct json_object *m, *d, *sides, *side, *n;
	const char *err;
	int64_t now = T0 + 20 * SEC;

	s = store_open(dbpath("corr.db"));
	if (s == NULL) {
		ok(0, "store_open");
		return;
	}
	store_node_hello(s, "a", "0.1.0", now, now);
	store_node_hello(s, "b", "0.1.0", now + 2 * SEC, now);
	n = node_of(s, "b");
	is_int(geti(n, "clock_offset_ns"), 2 * SEC,
	    "b's clock offset from the handshake");
	is_str(gets(n, "clock_source"), "handshake", "its source");
	json_object_put(n);

	is_int(batch(s, "a", now, "[%s,%s,%s]",
	    mig_rec("a/1/100", "a", T0, "uuid-c", "source", "setup", NULL,
	    "\"started_ns\":1795634430000000000"),
	    round_rec("a/1/100", "a", 1, T0 + SEC, 60000),
	    mig_rec("a/1/100", "a", T0 + 10 * SEC + 200 * MS, "uuid-c",
	    "source", "completed", "completed",
	    "\"started_ns\":1795634430000000000,\"vm_stop_ns\":"
	    "1795634440000000000,\"ended_ns\":1795634440200000000,"
	    "\"total_ms\":10200,\"downtime_ms\":200,"
	    "\"rounds\":[{\"n\":1,\"t_ns\":1795634431000000000,"
	    "\"dirty_pages\":60000},{\"n\":2,\"t_ns\":1795634432000000000,"
	    "\"dirty_pages\":100}]")), 0, "source side stored");
	m = mig_of(s, "uuid-c");
	is_str(gets(m, "src_node"), "a", "source alone: src_node a");
	ok(get(m, "dst_node") == NULL, "source alone: no dst_node yet");
	is_int(geti(m, "rounds"), 2, "embedded rounds are stored too");
	is_str(gets(m, "downtime_basis"), "source",
	    "alone, downtime is the source's");
	json_object_put(m);

	is_int(batch(s, "b", now, "[%s]",
	    mig_rec("b/7/300", "b", T0 + 2 * SEC + 5 * MS, "uuid-c",
	    "destination", "completed", "completed",
	    "\"started_ns\":1795634432005000000,\"vm_resume_ns\":"
	    "1795634442050000000,\"ended_ns\":1795634442060000000")), 0,
	    "destination side stored");
	m = mig_of(s, "uuid-c");
	ok(m != NULL, "both sides are one migration");
	is_str(gets(m, "id"), "a/1/100", "its id is the source side's");
	is_str(gets(m, "src_node"), "a", "src_node a");
	is_str(gets(m, "dst_node"), "b", "dst_node b");
	is_str(gets(m, "outcome"), "completed", "outcome completed");
	is_str(gets(m, "state"), "completed", "state completed");
	ok(getd(m, "downtime_ms") > 49.999 && getd(m, "downtime_ms") < 50.001,
	    "downtime = stop to resume with offsets: 50 ms");
	diag("downtime_ms %.3f", getd(m, "downtime_ms"));
	is_str(gets(m, "downtime_basis"), "stop_to_resume", "its basis");
	is_int(geti(m, "started_ns"), T0, "started_ns is the source's");
	is_int(geti(m, "ended_ns"), T0 + 10 * SEC + 200 * MS,
	    "ended_ns: the later end of both, on the source's clock");
	is_int(geti(m, "rounds"), 2, "rounds count");
	ok(json_object_get_type(get(m, "rounds")) == json_type_int,
	    "rounds is an integer");
	json_object_put(m);

	d = store_q_migration(s, "b/7/300", &err);
	ok(d != NULL, "the migration by its destination side id");
	is_str(gets(d, "id"), "a/1/100", "is the same migration");
	sides = get(d, "sides");
	is_int(sides ? json_object_array_length(sides) : 0, 2, "two sides");
	side = sides ? json_object_array_get_idx(sides, 0) : NULL;
	is_str(gets(side, "role"), "source", "the source first");
	is_int(get(side, "rounds") ? json_object_array_length(get(side,
	    "rounds")) : 0, 2, "with its 2 rounds");
	is_int(geti(json_object_array_get_idx(get(side, "rounds"), 0),
	    "dirty_pages"), 60000, "round 1 dirty pages");
	ok(get(side, "unknown_field") != NULL, "unknown fields are kept");
	side = sides ? json_object_array_get_idx(sides, 1) : NULL;
	is_str(gets(side, "node"), "b", "then the destination on b");
	is_int(geti(side, "clock_offset_ns"), 2 * SEC, "with b's offset");
	json_object_put(d);
	d = store_q_migration(s, "no/such", &err);
	ok(d == NULL && err == NULL, "an unknown id: NULL without error");

	/* The destination reported first, the source later. */
	batch(s, "b", now, "[%s]", mig_rec("b/7/900", "b", T0 + 2 * SEC,
	    "uuid-d", "destination", "active", NULL,
	    "\"started_ns\":1795634432000000000"));
	m = mig_of(s, "uuid-d");
	is_str(gets(m, "id"), "b/7/900", "destination alone: its own id");
	ok(get(m, "src_node") == NULL, "destination alone: no src_node");
	json_object_put(m);
	batch(s, "a", now, "[%s]", mig_rec("a/1/900", "a", T0, "uuid-d",
	    "source", "active", NULL, "\"started_ns\":1795634430000000000"));
	m = mig_of(s, "uuid-d");
	is_str(gets(m, "id"), "a/1/900", "then one migration, source's id");
	is_str(gets(m, "dst_node"), "b", "with the destination");
	json_object_put(m);

	/* There and back: a to b, then b to a an hour later. */
	now = T0 + 3700 * SEC;
	batch(s, "a", now, "[%s]", mig_rec("a/1/1000", "a", T0, "uuid-pp",
	    "source", "completed", "completed", "\"started_ns\":"
	    "1795634430000000000,\"ended_ns\":1795634440000000000"));
	batch(s, "b", now, "[%s]", mig_rec("b/1/3600", "b", T0 + 3600 * SEC,
	    "uuid-pp", "source", "active", NULL, "\"started_ns\":"
	    "1795638032000000000"));
	batch(s, "a", now, "[%s]", mig_rec("a/2/3600", "a", T0 + 3600 * SEC,
	    "uuid-pp", "destination", "active", NULL, "\"started_ns\":"
	    "1795638030000000000"));
	batch(s, "b", now, "[%s]", mig_rec("b/1/1000", "b", T0 + 2 * SEC,
	    "uuid-pp", "destination", "completed", "completed",
	    "\"started_ns\":1795634432000000000,\"ended_ns\":"
	    "1795634442000000000"));
	{
		struct mig_filter f = { .vm = "uuid-pp" };
		struct json_object *arr = migrations(s, &f);

		is_int(arr ? json_object_array_length(arr) : 0, 2,
		    "there and back: two migrations");
		m = arr ? json_object_array_get_idx(arr, 0) : NULL;
		ok(m != NULL && strcmp(gets(m, "src_node"), "b") == 0 &&
		    gets(m, "dst_node") && strcmp(gets(m, "dst_node"), "a") ==
		    0, "the later one from b to a");
		m = arr ? json_object_array_get_idx(arr, 1) : NULL;
		ok(m != NULL && strcmp(gets(m, "src_node"), "a") == 0 &&
		    gets(m, "dst_node") && strcmp(gets(m, "dst_node"), "b") ==
		    0, "the first one from a to b");
		json_object_put(arr);
	}
	store_close(s);
}

static void
test_outcomes(void)
{
	struct store *s;
	struct json_object *m;
	int64_t now = T0 + 60 * SEC;

	s = store_open(dbpath("outcome.db"));
	if (s == NULL) {
		ok(0, "store_open");
		return;
	}
	/* nonconv-cancel: the source is cancelled, then the load fails. */
	batch(s, "b", now, "[%s]", mig_rec("b/1/1", "b", T0 + 45 * SEC,
	    "uuid-cancel", "destination", "failed", "failed",
	    "\"started_ns\":1795634430100000000,\"error\":\"load of migration "
	    "failed: Invalid argument\",\"ended_ns\":1795634475000000000"));
	m = mig_of(s, "uuid-cancel");
	is_str(gets(m, "outcome"), "failed",
	    "the destination's failure alone fails it for now");
	json_object_put(m);
	batch(s, "a", now, "[%s]", mig_rec("a/1/1", "a", T0 + 45 * SEC,
	    "uuid-cancel", "source", "cancelled", "cancelled",
	    "\"started_ns\":1795634430000000000,\"ended_ns\":"
	    "1795634474990000000"));
	m = mig_of(s, "uuid-cancel");
	is_str(gets(m, "outcome"), "cancelled",
	    "source cancelled then destination failed: cancelled");
	is_str(gets(m, "state"), "cancelled", "state cancelled");
	ok(gets(m, "detail") != NULL && strstr(gets(m, "detail"),
	    "Invalid argument") != NULL,
	    "the destination's failure is kept as detail");
	diag("detail: %s", gets(m, "detail") ? gets(m, "detail") : "(null)");
	ok(get(m, "error") == NULL, "a cancel is no error");
	is_str(gets(m, "dst_node"), "b", "both nodes");
	json_object_put(m);

	/* dst-killed: the source fails with a broken pipe. */
	batch(s, "b", now, "[%s]", mig_rec("b/2/1", "b", T0 + 100 * MS,
	    "uuid-kill", "destination", "active", NULL,
	    "\"started_ns\":1795634430100000000"));
	batch(s, "a", now, "[%s]", mig_rec("a/2/1", "a", T0 + 12 * SEC,
	    "uuid-kill", "source", "failed", "failed",
	    "\"started_ns\":1795634430000000000,\"error\":\"Unable to write "
	    "to socket: Broken pipe\",\"ended_ns\":1795634442000000000"));
	m = mig_of(s, "uuid-kill");
	is_str(gets(m, "outcome"), "failed", "destination crash: failed");
	is_str(gets(m, "error"), "Unable to write to socket: Broken pipe",
	    "with the source's error");
	is_str(gets(m, "dst_node"), "b", "and the destination node");
	ok(gets(m, "detail") != NULL, "detail says the destination never "
	    "finished");
	json_object_put(m);

	/* The destination fails after the source completed. */
	batch(s, "a", now, "[%s]", mig_rec("a/3/1", "a", T0 + 5 * SEC,
	    "uuid-late", "source", "completed", "completed",
	    "\"started_ns\":1795634430000000000"));
	batch(s, "b", now, "[%s]", mig_rec("b/3/1", "b", T0 + 5 * SEC,
	    "uuid-late", "destination", "failed", "failed",
	    "\"started_ns\":1795634430100000000,\"error\":\"boom\""));
	m = mig_of(s, "uuid-late");
	is_str(gets(m, "outcome"), "failed",
	    "a destination failure after the source completed fails it");
	json_object_put(m);

	{
		struct mig_filter f = { .failed = 1 };
		struct json_object *arr = migrations(s, &f);

		is_int(arr ? (long long)json_object_array_length(arr) : -1, 3,
		    "filter failed: 3 migrations");
		json_object_put(arr);
		memset(&f, 0, sizeof(f));
		f.node = "b";
		f.limit = 2;
		arr = migrations(s, &f);
		is_int(arr ? (long long)json_object_array_length(arr) : -1, 2,
		    "filter node with a limit of 2");
		json_object_put(arr);
		memset(&f, 0, sizeof(f));
		f.active = 1;
		arr = migrations(s, &f);
		is_int(arr ? (long long)json_object_array_length(arr) : -1, 0,
		    "filter active: none");
		json_object_put(arr);
	}
	store_close(s);
}

/* The handshake offsets make the destination resume before the stop. */
static void
test_clock_refine(void)
{
	struct store *s;
	struct json_object *m, *na, *nb;
	int64_t now = T0 + 30 * SEC;

	s = store_open(dbpath("clock.db"));
	if (s == NULL) {
		ok(0, "store_open");
		return;
	}
	store_node_hello(s, "a", "0.1.0", now, now);
	store_node_hello(s, "b", "0.1.0", now, now);
	batch(s, "a", now, "[%s]", mig_rec("a/1/1", "a", T0 + 10 * SEC,
	    "uuid-clk", "source", "completed", "completed",
	    "\"started_ns\":1795634430000000000,\"vm_stop_ns\":"
	    "1795634440000000000"));
	/* b resumes 30 ms "before" a stopped: b's clock is behind. */
	batch(s, "b", now, "[%s]", mig_rec("b/1/1", "b", T0 + 10 * SEC,
	    "uuid-clk", "destination", "completed", "completed",
	    "\"started_ns\":1795634430100000000,\"vm_resume_ns\":"
	    "1795634439970000000"));
	m = mig_of(s, "uuid-clk");
	ok(m != NULL && getd(m, "downtime_ms") >= 0,
	    "downtime never negative");
	diag("downtime_ms %.3f", getd(m, "downtime_ms"));
	json_object_put(m);
	na = node_of(s, "a");
	nb = node_of(s, "b");
	is_int(geti(na, "clock_offset_ns") - geti(nb, "clock_offset_ns"),
	    30 * MS, "the offsets now differ by the 30 ms the pair proved");
	is_str(gets(nb, "clock_source"), "pairs", "refined by pairs");
	json_object_put(na);
	json_object_put(nb);

	/* A node whose records come from our future: at least that ahead. */
	batch(s, "c", now, "[%s]", mig_rec("c/1/1", "c", now + 5 * SEC,
	    "uuid-fut", "source", "active", NULL, ""));
	na = node_of(s, "c");
	ok(geti(na, "clock_offset_ns") >= 5 * SEC,
	    "records ahead of our clock raise the offset");
	is_str(gets(na, "clock_source"), "records", "from the records");
	json_object_put(na);
	store_close(s);
}

static void
test_malformed(void)
{
	struct store_batch_counts c;
	struct store *s;
	struct json_object *st, *n;
	const char *err;

	s = store_open(dbpath("bad.db"));
	if (s == NULL) {
		ok(0, "store_open");
		return;
	}
	is_int(batch(s, "a", T0, "[42, \"x\", {}, {\"kind\":7},"
	    "{\"kind\":\"migration\"},"
	    "{\"kind\":\"migration\",\"id\":\"m\",\"t_ns\":\"soon\","
	    "\"role\":\"source\",\"state\":\"setup\"},"
	    "{\"kind\":\"migration\",\"id\":\"m\",\"t_ns\":1,"
	    "\"role\":\"sideways\",\"state\":\"setup\"},"
	    "{\"kind\":\"migration_round\",\"migration_id\":\"m\",\"t_ns\":1},"
	    "{\"kind\":\"alert\",\"id\":\"x\",\"t_ns\":1},"
	    "{\"kind\":\"ovs_flow\",\"id\":\"f\",\"t_ns\":1},"
	    "%s]", mig_rec("a/1/1", "a", T0, "uuid-ok", "source", "setup",
	    NULL, "\"vm_stop_ns\":\"later\"")), 0,
	    "a batch with malformed records is still stored");
	store_last_batch(s, &c);
	is_int(c.skipped, 10, "10 malformed records skipped");
	is_int(c.stored, 1, "the good record stored");
	st = store_q_status(s, &err);
	is_int(geti(get(st, "counters"), "records.skipped"), 10,
	    "skips are counted in status");
	is_int(geti(get(st, "counters"), "skipped.unknown_kind"), 1,
	    "by reason");
	is_int(geti(st, "migrations_total"), 1, "one migration");
	json_object_put(st);
	n = node_of(s, "a");
	is_int(geti(n, "skipped"), 10, "and per node");
	json_object_put(n);
	{
		struct json_object *notarr = json_object_new_object();

		is_int(store_records(s, "a", notarr, T0), -1,
		    "a batch that is not an array fails");
		json_object_put(notarr);
	}
	store_close(s);
}

static void
test_schema(void)
{
	struct store *s;
	struct json_object *n, *m;
	sqlite3 *db;
	int v = -1;

	/* A version 1 database with data in it. */
	if (sqlite3_open(dbpath("old.db"), &db) != SQLITE_OK) {
		ok(0, "sqlite3_open");
		return;
	}
	is_int(store_schema_upgrade(db, dbpath("old.db"), 1), 0,
	    "a version 1 database is made");
	sqlite3_exec(db, "INSERT INTO nodes (name, agent_version, "
	    "first_seen_ns, last_seen_ns, clock_offset_ns) VALUES ('old', "
	    "'0.0.9', 1, 2, 1500);"
	    "INSERT INTO migration_sides (node, sid, role, vm_uuid, state, "
	    "t_ns, first_t_ns, mig_id) VALUES ('old', 'old/1/1', 'source', "
	    "'uuid-old', 'active', 5, 5, 'old/1/1');"
	    "INSERT INTO migrations (id, vm_uuid, src_node, src_sid, state) "
	    "VALUES ('old/1/1', 'uuid-old', 'old', 'old/1/1', 'active');",
	    NULL, NULL, NULL);
	v = store_schema_version(db);
	is_int(v, 1, "its user_version is 1");
	sqlite3_close(db);

	s = store_open(dbpath("old.db"));
	ok(s != NULL, "store_open upgrades a version 1 database");
	if (sqlite3_open(dbpath("old.db"), &db) == SQLITE_OK) {
		is_int(store_schema_version(db), STORE_SCHEMA_VERSION,
		    "to the current version");
		sqlite3_close(db);
	}
	n = s ? node_of(s, "old") : NULL;
	is_str(gets(n, "agent_version"), "0.0.9", "its nodes are kept");
	is_str(gets(n, "clock_source"), "handshake",
	    "the upgrade fills the new columns");
	json_object_put(n);
	m = s ? mig_of(s, "uuid-old") : NULL;
	is_str(gets(m, "id"), "old/1/1", "its migrations are kept");
	json_object_put(m);
	if (s != NULL)
		is_int(batch(s, "old", T0, "[%s]", mig_rec("old/1/1", "old",
		    T0, "uuid-old", "source", "completed", "completed", "")), 0,
		    "and new records go in");
	store_close(s);

	/* A database from the future is refused and left alone. */
	if (sqlite3_open(dbpath("new.db"), &db) != SQLITE_OK) {
		ok(0, "sqlite3_open");
		return;
	}
	sqlite3_exec(db, "CREATE TABLE future (x); PRAGMA user_version = 99;",
	    NULL, NULL, NULL);
	sqlite3_close(db);
	s = store_open(dbpath("new.db"));
	ok(s == NULL, "a newer schema version is refused");
	store_close(s);
	if (sqlite3_open(dbpath("new.db"), &db) == SQLITE_OK) {
		is_int(store_schema_version(db), 99, "and left as it was");
		sqlite3_close(db);
	}
}

static char *
alert_rec(const char *id, const char *name, const char *mig, int64_t t)
{
	char *r;

	if (asprintf(&r, "{\"kind\":\"alert\",\"id\":\"%s\",\"name\":\"%s\","
	    "\"severity\":\"warning\",\"migration_id\":\"%s\",\"vm_uuid\":"
	    "\"uuid-al\",\"node\":\"a\",\"t_ns\":%lld,\"message\":\"%s of %s\","
	    "\"evidence\":{\"rounds\":[1,2,3]}}", id, name, mig, (long long)t,
	    name, mig) == -1)
		abort();
	return keep(r);
}

static void
test_alerts(void)
{
	struct store *s;
	struct json_object *arr, *a;
	const char *err;
	int64_t id;
	int i;

	s = store_open(dbpath("alerts.db"));
	if (s == NULL) {
		ok(0, "store_open");
		return;
	}
	store_set_alert_cb(s, alert_cb, NULL);
	cb_n = 0;
	one(s, "a", T0 + 5 * SEC, mig_rec("a/1/1", "a", T0, "uuid-al",
	    "source", "active", NULL, ""));
	one(s, "a", T0 + 5 * SEC, alert_rec("a/1/1!nc",
	    "migration.not_converging", "a/1/1", T0 + 4 * SEC));
	is_int(cb_n, 1, "the callback saw one alert");
	is_str(cb_seen[0], "fired migration.not_converging a",
	    "not_converging fired");
	arr = store_q_alerts(s, 1, 0, 0, &err);
	is_int(arr ? (long long)json_object_array_length(arr) : -1, 1, "one firing");
	a = arr ? json_object_array_get_idx(arr, 0) : NULL;
	is_str(gets(a, "state"), "firing", "state firing");
	is_str(gets(a, "migration"), "a/1/1", "with its migration");
	is_int(geti(a, "t_ns"), T0 + 4 * SEC, "t_ns is the agent's");
	ok(json_object_is_type(get(a, "evidence"), json_type_object),
	    "evidence is an object");
	json_object_put(arr);

	one(s, "a", T0 + 6 * SEC, alert_rec("a/1/1!nc",
	    "migration.not_converging", "a/1/1", T0 + 4 * SEC));
	is_int(cb_n, 1, "a resent alert fires nothing");

	one(s, "a", T0 + 7 * SEC, alert_rec("a/1/1!ok", "migration.converged",
	    "a/1/1", T0 + 7 * SEC));
	is_int(cb_n, 2, "converged: the callback again");
	is_str(cb_seen[1], "resolved migration.not_converging a",
	    "converged resolves not_converging");
	arr = store_q_alerts(s, 1, 0, 0, &err);
	is_int(arr ? (long long)json_object_array_length(arr) : -1, 0, "none firing");
	json_object_put(arr);
	arr = store_q_alerts(s, 0, 0, 0, &err);
	is_int(arr ? (long long)json_object_array_length(arr) : -1, 1,
	    "converged is no alert of its own");
	a = arr ? json_object_array_get_idx(arr, 0) : NULL;
	is_str(gets(a, "state"), "resolved", "the alert is resolved");
	ok(geti(a, "resolved_ns") == T0 + 7 * SEC, "resolved_ns is set");
	json_object_put(arr);

	one(s, "a", T0 + 8 * SEC, alert_rec("a/1/1!f", "migration.failed",
	    "a/1/1", T0 + 8 * SEC));
	arr = store_q_alerts(s, 1, 0, 0, &err);
	a = arr ? json_object_array_get_idx(arr, 0) : NULL;
	id = geti(a, "id");
	json_object_put(arr);
	is_int(store_alert_ack(s, id, &err), 0, "ack a firing alert");
	is_str(cb_seen[cb_n - 1], "acked migration.failed a",
	    "the callback saw the ack");
	a = store_alert_json(s, id);
	is_str(gets(a, "state"), "acked", "state acked");
	ok(geti(a, "acked_ns") > 0, "acked_ns set");
	json_object_put(a);
	is_int(store_alert_ack(s, id, &err), -1, "acking it twice fails");
	ok(err != NULL && strstr(err, "no firing alert") != NULL,
	    "with a clear error");
	is_int(store_alert_ack(s, 99999, &err), -1, "no such alert: fails");
	arr = store_q_alerts(s, 0, T0 + 8 * SEC, 0, &err);
	is_int(arr ? (long long)json_object_array_length(arr) : -1, 1,
	    "since filters by t_ns");
	json_object_put(arr);

	/* A not_converging still firing when the migration ends resolves. */
	one(s, "a", T0 + 9 * SEC, alert_rec("a/2/1!nc",
	    "migration.not_converging", "a/2/1", T0 + 9 * SEC));
	i = cb_n;
	one(s, "a", T0 + 10 * SEC, mig_rec("a/2/1", "a", T0 + 10 * SEC,
	    "uuid-al2", "source", "cancelled", "cancelled", ""));
	is_int(cb_n, i + 1, "the end of a migration resolves its alert");
	is_str(cb_seen[cb_n - 1], "resolved migration.not_converging a",
	    "resolved");
	store_close(s);
}

/* Version 1 and 2 of the schema as released (749044c). */
static const char old_schema_v1[] =
	/* One row per agent node. */
	"CREATE TABLE nodes ("
	"  name            TEXT PRIMARY KEY,"
	"  agent_version   TEXT,"
	"  first_seen_ns   INTEGER,"
	"  last_seen_ns    INTEGER,"
	"  hello_ns        INTEGER,"	/* last handshake, aggregator clock */
	"  events_per_s    REAL,"
	"  discarded       INTEGER,"	/* events the agent discarded */
	"  stats           TEXT,"	/* the agent's last stats, JSON */
	"  clock_offset_ns INTEGER NOT NULL DEFAULT 0," /* node - aggregator */
	"  stale           INTEGER NOT NULL DEFAULT 0,"
	"  stale_since_ns  INTEGER"
	");"
	"CREATE TABLE vms ("
	"  uuid            TEXT PRIMARY KEY,"
	"  name            TEXT,"
	"  last_node       TEXT,"
	"  last_seen_ns    INTEGER"
	");"
	/*
	 * The latest `migration` record of each side, by (node, side id).
	 * A side with role '' is a stub: rounds came before its record.
	 */
	"CREATE TABLE migration_sides ("
	"  id              INTEGER PRIMARY KEY," /* rounds.side */
	"  node            TEXT NOT NULL,"
	"  sid             TEXT NOT NULL,"
	"  role            TEXT NOT NULL,"
	"  vm_uuid         TEXT,"
	"  vm_name         TEXT,"
	"  vpid            INTEGER,"
	"  state           TEXT,"
	"  outcome         TEXT,"
	"  error           TEXT,"
	"  verdict         TEXT,"
	"  downtime_ms     REAL,"
	"  total_ms        REAL,"
	"  started_ns      INTEGER,"
	"  ended_ns        INTEGER,"
	"  vm_stop_ns      INTEGER,"
	"  vm_resume_ns    INTEGER,"
	"  predicted_downtime_ms REAL,"
	"  throttle_pct    REAL,"
	"  t_ns            INTEGER NOT NULL," /* of the latest record */
	"  first_t_ns      INTEGER NOT NULL,"
	"  updated_ns      INTEGER,"	/* aggregator clock */
	"  raw             TEXT,"	/* latest record without its rounds */
	"  mig_id          TEXT,"	/* migrations.id */
	"  peer_node       TEXT,"	/* the other side, once correlated */
	"  peer_sid        TEXT,"
	"  nrounds         INTEGER,"	/* its rounds; NULL: count them */
	"  UNIQUE (node, sid)"
	");"
	"CREATE INDEX sides_vm ON migration_sides (vm_uuid, role);"
	"CREATE INDEX sides_sid ON migration_sides (sid);"
	"CREATE INDEX sides_mig ON migration_sides (mig_id);"
	/* One row per correlated migration (one or two sides). */
	"CREATE TABLE migrations ("
	"  id              TEXT PRIMARY KEY,"
	"  vm_uuid         TEXT,"
	"  vm_name         TEXT,"
	"  src_node        TEXT,"
	"  src_sid         TEXT,"
	"  dst_node        TEXT,"
	"  dst_sid         TEXT,"
	"  state           TEXT,"
	"  outcome         TEXT,"
	"  verdict         TEXT,"
	"  rounds          INTEGER NOT NULL DEFAULT 0,"
	"  downtime_ms     REAL,"
	"  downtime_basis  TEXT,"
	"  total_ms        REAL,"
	"  started_ns      INTEGER,"
	"  ended_ns        INTEGER,"
	"  error           TEXT,"
	"  detail          TEXT,"
	"  updated_ns      INTEGER"
	");"
	"CREATE INDEX mig_started ON migrations (started_ns);"
	"CREATE INDEX mig_vm ON migrations (vm_uuid);"
	/* Dirty-sync rounds of a side (migration_sides.id), by n. */
	"CREATE TABLE rounds ("
	"  side            INTEGER NOT NULL,"
	"  n               INTEGER NOT NULL,"
	"  t_ns            INTEGER,"
	"  start_ns        INTEGER,"
	"  dirty_pages     INTEGER,"
	"  duration_ms     REAL,"
	"  dirty_rate_bps  REAL,"
	"  pending_bytes   INTEGER,"
	"  bandwidth_bps   REAL,"
	"  bytes           INTEGER,"
	"  predicted_downtime_ms REAL,"
	"  throttle_pct    REAL,"
	"  verdict         TEXT,"
	"  PRIMARY KEY (side, n)"
	") WITHOUT ROWID;"
	"CREATE TABLE alerts ("
	"  id              INTEGER PRIMARY KEY,"
	"  node            TEXT,"
	"  src_id          TEXT,"	/* the agent's id; NULL: raised here */
	"  name            TEXT NOT NULL,"
	"  state           TEXT NOT NULL," /* firing, resolved, acked */
	"  severity        TEXT,"
	"  vm_uuid         TEXT,"
	"  migration_id    TEXT,"	/* the side id on node */
	"  t_ns            INTEGER,"
	"  fired_ns        INTEGER,"
	"  resolved_ns     INTEGER,"
	"  acked_ns        INTEGER,"
	"  message         TEXT,"
	"  evidence        TEXT,"
	"  resolution      TEXT"
	");"
	"CREATE UNIQUE INDEX alerts_src ON alerts (node, src_id);"
	"CREATE INDEX alerts_state ON alerts (state);"
	"CREATE INDEX alerts_mig ON alerts (node, migration_id);";

static const char old_schema_v2[] =
	"ALTER TABLE nodes ADD COLUMN clock_hello_ns INTEGER;"
	"ALTER TABLE nodes ADD COLUMN clock_lo_ns INTEGER;"
	"ALTER TABLE nodes ADD COLUMN clock_adj_ns INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE nodes ADD COLUMN clock_source TEXT;"
	"ALTER TABLE nodes ADD COLUMN records INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE nodes ADD COLUMN duplicates INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE nodes ADD COLUMN skipped INTEGER NOT NULL DEFAULT 0;"
	/* Version 1 only knew the offset of the handshake. */
	"UPDATE nodes SET clock_hello_ns = clock_offset_ns,"
	"  clock_source = 'handshake'"
	"  WHERE hello_ns IS NOT NULL OR clock_offset_ns != 0;"
	"CREATE TABLE counters ("
	"  name            TEXT PRIMARY KEY,"
	"  value           INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE INDEX mig_active ON migrations (started_ns)"
	"  WHERE outcome IS NULL;"
	"CREATE INDEX mig_vm_name ON migrations (vm_name);"
	"CREATE INDEX mig_src ON migrations (src_node);"
	"CREATE INDEX mig_dst ON migrations (dst_node);";


/*
 * A database of schema version 2, as the aggregator of 749044c left it,
 * with a migration, its rounds and alerts: the new code upgrades it
 * (alerts get their subject) and everything stays queryable.
 */
static void
test_upgrade_v2(void)
{
	struct store *s;
	struct json_object *m, *arr, *a, *subj;
	const char *err;
	char *errmsg = NULL;
	sqlite3 *db;
	sqlite3_stmt *q;
	int rc, i;

	if (sqlite3_open(dbpath("v2.db"), &db) != SQLITE_OK) {
		ok(0, "sqlite3_open");
		return;
	}
	rc = sqlite3_exec(db, old_schema_v1, NULL, NULL, &errmsg);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, old_schema_v2, NULL, NULL, &errmsg);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "PRAGMA user_version = 2;"
		    "INSERT INTO nodes (name, agent_version, first_seen_ns, "
		    "last_seen_ns) VALUES ('n1', '0.1.0', 1, 2), "
		    "('n2', '0.1.0', 1, 2);"
		    "INSERT INTO migration_sides (id, node, sid, role, vm_uuid, "
		    "state, t_ns, first_t_ns, mig_id, nrounds) VALUES (7, 'n1', "
		    "'n1/1/1', 'source', 'uuid-v2', 'active', 5, 5, 'n1/1/1', 2);"
		    "INSERT INTO rounds (side, n, t_ns, dirty_pages) VALUES "
		    "(7, 1, 3, 900), (7, 2, 4, 300);"
		    "INSERT INTO migrations (id, vm_uuid, src_node, src_sid, "
		    "state, rounds) VALUES ('n1/1/1', 'uuid-v2', 'n1', 'n1/1/1', "
		    "'active', 2);"
		    "INSERT INTO alerts (node, src_id, name, state, severity, "
		    "vm_uuid, migration_id, t_ns, fired_ns, message) VALUES "
		    "('n1', 'n1/1/1!nc', 'migration.not_converging', 'firing', "
		    "'warning', 'uuid-v2', 'n1/1/1', 4, 6, 'not converging'), "
		    "('n2', NULL, 'node.stale', 'resolved', 'warning', NULL, "
		    "NULL, 3, 3, 'stale');", NULL, NULL, &errmsg);
	ok(rc == SQLITE_OK, "a version 2 database with a migration and alerts");
	if (rc != SQLITE_OK)
		diag("%s", errmsg);
	sqlite3_free(errmsg);
	sqlite3_close(db);

	s = store_open(dbpath("v2.db"));
	ok(s != NULL, "store_open upgrades a version 2 database");
	if (s == NULL)
		return;
	store_set_alert_cb(s, alert_cb, NULL);
	m = store_q_migration(s, "n1/1/1", &err);
	is_str(gets(m, "vm_uuid"), "uuid-v2", "its migration is there");
	is_int(get(json_object_array_get_idx(get(m, "sides"), 0), "rounds") ?
	    (long long)json_object_array_length(get(json_object_array_get_idx(
	    get(m, "sides"), 0), "rounds")) : -1, 2, "with its 2 rounds");
	json_object_put(m);
	arr = store_q_alerts(s, 0, 0, 0, &err);
	is_int(arr ? (long long)json_object_array_length(arr) : -1, 2,
	    "both alerts are there");
	a = arr ? json_object_array_get_idx(arr, 0) : NULL;
	is_str(gets(a, "migration_id"), "n1/1/1", "the alert keeps its "
	    "migration_id");
	is_str(gets(a, "migration"), "n1/1/1", "and its migration");
	subj = get(a, "subject");
	is_str(gets(subj, "kind"), "migration", "its subject is a migration");
	is_str(gets(subj, "id"), "n1/1/1", "that migration");
	a = arr ? json_object_array_get_idx(arr, 1) : NULL;
	is_str(gets(get(a, "subject"), "kind"), "node",
	    "the store's node.stale: its subject is the node");
	ok(a != NULL && get(a, "migration_id") == NULL &&
	    json_object_object_get_ex(a, "migration_id", NULL),
	    "with migration_id null");
	json_object_put(arr);

	cb_n = 0;
	is_int(one(s, "n1", T0, alert_rec("n1/1/1!ok", "migration.converged",
	    "n1/1/1", T0)), 0, "an agent's converged after the upgrade");
	is_int(cb_n, 1, "resolves the alert of before the upgrade");
	is_str(cb_n > 0 ? cb_seen[0] : "", "resolved migration.not_converging "
	    "n1", "its not_converging");
	store_close(s);

	if (sqlite3_open(dbpath("v2.db"), &db) == SQLITE_OK) {
		is_int(store_schema_version(db), STORE_SCHEMA_VERSION,
		    "the core's version is the current one");
		i = -1;
		if (sqlite3_prepare_v2(db, "SELECT version FROM kinds WHERE "
		    "name = 'migration'", -1, &q, NULL) == SQLITE_OK &&
		    sqlite3_step(q) == SQLITE_ROW)
			i = sqlite3_column_int(q, 0);
		sqlite3_finalize(q);
		is_int(i, 2, "the migration kind is at its version 2");
		i = -1;
		if (sqlite3_prepare_v2(db, "SELECT (SELECT n FROM mig_tally "
		    "WHERE name = 'migrations') = (SELECT count(*) FROM "
		    "migrations) AND (SELECT n FROM mig_tally WHERE name = "
		    "'vms') = (SELECT count(*) FROM vms) AND (SELECT count(*) "
		    "FROM migrations) > 0", -1, &q, NULL) == SQLITE_OK &&
		    sqlite3_step(q) == SQLITE_ROW)
			i = sqlite3_column_int(q, 0);
		sqlite3_finalize(q);
		is_int(i, 1, "its mig_tally counts the migrations and VMs the "
		    "upgraded database holds, and the triggers kept it since");
		sqlite3_close(db);
	}
}

/* An alert record of a side; node is the side's node. */
static char *
side_alert(const char *id, const char *name, const char *node,
    const char *mig, const char *vm, int64_t t)
{
	char *r;

	if (asprintf(&r, "{\"kind\":\"alert\",\"id\":\"%s\",\"name\":\"%s\","
	    "\"severity\":\"error\",\"migration_id\":\"%s\",\"vm_uuid\":"
	    "\"%s\",\"node\":\"%s\",\"t_ns\":%lld,\"message\":\"%s on %s\"}",
	    id, name, mig, vm, node, (long long)t, name, node) == -1)
		abort();
	return keep(r);
}

/* The firing alerts named name. */
static int
firing_named(struct store *s, const char *name, struct json_object **first)
{
	struct json_object *arr, *a;
	const char *err;
	size_t i;
	int n = 0;

	*first = NULL;
	arr = store_q_alerts(s, 1, 0, 0, &err);
	for (i = 0; arr != NULL && i < json_object_array_length(arr); i++) {
		a = json_object_array_get_idx(arr, i);
		if (strcmp(gets(a, "name"), name) != 0)
			continue;
		if (n++ == 0)
			*first = json_object_get(a);
	}
	json_object_put(arr);
	return n;
}

/*
 * A cancelled migration: each agent sends migration.failed for its side.
 * Once the sides are one migration, the operator gets one alert.
 */
/*
 * Rows where alert_tally and a count of the unfolded alerts differ (the
 * tally's empty rows aside); -1 when the database cannot be read.
 */
static int
tally_diff(const char *path)
{
	static const char q[] =
	    "WITH t AS (SELECT name, severity, state, n FROM alert_tally "
	    "WHERE n != 0), c AS (SELECT name, coalesce(severity, '') AS "
	    "severity, state, count(*) AS n FROM alerts WHERE folded_into "
	    "IS NULL GROUP BY 1, 2, 3) "
	    "SELECT (SELECT count(*) FROM (SELECT * FROM t EXCEPT "
	    "SELECT * FROM c)) + (SELECT count(*) FROM (SELECT * FROM c "
	    "EXCEPT SELECT * FROM t))";
	sqlite3 *db;
	sqlite3_stmt *st;
	int n = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK || sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK) {
		diag("%s: %s", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static void
test_one_alert_per_migration(void)
{
	struct store *s;
	struct json_object *a, *st;
	const char *err;
	int64_t now = T0 + 60 * SEC;

	s = store_open(dbpath("fold.db"));
	if (s == NULL) {
		ok(0, "store_open");
		return;
	}
	store_set_alert_cb(s, alert_cb, NULL);
	cb_n = 0;
	/* Each side with its alert in its own node's batch. */
	batch(s, "a", now, "[%s,%s]", mig_rec("a/1/1", "a", T0 + 45 * SEC,
	    "uuid-f1", "source", "cancelled", "cancelled",
	    "\"started_ns\":1795634430000000000"), side_alert("a/1/1!f",
	    "migration.failed", "a", "a/1/1", "uuid-f1", T0 + 45 * SEC));
	batch(s, "b", now, "[%s,%s]", mig_rec("b/1/1", "b", T0 + 45 * SEC,
	    "uuid-f1", "destination", "failed", "failed",
	    "\"started_ns\":1795634430100000000"), side_alert("b/1/1!f",
	    "migration.failed", "b", "b/1/1", "uuid-f1", T0 + 45 * SEC));
	is_int(cb_n, 1, "two sides' migration.failed: one fired event");
	is_str(cb_n > 0 ? cb_seen[0] : "", "fired migration.failed a",
	    "the first side's");
	is_int(firing_named(s, "migration.failed", &a), 1,
	    "one firing migration.failed");
	is_str(gets(get(a, "subject"), "kind"), "migration",
	    "its subject is the migration");
	is_str(gets(get(a, "subject"), "id"), "a/1/1",
	    "the correlated migration");
	json_object_put(a);
	st = store_q_status(s, &err);
	is_int(geti(st, "alerts_firing"), 1, "status: 1 alert firing");
	json_object_put(st);

	/* The sides correlated first, the alerts in later batches. */
	cb_n = 0;
	batch(s, "a", now, "[%s]", mig_rec("a/2/1", "a", T0 + 45 * SEC,
	    "uuid-f2", "source", "cancelling", NULL,
	    "\"started_ns\":1795634430000000000"));
	batch(s, "b", now, "[%s]", mig_rec("b/2/1", "b", T0 + 45 * SEC,
	    "uuid-f2", "destination", "active", NULL,
	    "\"started_ns\":1795634430100000000"));
	batch(s, "b", now, "[%s]", side_alert("b/2/1!f", "migration.failed",
	    "b", "b/2/1", "uuid-f2", T0 + 46 * SEC));
	batch(s, "a", now, "[%s]", side_alert("a/2/1!f", "migration.failed",
	    "a", "a/2/1", "uuid-f2", T0 + 46 * SEC));
	is_int(cb_n, 1, "alerts after the correlation: one fired event");
	is_str(cb_n > 0 ? cb_seen[0] : "", "fired migration.failed b",
	    "the side that told first");
	is_int(firing_named(s, "migration.failed", &a), 2,
	    "one firing migration.failed per migration");
	json_object_put(a);
	/* A resend of the folded alert changes nothing. */
	batch(s, "a", now, "[%s]", side_alert("a/2/1!f", "migration.failed",
	    "a", "a/2/1", "uuid-f2", T0 + 46 * SEC));
	is_int(cb_n, 1, "a resend of the folded alert fires nothing");
	is_int(firing_named(s, "migration.failed", &a), 2, "and adds none");
	json_object_put(a);
	st = store_q_status(s, &err);
	is_int(geti(st, "alerts_firing"), 2, "status: 2 alerts firing, the "
	    "folded ones not counted");
	is_int(geti(st, "migrations_total"), 2, "status: 2 migrations, each "
	    "rewritten by its sides' records (INSERT OR REPLACE) and counted "
	    "once");
	json_object_put(st);
	store_close(s);
	is_int(tally_diff(dbpath("fold.db")), 0, "the triggers' alert_tally "
	    "holds what counting the alerts gives, per name, severity and "
	    "state");
}

static void
test_stale(void)
{
	struct store *s;
	struct json_object *n, *st, *arr;
	const char *err;

	s = store_open(dbpath("stale.db"));
	if (s == NULL) {
		ok(0, "store_open");
		return;
	}
	store_set_alert_cb(s, alert_cb, NULL);
	cb_n = 0;
	store_node_hello(s, "a", "0.1.0", T0, T0);
	store_node_hello(s, "b", "0.1.0", T0, T0);
	is_int(store_check_stale(s, T0 + 30 * SEC, 60 * SEC), 0,
	    "check stale at 30 s");
	is_int(cb_n, 0, "nothing stale yet");
	st = json_tokener_parse("{\"events_per_s\":1234.5,\"discarded\":7,"
	    "\"other\":1}");
	is_int(store_node_stats(s, "b", st, T0 + 50 * SEC), 0, "stats of b");
	json_object_put(st);
	store_check_stale(s, T0 + 90 * SEC, 60 * SEC);
	is_int(cb_n, 1, "a is stale after 90 s");
	is_str(cb_seen[0], "fired node.stale a", "node.stale fired for a");
	n = node_of(s, "a");
	ok(get(n, "stale") && json_object_get_boolean(get(n, "stale")),
	    "a is marked stale");
	json_object_put(n);
	n = node_of(s, "b");
	ok(get(n, "stale") && !json_object_get_boolean(get(n, "stale")),
	    "b is not");
	ok(getd(n, "events_per_s") == 1234.5, "b's events/s");
	is_int(geti(n, "discarded"), 7, "b's discarded events");
	json_object_put(n);
	st = json_tokener_parse("{\"discarded\":NaN}");
	store_node_stats(s, "b", st, T0 + 51 * SEC);
	json_object_put(st);
	st = json_tokener_parse("{\"discarded\":1e300}");
	store_node_stats(s, "b", st, T0 + 52 * SEC);
	json_object_put(st);
	n = node_of(s, "b");
	is_int(geti(n, "discarded"), 7, "a discarded count of NaN or 1e300 "
	    "is not a count: the last one stays");
	json_object_put(n);
	st = store_q_status(s, &err);
	is_int(geti(st, "nodes_stale"), 1, "status: 1 stale node");
	is_int(geti(st, "nodes"), 2, "of 2");
	json_object_put(st);
	store_check_stale(s, T0 + 100 * SEC, 60 * SEC);
	is_int(cb_n, 1, "fired once per stale period");

	batch(s, "a", T0 + 110 * SEC, "[]");
	is_int(cb_n, 2, "a batch from a...");
	is_str(cb_seen[1], "resolved node.stale a", "...resolves node.stale");
	n = node_of(s, "a");
	ok(get(n, "stale") && !json_object_get_boolean(get(n, "stale")),
	    "a is not stale any more");
	json_object_put(n);
	store_check_stale(s, T0 + 200 * SEC, 60 * SEC);
	is_int(cb_n, 4, "a new stale period fires again (a and b)");
	arr = store_q_alerts(s, 1, 0, 0, &err);
	is_int(arr ? (long long)json_object_array_length(arr) : -1, 2,
	    "two node.stale firing");
	json_object_put(arr);
	store_close(s);
}

/* Rounds before their side, brief rounds then full ones, plain side ids. */
static void
test_edges(void)
{
	struct store *s;
	struct json_object *m, *st, *r;
	const char *err;
	int64_t now = T0 + 60 * SEC;

	s = store_open(dbpath("edges.db"));
	if (s == NULL) {
		ok(0, "store_open");
		return;
	}
	is_int(batch(s, "x", now, "[%s,%s]", round_rec("m1", "x", 1, T0 + SEC,
	    500), round_rec("m1", "x", 2, T0 + 2 * SEC, 400)), 0,
	    "rounds before their side are stored");
	st = store_q_status(s, &err);
	is_int(geti(st, "migrations_total"), 0, "they make no migration yet");
	json_object_put(st);
	is_int(one(s, "x", now, mig_rec("m1", "x", T0 + 3 * SEC, "uuid-e",
	    "source", "active", NULL, "\"rounds\":[{\"n\":1,\"t_ns\":"
	    "1795634431000000000},{\"n\":2,\"t_ns\":1795634432000000000},"
	    "{\"n\":3,\"t_ns\":1795634433000000000,"
	    "\"dirty_pages\":300}]")), 0, "then the side");
	m = store_q_migration(s, "x/m1", &err);
	is_str(gets(m, "id"), "x/m1", "a plain side id gets its node");
	is_int(geti(m, "rounds"), 3, "2 rounds before, 1 more in the record");
	r = get(json_object_array_get_idx(get(m, "sides"), 0), "rounds");
	is_int(geti(json_object_array_get_idx(r, 0), "dirty_pages"), 500,
	    "round 1 kept its data");
	json_object_put(m);
	one(s, "x", now, round_rec("m1", "x", 3, T0 + 3 * SEC, 300));
	m = store_q_migration(s, "m1", &err);
	is_int(geti(m, "rounds"), 3, "the full round 3 is no new round");
	r = get(json_object_array_get_idx(get(m, "sides"), 0), "rounds");
	ok(getd(json_object_array_get_idx(r, 2), "dirty_rate_bps") == 2.5e8,
	    "but completes the brief one");
	json_object_put(m);

	one(s, "y", now, mig_rec("m1", "y", T0, "uuid-other", "destination",
	    "active", NULL, ""));
	m = store_q_migration(s, "m1", &err);
	ok(m == NULL && err != NULL, "a side id on two nodes is ambiguous");
	diag("%s", err ? err : "(no error)");
	m = store_q_migration(s, "y/m1", &err);
	is_str(gets(m, "dst_node"), "y", "node/side-id tells them apart");
	json_object_put(m);
	store_close(s);
}

/* A status counter, 0 when it was never counted. */
static int64_t
counter(struct store *s, const char *name)
{
	const char *err;
	struct json_object *st = store_q_status(s, &err);
	int64_t v = geti(get(st, "counters"), name);

	json_object_put(st);
	return v == -999 ? 0 : v;
}

static int64_t
offset_of(struct store *s, const char *node)
{
	struct json_object *n = node_of(s, node);
	int64_t v = geti(n, "clock_offset_ns");

	json_object_put(n);
	return v;
}

/*
 * Numbers from peers: a time further than STORE_TIME_RANGE_NS (~10 years)
 * from the aggregator's clock, a negative or non-finite duration, a side
 * event before its side started, are refused and counted; a handshake
 * clock out of range leaves the node's offset as it was; a pair whose
 * stop and resume disagree by more than a clock error leaves both offsets.
 * Before the checks each of these overflowed int64_t (UBSan says so) and
 * wrote wrapped clock offsets.
 */
static void
test_range_checks(void)
{
	struct store_batch_counts c;
	struct store *s;
	struct json_object *m;
	const char *err;
	int64_t now = T0 + 60 * SEC, later = T0 + 600 * SEC;

	s = store_open(dbpath("range.db"));
	if (s == NULL) {
		ok(0, "store_open");
		return;
	}

	/* The handshake. */
	store_node_hello(s, "r1", "0.1.0", now + SEC, now);
	store_node_hello(s, "r2", "0.1.0", now, now);
	is_int(offset_of(s, "r1"), SEC, "r1 runs 1 s ahead by its handshake");
	is_int(store_node_hello(s, "r1", "0.1.0", INT64_MIN + 1, now), 0,
	    "a HELLO with wall_ns near INT64_MIN is taken (the node is heard)");
	is_int(offset_of(s, "r1"), SEC, "and r1's offset stays 1 s");
	store_node_hello(s, "r1", "0.1.0", INT64_MAX, now);
	store_node_hello(s, "r1", "0.1.0", now + 4000 * 86400 * SEC, now);
	is_int(offset_of(s, "r1"), SEC, "so it does for INT64_MAX and for a "
	    "clock 11 years ahead");
	is_int(counter(s, "hello.out_of_range"), 3,
	    "three handshake clocks refused, counted");

	/* A pair whose stop and resume are the extremes of int64_t. */
	is_int(one(s, "r1", now, mig_rec("r1/1/1", "r1", T0 + 10 * SEC,
	    "uuid-range", "source", "completed", "completed",
	    "\"started_ns\":1795634430000000000,"
	    "\"vm_stop_ns\":9223372036854775807")), 0,
	    "a source with vm_stop_ns INT64_MAX: the batch is stored");
	store_last_batch(s, &c);
	is_int(c.skipped, 1, "and the record skipped");
	is_int(one(s, "r2", now, mig_rec("r2/1/1", "r2", T0 + 10 * SEC,
	    "uuid-range", "destination", "completed", "completed",
	    "\"started_ns\":1795634430000000000,"
	    "\"vm_resume_ns\":-9223372036854775807")), 0,
	    "a destination with vm_resume_ns -INT64_MAX: the batch is stored");
	is_int(counter(s, "skipped.out_of_range"), 2,
	    "both sides counted as out of range");
	ok(mig_of(s, "uuid-range") == NULL, "neither side is a migration");
	is_int(offset_of(s, "r1"), SEC, "r1's offset is still 1 s");
	is_int(offset_of(s, "r2"), 0, "r2's still 0");

	/* started_ns INT64_MAX, durations, a side event before its start. */
	one(s, "r1", now, mig_rec("r1/2/2", "r1", T0, "uuid-range2",
	    "source", "active", NULL, "\"started_ns\":9223372036854775807"));
	m = store_q_migration(s, "r1/2/2", &err);
	ok(m == NULL, "a side with started_ns INT64_MAX is not stored");
	json_object_put(m);
	is_int(batch(s, "r1", now, "[%s,%s,%s,%s,%s]",
	    mig_rec("r1/3/3", "r1", T0, "uuid-d", "source", "active", NULL,
	    "\"downtime_ms\":-5"),
	    mig_rec("r1/4/4", "r1", T0, "uuid-d", "source", "active", NULL,
	    "\"total_ms\":1e300"),
	    mig_rec("r1/5/5", "r1", T0, "uuid-d", "source", "active", NULL,
	    "\"predicted_downtime_ms\":NaN"),
	    mig_rec("r1/6/6", "r1", T0, "uuid-d", "source", "completed",
	    "completed", "\"started_ns\":1795634430000000000,"
	    "\"vm_stop_ns\":1795634370000000000,\"ended_ns\":"
	    "1795634440000000000"),
	    mig_rec("r1/7/7", "r1", T0, "uuid-d", "source", "active", NULL,
	    "\"rounds\":[{\"n\":1,\"t_ns\":1795634431000000000},"
	    "{\"n\":2,\"t_ns\":1795634432000000000,"
	    "\"start_ns\":-9223372036854775807}]")), 0,
	    "a batch of out-of-range durations and times is stored");
	store_last_batch(s, &c);
	is_int(c.skipped, 5, "a negative, a huge and a NaN duration, a stop "
	    "before the start, a round out of range: 5 records skipped");
	is_int(batch(s, "r1", now, "[%s,%s]",
	    round_rec("r1/1/100", "r1", 1, T0, 10),
	    "{\"kind\":\"migration_round\",\"id\":\"x#2\",\"migration_id\":"
	    "\"r1/1/100\",\"n\":2,\"t_ns\":1795634431000000000,"
	    "\"duration_ms\":Infinity}"), 0, "rounds: stored");
	store_last_batch(s, &c);
	is_int(c.stored * 10 + c.skipped, 11,
	    "the good round stored, the one lasting Infinity ms skipped");
	one(s, "r1", now, "{\"kind\":\"alert\",\"id\":\"r1!x\",\"name\":"
	    "\"agent.x\",\"severity\":\"warning\",\"t_ns\":9223372036854775807,"
	    "\"message\":\"m\"}");
	store_last_batch(s, &c);
	is_int(c.skipped, 1, "an alert at t_ns INT64_MAX is skipped");
	is_int(counter(s, "skipped.out_of_range"), 10,
	    "every one counted as out of range");

	/*
	 * The offsets say the destination resumed 80 s before the source
	 * stopped, though both started within 100 ms: no clock error does
	 * that, so the offsets stay and the downtime is the source's own.
	 */
	one(s, "r1", later, mig_rec("r1/8/8", "r1", T0 + 100 * SEC,
	    "uuid-refine", "source", "completed", "completed",
	    "\"started_ns\":1795634530000000000,\"vm_stop_ns\":"
	    "1795634630000000000,\"ended_ns\":1795634630100000000,"
	    "\"downtime_ms\":20"));
	one(s, "r2", later, mig_rec("r2/8/8", "r2", T0 + 100 * SEC,
	    "uuid-refine", "destination", "completed", "completed",
	    "\"started_ns\":1795634529100000000,\"vm_resume_ns\":"
	    "1795634549000000000,\"ended_ns\":1795634630200000000"));
	m = mig_of(s, "uuid-refine");
	is_str(gets(m, "dst_node"), "r2", "the two sides pair");
	is_str(gets(m, "downtime_basis"), "source",
	    "the downtime is the source's, not stop to resume");
	json_object_put(m);
	is_int(offset_of(s, "r1"), SEC, "r1's offset stays 1 s");
	is_int(offset_of(s, "r2"), 0, "r2's stays 0");

	/* A database from before the checks, with a wrapped offset. */
	sqlite3_exec(store_db(s), "UPDATE nodes SET clock_offset_ns = "
	    "-9223372036854775000, clock_hello_ns = -9223372036854775000 "
	    "WHERE name = 'r2'", NULL, NULL, NULL);
	one(s, "r1", later, mig_rec("r1/9/9", "r1", T0 + 200 * SEC,
	    "uuid-old", "source", "completed", "completed",
	    "\"started_ns\":1795634630000000000,\"vm_stop_ns\":"
	    "1795634640000000000,\"ended_ns\":1795634640100000000"));
	is_int(one(s, "r2", later, mig_rec("r2/9/9", "r2", T0 + 200 * SEC,
	    "uuid-old", "destination", "completed", "completed",
	    "\"started_ns\":1795634629000000000,\"vm_resume_ns\":"
	    "1795634639050000000,\"ended_ns\":1795634640200000000")), 0,
	    "a side of a node with a wrapped stored offset is stored");
	m = mig_of(s, "uuid-old");
	ok(m != NULL && getd(m, "downtime_ms") >= 0 &&
	    getd(m, "downtime_ms") < 1000, "and its pair's downtime is sane "
	    "(the wrapped offset is dropped, not used)");
	diag("downtime_ms %.3f (%s)", getd(m, "downtime_ms"),
	    gets(m, "downtime_basis"));
	json_object_put(m);
	store_close(s);
}

/* A migration record whose first member is its rounds array. */
static char *
first_rec(void)
{
	char *r;

	if (asprintf(&r, "{\"rounds\":[{\"kind\":\"migration_round\","
	    "\"n\":1,\"t_ns\":%lld},{\"kind\":\"migration_round\",\"n\":3,"
	    "\"t_ns\":%lld,\"migration_id\":\"m-first\"}],\"kind\":"
	    "\"migration\",\"id\":\"m-first\",\"node\":\"a\",\"t_ns\":%lld,"
	    "\"vm_uuid\":\"00000000-0000-0000-0000-000000000000\",\"role\":"
	    "\"source\",\"state\":\"active\",\"url\":\"tcp:/x\"}",
	    (long long)T0 + 1, (long long)T0 + 3, (long long)T0 + 5) == -1)
		abort();
	return keep(r);
}

/*
 * The same records given as text (store_batch) and as objects
 * (store_records) store the same: a migration record with its rounds
 * embedded first, in the middle and last, rounds, an alert, a record with
 * an escaped member name (parsed whole) and malformed ones.
 */
static void
test_text_and_objects(void)
{
	static const char *const where[] = { "first", "middle", "last" };
	char *out[2][3], *st[2], *al[2];
	struct store *s;
	struct json_object *m, *o;
	const char *err;
	char name[32], rounds[512], mid[32], vm[40], many[4096];
	int k, w;

	for (k = 0; k < 2; k++) {
		as_objects = k;
		snprintf(name, sizeof(name), "paths-%d.db", k);
		if ((s = store_open(dbpath(name))) == NULL)
			abort();
		for (w = 0; w < 3; w++) {
			snprintf(mid, sizeof(mid), "m-%s", where[w]);
			snprintf(vm, sizeof(vm), "00000000-0000-0000-0000-00000000000%d", w);
			snprintf(rounds, sizeof(rounds), "\"rounds\":[%s,%s]",
			    round_rec(mid, "a", 1, T0 + 1, 100),
			    round_rec(mid, "a", 2, T0 + 2, 50));
			batch(s, "a", T0 + 10, "[%s,%s,%s]",
			    round_rec(mid, "a", 1, T0 + 1, 100),
			    w == 0 ? first_rec() :
			    mig_rec(mid, "a", T0 + 5, vm, "source", "active", NULL,
			    w == 1 ? rounds : ""),
			    w == 2 ? mig_rec(mid, "a", T0 + 6, vm, "source",
			    "completed", "completed", rounds) :
			    "{\"kind\":\"alert\",\"id\":\"x\",\"t_ns\":1,\"n\\u0061me\":1}");
		}
		batch(s, "a", T0 + 20, "[1,\"x\",{},{\"kind\":7},{\"kind\":\"\"},"
		    "{\"kind\":\"nope\"},{\"kind\":null}]");
		/* A round of 200 members: parsed whole, not indexed. */
		for (w = 0, many[0] = '\0'; w < 200; w++)
			snprintf(many + strlen(many), sizeof(many) - strlen(many),
			    "\"x%d\":%d,", w, w);
		batch(s, "a", T0 + 20, "[{%s\"kind\":\"migration_round\",\"id\":"
		    "\"m-last#4\",\"migration_id\":\"m-last\",\"n\":4,\"t_ns\":"
		    "%lld,\"dirty_pages\":7}]", many, (long long)T0 + 4);
		batch(s, "a", T0 + 21, "[{\"kind\":\"alert\",\"id\":\"ev1\","
		    "\"name\":\"migration.not_converging\",\"t_ns\":%lld,"
		    "\"migration_id\":\"m-middle\",\"message\":\"a \\\"b\\\"\","
		    "\"evidence\":{\"a/b\":[1,2.50,\"x\\/y\"],\"n\":null}},"
		    "{\"kind\":\"alert\",\"id\":\"ev2\",\"name\":\"x.y\","
		    "\"t_ns\":%lld,\"evidence\":null}]", (long long)T0 + 21,
		    (long long)T0 + 22);
		o = store_q_alerts(s, 0, 0, 0, &err);
		al[k] = strdup(o != NULL ? json_object_to_json_string(o) :
		    "(none)");
		json_object_put(o);
		for (w = 0; w < 3; w++) {
			snprintf(vm, sizeof(vm), "00000000-0000-0000-0000-00000000000%d", w);
			m = mig_of(s, vm);
			out[k][w] = strdup(m != NULL ?
			    json_object_to_json_string(m) : "(none)");
			json_object_put(m);
		}
		o = store_q_status(s, &err);
		json_object_object_del(o, "db_bytes");
		json_object_object_del(o, "db_size_bytes");
		st[k] = strdup(o != NULL ? json_object_to_json_string(
		    get(o, "counters")) : "(none)");
		json_object_put(o);
		store_close(s);
	}
	as_objects = 0;
	for (w = 0; w < 3; w++) {
		ok(strcmp(out[0][w], out[1][w]) == 0 &&
		    strcmp(out[0][w], "(none)") != 0, "rounds embedded %s: the "
		    "migration stored from text is the one stored from objects",
		    where[w]);
		if (strcmp(out[0][w], out[1][w]) != 0)
			diag("text:    %s\nobjects: %s", out[0][w], out[1][w]);
		free(out[0][w]);
		free(out[1][w]);
	}
	ok(strcmp(al[0], al[1]) == 0 && strstr(al[0], "2.50") != NULL,
	    "the same alerts, their evidence as sent");
	if (strcmp(al[0], al[1]) != 0)
		diag("text:    %s\nobjects: %s", al[0], al[1]);
	free(al[0]);
	free(al[1]);
	ok(strcmp(st[0], st[1]) == 0, "and the same counts of stored, duplicate "
	    "and skipped records");
	if (strcmp(st[0], st[1]) != 0)
		diag("text:    %s\nobjects: %s", st[0], st[1]);
	free(st[0]);
	free(st[1]);
}

int
main(void)
{
	char cmd[128];

	log_init("test_store", 1, 0);
	snprintf(dir, sizeof(dir), "/tmp/strata-test-store-XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	plan(214);
	test_open_and_dedupe();
	test_correlation();
	test_outcomes();
	test_clock_refine();
	test_malformed();
	test_schema();
	test_alerts();
	test_stale();
	test_edges();
	test_upgrade_v2();
	test_one_alert_per_migration();
	test_range_checks();
	test_text_and_objects();
	while (npool > 0)
		free(pool[--npool]);
	if (tap_n != 214)
		diag("ran %d tests, planned 214", tap_n);
	if (!tap_failed) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			diag("cannot remove %s", dir);
	} else
		diag("databases left in %s", dir);
	return exit_status();
}
