/*
 * reader.c: the event source in a thread of its own (see reader.h).
 *
 * The thread runs the babeltrace2 graph and copies every wanted event,
 * strings included, into a batch; a full batch (or whatever a run produced)
 * goes to the main thread through a queue and a byte on a pipe that the
 * libevent loop watches.  A batch is one arena the main thread reads front
 * to back: each event packed (its header, its decoded fields, their
 * strings) and, once per event class in the batch, a copy of the
 * analyzers' plans, which the source may free when it rebuilds its graph.
 * A fixed pool of batches bounds memory: when the
 * analyzers fall behind, the thread waits for a batch to come back.
 * Waiting for a live session, and the backoff after relayd went away,
 * happen in the thread too, on a condition variable, so stopping is
 * immediate; a relay daemon that accepted and never answers keeps the
 * thread in recv(2), so stopping also interrupts the graph and sends the
 * thread SIGUSR2 (a handler without SA_RESTART: recv fails with EINTR,
 * babeltrace2 sees the interrupter) until it is out.
 *
 * With one thread (an offline trace, `threads = 1`), there is no batch:
 * a timer of the loop runs the source for a while, and the source hands
 * each event straight to the analyzers, as they would see it from a
 * batch of the same size.  No copy, no hand-over, no wake-up of another
 * core: less CPU, in one core's time.
 */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "reader.h"

#define RD_EVENTS	1024		/* events per batch */
#define RD_ARENA	(384 * 1024)	/* bytes of events and strings per batch */
#define RD_PSETS	64		/* event classes per batch (plan sets) */
#define RD_BATCHES	4		/* batches in flight */
#define RD_MAX_AN	16		/* analyzers (lib/analyzers/analyzers.c) */
#define RD_REOPEN_MS	1000		/* live session ended: look again */
#define RD_STOP_MS	5000		/* stopping: how long to prod the thread */

#define RD_ALIGN(n)	(((n) + 7) & ~(size_t)7)

struct rd_batch {
	struct rd_batch		*next;
	unsigned		 n;
	size_t			 used;		/* of arena */
	int			 end;		/* carries the source's end */
	enum source_status	 status;
	char			 msg[512];
	uint32_t		 off[RD_EVENTS];	/* event i in arena */
	uint8_t			 pset[RD_EVENTS];	/* its plans */
	unsigned		 npsets;
	const struct ev_plan	*pkey[RD_PSETS];	/* the source's, to find */
	struct ev_plan		 plans[RD_PSETS][RD_MAX_AN];
	_Alignas(8) char	 arena[RD_ARENA];
};

struct reader {
	struct source		*src;
	struct event		*ev_run;	/* one thread: the source's turn */
	unsigned		 run_n;		/* one thread: events since a batch */
	unsigned		 nan;
	unsigned		 idle_ms;
	struct reader_cb	 cb;
	void			*arg;

	pthread_t		 thread;
	int			 started;
	pthread_mutex_t		 mtx;
	pthread_cond_t		 cond;
	int			 stop;		/* under mtx */
	int			 exited;	/* under mtx: rd_main returned */
	struct rd_batch		*free;		/* under mtx */
	struct rd_batch		*full, **full_tail;	/* under mtx */
	struct source_stats	 stats;		/* under mtx */
	struct rd_batch		*cur;		/* the thread's own */
	uint64_t		 rebuilds;	/* the source's, when cur's psets began */
	uint64_t		 dropped;	/* events lost while stopping */

	int			 pipefd[2];
	struct event		*ev_pipe;
};

/* Waits up to ms, or until stop; returns 1 when stopping. */
static int
rd_sleep(struct reader *r, unsigned ms)
{
	struct timespec ts;
	int stop;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&r->mtx);
	while (!r->stop &&
	    pthread_cond_timedwait(&r->cond, &r->mtx, &ts) != ETIMEDOUT)
		;
	stop = r->stop;
	pthread_mutex_unlock(&r->mtx);
	return stop;
}

/* The thread's next empty batch; -1 when stopping. */
static int
rd_take(struct reader *r)
{
	pthread_mutex_lock(&r->mtx);
	while (r->free == NULL && !r->stop)
		pthread_cond_wait(&r->cond, &r->mtx);
	if (r->stop) {
		pthread_mutex_unlock(&r->mtx);
		return -1;
	}
	r->cur = r->free;
	r->free = r->cur->next;
	pthread_mutex_unlock(&r->mtx);
	r->cur->next = NULL;
	r->cur->n = 0;
	r->cur->used = 0;
	r->cur->npsets = 0;
	r->cur->end = 0;
	r->rebuilds = source_stats(r->src)->rebuilds;
	return 0;
}

