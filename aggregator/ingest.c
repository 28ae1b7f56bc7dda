/*
 * ingest.c: the aggregator's side of the agent protocol (ingest.h,
 * lib/proto.h).  Listens, and runs one small state machine per agent:
 *
 *	HELLO --good HELLO--> READY --bad frame, store failure--> CLOSING
 *	  |                                                          |
 *	  +--anything else, bad version, token or name: REFUSE ------+--> freed
 *
 * With TLS (lib/tls.h) a connection first completes a handshake with a
 * client certificate from the CA, and its HELLO must name a node the
 * certificate names.  Every refusal and every bad frame is logged with its
 * reason and sent to the agent in a REFUSE before that connection (only
 * that one) closes.  A batch is acknowledged only after the batch
 * callback stored it.
 *
 * A connection that has not said a good HELLO is a stranger, and a
 * stranger costs little: its first frame is capped at PROTO_SMALL_FRAME,
 * it has INGEST_HELLO_S from accept (not from its last byte) to finish
 * TLS and HELLO, and what is logged about strangers is rate-limited per
 * peer address (the rest is counted in log_suppressed).
 */
#define _GNU_SOURCE		/* accept4 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <signal.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "fdbudget.h"
#include "ingest.h"
#include "clock.h"
#include "log.h"
#include "proto.h"
#include "sock.h"
#include "tls.h"

#define INGEST_HELLO_S		10	/* from accept, to finish TLS and HELLO */
#define INGEST_IDLE_S		120	/* an agent silent this long is gone (heartbeats are 10 s) */
#define INGEST_CLOSE_S		5	/* a REFUSE has this long to leave */
#define INGEST_ACCEPT_MAX	64	/* connections accepted per wakeup */
#define INGEST_BACKLOG		4096	/* connections waiting to be accepted */
#define INGEST_READ_MAX		(256 * 1024)
#define INGEST_HELLO_READ	(16 * 1024)	/* what a stranger gets read at once */
#define INGEST_PEERS		128	/* peers whose failures are rate-limited */
#define INGEST_PEER_QUIET_S	600	/* a peer's same failure is logged again after */
#define INGEST_LOG_PER_S	10	/* lines about strangers a second, all peers */
#define INGEST_TRIM_BYTES	(1024 * 1024)	/* a frame this big: trim the heap after */
/*
 * With group commit: a group takes frames for this long (from its first
 * batch), or this many records, then it is committed and the connections
 * with more wait for the next: a pass of the event loop stays short, so
 * the control socket's requests between passes wait little.
 */
#define INGEST_GROUP_NS		(10 * 1000000ULL)
#define INGEST_GROUP_RECORDS	5000
/*
 * A batch of more records than a slice is stored a slice at a time, for
 * at most INGEST_TURN_NS of a pass, so a control request waits for one
 * turn, not for a whole batch of 500 (25-50 ms of store work); the batch
 * is acked once its last slice is in a committed group.
 */
#define INGEST_SLICE		32
#define INGEST_TURN_NS		(2 * 1000000ULL)

enum conn_state {
	CONN_HELLO,		/* nothing but HELLO is accepted */
	CONN_READY,		/* BATCH, HEARTBEAT */
	CONN_CLOSING,		/* REFUSE queued; freed once it is written */
};

/* Why a connection closes, for the counters and the log's rate limit. */
enum conn_why {
	WHY_AGENT,		/* a node's connection: store failure, it gave up */
	WHY_GARBAGE,		/* bad frames, cut mid-frame, socket errors */
	WHY_REFUSED,		/* a HELLO refused: version, token, name */
	WHY_TIMEOUT,		/* no HELLO in time, or silent for too long */
};

struct ingest_conn {
	TAILQ_ENTRY(ingest_conn) entry;
	struct ingest		*ig;
	struct bufferevent	*bev;
	struct event		*deadline;	/* HELLO, then CLOSING: absolute */
	struct event		*linger;	/* a failed TLS handshake's way out */
	enum conn_state		 state;
	char			 addr[INET6_ADDRSTRLEN + 16];
	char			 host[INET6_ADDRSTRLEN];	/* addr without the port */
	int			 loopback;
	SSL			*ssl;		/* with TLS; the bufferevent owns it */
	int			 tls_up;	/* handshake done */
	char			 cert[160];	/* the peer certificate's names */
	int			 big;		/* buffered a big frame: trim after */
	char			*node;		/* after a good HELLO */
	char			*agent_version;
	int64_t			 since_ns;
	struct proto_dec	 dec;
	uint64_t		 frames;
	uint64_t		 batches;
	uint64_t		 records;
	uint64_t		 last_seq;
	/* Group commit: its batches in the open group, acked after it. */
	uint64_t		*acks;
	unsigned		 nacks, ackcap;
	TAILQ_ENTRY(ingest_conn) ack_entry;	/* in ig->acking */
	/* Committed, acked once commit gen is durable (ingest_durable()). */
	struct ingest_wack {
		uint64_t	 seq, gen;
	}			*wacks;
	unsigned		 nwacks, wackcap;
	TAILQ_ENTRY(ingest_conn) wack_entry;	/* in ig->waiting */
	int			 deferred;	/* in ig->deferred */
	TAILQ_ENTRY(ingest_conn) def_entry;
	/* A batch being stored slice by slice; its reads wait meanwhile. */
	struct proto_batch	*slice;		/* the batch's records */
	size_t			 slice_at;	/* the next one to store */
	size_t			 slice_kept;	/* those in committed groups */
	uint64_t		 slice_seq;
	TAILQ_ENTRY(ingest_conn) slice_entry;	/* in ig->slicing */
};

/*
 * A peer whose failures of one kind were logged lately.  The kind is the
 * format of the message (one per place that refuses) or TLS's reason, a
 * static string: compared as a pointer.
 */
struct ingest_peer {
	char			 host[INET6_ADDRSTRLEN];
	const void		*kind;
	uint64_t		 last_ns;	/* monotonic, of its last failure */
	uint64_t		 quiet_until_ns; /* logged again after this */
	uint64_t		 suppressed;	/* not logged since its last line */
};

