/*
 * ctl.c: the control sockets of strata-aggregator.  Listens on a UNIX
 * socket (mode 0660) and, when configured, a read-only one (0666) where
 * only CTL_CMD_READONLY commands run; reads newline-delimited JSON
 * requests, answers each through the command table (aggregator/cmd/) and
 * turns a connection into an alert stream for `alerts follow`.  Nothing
 * here ever blocks: a client that does not read stops being read from
 * (requests) or loses alerts (followers).
 *
 * Agents and control clients share the process's descriptors, so that a
 * flood of either cannot lock stratactl out: each client is accepted on
 * a spare descriptor of the reserve (fdbudget.h) while one is left; a
 * client silent for idle_ms is closed; at CTL_CLIENTS_MAX clients, or out
 * of descriptors, the client idle the longest is closed to make room; and
 * EMFILE with nothing to close pauses accepting for a second (tmux's
 * server_accept) instead of spinning on the pending connection.
 */
#define _GNU_SOURCE		/* accept4 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/queue.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "jwrite.h"
#include "log.h"
#include "utf8.h"
#include "fdbudget.h"
#include "ctl.h"

#define CTL_ACCEPT_MAX		16	/* clients accepted per wakeup */
#define CTL_BACKLOG		128
#define CTL_PAUSE_LOG_S		60	/* EMFILE: one warning per this long */
#define CTL_JB_KEEP		(1024 * 1024)	/* answer buffer kept between answers */

struct ctl_conn {
	TAILQ_ENTRY(ctl_conn)	 entry;
	struct ctl		*ctl;
	struct bufferevent	*bev;
	struct follow_q		*fq;		/* non-NULL: following alerts */
	uint64_t		 id;
	int64_t			 active_ms;	/* last read or write, monotonic */
	uint64_t		 nreq;		/* request lines it sent */
	int			 bad_logged;	/* one of its bad requests was */
	int			 readonly;	/* came through the read-only socket */
	int			 discarding;	/* inside an over-long line */
	int			 paused;	/* reading stopped: output too big */
	int			 closing;	/* free once output drained */
};

/* One listening socket. */
struct ctl_lis {
	struct ctl		*ctl;
	char			*path;
	int			 fd;
	int			 readonly;
	struct event		*ev;
};

struct ctl {
	struct event_base	*base;
	struct jbuf		 jb;		/* the answer being written */
	struct ctl_env		*env;
	struct ctl_lis		 lis[2];	/* the full socket, the read-only one */
	int			 nlis;
	struct event		*resume;	/* accept again after EMFILE */
	int			 accept_paused;
	int64_t			 pause_logged_ms;
	unsigned		 idle_ms;
	TAILQ_HEAD(, ctl_conn)	 conns;
	unsigned		 nconns;
	unsigned		 nconns_ro;
	unsigned		 nfollowers;
	uint64_t		 next_id;
	uint64_t		 accepted;
	uint64_t		 refused;	/* too many clients, none idle */
	uint64_t		 evicted;	/* idle ones closed for a new one */
	uint64_t		 idle_closed;	/* silent for idle_ms */
	uint64_t		 accept_pauses;	/* EMFILE and nothing to close */
	uint64_t		 requests;
	uint64_t		 errors;	/* error responses */
	uint64_t		 bad_requests;	/* malformed: not JSON, too long, ... */
	int64_t			 bad_logged_ms;
	uint64_t		 alerts;	/* alerts offered to followers */
	uint64_t		 skipped_closed;	/* by followers now gone */
	int			 stopping;
	void			(*done)(void *);
	void			*done_arg;
};

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void	conn_free(struct ctl_conn *);
static void	conn_process(struct ctl_conn *, int at_eof);

/*
 * Adds JSON text to out, valid UTF-8 whatever the strings in it held:
 * json-c copies their bytes as they are (a store string from an agent, a
 * message cut mid-character), and one bad byte makes the line invalid.
 */
