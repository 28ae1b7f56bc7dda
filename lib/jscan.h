/*
 * jscan.h: a validating scan of JSON text that builds nothing.  The
 * aggregator reads an agent's BATCH with it (lib/proto/proto.c) and
 * indexes each record's members (aggregator/store/store.c), so that only
 * the members a record kind reads become json-c values, instead of a tree
 * of every record.  RFC 8259, plus what json-c writes for doubles that
 * are not finite (NaN, Infinity, -Infinity) and its case-insensitive
 * literals; not json-c's other leniencies (comments, single quotes,
 * control characters in strings, bytes after a number that cannot end
 * one).  Nesting at most JSCAN_DEPTH deep (json-c's default, so the deep
 * inputs json-c refused are still refused).
 */
#ifndef STRATA_JSCAN_H
#define STRATA_JSCAN_H

#include <stddef.h>

#define JSCAN_DEPTH	32

enum jscan_type {
	JS_ERROR = 0,
	JS_OBJECT,
	JS_ARRAY,
	JS_STRING,
	JS_NUMBER,
	JS_LITERAL	/* true, false, null */
};

/* A value's text: [p, p + len). */
struct jscan_span {
	const char	*p;
	size_t		 len;
	enum jscan_type	 type;
};

/* A member of an object: its key as written (between the quotes). */
struct jscan_member {
	const char	*key;
	size_t		 keylen;
	int		 escaped;	/* the key holds a backslash escape */
	struct jscan_span val;
};

/*
 * Scans the one value at the start of [*pp, end) (whitespace skipped
 * before it, not after), depth containers deep already; sets *pp after
 * it.  JS_ERROR with *err set (a static string) on malformed text.
 */
enum jscan_type	 jscan_value(const char **pp, const char *end, int depth,
		    const char **err);

/* Skips JSON whitespace. */
const char	*jscan_ws(const char *p, const char *end);
/*
 * How many bytes from s on a JSON string holds as they are: up to the
 * first '"', '\\' or control character (8 bytes at a time; jwrite.c's
 * strings too).
 */
size_t		 jscan_plain(const char *s, size_t len);

/*
 * The members of the object at [*pp, end), one per call: 1 with *m
 * filled, 0 after the closing brace (*pp after it), -1 with *err set.
 * Before the first call *pp is at its '{' and *first is 1.
 */
int		 jscan_member(const char **pp, const char *end, int depth,
		    int *first, struct jscan_member *m, const char **err);
/*
 * The value at *pp of a container depth deep (after jscan_key(), say)
 * into v, *pp after it: 1, or -1 with *err set.
 */
int		 jscan_item(const char **pp, const char *end, int depth,
		    struct jscan_span *v, const char **err);
/* jscan_member(), but only to the start of the value: m->val.p, *pp. */
int		 jscan_key(const char **pp, const char *end, int depth,
		    int *first, struct jscan_member *m, const char **err);
/* The elements of the array at *pp ('['), as jscan_member() does. */
int		 jscan_element(const char **pp, const char *end, int depth,
		    int *first, struct jscan_span *v, const char **err);

/*
 * The json-c value of a scanned value whose text is followed by at least
 * one byte (a ',', '}', ']' or NUL: what ends a number), as json-c's
 * tokener makes it; NULL for null.  Plain strings, integers of up to 18
 * digits, decimal doubles (with their text, as json-c keeps it) and the
 * lower-case literals are made directly; the rest by tok (json-c's
 * tokener switches its locale on every call, which costs more than
 * parsing a short value).
 */
struct json_object;
struct json_tokener;
struct json_object *jscan_to_json(const struct jscan_span *,
		    struct json_tokener *tok);

#endif
