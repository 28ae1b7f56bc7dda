/*
 * push.c: the agent's side of the agent protocol (push.h, lib/proto.h).
 *
 * Every record goes to the spool first (spool.c); batches are read back
 * from it, at most `window' of them in flight, and a record leaves the spool
 * only when the aggregator acknowledges the batch that carried it.  When the
 * connection drops, the batches in flight are rewound and sent again after
 * the reconnect, so a record is never lost and at worst stored twice by
 * id, which the aggregator's store folds into one.
 *
 *	IDLE --timer--> CONNECTING --connected--> HELLO --WELCOME--> READY
 *	  ^                                          |                 |
 *	  +------ error, EOF, timeout, REFUSE -------+-----------------+
 *
 * With TLS, "connected" means the TLS handshake is done too: the
 * aggregator's certificate chains to the CA and names the host dialled.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "log.h"
#include "clock.h"
#include "jwrite.h"
#include "proto.h"
#include "sock.h"
#include "push.h"
#include "spool.h"
#include "tls.h"

#define PUSH_BATCH_MAX		500
#define PUSH_BATCH_MAX_MAX	10000
#define PUSH_FLUSH_MS		100
#define PUSH_SPOOL_MAX		(64ULL * 1024 * 1024)
#define PUSH_RETRY_MIN_MS	100
#define PUSH_RETRY_MAX_MS	5000
#define PUSH_HEARTBEAT_MS	10000
#define PUSH_HEARTBEAT_MAX_MS	60000
#define PUSH_WINDOW		4
#define PUSH_BATCH_BYTES	(4U * 1024 * 1024)
#define PUSH_CONNECT_S		5	/* connect and handshake timeout */
#define PUSH_ACK_S		60	/* no ack for this long: reconnect */
#define PUSH_READ_MAX		(256 * 1024)


enum push_state {
	PUSH_IDLE,		/* waiting to reconnect */
	PUSH_CONNECTING,
	PUSH_HELLO,		/* HELLO sent, waiting for WELCOME */
	PUSH_READY,
};

static const char *const push_state_names[] = {
	"idle", "connecting", "hello", "ready"
};

struct push {
	struct event_base	*base;
	struct jbuf		 jb;		/* the record being spooled */
	char			*aggregator;
	char			 host[256];
	char			 port[16];
	char			*node;
	char			*token;
	SSL_CTX			*tls;		/* NULL: no TLS */
	unsigned		 batch_max;
	unsigned		 flush_ms;
	unsigned		 retry_max_ms;
	unsigned		 heartbeat_ms;
	unsigned		 window;

	struct spool		*spool;
	enum push_state		 state;
	struct bufferevent	*bev;
	struct event		*retry_ev;
	struct event		*flush_ev;
	struct event		*hb_ev;
	int			 flush_due;	/* the flush timer fired while the window was full */
	int			 ack_timeout;	/* a read timeout is armed */
	unsigned		 backoff_ms;
	int			 outage;	/* the current outage was logged */
	int			 outage_welcomed; /* and a WELCOME came since */
	int64_t			 outage_ns;
	char			 last_error[PROTO_REASON_MAX + 64];

	struct proto_dec	 dec;
	struct proto_buf	 out;
	uint32_t		 max_frame;	/* the aggregator's, from WELCOME */
	struct json_object	*ext;		/* push_set_stats() */

	uint64_t		 records;	/* accepted by push_record() */
	uint64_t		 rejected;	/* refused by push_record() */
	uint64_t		 batches;	/* sent */
	uint64_t		 acks;
	uint64_t		 connects;	/* WELCOMEs */
	uint64_t		 refused;	/* REFUSEs */
	uint64_t		 failures;	/* connections lost or failed */
};

static void	push_connect(struct push *);
static int	push_send(struct push *, int);

static void
ms_tv(unsigned ms, struct timeval *tv)
{
	tv->tv_sec = ms / 1000;
	tv->tv_usec = (ms % 1000) * 1000;
}

/* With TLS, tells the aggregator this is a clean close (best effort). */
static void
push_close_notify(struct push *p)
{
	SSL *ssl;

	if (p->tls == NULL || p->state < PUSH_HELLO ||
	    (ssl = bufferevent_openssl_get_ssl(p->bev)) == NULL)
		return;
	SSL_shutdown(ssl);
	ERR_clear_error();
}

