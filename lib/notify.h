/*
 * notify.h: what strata-agent and strata-aggregator tell systemd through
 * sd_notify(3): READY=1 once they serve, a one-line STATUS= refreshed from
 * the event loop, WATCHDOG=1 at half of WatchdogSec= (WATCHDOG_USEC) from a
 * libevent timer, and STOPPING=1.  Without NOTIFY_SOCKET every call is a
 * no-op, so the daemons call these unconditionally.
 */
#ifndef STRATA_NOTIFY_H
#define STRATA_NOTIFY_H

#include <stddef.h>

#include <event2/event.h>

#define NOTIFY_STATUS_MS	10000	/* STATUS= refresh without a watchdog */
#define NOTIFY_STATUS_MAX	256	/* longest STATUS= line, bytes */

struct notify;

/* Writes the daemon's one-line state into buf (NUL-terminated). */
typedef void (*notify_status_cb)(void *arg, char *buf, size_t len);

/*
 * Reads NOTIFY_SOCKET and WATCHDOG_USEC; status may be NULL.  NULL only
 * when out of memory or the timer cannot be made (logged).
 */
struct notify	*notify_create(struct event_base *, notify_status_cb status,
		    void *arg);
/* READY=1 with the current STATUS=; starts the watchdog/status timer. */
void		 notify_ready(struct notify *);
/* Sends STATUS= now (after a change worth showing at once). */
void		 notify_status(struct notify *);
/* STOPPING=1; the watchdog keeps running until notify_destroy(). */
void		 notify_stopping(struct notify *);
void		 notify_destroy(struct notify *);
/* The watchdog period systemd asked for, in microseconds; 0 for none. */
unsigned long long notify_watchdog_usec(const struct notify *);

#endif
