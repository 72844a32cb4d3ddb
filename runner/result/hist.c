/* hist.c: a clean-room HDR-style log-linear histogram of microsecond values.
 *
 * The scheme (HdrHistogram's, written here from its description): values are
 * split into power-of-two "buckets", each divided into 128 equal sub-buckets
 * (256 sub-buckets for the first, whose width is 1 µs). A value v with its
 * highest set bit at position m >= 8 lands in bucket b = m - 7, sub-bucket
 * v >> b, so a sub-bucket is 2^b wide and starts at >= 128 * 2^b: its width is
 * at most 1/128 of its lower bound (2 significant decimal digits). The flat
 * index of (b, sub) is b * 128 + sub; values below 256 index themselves. From
 * 0 to 1 h (3.6e9 µs, bucket 24) that is 3287 counters, 26 KB per histogram,
 * whatever the number of samples. Recording is a clz, a shift and an add.
 */
#include "result/hist.h"

#include <stdlib.h>
#include <string.h>

#include "util/xmalloc.h"

#define SUB_BITS 7 /* log2 of the half sub-bucket count (128) */
#define SUB_HALF (1 << SUB_BITS)
#define SUB_MASK (SUB_HALF - 1)
/* index_of(FR_HIST_MAX_US) + 1: bucket 24, sub-bucket 3600000000 >> 24 = 214 */
#define NCOUNTS (24 * SUB_HALF + 214 + 1)

struct fr_hist {
	uint64_t total;
	int64_t min; /* INT64_MAX while empty */
	int64_t max; /* -1 while empty */
	double sum;
	uint64_t counts[NCOUNTS];
};

/* Flat counter index of a value already clamped to [0, FR_HIST_MAX_US]. */
static inline int index_of(int64_t v)
{
	int b = 63 - __builtin_clzll((uint64_t)v | 0xff) - SUB_BITS;
	return (b << SUB_BITS) + (int)(v >> b);
}

/* Lowest value that maps to counter I. */
static int64_t low_of(int i)
{
	if (i < 2 * SUB_HALF)
		return i;
	int b = (i >> SUB_BITS) - 1;
	return (int64_t)((i & SUB_MASK) + SUB_HALF) << b;
}

/* Highest value that maps to counter I. */
static int64_t high_of(int i)
{
	if (i < 2 * SUB_HALF)
		return i;
	int b = (i >> SUB_BITS) - 1;
	return low_of(i) + ((int64_t)1 << b) - 1;
}

/* Clamps a value into the recordable range. */
static inline int64_t clamp(int64_t v)
{
	if (v < 0)
		return 0;
	return v > FR_HIST_MAX_US ? FR_HIST_MAX_US : v;
}

/* Fixed: the counters are an array of the struct, not allocated apart. */
size_t fr_hist_bytes(void)
{
	return sizeof(struct fr_hist);
}

/* Allocates an empty histogram. */
struct fr_hist *fr_hist_create(void)
{
	struct fr_hist *h = xmalloc(sizeof *h);
	fr_hist_reset(h);
	return h;
}

/* Frees a histogram; NULL is fine. */
void fr_hist_free(struct fr_hist *h)
{
	free(h);
}

/* Empties a histogram. */
void fr_hist_reset(struct fr_hist *h)
{
	memset(h, 0, sizeof *h);
	h->min = INT64_MAX;
	h->max = -1;
}

/* Records one value. */
void fr_hist_record(struct fr_hist *h, int64_t value_us)
{
	fr_hist_record_n(h, value_us, 1);
}

