/*
 * test_ctl_push.c: not a test itself; the tiny agent stand-in of the
 * aggregator integration tests (tests/integration/aggregator_*.sh).  Reads
 * JSON records, one per line, from a file and pushes them to an aggregator
 * through the transport's push API as node NODE; exits 0 once every record
 * is acknowledged, 1 if that takes longer than the timeout.  With the TLS
 * options it speaks TLS with that certificate (tests/integration/tls.sh);
 * --linger keeps the connection that long after the last ack (an agent
 * that stays while the aggregator reloads).
 *
 *	test_ctl_push [--tls-cert F --tls-key F --tls-ca F] [--linger S]
 *	    HOST:PORT NODE FILE [TOKEN] [TIMEOUT_S]
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "log.h"
#include "push.h"
#include "tls.h"

struct run {
	struct event_base	*base;
	struct push		*push;
	struct timespec		 deadline;
	double			 linger;	/* seconds to stay after the last ack */
	double			 acked_at;	/* when everything was acked, or 0 */
	int			 done;
};

static void
tick(evutil_socket_t fd, short ev, void *arg)
{
	struct run *r = arg;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (push_connected(r->push) && push_unacked(r->push) == 0) {
		if (r->acked_at == 0)
			r->acked_at = now.tv_sec + now.tv_nsec / 1e9;
		if (now.tv_sec + now.tv_nsec / 1e9 - r->acked_at >= r->linger) {
			r->done = 1;
			event_base_loopbreak(r->base);
		}
	} else if (now.tv_sec > r->deadline.tv_sec)
		event_base_loopbreak(r->base);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "tls-cert",	required_argument,	NULL, 'c' },
		{ "tls-key",	required_argument,	NULL, 'k' },
		{ "tls-ca",	required_argument,	NULL, 'a' },
		{ "linger",	required_argument,	NULL, 'l' },
		{ NULL, 0, NULL, 0 }
	};
	struct tls_files tf = { NULL, NULL, NULL };
	struct push_conf pc;
	struct run r;
	struct event *t;
	struct timeval tv = { 0, 20000 };
	struct json_object *rec;
	char line[1 << 17];
	FILE *f;
	double linger = 0;
	long n = 0;
	int ch;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			tf.cert = optarg;
			break;
		case 'k':
			tf.key = optarg;
			break;
		case 'a':
			tf.ca = optarg;
			break;
		case 'l':
			linger = atof(optarg);
			break;
		default:
			return 2;
		}
	}
	argc -= optind - 1;
	argv += optind - 1;
	if (argc < 4 || argc > 6) {
		fprintf(stderr, "usage: strata-push [--tls-cert F --tls-key F "
		    "--tls-ca F] [--linger S] HOST:PORT NODE FILE [TOKEN] "
		    "[TIMEOUT_S]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	log_init("test_ctl_push", 1, 0);
	memset(&pc, 0, sizeof(pc));
	pc.aggregator = argv[1];
	pc.node = argv[2];
	pc.token = argc > 4 && *argv[4] != '\0' ? argv[4] : NULL;
	pc.flush_ms = 20;
	if (tf.cert != NULL &&
	    (pc.tls = tls_ctx_new(TLS_CLIENT, &tf, "tls")) == NULL)
		return 1;
	memset(&r, 0, sizeof(r));
	r.linger = linger;
	r.base = event_base_new();
	r.push = push_create(r.base, &pc);
	SSL_CTX_free(pc.tls);		/* push keeps its own reference */
	if (r.push == NULL)
		return 1;
	if ((f = fopen(argv[3], "r")) == NULL) {
		perror(argv[3]);
		return 1;
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
	r.deadline.tv_sec += (argc > 5 ? atoi(argv[5]) : 10) + (time_t)linger;
	t = event_new(r.base, -1, EV_PERSIST, tick, &r);
	evtimer_add(t, &tv);
	event_base_dispatch(r.base);
	if (!r.done)
		fprintf(stderr, "test_ctl_push: %llu of %ld records not "
		    "acknowledged\n", (unsigned long long)push_unacked(r.push), n);
	event_free(t);
	push_destroy(r.push);
	event_base_free(r.base);
	return r.done ? 0 : 1;
}
