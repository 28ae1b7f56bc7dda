/*
 * proto.c: encoding and incremental decoding of agent protocol frames
 * (proto.h, docs/protocol.md).  Pure: bytes and json-c objects in and out,
 * no sockets and no logging; the daemons log the reasons it returns.
 */
#include <arpa/inet.h>

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jscan.h"
#include "proto.h"

#define JSON_FLAGS	(JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

static const char *const proto_names[] = {
	[PROTO_HELLO] = "HELLO",
	[PROTO_WELCOME] = "WELCOME",
	[PROTO_REFUSE] = "REFUSE",
	[PROTO_BATCH] = "BATCH",
	[PROTO_ACK] = "ACK",
	[PROTO_HEARTBEAT] = "HEARTBEAT",
};

const char *
proto_type_name(int type)
{
	if (type <= 0 || (size_t)type >= sizeof(proto_names) / sizeof(proto_names[0]) ||
	    proto_names[type] == NULL)
		return "unknown";
	return proto_names[type];
}

int
proto_dec_init(struct proto_dec *dec, uint32_t max_frame)
{
	memset(dec, 0, sizeof(*dec));
	dec->max_frame = max_frame ? max_frame : PROTO_MAX_FRAME;
	dec->need = PROTO_HDRLEN;
	if ((dec->tok = json_tokener_new()) == NULL)
		return -1;
	return 0;
}

void
proto_dec_free(struct proto_dec *dec)
{
	if (dec->tok != NULL)
		json_tokener_free(dec->tok);
	dec->tok = NULL;
}

void
proto_msg_clear(struct proto_msg *msg)
{
	if (msg->body != NULL)
		json_object_put(msg->body);
	proto_batch_unref(msg->batch);
	memset(msg, 0, sizeof(*msg));
}

static int
dec_fail(struct proto_dec *dec, enum proto_errcode code, const char *fmt, ...)
{
	va_list ap;

	dec->code = code;
	va_start(ap, fmt);
	vsnprintf(dec->err, sizeof(dec->err), fmt, ap);
	va_end(ap);
	return PROTO_ERROR;
}

int
proto_valid_node(const char *s)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++) {
		if (!isalnum((unsigned char)s[n]) && strchr("._:-", s[n]) == NULL)
			return 0;
	}
	return n > 0 && n <= PROTO_NODE_MAX;
}

int
proto_hostport(const char *s, char *host, size_t hostlen, char *port,
    size_t portlen)
{
	const char *colon, *h = s;
	size_t hl;

	if ((colon = strrchr(s, ':')) == NULL || colon[1] == '\0' ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return -1;
	hl = (size_t)(colon - s);
	if (hl >= 2 && s[0] == '[' && s[hl - 1] == ']') {
		h = s + 1;
		hl -= 2;
	} else if (memchr(s, ':', hl) != NULL)
		return -1;		/* a bare IPv6 address needs brackets */
	if (hl == 1 && h[0] == '*')
		hl = 0;
	if (hl >= hostlen || strlen(colon + 1) >= portlen)
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	strcpy(port, colon + 1);
	return 0;
}

/* Looks up member key of the type wanted; NULL when absent or of another type. */
static struct json_object *
member(struct json_object *obj, const char *key, enum json_type type)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, type))
		return NULL;
	return v;
}

static int
shape_int(struct proto_dec *dec, struct proto_msg *msg, const char *key,
    int64_t *out)
{
	struct json_object *v;

	if ((v = member(msg->body, key, json_type_int)) == NULL)
		return dec_fail(dec, PROTO_E_SHAPE, "%s body: \"%s\" missing or "
		    "not an integer", proto_type_name(msg->type), key);
	*out = json_object_get_int64(v);
	return 0;
}

static int
shape_str(struct proto_dec *dec, struct proto_msg *msg, const char *key,
    const char **out)
{
	struct json_object *v;

	if ((v = member(msg->body, key, json_type_string)) == NULL)
		return dec_fail(dec, PROTO_E_SHAPE, "%s body: \"%s\" missing or "
		    "not a string", proto_type_name(msg->type), key);
	*out = json_object_get_string(v);
	return 0;
}

/* msg's seq from v, its body's "seq" (NULL: absent). */
static int
seq_value(struct proto_dec *dec, struct proto_msg *msg, struct json_object *v)
{
	int64_t seq;

	if (v == NULL || !json_object_is_type(v, json_type_int))
		return dec_fail(dec, PROTO_E_SHAPE, "%s body: \"seq\" missing "
		    "or not an integer", proto_type_name(msg->type));
	if ((seq = json_object_get_int64(v)) < 1)
		return dec_fail(dec, PROTO_E_SHAPE, "%s body: seq %" PRId64
		    " is not positive", proto_type_name(msg->type), seq);
	msg->seq = (uint64_t)seq;
	return 0;
}

