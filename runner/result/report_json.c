/* report_json.c: the versioned machine-readable result (schema/result.schema.json).
 *
 * The JSON result is the stable interface for CI and other programs: it
 * carries the verdicts and human-sized summaries, and also the raw histograms
 * of every (key, segment) cell — exact count, min, max and sum, and the
 * non-empty buckets as [low_us, high_us, count] (high inclusive) — so results
 * of several shards can be added up exactly (fr_report_json_raw_hist reads one
 * back). Empty cells are left out. Built with jansson and written atomically.
 */
#include "result/report_json.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plan/digest.h"
#include "result/series_json.h"
#include "util/atomic_file.h"
#include "util/xmalloc.h"

/* Sets KEY of OBJ to V (which it steals). */
static void set(json_t *obj, const char *key, json_t *v)
{
	json_object_set_new(obj, key, v);
}

/* A string, or null for NULL. */
static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* A wall-clock time in µs since the epoch as ISO 8601 UTC ("2026-11-27T11:23:24Z"). */
static json_t *iso_time(int64_t unix_us)
{
	char buf[32];
	time_t t = (time_t)(unix_us / 1000000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

/* Appends one bucket to the JSON array ARG. */
static void bucket(int64_t low, int64_t high, uint64_t count, void *arg)
{
	json_array_append_new(arg, json_pack("[III]", (json_int_t)low, (json_int_t)high, (json_int_t)count));
}

/* A raw histogram, or NULL when H is empty: exact count, min, max and sum
 * (an integer: the values are whole microseconds), and the non-empty buckets. */
json_t *fr_report_json_raw(const struct fr_hist *h)
{
	if (!fr_hist_count(h))
		return NULL;
	json_t *a = json_array();
	fr_hist_foreach(h, bucket, a);
	return json_pack("{sI sI sI sI so}", "count", (json_int_t)fr_hist_count(h), "min", (json_int_t)fr_hist_min(h),
	                 "max", (json_int_t)fr_hist_max(h), "sum", (json_int_t)fr_hist_sum(h), "buckets", a);
}

/* Rebuilds a histogram from a raw histogram object: every bucket keeps its
 * count (recorded at its low value), then the exact min, max and sum are put
 * back, so the rebuilt histogram equals the original in every respect. */
struct fr_hist *fr_report_json_raw_hist(const struct json_t *raw)
{
	json_int_t min, max;
	json_t *buckets, *b, *sum;
	size_t i;
	if (json_unpack((json_t *)raw, "{sI sI so so}", "min", &min, "max", &max, "sum", &sum, "buckets", &buckets) !=
	            0 ||
	    !json_is_array(buckets) || !json_is_number(sum))
		return NULL;
	struct fr_hist *h = fr_hist_create();
	json_array_foreach(buckets, i, b)
	{
		json_int_t low, high, count;
		if (json_unpack(b, "[III]", &low, &high, &count) != 0 || count < 0 || low < 0 || high < low) {
			fr_hist_free(h);
			return NULL;
		}
		fr_hist_record_n(h, low, (uint64_t)count);
	}
	fr_hist_set_summary(h, min, max, json_number_value(sum));
	return h;
}

/* Percentile summary of H, or null when empty. */
static json_t *stats(const struct fr_hist *h)
{
	if (!fr_hist_count(h))
		return json_null();
	return json_pack("{sI sI sI sI sI sI sI sI sf}", "count", (json_int_t)fr_hist_count(h), "min",
	                 (json_int_t)fr_hist_min(h), "p50", (json_int_t)fr_hist_quantile(h, 0.5), "p90",
	                 (json_int_t)fr_hist_quantile(h, 0.9), "p95", (json_int_t)fr_hist_quantile(h, 0.95), "p99",
	                 (json_int_t)fr_hist_quantile(h, 0.99), "p99.9", (json_int_t)fr_hist_quantile(h, 0.999), "max",
	                 (json_int_t)fr_hist_max(h), "mean", fr_hist_mean(h));
}

/* The non-zero outcome counters of C. */
static json_t *outcomes(const struct fr_cell *c)
{
	json_t *o = json_object();
	for (int i = 0; i < FR_OUTCOME_N; i++)
		if (c->outcomes[i])
			set(o, fr_outcome_name((enum fr_outcome)i), json_integer((json_int_t)c->outcomes[i]));
	return o;
}

/* The non-zero websocket counters of C. */
static json_t *ws_counters(const struct fr_cell *c)
{
	json_t *o = json_object();
	for (int i = 0; i < FR_WS_COUNTER_N; i++)
		if (c->ws[i])
			set(o, fr_ws_counter_name((enum fr_ws_counter)i), json_integer((json_int_t)c->ws[i]));
	return o;
}

/* A summary of the summed cell C. */
static json_t *summary(const struct fr_cell *c)
{
	json_t *o = json_object();
	set(o, "requests", json_integer((json_int_t)fr_cell_requests(c)));
	set(o, "errors", json_integer((json_int_t)fr_cell_errors(c)));
	set(o, "outcomes", outcomes(c));
	set(o, "late", json_integer((json_int_t)c->late));
	set(o, "missed", json_integer((json_int_t)c->missed));
	set(o, "ws", ws_counters(c));
	set(o, "latency", stats(c->latency));
	set(o, "service", stats(c->service));
	set(o, "delivery", stats(c->delivery));
	set(o, "connect", stats(c->connect));
	return o;
}

/* Whether a cell holds anything at all. */
static int cell_empty(const struct fr_cell *c)
{
	if (fr_cell_requests(c) || c->late || c->missed || fr_hist_count(c->latency) || fr_hist_count(c->service) ||
	    fr_hist_count(c->delivery) || fr_hist_count(c->connect))
		return 0;
	for (int i = 0; i < FR_WS_COUNTER_N; i++)
		if (c->ws[i])
			return 0;
	return 1;
}

static const char *const series_names[4] = {"latency", "service", "delivery", "connect"};

/* A cell's slowest samples per series as [value_us, at_us] pairs (shard merges
 * read them back), or NULL when it kept none. */
static json_t *raw_slowest(const struct fr_cell *c)
{
	json_t *o = NULL;

	for (int s = 0; s <= FR_SERIES_CONNECT; s++) {
		if (!c->slowest[s].n)
			continue;
		json_t *a = json_array();
		for (int k = 0; k < c->slowest[s].n; k++) {
			const struct fr_sample *x = &c->slowest[s].s[k];
			json_array_append_new(
			        a, x->service_us >= 0
			                   ? json_pack("[I, I, I]", (json_int_t)x->value_us, (json_int_t)x->at_us,
			                               (json_int_t)x->service_us)
			                   : json_pack("[I, I]", (json_int_t)x->value_us, (json_int_t)x->at_us));
		}
		if (!o)
			o = json_object();
		set(o, series_names[s], a);
	}
	return o;
}

/* The raw content of one (key, segment) cell. */
static json_t *raw_cell(const struct fr_cell *c, int seg)
{
	json_t *o = json_object();
	set(o, "segment", json_integer(seg));
	set(o, "outcomes", outcomes(c));
	set(o, "late", json_integer((json_int_t)c->late));
	set(o, "missed", json_integer((json_int_t)c->missed));
	set(o, "ws", ws_counters(c));
	const struct fr_hist *h[4] = {c->latency, c->service, c->delivery, c->connect};
	for (int i = 0; i < 4; i++) {
		json_t *a = fr_report_json_raw(h[i]);
		if (a)
			set(o, series_names[i], a);
	}
	json_t *slow = raw_slowest(c);
	if (slow)
		set(o, "slowest", slow);
	return o;
}

/* The kind of key K: "request", "group", "step" or "websocket". */
static const char *key_kind(const struct fr_key *k)
{
	if (!k->request)
		return "websocket";
	if (k->parent >= 0)
		return "step";
	return k->request->nsteps ? "group" : "request";
}

/* One key: identity, whole-run and per-window summaries, raw cells. */
static json_t *key_json(const struct fr_report *r, size_t k)
{
	const struct fr_results *res = r->results;
	const struct fr_timeline *tl = r->timeline;
	const struct fr_key *key = &res->keys[k];
	json_t *o = json_object();
	set(o, "name", json_string(key->name));
	set(o, "scenario", json_string(r->plan->scenarios[key->scenario].name));
	set(o, "request", str_or_null(key->request ? key->request->name : NULL));
	set(o, "parent", str_or_null(key->parent >= 0 ? res->keys[key->parent].name : NULL));
	set(o, "kind", json_string(key_kind(key)));
	size_t nall;
	int *all = fr_report_segs(tl, -1, -1, -1, &nall);
	struct fr_cell c = {0};
	fr_results_sum(res, (int)k, -1, all, nall, &c);
	set(o, "run", summary(&c));
	fr_cell_clear(&c);
	free(all);
	json_t *wins = json_array();
	for (size_t w = 0; w < tl->nwindows; w++) {
		struct fr_cell wc = {0};
		fr_results_sum(res, (int)k, -1, tl->windows[w].segs, tl->windows[w].nsegs, &wc);
		json_t *s = summary(&wc);
		set(s, "window", json_integer((json_int_t)w));
		json_array_append_new(wins, s);
		fr_cell_clear(&wc);
	}
	set(o, "windows", wins);
	json_t *cells = json_array();
	for (size_t s = 0; s < tl->nsegs; s++) {
		const struct fr_cell *cell = &res->cells[k * tl->nsegs + s];
		if (!cell_empty(cell))
			json_array_append_new(cells, raw_cell(cell, (int)s));
	}
	set(o, "segments", cells);
	return o;
}

/* The segments: pass, offsets, active stages and faults. */
static json_t *segments_json(const struct fr_report *r)
{
	const struct fr_timeline *tl = r->timeline;
	json_t *a = json_array();
	for (size_t i = 0; i < tl->nsegs; i++) {
		const struct fr_segment *s = &tl->segs[i];
		json_t *stages = json_array(), *faults = json_array();
		for (size_t sc = 0; sc < r->plan->nscenarios; sc++)
			json_array_append_new(stages, json_integer(s->stage[sc]));
		for (int f = 0; f < s->nfaults; f++)
			json_array_append_new(faults, json_integer(s->faults[f]));
		json_array_append_new(a, json_pack("{si sI sI so so}", "pass", s->pass, "start_us",
		                                   (json_int_t)s->start_us, "end_us", (json_int_t)s->end_us, "stages",
		                                   stages, "faults", faults));
	}
	return a;
}

/* The SLO windows and the segments each is made of. */
static json_t *windows_json(const struct fr_report *r)
{
	const struct fr_timeline *tl = r->timeline;
	json_t *a = json_array();
	for (size_t i = 0; i < tl->nwindows; i++) {
		const struct fr_window *w = &tl->windows[i];
		json_t *segs = json_array();
		for (size_t s = 0; s < w->nsegs; s++)
			json_array_append_new(segs, json_integer(w->segs[s]));
		json_array_append_new(a, json_pack("{ss ss si sI sI so}", "slo", r->plan->slos[w->slo].name, "label",
		                                   w->label, "pass", w->pass, "start_us", (json_int_t)w->start_us,
		                                   "end_us", (json_int_t)w->end_us, "segments", segs));
	}
	return a;
}

/* A sustained SLO's longest breach and what it was judged on; null for other SLOs. */
static json_t *breach_json(const struct fr_window *w, const struct fr_verdict *v)
{
	if (!v->sustained)
		return json_null();
	const struct fr_breach *b = &v->breach;
	return json_pack("{sI sI sI so so sI sI}", "over_us", (json_int_t)w->over_us, "sustained_us",
	                 (json_int_t)w->sustained_us, "longest_us", (json_int_t)b->longest_us, "start_us",
	                 b->longest_us ? json_integer((json_int_t)b->start_us) : json_null(), "end_us",
	                 b->longest_us ? json_integer((json_int_t)b->end_us) : json_null(), "positions",
	                 (json_int_t)b->positions, "breached", (json_int_t)b->breached);
}

/* A failed latency SLO's slowest samples: key, value, intended time and segment. */
static json_t *slowest_json(const struct fr_report *r, const struct fr_slowest *s)
{
	json_t *a = json_array();

	for (int k = 0; k < s->n; k++) {
		json_t *o = json_pack("{s:s, s:I, s:I, s:i}", "key", r->results->keys[s->s[k].key].name, "value_us",
		                      (json_int_t)s->s[k].value_us, "at_us", (json_int_t)s->s[k].at_us, "segment",
		                      fr_report_sample_segment(r, s->s[k].at_us));
		if (s->s[k].service_us >= 0)
			set(o, "service_us", json_integer((json_int_t)s->s[k].service_us));
		json_array_append_new(a, o);
	}
	return a;
}

/* The verdicts. */
static json_t *verdicts_json(const struct fr_report *r)
{
	json_t *a = json_array();
	for (size_t i = 0; i < r->nverdicts; i++) {
		const struct fr_verdict *v = &r->verdicts[i];
		const struct fr_window *w = &r->timeline->windows[v->window];
		const struct fr_slo *slo = &r->plan->slos[w->slo];
		char stat[32], *label = fr_report_window_label(r, w);
		fr_slo_stat_name(slo, stat, sizeof stat);
		json_t *o = json_object();
		set(o, "slo", json_string(slo->name));
		set(o, "window", json_integer(v->window));
		set(o, "label", json_string(label));
		set(o, "stat", json_string(stat));
		set(o, "series", json_string(series_names[slo->series]));
		set(o, "threshold", json_real(slo->threshold));
		set(o, "threshold_text", json_string(slo->threshold_text ? slo->threshold_text : ""));
		set(o, "measured", v->no_data || v->skipped ? json_null() : json_real(v->measured));
		set(o, "measured_text", json_string(v->measured_text));
		set(o, "pass", json_boolean(v->pass));
		set(o, "no_data", json_boolean(v->no_data));
		set(o, "skipped", json_boolean(v->skipped));
		if (v->slowest.n && r->results)
			set(o, "slowest", slowest_json(r, &v->slowest));
		set(o, "breach", breach_json(w, v));
		set(o, "inconclusive", json_boolean(v->inconclusive));
		set(o, "saturated", str_or_null(v->saturation));
		json_array_append_new(a, o);
		free(label);
	}
	return a;
}

/* A number that may be unknown (negative): null then. */
static json_t *known(double v)
{
	return v < 0 ? json_null() : json_real(v);
}

/* One worker thread: its whole-run figures and, per segment, what merges need. */
static json_t *health_thread_json(const struct fr_health *h, size_t t)
{
	struct fr_health_sum sum;
	json_t *segs = json_array();

	fr_health_sum(h, t, NULL, 0, &sum);
	for (size_t s = 0; s < h->nsegs; s++) {
		const struct fr_health_cell *c = &h->threads[t].cells[s];
		json_t *raw = fr_report_json_raw(c->lag);
		if (!c->wall_us && !c->lag)
			continue;
		json_array_append_new(segs, json_pack("{sI sI sI so}", "segment", (json_int_t)s, "cpu_us",
		                                      (json_int_t)c->cpu_us, "wall_us", (json_int_t)c->wall_us,
		                                      "loop_lag_raw", raw ? raw : json_null()));
	}
	return json_pack("{si so s{so so so sI} sb so}", "thread", sum.thread, "cpu", known(sum.cpu), "loop_lag_us",
	                 "p50", sum.ticks ? json_integer(sum.lag_p50_us) : json_null(), "p99",
	                 sum.ticks ? json_integer(sum.lag_p99_us) : json_null(), "max",
	                 sum.ticks ? json_integer(sum.lag_max_us) : json_null(), "ticks", (json_int_t)sum.ticks,
	                 "saturated", sum.saturated, "segments", segs);
}

/* The generator's health: worker threads, memory, host load, the paths, the rule. */
static json_t *generator_json(const struct fr_report *r)
{
	const struct fr_results *res = r->results;
	const struct fr_health *h = res ? res->health : NULL;
	json_t *threads, *sat;

	if (!h)
		return json_null();
	threads = json_array();
	sat = json_array();
	for (size_t t = 0; t < h->nthreads; t++)
		json_array_append_new(threads, health_thread_json(h, t));
	for (size_t i = 0; i < r->nverdicts; i++)
		if (r->verdicts[i].saturated)
			json_array_append_new(sat, json_pack("{si ss}", "window", r->verdicts[i].window, "reason",
			                                     r->verdicts[i].saturation));
	return json_pack(
	        "{so sb s{sf sI sf sI sI} so s{so so so si} s{sI sI} so}", "threads", threads, "allow_saturated",
	        h->allow_saturated, "bounds", "cpu", FR_HEALTH_CPU_MAX, "loop_lag_us", (json_int_t)FR_HEALTH_LAG_MAX_US,
	        "loop_lag_share", FR_HEALTH_LAG_SHARE, "min_wall_us", (json_int_t)FR_HEALTH_MIN_WALL_US,
	        "segment_min_wall_us", (json_int_t)FR_HEALTH_SEGMENT_MIN_WALL_US, "rss_peak_bytes",
	        h->rss_peak_bytes > 0 ? json_integer(h->rss_peak_bytes) : json_null(), "host", "load_start",
	        known(h->load_start), "load_max", known(h->load_max), "load_end", known(h->load_end), "cpus", h->cpus,
	        "http", "lean", (json_int_t)res->http_lean, "curl", (json_int_t)res->http_curl, "saturated", sat);
}

/* What stopped an aborted run: the SLO, its window and when; null otherwise. */
static json_t *aborted_json(const struct fr_report *r)
{
	if (!r->aborted || r->aborted_window < 0 || (size_t)r->aborted_window >= r->timeline->nwindows)
		return json_null();
	const struct fr_window *w = &r->timeline->windows[r->aborted_window];
	char *label = fr_report_window_label(r, w);
	json_t *o = json_pack("{ss si ss sI}", "slo", r->plan->slos[w->slo].name, "window", r->aborted_window, "label",
	                      label, "at_us", (json_int_t)r->aborted_at_us);
	free(label);
	return o;
}

/* The fault action records. */
static json_t *faults_json(const struct fr_report *r)
{
	json_t *a = json_array();
	for (size_t i = 0; i < r->nfaults; i++) {
		const struct fr_fault_record *f = &r->faults[i];
		const char *name = f->fault >= 0 && (size_t)f->fault < r->plan->faults.n
		                           ? r->plan->faults.items[f->fault].name
		                           : "?";
		json_array_append_new(a, json_pack("{si ss sb sI sI sI sb so}", "fault", f->fault, "name", name, "on",
		                                   f->on, "intended_us", (json_int_t)f->intended_us, "actual_us",
		                                   (json_int_t)f->actual_us, "late_us",
		                                   (json_int_t)(f->actual_us - f->intended_us), "ok", f->ok, "error",
		                                   str_or_null(f->error)));
	}
	return a;
}

/* The scenarios with their model and stages (name, level, length), for
 * readers that draw the load against the results. */
static json_t *scenarios_json(const struct fr_plan *p)
{
	json_t *a = json_array();
	for (size_t s = 0; s < p->nscenarios; s++) {
		const struct fr_scenario *sc = &p->scenarios[s];
		json_t *stages = json_array();
		for (size_t i = 0; i < sc->nstages; i++)
			json_array_append_new(stages, json_pack("{so sf sI}", "name", str_or_null(sc->stages[i].name),
			                                        "level", sc->stages[i].level, "dur_us",
			                                        (json_int_t)sc->stages[i].dur_us));
		json_array_append_new(a, json_pack("{ss ss so}", "name", sc->name, "model", fr_model_name(sc->model),
		                                   "stages", stages));
	}
	return a;
}

/* The faults' names and toxics (their windows are in the segments). */
static json_t *plan_faults_json(const struct fr_plan *p)
{
	json_t *a = json_array();
	for (size_t f = 0; f < p->faults.n; f++)
		json_array_append_new(a, json_pack("{ss ss}", "name", p->faults.items[f].name, "toxic",
		                                   fr_toxic_name(p->faults.items[f].toxic)));
	return a;
}

/* The SLOs' scope: which scenario and request each one judges. */
static json_t *plan_slos_json(const struct fr_plan *p)
{
	json_t *a = json_array();
	for (size_t i = 0; i < p->nslos; i++) {
		const struct fr_slo *s = &p->slos[i];
		json_array_append_new(a,
		                      json_pack("{ss so so ss sb}", "name", s->name, "scenario",
		                                str_or_null(s->scenario), "request", str_or_null(s->request), "series",
		                                fr_series_name(s->series), "server_side", s->metric != NULL));
	}
	return a;
}

/* The plan's identity, and its scenarios, faults and SLOs by name. */
static json_t *plan_json(const struct fr_report *r)
{
	const struct fr_plan *p = r->plan;
	json_t *vals = json_array();
	char digest[FR_DIGEST_LEN];
	for (size_t i = 0; i < p->nsweep; i++)
		json_array_append_new(vals, json_string(p->sweep_values[i]));
	fr_timeline_digest(r->timeline, digest);
	json_t *o =
	        json_pack("{ss so so sf sI si so so ss}", "name", p->name, "file", str_or_null(p->file), "description",
	                  str_or_null(p->description), "time_scale", r->timeline->time_scale, "duration_us",
	                  (json_int_t)r->timeline->totals.duration_us, "passes", r->timeline->npasses, "sweep_param",
	                  str_or_null(p->sweep_param), "sweep_values", vals, "digest", digest);
	set(o, "pass_us", json_integer((json_int_t)r->timeline->pass_us));
	set(o, "scenarios", scenarios_json(p));
	set(o, "faults", plan_faults_json(p));
	set(o, "slos", plan_slos_json(p));
	return o;
}

/* The planned level of scenario SC in segment SEG (0 when idle). */
static double planned_level(const struct fr_timeline *tl, size_t sc, size_t seg)
{
	int st = tl->segs[seg].stage ? tl->segs[seg].stage[sc] : -1;
	return st < 0 ? 0 : tl->plan->scenarios[sc].stages[st].level;
}

/* Per closed or websocket scenario, the users or viewers the generator had
 * at once in each segment, beside the plan's: the load it really held. */
static json_t *load_json(const struct fr_report *r)
{
	const struct fr_timeline *tl = r->timeline;
	json_t *a = json_array();
	for (size_t sc = 0; r->results && sc < r->plan->nscenarios; sc++) {
		if (r->plan->scenarios[sc].model == FR_MODEL_OPEN)
			continue;
		json_t *segs = json_array();
		double planned = 0;
		uint64_t peak = 0;
		for (size_t i = 0; i < tl->nsegs; i++) {
			uint64_t n = fr_results_active(r->results, (int)sc, (int)i);
			double p = planned_level(tl, sc, i);
			planned = p > planned ? p : planned;
			peak = n > peak ? n : peak;
			if (n)
				json_array_append_new(segs, json_pack("[iI]", (int)i, (json_int_t)n));
		}
		json_array_append_new(a, json_pack("{ss ss sf sI so}", "scenario", r->plan->scenarios[sc].name, "model",
		                                   fr_model_name(r->plan->scenarios[sc].model), "planned_peak", planned,
		                                   "active_peak", (json_int_t)peak, "segments", segs));
	}
	return a;
}

/* A generator's identity, start and health. */
static json_t *shard_json(const struct fr_shard_info *si)
{
	json_t *o = json_pack("{si si sI sI sI sb sf}", "index", si->index, "count", si->count, "seed",
	                      (json_int_t)si->seed, "start_at_unix_us", (json_int_t)si->start_at_unix_us,
	                      "start_skew_us", (json_int_t)si->start_skew_us, "late", si->late, "cpu_s", si->cpu_s);
	set(o, "clock_offset_us", si->have_clock ? json_integer((json_int_t)si->clock_offset_us) : json_null());
	set(o, "clock_error_us", si->have_clock ? json_integer((json_int_t)si->clock_error_us) : json_null());
	set(o, "clock_ref", str_or_null(si->clock_ref));
	return o;
}

/* A merged report's shard table: each shard's file, outcome and health. */
static json_t *shards_json(const struct fr_report *r)
{
	json_t *a = json_array();
	for (size_t i = 0; i < r->nshards; i++) {
		const struct fr_shard_info *si = &r->shards[i];
		json_t *o = shard_json(si);
		set(o, "file", str_or_null(si->file));
		set(o, "missing", json_boolean(si->missing));
		set(o, "result", str_or_null(si->result));
		set(o, "invalid", str_or_null(si->invalid));
		set(o, "interrupted", json_boolean(si->interrupted));
		set(o, "partial", json_boolean(si->partial));
		set(o, "failed", str_or_null(si->failed));
		set(o, "planned", json_integer((json_int_t)si->planned));
		set(o, "sent", json_integer((json_int_t)si->sent));
		set(o, "lag_p99_us", si->lag_p99_us >= 0 ? json_integer((json_int_t)si->lag_p99_us) : json_null());
		set(o, "worker_cpu_max", si->worker_cpu_max >= 0 ? json_real(si->worker_cpu_max) : json_null());
		set(o, "loop_lag_p99_us",
		    si->loop_lag_p99_us >= 0 ? json_integer((json_int_t)si->loop_lag_p99_us) : json_null());
		set(o, "saturated", json_boolean(si->saturated));
		set(o, "elapsed_us", json_integer((json_int_t)si->elapsed_us));
		set(o, "share", json_real(si->share));
		json_array_append_new(a, o);
	}
	return a;
}

/* "failed", "partial", "invalid", "interrupted", "pass" or "fail". */
static const char *result_word(const struct fr_report *r)
{
	if (r->failed_reason)
		return "failed";
	if (r->partial)
		return "partial";
	if (r->invalid_reason)
		return "invalid";
	if (r->interrupted)
		return "interrupted";
	return fr_report_slo_result(r) == FR_SLO_PASS ? "pass" : "fail";
}

/* The document's "exit_code" field: the status flowrun ends with for this
 * result, fixed by the result schema (0 pass, 1 fail, 3 invalid, 4 failed),
 * so a reader of the file alone can tell what the run's command returned. */
static int exit_code_field(const struct fr_report *r)
{
	if (r->failed_reason)
		return 4;
	switch (fr_report_slo_result(r)) {
	case FR_SLO_INVALID: return 3;
	case FR_SLO_FAIL: return 1;
	default: return 0;
	}
}

/* Why and where the run failed, or null. */
static json_t *failed_json(const struct fr_report *r)
{
	if (!r->failed_reason)
		return json_null();
	return json_pack("{ss ss si}", "message", r->failed_reason, "phase",
	                 r->failed_phase ? r->failed_phase : "start", "pass", r->failed_pass);
}

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0.0.0"
#endif

/* Builds the whole JSON document, all but the time series. */
json_t *fr_report_json_doc(const struct fr_report *r)
{
	json_t *o = json_object();
	char *outcome = fr_report_outcome(r);
	set(o, "format", json_string("flowrun-result"));
	set(o, "version", json_integer(1));
	set(o, "flowrun_version", json_string(PACKAGE_VERSION));
	set(o, "plan", plan_json(r));
	set(o, "run_id", json_string(r->run_id ? r->run_id : ""));
	set(o, "started", iso_time(r->started_unix_us));
	set(o, "ended", iso_time(r->ended_unix_us));
	set(o, "started_unix_us", json_integer((json_int_t)r->started_unix_us));
	set(o, "ended_unix_us", json_integer((json_int_t)r->ended_unix_us));
	set(o, "elapsed_us", json_integer((json_int_t)(r->results ? r->results->elapsed_us : 0)));
	set(o, "interrupted", json_boolean(r->interrupted));
	set(o, "aborted_by", aborted_json(r));
	set(o, "invalid", str_or_null(r->invalid_reason));
	set(o, "failed", failed_json(r));
	set(o, "partial", json_boolean(r->partial));
	set(o, "result", json_string(result_word(r)));
	set(o, "outcome", json_string(outcome));
	set(o, "exit_code", json_integer(exit_code_field(r)));
	set(o, "segments", segments_json(r));
	set(o, "windows", windows_json(r));
	json_t *keys = json_array();
	for (size_t k = 0; r->results && k < r->results->nkeys; k++)
		json_array_append_new(keys, key_json(r, k));
	set(o, "keys", keys);
	set(o, "verdicts", verdicts_json(r));
	set(o, "faults", faults_json(r));
	const struct fr_results *res = r->results;
	json_t *lag = res ? fr_report_json_raw(res->sched_lag) : NULL;
	set(o, "scheduler",
	    json_pack("{sI sI so so}", "planned", (json_int_t)(res ? res->planned : 0), "sent",
	              (json_int_t)(res ? res->sent : 0), "lag", stats(res ? res->sched_lag : NULL), "lag_raw",
	              lag ? lag : json_null()));
	set(o, "load", load_json(r));
	set(o, "generator", generator_json(r));
	if (r->merged) {
		set(o, "shards", shards_json(r));
		set(o, "coverage", str_or_null(r->coverage));
	} else if (r->nshards == 1) {
		set(o, "shard", shard_json(&r->shards[0]));
	}
	free(outcome);
	return o;
}

/* Writes the document of the report ARG to OUT (an fr_atomic_file_write
 * filler). The time series is streamed after the rest: as jansson values it
 * would take some 40 bytes per number, 100 MB for an hour. */
static int write_json(FILE *out, const void *arg)
{
	const struct fr_report *r = arg;
	json_t *root = fr_report_json_doc(r);
	fputc('{', out);
	int rc = json_dumpf(root, out, JSON_COMPACT | JSON_EMBED | JSON_REAL_PRECISION(10));
	if (r->results && r->results->series) {
		fputs(",\"series\":", out);
		rc |= fr_series_json_write(out, r->results);
	}
	fputs("}\n", out);
	json_decref(root);
	return rc;
}

/* Atomically, because CI steps may read PATH while a run is still writing it. */
int fr_report_json(const struct fr_report *r, const char *path, char **err_out)
{
	return fr_atomic_file_write(path, write_json, r, err_out);
}
