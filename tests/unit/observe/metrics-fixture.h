/* metrics-fixture.h: a plan and metric keys built by hand for the exporter's tests.
 *
 * test-metrics.c and the e2e helper metrics-demo.c need a plan with every
 * kind of series (HTTP requests, a WebSocket scenario, a two-proxy fault,
 * latency and rate SLOs) without depending on the plan loader, so they build
 * one in C: scenario "queries" (open) with requests redis-lookup and
 * analytical, scenario "viewers" (websocket), two faults and four SLOs whose
 * latency thresholds 7 ms and 200 ms are not default bucket bounds.
 * Keys: 0 queries/redis-lookup, 1 queries/analytical, 2 viewers.
 */
#ifndef FR_METRICS_FIXTURE_H
#define FR_METRICS_FIXTURE_H

#include <string.h>

#include "plan/plan.h"
#include "result/results.h"

struct fixture {
	struct fr_plan plan;
	struct fr_scenario scen[2];
	struct fr_request req[2];
	struct fr_fault faults[2];
	char *proxies0[1];
	char *proxies1[2];
	struct fr_slo slos[4];
	struct fr_key keys[3];
	struct fr_results res;
};

/* Fills F with the fixture plan and keys (static strings, nothing to free). */
static inline void fixture_init(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	f->plan.name = (char *)"metrics-fixture";
	f->req[0].name = (char *)"redis-lookup";
	f->req[1].name = (char *)"analytical";
	f->scen[0] = (struct fr_scenario){
	        .name = (char *)"queries", .model = FR_MODEL_OPEN, .requests = f->req, .nrequests = 2};
	f->scen[1] = (struct fr_scenario){.name = (char *)"viewers", .model = FR_MODEL_WEBSOCKET};
	f->plan.scenarios = f->scen;
	f->plan.nscenarios = 2;
	f->proxies0[0] = (char *)"redis";
	f->proxies1[0] = (char *)"redis";
	f->proxies1[1] = (char *)"clickhouse";
	f->faults[0] = (struct fr_fault){
	        .name = (char *)"latency-redis@60s", .toxic = FR_TOXIC_LATENCY, .proxies = f->proxies0, .nproxies = 1};
	f->faults[1] = (struct fr_fault){.name = (char *)"timeout-redis+clickhouse@120s",
	                                 .toxic = FR_TOXIC_TIMEOUT,
	                                 .proxies = f->proxies1,
	                                 .nproxies = 2};
	f->plan.faults.items = f->faults;
	f->plan.faults.n = 2;
	f->slos[0] = (struct fr_slo){.name = (char *)"redis-p99",
	                             .stat = FR_STAT_QUANTILE,
	                             .quantile = 0.99,
	                             .cmp = FR_CMP_LT,
	                             .threshold = 5000};
	f->slos[1] = (struct fr_slo){.name = (char *)"analytic-p99",
	                             .stat = FR_STAT_QUANTILE,
	                             .quantile = 0.99,
	                             .cmp = FR_CMP_LT,
	                             .threshold = 7000};
	f->slos[2] = (struct fr_slo){.name = (char *)"errors",
	                             .stat = FR_STAT_ERROR_RATE,
	                             .cmp = FR_CMP_LT,
	                             .threshold = 0.01,
	                             .threshold_is_rate = 1};
	f->slos[3] = (struct fr_slo){.name = (char *)"delivery-p95",
	                             .series = FR_SERIES_DELIVERY,
	                             .stat = FR_STAT_QUANTILE,
	                             .quantile = 0.95,
	                             .cmp = FR_CMP_LT,
	                             .threshold = 200000};
	f->plan.slos = f->slos;
	f->plan.nslos = 4;
	f->keys[0] = (struct fr_key){
	        .scenario = 0, .request = &f->req[0], .parent = -1, .name = (char *)"queries/redis-lookup"};
	f->keys[1] = (struct fr_key){
	        .scenario = 0, .request = &f->req[1], .parent = -1, .name = (char *)"queries/analytical"};
	f->keys[2] = (struct fr_key){.scenario = 1, .request = NULL, .parent = -1, .name = (char *)"viewers"};
	f->res.keys = f->keys;
	f->res.nkeys = 3;
}

#endif
