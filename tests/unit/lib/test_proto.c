/*
 * test_proto.c: the agent protocol's frames (lib/proto.c) without sockets:
 * every message type round-trips, decoding is incremental, and each kind of
 * bad input (magic, version, size, JSON, shape, type) is an error with a
 * reason, found from as few bytes as possible.  A record over
 * PROTO_RECORD_MAX is refused from the bytes, before they are parsed.
 */
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "proto.h"
#include "tap.h"

static struct proto_dec dec;

/* Decodes buf whole; the status, with *msg filled on PROTO_OK. */
static int
decode(struct proto_buf *b, struct proto_msg *msg, size_t *used)
{
	return proto_decode(&dec, b->data, b->len, msg, used);
}

static void
test_roundtrip(void)
{
	struct proto_buf b = { 0 };
	struct proto_msg m;
	struct json_object *stats;
	size_t used, start;
	int rv;

	proto_hello(&b, "compute-1", "0.1.0", "s3cret", 1700000000123456789LL);
	rv = decode(&b, &m, &used);
	is_int(rv, PROTO_OK, "HELLO decodes");
	is_int(m.type, PROTO_HELLO, "HELLO type");
	is_int(used, b.len, "HELLO: the whole frame is used");
	is_int(m.version, PROTO_VERSION, "HELLO carries the protocol version");
	is_str(m.node, "compute-1", "HELLO node");
	is_str(m.agent_version, "0.1.0", "HELLO agent version");
	is_str(m.token, "s3cret", "HELLO token");
	ok(m.wall_ns == 1700000000123456789LL, "HELLO wall clock ns");
	proto_msg_clear(&m);
	proto_buf_reset(&b);

	proto_hello(&b, "n2", "0.1.0", NULL, 5);
	rv = decode(&b, &m, &used);
	ok(rv == PROTO_OK && m.token == NULL, "HELLO without a token: token NULL");
	proto_msg_clear(&m);
	proto_buf_reset(&b);

	proto_welcome(&b, 1 << 20, "0.1.0");
	rv = decode(&b, &m, &used);
	ok(rv == PROTO_OK && m.type == PROTO_WELCOME && m.max_frame == 1 << 20 &&
	    m.version == PROTO_VERSION, "WELCOME round-trips with max_frame 1048576");
	proto_msg_clear(&m);
	proto_buf_reset(&b);

	proto_refuse(&b, "bad token for node n1");
	rv = decode(&b, &m, &used);
	ok(rv == PROTO_OK && m.type == PROTO_REFUSE, "REFUSE decodes");
	is_str(m.reason, "bad token for node n1", "REFUSE reason");
	proto_msg_clear(&m);
	proto_buf_reset(&b);

	proto_ack(&b, 42);
	rv = decode(&b, &m, &used);
	ok(rv == PROTO_OK && m.type == PROTO_ACK && m.seq == 42, "ACK 42 round-trips");
	proto_msg_clear(&m);
	proto_buf_reset(&b);

	stats = json_tokener_parse("{\"events_per_s\":1200,\"discarded\":3}");
	proto_heartbeat(&b, 99, stats);
	json_object_put(stats);
	rv = decode(&b, &m, &used);
	ok(rv == PROTO_OK && m.type == PROTO_HEARTBEAT && m.wall_ns == 99,
	    "HEARTBEAT decodes");
	is_int(json_object_get_int(json_object_object_get(m.stats, "discarded")), 3,
	    "HEARTBEAT stats carry discarded=3");
	proto_msg_clear(&m);
	proto_buf_reset(&b);

	start = proto_batch_begin(&b);
	proto_batch_add(&b, start, "{\"id\":\"a\",\"kind\":\"k\"}", 21);
	proto_batch_add(&b, start, "{\"id\":\"b\",\"kind\":\"k\"}", 21);
	proto_batch_add(&b, start, "{\"id\":\"c\",\"kind\":\"k\"}", 21);
	proto_batch_end(&b, start, 7);
	rv = decode(&b, &m, &used);
	ok(rv == PROTO_OK && m.type == PROTO_BATCH, "BATCH built from text decodes");
	is_int(m.seq, 7, "BATCH seq 7");
	is_int(m.batch->n, 3, "BATCH holds 3 records");
	ok(m.batch->recs[2].len == 21 && memcmp(m.batch->recs[2].text,
	    "{\"id\":\"c\",\"kind\":\"k\"}", 21) == 0,
	    "the third record's text is what was sent");
	proto_msg_clear(&m);
	proto_buf_free(&b);
}

