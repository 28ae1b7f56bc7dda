/*
 * ctl.c: the control socket of strata-aggregator.  Listens on a UNIX socket
 * (mode 0660), reads newline-delimited JSON requests, answers each through
 * the command table (ctl_cmds.c) and turns a connection into an alert
 * stream for `alerts follow`.  Nothing here ever blocks: a client that does
 * not read stops being read from (requests) or loses alerts (followers).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/queue.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>

#include "log.h"
#include "ctl.h"

struct ctl_conn {
	TAILQ_ENTRY(ctl_conn)	 entry;
	struct ctl		*ctl;
	struct bufferevent	*bev;
	struct follow_q		*fq;		/* non-NULL: following alerts */
	uint64_t		 id;
	int			 discarding;	/* inside an over-long line */
	int			 paused;	/* reading stopped: output too big */
	int			 closing;	/* free once output drained */
};

struct ctl {
	struct event_base	*base;
	struct ctl_env		*env;
	char			*path;
	struct evconnlistener	*lev;
	struct event		*resume;	/* accept again after EMFILE */
	TAILQ_HEAD(, ctl_conn)	 conns;
	unsigned		 nconns;
	unsigned		 nfollowers;
	uint64_t		 next_id;
	uint64_t		 accepted;
	uint64_t		 refused;	/* too many clients */
	uint64_t		 requests;
	uint64_t		 errors;	/* error responses */
	uint64_t		 alerts;	/* alerts offered to followers */
	uint64_t		 skipped_closed;	/* by followers now gone */
	int			 stopping;
	void			(*done)(void *);
	void			*done_arg;
};

static void	conn_free(struct ctl_conn *);
static void	conn_process(struct ctl_conn *, int at_eof);

static void
conn_send(struct ctl_conn *c, struct json_object *resp)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	struct json_object *ok;
	const char *s;

	c->ctl->requests++;
	if (json_object_object_get_ex(resp, "ok", &ok) &&
	    !json_object_get_boolean(ok))
		c->ctl->errors++;
	s = json_object_to_json_string_ext(resp, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	evbuffer_add(out, s, strlen(s));
	evbuffer_add(out, "\n", 1);
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
		evbuffer_add(out, line, strlen(line));
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

static void
conn_line(struct ctl_conn *c, const char *line, size_t len)
{
	struct json_object *resp;
	int streaming;

	if (len > CTL_LINE_MAX) {
		conn_send(c, ctl_response_error("request longer than %d bytes",
		    CTL_LINE_MAX));
		return;
	}
	resp = ctl_handle_line(c->ctl->env, c, line, len, &streaming);
	if (resp != NULL)
		conn_send(c, resp);
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
				if (!c->discarding)
					conn_send(c, ctl_response_error(
					    "request longer than %d bytes",
					    CTL_LINE_MAX));
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
	conn_process(arg, 0);
}

static void
conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct ctl_conn *c = arg;
	struct evbuffer *out = bufferevent_get_output(bev);

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

	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR) &&
	    c->fq == NULL && !c->closing) {
		/* Half-closed: answer what was sent, then close. */
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
	bufferevent_free(c->bev);
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
	if (c->fq != NULL || c->ctl->stopping)
		return (-1);
	if ((c->fq = follow_q_create(qlen)) == NULL)
		return (-1);
	c->ctl->nfollowers++;
	/* Refill from the queue once half of the socket's share drained. */
	bufferevent_setwatermark(c->bev, EV_WRITE, CTL_FOLLOW_WMARK / 2, 0);
	return (0);
}

static void
accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	static const char busy[] =
	    "{\"ok\":false,\"error\":\"too many control clients\"}\n";
	struct ctl *ctl = arg;
	struct ctl_conn *c;

	if (ctl->nconns >= CTL_CLIENTS_MAX || ctl->stopping) {
		ctl->refused++;
		if (write(fd, busy, sizeof(busy) - 1) == -1)
			log_debug("ctl: refused client: %s", strerror(errno));
		close(fd);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("%s: calloc", __func__);
		close(fd);
		return;
	}
	c->ctl = ctl;
	c->id = ++ctl->next_id;
	c->bev = bufferevent_socket_new(ctl->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		log_warnx("%s: bufferevent_socket_new failed", __func__);
		close(fd);
		free(c);
		return;
	}
	/* Never buffer more than one request line (plus its newline) unread. */
	bufferevent_setwatermark(c->bev, EV_READ, 0, CTL_LINE_MAX + 2);
	bufferevent_setcb(c->bev, conn_read_cb, conn_write_cb, conn_event_cb, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	TAILQ_INSERT_TAIL(&ctl->conns, c, entry);
	ctl->nconns++;
	ctl->accepted++;
	log_debug("ctl: client %llu connected", (unsigned long long)c->id);
}

static void
resume_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct ctl *ctl = arg;

	if (ctl->lev != NULL)
		evconnlistener_enable(ctl->lev);
}

