/* test-health.c: the saturation rule (CPU share, loop lag at the verdict's statistic against a
 * bound that grows with the threshold, a minimum of wall time), merging
 * workers, and what a saturated worker does to the verdicts of the fixture run. */
#include <stdlib.h>
#include <string.h>

#include "result/health.h"
#include "result/report.h"
#include "result/results-fixture.h"
#include "tap.h"

/* Heartbeats of worker index I in SEGMENT: N ticks of 10 ms wall, CPU_PCT % of it, LAG_US late each. */
static void beat(struct fr_health *h, size_t i, int segment, int n, int cpu_pct, int64_t lag_us)
{
	for (int k = 0; k < n; k++)
		fr_health_tick(h, i, segment, FR_HEALTH_TICK_US * cpu_pct / 100, FR_HEALTH_TICK_US, lag_us);
}

static struct fr_slo p99_100ms = {.name = "p99", .stat = FR_STAT_QUANTILE, .quantile = 0.99, .threshold = 100000};
static struct fr_slo p99_3s = {.name = "p99", .stat = FR_STAT_QUANTILE, .quantile = 0.99, .threshold = 3e6};
static struct fr_slo p50_1us = {.name = "p50", .stat = FR_STAT_QUANTILE, .quantile = 0.5, .threshold = 1};
static struct fr_slo max_1s = {.name = "max", .stat = FR_STAT_MAX, .threshold = 1e6};

/* Whether a one-thread, one-segment health with these heartbeats spoils SLO; the reason in WHY. */
static int judge(const struct fr_slo *slo, int n, int cpu_pct, int64_t lag_us, char *why, size_t len)
{
	struct fr_health *h = fr_health_create(1, 3);
	char *w = NULL;
	int sat;

	beat(h, 0, 0, n, cpu_pct, lag_us);
	sat = fr_health_spoils(h, NULL, 0, slo, &w);
	snprintf(why, len, "%s", w ? w : "");
	free(w);
	fr_health_free(h);
	return sat;
}

static void test_rule(void)
{
	char why[128], *none = NULL;
	struct fr_health *h = fr_health_create(1, 0);

	tap_ok(judge(&p99_100ms, 100, 95, 200, why, sizeof why) && !strcmp(why, "thread 3 CPU 95 % (bound 90 %)"),
	       "95 % CPU over 1 s: spoiled, the reason names the thread and the bound");
	tap_ok(!judge(&p99_100ms, 100, 89, 49000, why, sizeof why), "89 % CPU and a 49 ms lag p99: not spoiled");
	tap_ok(judge(&p99_3s, 100, 90, 0, why, sizeof why), "exactly 90 % CPU: spoiled (the bound is inclusive)");
	tap_ok(judge(&p99_100ms, 100, 10, 60000, why, sizeof why) &&
	               !strcmp(why, "thread 3 loop lag p99 60.0ms (bound 50.0ms)"),
	       "p99 < 100ms and a 60 ms lag p99: spoiled (the 50 ms floor)");
	tap_ok(!judge(&p99_100ms, 100, 10, 50000, why, sizeof why), "a lag p99 of exactly 50 ms: not spoiled");
	tap_ok(!judge(&p99_3s, 100, 10, 250000, why, sizeof why),
	       "p99 < 3s and a 250 ms lag p99: not spoiled (under 10 % of the threshold)");
	tap_ok(judge(&p99_3s, 100, 10, 310000, why, sizeof why) &&
	               !strcmp(why, "thread 3 loop lag p99 310ms (bound 300ms)"),
	       "p99 < 3s and a 310 ms lag p99: spoiled");
	/* two 100 ms stalls among 100 heartbeats: the p99 and the max see them, the median does not */
	beat(h, 0, 0, 98, 1, 300);
	beat(h, 0, 0, 2, 1, 100000);
	tap_ok(fr_health_spoils(h, NULL, 0, &p99_100ms, &none) && none, "two 100 ms stalls in 1 s spoil a p99 < 100ms");
	free(none);
	tap_ok(!fr_health_spoils(h, NULL, 0, &p50_1us, &none) && !none,
	       "… but not a p50 < 1us (the median lag is 300 us)");
	tap_ok(!fr_health_spoils(h, NULL, 0, &max_1s, &none) && !none, "… nor a max < 1s (10 % is 100 ms)");
	fr_health_free(h);
	tap_ok(!judge(&p99_100ms, 49, 100, 200000, why, sizeof why),
	       "less than 0.5 s of heartbeats: too short to judge");
	tap_ok(judge(&p99_100ms, 50, 100, 200000, why, sizeof why), "0.5 s of heartbeats: judged");
	tap_ok(!fr_health_spoils(NULL, NULL, 0, &p99_100ms, &none) && !none, "no health at all: not spoiled");
}

