/*
 * kblock.c: the kernel analyzer's block devices: each request from
 * block_rq_issue to block_rq_complete (matched by device and sector), its
 * latency into a histogram of the device (8 buckets per power of two from
 * 1 us: a percentile is known within 12.5 %), throughput, errors, and the
 * queue depth (requests in flight, time-weighted).  Requests in flight are
 * bounded by kernel.max_inflight; a completion whose issue was not seen
 * (before the trace began, or not kept) is counted, not guessed.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"
#include "log.h"

/* blk_rwbs flags of lttng-modules (RWBS_FLAG_WRITE, RWBS_FLAG_READ). */
#define RWBS_WRITE	(1 << 0)

int
kn_block_init(struct kn_an *an)
{
	an->req_size = an->params.max_inflight;
	if ((an->req = calloc(an->req_size, sizeof(*an->req))) == NULL) {
		log_warn("%s: calloc", __func__);
		return -1;
	}
	return 0;
}

/* The kernel's dev_t inside a trace: major << 20 | minor. */
struct kn_disk *
kn_disk(struct kn_an *an, uint64_t dev, int create)
{
	struct kn_disk *d;
	unsigned i;

	for (i = 0; i < an->ndisks; i++)
		if (an->disks[i].dev == dev)
			return &an->disks[i];
	if (!create || an->ndisks == KN_MAX_DISKS)
		return NULL;
	d = &an->disks[an->ndisks++];
	memset(d, 0, sizeof(*d));
	d->dev = dev;
	snprintf(d->name, sizeof(d->name), "%" PRIu64 ":%" PRIu64, dev >> 20,
	    dev & 0xfffff);
	d->since_ns = an->now_ns;
	d->t_depth = an->now_ns;
	return d;
}

static void
depth_to(struct kn_disk *d, uint64_t t)
{
	if (t > d->t_depth) {
		d->depth_area += (double)d->inflight * (double)(t - d->t_depth);
		d->t_depth = t;
	}
}

void
kn_hist_add(struct kn_disk *d, uint64_t ns)
{
	uint64_t us = ns / 1000;
	unsigned e = 0, sub, i;

	if (us == 0)
		i = 0;
	else {
		while ((us >> (e + 1)) != 0)
			e++;
		sub = e >= 3 ? (unsigned)(us >> (e - 3)) & 7 :
		    (unsigned)(us << (3 - e)) & 7;
		i = e * KN_HIST_SUB + sub;
	}
	if (i >= KN_HIST)
		i = KN_HIST - 1;
	d->hist[i]++;
}

/* The upper edge of bucket i, in us. */
static double
hist_upper_us(unsigned i)
{
	unsigned e = i / KN_HIST_SUB, sub = i % KN_HIST_SUB;

	return (double)(1ULL << e) * (1.0 + (sub + 1) / (double)KN_HIST_SUB);
}

double
kn_hist_pct(const struct kn_disk *d, double pct)
{
	uint64_t n = 0, rank, c = 0;
	double v;
	unsigned i;

	for (i = 0; i < KN_HIST; i++)
		n += d->hist[i];
	if (n == 0)
		return -1;
	rank = (uint64_t)(pct / 100.0 * (double)n + 0.999999);
	if (rank < 1)
		rank = 1;
	for (i = 0; i < KN_HIST; i++) {
		c += d->hist[i];
		if (c >= rank)
			break;
	}
	if (i == KN_HIST)
		i = KN_HIST - 1;
	v = hist_upper_us(i) / 1000.0;
	/* Never past what was measured. */
	if (v > (double)d->lat_max_ns / 1e6)
		v = (double)d->lat_max_ns / 1e6;
	return v;
}

void
kn_rq_issue(struct kn_an *an, uint64_t t, uint64_t dev, uint64_t sector,
    uint64_t nr_sector, uint64_t rwbs)
{
	struct kn_disk *d;
	struct kn_req *r;

	if (dev == 0 || nr_sector == 0 || (d = kn_disk(an, dev, 1)) == NULL)
		return;		/* no disk (flush requests), or too many */
	if (an->req_n == an->req_size) {
		an->req_full++;
		return;
	}
	r = &an->req[an->req_n++];
	r->dev = dev;
	r->sector = sector;
	r->t_issue = t;
	r->bytes = nr_sector * 512;
	r->write = (rwbs & RWBS_WRITE) != 0;
	depth_to(d, t);
	d->inflight++;
	if (d->inflight > d->depth_max)
		d->depth_max = d->inflight;
	d->last_ns = t;
	d->dirty = 1;
}

void
kn_rq_complete(struct kn_an *an, uint64_t t, uint64_t dev, uint64_t sector,
    int64_t error)
{
	struct kn_disk *d;
	struct kn_req *r;
	uint64_t lat;
	unsigned i;

	if (dev == 0 || (d = kn_disk(an, dev, 0)) == NULL)
		return;
	for (i = 0; i < an->req_n; i++)
		if (an->req[i].dev == dev && an->req[i].sector == sector)
			break;
	d->last_ns = t;
	d->dirty = 1;
	if (i == an->req_n) {
		d->unmatched++;
		an->req_unmatched++;
		return;
	}
	r = &an->req[i];
	lat = t >= r->t_issue ? t - r->t_issue : 0;
	depth_to(d, t);
	if (d->inflight > 0)
		d->inflight--;
	d->requests++;
	d->bytes += r->bytes;
	if (r->write)
		d->write_bytes += r->bytes;
	else
		d->read_bytes += r->bytes;
	if (error != 0)
		d->errors++;
	d->lat_sum_ns += lat;
	if (lat > d->lat_max_ns)
		d->lat_max_ns = lat;
	if (d->requests == 1 || lat < d->lat_min_ns)
		d->lat_min_ns = lat;
	kn_hist_add(d, lat);
	an->req[i] = an->req[--an->req_n];
}
