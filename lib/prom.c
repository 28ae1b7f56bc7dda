/*
 * prom.c: the Prometheus text format and OpenMetrics writer (prom.h).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>

#include "prom.h"

#define PROM_LABELS_MAX	16	/* label pairs of one sample */

/*
 * Whether the Accept header names OpenMetrics (Prometheus sends
 * "application/openmetrics-text;version=1.0.0,...;q=0.75,text/plain...");
 * a q=0 entry refuses it.
 */
int
prom_accepts_om(const char *accept)
{
	const char *p, *end, *q;

	if (accept == NULL)
		return 0;
	for (p = accept; *p != '\0'; p = *end == ',' ? end + 1 : end) {
		p += strspn(p, " \t");
		end = p + strcspn(p, ",");
		if (strncasecmp(p, "application/openmetrics-text", 28) != 0)
			continue;
		for (q = p; q < end; q++)
			if (strncmp(q, "q=0", 3) == 0 && (q + 3 == end ||
			    q[3] == ' ' || q[3] == ';' ||
			    (q[3] == '.' && strspn(q + 4, "0") ==
			    (size_t)(end - q - 4))))
				return 0;
		return 1;
	}
	return 0;
}

void
prom_init(struct prom *p, struct evbuffer *buf, int om)
{
	memset(p, 0, sizeof(*p));
	p->buf = buf;
	p->om = om;
}

static void
put_value(struct evbuffer *b, double v)
{
	if (isnan(v))
		evbuffer_add_printf(b, "NaN");
	else if (isinf(v))
		evbuffer_add_printf(b, v > 0 ? "+Inf" : "-Inf");
	else if (fabs(v) < 9007199254740992.0 && v == floor(v))
		evbuffer_add_printf(b, "%.0f", v);
	else
		evbuffer_add_printf(b, "%.15g", v);
}

/* Label values and HELP text: backslash, newline and (labels) quote. */
static void
put_escaped(struct evbuffer *b, const char *s, int quote)
{
	const char *p;

	for (p = s; *p != '\0'; p++) {
		if (*p == '\\')
			evbuffer_add(b, "\\\\", 2);
		else if (*p == '\n')
			evbuffer_add(b, "\\n", 2);
		else if (*p == '"' && quote)
			evbuffer_add(b, "\\\"", 2);
		else
			evbuffer_add(b, p, 1);
	}
}

static int
name_ok(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_:");

	return s[0] != '\0' && n == strlen(s) && !(s[0] >= '0' && s[0] <= '9');
}

void
prom_family(struct prom *p, const char *name, enum prom_type t,
    const char *help)
{
	static const char *const types[] = { "counter", "gauge", "histogram" };
	size_t len = strlen(name);

	p->family = name;
	if (!name_ok(name) || (t == PROM_COUNTER && (len < 6 ||
	    strcmp(name + len - 6, "_total") != 0)))
		p->lint++;
	/* OpenMetrics names a counter's family without its suffix. */
	if (p->om && t == PROM_COUNTER && len > 6)
		len -= 6;
	evbuffer_add_printf(p->buf, "# HELP %.*s ", (int)len, name);
	put_escaped(p->buf, help, 0);
	evbuffer_add_printf(p->buf, "\n# TYPE %.*s %s\n", (int)len, name,
	    types[t]);
}

static void
put_sample(struct prom *p, const char *name, const char *suffix,
    const char *const *labels, size_t n, const char *le, double v)
{
	size_t i;
	int first = 1;

	evbuffer_add_printf(p->buf, "%s%s", name, suffix);
	for (i = 0; i < n; i++) {
		if (labels[2 * i + 1] == NULL)
			continue;	/* an unknown value: no label */
		evbuffer_add_printf(p->buf, "%s%s=\"", first ? "{" : ",",
		    labels[2 * i]);
		put_escaped(p->buf, labels[2 * i + 1], 1);
		evbuffer_add(p->buf, "\"", 1);
		first = 0;
	}
	if (le != NULL)
		evbuffer_add_printf(p->buf, "%sle=\"%s\"", first ? "{" : ",", le);
	if (!first || le != NULL)
		evbuffer_add(p->buf, "}", 1);
	evbuffer_add(p->buf, " ", 1);
	put_value(p->buf, v);
	evbuffer_add(p->buf, "\n", 1);
}

void
prom_sample_v(struct prom *p, const char *name, double v,
    const char *const *labels, size_t n)
{
	put_sample(p, name, "", labels, n, NULL, v);
}

void
prom_sample(struct prom *p, const char *name, double v, ...)
{
	const char *labels[2 * PROM_LABELS_MAX];
	const char *k;
	size_t n = 0;
	va_list ap;

	va_start(ap, v);
	while (n < PROM_LABELS_MAX && (k = va_arg(ap, const char *)) != NULL) {
		labels[2 * n] = k;
		labels[2 * n + 1] = va_arg(ap, const char *);
		n++;
	}
	va_end(ap);
	put_sample(p, name, "", labels, n, NULL, v);
}

void
prom_histogram(struct prom *p, const char *name, const double *bounds,
    const uint64_t *counts, size_t nb, uint64_t count, double sum,
    const char *const *labels, size_t n)
{
	char le[64];
	uint64_t cum = 0;
	size_t i;

	for (i = 0; i < nb; i++) {
		cum += counts[i];
		snprintf(le, sizeof(le), "%g", bounds[i]);
		put_sample(p, name, "_bucket", labels, n, le, (double)cum);
	}
	put_sample(p, name, "_bucket", labels, n, "+Inf", (double)count);
	put_sample(p, name, "_count", labels, n, NULL, (double)count);
	put_sample(p, name, "_sum", labels, n, NULL, sum);
}

void
prom_one(struct prom *p, const char *name, enum prom_type t, const char *help,
    double v)
{
	prom_family(p, name, t, help);
	put_sample(p, name, "", NULL, 0, NULL, v);
}

void
prom_end(struct prom *p)
{
	if (p->om)
		evbuffer_add_printf(p->buf, "# EOF\n");
}
