/*
 * test_prom.c: the exposition writer (lib/prom.c) and the listener's
 * address rules (lib/httpd.c) without sockets: the text format and
 * OpenMetrics side by side (a counter's family named without _total in
 * OpenMetrics, # EOF), label values escaped, unknown labels left out,
 * numbers (integers exact, NaN and infinities spelled as Prometheus
 * spells them), cumulative histogram buckets, what Accept headers ask for
 * OpenMetrics, and which `http` values are addresses and loopback ones.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "httpd.h"
#include "prom.h"
#include "tap.h"

/* The buffer as a string (caller frees). */
static char *
text(struct evbuffer *b)
{
	size_t n = evbuffer_get_length(b);
	char *s = malloc(n + 1);

	evbuffer_copyout(b, s, n);
	s[n] = '\0';
	evbuffer_drain(b, n);
	return s;
}

static void
test_formats(void)
{
	struct evbuffer *b = evbuffer_new();
	struct prom p;
	char *s;
	int om;

	for (om = 0; om <= 1; om++) {
		prom_init(&p, b, om);
		prom_family(&p, "strata_migrations_total", PROM_COUNTER,
		    "Live migrations that ended.");
		prom_sample(&p, "strata_migrations_total", 3, "outcome",
		    "completed", NULL);
		prom_one(&p, "strata_migrations_active", PROM_GAUGE, "Active.", 1);
		prom_end(&p);
		s = text(b);
		if (!om)
			is_str(s, "# HELP strata_migrations_total Live migrations "
			    "that ended.\n# TYPE strata_migrations_total counter\n"
			    "strata_migrations_total{outcome=\"completed\"} 3\n"
			    "# HELP strata_migrations_active Active.\n"
			    "# TYPE strata_migrations_active gauge\n"
			    "strata_migrations_active 1\n",
			    "text format: HELP, TYPE, samples; no # EOF");
		else
			is_str(s, "# HELP strata_migrations Live migrations that "
			    "ended.\n# TYPE strata_migrations counter\n"
			    "strata_migrations_total{outcome=\"completed\"} 3\n"
			    "# HELP strata_migrations_active Active.\n"
			    "# TYPE strata_migrations_active gauge\n"
			    "strata_migrations_active 1\n# EOF\n",
			    "OpenMetrics: the counter's family without _total, "
			    "its sample with it, # EOF");
		is_int(p.lint, 0, om ? "OpenMetrics: no name breaks the conventions"
		    : "text: no name breaks the conventions");
		free(s);
	}

	prom_init(&p, b, 0);
	prom_family(&p, "strata_bad_counter", PROM_COUNTER, "x");
	prom_family(&p, "9bad", PROM_GAUGE, "x");
	is_int(p.lint, 2, "a counter without _total and a name starting with a "
	    "digit are counted as breaking the conventions");
	evbuffer_drain(b, evbuffer_get_length(b));

	prom_init(&p, b, 0);
	prom_family(&p, "strata_x", PROM_GAUGE, "a \\ and a\nnewline");
	prom_sample(&p, "strata_x", 1, "vm_name", "a\"b\\c\nd", "node", NULL,
	    "kind", "k", NULL);
	s = text(b);
	is_str(s, "# HELP strata_x a \\\\ and a\\nnewline\n"
	    "# TYPE strata_x gauge\nstrata_x{vm_name=\"a\\\"b\\\\c\\nd\","
	    "kind=\"k\"} 1\n",
	    "HELP and label values escaped; a label of unknown value (NULL) "
	    "left out");
	free(s);

	prom_init(&p, b, 0);
	prom_family(&p, "strata_v", PROM_GAUGE, "v");
	prom_sample(&p, "strata_v", 1796166873094893778.0, NULL);
	prom_sample(&p, "strata_v", 9007199254740991.0, NULL);
	prom_sample(&p, "strata_v", 0.000125, NULL);
	prom_sample(&p, "strata_v", -2.5, NULL);
	prom_sample(&p, "strata_v", NAN, NULL);
	prom_sample(&p, "strata_v", INFINITY, NULL);
	prom_sample(&p, "strata_v", -INFINITY, NULL);
	s = text(b);
	is_str(s, "# HELP strata_v v\n# TYPE strata_v gauge\n"
	    "strata_v 1.79616687309489e+18\nstrata_v 9007199254740991\n"
	    "strata_v 0.000125\nstrata_v -2.5\nstrata_v NaN\nstrata_v +Inf\n"
	    "strata_v -Inf\n",
	    "numbers: integers up to 2^53 exact, others with 15 digits, NaN, "
	    "+Inf, -Inf");
	free(s);
	evbuffer_free(b);
}

