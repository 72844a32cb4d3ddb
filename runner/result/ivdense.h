/* ivdense.h: dense bucket counts of time-series histograms, for many merges and quick quantiles.
 *
 * Merging the sparse interval histograms of ivhist.h is a sorted merge that
 * allocates; code that merges many of them over and over — the sliding
 * positions of a sustained SLO, the resamples of a baseline comparison —
 * adds their counts into one flat array of every bucket instead (and takes
 * them away again), and reads a quantile from it exactly as
 * fr_ivhist_quantile reads one from the merged histogram: the nearest rank's
 * bucket, as its highest value, capped at the largest sample.
 */
#ifndef FR_IVDENSE_H
#define FR_IVDENSE_H

#include <stdint.h>

#include "result/ivhist.h"

/* More than the buckets of an interval histogram up to 1 h (822). */
#define FR_IVDENSE_BUCKETS 1024

struct fr_ivdense {
	uint64_t counts[FR_IVDENSE_BUCKETS];
	uint64_t total;
};

/* Adds (SIGN 1) or takes away (SIGN -1) the counts of H. */
void fr_ivdense_add(struct fr_ivdense *d, const struct fr_ivhist *h, int sign);

/* The nearest-rank quantile Q in (0, 1), as the highest value of its bucket,
 * capped at MAX_US (the largest sample added); 0 when empty. */
int64_t fr_ivdense_quantile(const struct fr_ivdense *d, double q, int64_t max_us);

#endif
