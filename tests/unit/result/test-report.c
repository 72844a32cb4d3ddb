/* test-report.c: the four report writers on the fixture run.
 *
 * The terminal summary is compared line by line with the text a user sees;
 * the JSON result is validated against schema/result.schema.json (python3
 * jsonschema, or ajv from node_modules) and read back with jansson, down to
 * rebuilding a histogram from its raw buckets; the JUnit XML is validated with
 * xmllint against tests/data/JUnit.xsd; the Markdown is checked for its rows.
 */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "result/report_json.h"
#include "result/report_junit.h"
#include "result/report_markdown.h"
#include "result/report_text.h"
#include "result/results-fixture.h"
#include "tap.h"

static char dir[] = "/tmp/test-report-XXXXXX";

static void validate_json(const char *path);

/* Runs the report through fr_report_text into a string (caller frees). */
static char *text_of(const struct fr_report *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	fr_report_text(r, f);
	fclose(f);
	return buf;
}

/* Whether TEXT contains LINE as a whole line. */
static int has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = text; (p = strstr(p, line)); p++)
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return 1;
	return 0;
}

/* Asserts that TEXT has LINE, printing the text once on the first miss. */
static void want_line(const char *text, const char *line)
{
	static int dumped;
	if (!tap_ok(has_line(text, line), line) && !dumped++)
		printf("# report was:\n# %s\n", text);
}

/* The fixture report with two fault records. */
static struct fr_report *fixture_report(struct fr_results *res)
{
	fx_fill(res);
	res->planned = 1500;
	res->sent = 1490;
	res->sched_lag = fr_hist_create();
	fr_hist_record_n(res->sched_lag, 150, 1470);
	fr_hist_record_n(res->sched_lag, 2000, 20); /* 1.3 % of sends: p99 = 2000us */
	fr_results_cell(res, 0, 1)->late = 7;
	fr_results_cell(res, 0, 2)->missed = 10;
	struct fr_report *r = fr_report_build(res, "r-20261127-1");
	fr_report_add_fault(r, 0, 1, 5000000, 5004100, 1, NULL);
	fr_report_add_fault(r, 0, 0, 10000000, 10012000, 0, "connection refused");
	return r;
}

