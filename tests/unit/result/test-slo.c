/* test-slo.c: SLO verdicts on the fixture run — measured values, units, no data, the overall result. */
#include <stdlib.h>

#include "result/results-fixture.h"
#include "result/slo.h"
#include "util/fmt.h"
#include "tap.h"

/* Checks one verdict's text and flags. */
static void check(const struct fr_verdict *v, const char *text, int pass, int no_data, int skipped, const char *name)
{
	char buf[160];
	snprintf(buf, sizeof buf, "%s: measured %s", name, text);
	tap_is_str(v->measured_text, text, buf);
	snprintf(buf, sizeof buf, "%s: pass %d no_data %d skipped %d", name, pass, no_data, skipped);
	tap_ok(v->pass == pass && v->no_data == no_data && v->skipped == skipped, buf);
}

/* Every window of the fixture. */
static void test_fixture(void)
{
	struct fr_results *res = fr_results_create(&fx_tl);
	fx_fill(res);
	struct fr_verdict *v;
	size_t n;
	tap_is_int(fr_slo_evaluate(res, &v, &n), 0, "evaluate returns 0");
	tap_is_int((int64_t)n, 9, "one verdict per window");
	check(&v[0], "1.99ms", 1, 0, 0, "redis-p99 no-fault (rank 1980 of 2000 = 1989us, bucket top 1991)");
	tap_ok(v[0].measured == 1991, "redis-p99: measured in us");
	check(&v[1], "500ms", 1, 0, 0, "http-p99 run: groups and requests, not steps");
	check(&v[2], "0.23%", 1, 0, 0, "errors no-fault: 5 of 2205");
	tap_ok(v[2].measured > 0.002267 && v[2].measured < 0.002268, "errors: fraction 5/2205");
	check(&v[3], "500ms", 0, 0, 0, "stage-p95 stage 1");
	check(&v[4], "20.0ms", 1, 0, 0, "stage-p95 peak (bucket top capped at max 20000)");
	check(&v[5], "50.0ms", 1, 0, 0, "delivery-p95");
	check(&v[6], "0.33%", 1, 0, 0, "lost: 3 of 900 expected");
	check(&v[7], "skipped", 0, 0, 1, "server-side SLO");
	check(&v[8], "no data", 0, 1, 0, "widget-p99 during the fault: no samples");
	tap_is_int(fr_slo_overall(res, v, n), FR_SLO_FAIL, "result FAIL: an SLO failed");
	tap_is_int(fr_slo_overall(res, v, 3), FR_SLO_PASS, "result PASS: the first three passed");
	tap_is_int(fr_slo_overall(res, v + 7, 1), FR_SLO_PASS, "result PASS: skipped does not count");
	tap_is_int(fr_slo_overall(res, v + 8, 1), FR_SLO_FAIL, "result FAIL: no data fails");
	res->invalid_reason = xstrdup("could not deliver the planned load");
	tap_is_int(fr_slo_overall(res, v, 3), FR_SLO_INVALID, "result INVALID: run invalid");
	fr_verdicts_free(v, n);
	fr_results_free(res);
}

/* Evaluates SLO over the segments SEGS by borrowing the fixture's last window. */
static void eval_custom(struct fr_results *res, struct fr_slo slo, int *segs, size_t nsegs, int scenario,
                        struct fr_verdict *out)
{
	struct fr_slo save = fx_slos[6];
	struct fr_window wsave = fx_windows[8];
	fx_slos[6] = slo;
	fx_windows[8].slo = 6;
	fx_windows[8].segs = segs;
	fx_windows[8].nsegs = nsegs;
	fx_windows[8].scenario = scenario;
	fr_slo_evaluate_window(res, 8, out);
	fx_slos[6] = save;
	fx_windows[8] = wsave;
}