/* Records a value COUNT times. */
void fr_hist_record_n(struct fr_hist *h, int64_t value_us, uint64_t count)
{
	if (!count)
		return;
	int64_t v = clamp(value_us);
	h->counts[index_of(v)] += count;
	h->total += count;
	h->sum += (double)v * (double)count;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

/* Adds SRC's counts into DST. */
void fr_hist_merge(struct fr_hist *dst, const struct fr_hist *src)
{
	if (!src || !src->total)
		return;
	for (int i = 0; i < NCOUNTS; i++)
		dst->counts[i] += src->counts[i];
	dst->total += src->total;
	dst->sum += src->sum;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

/* Number of recorded samples. */
uint64_t fr_hist_count(const struct fr_hist *h)
{
	return h ? h->total : 0;
}

/* Smallest recorded value (exact), 0 when empty. */
int64_t fr_hist_min(const struct fr_hist *h)
{
	return h && h->total ? h->min : 0;
}

/* Largest recorded value (exact), 0 when empty. */
int64_t fr_hist_max(const struct fr_hist *h)
{
	return h && h->total ? h->max : 0;
}

/* Mean of the recorded values (exact up to double rounding), 0 when empty. */
double fr_hist_mean(const struct fr_hist *h)
{
	return h && h->total ? h->sum / (double)h->total : 0.0;
}

/* Sum of the recorded values (each clamped value counted once per sample). */
double fr_hist_sum(const struct fr_hist *h)
{
	return h && h->total ? h->sum : 0.0;
}

/* A histogram read back from buckets has each sample at its bucket's low
 * value; the exact summary the writer kept puts back what buckets lose. */
void fr_hist_set_summary(struct fr_hist *h, int64_t min, int64_t max, double sum)
{
	if (!h->total)
		return;
	h->min = clamp(min);
	h->max = clamp(max);
	h->sum = sum;
}

/* Compares counters and summaries: what "merged exactly" means. */
int fr_hist_equal(const struct fr_hist *a, const struct fr_hist *b)
{
	uint64_t na = fr_hist_count(a), nb = fr_hist_count(b);
	if (na != nb)
		return 0;
	if (!na)
		return 1;
	if (a->min != b->min || a->max != b->max || a->sum != b->sum)
		return 0;
	return memcmp(a->counts, b->counts, sizeof a->counts) == 0;
}

/* Nearest-rank position of quantile Q among N samples, 1-based. The small
 * tolerance keeps 0.99 * 100 (= 99.00000000000001 in binary) at rank 99. */
uint64_t fr_hist_rank(double q, uint64_t n)
{
	double r = q * (double)n;
	uint64_t k = (uint64_t)r;
	if (r - (double)k > 1e-9 * (r > 1 ? r : 1))
		k++;
	return k < 1 ? 1 : k > n ? n : k;
}

/* The nearest-rank quantile, as the highest value of its bucket (capped at max). */
int64_t fr_hist_quantile(const struct fr_hist *h, double q)
{
	if (!h || !h->total)
		return 0;
	if (q <= 0)
		return h->min;
	if (q >= 1)
		return h->max;
	uint64_t rank = fr_hist_rank(q, h->total), seen = 0;
	for (int i = 0; i < NCOUNTS; i++) {
		seen += h->counts[i];
		if (seen >= rank) {
			int64_t v = high_of(i);
			return v > h->max ? h->max : v;
		}
	}
	return h->max;
}

/* Early verdicts count samples from a bucket's low bound up: the same cut the quantile reads. */
int64_t fr_hist_bucket_low(int64_t value_us)
{
	return low_of(index_of(clamp(value_us)));
}

/* Samples in the buckets lying wholly at or below VALUE_US: exact when
 * VALUE_US is the highest value of a bucket (or below 256 µs, where buckets
 * are 1 µs wide); otherwise the straddling bucket is left out (an undercount,
 * which keeps a "fraction below threshold" check on the safe side). */
uint64_t fr_hist_count_le(const struct fr_hist *h, int64_t value_us)
{
	if (!h || !h->total || value_us < 0)
		return 0;
	if (value_us >= h->max)
		return h->total;
	int last = index_of(value_us);
	if (high_of(last) > value_us)
		last--;
	uint64_t n = 0;
	for (int i = 0; i <= last; i++)
		n += h->counts[i];
	return n;
}

/* Calls FN for every non-empty bucket in increasing order; HIGH is inclusive. */
void fr_hist_foreach(const struct fr_hist *h, void (*fn)(int64_t low_us, int64_t high_us, uint64_t count, void *arg),
                     void *arg)
{
	if (!h || !h->total)
		return;
	for (int i = 0; i < NCOUNTS; i++)
		if (h->counts[i])
			fn(low_of(i), high_of(i), h->counts[i], arg);
}
