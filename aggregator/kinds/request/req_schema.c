/*
 * req_schema.c: the request kind's tables (its schema steps, table
 * `kinds`), the members its record has, and its prepared statements.
 */
#include <stdlib.h>

#include <sqlite3.h>

#include "log.h"
#include "req_int.h"

/*
 * Version 1.  request_parts keeps each node's latest record of a request
 * id; requests is their merge (req_ingest.c), rewritten after each batch
 * that touched it; request_objects the instances, volumes and ports each
 * request touched, which link a Neutron or Cinder request without a
 * global request id to the Nova request of the same object.
 */
static const char req_schema_v1[] =
	"CREATE TABLE IF NOT EXISTS request_parts ("
	"  node            TEXT NOT NULL,"
	"  id              TEXT NOT NULL,"
	"  request_id      TEXT NOT NULL,"
	"  global_request_id TEXT,"
	"  started_ns      INTEGER,"
	"  ended_ns        INTEGER,"
	"  status          TEXT,"
	"  t_ns            INTEGER NOT NULL,"
	"  raw             TEXT NOT NULL,"
	"  base            TEXT,"	/* the previous lives' (app_kind.h) */
	"  updated_ns      INTEGER,"
	"  PRIMARY KEY (node, id)"
	") WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS request_parts_req ON request_parts "
	"  (request_id);"
	"CREATE TABLE IF NOT EXISTS requests ("
	"  request_id      TEXT PRIMARY KEY,"
	"  global_request_id TEXT,"
	"  services        TEXT,"	/* JSON arrays */
	"  hosts           TEXT,"
	"  nodes           TEXT,"
	"  operation       TEXT,"
	"  started_ns      INTEGER,"
	"  ended_ns        INTEGER,"
	"  duration_ms     REAL,"
	"  status          TEXT,"
	"  error           TEXT,"
	"  parts           INTEGER,"
	"  updated_ns      INTEGER"
	");"
	"CREATE INDEX IF NOT EXISTS requests_started ON requests (started_ns);"
	"CREATE INDEX IF NOT EXISTS requests_global ON requests "
	"  (global_request_id);"
	"CREATE INDEX IF NOT EXISTS requests_duration ON requests (duration_ms);"
	"CREATE INDEX IF NOT EXISTS requests_failed ON requests (started_ns) "
	"  WHERE status = 'error';"
	"CREATE TABLE IF NOT EXISTS request_objects ("
	"  obj_type        TEXT NOT NULL,"	/* instance, volume, port */
	"  obj_id          TEXT NOT NULL,"
	"  request_id      TEXT NOT NULL,"
	"  PRIMARY KEY (obj_type, obj_id, request_id)"
	") WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS request_objects_req ON request_objects "
	"  (request_id);";

const char *const req_schema[] = {
	req_schema_v1,
	NULL
};

/* Sorted: the store finds a record's members by their first letter. */
const char *const req_fields[] = {
	"ended_ns", "global_request_id", "id", "request_id", "started_ns",
	"status", "t_ns",
	NULL
};

_Static_assert(sizeof(req_fields) / sizeof(req_fields[0]) == RF__COUNT + 1,
    "one name per enum req_f");

#define REQ_COLS							\
	"request_id, global_request_id, services, hosts, operation, "	\
	"started_ns, duration_ms, status"

static const char *const req_sql[RST__COUNT] = {
	[RST_PART_GET] =
	    "SELECT t_ns, raw, base FROM request_parts WHERE node = ?1 AND id = ?2",
	[RST_PART_PUT] =
	    "INSERT OR REPLACE INTO request_parts (node, id, request_id, "
	    "global_request_id, started_ns, ended_ns, status, t_ns, raw, "
	    "updated_ns, base) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
	    "?10, ?11)",
	[RST_PARTS_OF] =
	    "SELECT node, raw FROM request_parts WHERE request_id = ?1 "
	    "ORDER BY coalesce(started_ns, t_ns), node",
	[RST_MERGED_PUT] =
	    "INSERT OR REPLACE INTO requests (request_id, global_request_id, "
	    "services, hosts, nodes, operation, started_ns, ended_ns, "
	    "duration_ms, status, error, parts, updated_ns) VALUES (?1, ?2, "
	    "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
	[RST_OBJECT_PUT] =
	    "INSERT OR IGNORE INTO request_objects (obj_type, obj_id, "
	    "request_id) VALUES (?1, ?2, ?3)",
	[RST_GET] =
	    "SELECT " REQ_COLS ", ended_ns, error, nodes FROM requests "
	    "WHERE request_id = ?1",
	[RST_CHILDREN] =
	    "SELECT " REQ_COLS " FROM requests WHERE global_request_id = ?1 "
	    "AND request_id != ?1 ORDER BY started_ns",
	/*
	 * Requests without a global request id that touched an object of
	 * request ?1 within ?2..?3: candidates to hang under it.
	 */
	[RST_RELATED] =
	    "SELECT DISTINCT r.request_id, r.global_request_id, r.services, "
	    "r.hosts, r.operation, r.started_ns, r.duration_ms, r.status, "
	    "o2.obj_type FROM request_objects o1 "
	    "JOIN request_objects o2 ON o2.obj_type = o1.obj_type AND "
	    "o2.obj_id = o1.obj_id AND o2.request_id != o1.request_id "
	    "JOIN requests r ON r.request_id = o2.request_id "
	    "WHERE o1.request_id = ?1 AND r.global_request_id IS NULL AND "
	    "r.started_ns BETWEEN ?2 AND ?3 ORDER BY r.started_ns",
	[RST_STATUS] =
	    "SELECT (SELECT count(*) FROM requests), "
	    "(SELECT count(*) FROM requests WHERE status = 'running'), "
	    "(SELECT count(*) FROM requests WHERE status = 'error')",
};

sqlite3_stmt *
req_st(struct req *q, enum req_st which)
{
	return store_reset(q->st[which]);
}

void *
req_prepare(struct store *s)
{
	struct req *q;
	int i;

	if ((q = calloc(1, sizeof(*q))) == NULL) {
		log_warn("%s: calloc", __func__);
		return NULL;
	}
	q->s = s;
	for (i = 0; i < RST__COUNT; i++)
		if (store_prepare(s, req_sql[i], &q->st[i]) == -1) {
			req_finish(q);
			return NULL;
		}
	return q;
}

void
req_finish(void *arg)
{
	struct req *q = arg;
	int i;

	if (q == NULL)
		return;
	for (i = 0; i < RST__COUNT; i++)
		sqlite3_finalize(q->st[i]);
	app_set_free(&q->touched);
	free(q);
}
