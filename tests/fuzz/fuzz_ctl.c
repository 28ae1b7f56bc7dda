/*
 * fuzz_ctl.c: libFuzzer target of strata-aggregator's control socket.  The
 * input is what one client writes to the socket: request lines, however
 * broken.  The target runs the real thing: ctl_create() (aggregator/ctl.c)
 * listens on a UNIX socket in a temporary directory, the client connects,
 * writes the input and closes its side, and the libevent loop reads it:
 * ctl.c's line splitting (over-long lines, a last line without newline,
 * `alerts follow` turning the connection into a stream),
 * ctl_handle_line() (aggregator/cmd/cmd_parse.c) and every command of the
 * table against a real store (store_open() on a temporary file, then
 * held in memory: fuzz_store.h) holding two nodes, a correlated
 * migration, a failed one and a firing alert.
 *
 * Every response line must be one JSON object with "ok" (a stream line
 * one with "alert", "skipped" or "end"); the connection must close once
 * the client has.  An `alert ack` is undone after each input, so every
 * input sees the same store.
 */
#include "fuzz.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>

#include <event2/event.h>
#include <json-c/json.h>
#include <sqlite3.h>

#include "fuzz_store.h"

#include "ctl.h"
#include "jscan.h"
#include "json_strict.h"
#include "store.h"
#include "store_kind.h"
#include "utf8.h"

#define LOOP_MAX	100000		/* loop turns before "never closed" */
#define SEC		1000000000LL

static struct event_base *base;
static struct store *store;
static struct ctl_env env;
static struct ctl *ctl;
static struct sockaddr_un sun;
static struct ctl_conf cc;

/*
 * What the store holds, as the agents of two nodes sent it (the records of
 * tests/data/qemu-7.2/conv-rounds and nonconv-cancel, as in the ingest
 * corpus): cmp1 the source, cmp2 the destination of one completed
 * migration of instance-0000002a; cmp1 the source of a cancelled one
 * that did not converge, with its alert.
 */
static const char *const seed_cmp1 = "["
    "{\"kind\":\"migration_round\",\"id\":\"cmp1/9112/1795634430599890000#1\","
    "\"migration_id\":\"cmp1/9112/1795634430599890000\",\"node\":\"cmp1\","
    "\"n\":1,\"t_ns\":1795634438612335000,\"start_ns\":1795634430601125000,"
    "\"dirty_pages\":8171,\"duration_ms\":8011.21,\"pending_bytes\":"
    "33468416,\"bytes\":268700049,\"bandwidth_bps\":33539987,"
    "\"dirty_rate_bps\":4177748,\"predicted_downtime_ms\":997.87,"
    "\"throttle_pct\":null,\"verdict\":\"converging\"},"
    "{\"kind\":\"migration\",\"id\":\"cmp1/9112/1795634430599890000\","
    "\"node\":\"cmp1\",\"t_ns\":1795634442637402000,\"vm_uuid\":"
    "\"8d2c1f3e-5b6a-4c7d-9e8f-0a1b2c3d4e5f\",\"vm_name\":"
    "\"instance-0000002a\",\"vpid\":9112,\"role\":\"source\",\"state\":"
    "\"completed\",\"outcome\":\"completed\",\"error\":null,\"verdict\":"
    "\"converged\",\"started_ns\":1795634430599890000,\"ended_ns\":"
    "1795634442637402000,\"vm_stop_ns\":1795634442541913000,"
    "\"vm_resume_ns\":null,\"downtime_ms\":95.489,\"total_ms\":12037.512,"
    "\"predicted_downtime_ms\":12.1,\"throttle_pct\":null},"
    "{\"kind\":\"migration\",\"id\":\"cmp1/8755/1795634243152000000\","
    "\"node\":\"cmp1\",\"t_ns\":1795634290000000000,\"vm_uuid\":"
    "\"0c3e9a61-7d2b-4f5e-8a9c-1b2d3e4f5a6b\",\"vm_name\":"
    "\"instance-0000002b\",\"vpid\":8755,\"role\":\"source\",\"state\":"
    "\"cancelled\",\"outcome\":\"cancelled\",\"verdict\":\"not_converging\","
    "\"started_ns\":1795634243152000000,\"ended_ns\":1795634290000000000},"
    "{\"kind\":\"alert\",\"id\":\"cmp1/8755/1795634243152000000!"
    "migration.not_converging\",\"name\":\"migration.not_converging\","
    "\"severity\":\"warning\",\"migration_id\":"
    "\"cmp1/8755/1795634243152000000\",\"node\":\"cmp1\",\"vm_uuid\":"
    "\"0c3e9a61-7d2b-4f5e-8a9c-1b2d3e4f5a6b\",\"vm_name\":"
    "\"instance-0000002b\",\"t_ns\":1795634260000000000,\"message\":"
    "\"live migration of instance-0000002b is not converging\"},"
    "{\"kind\":\"alert\",\"id\":\"cmp1!agent.discarding\",\"name\":"
    "\"agent.discarding\",\"severity\":\"warning\",\"node\":\"cmp1\","
    "\"t_ns\":1795634262000000000,\"message\":\"events discarded\"}]";
static const char *const seed_cmp2 = "["
    "{\"kind\":\"migration\",\"id\":\"cmp2/9122/1795634430600455000\","
    "\"node\":\"cmp2\",\"t_ns\":1795634442700000000,\"vm_uuid\":"
    "\"8d2c1f3e-5b6a-4c7d-9e8f-0a1b2c3d4e5f\",\"vm_name\":"
    "\"instance-0000002a\",\"vpid\":9122,\"role\":\"destination\","
    "\"state\":\"completed\",\"outcome\":\"completed\",\"started_ns\":"
    "1795634430600455000,\"ended_ns\":1795634442700000000,"
    "\"vm_resume_ns\":1795634442640000000}]";

