/*
 * stratactl.c: the command line client of strata-aggregator's control
 * socket (docs/control.md).  Sends one JSON request line, prints the
 * answer as readable tables (ctl_fmt.c) or, with --json, the raw result.
 * Exit codes: 0 ok, 1 the aggregator answered with an error, 2 usage,
 * 3 the aggregator is not running or cannot be reached.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
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

#define SOCKET_DEFAULT	"/run/strata/aggregator.sock"
#define ANSWER_TIMEOUT_MS	30000

enum { EXIT_OK = 0, EXIT_CMD = 1, EXIT_USAGE = 2, EXIT_UNREACHABLE = 3 };

struct cli {
	const char	*path;
	int		 json;
	int		 fd;
	char		*buf;
	size_t		 len, cap;
};

static volatile sig_atomic_t interrupted;

static const char *cmd_usage =
    "usage: stratactl [-s SOCKET] [--json] COMMAND [ARGS]\n"
    "commands:\n"
    "  status                          the aggregator and its store\n"
    "  nodes                           agents and their last contact\n"
    "  migrations [--active] [--failed] [--vm VM] [--node NODE]\n"
    "             [--since WHEN] [--limit N]\n"
    "  migration ID                    both sides, stages, rounds, plot\n"
    "  alerts [--firing | --all] [--since WHEN] [--limit N] [--follow]\n"
    "  alert ack ID                    acknowledge a firing alert\n"
    "WHEN is a duration back from now (90s, 10m, 2h, 1d) or ns since the "
    "epoch.\n"
    "exit: 0 ok, 1 command error, 2 usage, 3 aggregator unreachable\n";

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

static void __attribute__((noreturn))
usage(const char *why)
{
	if (why != NULL)
		fprintf(stderr, "stratactl: %s\n", why);
	fputs(cmd_usage, stderr);
	exit(EXIT_USAGE);
}

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec);
}

static void
cli_connect(struct cli *c)
{
	struct sockaddr_un sun;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(c->path) >= sizeof(sun.sun_path))
		usage("socket path too long");
	memcpy(sun.sun_path, c->path, strlen(c->path) + 1);
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		die(EXIT_UNREACHABLE, "socket: %s", strerror(errno));
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		if (errno == EACCES)
			die(EXIT_UNREACHABLE, "cannot connect to %s: %s "
			    "(not in the socket's group?)", c->path,
			    strerror(errno));
		die(EXIT_UNREACHABLE, "cannot connect to %s: %s "
		    "(is strata-aggregator running?)", c->path, strerror(errno));
	}
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
			return (line);
		}
		if (interrupted)
			return (NULL);
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
			die(EXIT_UNREACHABLE, "the aggregator closed the "
			    "connection%s%s", r == -1 ? ": " : "",
			    r == -1 ? strerror(errno) : "");
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
	return (resp);
}

/* One request, its result (owned by the returned response). */
static struct json_object *
request(struct cli *c, const char *cmd, struct json_object *args,
    struct json_object **result)
{
	struct json_object *req, *resp;
	char *line;

	req = json_object_new_object();
	json_object_object_add(req, "cmd", json_object_new_string(cmd));
	if (args != NULL)
		json_object_object_add(req, "args", args);
	cli_connect(c);
	cli_send(c, req);
	line = cli_line(c, ANSWER_TIMEOUT_MS);
	resp = parse_response(line);
	free(line);
	*result = json_object_object_get(resp, "result");
	return (resp);
}

static void
print_json(struct json_object *o)
{
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
	    JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
}

/*
 * A request whose result --json prints as it is: then NULL, all done;
 * otherwise the response, for the caller's readable output.
 */
static struct json_object *
request_shown(struct cli *c, const char *cmd, struct json_object *args,
    struct json_object **result)
{
	struct json_object *resp = request(c, cmd, args, result);

	if (!c->json)
		return (resp);
	print_json(*result);
	json_object_put(resp);
	return (NULL);
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
		return (-1);
	if (*end == '\0')
		return ((int64_t)v);
	if (strcmp(end, "s") == 0)
		mul = 1000000000LL;
	else if (strcmp(end, "m") == 0)
		mul = 60 * 1000000000LL;
	else if (strcmp(end, "h") == 0)
		mul = 3600 * 1000000000LL;
	else if (strcmp(end, "d") == 0)
		mul = 86400 * 1000000000LL;
	else
		return (-1);
	v = (double)now_ns() - v * (double)mul;
	return (v < 0 ? 0 : (int64_t)v);
}

