/* test-sustained.c: sustained objectives — the intervals of a window, sliding positions, the longest breach.
 *
 * Windows made of segments with a gap (a no-fault window) keep only the
 * intervals wholly inside a stretch; a position is `over` intervals wide and
 * slides one interval at a time; a breach counts one interval per failing
 * position and spans from the last interval of its first position to the end
 * of its last; a window shorter than `over` is one position; positions
 * without samples break a breach; error_rate and max read the counts and the
 * exact maxima. The time to judge an hour of three keys is printed as a TAP
 * comment.
 */
#include <stdio.h>
#include <stdlib.h>

#include "result/sustained.h"
#include "tap.h"
#include "util/clock.h"

static int stage0[1] = {0};

/* A timeline of one scenario and segments [0,5s) [5,7s) [7,20s): the window
 * SEGS of them. */
static struct fr_segment segs[3] = {
        {.start_us = 0, .end_us = 5000000, .stage = stage0},
        {.start_us = 5000000, .end_us = 7300000, .stage = stage0},
        {.start_us = 7300000, .end_us = 20000000, .stage = stage0},
};
static struct fr_timeline tl = {.segs = segs, .nsegs = 3, .npasses = 1, .pass_us = 20000000};

/* The intervals of a window as text: "0 1 2 …". */
static void intervals_are(int *ws, size_t n, int64_t iv_us, const char *want, const char *name)
{
	struct fr_window w = {.segs = ws, .nsegs = n};
	size_t k;
	size_t *iv = fr_sustained_intervals(&w, &tl, iv_us, 20, &k);
	char buf[256] = "";
	size_t len = 0;
	for (size_t i = 0; i < k; i++)
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%zu", i ? " " : "", iv[i]);
	tap_is_str(buf, want, name);
	free(iv);
}

static void test_intervals(void)
{
	int all[3] = {0, 1, 2}, gap[2] = {0, 2}, mid[1] = {1};
	intervals_are(all, 3, 1000000, "0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19",
	              "contiguous segments: every interval, across their boundaries");
	intervals_are(gap, 2, 1000000, "0 1 2 3 4 8 9 10 11 12 13 14 15 16 17 18 19",
	              "a gap (5 s to 7.3 s): the intervals straddling it are left out");
	intervals_are(mid, 1, 1000000, "5 6", "a 2.3 s segment holds two whole intervals");
	intervals_are(mid, 1, 5000000, "", "none when the interval is longer than the window");
}

/* A series of 1 key over 20 intervals of 1 s with latencies per interval. */
static struct fr_timeseries *series(const int64_t *lat, const uint32_t *errs)
{
	struct fr_timeseries *s = fr_timeseries_create(1, 1, 20000000, 1000000);
	for (size_t i = 0; i < 20; i++) {
		for (int j = 0; j < 100 && lat[i] >= 0; j++)
			fr_timeseries_request(s, 0, (int64_t)i * 1000000 + j * 10000,
			                      j < (int)(errs ? errs[i] : 0) ? FR_ERR_TIMEOUT : FR_OK, lat[i]);
	}
	return s;
}

static void test_breaches(void)
{
	int all[3] = {0, 1, 2};
	struct fr_window w = {.segs = all, .nsegs = 3, .over_us = 1000000};
	struct fr_slo p99 = {.stat = FR_STAT_QUANTILE, .quantile = 0.99, .cmp = FR_CMP_LT, .threshold = 50000};
	unsigned char sel[1] = {1};
	/* slow (100 ms) in 3..5 and 9, fast (1 ms) elsewhere, nothing in 15 */
	int64_t lat[20];
	for (int i = 0; i < 20; i++)
		lat[i] = (i >= 3 && i <= 5) || i == 9 ? 100000 : i == 15 ? -1 : 1000;
	struct fr_timeseries *s = series(lat, NULL);
	struct fr_breach b;
	tap_is_int(fr_sustained_judge(s, &tl, &w, &p99, sel, 1, &b), 0, "judged");
	tap_is_int(b.longest_us, 3000000, "over 1s: the longest breach is 3 intervals");
	tap_is_int(b.start_us * 100 / 1000000 + b.end_us / 1000000, 300 + 6, "  from 3 s to 6 s");
	tap_is_int((int64_t)(b.positions * 100 + b.breached), 19 * 100 + 4, "19 positions with samples, 4 breached");
	tap_ok(b.worst > 99000 && b.worst <= 100000 * 33 / 32, "the worst position is the slow one, at 1/32");
	w.over_us = 2000000;
	fr_sustained_judge(s, &tl, &w, &p99, sel, 1, &b);
	tap_is_int(b.longest_us, 4000000, "over 2s: positions ending at 4..7 s hold a slow interval: 4 s");
	tap_is_int(b.start_us / 1000000 * 100 + b.end_us / 1000000, 300 + 7,
	           "  the breach from 3 s (last interval of the first) to 7 s");
	w.over_us = 60000000;
	fr_sustained_judge(s, &tl, &w, &p99, sel, 1, &b);
	tap_is_int((int64_t)(b.positions * 10 + b.breached), 11, "over longer than the window: one position, breached");
	fr_timeseries_free(s);
	/* error_rate: 5 errors of 100 in interval 7 only */
	uint32_t errs[20] = {0};
	errs[7] = 5;
	s = series((int64_t[20]){0}, errs);
	struct fr_slo er = {.stat = FR_STAT_ERROR_RATE, .cmp = FR_CMP_LT, .threshold = 0.01};
	w.over_us = 1000000;
	fr_sustained_judge(s, &tl, &w, &er, sel, 1, &b);
	tap_is_int(b.longest_us / 1000 + b.start_us / 1000000, 1000 + 7, "error_rate: a 1 s breach at 7 s");
	w.over_us = 10000000;
	fr_sustained_judge(s, &tl, &w, &er, sel, 1, &b);
	tap_is_int(b.longest_us, 0, "error_rate over 10 s: 0.5 % at most, no breach");
	tap_ok(b.worst > 0.0049 && b.worst < 0.0051, "  worst position 0.5 %");
	struct fr_slo mx = {.stat = FR_STAT_MAX, .cmp = FR_CMP_LE, .threshold = 0};
	fr_sustained_judge(s, &tl, &w, &mx, sel, 1, &b);
	tap_is_int((int64_t)b.breached, 0, "max <= 0us of zero latencies: no breach");
	unsigned char none[1] = {0};
	tap_is_int(fr_sustained_judge(s, &tl, &w, &mx, none, 1, &b), -1, "no key selected: no data");
	fr_timeseries_free(s);
}

