/*
 * strata-qemu-bridge.c: turn the output of QEMU's `log` trace backend into
 * the qemu:* lttng-ust events a QEMU built with the ust backend would emit.
 *
 * Stock distribution QEMU (Debian 12: 7.2) only has the log backend
 * (`-trace events=FILE,file=LOG`).  The bridge parses LOG with
 * qemu_log_parse(), re-emits every event Strata consumes through the
 * providers of qemu_tp.h (QEMU 7.2 layout), QEMU's error and warning lines
 * as strata:qemu_log, and announces which VM the events belong to with
 * strata:vm_identity (at start, whenever the QEMU pid becomes known, and
 * every 5 s).  Without --follow it replays a finished log with its
 * original pacing; with --follow it tails a growing one until SIGINT or
 * SIGTERM.  Bad lines are counted, reported and skipped.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "emit_ev.h"
#include "clock.h"
#include "ev.h"
#include "log.h"
#include "qemu_log.h"

#define IDENT_PERIOD_NS		(5ULL * 1000000000ULL)
#define FOLLOW_POLL_MS		100
#define PRESCAN_LINES		10000
#define MAX_SKIP_REPORTS	10

struct bridge {
	const char		*path;
	int			 follow;
	double			 speed;		/* 0: no sleeping */
	const char		*opt_uuid, *opt_name;
	char			 uuid[128];	/* resolved identity */
	char			 name[256];
	int			 ident_done;	/* uuid/name resolved */

	struct qemu_log_parser	 qp;
	struct emit_ev_stats	 st;
	uint64_t		 lineno;
	uint64_t		 idents;

	/* Pacing: trace time base_t_ns is due at wall time t0. */
	struct timespec		 t0;
	uint64_t		 base_t_ns;
	uint64_t		 next_ident_ns;	/* trace or wall time */
	int			 next_is_trace;	/* next_ident_ns is trace time */
	int64_t			 ident_pid;	/* pid last announced, -1 */
};

static volatile sig_atomic_t quit;

