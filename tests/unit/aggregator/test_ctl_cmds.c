/*
 * test_ctl_cmds.c: the control socket's command table and request parser.
 * Well-formed requests reach a real store (a temporary SQLite file fed
 * through store_records()) with the right filters; every
 * malformed request (not JSON, not an object, unknown command, bad or
 * missing arguments, trailing bytes, NUL bytes, deep nesting, random bytes)
 * gets an error object with a message, never a crash.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "json_strict.h"
#include "jwrite.h"
#include "utf8.h"
#include "ctl.h"
#include "store.h"
#include "kind.h"

#define T0	1795634430000000000LL	/* ns: 2026-11-25 */
#define SEC	1000000000LL

static struct ctl_env env;

static void __attribute__((noreturn, format(printf, 1, 2)))
bail(const char *fmt, ...)
{
	va_list ap;

	fputs("Bail out! ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	exit(1);
}

/*
 * What the store holds: m1 (vm1, active, on cmp1, started T0 + 60 s) and
 * m2 (vm2, failed, on cmp2, started T0), and a firing alert of m1.
 */
static const char *recs_cmp1 = "["
    "{\"kind\":\"migration\",\"id\":\"cmp1/1/100\",\"node\":\"cmp1\","
    "\"t_ns\":1795634490000000000,\"vm_uuid\":\"uuid-1\",\"vm_name\":\"vm1\","
    "\"vpid\":1,\"role\":\"source\",\"state\":\"active\",\"outcome\":null,"
    "\"verdict\":\"converging\",\"started_ns\":1795634490000000000},"
    "{\"kind\":\"alert\",\"id\":\"cmp1/1/100!migration.not_converging\","
    "\"name\":\"migration.not_converging\",\"severity\":\"warning\","
    "\"migration_id\":\"cmp1/1/100\",\"node\":\"cmp1\",\"vm_uuid\":\"uuid-1\","
    "\"vm_name\":\"vm1\",\"t_ns\":1795634500000000000,"
    "\"message\":\"live migration of vm1 is not converging\"}]";
static const char *recs_cmp2 = "["
    "{\"kind\":\"migration\",\"id\":\"cmp2/2/200\",\"node\":\"cmp2\","
    "\"t_ns\":1795634440000000000,\"vm_uuid\":\"uuid-2\",\"vm_name\":\"vm2\","
    "\"vpid\":2,\"role\":\"source\",\"state\":\"failed\","
    "\"outcome\":\"failed\",\"error\":\"boom\","
    "\"started_ns\":1795634430000000000,\"ended_ns\":1795634440000000000}]";

static void
feed(const char *node, const char *text)
{
	struct json_object *arr = json_tokener_parse(text);

	if (arr == NULL || store_records(env.store, node, arr, T0 + 100 * SEC)
	    == -1)
		bail("cannot store the records of %s", node);
	json_object_put(arr);
}

/* Runs one request; returns the response (caller puts). */
static struct json_object *
run(const char *line, int *streaming)
{
	int s;

	return ctl_handle_line(&env, NULL, line, strlen(line),
	    streaming ? streaming : &s);
}

static int
is_ok(struct json_object *r)
{
	struct json_object *v;

	return r != NULL && json_object_object_get_ex(r, "ok", &v) &&
	    json_object_get_boolean(v) &&
	    json_object_object_get_ex(r, "result", &v);
}

/* An error object: ok false and a non-empty error string, nothing else. */
static int
is_error(struct json_object *r, const char *want)
{
	struct json_object *v, *e;

	if (r == NULL || !json_object_object_get_ex(r, "ok", &v) ||
	    json_object_get_boolean(v) ||
	    !json_object_object_get_ex(r, "error", &e) ||
	    !json_object_is_type(e, json_type_string) ||
	    json_object_get_string_len(e) == 0 ||
	    json_object_object_get_ex(r, "result", &v))
		return 0;
	if (want != NULL && strstr(json_object_get_string(e), want) == NULL) {
		diag("  error is \"%s\"", json_object_get_string(e));
		return 0;
	}
	return 1;
}

static void
check_error(const char *line, const char *want, const char *what)
{
	struct json_object *r = run(line, NULL);

	ok(is_error(r, want), "%s", what);
	json_object_put(r);
}

/* The six generic commands (aggregator/cmd/) and every kind's. */
static int
cmds_expected(void)
{
	const struct ctl_cmd *const *c;
	size_t k;
	int n = 6;

	for (k = 0; agg_kind_table[k] != NULL; k++)
		for (c = agg_kind_table[k]->cmds; c != NULL && *c != NULL; c++)
			n++;
	return n;
}

static void
test_table(void)
{
	const struct ctl_cmd *c, *d;
	int good = 1, unique = 1, n = 0;
	size_t i, j;

	for (i = 0; (c = ctl_cmd_at(i)) != NULL; i++, n++) {
		if (c->usage == NULL || c->exec == NULL || c->args == NULL ||
		    c->summary == NULL)
			good = 0;
		for (j = i + 1; (d = ctl_cmd_at(j)) != NULL; j++)
			if (strcmp(c->name, d->name) == 0)
				unique = 0;
	}
	ok(good, "every command has usage, summary, args and exec");
	ok(unique, "command names are unique");
	is_int(n, cmds_expected(), "the generic commands and every kind's in "
	    "the table");
	ok(ctl_cmd_find("ack") == ctl_cmd_find("alert ack"), "alias finds alert ack");
	ok(ctl_cmd_find("nope") == NULL, "unknown name finds nothing");
}

/* help's description of cmd's argument arg, "type required positional". */
static const char *
help_arg(struct json_object *cmds, const char *cmd, const char *arg)
{
	static char buf[128];
	struct json_object *c, *args, *a;
	size_t i, j;

	snprintf(buf, sizeof(buf), "missing");
	for (i = 0; i < json_object_array_length(cmds); i++) {
		c = json_object_array_get_idx(cmds, i);
		if (strcmp(json_object_get_string(json_object_object_get(c,
		    "name")), cmd) != 0)
			continue;
		args = json_object_object_get(c, "args");
		for (j = 0; j < json_object_array_length(args); j++) {
			a = json_object_array_get_idx(args, j);
			if (strcmp(json_object_get_string(json_object_object_get(a,
			    "name")), arg) == 0)
				snprintf(buf, sizeof(buf), "%s %d %d %s",
				    json_object_get_string(json_object_object_get(a,
				    "type")), json_object_get_boolean(
				    json_object_object_get(a, "required")),
				    json_object_get_boolean(json_object_object_get(a,
				    "positional")), json_object_object_get(c,
				    "summary") != NULL ? "summary" : "nosummary");
		}
	}
	return buf;
}

/* help describes what stratactl maps its command line by. */
static void
test_help(void)
{
	struct json_object *r, *cmds;

	r = run("{\"cmd\":\"help\"}", NULL);
	cmds = json_object_object_get(r, "result");
	is_str(help_arg(cmds, "migration", "id"), "id 1 1 summary",
	    "help: migration's id is an id, required, positional");
	is_str(help_arg(cmds, "migrations", "since"), "time 0 0 summary",
	    "help: migrations' since is a time flag");
	is_str(help_arg(cmds, "alerts", "firing"), "bool 0 0 summary",
	    "help: alerts' firing is a bool flag");
	is_str(help_arg(cmds, "alert ack", "id"), "int 1 1 summary",
	    "help: alert ack's id is an int, required, positional");
	json_object_put(r);
}

/* The ids of a migrations answer, space-separated (a static buffer). */
static const char *
ids(struct json_object *r)
{
	static char buf[512];
	struct json_object *arr = json_object_object_get(r, "result");
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; arr != NULL && i < json_object_array_length(arr); i++)
		n += (size_t)snprintf(buf + n, n < sizeof(buf) ?
		    sizeof(buf) - n : 0, "%s%s", i ? " " : "",
		    json_object_get_string(json_object_object_get(
		    json_object_array_get_idx(arr, i), "id")));
	return buf;
}