/* The terminal summary, line by line. */
static void test_text(void)
{
	struct fr_results *res = fr_results_create(&fx_tl);
	struct fr_report *r = fixture_report(res);
	char *t = text_of(r);
	want_line(t, "flowrun: store-failure (plans/store-failure.yaml)");
	want_line(t, "run r-20261127-1, 20.0s of 20.0s planned, 1 pass");
	want_line(t, "open model: 1490 of 1500 planned sends went out (7 late by > 1ms, 10 missed), "
	             "send lag p99 2.00ms");
	want_line(t, "scenario queries (open, 2 stages)");
	want_line(t, "  request              count  errors     rate     p50     p90     p95     p99   p99.9     max"
	             "  service p99  errors by class");
	want_line(t, "  redis-lookup          2515      15  125.8/s  1.63ms   500ms   500ms   500ms   500ms   500ms"
	             "        500ms  timeout 10, http-5xx 5");
	want_line(t, "  dashboard/widget       200       0   10.0/s  8.00ms  8.00ms  8.00ms  8.00ms  8.00ms  8.00ms"
	             "       8.00ms  -");
	want_line(t, "  stage   rate  count  errors     p50     p95     p99");
	want_line(t, "  #1      50/s   1710      10  1.85ms   500ms   500ms");
	want_line(t, "  peak   100/s   1105       5  1.55ms  20.0ms  20.0ms");
	want_line(t, "scenario viewers (websocket, 1 stage)");
	want_line(t, "        10               0       300     3           0          0            0        50.0ms"
	             "        50.0ms        50.0ms");
	want_line(t, "  latency-redis@5s  on        5.000s   5.004s   4.1ms  ok");
	want_line(t, "  latency-redis@5s  off      10.000s  10.012s  12.0ms  failed: connection refused");
	want_line(t, "  latency-redis@5s      20.0ms       500ms     20.0ms          0.00%          1.64%"
	             "         0.45%");
	want_line(t, "  SLO           window                  stat        measured  threshold  result");
	want_line(t, "  redis-p99     no-fault                p99           1.99ms  < 5ms      PASS");
	want_line(t, "  stage-p95     stage:#1                p95            500ms  < 25ms     FAIL");
	want_line(t, "  store-p99     run                     p99          skipped  < 5ms      SKIPPED");
	want_line(t, "  widget-p99    fault:latency-redis@5s  p99          no data  < 50ms     NO DATA");
	want_line(t, "result: FAIL (2 of 7 SLOs failed, 1 skipped)");
	tap_is_int(fr_report_slo_result(r), FR_SLO_FAIL, "result FAIL");
	free(t);

	/* The same run judged only on its first three windows passes. */
	size_t n = r->nverdicts;
	r->nverdicts = 3;
	t = text_of(r);
	want_line(t, "result: PASS (3/3 SLOs met)");
	tap_is_int(fr_report_slo_result(r), FR_SLO_PASS, "result PASS");
	free(t);
	r->nverdicts = n;

	r->interrupted = 1;
	res->elapsed_us = 12000000;
	t = text_of(r);
	want_line(t, "!! INTERRUPTED after 12.0s: the figures below are partial");
	want_line(t, "result: INTERRUPTED after 12.0s of 20.0s (on partial data: 2 of 7 SLOs failed, 1 skipped)");
	free(t);

	r->invalid_reason = xstrdup("sent 900 of 1500 planned requests (60%)");
	t = text_of(r);
	want_line(t, "!! INVALID: sent 900 of 1500 planned requests (60%)");
	want_line(t, "result: INVALID (sent 900 of 1500 planned requests (60%))");
	tap_is_int(fr_report_slo_result(r), FR_SLO_INVALID, "result INVALID");
	free(t);
	fr_report_free(r);
	fr_results_free(res);
}

/* A sweep: two passes of the fixture, the second keyed widgets=5. */
static void test_sweep(void)
{
	static char *values[] = {"1", "5"};
	struct fr_plan plan = fx_plan;
	plan.sweep_param = "widgets";
	plan.sweep_values = values;
	plan.nsweep = 2;
	struct fr_segment segs[3];
	memcpy(segs, fx_segs, sizeof segs);
	segs[2].pass = 1;
	struct fr_window wins[9];
	memcpy(wins, fx_windows, sizeof wins);
	wins[4].pass = 1;
	struct fr_timeline tl = fx_tl;
	tl.plan = &plan;
	tl.segs = segs;
	tl.windows = wins;
	tl.npasses = 2;
	struct fr_results *res = fr_results_create(&tl);
	fx_fill(res);
	struct fr_report *r = fr_report_build(res, "sweep-1");
	char *t = text_of(r);
	want_line(t, "run sweep-1, 20.0s of 20.0s planned, 2 passes (sweep widgets)");
	want_line(t, "  by widgets:");
	want_line(t, "  widgets  request       count  errors     p50     p95     p99");
	want_line(t, "  1        redis-lookup   1510      10  1.75ms   500ms   500ms");
	want_line(t, "  5        redis-lookup   1005       5  1.50ms  1.95ms  1.99ms");
	want_line(t, "  5        dashboard       100       0  20.0ms  20.0ms  20.0ms");
	want_line(t, "  stage-p95     stage:peak [widgets=5]              p95           20.0ms  < 25ms     PASS");
	free(t);
	char *path = xasprintf("%s/sweep.json", dir), *err = NULL;
	tap_is_int(fr_report_json(r, path, &err), 0, "sweep JSON written");
	validate_json(path);
	json_t *root = json_load_file(path, 0, NULL);
	json_t *v4 = json_array_get(json_object_get(root, "verdicts"), 4);
	tap_is_str(json_string_value(json_object_get(v4, "label")), "stage:peak [widgets=5]", "sweep verdict label");
	tap_is_str(json_string_value(json_array_get(json_object_get(json_object_get(root, "plan"), "sweep_values"), 1)),
	           "5", "sweep values");
	tap_ok(json_is_null(json_object_get(json_object_get(root, "scheduler"), "lag_raw")),
	       "no scheduler lag: lag_raw null");
	json_decref(root);
	unlink(path);
	free(path);
	fr_report_free(r);
	fr_results_free(res);
}

