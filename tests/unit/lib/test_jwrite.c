/*
 * test_jwrite.c: lib/jwrite.c writes exactly what json-c writes with the
 * agent's flags (PLAIN | NOSLASHESCAPE): every escape, integers at their
 * limits, doubles with and without their own text, custom serializers,
 * NULL members, nesting; then 20,000 random trees, byte for byte; and the
 * same trees written value by value (jw_*) give jwrite()'s bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

#include <json-c/json.h>

#include "jwrite.h"
#include "rnd.h"
#include "tap.h"

#define FLAGS	(JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

static struct jbuf jb;
static int plain_keys;	/* random_tree(): keys and strings jw_* take */

/* o written value by value (jw_*), as the analyzers write records. */
static void
stream(struct jbuf *b, struct json_object *o)
{
	const char *s;
	size_t i, n;

	switch (o == NULL ? json_type_null : json_object_get_type(o)) {
	case json_type_null:
		jw_null(b);
		break;
	case json_type_boolean:
		jw_bool(b, json_object_get_boolean(o));
		break;
	case json_type_int:
		jw_int(b, json_object_get_int64(o));
		break;
	case json_type_string:
		jw_str(b, json_object_get_string(o));
		break;
	case json_type_array:
		jw_open(b, '[');
		n = json_object_array_length(o);
		for (i = 0; i < n; i++) {
			jw_item(b);
			stream(b, json_object_array_get_idx(o, i));
		}
		jw_close(b, ']');
		break;
	case json_type_object:
		jw_open(b, '{');
		json_object_object_foreach(o, k, v) {
			jw_key(b, k);
			stream(b, v);
		}
		jw_close(b, '}');
		break;
	default:	/* a double: its digits, as records write them */
		s = json_object_to_json_string_ext(o, FLAGS);
		jw_raw(b, s, strlen(s));
		break;
	}
}

/* 1 when jwrite and json-c agree on o. */
static int
same(struct json_object *o)
{
	const char *want = json_object_to_json_string_ext(o, FLAGS);

	if (jwrite(&jb, o) == -1)
		return 0;
	if (strlen(want) != jb.len || memcmp(want, jb.p, jb.len) != 0) {
		diag("json-c: %s", want);
		diag("jwrite: %s", jb.p);
		return 0;
	}
	return 1;
}

static int
text_serializer(struct json_object *o, struct printbuf *pb, int level,
    int flags)
{
	(void)o;
	(void)level;
	(void)flags;
	return printbuf_memappend(pb, "[1,2,3]", 7);
}


static struct json_object *
random_tree(int depth)
{
	struct json_object *o;
	char s[24], key[8];
	unsigned i, n;

	switch (rnd(depth > 3 ? 6 : 8)) {
	case 0:
		return NULL;
	case 1:
		return json_object_new_boolean((int)rnd(2));
	case 2:
		return json_object_new_int64((int64_t)rng >> rnd(64));
	case 3:
		return json_object_new_double((double)(int64_t)rng /
		    (double)(1 + rnd(1000000)));
	case 4:
		/* jw_str() takes C strings: no NUL in them. */
		for (i = 0, n = rnd(sizeof(s)); i < n; i++)
			s[i] = (char)(plain_keys ? 1 + rnd(255) : rnd(256));
		return json_object_new_string_len(s, (int)n);
	case 5:
		snprintf(s, sizeof(s), "%u.%03u", rnd(100000), rnd(1000));
		return json_object_new_double_s(atof(s), s);
	case 6:
		o = json_object_new_array();
		for (i = 0, n = rnd(5); i < n; i++)
			json_object_array_add(o, random_tree(depth + 1));
		return o;
	default:
		o = json_object_new_object();
		for (i = 0, n = rnd(6); i < n; i++) {
			if (plain_keys)
				snprintf(key, sizeof(key), "%c_%u",
				    'a' + rnd(26), rnd(100));
			else
				snprintf(key, sizeof(key), "%c%c\"%u",
				    'a' + rnd(26), rnd(8) == 0 ? '\n' : 'k',
				    rnd(100));
			json_object_object_add(o, key, random_tree(depth + 1));
		}
		return o;
	}
}

