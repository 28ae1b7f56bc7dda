/*
 * aggregator.h: strata-aggregator's configuration, shared by its main
 * (aggregator.c) and the config file reader (aggregator_conf.c).
 */
#ifndef STRATA_AGGREGATOR_H
#define STRATA_AGGREGATOR_H

#include <stdint.h>
#include <stdio.h>

#include "alertout.h"

#define AGG_PORT_DEFAULT	"7311"
#define AGG_DB_DEFAULT		"/var/lib/strata/aggregator.db"
#define AGG_STALE_DEFAULT_MS	60000

struct agg_conf {
	char			*listen;	/* NULL: *:PORT with a token, else loopback */
	char			*db;
	char			*ctl;
	char			*token_file;
	char			*token;		/* read from token_file */
	int64_t			 stale_ms;	/* a silent node goes stale after */
	uint32_t		 max_frame;	/* 0: the protocol's default */
	int			 durable;	/* fsync each batch before its ack */
	unsigned		 follow_queue;	/* alerts queued per follower */
	char			*hook;
	unsigned		 hook_timeout_ms;
	unsigned		 hook_max;
	enum alertout_log	 alert_log;
	int			 debug;
};

/* aggregator_conf.c */
void	agg_conf_init(struct agg_conf *);
void	agg_conf_free(struct agg_conf *);
/* One "key = value" setting; where names the file:line or option. */
int	agg_conf_set(struct agg_conf *, const char *key, const char *val,
	    const char *where);
int	agg_conf_load(struct agg_conf *, const char *path);
/* Fills defaults that depend on others and reads the token file. */
int	agg_conf_finish(struct agg_conf *);
void	agg_conf_print(const struct agg_conf *, FILE *);

#endif