/* Reads a whole file (caller frees), or NULL. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	int c;
	while ((c = fgetc(f)) != EOF)
		fputc(c, m);
	fclose(m);
	fclose(f);
	return buf;
}

/* Validates PATH against the result schema with whatever validator is installed. */
static void validate_json(const char *path)
{
	const char *top = getenv("top_srcdir");
	if (!top) {
		tap_ok(1, "JSON schema validation # SKIP top_srcdir not set (run through make check)");
		return;
	}
	char *cmd;
	if (system("python3 -c 'import jsonschema' 2>/dev/null") == 0) {
		cmd = xasprintf("python3 -c 'import json,sys,jsonschema; s=json.load(open(sys.argv[1])); "
		                "jsonschema.Draft7Validator.check_schema(s); "
		                "jsonschema.validate(json.load(open(sys.argv[2])), s, cls=jsonschema.Draft7Validator)' "
		                "'%s/schema/result.schema.json' '%s'",
		                top, path);
	} else {
		char *ajv = xasprintf("%s/node_modules/.bin/ajv", top);
		if (access(ajv, X_OK) != 0) {
			free(ajv);
			tap_ok(1, "JSON schema validation # SKIP neither python3-jsonschema nor ajv installed");
			return;
		}
		cmd = xasprintf("'%s' validate --spec=draft7 --strict=false -s '%s/schema/result.schema.json' -d '%s'",
		                ajv, top, path);
		free(ajv);
	}
	tap_is_int(system(cmd), 0, "JSON result is valid against schema/result.schema.json");
	free(cmd);
}

