/* test-decided.c: early verdicts — the cuts, the rule against the final verdict, and the bound.
 *
 * The rule is checked against the final verdict itself: for random sample
 * sets, thresholds on and next to bucket bounds, every quantile of the plan
 * language and both upper comparators, fr_decided_fail with room for M more
 * requests must say "decided" exactly when the final verdict (slo.c on the
 * merged histogram) fails even with the best M samples the future could bring
 * (M successes at 0 µs) — so it never aborts a run that could still pass, and
 * it aborts as soon as nothing can save it. The bound is checked on the
 * fixture timeline of results-fixture.h (open uniform arrivals at 50/s then
 * 100/s) and on the same plan as a closed model, with and without think time.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "result/decided.h"
#include "result/hist.h"
#include "result/ivhist.h"
#include "result/slo.h"
#include "results-fixture.h"
#include "tap.h"

/* The final verdict of SLO over a histogram of SAMPLES plus ERRORS failed requests among N. */
static int final_fails(const struct fr_slo *slo, const struct fr_hist *h, uint64_t n, uint64_t errors)
{
	struct fr_plan plan = {.scenarios = fx_scenarios, .nscenarios = 1, .slos = (struct fr_slo *)slo, .nslos = 1};
	static int seg0[1] = {0};
	struct fr_window w = {.slo = 0, .scenario = -1, .stage = -1, .label = "run", .segs = seg0, .nsegs = 1};
	struct fr_segment seg = {.start_us = 0, .end_us = 1, .stage = (int[2]){0, 0}};
	struct fr_timeline tl = {.plan = &plan, .segs = &seg, .nsegs = 1, .windows = &w, .nwindows = 1, .npasses = 1};
	struct fr_results *res = fr_results_create(&tl);
	struct fr_cell *c = fr_results_cell(res, 0, 0);
	c->latency = fr_hist_create();
	fr_hist_merge(c->latency, h);
	c->outcomes[FR_OK] = n - errors;
	c->outcomes[FR_ERR_HTTP_5XX] = errors;
	struct fr_verdict v;
	fr_slo_evaluate_window(res, 0, &v);
	int fail = !v.pass;
	free(v.measured_text);
	fr_results_free(res);
	return fail;
}

/* The counts of the samples in H for SLO. */
static struct fr_decided_counts counts_of(const struct fr_slo *slo, const int64_t *v, size_t n, uint64_t errors)
{
	struct fr_decided_counts c = {.requests = n, .errors = errors};
	int64_t cut, edge;
	fr_decided_cuts(slo, 0, &cut, &edge);
	for (size_t i = 0; i < n; i++) {
		int64_t x = v[i] > FR_HIST_MAX_US ? FR_HIST_MAX_US : v[i];
		c.cut += cut >= 0 && x >= cut;
		c.edge += edge >= 0 && x >= edge;
		c.sum += (uint64_t)x;
	}
	return c;
}

/* Cuts of a quantile: the edge is the threshold, the cut its bucket's low bound. */
static void test_cuts(void)
{
	struct fr_slo s = {.stat = FR_STAT_QUANTILE, .quantile = 0.99, .cmp = FR_CMP_LT, .threshold = 5000};
	int64_t cut, edge;
	fr_decided_cuts(&s, 0, &cut, &edge);
	tap_is_int((int)edge, 5000, "p99 < 5ms: edge 5000us");
	tap_is_int((int)cut, 4992, "p99 < 5ms: cut 4992us (bucket 4992..5023 reads back as 5023)");
	s.cmp = FR_CMP_LE;
	fr_decided_cuts(&s, 0, &cut, &edge);
	tap_is_int((int)edge, 5001, "p99 <= 5ms: edge 5001us");
	tap_is_int((int)cut, 4992, "p99 <= 5ms: the same bucket");
	s.threshold = 255;
	s.cmp = FR_CMP_LT;
	fr_decided_cuts(&s, 0, &cut, &edge);
	tap_is_int((int)cut, 255, "below 256us buckets are 1us wide: cut = edge");
	s.stat = FR_STAT_MAX;
	fr_decided_cuts(&s, 0, &cut, &edge);
	tap_is_int((int)(cut * 1000 + edge), -1000 + 255, "max: an edge only");
	s.stat = FR_STAT_ERROR_RATE;
	fr_decided_cuts(&s, 0, &cut, &edge);
	tap_is_int((int)(cut + edge), -2, "error_rate: no cut");
	tap_ok(!fr_decided_supported(&(struct fr_slo){.stat = FR_STAT_QUANTILE, .quantile = 0.99, .cmp = FR_CMP_GT}),
	       "a lower bound cannot be decided early");
	tap_ok(!fr_decided_supported(&(struct fr_slo){.stat = FR_STAT_LOST, .cmp = FR_CMP_LT}),
	       "lost is not supported");
	tap_ok(!fr_decided_supported(&(struct fr_slo){
	               .stat = FR_STAT_QUANTILE, .quantile = 0.5, .cmp = FR_CMP_LT, .series = FR_SERIES_DELIVERY}),
	       "websocket series are not supported");
}