struct ingest {
	struct event_base	*base;
	struct ingest_cb	 cb;
	void			*arg;
	char			*listen;
	char			*token;		/* NULL: TLS or loopback agents only */
	SSL_CTX			*tls;		/* NULL: no TLS */
	uint32_t		 max_frame;
	int			 fd;
	uint16_t		 port;
	int			 loopback;	/* the listener is on loopback */
	struct event		*ev_accept;
	struct event		*ev_resume;
	struct event		*ev_trim;
	int			 paused;
	unsigned		 pauses_now;	/* pauses since accept last worked */
	TAILQ_HEAD(, ingest_conn) conns;
	unsigned		 nconns;
	/* Group commit (cb.commit): what waits for the group's commit. */
	struct event		*ev_commit;
	TAILQ_HEAD(, ingest_conn) acking;	/* with batches in the group */
	TAILQ_HEAD(, ingest_conn) waiting;	/* with batches not yet durable */
	TAILQ_HEAD(, ingest_conn) deferred;	/* frames left for the next */
	struct event		*ev_deferred;	/* their next turn */
	int			 resuming;	/* in that turn */
	TAILQ_HEAD(, ingest_conn) slicing;	/* batches stored in slices */
	struct event		*ev_slice;
	uint64_t		 sliced;		/* batches stored in slices */
	unsigned		 group_records;
	uint64_t		 group_t0;	/* its first batch, monotonic */
	uint64_t		 groups;
	uint64_t		 group_batches;
	struct proto_buf	 out;
	struct ingest_peer	 peers[INGEST_PEERS];
	unsigned		 npeers;
	uint64_t		 log_sec;	/* the second log_in_sec counts */
	unsigned		 log_in_sec;

	uint64_t		 accepted;
	uint64_t		 hellos;
	uint64_t		 refused;	/* handshakes refused */
	uint64_t		 closed_bad;	/* bad frames, truncated, timeouts */
	uint64_t		 tls_failed;	/* TLS handshakes that failed */
	uint64_t		 log_suppressed; /* lines about strangers not logged */
	uint64_t		 frames;
	uint64_t		 batches;
	uint64_t		 records;
	uint64_t		 store_failures;
	uint64_t		 accept_pauses;
};

static void	ingest_commit_soon(struct ingest *);
static int	conn_ack_durable(struct ingest_conn *, unsigned, uint64_t);
static void	ingest_slice_soon(struct ingest *);
static void	ingest_deferred_soon(struct ingest *);
static void	slice_end(struct ingest_conn *);
static void	conn_read_cb(struct bufferevent *, void *);

static const char *
conn_name(struct ingest_conn *c)
{
	return c->node != NULL ? c->node : "(no HELLO yet)";
}

/* glibc keeps freed heap; a big frame's buffers go back a second later. */
static void
ingest_trim_cb(evutil_socket_t fd, short events, void *arg)
{
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

/* Arms a timer sec seconds away unless it is armed already. */
static void
timer_soon(struct event *ev, time_t sec)
{
	struct timeval tv = { sec, 0 };

	if (!evtimer_pending(ev, NULL))
		evtimer_add(ev, &tv);
}

static void
ingest_trim_soon(struct ingest *ig)
{
	timer_soon(ig->ev_trim, 1);
}

static void
conn_free(struct ingest_conn *c)
{
	struct ingest *ig = c->ig;
	int was_ready = c->node != NULL;

	TAILQ_REMOVE(&ig->conns, c, entry);
	ig->nconns--;
	if (c->nacks > 0)
		TAILQ_REMOVE(&ig->acking, c, ack_entry);
	if (c->nwacks > 0)
		TAILQ_REMOVE(&ig->waiting, c, wack_entry);
	free(c->wacks);
	if (c->deferred)
		TAILQ_REMOVE(&ig->deferred, c, def_entry);
	if (c->slice != NULL)
		slice_end(c);
	free(c->acks);
	if (c->deadline != NULL)
		event_free(c->deadline);
	if (c->linger != NULL)
		event_free(c->linger);
	bufferevent_free(c->bev);	/* and its SSL */
	proto_dec_free(&c->dec);
	if (was_ready && ig->cb.gone != NULL)
		ig->cb.gone(ig->arg, c->node);
	if (c->big)
		ingest_trim_soon(ig);
	free(c->node);
	free(c->agent_version);
	free(c);
}

/* The entry of host for failures of a kind; the oldest one makes room. */
static struct ingest_peer *
peer_get(struct ingest *ig, const char *host, const void *kind)
{
	struct ingest_peer *p, *old = NULL;
	unsigned i;

	for (i = 0; i < ig->npeers; i++) {
		p = &ig->peers[i];
		if (p->kind == kind && strcmp(p->host, host) == 0)
			return p;
		if (old == NULL || p->last_ns < old->last_ns)
			old = p;
	}
	p = ig->npeers < INGEST_PEERS ? &ig->peers[ig->npeers++] : old;
	memset(p, 0, sizeof(*p));
	snprintf(p->host, sizeof(p->host), "%s", host);
	p->kind = kind;
	return p;
}

/*
 * A line about a stranger (a connection without a good HELLO): once per
 * peer and kind of failure every INGEST_PEER_QUIET_S, and at most
 * INGEST_LOG_PER_S a second for all peers together, so that a scan, a
 * flood of garbage or an agent retrying with an expired certificate does
 * not fill the log.  The rest is counted in log_suppressed, and the
 * peer's next line says how many of its own were left out.
 */
static void
conn_log_stranger(struct ingest_conn *c, const void *kind, const char *msg)
{
	struct ingest *ig = c->ig;
	struct ingest_peer *p = peer_get(ig, c->host, kind);
	uint64_t now = clock_mono_ns();
	char more[128];

	if ((p->last_ns != 0 && now < p->quiet_until_ns) ||
	    (now / 1000000000ULL == ig->log_sec &&
	    ig->log_in_sec >= INGEST_LOG_PER_S)) {
		p->last_ns = now;
		p->suppressed++;
		ig->log_suppressed++;
		return;
	}
	if (now / 1000000000ULL != ig->log_sec) {
		ig->log_sec = now / 1000000000ULL;
		ig->log_in_sec = 0;
	}
	ig->log_in_sec++;
	if (p->suppressed > 0)
		snprintf(more, sizeof(more), " (and %" PRIu64 " more like it "
		    "from %s, not logged)", p->suppressed, c->host);
	else if (p->last_ns == 0)
		snprintf(more, sizeof(more), " (more like it from %s in the "
		    "next %d s are only counted)", c->host, INGEST_PEER_QUIET_S);
	else
		more[0] = '\0';
	log_warnx("ingest: agent %s from %s: %s%s", conn_name(c), c->addr, msg,
	    more);
	p->last_ns = now;
	p->quiet_until_ns = now + INGEST_PEER_QUIET_S * 1000000000ULL;
	p->suppressed = 0;
}

/* Logs why c closes: a stranger through the rate limit, an agent always. */
static void
conn_log(struct ingest_conn *c, const void *kind, const char *msg)
{
	if (c->state == CONN_READY)
		log_warnx("ingest: agent %s from %s: %s", conn_name(c), c->addr,
		    msg);
	else
		conn_log_stranger(c, kind, msg);
}

/* Queues the frame encoded in ig->out on c. */
static int
conn_queue(struct ingest_conn *c)
{
	struct ingest *ig = c->ig;
	int rv;

	rv = evbuffer_add(bufferevent_get_output(c->bev), ig->out.data, ig->out.len);
	proto_buf_reset(&ig->out);
	return rv;
}

/*
 * Closing: the REFUSE is written, then the write side shut (after TLS's
 * close_notify); what the agent still sends is read and dropped until it
 * closes, so its unread batches do not turn our close into a reset that
 * would lose the REFUSE on its side.  The deadline frees it in any case.
 */
static void
conn_discard_cb(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);

	evbuffer_drain(in, evbuffer_get_length(in));
}

