/*
 * notify_test.c: runs daemon/notify.c in a libevent loop the way the
 * daemons do, for tests/ops/notify.sh:
 *
 *	notify_test MS
 *
 * notify_ready() at once, a STATUS= line "notify_test: tick N" counting
 * the loop's own 100 ms ticks, notify_stopping() after MS milliseconds.
 */
#include <stdio.h>
#include <stdlib.h>

#include <event2/event.h>

#include "log.h"
#include "notify.h"

struct nt {
	struct event_base	*base;
	struct notify		*notify;
	unsigned		 ticks, left;
};

static void
nt_status(void *arg, char *buf, size_t len)
{
	struct nt *t = arg;

	snprintf(buf, len, "notify_test: tick %u", t->ticks);
}

static void
nt_tick(evutil_socket_t fd, short what, void *arg)
{
	struct nt *t = arg;

	t->ticks++;
	if (t->left-- == 0) {
		notify_stopping(t->notify);
		event_base_loopbreak(t->base);
	}
}

int
main(int argc, char *argv[])
{
	struct timeval tv = { 0, 100000 };
	struct event *ev;
	struct nt t = { 0 };

	log_init("notify_test", 1, 1);
	if (argc != 2) {
		fprintf(stderr, "usage: notify_test MS\n");
		return 2;
	}
	t.left = (unsigned)strtoul(argv[1], NULL, 10) / 100;
	if ((t.base = event_base_new()) == NULL ||
	    (t.notify = notify_create(t.base, nt_status, &t)) == NULL ||
	    (ev = event_new(t.base, -1, EV_PERSIST, nt_tick, &t)) == NULL)
		return 1;
	event_add(ev, &tv);
	notify_ready(t.notify);
	printf("watchdog_usec=%llu\n", notify_watchdog_usec(t.notify));
	fflush(stdout);
	event_base_dispatch(t.base);
	event_free(ev);
	notify_destroy(t.notify);
	event_base_free(t.base);
	return 0;
}
