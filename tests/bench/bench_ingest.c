/*
 * bench_ingest.c: load generator for strata-aggregator.  Simulates N agents,
 * each with its own connection through the agent's own push code
 * (daemon/push.h: batches, acknowledgements, a memory spool), sending
 * copies of a corpus of real records (strata-agent --jsonl output) as fast
 * as the aggregator acknowledges them.  Not a test; tests/bench/aggregator.sh
 * runs it:
 *
 *	tests/bench/bench_ingest [-n agents] [-c copies] [-b batch_max]
 *	    [-w window] [-t token-file] [-p node-prefix] HOST:PORT CORPUS.jsonl
 *
 * The agents are the nodes PREFIX-00, PREFIX-01, ... ("bench" by default):
 * another prefix sends the same copies as records of other nodes, new to
 * a store that holds the first run's.
 *
 * Every copy of the corpus gets its own migration ids (the corpus id with
 * "~COPY" appended and the node put in front), its own VM uuids, and the
 * sending agent's node, so the store takes every record as new.  With two
 * agents or more, the destination sides of a copy are sent by the next
 * agent, so the store correlates them across nodes as it would in a cloud.
 *
 * Prints one line: agents, records, wall seconds from the first record to
 * the last acknowledgement, records/s, this process's CPU seconds, and the
 * handshakes: from push_create() to the aggregator's WELCOME, per agent
 * (p50, p99, max in ms; all agents start connecting at once).  Up to
 * MAX_AGENTS agents (tests/bench/aggregator.sh's scale run: 1,000).
 */
#include <sys/resource.h>
#include <sys/time.h>

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "log.h"
#include "push.h"
#include "token.h"
#include "clock.h"

#define MAX_AGENTS	4096
#define MAX_UNACKED	320000	/* for all agents: the memory spools stay small */
#define FEED_STEP	2000	/* records pushed per feed callback */

/* One corpus record and what a copy rewrites in it. */
struct crec {
	struct json_object	*obj;
	int			 kind;		/* K_* */
	int			 dst;		/* belongs to a destination side */
	char			*mid;		/* its migration's corpus id */
	char			*uuid;		/* vm_uuid, or NULL */
	char			*tail;		/* "#N" (round), "!NAME" (alert) */
};

enum { K_MIGRATION, K_ROUND, K_ALERT };

struct agent {
	struct push	*push;
	char		 node[32];
	uint64_t	 copy;		/* copies of the corpus fed so far */
	size_t		 next;		/* next corpus record of this copy */
	double		 welcome_ms;	/* push_create() to WELCOME */
};

static struct crec	*corpus;
static size_t		 ncorpus;
static struct agent	*agents;
static int		 nagents = 1;
static uint64_t		 max_unacked;	/* per agent */
static uint64_t		 copies = 100;
static uint64_t		 pushed;
static struct event_base *base;

static const char *
str_member(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* Reads the corpus; the role of every migration id decides who sends it. */
static int
corpus_load(const char *path)
{
	struct json_object *o;
	struct crec *c;
	char *line = NULL, *p;
	const char *kind, *id, *mid, *role;
	size_t cap = 0, i, j;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		log_warn("%s", path);
		return -1;
	}
	while (getline(&line, &cap, f) != -1) {
		if ((o = json_tokener_parse(line)) == NULL)
			continue;
		kind = str_member(o, "kind");
		id = str_member(o, "id");
		if (kind == NULL || id == NULL) {
			json_object_put(o);
			continue;
		}
		if ((corpus = reallocarray(corpus, ncorpus + 1,
		    sizeof(*corpus))) == NULL)
			fatal("%s: reallocarray", __func__);
		c = &corpus[ncorpus];
		memset(c, 0, sizeof(*c));
		c->obj = o;
		if (strcmp(kind, "migration") == 0) {
			c->kind = K_MIGRATION;
			c->mid = strdup(id);
			role = str_member(o, "role");
			c->dst = role != NULL && strcmp(role, "destination") == 0;
		} else if ((mid = str_member(o, "migration_id")) != NULL &&
		    (strcmp(kind, "migration_round") == 0 ||
		    strcmp(kind, "alert") == 0)) {
			c->kind = *kind == 'a' ? K_ALERT : K_ROUND;
			c->mid = strdup(mid);
			p = strrchr(id, c->kind == K_ALERT ? '!' : '#');
			c->tail = strdup(p != NULL ? p : "");
		} else {
			json_object_put(o);
			continue;
		}
		if ((p = (char *)str_member(o, "vm_uuid")) != NULL &&
		    strlen(p) == 36)
			c->uuid = strdup(p);
		ncorpus++;
	}
	free(line);
	fclose(f);
	/* Rounds and alerts go where their migration's side goes. */
	for (i = 0; i < ncorpus; i++) {
		if (corpus[i].kind == K_MIGRATION)
			continue;
		for (j = 0; j < ncorpus; j++)
			if (corpus[j].kind == K_MIGRATION &&
			    strcmp(corpus[j].mid, corpus[i].mid) == 0) {
				corpus[i].dst = corpus[j].dst;
				break;
			}
	}
	if (ncorpus == 0) {
		log_warnx("%s: no migration, migration_round or alert record",
		    path);
		return -1;
	}
	return 0;
}

