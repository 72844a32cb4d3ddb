/* test-timeseries.c: the sparse interval histogram (precision, exact merge, full
 * counts) and the per-interval series (intervals, gauges, merge of threads). */
#include <math.h>
#include <stdlib.h>

#include <jansson.h>

#include "result/results-fixture.h"
#include "result/series_json.h"
#include "result/timeseries.h"
#include "tap.h"

/* A deterministic pseudo-random sequence. */
static uint64_t next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Bucket boundaries: every bucket's low maps to itself, the value below to the bucket before. */
static void test_buckets(void)
{
	int ok = 1, last = fr_ivhist_bucket_of(INT64_C(3600000000));
	for (int i = 1; i <= last; i++)
		ok &= fr_ivhist_bucket_of(fr_ivhist_bucket_low(i)) == i &&
		      fr_ivhist_bucket_of(fr_ivhist_bucket_low(i) - 1) == i - 1;
	tap_ok(ok, "bucket lows are contiguous and map back to their bucket");
	tap_is_int(last, 821, "822 buckets up to 1 h: an index fits in 10 bits");
	tap_is_int(fr_ivhist_bucket_low(64), 256, "4-us buckets below 256 us");
	int wide = 1;
	for (int i = 64; i < last; i++) {
		int64_t lo = fr_ivhist_bucket_low(i), w = fr_ivhist_bucket_low(i + 1) - lo;
		wide &= w * 32 <= lo;
	}
	tap_ok(wide, "every bucket from 256 us on is at most 1/32 of its low wide");
}

/* Quantiles are never below the exact nearest-rank value and at most 1/32 (or 3 us) above. */
static void test_precision(void)
{
	enum { N = 20000 };
	static int64_t v[N];
	struct fr_ivhist h = {0};
	uint64_t x = 88172645463325252ull;
	for (int i = 0; i < N; i++) {
		/* log-uniform over 50 us .. 5 s */
		double e = (double)(next(&x) % 100000) / 100000.0 * 11.5;
		v[i] = 50 + (int64_t)(exp(e));
		fr_ivhist_record(&h, v[i], 1);
	}
	qsort(v, N, sizeof *v, cmp64);
	static const double qs[] = {0.5, 0.9, 0.95, 0.99, 0.999};
	int ok = 1;
	for (size_t i = 0; i < sizeof qs / sizeof *qs; i++) {
		int64_t exact = v[(size_t)(qs[i] * N + 0.5) - 1], got = fr_ivhist_quantile(&h, qs[i]);
		ok &= got >= exact && (double)got <= (double)exact * (1 + 1.0 / 32) + 3;
		if (!(got >= exact && (double)got <= (double)exact * (1 + 1.0 / 32) + 3))
			printf("# q %.3f exact %lld got %lld\n", qs[i], (long long)exact, (long long)got);
	}
	tap_ok(ok, "p50..p99.9 within 1/32 above the exact value");
	tap_is_int(fr_ivhist_quantile(&h, 1.0), v[N - 1], "the max is exact");
	tap_is_int((int64_t)fr_ivhist_count(&h), N, "every sample counted");
	printf("# %u buckets for %d log-uniform samples over 5 decades: %u bytes\n", h.n, N, h.n * 4);
	fr_ivhist_clear(&h);
}

/* Merging halves gives exactly the whole. */
static void test_merge(void)
{
	struct fr_ivhist all = {0}, a = {0}, b = {0};
	uint64_t x = 2463534242ull;
	for (int i = 0; i < 5000; i++) {
		int64_t val = (int64_t)(next(&x) % 200000);
		fr_ivhist_record(&all, val, 1);
		fr_ivhist_record(i % 3 ? &a : &b, val, 1);
	}
	fr_ivhist_merge(&a, &b);
	int same = a.n == all.n && a.max_us == all.max_us;
	for (uint32_t i = 0; same && i < a.n; i++)
		same = a.e[i] == all.e[i];
	tap_ok(same, "merged halves equal the whole, entry for entry");
	fr_ivhist_clear(&all);
	fr_ivhist_clear(&a);
	fr_ivhist_clear(&b);
}

/* A count beyond 22 bits continues in a second entry and still adds up. */
static void test_big_counts(void)
{
	struct fr_ivhist h = {0}, g = {0};
	fr_ivhist_record(&h, 1000, 5000000);
	fr_ivhist_record(&h, 500, 1);
	fr_ivhist_record(&h, 1000, 1);
	tap_is_int((int64_t)fr_ivhist_count(&h), 5000002, "5,000,002 samples counted");
	tap_is_int(h.n, 3, "the full bucket continues in a second entry (and 500 has its own)");
	fr_ivhist_record(&g, 1000, 4194000);
	fr_ivhist_merge(&g, &h);
	tap_is_int((int64_t)fr_ivhist_count(&g), 9194002, "merging full entries keeps every count");
	tap_is_int(fr_ivhist_quantile(&g, 0.5), 1000, "p50: the bucket 992..1007, capped at the exact max");
	fr_ivhist_record(&g, 5000, 1);
	tap_is_int(fr_ivhist_quantile(&g, 0.5), 1007, "p50: the bucket's highest value below the max");
	fr_ivhist_clear(&h);
	fr_ivhist_clear(&g);
}