/* Hands the current batch to the main thread, even an empty one that ends. */
static void
rd_post(struct reader *r)
{
	struct rd_batch *b = r->cur;
	char c = 1;

	if (b == NULL || (b->n == 0 && !b->end))
		return;
	r->cur = NULL;
	pthread_mutex_lock(&r->mtx);
	*r->full_tail = b;
	r->full_tail = &b->next;
	r->stats = *source_stats(r->src);
	pthread_mutex_unlock(&r->mtx);
	if (write(r->pipefd[1], &c, 1) == -1 && errno != EAGAIN)
		log_warn("%s: write", __func__);
}

/*
 * The batch's copy of a class's plans.  The source's pointer identifies the
 * class until the source rebuilds its graph and frees its classes; after a
 * rebuild, the pointers seen before are forgotten.  -1: the batch is full.
 */
static int
rd_pset(struct reader *r, struct rd_batch *b, const struct ev_plan *plans)
{
	uint64_t rebuilds = source_stats(r->src)->rebuilds;
	unsigned i;

	if (rebuilds != r->rebuilds) {
		r->rebuilds = rebuilds;
		for (i = 0; i < b->npsets; i++)
			b->pkey[i] = NULL;
	}
	for (i = b->npsets; i-- > 0; )
		if (b->pkey[i] == plans)
			return (int)i;
	if (b->npsets == RD_PSETS)
		return -1;
	b->pkey[b->npsets] = plans;
	memcpy(b->plans[b->npsets], plans, r->nan * sizeof(*plans));
	return (int)b->npsets++;
}

/* Source dispatch, in the thread: pack the event into the batch. */
static void
rd_dispatch(void *arg, struct ev *ev, const struct ev_plan *plans)
{
	struct reader *r = arg;
	struct rd_batch *b;
	struct ev *dst;
	size_t head, need, len[EV_MAX_FIELDS];
	char *p;
	unsigned i;
	int ps;

	/* Names live as long as the source; only string values are copied. */
	head = RD_ALIGN(offsetof(struct ev, f) + ev->nfields * sizeof(ev->f[0]));
	need = head;
	for (i = 0; i < ev->nfields; i++)
		if (ev->f[i].type == EVF_STR)
			need += (len[i] = strlen(ev->f[i].v.s) + 1);
	need = RD_ALIGN(need);
	if (need > RD_ARENA) {
		r->dropped++;		/* strings of about 384 KiB */
		return;
	}
	if (r->cur != NULL && (r->cur->n == RD_EVENTS ||
	    r->cur->used + need > RD_ARENA))
		rd_post(r);
	if (r->cur == NULL && rd_take(r) == -1) {
		r->dropped++;
		return;
	}
	if ((ps = rd_pset(r, r->cur, plans)) == -1) {
		rd_post(r);
		if (rd_take(r) == -1) {
			r->dropped++;
			return;
		}
		ps = rd_pset(r, r->cur, plans);
	}
	b = r->cur;
	b->off[b->n] = (uint32_t)b->used;
	b->pset[b->n++] = (uint8_t)ps;
	dst = (struct ev *)(void *)(b->arena + b->used);
	memcpy(dst, ev, head);
	p = b->arena + b->used + head;
	for (i = 0; i < ev->nfields; i++)
		if (ev->f[i].type == EVF_STR) {
			memcpy(p, ev->f[i].v.s, len[i]);
			dst->f[i].v.s = p;
			p += len[i];
		}
	b->used += need;
}

/* Ends the thread's work with a batch that says why. */
static void
rd_end(struct reader *r, enum source_status st)
{
	if (r->cur == NULL && rd_take(r) == -1)
		return;
	r->cur->end = 1;
	r->cur->status = st;
	snprintf(r->cur->msg, sizeof(r->cur->msg), "%s",
	    st == SOURCE_ERROR ? source_error(r->src) : "");
	rd_post(r);
}

/*
 * After a run of the source that returned st: the milliseconds until the
 * next run, or -1 when the source is done (an offline trace's end or
 * error).  Both ways of running the source (rd_main, rd_run) go by it.
 */
