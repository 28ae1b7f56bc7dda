/*
 * test_ctl_follow.c: alert followers and the control socket under abuse.
 * The follower queue keeps order and counts what it drops; over a real
 * socket a follower that never reads loses alerts and is told how many,
 * while ctl_alert() never blocks and a fast follower gets every alert;
 * over-long lines, garbage and half-closed clients are answered without
 * disturbing the others; shutdown ends every stream with an end object.
 * Then the limits: the read-only socket (mode 0666) runs only reading
 * commands, a silent client is closed after the idle timeout but a
 * follower is not, at the client limit the client idle the longest makes
 * room, and with every other descriptor of the process taken a client is
 * still accepted on the reserve (fdbudget.h).
 * The commands answer from a real store on a temporary file.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "tap.h"
#include "clock.h"
#include "ctl.h"
#include "fdbudget.h"
#include "store.h"

#define NALERTS	20000

struct cli {
	int	fd;
	char	buf[1 << 20];
	size_t	len;
};

static struct event_base *base;

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void
pump(void)
{
	event_base_loop(base, EVLOOP_NONBLOCK);
}

static struct cli *
cli_connect(const char *path)
{
	struct sockaddr_un sun;
	struct cli *c = calloc(1, sizeof(*c));

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strncpy(sun.sun_path, path, sizeof(sun.sun_path) - 1);
	c->fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		diag("connect: %s", strerror(errno));
	fcntl(c->fd, F_SETFL, O_NONBLOCK);
	pump();
	return c;
}

static void
cli_send(struct cli *c, const char *s, size_t n)
{
	ssize_t w;
	double end = now_ms() + 3000;

	while (n > 0 && now_ms() < end) {
		w = write(c->fd, s, n);
		if (w > 0) {
			s += w;
			n -= (size_t)w;
		}
		pump();
	}
}

/* Reads what is there; returns 0 at EOF. */
static int
cli_fill(struct cli *c)
{
	ssize_t r;

	if (c->len == sizeof(c->buf))
		return 1;
	r = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
	if (r > 0)
		c->len += (size_t)r;
	return r != 0;
}

/* The next line (caller frees) within ms, pumping the loop meanwhile. */
static char *
cli_line(struct cli *c, double ms)
{
	double end = now_ms() + ms;
	char *nl, *line;
	size_t n;

	for (;;) {
		if ((nl = memchr(c->buf, '\n', c->len)) != NULL) {
			n = (size_t)(nl - c->buf);
			line = malloc(n + 1);
			memcpy(line, c->buf, n);
			line[n] = '\0';
			memmove(c->buf, nl + 1, c->len - n - 1);
			c->len -= n + 1;
			return line;
		}
		if (now_ms() > end)
			return NULL;
		pump();
		if (!cli_fill(c) && c->len == 0)
			return NULL;
		if (memchr(c->buf, '\n', c->len) == NULL)
			usleep(200);
	}
}

static void
cli_close(struct cli *c)
{
	close(c->fd);
	free(c);
}

static int
line_has(const char *line, const char *what)
{
	return line != NULL && strstr(line, what) != NULL;
}

static void
test_queue(void)
{
	struct follow_q *q = follow_q_create(4);
	char buf[32], *l;
	int i, order = 1;

	for (i = 1; i <= 10; i++) {
		snprintf(buf, sizeof(buf), "a%d\n", i);
		follow_q_push(q, buf);
	}
	is_int(follow_q_len(q), 4, "queue of 4 keeps 4 of 10");
	is_int(follow_q_skipped(q), 6, "and counts 6 skipped");
	for (i = 1; i <= 4; i++) {
		l = follow_q_pop(q);
		snprintf(buf, sizeof(buf), "a%d\n", i);
		if (l == NULL || strcmp(l, buf) != 0)
			order = 0;
		free(l);
	}
	ok(order, "the first four come out in order");
	l = follow_q_pop(q);
	ok(line_has(l, "\"stream\":\"skipped\"") &&
	    line_has(l, "\"skipped\":6"), "then a skipped line with 6");
	free(l);
	ok(follow_q_pop(q) == NULL, "then nothing");

	/* A gap between queued lines is reported where it happened. */
	follow_q_push(q, "b1\n");
	follow_q_push(q, "b2\n");
	follow_q_push(q, "b3\n");
	follow_q_push(q, "b4\n");
	follow_q_push(q, "b5\n");	/* dropped */
	free(follow_q_pop(q));		/* b1: room for one */
	follow_q_push(q, "b6\n");
	for (i = 0; i < 3; i++)
		free(follow_q_pop(q));	/* b2 b3 b4 */
	l = follow_q_pop(q);
	ok(line_has(l, "\"skipped\":1"), "a gap of 1 before b6");
	free(l);
	l = follow_q_pop(q);
	ok(l != NULL && strcmp(l, "b6\n") == 0, "then b6");
	free(l);
	is_int(follow_q_skipped(q), 7, "7 skipped in total");

	/* Shutdown drops the queue: queued lines and unreported gaps. */
	for (i = 0; i < 6; i++)
		follow_q_push(q, "c\n");	/* 4 queued, 2 lost */
	free(follow_q_pop(q));
	is_int(follow_q_drop(q), 5, "drop: 3 queued + a gap of 2 are lost");
	is_int(follow_q_skipped(q), 12, "the total counts the dropped lines");
	ok(follow_q_pop(q) == NULL, "nothing left after the drop");
	follow_q_free(q);
}

