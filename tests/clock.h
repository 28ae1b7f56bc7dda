/*
 * clock.h: the two clocks the tests and benchmarks measure with:
 * monotonic wall time and the process's CPU time, in seconds.
 * Header-only, like tests/unit/tap.h.
 */
#ifndef STRATA_TEST_CLOCK_H
#define STRATA_TEST_CLOCK_H

#include <sys/resource.h>

#include <time.h>

static inline double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

static inline double
cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ((double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6);
}

#endif