static void
ctl_add_json(struct evbuffer *out, const char *s, size_t len)
{
	static const char oom[] = "{\"ok\":false,\"error\":\"out of memory\"}";
	char *clean;
	size_t n;

	if ((clean = utf8_json_scrub(s, len, &n)) != NULL) {
		evbuffer_add(out, clean, n);
		free(clean);
	} else if (n == len)
		evbuffer_add(out, s, len);
	else
		evbuffer_add(out, oom, sizeof(oom) - 1);
}

static void
conn_send(struct ctl_conn *c, struct json_object *resp)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	struct json_object *ok;
	struct jbuf *jb = &c->ctl->jb;

	c->ctl->requests++;
	if (json_object_object_get_ex(resp, "ok", &ok) &&
	    !json_object_get_boolean(ok))
		c->ctl->errors++;
	if (jwrite(jb, resp) == -1) {
		log_warnx("ctl: out of memory for an answer");
		json_object_put(resp);
		resp = ctl_response_error("out of memory");
		if (resp == NULL || jwrite(jb, resp) == -1) {
			json_object_put(resp);
			return;
		}
	}
	ctl_add_json(out, jb->p, jb->len);
	evbuffer_add(out, "\n", 1);
	if (jb->cap > CTL_JB_KEEP)
		jbuf_free(jb);		/* a big answer's buffer goes back */
	json_object_put(resp);
}

/* Moves queued stream lines to the socket while it keeps up. */
static void
follow_flush(struct ctl_conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	char *line;

	while (evbuffer_get_length(out) < CTL_FOLLOW_WMARK) {
		if ((line = follow_q_pop(c->fq)) == NULL)
			break;
		ctl_add_json(out, line, strlen(line));
		free(line);
		/*
		 * A burst of alerts comes from one store commit, before the
		 * loop could write: move what fits into the socket buffer
		 * now (non-blocking), where a reading follower drains it.
		 */
		if (evbuffer_get_length(out) >= CTL_FOLLOW_WMARK / 2)
			evbuffer_write(out, bufferevent_getfd(c->bev));
	}
}

/* Ends a stream: a skipped line for what is dropped, then the end. */
static void
follow_stop(struct ctl_conn *c, const char *reason)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	uint64_t lost;
	char *line;

	if ((lost = follow_q_drop(c->fq)) > 0 &&
	    (line = follow_line_skipped(lost)) != NULL) {
		evbuffer_add(out, line, strlen(line));
		free(line);
	}
	if ((line = follow_line_end(reason, follow_q_skipped(c->fq))) != NULL) {
		evbuffer_add(out, line, strlen(line));
		free(line);
	}
}

/*
 * A malformed request (the errors that start with "request ", the table
 * of docs/control.md) is logged: once per client, and at most one line a
 * second for all of them; the rest only counted (bad_requests).
 */
static void
conn_bad(struct ctl_conn *c, struct json_object *resp)
{
	struct ctl *ctl = c->ctl;
	struct json_object *e;
	const char *msg;
	int64_t now;

	if (!json_object_object_get_ex(resp, "error", &e) ||
	    strncmp((msg = json_object_get_string(e)), "request ", 8) != 0)
		return;
	ctl->bad_requests++;
	now = mono_ms();
	if (c->bad_logged || (ctl->bad_logged_ms != 0 &&
	    now - ctl->bad_logged_ms < 1000))
		return;
	c->bad_logged = 1;
	ctl->bad_logged_ms = now;
	log_warnx("ctl: client %llu%s: %.200s (more from it only counted: "
	    "%llu bad requests so far)", (unsigned long long)c->id,
	    c->readonly ? " (read-only socket)" : "", msg,
	    (unsigned long long)ctl->bad_requests);
}