static void
test_good(void)
{
	struct json_object *r, *v;
	int64_t alert_id;
	char line[256];
	int streaming;

	r = run("{\"cmd\":\"status\"}", NULL);
	ok(is_ok(r), "status answers ok");
	v = json_object_object_get(json_object_object_get(r, "result"),
	    "aggregator");
	ok(v != NULL && json_object_object_get(v, "pid") != NULL,
	    "status adds the aggregator's own section");
	json_object_put(r);

	r = run("  {\"cmd\":\"migrations\",\"args\":{\"active\":true,"
	    "\"vm\":\"vm1\",\"node\":\"cmp1\",\"since\":1795634430000000001,"
	    "\"limit\":5}}\r", NULL);
	ok(is_ok(r) && json_object_is_type(json_object_object_get(r, "result"),
	    json_type_array), "migrations answers an array (CRLF, spaces ok)");
	is_str(ids(r), "cmp1/1/100", "active, vm1, cmp1, since: only m1");
	json_object_put(r);
	r = run("{\"cmd\":\"migrations\",\"args\":null}", NULL);
	is_str(ids(r), "cmp1/1/100 cmp2/2/200",
	    "args null means no filter: both, newest first");
	json_object_put(r);
	r = run("{\"cmd\":\"migrations\",\"args\":{\"failed\":true}}", NULL);
	is_str(ids(r), "cmp2/2/200", "failed: only m2");
	json_object_put(r);
	r = run("{\"cmd\":\"migrations\",\"args\":{\"vm\":\"uuid-2\"}}",
	    NULL);
	is_str(ids(r), "cmp2/2/200", "vm by uuid: only m2");
	json_object_put(r);
	r = run("{\"cmd\":\"migrations\",\"args\":{\"node\":\"cmp2\"}}",
	    NULL);
	is_str(ids(r), "cmp2/2/200", "node cmp2: only m2");
	json_object_put(r);
	r = run("{\"cmd\":\"migrations\",\"args\":{\"since\":"
	    "1795634430000000001}}", NULL);
	is_str(ids(r), "cmp1/1/100", "since 1 ns after m2 started: only m1");
	json_object_put(r);
	r = run("{\"cmd\":\"migrations\",\"args\":{\"limit\":1}}", NULL);
	is_str(ids(r), "cmp1/1/100", "limit 1: the newest");
	json_object_put(r);

	r = run("{\"cmd\":\"migration\",\"args\":{\"id\":\"cmp2/2/200\"}}",
	    NULL);
	ok(is_ok(r) && strcmp(json_object_get_string(json_object_object_get(
	    json_object_object_get(r, "result"), "outcome")), "failed") == 0,
	    "migration cmp2/2/200 found, outcome failed");
	json_object_put(r);
	check_error("{\"cmd\":\"migration\",\"args\":{\"id\":\"m9\"}}",
	    "no migration m9", "migration m9: not found is an error");

	r = run("{\"cmd\":\"alerts\",\"args\":{\"firing\":true,\"since\":7}}",
	    NULL);
	ok(is_ok(r) && json_object_array_length(json_object_object_get(r,
	    "result")) == 1, "alerts firing since 7: the firing one");
	alert_id = json_object_get_int64(json_object_object_get(
	    json_object_array_get_idx(json_object_object_get(r, "result"), 0),
	    "id"));
	json_object_put(r);
	r = run("{\"cmd\":\"alerts\",\"args\":{\"since\":"
	    "1795634600000000000}}", NULL);
	ok(is_ok(r) && json_object_array_length(json_object_object_get(r,
	    "result")) == 0, "alerts since after it fired: none");
	json_object_put(r);

	snprintf(line, sizeof(line), "{\"cmd\":\"alert ack\",\"args\":"
	    "{\"id\":%lld}}", (long long)alert_id);
	r = run(line, NULL);
	ok(is_ok(r) && json_object_get_int64(json_object_object_get(
	    json_object_object_get(r, "result"), "acked")) == alert_id,
	    "alert ack ID answers acked ID");
	json_object_put(r);
	r = run("{\"cmd\":\"alerts\",\"args\":{\"firing\":true}}", NULL);
	ok(is_ok(r) && json_object_array_length(json_object_object_get(r,
	    "result")) == 0, "an acked alert is no longer firing");
	json_object_put(r);
	check_error("{\"cmd\":\"ack\",\"args\":{\"id\":7777}}",
	    "no firing alert", "ack of an unknown alert is an error");

	r = run("{\"cmd\":\"help\",\"tag\":42}", NULL);
	ok(is_ok(r) && json_object_array_length(json_object_object_get(r,
	    "result")) == (size_t)cmds_expected(), "help lists every command");
	ok(json_object_get_int(json_object_object_get(r, "tag")) == 42,
	    "the request's tag is echoed");
	json_object_put(r);
	test_help();

	r = run("{\"cmd\":\"alerts follow\"}", &streaming);
	ok(is_error(r, "socket") && !streaming,
	    "follow without a connection is an error, not a stream");
	json_object_put(r);

	ok(run("", NULL) == NULL && run("  \r", NULL) == NULL,
	    "blank lines get no response");
}

