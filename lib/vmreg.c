/*
 * vmreg.c: the shared VM registry (vmreg.h).  A small array with two
 * open-addressing indexes would be faster, but a node runs tens of VMs and
 * identities are written rarely (once per VM, then every few seconds), so
 * a linear scan over at most VMREG_MAX entries is what it needs.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "vmreg.h"

struct vmreg {
	unsigned		 max;
	unsigned		 n;
	uint64_t		 seq;		/* write counter, for eviction */
	uint64_t		*stamp;		/* per entry: seq of its last write */
	struct vmreg_entry	*e;
};

struct vmreg *
vmreg_create(unsigned max)
{
	struct vmreg *r;

	if (max == 0)
		max = VMREG_MAX;
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->e = calloc(max, sizeof(*r->e))) == NULL ||
	    (r->stamp = calloc(max, sizeof(*r->stamp))) == NULL) {
		log_warn("%s: calloc", __func__);
		goto fail;
	}
	r->max = max;
	return r;
fail:
	vmreg_destroy(r);
	return NULL;
}

void
vmreg_destroy(struct vmreg *r)
{
	if (r == NULL)
		return;
	free(r->e);
	free(r->stamp);
	free(r);
}

static int
vmreg_find(const struct vmreg *r, int64_t pid, const char *uuid)
{
	unsigned i;

	for (i = 0; i < r->n; i++) {
		if (pid > 0 && r->e[i].qemu_pid == pid)
			return (int)i;
		if (pid <= 0 && uuid != NULL && *uuid != '\0' &&
		    strcmp(r->e[i].id.uuid, uuid) == 0)
			return (int)i;
	}
	return -1;
}

int
vmreg_put(struct vmreg *r, const struct vmreg_entry *e)
{
	unsigned i, victim = 0;
	int k;

	if (e->qemu_pid <= 0 && e->id.uuid[0] == '\0')
		return -1;
	if ((k = vmreg_find(r, e->qemu_pid, e->id.uuid)) >= 0)
		i = (unsigned)k;
	else if (r->n < r->max)
		i = r->n++;
	else {
		for (i = 1; i < r->n; i++)
			if (r->stamp[i] < r->stamp[victim])
				victim = i;
		i = victim;
	}
	r->e[i] = *e;
	r->stamp[i] = ++r->seq;
	return 0;
}

const struct vmreg_entry *
vmreg_by_pid(const struct vmreg *r, int64_t pid)
{
	int k;

	if (r == NULL || pid <= 0 || (k = vmreg_find(r, pid, NULL)) < 0)
		return NULL;
	return &r->e[k];
}

const struct vmreg_entry *
vmreg_by_uuid(const struct vmreg *r, const char *uuid)
{
	unsigned i;

	if (r == NULL || uuid == NULL || *uuid == '\0')
		return NULL;
	for (i = 0; i < r->n; i++)
		if (strcmp(r->e[i].id.uuid, uuid) == 0)
			return &r->e[i];
	return NULL;
}

unsigned
vmreg_count(const struct vmreg *r)
{
	return r->n;
}
