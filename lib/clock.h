/*
 * clock.h: the one clock helper of the tree.  Wall-clock nanoseconds
 * (records and timestamps), monotonic nanoseconds (deadlines), and, for the
 * tests and benchmarks, monotonic and CPU seconds.  Header-only.
 */
#ifndef STRATA_CLOCK_H
#define STRATA_CLOCK_H

#include <sys/resource.h>

#include <stdint.h>
#include <time.h>

/* Nanoseconds since the Unix epoch. */
static inline int64_t
clock_wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Nanoseconds of a clock that never goes back. */
static inline uint64_t
clock_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static inline double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline double
cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

#endif
