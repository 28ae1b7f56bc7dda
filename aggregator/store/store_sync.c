/*
 * store_sync.c: the store's syncer thread.  With durable = yes SQLite
 * fsyncs its WAL in every COMMIT: on a big database or a slow disk tens
 * of milliseconds on the aggregator's event loop, which every control
 * request behind it waits for.  With the syncer, a group's COMMIT runs at
 * synchronous = NORMAL (its pages written into the WAL, no fsync) and this
 * thread fdatasyncs the WAL through a descriptor of its own.  A group's
 * batches are acknowledged once a sync that began after their COMMIT has
 * ended (store_sync_done()), so an acknowledgement still means on disk;
 * meanwhile the loop serves requests and the next groups write and
 * commit, and one sync covers every group committed before it began.
 * Writes outside a group (an operator's, the timers') stay at
 * synchronous = FULL.  A failed sync is final: nothing committed after
 * the last good one is acknowledged again (the kernel may have dropped
 * the pages it could not write and would not say so twice), every later
 * group is refused, and the agents keep their records until a restart.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "log.h"
#include "store.h"
#include "store_int.h"

struct store_sync {
	pthread_t		 thread;
	pthread_mutex_t		 mtx;
	pthread_cond_t		 cond;
	int			 fd;		/* the WAL, the thread's own */
	int			 pipe[2];	/* a byte per sync ended, to the loop */
	/* Under mtx. */
	int			 stop;
	uint64_t		 req;		/* the newest commit to make durable */
	uint64_t		 done;		/* durable up to this commit */
	int			 err;		/* a sync failed: its errno */
	/* The thread's, read after it is joined. */
	uint64_t		 syncs;
	uint64_t		 max_us;
	/* The loop's. */
	uint64_t		 gen;		/* commits numbered from 1 */
};

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void *
sync_main(void *arg)
{
	struct store_sync *y = arg;
	uint64_t target, t0, us;
	int r, e;

	pthread_mutex_lock(&y->mtx);
	for (;;) {
		while (!y->stop && (y->req == y->done || y->err != 0))
			pthread_cond_wait(&y->cond, &y->mtx);
		if (y->stop)
			break;
		target = y->req;
		pthread_mutex_unlock(&y->mtx);
		t0 = now_us();
		r = fdatasync(y->fd);
		e = errno;
		if ((us = now_us() - t0) > y->max_us)
			y->max_us = us;
		y->syncs++;
		pthread_mutex_lock(&y->mtx);
		if (r == 0)
			y->done = target;
		else
			y->err = e != 0 ? e : EIO;
		/* The loop reads every byte; a full pipe already wakes it. */
		(void)write(y->pipe[1], "s", 1);
	}
	pthread_mutex_unlock(&y->mtx);
	return NULL;
}

static void
sync_free(struct store_sync *y)
{
	if (y->fd != -1)
		close(y->fd);
	if (y->pipe[0] != -1)
		close(y->pipe[0]);
	if (y->pipe[1] != -1)
		close(y->pipe[1]);
	free(y);
}

int
store_syncer_start(struct store *s)
{
	struct store_sync *y;
	const char *db;
	char path[4096];
	int fl, i;

	if (s->sync != NULL)
		return 0;
	if ((db = sqlite3_db_filename(s->db, "main")) == NULL || *db == '\0' ||
	    snprintf(path, sizeof(path), "%s-wal", db) >= (int)sizeof(path)) {
		log_warnx("store: syncer: no WAL file for %s", s->path);
		return -1;
	}
	if ((y = calloc(1, sizeof(*y))) == NULL) {
		log_warn("%s: calloc", __func__);
		return -1;
	}
	y->pipe[0] = y->pipe[1] = -1;
	if ((y->fd = open(path, O_RDWR | O_CLOEXEC)) == -1) {
		log_warn("store: syncer: %s", path);
		sync_free(y);
		return -1;
	}
	if (pipe(y->pipe) == -1) {
		log_warn("store: syncer: pipe");
		sync_free(y);
		return -1;
	}
	for (i = 0; i < 2; i++)
		if ((fl = fcntl(y->pipe[i], F_GETFL)) == -1 ||
		    fcntl(y->pipe[i], F_SETFL, fl | O_NONBLOCK) == -1 ||
		    fcntl(y->pipe[i], F_SETFD, FD_CLOEXEC) == -1) {
			log_warn("store: syncer: fcntl");
			sync_free(y);
			return -1;
		}
	pthread_mutex_init(&y->mtx, NULL);
	pthread_cond_init(&y->cond, NULL);
	if ((errno = pthread_create(&y->thread, NULL, sync_main, y)) != 0) {
		log_warn("store: syncer: pthread_create");
		pthread_mutex_destroy(&y->mtx);
		pthread_cond_destroy(&y->cond);
		sync_free(y);
		return -1;
	}
	s->sync = y;
	log_debug("store: syncer thread for %s", path);
	return 0;
}

void
store_syncer_stop(struct store *s)
{
	struct store_sync *y = s->sync;

	if (y == NULL)
		return;
	pthread_mutex_lock(&y->mtx);
	y->stop = 1;
	pthread_cond_signal(&y->cond);
	pthread_mutex_unlock(&y->mtx);
	pthread_join(y->thread, NULL);
	if (y->err != 0)
		log_warnx("store: syncer: a sync of the WAL failed: %s",
		    strerror(y->err));
	log_debug("store: syncer: %llu syncs, the longest %.1f ms",
	    (unsigned long long)y->syncs, y->max_us / 1000.0);
	pthread_mutex_destroy(&y->mtx);
	pthread_cond_destroy(&y->cond);
	sync_free(y);
	s->sync = NULL;
}

/* A commit to make durable: its number, 0 when a sync already failed. */
uint64_t
store_sync_request(struct store *s)
{
	struct store_sync *y = s->sync;
	uint64_t gen = 0;

	pthread_mutex_lock(&y->mtx);
	if (y->err == 0) {
		gen = y->req = ++y->gen;
		pthread_cond_signal(&y->cond);
	}
	pthread_mutex_unlock(&y->mtx);
	return gen;
}

/* The WAL synced on the caller's thread (a commit that waits). */
int
store_sync_now(struct store *s)
{
	struct store_sync *y = s->sync;
	int err;

	pthread_mutex_lock(&y->mtx);
	err = y->err;
	pthread_mutex_unlock(&y->mtx);
	if (err == 0 && fdatasync(y->fd) == -1) {
		err = errno != 0 ? errno : EIO;
		pthread_mutex_lock(&y->mtx);
		y->err = err;
		pthread_mutex_unlock(&y->mtx);
	}
	if (err != 0) {
		log_warnx("store: the WAL cannot be synced: %s", strerror(err));
		return -1;
	}
	return 0;
}

int
store_sync_fd(struct store *s)
{
	return s->sync != NULL ? s->sync->pipe[0] : -1;
}

int
store_sync_done(struct store *s, uint64_t *gen)
{
	struct store_sync *y = s->sync;
	char buf[64];
	int err;

	*gen = 0;
	if (y == NULL)
		return 0;
	while (read(y->pipe[0], buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&y->mtx);
	*gen = y->done;
	err = y->err;
	pthread_mutex_unlock(&y->mtx);
	if (err != 0) {
		log_warnx("store: a sync of the WAL failed: %s; nothing is "
		    "acknowledged from now on (the agents keep their records)",
		    strerror(err));
		return -1;
	}
	return 0;
}
