/*
 * strata-emit.c: replay scenario files as real lttng-ust events.
 *
 * A scenario is a timeline of QEMU trace events (qemu:* with the
 * trace-events field names, newer-QEMU layout of migrate_transferred) and
 * Strata events; strata-emit fires them through the providers of qemu_tp.h
 * with the scenario's pacing (or faster), announcing itself with
 * strata:vm_identity at start and every 5 s of trace time.  It feeds the
 * integration tests, the demo and the benchmark.  Format: docs/events.md.
 */
#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "emit_ev.h"
#include "ev.h"
#include "log.h"

#define IDENT_PERIOD_NS	(5ULL * 1000000000ULL)

struct scn_event {
	uint64_t	 delay_ns;	/* after the previous event */
	int		 tp;		/* emit_ev index */
	unsigned	 lineno;
	struct ev	 ev;		/* strings owned by the scenario */
};

struct scenario {
	char			*path;
	char			*vm_uuid;	/* directive, or NULL */
	char			*vm_name;
	struct scn_event	*evs;
	size_t			 nevs, cap;
	uint64_t		 dur_ns;
};

struct emitter {
	double			 speed;		/* 0: no sleeping */
	const char		*opt_uuid, *opt_name;
	const char		*cur_uuid, *cur_name;
	struct timespec		 t0;
	uint64_t		 trace_ns;	/* trace time reached */
	uint64_t		 next_ident_ns;
	uint64_t		 idents;
	struct emit_ev_stats	 st;
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
	fprintf(stderr, "usage: strata-emit [--speed X] [--vm-uuid U] "
	    "[--vm-name N] [--loop N] [--linger MS] [--at EPOCH] [--list] "
	    "SCENARIO...\n");
	exit(2);
}

/*
 * Next token at *pp: a bare word or a "quoted string" (\" and \\ escapes),
 * unquoted in place.  NULL at the end of the line or on an open quote.
 */
static char *
next_value(char **pp, int *bad)
{
	char *p = *pp, *out, *start;

	*bad = 0;
	if (*p == '"') {
		start = out = ++p;
		while (*p != '"') {
			if (*p == '\0') {
				*bad = 1;
				return NULL;
			}
			if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
				p++;
			*out++ = *p++;
		}
		p++;
		if (*p != '\0' && !isspace((unsigned char)*p)) {
			*bad = 1;
			return NULL;
		}
		*out = '\0';
	} else {
		start = p;
		while (*p != '\0' && !isspace((unsigned char)*p))
			p++;
		if (*p != '\0')
			*p++ = '\0';
		*pp = p;
		return start;
	}
	*pp = p;
	return start;
}

/* "+DELAY_MS" with an optional fraction, into ns. */
static int
parse_delay(const char *s, uint64_t *ns)
{
	uint64_t ms = 0, frac = 0, scale = 1000000;

	if (*s++ != '+' || !isdigit((unsigned char)*s))
		return -1;
	for (; isdigit((unsigned char)*s); s++) {
		if (ms > UINT64_MAX / 10000000000ULL)
			return -1;
		ms = ms * 10 + (*s - '0');
	}
	if (*s == '.') {
		for (s++; isdigit((unsigned char)*s); s++) {
			if (scale == 1)
				return -1;
			scale /= 10;
			frac += (uint64_t)(*s - '0') * scale;
		}
	}
	if (*s != '\0')
		return -1;
	*ns = ms * 1000000ULL + frac;
	return 0;
}

static int
parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno != 0 || *end != '\0' ? -1 : 0;
}

/*
 * "@pid" or "@pid+N": this process's pid (plus N).  The kernel events of a
 * replay (strata_kernel:*) name the emitter's own threads, as those of the
 * QEMU whose events it plays.
 */
static int
parse_self(const char *s, int64_t *v)
{
	char *end;
	long n = 0;

	if (strncmp(s, "@pid", 4) != 0)
		return -1;
	if (s[4] == '+') {
		errno = 0;
		n = strtol(s + 5, &end, 10);
		if (errno != 0 || *end != '\0' || n < 0 || n > 1000000)
			return -1;
	} else if (s[4] != '\0')
		return -1;
	*v = (int64_t)getpid() + n;
	return 0;
}

