/* test-hist.c: the histogram's percentiles against exact sorted-sample percentiles.
 *
 * Every distribution is recorded both into a histogram and into a plain array;
 * the array is sorted and its nearest-rank percentiles (rank = ceil(q * n)) are
 * the truth. The histogram must never report below the truth and never more
 * than 1 % above it, must merge exactly, and must count exactly at bucket tops.
 */
#include <math.h>
#include <stdlib.h>
#include <time.h>

#include "plan/estimate.h"
#include "result/hist.h"
#include "result/results.h"
#include "tap.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

/* xorshift64*: deterministic samples. */
static uint64_t next(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

/* Uniform in (0, 1). */
static double unif(void)
{
	return ((double)(next() >> 11) + 0.5) / 9007199254740992.0;
}

/* Standard normal (Box-Muller). */
static double gauss(void)
{
	return sqrt(-2 * log(unif())) * cos(2 * M_PI * unif());
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Percentiles as per-mille numerators so that the truth is integer exact. */
static const struct {
	const char *name;
	double q;
	uint64_t num, den;
} qs[] = {
        {"p50", 0.5, 1, 2},          {"p90", 0.9, 9, 10}, {"p99", 0.99, 99, 100},
        {"p99.9", 0.999, 999, 1000}, {"max", 1.0, 1, 1},
};

/* Compares every percentile of H with the sorted samples V (N of them). */
static void check_dist(const char *dist, struct fr_hist *h, int64_t *v, size_t n)
{
	char name[128];
	qsort(v, n, sizeof *v, cmp64);
	for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
		uint64_t rank = (qs[i].num * n + qs[i].den - 1) / qs[i].den;
		int64_t want = v[rank - 1], got = fr_hist_quantile(h, qs[i].q);
		double err = want ? (double)(got - want) / (double)want : (double)got;
		snprintf(name, sizeof name, "%s %s: %lld vs exact %lld, error %.4f%% (0..1%%)", dist, qs[i].name,
		         (long long)got, (long long)want, err * 100);
		tap_ok(got >= want && err <= 0.01, name);
	}
	snprintf(name, sizeof name, "%s: count %zu", dist, n);
	tap_is_int((int64_t)fr_hist_count(h), (int64_t)n, name);
	snprintf(name, sizeof name, "%s: min exact", dist);
	tap_is_int(fr_hist_min(h), v[0], name);
}

#define N 200000

typedef int64_t (*gen_fn)(size_t i);

static int64_t gen_uniform(size_t i)
{
	return 1 + (int64_t)(next() % 100000);
}
static int64_t gen_exp(size_t i)
{
	return (int64_t)(-log(unif()) * 5000.0);
}
static int64_t gen_lognormal(size_t i)
{
	return (int64_t)exp(8.0 + 1.5 * gauss());
}
static int64_t gen_bimodal(size_t i)
{
	return (next() % 100 < 95) ? 800 + (int64_t)(next() % 400) : 2000000 + (int64_t)(next() % 1000000);
}
static int64_t gen_equal(size_t i)
{
	return 4210;
}
/* Values exactly on bucket edges: the low and high value of sub-buckets. */
static int64_t gen_edges(size_t i)
{
	int b = (int)(next() % 23) + 1, sub = 128 + (int)(next() % 128);
	int64_t low = (int64_t)sub << b;
	return (i & 1) ? low : low + ((int64_t)1 << b) - 1;
}
static int64_t gen_extremes(size_t i)
{
	return (i & 1) ? 1 : FR_HIST_MAX_US;
}

/* Records N samples of GEN and checks the percentiles. */
static void run_dist(const char *dist, gen_fn gen)
{
	int64_t *v = malloc(N * sizeof *v);
	struct fr_hist *h = fr_hist_create();
	for (size_t i = 0; i < N; i++) {
		v[i] = gen(i);
		fr_hist_record(h, v[i]);
	}
	check_dist(dist, h, v, N);
	fr_hist_free(h);
	free(v);
}

/* A single sample: every percentile is that sample, exactly (capped at max). */
static void test_single(void)
{
	struct fr_hist *h = fr_hist_create();
	int64_t v = 123457;
	fr_hist_record(h, v);
	check_dist("single sample", h, &v, 1);
	tap_is_int(fr_hist_quantile(h, 0.5), 123457, "single sample: p50 is the sample itself");
	fr_hist_free(h);
}

/* Huge counts through record_n: ranks beyond 2^32 stay exact. */
static void test_huge(void)
{
	struct fr_hist *h = fr_hist_create();
	uint64_t big = UINT64_C(5000000000);
	fr_hist_record_n(h, 1000, big);       /* 5e9 at 1 ms */
	fr_hist_record_n(h, 50000, big / 99); /* ~1 % at 50 ms */
	tap_is_int((int64_t)fr_hist_count(h), (int64_t)(big + big / 99), "huge: count");
	tap_is_int(fr_hist_quantile(h, 0.98), 1003, "huge: p98 = 1003us, the top of the bucket [1000, 1003]");
	int64_t p999 = fr_hist_quantile(h, 0.999);
	tap_ok(p999 >= 50000 && p999 <= 50500, "huge: p99.9 within 1% above 50000us");
	tap_is_int(fr_hist_max(h), 50000, "huge: max exact");
	tap_ok(fabs(fr_hist_mean(h) - (1000.0 * 99 + 50000.0) / 100) < 1.0, "huge: mean");
	fr_hist_free(h);
}

/* Clamping: negatives count as 0, values past 1 h as 1 h. */
static void test_clamp(void)
{
	struct fr_hist *h = fr_hist_create();
	fr_hist_record(h, -5);
	fr_hist_record(h, FR_HIST_MAX_US * 2);
	tap_is_int(fr_hist_min(h), 0, "clamp: negative recorded as 0");
	tap_is_int(fr_hist_max(h), FR_HIST_MAX_US, "clamp: beyond 1 h recorded as 1 h");
	tap_is_int(fr_hist_quantile(h, 1.0), FR_HIST_MAX_US, "clamp: max quantile is 1 h");
	tap_is_int(fr_hist_quantile(h, 0.5), 0, "clamp: p50 is 0");
	fr_hist_free(h);
	h = fr_hist_create();
	tap_is_int(fr_hist_quantile(h, 0.99), 0, "empty: quantile 0");
	tap_is_int((int64_t)fr_hist_count_le(h, 100), 0, "empty: count_le 0");
	tap_ok(fr_hist_mean(h) == 0.0, "empty: mean 0");
	fr_hist_free(h);
}

/* Merging two halves equals recording everything into one. */
static void test_merge(void)
{
	struct fr_hist *a = fr_hist_create(), *b = fr_hist_create(), *all = fr_hist_create();
	for (int i = 0; i < N; i++) {
		int64_t v = gen_lognormal(0);
		fr_hist_record(i % 3 ? a : b, v);
		fr_hist_record(all, v);
	}
	fr_hist_merge(a, b);
	int same = fr_hist_count(a) == fr_hist_count(all) && fr_hist_min(a) == fr_hist_min(all) &&
	           fr_hist_max(a) == fr_hist_max(all);
	for (int q = 0; q <= 1000; q++)
		if (fr_hist_quantile(a, q / 1000.0) != fr_hist_quantile(all, q / 1000.0))
			same = 0;
	tap_ok(same, "merge: every per-mille quantile, count, min and max equal one histogram");
	tap_ok(fabs(fr_hist_mean(a) - fr_hist_mean(all)) < 1e-6 * fr_hist_mean(all), "merge: mean equal");
	fr_hist_free(a);
	fr_hist_free(b);
	fr_hist_free(all);
}

struct bucket_list {
	int64_t low[64], high[64];
	uint64_t count[64];
	int n;
};

/* Collects the non-empty buckets. */
static void collect(int64_t low, int64_t high, uint64_t count, void *arg)
{
	struct bucket_list *bl = arg;
	if (bl->n < 64) {
		bl->low[bl->n] = low;
		bl->high[bl->n] = high;
		bl->count[bl->n++] = count;
	}
}

/* count_le at bucket tops is exact; buckets are at most 1/128 wide. */
static void test_count_le(void)
{
	struct fr_hist *h = fr_hist_create();
	static const int64_t vals[] = {0, 1, 255, 256, 257, 511, 512, 4992, 5000, 5023, 5024, 65535, 1000000};
	size_t nv = sizeof vals / sizeof vals[0];
	for (size_t i = 0; i < nv; i++)
		fr_hist_record_n(h, vals[i], i + 1);
	struct bucket_list bl = {.n = 0};
	fr_hist_foreach(h, collect, &bl);
	tap_is_int(bl.n, 10, "foreach: 10 non-empty buckets (256+257 and 4992+5000+5023 share one)");
	tap_ok(bl.n >= 7 && bl.low[6] == 4992 && bl.high[6] == 5023 && bl.count[6] == 8 + 9 + 10,
	       "foreach: bucket [4992, 5023] holds 4992, 5000 and 5023");
	int exact = 1, narrow = 1;
	for (int b = 0; b < bl.n; b++) {
		uint64_t want = 0;
		for (size_t i = 0; i < nv; i++)
			if (vals[i] <= bl.high[b])
				want += i + 1;
		if (fr_hist_count_le(h, bl.high[b]) != want)
			exact = 0;
		if (bl.low[b] >= 256 && (bl.high[b] - bl.low[b] + 1) * 128 > bl.low[b])
			narrow = 0;
	}
	tap_ok(exact, "count_le exact at the top of every bucket");
	tap_ok(narrow, "every bucket above 255us is at most 1/128 of its low value wide");
	tap_is_int((int64_t)fr_hist_count_le(h, 255), 1 + 2 + 3, "count_le(255) = 6 (unit buckets below 256)");
	tap_is_int((int64_t)fr_hist_count_le(h, 5000), 1 + 2 + 3 + 4 + 5 + 6 + 7,
	           "count_le(5000) leaves out the bucket straddling 5000");
	tap_is_int((int64_t)fr_hist_count_le(h, 4991), 1 + 2 + 3 + 4 + 5 + 6 + 7, "count_le(4991) bucket top");
	tap_is_int((int64_t)fr_hist_count_le(h, 2000000), 91, "count_le above max = all");
	fr_hist_free(h);
}

/* Measures the cost of one record (reported, not asserted: sanitizers slow it). */
static void measure(void)
{
	struct fr_hist *h = fr_hist_create();
	enum { M = 20000000 };
	struct timespec t0, t1;
	uint64_t x = 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < M; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		fr_hist_record(h, (int64_t)(x >> 40));
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ns = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / M;
	printf("# record cost: %.2f ns per value (including the LCG)\n", ns);
	tap_is_int((int64_t)fr_hist_count(h), M, "measure: every value counted");
	fr_hist_free(h);
}

int main(void)
{
	tap_is_int((int64_t)fr_hist_bytes(), FR_ESTIMATE_HIST_BYTES, "the memory estimate counts a histogram's size");
	tap_ok(sizeof(struct fr_cell) <= FR_ESTIMATE_CELL_BYTES, "the memory estimate counts a cell's size");
	run_dist("uniform", gen_uniform);
	run_dist("exponential", gen_exp);
	run_dist("log-normal", gen_lognormal);
	run_dist("bimodal", gen_bimodal);
	run_dist("all equal", gen_equal);
	run_dist("bucket edges", gen_edges);
	run_dist("1 and 1 h", gen_extremes);
	test_single();
	test_huge();
	test_clamp();
	test_merge();
	test_count_le();
	measure();
	return tap_done();
}