static int
shape_seq(struct proto_dec *dec, struct proto_msg *msg)
{
	return seq_value(dec, msg, member(msg->body, "seq", json_type_int));
}

struct proto_batch *
proto_batch_ref(struct proto_batch *b)
{
	b->refs++;
	return b;
}

void
proto_batch_unref(struct proto_batch *b)
{
	if (b == NULL || --b->refs > 0)
		return;
	free(b->recs);
	free(b->text);
	free(b);
}

/* Adds record v to b, growing its array. */
static int
batch_add(struct proto_batch *b, size_t *cap, const struct jscan_span *v)
{
	struct proto_rec *r;
	size_t n;

	if (b->n == *cap) {
		n = *cap ? *cap * 2 : 64;
		if ((r = reallocarray(b->recs, n, sizeof(*r))) == NULL)
			return -1;
		b->recs = r;
		*cap = n;
	}
	b->recs[b->n].text = v->p;
	b->recs[b->n].len = v->len;
	b->n++;
	return 0;
}

/*
 * A BATCH body, scanned once without building a tree (lib/jscan.c): an
 * object with a positive integer "seq" and a "records" array of objects
 * of at most PROTO_RECORD_MAX bytes each; its other members are scanned
 * and left.  Malformed JSON is reported before a bad shape, a missing or
 * bad seq before a bad record.  The records point into a copy of the
 * body (msg->batch).
 */
static int
dec_batch(struct proto_dec *dec, struct proto_msg *msg, const char *body,
    size_t blen)
{
	struct proto_batch *b;
	struct jscan_member m;
	struct jscan_span v;
	struct json_object *sv = NULL;
	const char *p, *q, *end, *err = "";
	size_t cap = 0, bad_at = 0, bad_len = 0;
	int first = 1, efirst, r, have_recs = 0, bad = 0;

	if ((b = calloc(1, sizeof(*b))) == NULL ||
	    (b->text = malloc(blen + 1)) == NULL) {
		free(b);
		return dec_fail(dec, PROTO_E_SIZE, "BATCH body: out of memory");
	}
	b->refs = 1;
	memcpy(b->text, body, blen);
	b->text[blen] = '\0';
	p = b->text;
	end = b->text + blen;
	q = jscan_ws(p, end);
	if (q == end) {
		r = dec_fail(dec, PROTO_E_JSON, "BATCH body is not JSON: "
		    "unexpected end");
		goto out;
	}
	if (*q != '{') {
		/* Not an object: JSON or not, say which. */
		if (jscan_value(&q, end, 0, &err) == JS_ERROR)
			r = dec_fail(dec, PROTO_E_JSON, "BATCH body is not "
			    "JSON: %s", err);
		else if (jscan_ws(q, end) != end)
			r = dec_fail(dec, PROTO_E_JSON, "BATCH body: bytes "
			    "after the JSON value");
		else
			r = dec_fail(dec, PROTO_E_SHAPE, "BATCH body is not a "
			    "JSON object");
		goto out;
	}
	/* The last of a name counts, as in json-c's object. */
	while ((r = jscan_key(&p, end, 0, &first, &m, &err)) == 1) {
		if (!m.escaped && m.keylen == 7 &&
		    memcmp(m.key, "records", 7) == 0 && *p == '[') {
			b->n = 0;
			bad = 0;
			have_recs = 1;
			for (efirst = 1; (r = jscan_element(&p, end, 1, &efirst,
			    &v, &err)) == 1; ) {
				if (!bad && (v.type != JS_OBJECT ||
				    v.len > PROTO_RECORD_MAX)) {
					bad = v.type != JS_OBJECT ? 1 : 2;
					bad_at = b->n;
					bad_len = v.len;
				}
				if (batch_add(b, &cap, &v) == -1) {
					r = dec_fail(dec, PROTO_E_SIZE, "BATCH "
					    "body: out of memory");
					goto out;
				}
			}
			if (r == -1)
				break;
			continue;
		}
		if ((r = jscan_item(&p, end, 0, &m.val, &err)) == -1)
			break;
		if (m.escaped)
			continue;
		if (m.keylen == 3 && memcmp(m.key, "seq", 3) == 0) {
			if (sv != NULL)
				json_object_put(sv);
			sv = jscan_to_json(&m.val, dec->tok);
		} else if (m.keylen == 7 && memcmp(m.key, "records", 7) == 0)
			have_recs = 0;		/* not an array */
	}
	if (r == -1) {
		r = dec_fail(dec, PROTO_E_JSON, "BATCH body is not JSON: %s",
		    err);
		goto out;
	}
	if (jscan_ws(p, end) != end) {
		r = dec_fail(dec, PROTO_E_JSON, "BATCH body: bytes after the "
		    "JSON value");
		goto out;
	}
	msg->type = PROTO_BATCH;
	if ((r = seq_value(dec, msg, sv)) == -1)
		goto out;
	if (!have_recs) {
		r = dec_fail(dec, PROTO_E_SHAPE, "BATCH body: \"records\" "
		    "missing or not an array");
		goto out;
	}
	if (bad == 1) {
		r = dec_fail(dec, PROTO_E_SHAPE, "BATCH body: record %zu is "
		    "not an object", bad_at);
		goto out;
	}
	if (bad == 2) {
		r = dec_fail(dec, PROTO_E_SIZE, "BATCH body: record %zu is "
		    "%zu bytes, over the cap of %u bytes a record", bad_at,
		    bad_len, PROTO_RECORD_MAX);
		goto out;
	}
	msg->batch = b;
	b = NULL;
	r = 0;
 out:
	if (sv != NULL)
		json_object_put(sv);
	proto_batch_unref(b);
	return r == 0 ? 0 : PROTO_ERROR;
}

