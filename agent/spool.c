/*
 * spool.c: the agent's on-disk queue of unacknowledged records (spool.h).
 *
 * The file is text, one line per entry:
 *	strata-spool 1			header, first line
 *	a <seq>				every record up to seq is acked (or dropped)
 *	<seq> <json>			one record
 * Records are appended with consecutive seqs and "a" lines are appended as
 * acks come in, so a crash loses at most an ack (the batch is then resent
 * and the aggregator stores it once, by record id).  When acked bytes
 * dominate, the file is compacted: header, one "a" line, live records.
 * Opening an existing spool rewrites it that way, dropping a torn last line
 * and corrupt lines, and numbering the live records from ack+1 again.
 *
 * In memory (no path) the same code runs on a memfd.
 */
#define _GNU_SOURCE

#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "proto.h"
#include "spool.h"

#define SPOOL_HEADER		"strata-spool 1\n"
#define SPOOL_WBUF		(128U * 1024)	/* appends buffered before a write */
#define SPOOL_RCHUNK		(256U * 1024)	/* bytes read back at once */
#define SPOOL_COMPACT_MIN	(1U * 1024 * 1024)
#define SPOOL_LINE_MAX		(PROTO_RECORD_MAX + 32)

/* A batch in flight: it ends with record seq, whose line ends at off. */
struct spool_mark {
	uint64_t	seq;
	uint64_t	off;
};

struct spool {
	char		*path;		/* NULL: memory only */
	char		*tmppath;
	int		 fd;
	uint64_t	 max;		/* size cap, bytes */

	uint64_t	 base;		/* end of header and "a" line */
	uint64_t	 disk;		/* bytes in the file */
	uint64_t	 end;		/* disk + buffered */
	char		*wbuf;
	size_t		 wlen;
	char		*rbuf;
	size_t		 rsize;

	uint64_t	 next_seq;	/* for the next append */
	uint64_t	 ack_seq;	/* records <= this are done */
	uint64_t	 ack_off;	/* where records > ack_seq start */
	uint64_t	 send_seq;	/* records <= this were sent */
	uint64_t	 send_off;
	struct spool_mark *marks;	/* batches in flight, oldest first */
	size_t		 nmarks;
	size_t		 marks_size;

	uint64_t	 appended;
	uint64_t	 acked;
	uint64_t	 dropped;	/* records lost to the cap */
	uint64_t	 drops;		/* times the cap dropped records */
	uint64_t	 refused;	/* appends refused (too big) */
	uint64_t	 corrupt;	/* bad lines found when opening */
	uint64_t	 compactions;
	int		 loading;	/* spool_load() runs: skip overlong lines */
};

static int	spool_compact(struct spool *);