/* A random latency around THR: most near it, some far on either side. */
static int64_t sample(unsigned *seed, double thr)
{
	int r = rand_r(seed) % 100;
	if (r < 40)
		return (int64_t)(thr * (0.5 + (rand_r(seed) % 1000) / 1000.0));
	if (r < 80)
		return (int64_t)thr - 40 + rand_r(seed) % 80;
	return rand_r(seed) % 3 ? rand_r(seed) % 100 : (int64_t)thr * 3;
}

/* The rule against the final verdict with the best future, over many random cases. */
static void test_rule(void)
{
	static const double qs[] = {0.5, 0.75, 0.9, 0.95, 0.99, 0.999};
	static const double thrs[] = {5000, 4992, 5023, 5024, 255, 256, 1000000, 123456.5};
	enum fr_stat stats[] = {FR_STAT_QUANTILE, FR_STAT_MAX, FR_STAT_MEAN, FR_STAT_ERROR_RATE};
	unsigned seed = 12345;
	int64_t v[400];
	int cases = 0, wrong = 0, decided = 0, random_wrong = 0;
	for (int it = 0; it < 3000; it++) {
		struct fr_slo s = {.stat = stats[it % 4],
		                   .quantile = qs[rand_r(&seed) % 6],
		                   .cmp = rand_r(&seed) % 2 ? FR_CMP_LT : FR_CMP_LE,
		                   .threshold = thrs[rand_r(&seed) % 8]};
		if (s.stat == FR_STAT_ERROR_RATE)
			s.threshold = (rand_r(&seed) % 20) / 100.0;
		size_t n = (size_t)(rand_r(&seed) % 400);
		uint64_t errors = n ? (uint64_t)(rand_r(&seed) % (n / 4 + 1)) : 0;
		for (size_t i = 0; i < n; i++)
			v[i] = sample(&seed, s.stat == FR_STAT_ERROR_RATE ? 5000 : s.threshold);
		uint64_t more = (uint64_t)(rand_r(&seed) % 3 ? rand_r(&seed) % 200 : 0);
		struct fr_decided_counts c = counts_of(&s, v, n, errors);
		int says = fr_decided_fail(&s, &c, (double)(n + more));
		/* the best future: MORE successes at 0 µs */
		struct fr_hist *h = fr_hist_create();
		for (size_t i = 0; i < n; i++)
			fr_hist_record(h, v[i]);
		fr_hist_record_n(h, 0, more);
		int best_fails = final_fails(&s, h, n + more, errors);
		/* and a random future (some of the MORE requests, some failing, any
		 * latency), which must fail too when decided */
		struct fr_hist *r = fr_hist_create();
		for (size_t i = 0; i < n; i++)
			fr_hist_record(r, v[i]);
		uint64_t got = 0, err = errors;
		for (uint64_t i = 0; i < more; i++)
			if (rand_r(&seed) % 2) {
				fr_hist_record(r, sample(&seed, s.threshold));
				got++;
				err += rand_r(&seed) % 10 == 0;
			}
		random_wrong += says && !final_fails(&s, r, n + got, err);
		fr_hist_free(r);
		fr_hist_free(h);
		cases++;
		decided += says;
		if (says != best_fails) {
			wrong++;
			if (wrong < 5)
				printf("# stat %d q %g cmp %d thr %g n %zu more %llu: decided %d, best future fails "
				       "%d\n",
				       s.stat, s.quantile, s.cmp, s.threshold, n, (unsigned long long)more, says,
				       best_fails);
		}
	}
	tap_is_int(wrong, 0, "decided == the final verdict fails even with the best future (3000 random cases)");
	tap_is_int(random_wrong, 0, "decided: a random future fails too");
	tap_ok(decided > 300 && decided < cases - 300, "both outcomes are exercised");
	struct fr_slo s = {.stat = FR_STAT_QUANTILE, .quantile = 0.99, .cmp = FR_CMP_LT, .threshold = 5000};
	struct fr_decided_counts none = {0};
	tap_ok(fr_decided_fail(&s, &none, 0), "no sample can come: failed for want of data");
	struct fr_decided_counts all = {.requests = 1000, .cut = 1000, .edge = 1000};
	tap_ok(!fr_decided_fail(&s, &all, INFINITY), "a quantile with no bound is never decided");
	s.stat = FR_STAT_MAX;
	tap_ok(fr_decided_fail(&s, &(struct fr_decided_counts){.requests = 1, .edge = 1}, INFINITY),
	       "max: one sample at the threshold decides, whatever the bound");
}

