/*
 * jscan.c: a validating scan of JSON text that builds nothing (jscan.h).
 * Containers are scanned iteratively with a stack of JSCAN_DEPTH bits, so
 * hostile nesting costs neither recursion nor memory.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "jscan.h"

const char *
jscan_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' ||
	    *p == '\t'))
		p++;
	return p;
}

/*
 * Whether one of the 8 bytes of x is a '"', a '\\' or below 0x20 (the
 * bit tricks are exact for "is there one", not for which).
 */
static inline uint64_t
special8(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ULL;
	const uint64_t highs = 0x8080808080808080ULL;
	uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');

	return (((q - ones) & ~q) | ((b - ones) & ~b) |
	    ((x - ones * 0x20) & ~x)) & highs;
}

size_t
jscan_plain(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *e = p + len;
	uint64_t x;

	/* Eight plain bytes at a time, then one by one. */
	while (e - p >= 8) {
		memcpy(&x, p, 8);
		if (special8(x))
			break;
		p += 8;
	}
	while (p < e && *p != '"' && *p != '\\' && *p >= 0x20)
		p++;
	return (size_t)(p - (const unsigned char *)s);
}

/* The string at *pp ('"'), to after its closing quote. */
static int
scan_string(const char **pp, const char *end, int *escaped, const char **err)
{
	const unsigned char *p = (const unsigned char *)*pp + 1;
	const unsigned char *e = (const unsigned char *)end;
	int i;

	*escaped = 0;
	for (;;) {
		p += jscan_plain((const char *)p, (size_t)(e - p));
		if (p == e) {
			*err = "unterminated string";
			return -1;
		}
		if (*p == '"')
			break;
		if (*p < 0x20) {
			*err = "control character in a string";
			return -1;
		}
		*escaped = 1;
		if (++p == e) {
			*err = "unterminated string";
			return -1;
		}
		switch (*p) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n':
		case 'r': case 't':
			p++;
			break;
		case 'u':
			for (i = 1; i <= 4; i++) {
				if (p + i >= e || !((p[i] >= '0' && p[i] <= '9') ||
				    (p[i] >= 'a' && p[i] <= 'f') ||
				    (p[i] >= 'A' && p[i] <= 'F'))) {
					*err = "bad \\u escape";
					return -1;
				}
			}
			p += 5;
			break;
		default:
			*err = "bad escape in a string";
			return -1;
		}
	}
	*pp = (const char *)p + 1;
	return 0;
}

static int
digits(const char **pp, const char *end)
{
	const char *p = *pp;

	while (p < end && *p >= '0' && *p <= '9')
		p++;
	if (p == *pp)
		return -1;
	*pp = p;
	return 0;
}

/* The number at *pp; it must end where a number can end. */
static int
scan_number(const char **pp, const char *end, const char **err)
{
	const char *p = *pp;

	if (p < end && *p == '-')
		p++;
	if (p < end && *p == '0')
		p++;
	else if (digits(&p, end) == -1)
		goto bad;
	if (p < end && *p == '.') {
		p++;
		if (digits(&p, end) == -1)
			goto bad;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (digits(&p, end) == -1)
			goto bad;
	}
	if (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' &&
	    *p != '\n' && *p != '\r' && *p != '\t')
		goto bad;
	*pp = p;
	return 0;
 bad:
	*err = "bad number";
	return -1;
}

/*
 * true, false, null, and NaN, Infinity and -Infinity, which json-c writes
 * for doubles that are not finite (an agent may send them: the store
 * refuses and counts such a value, where a refused frame would be sent
 * again and again); in any case, as json-c reads them.
 */
