/*
 * stratactl.c: the command line client of strata-aggregator's control
 * socket (docs/control.md).  It keeps no command table: it asks the
 * aggregator's `help` (one round trip on the same socket) and maps
 * `stratactl CMD [POSITIONAL...] [--flag] [--name VALUE]` onto a request
 * by the arguments `help` describes, prints the usage from them, and
 * prints the answer with the command's formatter (fmt_kinds[], by command
 * name) or, with --json, the raw result.
 * Exit codes: 0 ok, 1 the aggregator answered with an error, 2 usage,
 * 3 the aggregator is not running or cannot be reached.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "ctl_fmt.h"
#include "clock.h"
#include "proto.h"

#define ANSWER_TIMEOUT_MS	30000
#define CONNECT_TIMEOUT_MS	5000	/* a full backlog: retried this long */
#define USAGE_WIDTH		78

enum { EXIT_OK = 0, EXIT_CMD = 1, EXIT_USAGE = 2, EXIT_UNREACHABLE = 3 };

/* The record kinds' formatters (aggregator/kinds/KIND/fmt_KIND.c). */
extern const struct ctl_fmt migration_fmts[];
extern const struct ctl_fmt vm_fmts[];
extern const struct ctl_fmt request_fmts[];
extern const struct ctl_fmt service_fmts[];
extern const struct ctl_fmt volume_fmts[];
extern const struct ctl_fmt port_fmts[];
extern const struct ctl_fmt ovs_fmts[];
extern const struct ctl_fmt kernel_fmts[];

/* The formatters, by command name: the generic ones, then one line a kind. */
static const struct ctl_fmt *const fmt_kinds[] = {
	ctl_fmt_generic,
	migration_fmts,
	vm_fmts,
	request_fmts,
	service_fmts,
	volume_fmts,
	port_fmts,
	ovs_fmts,
	kernel_fmts,
	NULL
};

struct cli {
	const char		*path;
	int			 json;
	int			 fd;
	char			*buf;
	size_t			 len, cap;
	struct json_object	*help;		/* the help answer, or NULL */
	struct json_object	*cmds;		/* its result: the commands */
	int			 answered;	/* a response came on this connection */
	char			 why[512];	/* why there is no help */
};

static volatile sig_atomic_t interrupted;

static const char *generic_usage =
    "usage: stratactl [-s SOCKET] [--json] COMMAND [ARGS]\n"
    "       stratactl --help\n"
    "  -s SOCKET  the aggregator's control socket ($STRATA_CTL_SOCKET,\n"
    "             default " CTL_SOCKET_DEFAULT ")\n"
    "  --json     print the aggregator's result as JSON\n";

static const char *usage_tail =
    "A command `A B` can also be given as `A --B` (alerts --follow).\n"
    "WHEN is a duration back from now (90s, 10m, 2h, 1d) or ns since the "
    "epoch.\n"
    "exit: 0 ok, 1 command error, 2 usage, 3 aggregator unreachable\n";

static struct cli the_cli;

static void __attribute__((noreturn, format(printf, 2, 3)))
die(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("stratactl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

/*
 * Connects c->fd; -1 with why filled when the aggregator is unreachable.
 * The socket is non-blocking while it connects: a UNIX socket whose
 * backlog is full (an aggregator out of descriptors, or not accepting)
 * answers EAGAIN, which is retried for CONNECT_TIMEOUT_MS and then
 * reported as what it is, instead of blocking with no end.
 */
static int
cli_try_connect(struct cli *c, char *why, size_t whysz)
{
	struct sockaddr_un sun;
	struct timespec pause = { 0, 50 * 1000000L };
	uint64_t deadline = clock_mono_ns() +
	    (uint64_t)CONNECT_TIMEOUT_MS * 1000000;
	int r, err;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(c->path) >= sizeof(sun.sun_path)) {
		snprintf(why, whysz, "socket path too long: %s", c->path);
		return -1;
	}
	memcpy(sun.sun_path, c->path, strlen(c->path) + 1);
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1) {
		snprintf(why, whysz, "socket: %s", strerror(errno));
		return -1;
	}
	while ((r = connect(c->fd, (struct sockaddr *)&sun,
	    sizeof(sun))) == -1 && (errno == EAGAIN || errno == EINTR) &&
	    clock_mono_ns() < deadline)
		nanosleep(&pause, NULL);
	if (r == -1) {
		err = errno;
		if (err == EAGAIN)
			snprintf(why, whysz, "cannot connect to %s: the "
			    "aggregator is not accepting connections (its "
			    "backlog stayed full for %d s: out of file "
			    "descriptors, or stopped? see its log)", c->path,
			    CONNECT_TIMEOUT_MS / 1000);
		else
			snprintf(why, whysz, "cannot connect to %s: %s (%s)",
			    c->path, strerror(err), err == EACCES ?
			    "not in the socket's group?" :
			    "is strata-aggregator running?");
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	/* Connected: blocking from now on, poll() bounds the waits. */
	fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) & ~O_NONBLOCK);
	return 0;
}

