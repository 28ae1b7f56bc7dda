/*
 * bench_link.c: throughput of push -> ingest on loopback, each end in its
 * own process (as in production), so the aggregator's CPU time per record
 * is measured on its own.  Not run by `make check`:
 *	tests/unit/bench_link [records [record_bytes [batch_max [spool]]]]
 * With a spool path the agent spools on disk (the default is a memfd).
 */
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "ingest.h"
#include "log.h"
#include "proto.h"
#include "push.h"
#include "clock.h"

static struct event_base *base;
static uint64_t		 want, got;
static struct push	*pusher;
static uint64_t		 fed;
static char		 pad[4096];

static int
sink_batch(void *arg, const char *node, const struct proto_rec *recs,
    size_t n)
{
	got += n;
	if (got >= want)
		event_base_loopbreak(base);
	return 0;
}

static struct json_object *
record(uint64_t k)
{
	struct json_object *r = json_object_new_object();
	char id[64];

	snprintf(id, sizeof(id), "bench-%" PRIu64, k);
	json_object_object_add(r, "kind", json_object_new_string("bench"));
	json_object_object_add(r, "node", json_object_new_string("bench"));
	json_object_object_add(r, "id", json_object_new_string(id));
	json_object_object_add(r, "t_ns", json_object_new_int64(
	    1700000000000000000LL + (int64_t)k));
	json_object_object_add(r, "pad", json_object_new_string(pad));
	return r;
}

/* Feeds records while fewer than 100000 wait, so the spool stays bounded. */
static void
feed_cb(evutil_socket_t fd, short events, void *arg)
{
	struct json_object *r;
	struct timeval zero = { 0, 0 };
	int i;

	for (i = 0; i < 2000 && fed < want && push_unacked(pusher) < 100000; i++) {
		r = record(fed++);
		push_record(pusher, r);
		json_object_put(r);
	}
	/* A zero timer, not event_active(): let the loop read acks first. */
	if (fed < want)
		evtimer_add(arg, &zero);
}

static void
check_cb(evutil_socket_t fd, short events, void *arg)
{
	if (fed >= want && push_unacked(pusher) == 0)
		event_base_loopbreak(base);
}

int
main(int argc, char **argv)
{
	struct ingest_conf ic = { "127.0.0.1:0", NULL, 0, NULL };
	struct ingest_cb cb = { .batch = sink_batch };
	struct push_conf pc;
	struct ingest *ig;
	struct json_object *r;
	struct event *feed, *check;
	struct timeval tick = { 0, 1000 };
	char addr[64];
	double t0, dt, cpu, agg_cpu;
	unsigned bytes, batch;
	const char *spool;
	size_t len;
	int fds[2], back[2], status;
	uint16_t port;
	pid_t pid;

	want = argc > 1 ? strtoull(argv[1], NULL, 10) : 200000;
	bytes = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 200;
	batch = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 500;
	spool = argc > 4 ? argv[4] : NULL;
	log_init("bench_link", 1, 0);
	signal(SIGPIPE, SIG_IGN);

	/* Size the pad so one serialized record is `bytes' long. */
	memset(pad, 'x', sizeof(pad) - 1);
	r = record(100000);
	json_object_to_json_string_length(r, JSON_C_TO_STRING_PLAIN, &len);
	json_object_put(r);
	if (len - (sizeof(pad) - 1) < bytes && bytes - (len - (sizeof(pad) - 1)) <
	    sizeof(pad))
		pad[bytes - (len - (sizeof(pad) - 1))] = '\0';
	else
		pad[0] = '\0';

	if (pipe(fds) == -1 || pipe(back) == -1)
		return 1;
	if ((pid = fork()) == 0) {
		/* The aggregator. */
		base = event_base_new();
		if ((ig = ingest_create(base, &ic, &cb, NULL)) == NULL)
			_exit(1);
		port = ingest_port(ig);
		write(fds[1], &port, sizeof(port));
		cpu = cpu_s();
		event_base_dispatch(base);
		agg_cpu = cpu_s() - cpu;
		write(back[1], &agg_cpu, sizeof(agg_cpu));
		/* Let the last ACK leave before going. */
		event_base_loopexit(base, &(struct timeval){ 0, 200000 });
		event_base_dispatch(base);
		ingest_destroy(ig);
		_exit(0);
	}
	if (read(fds[0], &port, sizeof(port)) != sizeof(port))
		return 1;

	base = event_base_new();
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);
	memset(&pc, 0, sizeof(pc));
	pc.aggregator = addr;
	pc.node = "bench";
	pc.spool_path = spool;
	pc.spool_max = 1ULL << 30;
	pc.batch_max = batch;
	pc.flush_ms = 5;
	if (spool != NULL)
		unlink(spool);
	if ((pusher = push_create(base, &pc)) == NULL)
		return 1;
	while (!push_connected(pusher))
		event_base_loop(base, EVLOOP_ONCE);

	feed = event_new(base, -1, 0, feed_cb, event_self_cbarg());
	check = event_new(base, -1, EV_PERSIST, check_cb, NULL);
	event_add(check, &tick);
	t0 = now_s();
	cpu = cpu_s();
	event_active(feed, EV_TIMEOUT, 0);
	event_base_dispatch(base);
	dt = now_s() - t0;
	cpu = cpu_s() - cpu;
	if (read(back[0], &agg_cpu, sizeof(agg_cpu)) != sizeof(agg_cpu))
		agg_cpu = 0;
	waitpid(pid, &status, 0);

	printf("records          %" PRIu64 " of %u bytes, batches of %u, spool %s\n",
	    want, bytes, batch, spool ? spool : "memfd");
	printf("wall             %.3f s: %.0f records/s end to end\n", dt,
	    (double)want / dt);
	printf("agent cpu        %.3f s: %.0f records per cpu-second\n", cpu,
	    (double)want / cpu);
	printf("aggregator cpu   %.3f s: %.0f records per cpu-second (ingest, "
	    "decode, no store)\n", agg_cpu, agg_cpu > 0 ? (double)want / agg_cpu : 0);
	event_free(feed);
	event_free(check);
	push_destroy(pusher);
	event_base_free(base);
	if (spool != NULL)
		unlink(spool);
	return 0;
}