static void
conn_drained_cb(struct bufferevent *bev, void *arg)
{
	struct ingest_conn *c = arg;

	if (c->ssl != NULL) {
		SSL_shutdown(c->ssl);
		ERR_clear_error();
	}
	shutdown(bufferevent_getfd(bev), SHUT_WR);
	bufferevent_disable(bev, EV_WRITE);
}

static void
conn_closing_event_cb(struct bufferevent *bev, short events, void *arg)
{
	conn_free(arg);
}

/*
 * Logs why, tells the agent in a REFUSE and closes once that is written.
 * Always returns -1, for the caller to stop reading from c.
 */
static int
conn_refuse(struct ingest_conn *c, enum conn_why why, const char *fmt, ...)
{
	struct ingest *ig = c->ig;
	struct timeval tv = { INGEST_CLOSE_S, 0 };
	char msg[PROTO_REASON_MAX + 16];
	va_list ap;
	int n;

	n = snprintf(msg, sizeof(msg), "closing: ");
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	conn_log(c, fmt, msg);
	if (why == WHY_GARBAGE || why == WHY_TIMEOUT)
		ig->closed_bad++;
	if (c->state == CONN_HELLO && why == WHY_REFUSED)
		ig->refused++;
	if (c->state != CONN_READY) {
		free(c->node);		/* never said a good HELLO: no gone() */
		c->node = NULL;
	}
	c->state = CONN_CLOSING;
	conn_discard_cb(c->bev, c);
	/* Not even TLS is up: nothing can be said. */
	if ((c->ssl != NULL && !c->tls_up) ||
	    proto_refuse(&ig->out, msg + n) == -1 || conn_queue(c) == -1) {
		conn_free(c);
		return -1;
	}
	bufferevent_setcb(c->bev, conn_discard_cb, conn_drained_cb,
	    conn_closing_event_cb, c);
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
	bufferevent_set_timeouts(c->bev, NULL, NULL);
	evtimer_add(c->deadline, &tv);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	return -1;
}

/* Compares without leaking where the first difference is. */
static int
token_eq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i;
	unsigned char d = la != lb;

	for (i = 0; i < la; i++)
		d |= (unsigned char)(a[i] ^ b[lb ? i % lb : 0]);
	return d == 0;
}

static int
conn_hello(struct ingest_conn *c, struct proto_msg *msg)
{
	struct ingest *ig = c->ig;
	struct ingest_conn *o, *next;
	struct timeval tv = { INGEST_IDLE_S, 0 };
	char how[200];

	if (msg->version != PROTO_VERSION)
		return conn_refuse(c, WHY_REFUSED, "unsupported protocol version %"
		    PRId64 " (this aggregator speaks %d)", msg->version,
		    PROTO_VERSION);
	/* With TLS, the certificate says who the agent is. */
	if (c->ssl != NULL && !tls_peer_is(c->ssl, msg->node))
		return conn_refuse(c, WHY_REFUSED, "node %s is not a name of "
		    "its certificate (%s)", msg->node, c->cert);
	if (ig->token != NULL) {
		if (msg->token == NULL || !token_eq(ig->token, msg->token))
			return conn_refuse(c, WHY_REFUSED, "bad token for node %s",
			    msg->node);
	} else if (c->ssl == NULL && !c->loopback)
		return conn_refuse(c, WHY_REFUSED, "no token configured on the "
		    "aggregator: only agents on loopback are accepted");

	/*
	 * A node has one connection: a new one replaces a half-dead one, whose
	 * gone() comes now, before the new hello().
	 */
	for (o = TAILQ_FIRST(&ig->conns); o != NULL; o = next) {
		next = TAILQ_NEXT(o, entry);
		if (o == c || o->node == NULL || strcmp(o->node, msg->node) != 0)
			continue;
		log_info("ingest: node %s connected again from %s; closing its "
		    "connection from %s", msg->node, c->addr, o->addr);
		if (o->state == CONN_READY) {
			conn_free(o);
			continue;
		}
		if (ig->cb.gone != NULL)
			ig->cb.gone(ig->arg, o->node);
		free(o->node);
		o->node = NULL;
	}

	if ((c->node = strdup(msg->node)) == NULL ||
	    (c->agent_version = strdup(msg->agent_version)) == NULL) {
		log_warn("%s", __func__);
		return conn_refuse(c, WHY_AGENT, "out of memory");
	}
	c->state = CONN_READY;
	c->since_ns = clock_wall_ns();
	ig->hellos++;
	/* An agent now: its frames may be as big as WELCOME says. */
	evtimer_del(c->deadline);
	c->dec.max_frame = ig->max_frame;
	bufferevent_set_max_single_read(c->bev, INGEST_READ_MAX);
	bufferevent_set_timeouts(c->bev, &tv, NULL);
	if (proto_welcome(&ig->out, ig->max_frame, STRATA_VERSION) == -1 ||
	    conn_queue(c) == -1)
		return conn_refuse(c, WHY_AGENT, "cannot queue WELCOME");
	if (c->ssl != NULL)
		snprintf(how, sizeof(how), ", TLS, certificate %s%s", c->cert,
		    ig->token ? ", token" : "");
	else
		snprintf(how, sizeof(how), "%s", ig->token ? "" :
		    ", loopback, no token");
	log_info("ingest: node %s connected from %s (agent %s%s)", c->node,
	    c->addr, c->agent_version, how);
	if (ig->cb.hello != NULL)
		ig->cb.hello(ig->arg, c->node, c->agent_version, msg->wall_ns);
	ingest_commit_soon(ig);
	return 0;
}

/*
 * Group commit: the store's writes of this pass of the event loop (and
 * of the next, whose reads come before the timer) are committed together
 * by a zero timer; the batches wait in their connections' acks.
 */
static void
ingest_commit_soon(struct ingest *ig)
{
	if (ig->cb.commit != NULL)
		timer_soon(ig->ev_commit, 0);
}

