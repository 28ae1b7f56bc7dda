/*
 * ingest.c: the aggregator's side of the agent protocol (ingest.h,
 * lib/proto.h).  Listens, and runs one small state machine per agent:
 *
 *	HELLO --good HELLO--> READY --bad frame, store failure--> CLOSING
 *	  |                                                          |
 *	  +--anything else, bad version or token: REFUSE ------------+--> freed
 *
 * Every refusal and every bad frame is logged with its reason and sent to
 * the agent in a REFUSE before that connection (only that one) closes.  A
 * batch is acknowledged only after the batch callback stored it.
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
#include <event2/event.h>

#include "ingest.h"
#include "log.h"
#include "proto.h"

#define INGEST_HELLO_S		10	/* a new connection has this long to say HELLO */
#define INGEST_IDLE_S		120	/* an agent silent this long is gone (heartbeats are 10 s) */
#define INGEST_CLOSE_S		5	/* a REFUSE has this long to leave */
#define INGEST_ACCEPT_MAX	64	/* connections accepted per wakeup */
#define INGEST_READ_MAX		(256 * 1024)

enum conn_state {
	CONN_HELLO,		/* nothing but HELLO is accepted */
	CONN_READY,		/* BATCH, HEARTBEAT */
	CONN_CLOSING,		/* REFUSE queued; freed once it is written */
};

struct ingest_conn {
	TAILQ_ENTRY(ingest_conn) entry;
	struct ingest		*ig;
	struct bufferevent	*bev;
	enum conn_state		 state;
	char			 addr[INET6_ADDRSTRLEN + 16];
	int			 loopback;
	char			*node;		/* after a good HELLO */
	char			*agent_version;
	int64_t			 since_ns;
	struct proto_dec	 dec;
	uint64_t		 frames;
	uint64_t		 batches;
	uint64_t		 records;
	uint64_t		 last_seq;
};

struct ingest {
	struct event_base	*base;
	struct ingest_cb	 cb;
	void			*arg;
	char			*listen;
	char			*token;		/* NULL: loopback agents only */
	uint32_t		 max_frame;
	int			 fd;
	uint16_t		 port;
	struct event		*ev_accept;
	struct event		*ev_resume;
	int			 paused;
	TAILQ_HEAD(, ingest_conn) conns;
	unsigned		 nconns;
	struct proto_buf	 out;

	uint64_t		 accepted;
	uint64_t		 hellos;
	uint64_t		 refused;	/* handshakes refused */
	uint64_t		 closed_bad;	/* bad frames, truncated, timeouts */
	uint64_t		 frames;
	uint64_t		 batches;
	uint64_t		 records;
	uint64_t		 store_failures;
	uint64_t		 accept_pauses;
};

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
}

static const char *
conn_name(struct ingest_conn *c)
{
	return (c->node != NULL ? c->node : "(no HELLO yet)");
}

static void
conn_free(struct ingest_conn *c)
{
	struct ingest *ig = c->ig;
	int was_ready = c->node != NULL;

	TAILQ_REMOVE(&ig->conns, c, entry);
	ig->nconns--;
	bufferevent_free(c->bev);
	proto_dec_free(&c->dec);
	if (was_ready && ig->cb.gone != NULL)
		ig->cb.gone(ig->arg, c->node);
	free(c->node);
	free(c->agent_version);
	free(c);
}

/* Queues the frame encoded in ig->out on c. */
static int
conn_queue(struct ingest_conn *c)
{
	struct ingest *ig = c->ig;
	int rv;

	rv = evbuffer_add(bufferevent_get_output(c->bev), ig->out.data, ig->out.len);
	proto_buf_reset(&ig->out);
	return (rv);
}

