/* test-tally.c: the live counts of the abort gate — what each counter counts, and exact totals across threads.
 *
 * Probes count samples of their series at or above their value (clamped as
 * histograms clamp) or sum them; unmeasured times (negative) are not
 * samples. Two threads recording 2,000,000 samples each into the same cells
 * lose none. The cost of one record is printed as a TAP comment (docs/decisions
 * quote it from a release build).
 */
#include <pthread.h>
#include <stdio.h>

#include "observe/tally.h"
#include "result/hist.h"
#include "tap.h"
#include "util/clock.h"

#define PER_THREAD 2000000

static const struct fr_tally_probe probes[] = {
        {FR_SERIES_LATENCY, 0, 4992},           /* p99 < 5ms: the cut */
        {FR_SERIES_LATENCY, 0, 5000},           /*   the edge */
        {FR_SERIES_SERVICE, 0, 1000},           /* a service-series cut */
        {FR_SERIES_LATENCY, 1, 0},              /* a mean's sum */
        {FR_SERIES_LATENCY, 0, FR_HIST_MAX_US}, /* at the clamp */
};

/* Sums KEY over segments 0 and 1. */
static void sums(const struct fr_tally *t, int key, uint64_t *out)
{
	static const int segs[2] = {0, 1};
	for (size_t i = 0; i < fr_tally_width(t); i++)
		out[i] = 0;
	fr_tally_add(t, key, segs, 2, out);
}

/* What each counter counts. */
static void test_counts(void)
{
	struct fr_tally *t = fr_tally_create(2, 2, 0, 0, probes, 5);
	uint64_t s[FR_TALLY_PROBES + 5];
	tap_is_int((int)fr_tally_width(t), FR_TALLY_PROBES + 5, "width: requests, errors and one per probe");
	fr_tally_record(t, 0, 0, -1, FR_OK, 4991, 900);
	fr_tally_record(t, 0, 0, -1, FR_OK, 4992, 1000);
	fr_tally_record(t, 0, 1, -1, FR_ERR_HTTP_5XX, 5000, -1);
	fr_tally_record(t, 0, 1, -1, FR_ERR_TIMEOUT, -1, -1);
	fr_tally_record(t, 0, 1, -1, FR_OK, 2 * FR_HIST_MAX_US, 7);
	fr_tally_record(t, 1, 0, -1, FR_OK, 100000, 100000);
	fr_tally_record(t, 7, 0, -1, FR_OK, 1, 1);    /* no such key */
	fr_tally_record(t, 0, 9, -1, FR_OK, 1, 1);    /* no such segment */
	fr_tally_record(NULL, 0, 0, -1, FR_OK, 1, 1); /* no tally */
	sums(t, 0, s);
	tap_is_int((int64_t)s[FR_TALLY_REQUESTS], 5, "requests, whatever was measured");
	tap_is_int((int64_t)s[FR_TALLY_ERRORS], 2, "errors");
	tap_is_int((int64_t)s[FR_TALLY_PROBES + 0], 3, "latency >= 4992: 4992, 5000 and the clamped one");
	tap_is_int((int64_t)s[FR_TALLY_PROBES + 1], 2, "latency >= 5000");
	tap_is_int((int64_t)s[FR_TALLY_PROBES + 2], 1, "service >= 1000 (unmeasured service times are no samples)");
	tap_is_int((int64_t)s[FR_TALLY_PROBES + 3], 4991 + 4992 + 5000 + FR_HIST_MAX_US, "the sum, clamped at 1 h");
	tap_is_int((int64_t)s[FR_TALLY_PROBES + 4], 1, "a value beyond 1 h counts as 1 h");
	sums(t, 1, s);
	tap_is_int((int64_t)(s[FR_TALLY_REQUESTS] + s[FR_TALLY_PROBES]), 2, "keys are apart");
	fr_tally_free(t);
}

struct job {
	struct fr_tally *t;
	int thread;
};