static void
conn_line(struct ctl_conn *c, const char *line, size_t len)
{
	struct json_object *resp;
	int streaming;

	c->nreq++;
	if (len > CTL_LINE_MAX) {
		resp = ctl_response_error("request longer than %d bytes",
		    CTL_LINE_MAX);
		conn_bad(c, resp);
		conn_send(c, resp);
		return;
	}
	resp = ctl_handle_line(c->ctl->env, c, line, len, &streaming);
	if (resp != NULL) {
		conn_bad(c, resp);
		conn_send(c, resp);
	}
	if (streaming)
		log_debug("ctl: client %llu follows alerts",
		    (unsigned long long)c->id);
}

static void
conn_process(struct ctl_conn *c, int at_eof)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct evbuffer *out = bufferevent_get_output(c->bev);
	char *line;
	size_t n;

	while (!c->closing) {
		if (c->fq != NULL) {
			/* A stream takes no more requests. */
			evbuffer_drain(in, evbuffer_get_length(in));
			break;
		}
		if (evbuffer_get_length(out) > CTL_OUT_HIGH) {
			/* Let the client read its answers first. */
			c->paused = 1;
			bufferevent_disable(c->bev, EV_READ);
			return;
		}
		line = evbuffer_readln(in, &n, EVBUFFER_EOL_LF);
		if (line == NULL) {
			n = evbuffer_get_length(in);
			if (n > CTL_LINE_MAX) {
				if (!c->discarding) {
					struct json_object *resp;

					c->nreq++;
					resp = ctl_response_error("request "
					    "longer than %d bytes",
					    CTL_LINE_MAX);
					conn_bad(c, resp);
					conn_send(c, resp);
				}
				c->discarding = 1;
				evbuffer_drain(in, n);
			} else if (at_eof && n > 0) {
				/* The last request may lack its newline. */
				if ((line = malloc(n + 1)) == NULL)
					break;
				evbuffer_remove(in, line, n);
				line[n] = '\0';
				if (!c->discarding)
					conn_line(c, line, n);
				c->discarding = 0;
				free(line);
			}
			break;
		}
		if (c->discarding)
			c->discarding = 0;	/* the tail of the long line */
		else
			conn_line(c, line, n);
		free(line);
	}
}

static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	struct ctl_conn *c = arg;

	c->active_ms = mono_ms();
	conn_process(c, 0);
}

static void
conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct ctl_conn *c = arg;
	struct evbuffer *out = bufferevent_get_output(bev);

	c->active_ms = mono_ms();

	if (c->closing) {
		if (evbuffer_get_length(out) == 0)
			conn_free(c);
		return;
	}
	if (c->fq != NULL) {
		follow_flush(c);
		return;
	}
	if (c->paused && evbuffer_get_length(out) < CTL_OUT_HIGH / 2) {
		c->paused = 0;
		bufferevent_enable(bev, EV_READ);
		conn_process(c, 0);
	}
}

static void
conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct ctl_conn *c = arg;

	if (what & BEV_EVENT_TIMEOUT) {
		/* Silent, or not reading its answers, for idle_ms. */
		c->ctl->idle_closed++;
		log_debug("ctl: client %llu idle for %u ms: closed",
		    (unsigned long long)c->id, c->ctl->idle_ms);
		conn_free(c);
		return;
	}
	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR) &&
	    !c->closing) {
		/*
		 * Half-closed: answer what was sent, then close.  A follower
		 * gets what is already in its output, whole lines, not a
		 * line cut where the socket took the rest.
		 */
		if (c->fq == NULL)
			conn_process(c, 1);
		c->closing = 1;
		if (evbuffer_get_length(bufferevent_get_output(bev)) > 0) {
			bufferevent_disable(bev, EV_READ);
			return;
		}
	}
	if (what & BEV_EVENT_ERROR)
		log_debug("ctl: client %llu: %s", (unsigned long long)c->id,
		    strerror(EVUTIL_SOCKET_ERROR()));
	conn_free(c);
}