/* The JSON result: schema, fields, raw histograms, atomic write. */
static void test_json(void)
{
	struct fr_results *res = fr_results_create(&fx_tl);
	struct fr_report *r = fixture_report(res);
	char *path = xasprintf("%s/result.json", dir), *err = NULL;
	tap_is_int(fr_report_json(r, path, &err), 0, "JSON written");
	validate_json(path);
	json_error_t jerr;
	json_t *root = json_load_file(path, 0, &jerr);
	tap_ok(root != NULL, "JSON parses");
	tap_is_str(json_string_value(json_object_get(root, "format")), "flowrun-result", "format");
	tap_is_int(json_integer_value(json_object_get(root, "version")), 1, "version 1");
	tap_is_str(json_string_value(json_object_get(root, "started")), "2026-11-27T11:43:24Z", "started");
	tap_is_str(json_string_value(json_object_get(root, "result")), "fail", "result fail");
	tap_is_int(json_integer_value(json_object_get(root, "exit_code")), 1, "exit_code 1");
	json_t *v3 = json_array_get(json_object_get(root, "verdicts"), 3);
	tap_is_str(json_string_value(json_object_get(v3, "measured_text")), "500ms", "verdict 3 measured_text");
	tap_ok(json_is_false(json_object_get(v3, "pass")), "verdict 3 failed");
	json_t *v8 = json_array_get(json_object_get(root, "verdicts"), 8);
	tap_ok(json_is_null(json_object_get(v8, "measured")) && json_is_true(json_object_get(v8, "no_data")),
	       "verdict 8: no data, measured null");
	json_t *k0 = json_array_get(json_object_get(root, "keys"), 0);
	tap_is_str(json_string_value(json_object_get(k0, "name")), "queries/redis-lookup", "key 0 name");
	tap_is_int(json_integer_value(json_object_get(json_object_get(json_object_get(k0, "run"), "latency"), "p99")),
	           500000, "key 0 run p99");
	json_t *k3 = json_array_get(json_object_get(root, "keys"), 3);
	tap_is_str(json_string_value(json_object_get(k3, "parent")), "queries/dashboard", "step's parent");
	tap_is_str(json_string_value(json_object_get(k3, "kind")), "step", "step kind");
	/* the raw histograms of redis-lookup, merged over all segments, give back the exact histogram */
	struct fr_hist *h = fr_hist_create();
	size_t i;
	json_t *seg;
	json_array_foreach(json_object_get(k0, "segments"), i, seg)
	{
		struct fr_hist *part = fr_report_json_raw_hist(json_object_get(seg, "latency"));
		tap_ok(part != NULL, "raw histogram reads back");
		if (part)
			fr_hist_merge(h, part);
		fr_hist_free(part);
	}
	struct fr_cell c = {0};
	int all[] = {0, 1, 2};
	fr_results_sum(res, 0, -1, all, 3, &c);
	tap_ok(fr_hist_equal(h, c.latency), "raw histograms rebuild exactly: every bucket, count, min, max and sum");
	json_t *sched = json_object_get(root, "scheduler");
	struct fr_hist *lag = fr_report_json_raw_hist(json_object_get(sched, "lag_raw"));
	tap_is_int((int64_t)fr_hist_count(lag), 1490, "scheduler lag_raw: 1490 sends");
	tap_is_int(fr_hist_quantile(lag, 0.99), 2000, "scheduler lag_raw: p99 2000us");
	fr_hist_free(lag);
	tap_ok(fr_report_json_raw_hist(json_object_get(sched, "lag")) == NULL, "malformed raw histogram: NULL");
	fr_cell_clear(&c);
	fr_hist_free(h);
	json_t *f1 = json_array_get(json_object_get(root, "faults"), 1);
	tap_is_int(json_integer_value(json_object_get(f1, "late_us")), 12000, "fault record late_us");
	tap_is_str(json_string_value(json_object_get(f1, "error")), "connection refused", "fault record error");
	json_decref(root);
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	tap_ok(access(tmp, F_OK) != 0, "no temporary file left behind");
	free(tmp);
	unlink(path);
	free(path);

	path = xasprintf("%s/missing/result.json", dir);
	tap_is_int(fr_report_json(r, path, &err), -1, "unwritable path fails");
	tap_is_str(err, "No such file or directory", "the error says why (the caller names the file)");
	free(err);
	free(path);
	fr_report_free(r);
	fr_results_free(res);
}

/* Validates PATH against tests/data/JUnit.xsd with xmllint. */
static void validate_xml(const char *path)
{
	const char *top = getenv("top_srcdir");
	if (!top || system("command -v xmllint >/dev/null") != 0) {
		tap_ok(1, "JUnit XML validation # SKIP xmllint or top_srcdir missing");
		return;
	}
	char *cmd = xasprintf("xmllint --noout --schema '%s/tests/data/JUnit.xsd' '%s' 2>/dev/null", top, path);
	tap_is_int(system(cmd), 0, "JUnit XML is valid against tests/data/JUnit.xsd");
	free(cmd);
}

