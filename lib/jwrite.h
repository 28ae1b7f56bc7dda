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

#include <json-c/json.h>

struct jbuf {
	char	*p;		/* NUL-terminated after jwrite() */
	size_t	 len;
	size_t	 cap;
};

/* jwrite.c */
/* The text of o in b (replacing what b held); -1 when out of memory. */
int	 jwrite(struct jbuf *b, struct json_object *o);
/* The text of o, malloc'd, its length in *lenp; NULL when out of memory. */
char	*jwrite_dup(struct json_object *o, size_t *lenp);
void	 jbuf_free(struct jbuf *b);

#endif
