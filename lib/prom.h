/*
 * prom.h: the Prometheus exposition formats both daemons' /metrics speak:
 * the text format 0.0.4 and OpenMetrics 1.0.0 (when the scraper's Accept
 * asks for it).  A writer appends to an evbuffer; each metric family is
 * one prom_family() followed by its samples, written together (OpenMetrics
 * forbids interleaving families).  Labels are pairs of strings ending with
 * NULL; values are escaped here.  The differences between the two formats
 * (a counter's family name without "_total", the "# EOF" line) are kept
 * here too, so callers write one thing.  docs/http.md lists every metric.
 */
#ifndef STRATA_PROM_H
#define STRATA_PROM_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;

enum prom_type {
	PROM_COUNTER,		/* name ends in _total */
	PROM_GAUGE,
	PROM_HISTOGRAM,		/* prom_histogram() writes its samples */
};

#define PROM_CT_TEXT	"text/plain; version=0.0.4; charset=utf-8"
#define PROM_CT_OM	"application/openmetrics-text; version=1.0.0; " \
			"charset=utf-8"

struct prom {
	struct evbuffer	*buf;
	int		 om;		/* OpenMetrics */
	const char	*family;	/* the open family's name */
	int		 lint;		/* a name that breaks the conventions */
};

/* Accept header (may be NULL): 1 when the scraper takes OpenMetrics. */
int	prom_accepts_om(const char *accept);
void	prom_init(struct prom *, struct evbuffer *, int openmetrics);
/* The family's metadata: # HELP and # TYPE. */
void	prom_family(struct prom *, const char *name, enum prom_type,
	    const char *help);
/*
 * One sample of the open family: name is the family's (a counter's with
 * _total), then label name/value pairs, NULL-terminated.
 */
void	prom_sample(struct prom *, const char *name, double v, ...)
	    __attribute__((sentinel));
/* The same with the label pairs in an array of 2 * nlabels strings. */
void	prom_sample_v(struct prom *, const char *name, double v,
	    const char *const *labels, size_t nlabels);
/*
 * A histogram's samples for one label set: counts[i] observations
 * <= bounds[i] (not cumulative; prom_histogram adds them up), over the
 * last bound, total count and sum.
 */
void	prom_histogram(struct prom *, const char *name, const double *bounds,
	    const uint64_t *counts, size_t nbounds, uint64_t count, double sum,
	    const char *const *labels, size_t nlabels);
/* A family of one unlabelled sample. */
void	prom_one(struct prom *, const char *name, enum prom_type,
	    const char *help, double v);
/* Ends the exposition (OpenMetrics' # EOF). */
void	prom_end(struct prom *);

#endif
