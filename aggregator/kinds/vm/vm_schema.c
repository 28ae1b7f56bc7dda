/*
 * vm_schema.c: the vm kind's tables (its schema steps, table `kinds`),
 * the members its records have, and its prepared statements.
 */
#include <stdlib.h>

#include <sqlite3.h>

#include "log.h"
#include "vm_int.h"

/*
 * Version 1.  Every table keeps the latest record of each (node, id) as
 * its agent sent it (raw, nulls filled from the one before) beside the
 * columns the queries select on.
 */
static const char vm_schema_v1[] =
	/* `vm`: one instance as one node's services last described it. */
	"CREATE TABLE IF NOT EXISTS vm_reports ("
	"  node            TEXT NOT NULL,"
	"  id              TEXT NOT NULL,"
	"  uuid            TEXT NOT NULL,"
	"  name            TEXT,"
	"  instance_name   TEXT,"
	"  since_ns        INTEGER,"
	"  t_ns            INTEGER NOT NULL,"
	"  raw             TEXT NOT NULL,"
	"  base            TEXT,"	/* the previous lives' (app_kind.h) */
	"  updated_ns      INTEGER,"
	"  PRIMARY KEY (node, id)"
	") WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS vm_reports_uuid ON vm_reports (uuid);"
	"CREATE INDEX IF NOT EXISTS vm_reports_name ON vm_reports (name);"
	/* `vm_event`: one event about an instance; never changes. */
	"CREATE TABLE IF NOT EXISTS vm_events ("
	"  node            TEXT NOT NULL,"
	"  id              TEXT NOT NULL,"
	"  uuid            TEXT NOT NULL,"
	"  t_ns            INTEGER NOT NULL,"
	"  name            TEXT,"
	"  event_type      TEXT,"
	"  vm_state        TEXT,"
	"  task_state      TEXT,"
	"  power_state     TEXT,"
	"  old_vm_state    TEXT,"
	"  old_task_state  TEXT,"
	"  host            TEXT,"
	"  payload_host    TEXT,"
	"  publisher_id    TEXT,"
	"  service         TEXT,"
	"  publisher_host  TEXT,"
	"  request_id      TEXT,"
	"  global_request_id TEXT,"
	"  priority        TEXT,"
	"  fault           TEXT,"
	"  source          TEXT,"
	"  PRIMARY KEY (node, id)"
	") WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS vm_events_uuid ON vm_events (uuid, t_ns);"
	"CREATE INDEX IF NOT EXISTS vm_events_req ON vm_events (request_id);"
	/* `nova_migration`: one compute's side of a Nova live migration. */
	"CREATE TABLE IF NOT EXISTS nova_migrations ("
	"  node            TEXT NOT NULL,"
	"  id              TEXT NOT NULL,"
	"  migration_key   TEXT NOT NULL,"
	"  instance_uuid   TEXT,"
	"  request_id      TEXT,"
	"  role            TEXT,"
	"  started_ns      INTEGER,"
	"  ended_ns        INTEGER,"
	"  outcome         TEXT,"
	"  t_ns            INTEGER NOT NULL,"
	"  raw             TEXT NOT NULL,"
	"  base            TEXT,"
	"  updated_ns      INTEGER,"
	"  PRIMARY KEY (node, id)"
	") WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS nova_mig_key ON nova_migrations "
	"  (migration_key);"
	"CREATE INDEX IF NOT EXISTS nova_mig_uuid ON nova_migrations "
	"  (instance_uuid, started_ns);"
	"CREATE INDEX IF NOT EXISTS nova_mig_req ON nova_migrations (request_id);";

const char *const vm_schema[] = {
	vm_schema_v1,
	NULL
};

/* Sorted: the store finds a record's members by their first letter. */
const char *const vm_fields_vm[] = {
	"id", "instance_name", "name", "since_ns", "t_ns", "uuid",
	NULL
};

const char *const vm_fields_event[] = {
	"event_type", "fault", "global_request_id", "host", "id", "name",
	"old_task_state", "old_vm_state", "payload_host", "power_state",
	"priority", "publisher_host", "publisher_id", "request_id", "service",
	"source", "t_ns", "task_state", "uuid", "vm_state",
	NULL
};

const char *const vm_fields_nova[] = {
	"ended_ns", "id", "instance_uuid", "migration_key", "outcome",
	"request_id", "role", "started_ns", "t_ns",
	NULL
};

_Static_assert(sizeof(vm_fields_vm) / sizeof(vm_fields_vm[0]) ==
    VV__COUNT + 1, "one name per enum vm_fv");
_Static_assert(sizeof(vm_fields_event) / sizeof(vm_fields_event[0]) ==
    VE__COUNT + 1, "one name per enum vm_fe");
_Static_assert(sizeof(vm_fields_nova) / sizeof(vm_fields_nova[0]) ==
    VN__COUNT + 1, "one name per enum vm_fn");

/* A time of a node on the aggregator's clock (nodes.clock_offset_ns). */
#define ON_AGG(t, n)	"(" t " - coalesce((SELECT clock_offset_ns FROM " \
	"nodes WHERE name = " n "), 0))"