static int
rd_next_ms(struct reader *r, enum source_status st)
{
	int live = source_is_live(r->src);

	switch (st) {
	case SOURCE_PROGRESS:
		return 0;
	case SOURCE_AGAIN:
		return (int)r->idle_ms;
	case SOURCE_END:
		return live ? RD_REOPEN_MS : -1;
	case SOURCE_ERROR:
		/* The source logs a live outage once; keep trying. */
		return live ? (int)source_retry_ms(r->src) : -1;
	}
	return -1;
}

static void *
rd_main(void *arg)
{
	struct reader *r = arg;
	enum source_status st;
	int ms;

	for (;;) {
		pthread_mutex_lock(&r->mtx);
		if (r->stop) {
			pthread_mutex_unlock(&r->mtx);
			break;
		}
		pthread_mutex_unlock(&r->mtx);

		st = source_run(r->src, RD_EVENTS * 4);
		ms = rd_next_ms(r, st);
		if (st == SOURCE_END || ms == -1)
			rd_end(r, st);
		else
			rd_post(r);
		if (ms == -1 || (ms > 0 && rd_sleep(r, (unsigned)ms)))
			break;
	}
	pthread_mutex_lock(&r->mtx);
	r->exited = 1;
	pthread_mutex_unlock(&r->mtx);
	return NULL;
}

/* SIGUSR2 only makes a blocking call in the reader thread fail (EINTR). */
static void
rd_wake(int sig)
{
	(void)sig;
}

