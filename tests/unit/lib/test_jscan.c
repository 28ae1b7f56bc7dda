/*
 * test_jscan.c: lib/jscan.c, the scan the aggregator applies to an agent's
 * BATCH before anything is parsed.  What it accepts and refuses (a table),
 * nesting at its bound and far past it, then against json-c on 20,000
 * random JSON texts (whitespace, escapes, every number form, literals in
 * any case): every one accepted, each member's value made from its text
 * by jscan_to_json() the value json-c makes of it; and on 200,000 mutations of them: what the scan
 * accepts json-c accepts too (the store hands the members' text to
 * json-c, so it must never see a text json-c refuses).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "jscan.h"
#include "rnd.h"
#include "tap.h"

static enum jscan_type
scan(const char *text, size_t len, size_t *used, const char **err)
{
	const char *p = text;
	enum jscan_type t;

	*err = "";
	t = jscan_value(&p, text + len, 0, err);
	*used = (size_t)(p - text);
	return t;
}

/* The whole of text is one value of type want (JS_ERROR: refused). */
static int
whole(const char *text, enum jscan_type want)
{
	size_t used, len = strlen(text);
	const char *err;
	enum jscan_type t = scan(text, len, &used, &err);

	if (t != JS_ERROR && jscan_ws(text + used, text + len) != text + len)
		t = JS_ERROR;
	if (t != want)
		diag("%s: type %d, want %d (%s)", text, t, want, err);
	return t == want;
}

/* 1 when json-c takes all of [text, text + len) as one value, in *o. */
static int
jsonc(const char *text, size_t len, struct json_object **o)
{
	struct json_tokener *tok = json_tokener_new();
	char *z = strndup(text, len);
	int r;

	/* With its NUL, so that a number at the end ends. */
	*o = json_tokener_parse_ex(tok, z, (int)len + 1);
	r = json_tokener_get_error(tok) == json_tokener_success &&
	    (size_t)json_tokener_get_parse_end(tok) >= len;
	if (!r) {
		json_object_put(*o);
		*o = NULL;
	}
	json_tokener_free(tok);
	free(z);
	return r;
}


struct text {
	char	 b[8192];
	size_t	 n;
};

static void
put(struct text *t, const char *s)
{
	size_t n = strlen(s);

	if (t->n + n < sizeof(t->b)) {
		memcpy(t->b + t->n, s, n);
		t->n += n;
	}
}

static void
ws(struct text *t)
{
	static const char *const w[] = { "", "", "", " ", "\n", "\t ", "\r\n" };

	put(t, w[rnd(7)]);
}

static void
gen_string(struct text *t)
{
	static const char *const esc[] = { "\\\"", "\\\\", "\\/", "\\b",
	    "\\f", "\\n", "\\r", "\\t", "\\u00e9", "\\uD83D\\uDE00", "\xc3\xa9",
	    "k", "x y", "0" };
	unsigned i, n = rnd(6);

	put(t, "\"");
	for (i = 0; i < n; i++)
		put(t, esc[rnd(sizeof(esc) / sizeof(esc[0]))]);
	put(t, "\"");
}

static void
gen_value(struct text *t, int depth)
{
	static const char *const lit[] = { "0", "-0", "7", "-12", "3.25",
	    "1e5", "2E-3", "-4.5e+10", "9223372036854775807",
	    "-9223372036854775808", "18446744073709551615", "1e400", "true",
	    "false", "null", "TRUE", "False", "NaN", "nan", "Infinity",
	    "-Infinity", "-infinity" };
	unsigned i, n;

	switch (rnd(depth > 5 ? 3 : 5)) {
	case 0:
		put(t, lit[rnd(sizeof(lit) / sizeof(lit[0]))]);
		break;
	case 1:
	case 2:
		gen_string(t);
		break;
	case 3:
		put(t, "[");
		for (i = 0, n = rnd(4); i < n; i++) {
			if (i > 0)
				put(t, ",");
			ws(t);
			gen_value(t, depth + 1);
			ws(t);
		}
		put(t, "]");
		break;
	default:
		put(t, "{");
		for (i = 0, n = rnd(5); i < n; i++) {
			if (i > 0)
				put(t, ",");
			ws(t);
			gen_string(t);
			ws(t);
			put(t, ":");
			ws(t);
			gen_value(t, depth + 1);
			ws(t);
		}
		put(t, "}");
		break;
	}
}