static const char *const vm_sql[VST__COUNT] = {
	[VST_VM_GET] =
	    "SELECT t_ns, raw, base FROM vm_reports WHERE node = ?1 AND id = ?2",
	[VST_VM_PUT] =
	    "INSERT OR REPLACE INTO vm_reports (node, id, uuid, name, "
	    "instance_name, since_ns, t_ns, raw, updated_ns, base) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[VST_EVENT_PUT] =
	    "INSERT INTO vm_events (node, id, uuid, t_ns, name, event_type, "
	    "vm_state, task_state, power_state, old_vm_state, old_task_state, "
	    "host, payload_host, publisher_id, service, publisher_host, "
	    "request_id, global_request_id, priority, fault, source) VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
	    "?15, ?16, ?17, ?18, ?19, ?20, ?21) "
	    "ON CONFLICT (node, id) DO NOTHING",
	[VST_NOVA_GET] =
	    "SELECT t_ns, raw, base FROM nova_migrations WHERE node = ?1 AND id = ?2",
	[VST_NOVA_PUT] =
	    "INSERT OR REPLACE INTO nova_migrations (node, id, migration_key, "
	    "instance_uuid, request_id, role, started_ns, ended_ns, outcome, "
	    "t_ns, raw, updated_ns, base) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
	    "?8, ?9, ?10, ?11, ?12, ?13)",
	/*
	 * Every instance's reports, the one whose states began last first
	 * (on the aggregator's clock).
	 */
	[VST_VMS] =
	    "SELECT r.uuid, r.raw, r.node FROM vm_reports r "
	    "ORDER BY r.uuid, " ON_AGG("coalesce(r.since_ns, r.t_ns)", "r.node")
	    " DESC, r.t_ns DESC",
	[VST_VM_FIND] =
	    "SELECT uuid FROM vm_reports WHERE uuid = ?1 OR name = ?1 OR "
	    "instance_name = ?1 UNION ALL "
	    "SELECT uuid FROM vm_events WHERE uuid = ?1 UNION ALL "
	    "SELECT instance_uuid FROM nova_migrations WHERE "
	    "instance_uuid = ?1 UNION ALL "
	    /* Known only from its QEMU migrations (the migration kind's). */
	    "SELECT uuid FROM vms WHERE uuid = ?1 OR name = ?1 LIMIT 1",
	[VST_VM_ROWS] =
	    "SELECT r.raw, r.node FROM vm_reports r WHERE r.uuid = ?1 "
	    "ORDER BY " ON_AGG("coalesce(r.since_ns, r.t_ns)", "r.node")
	    " DESC, r.t_ns DESC",
	/* Where the instance is: the latest event that says. */
	[VST_HOST_OF] =
	    "SELECT e.host FROM vm_events e WHERE e.uuid = ?1 AND "
	    "e.host IS NOT NULL ORDER BY " ON_AGG("e.t_ns", "e.node")
	    " DESC LIMIT 1",
	/*
	 * The instance's events across nodes, each notification once (the
	 * id after "NODE/" is its message id).
	 */
	[VST_TIMELINE] =
	    "SELECT e.t_ns, e.event_type, e.vm_state, e.task_state, "
	    "e.power_state, e.host, e.name FROM vm_events e WHERE e.uuid = ?1 "
	    "GROUP BY substr(e.id, length(e.node) + 2) "
	    "ORDER BY " ON_AGG("e.t_ns", "e.node") ", e.id",
	[VST_NOVA_ROWS] =
	    "SELECT node, raw FROM nova_migrations WHERE migration_key = ?1 "
	    "ORDER BY coalesce(started_ns, t_ns), node",
	[VST_NOVA_OF_VM] =
	    "SELECT migration_key, min(started_ns), "
	    "CASE WHEN count(ended_ns) > 0 THEN max(ended_ns) END "
	    "FROM nova_migrations WHERE instance_uuid = ?1 "
	    "GROUP BY migration_key ORDER BY min(started_ns)",
	[VST_NOVA_OF_REQ] =
	    "SELECT migration_key FROM nova_migrations WHERE request_id = ?1 "
	    "GROUP BY migration_key ORDER BY min(coalesce(started_ns, t_ns))",
	[VST_EVENTS_OF_REQ] =
	    "SELECT coalesce(service, 'nova'), coalesce(publisher_host, node), "
	    "min(t_ns), max(t_ns), count(*), group_concat(DISTINCT event_type), "
	    "node FROM vm_events WHERE request_id = ?1 OR "
	    "global_request_id = ?1 GROUP BY 1, 2 ORDER BY 3",
	[VST_STATUS] =
	    "SELECT (SELECT count(DISTINCT uuid) FROM vm_reports), "
	    "(SELECT count(*) FROM vm_events), "
	    "(SELECT count(DISTINCT migration_key) FROM nova_migrations)",
};

sqlite3_stmt *
vm_st(struct vm *v, enum vm_st which)
{
	return store_reset(v->st[which]);
}

void *
vm_prepare(struct store *s)
{
	struct vm *v;
	int i;

	if ((v = calloc(1, sizeof(*v))) == NULL) {
		log_warn("%s: calloc", __func__);
		return NULL;
	}
	v->s = s;
	for (i = 0; i < VST__COUNT; i++)
		if (store_prepare(s, vm_sql[i], &v->st[i]) == -1) {
			vm_finish(v);
			return NULL;
		}
	return v;
}

void
vm_finish(void *arg)
{
	struct vm *v = arg;
	int i;

	if (v == NULL)
		return;
	for (i = 0; i < VST__COUNT; i++)
		sqlite3_finalize(v->st[i]);
	free(v);
}