static int
parse_i64(const char *s, int64_t *v)
{
	char *end;

	if (*s == '@')
		return parse_self(s, v);
	if (*s != '-' && !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	*v = strtoll(s, &end, 10);
	return errno != 0 || *end != '\0' || *v < INT_MIN || *v > INT_MAX ?
	    -1 : 0;
}

static int
scn_add_event(struct scenario *s, char *line, unsigned lineno)
{
	struct scn_event *e;
	char *p = line, *tok, *key, *val, *eq;
	const char *fname;
	uint64_t u;
	int64_t i;
	int bad, type;

	if (s->nevs == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 64;
		struct scn_event *n = reallocarray(s->evs, ncap, sizeof(*n));

		if (n == NULL) {
			log_warn("%s", __func__);
			return -1;
		}
		s->evs = n;
		s->cap = ncap;
	}
	e = &s->evs[s->nevs];
	memset(e, 0, sizeof(*e));
	e->lineno = lineno;
	e->ev.vpid = e->ev.vtid = -1;

	tok = next_value(&p, &bad);
	if (tok == NULL || parse_delay(tok, &e->delay_ns) == -1) {
		log_warnx("%s:%u: bad delay \"%s\" (want +MS)", s->path,
		    lineno, tok ? tok : "");
		return -1;
	}
	p = conf_trim(p);
	if ((tok = next_value(&p, &bad)) == NULL || *tok == '\0') {
		log_warnx("%s:%u: event name missing", s->path, lineno);
		return -1;
	}
	if ((e->tp = emit_ev_lookup(tok)) == -1) {
		log_warnx("%s:%u: unknown event \"%s\"", s->path, lineno, tok);
		return -1;
	}
	e->ev.name = emit_ev_name(e->tp);
	for (;;) {
		p = conf_trim(p);
		if (*p == '\0')
			break;
		key = p;
		if ((eq = strchr(p, '=')) == NULL) {
			log_warnx("%s:%u: want key=value at \"%s\"", s->path,
			    lineno, key);
			return -1;
		}
		*eq = '\0';
		p = eq + 1;
		if ((val = next_value(&p, &bad)) == NULL) {
			log_warnx("%s:%u: unterminated string for %s", s->path,
			    lineno, key);
			return -1;
		}
		if ((type = emit_ev_field_type(e->tp, key, &fname)) == -1) {
			log_warnx("%s:%u: %s has no field \"%s\"", s->path,
			    lineno, e->ev.name, key);
			return -1;
		}
		if (ev_field(&e->ev, fname) != NULL) {
			log_warnx("%s:%u: field %s given twice", s->path,
			    lineno, fname);
			return -1;
		}
		if (type == EVF_UINT) {
			if (parse_u64(val, &u) == -1)
				goto badnum;
			ev_add_uint(&e->ev, fname, u);
		} else if (type == EVF_INT) {
			if (parse_i64(val, &i) == -1)
				goto badnum;
			ev_add_int(&e->ev, fname, i);
		} else {
			char *copy = strdup(val);

			if (copy == NULL) {
				log_warn("%s", __func__);
				return -1;
			}
			ev_add_str(&e->ev, fname, copy);
		}
	}
	/* Strata events default to this process. */
	if (strncmp(e->ev.name, "strata:", 7) == 0 &&
	    ev_field(&e->ev, "qemu_pid") == NULL)
		ev_add_int(&e->ev, "qemu_pid", getpid());
	s->dur_ns += e->delay_ns;
	s->nevs++;
	return 0;
 badnum:
	log_warnx("%s:%u: bad number %s=%s", s->path, lineno, key, val);
	return -1;
}

static void
scn_free(struct scenario *s)
{
	size_t i;
	unsigned j;

	for (i = 0; i < s->nevs; i++)
		for (j = 0; j < s->evs[i].ev.nfields; j++)
			if (s->evs[i].ev.f[j].type == EVF_STR)
				free((char *)s->evs[i].ev.f[j].v.s);
	free(s->evs);
	free(s->vm_uuid);
	free(s->vm_name);
	free(s->path);
	memset(s, 0, sizeof(*s));
}

static int
scn_directive(struct scenario *s, char *line, unsigned lineno)
{
	char *p = line, *key, *val, **dst;
	int bad;

	if ((key = next_value(&p, &bad)) == NULL)
		key = "";
	if (strcmp(key, "vm_uuid") == 0)
		dst = &s->vm_uuid;
	else if (strcmp(key, "vm_name") == 0)
		dst = &s->vm_name;
	else {
		log_warnx("%s:%u: unknown directive \"%s\"", s->path, lineno,
		    key);
		return -1;
	}
	p = conf_trim(p);
	if ((val = next_value(&p, &bad)) == NULL || *conf_trim(p) != '\0') {
		log_warnx("%s:%u: %s takes one value", s->path, lineno, key);
		return -1;
	}
	free(*dst);
	if ((*dst = strdup(val)) == NULL) {
		log_warn("%s", __func__);
		return -1;
	}
	return 0;
}

static int
scn_load(struct scenario *s, const char *path)
{
	FILE *fp;
	char *line = NULL, *p;
	size_t cap = 0;
	unsigned lineno = 0;
	int rv = -1;

	memset(s, 0, sizeof(*s));
	if ((s->path = strdup(path)) == NULL) {
		log_warn("%s", __func__);
		return -1;
	}
	if ((fp = fopen(path, "r")) == NULL) {
		log_warn("%s", path);
		goto fail;
	}
	while (getline(&line, &cap, fp) != -1) {
		lineno++;
		p = conf_trim(line);
		if (*p == '\0' || *p == '#')
			continue;
		if (*p == '+') {
			if (scn_add_event(s, p, lineno) == -1)
				goto fail;
		} else if (scn_directive(s, p, lineno) == -1)
			goto fail;
	}
	if (ferror(fp)) {
		log_warn("%s", path);
		goto fail;
	}
	rv = 0;
 fail:
	free(line);
	if (fp != NULL)
		fclose(fp);
	if (rv == -1)
		scn_free(s);
	return rv;
}

static void
print_event(FILE *out, uint64_t t_ns, const struct ev *ev)
{
	unsigned i;

	fprintf(out, "%10.3f %s", t_ns / 1e6, ev->name);
	for (i = 0; i < ev->nfields; i++) {
		const struct ev_field *f = &ev->f[i];

		if (f->type == EVF_UINT)
			fprintf(out, " %s=%" PRIu64, f->name, f->v.u);
		else if (f->type == EVF_INT)
			fprintf(out, " %s=%" PRId64, f->name, f->v.i);
		else
			fprintf(out, " %s=\"%s\"", f->name, f->v.s);
	}
	fputc('\n', out);
}

static void
list_tracepoints(void)
{
	const char *name;
	unsigned i, j;
	int t;

	printf("# tracepoints of strata-emit (%s layout)\n", emit_ev_layout());
	for (i = 0; i < emit_ev_count(); i++) {
		printf("%s", emit_ev_name(i));
		for (j = 0; (t = emit_ev_field(i, j, &name)) != -1; j++)
			printf(" %s:%s", name, t == EVF_UINT ? "u64" :
			    t == EVF_INT ? "int" : "string");
		putchar('\n');
	}
}

static void
emit_identity(struct emitter *em)
{
	struct ev ev;

	memset(&ev, 0, sizeof(ev));
	ev.name = "strata:vm_identity";
	ev_add_int(&ev, "qemu_pid", getpid());
	ev_add_str(&ev, "vm_uuid", em->cur_uuid);
	ev_add_str(&ev, "vm_name", em->cur_name);
	ev_add_int(&ev, "speed_x1000", (int64_t)(em->speed * 1000 + 0.5));
	emit_ev(&em->st, &ev);
	em->idents++;
}

/* Sleeps until trace time t_ns is due at the chosen speed. */
static void
pace(struct emitter *em, uint64_t t_ns)
{
	struct timespec due;
	double ns;

	if (em->speed <= 0)
		return;
	ns = (double)t_ns / em->speed;
	due.tv_sec = em->t0.tv_sec + (time_t)(ns / 1e9);
	due.tv_nsec = em->t0.tv_nsec + (long)(ns - (double)(time_t)(ns / 1e9) *
	    1e9);
	if (due.tv_nsec >= 1000000000L) {
		due.tv_sec++;
		due.tv_nsec -= 1000000000L;
	}
	while (!quit && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due,
	    NULL) == EINTR)
		;
}