/*
 * The copy's id of a corpus migration id: the sender's node, the corpus id
 * without its node, "~COPY~ORIGIN".
 */
static void
copy_mid(char *buf, size_t len, const char *node, const char *mid,
    uint64_t copy, int origin)
{
	const char *rest = strchr(mid, '/');

	snprintf(buf, len, "%s/%s~%" PRIu64 "~%d", node,
	    rest != NULL ? rest + 1 : mid, copy, origin);
}

/* Pushes the next record of agent o's current copy; 0 or -1 (none left). */
static int
feed_one(int o)
{
	struct agent *a = &agents[o];
	struct crec *c;
	struct agent *to;
	char mid[512], id[600], uuid[40];

	if (a->copy >= copies)
		return -1;
	c = &corpus[a->next];
	to = c->dst && nagents > 1 ? &agents[(o + 1) % nagents] : a;
	copy_mid(mid, sizeof(mid), to->node, c->mid, a->copy, o);
	json_object_object_add(c->obj, "node", json_object_new_string(to->node));
	if (c->kind == K_MIGRATION)
		json_object_object_add(c->obj, "id", json_object_new_string(mid));
	else {
		snprintf(id, sizeof(id), "%s%s", mid, c->tail);
		json_object_object_add(c->obj, "id", json_object_new_string(id));
		json_object_object_add(c->obj, "migration_id",
		    json_object_new_string(mid));
	}
	if (c->uuid != NULL) {
		/* One VM per (corpus VM, copy, origin): 24 chars kept, 12 new. */
		snprintf(uuid, sizeof(uuid), "%.24s%04x%08" PRIx64, c->uuid,
		    (unsigned)o & 0xffff, a->copy & 0xffffffff);
		json_object_object_add(c->obj, "vm_uuid",
		    json_object_new_string(uuid));
	}
	if (push_record(to->push, c->obj) == 0)
		pushed++;
	if (++a->next == ncorpus) {
		a->next = 0;
		a->copy++;
	}
	return 0;
}

/* Feeds every agent while its spool (and its successor's) is not full. */
static void
feed_cb(evutil_socket_t fd, short events, void *arg)
{
	struct timeval zero = { 0, 0 };
	int i, o, more = 0, n = 0;

	for (o = 0; o < nagents; o++) {
		if (agents[o].copy >= copies)
			continue;
		more = 1;
		if (push_unacked(agents[o].push) >= max_unacked ||
		    push_unacked(agents[(o + 1) % nagents].push) >= max_unacked)
			continue;
		for (i = 0; i < FEED_STEP / nagents + 1; i++, n++)
			if (feed_one(o) == -1)
				break;
	}
	/* A zero timer, not event_active(): let the loop read acks first. */
	if (more) {
		if (n == 0)
			zero.tv_usec = 1000;
		evtimer_add(arg, &zero);
	}
}

static void
check_cb(evutil_socket_t fd, short events, void *arg)
{
	int o;

	for (o = 0; o < nagents; o++)
		if (agents[o].copy < copies || push_unacked(agents[o].push) > 0)
			return;
	event_base_loopbreak(base);
}

static int
cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The P-th percentile of the agents' handshakes, in ms. */
static double
welcome_pct(double *sorted, double p)
{
	return sorted[(size_t)(p / 100 * (nagents - 1) + 0.5)];
}