/* Drops the connection; what was in flight will be sent again. */
static void
push_disconnect(struct push *p)
{
	if (p->bev != NULL) {
		push_close_notify(p);
		bufferevent_free(p->bev);
		p->bev = NULL;
	}
	spool_rewind(p->spool);
	p->state = PUSH_IDLE;
	p->ack_timeout = 0;
	p->flush_due = 0;
	evtimer_del(p->hb_ev);
	evtimer_del(p->flush_ev);
}

/*
 * The connection failed or was lost: log it once per outage (and again only
 * if the reason changes), then retry with a doubling, capped backoff.
 */
static void
push_fail(struct push *p, const char *fmt, ...)
{
	struct timeval tv;
	char why[sizeof(p->last_error)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);

	push_disconnect(p);
	p->failures++;
	if (!p->outage) {
		log_warnx("push: aggregator %s: %s; spooling records and "
		    "retrying (every %u ms at most)", p->aggregator, why,
		    p->retry_max_ms);
		p->outage = 1;
		p->outage_welcomed = 0;
		p->outage_ns = clock_wall_ns();
	} else if (strcmp(why, p->last_error) != 0)
		log_warnx("push: aggregator %s: %s", p->aggregator, why);
	else
		log_debug("push: aggregator %s: %s", p->aggregator, why);
	snprintf(p->last_error, sizeof(p->last_error), "%s", why);

	ms_tv(p->backoff_ms, &tv);
	evtimer_add(p->retry_ev, &tv);
	p->backoff_ms *= 2;
	if (p->backoff_ms > p->retry_max_ms)
		p->backoff_ms = p->retry_max_ms;
}

static void
push_retry_cb(evutil_socket_t fd, short events, void *arg)
{
	push_connect(arg);
}

/* Queues one encoded frame from p->out on the connection. */
static int
push_queue(struct push *p)
{
	int rv;

	rv = evbuffer_add(bufferevent_get_output(p->bev), p->out.data, p->out.len);
	proto_buf_reset(&p->out);
	return rv;
}

static int
push_batch_add(void *arg, uint64_t seq, const char *rec, size_t len)
{
	struct push *p = arg;

	return proto_batch_add(&p->out, 0, rec, len);
}

/* While waiting for acks, a silent aggregator is a dead one. */
static void
push_timeouts(struct push *p)
{
	struct timeval tv = { PUSH_ACK_S, 0 };
	int want = spool_batches(p->spool) > 0;

	if (want == p->ack_timeout)
		return;
	bufferevent_set_timeouts(p->bev, want ? &tv : NULL, NULL);
	p->ack_timeout = want;
}

/*
 * Sends batches while the window allows; partial ones only when flushing.
 * -1 when it failed and dropped the connection.
 */
static int
push_send(struct push *p, int flush)
{
	struct timeval tv;
	uint64_t last;
	size_t start, maxbytes;
	int n;

	if (p->state != PUSH_READY)
		return 0;
	/* Record text; the framing adds a comma per record and 64 bytes. */
	maxbytes = p->max_frame - PROTO_HDRLEN - 64 - p->batch_max;
	if (maxbytes > PUSH_BATCH_BYTES)
		maxbytes = PUSH_BATCH_BYTES;
	while (spool_batches(p->spool) < p->window && spool_unsent(p->spool) > 0) {
		if (!flush && spool_unsent(p->spool) < p->batch_max)
			break;
		if ((start = proto_batch_begin(&p->out)) == (size_t)-1) {
			log_warn("%s", __func__);
			break;
		}
		n = spool_read(p->spool, p->batch_max, maxbytes, push_batch_add,
		    p, &last);
		if (n <= 0 || proto_batch_end(&p->out, start, last) == -1 ||
		    push_queue(p) == -1) {
			proto_buf_reset(&p->out);
			if (n != 0) {
				push_fail(p, "cannot send from the spool");
				return -1;
			}
			break;
		}
		p->batches++;
	}
	if (spool_unsent(p->spool) == 0)
		p->flush_due = 0;
	else if (flush)
		p->flush_due = 1;	/* window full: flush on the next ack */
	else if (!evtimer_pending(p->flush_ev, NULL)) {
		ms_tv(p->flush_ms, &tv);
		evtimer_add(p->flush_ev, &tv);
	}
	push_timeouts(p);
	return 0;
}

