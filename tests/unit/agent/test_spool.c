/*
 * test_spool.c: the agent's spool (daemon/spool.c) on a real file: batches
 * read back in order, acks by batch seq, rewind after a lost connection,
 * reopening resends only what was never acked, a torn last line and a
 * corrupt line are skipped, the size cap drops the oldest (counted), and
 * acknowledged bytes are compacted away.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "spool.h"
#include "tap.h"

struct got {
	unsigned	n;
	uint64_t	first, last;
	char		first_rec[128];
	char		last_rec[128];
};

static int
collect(void *arg, uint64_t seq, const char *rec, size_t len)
{
	struct got *g = arg;
	size_t n = len < sizeof(g->last_rec) - 1 ? len : sizeof(g->last_rec) - 1;

	if (g->n++ == 0) {
		g->first = seq;
		memcpy(g->first_rec, rec, n);
		g->first_rec[n] = '\0';
	}
	g->last = seq;
	memcpy(g->last_rec, rec, n);
	g->last_rec[n] = '\0';
	return 0;
}

static int
rd(struct spool *sp, unsigned max, struct got *g, uint64_t *last)
{
	memset(g, 0, sizeof(*g));
	return spool_read(sp, max, 1 << 20, collect, g, last);
}

static void
add(struct spool *sp, int i, int pad)
{
	char rec[512];
	int n;

	n = snprintf(rec, sizeof(rec), "{\"id\":\"r%d\",\"kind\":\"test\",\"pad\":\"%.*s\"}",
	    i, pad, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	spool_append(sp, rec, (size_t)n);
}

static void
raw_append(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_APPEND);

	if (fd == -1 || write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		diag("cannot append to %s", path);
	if (fd != -1)
		close(fd);
}

static int64_t
file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (int64_t)st.st_size : -1;
}

static int64_t
stat_of(struct spool *sp, const char *name)
{
	struct json_object *o = json_object_new_object(), *v;
	int64_t n = -1;

	spool_stats(sp, o);
	if (json_object_object_get_ex(o, name, &v))
		n = json_object_get_int64(v);
	json_object_put(o);
	return n;
}

int
main(void)
{
	char dir[] = "/tmp/test_spool.XXXXXX", path[256], other[256], head[32];
	struct spool *sp;
	struct got g;
	uint64_t last;
	FILE *f;
	int i, n, acked_ok;

	log_init("test_spool", 1, 0);
	plan(34);
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/agent.spool", dir);

	sp = spool_open(path, 1 << 20);
	ok(sp != NULL, "a new spool opens");
	for (i = 1; i <= 10; i++)
		add(sp, i, 10);
	is_int(spool_unacked(sp), 10, "10 records appended, 10 unacked");
	n = rd(sp, 4, &g, &last);
	ok(n == 4 && g.first == 1 && last == 4, "first batch: records 1-4, seq 4");
	n = rd(sp, 4, &g, &last);
	ok(n == 4 && g.first == 5 && last == 8, "second batch: records 5-8, seq 8");
	is_int(spool_unsent(sp), 2, "2 records not sent yet");
	is_int(spool_batches(sp), 2, "2 batches in flight");
	ok(spool_ack(sp, 6) == -1, "ack 6 ends no batch: refused");
	ok(spool_ack(sp, 4) == 0, "ack 4 accepted");
	is_int(spool_unacked(sp), 6, "6 records left unacked");
	spool_rewind(sp);
	is_int(spool_unsent(sp), 6, "after a rewind, the 6 are to be sent again");
	n = rd(sp, 100, &g, &last);
	ok(n == 6 && g.first == 5 && last == 10, "resent from record 5 to 10");
	ok(strstr(g.first_rec, "\"r5\"") != NULL, "record 5 is r5: %s", g.first_rec);
	ok(spool_ack(sp, 10) == 0 && spool_unacked(sp) == 0, "ack 10: nothing left");
	ok(spool_ack(sp, 4) == 0, "a stale ack (4) is ignored");

	for (i = 11; i <= 15; i++)
		add(sp, i, 10);
	rd(sp, 3, &g, &last);
	acked_ok = spool_ack(sp, last) == 0;
	rd(sp, 3, &g, &last);		/* 14, 15: sent, never acked */
	ok(acked_ok && last == 15, "records 11-13 acked, 14-15 in flight");
	spool_close(sp);

	sp = spool_open(path, 1 << 20);
	ok(sp != NULL, "the spool reopens (agent restart)");
	is_int(spool_unacked(sp), 2, "2 unacked records survive the restart");
	n = rd(sp, 100, &g, &last);
	ok(n == 2 && strstr(g.first_rec, "\"r14\"") && strstr(g.last_rec, "\"r15\""),
	    "only r14 and r15 are resent");
	spool_close(sp);

	f = fopen(path, "r");
	ok(f != NULL && fgets(head, sizeof(head), f) != NULL &&
	    strcmp(head, "strata-spool 1\n") == 0, "file starts with \"strata-spool 1\"");
	if (f != NULL)
		fclose(f);

	raw_append(path, "16 {\"id\":\"r16\",\"ki");	/* torn by a crash */
	sp = spool_open(path, 1 << 20);
	is_int(spool_unacked(sp), 2, "a torn last line is dropped: still 2 unacked");
	is_int(spool_bytes(sp), file_size(path), "and cut from the file");
	spool_close(sp);
	raw_append(path, "17 not json\n18 {\"id\":\"r18\"}\nbogus\n");
	sp = spool_open(path, 1 << 20);
	is_int(spool_unacked(sp), 3, "corrupt lines skipped, r18 kept: 3 unacked");
	is_int(stat_of(sp, "spool_corrupt"), 2, "2 corrupt lines counted");
	spool_close(sp);

	snprintf(other, sizeof(other), "%s/notes.txt", dir);
	f = fopen(other, "w");
	fputs("my notes\n", f);
	fclose(f);
	ok(spool_open(other, 1 << 20) == NULL, "a file that is not a spool is refused");
	is_int(file_size(other), 9, "and left untouched (9 bytes)");

	/* The cap: 200 records of about 110 bytes into 8 KiB. */
	snprintf(other, sizeof(other), "%s/small.spool", dir);
	sp = spool_open(other, 8192);
	for (i = 1; i <= 200; i++)
		add(sp, i, 60);
	ok(spool_dropped(sp) > 0, "over the cap, %" PRIu64 " oldest records dropped",
	    spool_dropped(sp));
	is_int(spool_unacked(sp) + spool_dropped(sp), 200, "kept + dropped = 200");
	ok(spool_bytes(sp) <= 8192, "spool holds %" PRIu64 " <= 8192 bytes",
	    spool_bytes(sp));
	n = rd(sp, 1000, &g, &last);
	ok((uint64_t)n == spool_unacked(sp) && strstr(g.last_rec, "\"r200\"") != NULL,
	    "the newest are kept: last record r200");
	spool_close(sp);
	ok(file_size(other) <= 8192, "file on disk is %" PRId64 " <= 8192 bytes",
	    file_size(other));

	/* Acked bytes are compacted away (in memory: the same code on a memfd). */
	sp = spool_open(NULL, 64 << 20);
	ok(sp != NULL, "a memory-only spool opens");
	for (i = 1; i <= 20000; i++) {
		add(sp, i, 150);
		if (i % 500 == 0) {
			rd(sp, 500, &g, &last);
			spool_ack(sp, last);
		}
	}
	is_int(spool_unacked(sp), 0, "20000 records (about 4 MB) all acked");
	ok(spool_bytes(sp) < 1100000, "4 MB went through, the spool holds %" PRIu64
	    " bytes (acked bytes compacted once they pass 1 MiB)", spool_bytes(sp));
	ok(stat_of(sp, "spool_compactions") >= 3, "%" PRId64 " compactions",
	    stat_of(sp, "spool_compactions"));
	spool_close(sp);

	unlink(path);
	unlink(other);
	snprintf(other, sizeof(other), "%s/notes.txt", dir);
	unlink(other);
	rmdir(dir);
	return exit_status();
}