/* Checks the members each type must carry and points msg's fields at them. */
static int
dec_shape(struct proto_dec *dec, struct proto_msg *msg)
{
	struct json_object *v;
	int64_t n;

	switch (msg->type) {
	case PROTO_HELLO:
		if (shape_int(dec, msg, "version", &msg->version) == -1 ||
		    shape_str(dec, msg, "node", &msg->node) == -1 ||
		    shape_str(dec, msg, "agent_version", &msg->agent_version) == -1 ||
		    shape_int(dec, msg, "wall_ns", &msg->wall_ns) == -1)
			return -1;
		if (!proto_valid_node(msg->node))
			return dec_fail(dec, PROTO_E_SHAPE, "HELLO body: bad node "
			    "name (1-%d of A-Z a-z 0-9 . _ : -)", PROTO_NODE_MAX);
		if ((v = member(msg->body, "token", json_type_string)) != NULL)
			msg->token = json_object_get_string(v);
		return 0;
	case PROTO_WELCOME:
		if (shape_int(dec, msg, "version", &msg->version) == -1 ||
		    shape_int(dec, msg, "max_frame", &n) == -1)
			return -1;
		if (n < PROTO_MIN_FRAME || n > UINT32_MAX)
			return dec_fail(dec, PROTO_E_SHAPE, "WELCOME body: max_frame "
			    "%" PRId64 " out of range", n);
		msg->max_frame = (uint32_t)n;
		if ((v = member(msg->body, "aggregator_version", json_type_string)) != NULL)
			msg->agent_version = json_object_get_string(v);
		return 0;
	case PROTO_REFUSE:
		return shape_str(dec, msg, "reason", &msg->reason);
	case PROTO_BATCH:
		return 0;			/* dec_batch(), no tree */
	case PROTO_ACK:
		return shape_seq(dec, msg);
	case PROTO_HEARTBEAT:
		if ((msg->stats = member(msg->body, "stats", json_type_object)) == NULL)
			return dec_fail(dec, PROTO_E_SHAPE, "HEARTBEAT body: "
			    "\"stats\" missing or not an object");
		if ((v = member(msg->body, "wall_ns", json_type_int)) != NULL)
			msg->wall_ns = json_object_get_int64(v);
		return 0;
	}
	return dec_fail(dec, PROTO_E_TYPE, "unknown message type %d", (int)msg->type);
}

int
proto_decode(struct proto_dec *dec, const void *buf, size_t len,
    struct proto_msg *msg, size_t *used)
{
	static const uint8_t magic[4] = { 'S', 'T', 'R', 'A' };
	const uint8_t *p = buf;
	struct json_object *obj;
	enum json_tokener_error jerr;
	uint32_t m, blen;
	uint16_t version, type;
	size_t i;

	memset(msg, 0, sizeof(*msg));
	*used = 0;
	dec->code = PROTO_E_NONE;
	dec->err[0] = '\0';
	dec->need = PROTO_HDRLEN;

