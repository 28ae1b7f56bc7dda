/*
 * qemu_log.c: parser for QEMU's `log` trace backend output (see qemu_log.h).
 *
 * The argument layout of every event Strata consumes is described by the
 * event's declaration and format string exactly as they appear in QEMU's
 * trace-events files (migration/trace-events, softmmu/ and system/
 * trace-events).  The table is data: a small matcher walks the printf format
 * against the line and assigns each conversion to the argument of the same
 * position, so a field is named after the trace-events argument (e.g.
 * migrate_transferred's `tranferred` in 7.2) exactly as QEMU's ust backend
 * names it.  An event may have several rows (one per QEMU version); the
 * first row whose format matches the line wins.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "qemu_log.h"

struct qlog_fmt {
	const char	*event;		/* trace-event name */
	const char	*decl;		/* argument list, as in trace-events */
	const char	*fmt;		/* format, as in trace-events */
};

/*
 * From QEMU 7.2 migration/trace-events and softmmu/trace-events, plus the
 * renamed or reshaped events of QEMU 8.0 - 10.x.
 */
static const struct qlog_fmt qlog_fmts[] = {
	/* migration.c */
	{ "migrate_set_state", "const char *new_state", "new state %s" },
	{ "migrate_fd_cleanup", "void", "" },
	{ "migration_cleanup", "void", "" },			/* 10.0+ */
	{ "migrate_fd_error", "const char *error_desc", "error=%s" },
	{ "migrate_error", "const char *error_desc", "error=%s" },	/* 9.1+ */
	{ "migrate_fd_cancel", "void", "" },
	{ "migration_cancel", "void", "" },			/* 10.0+ */
	{ "migrate_pending",
	  "uint64_t size, uint64_t max, uint64_t pre, uint64_t compat, "
	  "uint64_t post",
	  "pending size %" PRIu64 " max %" PRIu64 " (pre = %" PRIu64
	  " compat=%" PRIu64 " post=%" PRIu64 ")" },		/* <= 7.2 */
	{ "migrate_pending_exact",
	  "uint64_t size, uint64_t pre, uint64_t post",
	  "exact pending size %" PRIu64 " (pre = %" PRIu64 " post=%" PRIu64
	  ")" },						/* 8.0+ */
	{ "migrate_pending_estimate",
	  "uint64_t size, uint64_t pre, uint64_t post",
	  "estimate pending size %" PRIu64 " (pre = %" PRIu64 " post=%"
	  PRIu64 ")" },						/* 8.0+ */
	{ "migration_completion_vm_stop", "int ret", "ret %d" },
	{ "migration_thread_file_err", "void", "" },
	{ "migration_thread_low_pending", "uint64_t pending", "%" PRIu64 },
	{ "migrate_transferred",
	  "uint64_t tranferred, uint64_t time_spent, uint64_t bandwidth, "
	  "uint64_t size",
	  "transferred %" PRIu64 " time_spent %" PRIu64 " bandwidth %" PRIu64
	  " max_size %" PRId64 },	/* <= 7.2; 8.x spells it transferred */
	{ "migrate_transferred",
	  "uint64_t transferred, uint64_t time_spent, uint64_t bandwidth, "
	  "uint64_t avail_bw, uint64_t size",
	  "transferred %" PRIu64 " time_spent %" PRIu64 " bandwidth %" PRIu64
	  " switchover_bw %" PRIu64 " max_size %" PRId64 },	/* 8.2+ */
	{ "migrate_transferred",
	  "uint64_t transferred, uint64_t time_spent, uint64_t bandwidth, "
	  "uint64_t avail_bw, uint64_t size",
	  "transferred %" PRIu64 " time_spent %" PRIu64 " bandwidth %" PRIu64
	  " avail_bw %" PRIu64 " max_size %" PRId64 },		/* 8.2 series */
	{ "postcopy_start", "void", "" },
	{ "process_incoming_migration_co_end", "int ret, int ps",
	  "ret=%d postcopy-state=%d" },
	/* savevm.c */
	{ "savevm_state_setup", "void", "" },
	{ "savevm_state_complete_precopy", "void", "" },
	{ "loadvm_state_setup", "void", "" },
	/* ram.c */
	{ "migration_bitmap_sync_start", "void", "" },
	{ "migration_bitmap_sync_end", "uint64_t dirty_pages",
	  "dirty_pages %" PRIu64 },
	{ "migration_throttle", "void", "" },
	{ "ram_load_complete", "int ret, uint64_t seq_iter",
	  "exit_code %d seq iteration %" PRIu64 },
	/* cpu-throttle.c (system/ or migration/, QEMU 9.x+) */
	{ "cpu_throttle_set", "int new_throttle_pct",
	  "set guest CPU throttled by %d%%" },
	/* softmmu/runstate.c (system/ in 8.1+) */
	{ "vm_state_notify", "int running, int reason, const char *reason_str",
	  "running %d reason %d (%s)" },
};
#define QLOG_NFMTS	(sizeof(qlog_fmts) / sizeof(qlog_fmts[0]))
#define QLOG_MAXARGS	8

