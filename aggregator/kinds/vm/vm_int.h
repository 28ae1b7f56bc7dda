/*
 * vm_int.h: what the files of the vm kind share: its state (statements),
 * the members of its records, and the helpers between kind.c
 * (registration), vm_schema.c (tables, statements), vm_ingest.c (records
 * in), vm_query.c (instances, timelines) and vm_nova.c (Nova live
 * migrations, merged across the two computes).
 */
#ifndef STRATA_VM_INT_H
#define STRATA_VM_INT_H

#include <sqlite3.h>
#include <json-c/json.h>

#include "kind.h"
#include "store_kind.h"
#include "app_kind.h"
#include "vm_store.h"

/* The members of a `vm` record, as vm_fields_vm (sorted). */
enum vm_fv { VV_ID, VV_INSTANCE_NAME, VV_NAME, VV_SINCE_NS, VV_T_NS, VV_UUID,
    VV__COUNT };

/* The members of a `vm_event` record, as vm_fields_event. */
enum vm_fe {
	VE_EVENT_TYPE, VE_FAULT, VE_GLOBAL_REQUEST_ID, VE_HOST, VE_ID,
	VE_NAME, VE_OLD_TASK_STATE, VE_OLD_VM_STATE, VE_PAYLOAD_HOST,
	VE_POWER_STATE, VE_PRIORITY, VE_PUBLISHER_HOST, VE_PUBLISHER_ID,
	VE_REQUEST_ID, VE_SERVICE, VE_SOURCE, VE_T_NS, VE_TASK_STATE,
	VE_UUID, VE_VM_STATE,
	VE__COUNT
};

/* The members of a `nova_migration` record, as vm_fields_nova. */
enum vm_fn {
	VN_ENDED_NS, VN_ID, VN_INSTANCE_UUID, VN_MIGRATION_KEY, VN_OUTCOME,
	VN_REQUEST_ID, VN_ROLE, VN_STARTED_NS, VN_T_NS,
	VN__COUNT
};

enum vm_st {
	VST_VM_GET,
	VST_VM_PUT,
	VST_EVENT_PUT,
	VST_NOVA_GET,
	VST_NOVA_PUT,
	VST_VMS,
	VST_VM_FIND,
	VST_VM_ROWS,
	VST_HOST_OF,
	VST_TIMELINE,
	VST_NOVA_ROWS,
	VST_NOVA_OF_VM,
	VST_NOVA_OF_REQ,
	VST_EVENTS_OF_REQ,
	VST_STATUS,
	VST__COUNT
};

struct vm {
	struct store		*s;
	sqlite3_stmt		*st[VST__COUNT];
};

extern const char *const vm_fields_vm[];
extern const char *const vm_fields_event[];
extern const char *const vm_fields_nova[];
extern const char *const vm_schema[];

/* vm_schema.c */
sqlite3_stmt	*vm_st(struct vm *, enum vm_st);
void		*vm_prepare(struct store *);
void		 vm_finish(void *);

/* vm_ingest.c */
enum agg_ingest	 vm_ingest_vm(struct store *, void *, const struct store_rec *);
enum agg_ingest	 vm_ingest_event(struct store *, void *,
		    const struct store_rec *);
enum agg_ingest	 vm_ingest_nova(struct store *, void *,
		    const struct store_rec *);

/* vm_query.c */
int		 vm_status(struct store *, void *, struct json_object *);

/* vm_nova.c */
struct json_object *vm_nova_merge(struct vm *, const char *key);

#endif