static void
test_incremental(void)
{
	struct proto_buf b = { 0 };
	struct proto_msg m;
	size_t used, i, first;
	int rv = PROTO_NEED_MORE, needs = 0;

	proto_hello(&b, "n1", "0.1.0", "t", 1);
	first = b.len;
	proto_ack(&b, 9);
	for (i = 0; i <= first; i++) {
		rv = proto_decode(&dec, b.data, i, &m, &used);
		if (rv != PROTO_NEED_MORE)
			break;
		needs++;
	}
	is_int(needs, first, "byte by byte: NEED_MORE for each prefix shorter than the frame");
	ok(rv == PROTO_OK && used == first, "the complete frame decodes");
	proto_msg_clear(&m);
	rv = proto_decode(&dec, b.data, PROTO_HDRLEN, &m, &used);
	ok(rv == PROTO_NEED_MORE && dec.need == first,
	    "after a header alone, need is the frame size (%zu)", first);
	rv = proto_decode(&dec, b.data + first, b.len - first, &m, &used);
	ok(rv == PROTO_OK && m.type == PROTO_ACK && m.seq == 9,
	    "the second frame of the buffer decodes after the first");
	proto_msg_clear(&m);
	proto_buf_free(&b);
}

/* A frame with the header fields given and body text. */
static void
forge(struct proto_buf *b, uint16_t version, uint16_t type, const char *body)
{
	proto_buf_reset(b);
	proto_encode_raw(b, version, type, body, strlen(body));
}

static void
test_errors(void)
{
	struct proto_buf b = { 0 };
	struct proto_msg m;
	struct proto_dec small;
	uint8_t hdr[PROTO_HDRLEN];
	uint32_t v;
	size_t used;
	int rv;

	rv = proto_decode(&dec, "GET / HTTP/1.0\r\n\r\n", 18, &m, &used);
	ok(rv == PROTO_ERROR && dec.code == PROTO_E_MAGIC, "garbage: bad magic");
	ok(strstr(dec.err, "magic") != NULL, "reason names the magic: %s", dec.err);
	rv = proto_decode(&dec, "GE", 2, &m, &used);
	ok(rv == PROTO_ERROR && dec.code == PROTO_E_MAGIC,
	    "garbage is refused from its first 2 bytes");

	forge(&b, 2, PROTO_HELLO, "{}");
	rv = decode(&b, &m, &used);
	ok(rv == PROTO_ERROR && dec.code == PROTO_E_VERSION, "version 2: refused");
	ok(strstr(dec.err, "version 2") != NULL, "reason names version 2: %s", dec.err);

	proto_dec_init(&small, PROTO_MIN_FRAME);
	memset(hdr, 0, sizeof(hdr));
	memcpy(hdr, "STRA", 4);
	hdr[5] = PROTO_VERSION;
	hdr[7] = PROTO_BATCH;
	v = htonl(PROTO_MIN_FRAME);		/* body alone reaches the cap */
	memcpy(hdr + 8, &v, 4);
	rv = proto_decode(&small, hdr, sizeof(hdr), &m, &used);
	ok(rv == PROTO_ERROR && small.code == PROTO_E_SIZE,
	    "frame of %u+12 bytes over a %u cap: refused from its header alone",
	    PROTO_MIN_FRAME, PROTO_MIN_FRAME);
	ok(strstr(small.err, "over the cap") != NULL, "reason: %s", small.err);
	v = htonl(PROTO_MIN_FRAME - PROTO_HDRLEN);	/* exactly the cap */
	memcpy(hdr + 8, &v, 4);
	rv = proto_decode(&small, hdr, sizeof(hdr), &m, &used);
	ok(rv == PROTO_NEED_MORE && small.need == PROTO_MIN_FRAME,
	    "a frame of exactly the cap is accepted (NEED_MORE)");
	proto_dec_free(&small);

	forge(&b, PROTO_VERSION, 99, "{}");
	rv = decode(&b, &m, &used);
	ok(rv == PROTO_ERROR && dec.code == PROTO_E_TYPE, "type 99: unknown type");

	forge(&b, PROTO_VERSION, PROTO_ACK, "{\"seq\":");
	rv = decode(&b, &m, &used);
	ok(rv == PROTO_ERROR && dec.code == PROTO_E_JSON, "truncated JSON body: %s",
	    dec.err);
	forge(&b, PROTO_VERSION, PROTO_ACK, "hello");
	rv = decode(&b, &m, &used);
	ok(rv == PROTO_ERROR && dec.code == PROTO_E_JSON, "body not JSON: %s", dec.err);
	forge(&b, PROTO_VERSION, PROTO_ACK, "{\"seq\":1}xx");
	rv = decode(&b, &m, &used);
	ok(rv == PROTO_ERROR && dec.code == PROTO_E_JSON, "bytes after the JSON: %s",
	    dec.err);

	forge(&b, PROTO_VERSION, PROTO_ACK, "[1,2]");
	rv = decode(&b, &m, &used);
	ok(rv == PROTO_ERROR && dec.code == PROTO_E_SHAPE, "body an array: %s", dec.err);
	forge(&b, PROTO_VERSION, PROTO_ACK, "{\"seq\":\"7\"}");
	rv = decode(&b, &m, &used);
	ok(rv == PROTO_ERROR && dec.code == PROTO_E_SHAPE, "ACK seq a string: %s",
	    dec.err);
	forge(&b, PROTO_VERSION, PROTO_ACK, "{\"seq\":0}");
	rv = decode(&b, &m, &used);
	ok(rv == PROTO_ERROR && dec.code == PROTO_E_SHAPE, "ACK seq 0: %s", dec.err);
	forge(&b, PROTO_VERSION, PROTO_BATCH, "{\"seq\":3}");
	rv = decode(&b, &m, &used);
	ok(rv == PROTO_ERROR && dec.code == PROTO_E_SHAPE, "BATCH without records: %s",
	    dec.err);
	forge(&b, PROTO_VERSION, PROTO_BATCH, "{\"seq\":3,\"records\":[{},5]}");
	rv = decode(&b, &m, &used);
	ok(rv == PROTO_ERROR && dec.code == PROTO_E_SHAPE,
	    "BATCH with a record that is not an object: %s", dec.err);
	forge(&b, PROTO_VERSION, PROTO_HELLO, "{\"version\":1,\"node\":\"a b\","
	    "\"agent_version\":\"x\",\"wall_ns\":1}");
	rv = decode(&b, &m, &used);
	ok(rv == PROTO_ERROR && dec.code == PROTO_E_SHAPE, "node name with a space: %s",
	    dec.err);
	forge(&b, PROTO_VERSION, PROTO_HELLO, "{\"version\":1,\"node\":\"n\"}");
	rv = decode(&b, &m, &used);
	ok(rv == PROTO_ERROR && dec.code == PROTO_E_SHAPE, "HELLO missing members: %s",
	    dec.err);
	proto_buf_free(&b);
}