struct qlog_cfmt {
	const char	*event;
	const char	*fmt;
	unsigned	 nargs;
	char		*names[QLOG_MAXARGS];
	enum ev_ftype	 types[QLOG_MAXARGS];
};

/* One argument found by the matcher. */
struct qlog_val {
	int		 is_str;
	size_t		 off, len;	/* string: position in the line copy */
	int		 neg;
	uint64_t	 mag;		/* number: magnitude */
};

static const char qlog_reason_nomem[] = "out of memory";

static enum ev_ftype
qlog_ctype(const char *t, size_t len)
{
	if (memchr(t, '*', len) != NULL)
		return EVF_STR;
	if (strncmp(t, "uint", 4) == 0 || strncmp(t, "unsigned", 8) == 0 ||
	    strncmp(t, "size_t", 6) == 0)
		return EVF_UINT;
	return EVF_INT;
}

/* Splits "uint64_t a, int b" into names and types; -1 on a bad row. */
static int
qlog_compile(const struct qlog_fmt *row, struct qlog_cfmt *c)
{
	const char *p = row->decl, *end, *name;
	size_t n;

	memset(c, 0, sizeof(*c));
	c->event = row->event;
	c->fmt = row->fmt;
	if (strcmp(p, "void") == 0)
		return 0;
	while (*p != '\0') {
		while (*p == ' ')
			p++;
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		name = end;
		while (name > p && (isalnum((unsigned char)name[-1]) ||
		    name[-1] == '_'))
			name--;
		n = end - name;
		if (n == 0 || name == p || c->nargs == QLOG_MAXARGS)
			return -1;
		if ((c->names[c->nargs] = strndup(name, n)) == NULL)
			return -1;
		c->types[c->nargs] = qlog_ctype(p, name - p);
		c->nargs++;
		p = *end == ',' ? end + 1 : end;
	}
	return 0;
}

int
qemu_log_parser_init(struct qemu_log_parser *qp)
{
	unsigned i;

	memset(qp, 0, sizeof(*qp));
	qp->pid = -1;
	qp->last_tid = -1;
	if ((qp->fmts = calloc(QLOG_NFMTS, sizeof(*qp->fmts))) == NULL)
		return -1;
	for (i = 0; i < QLOG_NFMTS; i++) {
		qp->nfmts = i + 1;
		if (qlog_compile(&qlog_fmts[i], &qp->fmts[i]) == -1)
			goto fail;
	}
	return 0;
 fail:
	qemu_log_parser_free(qp);
	return -1;
}

void
qemu_log_parser_free(struct qemu_log_parser *qp)
{
	unsigned i, j;

	if (qp->fmts != NULL) {
		for (i = 0; i < qp->nfmts; i++)
			for (j = 0; j < qp->fmts[i].nargs; j++)
				free(qp->fmts[i].names[j]);
		free(qp->fmts);
	}
	free(qp->buf);
	qp->fmts = NULL;
	qp->nfmts = 0;
	qp->buf = NULL;
	qp->bufsz = 0;
}