/* Records PER_THREAD samples, half of them above the cut. */
static void *worker(void *arg)
{
	struct job *j = arg;
	for (int i = 0; i < PER_THREAD; i++)
		fr_tally_record(j->t, 0, i & 1, -1, i % 10 ? FR_OK : FR_ERR_TIMEOUT, i % 2 ? 4000 : 6000, 1000);
	return NULL;
}

/* Two threads on the same cells lose no update. */
static void test_threads(void)
{
	struct fr_tally *t = fr_tally_create(1, 2, 0, 0, probes, 5);
	pthread_t th[2];
	struct job jobs[2] = {{t, 0}, {t, 1}};
	int64_t t0 = fr_clock_mono_ns();
	worker(&jobs[0]);
	printf("# 1 thread, 5 probes: %.1f ns per record\n", (double)(fr_clock_mono_ns() - t0) / PER_THREAD);
	fr_tally_free(t);
	t = jobs[0].t = jobs[1].t = fr_tally_create(1, 2, 0, 0, probes, 5);
	t0 = fr_clock_mono_ns();
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, worker, &jobs[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	double ns = (double)(fr_clock_mono_ns() - t0) / PER_THREAD;
	uint64_t s[FR_TALLY_PROBES + 5];
	sums(t, 0, s);
	tap_is_int((int64_t)s[FR_TALLY_REQUESTS], 2 * PER_THREAD, "two threads: every request counted");
	tap_is_int((int64_t)s[FR_TALLY_ERRORS], 2 * PER_THREAD / 10, "two threads: every error counted");
	tap_is_int((int64_t)s[FR_TALLY_PROBES], PER_THREAD, "two threads: every sample above the cut counted");
	printf("# 2 threads on the same cells, 5 probes: %.1f ns per record per thread\n", ns);
	fr_tally_free(t);
}

/* The interval dimension: the interval of a sample's offset, clamped into the series. */
static void test_intervals(void)
{
	struct fr_tally *t = fr_tally_create(1, 1, 4, 1000000, probes, 5);
	uint64_t s[FR_TALLY_PROBES + 5] = {0};
	fr_tally_record(t, 0, 0, 500000, FR_OK, 6000, 0);
	fr_tally_record(t, 0, 0, 1500000, FR_OK, 100, 0);
	fr_tally_record(t, 0, 0, 1999999, FR_ERR_TIMEOUT, 100, 0);
	fr_tally_record(t, 0, 0, 9000000, FR_OK, 100, 0); /* past the end: the last interval */
	fr_tally_record(t, 0, 0, -1, FR_OK, 100, 0);      /* no offset: segments only */
	fr_tally_add_interval(t, 0, 0, s);
	tap_is_int((int64_t)(s[FR_TALLY_REQUESTS] * 10 + s[FR_TALLY_PROBES]), 11,
	           "interval 0: one request, above the cut");
	for (size_t i = 0; i < fr_tally_width(t); i++)
		s[i] = 0;
	fr_tally_add_interval(t, 0, 1, s);
	tap_is_int((int64_t)(s[FR_TALLY_REQUESTS] * 10 + s[FR_TALLY_ERRORS]), 21,
	           "interval 1: two requests, one error");
	for (size_t i = 0; i < fr_tally_width(t); i++)
		s[i] = 0;
	fr_tally_add_interval(t, 0, 3, s);
	fr_tally_add_interval(t, 0, 4, s); /* no such interval */
	tap_is_int((int64_t)s[FR_TALLY_REQUESTS], 1, "an offset past the end counts in the last interval");
	static const int seg0[1] = {0};
	for (size_t i = 0; i < fr_tally_width(t); i++)
		s[i] = 0;
	fr_tally_add(t, 0, seg0, 1, s);
	tap_is_int((int64_t)s[FR_TALLY_REQUESTS], 5, "every request in its segment");
	fr_tally_free(t);
}

int main(void)
{
	test_counts();
	test_intervals();
	test_threads();
	return tap_done();
}
