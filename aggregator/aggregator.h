/*
 * aggregator.h: strata-aggregator's configuration, shared by its main
 * (aggregator.c) and the config file reader (aggregator_conf.c).  The
 * configuration is built the same way at start, by -n and on SIGHUP:
 * defaults, then the file, then the command line (agg_conf_build()).
 */
#ifndef STRATA_AGGREGATOR_H
#define STRATA_AGGREGATOR_H

#include <stdint.h>
#include <stdio.h>

#include "alertout.h"

#define AGG_PORT_DEFAULT	"7311"
#define AGG_DB_DEFAULT		"/var/lib/strata/aggregator.db"
#define AGG_STALE_DEFAULT_MS	60000

/* A key that may be given more than once (alertmanager-url), in order. */
struct agg_list {
	char			**v;
	unsigned		  n;
};

struct agg_conf {
	char			*listen;	/* NULL: *:PORT with TLS or a token, else loopback */
	char			*db;
	char			*ctl;
	char			*ctl_ro;	/* NULL: no read-only socket */
	char			*ctl_ro_where;	/* FILE:LINE or option of ctl-ro */
	int64_t			 ctl_idle_ms;	/* control clients silent this long go */
	char			*token_file;
	char			*token;		/* read from token_file */
	char			*token_where;	/* FILE:LINE or option of token-file */
	char			*http;		/* HOST:PORT of /metrics, /api/, views */
	char			*http_root;	/* web files; NULL: $(pkgdatadir)/web */
	char			*http_token_file;
	char			*http_token;	/* read from http_token_file */
	char			*http_token_where;
	char			*tls_cert;	/* this aggregator's certificate (PEM) */
	char			*tls_key;	/* its private key */
	char			*tls_ca;	/* the CA of every agent's certificate */
	char			*tls_where;	/* FILE:LINE or option of tls-cert */
	struct ssl_ctx_st	*tls_ctx;	/* from the three, by agg_conf_finish() */
	int64_t			 stale_ms;	/* a silent node goes stale after */
	uint32_t		 max_frame;	/* 0: the protocol's default */
	int			 durable;	/* fsync each batch before its ack */
	unsigned		 follow_queue;	/* alerts queued per follower */
	char			*hook;
	unsigned		 hook_timeout_ms;
	unsigned		 hook_max;
	enum alertout_log	 alert_log;
	struct agg_list		 alertmanager_urls;	/* alertmanager-url */
	unsigned		 alertmanager_resend_ms;
	char			*web_url;	/* generatorURL's base */
	int			 debug;
};

/* A setting of the command line, applied over the file in order. */
struct agg_opt {
	const char		*key;		/* the long option's name */
	const char		*val;
};

/* aggregator_conf.c */
void	agg_conf_init(struct agg_conf *);
void	agg_conf_free(struct agg_conf *);
/*
 * One "key = value" setting; '_' in key stands for '-'.  where names the
 * file:line or option in the error logged; -1 on a bad key or value.
 */
int	agg_conf_set(struct agg_conf *, const char *key, const char *val,
	    const char *where);
/* Every line of the file (conf_read); returns how many errors were logged. */
int	agg_conf_load(struct agg_conf *, const char *path);
/*
 * Fills defaults that depend on others, reads the token file and loads the
 * TLS files into tls_ctx.
 */
int	agg_conf_finish(struct agg_conf *);
/*
 * Defaults, the file (path may be NULL), then opts; every error logged,
 * all in one pass.  Returns how many; conf is filled either way (free it).
 */
int	agg_conf_build(struct agg_conf *, const char *path,
	    const struct agg_opt *opts, int nopts);
/*
 * SIGHUP: logs each key of old that new changes but that only a restart
 * applies (listen, db, ctl, ctl-ro, ctl-idle-timeout, token-file,
 * max-frame, http, http-root, http-token-file).  TLS files are reloaded
 * (agg_reload), TLS turned on or off only at a restart.
 */
void	agg_conf_restart_only(const struct agg_conf *old,
	    const struct agg_conf *new);
/* Every key with its effective value, one "key = value" a line. */
void	agg_conf_print(const struct agg_conf *, FILE *);

#endif