/*
 * The open group took enough, or a batch is being stored in slices: more
 * frames wait for the next group in their sockets, not parsed in memory.
 */
static int
ingest_group_full(struct ingest *ig)
{
	if (!TAILQ_EMPTY(&ig->slicing))
		return 1;
	return ig->group_batches > 0 &&
	    (ig->group_records >= INGEST_GROUP_RECORDS ||
	    clock_mono_ns() - ig->group_t0 >= INGEST_GROUP_NS);
}

/* Batch seq of c is in the open group: acked after its commit. */
static int
conn_ack_later(struct ingest_conn *c, uint64_t seq, size_t n)
{
	struct ingest *ig = c->ig;
	uint64_t *a;

	if (c->nacks == c->ackcap) {
		if ((a = reallocarray(c->acks, c->ackcap ? c->ackcap * 2 : 4,
		    sizeof(*a))) == NULL) {
			log_warn("%s", __func__);
			return -1;
		}
		c->acks = a;
		c->ackcap = c->ackcap ? c->ackcap * 2 : 4;
	}
	if (c->nacks == 0)
		TAILQ_INSERT_TAIL(&ig->acking, c, ack_entry);
	c->acks[c->nacks++] = seq;
	ig->group_records += n;
	ig->group_batches++;
	ingest_commit_soon(ig);
	return 0;
}

/*
 * The group's commit: every batch in it is acknowledged, or, if the
 * commit failed, its connection refused (the agent sends it again).
 * Then the connections that stopped reading for the group's size go on,
 * in the order they stopped, into the next group until it is full: in
 * turns of their own (ingest_deferred_cb), not in this callback, so that
 * a control request waits for the commit or for a turn, not for both.
 */
static void
ingest_commit_cb(evutil_socket_t fd, short events, void *arg)
{
	struct ingest *ig = arg;
	struct ingest_conn *c;
	unsigned i, n, nbatches = (unsigned)ig->group_batches;
	uint64_t gen = 0;
	int ok;

	ok = ig->cb.commit(ig->arg, nbatches, ig->group_records, &gen) == 0;
	/* The slices of a failed group are gone: stored again from there. */
	TAILQ_FOREACH(c, &ig->slicing, slice_entry) {
		if (ok)
			c->slice_kept = c->slice_at;
		else
			c->slice_at = c->slice_kept;
	}
	ig->groups++;
	ig->group_records = 0;
	ig->group_batches = 0;
	while ((c = TAILQ_FIRST(&ig->acking)) != NULL) {
		TAILQ_REMOVE(&ig->acking, c, ack_entry);
		n = c->nacks;
		c->nacks = 0;
		if (c->state != CONN_READY)
			continue;
		if (!ok) {
			ig->store_failures++;
			conn_refuse(c, WHY_AGENT, "the aggregator could not "
			    "store batch %" PRIu64 " (its group of %u batches "
			    "failed to commit); send it again later",
			    c->acks[0], nbatches);
			continue;
		}
		if (gen > 0) {
			if (conn_ack_durable(c, n, gen) == -1)
				conn_refuse(c, WHY_AGENT, "out of memory");
			continue;
		}
		for (i = 0; i < n; i++)
			if (proto_ack(&ig->out, c->acks[i]) == -1 ||
			    conn_queue(c) == -1) {
				conn_refuse(c, WHY_AGENT, "cannot queue ACK");
				break;
			}
	}
	ingest_deferred_soon(ig);
}

/* c's n batches of the group just committed wait for commit gen's sync. */
static int
conn_ack_durable(struct ingest_conn *c, unsigned n, uint64_t gen)
{
	struct ingest_wack *w;
	unsigned i, cap;

	if (c->nwacks + n > c->wackcap) {
		for (cap = c->wackcap ? c->wackcap : 4; cap < c->nwacks + n;
		    cap *= 2)
			;
		if ((w = reallocarray(c->wacks, cap, sizeof(*w))) == NULL) {
			log_warn("%s", __func__);
			return -1;
		}
		c->wacks = w;
		c->wackcap = cap;
	}
	if (c->nwacks == 0 && n > 0)
		TAILQ_INSERT_TAIL(&c->ig->waiting, c, wack_entry);
	for (i = 0; i < n; i++) {
		c->wacks[c->nwacks].seq = c->acks[i];
		c->wacks[c->nwacks++].gen = gen;
	}
	return 0;
}

void
ingest_durable(struct ingest *ig, uint64_t gen, int ok)
{
	TAILQ_HEAD(, ingest_conn) later = TAILQ_HEAD_INITIALIZER(later);
	struct ingest_conn *c;
	unsigned i, k;
	int refused;

	while ((c = TAILQ_FIRST(&ig->waiting)) != NULL) {
		TAILQ_REMOVE(&ig->waiting, c, wack_entry);
		if (c->state != CONN_READY) {
			c->nwacks = 0;
			continue;
		}
		refused = 0;
		for (i = 0; i < c->nwacks && c->wacks[i].gen <= gen; i++)
			if (proto_ack(&ig->out, c->wacks[i].seq) == -1 ||
			    conn_queue(c) == -1) {
				c->nwacks = 0;
				/* May free c. */
				conn_refuse(c, WHY_AGENT, "cannot queue ACK");
				refused = 1;
				break;
			}
		if (refused)
			continue;
		if (i == c->nwacks) {
			c->nwacks = 0;	/* all acked */
			continue;
		}
		if (!ok) {
			c->nwacks = 0;
			ig->store_failures++;
			conn_refuse(c, WHY_AGENT, "the aggregator could not "
			    "make batch %" PRIu64 " durable (a sync of its "
			    "store failed); send it again later",
			    c->wacks[i].seq);
			continue;
		}
		for (k = 0; i < c->nwacks; i++, k++)
			c->wacks[k] = c->wacks[i];
		c->nwacks = k;
		TAILQ_INSERT_TAIL(&later, c, wack_entry);
	}
	while ((c = TAILQ_FIRST(&later)) != NULL) {
		TAILQ_REMOVE(&later, c, wack_entry);
		TAILQ_INSERT_TAIL(&ig->waiting, c, wack_entry);
	}
}

/* The waiting connections' next turn, if the open group has room. */
static void
ingest_deferred_soon(struct ingest *ig)
{
	if (!TAILQ_EMPTY(&ig->deferred) && !ingest_group_full(ig))
		timer_soon(ig->ev_deferred, 0);
}

/*
 * One turn of the connections that waited for a commit, in the order
 * they stopped, for at most INGEST_TURN_NS or until the open group is
 * full.  Meanwhile a connection with new frames reads behind them
 * (conn_read_cb): the first to stop is the first to go on.
 */