/* Main thread: run the analyzers over what the thread has read. */
static void
rd_ready(evutil_socket_t fd, short what, void *arg)
{
	struct reader *r = arg;
	struct rd_batch *list, *b, *last = NULL;
	enum source_status st = SOURCE_PROGRESS;
	char buf[64], msg[512] = "";
	int end = 0;
	unsigned i;

	while (read(r->pipefd[0], buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&r->mtx);
	list = r->full;
	r->full = NULL;
	r->full_tail = &r->full;
	pthread_mutex_unlock(&r->mtx);

	for (b = list; b != NULL; b = b->next) {
		for (i = 0; i < b->n; i++)
			r->cb.event(r->arg,
			    (struct ev *)(void *)(b->arena + b->off[i]),
			    b->plans[b->pset[i]]);
		r->cb.batch(r->arg);
		if (b->end) {
			end = 1;
			st = b->status;
			snprintf(msg, sizeof(msg), "%s", b->msg);
		}
		last = b;
	}
	if (last != NULL) {
		pthread_mutex_lock(&r->mtx);
		last->next = r->free;
		r->free = list;
		pthread_cond_broadcast(&r->cond);
		pthread_mutex_unlock(&r->mtx);
	}
	if (end)
		r->cb.end(r->arg, st, msg);
}

/* One thread: an event goes to the analyzers as it is decoded. */
static void
rd_direct(void *arg, struct ev *ev, const struct ev_plan *plans)
{
	struct reader *r = arg;

	r->cb.event(r->arg, ev, plans);
	if (++r->run_n == RD_EVENTS) {
		r->run_n = 0;
		r->cb.batch(r->arg);
	}
}

/* One thread: the source's turn in the loop, as long as rd_main's. */
static void
rd_run(evutil_socket_t fd, short what, void *arg)
{
	struct reader *r = arg;
	struct timeval tv = { 0, 0 };
	enum source_status st;
	int ms;

	(void)fd;
	(void)what;
	st = source_run(r->src, RD_EVENTS * 4);
	pthread_mutex_lock(&r->mtx);
	r->stats = *source_stats(r->src);
	pthread_mutex_unlock(&r->mtx);
	if (r->run_n > 0) {
		r->run_n = 0;
		r->cb.batch(r->arg);
	}
	if ((ms = rd_next_ms(r, st)) >= 0) {
		tv.tv_sec = ms / 1000;
		tv.tv_usec = (long)(ms % 1000) * 1000;
		evtimer_add(r->ev_run, &tv);
	}
	/* Last: the end may destroy r. */
	if (st == SOURCE_END || ms == -1)
		r->cb.end(r->arg, st, st == SOURCE_ERROR ?
		    source_error(r->src) : "");
}

struct reader *
reader_create(struct event_base *base, struct source *src,
    unsigned nanalyzers, unsigned idle_ms, int threaded,
    const struct reader_cb *cb, void *arg)
{
	static const struct timeval now = { 0, 0 };
	struct reader *r;
	struct rd_batch *b;
	struct sigaction sa;
	unsigned i;

	if (nanalyzers > RD_MAX_AN) {
		log_warnx("%s: %u analyzers, at most %d", __func__, nanalyzers,
		    RD_MAX_AN);
		return NULL;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		log_warn("%s: calloc", __func__);
		return NULL;
	}
	r->src = src;
	r->nan = nanalyzers;
	r->idle_ms = idle_ms;
	r->cb = *cb;
	r->arg = arg;
	r->full_tail = &r->full;
	r->pipefd[0] = r->pipefd[1] = -1;
	pthread_mutex_init(&r->mtx, NULL);
	pthread_cond_init(&r->cond, NULL);
	if (!threaded) {
		source_set_dispatch(src, rd_direct, r);
		if ((r->ev_run = evtimer_new(base, rd_run, r)) == NULL ||
		    evtimer_add(r->ev_run, &now) == -1) {
			log_warnx("%s: cannot add the source's timer", __func__);
			goto fail;
		}
		return r;
	}
	for (i = 0; i < RD_BATCHES; i++) {
		if ((b = malloc(sizeof(*b))) == NULL) {
			log_warn("%s: malloc", __func__);
			goto fail;
		}
		b->next = r->free;
		r->free = b;
	}
	if (pipe(r->pipefd) == -1) {
		log_warn("%s: pipe", __func__);
		goto fail;
	}
	for (i = 0; i < 2; i++)
		if (fcntl(r->pipefd[i], F_SETFL, O_NONBLOCK) == -1 ||
		    fcntl(r->pipefd[i], F_SETFD, FD_CLOEXEC) == -1) {
			log_warn("%s: fcntl", __func__);
			goto fail;
		}
	r->ev_pipe = event_new(base, r->pipefd[0], EV_READ | EV_PERSIST,
	    rd_ready, r);
	if (r->ev_pipe == NULL || event_add(r->ev_pipe, NULL) == -1) {
		log_warnx("%s: cannot watch the pipe", __func__);
		goto fail;
	}
	source_set_dispatch(src, rd_dispatch, r);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = rd_wake;	/* no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR2, &sa, NULL);
	if ((errno = pthread_create(&r->thread, NULL, rd_main, r)) != 0) {
		log_warn("%s: pthread_create", __func__);
		goto fail;
	}
	r->started = 1;
	return r;
fail:
	reader_destroy(r);
	return NULL;
}

void
reader_destroy(struct reader *r)
{
	struct rd_batch *b;

	if (r == NULL)
		return;
	if (r->started) {
		struct timespec pause = { 0, 50 * 1000000L };
		int i, out = 0;

		pthread_mutex_lock(&r->mtx);
		r->stop = 1;
		pthread_cond_broadcast(&r->cond);
		pthread_mutex_unlock(&r->mtx);
		source_interrupt(r->src);
		for (i = 0; i < RD_STOP_MS / 50; i++) {
			pthread_mutex_lock(&r->mtx);
			out = r->exited;
			pthread_mutex_unlock(&r->mtx);
			if (out)
				break;
			pthread_kill(r->thread, SIGUSR2);
			nanosleep(&pause, NULL);
		}
		if (!out)
			log_warnx("reader: still in babeltrace2 after %d ms "
			    "(relay daemon not answering?); waiting for it",
			    RD_STOP_MS);
		pthread_join(r->thread, NULL);
	}
	if (r->dropped > 0)
		log_info("reader: %llu events not analyzed at shutdown",
		    (unsigned long long)r->dropped);
	if (r->ev_run != NULL)
		event_free(r->ev_run);
	if (r->ev_pipe != NULL)
		event_free(r->ev_pipe);
	if (r->pipefd[0] != -1)
		close(r->pipefd[0]);
	if (r->pipefd[1] != -1)
		close(r->pipefd[1]);
	free(r->cur);
	while ((b = r->free) != NULL) {
		r->free = b->next;
		free(b);
	}
	while ((b = r->full) != NULL) {
		r->full = b->next;
		free(b);
	}
	pthread_mutex_destroy(&r->mtx);
	pthread_cond_destroy(&r->cond);
	free(r);
}

void
reader_stats(struct reader *r, struct source_stats *out)
{
	pthread_mutex_lock(&r->mtx);
	*out = r->stats;
	pthread_mutex_unlock(&r->mtx);
}
