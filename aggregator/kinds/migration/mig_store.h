/*
 * mig_store.h: the migration kind's queries over the store, for the
 * control commands: the migrations list and one migration with its sides
 * and rounds (docs/store.md, "Query results").
 */
#ifndef STRATA_MIG_STORE_H
#define STRATA_MIG_STORE_H

#include <stdint.h>

#include <json-c/json.h>

struct store;

struct mig_filter {
	int		 active;	/* only migrations without an outcome */
	int		 failed;	/* only failed, cancelled or rolled back */
	const char	*vm;		/* uuid or name, NULL for any */
	const char	*node;		/* src or dst node, NULL for any */
	uint64_t	 since_ns;	/* started at or after, 0 for any */
	unsigned	 limit;		/* 0 for the default (1000) */
};

/* A new json array, or NULL with *err set. */
struct json_object *store_q_migrations(struct store *, const struct mig_filter *,
		    const char **err);
/*
 * id: a migration id, or "node/side-id" or the side id of one of its sides.
 * NULL with *err set on error, NULL with *err NULL when there is no such
 * migration.
 */
struct json_object *store_q_migration(struct store *, const char *id,
		    const char **err);

#endif