/* json_object_equal(), but a NaN is the same as a NaN. */
static int
same_value(struct json_object *a, struct json_object *b)
{
	return strcmp(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN),
	    json_object_to_json_string_ext(b, JSON_C_TO_STRING_PLAIN)) == 0;
}

/*
 * An object's members by jscan_member hold what json-c makes of them:
 * each value's text reads as the value json-c keeps for its name (the
 * last of a repeated name), and the names, counted once each, are
 * json-c's members (escaped names aside: json-c unescapes them).
 */
static int
members_agree(const char *text, size_t len, struct json_object *o)
{
	static struct json_tokener *tok;
	struct jscan_member m[64];
	const char *p = text, *err;
	struct json_object *v, *want;
	char *key;
	int first = 1, r, escaped = 0, distinct = 0, same;
	size_t n = 0, j, k;

	if (tok == NULL && (tok = json_tokener_new()) == NULL)
		return 0;
	while (n < 64 &&
	    (r = jscan_member(&p, text + len, 0, &first, &m[n], &err)) == 1)
		n++;
	if (n == 64 || r != 0)
		return 0;
	for (j = 0; j < n; j++) {
		if (m[j].escaped) {
			escaped = 1;
			continue;
		}
		for (k = j + 1, same = 0; k < n; k++)
			same |= !m[k].escaped && m[k].keylen == m[j].keylen &&
			    memcmp(m[k].key, m[j].key, m[j].keylen) == 0;
		if (same)
			continue;	/* a later one is json-c's */
		distinct++;
		key = strndup(m[j].key, m[j].keylen);
		v = jscan_to_json(&m[j].val, tok);
		if (!json_object_object_get_ex(o, key, &want) ||
		    !same_value(v, want)) {
			diag("member %s: %.*s", key, (int)m[j].val.len,
			    m[j].val.p);
			free(key);
			json_object_put(v);
			return 0;
		}
		free(key);
		json_object_put(v);
	}
	return escaped || distinct == json_object_object_length(o);
}