/* JUnit XML: schema-valid, one testcase per window, failure messages. */
static void test_junit(void)
{
	struct fr_results *res = fr_results_create(&fx_tl);
	struct fr_report *r = fixture_report(res);
	char *path = xasprintf("%s/junit.xml", dir), *err = NULL;
	tap_is_int(fr_report_junit(r, path, &err), 0, "JUnit written");
	validate_xml(path);
	char *x = slurp(path);
	tap_ok(x && strstr(x, "tests=\"9\" failures=\"2\" errors=\"0\" skipped=\"1\" time=\"20.000\""),
	       "suite counts: 9 tests, 2 failures, 1 skipped");
	tap_ok(x && strstr(x, "<testcase classname=\"store-failure\" name=\"stage-p95 [stage:#1]\" time=\"10.000\">\n"
	                      "    <failure type=\"slo\" message=\"p95 500ms &gt;= threshold &lt; 25ms\">"),
	       "failure message: p95 500ms >= threshold < 25ms");
	tap_ok(x && strstr(x, "name=\"widget-p99 [fault:latency-redis@5s]\" time=\"5.000\">\n"
	                      "    <failure type=\"no-data\" "
	                      "message=\"p99: no data in the window (threshold &lt; 50ms)\""),
	       "no data is a failure");
	tap_ok(x && strstr(x, "<testcase classname=\"store-failure\" name=\"redis-p99 [no-fault]\" time=\"20.000\"/>"),
	       "a passing testcase");
	tap_ok(x && strstr(x, "<skipped message=\"server-side SLO: evaluated from Prometheus\"/>"), "skipped");
	free(x);
	r->invalid_reason = xstrdup("sent 900 of 1500 planned requests (60%) & gave up");
	tap_is_int(fr_report_junit(r, path, &err), 0, "JUnit of an invalid run written");
	x = slurp(path);
	tap_ok(x && strstr(x, "tests=\"10\" failures=\"2\" errors=\"1\" skipped=\"1\""),
	       "invalid run: one more test, one error");
	tap_ok(x && strstr(x, "<testcase classname=\"store-failure\" name=\"run validity\" time=\"0\">\n"
	                      "    <error type=\"invalid-run\" "
	                      "message=\"sent 900 of 1500 planned requests (60%) &amp; gave up\">"),
	       "invalid run: an error testcase with the reason, escaped");
	validate_xml(path);
	free(x);
	unlink(path);
	free(path);
	fr_report_free(r);
	fr_results_free(res);
}

/* Markdown: headline, SLO rows and request rows. */
static void test_markdown(void)
{
	struct fr_results *res = fr_results_create(&fx_tl);
	struct fr_report *r = fixture_report(res);
	char *path = xasprintf("%s/summary.md", dir), *err = NULL;
	tap_is_int(fr_report_markdown(r, path, &err), 0, "Markdown written");
	char *m = slurp(path);
	want_line(m, "### ❌ flowrun `store-failure`: FAIL (2 of 7 SLOs failed, 1 skipped)");
	want_line(m, "| redis-p99 | no-fault | p99 | 1.99ms | < 5ms | ✅ |");
	want_line(m, "| stage-p95 | stage:#1 | p95 | 500ms | < 25ms | ❌ |");
	want_line(m, "| widget-p99 | fault:latency-redis@5s | p99 | no data | < 50ms | ❌ no data |");
	want_line(m, "| queries/redis-lookup | 2515 | 15 | 1.63ms | 500ms | 500ms | 500ms |");
	want_line(m, "| viewers (delivery) | 300 | 3 | 50.0ms | 50.0ms | 50.0ms | 50.0ms |");
	free(m);
	/* $GITHUB_STEP_SUMMARY is appended to, not replaced */
	setenv("GITHUB_STEP_SUMMARY", path, 1);
	tap_is_int(fr_report_markdown(r, path, &err), 0, "Markdown appended");
	m = slurp(path);
	const char *first = m ? strstr(m, "### ") : NULL;
	tap_ok(first && strstr(first + 1, "### "), "step summary holds both summaries");
	free(m);
	unsetenv("GITHUB_STEP_SUMMARY");
	unlink(path);
	free(path);
	fr_report_free(r);
	fr_results_free(res);
}

/* A failed latency SLO lists the slowest samples of its window, with when
 * they were meant to be sent and their segment, in the text and the JSON;
 * a passing one lists none. */