static void
conn_free(struct ctl_conn *c)
{
	struct ctl *ctl = c->ctl;

	if (c->fq != NULL) {
		ctl->skipped_closed += follow_q_skipped(c->fq);
		ctl->nfollowers--;
		follow_q_free(c->fq);
	}
	TAILQ_REMOVE(&ctl->conns, c, entry);
	ctl->nconns--;
	if (c->readonly)
		ctl->nconns_ro--;
	bufferevent_free(c->bev);
	/* Its descriptor goes back to the reserve before anybody takes it. */
	fdbudget_restore();
	log_debug("ctl: client %llu closed", (unsigned long long)c->id);
	free(c);
	if (ctl->stopping && ctl->nconns == 0 && ctl->done != NULL) {
		ctl->done(ctl->done_arg);
		ctl->done = NULL;
	}
}

int
ctl_conn_follow(struct ctl_conn *c, unsigned qlen)
{
	if (c->fq != NULL || c->ctl->stopping ||
	    c->ctl->nfollowers >= CTL_FOLLOWERS_MAX)
		return -1;
	if ((c->fq = follow_q_create(qlen)) == NULL)
		return -1;
	c->ctl->nfollowers++;
	/*
	 * A follower sends nothing and may read slowly: it is never idle
	 * (a slow one loses alerts instead, and is told how many).
	 */
	bufferevent_set_timeouts(c->bev, NULL, NULL);
	/* Refill from the queue once half of the socket's share drained. */
	bufferevent_setwatermark(c->bev, EV_WRITE, CTL_FOLLOW_WMARK / 2, 0);
	return 0;
}

int
ctl_conn_readonly(const struct ctl_conn *c)
{
	return c != NULL && c->readonly;
}

/*
 * Closes the client idle the longest, to make room for a new one: one
 * that is not following, has no request pending and no answer queued;
 * among those, first the ones that never sent a request (a flood of idle
 * connections), so that stratactl, between its help and its command, is
 * the last to go.  Returns 1 if one was closed.
 */
static int
conn_evict(struct ctl *ctl, const char *why)
{
	struct ctl_conn *c, *best = NULL;

	TAILQ_FOREACH(c, &ctl->conns, entry) {
		if (c->fq != NULL || c->closing ||
		    evbuffer_get_length(bufferevent_get_input(c->bev)) > 0 ||
		    evbuffer_get_length(bufferevent_get_output(c->bev)) > 0)
			continue;
		if (best == NULL || (c->nreq == 0 && best->nreq > 0) ||
		    ((c->nreq == 0) == (best->nreq == 0) &&
		    c->active_ms < best->active_ms))
			best = c;
	}
	if (best == NULL)
		return 0;
	ctl->evicted++;
	log_debug("ctl: %s: closing client %llu, idle for %lld ms", why,
	    (unsigned long long)best->id,
	    (long long)(mono_ms() - best->active_ms));
	conn_free(best);
	return 1;
}