/* Out of descriptors: stop accepting for a second instead of spinning. */
static void
accept_error_cb(struct evconnlistener *lev, void *arg)
{
	struct ctl *ctl = arg;
	struct timeval tv = { 1, 0 };
	int err = EVUTIL_SOCKET_ERROR();

	log_warnx("ctl: accept: %s", strerror(err));
	if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
		evconnlistener_disable(lev);
		evtimer_add(ctl->resume, &tv);
	}
}

/* A socket file left by a dead aggregator is removed; a live one is not. */
static int
check_stale(const struct sockaddr_un *sun)
{
	struct stat st;
	int fd, r;

	if (lstat(sun->sun_path, &st) == -1)
		return (errno == ENOENT ? 0 : -1);
	if (!S_ISSOCK(st.st_mode)) {
		log_warnx("ctl: %s exists and is not a socket", sun->sun_path);
		return (-1);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("ctl: socket");
		return (-1);
	}
	r = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	if (r == 0) {
		log_warnx("ctl: %s: another aggregator is listening",
		    sun->sun_path);
		return (-1);
	}
	if (unlink(sun->sun_path) == -1) {
		log_warn("ctl: unlink %s", sun->sun_path);
		return (-1);
	}
	return (0);
}

struct ctl *
ctl_create(struct event_base *base, const char *path, struct ctl_env *env)
{
	struct sockaddr_un sun;
	struct ctl *ctl = NULL;
	mode_t old;
	int fd = -1;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_warnx("ctl: socket path too long: %s", path);
		return (NULL);
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (check_stale(&sun) == -1)
		return (NULL);
	if ((ctl = calloc(1, sizeof(*ctl))) == NULL ||
	    (ctl->path = strdup(path)) == NULL) {
		log_warn("%s: calloc", __func__);
		goto fail;
	}
	ctl->base = base;
	ctl->env = env;
	TAILQ_INIT(&ctl->conns);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		log_warn("ctl: socket");
		goto fail;
	}
	old = umask(S_IXUSR | S_IXGRP | S_IRWXO);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(old);
		log_warn("ctl: bind %s", path);
		goto fail;
	}
	umask(old);
	if (chmod(path, 0660) == -1) {
		log_warn("ctl: chmod %s", path);
		goto fail_unlink;
	}
	ctl->lev = evconnlistener_new(base, accept_cb, ctl,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 16, fd);
	if (ctl->lev == NULL) {
		log_warn("ctl: listen %s", path);
		goto fail_unlink;
	}
	fd = -1;
	evconnlistener_set_error_cb(ctl->lev, accept_error_cb);
	if ((ctl->resume = evtimer_new(base, resume_cb, ctl)) == NULL) {
		log_warnx("ctl: evtimer_new failed");
		goto fail_unlink;
	}
	env->ctl = ctl;
	log_info("control socket %s", path);
	return (ctl);

fail_unlink:
	unlink(path);
fail:
	if (fd != -1)
		close(fd);
	if (ctl != NULL) {
		if (ctl->lev != NULL)
			evconnlistener_free(ctl->lev);
		free(ctl->path);
		free(ctl);
	}
	return (NULL);
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

	ctl->stopping = 1;
	ctl->done = done;
	ctl->done_arg = arg;
	if (ctl->lev != NULL) {
		evconnlistener_free(ctl->lev);
		ctl->lev = NULL;
		unlink(ctl->path);
	}
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
	return ((int)ctl->nconns);
}

void
ctl_destroy(struct ctl *ctl)
{
	struct ctl_conn *c;

	if (ctl == NULL)
		return;
	ctl->done = NULL;
	while ((c = TAILQ_FIRST(&ctl->conns)) != NULL)
		conn_free(c);
	if (ctl->lev != NULL) {
		evconnlistener_free(ctl->lev);
		unlink(ctl->path);
	}
	if (ctl->resume != NULL)
		event_free(ctl->resume);
	if (ctl->env != NULL && ctl->env->ctl == ctl)
		ctl->env->ctl = NULL;
	free(ctl->path);
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
	json_object_object_add(o, "socket", json_object_new_string(ctl->path));
	json_object_object_add(o, "clients", json_object_new_int(ctl->nconns));
	json_object_object_add(o, "followers",
	    json_object_new_int(ctl->nfollowers));
	json_object_object_add(o, "accepted",
	    json_object_new_int64((int64_t)ctl->accepted));
	json_object_object_add(o, "refused",
	    json_object_new_int64((int64_t)ctl->refused));
	json_object_object_add(o, "requests",
	    json_object_new_int64((int64_t)ctl->requests));
	json_object_object_add(o, "errors",
	    json_object_new_int64((int64_t)ctl->errors));
	json_object_object_add(o, "alerts",
	    json_object_new_int64((int64_t)ctl->alerts));
	json_object_object_add(o, "skipped",
	    json_object_new_int64((int64_t)skipped));
	return (o);
}
