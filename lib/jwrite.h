/*
 * jwrite.h: writes a json-c tree as compact JSON text into one reusable
 * buffer, byte for byte what json-c writes with JSON_C_TO_STRING_PLAIN |
 * JSON_C_TO_STRING_NOSLASHESCAPE, in about half its time: integers from
 * their digits without printf, strings copied in runs between the bytes
 * that need an escape, no printbuf per object.  The agent writes every
 * record through it.  A value with a custom serializer is written by that
 * serializer only if it has userdata (json_object_new_double_s() and the
 * migration record's rounds have): set some on any other.  One difference:
 * a double that is NaN or infinite is written null (json-c writes NaN and
 * Infinity, which are not JSON).  Every JSON text the aggregator sends
 * (control answers, /api/, follow streams, hooks, the journal,
 * Alertmanager) is written by it.
 */
#ifndef STRATA_JWRITE_H
#define STRATA_JWRITE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <json-c/json.h>

struct jbuf {
	char	*p;		/* NUL-terminated after jwrite(), jw_done() */
	size_t	 len;
	size_t	 cap;
	int	 err;		/* jw_*: an allocation failed */
};

/* jwrite.c */
/* The text of o in b (replacing what b held); -1 when out of memory. */
int	 jwrite(struct jbuf *b, struct json_object *o);
/* The text of o, malloc'd, its length in *lenp; NULL when out of memory. */
char	*jwrite_dup(struct json_object *o, size_t *lenp);
void	 jbuf_free(struct jbuf *b);

/*
 * JSON written value by value into b, without a tree: the same bytes
 * jwrite() writes for the tree the same calls would have built (json-c
 * keeps an object's members in the order they were added).  jw_key()
 * and jw_item() put the comma that separates a member or an item from
 * the one before; a key is a literal that needs no escape (no quote,
 * backslash or control byte), copied as it is.  A failed allocation sticks in b->err: jw_done() then
 * returns -1.  The agent's analyzers write their records this way.
 */
void	 jw_reset(struct jbuf *b);
void	 jw_open(struct jbuf *b, char c);	/* '{' or '[' */
void	 jw_close(struct jbuf *b, char c);	/* '}' or ']' */
void	 jw_keyn(struct jbuf *b, const char *key, size_t n);
/* Inline, so that the length of a literal key is known where it is used. */
static inline void
jw_key(struct jbuf *b, const char *key)
{
	jw_keyn(b, key, strlen(key));
}
void	 jw_item(struct jbuf *b);
void	 jw_null(struct jbuf *b);
void	 jw_int(struct jbuf *b, int64_t v);
void	 jw_bool(struct jbuf *b, int v);
void	 jw_str(struct jbuf *b, const char *s);
/* Text that is JSON already (a number's digits, a value written before). */
void	 jw_raw(struct jbuf *b, const char *s, size_t n);
int	 jw_done(struct jbuf *b);

#endif