static int
run_status(struct cli *c, int argc, char **argv)
{
	struct json_object *resp, *r;

	if (argc != 1)
		usage("status takes no arguments");
	if ((resp = request_shown(c, "status", NULL, &r)) == NULL)
		return (EXIT_OK);
	fmt_kv(stdout, r, 0);
	json_object_put(resp);
	return (EXIT_OK);
}

static int
run_nodes(struct cli *c, int argc, char **argv)
{
	static const char *hdr[] = { "NODE", "AGENT", "STATE", "LAST SEEN",
	    "EVENTS/S", "DISCARDED", "CLOCK OFFSET", "RECORDS" };
	struct json_object *resp, *r, *n;
	struct fmt_table *t;
	char b[4][64];
	const char *row[8];
	int64_t now = now_ns();
	size_t i;

	if (argc != 1)
		usage("nodes takes no arguments");
	if ((resp = request_shown(c, "nodes", NULL, &r)) == NULL)
		return (EXIT_OK);
	t = fmt_table_new(8, hdr);
	fmt_table_right(t, 4);
	fmt_table_right(t, 5);
	fmt_table_right(t, 6);
	fmt_table_right(t, 7);
	for (i = 0; i < json_object_array_length(r); i++) {
		n = json_object_array_get_idx(r, i);
		row[0] = fmt_str(n, "name");
		row[1] = fmt_str(n, "agent_version");
		row[2] = json_object_get_boolean(json_object_object_get(n,
		    "stale")) ? "stale" : "up";
		row[3] = fmt_ago(b[0], sizeof(b[0]),
		    json_object_object_get(n, "last_seen_ns"), now);
		row[4] = fmt_num(b[1], sizeof(b[1]),
		    json_object_object_get(n, "events_per_s"));
		row[5] = fmt_num(b[2], sizeof(b[2]),
		    json_object_object_get(n, "discarded"));
		row[6] = fmt_ms(b[3], sizeof(b[3]),
		    json_object_object_get(n, "clock_offset_ms"));
		row[7] = fmt_str(n, "records");
		fmt_table_add(t, row);
	}
	fmt_table_print(t, stdout);
	fmt_table_free(t);
	json_object_put(resp);
	return (EXIT_OK);
}

/* --since and --limit, as migrations and alerts take them: 1 if ch was one. */
static int
opt_since_limit(int ch, struct json_object *args)
{
	int64_t since;
	long limit;
	char *end;

	switch (ch) {
	case 's':
		if ((since = parse_since(optarg)) < 0)
			usage("--since: a duration (10m) or ns");
		json_object_object_add(args, "since", json_object_new_int64(since));
		return (1);
	case 'l':
		limit = strtol(optarg, &end, 10);
		if (*end != '\0' || limit < 1)
			usage("--limit: a positive number");
		json_object_object_add(args, "limit", json_object_new_int64(limit));
		return (1);
	}
	return (0);
}

static int
run_migrations(struct cli *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "active", no_argument, NULL, 'a' },
		{ "failed", no_argument, NULL, 'f' },
		{ "vm", required_argument, NULL, 'v' },
		{ "node", required_argument, NULL, 'n' },
		{ "since", required_argument, NULL, 's' },
		{ "limit", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *hdr[] = { "ID", "VM", "SOURCE", "DESTINATION",
	    "STATE", "OUTCOME", "VERDICT", "ROUNDS", "DOWNTIME", "TOTAL",
	    "STARTED" };
	struct json_object *args, *resp, *r, *m;
	struct fmt_table *t;
	const char *row[11];
	char b[4][64];
	size_t i;
	int ch;

	args = json_object_new_object();
	optind = 0;
	while ((ch = getopt_long(argc, argv, "+", lo, NULL)) != -1) {
		switch (ch) {
		case 'a':
			json_object_object_add(args, "active",
			    json_object_new_boolean(1));
			break;
		case 'f':
			json_object_object_add(args, "failed",
			    json_object_new_boolean(1));
			break;
		case 'v':
		case 'n':
			json_object_object_add(args, ch == 'v' ? "vm" : "node",
			    json_object_new_string(optarg));
			break;
		default:
			if (!opt_since_limit(ch, args))
				usage(NULL);
		}
	}
	if (optind != argc)
		usage("migrations: unexpected argument");
	if ((resp = request_shown(c, "migrations", args, &r)) == NULL)
		return (EXIT_OK);
	t = fmt_table_new(11, hdr);
	fmt_table_right(t, 7);
	fmt_table_right(t, 8);
	fmt_table_right(t, 9);
	for (i = 0; i < json_object_array_length(r); i++) {
		m = json_object_array_get_idx(r, i);
		row[0] = fmt_str(m, "id");
		row[1] = strcmp(fmt_str(m, "vm_name"), "-") != 0 ?
		    fmt_str(m, "vm_name") : fmt_str(m, "vm_uuid");
		row[2] = fmt_str(m, "src_node");
		row[3] = fmt_str(m, "dst_node");
		row[4] = fmt_str(m, "state");
		row[5] = fmt_str(m, "outcome");
		row[6] = fmt_str(m, "verdict");
		row[7] = fmt_num(b[0], sizeof(b[0]), json_object_object_get(m,
		    "rounds"));
		row[8] = fmt_ms(b[1], sizeof(b[1]), json_object_object_get(m,
		    "downtime_ms"));
		row[9] = fmt_ms(b[2], sizeof(b[2]), json_object_object_get(m,
		    "total_ms"));
		row[10] = fmt_time(b[3], sizeof(b[3]), json_object_object_get(m,
		    "started_ns"));
		fmt_table_add(t, row);
	}
	fmt_table_print(t, stdout);
	fmt_table_free(t);
	json_object_put(resp);
	return (EXIT_OK);
}