/* Also bounds what a crash of the agent can lose to flush_ms of records. */
static void
push_flush_cb(evutil_socket_t fd, short events, void *arg)
{
	struct push *p = arg;

	spool_flush(p->spool);
	push_send(p, 1);
}

/* The counters a heartbeat carries: the agent's own, then push's. */
static struct json_object *
push_hb_stats(struct push *p)
{
	struct json_object *o;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	if (p->ext != NULL) {
		json_object_object_foreach(p->ext, k, v)
			json_object_object_add(o, k, json_object_get(v));
	}
	json_object_object_add(o, "push_records", json_object_new_int64(
	    (int64_t)p->records));
	json_object_object_add(o, "push_rejected", json_object_new_int64(
	    (int64_t)p->rejected));
	json_object_object_add(o, "push_reconnects", json_object_new_int64(
	    (int64_t)(p->connects > 0 ? p->connects - 1 : 0)));
	spool_stats(p->spool, o);
	return o;
}

static void
push_hb_cb(evutil_socket_t fd, short events, void *arg)
{
	struct push *p = arg;
	struct json_object *stats;

	if (p->state != PUSH_READY)
		return;
	stats = push_hb_stats(p);
	if (proto_heartbeat(&p->out, clock_wall_ns(), stats) == 0)
		push_queue(p);
	json_object_put(stats);
}

/*
 * The link works again once records flow: an outage ends (and the backoff
 * resets) at the first ACK, or at a WELCOME when nothing waits to be sent,
 * so an aggregator that accepts agents but cannot store does not get a
 * reconnect every 100 ms nor the log a line for each.
 */
static void
push_progress(struct push *p)
{
	if (p->outage)
		log_info("push: aggregator %s takes records again after %.1f s",
		    p->aggregator, (double)(clock_wall_ns() - p->outage_ns) / 1e9);
	p->outage = 0;
	p->outage_welcomed = 0;
	p->last_error[0] = '\0';
	p->backoff_ms = PUSH_RETRY_MIN_MS;
	if (p->backoff_ms > p->retry_max_ms)
		p->backoff_ms = p->retry_max_ms;
}

static int
push_welcome(struct push *p, struct proto_msg *msg)
{
	struct timeval tv;

	if (msg->version != PROTO_VERSION) {
		push_fail(p, "aggregator speaks protocol version %" PRId64
		    ", not %d", msg->version, PROTO_VERSION);
		return -1;
	}
	p->state = PUSH_READY;
	p->max_frame = msg->max_frame;
	p->connects++;
	bufferevent_set_timeouts(p->bev, NULL, NULL);
	p->ack_timeout = 0;
	if (!p->outage)
		log_info("push: connected to aggregator %s (%s), %" PRIu64
		    " records to send", p->aggregator, msg->agent_version ?
		    msg->agent_version : "?", spool_unacked(p->spool));
	else if (!p->outage_welcomed) {
		log_info("push: connected to aggregator %s again after %.1f s; "
		    "%" PRIu64 " records to send", p->aggregator,
		    (double)(clock_wall_ns() - p->outage_ns) / 1e9,
		    spool_unacked(p->spool));
		p->outage_welcomed = 1;
	}
	if (spool_unacked(p->spool) == 0)
		push_progress(p);
	ms_tv(p->heartbeat_ms, &tv);
	evtimer_add(p->hb_ev, &tv);
	return push_send(p, 1);
}

/* One frame from the aggregator; -1 when the connection is gone. */
static int
push_dispatch(struct push *p, struct proto_msg *msg)
{
	if (msg->type == PROTO_REFUSE) {
		p->refused++;
		push_fail(p, "refused: %s", msg->reason);
		return -1;
	}
	if (p->state == PUSH_HELLO) {
		if (msg->type == PROTO_WELCOME)
			return push_welcome(p, msg);
		push_fail(p, "protocol error: %s before WELCOME",
		    proto_type_name(msg->type));
		return -1;
	}
	if (msg->type != PROTO_ACK) {
		push_fail(p, "protocol error: unexpected %s",
		    proto_type_name(msg->type));
		return -1;
	}
	if (spool_ack(p->spool, msg->seq) == -1) {
		push_fail(p, "protocol error: ACK %" PRIu64 " ends no batch in "
		    "flight", msg->seq);
		return -1;
	}
	p->acks++;
	if (p->outage || p->backoff_ms != PUSH_RETRY_MIN_MS)
		push_progress(p);
	return push_send(p, p->flush_due);
}

