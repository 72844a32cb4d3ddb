/* ivhist.c: sparse log-linear histograms of one interval (see ivhist.h).
 *
 * Bucket index of a value v: below 256 µs, v / 4 (64 buckets of 4 µs);
 * above, with m the position of v's highest set bit and b = m − 7, the index
 * is b · 32 + (v >> (b + 2)), so bucket b covers [128 · 2^b, 256 · 2^b) in 32
 * steps of 2^(b+2). Up to 1 h that is 822 buckets: an index fits in 10 bits.
 * Entries stay sorted by index; recording finds its entry by binary search
 * and inserts when the bucket is new, which happens at most once per bucket
 * and interval.
 */
#include "result/ivhist.h"

#include <stdlib.h>
#include <string.h>

#include "util/xmalloc.h"

#define MAX_US     INT64_C(3600000000)
#define COUNT_BITS 22
#define COUNT_MAX  ((UINT32_C(1) << COUNT_BITS) - 1)
#define IDX(e)     ((int)((e) >> COUNT_BITS))
#define CNT(e)     ((e)&COUNT_MAX)

/* Bucket index of a value. */
int fr_ivhist_bucket_of(int64_t value_us)
{
	uint64_t v = (uint64_t)(value_us < 0 ? 0 : value_us > MAX_US ? MAX_US : value_us);
	if (v < 256)
		return (int)(v >> 2);
	int b = 63 - __builtin_clzll(v) - 7;
	return (b << 5) + (int)(v >> (b + 2));
}

/* Lowest value of bucket INDEX. */
int64_t fr_ivhist_bucket_low(int index)
{
	if (index < 64)
		return (int64_t)index * 4;
	int b = (index >> 5) - 1;
	return (int64_t)((index & 31) + 32) << (b + 2);
}

/* Highest value of bucket INDEX. */
static int64_t bucket_high(int index)
{
	if (index < 64)
		return (int64_t)index * 4 + 3;
	return fr_ivhist_bucket_low(index) + ((int64_t)1 << ((index >> 5) + 1)) - 1;
}

/* Makes room for one more entry. */
static void grow(struct fr_ivhist *h)
{
	if (h->n < h->cap)
		return;
	h->cap = h->cap + h->cap / 2 + 8;
	h->e = xreallocarray(h->e, h->cap, sizeof *h->e);
}

/* First entry whose index is >= IDX. */
static uint32_t lower_bound(const struct fr_ivhist *h, int idx)
{
	uint32_t lo = 0, hi = h->n;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (IDX(h->e[mid]) < idx)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Records a value COUNT times. */
void fr_ivhist_record(struct fr_ivhist *h, int64_t value_us, uint64_t count)
{
	if (!count)
		return;
	int64_t v = value_us < 0 ? 0 : value_us > MAX_US ? MAX_US : value_us;
	if ((uint64_t)v > h->max_us)
		h->max_us = (uint32_t)v;
	int idx = fr_ivhist_bucket_of(v);
	uint32_t i = lower_bound(h, idx);
	for (; i < h->n && IDX(h->e[i]) == idx && count; i++) {
		uint32_t room = COUNT_MAX - CNT(h->e[i]);
		uint32_t add = count < room ? (uint32_t)count : room;
		h->e[i] += add;
		count -= add;
	}
	while (count) {
		uint32_t add = count < COUNT_MAX ? (uint32_t)count : COUNT_MAX;
		grow(h);
		memmove(&h->e[i + 1], &h->e[i], (h->n - i) * sizeof *h->e);
		h->e[i++] = (uint32_t)idx << COUNT_BITS | add;
		h->n++;
		count -= add;
	}
}

/* Appends (IDX, COUNT) to the sorted entries OUT (N used, CAP allocated). */
static void append(uint32_t **out, uint32_t *n, uint32_t *cap, int idx, uint32_t count)
{
	if (*n && IDX((*out)[*n - 1]) == idx) {
		uint32_t room = COUNT_MAX - CNT((*out)[*n - 1]);
		uint32_t add = count < room ? count : room;
		(*out)[*n - 1] += add;
		count -= add;
	}
	if (!count)
		return;
	if (*n == *cap) {
		*cap = *cap + *cap / 2 + 8;
		*out = xreallocarray(*out, *cap, sizeof **out);
	}
	(*out)[(*n)++] = (uint32_t)idx << COUNT_BITS | count;
}

/* Adds SRC into DST by merging the two sorted entry lists. */
void fr_ivhist_merge(struct fr_ivhist *dst, const struct fr_ivhist *src)
{
	if (!src->n)
		return;
	uint32_t *out = NULL, n = 0, cap = 0, i = 0, j = 0;
	while (i < dst->n || j < src->n) {
		int take_dst = j >= src->n || (i < dst->n && IDX(dst->e[i]) <= IDX(src->e[j]));
		uint32_t e = take_dst ? dst->e[i++] : src->e[j++];
		append(&out, &n, &cap, IDX(e), CNT(e));
	}
	free(dst->e);
	dst->e = out;
	dst->n = n;
	dst->cap = cap;
	if (src->max_us > dst->max_us)
		dst->max_us = src->max_us;
}

/* Frees the entries. */
void fr_ivhist_clear(struct fr_ivhist *h)
{
	free(h->e);
	memset(h, 0, sizeof *h);
}

/* Samples recorded. */
uint64_t fr_ivhist_count(const struct fr_ivhist *h)
{
	uint64_t n = 0;
	for (uint32_t i = 0; i < h->n; i++)
		n += CNT(h->e[i]);
	return n;
}

/* Nearest-rank quantile, as in hist.c, at this histogram's precision. */
int64_t fr_ivhist_quantile(const struct fr_ivhist *h, double q)
{
	uint64_t total = fr_ivhist_count(h);
	if (!total)
		return 0;
	if (q >= 1)
		return h->max_us;
	double r = q * (double)total;
	uint64_t rank = (uint64_t)r;
	if (r - (double)rank > 1e-9 * (r > 1 ? r : 1))
		rank++;
	if (rank < 1)
		rank = 1;
	uint64_t seen = 0;
	for (uint32_t i = 0; i < h->n; i++) {
		seen += CNT(h->e[i]);
		if (seen >= rank) {
			int64_t v = bucket_high(IDX(h->e[i]));
			return v > h->max_us ? h->max_us : v;
		}
	}
	return h->max_us;
}

/* Calls FN for each bucket, entries of one index added together. */
void fr_ivhist_foreach(const struct fr_ivhist *h, void (*fn)(int64_t low_us, uint64_t count, void *arg), void *arg)
{
	for (uint32_t i = 0; i < h->n;) {
		int idx = IDX(h->e[i]);
		uint64_t c = 0;
		for (; i < h->n && IDX(h->e[i]) == idx; i++)
			c += CNT(h->e[i]);
		fn(fr_ivhist_bucket_low(idx), c, arg);
	}
}
