/*
 * ojs.c: the JSON reader of ojs.h.  One pass, iterative (an explicit stack
 * of open containers, OJS_MAX_DEPTH deep), strict: what json.loads refuses
 * is refused, except that a lone surrogate escape is kept as U+FFFD.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ojs.h"
#include "log.h"

void
ojs_init(struct ojs *j)
{
	memset(j, 0, sizeof(*j));
}

void
ojs_free(struct ojs *j)
{
	free(j->buf);
	free(j->t);
	memset(j, 0, sizeof(*j));
}

static int
ojs_fail(struct ojs *j, const char *why, const char *p)
{
	j->err = why;
	j->err_off = (size_t)(p - j->buf);
	return -1;
}

static int
ojs_tok_new(struct ojs *j, enum ojs_type type, uint32_t off)
{
	struct ojs_tok *t;

	if (j->nt == j->tcap) {
		unsigned cap = j->tcap ? j->tcap * 2 : 256;

		if ((t = reallocarray(j->t, cap, sizeof(*t))) == NULL) {
			log_warn("%s: reallocarray", __func__);
			return -1;
		}
		j->t = t;
		j->tcap = cap;
	}
	t = &j->t[j->nt];
	t->type = (uint8_t)type;
	t->off = off;
	t->len = 0;
	t->next = j->nt + 1;
	t->n = 0;
	return (int)j->nt++;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
hex4(const char *p, unsigned *out)
{
	unsigned v = 0;
	int i, h;

	for (i = 0; i < 4; i++) {
		if ((h = hexval((unsigned char)p[i])) < 0)
			return -1;
		v = v << 4 | (unsigned)h;
	}
	*out = v;
	return 0;
}

static char *
utf8_put(char *w, unsigned cp)
{
	if (cp < 0x80)
		*w++ = (char)cp;
	else if (cp < 0x800) {
		*w++ = (char)(0xc0 | cp >> 6);
		*w++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*w++ = (char)(0xe0 | cp >> 12);
		*w++ = (char)(0x80 | (cp >> 6 & 0x3f));
		*w++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*w++ = (char)(0xf0 | cp >> 18);
		*w++ = (char)(0x80 | (cp >> 12 & 0x3f));
		*w++ = (char)(0x80 | (cp >> 6 & 0x3f));
		*w++ = (char)(0x80 | (cp & 0x3f));
	}
	return w;
}

/*
 * A string from the opening quote at *pp: unescaped in place (never
 * longer than its escaped form) and NUL-terminated where it began.
 */
static int
ojs_string(struct ojs *j, char **pp, int *tok)
{
	char *p = *pp + 1, *w, *start = p;
	unsigned cp, lo;
	int t;

	/* The common case: no escape, find the closing quote fast. */
	for (;;) {
		unsigned char c = (unsigned char)*p;

		if (c == '"' || c == '\\')
			break;
		if (c < 0x20)
			return ojs_fail(j, c == 0 ? "unterminated string" :
			    "control character in a string", p);
		p++;
	}
	w = p;
	while (*p != '"') {
		unsigned char c = (unsigned char)*p;

		if (c < 0x20)
			return ojs_fail(j, c == 0 ? "unterminated string" :
			    "control character in a string", p);
		if (c != '\\') {
			*w++ = *p++;
			continue;
		}
		p++;
		switch (*p) {
		case '"':	*w++ = '"'; p++; break;
		case '\\':	*w++ = '\\'; p++; break;
		case '/':	*w++ = '/'; p++; break;
		case 'b':	*w++ = '\b'; p++; break;
		case 'f':	*w++ = '\f'; p++; break;
		case 'n':	*w++ = '\n'; p++; break;
		case 'r':	*w++ = '\r'; p++; break;
		case 't':	*w++ = '\t'; p++; break;
		case 'u':
			if (hex4(p + 1, &cp) == -1)
				return ojs_fail(j, "bad \\u escape", p);
			p += 5;
			if (cp >= 0xd800 && cp < 0xdc00) {
				if (p[0] == '\\' && p[1] == 'u' &&
				    hex4(p + 2, &lo) == 0 &&
				    lo >= 0xdc00 && lo < 0xe000) {
					cp = 0x10000 + ((cp - 0xd800) << 10) +
					    (lo - 0xdc00);
					p += 6;
				} else
					cp = 0xfffd;
			} else if (cp >= 0xdc00 && cp < 0xe000)
				cp = 0xfffd;
			/* \u0000 would cut the C string: keep it visible. */
			w = utf8_put(w, cp == 0 ? 0xfffd : cp);
			break;
		default:
			return ojs_fail(j, "bad escape", p);
		}
	}
	*w = '\0';
	if ((t = ojs_tok_new(j, OJS_STR, (uint32_t)(start - j->buf))) < 0)
		return -1;
	j->t[t].len = (uint32_t)(w - start);
	*pp = p + 1;
	*tok = t;
	return 0;
}

