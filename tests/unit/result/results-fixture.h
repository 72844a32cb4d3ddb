/* results-fixture.h: a small hand-built plan, timeline and run for the results, SLO and report tests.
 *
 * The plan "store-failure" has an open scenario "queries" (stages 50/s for 10 s
 * and "peak" 100/s for 10 s; requests redis-lookup and the group dashboard
 * with steps dash-meta and widget) and a websocket scenario "viewers", one
 * fault latency-redis@5s from 5 s to 10 s, and eight SLOs. The timeline is cut
 * into three segments: [0,5) stage 0, [5,10) stage 0 + fault, [10,20) peak.
 * fill_results records a deterministic run whose every figure is worked out
 * in the comments, so tests can assert exact text.
 */
#ifndef FR_RESULTS_FIXTURE_H
#define FR_RESULTS_FIXTURE_H

#include <string.h>

#include "result/results.h"
#include "util/xmalloc.h"

static struct fr_request fx_steps[2] = {
        {.name = "dash-meta", .method = "GET", .url = "/api/dashboard"},
        {.name = "widget", .method = "GET", .url = "/api/widget", .each = "w"},
};

static struct fr_request fx_requests[2] = {
        {.name = "redis-lookup", .method = "GET", .url = "/api/query?store=redis", .weight = 1},
        {.name = "dashboard", .steps = fx_steps, .nsteps = 2, .weight = 1},
};

static struct fr_stage fx_stages[2] = {
        {.name = NULL, .dur_us = 10000000, .level = 50},
        {.name = "peak", .dur_us = 10000000, .level = 100},
};

static struct fr_stage fx_ws_stages[1] = {{.dur_us = 20000000, .level = 10}};

static struct fr_scenario fx_scenarios[2] = {
        {.name = "queries",
         .model = FR_MODEL_OPEN,
         .stages = fx_stages,
         .nstages = 2,
         .requests = fx_requests,
         .nrequests = 2},
        {.name = "viewers", .model = FR_MODEL_WEBSOCKET, .stages = fx_ws_stages, .nstages = 1},
};

static char *fx_proxies[1] = {"redis"};

static struct fr_fault fx_faults[1] = {
        {.name = "latency-redis@5s",
         .at_us = 5000000,
         .dur_us = 5000000,
         .proxies = fx_proxies,
         .nproxies = 1,
         .toxic = FR_TOXIC_LATENCY,
         .toxicity = 1},
};

#define FX_SLO(n, ...)                                                                                                 \
	{                                                                                                              \
		.name = n, __VA_ARGS__                                                                                 \
	}

static struct fr_slo fx_slos[8] = {
        FX_SLO("redis-p99", .request = "redis-lookup", .stat = FR_STAT_QUANTILE, .quantile = 0.99, .cmp = FR_CMP_LT,
               .threshold = 5000, .threshold_text = "< 5ms", .window = FR_WINDOW_NO_FAULT, .window_text = "no-fault"),
        FX_SLO("http-p99", .stat = FR_STAT_QUANTILE, .quantile = 0.99, .cmp = FR_CMP_LT, .threshold = 3e6,
               .threshold_text = "< 3s", .window = FR_WINDOW_RUN, .window_text = "run"),
        FX_SLO("errors", .stat = FR_STAT_ERROR_RATE, .cmp = FR_CMP_LT, .threshold = 0.01, .threshold_is_rate = 1,
               .threshold_text = "< 1%", .window = FR_WINDOW_NO_FAULT, .window_text = "no-fault"),
        FX_SLO("stage-p95", .scenario = "queries", .stat = FR_STAT_QUANTILE, .quantile = 0.95, .cmp = FR_CMP_LT,
               .threshold = 25000, .threshold_text = "< 25ms", .window = FR_WINDOW_EACH_STAGE,
               .window_text = "each-stage"),
        FX_SLO("delivery-p95", .scenario = "viewers", .series = FR_SERIES_DELIVERY, .stat = FR_STAT_QUANTILE,
               .quantile = 0.95, .cmp = FR_CMP_LT, .threshold = 200000, .threshold_text = "< 200ms",
               .window = FR_WINDOW_RUN, .window_text = "run"),
        FX_SLO("lost", .stat = FR_STAT_LOST, .cmp = FR_CMP_LT, .threshold = 0.01, .threshold_is_rate = 1,
               .threshold_text = "< 1%", .window = FR_WINDOW_RUN, .window_text = "run"),
        FX_SLO("store-p99", .metric = "flowforge_store_query_duration_seconds{store=\"redis\"}",
               .stat = FR_STAT_QUANTILE, .quantile = 0.99, .cmp = FR_CMP_LT, .threshold = 5000,
               .threshold_text = "< 5ms", .window = FR_WINDOW_RUN, .window_text = "run"),
        FX_SLO("widget-p99", .request = "widget", .stat = FR_STAT_QUANTILE, .quantile = 0.99, .cmp = FR_CMP_LT,
               .threshold = 50000, .threshold_text = "< 50ms", .window = FR_WINDOW_FAULT,
               .window_ref = "latency-redis@5s", .window_text = "fault:latency-redis@5s"),
};

static struct fr_plan fx_plan = {
        .file = "plans/store-failure.yaml",
        .version = 1,
        .name = "store-failure",
        .base_url = "http://127.0.0.1:8080",
        .timeout_us = 10000000,
        .scenarios = fx_scenarios,
        .nscenarios = 2,
        .faults = {.toxiproxy_url = "http://127.0.0.1:8474", .items = fx_faults, .n = 1},
        .slos = fx_slos,
        .nslos = 8,
};

