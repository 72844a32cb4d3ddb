/* test-results.c: key enumeration, recording, merging and summing of run results. */
#include <stdlib.h>

#include "result/results-fixture.h"
#include "tap.h"

/* Keys come in plan order, groups before their steps, one per websocket scenario. */
static void test_keys(void)
{
	struct fr_results *res = fr_results_create(&fx_tl);
	tap_is_int((int64_t)res->nkeys, 5, "5 keys: 2 requests, 2 group steps, 1 websocket scenario");
	static const char *const names[] = {"queries/redis-lookup", "queries/dashboard", "queries/dashboard/dash-meta",
	                                    "queries/dashboard/widget", "viewers"};
	static const int parents[] = {-1, -1, 1, 1, -1};
	for (size_t k = 0; k < 5 && k < res->nkeys; k++) {
		tap_is_str(res->keys[k].name, names[k], "key name");
		tap_is_int(res->keys[k].parent, parents[k], "key parent");
	}
	tap_ok(res->keys[4].request == NULL && res->keys[4].scenario == 1, "websocket key has no request");
	tap_is_int(fr_results_key(res, 0, &fx_requests[1]), 1, "key of the dashboard group");
	tap_is_int(fr_results_key(res, 0, &fx_steps[1]), 3, "key of the widget step");
	tap_is_int(fr_results_key(res, 1, NULL), 4, "websocket key by NULL request");
	tap_is_int(fr_results_key(res, 0, NULL), -1, "no websocket key in an HTTP scenario");
	tap_ok(fr_results_cell(res, 2, 1) == &res->cells[2 * 3 + 1], "cells are key-major");
	tap_ok(res->cells[0].latency == NULL, "histograms are not allocated before use");
	fr_results_free(res);
}

/* Recording fills the right cell; negative times are counted but not recorded. */
static void test_record(void)
{
	struct fr_results *res = fr_results_create(&fx_tl);
	fr_results_record_request(res, 0, 1, FR_OK, 1200, 1100);
	fr_results_record_request(res, 0, 1, FR_ERR_TIMEOUT, -1, -1);
	fr_results_record_request(res, 0, 1, FR_ERR_HTTP_5XX, 3000, 2500);
	struct fr_cell *c = fr_results_cell(res, 0, 1);
	tap_is_int((int64_t)fr_cell_requests(c), 3, "3 requests counted");
	tap_is_int((int64_t)fr_cell_errors(c), 2, "2 errors counted");
	tap_is_int((int64_t)fr_hist_count(c->latency), 2, "2 latencies recorded (timeout had none)");
	tap_is_int(fr_hist_max(c->service), 2500, "service max");
	tap_ok(fr_results_cell(res, 0, 0)->latency == NULL, "other segments untouched");
	fr_results_record_delivery(res, 4, 2, 40000);
	fr_results_record_connect(res, 4, 2, 1500);
	fr_results_count_ws(res, 4, 2, FR_WS_LOST, 7);
	c = fr_results_cell(res, 4, 2);
	tap_is_int((int64_t)fr_hist_count(c->delivery), 1, "delivery recorded");
	tap_is_int((int64_t)fr_hist_count(c->connect), 1, "connect recorded");
	tap_is_int((int64_t)c->ws[FR_WS_LOST], 7, "ws counter added");
	fr_results_free(res);
}

/* Merging worker results equals recording everything into one. */
static void test_merge(void)
{
	struct fr_results *a = fr_results_create(&fx_tl), *b = fr_results_create(&fx_tl),
	                  *all = fr_results_create(&fx_tl);
	fx_fill(all);
	fx_fill(a);
	fr_results_record_request(b, 0, 0, FR_ERR_RESET, 700, 600);
	fr_results_record_request(all, 0, 0, FR_ERR_RESET, 700, 600);
	b->invalid_reason = xstrdup("planned load not delivered");
	b->interrupted = 1;
	b->planned = 10;
	a->planned = 5;
	fr_results_merge(a, b);
	int same = 1;
	for (size_t i = 0; i < a->nkeys * fx_tl.nsegs; i++) {
		const struct fr_cell *x = &a->cells[i], *y = &all->cells[i];
		if (fr_cell_requests(x) != fr_cell_requests(y) || fr_cell_errors(x) != fr_cell_errors(y) ||
		    fr_hist_count(x->latency) != fr_hist_count(y->latency) ||
		    fr_hist_quantile(x->latency, 0.99) != fr_hist_quantile(y->latency, 0.99) ||
		    fr_hist_min(x->latency) != fr_hist_min(y->latency) || memcmp(x->ws, y->ws, sizeof x->ws) != 0)
			same = 0;
	}
	tap_ok(same, "merge: every cell equals recording into one");
	tap_is_str(a->invalid_reason, "planned load not delivered", "merge: invalid reason carried");
	tap_is_int(a->interrupted, 1, "merge: interrupted carried");
	tap_is_int((int64_t)a->planned, 15, "merge: planned added");
	fr_results_free(a);
	fr_results_free(b);
	fr_results_free(all);
}