/*
 * The connection closed (or was reset) before an answer: what the
 * aggregator said last, if anything, is the cause; else the likely ones.
 */
static void __attribute__((noreturn))
die_closed(struct cli *c, int err, const char *when)
{
	struct json_object *resp, *e;
	char *nl;
	ssize_t r;

	/* A refusal ("too many control clients") may still be unread. */
	if (c->cap - c->len < 512) {
		c->cap = c->len + 4096;
		if ((c->buf = realloc(c->buf, c->cap)) == NULL)
			die(EXIT_UNREACHABLE, "out of memory");
	}
	while ((r = read(c->fd, c->buf + c->len, c->cap - c->len - 1)) > 0)
		c->len += (size_t)r;
	c->buf[c->len] = '\0';
	if ((nl = memchr(c->buf, '\n', c->len)) != NULL)
		*nl = '\0';
	if (c->len > 0 && (resp = json_tokener_parse(c->buf)) != NULL &&
	    json_object_object_get_ex(resp, "error", &e))
		die(EXIT_UNREACHABLE, "%s refused the connection: %s", c->path,
		    json_object_get_string(e));
	die(EXIT_UNREACHABLE, "the aggregator closed the connection on %s %s%s%s "
	    "(stopping, at its limit of clients, or out of file descriptors? "
	    "see its log)", c->path, when, err ? ": " : "",
	    err ? strerror(err) : "");
}

static void
cli_send(struct cli *c, struct json_object *req)
{
	const char *s;
	size_t n, off = 0;
	ssize_t w;
	char *line;

	s = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	n = strlen(s);
	if ((line = malloc(n + 1)) == NULL)
		die(EXIT_CMD, "out of memory");
	memcpy(line, s, n);
	line[n++] = '\n';
	while (off < n) {
		if ((w = write(c->fd, line + off, n - off)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EPIPE || errno == ECONNRESET)
				die_closed(c, 0, "before reading the request");
			die(EXIT_UNREACHABLE, "write to %s: %s", c->path,
			    strerror(errno));
		}
		off += (size_t)w;
	}
	free(line);
	json_object_put(req);
}

/*
 * The next line from the aggregator (caller frees); NULL when interrupted.
 * timeout_ms < 0 waits for ever.
 */
static char *
cli_line(struct cli *c, int timeout_ms)
{
	struct pollfd pfd;
	char *nl, *line;
	size_t n;
	ssize_t r;

	for (;;) {
		if (c->len > 0 && (nl = memchr(c->buf, '\n', c->len)) != NULL) {
			n = (size_t)(nl - c->buf);
			if ((line = malloc(n + 1)) == NULL)
				die(EXIT_CMD, "out of memory");
			memcpy(line, c->buf, n);
			line[n] = '\0';
			memmove(c->buf, nl + 1, c->len - n - 1);
			c->len -= n + 1;
			return line;
		}
		if (interrupted)
			return NULL;
		pfd.fd = c->fd;
		pfd.events = POLLIN;
		r = poll(&pfd, 1, timeout_ms);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == 0)
			die(EXIT_UNREACHABLE, "no answer from %s in %d s",
			    c->path, timeout_ms / 1000);
		if (c->cap - c->len < 65536) {
			c->cap = c->cap ? c->cap * 2 : 131072;
			if ((c->buf = realloc(c->buf, c->cap)) == NULL)
				die(EXIT_CMD, "out of memory");
		}
		r = read(c->fd, c->buf + c->len, c->cap - c->len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			die_closed(c, r == -1 ? errno : 0, c->answered ?
			    "during the stream" : "before answering");
		c->len += (size_t)r;
	}
}

