/*
 * agent.h: strata-agent's configuration and its small helper modules.
 */
#ifndef STRATA_AGENT_H
#define STRATA_AGENT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "analyzer.h"
#include "arm.h"

#define AGENT_NODE_MAX	256

struct agent_conf {
	char		 node[AGENT_NODE_MAX];	/* default: the hostname */
	char		*live;			/* net://HOST[:PORT]/host/H/SESSION */
	char		*trace;			/* CTF trace directory */
	char		*jsonl;			/* records output, "-" = stdout */
	char		*aggregator;		/* HOST:PORT to push records to */
	char		*token_file;		/* handshake token */
	char		*spool;			/* unacknowledged records on disk */
	double		 spool_max_mb;		/* spool cap */
	struct an_params params;
	struct arm_conf	 arm;			/* arm, arm_* keys */
};

/* agent_conf.c */
void	conf_init(struct agent_conf *);
void	conf_free(struct agent_conf *);
/* Reads a config file; logs every error as FILE:LINE: message. */
int	conf_load(struct agent_conf *, const char *path);
/* One "key=value" (-D); where names the origin in messages. */
int	conf_set(struct agent_conf *, const char *key, const char *value,
	    const char *where);
int	conf_assign(struct agent_conf *, const char *kv, const char *where);
int	conf_check_url(const char *url);
/* Every key with its effective value, as `strata-agent -nv` prints them. */
void	conf_print(const struct agent_conf *, FILE *);

/* vmresolve.c: which VM a local QEMU process is. */
struct vmresolve;
struct vmresolve *vmresolve_create(const char *proc_root);
void	vmresolve_destroy(struct vmresolve *);
/* The an_ctx resolve_vm callback; arg is a struct vmresolve. */
int	vmresolve_lookup(void *arg, int64_t vpid, struct vm_ident *out);
/* Parses a NUL-separated argv as read from /proc/PID/cmdline. */
int	vmresolve_parse(const char *buf, size_t len, struct vm_ident *out);

#endif