static void test_merge_and_sum(void)
{
	struct fr_health *a = fr_health_create(2, 0), *b = fr_health_create(2, 1), *all = fr_health_create(2, -1);
	struct fr_health_sum s;
	int seg1[1] = {1};
	char *why = NULL;

	beat(a, 0, 0, 100, 30, 1000);
	beat(a, 0, 1, 100, 30, 1000);
	beat(b, 0, 0, 100, 20, 500);
	beat(b, 0, 1, 100, 97, 500);
	b->rss_peak_bytes = 1 << 20;
	fr_health_merge(all, a);
	fr_health_merge(all, b);
	tap_ok(all->nthreads == 2 && all->threads[0].thread == 0 && all->threads[1].thread == 1,
	       "merging workers appends their threads with their numbers");
	tap_is_int(all->rss_peak_bytes, 1 << 20, "the peak RSS is the largest");
	fr_health_sum(all, 1, NULL, 0, &s);
	tap_ok(s.cpu > 0.58 && s.cpu < 0.59 && s.ticks == 200 && s.lag_p99_us == 500 && !s.saturated,
	       "thread 1 over the whole run: 58.5 % CPU, 200 heartbeats, not saturated");
	fr_health_sum(all, 1, seg1, 1, &s);
	tap_ok(s.saturated, "thread 1 over segment 1 alone: saturated");
	tap_ok(fr_health_spoils(all, seg1, 1, &p99_3s, &why) && !strcmp(why, "thread 1 CPU 97 % (bound 90 %)"),
	       "the worst worker of a window is named");
	free(why);
	fr_health_free(a);
	fr_health_free(b);
	fr_health_free(all);
}

/* The fixture run with worker 1 saturated in segment 2 only (the "peak" stage). */
static struct fr_report *saturated_report(struct fr_results *res, int allow)
{
	struct fr_health *w0 = fr_health_create(3, 0), *w1 = fr_health_create(3, 1);

	fx_fill(res);
	for (int s = 0; s < 3; s++) {
		beat(w0, 0, s, 200, 20, 800);
		beat(w1, 0, s, 200, s == 2 ? 96 : 20, 800);
	}
	res->health = fr_health_create(3, -1);
	fr_health_merge(res->health, w0);
	fr_health_merge(res->health, w1);
	res->health->allow_saturated = allow;
	fr_health_free(w0);
	fr_health_free(w1);
	return fr_report_build(res, "r-sat");
}

static void test_verdicts(void)
{
	struct fr_results *res = fr_results_create(&fx_tl);
	struct fr_report *r = saturated_report(res, 0);
	static const int marked[9] = {1, 1, 0, 0, 1, 1, 0, 0, 0};
	int ok = 1;

	for (size_t i = 0; i < r->nverdicts; i++)
		ok &= r->verdicts[i].inconclusive == marked[r->verdicts[i].window] &&
		      r->verdicts[i].saturated == marked[r->verdicts[i].window];
	tap_ok(ok, "latency SLOs whose windows include the saturated segment are inconclusive; error rate, losses, "
	           "server-side SLOs and windows without that segment are not");
	tap_is_str(r->invalid_reason, "generator saturated (redis-p99, no-fault): thread 1 CPU 96 % (bound 90 %)",
	           "the run is invalid, naming the first such SLO, its window and the worker");
	tap_is_int(fr_report_slo_result(r), FR_SLO_INVALID, "overall: invalid (exit 3)");
	fr_report_free(r);
	fr_results_free(res);

	res = fr_results_create(&fx_tl);
	r = saturated_report(res, 1);
	ok = 1;
	for (size_t i = 0; i < r->nverdicts; i++)
		ok &= !r->verdicts[i].inconclusive && r->verdicts[i].saturated == marked[r->verdicts[i].window];
	tap_ok(ok, "--allow-saturated: the same verdicts are marked saturated but stand");
	tap_ok(r->invalid_reason == NULL && fr_report_slo_result(r) != FR_SLO_INVALID,
	       "--allow-saturated: the run is judged by its SLOs");
	fr_report_free(r);
	fr_results_free(res);
}

int main(void)
{
	test_rule();
	test_merge_and_sum();
	test_verdicts();
	return tap_done();
}
