/*
 * utf8.h: checking text for UTF-8 before it goes into JSON.  json-c
 * copies a string's bytes into its output as they are, so a byte that is
 * not UTF-8 (from a peer, or a message cut in the middle of a character)
 * makes the whole line invalid JSON.  ASCII is checked 8 bytes at a time.
 */
#ifndef STRATA_UTF8_H
#define STRATA_UTF8_H

#include <stddef.h>

/*
 * How many bytes of s[0..len) are valid UTF-8 (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF); len when all are.
 */
size_t	utf8_valid(const char *s, size_t len);
/* Replaces each byte of s that is not part of valid UTF-8 by '?'. */
void	utf8_sanitize(char *s);
/*
 * A copy of the JSON text s[0..len) in which each invalid byte (they can
 * only be inside strings) is the escape \ufffd; *outlen its length.  NULL
 * when s is valid already (nothing to do: *outlen is len) or out of
 * memory (*outlen 0).
 */
char	*utf8_json_scrub(const char *s, size_t len, size_t *outlen);

#endif