static void
push_read_cb(struct bufferevent *bev, void *arg)
{
	struct push *p = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct proto_msg msg;
	size_t len, n, used;
	uint8_t *data;
	int rv;

	for (;;) {
		len = evbuffer_get_length(in);
		/* A header was read; do not copy the body until it is whole. */
		if (len == 0 || (len < p->dec.need && p->dec.need > PROTO_HDRLEN))
			return;
		n = len < p->dec.need ? len : p->dec.need;
		data = evbuffer_pullup(in, (ssize_t)n);
		rv = proto_decode(&p->dec, data, n, &msg, &used);
		if (rv == PROTO_ERROR) {
			push_fail(p, "bad frame from the aggregator: %s", p->dec.err);
			return;
		}
		if (rv == PROTO_NEED_MORE) {
			if (p->dec.need <= len)
				continue;	/* the header told the size */
			return;
		}
		evbuffer_drain(in, used);
		rv = push_dispatch(p, &msg);
		proto_msg_clear(&msg);
		if (rv == -1)
			return;
	}
}

/*
 * A TLS error on the connection (the handshake, or the aggregator's alert
 * refusing our certificate, which TLS 1.3 sends after the handshake): 1
 * when there was one and push_fail() said it.
 */
static int
push_tls_error(struct push *p, struct bufferevent *bev)
{
	unsigned long errs[8], e;
	char why[TLS_WHY_MAX];
	SSL *ssl = bufferevent_openssl_get_ssl(bev);
	int n = 0;

	/* libevent's own codes (library 0) say only "see errno". */
	while ((e = bufferevent_get_openssl_error(bev)) != 0)
		if (n < 8 && ERR_GET_LIB(e) != 0)
			errs[n++] = e;
	if (n == 0 && (ssl == NULL || SSL_get_verify_result(ssl) == X509_V_OK))
		return 0;
	tls_why(ssl, errs, n, why, sizeof(why));
	ERR_clear_error();
	push_fail(p, "TLS: %s", why);
	return 1;
}

static void
push_event_cb(struct bufferevent *bev, short events, void *arg)
{
	struct push *p = arg;
	struct timeval tv = { PUSH_CONNECT_S, 0 };
	int one = 1, fd;

	if (events & BEV_EVENT_CONNECTED) {
		fd = bufferevent_getfd(bev);
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
		p->state = PUSH_HELLO;
		proto_dec_free(&p->dec);
		/* The aggregator sends only small frames: WELCOME, ACK, REFUSE. */
		if (proto_dec_init(&p->dec, PROTO_SMALL_FRAME) == -1 ||
		    proto_hello(&p->out, p->node, STRATA_VERSION, p->token,
		    clock_wall_ns()) == -1 || push_queue(p) == -1) {
			push_fail(p, "cannot send HELLO");
			return;
		}
		bufferevent_set_timeouts(bev, &tv, &tv);
		return;
	}
	if (events & BEV_EVENT_TIMEOUT)
		push_fail(p, "timed out %s", p->state == PUSH_CONNECTING ?
		    "connecting" : p->state == PUSH_HELLO ?
		    "waiting for WELCOME" : "waiting for an ACK");
	else if (p->tls != NULL && push_tls_error(p, bev))
		return;
	else if (events & BEV_EVENT_EOF)
		push_fail(p, "connection closed by the aggregator");
	else
		push_fail(p, "%s", evutil_socket_error_to_string(
		    EVUTIL_SOCKET_ERROR()));
}