/* Enough descriptors for every agent's socket, if the hard limit allows. */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("setrlimit NOFILE");
	}
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench_ingest [-n agents] [-c copies] "
	    "[-b batch_max] [-w window] [-t token-file] [-p node-prefix] "
	    "HOST:PORT CORPUS.jsonl\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct push_conf pc;
	struct event *feed, *check;
	struct timeval tick = { 0, 2000 }, deadline;
	char *token = NULL;
	const char *prefix = "bench";
	double t0, dt, cpu, tc, *w;
	unsigned batch = 500, window = 0;
	int ch, o, connected;

	while ((ch = getopt(argc, argv, "b:c:n:p:t:w:")) != -1) {
		switch (ch) {
		case 'b':
			batch = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'c':
			copies = strtoull(optarg, NULL, 10);
			break;
		case 'n':
			nagents = atoi(optarg);
			if (nagents < 1 || nagents > MAX_AGENTS)
				usage();
			break;
		case 'p':
			prefix = optarg;
			break;
		case 't':
			if ((token = token_read(optarg)) == NULL)
				return 1;
			break;
		case 'w':
			window = (unsigned)strtoul(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 2)
		usage();
	log_init("bench_ingest", 1, 0);
	signal(SIGPIPE, SIG_IGN);
	raise_nofile();
	if ((agents = calloc(nagents, sizeof(*agents))) == NULL ||
	    (w = calloc(nagents, sizeof(*w))) == NULL)
		fatal("calloc");
	max_unacked = MAX_UNACKED / nagents;
	if (max_unacked < 2 * (uint64_t)batch)
		max_unacked = 2 * (uint64_t)batch;
	if (corpus_load(argv[1]) == -1)
		return 1;

	base = event_base_new();
	memset(&pc, 0, sizeof(pc));
	pc.aggregator = argv[0];
	pc.token = token;
	pc.spool_max = 1ULL << 30;
	pc.batch_max = batch;
	pc.flush_ms = 5;
	pc.window = window;
	tc = now_s();
	for (o = 0; o < nagents; o++) {
		snprintf(agents[o].node, sizeof(agents[o].node), "%s-%02d",
		    prefix, o);
		pc.node = agents[o].node;
		if ((agents[o].push = push_create(base, &pc)) == NULL)
			return 1;
	}
	/* Everyone connected first, so the clock measures only the stream. */
	gettimeofday(&deadline, NULL);
	deadline.tv_sec += 10;
	do {
		event_base_loop(base, EVLOOP_ONCE);
		for (o = 0, connected = 0; o < nagents; o++) {
			if (agents[o].welcome_ms == 0 &&
			    push_connected(agents[o].push))
				agents[o].welcome_ms = (now_s() - tc) * 1000;
			connected += agents[o].welcome_ms > 0;
		}
		gettimeofday(&tick, NULL);
		if (tick.tv_sec > deadline.tv_sec) {
			log_warnx("%d of %d agents connected after 10 s",
			    connected, nagents);
			return 1;
		}
	} while (connected < nagents);
	tick.tv_sec = 0;
	tick.tv_usec = 2000;

	feed = event_new(base, -1, 0, feed_cb, event_self_cbarg());
	check = event_new(base, -1, EV_PERSIST, check_cb, NULL);
	event_add(check, &tick);
	t0 = now_s();
	cpu = cpu_s();
	event_active(feed, EV_TIMEOUT, 0);
	event_base_dispatch(base);
	dt = now_s() - t0;
	cpu = cpu_s() - cpu;

	for (o = 0; o < nagents; o++)
		w[o] = agents[o].welcome_ms;
	qsort(w, nagents, sizeof(*w), cmp_dbl);
	printf("agents %d records %" PRIu64 " corpus %zu copies %" PRIu64
	    " wall_s %.3f records_per_s %.0f generator_cpu_s %.3f"
	    " welcome_p50_ms %.1f welcome_p99_ms %.1f welcome_max_ms %.1f\n",
	    nagents, pushed, ncorpus, copies, dt, (double)pushed / dt, cpu,
	    welcome_pct(w, 50), welcome_pct(w, 99), w[nagents - 1]);
	event_free(feed);
	event_free(check);
	for (o = 0; o < nagents; o++)
		push_destroy(agents[o].push);
	event_base_free(base);
	free(agents);
	free(w);
	free(token);
	return 0;
}