void
qemu_log_parser_set_pid(struct qemu_log_parser *qp, int64_t pid)
{
	qp->pid = pid;
}

int
qemu_log_known_event(const char *event)
{
	size_t i;

	for (i = 0; i < QLOG_NFMTS; i++)
		if (strcmp(qlog_fmts[i].event, event) == 0)
			return 1;
	return 0;
}

/* Decimal digits into *v; the number of digits, 0 if none or overflow. */
static size_t
qlog_digits(const char *p, uint64_t *v)
{
	size_t n = 0;
	uint64_t x = 0;

	while (isdigit((unsigned char)p[n])) {
		if (x > (UINT64_MAX - (p[n] - '0')) / 10)
			return 0;
		x = x * 10 + (p[n] - '0');
		n++;
	}
	*v = x;
	return n;
}

static size_t
qlog_xdigits(const char *p, uint64_t *v)
{
	size_t n = 0;
	uint64_t x = 0;
	int d;

	while (isxdigit((unsigned char)p[n])) {
		if (x >> 60)
			return 0;
		d = isdigit((unsigned char)p[n]) ? p[n] - '0' :
		    tolower((unsigned char)p[n]) - 'a' + 10;
		x = (x << 4) | (uint64_t)d;
		n++;
	}
	*v = x;
	return n;
}

/*
 * Walks fmt against line; fills vals[] in argument order.  Returns the
 * number of values, or -1 (reason set) when the line does not fit.
 */
static int
qlog_match(const char *fmt, const char *line, struct qlog_val *vals,
    int maxvals, const char **reason)
{
	const char *f = fmt, *p = line, *lit, *hit;
	size_t litlen, n, linelen;
	int nv = 0, is_signed;
	char conv;

	while (*f != '\0') {
		if (*f != '%' || f[1] == '%') {
			if (*p != *f) {
				*reason = *p == '\0' ? "truncated arguments" :
				    "arguments do not match the format";
				return -1;
			}
			f += *f == '%' ? 2 : 1;
			p++;
			continue;
		}
		f++;
		while (*f == 'l' || *f == 'z' || *f == 'h' || *f == 'j')
			f++;
		conv = *f++;
		if (nv == maxvals) {
			*reason = "format table: too many conversions";
			return -1;
		}
		memset(&vals[nv], 0, sizeof(vals[nv]));
		switch (conv) {
		case 's':
			vals[nv].is_str = 1;
			vals[nv].off = p - line;
			lit = f;
			litlen = strcspn(lit, "%");
			if (lit[litlen] == '%' && lit[litlen + 1] == '%')
				litlen = 0;	/* "%s%%" is not used by QEMU */
			if (litlen == 0 && *lit == '\0') {
				vals[nv].len = strlen(p);
			} else if (litlen == 0) {
				*reason = "format table: %s not followed by text";
				return -1;
			} else if (lit[litlen] == '\0') {
				/* The string runs to where the final text starts. */
				linelen = strlen(p);
				if (linelen < litlen ||
				    strcmp(p + linelen - litlen, lit) != 0) {
					*reason = "truncated arguments";
					return -1;
				}
				vals[nv].len = linelen - litlen;
			} else {
				hit = p;
				while ((hit = strchr(hit, *lit)) != NULL &&
				    strncmp(hit, lit, litlen) != 0)
					hit++;
				if (hit == NULL) {
					*reason = "truncated arguments";
					return -1;
				}
				vals[nv].len = hit - p;
			}
			p += vals[nv].len;
			break;
		case 'd': case 'i': case 'u': case 'x': case 'p':
			is_signed = conv == 'd' || conv == 'i';
			if (is_signed && *p == '-') {
				vals[nv].neg = 1;
				p++;
			}
			if (conv == 'p' && strncmp(p, "(nil)", 5) == 0) {
				n = 5;
				vals[nv].mag = 0;
			} else if (conv == 'p' || conv == 'x') {
				if (conv == 'p' && strncmp(p, "0x", 2) == 0)
					p += 2;
				n = qlog_xdigits(p, &vals[nv].mag);
			} else
				n = qlog_digits(p, &vals[nv].mag);
			if (n == 0) {
				*reason = *p == '\0' ? "truncated arguments" :
				    "bad number";
				return -1;
			}
			if (is_signed && vals[nv].mag > (uint64_t)INT64_MAX +
			    vals[nv].neg) {
				*reason = "bad number";
				return -1;
			}
			p += n;
			/* A number glued to letters ("25076xyz") is not one. */
			if (isalnum((unsigned char)*p) &&
			    !isalnum((unsigned char)*f)) {
				*reason = "bad number";
				return -1;
			}
			break;
		default:
			*reason = "format table: unsupported conversion";
			return -1;
		}
		nv++;
	}
	if (*p != '\0') {
		*reason = "trailing text after the arguments";
		return -1;
	}
	return nv;
}