/* The sliding state against merging each position's histograms afresh with
 * fr_ivhist_quantile, on random data of two keys. */
static void test_against_merge(void)
{
	int all[3] = {0, 1, 2};
	struct fr_window w = {.segs = all, .nsegs = 3, .over_us = 4000000};
	struct fr_timeseries *s = fr_timeseries_create(2, 1, 20000000, 1000000);
	unsigned seed = 99;
	for (int64_t i = 0; i < 20; i++)
		for (int k = 0; k < 2; k++)
			for (int j = rand_r(&seed) % 60; j > 0; j--)
				fr_timeseries_request(s, k, i * 1000000 + j * 1000, FR_OK,
				                      rand_r(&seed) % 7 ? 100 + rand_r(&seed) % 9000
				                                        : 20000 + rand_r(&seed) % 900000);
	unsigned char sel[2] = {1, 1};
	int bad = 0;
	for (int t = 0; t < 40; t++) {
		struct fr_slo q = {.stat = FR_STAT_QUANTILE,
		                   .quantile = t % 2 ? 0.9 : 0.99,
		                   .cmp = FR_CMP_LT,
		                   .threshold = 5000 + 20000 * t};
		struct fr_breach b;
		fr_sustained_judge(s, &tl, &w, &q, sel, 2, &b);
		double worst = -1;
		size_t breached = 0;
		for (size_t p = 0; p + 4 <= 20; p++) {
			struct fr_ivhist h = {0};
			for (size_t i = p; i < p + 4; i++)
				for (int k = 0; k < 2; k++)
					fr_ivhist_merge(&h, &fr_timeseries_get(s, k, i)->latency);
			double v = (double)fr_ivhist_quantile(&h, q.quantile);
			worst = v > worst ? v : worst;
			breached += v >= q.threshold;
			fr_ivhist_clear(&h);
		}
		bad += worst != b.worst || breached != b.breached;
	}
	tap_is_int(bad, 0, "sliding positions read what merged histograms read (40 thresholds, p90 and p99)");
	fr_timeseries_free(s);
}

/* An hour of three keys, 200 samples per key and interval, over 10 s. */
static void test_cost(void)
{
	int64_t len = 3600000000;
	struct fr_segment seg = {.start_us = 0, .end_us = len, .stage = stage0};
	struct fr_timeline t = {.segs = &seg, .nsegs = 1, .npasses = 1, .pass_us = len};
	int s0[1] = {0};
	struct fr_window w = {.segs = s0, .nsegs = 1, .over_us = 10000000};
	struct fr_timeseries *s = fr_timeseries_create(3, 1, len, 1000000);
	unsigned seed = 1;
	for (int64_t i = 0; i < 3600; i++)
		for (int k = 0; k < 3; k++)
			for (int j = 0; j < 200; j++)
				fr_timeseries_request(s, k, i * 1000000 + j * 5000, FR_OK, 200 + rand_r(&seed) % 50000);
	struct fr_slo p99 = {.stat = FR_STAT_QUANTILE, .quantile = 0.99, .cmp = FR_CMP_LT, .threshold = 49000};
	unsigned char sel[3] = {1, 1, 1};
	struct fr_breach b;
	int64_t t0 = fr_clock_mono_ns();
	fr_sustained_judge(s, &t, &w, &p99, sel, 3, &b);
	printf("# 1 h, 3 keys, over 10s: %zu positions judged in %.1f ms\n", b.positions,
	       (double)(fr_clock_mono_ns() - t0) / 1e6);
	tap_is_int((int64_t)b.positions, 3600 - 10 + 1, "an hour over 10 s: 3591 positions");
	w.over_us = 600000000;
	t0 = fr_clock_mono_ns();
	fr_sustained_judge(s, &t, &w, &p99, sel, 3, &b);
	printf("# 1 h, 3 keys, over 10m: %zu positions judged in %.1f ms\n", b.positions,
	       (double)(fr_clock_mono_ns() - t0) / 1e6);
	fr_timeseries_free(s);
}

int main(void)
{
	test_intervals();
	test_breaches();
	test_against_merge();
	test_cost();
	return tap_done();
}
