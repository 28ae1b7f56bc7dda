/*
 * test_utf8.c: lib/utf8.c, the check every control answer and every
 * string from a peer goes through before it is sent as JSON.  Its ASCII
 * words are read 8 at a time, so each case is tried at every offset of a
 * 40-byte ASCII run: an invalid sequence (a stray continuation, overlong
 * forms, a surrogate, above U+10FFFF, a sequence cut by the end) is found
 * at its first byte, a valid one of 2, 3 and 4 bytes passes, and the
 * scrub escapes exactly the bad bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "utf8.h"

#define RUN	40

static const struct {
	const char	*seq;
	int		 valid;
	int		 cut;		/* the text ends after it */
} cases[] = {
	{ "\xc3\xa9", 1, 0 },		/* U+00E9 */
	{ "\xe2\x9c\x93", 1, 0 },		/* U+2713 */
	{ "\xf0\x9f\x98\x80", 1, 0 },	/* U+1F600 */
	{ "\xf4\x8f\xbf\xbf", 1, 0 },	/* U+10FFFF */
	{ "\x80", 0, 0 },			/* a continuation alone */
	{ "\xc0\xaf", 0, 0 },		/* overlong '/' */
	{ "\xe0\x80\xaf", 0, 0 },		/* overlong, 3 bytes */
	{ "\xed\xa0\x80", 0, 0 },		/* U+D800, a surrogate */
	{ "\xf4\x90\x80\x80", 0, 0 },	/* above U+10FFFF */
	{ "\xff", 0, 0 },
	{ "\xc3", 0, 1 },		/* cut by the end of the text */
	{ "\xe2\x9c", 0, 1 },
	{ "\xf0\x9f\x98", 0, 1 },
};

int
main(void)
{
	char buf[RUN + 8], *out, want[RUN + 16];
	size_t i, k, n, len, outlen, got;
	int bad_valid = 0, bad_scrub = 0, bad_cut = 0;

	plan(4);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = strlen(cases[i].seq);
		for (k = 0; k + n <= RUN; k++) {
			memset(buf, 'a', RUN);
			memcpy(buf + k, cases[i].seq, n);
			len = cases[i].cut ? k + n : RUN;
			got = utf8_valid(buf, len);
			if (got != (cases[i].valid ? len : k)) {
				diag("case %zu at %zu: %zu", i, k, got);
				bad_valid++;
			}
			out = utf8_json_scrub(buf, len, &outlen);
			if (cases[i].valid) {
				if (out != NULL || outlen != len)
					bad_scrub++;
			} else {
				if (out == NULL || outlen < len ||
				    memcmp(out, buf, k) != 0 ||
				    memcmp(out + k, "\\ufffd", 6) != 0)
					bad_scrub++;
			}
			free(out);
		}
	}
	ok(bad_valid == 0, "utf8_valid finds the first bad byte of each "
	    "case at every offset of an ASCII run, and passes the valid ones");
	ok(bad_scrub == 0, "utf8_json_scrub leaves valid text alone "
	    "(*outlen its length) and escapes a bad byte where it is");

	/* Every byte above 0x7f alone, at every offset: found there. */
	for (i = 0x80; i <= 0xff; i++)
		for (k = 0; k < RUN; k++) {
			memset(buf, 'b', RUN);
			buf[k] = (char)i;
			if (utf8_valid(buf, RUN) != k)
				bad_cut++;
		}
	ok(bad_cut == 0, "a lone byte of 0x80-0xff is found at each offset");

	memset(buf, 'c', RUN);
	buf[RUN - 1] = '\xff';
	out = utf8_json_scrub(buf, RUN, &outlen);
	memset(want, 'c', RUN - 1);
	memcpy(want + RUN - 1, "\\ufffd", 7);
	ok(out != NULL && outlen == RUN - 1 + 6 && strcmp(out, want) == 0,
	    "a bad last byte after 39 ASCII bytes is escaped");
	free(out);
	return exit_status();
}