/* Makes room for n bytes in the parser's string storage. */
static int
qlog_reserve(struct qemu_log_parser *qp, size_t n)
{
	char *nb;
	size_t sz;

	if (n <= qp->bufsz)
		return 0;
	sz = qp->bufsz ? qp->bufsz : 256;
	while (sz < n)
		sz *= 2;
	if ((nb = realloc(qp->buf, sz)) == NULL)
		return -1;
	qp->buf = nb;
	qp->bufsz = sz;
	return 0;
}

static int
qlog_skip(struct qemu_log_parser *qp, const char *reason)
{
	qp->skip_reason = reason;
	qp->n_skipped++;
	return QLOG_SKIP;
}

static size_t
qlog_namelen(const char *p)
{
	size_t n = 0;

	while (isalnum((unsigned char)p[n]) || p[n] == '_')
		n++;
	return n;
}

/*
 * A trace event: name (namelen bytes at name) and its arguments (args,
 * NULL when the line ends right after the name).
 */
static int
qlog_trace_event(struct qemu_log_parser *qp, const char *name,
    size_t namelen, const char *args, size_t argslen, struct ev *out)
{
	struct qlog_val vals[QLOG_MAXARGS];
	const struct qlog_cfmt *c;
	const char *reason = NULL;
	char *copy, *evname;
	unsigned i, j;
	int nv, known = 0;

	if (qlog_reserve(qp, 5 + namelen + 1 + argslen + 1) == -1)
		return qlog_skip(qp, qlog_reason_nomem);
	evname = qp->buf;
	memcpy(evname, "qemu:", 5);
	memcpy(evname + 5, name, namelen);
	evname[5 + namelen] = '\0';
	copy = evname + 5 + namelen + 1;
	memcpy(copy, args != NULL ? args : "", argslen);
	copy[argslen] = '\0';
	out->name = evname;

	for (i = 0; i < qp->nfmts; i++) {
		c = &qp->fmts[i];
		if (strcmp(c->event, evname + 5) != 0)
			continue;
		known = 1;
		nv = qlog_match(c->fmt, copy, vals, QLOG_MAXARGS, &reason);
		if (nv < 0 || (unsigned)nv != c->nargs)
			continue;
		for (j = 0; j < c->nargs; j++) {
			if (vals[j].is_str) {
				copy[vals[j].off + vals[j].len] = '\0';
				ev_add_str(out, c->names[j], copy + vals[j].off);
			} else if (c->types[j] == EVF_UINT)
				ev_add_uint(out, c->names[j], vals[j].neg ?
				    -vals[j].mag : vals[j].mag);
			else if (c->types[j] == EVF_STR)
				return qlog_skip(qp,
				    "format table: number for a string");
			else
				ev_add_int(out, c->names[j], vals[j].neg ?
				    -(int64_t)(vals[j].mag - 1) - 1 :
				    (int64_t)vals[j].mag);
		}
		qp->n_known++;
		return QLOG_EVENT;
	}
	if (known) {
		/* Arguments of an event we decode, but no row fits. */
		out->nfields = 0;
		return qlog_skip(qp, reason != NULL ? reason :
		    "arguments do not match the format");
	}
	if (args == NULL)
		return qlog_skip(qp, "truncated line (no space after the event name)");
	qp->n_unknown++;
	return QLOG_EVENT;
}