static void
test_malformed(void)
{
	char *deep, *big;
	int i;

	check_error("not json", "not JSON", "plain text");
	check_error("{\"cmd\":\"stat", "not JSON", "truncated object");
	check_error("{\"cmd\":\"status\"} x", "trailing", "trailing bytes");
	check_error("{\"cmd\":\"status\"}{\"cmd\":\"nodes\"}", "trailing",
	    "two objects on one line");
	check_error("[1,2]", "object", "an array");
	check_error("42", "object", "a number");
	check_error("\"status\"", "object", "a string");
	check_error("{}", "cmd", "no cmd");
	check_error("{\"cmd\":5}", "cmd", "cmd not a string");
	check_error("{\"cmd\":\"reboot\"}", "unknown command", "unknown command");
	check_error("{\"cmd\":\"status\",\"bogus\":1}", "unknown request member",
	    "unknown top-level member");
	check_error("{\"cmd\":\"status\",\"args\":{\"x\":1}}", "unknown argument",
	    "argument to a command that takes none");
	check_error("{\"cmd\":\"migrations\",\"args\":[1]}", "must be an object",
	    "args not an object");
	check_error("{\"cmd\":\"migrations\",\"args\":{\"since\":\"1h\"}}",
	    "must be an integer", "since as a string");
	check_error("{\"cmd\":\"migrations\",\"args\":{\"active\":1}}",
	    "must be a boolean", "active as a number");
	check_error("{\"cmd\":\"migrations\",\"args\":{\"since\":-5}}", ">= 0",
	    "negative since");
	check_error("{\"cmd\":\"migrations\",\"args\":{\"limit\":0}}", "limit",
	    "limit 0");
	check_error("{\"cmd\":\"migration\"}", "required", "migration without id");
	check_error("{\"cmd\":\"migration\",\"args\":{\"id\":\"\"}}", "empty",
	    "migration with an empty id");
	check_error("{\"cmd\":\"migration\",\"args\":{\"id\":[1]}}",
	    "a string or an integer", "migration id as an array");
	check_error("{\"cmd\":\"alert ack\",\"args\":{\"id\":\"x\"}}",
	    "integer", "ack id as a string");
	check_error("{\"cmd\":\"alerts\",\"args\":{\"firing\":true,\"all\":true}}",
	    "exclude", "firing and all together");
	check_error("{\"cmd\":\"st\0atus\"}", "not JSON", "truncated by a NUL");
	{
		struct json_object *r;
		int s;

		r = ctl_handle_line(&env, NULL, "{\"cmd\":\"status\"}\0x", 19, &s);
		ok(is_error(r, "NUL"), "a NUL byte inside the line");
		json_object_put(r);
	}

	deep = malloc(20001);
	for (i = 0; i < 10000; i++) {
		deep[i] = '[';
		deep[10000 + i] = ']';
	}
	deep[20000] = '\0';
	check_error(deep, "not JSON", "10000 nested arrays");
	free(deep);

	big = malloc(300001);
	memset(big, 'a', 300000);
	big[300000] = '\0';
	memcpy(big, "{\"cmd\":\"", 8);
	memcpy(big + 299998, "\"}", 2);
	check_error(big, "unknown command", "a 300 kB command name");
	free(big);
}

