/*
 * test_link.c: push (agent) and ingest (aggregator) over real TCP sockets on
 * 127.0.0.1, in one libevent loop: handshake, acked batches, refusals with
 * reasons (token, version, loopback), a HELLO over the small cap of
 * strangers, bad frames that close only their own connection, an
 * aggregator restarted mid-stream, an agent restarted on its spool, and
 * accept pausing on EMFILE, and group commit (batches acknowledged only
 * after their group's commit; a failed commit refuses them and they come
 * again).  Records carry a number k; the sink counts each k, so "exactly
 * once after dedupe" is a count.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "ingest.h"
#include "log.h"
#include "proto.h"
#include "push.h"
#include "tap.h"
#include "clock.h"

#define MAXK		60000
#define TOKEN		"s3cret"

static struct event_base *base;

/* The aggregator's side: what the callbacks saw. */
struct sink {
	int		 hellos;
	int		 gones;
	int		 heartbeats;
	char		 node[64];
	char		 agent_version[32];
	char		 gone_node[64];
	uint64_t	 batches;
	uint64_t	 records;	/* stored, duplicates included */
	uint64_t	 distinct;
	uint64_t	 dups;
	int		 fail;		/* the store fails: batch returns -1 */
	uint64_t	 stop_after;	/* set stop once this many batches are in */
	int		 stop;
	unsigned char	*seen;		/* times each k was stored */
	/* Group commit: batch() keeps the ks, commit() stores them. */
	int		*pend;
	size_t		 npend;
	int		 commits;
	int		 fail_commits;	/* the next this many with batches fail */
	int		 failed_commits;
};

static void
sink_hello(void *arg, const char *node, const char *version, int64_t wall_ns)
{
	struct sink *s = arg;

	s->hellos++;
	snprintf(s->node, sizeof(s->node), "%s", node);
	snprintf(s->agent_version, sizeof(s->agent_version), "%s", version);
}

/* Member "k" of a record's text, or -1. */
static int64_t
rec_k(const struct proto_rec *r)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o, *k;
	int64_t v = -1;

	o = tok != NULL ? json_tokener_parse_ex(tok, r->text, (int)r->len) :
	    NULL;
	json_tokener_free(tok);
	if (o != NULL && json_object_object_get_ex(o, "k", &k))
		v = json_object_get_int64(k);
	json_object_put(o);
	return v;
}

static int
sink_batch(void *arg, const char *node, const struct proto_rec *recs, size_t n)
{
	struct sink *s = arg;
	size_t i;
	int64_t v;

	if (s->fail)
		return -1;
	for (i = 0; i < n; i++) {
		if ((v = rec_k(&recs[i])) < 0)
			continue;
		if (v < 0 || v >= MAXK)
			continue;
		if (s->seen[v]++ == 0)
			s->distinct++;
		else
			s->dups++;
	}
	s->records += n;
	s->batches++;
	if (s->stop_after != 0 && s->batches >= s->stop_after)
		s->stop = 1;
	return 0;
}

static void
sink_stats(void *arg, const char *node, struct json_object *stats)
{
	((struct sink *)arg)->heartbeats++;
}

static void
sink_gone(void *arg, const char *node)
{
	struct sink *s = arg;

	s->gones++;
	snprintf(s->gone_node, sizeof(s->gone_node), "%s", node);
}

static const struct ingest_cb sink_cb = {
	sink_hello, sink_batch, sink_stats, sink_gone, NULL
};

/* As the store in a group: a batch is kept until the group commits. */
static int
group_batch(void *arg, const char *node, const struct proto_rec *recs,
    size_t n)
{
	struct sink *s = arg;
	size_t i;
	int64_t v;

	for (i = 0; i < n; i++)
		if ((v = rec_k(&recs[i])) >= 0 && s->npend < MAXK)
			s->pend[s->npend++] = (int)v;
	s->batches++;
	return 0;
}

