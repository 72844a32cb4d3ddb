/* test-compare.c: a run against a baseline — verdicts, their guards, and the tables.
 *
 * Synthetic runs on the fixture timeline of results-fixture.h (20 s, 1 s
 * intervals): each interval of redis-lookup and dashboard gets the same
 * latency spread, scaled by a factor per run and key. Written as JSON results
 * (fr_report_json) and read back, as `flowrun compare` reads them. Checked:
 * identical runs are unchanged; a key 50 % slower is worse and the other
 * key stays; 5 % is within the tolerance; a change within the send lag's
 * change between the runs does not count, but the same lag in both runs
 * hides nothing (the send lag and the worker's loop lag alike); a change
 * under 500 µs is not judged; a percentile with too few samples beyond it is not judged;
 * errors and a throughput drop are worse; an invalid run is flagged; and the
 * text and Markdown tables carry the evidence.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "result/compare.h"
#include "result/report.h"
#include "result/report_json.h"
#include "result/timeseries.h"
#include "results-fixture.h"
#include "tap.h"

struct spec {
	double scale[2];  /* latency factor of redis-lookup and dashboard */
	int per_s[2];     /* requests per interval */
	int errors_per_s; /* of redis-lookup, failed */
	int64_t lag_us;   /* the run's send lag (every planned send) */
	int64_t loop_us;  /* its worker's loop lag (every heartbeat) */
	const char *invalid;
};

/* A run of SPEC as a parsed JSON result (caller decrefs). */
static json_t *make_run(const struct spec *sp)
{
	struct fr_results *res = fr_results_create(&fx_tl);
	fr_results_set_interval(res, 1000000);
	unsigned seed = 42;
	for (int64_t i = 0; i < 20; i++)
		for (int k = 0; k < 2; k++)
			for (int j = 0; j < sp->per_s[k]; j++) {
				int64_t at = i * 1000000 + j * (1000000 / sp->per_s[k]);
				int64_t lat = (int64_t)((2000 + rand_r(&seed) % 2000) * sp->scale[k]);
				enum fr_outcome o = k == 0 && j < sp->errors_per_s ? FR_ERR_HTTP_5XX : FR_OK;
				int seg = at < 5000000 ? 0 : at < 10000000 ? 1 : 2;
				fr_results_record_request(res, k, seg, o, lat, lat);
				fr_timeseries_request(res->series, k, at, o, lat);
			}
	if (sp->lag_us) {
		res->sched_lag = fr_hist_create();
		fr_hist_record_n(res->sched_lag, sp->lag_us, 100);
	}
	if (sp->loop_us) {
		res->health = fr_health_create(fx_tl.nsegs, 0);
		for (int t = 0; t < 2000; t++)
			fr_health_tick(res->health, 0, t * (int)fx_tl.nsegs / 2000, 100, 10000, sp->loop_us);
	}
	res->elapsed_us = 20000000;
	res->invalid_reason = sp->invalid ? xstrdup(sp->invalid) : NULL;
	struct fr_report *r = fr_report_build(res, "run");
	char path[] = "/tmp/test-compare-XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	char *err = NULL;
	fr_report_json(r, path, &err);
	free(err);
	json_t *doc = json_load_file(path, 0, NULL);
	unlink(path);
	fr_report_free(r);
	fr_results_free(res);
	return doc;
}

/* The verdict of KEY's METRIC in window "run". */
static enum fr_compare_verdict verdict(const struct fr_comparison *c, const char *key, enum fr_compare_metric m)
{
	for (size_t i = 0; i < c->nrows; i++)
		if (strcmp(c->rows[i].key, key) == 0 && strcmp(c->rows[i].window, "run") == 0 && c->rows[i].metric == m)
			return c->rows[i].verdict;
	return (enum fr_compare_verdict) - 1;
}

/* Compares runs A and B. */
static struct fr_comparison *cmp(const struct spec *a, const struct spec *b)
{
	json_t *x = make_run(a), *y = make_run(b);
	struct fr_comparison *c = NULL;
	char *err = NULL;
	if (fr_compare(x, "base.json", y, "new.json", NULL, &c, &err) != 0)
		printf("# %s\n", err);
	free(err);
	json_decref(x);
	json_decref(y);
	return c;
}

#define LOOKUP "queries/redis-lookup"
#define DASH   "queries/dashboard"