/* The time series' buckets (1/32) for sustained SLOs: another cut, the same
 * equivalence with what fr_ivhist_quantile reads. */
static void test_series_rule(void)
{
	static const double qs[] = {0.5, 0.9, 0.99, 0.999};
	struct fr_slo s = {.stat = FR_STAT_QUANTILE, .quantile = 0.99, .cmp = FR_CMP_LT, .threshold = 5100};
	int64_t cut, edge;
	fr_decided_cuts(&s, 0, &cut, &edge);
	tap_is_int(cut, 5088, "p99 < 5.1ms, verdict histograms: cut 5088us");
	fr_decided_cuts(&s, 1, &cut, &edge);
	tap_is_int(cut, 4992, "p99 < 5.1ms, time series (1/32): cut 4992us");
	unsigned seed = 777;
	int wrong = 0, decided = 0;
	for (int it = 0; it < 1500; it++) {
		s.quantile = qs[rand_r(&seed) % 4];
		s.cmp = rand_r(&seed) % 2 ? FR_CMP_LT : FR_CMP_LE;
		s.threshold = 4000 + rand_r(&seed) % 2000;
		fr_decided_cuts(&s, 1, &cut, &edge);
		size_t n = (size_t)(rand_r(&seed) % 300);
		uint64_t more = (uint64_t)(rand_r(&seed) % 100);
		struct fr_ivhist h = {0};
		struct fr_decided_counts c = {.requests = n};
		for (size_t i = 0; i < n; i++) {
			int64_t v = sample(&seed, s.threshold);
			fr_ivhist_record(&h, v, 1);
			c.cut += v >= cut;
			c.edge += v >= edge;
		}
		int says = fr_decided_fail(&s, &c, (double)(n + more));
		fr_ivhist_record(&h, 0, more);
		int best_fails =
		        n + more == 0 || !fr_cmp_holds(s.cmp, (double)fr_ivhist_quantile(&h, s.quantile), s.threshold);
		wrong += says != best_fails;
		decided += says;
		fr_ivhist_clear(&h);
	}
	tap_is_int(wrong, 0, "time series: decided == the position fails even with the best future (1500 cases)");
	tap_ok(decided > 100 && decided < 1400, "  both outcomes exercised");
}

/* N − rank(N) never decreases: the monotonicity the quantile rule rests on. */
static void test_rank_monotonic(void)
{
	static const double qs[] = {0.5, 0.75, 0.9, 0.95, 0.99, 0.999};
	int bad = 0;
	for (int i = 0; i < 6; i++)
		for (uint64_t n = 1; n < 200000; n++)
			bad += n + 1 - fr_hist_rank(qs[i], n + 1) < n - fr_hist_rank(qs[i], n);
	tap_is_int(bad, 0, "N - rank(q, N) is non-decreasing for every quantile key, N < 200000");
}

