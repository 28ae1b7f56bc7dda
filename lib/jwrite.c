/*
 * jwrite.c: a json-c tree as compact JSON text (see jwrite.h).
 *
 * json-c's own writer renders every integer with snprintf() and appends
 * every string a byte run at a time into a printbuf; records are the
 * agent's largest output (tens of MB an hour on a busy node), so this one
 * writes the same bytes with less work.  What it does not know how to
 * write exactly as json-c does (a double without its text, a value with a
 * custom serializer: json_object_new_double_s, the migration record's
 * rounds) it asks json-c for, value by value.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jwrite.h"
#include "jscan.h"

#define JW_FLAGS	(JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
#define JW_MIN		4096

/* Room for n more bytes. */
static int
jb_room(struct jbuf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->len + n < b->cap)
		return 0;
	cap = b->cap ? b->cap : JW_MIN;
	while (b->len + n >= cap)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL)
		return -1;
	b->p = p;
	b->cap = cap;
	return 0;
}

static int
jb_put(struct jbuf *b, const char *s, size_t n)
{
	if (jb_room(b, n) == -1)
		return -1;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	return 0;
}

/* The digits of u, two at a time (a nanosecond time has 19). */
static int
jb_uint(struct jbuf *b, uint64_t u, int neg)
{
	static const char d2[] =
	    "00010203040506070809101112131415161718192021222324252627282930"
	    "31323334353637383940414243444546474849505152535455565758596061"
	    "62636465666768697071727374757677787980818283848586878889909192"
	    "93949596979899";
	char buf[24], *p = buf + sizeof(buf);
	unsigned i;

	while (u >= 100) {
		i = (unsigned)(u % 100) * 2;
		u /= 100;
		p -= 2;
		p[0] = d2[i];
		p[1] = d2[i + 1];
	}
	if (u >= 10) {
		p -= 2;
		p[0] = d2[u * 2];
		p[1] = d2[u * 2 + 1];
	} else
		*--p = (char)('0' + u);
	if (neg)
		*--p = '-';
	return jb_put(b, p, (size_t)(buf + sizeof(buf) - p));
}

/* A string, escaped as json-c escapes it (no "\/" with NOSLASHESCAPE). */
static int
jb_str(struct jbuf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;
	unsigned char c;
	char esc[6];
	size_t n;

	if (jb_room(b, len + 2) == -1)
		return -1;
	b->p[b->len++] = '"';
	for (i = 0; (i += jscan_plain(s + i, len - i)) < len; i++) {
		c = (unsigned char)s[i];
		if (jb_put(b, s + run, i - run) == -1)
			return -1;
		run = i + 1;
		n = 2;
		esc[0] = '\\';
		switch (c) {
		case '\b': esc[1] = 'b'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		case '\f': esc[1] = 'f'; break;
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			n = 6;
			break;
		}
		if (jb_put(b, esc, n) == -1)
			return -1;
	}
	if (jb_put(b, s + run, len - run) == -1)
		return -1;
	return jb_put(b, "\"", 1);
}

/* What json-c writes for o, asked of json-c. */
static int
jb_jsonc(struct jbuf *b, struct json_object *o)
{
	const char *s;
	size_t n;

	if ((s = json_object_to_json_string_length(o, JW_FLAGS, &n)) == NULL)
		return -1;
	return jb_put(b, s, n);
}