static void test_verdicts(void)
{
	struct spec base = {.scale = {1, 1}, .per_s = {200, 50}};
	struct fr_comparison *c = cmp(&base, &base);
	tap_is_int((int64_t)(c->worse + c->better), 0, "identical runs: nothing changed");
	tap_is_int(verdict(c, LOOKUP, FR_COMPARE_P99), FR_COMPARE_UNCHANGED, "  p99 of 4,000 samples is judged");
	tap_is_int(verdict(c, DASH, FR_COMPARE_P99), FR_COMPARE_UNCHANGED,
	           "  p99 of 1,000 samples (10 beyond it): judged");
	fr_compare_free(c);

	struct spec slow = base;
	slow.scale[0] = 1.5;
	c = cmp(&base, &slow);
	tap_is_int(verdict(c, LOOKUP, FR_COMPARE_P50), FR_COMPARE_WORSE, "redis-lookup 50 % slower: p50 worse");
	tap_is_int(verdict(c, LOOKUP, FR_COMPARE_P90), FR_COMPARE_WORSE, "  p90 worse");
	tap_is_int(verdict(c, DASH, FR_COMPARE_P50), FR_COMPARE_UNCHANGED, "  dashboard unchanged");
	tap_is_int(verdict(c, LOOKUP, FR_COMPARE_THROUGHPUT), FR_COMPARE_UNCHANGED, "  throughput unchanged");
	tap_ok(c->rows[0].lo > 0.1 && c->rows[0].lo <= c->rows[0].change && c->rows[0].change <= c->rows[0].hi,
	       "  the interval holds the change and is beyond the tolerance");

	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);
	fr_compare_text(c, f, 0);
	fclose(f);
	tap_ok(strstr(text, "flowrun compare: base.json (baseline) → new.json, plan store-failure\n") != NULL,
	       "text: the headline names both files and the plan");
	tap_ok(strstr(text, "queries/redis-lookup  run") && strstr(text, "WORSE"), "text: a worse row");
	tap_ok(strstr(text, "\nregressions: ") != NULL, "text: the closing line");
	free(text);
	f = open_memstream(&text, &len);
	fr_compare_markdown(c, f, 0);
	fclose(f);
	tap_ok(strncmp(text, "### ❌ flowrun compare `store-failure`: ", 40) == 0, "Markdown: the headline");
	tap_ok(strstr(text, "| `queries/redis-lookup` | run | p50 |") != NULL, "Markdown: a row");
	free(text);
	fr_compare_free(c);

	struct spec bit = base;
	bit.scale[0] = 1.05;
	c = cmp(&base, &bit);
	tap_is_int(verdict(c, LOOKUP, FR_COMPARE_P50), FR_COMPARE_UNCHANGED, "5 % slower: within the tolerance");
	fr_compare_free(c);

	struct spec lagged = slow;
	lagged.lag_us = 5000;
	c = cmp(&base, &lagged);
	tap_is_int(verdict(c, LOOKUP, FR_COMPARE_P50), FR_COMPARE_UNCHANGED,
	           "50 % slower by 1.5 ms, the send lag up from 0 to 5 ms: not the target's");
	fr_compare_free(c);
	struct spec lagged_base = base;
	lagged_base.lag_us = 5000;
	c = cmp(&lagged_base, &lagged);
	tap_is_int(verdict(c, LOOKUP, FR_COMPARE_P50), FR_COMPARE_WORSE,
	           "50 % slower by 1.5 ms, a send lag of 5 ms in both runs: worse (the lag did not move)");
	tap_ok(c->lag[FR_COMPARE_P50] == FR_COMPARE_MIN_US && c->lag[FR_COMPARE_P99] == FR_COMPARE_MIN_US,
	       "  the lag's change is 0: only the 500us floor");
	fr_compare_free(c);

	struct spec looped = slow;
	looped.loop_us = 5000;
	c = cmp(&base, &looped);
	tap_is_int(verdict(c, LOOKUP, FR_COMPARE_P50), FR_COMPARE_UNCHANGED,
	           "50 % slower by 1.5 ms, the loop lag up from 0 to 5 ms: not the target's either");
	fr_compare_free(c);
	struct spec looped_base = base;
	looped_base.loop_us = 5000;
	c = cmp(&looped_base, &looped);
	tap_is_int(verdict(c, LOOKUP, FR_COMPARE_P50), FR_COMPARE_WORSE, "  the same loop lag in both runs: worse");
	fr_compare_free(c);

	struct spec tiny = base, tiny_slow = base;
	tiny.scale[0] = 0.2;
	tiny_slow.scale[0] = 0.3;
	c = cmp(&tiny, &tiny_slow);
	tap_is_int(verdict(c, LOOKUP, FR_COMPARE_P50), FR_COMPARE_UNCHANGED,
	           "600us to 900us (+50 %): a change under 500us is not judged");
	fr_compare_free(c);

	struct spec errs = base;
	errs.errors_per_s = 10;
	c = cmp(&base, &errs);
	tap_is_int(verdict(c, LOOKUP, FR_COMPARE_ERRORS), FR_COMPARE_WORSE, "0 % to 5 % errors: worse");
	fr_compare_free(c);

	struct spec fewer = base;
	fewer.per_s[1] = 30;
	c = cmp(&base, &fewer);
	tap_is_int(verdict(c, DASH, FR_COMPARE_THROUGHPUT), FR_COMPARE_WORSE, "50/s to 30/s: throughput worse");
	tap_is_int(verdict(c, LOOKUP, FR_COMPARE_THROUGHPUT), FR_COMPARE_UNCHANGED, "  the other key's is unchanged");
	tap_is_int(verdict(c, DASH, FR_COMPARE_P99), FR_COMPARE_FEW,
	           "  p99 of 600 samples (6 beyond it): too few samples");
	fr_compare_free(c);

	struct spec bad = base;
	bad.invalid = "scheduler lag p99 12.0ms exceeds 5ms";
	c = cmp(&base, &bad);
	tap_ok(c->invalid && strstr(c->note, "new.json is invalid (scheduler lag") != NULL,
	       "an invalid run is flagged");
	fr_compare_free(c);

	json_t *x = make_run(&base), *nots = json_pack("{ss}", "format", "flowrun-result");
	char *err = NULL;
	tap_is_int(fr_compare(x, "base.json", nots, "old.json", NULL, &c, &err), -1, "a result without a series");
	tap_ok(err && strstr(err, "old.json has no time series to compare") != NULL, "  says so");
	free(err);
	json_decref(x);
	json_decref(nots);
}

int main(void)
{
	(void)fx_fill;
	test_verdicts();
	return tap_done();
}