/* Parses a response line; an error answer exits 1 with its message. */
static struct json_object *
parse_response(const char *line)
{
	struct json_object *resp, *ok, *err;

	if ((resp = json_tokener_parse(line)) == NULL ||
	    !json_object_is_type(resp, json_type_object) ||
	    !json_object_object_get_ex(resp, "ok", &ok))
		die(EXIT_UNREACHABLE, "the aggregator's answer is not a "
		    "response: %.200s", line);
	if (!json_object_get_boolean(ok)) {
		json_object_object_get_ex(resp, "error", &err);
		die(EXIT_CMD, "%s", err != NULL ? json_object_get_string(err) :
		    "error without a message");
	}
	return resp;
}

/* Sends one request on the connection and returns its response. */
static struct json_object *
request(struct cli *c, const char *cmd, struct json_object *args)
{
	struct json_object *req, *resp;
	char *line;

	req = json_object_new_object();
	json_object_object_add(req, "cmd", json_object_new_string(cmd));
	if (args != NULL)
		json_object_object_add(req, "args", json_object_get(args));
	cli_send(c, req);
	line = cli_line(c, ANSWER_TIMEOUT_MS);
	resp = parse_response(line);
	c->answered = 1;
	free(line);
	return resp;
}

/*
 * Connects and asks help: 0 with c->cmds, or -1 with c->why when the
 * aggregator cannot be reached.  The connection stays for the command.
 */
static int
load_help(struct cli *c)
{
	struct json_object *resp, *e;
	char *line;

	if (cli_try_connect(c, c->why, sizeof(c->why)) == -1)
		return -1;
	/* An error answer to help is the aggregator turning us away. */
	resp = json_object_new_object();
	json_object_object_add(resp, "cmd", json_object_new_string("help"));
	cli_send(c, resp);
	line = cli_line(c, ANSWER_TIMEOUT_MS);
	if ((resp = json_tokener_parse(line)) != NULL &&
	    json_object_object_get_ex(resp, "error", &e)) {
		snprintf(c->why, sizeof(c->why), "%s refused the connection: "
		    "%s", c->path, json_object_get_string(e));
		json_object_put(resp);
		free(line);
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	json_object_put(resp);
	c->help = parse_response(line);
	c->answered = 1;
	free(line);
	if (!json_object_object_get_ex(c->help, "result", &c->cmds) ||
	    !json_object_is_type(c->cmds, json_type_array))
		die(EXIT_UNREACHABLE, "the aggregator's help is not a list of "
		    "commands");
	return 0;
}

static const char *
jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int
jbool(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) &&
	    json_object_get_boolean(v);
}

/* The command named name (not its alias: the command line uses names). */
static struct json_object *
find_cmd(struct cli *c, const char *name)
{
	struct json_object *o;
	const char *n;
	size_t i;

	for (i = 0; c->cmds != NULL && i < json_object_array_length(c->cmds);
	    i++) {
		o = json_object_array_get_idx(c->cmds, i);
		if ((n = jstr(o, "name")) != NULL && strcmp(n, name) == 0)
			return o;
	}
	return NULL;
}

/* The argument named name of cmd's description, or NULL. */
static struct json_object *
find_arg(struct json_object *cmd, const char *name, size_t len)
{
	struct json_object *args, *a;
	const char *n;
	size_t i;

	if (!json_object_object_get_ex(cmd, "args", &args) ||
	    !json_object_is_type(args, json_type_array))
		return NULL;
	for (i = 0; i < json_object_array_length(args); i++) {
		a = json_object_array_get_idx(args, i);
		if ((n = jstr(a, "name")) != NULL && strlen(n) == len &&
		    strncmp(n, name, len) == 0)
			return a;
	}
	return NULL;
}

