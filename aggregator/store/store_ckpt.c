/*
 * store_ckpt.c: the store's checkpointer thread.  SQLite copies its WAL
 * back into the database file when a commit finds the WAL past
 * wal_autocheckpoint pages: on the aggregator's event loop, a pause of
 * tens of milliseconds (pages copied, the database fsynced) that every
 * control request and batch behind it waits for.  With the checkpointer
 * a thread of its own, on a connection of its own, runs a PASSIVE
 * checkpoint every STORE_CKPT_MS (it never waits for the writer and
 * never stops it); the loop's automatic checkpoint stays, as a backstop,
 * at STORE_CKPT_BACKSTOP pages, should the thread fall behind.  The
 * thread touches nothing of struct store but its own members, and never
 * logs: store_close() stops it and says what it did.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "log.h"
#include "store.h"
#include "store_int.h"

#define STORE_CKPT_MS		250
#define STORE_CKPT_BACKSTOP	4096	/* pages (16 MiB of 4 KiB pages) */

struct store_ckpt {
	pthread_t		 thread;
	pthread_mutex_t		 mtx;
	pthread_cond_t		 cond;
	int			 stop;		/* under mtx */
	sqlite3			*db;		/* the thread's own */
	char			*path;
	/* Written by the thread, read after it is joined. */
	uint64_t		 runs, frames, failures;
	int			 last_rc;
};

static sqlite3 *
ckpt_open(const char *path)
{
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA synchronous = FULL", NULL, NULL,
	    NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

static void
ckpt_reopen(struct store_ckpt *c)
{
	sqlite3 *db;

	if ((db = ckpt_open(c->path)) == NULL)
		return;		/* the old one, then */
	sqlite3_close(c->db);
	c->db = db;
}

static void *
ckpt_main(void *arg)
{
	struct store_ckpt *c = arg;
	struct timespec ts;
	int rc, nlog, nckpt;

	pthread_mutex_lock(&c->mtx);
	while (!c->stop) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += STORE_CKPT_MS * 1000000L;
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&c->cond, &c->mtx, &ts);
		if (c->stop)
			break;
		pthread_mutex_unlock(&c->mtx);
		rc = sqlite3_wal_checkpoint_v2(c->db, "main",
		    SQLITE_CHECKPOINT_PASSIVE, &nlog, &nckpt);
		c->runs++;
		if (rc == SQLITE_OK && nckpt > 0)
			c->frames += (uint64_t)nckpt;
		else if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
			/*
			 * A full disk: its connection keeps the error; a new one
			 * checkpoints again once there is room.
			 */
			c->failures++;
			c->last_rc = rc;
			ckpt_reopen(c);
		}
		pthread_mutex_lock(&c->mtx);
	}
	pthread_mutex_unlock(&c->mtx);
	return NULL;
}

int
store_checkpointer_start(struct store *s)
{
	struct store_ckpt *c;
	char sql[64];

	if (s->ckpt != NULL)
		return 0;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("%s: calloc", __func__);
		return -1;
	}
	if ((c->path = strdup(s->path)) == NULL ||
	    (c->db = ckpt_open(s->path)) == NULL) {
		log_warnx("store: checkpointer: cannot open %s", s->path);
		free(c->path);
		free(c);
		return -1;
	}
	pthread_mutex_init(&c->mtx, NULL);
	pthread_cond_init(&c->cond, NULL);
	if ((errno = pthread_create(&c->thread, NULL, ckpt_main, c)) != 0) {
		log_warn("store: checkpointer: pthread_create");
		pthread_mutex_destroy(&c->mtx);
		pthread_cond_destroy(&c->cond);
		sqlite3_close(c->db);
		free(c->path);
		free(c);
		return -1;
	}
	snprintf(sql, sizeof(sql), "PRAGMA wal_autocheckpoint = %d",
	    STORE_CKPT_BACKSTOP);
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		log_warnx("store: %s: %s", sql, sqlite3_errmsg(s->db));
	s->ckpt = c;
	log_debug("store: checkpointer thread every %d ms", STORE_CKPT_MS);
	return 0;
}

void
store_checkpointer_stop(struct store *s)
{
	struct store_ckpt *c = s->ckpt;

	if (c == NULL)
		return;
	pthread_mutex_lock(&c->mtx);
	c->stop = 1;
	pthread_cond_signal(&c->cond);
	pthread_mutex_unlock(&c->mtx);
	pthread_join(c->thread, NULL);
	if (c->failures > 0)
		log_warnx("store: checkpointer: %llu of %llu checkpoints failed, "
		    "the last: %s", (unsigned long long)c->failures,
		    (unsigned long long)c->runs, sqlite3_errstr(c->last_rc));
	log_debug("store: checkpointer: %llu checkpoints, %llu frames",
	    (unsigned long long)c->runs, (unsigned long long)c->frames);
	sqlite3_close(c->db);
	pthread_mutex_destroy(&c->mtx);
	pthread_cond_destroy(&c->cond);
	free(c->path);
	free(c);
	s->ckpt = NULL;
}
