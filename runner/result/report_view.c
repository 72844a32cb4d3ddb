/* report_view.c: the compact object the HTML report is drawn from (see report_view.h).
 *
 * Interval percentiles are the interval histogram's (ivhist.h: within 3.2 %
 * above the exact value, the max exact); an interval without samples has
 * null percentiles, which the charts draw as a gap. The spectrum comes from
 * the exact per-segment histograms of the document, merged over the run.
 */
#include "result/report_view.h"

#include <jansson.h>
#include <math.h>
#include <string.h>

#include "result/hist.h"
#include "result/report_json.h"

/* Percentiles per interval, in the order of the view's arrays. */
static const double iv_quantiles[] = {0.5, 0.9, 0.95, 0.99, 1.0};
static const char *const iv_names[] = {"p50", "p90", "p95", "p99", "max"};
#define NQ (sizeof iv_quantiles / sizeof *iv_quantiles)

/* The document without the raw per-segment cells of its keys and without its series. */
static json_t *lite_doc(const json_t *doc)
{
	json_t *d = json_deep_copy(doc);
	json_t *keys = json_object_get(d, "keys"), *k;
	size_t i;
	json_object_del(d, "series");
	json_array_foreach(keys, i, k) json_object_del(k, "segments");
	return d;
}

/* An array of per-interval counts of KEY from GET. */
static json_t *counts(const struct fr_timeseries *s, int key, uint64_t (*get)(const struct fr_iv *, int), int arg,
                      int *any)
{
	json_t *a = json_array();
	*any = 0;
	for (size_t i = 0; i < s->nintervals; i++) {
		uint64_t v = get(fr_timeseries_get(s, key, i), arg);
		*any |= v != 0;
		json_array_append_new(a, json_integer((json_int_t)v));
	}
	return a;
}

static uint64_t get_requests(const struct fr_iv *iv, int arg)
{
	(void)arg;
	return fr_timeseries_requests(iv);
}

static uint64_t get_outcome(const struct fr_iv *iv, int o)
{
	return iv->outcomes[o];
}

static uint64_t get_counter(const struct fr_iv *iv, int c)
{
	return iv->counters[c];
}

/* Sets NAME in OBJ to the counts of GET when any is non-zero (always with KEEP). */
static void set_counts(json_t *obj, const char *name, const struct fr_timeseries *s, int key,
                       uint64_t (*get)(const struct fr_iv *, int), int arg, int keep)
{
	int any;
	json_t *a = counts(s, key, get, arg, &any);
	if (any || keep)
		json_object_set_new(obj, name, a);
	else
		json_decref(a);
}

/* One key of the series view: counts and percentiles per interval. */
static json_t *series_key(const struct fr_timeseries *s, int key, const char *name)
{
	json_t *o = json_object(), *errors = json_object(), *counters = json_object();
	json_object_set_new(o, "name", json_string(name));
	set_counts(o, "requests", s, key, get_requests, 0, 1);
	for (int c = 1; c < FR_OUTCOME_N; c++)
		set_counts(errors, fr_outcome_name((enum fr_outcome)c), s, key, get_outcome, c, 0);
	json_object_set_new(o, "errors", errors);
	for (int c = 0; c < FR_IV_COUNTER_N; c++)
		set_counts(counters, fr_timeseries_counter_name((enum fr_iv_counter)c), s, key, get_counter, c, 0);
	json_object_set_new(o, "counters", counters);
	for (size_t q = 0; q < NQ; q++) {
		json_t *a = json_array();
		for (size_t i = 0; i < s->nintervals; i++) {
			const struct fr_ivhist *h = &fr_timeseries_get(s, key, i)->latency;
			json_array_append_new(a, h->n ? json_integer((json_int_t)fr_ivhist_quantile(h, iv_quantiles[q]))
			                              : json_null());
		}
		json_object_set_new(o, iv_names[q], a);
	}
	return o;
}

/* The series view: interval, scenarios' gauges, keys. */
static json_t *series_view(const struct fr_timeseries *s, const json_t *doc)
{
	json_t *o = json_object(), *scs = json_array(), *keys = json_array(), *dk = json_object_get(doc, "keys");
	json_object_set_new(o, "interval_us", json_integer((json_int_t)s->interval_us));
	json_object_set_new(o, "intervals", json_integer((json_int_t)s->nintervals));
	for (size_t sc = 0; sc < s->nscenarios; sc++) {
		json_t *a = json_array();
		for (size_t i = 0; i < s->nintervals; i++)
			json_array_append_new(a, json_integer(fr_timeseries_gauge_at(s, (int)sc, i)));
		json_array_append_new(scs, a);
	}
	json_object_set_new(o, "active", scs);
	for (size_t k = 0; k < s->nkeys; k++) {
		const char *name = json_string_value(json_object_get(json_array_get(dk, k), "name"));
		json_array_append_new(keys, series_key(s, (int)k, name ? name : "?"));
	}
	json_object_set_new(o, "keys", keys);
	return o;
}

/* The run histogram of one key: its raw segment histograms (latency, or
 * delivery for a websocket key) merged; NULL when there is none. */
static struct fr_hist *key_hist(const json_t *key)
{
	const char *kind = json_string_value(json_object_get(key, "kind"));
	const char *series = kind && !strcmp(kind, "websocket") ? "delivery" : "latency";
	struct fr_hist *all = NULL;
	json_t *seg;
	size_t i;
	json_array_foreach(json_object_get(key, "segments"), i, seg)
	{
		json_t *raw = json_object_get(seg, series);
		struct fr_hist *h = raw ? fr_report_json_raw_hist(raw) : NULL;
		if (!h)
			continue;
		if (!all)
			all = fr_hist_create();
		fr_hist_merge(all, h);
		fr_hist_free(h);
	}
	return all;
}

/* The percentile spectrum of H: [q, value] at q = 1 − 10^(−k/10) while a
 * sample lies beyond it, then the max (HdrHistogram's percentile plot). */
static json_t *spectrum(const struct fr_hist *h)
{
	json_t *a = json_array();
	uint64_t n = fr_hist_count(h);
	for (int k = 0; k <= 60; k++) {
		double q = 1 - pow(10, -k / 10.0);
		if (k && 1 / (1 - q) > (double)n)
			break;
		json_array_append_new(a, json_pack("[fI]", q, (json_int_t)fr_hist_quantile(h, q)));
	}
	json_array_append_new(a, json_pack("[fI]", 1.0, (json_int_t)fr_hist_max(h)));
	return a;
}

/* Every key's spectrum, by key name. */
static json_t *spectra(const json_t *doc)
{
	json_t *o = json_object(), *key;
	size_t i;
	json_array_foreach(json_object_get(doc, "keys"), i, key)
	{
		struct fr_hist *h = key_hist(key);
		if (h && fr_hist_count(h))
			json_object_set_new(o, json_string_value(json_object_get(key, "name")), spectrum(h));
		fr_hist_free(h);
	}
	return o;
}

/* The view of a result and its series. */
json_t *fr_report_view(const json_t *doc, const struct fr_timeseries *s)
{
	json_t *v = json_object();
	json_object_set_new(v, "doc", lite_doc(doc));
	json_object_set_new(v, "series", s ? series_view(s, doc) : json_null());
	json_object_set_new(v, "spectra", spectra(doc));
	return v;
}
