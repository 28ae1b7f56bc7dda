/*
 * json_strict.h: is a text one JSON value as RFC 8259 writes it?  The
 * tests' and fuzz targets' check of what the aggregator sends.  lib/jscan
 * validates the structure; it also takes what json-c takes and writes
 * (NaN, Infinity, literals in any case), which JSON.parse, jq and Python's
 * strict mode refuse, so every literal and number is checked again here.
 */
#ifndef STRATA_JSON_STRICT_H
#define STRATA_JSON_STRICT_H

#include <string.h>

#include "jscan.h"

static int
json_strict_value(const struct jscan_span *v, int depth)
{
	const char *p = v->p, *end = v->p + v->len, *err;
	struct jscan_member m;
	struct jscan_span e;
	int first = 1, r;

	switch (v->type) {
	case JS_LITERAL:
		return (v->len == 4 && (memcmp(p, "true", 4) == 0 ||
		    memcmp(p, "null", 4) == 0)) ||
		    (v->len == 5 && memcmp(p, "false", 5) == 0);
	case JS_NUMBER:
		for (; p < end; p++)
			if (memchr("0123456789+-.eE", *p, 15) == NULL)
				return 0;
		return 1;
	case JS_OBJECT:
		while ((r = jscan_member(&p, end, depth, &first, &m,
		    &err)) == 1)
			if (!json_strict_value(&m.val, depth + 1))
				return 0;
		return r == 0;
	case JS_ARRAY:
		while ((r = jscan_element(&p, end, depth, &first, &e,
		    &err)) == 1)
			if (!json_strict_value(&e, depth + 1))
				return 0;
		return r == 0;
	default:
		return 1;
	}
}

/* 1 if [text, text + len) is one JSON value (whitespace around it). */
static inline int
json_strict(const char *text, size_t len)
{
	const char *p = jscan_ws(text, text + len), *err;
	struct jscan_span v;

	v.p = p;
	if ((v.type = jscan_value(&p, text + len, 0, &err)) == JS_ERROR ||
	    jscan_ws(p, text + len) != text + len)
		return 0;
	v.len = (size_t)(p - v.p);
	return json_strict_value(&v, 0);
}

#endif