static int
ojs_number(struct ojs *j, char **pp)
{
	char *p = *pp, *start = p;
	int t;

	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return ojs_fail(j, "bad number", p);
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return ojs_fail(j, "bad number", p);
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (*p < '0' || *p > '9')
			return ojs_fail(j, "bad number", p);
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if ((t = ojs_tok_new(j, OJS_NUM, (uint32_t)(start - j->buf))) < 0)
		return -1;
	j->t[t].len = (uint32_t)(p - start);
	*pp = p;
	return 0;
}

static int
ojs_word(struct ojs *j, char **pp, const char *word, enum ojs_type type)
{
	size_t n = strlen(word);

	if (strncmp(*pp, word, n) != 0)
		return ojs_fail(j, "bad literal", *pp);
	if (ojs_tok_new(j, type, (uint32_t)(*pp - j->buf)) < 0)
		return -1;
	*pp += n;
	return 0;
}

#define SKIP_WS(p)	while (*(p) == ' ' || *(p) == '\t' || *(p) == '\n' || \
			    *(p) == '\r') (p)++

int
ojs_parse(struct ojs *j, const char *s, size_t len)
{
	int stack[OJS_MAX_DEPTH];
	int depth = 0, tok, top;
	char *p;

	j->nt = 0;
	j->err = NULL;
	if (len + 1 > j->bufcap) {
		size_t cap = len + 1 < 4096 ? 4096 : len + 1 + len / 2;
		char *b;

		if ((b = realloc(j->buf, cap)) == NULL) {
			log_warn("%s: realloc", __func__);
			j->err = "out of memory";
			return -1;
		}
		j->buf = b;
		j->bufcap = cap;
	}
	/* A NUL inside ends a string or the text early: refused below. */
	memcpy(j->buf, s, len);
	j->buf[len] = '\0';
	p = j->buf;

	/*
	 * The loop reads one value each time round; after a value it closes
	 * the containers that end there and expects a comma (and a key in an
	 * object) before the next one.
	 */
	for (;;) {
		SKIP_WS(p);
		switch (*p) {
		case '{':
		case '[':
			if (depth == OJS_MAX_DEPTH)
				return ojs_fail(j, "nested too deep", p);
			tok = ojs_tok_new(j, *p == '{' ? OJS_OBJ : OJS_ARR,
			    (uint32_t)(p - j->buf));
			if (tok < 0)
				return -1;
			stack[depth++] = tok;
			p++;
			SKIP_WS(p);
			if ((*p == '}' && j->t[tok].type == OJS_OBJ) ||
			    (*p == ']' && j->t[tok].type == OJS_ARR)) {
				p++;
				depth--;
				j->t[tok].next = j->nt;
				goto after_value;
			}
			if (j->t[tok].type == OJS_OBJ)
				goto key;
			continue;
		case '"':
			if (ojs_string(j, &p, &tok) == -1)
				return -1;
			break;
		case 't':
			if (ojs_word(j, &p, "true", OJS_TRUE) == -1)
				return -1;
			break;
		case 'f':
			if (ojs_word(j, &p, "false", OJS_FALSE) == -1)
				return -1;
			break;
		case 'n':
			if (ojs_word(j, &p, "null", OJS_NULL) == -1)
				return -1;
			break;
		case '-':
		case '0': case '1': case '2': case '3': case '4':
		case '5': case '6': case '7': case '8': case '9':
			if (ojs_number(j, &p) == -1)
				return -1;
			break;
		case '\0':
			return ojs_fail(j, "truncated", p);
		default:
			return ojs_fail(j, "unexpected character", p);
		}
after_value:
		if (depth == 0)
			break;
		top = stack[depth - 1];
		j->t[top].n++;
		SKIP_WS(p);
		if (*p == ',') {
			p++;
			if (j->t[top].type == OJS_OBJ)
				goto key;
			continue;
		}
		if ((*p == '}' && j->t[top].type == OJS_OBJ) ||
		    (*p == ']' && j->t[top].type == OJS_ARR)) {
			p++;
			depth--;
			j->t[top].next = j->nt;
			goto after_value;
		}
		return ojs_fail(j, *p == '\0' ? "truncated" :
		    "expected , or a closing bracket", p);
key:
		SKIP_WS(p);
		if (*p != '"')
			return ojs_fail(j, *p == '\0' ? "truncated" :
			    "expected a key", p);
		if (ojs_string(j, &p, &tok) == -1)
			return -1;
		SKIP_WS(p);
		if (*p != ':')
			return ojs_fail(j, "expected :", p);
		p++;
	}
	SKIP_WS(p);
	if (*p != '\0')
		return ojs_fail(j, "trailing characters", p);
	return 0;
}

