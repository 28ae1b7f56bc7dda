/*
 * loghist.c: log-linear duration histograms (loghist.h).
 */
#include <string.h>

#include "loghist.h"

unsigned
lh_bucket(uint64_t ns)
{
	unsigned e;

	if (ns < LH_SUB)
		return (unsigned)ns;
	e = 63 - (unsigned)__builtin_clzll(ns);
	if (e >= LH_MAX_EXP)
		return LH_NBUCKETS - 1;
	return LH_SUB + (e - LH_SUB_BITS) * LH_SUB +
	    (unsigned)((ns >> (e - LH_SUB_BITS)) & (LH_SUB - 1));
}

uint64_t
lh_lo(unsigned b)
{
	unsigned e;

	if (b < LH_SUB)
		return b;
	e = (b - LH_SUB) / LH_SUB + LH_SUB_BITS;
	return (uint64_t)(LH_SUB + (b - LH_SUB) % LH_SUB) << (e - LH_SUB_BITS);
}

uint64_t
lh_width(unsigned b)
{
	if (b < LH_SUB)
		return 1;
	return (uint64_t)1 << ((b - LH_SUB) / LH_SUB);
}

void
lh_add(struct loghist *h, uint64_t ns)
{
	h->b[lh_bucket(ns)]++;
	h->count++;
	h->sum += ns;
	if (ns > h->max)
		h->max = ns;
}

void
lh_merge(struct loghist *h, const struct loghist *o)
{
	unsigned i;

	if (o->count == 0)
		return;
	for (i = 0; i < LH_NBUCKETS; i++)
		h->b[i] += o->b[i];
	h->count += o->count;
	h->sum += o->sum;
	if (o->max > h->max)
		h->max = o->max;
}

void
lh_clear(struct loghist *h)
{
	memset(h, 0, sizeof(*h));
}

uint64_t
lh_quantile(const struct loghist *h, double q)
{
	uint64_t rank, seen = 0, v;
	unsigned i;

	if (h->count == 0)
		return 0;
	rank = (uint64_t)(q * (double)h->count + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > h->count)
		rank = h->count;
	for (i = 0; i < LH_NBUCKETS; i++) {
		seen += h->b[i];
		if (seen >= rank)
			break;
	}
	if (i == LH_NBUCKETS)
		return h->max;
	v = lh_lo(i) + lh_width(i) / 2;
	return v > h->max && h->max > 0 ? h->max : v;
}

struct json_object *
lh_buckets_json(const struct loghist *h)
{
	struct json_object *a = json_object_new_array(), *p;
	unsigned i;

	for (i = 0; i < LH_NBUCKETS && h->count > 0; i++) {
		if (h->b[i] == 0)
			continue;
		p = json_object_new_array_ext(2);
		json_object_array_add(p, json_object_new_int((int)i));
		json_object_array_add(p, json_object_new_int64(h->b[i]));
		json_object_array_add(a, p);
	}
	return a;
}

int
lh_add_json(struct loghist *h, struct json_object *a, uint64_t max_ns)
{
	struct json_object *p, *bi, *ci;
	int64_t b, c;
	size_t i, n;

	if (a == NULL || !json_object_is_type(a, json_type_array))
		return -1;
	n = json_object_array_length(a);
	for (i = 0; i < n; i++) {
		p = json_object_array_get_idx(a, i);
		if (!json_object_is_type(p, json_type_array) ||
		    json_object_array_length(p) != 2)
			return -1;
		bi = json_object_array_get_idx(p, 0);
		ci = json_object_array_get_idx(p, 1);
		if (!json_object_is_type(bi, json_type_int) ||
		    !json_object_is_type(ci, json_type_int))
			return -1;
		b = json_object_get_int64(bi);
		c = json_object_get_int64(ci);
		if (b < 0 || b >= LH_NBUCKETS || c < 0 || c > UINT32_MAX ||
		    (uint64_t)h->b[b] + (uint64_t)c > UINT32_MAX)
			return -1;
		h->b[b] += (uint32_t)c;
		h->count += (uint64_t)c;
		h->sum += (uint64_t)c * (lh_lo((unsigned)b) +
		    lh_width((unsigned)b) / 2);
	}
	if (max_ns > h->max)
		h->max = max_ns;
	return 0;
}