	/* Garbage fails on its first bytes, not after a header's worth. */
	for (i = 0; i < len && i < sizeof(magic); i++) {
		if (p[i] != magic[i])
			break;
	}
	if (i < len && i < sizeof(magic)) {
		char hex[9];
		size_t k;

		for (k = 0; k < 4 && k < len; k++)
			snprintf(hex + 2 * k, 3, "%02x", p[k]);
		return dec_fail(dec, PROTO_E_MAGIC, "bad magic 0x%s (not a "
		    "Strata agent frame)", hex);
	}
	if (len < PROTO_HDRLEN)
		return PROTO_NEED_MORE;

	memcpy(&m, p, 4);
	memcpy(&version, p + 4, 2);
	memcpy(&type, p + 6, 2);
	memcpy(&blen, p + 8, 4);
	(void)m;
	version = ntohs(version);
	type = ntohs(type);
	blen = ntohl(blen);
	if (version != PROTO_VERSION)
		return dec_fail(dec, PROTO_E_VERSION, "unsupported protocol "
		    "version %u (this end speaks %u)", version, PROTO_VERSION);
	if ((uint64_t)blen + PROTO_HDRLEN > dec->max_frame)
		return dec_fail(dec, PROTO_E_SIZE, "%s frame of %" PRIu64
		    " bytes over the cap of %" PRIu32 " bytes", proto_type_name(type),
		    (uint64_t)blen + PROTO_HDRLEN, dec->max_frame);
	if (type < PROTO_HELLO || type > PROTO_HEARTBEAT)
		return dec_fail(dec, PROTO_E_TYPE, "unknown message type %u", type);
	dec->need = PROTO_HDRLEN + (size_t)blen;
	if (len < dec->need)
		return PROTO_NEED_MORE;

	if (type == PROTO_BATCH) {
		if (dec_batch(dec, msg, (const char *)p + PROTO_HDRLEN,
		    blen) == PROTO_ERROR)
			return PROTO_ERROR;
		msg->type = type;
		msg->framelen = dec->need;
		*used = dec->need;
		dec->need = PROTO_HDRLEN;
		return PROTO_OK;
	}
	json_tokener_reset(dec->tok);
	obj = json_tokener_parse_ex(dec->tok, (const char *)p + PROTO_HDRLEN, (int)blen);
	jerr = json_tokener_get_error(dec->tok);
	if (obj == NULL || jerr != json_tokener_success) {
		if (obj != NULL)
			json_object_put(obj);
		return dec_fail(dec, PROTO_E_JSON, "%s body is not JSON: %s",
		    proto_type_name(type), jerr == json_tokener_continue ?
		    "unexpected end" : json_tokener_error_desc(jerr));
	}
	if (json_tokener_get_parse_end(dec->tok) != blen) {
		json_object_put(obj);
		return dec_fail(dec, PROTO_E_JSON, "%s body: bytes after the "
		    "JSON value", proto_type_name(type));
	}
	if (!json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		return dec_fail(dec, PROTO_E_SHAPE, "%s body is not a JSON object",
		    proto_type_name(type));
	}
	msg->type = type;
	msg->framelen = dec->need;
	msg->body = obj;
	if (dec_shape(dec, msg) == -1) {
		proto_msg_clear(msg);
		return PROTO_ERROR;
	}
	*used = dec->need;
	dec->need = PROTO_HDRLEN;
	return PROTO_OK;
}

void
proto_buf_reset(struct proto_buf *b)
{
	b->len = 0;
}