static int
group_commit(void *arg, unsigned batches, size_t records)
{
	struct sink *s = arg;
	size_t i;
	int v;

	if (s->fail_commits > 0 && s->npend > 0) {
		s->fail_commits--;
		s->failed_commits++;
		s->npend = 0;		/* rolled back */
		return -1;
	}
	for (i = 0; i < s->npend; i++) {
		v = s->pend[i];
		if (v < 0 || v >= MAXK)
			continue;
		if (s->seen[v]++ == 0)
			s->distinct++;
		else
			s->dups++;
	}
	s->npend = 0;
	s->commits++;
	return 0;
}

static const struct ingest_cb group_cb = {
	sink_hello, group_batch, sink_stats, sink_gone, group_commit
};

static void
sink_init(struct sink *s)
{
	memset(s, 0, sizeof(*s));
	s->seen = calloc(MAXK, 1);
}

/* Records k in [from, to) of node, about 200 bytes each. */
static void
feed(struct push *p, const char *node, int from, int to)
{
	struct json_object *r;
	char id[64];
	int k;

	for (k = from; k < to; k++) {
		r = json_object_new_object();
		snprintf(id, sizeof(id), "%s-%d", node, k);
		json_object_object_add(r, "kind", json_object_new_string("test"));
		json_object_object_add(r, "node", json_object_new_string(node));
		json_object_object_add(r, "id", json_object_new_string(id));
		json_object_object_add(r, "t_ns", json_object_new_int64(
		    1700000000000000000LL + k));
		json_object_object_add(r, "k", json_object_new_int(k));
		json_object_object_add(r, "pad", json_object_new_string(
		    "0123456789012345678901234567890123456789012345678901234567890123456789"
		    "0123456789012345678901234567890123"));
		if (push_record(p, r) == -1)
			diag("push_record %d refused", k);
		json_object_put(r);
	}
}

/* Runs the loop until pred(arg) holds or ms pass; pred's last value. */
typedef int (*pred_fn)(void *);

struct until {
	pred_fn	 pred;
	void	*arg;
	int	 done;
};

static void
until_cb(evutil_socket_t fd, short events, void *arg)
{
	struct until *u = arg;

	if (u->pred != NULL && u->pred(u->arg)) {
		u->done = 1;
		event_base_loopbreak(base);
	}
}

static void
deadline_cb(evutil_socket_t fd, short events, void *arg)
{
	event_base_loopbreak(base);
}

static int
run_until(pred_fn pred, void *arg, int ms)
{
	struct until u = { pred, arg, 0 };
	struct timeval tick = { 0, 2000 }, tv = { ms / 1000, (ms % 1000) * 1000 };
	struct event *ev, *dl;

	ev = event_new(base, -1, EV_PERSIST, until_cb, &u);
	dl = evtimer_new(base, deadline_cb, NULL);
	event_add(ev, &tick);
	evtimer_add(dl, &tv);
	event_base_dispatch(base);
	event_free(ev);
	event_free(dl);
	if (!u.done && pred != NULL)
		u.done = pred(arg);
	return u.done;
}

static int
p_connected(void *arg)
{
	return push_connected(arg);
}

static int
p_drained(void *arg)
{
	return push_connected(arg) && push_unacked(arg) == 0;
}

static int
s_stopped(void *arg)
{
	return ((struct sink *)arg)->stop;
}

static int64_t
jint(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : -1;
}

static int64_t
stat_push(struct push *p, const char *key)
{
	struct json_object *o = push_stats(p);
	int64_t v = jint(o, key);

	json_object_put(o);
	return v;
}

static int64_t
stat_ingest(struct ingest *ig, const char *key)
{
	struct json_object *o = ingest_stats(ig);
	int64_t v = jint(o, key);

	json_object_put(o);
	return v;
}

struct push_wait {
	struct push	*p;
	const char	*key;
	int64_t		 min;
};

static int
p_stat_at_least(void *arg)
{
	struct push_wait *w = arg;

	return stat_push(w->p, w->key) >= w->min;
}

