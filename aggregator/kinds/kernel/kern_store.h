/*
 * kern_store.h: the kernel kind's queries: block devices (`disks`), the
 * threads of a VM, a migration or a node (`threads`), and the kernel's
 * figures of a migration's rounds for the migration kind (its rounds,
 * evidence and advice: aggregator/kinds/migration/).
 */
#ifndef STRATA_KERN_STORE_H
#define STRATA_KERN_STORE_H

#include <stdint.h>

#include <json-c/json.h>

struct store;

/* A share of a round the migration thread waited beyond which it is CPU-bound. */
#define KERN_CPU_BOUND_PCT	25.0

struct kern_filter {
	const char	*subject;	/* a VM (uuid, name), a migration; NULL */
	const char	*node;		/* NULL: every node */
	int64_t		 pid;		/* -1: any */
	int64_t		 since_ns;	/* 0: the subject's window */
	unsigned	 limit;
	int		 series;	/* each thread's samples too */
};

/* Every block device of every node.  A new array, or NULL with *err. */
struct json_object *store_q_disks(struct store *, const char *node,
		    const char **err);
/* {cpus: [...], interfaces: [...]} of every node (or one); NULL with *err. */
struct json_object *store_q_cpus(struct store *, const char *node,
		    const char **err);
/* Threads, the busiest first; NULL with *err (or *err NULL: no subject). */
struct json_object *store_q_threads(struct store *, const struct kern_filter *,
		    const char **err);
/*
 * Adds "kernel" to each round of rounds (objects with start_ns and t_ns)
 * of QEMU pid on node: its migration thread's and vCPUs' CPU, wait and
 * KVM exits in the round.  Returns the round (its n) where the migration
 * thread waited the largest share, with *pct; -1 when no kernel figures.
 */
int		 kern_annotate_rounds(struct store *, const char *node,
		    int64_t pid, struct json_object *rounds, double *pct);

/*
 * The kernel nodes of one round (its "kernel" member, as annotated above)
 * for the multi-layer trees (`request ID`, `migration ID`): the migration
 * thread and each vCPU, {kind "kernel", layer "kernel", name, node,
 * start_ns, end_ns, duration_ms, attrs, children}.  A new array.
 */
struct json_object *kern_tree_nodes(struct json_object *round,
		    const char *node);
/*
 * Adds to every node of a tree (children arrays) its layer (from its
 * kind: application, virtualization, kernel) and attrs (its members
 * beyond the common ones); existing members stay.
 */
void		 kern_tree_layers(struct json_object *tree);

#endif