static void
push_connect(struct push *p)
{
	struct addrinfo hints, *res = NULL;
	struct timeval tv = { PUSH_CONNECT_S, 0 };
	SSL *ssl;
	int error;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	/* Blocking, but only at (re)connect; give a numeric address to avoid it. */
	if ((error = getaddrinfo(p->host, p->port, &hints, &res)) != 0) {
		push_fail(p, "cannot resolve %s: %s", p->host, gai_strerror(error));
		return;
	}
	if (p->tls != NULL) {
		if ((ssl = tls_ssl_new(p->tls, p->host)) != NULL &&
		    (p->bev = bufferevent_openssl_socket_new(p->base, -1, ssl,
		    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE)) == NULL)
			SSL_free(ssl);
		/* An aggregator killed mid-stream is an EOF, not an error. */
		if (p->bev != NULL)
			bufferevent_openssl_set_allow_dirty_shutdown(p->bev, 1);
	} else
		p->bev = bufferevent_socket_new(p->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (p->bev == NULL) {
		freeaddrinfo(res);
		push_fail(p, "cannot create a socket");
		return;
	}
	bufferevent_setcb(p->bev, push_read_cb, NULL, push_event_cb, p);
	bufferevent_set_max_single_read(p->bev, PUSH_READ_MAX);
	bufferevent_set_timeouts(p->bev, &tv, &tv);
	bufferevent_enable(p->bev, EV_READ | EV_WRITE);
	p->state = PUSH_CONNECTING;
	if (bufferevent_socket_connect(p->bev, res->ai_addr,
	    (int)res->ai_addrlen) == -1) {
		freeaddrinfo(res);
		push_fail(p, "connect: %s", strerror(errno));
		return;
	}
	freeaddrinfo(res);
}

struct push *
push_create(struct event_base *base, const struct push_conf *conf)
{
	struct push *p;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		log_warn("%s", __func__);
		return NULL;
	}
	p->base = base;
	sock_nosigpipe();
	if (conf->aggregator == NULL || proto_hostport(conf->aggregator,
	    p->host, sizeof(p->host), p->port, sizeof(p->port)) == -1 ||
	    p->host[0] == '\0') {
		log_warnx("push: aggregator \"%s\" is not HOST:PORT",
		    conf->aggregator ? conf->aggregator : "");
		goto fail;
	}
	if (conf->node == NULL || !proto_valid_node(conf->node)) {
		log_warnx("push: bad node name \"%s\" (1-%d of A-Z a-z 0-9 . _ : -)",
		    conf->node ? conf->node : "", PROTO_NODE_MAX);
		goto fail;
	}
	if ((p->aggregator = strdup(conf->aggregator)) == NULL ||
	    (p->node = strdup(conf->node)) == NULL ||
	    (conf->token != NULL && conf->token[0] != '\0' &&
	    (p->token = strdup(conf->token)) == NULL)) {
		log_warn("%s", __func__);
		goto fail;
	}
	if ((p->tls = conf->tls) != NULL)
		SSL_CTX_up_ref(p->tls);
	p->batch_max = conf->batch_max ? conf->batch_max : PUSH_BATCH_MAX;
	if (p->batch_max > PUSH_BATCH_MAX_MAX)
		p->batch_max = PUSH_BATCH_MAX_MAX;	/* keeps batches under any frame cap */
	p->flush_ms = conf->flush_ms ? conf->flush_ms : PUSH_FLUSH_MS;
	p->retry_max_ms = conf->retry_max_ms ? conf->retry_max_ms : PUSH_RETRY_MAX_MS;
	p->heartbeat_ms = conf->heartbeat_ms ? conf->heartbeat_ms : PUSH_HEARTBEAT_MS;
	if (p->heartbeat_ms > PUSH_HEARTBEAT_MAX_MS)
		p->heartbeat_ms = PUSH_HEARTBEAT_MAX_MS;	/* ingest's idle limit is 120 s */
	p->window = conf->window ? conf->window : PUSH_WINDOW;
	p->backoff_ms = PUSH_RETRY_MIN_MS;
	if (p->backoff_ms > p->retry_max_ms)
		p->backoff_ms = p->retry_max_ms;
	p->max_frame = PROTO_MIN_FRAME;

	if (proto_dec_init(&p->dec, PROTO_SMALL_FRAME) == -1) {
		log_warn("%s", __func__);
		goto fail;
	}
	p->spool = spool_open(conf->spool_path, conf->spool_max ? conf->spool_max :
	    PUSH_SPOOL_MAX);
	if (p->spool == NULL)
		goto fail;
	if ((p->retry_ev = evtimer_new(base, push_retry_cb, p)) == NULL ||
	    (p->flush_ev = evtimer_new(base, push_flush_cb, p)) == NULL ||
	    (p->hb_ev = event_new(base, -1, EV_PERSIST, push_hb_cb, p)) == NULL) {
		log_warn("%s", __func__);
		goto fail;
	}
	log_info("push: node %s to aggregator %s, spool %s%s%s", p->node,
	    p->aggregator, conf->spool_path ? conf->spool_path : "in memory",
	    p->tls ? ", TLS" : "", p->token ? "" : ", no token");
	push_connect(p);
	return p;

fail:
	push_destroy(p);
	return NULL;
}