static int
scan_literal(const char **pp, const char *end, const char **err)
{
	static const char *const lit[] = { "true", "false", "null", "nan",
	    "infinity", "-infinity" };
	size_t i, n;

	/* As the agent writes them, first. */
	for (i = 0; i < 3; i++) {
		n = strlen(lit[i]);
		if ((size_t)(end - *pp) >= n && memcmp(*pp, lit[i], n) == 0) {
			*pp += n;
			return 0;
		}
	}
	for (i = 0; i < sizeof(lit) / sizeof(lit[0]); i++) {
		n = strlen(lit[i]);
		if ((size_t)(end - *pp) >= n &&
		    strncasecmp(*pp, lit[i], n) == 0) {
			*pp += n;
			return 0;
		}
	}
	*err = "unexpected character";
	return -1;
}

/* A scalar at *pp (not a container); its type. */
static enum jscan_type
scan_scalar(const char **pp, const char *end, const char **err)
{
	int esc;

	if (*pp == end) {
		*err = "unexpected end";
		return JS_ERROR;
	}
	switch (**pp) {
	case '"':
		return scan_string(pp, end, &esc, err) == 0 ? JS_STRING :
		    JS_ERROR;
	case '-':
		if (end - *pp > 1 && ((*pp)[1] == 'i' || (*pp)[1] == 'I'))
			return scan_literal(pp, end, err) == 0 ? JS_LITERAL :
			    JS_ERROR;
		/* FALLTHROUGH */
	case '0': case '1': case '2': case '3': case '4': case '5':
	case '6': case '7': case '8': case '9':
		return scan_number(pp, end, err) == 0 ? JS_NUMBER : JS_ERROR;
	default:
		return scan_literal(pp, end, err) == 0 ? JS_LITERAL : JS_ERROR;
	}
}

enum jscan_type
jscan_value(const char **pp, const char *end, int depth, const char **err)
{
	unsigned char stack[JSCAN_DEPTH];	/* 1: in an array */
	enum jscan_type type;
	const char *p = jscan_ws(*pp, end);
	int n = 0, esc;

	if (p < end && (*p == '{' || *p == '['))
		type = *p == '{' ? JS_OBJECT : JS_ARRAY;
	else {
		*pp = p;
		return scan_scalar(pp, end, err);
	}
	for (;;) {
		/* p is at the start of a value. */
		if (*p == '{' || *p == '[') {
			if (depth + n >= JSCAN_DEPTH) {
				*err = "nesting too deep";
				return JS_ERROR;
			}
			stack[n++] = *p == '[';
			p = jscan_ws(p + 1, end);
			if (p < end && *p == (stack[n - 1] ? ']' : '}')) {
				p++;
				n--;
				goto after_value;
			}
			if (!stack[n - 1])
				goto key;
			if (p == end)
				goto short_text;
			continue;
		}
		if (scan_scalar(&p, end, err) == JS_ERROR)
			return JS_ERROR;
 after_value:
		if (n == 0)
			break;
		p = jscan_ws(p, end);
		if (p == end)
			goto short_text;
		if (*p == ',') {
			p = jscan_ws(p + 1, end);
			if (stack[n - 1]) {
				if (p == end)
					goto short_text;
				continue;
			}
			goto key;
		}
		if (*p != (stack[n - 1] ? ']' : '}')) {
			*err = stack[n - 1] ? "expected , or ]" :
			    "expected , or }";
			return JS_ERROR;
		}
		p++;
		n--;
		goto after_value;
 key:
		if (p == end)
			goto short_text;
		if (*p != '"') {
			*err = "expected a member name";
			return JS_ERROR;
		}
		if (scan_string(&p, end, &esc, err) == -1)
			return JS_ERROR;
		p = jscan_ws(p, end);
		if (p == end || *p != ':') {
			*err = p == end ? "unexpected end" : "expected :";
			return JS_ERROR;
		}
		p = jscan_ws(p + 1, end);
		if (p == end)
			goto short_text;
	}
	*pp = p;
	return type;
 short_text:
	*err = "unexpected end";
	return JS_ERROR;
}

/*
 * To the next item of the container at *pp (open is its '{' or '['):
 * 1 with *pp at the item, 0 after the closing close, -1 with *err.
 */