static int
write_all(int fd, const void *buf, size_t len, uint64_t off)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		if ((n = pwrite(fd, p, len, (off_t)off)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

int
spool_flush(struct spool *sp)
{
	if (sp->wlen == 0)
		return 0;
	if (write_all(sp->fd, sp->wbuf, sp->wlen, sp->disk) == -1) {
		log_warn("spool %s: write", sp->path ? sp->path : "(memory)");
		return -1;
	}
	sp->disk += sp->wlen;
	sp->wlen = 0;
	return 0;
}

int
spool_sync(struct spool *sp)
{
	if (spool_flush(sp) == -1)
		return -1;
	if (sp->path != NULL && fdatasync(sp->fd) == -1) {
		log_warn("spool %s: fdatasync", sp->path);
		return -1;
	}
	return 0;
}

/* Buffers one line for the end of the file. */
static int
spool_put(struct spool *sp, const char *a, size_t alen, const char *b, size_t blen)
{
	size_t len = alen + blen + 1;

	if (sp->wlen + len > SPOOL_WBUF && spool_flush(sp) == -1)
		return -1;
	if (len > SPOOL_WBUF) {
		/* Cannot happen: lines are capped well below the buffer. */
		log_warnx("spool: line of %zu bytes", len);
		return -1;
	}
	memcpy(sp->wbuf + sp->wlen, a, alen);
	memcpy(sp->wbuf + sp->wlen + alen, b, blen);
	sp->wbuf[sp->wlen + alen + blen] = '\n';
	sp->wlen += len;
	sp->end += len;
	return 0;
}

/* A new, empty file for the spool's next generation. */
static int
spool_newfile(struct spool *sp)
{
	int fd;

	if (sp->path == NULL) {
		if ((fd = memfd_create("strata-spool", MFD_CLOEXEC)) == -1)
			log_warn("spool: memfd_create");
		return fd;
	}
	fd = open(sp->tmppath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1)
		log_warn("spool: %s", sp->tmppath);
	return fd;
}

/* Makes fd, filled by spool_newfile(), the spool's file. */
static int
spool_install(struct spool *sp, int fd)
{
	if (sp->path != NULL) {
		if (fdatasync(fd) == -1) {
			log_warn("spool %s: fdatasync", sp->tmppath);
			return -1;
		}
		if (rename(sp->tmppath, sp->path) == -1) {
			log_warn("spool: rename %s", sp->tmppath);
			return -1;
		}
	}
	if (sp->fd != -1)
		close(sp->fd);
	sp->fd = fd;
	return 0;
}

/* Writes the header and the ack line at the start of fd; their length. */
static int
spool_head(int fd, uint64_t ack_seq, uint64_t *len)
{
	char buf[64];
	int n;

	n = snprintf(buf, sizeof(buf), "%sa %" PRIu64 "\n", SPOOL_HEADER, ack_seq);
	if (write_all(fd, buf, (size_t)n, 0) == -1)
		return -1;
	*len = (uint64_t)n;
	return 0;
}

/* Copies from..end of the current file to fd at off. */
static int
spool_copy(struct spool *sp, int fd, uint64_t from, uint64_t off)
{
	ssize_t n;

	while (from < sp->disk) {
		n = pread(sp->fd, sp->rbuf, sp->rsize, (off_t)from);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			log_warn("spool: read");
			return -1;
		}
		if ((uint64_t)n > sp->disk - from)
			n = (ssize_t)(sp->disk - from);
		if (write_all(fd, sp->rbuf, (size_t)n, off) == -1) {
			log_warn("spool: write");
			return -1;
		}
		from += (uint64_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* Rewrites the file as header, "a" line and the records not yet acked. */
static int
spool_compact(struct spool *sp)
{
	uint64_t base, delta;
	size_t i;
	int fd;

	if (spool_flush(sp) == -1)
		return -1;
	if (spool_unacked(sp) == 0) {
		/* Nothing live: truncating in place is crash-safe enough (an
		 * empty file is a valid, empty spool). */
		if (ftruncate(sp->fd, 0) == -1 ||
		    spool_head(sp->fd, sp->ack_seq, &base) == -1) {
			log_warn("spool: truncate");
			return -1;
		}
		sp->base = sp->ack_off = sp->send_off = base;
		sp->disk = sp->end = base;
		sp->nmarks = 0;
		sp->compactions++;
		return 0;
	} else {
		if ((fd = spool_newfile(sp)) == -1)
			return -1;
		if (spool_head(fd, sp->ack_seq, &base) == -1 ||
		    spool_copy(sp, fd, sp->ack_off, base) == -1 ||
		    spool_install(sp, fd) == -1) {
			log_warn("spool: compaction");
			close(fd);
			if (sp->path != NULL)
				unlink(sp->tmppath);
			return -1;
		}
	}
	delta = sp->ack_off - base;
	sp->base = base;
	sp->ack_off = base;
	sp->send_off -= delta;
	sp->disk -= delta;
	sp->end -= delta;
	for (i = 0; i < sp->nmarks; i++)
		sp->marks[i].off -= delta;
	sp->compactions++;
	return 0;
}

/* Parses the decimal number at the start of s; its length, 0 if none. */
static size_t
parse_num(const char *s, size_t len, uint64_t *v)
{
	size_t i;

	*v = 0;
	for (i = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		if (*v > (UINT64_MAX - 9) / 10)
			return 0;
		*v = *v * 10 + (uint64_t)(s[i] - '0');
	}
	return i;
}

/* Parses "<seq> " at the start of a record line; the record's offset. */
static int
parse_seq(const char *line, size_t len, uint64_t *seq, size_t *rec)
{
	size_t i;

	if ((i = parse_num(line, len, seq)) == 0 || i >= len || line[i] != ' ')
		return -1;
	*rec = i + 1;
	return 0;
}

/* Parses an "a <seq>" line. */
static int
parse_ack(const char *line, size_t len, uint64_t *seq)
{
	if (len < 3 || line[0] != 'a' || line[1] != ' ' ||
	    parse_num(line + 2, len - 2, seq) != len - 2)
		return -1;
	return 0;
}

/* The length of the line at off, '\n' included; 0 if it does not end. */
static size_t
spool_skip_line(struct spool *sp, uint64_t off)
{
	const char *nl;
	uint64_t at = off;
	ssize_t n;

	while (at < sp->disk) {
		if ((n = pread(sp->fd, sp->rbuf, sp->rsize, (off_t)at)) <= 0)
			return 0;
		if ((nl = memchr(sp->rbuf, '\n', (size_t)n)) != NULL)
			return (size_t)(at - off) + (size_t)(nl - sp->rbuf) + 1;
		at += (uint64_t)n;
	}
	return 0;
}

/*
 * Reads the lines from off on, calling fn for each complete one until it
 * returns nonzero; the offset reached.  fn gets each line without its '\n'.
 */
typedef int (*line_fn)(struct spool *, void *, const char *, size_t, uint64_t);

static int
spool_lines(struct spool *sp, uint64_t off, line_fn fn, void *arg, uint64_t *reached)
{
	const char *p, *nl;
	size_t have, used;
	ssize_t n;
	int rv = 0;

	while (off < sp->disk && rv == 0) {
		n = pread(sp->fd, sp->rbuf, sp->rsize, (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			log_warn("spool: read");
			return -1;
		}
		have = (size_t)n;
		if (have > sp->disk - off)
			have = (size_t)(sp->disk - off);
		p = sp->rbuf;
		used = 0;
		while (used < have) {
			if ((nl = memchr(p + used, '\n', have - used)) == NULL)
				break;
			if ((rv = fn(sp, arg, p + used, (size_t)(nl - p - used),
			    off + used)) != 0)
				break;
			used = (size_t)(nl - p) + 1;
		}
		if (used == 0 && rv == 0) {
			if (off + have >= sp->disk)
				break;		/* a last line without its '\n' */
			if (!sp->loading) {
				log_warnx("spool: line longer than %zu bytes at "
				    "offset %" PRIu64, sp->rsize, off);
				return -1;
			}
			/* Opening: an overlong line is corrupt; skip it. */
			sp->corrupt++;
			if ((used = spool_skip_line(sp, off)) == 0)
				break;
		}
		off += used;
	}
	if (reached != NULL)
		*reached = off;
	return rv < 0 ? -1 : 0;
}

/* Finds where the oldest records freeing want bytes end. */
struct drop_scan {
	uint64_t	want;
	uint64_t	start;
	uint64_t	last;		/* seq of the last record to drop */
	uint64_t	end;		/* offset after it */
	uint64_t	n;
};

static int
drop_line(struct spool *sp, void *arg, const char *line, size_t len, uint64_t off)
{
	struct drop_scan *ds = arg;
	uint64_t seq;
	size_t rec;

	if (parse_seq(line, len, &seq, &rec) == 0) {
		ds->last = seq;
		ds->n++;
	}
	ds->end = off + len + 1;
	return ds->end - ds->start >= ds->want ? 1 : 0;
}

/* Makes room for a line of need bytes under the cap, dropping the oldest. */
static int
spool_make_room(struct spool *sp, uint64_t need)
{
	struct drop_scan ds;
	uint64_t target, first;
	size_t i;

	if (spool_flush(sp) == -1)
		return -1;
	if (sp->ack_off > sp->base && spool_compact(sp) == -1)
		return -1;
	if (sp->end + need <= sp->max)
		return 0;

	/* Free a quarter of the cap at once, so drops stay rare. */
	target = sp->max - sp->max / 4;
	memset(&ds, 0, sizeof(ds));
	ds.start = sp->ack_off;
	ds.want = sp->end + need > target ? sp->end + need - target : 1;
	if (spool_lines(sp, sp->ack_off, drop_line, &ds, NULL) == -1)
		return -1;
	if (ds.n == 0)
		return 0;
	first = sp->ack_seq + 1;
	sp->ack_seq = ds.last;
	sp->ack_off = ds.end;
	if (sp->send_seq < sp->ack_seq) {
		sp->send_seq = sp->ack_seq;
		sp->send_off = sp->ack_off;
	}
	for (i = 0; i < sp->nmarks && sp->marks[i].seq <= sp->ack_seq; i++)
		;
	memmove(sp->marks, sp->marks + i, (sp->nmarks - i) * sizeof(*sp->marks));
	sp->nmarks -= i;
	sp->dropped += ds.n;
	sp->drops++;
	log_warnx("spool %s full (%" PRIu64 " bytes): dropped the %" PRIu64
	    " oldest unacknowledged records (seq %" PRIu64 "-%" PRIu64 "), %"
	    PRIu64 " lost in total", sp->path ? sp->path : "(memory)", sp->max,
	    ds.n, first, ds.last, sp->dropped);
	return spool_compact(sp);
}

uint64_t
spool_append(struct spool *sp, const char *rec, size_t len)
{
	char pfx[32];
	uint64_t need;
	int n;

	n = snprintf(pfx, sizeof(pfx), "%" PRIu64 " ", sp->next_seq);
	need = (uint64_t)n + len + 1;
	if (len == 0 || len > PROTO_RECORD_MAX || memchr(rec, '\n', len) != NULL ||
	    sp->base + need > sp->max) {
		if (sp->refused++ == 0)
			log_warnx("spool: refusing a record of %zu bytes (at most "
			    "%u, one line, within the cap)", len, PROTO_RECORD_MAX);
		return 0;
	}
	if (sp->end + need > sp->max && spool_make_room(sp, need) == -1)
		return 0;
	if (spool_put(sp, pfx, (size_t)n, rec, len) == -1)
		return 0;
	sp->appended++;
	return sp->next_seq++;
}

struct read_state {
	spool_cb	 cb;
	void		*arg;
	unsigned	 max;
	size_t		 maxbytes;
	unsigned	 n;
	size_t		 bytes;
	uint64_t	 last;
	uint64_t	 end;
};

static int
read_line(struct spool *sp, void *arg, const char *line, size_t len, uint64_t off)
{
	struct read_state *rs = arg;
	uint64_t seq;
	size_t rec;

	if (line[0] == 'a') {
		rs->end = off + len + 1;
		return 0;
	}
	if (parse_seq(line, len, &seq, &rec) == -1) {
		log_warnx("spool: bad line at offset %" PRIu64, off);
		return -1;
	}
	if (rs->n > 0 && rs->bytes + (len - rec) > rs->maxbytes)
		return 1;
	if (rs->cb(rs->arg, seq, line + rec, len - rec) == -1)
		return -1;
	rs->n++;
	rs->bytes += len - rec;
	rs->last = seq;
	rs->end = off + len + 1;
	return rs->n >= rs->max ? 1 : 0;
}

int
spool_read(struct spool *sp, unsigned max, size_t maxbytes, spool_cb cb,
    void *arg, uint64_t *last)
{
	struct read_state rs;
	struct spool_mark *m;

	*last = 0;
	if (sp->send_seq + 1 >= sp->next_seq || max == 0)
		return 0;
	if (spool_flush(sp) == -1)
		return -1;
	memset(&rs, 0, sizeof(rs));
	rs.cb = cb;
	rs.arg = arg;
	rs.max = max;
	rs.maxbytes = maxbytes;
	rs.end = sp->send_off;
	if (spool_lines(sp, sp->send_off, read_line, &rs, NULL) == -1)
		return -1;
	if (rs.n == 0)
		return 0;
	if (sp->nmarks == sp->marks_size) {
		size_t size = sp->marks_size ? sp->marks_size * 2 : 16;

		if ((m = reallocarray(sp->marks, size, sizeof(*m))) == NULL) {
			log_warn("%s", __func__);
			return -1;
		}
		sp->marks = m;
		sp->marks_size = size;
	}
	sp->marks[sp->nmarks].seq = rs.last;
	sp->marks[sp->nmarks].off = rs.end;
	sp->nmarks++;
	sp->send_seq = rs.last;
	sp->send_off = rs.end;
	*last = rs.last;
	return (int)rs.n;
}

int
spool_ack(struct spool *sp, uint64_t seq)
{
	char buf[32];
	uint64_t garbage, live, min;
	size_t i;
	int n;

	if (seq <= sp->ack_seq)
		return 0;
	for (i = 0; i < sp->nmarks && sp->marks[i].seq != seq; i++)
		;
	if (i == sp->nmarks)
		return -1;
	sp->acked += seq - sp->ack_seq;
	sp->ack_seq = seq;
	sp->ack_off = sp->marks[i].off;
	i++;
	memmove(sp->marks, sp->marks + i, (sp->nmarks - i) * sizeof(*sp->marks));
	sp->nmarks -= i;

	n = snprintf(buf, sizeof(buf), "a %" PRIu64, seq);
	if (spool_put(sp, buf, (size_t)n, "", 0) == -1)
		return -1;
	garbage = sp->ack_off - sp->base;
	live = sp->end - sp->ack_off;
	min = sp->max / 4 < SPOOL_COMPACT_MIN ? sp->max / 4 : SPOOL_COMPACT_MIN;
	if (garbage >= min && garbage >= live && spool_compact(sp) == -1)
		return -1;
	return 0;
}

void
spool_rewind(struct spool *sp)
{
	sp->nmarks = 0;
	sp->send_seq = sp->ack_seq;
	sp->send_off = sp->ack_off;
}

uint64_t
spool_unacked(const struct spool *sp)
{
	return sp->next_seq - 1 - sp->ack_seq;
}

uint64_t
spool_unsent(const struct spool *sp)
{
	return sp->next_seq - 1 - sp->send_seq;
}

uint64_t
spool_bytes(const struct spool *sp)
{
	return sp->end;
}

uint64_t
spool_dropped(const struct spool *sp)
{
	return sp->dropped;
}

unsigned
spool_batches(const struct spool *sp)
{
	return (unsigned)sp->nmarks;
}

void
spool_stats(const struct spool *sp, struct json_object *o)
{
	json_object_object_add(o, "spool_unacked", json_object_new_int64(
	    (int64_t)spool_unacked(sp)));
	json_object_object_add(o, "spool_inflight", json_object_new_int64(
	    (int64_t)(sp->send_seq - sp->ack_seq)));
	json_object_object_add(o, "spool_bytes", json_object_new_int64(
	    (int64_t)sp->end));
	json_object_object_add(o, "spool_appended", json_object_new_int64(
	    (int64_t)sp->appended));
	json_object_object_add(o, "spool_acked", json_object_new_int64(
	    (int64_t)sp->acked));
	json_object_object_add(o, "spool_dropped", json_object_new_int64(
	    (int64_t)sp->dropped));
	json_object_object_add(o, "spool_refused", json_object_new_int64(
	    (int64_t)sp->refused));
	json_object_object_add(o, "spool_corrupt", json_object_new_int64(
	    (int64_t)sp->corrupt));
	json_object_object_add(o, "spool_compactions", json_object_new_int64(
	    (int64_t)sp->compactions));
}

/*
 * Opening an existing spool.  Pass one finds the ack watermark (the largest
 * "a" line: acks may follow the records they cover); pass two copies the
 * records after it that still parse into a fresh file, renumbered.
 */
struct load_state {
	int		 fd;		/* the new file */
	uint64_t	 off;		/* its end */
	uint64_t	 ack;
	uint64_t	 next;		/* next seq in the new file */
	uint64_t	 bad;
	uint64_t	 lineno;
	struct json_tokener *tok;
	char		 pfx[32];
};

static int
load_ack(struct spool *sp, void *arg, const char *line, size_t len, uint64_t off)
{
	struct load_state *ls = arg;
	uint64_t seq;

	if (parse_ack(line, len, &seq) == 0 && seq > ls->ack)
		ls->ack = seq;
	return 0;
}

/* Buffered writes of the new file. */
static int
load_write(struct spool *sp, struct load_state *ls, const char *p, size_t len)
{
	if (sp->wlen + len > SPOOL_WBUF) {
		if (write_all(ls->fd, sp->wbuf, sp->wlen, ls->off) == -1) {
			log_warn("spool: write");
			return -1;
		}
		ls->off += sp->wlen;
		sp->wlen = 0;
	}
	memcpy(sp->wbuf + sp->wlen, p, len);
	sp->wlen += len;
	return 0;
}

static int
load_record(struct spool *sp, void *arg, const char *line, size_t len, uint64_t off)
{
	struct load_state *ls = arg;
	struct json_object *obj;
	uint64_t seq;
	size_t rec;
	int n, good;

	if (ls->lineno++ == 0 || (len > 0 && line[0] == 'a'))
		return 0;
	if (parse_seq(line, len, &seq, &rec) == -1) {
		ls->bad++;
		return 0;
	}
	if (seq <= ls->ack)
		return 0;
	json_tokener_reset(ls->tok);
	obj = json_tokener_parse_ex(ls->tok, line + rec, (int)(len - rec));
	good = obj != NULL && json_object_is_type(obj, json_type_object) &&
	    json_tokener_get_parse_end(ls->tok) == len - rec &&
	    len - rec <= PROTO_RECORD_MAX;
	if (obj != NULL)
		json_object_put(obj);
	if (!good) {
		ls->bad++;
		return 0;
	}
	n = snprintf(ls->pfx, sizeof(ls->pfx), "%" PRIu64 " ", ls->next++);
	if (load_write(sp, ls, ls->pfx, (size_t)n) == -1 ||
	    load_write(sp, ls, line + rec, len - rec) == -1 ||
	    load_write(sp, ls, "\n", 1) == -1)
		return -1;
	return 0;
}

static int
spool_load(struct spool *sp)
{
	struct load_state ls;
	struct stat st;
	char head[sizeof(SPOOL_HEADER)];
	uint64_t reached;
	ssize_t n;
	int fd = -1;

	memset(&ls, 0, sizeof(ls));
	if (fstat(sp->fd, &st) == -1) {
		log_warn("spool %s: fstat", sp->path);
		return -1;
	}
	sp->disk = (uint64_t)st.st_size;
	if (sp->disk > 0) {
		if ((n = pread(sp->fd, head, sizeof(head) - 1, 0)) == -1) {
			log_warn("spool %s: read", sp->path);
			return -1;
		}
		if (memcmp(head, SPOOL_HEADER, (size_t)n) != 0) {
			log_warnx("spool %s: not a Strata spool (no \"%.*s\" "
			    "line); not touching it", sp->path,
			    (int)sizeof(SPOOL_HEADER) - 2, SPOOL_HEADER);
			return -1;
		}
		/* A header cut short by a crash is an empty spool. */
		if (n < (ssize_t)sizeof(head) - 1)
			sp->disk = 0;
	}
	sp->loading = 1;
	if (sp->disk > 0) {
		if (spool_lines(sp, 0, load_ack, &ls, &reached) == -1)
			goto fail;
		if (reached < sp->disk)
			log_warnx("spool %s: dropping a torn last line (%" PRIu64
			    " bytes)", sp->path, sp->disk - reached);
		sp->disk = reached;
		sp->corrupt = 0;	/* pass two counts them */
	}
	if ((ls.tok = json_tokener_new()) == NULL || (fd = spool_newfile(sp)) == -1)
		goto fail;
	ls.fd = fd;
	ls.next = ls.ack + 1;
	if (spool_head(fd, ls.ack, &ls.off) == -1) {
		log_warn("spool: write");
		goto fail;
	}
	sp->base = ls.off;
	sp->wlen = 0;
	if (sp->disk > 0 && spool_lines(sp, 0, load_record, &ls, NULL) == -1)
		goto fail;
	if (write_all(fd, sp->wbuf, sp->wlen, ls.off) == -1) {
		log_warn("spool: write");
		goto fail;
	}
	ls.off += sp->wlen;
	sp->wlen = 0;
	if (spool_install(sp, fd) == -1)
		goto fail;
	fd = -1;
	json_tokener_free(ls.tok);
	sp->loading = 0;
	sp->corrupt += ls.bad;
	if (sp->corrupt > 0)
		log_warnx("spool %s: skipped %" PRIu64 " corrupt lines", sp->path,
		    sp->corrupt);
	sp->disk = sp->end = ls.off;
	sp->ack_seq = sp->send_seq = ls.ack;
	sp->ack_off = sp->send_off = sp->base;
	sp->next_seq = ls.next;
	if (ls.next - 1 > ls.ack)
		log_info("spool %s: %" PRIu64 " unacknowledged records (%" PRIu64
		    " bytes) to resend", sp->path, ls.next - 1 - ls.ack,
		    sp->end - sp->base);
	return 0;

fail:
	sp->loading = 0;
	sp->wlen = 0;
	if (ls.tok != NULL)
		json_tokener_free(ls.tok);
	if (fd != -1) {
		close(fd);
		unlink(sp->tmppath);
	}
	return -1;
}

struct spool *
spool_open(const char *path, uint64_t max_bytes)
{
	struct spool *sp;

	if ((sp = calloc(1, sizeof(*sp))) == NULL) {
		log_warn("%s", __func__);
		return NULL;
	}
	sp->fd = -1;
	sp->max = max_bytes;
	sp->next_seq = 1;
	sp->rsize = SPOOL_RCHUNK;
	if ((sp->wbuf = malloc(SPOOL_WBUF)) == NULL ||
	    (sp->rbuf = malloc(sp->rsize)) == NULL) {
		log_warn("%s", __func__);
		goto fail;
	}
	if (sp->max < 4096) {
		log_warnx("spool: cap of %" PRIu64 " bytes is too small, using 4096",
		    sp->max);
		sp->max = 4096;
	}
	if (path == NULL) {
		if ((sp->fd = spool_newfile(sp)) == -1 ||
		    spool_head(sp->fd, 0, &sp->base) == -1)
			goto fail;
		sp->disk = sp->end = sp->ack_off = sp->send_off = sp->base;
		return sp;
	}
	if ((sp->path = strdup(path)) == NULL ||
	    asprintf(&sp->tmppath, "%s.tmp", path) == -1) {
		sp->tmppath = NULL;
		log_warn("%s", __func__);
		goto fail;
	}
	if ((sp->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		log_warn("spool: %s", path);
		goto fail;
	}
	if (spool_load(sp) == -1)
		goto fail;
	return sp;

fail:
	if (sp->fd != -1)
		close(sp->fd);
	free(sp->path);
	free(sp->tmppath);
	free(sp->wbuf);
	free(sp->rbuf);
	free(sp);
	return NULL;
}

void
spool_close(struct spool *sp)
{
	if (sp == NULL)
		return;
	spool_sync(sp);
	close(sp->fd);
	free(sp->marks);
	free(sp->path);
	free(sp->tmppath);
	free(sp->wbuf);
	free(sp->rbuf);
	free(sp);
}