/* The bound on the fixture timeline (keys: 0 redis-lookup, 1 dashboard,
 * 2 dash-meta, 3 widget, 4 viewers). */
static void test_upper(void)
{
	struct fr_results *res = fr_results_create(&fx_tl);
	uint64_t req[5] = {100, 50, 50, 40, 0};
	unsigned char top[5] = {1, 1, 0, 0, 0}, redis[5] = {1, 0, 0, 0, 0}, widget[5] = {0, 0, 0, 1, 0};
	const struct fr_window *run = &fx_windows[1], *nofault = &fx_windows[0], *fault = &fx_windows[7];
	struct fr_decided_span sp_run = {run->segs, run->nsegs, INT64_MIN, INT64_MAX};
	struct fr_decided_span sp_nofault = {nofault->segs, nofault->nsegs, INT64_MIN, INT64_MAX};
	struct fr_decided_span sp_fault = {fault->segs, fault->nsegs, INT64_MIN, INT64_MAX};
	/* open, uniform: 5 s × 50/s + 2 per segment of stage 0, 10 s × 100/s + 2 in peak */
	tap_is_int((int)fr_decided_upper(&fx_tl, &sp_run, res->keys, res->nkeys, top, req, 0, 0), 252 + 252 + 1002,
	           "open: the planned arrivals of the window");
	tap_is_int((int)fr_decided_upper(&fx_tl, &sp_nofault, res->keys, res->nkeys, redis, req, 12000000, 0),
	           252 + 1002 - 50, "open: minus what the scenario's other keys took");
	tap_is_int((int)fr_decided_upper(&fx_tl, &sp_nofault, res->keys, res->nkeys, redis, req, 12000000, 1), 100,
	           "drained: what was recorded");
	tap_ok(isinf(fr_decided_upper(&fx_tl, &sp_fault, res->keys, res->nkeys, widget, req, 0, 0)),
	       "a group step fans out: no bound");
	fx_scenarios[0].arrival = FR_ARRIVAL_POISSON;
	tap_ok(isinf(fr_decided_upper(&fx_tl, &sp_run, res->keys, res->nkeys, top, req, 0, 0)),
	       "Poisson arrivals: no bound");
	fx_scenarios[0].arrival = FR_ARRIVAL_UNIFORM;
	fx_scenarios[0].model = FR_MODEL_CLOSED; /* 50 then 100 users */
	tap_ok(isinf(fr_decided_upper(&fx_tl, &sp_run, res->keys, res->nkeys, top, req, 15000000, 0)),
	       "closed without think time, window still open: no bound");
	tap_is_int((int)fr_decided_upper(&fx_tl, &sp_run, res->keys, res->nkeys, top, req, 20000000, 0), 150 + 100,
	           "closed, window over: one iteration in flight per user");
	fx_scenarios[0].think_us = 1000000;
	tap_is_int((int)fr_decided_upper(&fx_tl, &sp_run, res->keys, res->nkeys, top, req, 15000000, 0),
	           150 + 100 + 100 * (5 + 1),
	           "closed with think 1s at 15s: users x (5s / 1s + 1) more, plus in flight");
	fx_scenarios[0].think_us = 0;
	fx_scenarios[0].model = FR_MODEL_OPEN;
	struct fr_decided_span part = {run->segs, run->nsegs, 12000000, 14000000};
	tap_is_int((int)fr_decided_upper(&fx_tl, &part, res->keys, res->nkeys, top, req, 0, 0), 2 * 100 + 2,
	           "a span cut from a segment: its own arrivals (a sustained position)");
	fr_results_free(res);
}

int main(void)
{
	(void)fx_fill; /* the fixture's recorded run is not needed here */
	test_cuts();
	test_rule();
	test_series_rule();
	test_rank_monotonic();
	test_upper();
	return tap_done();
}