/* Filters, statistics and comparators beyond the fixture's SLOs. */
static void test_custom(void)
{
	struct fr_results *res = fr_results_create(&fx_tl);
	fx_fill(res);
	int all[] = {0, 1, 2};
	struct fr_verdict v;
	struct fr_slo s = {.name = "x",
	                   .stat = FR_STAT_QUANTILE,
	                   .quantile = 0.99,
	                   .cmp = FR_CMP_LT,
	                   .threshold = 8000,
	                   .threshold_text = "< 8ms",
	                   .request = "widget"};
	eval_custom(res, s, all, 3, -1, &v);
	check(&v, "8.00ms", 0, 0, 0, "a group step by name, any scenario; 8ms is not < 8ms");
	free(v.measured_text);
	s.cmp = FR_CMP_LE;
	eval_custom(res, s, all, 3, -1, &v);
	check(&v, "8.00ms", 1, 0, 0, "<= 8ms passes");
	free(v.measured_text);
	s.scenario = "viewers";
	eval_custom(res, s, all, 3, -1, &v);
	check(&v, "no data", 0, 1, 0, "scenario filter excludes the request's scenario");
	free(v.measured_text);
	s = (struct fr_slo){.name = "m",
	                    .stat = FR_STAT_MAX,
	                    .cmp = FR_CMP_LT,
	                    .threshold = 1e6,
	                    .request = "dashboard",
	                    .threshold_text = "< 1s"};
	eval_custom(res, s, all, 3, -1, &v);
	check(&v, "20.0ms", 1, 0, 0, "max of a group");
	free(v.measured_text);
	s.stat = FR_STAT_MEAN;
	s.request = "dash-meta";
	s.series = FR_SERIES_SERVICE;
	eval_custom(res, s, all, 3, -1, &v);
	check(&v, "5.00ms", 1, 0, 0, "mean service time of a step");
	free(v.measured_text);
	s = (struct fr_slo){
	        .name = "l", .stat = FR_STAT_LOST, .cmp = FR_CMP_LE, .threshold = 0, .threshold_text = "<= 0"};
	eval_custom(res, s, all, 3, -1, &v);
	check(&v, "3", 0, 0, 0, "lost as a count");
	free(v.measured_text);
	s = (struct fr_slo){.name = "c",
	                    .series = FR_SERIES_CONNECT,
	                    .stat = FR_STAT_QUANTILE,
	                    .quantile = 0.5,
	                    .cmp = FR_CMP_GT,
	                    .threshold = 100,
	                    .threshold_text = "> 100us"};
	eval_custom(res, s, all, 3, -1, &v);
	check(&v, "3.00ms", 1, 0, 0, "connect p50 > 100us");
	free(v.measured_text);
	s = (struct fr_slo){.name = "e",
	                    .stat = FR_STAT_ERROR_RATE,
	                    .cmp = FR_CMP_GE,
	                    .threshold = 0.5,
	                    .threshold_is_rate = 1,
	                    .threshold_text = ">= 50%",
	                    .request = "redis-lookup"};
	int fault[] = {1};
	eval_custom(res, s, fault, 1, -1, &v);
	check(&v, "1.96%", 0, 0, 0, "error rate during the fault: 10 of 510");
	free(v.measured_text);
	s.request = NULL;
	eval_custom(res, s, fault, 1, 1, &v);
	check(&v, "no data", 0, 1, 0, "each-stage window of a websocket scenario has no HTTP data");
	free(v.measured_text);
	fr_results_free(res);
}

/* An interrupted run is judged on what it measured. */
static void test_interrupted(void)
{
	struct fr_results *res = fr_results_create(&fx_tl);
	for (int i = 0; i < 100; i++)
		fr_results_record_request(res, 0, 0, FR_OK, 3000, 2000);
	res->interrupted = 1;
	struct fr_verdict *v;
	size_t n;
	fr_slo_evaluate(res, &v, &n);
	check(&v[0], "3.00ms", 1, 0, 0, "interrupted: redis-p99 from segment 0 only");
	check(&v[5], "no data", 0, 1, 0, "interrupted: no deliveries yet");
	tap_is_int(fr_slo_overall(res, v, n), FR_SLO_FAIL, "interrupted: no data fails");
	fr_verdicts_free(v, n);
	fr_results_free(res);
}

/* Units as people read them. */
static void test_format(void)
{
	static const struct {
		double us;
		const char *want;
	} cases[] = {
	        {0, "0us"},        {812, "812us"},      {999.4, "999us"},
	        {999.6, "1.00ms"}, {4210, "4.21ms"},    {42100, "42.1ms"},
	        {421000, "421ms"}, {1503000, "1.503s"}, {3600000000.0, "3600.000s"},
	};
	char buf[32];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		fr_fmt_latency(buf, sizeof buf, cases[i].us);
		tap_is_str(buf, cases[i].want, "format_us: SLO latencies in the fr_fmt_latency style");
	}
	struct fr_slo rate = {.stat = FR_STAT_ERROR_RATE, .threshold_is_rate = 1};
	fr_slo_format_value(&rate, 0.0035, buf, sizeof buf);
	tap_is_str(buf, "0.35%", "format rate");
	fr_slo_format_value(&rate, 0.0000012, buf, sizeof buf);
	tap_is_str(buf, "0.00012%", "format a tiny non-zero rate without rounding it to 0");
	fr_slo_format_value(&rate, 0, buf, sizeof buf);
	tap_is_str(buf, "0.00%", "format zero rate");
	struct fr_slo q = {.stat = FR_STAT_QUANTILE, .quantile = 0.999};
	fr_slo_stat_name(&q, buf, sizeof buf);
	tap_is_str(buf, "p99.9", "stat name p99.9");
	q.quantile = 0.99;
	fr_slo_stat_name(&q, buf, sizeof buf);
	tap_is_str(buf, "p99", "stat name p99");
	tap_is_str(fr_slo_cmp_negated(FR_CMP_LT), ">=", "negated <");
	tap_is_str(fr_slo_cmp_negated(FR_CMP_GE), "<", "negated >=");
}

int main(void)
{
	test_fixture();
	test_custom();
	test_interrupted();
	test_format();
	return tap_done();
}