/*
 * Closing: the REFUSE is written, then the write side shut; what the agent
 * still sends is read and dropped until it closes, so its unread batches do
 * not turn our close into a reset that would lose the REFUSE on its side.
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
conn_refuse(struct ingest_conn *c, int bad, const char *fmt, ...)
{
	struct ingest *ig = c->ig;
	struct timeval tv = { INGEST_CLOSE_S, 0 };
	char why[PROTO_REASON_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	log_warnx("ingest: agent %s from %s: closing: %s", conn_name(c), c->addr, why);
	if (bad)
		ig->closed_bad++;
	if (c->state == CONN_HELLO && !bad)
		ig->refused++;
	if (c->state != CONN_READY) {
		free(c->node);		/* never said a good HELLO: no gone() */
		c->node = NULL;
	}
	c->state = CONN_CLOSING;
	conn_discard_cb(c->bev, c);
	if (proto_refuse(&ig->out, why) == -1 || conn_queue(c) == -1) {
		conn_free(c);
		return (-1);
	}
	bufferevent_setcb(c->bev, conn_discard_cb, conn_drained_cb,
	    conn_closing_event_cb, c);
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
	bufferevent_set_timeouts(c->bev, &tv, &tv);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	return (-1);
}

/* Compares without leaking where the first difference is. */
static int
token_eq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i;
	unsigned char d = la != lb;

	for (i = 0; i < la; i++)
		d |= (unsigned char)(a[i] ^ b[lb ? i % lb : 0]);
	return (d == 0);
}

static int
conn_hello(struct ingest_conn *c, struct proto_msg *msg)
{
	struct ingest *ig = c->ig;
	struct ingest_conn *o, *next;
	struct timeval tv = { INGEST_IDLE_S, 0 };

	if (msg->version != PROTO_VERSION)
		return (conn_refuse(c, 0, "unsupported protocol version %" PRId64
		    " (this aggregator speaks %d)", msg->version, PROTO_VERSION));
	if (ig->token != NULL) {
		if (msg->token == NULL || !token_eq(ig->token, msg->token))
			return (conn_refuse(c, 0, "bad token for node %s",
			    msg->node));
	} else if (!c->loopback)
		return (conn_refuse(c, 0, "no token configured on the "
		    "aggregator: only agents on loopback are accepted"));

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
		return (conn_refuse(c, 0, "out of memory"));
	}
	c->state = CONN_READY;
	c->since_ns = now_ns();
	ig->hellos++;
	bufferevent_set_timeouts(c->bev, &tv, NULL);
	if (proto_welcome(&ig->out, ig->max_frame, STRATA_VERSION) == -1 ||
	    conn_queue(c) == -1)
		return (conn_refuse(c, 0, "cannot queue WELCOME"));
	log_info("ingest: node %s connected from %s (agent %s%s)", c->node,
	    c->addr, c->agent_version, ig->token ? "" : ", loopback, no token");
	if (ig->cb.hello != NULL)
		ig->cb.hello(ig->arg, c->node, c->agent_version, msg->wall_ns);
	return (0);
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
			return (conn_refuse(c, 1, "expected HELLO first, got %s",
			    proto_type_name(msg->type)));
		return (conn_hello(c, msg));
	}
	switch (msg->type) {
	case PROTO_BATCH:
		if (ig->cb.batch != NULL &&
		    ig->cb.batch(ig->arg, c->node, msg->records) != 0) {
			ig->store_failures++;
			return (conn_refuse(c, 0, "the aggregator could not store "
			    "batch %" PRIu64 "; send it again later", msg->seq));
		}
		n = json_object_array_length(msg->records);
		c->batches++;
		c->records += n;
		c->last_seq = msg->seq;
		ig->batches++;
		ig->records += n;
		if (proto_ack(&ig->out, msg->seq) == -1 || conn_queue(c) == -1)
			return (conn_refuse(c, 0, "cannot queue ACK"));
		return (0);
	case PROTO_HEARTBEAT:
		if (ig->cb.stats != NULL)
			ig->cb.stats(ig->arg, c->node, msg->stats);
		return (0);
	case PROTO_REFUSE:
		return (conn_refuse(c, 0, "agent gave up: %s", msg->reason));
	default:
		return (conn_refuse(c, 1, "unexpected %s from an agent",
		    proto_type_name(msg->type)));
	}
}