static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static void
usage(void)
{
	fprintf(stderr, "usage: strata-qemu-bridge [--follow] [--speed X] "
	    "[--vm-uuid U] [--vm-name N] [--qemu-pid PID] [--linger MS] "
	    "FILE\n");
	exit(2);
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* The pid of the first trace line in the file's current content, or -1. */
static int64_t
prescan_pid(const char *path)
{
	struct qemu_log_parser qp;
	struct ev ev;
	char *line = NULL;
	size_t cap = 0;
	int64_t pid = -1;
	unsigned n = 0;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	if (qemu_log_parser_init(&qp) == -1) {
		fclose(fp);
		return -1;
	}
	while (pid < 0 && n++ < PRESCAN_LINES &&
	    getline(&line, &cap, fp) != -1)
		if (qemu_log_parse(&qp, line, &ev) == QLOG_EVENT && ev.vtid >= 0)
			pid = qp.pid;
	free(line);
	qemu_log_parser_free(&qp);
	fclose(fp);
	return pid;
}

/* A local process that has path open (QEMU writing its log), or -1. */
static int64_t
pid_with_file_open(const char *path)
{
	char real[PATH_MAX], link[PATH_MAX], fddir[300], fdpath[PATH_MAX];
	struct dirent *pd, *fd;
	DIR *proc, *fds;
	ssize_t n;
	int64_t pid = -1;

	if (realpath(path, real) == NULL || (proc = opendir("/proc")) == NULL)
		return -1;
	while (pid < 0 && (pd = readdir(proc)) != NULL) {
		if (!isdigit((unsigned char)pd->d_name[0]) ||
		    atoll(pd->d_name) == getpid())
			continue;
		snprintf(fddir, sizeof(fddir), "/proc/%s/fd", pd->d_name);
		if ((fds = opendir(fddir)) == NULL)
			continue;
		while ((fd = readdir(fds)) != NULL) {
			snprintf(fdpath, sizeof(fdpath), "%s/%s", fddir,
			    fd->d_name);
			n = readlink(fdpath, link, sizeof(link) - 1);
			if (n <= 0)
				continue;
			link[n] = '\0';
			if (strcmp(link, real) == 0) {
				pid = atoll(pd->d_name);
				break;
			}
		}
		closedir(fds);
	}
	closedir(proc);
	return pid;
}

/*
 * Copies the guest name of QEMU's -name option to out: "guest=N,..." or
 * "N,..." (the first element without a key); ",," is a literal comma.
 */
static void
qemu_name_opt(const char *v, char *out, size_t outsz)
{
	char elem[256];
	const char *p = v;
	size_t o;
	int first;

	for (first = 1; *p != '\0'; first = 0) {
		for (o = 0; *p != '\0'; p++) {
			if (*p == ',' && p[1] != ',')
				break;
			if (*p == ',')
				p++;
			if (o + 1 < sizeof(elem))
				elem[o++] = *p;
		}
		elem[o] = '\0';
		if (*p == ',')
			p++;
		if (strncmp(elem, "guest=", 6) == 0) {
			snprintf(out, outsz, "%s", elem + 6);
			return;
		}
		if (first && strchr(elem, '=') == NULL)
			snprintf(out, outsz, "%s", elem);
	}
}

/* Fills uuid/name from QEMU's command line when pid is a local QEMU. */
static void
ident_from_cmdline(struct bridge *br, int64_t pid)
{
	char path[64], buf[65536], uuid[128] = "", name[256] = "";
	const char *arg, *next, *end;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%" PRId64 "/cmdline", pid);
	if ((fd = open(path, O_RDONLY)) == -1)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	end = buf + n;
	if (strstr(buf, "qemu") == NULL)	/* argv[0]: not QEMU, pid reused */
		return;
	for (arg = buf; arg < end; arg = next) {
		next = arg + strlen(arg) + 1;
		if (next >= end)
			break;
		if (strcmp(arg, "-uuid") == 0 || strcmp(arg, "--uuid") == 0)
			snprintf(uuid, sizeof(uuid), "%s", next);
		else if (strcmp(arg, "-name") == 0 || strcmp(arg, "--name") == 0)
			qemu_name_opt(next, name, sizeof(name));
	}
	if (br->opt_uuid == NULL && uuid[0] != '\0')
		snprintf(br->uuid, sizeof(br->uuid), "%s", uuid);
	if (br->opt_name == NULL && name[0] != '\0')
		snprintf(br->name, sizeof(br->name), "%s", name);
	log_debug("pid %" PRId64 ": uuid \"%s\" name \"%s\"", pid, uuid, name);
}

static void
emit_identity(struct bridge *br)
{
	struct ev ev;

	if (br->qp.pid < 0)
		return;
	if (br->ident_pid != br->qp.pid) {
		if (br->opt_uuid == NULL && br->opt_name == NULL)
			br->uuid[0] = br->name[0] = '\0';
		ident_from_cmdline(br, br->qp.pid);
		br->ident_pid = br->qp.pid;
	}
	memset(&ev, 0, sizeof(ev));
	ev.name = "strata:vm_identity";
	ev_add_int(&ev, "qemu_pid", br->qp.pid);
	ev_add_str(&ev, "vm_uuid", br->uuid);
	ev_add_str(&ev, "vm_name", br->name);
	/* Following a live QEMU is real time, whatever --speed says. */
	ev_add_int(&ev, "speed_x1000", br->follow ? 1000 :
	    (int64_t)(br->speed * 1000 + 0.5));
	emit_ev(&br->st, &ev);
	br->idents++;
}

/* Replay: sleeps until trace time t_ns is due at the chosen speed. */
static void
pace(struct bridge *br, uint64_t t_ns)
{
	struct timespec due;
	double ns;

	if (br->follow || br->speed <= 0 || t_ns == 0)
		return;
	if (br->base_t_ns == 0) {
		br->base_t_ns = t_ns;
		clock_gettime(CLOCK_MONOTONIC, &br->t0);
		return;
	}
	if (t_ns <= br->base_t_ns)
		return;
	ns = (double)(t_ns - br->base_t_ns) / br->speed;
	due.tv_sec = br->t0.tv_sec + (time_t)(ns / 1e9);
	due.tv_nsec = br->t0.tv_nsec +
	    (long)(ns - (double)(time_t)(ns / 1e9) * 1e9);
	if (due.tv_nsec >= 1000000000L) {
		due.tv_sec++;
		due.tv_nsec -= 1000000000L;
	}
	while (!quit && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due,
	    NULL) == EINTR)
		;
}

