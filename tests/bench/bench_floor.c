/*
 * bench_floor.c: the floor under strata-aggregator's ingest rate (issue 13,
 * docs/performance.md): the records of a corpus inserted by the smallest
 * C loop that keeps what the store must keep, into a fresh SQLite file
 * configured as the store is (WAL, synchronous=FULL or NORMAL, one
 * transaction per batch, a unique index on the record's identity, the
 * record's text stored).  Not a test; tests/bench/aggregator.sh runs it
 * beside each ingest run, with the same number of records:
 *
 *	tests/bench/bench_floor [-n records] [-b batch] [-s full|normal]
 *	    [-j] DB CORPUS.jsonl
 *
 * The corpus lines are taken in turn, as many times as it takes to make
 * -n records, each copy under its own identity (node, copy, line).  -j
 * parses each record with json-c first (json_tokener_parse(), the tree
 * freed): the floor of any ingest path that builds a json-c tree per
 * record.  Prints one line: records, wall seconds, records/s, CPU seconds
 * (user + system, getrusage) and records per CPU-second.
 */
#include <sys/resource.h>
#include <sys/time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <sqlite3.h>

static double
cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static double
wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
die(sqlite3 *db, const char *what)
{
	fprintf(stderr, "bench_floor: %s: %s\n", what,
	    db != NULL ? sqlite3_errmsg(db) : "out of memory");
	exit(1);
}

static void
exec(sqlite3 *db, const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		die(db, sql);
}

/* The corpus, one record per line, newlines stripped. */
static char **
corpus_read(const char *path, size_t *np)
{
	FILE *f;
	char *line = NULL, **v = NULL;
	size_t cap = 0, n = 0, vcap = 0;
	ssize_t len;

	if ((f = fopen(path, "r")) == NULL) {
		perror(path);
		exit(1);
	}
	while ((len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (len == 0)
			continue;
		if (n == vcap) {
			vcap = vcap ? 2 * vcap : 256;
			if ((v = realloc(v, vcap * sizeof(*v))) == NULL)
				die(NULL, "corpus");
		}
		if ((v[n++] = strdup(line)) == NULL)
			die(NULL, "corpus");
	}
	free(line);
	fclose(f);
	if (n == 0) {
		fprintf(stderr, "bench_floor: %s: no records\n", path);
		exit(1);
	}
	*np = n;
	return v;
}

int
main(int argc, char *argv[])
{
	const char *sync = "full";
	unsigned long records = 150000, batch = 500, i;
	size_t ncorpus;
	char **corpus, sql[64];
	int ch, parse = 0;
	sqlite3 *db;
	sqlite3_stmt *st;
	double w0, c0, w, c;

	while ((ch = getopt(argc, argv, "b:jn:s:")) != -1) {
		switch (ch) {
		case 'b':
			batch = strtoul(optarg, NULL, 10);
			break;
		case 'j':
			parse = 1;
			break;
		case 'n':
			records = strtoul(optarg, NULL, 10);
			break;
		case 's':
			sync = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 2 || batch == 0 ||
	    (strcmp(sync, "full") != 0 && strcmp(sync, "normal") != 0))
		goto usage;
	corpus = corpus_read(argv[optind + 1], &ncorpus);

	unlink(argv[optind]);
	if (sqlite3_open(argv[optind], &db) != SQLITE_OK)
		die(db, argv[optind]);
	exec(db, "PRAGMA journal_mode = WAL");
	snprintf(sql, sizeof(sql), "PRAGMA synchronous = %s", sync);
	exec(db, sql);
	exec(db, "CREATE TABLE records (node TEXT NOT NULL, copy INTEGER NOT "
	    "NULL, line INTEGER NOT NULL, body TEXT NOT NULL, UNIQUE (node, "
	    "copy, line))");
	if (sqlite3_prepare_v2(db, "INSERT INTO records (node, copy, line, "
	    "body) VALUES ('bench-00', ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		die(db, "prepare");

	w0 = wall_s();
	c0 = cpu_s();
	for (i = 0; i < records; i++) {
		const char *text = corpus[i % ncorpus];

		if (i % batch == 0)
			exec(db, "BEGIN");
		if (parse) {
			struct json_object *o;

			if ((o = json_tokener_parse(text)) == NULL) {
				fprintf(stderr, "bench_floor: line %zu is not "
				    "JSON\n", i % ncorpus + 1);
				return 1;
			}
			json_object_put(o);
		}
		sqlite3_bind_int64(st, 1, (sqlite3_int64)(i / ncorpus));
		sqlite3_bind_int64(st, 2, (sqlite3_int64)(i % ncorpus));
		sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			die(db, "insert");
		sqlite3_reset(st);
		if (i % batch == batch - 1 || i == records - 1)
			exec(db, "COMMIT");
	}
	w = wall_s() - w0;
	c = cpu_s() - c0;
	sqlite3_finalize(st);
	if (sqlite3_close(db) != SQLITE_OK)
		die(db, "close");
	printf("records %lu wall_s %.3f per_s %.0f cpu_s %.3f per_cpu_s %.0f\n",
	    records, w, records / w, c, c > 0 ? records / c : 0);
	for (i = 0; i < ncorpus; i++)
		free(corpus[i]);
	free(corpus);
	return 0;

usage:
	fprintf(stderr, "usage: bench_floor [-n records] [-b batch] "
	    "[-s full|normal] [-j] DB CORPUS.jsonl\n");
	return 2;
}