static void
play(struct emitter *em, const struct scenario *s)
{
	const char *uuid, *name;
	size_t i;

	uuid = em->opt_uuid ? em->opt_uuid : s->vm_uuid ? s->vm_uuid : "";
	name = em->opt_name ? em->opt_name : s->vm_name ? s->vm_name : "";
	if (em->cur_uuid == NULL || strcmp(uuid, em->cur_uuid) != 0 ||
	    strcmp(name, em->cur_name) != 0) {
		em->cur_uuid = uuid;
		em->cur_name = name;
		pace(em, em->trace_ns);
		emit_identity(em);
		em->next_ident_ns = em->trace_ns + IDENT_PERIOD_NS;
	}
	for (i = 0; i < s->nevs && !quit; i++) {
		em->trace_ns += s->evs[i].delay_ns;
		pace(em, em->trace_ns);
		if (em->trace_ns >= em->next_ident_ns) {
			emit_identity(em);
			em->next_ident_ns = em->trace_ns -
			    em->trace_ns % IDENT_PERIOD_NS + IDENT_PERIOD_NS;
		}
		emit_ev_emit(&em->st, s->evs[i].tp, &s->evs[i].ev);
	}
}

/*
 * lttng-ust reads LTTNG_UST_ALLOW_BLOCKING in its constructor, before
 * main(): to let a channel created with --blocking-timeout make us wait
 * instead of discarding events, run ourselves again with it set.
 */