static void
conn_new(struct ctl_lis *l, int fd)
{
	static const char busy[] =
	    "{\"ok\":false,\"error\":\"too many control clients\"}\n";
	struct ctl *ctl = l->ctl;
	struct timeval idle = { ctl->idle_ms / 1000, (ctl->idle_ms % 1000) * 1000 };
	struct ctl_conn *c;

	/* At the limit, the client idle the longest makes room. */
	if (ctl->nconns >= CTL_CLIENTS_MAX && !ctl->stopping)
		conn_evict(ctl, "at the client limit");
	if (ctl->nconns >= CTL_CLIENTS_MAX || ctl->stopping) {
		ctl->refused++;
		if (write(fd, busy, sizeof(busy) - 1) == -1)
			log_debug("ctl: refused client: %s", strerror(errno));
		close(fd);
		fdbudget_restore();
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("%s: calloc", __func__);
		close(fd);
		fdbudget_restore();
		return;
	}
	c->ctl = ctl;
	c->id = ++ctl->next_id;
	c->readonly = l->readonly;
	c->active_ms = mono_ms();
	c->bev = bufferevent_socket_new(ctl->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		log_warnx("%s: bufferevent_socket_new failed", __func__);
		close(fd);
		free(c);
		fdbudget_restore();
		return;
	}
	bufferevent_priority_set(c->bev, CTL_PRIORITY);
	/* Never buffer more than one request line (plus its newline) unread. */
	bufferevent_setwatermark(c->bev, EV_READ, 0, CTL_LINE_MAX + 2);
	bufferevent_setcb(c->bev, conn_read_cb, conn_write_cb, conn_event_cb, c);
	/* Silent for idle_ms, or not taking its answers for as long: closed. */
	bufferevent_set_timeouts(c->bev, &idle, &idle);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	TAILQ_INSERT_TAIL(&ctl->conns, c, entry);
	ctl->nconns++;
	if (c->readonly)
		ctl->nconns_ro++;
	ctl->accepted++;
	log_debug("ctl: client %llu connected%s", (unsigned long long)c->id,
	    c->readonly ? " (read-only socket)" : "");
}

static void
resume_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct ctl *ctl = arg;
	int i;

	ctl->accept_paused = 0;
	for (i = 0; i < ctl->nlis; i++)
		if (ctl->lis[i].ev != NULL)
			event_add(ctl->lis[i].ev, NULL);
}

/* Out of descriptors, nobody to close: stop accepting for a second. */
static void
accept_pause(struct ctl *ctl, int err)
{
	struct timeval tv = { 1, 0 };
	int64_t now = mono_ms();
	int i;

	ctl->accept_pauses++;
	if (now - ctl->pause_logged_ms >= CTL_PAUSE_LOG_S * 1000 ||
	    ctl->pause_logged_ms == 0) {
		log_warnx("ctl: accept: %s: not accepting control clients for "
		    "1 s (%u connected, %u spare descriptors of %u; %llu such "
		    "pauses so far)", strerror(err), ctl->nconns,
		    fdbudget_spares(), fdbudget_reserve(),
		    (unsigned long long)ctl->accept_pauses);
		ctl->pause_logged_ms = now;
	}
	for (i = 0; i < ctl->nlis; i++)
		if (ctl->lis[i].ev != NULL)
			event_del(ctl->lis[i].ev);
	ctl->accept_paused = 1;
	evtimer_add(ctl->resume, &tv);
}

/*
 * A client is accepted on a spare descriptor of the reserve when one is
 * left (the spare is closed first); out of descriptors, the client idle
 * the longest is closed for it; with none to close, accepting pauses.
 */
static void
accept_cb(evutil_socket_t lfd, short ev, void *arg)
{
	struct ctl_lis *l = arg;
	struct ctl *ctl = l->ctl;
	int i, fd, spare, err;

	for (i = 0; i < CTL_ACCEPT_MAX && !ctl->stopping; i++) {
		spare = fdbudget_release();
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd != -1) {
			conn_new(l, fd);
			continue;
		}
		err = errno;
		if (spare)
			fdbudget_restore();
		if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR ||
		    err == ECONNABORTED)
			return;
		if (err == EMFILE || err == ENFILE || err == ENOBUFS ||
		    err == ENOMEM) {
			/* Bounded: CTL_ACCEPT_MAX a wakeup. */
			if (conn_evict(ctl, strerror(err)))
				continue;
			accept_pause(ctl, err);
			return;
		}
		log_warnx("ctl: accept on %s: %s", l->path, strerror(err));
		return;
	}
}