static int
jb_value(struct jbuf *b, struct json_object *o)
{
	size_t i, n;
	int64_t v;
	uint64_t u;
	int first = 1;

	if (o == NULL)
		return jb_put(b, "null", 4);
	/*
	 * JSON cannot write NaN or an infinity; json-c writes NaN and
	 * Infinity, which JSON.parse, jq and RFC 8259 refuse: null, as
	 * JSON.stringify writes them.
	 */
	if (json_object_is_type(o, json_type_double) &&
	    !isfinite(json_object_get_double(o)))
		return jb_put(b, "null", 4);
	if (json_object_get_userdata(o) != NULL)
		return jb_jsonc(b, o);
	switch (json_object_get_type(o)) {
	case json_type_null:
		return jb_put(b, "null", 4);
	case json_type_boolean:
		return json_object_get_boolean(o) ? jb_put(b, "true", 4) :
		    jb_put(b, "false", 5);
	case json_type_int:
		v = json_object_get_int64(o);
		/* json-c keeps a uint64 above INT64_MAX apart. */
		if (v == INT64_MAX && (u = json_object_get_uint64(o)) >
		    (uint64_t)INT64_MAX)
			return jb_uint(b, u, 0);
		return v < 0 ? jb_uint(b, (uint64_t)0 - (uint64_t)v, 1) :
		    jb_uint(b, (uint64_t)v, 0);
	case json_type_double:
		return jb_jsonc(b, o);
	case json_type_string:
		return jb_str(b, json_object_get_string(o),
		    (size_t)json_object_get_string_len(o));
	case json_type_array:
		if (jb_put(b, "[", 1) == -1)
			return -1;
		n = json_object_array_length(o);
		for (i = 0; i < n; i++)
			if ((i > 0 && jb_put(b, ",", 1) == -1) ||
			    jb_value(b, json_object_array_get_idx(o, i)) == -1)
				return -1;
		return jb_put(b, "]", 1);
	case json_type_object:
		if (jb_put(b, "{", 1) == -1)
			return -1;
		json_object_object_foreach(o, k, val) {
			if ((!first && jb_put(b, ",", 1) == -1) ||
			    jb_str(b, k, strlen(k)) == -1 ||
			    jb_put(b, ":", 1) == -1 || jb_value(b, val) == -1)
				return -1;
			first = 0;
		}
		return jb_put(b, "}", 1);
	}
	return jb_jsonc(b, o);
}

int
jwrite(struct jbuf *b, struct json_object *o)
{
	b->len = 0;
	if (jb_value(b, o) == -1 || jb_room(b, 1) == -1)
		return -1;
	b->p[b->len] = '\0';
	return 0;
}

char *
jwrite_dup(struct json_object *o, size_t *lenp)
{
	struct jbuf b = { NULL, 0, 0, 0 };

	if (jwrite(&b, o) == -1) {
		jbuf_free(&b);
		return NULL;
	}
	*lenp = b.len;
	return b.p;
}

void
jbuf_free(struct jbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
	b->err = 0;
}

void
jw_reset(struct jbuf *b)
{
	b->len = 0;
	b->err = 0;
}

void
jw_raw(struct jbuf *b, const char *s, size_t n)
{
	if (jb_put(b, s, n) == -1)
		b->err = 1;
}

void
jw_open(struct jbuf *b, char c)
{
	jw_raw(b, &c, 1);
}

void
jw_close(struct jbuf *b, char c)
{
	jw_raw(b, &c, 1);
}

/* The comma before a member or an item, unless it is the first. */
static void
jw_sep(struct jbuf *b, char open)
{
	if (b->len > 0 && b->p[b->len - 1] != open)
		jw_raw(b, ",", 1);
}

/* The key is a literal that needs no escape: copied as it is. */
void
jw_keyn(struct jbuf *b, const char *key, size_t n)
{
	if (jb_room(b, n + 4) == -1) {
		b->err = 1;
		return;
	}
	if (b->len > 0 && b->p[b->len - 1] != '{')
		b->p[b->len++] = ',';
	b->p[b->len++] = '"';
	memcpy(b->p + b->len, key, n);
	b->len += n;
	b->p[b->len++] = '"';
	b->p[b->len++] = ':';
}

void
jw_item(struct jbuf *b)
{
	jw_sep(b, '[');
}

void
jw_null(struct jbuf *b)
{
	jw_raw(b, "null", 4);
}

void
jw_int(struct jbuf *b, int64_t v)
{
	if ((v < 0 ? jb_uint(b, (uint64_t)0 - (uint64_t)v, 1) :
	    jb_uint(b, (uint64_t)v, 0)) == -1)
		b->err = 1;
}

void
jw_bool(struct jbuf *b, int v)
{
	if (v)
		jw_raw(b, "true", 4);
	else
		jw_raw(b, "false", 5);
}

void
jw_str(struct jbuf *b, const char *s)
{
	if (s == NULL)
		jw_null(b);
	else if (jb_str(b, s, strlen(s)) == -1)
		b->err = 1;
}

int
jw_done(struct jbuf *b)
{
	if (b->err || jb_room(b, 1) == -1)
		return -1;
	b->p[b->len] = '\0';
	return 0;
}