static void
reexec_blocking(char **argv)
{
	if (getenv("LTTNG_UST_ALLOW_BLOCKING") != NULL)
		return;
	if (setenv("LTTNG_UST_ALLOW_BLOCKING", "1", 1) == -1)
		return;
	execv("/proc/self/exe", argv);
	log_warn("execv /proc/self/exe");
	unsetenv("LTTNG_UST_ALLOW_BLOCKING");
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "speed",	required_argument,	NULL, 's' },
		{ "vm-uuid",	required_argument,	NULL, 'u' },
		{ "vm-name",	required_argument,	NULL, 'n' },
		{ "loop",	required_argument,	NULL, 'l' },
		{ "linger",	required_argument,	NULL, 'g' },
		{ "at",		required_argument,	NULL, 'a' },
		{ "list",	no_argument,		NULL, 'L' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	struct emitter em;
	struct scenario *scn = NULL;
	struct sigaction sa;
	struct timespec t1;
	char *end;
	long loops = 1, linger_ms = 100, l;
	double at = 0;
	int ch, nscn = 0, list = 0, i, rv = 1;
	double secs;
	uint64_t t_ns;
	size_t j;

	log_init("strata-emit", 1, 0);
	reexec_blocking(argv);
	memset(&em, 0, sizeof(em));
	em.speed = 1;
	while ((ch = getopt_long(argc, argv, "s:u:n:l:g:a:Lh", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'a':
			at = strtod(optarg, &end);
			if (*end != '\0' || at <= 0)
				usage();
			break;
		case 's':
			em.speed = strtod(optarg, &end);
			if (*end != '\0' || em.speed < 0)
				usage();
			break;
		case 'u':
			em.opt_uuid = optarg;
			break;
		case 'n':
			em.opt_name = optarg;
			break;
		case 'l':
		case 'g':
			l = strtol(optarg, &end, 10);
			if (*end != '\0' || l < 0 || (ch == 'l' && l < 1))
				usage();
			if (ch == 'l')
				loops = l;
			else
				linger_ms = l;
			break;
		case 'L':
			list = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		if (!list)
			usage();
		list_tracepoints();
		return 0;
	}
	if ((scn = calloc(argc, sizeof(*scn))) == NULL)
		fatal("calloc");
	for (i = 0; i < argc; i++, nscn++)
		if (scn_load(&scn[i], argv[i]) == -1)
			goto done;
	if (list) {
		for (i = 0, t_ns = 0; i < nscn; i++) {
			printf("# %s: %zu events, %.3f s\n", scn[i].path,
			    scn[i].nevs, scn[i].dur_ns / 1e9);
			for (j = 0; j < scn[i].nevs; j++) {
				t_ns += scn[i].evs[j].delay_ns;
				print_event(stdout, t_ns, &scn[i].evs[j].ev);
			}
		}
		rv = 0;
		goto done;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	/*
	 * --at: the scenario's time 0 is this wall-clock time (seconds since
	 * the epoch), so that emitters of several nodes play in step.
	 */
	if (at > 0) {
		struct timespec due;

		due.tv_sec = (time_t)at;
		due.tv_nsec = (long)((at - (double)due.tv_sec) * 1e9);
		while (!quit && clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME,
		    &due, NULL) == EINTR)
			;
	}
	clock_gettime(CLOCK_MONOTONIC, &em.t0);
	for (l = 0; l < loops && !quit; l++)
		for (i = 0; i < nscn && !quit; i++)
			play(&em, &scn[i]);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - em.t0.tv_sec) + (t1.tv_nsec - em.t0.tv_nsec) / 1e9;

	/*
	 * Records are already in the consumer's shared-memory buffers; the
	 * session daemon flushes per-PID buffers when we unregister and
	 * per-UID buffers outlive us.  The linger only keeps /proc/PID alive
	 * a moment for readers that resolve our pid (docs/events.md).
	 */
	if (linger_ms > 0 && !quit) {
		struct timespec ts = { linger_ms / 1000,
		    (linger_ms % 1000) * 1000000L };

		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "strata-emit: %" PRIu64 " events (%" PRIu64
	    " vm_identity) in %.3f s = %.0f events/s, trace time %.3f s, "
	    "%" PRIu64 " missing fields, layout %s%s\n", em.st.emitted,
	    em.idents, secs, secs > 0 ? em.st.emitted / secs : 0.0,
	    em.trace_ns / 1e9, em.st.missing, emit_ev_layout(),
	    quit ? ", interrupted" : "");
	rv = 0;
 done:
	for (i = 0; i < nscn; i++)
		scn_free(&scn[i]);
	free(scn);
	return rv;
}
