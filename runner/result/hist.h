/* hist.h: HDR-style log-linear latency histograms (clean-room; see hist.c).
 *
 * Values are microseconds from 1 µs to 1 h; every recorded value is counted in
 * a bucket whose width is at most 1/128 of its lower bound, so a percentile read
 * back is within 1 % of the exact sorted-sample percentile. Memory does not
 * depend on the number of samples, and two histograms merge exactly by adding
 * their counts — which is how segments make SLO windows and threads and shards
 * make one result.
 */
#ifndef FR_HIST_H
#define FR_HIST_H

#include <stddef.h>
#include <stdint.h>

#define FR_HIST_MAX_US INT64_C(3600000000) /* 1 h; larger values are clamped */

struct fr_hist;

/* Creates an empty histogram (caller frees with fr_hist_free). */
struct fr_hist *fr_hist_create(void);
void fr_hist_free(struct fr_hist *h); /* accepts NULL */
void fr_hist_reset(struct fr_hist *h);

/* The bytes one histogram takes (the memory estimate of plan/estimate.h counts them). */
size_t fr_hist_bytes(void);

/* Records VALUE_US (clamped to [0, FR_HIST_MAX_US]) COUNT times. */
void fr_hist_record(struct fr_hist *h, int64_t value_us);
void fr_hist_record_n(struct fr_hist *h, int64_t value_us, uint64_t count);

/* Adds every count of SRC into DST. */
void fr_hist_merge(struct fr_hist *dst, const struct fr_hist *src);

uint64_t fr_hist_count(const struct fr_hist *h);
int64_t fr_hist_min(const struct fr_hist *h);
int64_t fr_hist_max(const struct fr_hist *h);
double fr_hist_mean(const struct fr_hist *h);
/* The exact sum of the recorded values (integers, so exact up to 2^53 µs). */
double fr_hist_sum(const struct fr_hist *h);

/* Replaces the summary of a histogram rebuilt from serialised buckets with
 * the exact MIN, MAX and SUM the original carried, so the rebuilt histogram
 * equals the original in every bucket, count, min, max and sum. Does nothing
 * to an empty histogram. */
void fr_hist_set_summary(struct fr_hist *h, int64_t min, int64_t max, double sum);

/* Whether A and B hold the same counts in every bucket and the same count,
 * min, max and sum (NULL is an empty histogram). */
int fr_hist_equal(const struct fr_hist *a, const struct fr_hist *b);

/* The value at quantile Q in [0, 1] (0.99 for p99): the smallest recorded
 * bucket value v such that at least Q of the samples are <= v, reported as the
 * bucket's highest equivalent value (never below the true value); 0 when empty. */
int64_t fr_hist_quantile(const struct fr_hist *h, double q);

/* The nearest rank (1-based) fr_hist_quantile reads quantile Q at among N
 * samples: ceil(Q * N), between 1 and N. */
uint64_t fr_hist_rank(double q, uint64_t n);

/* The lowest value of the bucket VALUE_US (clamped) is counted in: every
 * value from there up to VALUE_US reads back as the same bucket. */
int64_t fr_hist_bucket_low(int64_t value_us);

/* Number of samples <= VALUE_US (exact when VALUE_US is a bucket boundary). */
uint64_t fr_hist_count_le(const struct fr_hist *h, int64_t value_us);

/* Iteration over non-empty buckets, for serialisation (JSON raw histograms,
 * shard merge): calls FN(bucket_low_us, bucket_high_us, count, ARG). */
void fr_hist_foreach(const struct fr_hist *h, void (*fn)(int64_t low_us, int64_t high_us, uint64_t count, void *arg),
                     void *arg);

#endif
