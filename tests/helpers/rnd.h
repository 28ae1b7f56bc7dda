/*
 * rnd.h: the unit tests' pseudo-random numbers (xorshift64, one state per
 * test, the same sequence every run unless the test sets rng).
 */
#ifndef STRATA_RND_H
#define STRATA_RND_H

#include <stdint.h>

static uint64_t rng = 88172645463325252ULL;

/* A number in [0, n). */
static inline unsigned
rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

#endif