/*
 * Identity at start, when the pid appears or changes, and every 5 s of
 * trace time (replay) or wall time (follow, or lines without timestamps).
 */
static void
maybe_identity(struct bridge *br, uint64_t t_ns)
{
	int trace = !br->follow && t_ns != 0;
	uint64_t now = trace ? t_ns : clock_mono_ns();

	if (br->qp.pid < 0)
		return;
	if (br->ident_pid != br->qp.pid) {
		emit_identity(br);
		br->next_ident_ns = now + IDENT_PERIOD_NS;
		br->next_is_trace = trace;
		return;
	}
	if (trace != br->next_is_trace) {
		br->next_ident_ns = now + IDENT_PERIOD_NS;
		br->next_is_trace = trace;
		return;
	}
	if (now >= br->next_ident_ns) {
		emit_identity(br);
		br->next_ident_ns = now + IDENT_PERIOD_NS;
	}
}

static void
feed_line(struct bridge *br, const char *line)
{
	struct ev ev;
	int r;

	br->lineno++;
	r = qemu_log_parse(&br->qp, line, &ev);
	if (r == QLOG_SKIP) {
		if (br->qp.n_skipped <= MAX_SKIP_REPORTS)
			log_warnx("%s:%" PRIu64 ": skipped: %s", br->path,
			    br->lineno, br->qp.skip_reason);
		return;
	}
	if (r != QLOG_EVENT)
		return;
	pace(br, ev.t_ns);
	maybe_identity(br, ev.t_ns);
	emit_ev(&br->st, &ev);
}

/*
 * Splits buf[0..*len) into lines and keeps a partial last line for later.
 * An interrupted replay stops at once; a follow finishes what it read.
 */
static void
feed_buffer(struct bridge *br, char *buf, size_t *len)
{
	char *p = buf, *nl;
	size_t left = *len;

	while ((nl = memchr(p, '\n', left)) != NULL) {
		if (quit && !br->follow) {
			left = 0;
			break;
		}
		*nl = '\0';
		feed_line(br, p);
		left -= nl + 1 - p;
		p = nl + 1;
	}
	memmove(buf, p, left);
	*len = left;
}

/*
 * Opens the log; when following, waits for QEMU to create it.  Learns the
 * QEMU pid before the first line (often a warning printed before any
 * trace line): from the first trace line already in the file, else from
 * the local process that has the file open.
 */
static int
open_log(struct bridge *br)
{
	int64_t pid;
	int fd, waited = 0;

	while ((fd = open(br->path, O_RDONLY)) == -1) {
		if (!br->follow || errno != ENOENT || quit) {
			log_warn("%s", br->path);
			return -1;
		}
		if (!waited++)
			log_info("%s: waiting for the file to appear", br->path);
		sleep_ms(FOLLOW_POLL_MS);
	}
	if (br->qp.pid < 0) {
		if ((pid = prescan_pid(br->path)) < 0)
			pid = pid_with_file_open(br->path);
		if (pid > 0)
			qemu_log_parser_set_pid(&br->qp, pid);
		log_debug("QEMU pid %" PRId64, pid);
	}
	return fd;
}

