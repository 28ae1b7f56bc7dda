/*
 * alertout.h: where the aggregator's alerts go besides the followers: the
 * systemd journal (or syslog where there is no journal), an optional
 * exec hook that gets the alert JSON on stdin and is killed at its timeout,
 * and Prometheus Alertmanager (alertmgr.h).  docs/alerts.md documents the
 * names, MESSAGE_IDs, fields, the hook and what Alertmanager is sent.
 */
#ifndef STRATA_ALERTOUT_H
#define STRATA_ALERTOUT_H

#include <event2/event.h>
#include <json-c/json.h>

#include "alertmgr.h"

#define ALERTOUT_JOURNAL_SOCKET	"/run/systemd/journal/socket"
#define ALERTOUT_HOOK_TIMEOUT_MS	10000
#define ALERTOUT_HOOK_MAX	4	/* hooks running at once */
#define ALERTOUT_HOOK_QUEUE	64	/* alerts waiting for a hook slot */

enum alertout_log {
	ALERTOUT_LOG_AUTO,	/* journal if its socket exists, else syslog */
	ALERTOUT_LOG_JOURNAL,
	ALERTOUT_LOG_SYSLOG,
	ALERTOUT_LOG_NONE,
};

struct alertout_conf {
	enum alertout_log	 log;
	const char		*hook;		/* run with /bin/sh -c; NULL: none */
	unsigned		 hook_timeout_ms;	/* 0: ALERTOUT_HOOK_TIMEOUT_MS */
	unsigned		 hook_max;	/* 0: ALERTOUT_HOOK_MAX */
	unsigned		 hook_queue;	/* 0: ALERTOUT_HOOK_QUEUE */
	struct amgr_conf	 am;		/* Alertmanager; nurls 0: none */
};

struct alertout;

struct alertout	*alertout_create(struct event_base *, const struct alertout_conf *);
/*
 * New settings at run time (SIGHUP): hooks already running keep their
 * command and timeout; alerts waiting for a slot go to the new hook (or
 * are dropped and counted when there is none).  -1 changes nothing.
 */
int		 alertout_reconf(struct alertout *, const struct alertout_conf *);
/*
 * Logs the alert, starts (or queues) its hook and hands it to
 * Alertmanager; never blocks.
 */
void		 alertout_alert(struct alertout *, struct json_object *alert);
/*
 * An alert still active in the store, told again to Alertmanager only (at
 * start, or when Alertmanager is configured by SIGHUP): not logged, no hook.
 */
void		 alertout_reassert(struct alertout *, struct json_object *alert);
/* Whether alerts go to an Alertmanager. */
int		 alertout_alertmanager(const struct alertout *);
/* Kills the hooks still running and reaps them. */
void		 alertout_destroy(struct alertout *);
struct json_object *alertout_stats(struct alertout *);

/* The journal MESSAGE_ID (32 hex digits) of an alert name. */
const char	*alertout_message_id(const char *name);
/* syslog priority of an alert: its severity while firing, else info. */
int		 alertout_priority(const char *severity, const char *event);
int		 alertout_parse_log(const char *, enum alertout_log *);

#endif