static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	struct ingest_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct proto_msg msg;
	size_t len, n, used;
	uint8_t *data;
	int rv;

	while (c->state != CONN_CLOSING) {
		len = evbuffer_get_length(in);
		/* A header was read; do not copy the body until it is whole. */
		if (len == 0 || (len < c->dec.need && c->dec.need > PROTO_HDRLEN))
			return;
		n = len < c->dec.need ? len : c->dec.need;
		data = evbuffer_pullup(in, (ssize_t)n);
		rv = proto_decode(&c->dec, data, n, &msg, &used);
		if (rv == PROTO_ERROR) {
			conn_refuse(c, 1, "%s", c->dec.err);
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
	}
}

static void
conn_event_cb(struct bufferevent *bev, short events, void *arg)
{
	struct ingest_conn *c = arg;
	struct ingest *ig = c->ig;
	size_t left = evbuffer_get_length(bufferevent_get_input(bev));

	if (events & BEV_EVENT_TIMEOUT) {
		if (c->state == CONN_HELLO)
			conn_refuse(c, 1, "no HELLO within %d s", INGEST_HELLO_S);
		else
			conn_refuse(c, 1, "nothing received for %d s", INGEST_IDLE_S);
		return;
	}
	if (left > 0) {
		ig->closed_bad++;
		log_warnx("ingest: agent %s from %s: connection closed mid-frame "
		    "(%zu bytes of a %zu-byte frame)", conn_name(c), c->addr, left,
		    c->dec.need > PROTO_HDRLEN ? c->dec.need : (size_t)PROTO_HDRLEN);
	} else if (events & BEV_EVENT_ERROR)
		log_warnx("ingest: agent %s from %s: %s", conn_name(c), c->addr,
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	else if (c->node != NULL)
		log_info("ingest: node %s from %s disconnected", c->node, c->addr);
	else
		log_debug("ingest: %s disconnected before HELLO", c->addr);
	conn_free(c);
}

static int
is_loopback(const struct sockaddr *sa)
{
	const struct sockaddr_in6 *s6;
	const uint8_t *a;

	if (sa->sa_family == AF_INET)
		return ((ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr)
		    >> 24) == 127);
	if (sa->sa_family != AF_INET6)
		return (0);
	s6 = (const struct sockaddr_in6 *)sa;
	if (IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr))
		return (1);
	a = s6->sin6_addr.s6_addr;
	return (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr) && a[12] == 127);
}

static void
ingest_conn_new(struct ingest *ig, int fd, struct sockaddr *sa, socklen_t salen)
{
	struct ingest_conn *c;
	struct timeval tv = { INGEST_HELLO_S, 0 };
	char host[INET6_ADDRSTRLEN], serv[8];
	int one = 1;

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    proto_dec_init(&c->dec, ig->max_frame) == -1) {
		log_warn("%s", __func__);
		free(c);
		close(fd);
		return;
	}
	if (getnameinfo(sa, salen, host, sizeof(host), serv, sizeof(serv),
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		snprintf(c->addr, sizeof(c->addr), "?");
	else if (sa->sa_family == AF_INET6)
		snprintf(c->addr, sizeof(c->addr), "[%s]:%s", host, serv);
	else
		snprintf(c->addr, sizeof(c->addr), "%s:%s", host, serv);
	c->loopback = is_loopback(sa);
	c->ig = ig;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	if ((c->bev = bufferevent_socket_new(ig->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		log_warnx("ingest: cannot set up a connection from %s", c->addr);
		proto_dec_free(&c->dec);
		free(c);
		close(fd);
		return;
	}
	bufferevent_setcb(c->bev, conn_read_cb, NULL, conn_event_cb, c);
	bufferevent_set_max_single_read(c->bev, INGEST_READ_MAX);
	bufferevent_set_timeouts(c->bev, &tv, NULL);
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

/* As tmux's server_accept(): out of descriptors, stop accepting for a second. */
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
		fd = accept4(lfd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
				return;
			if (errno == EMFILE || errno == ENFILE) {
				log_warn("ingest: accept (pausing for a second)");
				event_del(ig->ev_accept);
				evtimer_add(ig->ev_resume, &tv);
				ig->paused = 1;
				ig->accept_pauses++;
				return;
			}
			log_warn("ingest: accept");
			return;
		}
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
		return (-1);
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((error = getaddrinfo(host[0] ? host : NULL, port, &hints, &res)) != 0) {
		log_warnx("ingest: %s: %s", ig->listen, gai_strerror(error));
		return (-1);
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd == -1)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, 128) == 0)
			break;
		error = errno;
		close(fd);
		fd = -1;
		errno = error;
	}
	freeaddrinfo(res);
	if (fd == -1) {
		log_warn("ingest: listen on %s", ig->listen);
		return (-1);
	}
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == 0) {
		if (ss.ss_family == AF_INET)
			ig->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		else if (ss.ss_family == AF_INET6)
			ig->port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	return (fd);
}

