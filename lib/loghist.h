/*
 * loghist.h: log-linear histograms of durations in nanoseconds: 8 exact
 * buckets below 8 ns, then 8 buckets per power of two (each at most 12.5 %
 * of its value wide) up to 2^44 ns (4.9 hours; longer ones count in the
 * last bucket).  The ovs analyzer fills them per window and sends them
 * sparse ([[bucket, count], ...]); the aggregator merges them and both
 * read percentiles the same way.
 */
#ifndef STRATA_LOGHIST_H
#define STRATA_LOGHIST_H

#include <stdint.h>

#include <json-c/json.h>

#define LH_SUB_BITS	3
#define LH_SUB		(1u << LH_SUB_BITS)
#define LH_MAX_EXP	44
#define LH_NBUCKETS	(LH_SUB + (LH_MAX_EXP - LH_SUB_BITS) * LH_SUB)

struct loghist {
	uint64_t	 count;
	uint64_t	 sum;		/* ns */
	uint64_t	 max;		/* ns */
	uint32_t	 b[LH_NBUCKETS];
};

unsigned	 lh_bucket(uint64_t ns);
/* The bucket's values are [lo, lo + width). */
uint64_t	 lh_lo(unsigned bucket);
uint64_t	 lh_width(unsigned bucket);
void		 lh_add(struct loghist *, uint64_t ns);
void		 lh_merge(struct loghist *, const struct loghist *);
void		 lh_clear(struct loghist *);
/* The q-quantile (0 < q <= 1): its bucket's middle, at most max; ns. */
uint64_t	 lh_quantile(const struct loghist *, double q);
/* [[bucket, count], ...] of the non-empty buckets. */
struct json_object *lh_buckets_json(const struct loghist *);
/* Adds buckets_json's pairs to h (count and sum from them); -1 if malformed. */
int		 lh_add_json(struct loghist *, struct json_object *buckets,
		    uint64_t max_ns);

#endif