static void
seed(const char *node, const char *text)
{
	struct json_object *arr = json_tokener_parse(text);

	store_node_hello(store, node, "0.1.0", FUZZ_NOW_NS, FUZZ_NOW_NS);
	if (arr == NULL || store_records(store, node, arr, FUZZ_NOW_NS) == -1) {
		dprintf(2, "fuzz_ctl: cannot store the records of %s\n", node);
		abort();
	}
	json_object_put(arr);
}

/* What aggregator.c adds to `status`. */
static void
on_status(void *arg, struct json_object *obj)
{
	json_object_object_add(obj, "listen",
	    json_object_new_string("127.0.0.1:7311"));
	json_object_object_add(obj, "batches", json_object_new_int64(2));
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_log_init("fuzz_ctl");
	if ((base = event_base_new()) == NULL ||
	    (store = store_open(fuzz_path("ctl.db"))) == NULL ||
	    fuzz_store_memory(store_db(store)) == -1) {
		dprintf(2, "fuzz_ctl: cannot set up the store\n");
		abort();
	}
	seed("cmp1", seed_cmp1);
	seed("cmp2", seed_cmp2);
	env.store = store;
	env.started_ns = FUZZ_NOW_NS - 3600 * SEC;
	env.follow_qlen = 4;
	env.status = on_status;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", fuzz_path("ctl.sock"));
	memset(&cc, 0, sizeof(cc));
	cc.path = sun.sun_path;
	if ((ctl = ctl_create(base, &cc, &env)) == NULL) {
		dprintf(2, "fuzz_ctl: cannot listen on %s\n", sun.sun_path);
		abort();
	}
	return 0;
}

/*
 * One line the aggregator wrote: a response object, or a stream line.
 * Checked by the scan the aggregator itself trusts (lib/jscan.c: stricter
 * than json-c's tokener, and it builds nothing, which under
 * AddressSanitizer made a fifth of this target's time), then as RFC 8259
 * writes JSON (tests/helpers/json_strict.h: no NaN, no TRUE), and for
 * UTF-8 (ctl.c scrubs what it sends).
 */
static void
check_line(const char *line, size_t len)
{
	const char *p = line, *end = line + len, *err = "";
	struct jscan_member m;
	int first = 1, r, found = 0;

	if (fuzz_verbose)
		dprintf(2, "< %.*s\n", (int)len, line);
	FUZZ_CHECK(utf8_valid(line, len) == len, "response line is not "
	    "UTF-8: %.*s", (int)(len > 200 ? 200 : len), line);
	p = jscan_ws(p, end);
	FUZZ_CHECK(p < end && *p == '{', "response line is not a JSON "
	    "object: %.*s", (int)(len > 200 ? 200 : len), line);
	while ((r = jscan_member(&p, end, 0, &first, &m, &err)) == 1)
		if (!m.escaped && ((m.keylen == 2 &&
		    memcmp(m.key, "ok", 2) == 0) || (m.keylen == 5 &&
		    memcmp(m.key, "alert", 5) == 0) || (m.keylen == 7 &&
		    memcmp(m.key, "skipped", 7) == 0) || (m.keylen == 3 &&
		    memcmp(m.key, "end", 3) == 0)))
			found = 1;
	FUZZ_CHECK(r == 0 && jscan_ws(p, end) == end, "response line is not "
	    "one JSON object (%s): %.*s", r == 0 ? "bytes after it" : err,
	    (int)(len > 200 ? 200 : len), line);
	/* jscan takes NaN and TRUE, as json-c does; a browser does not. */
	FUZZ_CHECK(json_strict(line, len), "response line is not JSON as "
	    "RFC 8259 writes it: %.*s", (int)(len > 200 ? 200 : len), line);
	FUZZ_CHECK(found, "response line without ok: %.*s",
	    (int)(len > 200 ? 200 : len), line);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *out;
	static size_t outcap;
	size_t off = 0, outlen = 0;
	char *p, *nl;
	ssize_t n;
	int fd, turns, open_ = 1;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		abort();
	if (size == 0)
		shutdown(fd, SHUT_WR);
	for (turns = 0; open_ && turns < LOOP_MAX; turns++) {
		if (off < size) {
			n = send(fd, data + off, size - off, MSG_NOSIGNAL);
			if (n > 0)
				off += (size_t)n;
			else if (n == -1 && errno != EAGAIN)
				off = size;
			if (off == size)
				shutdown(fd, SHUT_WR);
		}
		event_base_loop(base, EVLOOP_NONBLOCK);
		for (;;) {
			if (outcap - outlen < 65536) {
				outcap = outcap ? outcap * 2 : 1 << 20;
				if ((out = realloc(out, outcap)) == NULL)
					abort();
			}
			if ((n = read(fd, out + outlen, outcap - outlen)) <= 0)
				break;
			outlen += (size_t)n;
		}
		if (n == 0 || (n == -1 && errno != EAGAIN))
			open_ = 0;
	}
	FUZZ_CHECK(!open_, "the control connection was not closed after %d "
	    "loop turns", turns);
	close(fd);
	/* Let the server side see the close and free its connection. */
	event_base_loop(base, EVLOOP_NONBLOCK);

	for (p = out; outlen > 0 && p < out + outlen; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(out + outlen - p));
		FUZZ_CHECK(nl != NULL, "a response without its newline");
		check_line(p, (size_t)(nl - p));
	}
	/* The store as it was: what `alert ack` changed is undone. */
	if (sqlite3_exec(store_db(store), "UPDATE alerts SET state = 'firing', "
	    "acked_ns = NULL WHERE state = 'acked'", NULL, NULL, NULL) !=
	    SQLITE_OK)
		abort();
	return 0;
}
