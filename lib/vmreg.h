/*
 * vmreg.h: the one VM registry every analyzer shares.  What one analyzer
 * learns about a VM (its uuid, name, QEMU pid, host) the others can read,
 * by QEMU pid or by uuid.  Bounded: past VMREG_MAX entries the least
 * recently written one is forgotten.  Pure memory, no I/O.
 */
#ifndef STRATA_VMREG_H
#define STRATA_VMREG_H

#include <stdint.h>

#define VMREG_MAX	1024

/* What a process is, as far as the host knows. */
struct vm_ident {
	char	uuid[64];
	char	name[128];
};

struct vmreg_entry {
	int64_t		 qemu_pid;	/* -1 when unknown */
	struct vm_ident	 id;
	char		 host[64];	/* node the QEMU runs on, "" unknown */
	uint64_t	 t_ns;		/* when it was learnt (trace time) */
};

struct vmreg;

/* vmreg.c */
struct vmreg	*vmreg_create(unsigned max);
void		 vmreg_destroy(struct vmreg *);
/* Adds or updates the entry of e->qemu_pid (else of e->id.uuid). */
int		 vmreg_put(struct vmreg *, const struct vmreg_entry *e);
/* NULL when unknown; valid until the next vmreg_put(). */
const struct vmreg_entry *vmreg_by_pid(const struct vmreg *, int64_t pid);
const struct vmreg_entry *vmreg_by_uuid(const struct vmreg *, const char *);
unsigned	 vmreg_count(const struct vmreg *);

#endif
