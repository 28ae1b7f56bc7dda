/*
 * test_ctl_cmds.c: the control socket's command table and request parser.
 * Well-formed requests reach the store with the right filters; every
 * malformed request (not JSON, not an object, unknown command, bad or
 * missing arguments, trailing bytes, NUL bytes, deep nesting, random bytes)
 * gets an error object with a message, never a crash.
 */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "ctl.h"
#include "store.h"

/* Remembered by the store double (test_ctl_store.c). */
extern struct mig_filter	dbl_last_filter;
extern char			dbl_last_vm[128], dbl_last_node[128];
extern int			dbl_last_firing;
extern uint64_t			dbl_last_since;

static struct ctl_env env;

/* Runs one request; returns the response (caller puts). */
static struct json_object *
run(const char *line, int *streaming)
{
	int s;

	return (ctl_handle_line(&env, NULL, line, strlen(line),
	    streaming ? streaming : &s));
}

static int
is_ok(struct json_object *r)
{
	struct json_object *v;

	return (r != NULL && json_object_object_get_ex(r, "ok", &v) &&
	    json_object_get_boolean(v) &&
	    json_object_object_get_ex(r, "result", &v));
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
		return (0);
	if (want != NULL && strstr(json_object_get_string(e), want) == NULL) {
		diag("  error is \"%s\"", json_object_get_string(e));
		return (0);
	}
	return (1);
}

static void
check_error(const char *line, const char *want, const char *what)
{
	struct json_object *r = run(line, NULL);

	ok(is_error(r, want), "%s", what);
	json_object_put(r);
}

static void
test_table(void)
{
	const struct ctl_cmd *c, *d;
	int good = 1, unique = 1, n = 0;

	for (c = ctl_cmd_table; c->name != NULL; c++, n++) {
		if (c->usage == NULL || c->exec == NULL || c->args == NULL)
			good = 0;
		for (d = c + 1; d->name != NULL; d++)
			if (strcmp(c->name, d->name) == 0)
				unique = 0;
	}
	ok(good, "every command has usage, args and exec");
	ok(unique, "command names are unique");
	is_int(n, 8, "eight commands in the table");
	ok(ctl_cmd_find("ack") == ctl_cmd_find("alert ack"), "alias finds alert ack");
	ok(ctl_cmd_find("nope") == NULL, "unknown name finds nothing");
}

static void
test_good(void)
{
	struct json_object *r, *v;
	int streaming;

	r = run("{\"cmd\":\"status\"}", NULL);
	ok(is_ok(r), "status answers ok");
	v = json_object_object_get(json_object_object_get(r, "result"),
	    "aggregator");
	ok(v != NULL && json_object_object_get(v, "pid") != NULL,
	    "status adds the aggregator's own section");
	json_object_put(r);

	r = run("  {\"cmd\":\"migrations\",\"args\":{\"active\":true,"
	    "\"vm\":\"vm1\",\"node\":\"cmp2\",\"since\":1234,\"limit\":5}}\r",
	    NULL);
	ok(is_ok(r) && json_object_is_type(json_object_object_get(r, "result"),
	    json_type_array), "migrations answers an array (CRLF, spaces ok)");
	ok(dbl_last_filter.active == 1 && dbl_last_filter.failed == 0 &&
	    dbl_last_filter.since_ns == 1234 && dbl_last_filter.limit == 5 &&
	    strcmp(dbl_last_vm, "vm1") == 0 && strcmp(dbl_last_node, "cmp2") == 0,
	    "migrations passes every filter to the store");
	json_object_put(r);

	r = run("{\"cmd\":\"migrations\",\"args\":null}", NULL);
	ok(is_ok(r) && dbl_last_filter.active == 0 && dbl_last_vm[0] == '\0',
	    "args null means no filter");
	json_object_put(r);

	r = run("{\"cmd\":\"migration\",\"args\":{\"id\":\"m1\"}}", NULL);
	ok(is_ok(r), "migration m1 found");
	json_object_put(r);
	check_error("{\"cmd\":\"migration\",\"args\":{\"id\":\"m9\"}}",
	    "no migration m9", "migration m9: not found is an error");

	r = run("{\"cmd\":\"alerts\",\"args\":{\"firing\":true,\"since\":7}}",
	    NULL);
	ok(is_ok(r) && dbl_last_firing == 1 && dbl_last_since == 7,
	    "alerts firing since 7 reaches the store");
	json_object_put(r);
	r = run("{\"cmd\":\"alerts\"}", NULL);
	ok(is_ok(r) && dbl_last_firing == 0 && dbl_last_since == 0,
	    "alerts without args lists all");
	json_object_put(r);

	r = run("{\"cmd\":\"alert ack\",\"args\":{\"id\":1}}", NULL);
	ok(is_ok(r) && json_object_get_int(json_object_object_get(
	    json_object_object_get(r, "result"), "acked")) == 1,
	    "alert ack 1 answers acked 1");
	json_object_put(r);
	check_error("{\"cmd\":\"ack\",\"args\":{\"id\":7}}", "no firing alert",
	    "ack of an unknown alert is an error");

	r = run("{\"cmd\":\"help\",\"tag\":42}", NULL);
	ok(is_ok(r) && json_object_array_length(json_object_object_get(r,
	    "result")) == 8, "help lists the eight commands");
	ok(json_object_get_int(json_object_object_get(r, "tag")) == 42,
	    "the request's tag is echoed");
	json_object_put(r);

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
	int i, j, n, bad = 0, errors = 0;

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
		if (!json_object_object_get_ex(r, "ok", &v))
			bad++;
		else if (!json_object_get_boolean(v))
			errors += is_error(r, NULL) ? 1 : 0;
		json_object_put(r);
	}
	is_int(bad, 0, "20000 mutated requests: every response has ok");
	ok(errors > 10000, "most mutations are answered with an error object");
	diag("  %d error objects", errors);
}

int
main(void)
{
	plan(48);
	env.store = store_open(":memory:");
	test_table();
	test_good();
	test_malformed();
	test_random();
	return (exit_status());
}