static void
ingest_deferred_cb(evutil_socket_t fd, short events, void *arg)
{
	struct ingest *ig = arg;
	struct ingest_conn *c;
	uint64_t t0 = clock_mono_ns();

	ig->resuming = 1;
	while (!ingest_group_full(ig) &&
	    clock_mono_ns() - t0 < INGEST_TURN_NS &&
	    (c = TAILQ_FIRST(&ig->deferred)) != NULL) {
		TAILQ_REMOVE(&ig->deferred, c, def_entry);
		c->deferred = 0;
		bufferevent_enable(c->bev, EV_READ);
		conn_read_cb(c->bev, c);	/* may free c */
	}
	ig->resuming = 0;
	ingest_deferred_soon(ig);
}

/* Batch seq of c could not be stored; -1: c is closing. */
static int
conn_store_failed(struct ingest_conn *c, uint64_t seq)
{
	/* A failed group ends at its commit: the next may work. */
	ingest_commit_soon(c->ig);
	c->ig->store_failures++;
	return conn_refuse(c, WHY_AGENT, "the aggregator could not store "
	    "batch %" PRIu64 "; send it again later", seq);
}

/* Batch seq of c, n records, is in the store: its ack, now or after. */
static int
conn_batch_stored(struct ingest_conn *c, uint64_t seq, size_t n)
{
	struct ingest *ig = c->ig;

	c->batches++;
	c->records += n;
	c->last_seq = seq;
	ig->batches++;
	ig->records += n;
	if (ig->cb.commit != NULL) {
		if (conn_ack_later(c, seq, n) == -1)
			return conn_refuse(c, WHY_AGENT, "out of memory");
		return 0;
	}
	if (proto_ack(&ig->out, seq) == -1 || conn_queue(c) == -1)
		return conn_refuse(c, WHY_AGENT, "cannot queue ACK");
	return 0;
}

/* c's batch is no longer stored in slices. */
static void
slice_end(struct ingest_conn *c)
{
	TAILQ_REMOVE(&c->ig->slicing, c, slice_entry);
	proto_batch_unref(c->slice);
	c->slice = NULL;
}

static void
ingest_slice_soon(struct ingest *ig)
{
	timer_soon(ig->ev_slice, 0);
}

/*
 * One turn of the batches stored in slices: slices of the first until
 * the turn's time is up; a batch whose last slice is stored is acked
 * like any other, and its connection reads on after the group's commit,
 * behind those that waited meanwhile (one batch is stored in slices at a
 * time: the others wait in their sockets, not in memory).  A timer, not an active
 * event: the loop polls the sockets (the control socket's first) before
 * the next turn.
 */
static void
ingest_slice_cb(evutil_socket_t fd, short events, void *arg)
{
	struct ingest *ig = arg;
	struct ingest_conn *c;
	uint64_t t0 = clock_mono_ns();
	size_t len, end;

	while ((c = TAILQ_FIRST(&ig->slicing)) != NULL &&
	    clock_mono_ns() - t0 < INGEST_TURN_NS) {
		if (c->state != CONN_READY) {
			slice_end(c);
			continue;
		}
		len = c->slice->n;
		end = c->slice_at + INGEST_SLICE < len ?
		    c->slice_at + INGEST_SLICE : len;
		if (ig->group_batches == 0)
			ig->group_t0 = clock_mono_ns();
		if (ig->cb.batch(ig->arg, c->node, c->slice->recs +
		    c->slice_at, end - c->slice_at) != 0) {
			slice_end(c);
			(void)conn_store_failed(c, c->slice_seq);
			continue;
		}
		c->slice_at = end;
		if (end < len)
			continue;
		slice_end(c);
		if (conn_batch_stored(c, c->slice_seq, len) == -1)
			continue;
		/* Its next frames after those of the connections waiting. */
		c->deferred = 1;
		TAILQ_INSERT_TAIL(&ig->deferred, c, def_entry);
	}
	if (!TAILQ_EMPTY(&ig->slicing))
		ingest_slice_soon(ig);
	else
		ingest_deferred_soon(ig);
}

/* One frame from an agent; -1 when c is closing or gone. */
static int
conn_dispatch(struct ingest_conn *c, struct proto_msg *msg)
{
	struct ingest *ig = c->ig;
	size_t n;

	c->frames++;
	ig->frames++;
	if (c->state == CONN_HELLO) {
		if (msg->type != PROTO_HELLO)
			return conn_refuse(c, WHY_GARBAGE, "expected HELLO first, "
			    "got %s", proto_type_name(msg->type));
		return conn_hello(c, msg);
	}
	switch (msg->type) {
	case PROTO_BATCH:
		if (ig->group_batches == 0)
			ig->group_t0 = clock_mono_ns();
		n = msg->batch->n;
		if (ig->cb.commit != NULL && n > INGEST_SLICE &&
		    ig->cb.batch != NULL) {
			c->slice = proto_batch_ref(msg->batch);
			c->slice_at = c->slice_kept = 0;
			c->slice_seq = msg->seq;
			TAILQ_INSERT_TAIL(&ig->slicing, c, slice_entry);
			bufferevent_disable(c->bev, EV_READ);
			ig->sliced++;
			ingest_slice_soon(ig);
			return 0;
		}
		if (ig->cb.batch != NULL &&
		    ig->cb.batch(ig->arg, c->node, msg->batch->recs, n) != 0)
			return conn_store_failed(c, msg->seq);
		return conn_batch_stored(c, msg->seq, n);
	case PROTO_HEARTBEAT:
		if (ig->cb.stats != NULL)
			ig->cb.stats(ig->arg, c->node, msg->stats);
		ingest_commit_soon(ig);
		return 0;
	case PROTO_REFUSE:
		return conn_refuse(c, WHY_AGENT, "agent gave up: %s", msg->reason);
	default:
		return conn_refuse(c, WHY_GARBAGE, "unexpected %s from an agent",
		    proto_type_name(msg->type));
	}
}

/* What a frame the decoder refused means, in the words of this end. */
static void
conn_bad_frame(struct ingest_conn *c, const uint8_t *data, size_t n)
{
	if (c->dec.code == PROTO_E_MAGIC && c->ssl == NULL && n > 0 &&
	    data[0] == 0x16)
		conn_refuse(c, WHY_GARBAGE, "%s: a TLS handshake, but this "
		    "aggregator has no TLS (tls-cert, tls-key, tls-ca)",
		    c->dec.err);
	else if (c->dec.code == PROTO_E_SIZE && c->state == CONN_HELLO)
		conn_refuse(c, WHY_GARBAGE, "%s (a HELLO)", c->dec.err);
	else
		conn_refuse(c, WHY_GARBAGE, "%s", c->dec.err);
}