/* The placeholder of an argument's value in a usage: ID, WHEN, N, VM. */
static const char *
metavar(struct json_object *a, char *buf, size_t sz)
{
	const char *t = jstr(a, "type"), *n = jstr(a, "name");
	size_t i;

	if (t != NULL && strcmp(t, "time") == 0)
		return "WHEN";
	if (t != NULL && strcmp(t, "int") == 0 && !jbool(a, "positional"))
		return "N";
	for (i = 0; n != NULL && n[i] != '\0' && i + 1 < sz; i++)
		buf[i] = (n[i] >= 'a' && n[i] <= 'z') ? n[i] - 'a' + 'A' : n[i];
	buf[i] = '\0';
	return buf;
}

/* Appends s to a usage line, wrapping it under the command's name. */
static void
usage_add(FILE *f, const char *s, size_t *col, size_t indent)
{
	if (*col + 1 + strlen(s) > USAGE_WIDTH && *col > indent) {
		fprintf(f, "\n%*s", (int)indent, "");
		*col = indent;
	}
	*col += (size_t)fprintf(f, " %s", s);
}

/* The command line of one command, as the arguments describe it. */
static void
usage_cmd(FILE *f, struct cli *c, struct json_object *cmd)
{
	struct json_object *args, *a, *o;
	const char *name = jstr(cmd, "name"), *n, *sum;
	char w[128], mv[64];
	size_t i, col, indent, len = strlen(name);

	col = (size_t)fprintf(f, "  %s", name);
	indent = col + 1;
	json_object_object_get_ex(cmd, "args", &args);
	for (i = 0; args != NULL && i < json_object_array_length(args); i++) {
		a = json_object_array_get_idx(args, i);
		if (!jbool(a, "positional"))
			continue;
		snprintf(w, sizeof(w), jbool(a, "required") ? "%s" : "[%s]",
		    metavar(a, mv, sizeof(mv)));
		usage_add(f, w, &col, indent);
	}
	for (i = 0; args != NULL && i < json_object_array_length(args); i++) {
		a = json_object_array_get_idx(args, i);
		if (jbool(a, "positional"))
			continue;
		if (strcmp(jstr(a, "type") ? jstr(a, "type") : "", "bool") == 0)
			snprintf(w, sizeof(w), "[--%s]", jstr(a, "name"));
		else
			snprintf(w, sizeof(w), "[--%s %s]", jstr(a, "name"),
			    metavar(a, mv, sizeof(mv)));
		usage_add(f, w, &col, indent);
	}
	/* "A B" commands are also "A --B". */
	for (i = 0; i < json_object_array_length(c->cmds); i++) {
		o = json_object_array_get_idx(c->cmds, i);
		n = jstr(o, "name");
		if (n != NULL && strncmp(n, name, len) == 0 && n[len] == ' ' &&
		    strchr(n + len + 1, ' ') == NULL) {
			snprintf(w, sizeof(w), "[--%s]", n + len + 1);
			usage_add(f, w, &col, indent);
		}
	}
	if ((sum = jstr(cmd, "summary")) != NULL && *sum != '\0') {
		if (col < 34 && col + 2 + strlen(sum) <= USAGE_WIDTH)
			fprintf(f, "%*s%s\n", (int)(34 - col), "", sum);
		else
			fprintf(f, "\n%*s%s\n", 34, "", sum);
	} else
		fputc('\n', f);
}

/* An "A B" command whose "A" exists is listed with A, as A --B. */
static int
is_sub_form(struct cli *c, const char *name)
{
	const char *sp = strrchr(name, ' ');
	char parent[128];

	if (sp == NULL || (size_t)(sp - name) >= sizeof(parent))
		return 0;
	memcpy(parent, name, (size_t)(sp - name));
	parent[sp - name] = '\0';
	return find_cmd(c, parent) != NULL;
}