/*
 * The response's text, as ctl.c writes it (lib/jwrite), is valid UTF-8
 * and JSON as RFC 8259 writes it: json-c's tokener takes 01 and 7., and
 * json-c writes NaN; a browser's JSON.parse takes neither.
 */
static int
text_ok(struct json_object *r)
{
	static struct jbuf jb;

	if (jwrite(&jb, r) == -1)
		return 0;
	return utf8_valid(jb.p, jb.len) == jb.len && json_strict(jb.p, jb.len);
}

/*
 * A tag is echoed as JSON writes it: json-c keeps a double's text as the
 * client wrote it, and its tokener takes numbers JSON does not allow, so
 * `"tag":-0001.5` was echoed as -0001.5 and the response line was not
 * JSON (found by fuzz_ctl; corpus/ctl/regress-tag-*).
 */
static void
test_tag(void)
{
	static const char *const odd[] = { "-0000001204989096.08",
	    "-9223372036854775.", "7.", "01", "{\"a\":[00.5,{\"b\":-0.}]}",
	    "1E400" };
	struct json_object *r, *t;
	char line[160];
	size_t i;

	for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		snprintf(line, sizeof(line), "{\"cmd\":\"nodes\",\"tag\":%s}",
		    odd[i]);
		r = run(line, NULL);
		if (i == 5)
			ok(is_error(r, "not finite") && text_ok(r),
			    "tag %s (infinite): refused, the error is JSON", odd[i]);
		else
			ok(is_ok(r) && text_ok(r) &&
			    json_object_object_get_ex(r, "tag", &t),
			    "tag %s: echoed, the response is JSON", odd[i]);
		json_object_put(r);
	}
	r = run("{\"cmd\":\"nodes\",\"tag\":-0000001204989096.08}", NULL);
	ok(r != NULL && json_object_get_double(json_object_object_get(r,
	    "tag")) == -1204989096.08, "the echoed tag has the value sent");
	json_object_put(r);
	r = run("{\"cmd\":\"nodes\",\"tag\":[1,\"x\",true,null,"
	    "{\"k\":2.5}]}", NULL);
	is_str(r != NULL ? json_object_to_json_string_ext(
	    json_object_object_get(r, "tag"), JSON_C_TO_STRING_PLAIN) : NULL,
	    "[1,\"x\",true,null,{\"k\":2.5}]", "a structured tag: the same");
	json_object_put(r);
	r = run("{\"cmd\":\"nodes\",\"tag\":{\"a\":NaN}}", NULL);
	ok(is_error(r, "not finite") && text_ok(r),
	    "a NaN inside the tag: refused");
	json_object_put(r);
}