void
proto_buf_free(struct proto_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

/* Makes room for n more bytes. */
static int
buf_grow(struct proto_buf *b, size_t n)
{
	size_t size;
	uint8_t *p;

	if (b->len + n <= b->size)
		return 0;
	size = b->size ? b->size : 4096;
	while (size < b->len + n)
		size *= 2;
	if ((p = realloc(b->data, size)) == NULL)
		return -1;
	b->data = p;
	b->size = size;
	return 0;
}

int
proto_buf_add(struct proto_buf *b, const void *data, size_t n)
{
	if (buf_grow(b, n) == -1)
		return -1;
	memcpy(b->data + b->len, data, n);
	b->len += n;
	return 0;
}

static void
put_hdr(uint8_t *p, uint16_t version, uint16_t type, uint32_t len)
{
	uint32_t m = htonl(PROTO_MAGIC), l = htonl(len);
	uint16_t v = htons(version), t = htons(type);

	memcpy(p, &m, 4);
	memcpy(p + 4, &v, 2);
	memcpy(p + 6, &t, 2);
	memcpy(p + 8, &l, 4);
}

int
proto_encode_raw(struct proto_buf *b, uint16_t version, uint16_t type,
    const void *body, size_t len)
{
	if (len > UINT32_MAX - PROTO_HDRLEN || buf_grow(b, PROTO_HDRLEN + len) == -1)
		return -1;
	put_hdr(b->data + b->len, version, type, (uint32_t)len);
	b->len += PROTO_HDRLEN;
	if (len > 0)
		memcpy(b->data + b->len, body, len);
	b->len += len;
	return 0;
}

int
proto_encode(struct proto_buf *b, enum proto_type type, struct json_object *obj)
{
	const char *s;
	size_t len;

	if ((s = json_object_to_json_string_length(obj, JSON_FLAGS, &len)) == NULL)
		return -1;
	return proto_encode_raw(b, PROTO_VERSION, type, s, len);
}

int
proto_hello(struct proto_buf *b, const char *node, const char *agent_version,
    const char *token, int64_t wall_ns)
{
	struct json_object *o;
	int rv;

	if ((o = json_object_new_object()) == NULL)
		return -1;
	json_object_object_add(o, "version", json_object_new_int64(PROTO_VERSION));
	json_object_object_add(o, "node", json_object_new_string(node));
	json_object_object_add(o, "agent_version", json_object_new_string(agent_version));
	if (token != NULL)
		json_object_object_add(o, "token", json_object_new_string(token));
	json_object_object_add(o, "wall_ns", json_object_new_int64(wall_ns));
	rv = proto_encode(b, PROTO_HELLO, o);
	json_object_put(o);
	return rv;
}

int
proto_welcome(struct proto_buf *b, uint32_t max_frame, const char *aggregator_version)
{
	struct json_object *o;
	int rv;

	if ((o = json_object_new_object()) == NULL)
		return -1;
	json_object_object_add(o, "version", json_object_new_int64(PROTO_VERSION));
	json_object_object_add(o, "max_frame", json_object_new_int64(max_frame));
	json_object_object_add(o, "aggregator_version",
	    json_object_new_string(aggregator_version));
	rv = proto_encode(b, PROTO_WELCOME, o);
	json_object_put(o);
	return rv;
}

int
proto_refuse(struct proto_buf *b, const char *reason)
{
	struct json_object *o;
	char r[PROTO_REASON_MAX];
	int rv;

	snprintf(r, sizeof(r), "%s", reason);
	if ((o = json_object_new_object()) == NULL)
		return -1;
	json_object_object_add(o, "reason", json_object_new_string(r));
	rv = proto_encode(b, PROTO_REFUSE, o);
	json_object_put(o);
	return rv;
}

int
proto_ack(struct proto_buf *b, uint64_t seq)
{
	char body[64];
	int n;

	n = snprintf(body, sizeof(body), "{\"seq\":%" PRIu64 "}", seq);
	return proto_encode_raw(b, PROTO_VERSION, PROTO_ACK, body, (size_t)n);
}

int
proto_heartbeat(struct proto_buf *b, int64_t wall_ns, struct json_object *stats)
{
	struct json_object *o;
	int rv;

	if ((o = json_object_new_object()) == NULL)
		return -1;
	json_object_object_add(o, "wall_ns", json_object_new_int64(wall_ns));
	json_object_object_add(o, "stats", stats != NULL ?
	    json_object_get(stats) : json_object_new_object());
	rv = proto_encode(b, PROTO_HEARTBEAT, o);
	json_object_put(o);
	return rv;
}

size_t
proto_batch_begin(struct proto_buf *b)
{
	static const char head[] = "{\"records\":[";
	size_t start = b->len;
	uint8_t hdr[PROTO_HDRLEN];

	memset(hdr, 0, sizeof(hdr));
	if (proto_buf_add(b, hdr, sizeof(hdr)) == -1 ||
	    proto_buf_add(b, head, sizeof(head) - 1) == -1) {
		b->len = start;
		return (size_t)-1;
	}
	return start;
}

int
proto_batch_add(struct proto_buf *b, size_t start, const char *rec, size_t len)
{
	if (buf_grow(b, len + 1) == -1)
		return -1;
	if (b->data[b->len - 1] != '[')
		b->data[b->len++] = ',';
	memcpy(b->data + b->len, rec, len);
	b->len += len;
	(void)start;
	return 0;
}

int
proto_batch_end(struct proto_buf *b, size_t start, uint64_t seq)
{
	char tail[48];
	int n;

	n = snprintf(tail, sizeof(tail), "],\"seq\":%" PRIu64 "}", seq);
	if (proto_buf_add(b, tail, (size_t)n) == -1)
		return -1;
	if (b->len - start - PROTO_HDRLEN > UINT32_MAX)
		return -1;
	put_hdr(b->data + start, PROTO_VERSION, PROTO_BATCH,
	    (uint32_t)(b->len - start - PROTO_HDRLEN));
	return 0;
}