static struct json_object *
make_alert(int i)
{
	char s[512];

	snprintf(s, sizeof(s), "{\"id\":%d,\"name\":\"migration.stalled\","
	    "\"state\":\"firing\",\"severity\":\"warning\",\"node\":\"cmp1\","
	    "\"vm_uuid\":\"0b7e6a55-3c1f-4a7e-9d61-2f2d8f0c9a11\","
	    "\"migration_id\":\"cmp1/1234/1\",\"t_ns\":%d,"
	    "\"message\":\"dirty pages stopped falling for 5 rounds\"}", i, i);
	return json_tokener_parse(s);
}

static int done_called;
static double times[NALERTS];

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
done_cb(void *arg)
{
	done_called++;
}

/* Counts alerts and skipped lines until the end object (or timeout). */
static void
drain_stream(struct cli *c, long *alerts, long *skipped, int *ended,
    long *end_skipped)
{
	char *l, *p;

	while ((l = cli_line(c, 3000)) != NULL) {
		if (line_has(l, "\"stream\":\"alert\""))
			(*alerts)++;
		else if ((p = strstr(l, "\"skipped\":")) != NULL &&
		    line_has(l, "\"stream\":\"skipped\""))
			*skipped += atol(p + 10);
		else if (line_has(l, "\"stream\":\"end\"")) {
			*ended = 1;
			if ((p = strstr(l, "\"skipped_total\":")) != NULL)
				*end_skipped = atol(p + 16);
			free(l);
			break;
		}
		free(l);
	}
}

