/* exposition.c: writing a metrics store as Prometheus text, series by series.
 *
 * One rendering escapes every label value taken from the plan once, reads
 * each counter of the store once, and accumulates the non-cumulative bucket
 * counts of the store into cumulative `le` buckets, so _count always equals
 * the +Inf bucket and flowrun_requests_total equals the duration histogram's
 * _count (both come from the same counters).
 */
#include "observe/exposition.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/container.h"
#include "util/fmt.h"
#include "util/xmalloc.h"

/* Message kinds of flowrun_ws_messages_total, indexed by enum fr_ws_counter. */
static const char *const ws_kinds[FR_METRICS_WS_KINDS] = {
        [FR_WS_RECEIVED] = "received",   [FR_WS_LOST] = "lost",
        [FR_WS_DUPLICATE] = "duplicate", [FR_WS_UNMATCHED] = "unmatched",
        [FR_WS_OVERSIZED] = "oversized", [FR_WS_EXPECTED] = "expected",
        [FR_WS_PUBLISHED] = "published", [FR_WS_PUBLISH_FAILED] = "publish-failed",
};

/* One rendering: the text so far and the escaped label values. */
struct expo {
	struct fr_buf b;
	const struct fr_metrics *m;
	const struct fr_plan *plan;
	const struct fr_key *keys;
	size_t nkeys;
	const int64_t *bounds;
	size_t nbounds;
	uint64_t *counts; /* nbounds + 1 bucket counts, reused per histogram */
	char *ids;        /* run_id="…",shard="K": the labels every series starts with */
	char *plan_name;
	char **scen;  /* [scenario] */
	char **req;   /* [key]: request name, NULL for websocket keys */
	char **slo;   /* [slo] */
	char **fault; /* [fault] */
};

/* Escapes a label value (backslash, double quote, newline); caller frees. */
static char *escape_label(const char *s)
{
	size_t n = strlen(s);
	char *out = xmalloc(2 * n + 1), *p = out;
	for (; *s; s++) {
		if (*s == '\\' || *s == '"') {
			*p++ = '\\';
			*p++ = *s;
		} else if (*s == '\n') {
			*p++ = '\\';
			*p++ = 'n';
		} else {
			*p++ = *s;
		}
	}
	*p = '\0';
	return out;
}

