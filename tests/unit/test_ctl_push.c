/*
 * test_ctl_push.c: not a test itself; the tiny agent stand-in of the
 * aggregator integration tests (tests/integration/aggregator_*.sh).  Reads
 * JSON records, one per line, from a file and pushes them to an aggregator
 * through the transport's push API as node NODE; exits 0 once every record
 * is acknowledged, 1 if that takes longer than the timeout.
 *
 *	test_ctl_push HOST:PORT NODE FILE [TOKEN] [TIMEOUT_S]
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "log.h"
#include "push.h"

struct run {
	struct event_base	*base;
	struct push		*push;
	struct timespec		 deadline;
	int			 done;
};

static void
tick(evutil_socket_t fd, short ev, void *arg)
{
	struct run *r = arg;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (push_connected(r->push) && push_unacked(r->push) == 0) {
		r->done = 1;
		event_base_loopbreak(r->base);
	} else if (now.tv_sec > r->deadline.tv_sec)
		event_base_loopbreak(r->base);
}

int
main(int argc, char *argv[])
{
	struct push_conf pc;
	struct run r;
	struct event *t;
	struct timeval tv = { 0, 20000 };
	struct json_object *rec;
	char line[1 << 16];
	FILE *f;
	long n = 0;

	if (argc < 4 || argc > 6) {
		fprintf(stderr, "usage: test_ctl_push HOST:PORT NODE FILE "
		    "[TOKEN] [TIMEOUT_S]\n");
		return (2);
	}
	signal(SIGPIPE, SIG_IGN);
	log_init("test_ctl_push", 1, 0);
	memset(&pc, 0, sizeof(pc));
	pc.aggregator = argv[1];
	pc.node = argv[2];
	pc.token = argc > 4 && *argv[4] != '\0' ? argv[4] : NULL;
	pc.flush_ms = 20;
	memset(&r, 0, sizeof(r));
	r.base = event_base_new();
	if ((r.push = push_create(r.base, &pc)) == NULL)
		return (1);
	if ((f = fopen(argv[3], "r")) == NULL) {
		perror(argv[3]);
		return (1);
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if ((rec = json_tokener_parse(line)) == NULL)
			continue;
		if (push_record(r.push, rec) == 0)
			n++;
		json_object_put(rec);
	}
	fclose(f);
	clock_gettime(CLOCK_MONOTONIC, &r.deadline);
	r.deadline.tv_sec += argc > 5 ? atoi(argv[5]) : 10;
	t = event_new(r.base, -1, EV_PERSIST, tick, &r);
	evtimer_add(t, &tv);
	event_base_dispatch(r.base);
	if (!r.done)
		fprintf(stderr, "test_ctl_push: %llu of %ld records not "
		    "acknowledged\n", (unsigned long long)push_unacked(r.push), n);
	event_free(t);
	push_destroy(r.push);
	event_base_free(r.base);
	return (r.done ? 0 : 1);
}