static struct push *
agent(const char *node, uint16_t port, const char *token, const char *spool)
{
	struct push_conf pc;
	char addr[64];

	snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);
	memset(&pc, 0, sizeof(pc));
	pc.aggregator = addr;
	pc.node = node;
	pc.token = token;
	pc.spool_path = spool;
	pc.spool_max = 64 << 20;
	pc.batch_max = 100;
	pc.flush_ms = 10;
	pc.retry_max_ms = 200;
	pc.heartbeat_ms = 100;
	return push_create(base, &pc);
}

static struct ingest *
aggregator(const char *listen, const char *token, struct sink *s)
{
	struct ingest_conf ic;

	memset(&ic, 0, sizeof(ic));
	ic.listen = listen;
	ic.token = token;
	ic.max_frame = PROTO_MIN_FRAME;
	return ingest_create(base, &ic, &sink_cb, s);
}

/* A hand-driven client for what a real agent never sends. */
struct raw {
	int		 fd;
	struct event	*ev;
	struct evbuffer	*in;
	int		 eof;
};

static void
raw_read_cb(evutil_socket_t fd, short events, void *arg)
{
	struct raw *r = arg;
	int n;

	n = evbuffer_read(r->in, fd, -1);
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
		r->eof = 1;
		event_del(r->ev);
	}
}

