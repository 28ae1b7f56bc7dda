/*
 * fuzz_ingest.c: libFuzzer target of what strata-aggregator does with the
 * bytes agents send.  The input is everything one agent sends on its
 * connection, from its first byte (HELLO, then BATCH and HEARTBEAT
 * frames), or several agents' one after the other, NEXT_CONN between
 * them: the source side of a migration comes from one node, its
 * destination from another.
 *
 * It runs the aggregator's own code end to end: aggregator/ingest.c is
 * compiled into this file, so a connection is set up by ingest_conn_new()
 * as after accept() (on one end of a socketpair, with a loopback address)
 * and the libevent loop reads it: conn_read_cb()'s frame loop over
 * proto_decode() (lib/proto/proto.c), the HELLO checks (version, token),
 * the dispatch of BATCH and HEARTBEAT, the REFUSE and close of a bad
 * stream.  The callbacks are those aggregator.c installs (on_hello,
 * on_batch, on_stats, on_commit: group commit, the batches acknowledged
 * after their group's commit), into a real store, made by store_open() on a
 * temporary file once, then held in memory (fuzz_store.h):
 * store_node_hello(), store_batch() with the record kinds' ingest and
 * correlation, store_node_stats().
 *
 * Every input starts from an empty store (its tables emptied), at the
 * fixed clock FUZZ_NOW_NS, so it replays the same way alone.  ingest.c's
 * ingest_conn_new() and struct ingest's nconns are the internals it
 * relies on.  After it the store must hold what the range checks promise:
 * every node's clock offset within the bound of a node's clock, every
 * downtime finite and not negative.  A broken promise aborts, as a crash
 * does.
 */
#include "fuzz.h"

#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>

#include <event2/event.h>
#include <sqlite3.h>

#include "fuzz_store.h"

/* The code under test, its static functions included. */
#include "../../aggregator/ingest.c"

#include "store.h"
#include "store_kind.h"

#define FUZZ_TOKEN	"fuzz-token"	/* the aggregator's --token-file */
#define LOOP_MAX	100000		/* loop turns before "never closed" */
#define NEXT_CONN	"\n#next-connection#\n"	/* between connections */
#define CONN_MAX	8		/* connections of one input */
/* A node clock no range check lets through is further off than this. */
#define OFFSET_MAX_NS	(11LL * 366 * 86400 * 1000000000LL)

static struct event_base *base;
static struct store *store;
static struct ingest *ig;
static char *reset_sql;
static unsigned alerts_seen;

static void
on_alert(void *arg, struct json_object *alert)
{
	/* What the followers and the journal get: the alert serialized. */
	if (json_object_to_json_string_ext(alert, JSON_C_TO_STRING_PLAIN) != NULL)
		alerts_seen++;
}

/* aggregator.c's callbacks, with the fuzzing clock for clock_wall_ns(). */
static void
on_hello(void *arg, const char *node, const char *agent_version,
    int64_t wall_ns)
{
	log_debug("agent %s (%s) said hello, clock offset %.3f s", node,
	    agent_version, ((double)wall_ns - (double)FUZZ_NOW_NS) / 1e9);
	if (store_group_begin(store) == -1 ||
	    store_node_hello(store, node, agent_version, wall_ns,
	    FUZZ_NOW_NS) == -1)
		log_warnx("store: hello of %s not stored", node);
}

static int
on_batch(void *arg, const char *node, const struct proto_rec *recs, size_t n)
{
	struct store_batch_counts bc;

	if (store_group_begin(store) == -1 ||
	    store_batch(store, node, recs, n, FUZZ_NOW_NS) == -1)
		return -1;
	store_last_batch(store, &bc);
	FUZZ_CHECK(bc.stored + bc.duplicate + bc.skipped <=
	    n, "batch counts %u+%u+%u over "
	    "%zu records", bc.stored, bc.duplicate, bc.skipped,
	    n);
	return 0;
}

static void
on_stats(void *arg, const char *node, struct json_object *stats)
{
	if (store_group_begin(store) == -1 ||
	    store_node_stats(store, node, stats, FUZZ_NOW_NS) == -1)
		log_warnx("store: stats of %s not stored", node);
}

/* Group commit, as aggregator.c's on_commit(). */
static int
on_commit(void *arg, unsigned batches, size_t records, uint64_t *gen)
{
	if (gen != NULL)
		*gen = 0;
	return store_group_commit(store);
}

static void
on_gone(void *arg, const char *node)
{
}