static int
run_migration(struct cli *c, int argc, char **argv)
{
	struct json_object *args, *resp, *r;

	if (argc != 2)
		usage("migration takes one ID");
	args = json_object_new_object();
	json_object_object_add(args, "id", json_object_new_string(argv[1]));
	if ((resp = request_shown(c, "migration", args, &r)) == NULL)
		return (EXIT_OK);
	fmt_migration(stdout, r);
	json_object_put(resp);
	return (EXIT_OK);
}

static void
print_alert_line(struct json_object *a)
{
	char b[64];
	const char *ev = fmt_str(a, "event");

	printf("%s  %-8s %-8s %-26s %-10s %-20s %s\n",
	    fmt_time(b, sizeof(b), json_object_object_get(a, "t_ns")),
	    strcmp(ev, "-") != 0 ? ev : fmt_str(a, "state"),
	    fmt_str(a, "severity"), fmt_str(a, "name"), fmt_str(a, "node"),
	    strcmp(fmt_str(a, "vm_name"), "-") != 0 ? fmt_str(a, "vm_name") :
	    fmt_str(a, "vm_uuid"), fmt_str(a, "message"));
	fflush(stdout);
}

static void
on_sigint(int sig)
{
	interrupted = 1;
}

/* Prints the stream until interrupted or the aggregator ends it. */
static int
follow(struct cli *c)
{
	struct json_object *req, *resp, *r, *kind;
	struct sigaction sa;
	const char *k;
	char *line;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	req = json_object_new_object();
	json_object_object_add(req, "cmd",
	    json_object_new_string("alerts follow"));
	cli_connect(c);
	cli_send(c, req);
	json_object_put(parse_response(line = cli_line(c, ANSWER_TIMEOUT_MS)));
	free(line);
	if (!c->json)
		fprintf(stderr, "following alerts on %s (interrupt to stop)\n",
		    c->path);
	while ((line = cli_line(c, -1)) != NULL) {
		resp = parse_response(line);
		free(line);
		r = json_object_object_get(resp, "result");
		k = json_object_object_get_ex(resp, "stream", &kind) ?
		    json_object_get_string(kind) : "alert";
		if (c->json) {
			puts(json_object_to_json_string_ext(r,
			    JSON_C_TO_STRING_PLAIN |
			    JSON_C_TO_STRING_NOSLASHESCAPE));
			fflush(stdout);
		} else if (strcmp(k, "alert") == 0)
			print_alert_line(r);
		else if (strcmp(k, "skipped") == 0) {
			printf("... %s alerts skipped: this client read too "
			    "slowly\n", fmt_str(r, "skipped"));
			fflush(stdout);
		} else if (strcmp(k, "end") == 0)
			fprintf(stderr, "stream ended: %s\n",
			    fmt_str(r, "reason"));
		json_object_put(resp);
		if (strcmp(k, "end") == 0)
			break;
	}
	return (EXIT_OK);
}