static int fx_stage0[2] = {0, 0}, fx_stage1[2] = {1, 0}, fx_fault0[1] = {0};

static struct fr_segment fx_segs[3] = {
        {.start_us = 0, .end_us = 5000000, .pass = 0, .stage = fx_stage0},
        {.start_us = 5000000, .end_us = 10000000, .pass = 0, .stage = fx_stage0, .nfaults = 1, .faults = fx_fault0},
        {.start_us = 10000000, .end_us = 20000000, .pass = 0, .stage = fx_stage1},
};

static int fx_w_nofault[2] = {0, 2}, fx_w_run[3] = {0, 1, 2}, fx_w_s0[2] = {0, 1}, fx_w_s1[1] = {2},
           fx_w_fault[1] = {1};

static struct fr_window fx_windows[9] = {
        {.slo = 0,
         .scenario = -1,
         .stage = -1,
         .label = "no-fault",
         .start_us = 0,
         .end_us = 20000000,
         .segs = fx_w_nofault,
         .nsegs = 2},
        {.slo = 1, .scenario = -1, .stage = -1, .label = "run", .end_us = 20000000, .segs = fx_w_run, .nsegs = 3},
        {.slo = 2,
         .scenario = -1,
         .stage = -1,
         .label = "no-fault",
         .end_us = 20000000,
         .segs = fx_w_nofault,
         .nsegs = 2},
        {.slo = 3, .scenario = 0, .stage = 0, .label = "stage:#1", .end_us = 10000000, .segs = fx_w_s0, .nsegs = 2},
        {.slo = 3,
         .scenario = 0,
         .stage = 1,
         .label = "stage:peak",
         .start_us = 10000000,
         .end_us = 20000000,
         .segs = fx_w_s1,
         .nsegs = 1},
        {.slo = 4, .scenario = -1, .stage = -1, .label = "run", .end_us = 20000000, .segs = fx_w_run, .nsegs = 3},
        {.slo = 5, .scenario = -1, .stage = -1, .label = "run", .end_us = 20000000, .segs = fx_w_run, .nsegs = 3},
        {.slo = 6, .scenario = -1, .stage = -1, .label = "run", .end_us = 20000000, .segs = fx_w_run, .nsegs = 3},
        {.slo = 7,
         .scenario = -1,
         .stage = -1,
         .label = "fault:latency-redis@5s",
         .start_us = 5000000,
         .end_us = 10000000,
         .segs = fx_w_fault,
         .nsegs = 1},
};

static struct fr_timeline fx_tl = {
        .plan = &fx_plan,
        .time_scale = 1.0,
        .pass_us = 20000000,
        .npasses = 1,
        .segs = fx_segs,
        .nsegs = 3,
        .windows = fx_windows,
        .nwindows = 9,
        .totals = {.duration_us = 20000000, .planned_requests = 1500, .fault_windows = 1, .slos = 8},
};

/* Records the fixture run into RES (keys: 0 redis-lookup, 1 dashboard,
 * 2 dashboard/dash-meta, 3 dashboard/widget, 4 viewers).
 * - redis-lookup: segments 0 and 2 get 1000..1999 µs once each (p99 over both:
 *   rank 1980 of 2000 = 1989 µs, reported as its bucket top 1991 = "1.99ms");
 *   segment 1 (the fault) gets 500 × 500 ms and 10 timeouts without latency;
 *   segment 2 also 5 http-5xx without latency.
 * - dashboard: 100 × 20 ms per segment; dash-meta 100 × 5 ms per segment;
 *   widget 100 × 8 ms in segments 0 and 2 only (nothing during the fault).
 * - viewers: per segment 100 deliveries of 50 ms, 300 expected, 100 received;
 *   3 lost in segment 2; 10 connects in segment 0. */
static void fx_fill(struct fr_results *res)
{
	for (int s = 0; s < 3; s++) {
		for (int i = 0; i < 1000 && s != 1; i++)
			fr_results_record_request(res, 0, s, FR_OK, 1000 + i, 900 + i);
		for (int i = 0; i < 100; i++) {
			fr_results_record_request(res, 1, s, FR_OK, 20000, 19000);
			fr_results_record_request(res, 2, s, FR_OK, 5000, 5000);
			if (s != 1)
				fr_results_record_request(res, 3, s, FR_OK, 8000, 8000);
			fr_results_record_delivery(res, 4, s, 50000);
		}
		fr_results_count_ws(res, 4, s, FR_WS_EXPECTED, 300);
		fr_results_count_ws(res, 4, s, FR_WS_RECEIVED, 100);
	}
	for (int i = 0; i < 500; i++)
		fr_results_record_request(res, 0, 1, FR_OK, 500000, 500000);
	for (int i = 0; i < 10; i++)
		fr_results_record_request(res, 0, 1, FR_ERR_TIMEOUT, -1, -1);
	for (int i = 0; i < 5; i++)
		fr_results_record_request(res, 0, 2, FR_ERR_HTTP_5XX, -1, -1);
	fr_results_count_ws(res, 4, 2, FR_WS_LOST, 3);
	fr_results_count_ws(res, 4, 0, FR_WS_CONNECTS, 10);
	for (int i = 0; i < 10; i++)
		fr_results_record_connect(res, 4, 0, 3000);
	res->started_unix_us = INT64_C(1795779804000000); /* 2026-11-27T11:43:24Z */
	res->elapsed_us = 20000000;
}

#endif