int
main(void)
{
	static const struct {
		const char	*text;
		enum jscan_type	 type;
	} table[] = {
		{ "{}", JS_OBJECT }, { " [ ] ", JS_ARRAY },
		{ "{\"a\":[1,{\"b\":null}],\"c\":\"x\"}", JS_OBJECT },
		{ "\"\\u00e9\\n\"", JS_STRING }, { "-0.5e-3", JS_NUMBER },
		{ "NaN", JS_LITERAL }, { "-Infinity", JS_LITERAL },
		{ "True", JS_LITERAL },
		{ "", JS_ERROR }, { "{", JS_ERROR }, { "[1,]", JS_ERROR },
		{ "{\"a\":1,}", JS_ERROR }, { "{\"a\" 1}", JS_ERROR },
		{ "{a:1}", JS_ERROR }, { "'a'", JS_ERROR },
		{ "\"a\nb\"", JS_ERROR }, { "\"\\x\"", JS_ERROR },
		{ "\"\\u12\"", JS_ERROR }, { "01", JS_ERROR },
		{ "1.", JS_ERROR }, { ".5", JS_ERROR }, { "1e", JS_ERROR },
		{ "- 1", JS_ERROR }, { "1x", JS_ERROR },
		{ "/* c */ 1", JS_ERROR }, { "[1] [2]", JS_ERROR },
		{ "tru", JS_ERROR }, { "\"abc", JS_ERROR },
	};
	struct text t;
	struct json_object *o;
	char deep[200001];
	size_t i, used, k;
	const char *err, *p;
	unsigned accepted, bad, agree, mutated, taken, refused;
	int ok_all;

	plan(9);

	for (i = 0, ok_all = 1; i < sizeof(table) / sizeof(table[0]); i++)
		ok_all &= whole(table[i].text, table[i].type);
	ok(ok_all, "%zu texts accepted or refused as RFC 8259 and json-c's "
	    "NaN, Infinity and literals in any case say", i);

	memset(deep, '[', 32);
	memset(deep + 32, ']', 32);
	deep[64] = '\0';
	ok(whole(deep, JS_ARRAY), "32 nested arrays are taken");
	memset(deep, '[', 33);
	memset(deep + 33, ']', 33);
	deep[66] = '\0';
	k = scan(deep, 66, &used, &err) == JS_ERROR;
	ok(k && strcmp(err, "nesting too deep") == 0, "33 are refused: %s",
	    err);
	memset(deep, '[', 100000);
	memset(deep + 100000, ']', 100000);
	deep[200000] = '\0';
	k = scan(deep, 200000, &used, &err) == JS_ERROR;
	ok(k && used < 64, "100,000 levels: refused at once (%s), no "
	    "recursion", err);

	/* Each byte at each place of a long string (the 8-byte steps). */
	for (k = 0, ok_all = 1; k < 40; k++) {
		for (i = 1; i < 256; i++) {
			t.n = 0;
			put(&t, "\"");
			memset(t.b + t.n, 'a', 50);
			t.b[t.n + k] = (char)i;
			t.n += 50;
			put(&t, "\"");
			t.b[t.n] = '\0';
			/* '"' ends it early, '\\' escapes an 'a': bad escape */
			ok_all &= (scan(t.b, t.n, &used, &err) == JS_STRING &&
			    used == t.n) == (i >= 0x20 && i != '"' && i != '\\');
		}
	}
	ok(ok_all, "a string of 50 bytes with every byte at each of its first "
	    "40 places: controls, quotes and backslashes found wherever they "
	    "are");

	rng = 42;
	for (i = 0, accepted = 0, bad = 0, agree = 0; i < 20000; i++) {
		t.n = 0;
		ws(&t);
		gen_value(&t, rnd(2) ? 0 : 5);
		ws(&t);
		t.b[t.n] = '\0';
		if (scan(t.b, t.n, &used, &err) != JS_ERROR &&
		    jscan_ws(t.b + used, t.b + t.n) == t.b + t.n)
			accepted++;
		else if (bad++ < 3)
			diag("refused: %s (%s)", t.b, err);
		p = jscan_ws(t.b, t.b + t.n);
		if (jsonc(t.b, t.n, &o) && (!json_object_is_type(o,
		    json_type_object) || members_agree(p, t.n - (size_t)(p -
		    t.b), o)))
			agree++;
		else if (bad++ < 6)
			diag("json-c disagrees: %s", t.b);
		json_object_put(o);
	}
	is_int(accepted, 20000, "20,000 random JSON texts: every one accepted");
	is_int(agree, 20000, "and json-c reads each; jscan_to_json() makes of each "
	    "member's text the value json-c has for it (ints, doubles with "
	    "their text, strings, literals)");

	rng = 7;
	for (i = 0, mutated = 0, taken = 0, refused = 0; i < 200000; i++) {
		t.n = 0;
		gen_value(&t, 0);
		k = rnd((unsigned)t.n);
		switch (rnd(3)) {
		case 0:
			t.b[k] = (char)rnd(128);
			break;
		case 1:
			memmove(t.b + k, t.b + k + 1, t.n - k - 1);
			t.n--;
			break;
		default:
			if (t.n + 1 < sizeof(t.b)) {
				memmove(t.b + k + 1, t.b + k, t.n - k);
				t.b[k] = "{}[],:\"\\0e-. "[rnd(14)];
				t.n++;
			}
		}
		t.b[t.n] = '\0';
		mutated++;
		if (scan(t.b, t.n, &used, &err) == JS_ERROR ||
		    jscan_ws(t.b + used, t.b + t.n) != t.b + t.n)
			continue;
		taken++;
		if (!jsonc(t.b, t.n, &o) && refused++ < 3)
			diag("scan took, json-c refused: %s", t.b);
		json_object_put(o);
	}
	is_int(refused, 0, "200,000 mutated texts: json-c reads every one the "
	    "scan takes");
	ok(taken > 1000 && taken < mutated, "(%u of %u taken)", taken,
	    mutated);
	return exit_status();
}