/* A peer gone away must be a write error, not a signal that kills us. */
static void
ingest_nosigpipe(void)
{
	struct sigaction sa;

	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL) {
		sa.sa_handler = SIG_IGN;
		sigaction(SIGPIPE, &sa, NULL);
	}
}

struct ingest *
ingest_create(struct event_base *base, const struct ingest_conf *conf,
    const struct ingest_cb *cb, void *arg)
{
	struct ingest *ig;

	if ((ig = calloc(1, sizeof(*ig))) == NULL) {
		log_warn("%s", __func__);
		return (NULL);
	}
	ig->base = base;
	ingest_nosigpipe();
	ig->fd = -1;
	TAILQ_INIT(&ig->conns);
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
	if ((ig->fd = ingest_listen(ig)) == -1)
		goto fail;
	if ((ig->ev_accept = event_new(base, ig->fd, EV_READ | EV_PERSIST,
	    ingest_accept_cb, ig)) == NULL ||
	    (ig->ev_resume = evtimer_new(base, ingest_resume_cb, ig)) == NULL) {
		log_warn("%s", __func__);
		goto fail;
	}
	event_add(ig->ev_accept, NULL);
	if (ig->token != NULL)
		log_info("ingest: listening on %s for agents with the token",
		    ig->listen);
	else
		log_info("ingest: listening on %s; no token configured, so only "
		    "agents on loopback are accepted", ig->listen);
	return (ig);

fail:
	ingest_destroy(ig);
	return (NULL);
}

void
ingest_destroy(struct ingest *ig)
{
	struct ingest_conn *c;

	if (ig == NULL)
		return;
	while ((c = TAILQ_FIRST(&ig->conns)) != NULL)
		conn_free(c);
	if (ig->ev_accept != NULL)
		event_free(ig->ev_accept);
	if (ig->ev_resume != NULL)
		event_free(ig->ev_resume);
	if (ig->fd != -1)
		close(ig->fd);
	proto_buf_free(&ig->out);
	free(ig->listen);
	free(ig->token);
	free(ig);
}

uint16_t
ingest_port(struct ingest *ig)
{
	return (ig->port);
}

struct json_object *
ingest_stats(struct ingest *ig)
{
	struct json_object *o, *agents, *a;
	struct ingest_conn *c;

	if ((o = json_object_new_object()) == NULL)
		return (NULL);
	agents = json_object_new_array();
	TAILQ_FOREACH(c, &ig->conns, entry) {
		if (c->state != CONN_READY)
			continue;
		a = json_object_new_object();
		json_object_object_add(a, "node", json_object_new_string(c->node));
		json_object_object_add(a, "addr", json_object_new_string(c->addr));
		json_object_object_add(a, "agent_version",
		    json_object_new_string(c->agent_version));
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
	json_object_object_add(o, "accepting", json_object_new_boolean(!ig->paused));
	json_object_object_add(o, "agents", agents);
	json_object_object_add(o, "connections", json_object_new_int64(ig->nconns));
#define ADD(name) json_object_object_add(o, #name, \
	    json_object_new_int64((int64_t)ig->name))
	ADD(accepted);
	ADD(hellos);
	ADD(refused);
	ADD(closed_bad);
	ADD(frames);
	ADD(batches);
	ADD(records);
	ADD(store_failures);
	ADD(accept_pauses);
#undef ADD
	return (o);
}