static void
test_hostport(void)
{
	char h[64], p[8];

	ok(proto_hostport("10.0.0.5:7701", h, sizeof(h), p, sizeof(p)) == 0 &&
	    strcmp(h, "10.0.0.5") == 0 && strcmp(p, "7701") == 0, "HOST:PORT splits");
	ok(proto_hostport("[::1]:7701", h, sizeof(h), p, sizeof(p)) == 0 &&
	    strcmp(h, "::1") == 0, "[V6]:PORT splits");
	ok(proto_hostport("*:7701", h, sizeof(h), p, sizeof(p)) == 0 && h[0] == '\0',
	    "*:PORT is any address");
	ok(proto_hostport("host", h, sizeof(h), p, sizeof(p)) == -1 &&
	    proto_hostport("::1:80", h, sizeof(h), p, sizeof(p)) == -1 &&
	    proto_hostport("h:8x", h, sizeof(h), p, sizeof(p)) == -1,
	    "no port, bare IPv6, bad port: refused");
}

/* A BATCH of records, record k (of n) padded to size bytes as sent. */
static void
batch_with(struct proto_buf *b, int n, int k, size_t size)
{
	const char *tricky = "\\\"]},{\\\\";	/* \"]},{\\ in a string */
	const char *small = "{\"id\":\"a\",\"v\":[1,{\"x\":2}]}";
	size_t start = proto_batch_begin(b), len;
	char *rec;
	int i;

	for (i = 0; i < n; i++) {
		if (i != k) {
			proto_batch_add(b, start, small, strlen(small));
			continue;
		}
		rec = malloc(size + 1);
		len = (size_t)snprintf(rec, size + 1, "{\"id\":\"big\",\"s\":\"%s",
		    tricky);
		memset(rec + len, 'x', size - len - 2);
		memcpy(rec + size - 2, "\"}", 2);
		proto_batch_add(b, start, rec, size);
		free(rec);
	}
	proto_batch_end(b, start, 7);
}

static void
test_record_cap(void)
{
	struct proto_buf b = { 0 };
	struct proto_msg m;
	size_t used;
	double t0;
	int rv;

	batch_with(&b, 300, 150, PROTO_RECORD_MAX);
	rv = decode(&b, &m, &used);
	ok(rv == PROTO_OK && m.batch->n == 300,
	    "a record of exactly %u bytes among 299 small ones is taken",
	    PROTO_RECORD_MAX);
	proto_msg_clear(&m);
	proto_buf_reset(&b);

	batch_with(&b, 300, 150, PROTO_RECORD_MAX + 1);
	rv = decode(&b, &m, &used);
	ok(rv == PROTO_ERROR && dec.code == PROTO_E_SIZE &&
	    strstr(dec.err, "record 150 is 65537 bytes") != NULL,
	    "one byte more is refused, and which record says so: %s", dec.err);
	proto_buf_reset(&b);

	batch_with(&b, 1, 0, 15000000);
	t0 = now_s();
	rv = decode(&b, &m, &used);
	ok(rv == PROTO_ERROR && dec.code == PROTO_E_SIZE, "a 15 MB record is "
	    "refused in %.0f ms, without being parsed: %s", (now_s() - t0) * 1e3,
	    dec.err);
	ok(now_s() - t0 < 0.1, "under 100 ms");
	proto_buf_free(&b);
}

int
main(void)
{
	plan(50);
	proto_dec_init(&dec, PROTO_MAX_FRAME);
	test_roundtrip();
	test_incremental();
	test_errors();
	test_hostport();
	test_record_cap();
	proto_dec_free(&dec);
	return exit_status();
}
