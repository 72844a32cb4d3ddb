/* test-series-scan.c: the text scanner of a result's time series reads what the jansson reader reads.
 *
 * A series with requests of several outcomes, counters, deliveries, gauges
 * and buckets is written by fr_series_json_write; fr_series_scan must give
 * the same struct as fr_series_json_read (fr_timeseries_equal) for that text,
 * for the same object indented, and with its members sorted (version last,
 * buckets before max_us), and refuse what the jansson reader refuses with the
 * same words. fr_series_scan_find must locate the "series" member wherever it
 * is in a result, so that cutting it out leaves a valid document.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "plan/vars.h"
#include "result/results-fixture.h"
#include "result/series_json.h"
#include "result/series_scan.h"
#include "result/timeseries.h"
#include "tap.h"

/* The text of a series with a bit of everything (caller frees), and the series itself in *RES_OUT. */
static char *sample(struct fr_results **res_out)
{
	struct fr_results *res = fr_results_create(&fx_tl);
	struct fr_timeseries *s = res->series;
	uint64_t x = 7;
	fx_fill(res); /* the cells: the series is written from the series alone */
	for (int n = 0; n < 4000; n++)
		fr_timeseries_request(s, n % 4, (int64_t)(fr_rand_next(&x) % 20000000),
		                      n % 5   ? FR_OK
		                      : n % 2 ? FR_ERR_HTTP_5XX
		                              : FR_ERR_TIMEOUT,
		                      (int64_t)(fr_rand_next(&x) % 900000));
	fr_timeseries_count(s, 0, 3000000, FR_IV_MISSED, 3);
	fr_timeseries_count(s, 0, 9000000, FR_IV_PLANNED, 40);
	fr_timeseries_delivery(s, 4, 5000000, 12345);
	fr_timeseries_count(s, 4, 5000000, FR_IV_WS_LOST, 2);
	fr_timeseries_gauge(s, 1, 2000000, 10);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	fr_series_json_write(f, res);
	fclose(f);
	*res_out = res;
	return text;
}

/* Scans TEXT and compares with the jansson reader on the same text. */
static int same_as_jansson(const char *text, const struct fr_timeseries *want)
{
	char *e1 = NULL, *e2 = NULL;
	json_t *doc = json_loads(text, 0, NULL);
	size_t used = 0;
	struct fr_timeseries *a = fr_series_scan(text, strlen(text), &used, &e1);
	struct fr_timeseries *b = doc ? fr_series_json_read(doc, &e2) : NULL;
	int ok = a && b && fr_timeseries_equal(a, b) && fr_timeseries_equal(a, want) && used == strlen(text);
	if (!ok)
		printf("# scan: %s, jansson: %s\n", e1 ? e1 : "ok", e2 ? e2 : "ok");
	fr_timeseries_free(a);
	fr_timeseries_free(b);
	json_decref(doc);
	free(e1);
	free(e2);
	return ok;
}

/* TEXT re-dumped by jansson with FLAGS (caller frees). */
static char *redump(const char *text, size_t flags)
{
	json_t *doc = json_loads(text, 0, NULL);
	char *out = json_dumps(doc, flags);
	json_decref(doc);
	return out;
}

/* The scanner and the jansson reader agree, however the object is laid out. */
static void test_same(void)
{
	struct fr_results *res;
	char *text = sample(&res);
	tap_ok(same_as_jansson(text, res->series), "the writer's text: the same series as the jansson reader's");
	char *indented = redump(text, JSON_INDENT(2));
	tap_ok(same_as_jansson(indented, res->series), "indented: the same");
	char *sorted = redump(text, JSON_SORT_KEYS | JSON_COMPACT);
	tap_ok(strstr(sorted, "\"version\":1}") != NULL, "(sorted: version is the last member)");
	tap_ok(same_as_jansson(sorted, res->series), "members sorted (version last, buckets before max_us): the same");
	free(indented);
	free(sorted);
	free(text);
	fr_results_free(res);
}