int
ojs_type(const struct ojs *j, int tok)
{
	if (tok < 0 || (unsigned)tok >= j->nt)
		return OJS_NONE;
	return j->t[tok].type;
}

unsigned
ojs_count(const struct ojs *j, int tok)
{
	int type = ojs_type(j, tok);

	return type == OJS_OBJ || type == OJS_ARR ? j->t[tok].n : 0;
}

int
ojs_first(const struct ojs *j, int tok)
{
	return ojs_count(j, tok) > 0 ? tok + 1 : -1;
}

int
ojs_next(const struct ojs *j, int parent, int item)
{
	uint32_t n;

	if (item < 0)
		return -1;
	n = j->t[item].next;
	return n < j->t[parent].next ? (int)n : -1;
}

int
ojs_next_key(const struct ojs *j, int parent, int key)
{
	uint32_t n;

	if (key < 0 || (unsigned)key + 1 >= j->nt)
		return -1;
	n = j->t[key + 1].next;
	return n < j->t[parent].next ? (int)n : -1;
}

int
ojs_get(const struct ojs *j, int obj, const char *key)
{
	const struct ojs_tok *t;
	unsigned k, n;
	size_t klen;
	uint32_t i;

	if (ojs_type(j, obj) != OJS_OBJ)
		return -1;
	klen = strlen(key);
	n = j->t[obj].n;
	for (i = (uint32_t)obj + 1, k = 0; k < n; k++, i = j->t[i + 1].next) {
		t = &j->t[i];
		if (t->len == klen && memcmp(j->buf + t->off, key, klen) == 0)
			return (int)i + 1;
	}
	return -1;
}

int
ojs_path(const struct ojs *j, int obj, const char *const *keys)
{
	for (; *keys != NULL && obj >= 0; keys++)
		obj = ojs_get(j, obj, *keys);
	return obj;
}

const char *
ojs_str(const struct ojs *j, int tok)
{
	if (ojs_type(j, tok) != OJS_STR)
		return NULL;
	return j->buf + j->t[tok].off;
}

const char *
ojs_gets(const struct ojs *j, int obj, const char *key)
{
	return ojs_str(j, ojs_get(j, obj, key));
}

int
ojs_num(const struct ojs *j, int tok, double *out)
{
	char tmp[64], *end;
	const char *s;
	size_t len;

	switch (ojs_type(j, tok)) {
	case OJS_NUM:
		len = j->t[tok].len;
		if (len >= sizeof(tmp))
			return -1;
		memcpy(tmp, j->buf + j->t[tok].off, len);
		tmp[len] = '\0';
		*out = strtod(tmp, NULL);
		return 0;
	case OJS_STR:
		s = j->buf + j->t[tok].off;
		if (*s == '\0')
			return -1;
		errno = 0;
		*out = strtod(s, &end);
		return *end == '\0' && errno == 0 ? 0 : -1;
	default:
		return -1;
	}
}

int
ojs_int(const struct ojs *j, int tok, int64_t *out)
{
	double d;

	if (ojs_num(j, tok, &d) == -1 || d < -9.2e18 || d > 9.2e18)
		return -1;
	*out = (int64_t)d;
	return 0;
}

int
ojs_bool(const struct ojs *j, int tok)
{
	switch (ojs_type(j, tok)) {
	case OJS_TRUE:
		return 1;
	case OJS_FALSE:
		return 0;
	default:
		return -1;
	}
}