static struct raw *
raw_connect(uint16_t port)
{
	struct sockaddr_in sin;
	struct raw *r = calloc(1, sizeof(*r));

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	r->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(r->fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		diag("raw connect: %s", strerror(errno));
	evutil_make_socket_nonblocking(r->fd);
	r->in = evbuffer_new();
	r->ev = event_new(base, r->fd, EV_READ | EV_PERSIST, raw_read_cb, r);
	event_add(r->ev, NULL);
	return r;
}

static void
raw_send(struct raw *r, const void *p, size_t len)
{
	if (write(r->fd, p, len) != (ssize_t)len)
		diag("raw write: %s", strerror(errno));
}

static void
raw_send_buf(struct raw *r, struct proto_buf *b)
{
	raw_send(r, b->data, b->len);
	proto_buf_reset(b);
}

static void
raw_free(struct raw *r)
{
	event_free(r->ev);
	evbuffer_free(r->in);
	close(r->fd);
	free(r);
}

static int
r_eof(void *arg)
{
	return ((struct raw *)arg)->eof;
}

static int
r_has_frame(void *arg)
{
	struct raw *r = arg;

	return evbuffer_get_length(r->in) >= PROTO_HDRLEN || r->eof;
}

/* The type of the first frame the raw client got, -1 if none; REFUSE's reason. */
static int
raw_first(struct raw *r, char *reason, size_t len)
{
	struct proto_dec d;
	struct proto_msg m;
	size_t used, n = evbuffer_get_length(r->in);
	int type = -1;

	reason[0] = '\0';
	proto_dec_init(&d, PROTO_MAX_FRAME);
	if (n > 0 && proto_decode(&d, evbuffer_pullup(r->in, (ssize_t)n), n, &m,
	    &used) == PROTO_OK) {
		type = m.type;
		if (m.type == PROTO_REFUSE)
			snprintf(reason, len, "%s", m.reason);
		evbuffer_drain(r->in, used);
		proto_msg_clear(&m);
	}
	proto_dec_free(&d);
	return type;
}

/* A non-loopback IPv4 address of this host, for the loopback-only rule. */
static int
other_address(char *buf, size_t len)
{
	struct ifaddrs *ifa, *i;
	int found = 0;

	if (getifaddrs(&ifa) == -1)
		return 0;
	for (i = ifa; i != NULL && !found; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET)
			continue;
		if ((ntohl(((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr)
		    >> 24) == 127)
			continue;
		inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr,
		    buf, (socklen_t)len);
		found = 1;
	}
	freeifaddrs(ifa);
	return found;
}

int
main(void)
{
	struct sink s1, s2, s3, s4, s5;
	struct ingest *ig, *ig2, *ig3;
	struct push *p1, *p2, *p;
	struct push_wait w;
	struct proto_buf b = { 0 };
	struct raw *r;
	struct rlimit rl, low;
	struct json_object *o;
	const char *body;
	char reason[PROTO_REASON_MAX], addr[64], spool[128], dir[] =
	    "/tmp/test_link.XXXXXX";
	uint8_t hdr[PROTO_HDRLEN];
	uint32_t v;
	uint16_t port;
	uint64_t before, stored_before;
	double t0, dt;
	int i, type, fd, missing, fill[64], nfill;

	log_init("test_link", 1, 0);
	plan(75);
	base = event_base_new();
	if (mkdtemp(dir) == NULL)
		return 1;

	/* --- handshake and batches --- */
	sink_init(&s1);
	ig = aggregator("127.0.0.1:0", TOKEN, &s1);
	ok(ig != NULL, "aggregator listens on 127.0.0.1 (port %u)", ig ? ingest_port(ig) : 0);
	port = ingest_port(ig);
	p1 = agent("n1", port, TOKEN, NULL);
	ok(run_until(p_connected, p1, 3000), "agent n1 with the token: handshake ok");
	is_int(s1.hellos, 1, "hello callback called once");
	is_str(s1.node, "n1", "hello callback: node n1");
	is_str(s1.agent_version, STRATA_VERSION, "hello callback: agent version");
	feed(p1, "n1", 0, 1000);
	ok(run_until(p_drained, p1, 5000), "1000 records acked");
	is_int(s1.distinct, 1000, "the aggregator stored 1000 distinct records");
	is_int(s1.dups, 0, "and no duplicate");
	is_int(s1.batches, 10, "in 10 batches of 100");
	is_int(stat_push(p1, "acks"), 10, "the agent got 10 acks");
	feed(p1, "n1", 1000, 1050);
	ok(run_until(p_drained, p1, 3000), "a partial batch of 50 leaves after flush_ms");
	is_int(s1.distinct, 1050, "1050 records stored");
	run_until(NULL, NULL, 250);
	ok(s1.heartbeats >= 1, "heartbeats arrive (%d in 250 ms at 100 ms)",
	    s1.heartbeats);

	/* Batches are cut by bytes too: 5000 records of 200 bytes, 256 KiB cap. */
	{
		struct push_conf pc;
		char a[64];

		snprintf(a, sizeof(a), "127.0.0.1:%u", port);
		memset(&pc, 0, sizeof(pc));
		pc.aggregator = a;
		pc.node = "n8";
		pc.token = TOKEN;
		pc.batch_max = 5000;
		p = push_create(base, &pc);
		run_until(p_connected, p, 3000);
		before = s1.batches;
		feed(p, "n8", 50000, 55000);
		ok(run_until(p_drained, p, 5000) && s1.distinct == 6050,
		    "5000 records with batch_max 5000 against a 256 KiB cap: all stored");
		ok(s1.batches - before >= 4 && stat_push(p, "failures") == 0,
		    "in %" PRIu64 " frames under the cap, no refusal", s1.batches - before);
		push_destroy(p);
	}

	/* --- refusals --- */
	p2 = agent("n2", port, "wrong", NULL);
	w.p = p2;
	w.key = "refused";
	w.min = 1;
	ok(run_until(p_stat_at_least, &w, 3000), "agent n2 with a bad token is refused");
	o = push_stats(p2);
	ok(strstr(json_object_get_string(json_object_object_get(o, "last_error")),
	    "bad token") != NULL, "agent n2 knows why: %s",
	    json_object_get_string(json_object_object_get(o, "last_error")));
	json_object_put(o);
	is_int(stat_ingest(ig, "refused"), 1, "aggregator counted 1 refusal");
	is_int(s1.hellos, 2, "no hello callback for n2 (2: n1 and n8)");
	push_destroy(p2);

	r = raw_connect(port);
	proto_encode_raw(&b, 2, PROTO_HELLO, "{\"version\":2}", 13);
	raw_send_buf(r, &b);
	run_until(r_eof, r, 3000);
	type = raw_first(r, reason, sizeof(reason));
	ok(type == PROTO_REFUSE && strstr(reason, "version 2") != NULL,
	    "protocol version 2: REFUSE \"%s\"", reason);
	ok(r->eof, "and the connection is closed");
	raw_free(r);

	r = raw_connect(port);
	/* A well-formed HELLO whose body claims version 2. */
	proto_encode_raw(&b, PROTO_VERSION, PROTO_HELLO, "{\"version\":2,\"node\":"
	    "\"n3\",\"agent_version\":\"9.9\",\"token\":\"" TOKEN "\",\"wall_ns\":1}",
	    strlen("{\"version\":2,\"node\":\"n3\",\"agent_version\":\"9.9\","
	    "\"token\":\"" TOKEN "\",\"wall_ns\":1}"));
	raw_send_buf(r, &b);
	run_until(r_eof, r, 3000);
	type = raw_first(r, reason, sizeof(reason));
	ok(type == PROTO_REFUSE && strstr(reason, "version 2") != NULL,
	    "HELLO saying version 2: REFUSE \"%s\"", reason);
	raw_free(r);

	r = raw_connect(port);
	proto_encode_raw(&b, PROTO_VERSION, PROTO_BATCH, "{\"seq\":1,\"records\":[]}", 22);
	raw_send_buf(r, &b);
	run_until(r_eof, r, 3000);
	type = raw_first(r, reason, sizeof(reason));
	ok(type == PROTO_REFUSE && strstr(reason, "expected HELLO first") != NULL,
	    "anything before HELLO: REFUSE \"%s\"", reason);
	raw_free(r);

	/* Before HELLO a frame is small: refused from its header. */
	r = raw_connect(port);
	memcpy(hdr, "STRA", 4);
	hdr[4] = 0;
	hdr[5] = PROTO_VERSION;
	hdr[6] = 0;
	hdr[7] = PROTO_HELLO;
	v = htonl(PROTO_MIN_FRAME - PROTO_HDRLEN);
	memcpy(hdr + 8, &v, 4);
	raw_send(r, hdr, sizeof(hdr));
	run_until(r_has_frame, r, 3000);
	type = raw_first(r, reason, sizeof(reason));
	ok(type == PROTO_REFUSE && strstr(reason, "over the cap of 4096") != NULL,
	    "a HELLO of 256 KiB (the agents' cap) is refused at once: \"%s\"",
	    reason);
	raw_free(r);

	/* --- bad frames close only their own connection --- */
	before = (uint64_t)stat_ingest(ig, "closed_bad");
	r = raw_connect(port);
	proto_hello(&b, "big", "0", TOKEN, 0);
	raw_send_buf(r, &b);
	memcpy(hdr, "STRA", 4);
	hdr[4] = 0;
	hdr[5] = PROTO_VERSION;
	hdr[6] = 0;
	hdr[7] = PROTO_BATCH;
	v = htonl(1 << 20);
	memcpy(hdr + 8, &v, 4);
	raw_send(r, hdr, sizeof(hdr));
	run_until(r_eof, r, 3000);
	type = raw_first(r, reason, sizeof(reason));	/* WELCOME */
	type = raw_first(r, reason, sizeof(reason));
	ok(type == PROTO_REFUSE && strstr(reason, "over the cap") != NULL,
	    "a 1 MiB frame against a 256 KiB cap: REFUSE \"%s\"", reason);
	ok(r->eof, "and that connection is closed");
	raw_free(r);
	feed(p1, "n1", 2000, 2100);
	ok(run_until(p_drained, p1, 3000) && s1.distinct == 6150,
	    "agent n1 keeps working: 6150 records stored");

	r = raw_connect(port);
	proto_hello(&b, "trunc", "0", TOKEN, 0);
	raw_send_buf(r, &b);
	run_until(r_has_frame, r, 3000);
	type = raw_first(r, reason, sizeof(reason));
	ok(type == PROTO_WELCOME, "agent trunc: WELCOME");
	body = "{\"seq\":1,\"records\":[{\"id\":\"x\",\"k\":59999}]}";
	proto_encode_raw(&b, PROTO_VERSION, PROTO_BATCH, body, strlen(body));
	raw_send(r, b.data, 30);		/* then the connection closes */
	proto_buf_reset(&b);
	shutdown(r->fd, SHUT_WR);
	run_until(r_eof, r, 3000);
	ok(r->eof, "a frame cut after 30 of %zu bytes: connection closed",
	    PROTO_HDRLEN + strlen(body));
	is_str(s1.gone_node, "trunc", "gone callback for node trunc");
	is_int(s1.seen[59999], 0, "the truncated batch stored nothing");
	raw_free(r);

	r = raw_connect(port);
	raw_send(r, "GET / HTTP/1.0\r\n\r\n", 18);
	run_until(r_eof, r, 3000);
	type = raw_first(r, reason, sizeof(reason));
	ok(type == PROTO_REFUSE && strstr(reason, "bad magic") != NULL,
	    "garbage bytes: REFUSE \"%s\"", reason);
	raw_free(r);
	is_int(stat_ingest(ig, "closed_bad") - (int64_t)before, 3,
	    "3 connections closed as bad (oversized, truncated, garbage)");
	feed(p1, "n1", 2100, 2200);
	ok(run_until(p_drained, p1, 3000) && s1.distinct == 6250,
	    "agent n1 still works: 6250 records stored");
	is_int(stat_push(p1, "connects"), 1, "n1 never lost its connection");
	is_int(stat_push(p1, "failures"), 0, "n1 saw no failure");

	/* --- no token: loopback only --- */
	sink_init(&s2);
	ig2 = aggregator("127.0.0.1:0", NULL, &s2);
	p = agent("n4", ingest_port(ig2), NULL, NULL);
	ok(run_until(p_connected, p, 3000), "no token configured: loopback agent accepted");
	push_destroy(p);
	ingest_destroy(ig2);
	/* Without TLS or a token, not loopback: nobody could get in. */
	ok(aggregator("0.0.0.0:0", NULL, &s2) == NULL,
	    "no token, no TLS: the aggregator refuses to listen on 0.0.0.0");
	if (other_address(addr, sizeof(addr))) {
		struct push_conf pc;
		char a[96];

		ig3 = aggregator("0.0.0.0:0", TOKEN, &s2);
		snprintf(a, sizeof(a), "%s:%u", addr, ingest_port(ig3));
		memset(&pc, 0, sizeof(pc));
		pc.aggregator = a;
		pc.node = "n5";
		pc.token = TOKEN;
		pc.retry_max_ms = 200;
		p = push_create(base, &pc);
		ok(run_until(p_connected, p, 3000),
		    "with a token it does, and takes an agent from %s", addr);
		push_destroy(p);
		ingest_destroy(ig3);
	} else
		ok(1, "agent from another address # SKIP no non-loopback IPv4 "
		    "address");

	/* --- the aggregator stops mid-stream and comes back --- */
	sink_init(&s3);
	s3.stop_after = 12;
	ig2 = aggregator("127.0.0.1:0", NULL, &s3);
	port = ingest_port(ig2);
	snprintf(spool, sizeof(spool), "%s/n6.spool", dir);
	p = agent("n6", port, NULL, spool);
	run_until(p_connected, p, 3000);
	for (i = 0; i < 50 && !s3.stop; i++) {
		feed(p, "n6", i * 100, i * 100 + 100);
		run_until(s_stopped, &s3, 5);
	}
	ok(s3.stop, "aggregator stopped after %" PRIu64 " batches, %" PRIu64
	    " unacked at the agent", s3.batches, push_unacked(p));
	ingest_destroy(ig2);
	for (; i < 50; i++) {
		feed(p, "n6", i * 100, i * 100 + 100);
		run_until(NULL, NULL, 5);
	}
	ok(push_unacked(p) > 0 && !push_connected(p),
	    "while it is down, %" PRIu64 " records wait in the spool", push_unacked(p));
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);
	ig2 = aggregator(addr, NULL, &s3);
	ok(ig2 != NULL, "aggregator restarted on the same port");
	ok(run_until(p_drained, p, 10000), "the agent reconnects and drains its spool");
	is_int(s3.distinct, 5000, "every one of 5000 records arrived");
	for (missing = 0, i = 0; i < 5000; i++)
		missing += s3.seen[i] == 0;
	is_int(missing, 0, "none missing");
	ok(s3.records == s3.distinct + s3.dups, "%" PRIu64 " stored with %" PRIu64
	    " resent duplicates: exactly once after dedupe by id", s3.records, s3.dups);
	ok(s3.dups <= 400, "duplicates are at most the window (4 x 100): %" PRIu64,
	    s3.dups);
	is_int(stat_push(p, "connects"), 2, "the agent connected twice");
	is_int(s3.hellos, 2, "and said hello twice");
	is_int(s3.gones, 1, "gone callback once (when the aggregator stopped)");
	push_destroy(p);
	ingest_destroy(ig2);

	/* --- the agent restarts on its spool --- */
	sink_init(&s4);
	ig2 = aggregator("127.0.0.1:0", NULL, &s4);
	port = ingest_port(ig2);
	snprintf(spool, sizeof(spool), "%s/n7.spool", dir);
	p = agent("n7", port, NULL, spool);
	run_until(p_connected, p, 3000);
	feed(p, "n7", 0, 300);
	ok(run_until(p_drained, p, 5000) && s4.distinct == 300,
	    "300 records acked before the agent stops");
	s4.fail = 1;			/* the store fails: no ack */
	feed(p, "n7", 300, 500);
	run_until(NULL, NULL, 300);
	is_int(push_unacked(p), 200, "200 records unacked when the agent stops");
	ok(stat_ingest(ig2, "store_failures") >= 1, "aggregator refused batches "
	    "it could not store (%" PRId64 " times)", stat_ingest(ig2, "store_failures"));
	o = push_stats(p);
	ok(strstr(json_object_get_string(json_object_object_get(o, "last_error")),
	    "could not store") != NULL, "the agent was told: %s",
	    json_object_get_string(json_object_object_get(o, "last_error")));
	json_object_put(o);
	push_destroy(p);
	s4.fail = 0;
	stored_before = s4.records;
	p = agent("n7", port, NULL, spool);
	ok(p != NULL && push_unacked(p) == 200, "agent restarted on the same spool: "
	    "200 unacked");
	ok(run_until(p_drained, p, 5000), "and sends them");
	is_int(s4.records - stored_before, 200, "exactly 200 records arrive after "
	    "the restart");
	is_int(s4.distinct, 500, "500 distinct records stored in all");
	for (missing = 0, i = 0; i < 300; i++)
		missing += s4.seen[i] != 1;
	is_int(missing, 0, "none of the 300 acked records was sent again");
	push_destroy(p);
	ingest_destroy(ig2);

	/* --- EMFILE: accepting pauses for a second --- */
	port = ingest_port(ig);
	run_until(NULL, NULL, 200);	/* deferred closes of the tests above */
	r = raw_connect(port);
	getrlimit(RLIMIT_NOFILE, &rl);
	fd = dup(0);
	close(fd);
	low = rl;
	low.rlim_cur = (rlim_t)fd + 64;
	setrlimit(RLIMIT_NOFILE, &low);
	for (nfill = 0; nfill < 64 && (fill[nfill] = dup(0)) != -1; nfill++)
		;			/* no descriptor left */
	run_until(NULL, NULL, 50);
	while (nfill > 0)
		close(fill[--nfill]);
	setrlimit(RLIMIT_NOFILE, &rl);
	is_int(stat_ingest(ig, "accept_pauses"), 1, "out of descriptors: accepting paused once");
	o = ingest_stats(ig);
	ok(!json_object_get_boolean(json_object_object_get(o, "accepting")),
	    "not accepting during the pause");
	json_object_put(o);
	proto_hello(&b, "late", "0", TOKEN, 0);
	raw_send_buf(r, &b);
	t0 = now_s();
	run_until(r_has_frame, r, 3000);
	dt = now_s() - t0;
	type = raw_first(r, reason, sizeof(reason));
	ok(type == PROTO_WELCOME && dt > 0.8 && dt < 2.0,
	    "the waiting agent is accepted after the pause (%.2f s)", dt);
	raw_free(r);

	/* --- group commit --- */
	{
		struct ingest_conf ic;
		struct push *gp[8];
		char node[16];
		int j, all;

		sink_init(&s5);
		s5.pend = calloc(MAXK, sizeof(*s5.pend));
		memset(&ic, 0, sizeof(ic));
		ic.listen = "127.0.0.1:0";
		ic.token = TOKEN;
		ig3 = ingest_create(base, &ic, &group_cb, &s5);
		ok(ig3 != NULL, "group commit: an ingest with a commit callback");
		/* The first commit fails: its batches must come again. */
		s5.fail_commits = 1;
		for (j = 0; j < 8; j++) {
			snprintf(node, sizeof(node), "g%d", j);
			gp[j] = agent(node, ingest_port(ig3), TOKEN, NULL);
		}
		for (j = 0; j < 8; j++)
			run_until(p_connected, gp[j], 3000);
		for (j = 0; j < 8; j++)
			feed(gp[j], "g", 20000 + j * 1000, 20000 + j * 1000 + 1000);
		for (j = 0, all = 1; j < 8; j++)
			all &= run_until(p_drained, gp[j], 10000);
		ok(all, "8 agents, 1000 records each: every record acknowledged");
		is_int(s5.failed_commits, 1, "one group's commit failed");
		is_int(s5.distinct, 8000, "every record is stored after the "
		    "commits: those of the failed group were sent again, not "
		    "acknowledged");
		is_int(s5.dups, 0, "and none twice");
		ok(s5.commits > 0 && (uint64_t)s5.commits < s5.batches,
		    "%" PRIu64 " batches in %d commits", s5.batches, s5.commits);
		for (j = 0, missing = 0; j < 8; j++)
			missing += stat_push(gp[j], "refused") > 0;
		ok(missing >= 1, "the failed group's agents were refused (%d "
		    "of 8) and sent again", missing);
		is_int(stat_ingest(ig3, "groups"), s5.commits + s5.failed_commits,
		    "ingest's stats count the groups");
		ok(stat_ingest(ig3, "sliced") > 0 &&
		    (uint64_t)stat_ingest(ig3, "sliced") <= s5.batches,
		    "batches of more than 32 records were stored in slices "
		    "(%" PRIu64 " of %" PRIu64 " batch calls), none lost or "
		    "stored twice across the failed commit",
		    (uint64_t)stat_ingest(ig3, "sliced"), s5.batches);
		for (j = 0; j < 8; j++)
			push_destroy(gp[j]);
		ingest_destroy(ig3);
		free(s5.pend);
		free(s5.seen);
	}

	/* --- throughput, one process doing both ends --- */
	before = s1.distinct;
	t0 = now_s();
	for (i = 10000; i < 50000; i += 1000) {
		feed(p1, "n1", i, i + 1000);
		run_until(NULL, NULL, 0);
	}
	ok(run_until(p_drained, p1, 20000), "40000 more records acked");
	dt = now_s() - t0;
	is_int(s1.distinct - before, 40000, "40000 distinct stored");
	diag("push+ingest in one process: %.0f records/s (200-byte records)",
	    40000 / dt);
	ok(40000 / dt > 10000, "over 10000 records/s even sharing one core");

	push_destroy(p1);
	ingest_destroy(ig);
	is_int(s1.gones, 5, "gone was called for n8, big, trunc, late and, by "
	    "ingest_destroy, n1");
	proto_buf_free(&b);
	snprintf(spool, sizeof(spool), "%s/n6.spool", dir);
	unlink(spool);
	snprintf(spool, sizeof(spool), "%s/n7.spool", dir);
	unlink(spool);
	rmdir(dir);
	free(s1.seen);
	free(s2.seen);
	free(s3.seen);
	free(s4.seen);
	event_base_free(base);
	return exit_status();
}