int
push_record(struct push *p, struct json_object *rec)
{
	if (!json_object_is_type(rec, json_type_object) ||
	    !json_object_object_get_ex(rec, "id", NULL)) {
		if (p->rejected++ == 0)
			log_warnx("push: refusing a record that is not an object "
			    "with an \"id\" (counted in push_rejected)");
		return -1;
	}
	if (jwrite(&p->jb, rec) == -1) {
		p->rejected++;
		return -1;
	}
	return push_record_text(p, p->jb.p, p->jb.len);
}

int
push_record_text(struct push *p, const char *text, size_t len)
{
	struct timeval tv;

	if (len < 2 || text[0] != '{' || strstr(text, "\"id\":") == NULL) {
		if (p->rejected++ == 0)
			log_warnx("push: refusing a record that is not an object "
			    "with an \"id\" (counted in push_rejected)");
		return -1;
	}
	if (spool_append(p->spool, text, len) == 0) {
		p->rejected++;
		return -1;
	}
	p->records++;
	if (p->state == PUSH_READY && spool_unsent(p->spool) >= p->batch_max)
		push_send(p, 0);
	else if (!evtimer_pending(p->flush_ev, NULL)) {
		ms_tv(p->flush_ms, &tv);
		evtimer_add(p->flush_ev, &tv);
	}
	return 0;
}

void
push_set_stats(struct push *p, struct json_object *stats)
{
	if (p->ext != NULL)
		json_object_put(p->ext);
	p->ext = stats != NULL ? json_object_get(stats) : NULL;
}

int
push_sync(struct push *p)
{
	return spool_sync(p->spool);
}

int
push_flush(struct push *p)
{
	return spool_flush(p->spool);
}

uint64_t
push_unacked(struct push *p)
{
	return spool_unacked(p->spool);
}

int
push_connected(struct push *p)
{
	return p->state == PUSH_READY;
}

uint64_t
push_refused(struct push *p, const char **why)
{
	if (why != NULL)
		*why = p->last_error;
	return p->refused;
}

int
push_set_tls(struct push *p, SSL_CTX *tls)
{
	if (p->tls == NULL || tls == NULL)
		return -1;
	SSL_CTX_up_ref(tls);
	SSL_CTX_free(p->tls);
	p->tls = tls;
	return 0;
}

struct json_object *
push_stats(struct push *p)
{
	struct json_object *o;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_add(o, "aggregator", json_object_new_string(p->aggregator));
	json_object_object_add(o, "state", json_object_new_string(
	    push_state_names[p->state]));
	json_object_object_add(o, "connected", json_object_new_boolean(
	    p->state == PUSH_READY));
	json_object_object_add(o, "tls", json_object_new_boolean(p->tls != NULL));
	json_object_object_add(o, "records", json_object_new_int64((int64_t)p->records));
	json_object_object_add(o, "rejected", json_object_new_int64((int64_t)p->rejected));
	json_object_object_add(o, "batches", json_object_new_int64((int64_t)p->batches));
	json_object_object_add(o, "acks", json_object_new_int64((int64_t)p->acks));
	json_object_object_add(o, "connects", json_object_new_int64((int64_t)p->connects));
	json_object_object_add(o, "refused", json_object_new_int64((int64_t)p->refused));
	json_object_object_add(o, "failures", json_object_new_int64((int64_t)p->failures));
	json_object_object_add(o, "last_error", json_object_new_string(p->last_error));
	spool_stats(p->spool, o);
	return o;
}

void
push_destroy(struct push *p)
{
	if (p == NULL)
		return;
	if (p->bev != NULL) {
		push_close_notify(p);
		bufferevent_free(p->bev);
	}
	if (p->retry_ev != NULL)
		event_free(p->retry_ev);
	if (p->flush_ev != NULL)
		event_free(p->flush_ev);
	if (p->hb_ev != NULL)
		event_free(p->hb_ev);
	if (p->spool != NULL)
		spool_close(p->spool);
	if (p->ext != NULL)
		json_object_put(p->ext);
	proto_dec_free(&p->dec);
	proto_buf_free(&p->out);
	jbuf_free(&p->jb);
	if (p->tls != NULL)
		SSL_CTX_free(p->tls);
	free(p->aggregator);
	free(p->node);
	free(p->token);
	free(p);
}