/* What the jansson reader refuses, the scanner refuses in the same words. */
static void test_refused(void)
{
	struct fr_results *res;
	char *text = sample(&res);
	static const struct {
		const char *key, *value, *name;
	} bad[] = {
	        {"intervals", "7", "arrays of the wrong length"},
	        {"version", "2", "another version"},
	        {"interval_us", "0", "a zero interval"},
	        {"keys", "null", "no keys"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_t *doc = json_loads(text, 0, NULL);
		json_object_set_new(doc, bad[i].key, json_loads(bad[i].value, JSON_DECODE_ANY, NULL));
		char *t = json_dumps(doc, JSON_COMPACT), *e1 = NULL, *e2 = NULL;
		struct fr_timeseries *a = fr_series_scan(t, strlen(t), NULL, &e1), *b = fr_series_json_read(doc, &e2);
		char name[128];
		snprintf(name, sizeof name, "%s: refused as the jansson reader refuses it (%s)", bad[i].name,
		         e2 ? e2 : "?");
		tap_ok(!a && !b && e1 && e2 && strcmp(e1, e2) == 0, name);
		if (e1 && e2 && strcmp(e1, e2))
			printf("# scan: %s\n", e1);
		free(e1);
		free(e2);
		free(t);
		json_decref(doc);
	}
	json_t *doc = json_loads(text, 0, NULL);
	json_array_append_new(json_object_get(json_array_get(json_object_get(doc, "keys"), 0), "requests"),
	                      json_integer(-1));
	char *t = json_dumps(doc, JSON_COMPACT), *e = NULL;
	struct fr_timeseries *a = fr_series_scan(t, strlen(t) - 10, NULL, &e);
	tap_ok(!a && e, "a cut text is refused");
	free(e);
	free(t);
	json_decref(doc);
	free(text);
	fr_results_free(res);
}

/* Finds "series" first, in the middle and last; the value read from where
 * it starts ends where it should, and the cut leaves valid JSON. */
static void test_find(void)
{
	struct fr_results *res;
	char *series = sample(&res);
	char *docs[3] = {
	        xasprintf("{\"series\": %s, \"a\": 1, \"b\": \"s\\\"eries\"}", series),
	        xasprintf("{\"a\": {\"series\": 2}, \"series\":%s , \"b\": [1, 2]}", series),
	        xasprintf("{\"a\": \"x\", \"b\": [{\"c\": \"}\"}],\n  \"series\": %s\n}", series),
	};
	static const char *const rest[] = {"{\"a\":1,\"b\":\"s\\\"eries\"}", "{\"a\":{\"series\":2},\"b\":[1,2]}",
	                                   "{\"a\":\"x\",\"b\":[{\"c\":\"}\"}]}"};
	for (size_t i = 0; i < 3; i++) {
		size_t cf, vf, used = 0, len = strlen(docs[i]);
		int first = -1;
		char name[80], *err = NULL;
		int found = fr_series_scan_find(docs[i], len, &cf, &vf, &first) == 0;
		struct fr_timeseries *s = found ? fr_series_scan(docs[i] + vf, len - vf, &used, &err) : NULL;
		snprintf(name, sizeof name, "series member %zu of 3: found (first: %d), read whole", i + 1, first);
		tap_ok(s && fr_timeseries_equal(s, res->series) && used == strlen(series), name);
		size_t ct = s ? fr_series_scan_cut_to(docs[i], len, vf + used, first) : cf;
		char *cut = xmalloc(len + 1);
		memcpy(cut, docs[i], cf);
		memcpy(cut + cf, docs[i] + ct, len - ct);
		cut[len - (ct - cf)] = 0;
		json_t *d = json_loads(cut, 0, NULL);
		char *got = d ? json_dumps(d, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
		snprintf(name, sizeof name, "series member %zu of 3: cut out cleanly", i + 1);
		tap_is_str(got, rest[i], name);
		json_decref(d);
		free(got);
		free(cut);
		free(err);
		fr_timeseries_free(s);
		free(docs[i]);
	}
	size_t a, b;
	int f;
	tap_ok(fr_series_scan_find("{\"a\": 1}", 8, &a, &b, &f) == -1, "no series member: -1");
	tap_ok(fr_series_scan_find("[1]", 3, &a, &b, &f) == -1, "not an object: -1");
	free(series);
	fr_results_free(res);
}

int main(void)
{
	test_same();
	test_refused();
	test_find();
	return tap_done();
}