static int
run(struct bridge *br)
{
	struct stat st_fd, st_path;
	char *buf = NULL, *nb;
	size_t len = 0, cap = 0;
	off_t pos = 0;
	ssize_t n;
	int fd = -1, rv = -1;

	if (strcmp(br->path, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open_log(br)) == -1)
		return quit ? 0 : -1;
	maybe_identity(br, 0);
	for (;;) {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 131072;
			if ((nb = realloc(buf, cap)) == NULL) {
				log_warn("%s", __func__);
				goto done;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n == -1 && errno == EINTR) {
			if (quit)
				break;
			continue;
		}
		if (n == -1) {
			log_warn("read %s", br->path);
			goto done;
		}
		if (n > 0) {
			pos += n;
			len += n;
			feed_buffer(br, buf, &len);
			if (quit)
				break;
			continue;
		}
		/* End of file. */
		if (!br->follow || quit)
			break;
		if (fd != STDIN_FILENO && fstat(fd, &st_fd) == 0) {
			if (st_fd.st_size < pos) {
				log_warnx("%s: truncated, reading from the "
				    "start", br->path);
				lseek(fd, 0, SEEK_SET);
				pos = 0;
				len = 0;
				continue;
			}
			if (stat(br->path, &st_path) == 0 &&
			    (st_path.st_ino != st_fd.st_ino ||
			    st_path.st_dev != st_fd.st_dev)) {
				log_warnx("%s: replaced, reopening", br->path);
				close(fd);
				if ((fd = open(br->path, O_RDONLY)) == -1) {
					log_warn("%s", br->path);
					goto done;
				}
				pos = 0;
				continue;
			}
		}
		maybe_identity(br, 0);
		sleep_ms(FOLLOW_POLL_MS);
		if (quit)
			break;
	}
	/*
	 * A last line without its newline: the end of a finished file is
	 * parsed; when following, QEMU is still writing it, so it is dropped
	 * (counted as skipped) rather than parsed half-written.
	 */
	if (len > 0 && !br->follow && !quit) {
		buf[len] = '\0';
		feed_line(br, buf);
	} else if (len > 0 && br->follow) {
		br->lineno++;
		br->qp.n_lines++;
		br->qp.n_skipped++;
		log_warnx("%s:%" PRIu64 ": skipped: unterminated last line "
		    "(%zu bytes)", br->path, br->lineno, len);
	}
	rv = 0;
 done:
	free(buf);
	if (fd != -1 && fd != STDIN_FILENO)
		close(fd);
	return rv;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "follow",	no_argument,		NULL, 'f' },
		{ "speed",	required_argument,	NULL, 's' },
		{ "vm-uuid",	required_argument,	NULL, 'u' },
		{ "vm-name",	required_argument,	NULL, 'n' },
		{ "qemu-pid",	required_argument,	NULL, 'p' },
		{ "linger",	required_argument,	NULL, 'g' },
		{ "debug",	no_argument,		NULL, 'd' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	struct bridge br;
	struct sigaction sa;
	char *end;
	long linger_ms = 100, l;
	int64_t pid = -1;
	int ch, debug = 0, rv;

	memset(&br, 0, sizeof(br));
	br.speed = 1;
	br.ident_pid = -1;
	while ((ch = getopt_long(argc, argv, "fs:u:n:p:g:dh", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'f':
			br.follow = 1;
			break;
		case 's':
			br.speed = strtod(optarg, &end);
			if (*end != '\0' || br.speed < 0)
				usage();
			break;
		case 'u':
			br.opt_uuid = optarg;
			break;
		case 'n':
			br.opt_name = optarg;
			break;
		case 'p':
		case 'g':
			l = strtol(optarg, &end, 10);
			if (*end != '\0' || l < 0 || (ch == 'p' && l == 0))
				usage();
			if (ch == 'p')
				pid = l;
			else
				linger_ms = l;
			break;
		case 'd':
			debug = 1;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1)
		usage();
	br.path = argv[optind];
	log_init("strata-qemu-bridge", 1, debug);
	if (br.opt_uuid != NULL)
		snprintf(br.uuid, sizeof(br.uuid), "%s", br.opt_uuid);
	if (br.opt_name != NULL)
		snprintf(br.name, sizeof(br.name), "%s", br.opt_name);
	if (qemu_log_parser_init(&br.qp) == -1)
		fatal("qemu_log_parser_init");

	if (pid > 0)
		qemu_log_parser_set_pid(&br.qp, pid);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;		/* no SA_RESTART: wake reads */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	rv = run(&br);
	if (linger_ms > 0 && !quit)
		sleep_ms(linger_ms);
	fprintf(stderr, "strata-qemu-bridge: %s: %" PRIu64 " lines, %" PRIu64
	    " events (%" PRIu64 " QEMU messages), %" PRIu64 " emitted, %"
	    PRIu64 " not emittable (trace events Strata does not use), %"
	    PRIu64 " skipped, %" PRIu64 " vm_identity, qemu pid %" PRId64
	    "\n", br.path, br.qp.n_lines, br.qp.n_events, br.qp.n_messages,
	    br.st.emitted - br.idents, br.st.unknown, br.qp.n_skipped,
	    br.idents, br.qp.pid);
	qemu_log_parser_free(&br.qp);
	return rv == 0 ? 0 : 1;
}