static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	struct ingest_conn *c = arg;
	struct ingest *ig = c->ig;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct proto_msg msg;
	size_t len, n, used;
	uint8_t *data;
	int rv;

	while (c->state != CONN_CLOSING && c->slice == NULL) {
		/*
		 * The group is full: the rest after its commit, and what the
		 * agent sends meanwhile waits in the socket, not in memory.
		 * Connections that waited already go first; a handshake does
		 * not wait behind them (its deadline runs from accept).
		 */
		if (ig->cb.commit != NULL && (ingest_group_full(ig) ||
		    (!ig->resuming && !c->deferred && c->state == CONN_READY &&
		    !TAILQ_EMPTY(&ig->deferred)))) {
			if (!c->deferred && evbuffer_get_length(in) > 0) {
				c->deferred = 1;
				TAILQ_INSERT_TAIL(&ig->deferred, c, def_entry);
				bufferevent_disable(bev, EV_READ);
			}
			ingest_deferred_soon(ig);
			return;
		}
		len = evbuffer_get_length(in);
		if (len >= INGEST_TRIM_BYTES)
			c->big = 1;
		/* A header was read; do not copy the body until it is whole. */
		if (len == 0 || (len < c->dec.need && c->dec.need > PROTO_HDRLEN))
			return;
		n = len < c->dec.need ? len : c->dec.need;
		data = evbuffer_pullup(in, (ssize_t)n);
		rv = proto_decode(&c->dec, data, n, &msg, &used);
		if (rv == PROTO_ERROR) {
			conn_bad_frame(c, data, n);
			return;
		}
		if (rv == PROTO_NEED_MORE) {
			if (c->dec.need <= len)
				continue;	/* the header told the size */
			return;
		}
		evbuffer_drain(in, used);
		rv = conn_dispatch(c, &msg);
		proto_msg_clear(&msg);
		if (rv == -1)
			return;
		if (c->big && evbuffer_get_length(in) < INGEST_TRIM_BYTES) {
			c->big = 0;
			ingest_trim_soon(c->ig);
		}
	}
}

static void
conn_linger_cb(evutil_socket_t fd, short events, void *arg)
{
	struct ingest_conn *c = arg;
	char buf[4096];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	if (n == 0 || (errno != EAGAIN && errno != EINTR))
		conn_free(c);
}

/*
 * The TLS handshake failed: why, from OpenSSL's errors and the verifier.
 * Our alert is on its way; shutting our side and reading what the agent
 * still sends (its HELLO: with TLS 1.3 it learns of our verdict after its
 * handshake) until it closes keeps a reset from destroying that alert, so
 * the agent logs the real reason, not "Connection reset by peer".
 */
static void
conn_tls_failed(struct ingest_conn *c, short events)
{
	struct timeval tv = { INGEST_CLOSE_S, 0 };
	unsigned long errs[8], e;
	const char *kind;
	char why[TLS_WHY_MAX], msg[TLS_WHY_MAX + 32];
	int n = 0, fd = bufferevent_getfd(c->bev);

	while ((e = bufferevent_get_openssl_error(c->bev)) != 0)
		if (n < 8)
			errs[n++] = e;
	kind = tls_why(c->ssl, errs, n, why, sizeof(why));
	ERR_clear_error();
	c->ig->tls_failed++;
	snprintf(msg, sizeof(msg), "TLS handshake failed: %s", why);
	conn_log_stranger(c, kind, msg);
	bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	if ((events & BEV_EVENT_EOF) || shutdown(fd, SHUT_WR) == -1 ||
	    (c->linger = event_new(c->ig->base, fd, EV_READ | EV_PERSIST,
	    conn_linger_cb, c)) == NULL) {
		conn_free(c);
		return;
	}
	c->state = CONN_CLOSING;
	event_add(c->linger, NULL);
	evtimer_add(c->deadline, &tv);
}

static void
conn_event_cb(struct bufferevent *bev, short events, void *arg)
{
	struct ingest_conn *c = arg;
	struct ingest *ig = c->ig;
	size_t left = evbuffer_get_length(bufferevent_get_input(bev));
	const char *r = NULL;
	unsigned long e;
	char msg[160];

	if (events & BEV_EVENT_CONNECTED) {
		c->tls_up = 1;		/* the client certificate is verified */
		tls_peer_names(c->ssl, c->cert, sizeof(c->cert));
		log_debug("ingest: %s: TLS %s, certificate %s", c->addr,
		    SSL_get_version(c->ssl), c->cert);
		return;
	}
	if (events & BEV_EVENT_TIMEOUT) {
		conn_refuse(c, WHY_TIMEOUT, "nothing received for %d s",
		    INGEST_IDLE_S);
		return;
	}
	if (c->ssl != NULL && !c->tls_up) {
		conn_tls_failed(c, events);
		return;
	}
	if (left > 0) {
		ig->closed_bad++;
		snprintf(msg, sizeof(msg), "connection closed mid-frame (%zu "
		    "bytes of a %zu-byte frame)", left, c->dec.need > PROTO_HDRLEN ?
		    c->dec.need : (size_t)PROTO_HDRLEN);
		conn_log(c, "mid-frame", msg);
	} else if (events & BEV_EVENT_ERROR) {
		if (c->ssl != NULL) {
			while ((e = bufferevent_get_openssl_error(bev)) != 0)
				if (ERR_GET_LIB(e) != 0 && r == NULL)
					r = ERR_reason_error_string(e);
			ERR_clear_error();
		}
		snprintf(msg, sizeof(msg), "%s", r != NULL ? r :
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		conn_log(c, "socket error", msg);
	} else if (c->node != NULL)
		log_info("ingest: node %s from %s disconnected", c->node, c->addr);
	else
		log_debug("ingest: %s disconnected before HELLO", c->addr);
	conn_free(c);
}

/* The absolute deadlines: HELLO from accept, then a REFUSE's way out. */
static void
conn_deadline_cb(evutil_socket_t fd, short events, void *arg)
{
	struct ingest_conn *c = arg;
	char msg[96];

	if (c->state == CONN_CLOSING) {
		conn_free(c);
		return;
	}
	if (c->ssl != NULL && !c->tls_up) {
		c->ig->closed_bad++;
		snprintf(msg, sizeof(msg), "closing: TLS handshake not done "
		    "within %d s of connecting", INGEST_HELLO_S);
		conn_log_stranger(c, "TLS timeout", msg);
		conn_free(c);
		return;
	}
	conn_refuse(c, WHY_TIMEOUT, "no HELLO within %d s of connecting",
	    INGEST_HELLO_S);
}

static int
is_loopback(const struct sockaddr *sa)
{
	const struct sockaddr_in6 *s6;
	const uint8_t *a;

	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr)
		    >> 24) == 127;
	if (sa->sa_family != AF_INET6)
		return 0;
	s6 = (const struct sockaddr_in6 *)sa;
	if (IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr))
		return 1;
	a = s6->sin6_addr.s6_addr;
	return IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr) && a[12] == 127;
}

