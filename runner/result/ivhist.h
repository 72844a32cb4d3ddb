/* ivhist.h: the small sparse latency histogram of one key in one interval of the time series.
 *
 * The per-segment histograms (hist.h) are dense, 26 KB each, 1/128 precision;
 * a time series needs thousands of them, so each interval keeps a sparse one
 * instead: the same log-linear scheme with 32 sub-buckets per power of two
 * (hist.c's buckets merged four by four, 64 buckets of 4 µs below 256 µs),
 * so every bucket is at most 1/32 of its lower bound wide: a percentile read
 * back is the bucket's highest value, within 3.2 % above the exact sorted
 * sample (and never above the exact max, which is kept). Only non-empty
 * buckets are stored, 4 bytes each (a 10-bit bucket index and a 22-bit
 * count, sorted by index; a full count continues in a second entry of the
 * same index), so an interval costs what its spread of latencies needs.
 * Two of them merge exactly by adding bucket counts — across worker threads
 * and across shards alike.
 */
#ifndef FR_IVHIST_H
#define FR_IVHIST_H

#include <stddef.h>
#include <stdint.h>

#define FR_IVHIST_SUB_BUCKETS 32 /* per power of two: the precision 1/32 */

struct fr_ivhist {
	uint32_t *e;     /* packed entries: bucket index << 22 | count, sorted by index */
	uint32_t n, cap; /* entries used and allocated */
	uint32_t max_us; /* exact largest value (values are clamped to 1 h, which fits) */
};

/* Records VALUE_US (clamped to [0, 1 h]) COUNT times. */
void fr_ivhist_record(struct fr_ivhist *h, int64_t value_us, uint64_t count);

/* Adds SRC's counts into DST. */
void fr_ivhist_merge(struct fr_ivhist *dst, const struct fr_ivhist *src);

/* Frees the entries and empties H. */
void fr_ivhist_clear(struct fr_ivhist *h);

uint64_t fr_ivhist_count(const struct fr_ivhist *h);

/* The nearest-rank quantile Q in [0, 1] as its bucket's highest value, capped
 * at the exact max; Q >= 1 is the max; 0 when empty. */
int64_t fr_ivhist_quantile(const struct fr_ivhist *h, double q);

/* The lowest value of bucket INDEX, and the bucket of a value. */
int64_t fr_ivhist_bucket_low(int index);
int fr_ivhist_bucket_of(int64_t value_us);

/* Calls FN(low_us, count, ARG) for each non-empty bucket in increasing order. */
void fr_ivhist_foreach(const struct fr_ivhist *h, void (*fn)(int64_t low_us, uint64_t count, void *arg), void *arg);

#endif