static int
run_alerts(struct cli *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "firing", no_argument, NULL, 'F' },
		{ "all", no_argument, NULL, 'a' },
		{ "since", required_argument, NULL, 's' },
		{ "limit", required_argument, NULL, 'l' },
		{ "follow", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *hdr[] = { "ID", "STATE", "SEVERITY", "NAME", "NODE",
	    "VM", "TIME", "MESSAGE" };
	struct json_object *args, *resp, *r, *a;
	struct fmt_table *t;
	const char *row[8];
	char b[2][64];
	int ch, fol = 0, firing = 0, all = 0;
	size_t i;

	args = json_object_new_object();
	optind = 0;
	while ((ch = getopt_long(argc, argv, "+", lo, NULL)) != -1) {
		switch (ch) {
		case 'F':
			firing = 1;
			break;
		case 'a':
			all = 1;
			break;
		case 'f':
			fol = 1;
			break;
		default:
			if (!opt_since_limit(ch, args))
				usage(NULL);
		}
	}
	if (optind != argc)
		usage("alerts: unexpected argument");
	if (firing && all)
		usage("--firing and --all exclude each other");
	if (fol) {
		json_object_put(args);
		return (follow(c));
	}
	if (firing)
		json_object_object_add(args, "firing", json_object_new_boolean(1));
	if ((resp = request_shown(c, "alerts", args, &r)) == NULL)
		return (EXIT_OK);
	t = fmt_table_new(8, hdr);
	fmt_table_right(t, 0);
	for (i = 0; i < json_object_array_length(r); i++) {
		a = json_object_array_get_idx(r, i);
		row[0] = fmt_str(a, "id");
		row[1] = fmt_str(a, "state");
		row[2] = fmt_str(a, "severity");
		row[3] = fmt_str(a, "name");
		row[4] = fmt_str(a, "node");
		row[5] = strcmp(fmt_str(a, "vm_name"), "-") != 0 ?
		    fmt_str(a, "vm_name") : fmt_str(a, "vm_uuid");
		row[6] = fmt_time(b[0], sizeof(b[0]),
		    json_object_object_get(a, "t_ns"));
		row[7] = fmt_str(a, "message");
		fmt_table_add(t, row);
	}
	fmt_table_print(t, stdout);
	fmt_table_free(t);
	json_object_put(resp);
	return (EXIT_OK);
}

static int
run_alert(struct cli *c, int argc, char **argv)
{
	struct json_object *args, *resp, *r;
	char *end;
	long long id;

	if (argc != 3 || strcmp(argv[1], "ack") != 0)
		usage("alert ack ID");
	id = strtoll(argv[2], &end, 10);
	if (*argv[2] == '\0' || *end != '\0' || id < 0)
		usage("alert ack: ID is a number");
	args = json_object_new_object();
	json_object_object_add(args, "id", json_object_new_int64(id));
	if ((resp = request_shown(c, "alert ack", args, &r)) == NULL)
		return (EXIT_OK);
	printf("alert %lld acknowledged\n", id);
	json_object_put(resp);
	return (EXIT_OK);
}

static int
run_help(struct cli *c, int argc, char **argv)
{
	fputs(cmd_usage, stdout);
	return (EXIT_OK);
}

static const struct {
	const char	*name;
	int		(*run)(struct cli *, int, char **);
} commands[] = {
	{ "status",	run_status },
	{ "nodes",	run_nodes },
	{ "migrations",	run_migrations },
	{ "migration",	run_migration },
	{ "alerts",	run_alerts },
	{ "alert",	run_alert },
	{ "help",	run_help },
};

int
main(int argc, char *argv[])
{
	static const struct option lo[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct cli c;
	size_t i;
	int ch;

	memset(&c, 0, sizeof(c));
	c.fd = -1;
	c.path = getenv("STRATA_CTL_SOCKET");
	if (c.path == NULL || *c.path == '\0')
		c.path = SOCKET_DEFAULT;
	signal(SIGPIPE, SIG_IGN);
	while ((ch = getopt_long(argc, argv, "+s:jh", lo, NULL)) != -1) {
		switch (ch) {
		case 's':
			c.path = optarg;
			break;
		case 'j':
			c.json = 1;
			break;
		case 'h':
			fputs(cmd_usage, stdout);
			return (EXIT_OK);
		default:
			usage(NULL);
		}
	}
	if (optind == argc)
		usage("no command");
	argc -= optind;
	argv += optind;
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, argv[0]) == 0)
			return (commands[i].run(&c, argc, argv));
	fprintf(stderr, "stratactl: unknown command \"%s\"\n", argv[0]);
	usage(NULL);
}