static void
ingest_conn_new(struct ingest *ig, int fd, struct sockaddr *sa, socklen_t salen)
{
	struct ingest_conn *c;
	struct timeval tv = { INGEST_HELLO_S, 0 };
	char serv[8];
	int one = 1;

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    proto_dec_init(&c->dec, PROTO_SMALL_FRAME) == -1) {
		log_warn("%s", __func__);
		free(c);
		close(fd);
		return;
	}
	if (getnameinfo(sa, salen, c->host, sizeof(c->host), serv, sizeof(serv),
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(c->host, sizeof(c->host), "?");
		snprintf(c->addr, sizeof(c->addr), "?");
	} else if (sa->sa_family == AF_INET6)
		snprintf(c->addr, sizeof(c->addr), "[%s]:%s", c->host, serv);
	else
		snprintf(c->addr, sizeof(c->addr), "%s:%s", c->host, serv);
	c->loopback = is_loopback(sa);
	c->ig = ig;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	if (ig->tls != NULL) {
		if ((c->ssl = tls_ssl_new(ig->tls, NULL)) != NULL &&
		    (c->bev = bufferevent_openssl_socket_new(ig->base, fd,
		    c->ssl, BUFFEREVENT_SSL_ACCEPTING,
		    BEV_OPT_CLOSE_ON_FREE)) == NULL)
			SSL_free(c->ssl);
		if (c->bev != NULL)
			bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
	} else
		c->bev = bufferevent_socket_new(ig->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL ||
	    (c->deadline = evtimer_new(ig->base, conn_deadline_cb, c)) == NULL) {
		log_warnx("ingest: cannot set up a connection from %s", c->addr);
		if (c->bev != NULL)
			bufferevent_free(c->bev);
		else
			close(fd);
		proto_dec_free(&c->dec);
		free(c);
		return;
	}
	bufferevent_setcb(c->bev, conn_read_cb, NULL, conn_event_cb, c);
	bufferevent_set_max_single_read(c->bev, INGEST_HELLO_READ);
	evtimer_add(c->deadline, &tv);
	bufferevent_enable(c->bev, EV_READ);
	TAILQ_INSERT_TAIL(&ig->conns, c, entry);
	ig->nconns++;
	ig->accepted++;
	log_debug("ingest: connection from %s", c->addr);
}

static void
ingest_resume_cb(evutil_socket_t fd, short events, void *arg)
{
	struct ingest *ig = arg;

	ig->paused = 0;
	log_debug("ingest: accepting again");
	event_add(ig->ev_accept, NULL);
}

/*
 * As tmux's server_accept(): out of descriptors (or memory), stop
 * accepting for a second rather than spin on a listener that stays
 * readable.  Logged once until accept works again.
 */
static void
ingest_accept_cb(evutil_socket_t lfd, short events, void *arg)
{
	struct ingest *ig = arg;
	struct sockaddr_storage ss;
	struct timeval tv = { 1, 0 };
	socklen_t len;
	int fd, i;

	for (i = 0; i < INGEST_ACCEPT_MAX; i++) {
		len = sizeof(ss);
		fd = fdbudget_admit(accept4(lfd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC));
		if (fd == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			/* The peer's trouble, not ours (accept(2), Linux). */
			if (errno == ECONNABORTED || errno == EPROTO ||
			    errno == ENETDOWN || errno == ENOPROTOOPT ||
			    errno == EHOSTDOWN || errno == ENONET ||
			    errno == EHOSTUNREACH || errno == ENETUNREACH ||
			    errno == EPERM)
				continue;
			if (ig->pauses_now++ == 0)
				log_warn("ingest: accept, with %u connections "
				    "open (not accepting for a second, until "
				    "it works again)", ig->nconns);
			event_del(ig->ev_accept);
			evtimer_add(ig->ev_resume, &tv);
			ig->paused = 1;
			ig->accept_pauses++;
			return;
		}
		if (ig->pauses_now > 0)
			log_info("ingest: accepting again, after %u pauses",
			    ig->pauses_now);
		ig->pauses_now = 0;
		ingest_conn_new(ig, fd, (struct sockaddr *)&ss, len);
	}
}

/* A non-blocking listening socket for "HOST:PORT"; -1 with a log line. */
static int
ingest_listen(struct ingest *ig)
{
	struct addrinfo hints, *res, *ai;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	char host[256], port[16];
	int fd = -1, one = 1, error;

	if (proto_hostport(ig->listen, host, sizeof(host), port, sizeof(port)) == -1) {
		log_warnx("ingest: listen address \"%s\" is not HOST:PORT", ig->listen);
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((error = getaddrinfo(host[0] ? host : NULL, port, &hints, &res)) != 0) {
		log_warnx("ingest: %s: %s", ig->listen, gai_strerror(error));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd == -1)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		/*
		 * A cell's agents all reconnect when the aggregator restarts:
		 * a short queue drops their SYNs, and each waits a second to
		 * try again (the kernel caps it at net.core.somaxconn).
		 */
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, INGEST_BACKLOG) == 0)
			break;
		error = errno;
		close(fd);
		fd = -1;
		errno = error;
	}
	freeaddrinfo(res);
	if (fd == -1) {
		log_warn("ingest: listen on %s", ig->listen);
		return -1;
	}
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == 0) {
		ig->loopback = is_loopback((struct sockaddr *)&ss);
		if (ss.ss_family == AF_INET)
			ig->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		else if (ss.ss_family == AF_INET6)
			ig->port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	return fd;
}

