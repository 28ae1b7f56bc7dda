/*
 * notify.c: the sd_notify(3) protocol for strata-agent and
 * strata-aggregator (see notify.h).  One libevent timer sends WATCHDOG=1
 * at half of WATCHDOG_USEC together with a fresh STATUS= line, so a
 * daemon whose event loop is stuck stops pinging and systemd restarts it
 * (Restart=on-failure, WatchdogSec= in the units).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <systemd/sd-daemon.h>

#include "log.h"
#include "notify.h"

struct notify {
	struct event_base	*base;
	struct event		*tick;
	notify_status_cb	 status;
	void			*arg;
	int			 active;	/* NOTIFY_SOCKET is set */
	unsigned long long	 wd_usec;	/* WATCHDOG_USEC, 0: none */
	int			 ready;
	int			 failed;	/* a send error was logged */
};

/* Sends one message; a failure is logged once, then counted silently. */
static void
notify_send(struct notify *n, const char *msg)
{
	int r;

	if (!n->active)
		return;
	if ((r = sd_notify(0, msg)) < 0) {
		if (!n->failed)
			log_warnx("sd_notify: %s", strerror(-r));
		n->failed = 1;
	} else
		n->failed = 0;
}

/* "PREFIX" followed by "STATUS=line", the line kept to one line. */
static void
notify_with_status(struct notify *n, const char *prefix)
{
	char line[NOTIFY_STATUS_MAX], msg[NOTIFY_STATUS_MAX + 64];
	char *p;

	line[0] = '\0';
	if (n->status != NULL)
		n->status(n->arg, line, sizeof(line));
	line[sizeof(line) - 1] = '\0';
	for (p = line; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	if (line[0] == '\0')
		snprintf(msg, sizeof(msg), "%s", prefix);
	else
		snprintf(msg, sizeof(msg), "%sSTATUS=%s", prefix, line);
	if (msg[0] != '\0')
		notify_send(n, msg);
}

static void
notify_tick(evutil_socket_t fd, short what, void *arg)
{
	struct notify *n = arg;

	notify_with_status(n, n->wd_usec != 0 ? "WATCHDOG=1\n" : "");
}

struct notify *
notify_create(struct event_base *base, notify_status_cb status, void *arg)
{
	struct notify *n;
	const char *sock;
	uint64_t usec = 0;

	if ((n = calloc(1, sizeof(*n))) == NULL) {
		log_warn("%s: calloc", __func__);
		return NULL;
	}
	n->base = base;
	n->status = status;
	n->arg = arg;
	sock = getenv("NOTIFY_SOCKET");
	n->active = sock != NULL && *sock != '\0';
	if (!n->active)
		return n;
	/* > 0 only when WATCHDOG_USEC is set and WATCHDOG_PID is ours. */
	if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0)
		n->wd_usec = usec;
	if ((n->tick = event_new(base, -1, EV_PERSIST, notify_tick, n)) ==
	    NULL) {
		log_warnx("%s: event_new failed", __func__);
		free(n);
		return NULL;
	}
	if (n->wd_usec != 0)
		log_debug("systemd watchdog: %llu ms, pinging every %llu ms",
		    n->wd_usec / 1000, n->wd_usec / 2000);
	return n;
}

void
notify_ready(struct notify *n)
{
	struct timeval tv;
	unsigned long long us;

	if (n == NULL || !n->active || n->ready)
		return;
	n->ready = 1;
	notify_with_status(n, n->wd_usec != 0 ? "READY=1\nWATCHDOG=1\n" :
	    "READY=1\n");
	us = n->wd_usec != 0 ? n->wd_usec / 2 : NOTIFY_STATUS_MS * 1000ULL;
	if (us == 0)
		us = 1;
	tv.tv_sec = (time_t)(us / 1000000);
	tv.tv_usec = (suseconds_t)(us % 1000000);
	if (event_add(n->tick, &tv) == -1)
		log_warnx("%s: cannot start the watchdog timer", __func__);
}

void
notify_status(struct notify *n)
{
	if (n == NULL || !n->active)
		return;
	notify_with_status(n, "");
}

void
notify_stopping(struct notify *n)
{
	if (n == NULL || !n->active)
		return;
	notify_with_status(n, "STOPPING=1\n");
}

void
notify_destroy(struct notify *n)
{
	if (n == NULL)
		return;
	if (n->tick != NULL)
		event_free(n->tick);
	free(n);
}

unsigned long long
notify_watchdog_usec(const struct notify *n)
{
	return n != NULL ? n->wd_usec : 0;
}