static void
test_histogram(void)
{
	static const double bounds[] = { 0.1, 0.3, 1 };
	static const uint64_t counts[] = { 2, 0, 1 };
	static const char *const lb[] = { "node", "cmp1" };
	struct evbuffer *b = evbuffer_new();
	struct prom p;
	char *s;

	prom_init(&p, b, 1);
	prom_family(&p, "strata_d_seconds", PROM_HISTOGRAM, "d");
	prom_histogram(&p, "strata_d_seconds", bounds, counts, 3, 4, 2.75, lb, 1);
	prom_end(&p);
	s = text(b);
	is_str(s, "# HELP strata_d_seconds d\n# TYPE strata_d_seconds histogram\n"
	    "strata_d_seconds_bucket{node=\"cmp1\",le=\"0.1\"} 2\n"
	    "strata_d_seconds_bucket{node=\"cmp1\",le=\"0.3\"} 2\n"
	    "strata_d_seconds_bucket{node=\"cmp1\",le=\"1\"} 3\n"
	    "strata_d_seconds_bucket{node=\"cmp1\",le=\"+Inf\"} 4\n"
	    "strata_d_seconds_count{node=\"cmp1\"} 4\n"
	    "strata_d_seconds_sum{node=\"cmp1\"} 2.75\n# EOF\n",
	    "histogram: cumulative buckets, +Inf = count (one over the last "
	    "bound), _count, _sum");
	free(s);
	evbuffer_free(b);
}

static void
test_accept(void)
{
	ok(prom_accepts_om("application/openmetrics-text;version=1.0.0,"
	    "application/openmetrics-text;version=0.0.1;q=0.75,text/plain;"
	    "version=0.0.4;q=0.5,*/*;q=0.1"), "Prometheus's Accept: OpenMetrics");
	ok(prom_accepts_om("text/plain, Application/OpenMetrics-Text"),
	    "OpenMetrics second in the list, any case");
	ok(!prom_accepts_om(NULL), "no Accept: the text format");
	ok(!prom_accepts_om("*/*"), "*/*: the text format");
	ok(!prom_accepts_om("text/plain;version=0.0.4"), "text/plain: text");
	ok(!prom_accepts_om("application/openmetrics-text;q=0"),
	    "OpenMetrics with q=0: refused, text");
	ok(!prom_accepts_om("application/openmetrics-text; q=0.0"),
	    "OpenMetrics with q=0.0: refused, text");
	ok(prom_accepts_om("application/openmetrics-text;q=0.5"),
	    "OpenMetrics with q=0.5: taken");
}

static void
test_addr(void)
{
	char out[300];

	ok(httpd_addr_norm("7312", out, sizeof(out)) == 0 &&
	    strcmp(out, "127.0.0.1:7312") == 0, "a port alone is 127.0.0.1:PORT");
	ok(httpd_addr_norm(":7312", out, sizeof(out)) == 0 &&
	    strcmp(out, "127.0.0.1:7312") == 0, ":PORT is 127.0.0.1:PORT too");
	ok(httpd_addr_norm("0.0.0.0:80", out, sizeof(out)) == 0 &&
	    strcmp(out, "0.0.0.0:80") == 0, "HOST:PORT kept as it is");
	ok(httpd_addr_norm("[::1]:7312", out, sizeof(out)) == 0,
	    "[::1]:PORT is an address");
	ok(httpd_addr_norm("70000", out, sizeof(out)) == -1 &&
	    httpd_addr_norm("h:99999", out, sizeof(out)) == -1 &&
	    httpd_addr_norm("localhost", out, sizeof(out)) == -1 &&
	    httpd_addr_norm("::1:80", out, sizeof(out)) == -1 &&
	    httpd_addr_norm("", out, sizeof(out)) == -1,
	    "refused: a port over 65535, a host alone, a bare IPv6 address, "
	    "nothing");
	ok(httpd_addr_loopback("127.0.0.1:1") && httpd_addr_loopback("127.8.9.1:1") &&
	    httpd_addr_loopback("[::1]:1") && httpd_addr_loopback("localhost:1"),
	    "loopback: 127.0.0.0/8, ::1, localhost");
	ok(!httpd_addr_loopback("0.0.0.0:1") && !httpd_addr_loopback("*:1") &&
	    !httpd_addr_loopback(":1") && !httpd_addr_loopback("[::]:1") &&
	    !httpd_addr_loopback("192.0.2.1:1") &&
	    !httpd_addr_loopback("cmp1:1"),
	    "not loopback: any address, a host's address, a name");
}

int
main(void)
{
	plan(23);
	test_formats();
	test_histogram();
	test_accept();
	test_addr();
	return tap_failed != 0;
}
