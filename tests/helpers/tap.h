/*
 * tap.h: the few TAP helpers the C unit tests use (plan, ok, is, diag).
 * Header-only so each test is one file; automake's tap-driver reads output.
 */
#ifndef STRATA_TAP_H
#define STRATA_TAP_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static inline void
plan(int n)
{
	printf("1..%d\n", n);
}

static inline void
plan_no_plan_end(void)
{
	printf("1..%d\n", tap_n);
}

static inline void
diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static inline int
ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", cond ? "ok" : "not ok", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		tap_failed++;
	return cond;
}

#define is_int(got, want, what) do {					\
	long long g_ = (long long)(got), w_ = (long long)(want);	\
	if (!ok(g_ == w_, "%s", what))					\
		diag("  got %lld, want %lld", g_, w_);			\
} while (0)

#define is_str(got, want, what) do {					\
	const char *g_ = (got), *w_ = (want);				\
	if (!ok(g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0, "%s", what)) \
		diag("  got \"%s\", want \"%s\"", g_ ? g_ : "(null)",	\
		    w_ ? w_ : "(null)");				\
} while (0)

static inline int
exit_status(void)
{
	return tap_failed ? 1 : 0;
}

#endif