/*
 * A QEMU message: rest is what follows the timestamp, e.g.
 * "qemu-system-x86_64: Unable to write to socket: Broken pipe".
 */
static int
qlog_message(struct qemu_log_parser *qp, uint64_t t_ns, const char *rest,
    size_t len, struct ev *out)
{
	static const char evname[] = "strata:qemu_log";
	const char *colon, *text = rest, *level;
	char *s;
	size_t spaces = 0, i;

	/* "[guest ]program: text": drop the program name. */
	for (colon = rest; colon + 1 < rest + len; colon++)
		if (colon[0] == ':' && colon[1] == ' ')
			break;
	if (colon + 1 < rest + len) {
		for (i = 0; rest + i < colon; i++)
			spaces += rest[i] == ' ';
		if (spaces <= 1 && colon > rest)
			text = colon + 2;
	}
	len -= text - rest;
	while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t'))
		len--;
	if (len == 0)
		return qlog_skip(qp, "empty message");

	if (len >= 8 && strncmp(text, "warning:", 8) == 0)
		level = "warning";
	else if ((len >= 5 && strncmp(text, "info:", 5) == 0) ||
	    (len >= 21 && strncmp(text, "terminating on signal", 21) == 0))
		level = "info";
	else
		level = "error";

	if (qlog_reserve(qp, len + 1) == -1)
		return qlog_skip(qp, qlog_reason_nomem);
	s = qp->buf;
	memcpy(s, text, len);
	s[len] = '\0';
	out->name = evname;
	out->t_ns = t_ns;
	out->vpid = qp->pid;
	out->vtid = -1;
	ev_add_int(out, "qemu_pid", qp->pid);
	ev_add_str(out, "level", level);
	ev_add_str(out, "text", s);
	qp->n_messages++;
	return QLOG_EVENT;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (no time zone). */
static int64_t
qlog_days(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Exactly n digits at p into *v. */
static int
qlog_fixed(const char *p, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i]))
			return -1;
		*v = *v * 10 + (p[i] - '0');
	}
	return 0;
}

int
qemu_log_iso_time(const char *s, size_t len, uint64_t *t_ns)
{
	int y, mo, d, h, mi, sec;
	uint64_t frac = 0, scale = 1000000000;
	size_t i = 19;
	int64_t days;

	if (len < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':' || s[len - 1] != 'Z')
		return -1;
	if (qlog_fixed(s, 4, &y) == -1 || qlog_fixed(s + 5, 2, &mo) == -1 ||
	    qlog_fixed(s + 8, 2, &d) == -1 || qlog_fixed(s + 11, 2, &h) == -1 ||
	    qlog_fixed(s + 14, 2, &mi) == -1 ||
	    qlog_fixed(s + 17, 2, &sec) == -1)
		return -1;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || sec > 60)
		return -1;
	if (s[i] == '.') {
		for (i++; i < len - 1; i++) {
			if (!isdigit((unsigned char)s[i]) || scale == 1)
				return -1;
			scale /= 10;
			frac += (uint64_t)(s[i] - '0') * scale;
		}
	}
	if (i != len - 1)
		return -1;
	days = qlog_days(y, mo, d);
	*t_ns = ((uint64_t)days * 86400 + h * 3600 + mi * 60 + sec) *
	    1000000000ULL + frac;
	return 0;
}