/* The generic usage and, when the aggregator answered, its commands. */
static void
print_usage(FILE *f, struct cli *c)
{
	struct json_object *o;
	size_t i;

	fputs(generic_usage, f);
	if (c->cmds == NULL) {
		fprintf(f, "The commands come from the aggregator, which could "
		    "not be asked:\n  %s\n", c->why[0] != '\0' ? c->why :
		    "not asked");
		fprintf(f, "Run `stratactl help` with the aggregator running "
		    "(docs/control.md lists them).\n");
	} else {
		fputs("commands (from the aggregator):\n", f);
		for (i = 0; i < json_object_array_length(c->cmds); i++) {
			o = json_object_array_get_idx(c->cmds, i);
			if (jstr(o, "name") == NULL ||
			    is_sub_form(c, jstr(o, "name")))
				continue;
			usage_cmd(f, c, o);
		}
	}
	fputs(usage_tail, f);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
usage(const char *fmt, ...)
{
	va_list ap;

	if (fmt != NULL) {
		fputs("stratactl: ", stderr);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	print_usage(stderr, &the_cli);
	exit(EXIT_USAGE);
}

/* "10m" -> now - 10 min; "1700000000000000000" -> as is; -1 if bad. */
static int64_t
parse_since(const char *s)
{
	char *end;
	double v;
	int64_t mul;

	v = strtod(s, &end);
	if (end == s || v < 0)
		return -1;
	if (*end == '\0')
		return (int64_t)v;
	if (strcmp(end, "s") == 0)
		mul = 1000000000LL;
	else if (strcmp(end, "m") == 0)
		mul = 60 * 1000000000LL;
	else if (strcmp(end, "h") == 0)
		mul = 3600 * 1000000000LL;
	else if (strcmp(end, "d") == 0)
		mul = 86400 * 1000000000LL;
	else
		return -1;
	v = (double)clock_wall_ns() - v * (double)mul;
	return v < 0 ? 0 : (int64_t)v;
}

/* One command-line value as the argument's type wants it. */
static struct json_object *
arg_value(const char *cmd, struct json_object *a, const char *s)
{
	const char *t = jstr(a, "type"), *n = jstr(a, "name");
	long long v;
	int64_t ns;
	char *end;

	if (t == NULL)
		t = "string";
	if (strcmp(t, "int") == 0) {
		errno = 0;
		v = strtoll(s, &end, 10);
		if (*s == '\0' || *end != '\0' || errno != 0)
			usage("%s: %s is a number, not '%s'", cmd, n, s);
		return json_object_new_int64(v);
	}
	if (strcmp(t, "time") == 0) {
		if ((ns = parse_since(s)) < 0)
			usage("%s: --%s: a duration (10m) or ns since the "
			    "epoch, not '%s'", cmd, n, s);
		return json_object_new_int64(ns);
	}
	if (strcmp(t, "bool") == 0)
		usage("%s: --%s takes no value", cmd, n);
	return json_object_new_string(s);
}

/*
 * Maps the words after the command's name onto its arguments: --flag for
 * a bool, --name VALUE (or --name=VALUE) for the others, and the
 * positional ones in order.  `A --B` becomes the command "A B".
 */
static struct json_object *
map_args(struct cli *c, struct json_object **cmdp, int argc, char **argv)
{
	struct json_object *cmd = *cmdp, *args, *a = NULL, *sub, *spec = NULL;
	const char *name, *w, *eq, *val;
	char full[256];
	size_t i, npos = 0, k, len;
	int j, only_pos = 0, used[64];

	memset(used, 0, sizeof(used));
	/* A --B first: the rest of the words are B's. */
	for (j = 0; j < argc && j < 64; j++) {
		w = argv[j];
		if (strcmp(w, "--") == 0)
			break;
		if (strncmp(w, "--", 2) != 0 || strchr(w, '=') != NULL ||
		    find_arg(cmd, w + 2, strlen(w + 2)) != NULL)
			continue;
		snprintf(full, sizeof(full), "%s %s", jstr(cmd, "name"), w + 2);
		if ((sub = find_cmd(c, full)) != NULL) {
			cmd = *cmdp = sub;
			used[j] = 1;
			break;
		}
	}
	name = jstr(cmd, "name");
	args = json_object_new_object();
	json_object_object_get_ex(cmd, "args", &spec);
	for (j = 0; j < argc; j++) {
		w = argv[j];
		if (j < 64 && used[j])
			continue;
		if (!only_pos && strcmp(w, "--") == 0) {
			only_pos = 1;
			continue;
		}
		if (!only_pos && strncmp(w, "--", 2) == 0 && w[2] != '\0') {
			eq = strchr(w + 2, '=');
			len = eq != NULL ? (size_t)(eq - w - 2) : strlen(w + 2);
			if ((a = find_arg(cmd, w + 2, len)) == NULL ||
			    jbool(a, "positional"))
				usage("%s: unknown option '%.*s'", name,
				    (int)len + 2, w);
			if (strcmp(jstr(a, "type") ? jstr(a, "type") : "",
			    "bool") == 0) {
				if (eq != NULL)
					usage("%s: --%s takes no value", name,
					    jstr(a, "name"));
				json_object_object_add(args, jstr(a, "name"),
				    json_object_new_boolean(1));
				continue;
			}
			if (eq != NULL)
				val = eq + 1;
			else if (j + 1 < argc)
				val = argv[++j];
			else
				usage("%s: --%s needs a value", name,
				    jstr(a, "name"));
			json_object_object_add(args, jstr(a, "name"),
			    arg_value(name, a, val));
			continue;
		}
		if (!only_pos && w[0] == '-' && w[1] != '\0')
			usage("%s: unknown option '%s'", name, w);
		/* The next positional argument. */
		for (i = 0, k = 0; spec != NULL &&
		    i < json_object_array_length(spec); i++) {
			a = json_object_array_get_idx(spec, i);
			if (jbool(a, "positional") && k++ == npos)
				break;
		}
		if (spec == NULL || i == json_object_array_length(spec))
			usage("%s: unexpected argument '%s'", name, w);
		npos++;
		json_object_object_add(args, jstr(a, "name"),
		    arg_value(name, a, w));
	}
	for (i = 0; spec != NULL && i < json_object_array_length(spec); i++) {
		a = json_object_array_get_idx(spec, i);
		if (jbool(a, "required") &&
		    !json_object_object_get_ex(args, jstr(a, "name"), NULL)) {
			char mv[64];

			usage("%s: %s%s is required", name,
			    jbool(a, "positional") ? "" : "--",
			    jbool(a, "positional") ? metavar(a, mv, sizeof(mv)) :
			    jstr(a, "name"));
		}
	}
	return args;
}

static const struct ctl_fmt *
find_fmt(const char *cmd)
{
	const struct ctl_fmt *const *k, *f;

	for (k = fmt_kinds; *k != NULL; k++)
		for (f = *k; f->cmd != NULL; f++)
			if (strcmp(f->cmd, cmd) == 0)
				return f;
	return NULL;
}

static void
print_json(struct json_object *o, int flags)
{
	puts(json_object_to_json_string_ext(o, flags |
	    JSON_C_TO_STRING_NOSLASHESCAPE));
	fflush(stdout);
}

/* A result: --json prints it as it is, else its formatter or key: value. */
static void
show(struct cli *c, const struct ctl_fmt *fmt, struct json_object *r,
    const char *stream)
{
	if (c->json)
		print_json(r, stream != NULL ? JSON_C_TO_STRING_PLAIN :
		    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED);
	else if (fmt != NULL)
		fmt->print(stdout, r, stream);
	else if (json_object_is_type(r, json_type_object))
		fmt_kv(stdout, r, 0);
	else
		print_json(r, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED);
	fflush(stdout);
}

static void
on_sigint(int sig)
{
	interrupted = 1;
}

/* Prints the stream until interrupted or the aggregator ends it. */
static int
follow(struct cli *c, const char *name, const struct ctl_fmt *fmt)
{
	struct json_object *resp, *r, *kind;
	const char *k;
	char *line;

	if (!c->json)
		fprintf(stderr, "%s: following on %s (interrupt to stop)\n",
		    name, c->path);
	while ((line = cli_line(c, -1)) != NULL) {
		resp = parse_response(line);
		free(line);
		r = json_object_object_get(resp, "result");
		k = json_object_object_get_ex(resp, "stream", &kind) ?
		    json_object_get_string(kind) : "alert";
		if (c->json)
			show(c, fmt, r, k);
		else if (strcmp(k, "end") == 0)
			fprintf(stderr, "stream ended: %s\n",
			    fmt_str(r, "reason"));
		else
			show(c, fmt, r, k);
		json_object_put(resp);
		if (strcmp(k, "end") == 0)
			break;
	}
	return EXIT_OK;
}

/* The command named by the first one or two words; *nwords says how many. */
static struct json_object *
lookup(struct cli *c, int argc, char **argv, int *nwords)
{
	struct json_object *cmd, *o;
	char two[256];
	const char *n;
	size_t i, len;

	if (argc > 1) {
		snprintf(two, sizeof(two), "%s %s", argv[0], argv[1]);
		if ((cmd = find_cmd(c, two)) != NULL) {
			*nwords = 2;
			return cmd;
		}
	}
	*nwords = 1;
	if ((cmd = find_cmd(c, argv[0])) != NULL)
		return cmd;
	len = strlen(argv[0]);
	for (i = 0; i < json_object_array_length(c->cmds); i++) {
		o = json_object_array_get_idx(c->cmds, i);
		if ((n = jstr(o, "name")) != NULL &&
		    strncmp(n, argv[0], len) == 0 && n[len] == ' ')
			usage("%s: did you mean `%s`?", argv[0], n);
	}
	usage("unknown command \"%s\"", argv[0]);
}

int
main(int argc, char *argv[])
{
	static const struct option lo[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct cli *c = &the_cli;
	struct json_object *cmd, *args, *resp, *r, *v;
	const struct ctl_fmt *fmt;
	struct sigaction sa;
	const char *name;
	int ch, help = 0, nwords;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->path = getenv("STRATA_CTL_SOCKET");
	if (c->path == NULL || *c->path == '\0')
		c->path = CTL_SOCKET_DEFAULT;
	signal(SIGPIPE, SIG_IGN);
	while ((ch = getopt_long(argc, argv, "+s:jh", lo, NULL)) != -1) {
		switch (ch) {
		case 's':
			c->path = optarg;
			break;
		case 'j':
			c->json = 1;
			break;
		case 'h':
			help = 1;
			break;
		default:
			usage(NULL);
		}
	}
	argc -= optind;
	argv += optind;
	if (help || (argc > 0 && strcmp(argv[0], "help") == 0 && !c->json)) {
		/* The usage, from the aggregator if it answers: always 0. */
		load_help(c);
		print_usage(stdout, c);
		return EXIT_OK;
	}
	if (load_help(c) == -1) {
		if (argc == 0)
			usage("no command");
		die(EXIT_UNREACHABLE, "%s", c->why);
	}
	if (argc == 0)
		usage("no command");
	cmd = lookup(c, argc, argv, &nwords);
	args = map_args(c, &cmd, argc - nwords, argv + nwords);
	name = jstr(cmd, "name");
	fmt = find_fmt(name);
	if (jbool(cmd, "stream")) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_sigint;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	resp = request(c, name, args);
	json_object_put(args);
	if (jbool(cmd, "stream") || (json_object_object_get_ex(resp, "stream",
	    &v) && strcmp(json_object_get_string(v), "start") == 0)) {
		json_object_put(resp);
		return follow(c, name, fmt);
	}
	r = json_object_object_get(resp, "result");
	show(c, fmt, r, NULL);
	json_object_put(resp);
	json_object_put(c->help);
	return EXIT_OK;
}