/* A socket file left by a dead aggregator is removed; a live one is not. */
static int
check_stale(const struct sockaddr_un *sun)
{
	struct stat st;
	int fd, r;

	if (lstat(sun->sun_path, &st) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		log_warnx("ctl: %s exists and is not a socket", sun->sun_path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("ctl: socket");
		return -1;
	}
	r = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	if (r == 0) {
		log_warnx("ctl: %s: another aggregator is listening",
		    sun->sun_path);
		return -1;
	}
	if (unlink(sun->sun_path) == -1) {
		log_warn("ctl: unlink %s", sun->sun_path);
		return -1;
	}
	return 0;
}

/* Closes a listener and removes its socket file. */
static void
lis_close(struct ctl_lis *l)
{
	if (l->ev != NULL) {
		event_free(l->ev);
		l->ev = NULL;
	}
	if (l->fd != -1) {
		close(l->fd);
		l->fd = -1;
		unlink(l->path);
	}
}

/* Binds path with mode (0660 or 0666: bind makes it so, chmod says it). */
static int
lis_open(struct ctl *ctl, struct ctl_lis *l, const char *path, int readonly)
{
	struct sockaddr_un sun;
	mode_t mode = readonly ? CTL_MODE_RO : CTL_MODE, old;
	int fd;

	l->ctl = ctl;
	l->fd = -1;
	l->readonly = readonly;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_warnx("ctl: socket path too long: %s", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (check_stale(&sun) == -1)
		return -1;
	if ((l->path = strdup(path)) == NULL) {
		log_warn("%s: strdup", __func__);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		log_warn("ctl: socket");
		return -1;
	}
	old = umask(~mode & 0777);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(old);
		log_warn("ctl: bind %s", path);
		close(fd);
		return -1;
	}
	umask(old);
	l->fd = fd;
	if (chmod(path, mode) == -1) {
		log_warn("ctl: chmod %s", path);
		lis_close(l);
		return -1;
	}
	if (listen(fd, CTL_BACKLOG) == -1) {
		log_warn("ctl: listen %s", path);
		lis_close(l);
		return -1;
	}
	if ((l->ev = event_new(ctl->base, fd, EV_READ | EV_PERSIST, accept_cb,
	    l)) == NULL || event_priority_set(l->ev, CTL_PRIORITY) == -1 ||
	    event_add(l->ev, NULL) == -1) {
		log_warnx("ctl: cannot watch %s", path);
		lis_close(l);
		return -1;
	}
	log_info("control socket %s (mode %04o%s)", path, (unsigned)mode,
	    readonly ? ", read-only commands" : "");
	return 0;
}

struct ctl *
ctl_create(struct event_base *base, const struct ctl_conf *conf,
    struct ctl_env *env)
{
	struct ctl *ctl;

	if (conf->ro_path != NULL && strcmp(conf->ro_path, conf->path) == 0) {
		log_warnx("ctl: the read-only socket cannot be the control "
		    "socket (%s)", conf->path);
		return NULL;
	}
	if ((ctl = calloc(1, sizeof(*ctl))) == NULL) {
		log_warn("%s: calloc", __func__);
		return NULL;
	}
	ctl->base = base;
	ctl->env = env;
	ctl->idle_ms = conf->idle_ms ? conf->idle_ms : CTL_IDLE_MS;
	ctl->lis[0].fd = ctl->lis[1].fd = -1;
	TAILQ_INIT(&ctl->conns);
	if ((ctl->resume = evtimer_new(base, resume_cb, ctl)) == NULL) {
		log_warnx("ctl: evtimer_new failed");
		goto fail;
	}
	if (lis_open(ctl, &ctl->lis[ctl->nlis++], conf->path, 0) == -1)
		goto fail;
	if (conf->ro_path != NULL &&
	    lis_open(ctl, &ctl->lis[ctl->nlis++], conf->ro_path, 1) == -1)
		goto fail;
	env->ctl = ctl;
	return ctl;

fail:
	ctl_destroy(ctl);
	return NULL;
}

void
ctl_alert(struct ctl *ctl, struct json_object *alert)
{
	struct ctl_conn *c;
	char *line;

	if (ctl == NULL || ctl->stopping)
		return;
	ctl->alerts++;
	if (ctl->nfollowers == 0)
		return;
	if ((line = follow_line_alert(alert)) == NULL)
		return;
	TAILQ_FOREACH(c, &ctl->conns, entry) {
		if (c->fq == NULL || c->closing)
			continue;
		follow_q_push(c->fq, line);
		follow_flush(c);
	}
	free(line);
}

int
ctl_shutdown(struct ctl *ctl, const char *reason, void (*done)(void *),
    void *arg)
{
	struct ctl_conn *c, *next;
	int i;

	ctl->stopping = 1;
	ctl->done = done;
	ctl->done_arg = arg;
	for (i = 0; i < ctl->nlis; i++)
		lis_close(&ctl->lis[i]);
	evtimer_del(ctl->resume);
	for (c = TAILQ_FIRST(&ctl->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		bufferevent_disable(c->bev, EV_READ);
		if (c->fq != NULL) {
			/*
			 * What the socket has not taken yet counts as skipped,
			 * so the end object is close behind what was sent.
			 */
			follow_stop(c, reason);
		}
		c->closing = 1;
		bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
			conn_free(c);
	}
	if (ctl->nconns == 0 && ctl->done != NULL) {
		ctl->done = NULL;
		done(arg);
	}
	return (int)ctl->nconns;
}

void
ctl_destroy(struct ctl *ctl)
{
	struct ctl_conn *c;
	int i;

	if (ctl == NULL)
		return;
	ctl->done = NULL;
	while ((c = TAILQ_FIRST(&ctl->conns)) != NULL)
		conn_free(c);
	for (i = 0; i < ctl->nlis; i++) {
		lis_close(&ctl->lis[i]);
		free(ctl->lis[i].path);
	}
	if (ctl->resume != NULL)
		event_free(ctl->resume);
	if (ctl->env != NULL && ctl->env->ctl == ctl)
		ctl->env->ctl = NULL;
	jbuf_free(&ctl->jb);
	free(ctl);
}

struct json_object *
ctl_stats(struct ctl *ctl)
{
	struct json_object *o;
	struct ctl_conn *c;
	uint64_t skipped = ctl->skipped_closed;

	TAILQ_FOREACH(c, &ctl->conns, entry)
		if (c->fq != NULL)
			skipped += follow_q_skipped(c->fq);
	o = json_object_new_object();
	json_object_object_add(o, "socket", json_object_new_string(
	    ctl->lis[0].path != NULL ? ctl->lis[0].path : ""));
	if (ctl->nlis > 1)
		json_object_object_add(o, "socket_ro",
		    json_object_new_string(ctl->lis[1].path));
	json_object_object_add(o, "clients", json_object_new_int(ctl->nconns));
	json_object_object_add(o, "clients_ro",
	    json_object_new_int(ctl->nconns_ro));
	json_object_object_add(o, "followers",
	    json_object_new_int(ctl->nfollowers));
	json_object_object_add(o, "idle_timeout_ms",
	    json_object_new_int64(ctl->idle_ms));
	json_object_object_add(o, "accepting",
	    json_object_new_boolean(!ctl->accept_paused && !ctl->stopping));
	json_object_object_add(o, "fd_limit",
	    json_object_new_int64(fdbudget_limit()));
	json_object_object_add(o, "fd_spare",
	    json_object_new_int64(fdbudget_spares()));
	json_object_object_add(o, "fd_reserve",
	    json_object_new_int64(fdbudget_reserve()));
#define ADD(name) json_object_object_add(o, #name, \
	    json_object_new_int64((int64_t)ctl->name))
	ADD(accepted);
	ADD(refused);
	ADD(evicted);
	ADD(idle_closed);
	ADD(accept_pauses);
	ADD(requests);
	ADD(errors);
	ADD(bad_requests);
	ADD(alerts);
#undef ADD
	json_object_object_add(o, "skipped",
	    json_object_new_int64((int64_t)skipped));
	return o;
}