/* Offsets map to intervals; the last interval takes what lies past the end. */
static void test_intervals(void)
{
	struct fr_timeseries *s = fr_timeseries_create(2, 1, 10500000, 1000000);
	tap_is_int((int64_t)s->nintervals, 11, "10.5 s in 1 s intervals: 11");
	tap_is_int((int64_t)fr_timeseries_interval(s, 999999), 0, "offset 0.999999 s: interval 0");
	tap_is_int((int64_t)fr_timeseries_interval(s, 1000000), 1, "offset 1 s: interval 1");
	tap_is_int((int64_t)fr_timeseries_interval(s, 99000000), 10, "past the end: the last interval");
	fr_timeseries_request(s, 1, 2500000, FR_OK, 1200);
	fr_timeseries_request(s, 1, 2600000, FR_ERR_HTTP_5XX, 900);
	fr_timeseries_request(s, 1, 2700000, FR_ERR_TIMEOUT, -1);
	fr_timeseries_count(s, 1, 2500000, FR_IV_LATE, 2);
	const struct fr_iv *iv = fr_timeseries_get(s, 1, 2);
	tap_is_int((int64_t)fr_timeseries_requests(iv), 3, "3 requests in interval 2");
	tap_is_int((int64_t)fr_timeseries_errors(iv), 2, "2 of them errors");
	tap_is_int((int64_t)fr_ivhist_count(&iv->latency), 2, "2 latencies (the timeout had none)");
	tap_is_int(iv->latency.max_us, 1200, "the exact max");
	tap_is_int(iv->counters[FR_IV_LATE], 2, "late counted");
	tap_is_int((int64_t)fr_timeseries_requests(fr_timeseries_get(s, 0, 2)), 0, "the other key untouched");
	fr_timeseries_free(s);
	s = fr_timeseries_create(1, 1, INT64_C(3600000000) * 100, 1000);
	tap_ok(s->nintervals <= FR_TIMESERIES_MAX_INTERVALS, "the interval count is capped");
	fr_timeseries_free(s);
}

/* Gauges: the most in an interval, carried forward; threads add after sealing. */
static void test_gauges(void)
{
	struct fr_timeseries *a = fr_timeseries_create(1, 1, 10000000, 1000000);
	struct fr_timeseries *b = fr_timeseries_create(1, 1, 10000000, 1000000);
	fr_timeseries_gauge(a, 0, 1000000, 5);  /* 5 users from 1 s */
	fr_timeseries_gauge(a, 0, 4200000, 10); /* 10 from 4.2 s */
	fr_timeseries_gauge(a, 0, 7999999, 0);  /* none from 8 s */
	fr_timeseries_gauge(b, 0, 1000000, 4);
	fr_timeseries_gauge(b, 0, 4200000, 9);
	fr_timeseries_gauge(b, 0, 7999999, 0);
	tap_is_int(fr_timeseries_gauge_at(a, 0, 0), 0, "0 before the first setting");
	tap_is_int(fr_timeseries_gauge_at(a, 0, 3), 5, "carried forward");
	tap_is_int(fr_timeseries_gauge_at(a, 0, 4), 10, "the new level in the interval it starts in");
	tap_is_int(fr_timeseries_gauge_at(a, 0, 7), 10, "the most in the interval that ends at 0");
	tap_is_int(fr_timeseries_gauge_at(a, 0, 8), 0, "then 0");
	fr_timeseries_merge(a, b);
	static const int64_t want[] = {0, 9, 9, 9, 19, 19, 19, 19, 0, 0};
	int ok = 1;
	for (size_t i = 0; i < 10; i++)
		ok &= fr_timeseries_gauge_at(a, 0, i) == want[i];
	tap_ok(ok, "two threads' gauges add interval by interval");
	fr_timeseries_free(a);
	fr_timeseries_free(b);
}

/* The JSON series reads back to the series that was written. */
static void test_json_round_trip(void)
{
	struct fr_results *res = fr_results_create(&fx_tl);
	struct fr_timeseries *s = res->series;
	uint64_t x = 42;
	fx_fill(res); /* the cells: the series is written from the series alone */
	for (int n = 0; n < 3000; n++) {
		int64_t at = (int64_t)(next(&x) % 20000000);
		fr_timeseries_request(s, (int)(n % 4), at, n % 7 ? FR_OK : FR_ERR_HTTP_5XX,
		                      (int64_t)(next(&x) % 90000));
	}
	fr_timeseries_count(s, 0, 3000000, FR_IV_MISSED, 3);
	fr_timeseries_delivery(s, 4, 5000000, 12345);
	fr_timeseries_count(s, 4, 5000000, FR_IV_WS_LOST, 2);
	fr_timeseries_gauge(s, 1, 2000000, 10);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	tap_is_int(fr_series_json_write(f, res), 0, "series written");
	fclose(f);
	json_error_t jerr;
	json_t *doc = json_loads(text, 0, &jerr);
	tap_ok(doc != NULL, "the series is valid JSON");
	char *err = NULL;
	struct fr_timeseries *back = doc ? fr_series_json_read(doc, &err) : NULL;
	tap_ok(back && fr_timeseries_equal(s, back), "read back: every count, counter, bucket, max and gauge");
	tap_is_int((int64_t)json_array_size(json_object_get(doc, "keys")), 5, "one object per key");
	json_object_set_new(doc, "intervals", json_integer(7));
	struct fr_timeseries *bad = fr_series_json_read(doc, &err);
	tap_ok(!bad && err && strstr(err, "one value per interval"), "arrays of the wrong length are refused");
	free(err);
	fr_timeseries_free(back);
	json_decref(doc);
	free(text);
	fr_results_free(res);
}

int main(void)
{
	test_json_round_trip();
	test_buckets();
	test_precision();
	test_merge();
	test_big_counts();
	test_intervals();
	test_gauges();
	return tap_done();
}
