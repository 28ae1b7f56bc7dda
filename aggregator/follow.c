/*
 * follow.c: the queue behind each `alerts follow` stream.  Like memcached's
 * watchers, every follower has its own bounded queue and a skipped count:
 * a follower that does not read loses alerts and is told how many, and the
 * aggregator never waits for it.  The stream lines are built here too, so
 * their shapes live in one place (docs/control.md).
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "jwrite.h"
#include "ctl.h"

struct follow_ent {
	char		*line;
	uint64_t	 skipped_before;	/* alerts lost just before this one */
};

struct follow_q {
	struct follow_ent	*ring;
	unsigned		 cap;
	unsigned		 head;		/* next to pop */
	unsigned		 len;
	uint64_t		 skipped_tail;	/* lost since the last queued line */
	uint64_t		 skipped_total;
	int			 tail_pending;	/* skipped_tail not yet reported */
};

struct follow_q *
follow_q_create(unsigned cap)
{
	struct follow_q *q;

	if (cap == 0)
		cap = CTL_FOLLOW_QLEN;
	if ((q = calloc(1, sizeof(*q))) == NULL ||
	    (q->ring = calloc(cap, sizeof(*q->ring))) == NULL) {
		log_warn("%s: calloc", __func__);
		free(q);
		return NULL;
	}
	q->cap = cap;
	return q;
}

void
follow_q_free(struct follow_q *q)
{
	unsigned i;

	if (q == NULL)
		return;
	for (i = 0; i < q->len; i++)
		free(q->ring[(q->head + i) % q->cap].line);
	free(q->ring);
	free(q);
}

int
follow_q_push(struct follow_q *q, const char *line)
{
	struct follow_ent *e;
	char *copy;

	if (q->len == q->cap || (copy = strdup(line)) == NULL) {
		q->skipped_tail++;
		q->skipped_total++;
		q->tail_pending = 1;
		return -1;
	}
	e = &q->ring[(q->head + q->len) % q->cap];
	e->line = copy;
	e->skipped_before = q->skipped_tail;
	q->skipped_tail = 0;
	q->tail_pending = 0;
	q->len++;
	return 0;
}

char *
follow_q_pop(struct follow_q *q)
{
	struct follow_ent *e;
	char *line;
	uint64_t n;

	if (q->len == 0) {
		if (!q->tail_pending)
			return NULL;
		n = q->skipped_tail;
		q->skipped_tail = 0;
		q->tail_pending = 0;
		return follow_line_skipped(n);
	}
	e = &q->ring[q->head];
	if (e->skipped_before > 0) {
		/* Report the gap first; the entry stays for the next pop. */
		n = e->skipped_before;
		e->skipped_before = 0;
		return follow_line_skipped(n);
	}
	line = e->line;
	e->line = NULL;
	q->head = (q->head + 1) % q->cap;
	q->len--;
	return line;
}

uint64_t
follow_q_drop(struct follow_q *q)
{
	struct follow_ent *e;
	uint64_t lost = q->skipped_tail;

	while (q->len > 0) {
		e = &q->ring[q->head];
		lost += e->skipped_before + 1;
		q->skipped_total++;
		free(e->line);
		e->line = NULL;
		q->head = (q->head + 1) % q->cap;
		q->len--;
	}
	q->skipped_tail = 0;
	q->tail_pending = 0;
	return lost;
}

unsigned
follow_q_len(const struct follow_q *q)
{
	return q->len;
}

uint64_t
follow_q_skipped(const struct follow_q *q)
{
	return q->skipped_total;
}

/* One stream line: {"ok":true,"stream":KIND,"result":RESULT}\n. */
static char *
follow_line(const char *kind, struct json_object *result)
{
	struct json_object *o;
	char *line, *s;
	size_t n;

	if ((o = json_object_new_object()) == NULL) {
		json_object_put(result);
		return NULL;
	}
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "stream", json_object_new_string(kind));
	json_object_object_add(o, "result", result);
	line = NULL;
	if ((s = jwrite_dup(o, &n)) == NULL ||
	    (line = realloc(s, n + 2)) == NULL) {
		log_warn("%s: malloc", __func__);
		free(s);
	} else {
		line[n] = '\n';
		line[n + 1] = '\0';
	}
	json_object_put(o);
	return line;
}

char *
follow_line_alert(struct json_object *alert)
{
	return follow_line("alert", json_object_get(alert));
}

char *
follow_line_skipped(uint64_t n)
{
	struct json_object *r;

	r = json_object_new_object();
	json_object_object_add(r, "skipped", json_object_new_int64((int64_t)n));
	return follow_line("skipped", r);
}

char *
follow_line_end(const char *reason, uint64_t skipped)
{
	struct json_object *r;

	r = json_object_new_object();
	json_object_object_add(r, "end", json_object_new_boolean(1));
	json_object_object_add(r, "reason", json_object_new_string(reason));
	json_object_object_add(r, "skipped_total",
	    json_object_new_int64((int64_t)skipped));
	return follow_line("end", r);
}