/* "TID@SECONDS.FRACTION:" into tid and t_ns; length of the prefix or 0. */
static size_t
qlog_prefix(const char *p, int64_t *tid, uint64_t *t_ns)
{
	uint64_t v, sec, frac = 0, scale = 1000000000;
	size_t n, i;

	if ((n = qlog_digits(p, &v)) == 0 || p[n] != '@' || v == 0 ||
	    v > INT32_MAX)
		return 0;
	*tid = (int64_t)v;
	i = n + 1;
	if ((n = qlog_digits(p + i, &sec)) == 0 || p[i + n] != '.' ||
	    sec > UINT64_MAX / 1000000000ULL - 1)
		return 0;
	i += n + 1;
	for (n = 0; isdigit((unsigned char)p[i + n]); n++) {
		if (scale == 1)
			return 0;
		scale /= 10;
		frac += (uint64_t)(p[i + n] - '0') * scale;
	}
	if (n == 0 || p[i + n] != ':')
		return 0;
	*t_ns = sec * 1000000000ULL + frac;
	return i + n + 1;
}

int
qemu_log_parse(struct qemu_log_parser *qp, const char *line, struct ev *out)
{
	const char *p, *args;
	size_t len, n, namelen;
	uint64_t t_ns = 0;
	int64_t tid = -1;

	qp->n_lines++;
	qp->skip_reason = NULL;
	memset(out, 0, sizeof(*out));
	out->vpid = out->vtid = -1;
	if (line == NULL)
		return qlog_skip(qp, "no line");
	len = strlen(line);
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	for (n = 0; n < len && isspace((unsigned char)line[n]); n++)
		;
	if (n == len) {
		qp->n_empty++;
		return QLOG_EMPTY;
	}
	if (memchr(line, '\0', len) != NULL || qp->fmts == NULL)
		return qlog_skip(qp, "bad line");

	/* QEMU message with -msg timestamp=on. */
	if (len > 20 && line[4] == '-' && line[10] == 'T') {
		p = memchr(line, ' ', len);
		if (p == NULL ||
		    qemu_log_iso_time(line, p - line, &t_ns) == -1)
			return qlog_skip(qp, "bad timestamp");
		p++;
		if (qlog_message(qp, t_ns, p, len - (p - line), out) !=
		    QLOG_EVENT)
			return QLOG_SKIP;
		qp->n_events++;
		return QLOG_EVENT;
	}

	p = line;
	if (isdigit((unsigned char)*p)) {
		if ((n = qlog_prefix(p, &tid, &t_ns)) == 0)
			return qlog_skip(qp, "bad TID@time prefix");
		p += n;
	} else if (strncmp(p, "qemu", 4) == 0 &&
	    (args = memchr(p, ':', len)) != NULL && args[1] == ' ' &&
	    memchr(p, ' ', args - p) == NULL) {
		/* QEMU message without a timestamp (-msg timestamp=off). */
		if (qlog_message(qp, 0, p, len, out) != QLOG_EVENT)
			return QLOG_SKIP;
		qp->n_events++;
		return QLOG_EVENT;
	}

	namelen = qlog_namelen(p);
	if (namelen == 0)
		return qlog_skip(qp, tid >= 0 ? "no event name" :
		    "not a QEMU log line");
	if (p[namelen] == ' ')
		args = p + namelen + 1;
	else if (p + namelen == line + len)
		args = NULL;
	else
		return qlog_skip(qp, "bad event name");
	/* Without the prefix, only lines of events we know are trusted. */
	if (tid < 0) {
		char name[64];

		if (namelen >= sizeof(name))
			return qlog_skip(qp, "not a QEMU log line");
		memcpy(name, p, namelen);
		name[namelen] = '\0';
		if (!qemu_log_known_event(name))
			return qlog_skip(qp, "not a QEMU log line");
	}

	out->t_ns = t_ns;
	if (tid >= 0) {
		if (qp->pid < 0)
			qp->pid = tid;
		qp->last_tid = tid;
	}
	out->vpid = qp->pid;
	out->vtid = tid;
	if (qlog_trace_event(qp, p, namelen, args,
	    args != NULL ? len - (args - line) : 0, out) != QLOG_EVENT)
		return QLOG_SKIP;
	qp->n_events++;
	return QLOG_EVENT;
}
