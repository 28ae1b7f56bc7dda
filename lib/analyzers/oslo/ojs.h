/*
 * ojs.h: a small, fast JSON reader for the OpenStack messages the
 * application analyzers parse (one per Python log event, often 2-6 KB).
 *
 * One pass over a private copy of the text builds a flat token array
 * (jsmn style: each token knows where its subtree ends, so a lookup skips
 * a value in O(1)); strings are unescaped and NUL-terminated in place, so
 * every string and key is a C string into the copy.  No allocation per
 * value: the copy and the token array are reused from one message to the
 * next.  Numbers are read on demand.
 */
#ifndef STRATA_OJS_H
#define STRATA_OJS_H

#include <stddef.h>
#include <stdint.h>

#define OJS_MAX_DEPTH	64

enum ojs_type {
	OJS_NONE,
	OJS_OBJ,		/* n members: key (OJS_STR), value, ... */
	OJS_ARR,		/* n items */
	OJS_STR,
	OJS_NUM,
	OJS_TRUE,
	OJS_FALSE,
	OJS_NULL,
};

struct ojs_tok {
	uint8_t		 type;		/* enum ojs_type */
	uint32_t	 off;		/* into the copy: the string, the number */
	uint32_t	 len;		/* string: unescaped length; number: chars */
	uint32_t	 next;		/* token index after this subtree */
	uint32_t	 n;		/* object members, array items */
};

struct ojs {
	char		*buf;		/* the private copy, NUL-terminated */
	size_t		 bufcap;
	struct ojs_tok	*t;
	unsigned	 nt, tcap;
	const char	*err;		/* why the last parse failed */
	size_t		 err_off;
};

/* ojs.c */
void		 ojs_init(struct ojs *);
void		 ojs_free(struct ojs *);
/* 0 when s[0..len) is one JSON value (surrounding blanks allowed); -1 else. */
int		 ojs_parse(struct ojs *, const char *s, size_t len);
/* The value of key in object token obj, or -1. */
int		 ojs_get(const struct ojs *, int obj, const char *key);
/* obj.k1.k2...: a path of keys, NULL-terminated; -1 when one is missing. */
int		 ojs_path(const struct ojs *, int obj, const char *const *keys);
/* A string token's text, NULL for another type or -1. */
const char	*ojs_str(const struct ojs *, int tok);
/* ojs_str of ojs_get; NULL also for an empty string when nonempty is set. */
const char	*ojs_gets(const struct ojs *, int obj, const char *key);
/* A number token (or a string holding one); -1 when not a number. */
int		 ojs_num(const struct ojs *, int tok, double *out);
int		 ojs_int(const struct ojs *, int tok, int64_t *out);
/* 1 true, 0 false, -1 other. */
int		 ojs_bool(const struct ojs *, int tok);
/*
 * Children: ojs_first() is an array's first item or an object's first key
 * (-1 when empty); ojs_next() the item after an item, ojs_next_key() the
 * key after a key (its value is key + 1); -1 after the last.
 */
int		 ojs_first(const struct ojs *, int tok);
int		 ojs_next(const struct ojs *, int parent, int item);
int		 ojs_next_key(const struct ojs *, int parent, int key);
int		 ojs_type(const struct ojs *, int tok);
unsigned	 ojs_count(const struct ojs *, int tok);

#endif