struct ingest *
ingest_create(struct event_base *base, const struct ingest_conf *conf,
    const struct ingest_cb *cb, void *arg)
{
	struct ingest *ig;
	char desc[256];

	if ((ig = calloc(1, sizeof(*ig))) == NULL) {
		log_warn("%s", __func__);
		return NULL;
	}
	ig->base = base;
	sock_nosigpipe();
	ig->fd = -1;
	TAILQ_INIT(&ig->conns);
	TAILQ_INIT(&ig->acking);
	TAILQ_INIT(&ig->waiting);
	TAILQ_INIT(&ig->deferred);
	TAILQ_INIT(&ig->slicing);
	if (cb != NULL)
		ig->cb = *cb;
	ig->arg = arg;
	ig->max_frame = conf->max_frame ? conf->max_frame : PROTO_MAX_FRAME;
	if (ig->max_frame < PROTO_MIN_FRAME) {
		log_warnx("ingest: max_frame %" PRIu32 " is below %u bytes; using %u",
		    ig->max_frame, PROTO_MIN_FRAME, PROTO_MIN_FRAME);
		ig->max_frame = PROTO_MIN_FRAME;
	}
	if (conf->listen == NULL || (ig->listen = strdup(conf->listen)) == NULL) {
		log_warnx("ingest: no listen address");
		goto fail;
	}
	if (conf->token != NULL && conf->token[0] != '\0' &&
	    (ig->token = strdup(conf->token)) == NULL) {
		log_warn("%s", __func__);
		goto fail;
	}
	if ((ig->tls = conf->tls) != NULL)
		SSL_CTX_up_ref(ig->tls);
	if ((ig->fd = ingest_listen(ig)) == -1)
		goto fail;
	if (!ig->loopback && ig->token == NULL && ig->tls == NULL) {
		log_warnx("ingest: refusing to listen on %s: it is not a loopback "
		    "address, and without TLS (tls-cert, tls-key, tls-ca) or a "
		    "token (token-file) no agent can prove who it is; configure "
		    "one of them, or listen on 127.0.0.1", ig->listen);
		goto fail;
	}
	if ((ig->ev_accept = event_new(base, ig->fd, EV_READ | EV_PERSIST,
	    ingest_accept_cb, ig)) == NULL ||
	    (ig->ev_resume = evtimer_new(base, ingest_resume_cb, ig)) == NULL ||
	    (ig->ev_trim = evtimer_new(base, ingest_trim_cb, ig)) == NULL ||
	    (ig->ev_commit = evtimer_new(base, ingest_commit_cb, ig)) == NULL ||
	    (ig->ev_slice = evtimer_new(base, ingest_slice_cb, ig)) == NULL ||
	    (ig->ev_deferred = evtimer_new(base, ingest_deferred_cb,
	    ig)) == NULL) {
		log_warn("%s", __func__);
		goto fail;
	}
	event_add(ig->ev_accept, NULL);
	if (ig->tls != NULL) {
		tls_ctx_describe(ig->tls, desc, sizeof(desc));
		log_info("ingest: listening on %s with TLS (certificate %s) for "
		    "agents with a certificate of the CA%s", ig->listen, desc,
		    ig->token != NULL ? " and the token" : "");
	} else if (ig->token != NULL)
		log_info("ingest: listening on %s for agents with the token",
		    ig->listen);
	else
		log_info("ingest: listening on %s; no token configured, so only "
		    "agents on loopback are accepted", ig->listen);
	return ig;

fail:
	ingest_destroy(ig);
	return NULL;
}

void
ingest_destroy(struct ingest *ig)
{
	struct ingest_conn *c;

	if (ig == NULL)
		return;
	/* The open group is committed; its acks go nowhere (sent again). */
	if (ig->ev_commit != NULL && evtimer_pending(ig->ev_commit, NULL))
		ig->cb.commit(ig->arg, (unsigned)ig->group_batches,
		    ig->group_records, NULL);
	while ((c = TAILQ_FIRST(&ig->conns)) != NULL)
		conn_free(c);
	if (ig->ev_accept != NULL)
		event_free(ig->ev_accept);
	if (ig->ev_resume != NULL)
		event_free(ig->ev_resume);
	if (ig->ev_trim != NULL)
		event_free(ig->ev_trim);
	if (ig->ev_commit != NULL)
		event_free(ig->ev_commit);
	if (ig->ev_slice != NULL)
		event_free(ig->ev_slice);
	if (ig->ev_deferred != NULL)
		event_free(ig->ev_deferred);
	if (ig->tls != NULL)
		SSL_CTX_free(ig->tls);
	if (ig->fd != -1)
		close(ig->fd);
	proto_buf_free(&ig->out);
	free(ig->listen);
	free(ig->token);
	free(ig);
}

int
ingest_set_tls(struct ingest *ig, SSL_CTX *tls)
{
	if (ig->tls == NULL || tls == NULL)
		return -1;
	SSL_CTX_up_ref(tls);
	SSL_CTX_free(ig->tls);	/* open connections keep their own reference */
	ig->tls = tls;
	return 0;
}

uint16_t
ingest_port(struct ingest *ig)
{
	return ig->port;
}

struct json_object *
ingest_stats(struct ingest *ig)
{
	struct json_object *o, *agents, *a;
	struct ingest_conn *c;
	char desc[256];

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	agents = json_object_new_array();
	TAILQ_FOREACH(c, &ig->conns, entry) {
		if (c->state != CONN_READY)
			continue;
		a = json_object_new_object();
		json_object_object_add(a, "node", json_object_new_string(c->node));
		json_object_object_add(a, "addr", json_object_new_string(c->addr));
		json_object_object_add(a, "agent_version",
		    json_object_new_string(c->agent_version));
		if (c->ssl != NULL)
			json_object_object_add(a, "certificate",
			    json_object_new_string(c->cert));
		json_object_object_add(a, "since_ns", json_object_new_int64(c->since_ns));
		json_object_object_add(a, "frames", json_object_new_int64(
		    (int64_t)c->frames));
		json_object_object_add(a, "batches", json_object_new_int64(
		    (int64_t)c->batches));
		json_object_object_add(a, "records", json_object_new_int64(
		    (int64_t)c->records));
		json_object_object_add(a, "last_seq", json_object_new_int64(
		    (int64_t)c->last_seq));
		json_object_array_add(agents, a);
	}
	json_object_object_add(o, "listen", json_object_new_string(ig->listen));
	json_object_object_add(o, "port", json_object_new_int(ig->port));
	json_object_object_add(o, "token", json_object_new_boolean(ig->token != NULL));
	json_object_object_add(o, "tls", json_object_new_boolean(ig->tls != NULL));
	if (ig->tls != NULL) {
		tls_ctx_describe(ig->tls, desc, sizeof(desc));
		json_object_object_add(o, "tls_certificate",
		    json_object_new_string(desc));
	}
	json_object_object_add(o, "accepting", json_object_new_boolean(!ig->paused));
	json_object_object_add(o, "agents", agents);
	json_object_object_add(o, "connections", json_object_new_int64(ig->nconns));
#define ADD(name) json_object_object_add(o, #name, \
	    json_object_new_int64((int64_t)ig->name))
	ADD(accepted);
	ADD(hellos);
	ADD(refused);
	ADD(closed_bad);
	ADD(tls_failed);
	ADD(log_suppressed);
	ADD(frames);
	ADD(batches);
	ADD(records);
	ADD(store_failures);
	ADD(accept_pauses);
	ADD(groups);
	ADD(sliced);
#undef ADD
	return o;
}