/* Frees an array of N strings. */
static void free_strings(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

/* Escapes every label value taken from the plan and the run, once. */
static void expo_init(struct expo *e, const struct fr_metrics *m)
{
	memset(e, 0, sizeof(*e));
	fr_buf_init(&e->b, 0);
	e->m = m;
	e->plan = fr_metrics_plan(m);
	e->keys = fr_metrics_keys(m, &e->nkeys);
	e->bounds = fr_metrics_bounds(m, &e->nbounds);
	e->counts = xcalloc(e->nbounds + 1, sizeof(*e->counts));
	char *run_id = escape_label(fr_metrics_run_id(m));
	e->ids = xasprintf("run_id=\"%s\",shard=\"%d\"", run_id, fr_metrics_shard(m));
	free(run_id);
	e->plan_name = escape_label(e->plan->name ? e->plan->name : "");
	e->scen = xcalloc(e->plan->nscenarios + 1, sizeof(char *));
	for (size_t i = 0; i < e->plan->nscenarios; i++)
		e->scen[i] = escape_label(e->plan->scenarios[i].name);
	e->req = xcalloc(e->nkeys + 1, sizeof(char *));
	for (size_t k = 0; k < e->nkeys; k++)
		if (e->keys[k].request)
			e->req[k] = escape_label(e->keys[k].request->name ? e->keys[k].request->name : "");
	e->slo = xcalloc(e->plan->nslos + 1, sizeof(char *));
	for (size_t i = 0; i < e->plan->nslos; i++)
		e->slo[i] = escape_label(e->plan->slos[i].name);
	e->fault = xcalloc(e->plan->faults.n + 1, sizeof(char *));
	for (size_t i = 0; i < e->plan->faults.n; i++)
		e->fault[i] = escape_label(e->plan->faults.items[i].name);
}

/* Frees the labels and the counts; the text is taken before. */
static void expo_clear(struct expo *e)
{
	free(e->counts);
	free(e->ids);
	free(e->plan_name);
	free_strings(e->scen, e->plan->nscenarios);
	free_strings(e->req, e->nkeys);
	free_strings(e->slo, e->plan->nslos);
	free_strings(e->fault, e->plan->faults.n);
	fr_buf_free(&e->b);
}

/* Formats a value the way Prometheus parses it: NaN, +Inf, or the shortest
 * decimal that reads back as V (0.1, not 0.10000000000000001). */
static void fmt_value(char *out, size_t size, double v)
{
	if (isnan(v)) {
		snprintf(out, size, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(out, size, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (v == trunc(v) && fabs(v) < 1e15) {
		snprintf(out, size, "%.0f", v);
		return;
	}
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(out, size, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			return;
	}
}

/* Writes the HELP and TYPE lines of a metric. */
static void header(struct expo *e, const char *name, const char *type, const char *help)
{
	fr_buf_printf(&e->b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Writes one histogram of the store: cumulative buckets, _sum and _count. */
static void histogram(struct expo *e, const char *name, const char *labels, enum fr_metrics_hist h, size_t key,
                      enum fr_outcome o)
{
	uint64_t sum_us = fr_metrics_read_hist(e->m, h, key, o, e->counts);
	uint64_t cum = 0;
	char le[FR_FMT_LEN];
	for (size_t i = 0; i <= e->nbounds; i++) {
		cum += e->counts[i];
		if (i < e->nbounds)
			fr_fmt_seconds(le, sizeof le, e->bounds[i]);
		else
			snprintf(le, sizeof le, "+Inf");
		fr_buf_printf(&e->b, "%s_bucket{%s,le=\"%s\"} %llu\n", name, labels, le, (unsigned long long)cum);
	}
	char sum[32];
	fmt_value(sum, sizeof sum, (double)sum_us / 1e6);
	fr_buf_printf(&e->b, "%s_sum{%s} %s\n", name, labels, sum);
	fr_buf_printf(&e->b, "%s_count{%s} %llu\n", name, labels, (unsigned long long)cum);
}

/* The escaped scenario name of a key. */
static const char *key_scenario(const struct expo *e, size_t k)
{
	return e->scen[e->keys[k].scenario];
}

/* Writes one of the two request histograms for every key and outcome. */
static void render_request_hist(struct expo *e, enum fr_metrics_hist h)
{
	const char *name =
	        h == FR_METRICS_DURATION ? "flowrun_request_duration_seconds" : "flowrun_request_service_seconds";
	const char *help = h == FR_METRICS_DURATION
	                           ? "HTTP request latency from the intended send time (no coordinated omission)."
	                           : "HTTP request service time from the actual send time.";
	header(e, name, "histogram", help);
	for (size_t k = 0; k < e->nkeys; k++) {
		if (!e->keys[k].request)
			continue;
		for (size_t o = 0; o < FR_OUTCOME_N; o++) {
			char *labels = xasprintf("%s,scenario=\"%s\",request=\"%s\",outcome=\"%s\"", e->ids,
			                         key_scenario(e, k), e->req[k], fr_outcome_name((enum fr_outcome)o));
			histogram(e, name, labels, h, k, (enum fr_outcome)o);
			free(labels);
		}
	}
}

/* Writes flowrun_requests_total from the duration histograms' counts. */
static void render_requests_total(struct expo *e)
{
	header(e, "flowrun_requests_total", "counter", "HTTP requests finished, by outcome.");
	for (size_t k = 0; k < e->nkeys; k++) {
		if (!e->keys[k].request)
			continue;
		for (size_t o = 0; o < FR_OUTCOME_N; o++) {
			fr_metrics_read_hist(e->m, FR_METRICS_DURATION, k, (enum fr_outcome)o, e->counts);
			uint64_t n = 0;
			for (size_t i = 0; i <= e->nbounds; i++)
				n += e->counts[i];
			fr_buf_printf(&e->b,
			              "flowrun_requests_total{%s,scenario=\"%s\",request=\"%s\",outcome=\"%s\"} "
			              "%llu\n",
			              e->ids, key_scenario(e, k), e->req[k], fr_outcome_name((enum fr_outcome)o),
			              (unsigned long long)n);
		}
	}
}

/* Writes the WebSocket metrics of every websocket key. */
static void render_ws(struct expo *e)
{
	header(e, "flowrun_ws_delivery_seconds", "histogram",
	       "WebSocket delivery latency, publish send to receipt at a viewer.");
	for (size_t k = 0; k < e->nkeys; k++) {
		if (e->keys[k].request)
			continue;
		char *labels = xasprintf("%s,scenario=\"%s\"", e->ids, key_scenario(e, k));
		histogram(e, "flowrun_ws_delivery_seconds", labels, FR_METRICS_DELIVERY, k, FR_OK);
		free(labels);
	}
	header(e, "flowrun_ws_connections", "gauge", "Open WebSocket viewer connections.");
	for (size_t s = 0; s < e->plan->nscenarios; s++)
		if (e->plan->scenarios[s].model == FR_MODEL_WEBSOCKET)
			fr_buf_printf(&e->b, "flowrun_ws_connections{%s,scenario=\"%s\"} %lld\n", e->ids, e->scen[s],
			              (long long)fr_metrics_ws_connections(e->m, s));
	header(e, "flowrun_ws_messages_total", "counter", "WebSocket messages, by kind.");
	for (size_t k = 0; k < e->nkeys; k++) {
		if (e->keys[k].request)
			continue;
		for (size_t i = 0; i < FR_NELEM(ws_kinds); i++)
			fr_buf_printf(&e->b, "flowrun_ws_messages_total{%s,scenario=\"%s\",kind=\"%s\"} %llu\n", e->ids,
			              key_scenario(e, k), ws_kinds[i],
			              (unsigned long long)fr_metrics_ws_messages(e->m, k, (enum fr_ws_counter)i));
	}
}

/* Writes the per-scenario gauges: users, viewers, planned and achieved rate. */
static void render_gauges(struct expo *e)
{
	static const char *const names[FR_METRICS_GAUGES] = {"flowrun_active_users", "flowrun_active_viewers",
	                                                     "flowrun_planned_rate", "flowrun_achieved_rate"};
	static const char *const helps[FR_METRICS_GAUGES] = {
	        "Virtual users running (closed model).", "WebSocket viewers planned (websocket model).",
	        "Planned request rate in requests per second (open model).",
	        "HTTP requests finished per second over the last second (groups count once)."};
	for (size_t g = 0; g < FR_METRICS_GAUGES; g++) {
		header(e, names[g], "gauge", helps[g]);
		for (size_t s = 0; s < e->plan->nscenarios; s++) {
			char v[64];
			fmt_value(v, sizeof v, fr_metrics_gauge(e->m, s, (enum fr_metrics_gauge)g));
			fr_buf_printf(&e->b, "%s{%s,scenario=\"%s\"} %s\n", names[g], e->ids, e->scen[s], v);
		}
	}
}

/* Writes flowrun_fault_active, one series per (fault, proxy). */
static void render_faults(struct expo *e)
{
	const struct fr_faults *faults = &e->plan->faults;
	header(e, "flowrun_fault_active", "gauge", "1 while the fault is injected on the proxy.");
	for (size_t i = 0; i < faults->n; i++) {
		const struct fr_fault *f = &faults->items[i];
		for (size_t j = 0; j < f->nproxies; j++) {
			char *proxy = escape_label(f->proxies[j]);
			fr_buf_printf(&e->b, "flowrun_fault_active{%s,proxy=\"%s\",toxic=\"%s\",fault=\"%s\"} %d\n",
			              e->ids, proxy, fr_toxic_name(f->toxic), e->fault[i],
			              fr_metrics_fault_active(e->m, i));
			free(proxy);
		}
	}
}

/* An SLO value in its exported unit: seconds for latencies. */
static double slo_export(const struct fr_slo *slo, double v)
{
	return fr_metrics_slo_is_latency(slo) ? v / 1e6 : v;
}

/* Writes the three SLO gauges. */
static void render_slos(struct expo *e)
{
	const struct fr_plan *p = e->plan;
	char v[64];
	header(e, "flowrun_slo_value", "gauge",
	       "Latest measured value of the SLO (seconds, fraction or count); NaN until evaluated.");
	for (size_t i = 0; i < p->nslos; i++) {
		fmt_value(v, sizeof v, slo_export(&p->slos[i], fr_metrics_slo_value(e->m, i)));
		fr_buf_printf(&e->b, "flowrun_slo_value{%s,slo=\"%s\"} %s\n", e->ids, e->slo[i], v);
	}
	header(e, "flowrun_slo_threshold", "gauge", "Threshold of the SLO, in the unit of its value.");
	for (size_t i = 0; i < p->nslos; i++) {
		fmt_value(v, sizeof v, slo_export(&p->slos[i], p->slos[i].threshold));
		fr_buf_printf(&e->b, "flowrun_slo_threshold{%s,slo=\"%s\"} %s\n", e->ids, e->slo[i], v);
	}
	header(e, "flowrun_slo_pass", "gauge", "1 when the latest evaluation met the SLO, else 0.");
	for (size_t i = 0; i < p->nslos; i++)
		fr_buf_printf(&e->b, "flowrun_slo_pass{%s,slo=\"%s\"} %d\n", e->ids, e->slo[i],
		              fr_metrics_slo_pass(e->m, i));
}

/* Writes the wall-clock times that place the run's segments in Prometheus. */
static void render_times(struct expo *e)
{
	char v[64];
	header(e, "flowrun_pass_start_seconds", "gauge",
	       "Unix time of offset 0 of each sweep pass (pass counts from 1); NaN until it starts.");
	for (size_t i = 0; i < fr_metrics_passes(e->m); i++) {
		fmt_value(v, sizeof v, fr_metrics_pass_start(e->m, i));
		fr_buf_printf(&e->b, "flowrun_pass_start_seconds{%s,pass=\"%zu\"} %s\n", e->ids, i + 1, v);
	}
	header(e, "flowrun_run_end_seconds", "gauge", "Unix time the load stopped; NaN until then.");
	fmt_value(v, sizeof v, fr_metrics_run_end(e->m));
	fr_buf_printf(&e->b, "flowrun_run_end_seconds{%s} %s\n", e->ids, v);
}

/* Writes the generator's health: per worker thread CPU share and loop lag, RSS, host load. */
static void render_health(struct expo *e)
{
	double cpu, lag, rss, load;
	char v[64];

	header(e, "flowrun_generator_cpu_ratio", "gauge",
	       "CPU time of a worker thread over wall time, the last second (0..1); 0.9 and more is saturated.");
	for (size_t t = 0; t < FR_METRICS_MAX_THREADS; t++)
		if (fr_metrics_thread_health(e->m, t, &cpu, &lag)) {
			fmt_value(v, sizeof v, cpu);
			fr_buf_printf(&e->b, "flowrun_generator_cpu_ratio{%s,thread=\"%zu\"} %s\n", e->ids, t, v);
		}
	header(e, "flowrun_generator_loop_lag_seconds", "gauge",
	       "Worst lateness of a worker's 10 ms heartbeat timer over the last second.");
	for (size_t t = 0; t < FR_METRICS_MAX_THREADS; t++)
		if (fr_metrics_thread_health(e->m, t, &cpu, &lag)) {
			fmt_value(v, sizeof v, lag);
			fr_buf_printf(&e->b, "flowrun_generator_loop_lag_seconds{%s,thread=\"%zu\"} %s\n", e->ids, t,
			              v);
		}
	fr_metrics_host(e->m, &rss, &load);
	header(e, "flowrun_process_resident_bytes", "gauge", "Resident memory of the flowrun process.");
	fmt_value(v, sizeof v, rss);
	fr_buf_printf(&e->b, "flowrun_process_resident_bytes{%s} %s\n", e->ids, v);
	header(e, "flowrun_host_load1", "gauge", "The host's 1-minute load average.");
	fmt_value(v, sizeof v, load);
	fr_buf_printf(&e->b, "flowrun_host_load1{%s} %s\n", e->ids, v);
}

/* Renders every series in the text format 0.0.4 (caller frees). */
char *fr_exposition_render(const struct fr_metrics *m, size_t *len_out)
{
	struct expo e;
	expo_init(&e, m);
	header(&e, "flowrun_run_info", "gauge", "Always 1; identifies the run and its plan.");
	fr_buf_printf(&e.b, "flowrun_run_info{%s,plan=\"%s\"} 1\n", e.ids, e.plan_name);
	render_request_hist(&e, FR_METRICS_DURATION);
	render_request_hist(&e, FR_METRICS_SERVICE);
	render_requests_total(&e);
	render_ws(&e);
	render_gauges(&e);
	render_faults(&e);
	render_slos(&e);
	render_times(&e);
	render_health(&e);
	if (len_out)
		*len_out = e.b.len;
	char *text = fr_buf_take(&e.b);
	expo_clear(&e);
	return text;
}