/* Summing over segments, per key and per scenario (steps left out). */
static void test_sum(void)
{
	struct fr_results *res = fr_results_create(&fx_tl);
	fx_fill(res);
	int segs[] = {0, 1, 2};
	struct fr_cell c = {0};
	fr_results_sum(res, 0, -1, segs, 3, &c);
	tap_is_int((int64_t)fr_cell_requests(&c), 2515, "redis-lookup: 2000 + 500 + 10 + 5 requests");
	tap_is_int((int64_t)fr_cell_errors(&c), 15, "redis-lookup: 15 errors");
	tap_is_int((int64_t)c.outcomes[FR_ERR_TIMEOUT], 10, "redis-lookup: 10 timeouts");
	fr_cell_clear(&c);
	tap_ok(c.latency == NULL && fr_cell_requests(&c) == 0, "cell_clear empties the cell");
	fr_results_sum(res, -1, 0, segs, 3, &c);
	tap_is_int((int64_t)fr_cell_requests(&c), 2515 + 300, "scenario sum: requests and groups, not steps");
	fr_cell_clear(&c);
	fr_results_sum(res, -1, -1, segs + 2, 1, &c);
	tap_is_int((int64_t)c.ws[FR_WS_LOST], 3, "all-scenario sum includes websocket counters");
	tap_is_int((int64_t)fr_cell_requests(&c), 1005 + 100, "segment 2: redis 1005, dashboard 100");
	fr_cell_clear(&c);
	fr_results_free(res);
	fr_results_free(NULL);
}

/* Outcome and counter names as reports print them. */
static void test_names(void)
{
	static const char *const want[] = {"ok",  "connect-refused", "connect-timeout", "timeout", "reset",
	                                   "tls", "http-4xx",        "http-5xx",        "other"};
	for (int o = 0; o < FR_OUTCOME_N; o++)
		tap_is_str(fr_outcome_name((enum fr_outcome)o), want[o], "outcome name");
	tap_is_str(fr_ws_counter_name(FR_WS_LOST), "lost", "ws counter name lost");
	tap_is_str(fr_ws_counter_name(FR_WS_DISCONNECT_SERVER), "disconnect-server", "ws counter name");
}

/* The slowest samples: sorted, bounded, merged across threads. */
static void test_slowest(void)
{
	struct fr_results *a = fr_results_create(&fx_tl), *b = fr_results_create(&fx_tl);
	for (int i = 0; i < 100; i++)
		fr_results_note_slow(a, 0, 1, FR_SERIES_LATENCY, i * 10, i, -1);
	fr_results_note_slow(b, 0, 1, FR_SERIES_LATENCY, 975, 5000, -1);
	fr_results_note_slow(b, 0, 1, FR_SERIES_LATENCY, 2000, 6000, -1);
	const struct fr_slowest *s = &fr_results_cell(a, 0, 1)->slowest[FR_SERIES_LATENCY];
	tap_ok(s->n == FR_SLOWEST_N && s->s[0].value_us == 990 && s->s[0].at_us == 99 &&
	               s->s[FR_SLOWEST_N - 1].value_us == 950,
	       "slowest: the 5 largest of 100, slowest first, with their offsets");
	fr_results_merge(a, b);
	tap_ok(s->s[0].value_us == 2000 && s->s[1].value_us == 990 && s->s[2].value_us == 980 &&
	               s->s[3].value_us == 975 && s->s[3].at_us == 5000 && s->s[4].value_us == 970,
	       "slowest: merging threads keeps the 5 largest of both");
	tap_ok(fr_results_cell(a, 0, 1)->slowest[FR_SERIES_SERVICE].n == 0, "slowest: per series");
	fr_results_free(a);
	fr_results_free(b);
}

int main(void)
{
	test_keys();
	test_slowest();
	test_record();
	test_merge();
	test_sum();
	test_names();
	return tap_done();
}