int
main(void)
{
	struct json_object *o, *a;
	char all[256];
	unsigned i, agree;

	plan(12);

	for (i = 0; i < 256; i++)
		all[i] = (char)i;
	o = json_object_new_string_len(all, 256);
	ok(same(o), "a string of every byte: the same escapes as json-c "
	    "(\\b \\f \\n \\r \\t \\\" \\\\, \\u00XX, / and bytes >= 0x80 as "
	    "they are)");
	json_object_put(o);

	o = json_object_new_object();
	json_object_object_add(o, "min", json_object_new_int64(INT64_MIN));
	json_object_object_add(o, "max", json_object_new_int64(INT64_MAX));
	json_object_object_add(o, "umax", json_object_new_uint64(UINT64_MAX));
	json_object_object_add(o, "zero", json_object_new_int(0));
	json_object_object_add(o, "neg", json_object_new_int(-42));
	ok(same(o), "integers at their limits, a uint64 above INT64_MAX");
	json_object_put(o);

	o = json_object_new_array();
	json_object_array_add(o, json_object_new_double(0.1));
	json_object_array_add(o, json_object_new_double(1e300));
	json_object_array_add(o, json_object_new_double(-3));
	json_object_array_add(o, json_object_new_double_s(9.071, "9.071"));
	ok(same(o), "doubles, with and without their own text");
	json_object_put(o);

	o = json_object_new_object();
	json_object_object_add(o, "null", NULL);
	json_object_object_add(o, "t", json_object_new_boolean(1));
	json_object_object_add(o, "f", json_object_new_boolean(0));
	json_object_object_add(o, "empty", json_object_new_object());
	a = json_object_new_array();
	json_object_array_add(a, NULL);
	json_object_array_add(a, json_object_new_array());
	json_object_object_add(o, "arr", a);
	json_object_object_add(o, "k\"ey/\x01", json_object_new_string(""));
	ok(same(o), "null members and items, booleans, empty containers, a "
	    "key that needs escapes");
	json_object_put(o);

	o = json_object_new_object();
	a = json_object_new_array();
	json_object_set_serializer(a, text_serializer, strdup("x"),
	    json_object_free_userdata);
	json_object_object_add(o, "custom", a);
	ok(jwrite(&jb, o) == 0 && strstr(jb.p, "\"custom\":[1,2,3]") != NULL,
	    "a value with a custom serializer and userdata is written by it "
	    "(%s)", jb.p);
	json_object_put(o);

	ok(jwrite(&jb, NULL) == 0 && strcmp(jb.p, "null") == 0,
	    "NULL is null");

	/* json-c writes NaN and Infinity: not JSON (an alert's evidence). */
	o = json_tokener_parse("{\"a\":NaN,\"b\":[Infinity,-Infinity,1.5],"
	    "\"c\":nan}");
	json_object_object_add(o, "d", json_object_new_double(NAN));
	json_object_object_add(o, "e", json_object_new_double(-HUGE_VAL));
	ok(o != NULL && jwrite(&jb, o) == 0 && strcmp(jb.p, "{\"a\":null,"
	    "\"b\":[null,null,1.5],\"c\":null,\"d\":null,\"e\":null}") == 0,
	    "a double that is NaN or infinite is null, parsed or made (%s)",
	    jb.p);
	json_object_put(o);

	for (i = 0, agree = 0; i < 20000; i++) {
		o = random_tree(0);
		agree += o == NULL || same(o);
		json_object_put(o);
	}
	is_int(agree, 20000, "20,000 random trees: byte for byte what json-c "
	    "writes");

	plain_keys = 1;
	for (i = 0, agree = 0; i < 20000; i++) {
		struct jbuf sb = { NULL, 0, 0, 0 };

		if ((o = random_tree(0)) != NULL && jwrite(&jb, o) == 0) {
			jw_reset(&sb);
			stream(&sb, o);
			agree += jw_done(&sb) == 0 && sb.len == jb.len &&
			    memcmp(sb.p, jb.p, jb.len) == 0;
		} else
			agree++;
		jbuf_free(&sb);
		json_object_put(o);
	}
	plain_keys = 0;
	is_int(agree, 20000, "jw_*: 20,000 random trees written value by "
	    "value, byte for byte what jwrite() writes for the tree");

	o = json_object_new_array();
	for (i = 0; i < 100000; i++)
		json_object_array_add(o, json_object_new_int((int)i));
	ok(same(o), "a tree of 100,000 items (the buffer grows)");
	json_object_put(o);
	o = json_object_new_string("short");
	ok(same(o) && jb.cap >= 4096, "and the same buffer is reused");
	json_object_put(o);
	jbuf_free(&jb);
	ok(jb.p == NULL && jb.cap == 0, "jbuf_free empties it");
	return exit_status();
}