static void
test_socket(const char *path, struct store *store)
{
	struct ctl_env env;
	struct ctl_conf cc;
	struct ctl *ctl;
	struct cli *slow, *fast, *bad, *good, *half;
	struct json_object *a, *st;
	char *l, *big;
	long fast_alerts = 0, slow_alerts = 0, slow_skipped = 0, x = 0;
	long end_skipped = -1, got;
	double t0, t, worst = 0, total = 0;
	int i, ended = 0, fast_ended = 0, fast_skip_lines = 0;

	memset(&env, 0, sizeof(env));
	memset(&cc, 0, sizeof(cc));
	env.store = store;
	cc.path = path;
	base = event_base_new();
	ctl = ctl_create(base, &cc, &env);
	ok(ctl != NULL && env.ctl == ctl, "control socket created");
	ok(ctl_create(base, &cc, &env) == NULL,
	    "a second aggregator on the same socket is refused");
	env.ctl = ctl;

	good = cli_connect(path);
	cli_send(good, "{\"cmd\":\"nodes\"}\n", 16);
	l = cli_line(good, 2000);
	ok(line_has(l, "\"ok\":true") && line_has(l, "cmp1"),
	    "nodes over the socket");
	free(l);

	/* An over-long line: one error, then the connection goes on. */
	big = malloc(70001);
	memset(big, 'x', 70000);
	big[70000] = '\n';
	cli_send(good, big, 70001);
	free(big);
	cli_send(good, "{\"cmd\":\"status\"}\n", 17);
	l = cli_line(good, 2000);
	ok(line_has(l, "\"ok\":false") && line_has(l, "longer than 65536"),
	    "a 70000-byte line gets one error object");
	free(l);
	l = cli_line(good, 2000);
	ok(line_has(l, "\"ok\":true") && line_has(l, "\"aggregator\""),
	    "and the next request on that connection is answered");
	free(l);

	/* Garbage on one connection does not disturb another. */
	bad = cli_connect(path);
	cli_send(bad, "\x01\x02\xff garbage\n{{{{\n\n", 18);
	l = cli_line(bad, 2000);
	ok(line_has(l, "\"ok\":false") && line_has(l, "not JSON"),
	    "binary garbage: error object");
	free(l);
	l = cli_line(bad, 2000);
	ok(line_has(l, "\"ok\":false"), "second bad line: error object");
	free(l);
	cli_send(good, "{\"cmd\":\"alerts\"}\n", 17);
	l = cli_line(good, 2000);
	ok(line_has(l, "\"ok\":true"), "the other client is still served");
	free(l);

	/* The last request may come without newline before a half-close. */
	half = cli_connect(path);
	cli_send(half, "{\"cmd\":\"nodes\"}", 15);
	shutdown(half->fd, SHUT_WR);
	l = cli_line(half, 2000);
	ok(line_has(l, "\"ok\":true"), "half-closed client gets its answer");
	free(l);
	cli_close(half);

	slow = cli_connect(path);
	fast = cli_connect(path);
	cli_send(slow, "{\"cmd\":\"alerts follow\"}\n", 24);
	l = cli_line(slow, 2000);
	ok(line_has(l, "\"stream\":\"start\"") && line_has(l, "\"following\""),
	    "slow follower: start object");
	free(l);
	cli_send(fast, "{\"cmd\":\"follow\",\"tag\":\"f\"}\n", 27);
	l = cli_line(fast, 2000);
	ok(line_has(l, "\"stream\":\"start\"") && line_has(l, "\"tag\":\"f\""),
	    "fast follower: start object with its tag");
	free(l);
	st = ctl_stats(ctl);
	is_int(json_object_get_int(json_object_object_get(st, "followers")), 2,
	    "two followers");
	json_object_put(st);

	for (i = 0; i < NALERTS; i++) {
		a = make_alert(i);
		t0 = now_ms();
		ctl_alert(ctl, a);
		t = now_ms() - t0;
		total += t;
		times[i] = t;
		if (t > worst)
			worst = t;
		json_object_put(a);
		if (i % 100 == 99) {
			/* The fast follower reads the batch before the next. */
			got = 0;
			while (got < 100 && (l = cli_line(fast, 2000)) != NULL) {
				if (line_has(l, "\"stream\":\"alert\""))
					got++;
				else if (line_has(l, "skipped"))
					fast_skip_lines++;
				free(l);
			}
			fast_alerts += got;
		}
	}
	qsort(times, NALERTS, sizeof(times[0]), cmp_double);
	diag("ctl_alert: %d alerts, mean %.4f ms, p99 %.3f ms, p99.9 %.3f ms, "
	    "worst %.3f ms (preempted calls on a busy machine)", NALERTS,
	    total / NALERTS, times[NALERTS - NALERTS / 100],
	    times[NALERTS - NALERTS / 1000], worst);
	ok(times[NALERTS - NALERTS / 100] < 5, "ctl_alert never blocks on "
	    "the slow follower (p99 %.3f ms)", times[NALERTS - NALERTS / 100]);
	is_int(fast_alerts, NALERTS, "the fast follower got every alert");
	is_int(fast_skip_lines, 0, "and no skipped line");

	/* The garbage client is still answered while the slow one is stuck. */
	cli_send(bad, "{\"cmd\":\"status\"}\n", 17);
	t0 = now_ms();
	l = cli_line(bad, 2000);
	ok(line_has(l, "\"ok\":true"), "a request is answered while a follower "
	    "is stuck (%.2f ms)", now_ms() - t0);
	free(l);

	ok(ctl_shutdown(ctl, "test over", done_cb, NULL) > 0,
	    "shutdown waits for connections to drain");
	drain_stream(slow, &slow_alerts, &slow_skipped, &ended, &end_skipped);
	diag("slow follower: %ld alerts, %ld skipped", slow_alerts,
	    slow_skipped);
	ok(slow_skipped > 0 && slow_alerts < NALERTS,
	    "the slow follower lost alerts and was told so");
	is_int(slow_alerts + slow_skipped, NALERTS,
	    "received + skipped = every alert");
	ok(ended && end_skipped == slow_skipped,
	    "its stream ends with an end object carrying the skipped total");
	drain_stream(fast, &x, &x, &fast_ended, &x);
	ok(fast_ended, "the fast stream ends with an end object too");
	l = cli_line(good, 2000);
	ok(l == NULL, "a request connection is closed at shutdown");
	free(l);
	for (i = 0; i < 100 && !done_called; i++) {
		pump();
		usleep(1000);
	}
	is_int(done_called, 1, "done runs once every connection is gone");
	ok(access(path, F_OK) == -1, "the socket file is removed");

	cli_close(slow);
	cli_close(fast);
	cli_close(bad);
	cli_close(good);
	ctl_destroy(ctl);
	event_base_free(base);
}

