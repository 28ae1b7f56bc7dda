/*
 * vm_store.h: the vm kind's queries over the store: the instances list,
 * one instance with its timeline, and the Nova live migrations (both
 * computes' records of one migration merged) the migration and request
 * kinds link to their QEMU migrations and requests.
 */
#ifndef STRATA_VM_STORE_H
#define STRATA_VM_STORE_H

#include <stdint.h>

#include <json-c/json.h>

struct store;

struct vm_filter {
	const char	*host;		/* on this host, NULL for any */
	int		 live;		/* without the deleted ones */
	unsigned	 limit;		/* 0 for the default (1000) */
};

/* A new json array, or NULL with *err set. */
struct json_object *store_q_vms(struct store *, const struct vm_filter *,
		    const char **err);
/*
 * id: an instance uuid, display name or libvirt name.  NULL with *err set
 * on error, NULL with *err NULL when there is no such instance.
 */
struct json_object *store_q_vm(struct store *, const char *id,
		    const char **err);

/*
 * The Nova live migration of migration_key, both sides merged (phases of
 * both computes, hosts, outcome, timeout, abort); NULL with *err NULL when
 * there is none.
 */
struct json_object *store_q_nova_migration(struct store *, const char *key,
		    const char **err);
/*
 * The Nova live migration of instance uuid that a QEMU migration of
 * [from_ns, to_ns] (to_ns STORE_NONE: running) belongs to: the one whose
 * times overlap it, the closest start first.  NULL when none.
 */
struct json_object *store_q_nova_migration_for(struct store *,
		    const char *uuid, int64_t from_ns, int64_t to_ns,
		    const char **err);
/* The Nova live migrations of request request_id, merged: an array. */
struct json_object *store_q_nova_migrations_of(struct store *,
		    const char *request_id, const char **err);
/*
 * What Nova's services said about instances under request request_id:
 * per (service, host), the first and last event and the event types, in
 * order of the first.  An array.
 */
struct json_object *store_q_vm_events_of(struct store *,
		    const char *request_id, const char **err);

#endif
