/*
 * utf8.c: UTF-8 validation for text that ends up in JSON (utf8.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

/* Length of the valid sequence at s (at most left bytes), 0 if invalid. */
static size_t
seq_len(const unsigned char *s, size_t left)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n > left)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

/* How many bytes from s on, whole words of 8, are all ASCII. */
static size_t
ascii_run(const unsigned char *s, size_t left)
{
	size_t i = 0;
	uint64_t x;

	for (; i + 8 <= left; i += 8) {
		memcpy(&x, s + i, 8);
		if (x & 0x8080808080808080ULL)
			break;
	}
	return i;
}

size_t
utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		if ((i += ascii_run(p + i, len - i)) == len)
			break;
		if ((n = seq_len(p + i, len - i)) == 0)
			return i;
		i += n;
	}
	return len;
}

void
utf8_sanitize(char *s)
{
	size_t len = strlen(s), i = 0, n;

	while (i < len) {
		if ((n = seq_len((unsigned char *)s + i, len - i)) == 0) {
			s[i++] = '?';
			continue;
		}
		i += n;
	}
}

char *
utf8_json_scrub(const char *s, size_t len, size_t *outlen)
{
	static const char rep[] = "\\ufffd";
	const unsigned char *p = (const unsigned char *)s;
	size_t first, i, n, bad = 0, o;
	char *out;

	*outlen = len;
	if ((first = utf8_valid(s, len)) == len)
		return NULL;
	for (i = first; i < len; i += n ? n : 1)
		if ((n = seq_len(p + i, len - i)) == 0)
			bad++;
	*outlen = 0;
	if ((out = malloc(len + bad * (sizeof(rep) - 2) + 1)) == NULL)
		return NULL;
	memcpy(out, s, first);
	for (i = o = first; i < len; i += n ? n : 1) {
		if ((n = seq_len(p + i, len - i)) == 0) {
			memcpy(out + o, rep, sizeof(rep) - 1);
			o += sizeof(rep) - 1;
		} else {
			memcpy(out + o, s + i, n);
			o += n;
		}
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}