/* "DELETE FROM t;" for every table that holds data (not the schema's). */
static char *
make_reset_sql(sqlite3 *db)
{
	sqlite3_stmt *st;
	char *sql = NULL, *p;
	size_t len = 0, n;

	if (sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE "
	    "type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'kinds'",
	    -1, &st, NULL) != SQLITE_OK)
		return NULL;
	while (sqlite3_step(st) == SQLITE_ROW) {
		n = strlen((const char *)sqlite3_column_text(st, 0));
		if ((p = realloc(sql, len + n + 16)) == NULL)
			abort();
		sql = p;
		len += sprintf(sql + len, "DELETE FROM \"%s\";",
		    sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	return sql;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const struct ingest_cb cb = {
		.hello = on_hello,
		.batch = on_batch,
		.stats = on_stats,
		.gone = on_gone,
		.commit = on_commit,
	};
	struct ingest_conf conf = {
		.listen = "127.0.0.1:0",
		.token = FUZZ_TOKEN,
	};

	fuzz_log_init("fuzz_ingest");
	if ((base = event_base_new()) == NULL ||
	    (store = store_open(fuzz_path("ingest.db"))) == NULL ||
	    fuzz_store_memory(store_db(store)) == -1 ||
	    (reset_sql = make_reset_sql(store_db(store))) == NULL ||
	    (ig = ingest_create(base, &conf, &cb, NULL)) == NULL) {
		dprintf(2, "fuzz_ingest: cannot set up\n");
		abort();
	}
	store_set_alert_cb(store, on_alert, NULL);
	return 0;
}

/* What the range checks promise of the store, whatever the agent sent. */
static void
check_store(void)
{
	static sqlite3_stmt *nodes, *migs;
	sqlite3 *db = store_db(store);
	const char *err;
	int64_t v;
	double d;
	int i;

	if (nodes == NULL && (sqlite3_prepare_v2(db, "SELECT name, "
	    "clock_offset_ns, clock_hello_ns, clock_lo_ns, clock_adj_ns FROM "
	    "nodes", -1, &nodes, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT id, downtime_ms FROM migrations "
	    "WHERE downtime_ms IS NOT NULL", -1, &migs, NULL) != SQLITE_OK))
		abort();
	while (sqlite3_step(nodes) == SQLITE_ROW) {
		for (i = 1; i <= 4; i++) {
			v = sqlite3_column_int64(nodes, i);
			FUZZ_CHECK(v >= -OFFSET_MAX_NS && v <= OFFSET_MAX_NS,
			    "node %s: %s = %lld", sqlite3_column_text(nodes, 0),
			    sqlite3_column_name(nodes, i), (long long)v);
		}
	}
	sqlite3_reset(nodes);
	while (sqlite3_step(migs) == SQLITE_ROW) {
		d = sqlite3_column_double(migs, 1);
		FUZZ_CHECK(d >= 0 && d <= OFFSET_MAX_NS / 1e6,
		    "migration %s: downtime_ms %g", sqlite3_column_text(migs, 0),
		    d);
	}
	sqlite3_reset(migs);
	/* What `stratactl nodes` would answer now. */
	json_object_put(store_q_nodes(store, &err));
}

/* One agent connection: it sends data, then closes its side. */
static void
run_conn(const uint8_t *data, size_t size)
{
	struct sockaddr_in sa;
	char buf[65536];
	size_t off = 0;
	ssize_t n;
	int sv[2], turns, peer_open = 1;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    sv) == -1)
		abort();
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(40000);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ingest_conn_new(ig, sv[0], (struct sockaddr *)&sa, sizeof(sa));
	FUZZ_CHECK(ig->nconns == 1, "no connection");
	if (size == 0)
		shutdown(sv[1], SHUT_WR);
	for (turns = 0; peer_open && turns < LOOP_MAX; turns++) {
		if (off < size) {
			n = send(sv[1], data + off, size - off, MSG_NOSIGNAL);
			if (n > 0)
				off += (size_t)n;
			else if (n == -1 && errno != EAGAIN)
				off = size;	/* the aggregator closed */
			if (off == size)
				shutdown(sv[1], SHUT_WR);
		}
		event_base_loop(base, EVLOOP_NONBLOCK);
		/* What the agent is told (WELCOME, ACK, REFUSE) is read. */
		while ((n = read(sv[1], buf, sizeof(buf))) > 0)
			;
		if (n == 0 || (n == -1 && errno != EAGAIN))
			peer_open = 0;
	}
	FUZZ_CHECK(!peer_open && ig->nconns == 0, "the connection was not "
	    "closed after %d loop turns (%u open)", turns, ig->nconns);
	close(sv[1]);
}

/*
 * The input is one agent's byte stream, or several agents' one after the
 * other (NEXT_CONN between them): the two sides of a migration come from
 * two nodes.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size, *next;
	int nconn;

	static int clean = -1;		/* total_changes when last emptied */
	sqlite3 *db = store_db(store);

	/* No group of the last input is left open (or failed). */
	store_group_commit(store);
	/* Empty again, unless nothing was written since it was. */
	if (sqlite3_total_changes(db) != clean) {
		if (sqlite3_exec(db, reset_sql, NULL, NULL, NULL) != SQLITE_OK)
			abort();
		clean = sqlite3_total_changes(db);
	}
	for (nconn = 0; nconn < CONN_MAX; nconn++) {
		next = memmem(p, (size_t)(end - p), NEXT_CONN,
		    sizeof(NEXT_CONN) - 1);
		run_conn(p, (size_t)((next != NULL ? next : end) - p));
		if (next == NULL)
			break;
		p = next + sizeof(NEXT_CONN) - 1;
	}
	store_group_commit(store);	/* as the commit timer would */
	check_store();
	return 0;
}