static int
next_item(const char **pp, const char *end, int depth, int *first,
    char open, char close, const char **err)
{
	const char *p = jscan_ws(*pp, end);

	if (*first) {
		if (p == end || *p != open) {
			*err = open == '{' ? "not an object" : "not an array";
			return -1;
		}
		if (depth + 1 > JSCAN_DEPTH) {
			*err = "nesting too deep";
			return -1;
		}
		p = jscan_ws(p + 1, end);
		*first = 0;
		if (p < end && *p == close) {
			*pp = p + 1;
			return 0;
		}
	} else {
		if (p == end) {
			*err = "unexpected end";
			return -1;
		}
		if (*p == close) {
			*pp = p + 1;
			return 0;
		}
		if (*p != ',') {
			*err = close == '}' ? "expected , or }" :
			    "expected , or ]";
			return -1;
		}
		p = jscan_ws(p + 1, end);
	}
	*pp = p;
	return 1;
}

int
jscan_key(const char **pp, const char *end, int depth, int *first,
    struct jscan_member *m, const char **err)
{
	const char *p;
	int r;

	if ((r = next_item(pp, end, depth, first, '{', '}', err)) != 1)
		return r;
	p = *pp;
	if (p == end || *p != '"') {
		*err = p == end ? "unexpected end" : "expected a member name";
		return -1;
	}
	m->key = p + 1;
	if (scan_string(&p, end, &m->escaped, err) == -1)
		return -1;
	m->keylen = (size_t)(p - 1 - m->key);
	p = jscan_ws(p, end);
	if (p == end || *p != ':') {
		*err = p == end ? "unexpected end" : "expected :";
		return -1;
	}
	m->val.p = jscan_ws(p + 1, end);
	m->val.len = 0;
	m->val.type = JS_ERROR;
	*pp = m->val.p;
	return 1;
}

int
jscan_item(const char **pp, const char *end, int depth,
    struct jscan_span *v, const char **err)
{
	const char *p = *pp;

	v->p = p;
	if ((v->type = jscan_value(&p, end, depth + 1, err)) == JS_ERROR)
		return -1;
	v->len = (size_t)(p - v->p);
	*pp = p;
	return 1;
}

int
jscan_member(const char **pp, const char *end, int depth, int *first,
    struct jscan_member *m, const char **err)
{
	int r;

	if ((r = jscan_key(pp, end, depth, first, m, err)) != 1)
		return r;
	return jscan_item(pp, end, depth, &m->val, err);
}

int
jscan_element(const char **pp, const char *end, int depth, int *first,
    struct jscan_span *v, const char **err)
{
	int r;

	if ((r = next_item(pp, end, depth, first, '[', ']', err)) != 1)
		return r;
	return jscan_item(pp, end, depth, v, err);
}

struct json_object *
jscan_to_json(const struct jscan_span *v, struct json_tokener *tok)
{
	char num[64];
	size_t i;
	int dbl = 0;

	switch (v->type) {
	case JS_STRING:
		if (memchr(v->p, '\\', v->len) == NULL)
			return json_object_new_string_len(v->p + 1,
			    (int)v->len - 2);
		break;
	case JS_NUMBER:
		if (v->len >= sizeof(num))
			break;
		for (i = 0; i < v->len; i++)
			dbl |= v->p[i] == '.' || v->p[i] == 'e' ||
			    v->p[i] == 'E';
		memcpy(num, v->p, v->len);
		num[v->len] = '\0';
		if (dbl)
			return json_object_new_double_s(strtod(num, NULL), num);
		if (v->len - (num[0] == '-') <= 18)
			return json_object_new_int64(strtoll(num, NULL, 10));
		break;
	case JS_LITERAL:
		if (v->len == 4 && memcmp(v->p, "null", 4) == 0)
			return NULL;
		if (v->len == 4 && memcmp(v->p, "true", 4) == 0)
			return json_object_new_boolean(1);
		if (v->len == 5 && memcmp(v->p, "false", 5) == 0)
			return json_object_new_boolean(0);
		break;
	default:
		break;
	}
	json_tokener_reset(tok);
	return json_tokener_parse_ex(tok, v->p, (int)v->len + 1);
}