/* The highest descriptor open in this process. */
static int
highest_fd(void)
{
	char path[64];
	int fd, top = 0;

	for (fd = 0; fd < 65536; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (access(path, F_OK) == 0)
			top = fd;
	}
	return top;
}

/* A request on a fresh connection and its answer line (caller frees). */
static char *
ask(const char *path, const char *req, struct cli **keep)
{
	struct cli *c = cli_connect(path);
	char *l;

	cli_send(c, req, strlen(req));
	l = cli_line(c, 2000);
	if (keep != NULL)
		*keep = c;
	else
		cli_close(c);
	return l;
}

static void
test_limits(const char *dir)
{
	static struct cli *many[CTL_CLIENTS_MAX + 8];
	struct ctl_env env;
	struct ctl_conf cc;
	struct ctl *ctl;
	struct cli *ro, *idle, *f, *c;
	struct json_object *a, *st;
	struct rlimit rl, saved;
	struct stat sb;
	char full[128], rop[128], *l;
	int fill[4096], nfill = 0, fd, i, m0 = 0, m1 = 0;
	unsigned spares;
	double t0, t;

	snprintf(full, sizeof(full), "%s/full.sock", dir);
	snprintf(rop, sizeof(rop), "%s/ro.sock", dir);
	memset(&env, 0, sizeof(env));
	memset(&cc, 0, sizeof(cc));
	env.store = NULL;
	cc.path = full;
	cc.ro_path = rop;
	cc.idle_ms = 400;
	base = event_base_new();
	ok(fdbudget_init(4) == 0 && fdbudget_spares() == 4,
	    "a reserve of 4 spare descriptors");
	ctl = ctl_create(base, &cc, &env);
	ok(ctl != NULL, "the control socket and the read-only one");
	if (stat(full, &sb) == 0)
		m0 = sb.st_mode & 07777;
	if (stat(rop, &sb) == 0)
		m1 = sb.st_mode & 07777;
	ok(m0 == 0660 && m1 == 0666, "modes 0660 and 0666 (got %04o, %04o)",
	    m0, m1);

	l = ask(rop, "{\"cmd\":\"help\"}\n", &ro);
	ok(line_has(l, "\"ok\":true"), "the read-only socket answers help");
	free(l);
	cli_send(ro, "{\"cmd\":\"alert ack\",\"args\":{\"id\":1}}\n", 36);
	l = cli_line(ro, 2000);
	ok(line_has(l, "\"ok\":false") && line_has(l, "read-only control "
	    "socket") && line_has(l, "alert ack"),
	    "alert ack there: a clear error");
	diag("  %s", l ? l : "(nothing)");
	free(l);
	cli_send(ro, "{\"cmd\":\"ack\",\"args\":{\"id\":1}}\n", 30);
	l = cli_line(ro, 2000);
	ok(line_has(l, "read-only"), "and by its alias");
	free(l);
	cli_send(ro, "{\"cmd\":\"follow\",\"tag\":1}\n", 27);
	l = cli_line(ro, 2000);
	ok(line_has(l, "\"stream\":\"start\""),
	    "a reading command there (alerts follow) runs");
	free(l);
	st = ctl_stats(ctl);
	is_int(json_object_get_int(json_object_object_get(st, "clients_ro")), 1,
	    "status counts the read-only client");
	json_object_put(st);
	cli_close(ro);

	/* Idle clients go; followers stay. */
	idle = cli_connect(full);
	l = ask(full, "{\"cmd\":\"follow\"}\n", &f);
	free(l);
	t0 = now_ms();
	l = cli_line(idle, 3000);
	t = now_ms() - t0;
	ok(l == NULL && t >= 300 && t < 2000,
	    "a silent client is closed after the idle timeout (400 ms: %.0f ms)",
	    t);
	free(l);
	cli_close(idle);
	a = make_alert(1);
	ctl_alert(ctl, a);
	json_object_put(a);
	l = cli_line(f, 2000);
	ok(line_has(l, "\"stream\":\"alert\""),
	    "a follower silent as long is not closed");
	free(l);

	/* The client limit: the idle ones make room. */
	for (i = 0; i < CTL_CLIENTS_MAX + 8; i++)
		many[i] = cli_connect(full);
	l = ask(full, "{\"cmd\":\"help\"}\n", NULL);
	st = ctl_stats(ctl);
	ok(line_has(l, "\"ok\":true") && json_object_get_int(
	    json_object_object_get(st, "clients")) <= CTL_CLIENTS_MAX,
	    "%d idle clients: a new one is answered, at most %d connected",
	    CTL_CLIENTS_MAX + 8, CTL_CLIENTS_MAX);
	ok(json_object_get_int(json_object_object_get(st, "evicted")) >= 8,
	    "the idle ones were closed to make room (%d)",
	    json_object_get_int(json_object_object_get(st, "evicted")));
	json_object_put(st);
	free(l);
	for (i = 0; i < CTL_CLIENTS_MAX + 8; i++)
		cli_close(many[i]);
	for (i = 0; i < 50; i++)
		pump();

	/*
	 * Every descriptor taken (as 1,013 idle agents did): one freed for
	 * this client's own end, the aggregator's end comes from the reserve.
	 */
	getrlimit(RLIMIT_NOFILE, &saved);
	rl = saved;
	rl.rlim_cur = (rlim_t)highest_fd() + 64;
	setrlimit(RLIMIT_NOFILE, &rl);
	while (nfill < 4096 && (fd = open("/dev/null", O_RDONLY)) != -1)
		fill[nfill++] = fd;
	close(fill[--nfill]);
	spares = fdbudget_spares();	/* the follower holds one */
	c = cli_connect(full);
	cli_send(c, "{\"cmd\":\"help\"}\n", 15);
	l = cli_line(c, 2000);
	ok(line_has(l, "\"ok\":true") && fdbudget_spares() == spares - 1,
	    "no descriptor left: a client is still answered, on a spare (%u "
	    "of %u left)", fdbudget_spares(), spares);
	free(l);
	cli_close(c);
	for (i = 0; i < 1000 && fdbudget_spares() < spares; i++) {
		pump();
		usleep(1000);
	}
	is_int(fdbudget_spares(), spares,
	    "its descriptor went back to the reserve");
	while (nfill > 0)
		close(fill[--nfill]);
	/* Ingest's side: a connection within the headroom is turned away. */
	fd = open("/dev/null", O_RDONLY);
	ok(fdbudget_admit(fd) == fd, "an agent's descriptor far below the "
	    "limit is admitted");
	close(fd);
	setrlimit(RLIMIT_NOFILE, &saved);
	fd = open("/dev/null", O_RDONLY);
	i = dup2(fd, (int)fdbudget_limit() - 10);
	close(fd);
	errno = 0;
	ok(i != -1 && fdbudget_admit(i) == -1 && errno == EMFILE &&
	    fcntl(i, F_GETFD) == -1, "one 10 short of the limit (%u) is "
	    "closed, EMFILE", fdbudget_limit());
	ok(fdbudget_admit(-1) == -1, "a failed accept passes through");

	cli_close(f);
	ctl_destroy(ctl);
	ok(access(full, F_OK) == -1 && access(rop, F_OK) == -1,
	    "both socket files removed");
	fdbudget_fini();
	event_base_free(base);
}

int
main(void)
{
	char dir[] = "/tmp/test_ctl_XXXXXX", path[128];
	struct store *store;

	signal(SIGPIPE, SIG_IGN);
	plan(35 + 18);
	test_queue();
	if (mkdtemp(dir) == NULL)
		return 1;
	/* A real store on a temporary file, with one node said hello. */
	snprintf(path, sizeof(path), "%s/store.db", dir);
	if ((store = store_open(path)) == NULL ||
	    store_node_hello(store, "cmp1", "test", clock_wall_ns(),
	    clock_wall_ns()) == -1) {
		diag("cannot open a store in %s", dir);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/ctl.sock", dir);
	test_socket(path, store);
	test_limits(dir);
	store_close(store);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		diag("cannot remove %s", dir);
	return exit_status();
}
