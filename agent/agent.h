/*
 * agent.h: strata-agent's configuration and its small helper modules.
 */
#ifndef STRATA_AGENT_H
#define STRATA_AGENT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "analyzer.h"
#include "arm.h"
#include "source.h"

#define AGENT_NODE_MAX	256

struct agent_conf {
	char		 node[AGENT_NODE_MAX];	/* default: the hostname */
	char		*live;			/* net://HOST[:PORT]/host/H/SESSION */
	char		*trace;			/* CTF trace directory */
	char		*jsonl;			/* records output, "-" = stdout */
	char		*aggregator;		/* HOST:PORT to push records to */
	char		*token_file;		/* handshake token */
	char		*tls_cert;		/* this node's certificate (PEM) */
	char		*tls_key;		/* its private key */
	char		*tls_ca;		/* the CA of the aggregator's */
	char		*spool;			/* unacknowledged records on disk */
	double		 spool_max_mb;		/* spool cap */
	double		 drain_s;		/* at the end of input, wait for acks */
	char		*http;			/* HOST:PORT of /metrics; NULL: off */
	char		*http_token_file;	/* bearer token of /metrics */
	int		 threads;		/* 2: a reader thread; 1: none */
	struct an_conf	*an;			/* every analyzer's CLASS.key */
	struct arm_conf	 arm;			/* arm, arm_* keys */
};

/* agent_conf.c */
/* Defaults; -1 only when out of memory (logged). */
int	agent_conf_init(struct agent_conf *);
void	agent_conf_free(struct agent_conf *);
/* Reads a config file; logs every error as FILE:LINE: message. */
int	agent_conf_load(struct agent_conf *, const char *path);
/* One "key=value" (-D); where names the origin in messages. */
int	agent_conf_set(struct agent_conf *, const char *key, const char *value,
	    const char *where);
int	agent_conf_assign(struct agent_conf *, const char *kv, const char *where);
int	agent_conf_check_url(const char *url);
/* Every key with its effective value, as `strata-agent -nv` prints them. */
void	agent_conf_print(const struct agent_conf *, FILE *);

/* What the agent's /metrics shows, as agent.c has it at a scrape. */
struct agent_figures {
	const char		*node;
	int			 live;		/* reading a live session */
	int64_t			 started_ns;
	struct source_stats	 src;
	uint64_t		 records;	/* emitted by the analyzers */
	uint64_t		 write_errors;	/* of the --jsonl copy */
	struct json_object	*push;		/* push_stats(); NULL: no aggregator */
	struct json_object	*analyzers;	/* an_set_stats() */
};

/* agent_http.c: /metrics of strata-agent (--http, docs/http.md). */
struct agent_http;
typedef void	(*agent_figures_fn)(void *arg, struct agent_figures *);
struct agent_http *agent_http_create(struct event_base *, const char *addr,
	    const char *token_file, agent_figures_fn, void *arg);
void	agent_http_destroy(struct agent_http *);

/* procsample.c: the kernel's accounting of migrating QEMUs, from /proc. */
struct procsample;
struct an_set;
struct procsample *procsample_create(const char *proc_root,
	    const char *sys_root, int kernel, struct an_set *);
void	procsample_destroy(struct procsample *);
/* Every event the analyzers get: a QEMU's migration events start it. */
void	procsample_note(struct procsample *, const struct ev *);
void	procsample_run(struct procsample *, uint64_t now_ns);
void	procsample_stats(const struct procsample *, uint64_t *threads,
	    uint64_t *disks, uint64_t *errors);
int	procsample_parse_schedstat(const char *, uint64_t *cpu,
	    uint64_t *wait, uint64_t *slices);
int	procsample_parse_diskstats(const char *line, uint64_t *dev,
	    char *name, size_t len, uint64_t *ios, uint64_t *sectors,
	    uint64_t *ticks_ms);

/* vmresolve.c: which VM a local QEMU process is. */
struct vmresolve;
struct vmresolve *vmresolve_create(const char *proc_root);
void	vmresolve_destroy(struct vmresolve *);
/* The an_host resolve_vm callback; arg is a struct vmresolve. */
int	vmresolve_lookup(void *arg, int64_t vpid, struct vm_ident *out);
/* Parses a NUL-separated argv as read from /proc/PID/cmdline. */
int	vmresolve_parse(const char *buf, size_t len, struct vm_ident *out);

#endif