/*
 * Bytes that are not UTF-8 were echoed raw (`unknown command '\xff'`),
 * making the response line invalid JSON (issue 12's live probe).
 */
static void
test_utf8(void)
{
	struct json_object *r;
	char line[256];
	int n;

	r = run("{\"cmd\":\"\xff\xfe status\"}", NULL);
	ok(is_error(r, "not valid UTF-8 (byte 8)") && text_ok(r),
	    "invalid UTF-8 in a request: an error naming the byte, valid JSON");
	json_object_put(r);
	r = run("{\"cmd\":\"status\",\"tag\":\"\xc3\x28\"}", NULL);
	ok(is_error(r, "UTF-8") && text_ok(r),
	    "an invalid sequence in the tag: refused, not echoed");
	json_object_put(r);
	r = run("{\"cmd\":\"\xed\xa0\x80\"}", NULL);
	ok(is_error(r, "UTF-8"), "an encoded surrogate is not UTF-8");
	json_object_put(r);
	/* A valid name whose 64th byte is in the middle of a character. */
	n = snprintf(line, sizeof(line), "{\"cmd\":\"%.63s\xc3\xa9zz\"}",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	(void)n;
	r = run(line, NULL);
	ok(is_error(r, "unknown command") && text_ok(r),
	    "an unknown name cut inside a character: still valid UTF-8");
	json_object_put(r);
	r = run("{\"cmd\":\"\\ud800\"}", NULL);
	ok(is_error(r, "unknown command") && text_ok(r),
	    "a lone surrogate escape: the echo is valid UTF-8");
	json_object_put(r);
	r = run("{\"cmd\":\"help\",\"tag\":\"caf\xc3\xa9 \xe2\x9c\x93\"}",
	    NULL);
	ok(is_ok(r) && strcmp(json_object_get_string(json_object_object_get(r,
	    "tag")), "caf\xc3\xa9 \xe2\x9c\x93") == 0 && text_ok(r),
	    "valid UTF-8 is kept as it is");
	json_object_put(r);

	/* What ctl.c does to every line it sends (a store string, say). */
	{
		static const char bad[] = "{\"node\":\"cmp\xff\xc3\"}";
		size_t len;
		char *out = utf8_json_scrub(bad, sizeof(bad) - 1, &len);

		is_str(out, "{\"node\":\"cmp\\ufffd\\ufffd\"}",
		    "a line with bytes that are not UTF-8 is sent with \\ufffd");
		free(out);
		ok(utf8_json_scrub("{\"a\":\"\xc3\xa9\"}", 11, &len) == NULL &&
		    len == 11, "a valid line is sent as it is");
	}
}

/*
 * A NaN an agent sent inside an alert's evidence (the store takes it, as
 * json-c does) was answered as NaN: not JSON, and the web views'
 * JSON.parse refused the whole alerts page.  It is null now.
 */
static void
test_nan(void)
{
	static struct jbuf jb;
	struct json_object *r;

	feed("cmp9", "[{\"kind\":\"alert\",\"id\":\"cmp9!agent.discarding\","
	    "\"name\":\"agent.discarding\",\"severity\":\"warning\","
	    "\"node\":\"cmp9\",\"t_ns\":1795634500000000000,\"message\":"
	    "\"events discarded\",\"evidence\":{\"rate\":NaN,\"x\":"
	    "[Infinity,1.5,-Infinity]}}]");
	r = run("{\"cmd\":\"alerts\"}", NULL);
	ok(is_ok(r) && text_ok(r) && jwrite(&jb, r) == 0 &&
	    strstr(jb.p, "{\"rate\":null,\"x\":[null,1.5,null]}") != NULL,
	    "NaN and infinities in an alert's evidence are answered null");
	json_object_put(r);
	jbuf_free(&jb);
}

/* Random bytes and mutations of good requests: always an object back. */
static void
test_random(void)
{
	static const char *seeds[] = {
		"{\"cmd\":\"migrations\",\"args\":{\"vm\":\"x\",\"since\":1}}",
		"{\"cmd\":\"alert ack\",\"args\":{\"id\":3}}",
		"{\"cmd\":\"alerts\",\"args\":{\"firing\":false}}",
	};
	char buf[128];
	struct json_object *r, *v;
	int i, j, n, bad = 0, badtext = 0, errors = 0;

	srandom(1);
	for (i = 0; i < 20000; i++) {
		const char *seed = seeds[i % 3];

		n = (int)strlen(seed);
		memcpy(buf, seed, n);
		for (j = 0; j < 1 + i % 4; j++) {
			if (i % 2)
				buf[random() % n] = (char)(random() % 256);
			else
				n = 1 + (int)(random() % n);
		}
		r = ctl_handle_line(&env, NULL, buf, n, &j);
		if (r == NULL)
			continue;
		if (!text_ok(r))
			badtext++;
		if (!json_object_object_get_ex(r, "ok", &v))
			bad++;
		else if (!json_object_get_boolean(v))
			errors += is_error(r, NULL) ? 1 : 0;
		json_object_put(r);
	}
	is_int(bad, 0, "20000 mutated requests: every response has ok");
	is_int(badtext, 0, "and every response is valid UTF-8 JSON");
	ok(errors > 10000, "most mutations are answered with an error object");
	diag("  %d error objects", errors);
}

int
main(void)
{
	char dir[] = "/tmp/test_ctl_cmds.XXXXXX", path[64];

	plan(58 + 9 + 9 + 1);
	if (mkdtemp(dir) == NULL)
		bail("mkdtemp");
	snprintf(path, sizeof(path), "%s/store.db", dir);
	if ((env.store = store_open(path)) == NULL)
		bail("cannot open a store in %s", dir);
	feed("cmp1", recs_cmp1);
	feed("cmp2", recs_cmp2);
	test_table();
	test_good();
	test_malformed();
	test_utf8();
	test_tag();
	test_random();
	test_nan();
	store_close(env.store);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		diag("cannot remove %s", dir);
	return exit_status();
}