static void test_slowest(void)
{
	struct fr_results *res = fr_results_create(&fx_tl);
	fx_fill(res);
	/* stage-p95 [stage:#1] reads redis-lookup and dashboard over segments 0 and 1 */
	fr_results_note_slow(res, 0, 1, FR_SERIES_LATENCY, 500000, 7250000, 499000);
	fr_results_note_slow(res, 0, 1, FR_SERIES_LATENCY, 510000, 6000000, 509500);
	fr_results_note_slow(res, 0, 0, FR_SERIES_LATENCY, 1999, 4999000, 1900);
	for (int i = 0; i < 10; i++)
		fr_results_note_slow(res, 1, 0, FR_SERIES_LATENCY, 20000 + i, 1000000 + i * 1000, 19000);
	fr_results_note_slow(res, 0, 2, FR_SERIES_LATENCY, 1999, 15000000, 1900); /* redis-p99 passes: not listed */
	struct fr_report *r = fr_report_build(res, "r-slow");
	char *t = text_of(r);
	want_line(t, "slowest samples of the failed latency SLOs (at: when each was meant to be sent)");
	want_line(t, "  SLO        window    sample  service      at  key                   segment");
	want_line(t, "  stage-p95  stage:#1   510ms    510ms  6.000s  queries/redis-lookup  5.000s-10.000s, fault "
	             "latency-redis@5s");
	want_line(t, "                        500ms    499ms  7.250s  queries/redis-lookup  5.000s-10.000s, fault "
	             "latency-redis@5s");
	want_line(t, "                       20.0ms   19.0ms  1.009s  queries/dashboard     0.000s-5.000s, no fault");
	tap_ok(!strstr(t, "late leaving flowrun"), "no hint when the samples were slow to answer");
	tap_ok(!strstr(strstr(t, "slowest samples"), "redis-p99"), "a passing SLO lists no samples");
	free(t);
	tap_is_int(r->verdicts[3].slowest.n, FR_SLOWEST_N, "the window keeps FR_SLOWEST_N samples");
	char *path = xasprintf("%s/slowest.json", dir), *err = NULL;
	tap_is_int(fr_report_json(r, path, &err), 0, "JSON written");
	validate_json(path);
	json_error_t jerr;
	json_t *root = json_load_file(path, 0, &jerr);
	json_t *s0 =
	        json_array_get(json_object_get(json_array_get(json_object_get(root, "verdicts"), 3), "slowest"), 0);
	tap_ok(s0 && json_integer_value(json_object_get(s0, "value_us")) == 510000 &&
	               json_integer_value(json_object_get(s0, "at_us")) == 6000000 &&
	               json_integer_value(json_object_get(s0, "segment")) == 1 &&
	               !strcmp(json_string_value(json_object_get(s0, "key")), "queries/redis-lookup"),
	       "JSON: the slowest sample with its key, value, offset and segment");
	tap_ok(!json_object_get(json_array_get(json_object_get(root, "verdicts"), 0), "slowest"),
	       "JSON: none for a passing SLO");
	tap_is_int(json_integer_value(json_object_get(s0, "service_us")), 509500, "JSON: with its service time");
	json_decref(root);
	unlink(path);
	free(path);
	fr_report_free(r);
	/* the same SLO failing on samples that spent their time before being sent */
	fr_results_cell(res, 0, 1)->slowest[FR_SERIES_LATENCY].n = 0;
	fr_results_cell(res, 1, 0)->slowest[FR_SERIES_LATENCY].n = 0;
	for (int i = 0; i < 5; i++)
		fr_results_note_slow(res, 0, 1, FR_SERIES_LATENCY, 30000 + i, 6000000 + i, 900);
	r = fr_report_build(res, "r-late");
	t = text_of(r);
	want_line(t, "  most of these were late leaving flowrun (latency at least twice the service time): the");
	free(t);
	fr_report_free(r);
	fr_results_free(res);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_text();
	test_sweep();
	test_json();
	test_junit();
	test_markdown();
	test_slowest();
	rmdir(dir);
	return tap_done();
}
