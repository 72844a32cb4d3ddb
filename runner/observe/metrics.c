/* metrics.c: the Prometheus exporter — lock-free recording, text rendering, a tiny HTTP server.
 *
 * All values live in flat arrays of uint64_t updated with relaxed atomics:
 * drivers on any worker thread add to them, the serving thread reads them.
 * A histogram is one non-cumulative count per bucket plus a sum in µs; the
 * renderer accumulates the buckets, so _count always equals the +Inf bucket
 * and requests_total equals the duration histogram's _count (both are derived
 * from the same counters). Doubles (gauges) are stored as their bit patterns.
 * The HTTP server is deliberately minimal: one connection at a time, one
 * request per connection, Connection: close, socket timeouts so a stuck
 * client cannot hold the thread. That is all a scraper and curl need.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "observe/metrics.h"
#include "util/xmalloc.h"

#define NOUT      FR_OUTCOME_N
#define REQ_HISTS 2 /* 0: duration (from intended send), 1: service */

/* Default bucket upper bounds in µs (0.001 s … 60 s). */
static const int64_t default_bounds[] = {
        1000,   2500,    5000,    10000,   25000,    50000,    100000,   250000,
        500000, 1000000, 2500000, 5000000, 10000000, 30000000, 60000000,
};

/* Message kinds of flowrun_ws_messages_total, indexed by enum fr_ws_counter. */
static const char *const ws_kinds[] = {
        [FR_WS_RECEIVED] = "received",   [FR_WS_LOST] = "lost",
        [FR_WS_DUPLICATE] = "duplicate", [FR_WS_UNMATCHED] = "unmatched",
        [FR_WS_OVERSIZED] = "oversized", [FR_WS_EXPECTED] = "expected",
        [FR_WS_PUBLISHED] = "published", [FR_WS_PUBLISH_FAILED] = "publish-failed",
};
#define NWSKIND (sizeof(ws_kinds) / sizeof(ws_kinds[0]))

struct fault_series {
	int fault;
	char *proxy; /* escaped */
};

struct fr_metrics {
	const struct fr_plan *plan;
	const struct fr_key *keys;
	size_t nkeys;
	char *run_id; /* escaped for a label value */
	char *run_id_raw;
	char *plan_name;
	/* label values from the plan, escaped once: */
	char **scen;     /* [scenario] */
	char **req;      /* [key]: request name, NULL for websocket keys */
	char **slo;      /* [slo] */
	char **fault;    /* [fault] */
	int64_t *bounds; /* µs, ascending */
	size_t nbounds;
	size_t nb; /* counters per histogram: nbounds + 1 (+Inf) */
	/* request histograms: [key][outcome][hist][nb], sums: [key][outcome][hist] */
	uint64_t *req_buckets;
	uint64_t *req_sums;
	uint64_t *ws_buckets; /* [key][nb], only websocket keys used */
	uint64_t *ws_sums;    /* [key] */
	uint64_t *ws_msgs;    /* [key][NWSKIND] */
	int64_t *ws_conns;    /* [scenario] */
	uint64_t *gauges;     /* [scenario][4]: users, viewers, planned, achieved (double bits) */
	struct fault_series *faults;
	size_t nfaults;
	uint64_t *fault_on;   /* [fault index in plan] */
	uint64_t *slo_vals;   /* [slo] double bits */
	uint64_t *slo_pass;   /* [slo] */
	size_t npasses;       /* sweep passes (1 without a sweep) */
	uint64_t *pass_start; /* [pass] unix seconds, double bits; NaN until set */
	uint64_t run_end;     /* unix seconds, double bits; NaN until set */
	uint64_t scrapes;     /* GET /metrics answered so far */
	uint64_t *last_done;  /* [scenario]: requests finished at the last rate sample */
	int64_t last_sample_ns;
	int fd;
	int port;
	int wake[2]; /* a pipe that wakes the server thread to stop */
	pthread_t thread;
	int thread_started;
};

/* Stores a double atomically as its bit pattern. */
static void store_double(uint64_t *p, double v)
{
	uint64_t bits;
	memcpy(&bits, &v, sizeof bits);
	__atomic_store_n(p, bits, __ATOMIC_RELAXED);
}

/* Loads a double stored by store_double. */
static double load_double(const uint64_t *p)
{
	uint64_t bits = __atomic_load_n(p, __ATOMIC_RELAXED);
	double v;
	memcpy(&v, &bits, sizeof v);
	return v;
}

/* Relaxed atomic add. */
static void add_u64(uint64_t *p, uint64_t n)
{
	__atomic_fetch_add(p, n, __ATOMIC_RELAXED);
}

/* Relaxed atomic load. */
static uint64_t load_u64(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* Whether an SLO's threshold is a latency (and so belongs in the bounds). */
static int slo_is_latency(const struct fr_slo *slo)
{
	if (slo->metric)
		return 0;
	return slo->stat == FR_STAT_QUANTILE || slo->stat == FR_STAT_MAX || slo->stat == FR_STAT_MEAN;
}

/* Orders int64 values ascending, for qsort. */
static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Builds the bucket bounds: the defaults plus every SLO latency threshold. */
static void build_bounds(struct fr_metrics *m)
{
	size_t ndef = sizeof(default_bounds) / sizeof(default_bounds[0]);
	size_t n = 0;
	m->bounds = xcalloc(ndef + m->plan->nslos, sizeof(*m->bounds));
	for (size_t i = 0; i < ndef; i++)
		m->bounds[n++] = default_bounds[i];
	for (size_t i = 0; i < m->plan->nslos; i++) {
		const struct fr_slo *slo = &m->plan->slos[i];
		if (slo_is_latency(slo) && slo->threshold >= 1)
			m->bounds[n++] = (int64_t)llround(slo->threshold);
	}
	qsort(m->bounds, n, sizeof(*m->bounds), cmp_i64);
	size_t u = 0;
	for (size_t i = 0; i < n; i++)
		if (u == 0 || m->bounds[u - 1] != m->bounds[i])
			m->bounds[u++] = m->bounds[i];
	m->nbounds = u;
	m->nb = u + 1;
}

/* The bucket index of VALUE_US: the first bound >= value, or the +Inf bucket. */
static size_t bucket_of(const struct fr_metrics *m, int64_t value_us)
{
	size_t lo = 0, hi = m->nbounds;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (m->bounds[mid] < value_us)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

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

/* Lists one fault series per (fault, proxy). */
static void build_faults(struct fr_metrics *m)
{
	const struct fr_faults *f = &m->plan->faults;
	size_t n = 0;
	for (size_t i = 0; i < f->n; i++)
		n += f->items[i].nproxies;
	m->faults = xcalloc(n ? n : 1, sizeof(*m->faults));
	for (size_t i = 0; i < f->n; i++)
		for (size_t j = 0; j < f->items[i].nproxies; j++)
			m->faults[m->nfaults++] = (struct fault_series){(int)i, escape_label(f->items[i].proxies[j])};
	m->fault_on = xcalloc(f->n ? f->n : 1, sizeof(*m->fault_on));
}

/* Escapes every label value taken from the plan, once, at creation. */
static void build_labels(struct fr_metrics *m)
{
	const struct fr_plan *p = m->plan;
	m->scen = xcalloc(p->nscenarios + 1, sizeof(char *));
	for (size_t i = 0; i < p->nscenarios; i++)
		m->scen[i] = escape_label(p->scenarios[i].name);
	m->req = xcalloc(m->nkeys + 1, sizeof(char *));
	for (size_t k = 0; k < m->nkeys; k++)
		if (m->keys[k].request)
			m->req[k] = escape_label(m->keys[k].request->name ? m->keys[k].request->name : "");
	m->slo = xcalloc(p->nslos + 1, sizeof(char *));
	for (size_t i = 0; i < p->nslos; i++)
		m->slo[i] = escape_label(p->slos[i].name);
	m->fault = xcalloc(p->faults.n + 1, sizeof(char *));
	for (size_t i = 0; i < p->faults.n; i++)
		m->fault[i] = escape_label(p->faults.items[i].name);
}

/* Frees an array of N strings. */
static void free_strings(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

/* Allocates every counter, at zero, and the SLO values at NaN. */
static void alloc_values(struct fr_metrics *m)
{
	size_t nk = m->nkeys ? m->nkeys : 1, ns = m->plan->nscenarios ? m->plan->nscenarios : 1;
	size_t nslo = m->plan->nslos ? m->plan->nslos : 1;
	m->req_buckets = xcalloc(nk * NOUT * REQ_HISTS * m->nb, sizeof(uint64_t));
	m->req_sums = xcalloc(nk * NOUT * REQ_HISTS, sizeof(uint64_t));
	m->ws_buckets = xcalloc(nk * m->nb, sizeof(uint64_t));
	m->ws_sums = xcalloc(nk, sizeof(uint64_t));
	m->ws_msgs = xcalloc(nk * NWSKIND, sizeof(uint64_t));
	m->ws_conns = xcalloc(ns, sizeof(int64_t));
	m->gauges = xcalloc(ns * 4, sizeof(uint64_t));
	m->slo_vals = xcalloc(nslo, sizeof(uint64_t));
	m->slo_pass = xcalloc(nslo, sizeof(uint64_t));
	m->npasses = m->plan->nsweep ? m->plan->nsweep : 1;
	m->pass_start = xcalloc(m->npasses, sizeof(uint64_t));
	for (size_t i = 0; i < m->npasses; i++)
		store_double(&m->pass_start[i], NAN);
	store_double(&m->run_end, NAN);
	m->last_done = xcalloc(ns, sizeof(uint64_t));
	for (size_t i = 0; i < m->plan->nslos; i++)
		store_double(&m->slo_vals[i], NAN);
	build_faults(m);
}

/* A growing text buffer for the exposition. */
struct buf {
	char *p;
	size_t len, cap;
};

/* Appends printf-formatted text to B. */
__attribute__((format(printf, 2, 3))) static void bprintf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		b->cap = b->cap * 2 + (size_t)n + 1;
		b->p = xrealloc(b->p, b->cap);
	}
}

/* Formats µs as seconds with no trailing zeros ("0.005", "2.5", "10"). */
static void fmt_seconds(char *out, size_t size, int64_t us)
{
	snprintf(out, size, "%lld.%06lld", (long long)(us / 1000000), (long long)(us % 1000000));
	char *p = out + strlen(out) - 1;
	while (*p == '0')
		*p-- = '\0';
	if (*p == '.')
		*p = '\0';
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
static void header(struct buf *b, const char *name, const char *type, const char *help)
{
	bprintf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Writes one histogram: cumulative buckets, _sum and _count. */
static void histogram(struct buf *b, const struct fr_metrics *m, const char *name, const char *labels,
                      const uint64_t *buckets, const uint64_t *sum_us)
{
	uint64_t cum = 0;
	char le[32];
	for (size_t i = 0; i < m->nb; i++) {
		cum += load_u64(&buckets[i]);
		if (i < m->nbounds)
			fmt_seconds(le, sizeof le, m->bounds[i]);
		else
			snprintf(le, sizeof le, "+Inf");
		bprintf(b, "%s_bucket{%s,le=\"%s\"} %llu\n", name, labels, le, (unsigned long long)cum);
	}
	char sum[32];
	fmt_value(sum, sizeof sum, (double)load_u64(sum_us) / 1e6);
	bprintf(b, "%s_sum{%s} %s\n", name, labels, sum);
	bprintf(b, "%s_count{%s} %llu\n", name, labels, (unsigned long long)cum);
}

/* The scenario name of a key. */
static const char *key_scenario(const struct fr_metrics *m, size_t k)
{
	return m->scen[m->keys[k].scenario];
}

/* Offset of the buckets of (key, outcome, hist) in req_buckets. */
static size_t req_index(const struct fr_metrics *m, size_t key, size_t outcome, size_t hist)
{
	return (key * NOUT + outcome) * REQ_HISTS + hist;
}

/* Writes one of the two request histograms for every key and outcome. */
static void render_request_hist(struct buf *b, const struct fr_metrics *m, size_t hist)
{
	static const char *const names[REQ_HISTS] = {"flowrun_request_duration_seconds",
	                                             "flowrun_request_service_seconds"};
	static const char *const helps[REQ_HISTS] = {
	        "HTTP request latency from the intended send time (no coordinated omission).",
	        "HTTP request service time from the actual send time."};
	header(b, names[hist], "histogram", helps[hist]);
	for (size_t k = 0; k < m->nkeys; k++) {
		if (!m->keys[k].request)
			continue;
		for (size_t o = 0; o < NOUT; o++) {
			char *labels =
			        xasprintf("run_id=\"%s\",scenario=\"%s\",request=\"%s\",outcome=\"%s\"", m->run_id,
			                  key_scenario(m, k), m->req[k], fr_outcome_name((enum fr_outcome)o));
			size_t i = req_index(m, k, o, hist);
			histogram(b, m, names[hist], labels, &m->req_buckets[i * m->nb], &m->req_sums[i]);
			free(labels);
		}
	}
}

/* Writes flowrun_requests_total from the duration histograms' counts. */
static void render_requests_total(struct buf *b, const struct fr_metrics *m)
{
	header(b, "flowrun_requests_total", "counter", "HTTP requests finished, by outcome.");
	for (size_t k = 0; k < m->nkeys; k++) {
		if (!m->keys[k].request)
			continue;
		for (size_t o = 0; o < NOUT; o++) {
			const uint64_t *bk = &m->req_buckets[req_index(m, k, o, 0) * m->nb];
			uint64_t n = 0;
			for (size_t i = 0; i < m->nb; i++)
				n += load_u64(&bk[i]);
			bprintf(b,
			        "flowrun_requests_total{run_id=\"%s\",scenario=\"%s\",request=\"%s\",outcome=\"%s\"} "
			        "%llu\n",
			        m->run_id, key_scenario(m, k), m->req[k], fr_outcome_name((enum fr_outcome)o),
			        (unsigned long long)n);
		}
	}
}

/* Writes the WebSocket metrics of every websocket key. */
static void render_ws(struct buf *b, const struct fr_metrics *m)
{
	header(b, "flowrun_ws_delivery_seconds", "histogram",
	       "WebSocket delivery latency, publish send to receipt at a viewer.");
	for (size_t k = 0; k < m->nkeys; k++) {
		if (m->keys[k].request)
			continue;
		char *labels = xasprintf("run_id=\"%s\",scenario=\"%s\"", m->run_id, key_scenario(m, k));
		histogram(b, m, "flowrun_ws_delivery_seconds", labels, &m->ws_buckets[k * m->nb], &m->ws_sums[k]);
		free(labels);
	}
	header(b, "flowrun_ws_connections", "gauge", "Open WebSocket viewer connections.");
	for (size_t s = 0; s < m->plan->nscenarios; s++)
		if (m->plan->scenarios[s].model == FR_MODEL_WEBSOCKET)
			bprintf(b, "flowrun_ws_connections{run_id=\"%s\",scenario=\"%s\"} %lld\n", m->run_id,
			        m->scen[s], (long long)__atomic_load_n(&m->ws_conns[s], __ATOMIC_RELAXED));
	header(b, "flowrun_ws_messages_total", "counter", "WebSocket messages, by kind.");
	for (size_t k = 0; k < m->nkeys; k++) {
		if (m->keys[k].request)
			continue;
		for (size_t i = 0; i < NWSKIND; i++)
			bprintf(b, "flowrun_ws_messages_total{run_id=\"%s\",scenario=\"%s\",kind=\"%s\"} %llu\n",
			        m->run_id, key_scenario(m, k), ws_kinds[i],
			        (unsigned long long)load_u64(&m->ws_msgs[k * NWSKIND + i]));
	}
}

/* Writes the per-scenario gauges: users, viewers, planned and achieved rate. */
static void render_gauges(struct buf *b, const struct fr_metrics *m)
{
	static const char *const names[4] = {"flowrun_active_users", "flowrun_active_viewers", "flowrun_planned_rate",
	                                     "flowrun_achieved_rate"};
	static const char *const helps[4] = {
	        "Virtual users running (closed model).", "WebSocket viewers planned (websocket model).",
	        "Planned request rate in requests per second (open model).",
	        "HTTP requests finished per second over the last second (groups count once)."};
	for (size_t g = 0; g < 4; g++) {
		header(b, names[g], "gauge", helps[g]);
		for (size_t s = 0; s < m->plan->nscenarios; s++) {
			char v[64];
			fmt_value(v, sizeof v, load_double(&m->gauges[s * 4 + g]));
			bprintf(b, "%s{run_id=\"%s\",scenario=\"%s\"} %s\n", names[g], m->run_id, m->scen[s], v);
		}
	}
}

/* Writes flowrun_fault_active, one series per (fault, proxy). */
static void render_faults(struct buf *b, const struct fr_metrics *m)
{
	header(b, "flowrun_fault_active", "gauge", "1 while the fault is injected on the proxy.");
	for (size_t i = 0; i < m->nfaults; i++) {
		const struct fr_fault *f = &m->plan->faults.items[m->faults[i].fault];
		bprintf(b, "flowrun_fault_active{run_id=\"%s\",proxy=\"%s\",toxic=\"%s\",fault=\"%s\"} %llu\n",
		        m->run_id, m->faults[i].proxy, fr_toxic_name(f->toxic), m->fault[m->faults[i].fault],
		        (unsigned long long)load_u64(&m->fault_on[m->faults[i].fault]));
	}
}

/* An SLO threshold in its exported unit: seconds for latencies. */
static double slo_export(const struct fr_slo *slo, double v)
{
	return slo_is_latency(slo) ? v / 1e6 : v;
}

/* Writes the three SLO gauges. */
static void render_slos(struct buf *b, const struct fr_metrics *m)
{
	const struct fr_plan *p = m->plan;
	char v[64];
	header(b, "flowrun_slo_value", "gauge",
	       "Latest measured value of the SLO (seconds, fraction or count); NaN until evaluated.");
	for (size_t i = 0; i < p->nslos; i++) {
		fmt_value(v, sizeof v, slo_export(&p->slos[i], load_double(&m->slo_vals[i])));
		bprintf(b, "flowrun_slo_value{run_id=\"%s\",slo=\"%s\"} %s\n", m->run_id, m->slo[i], v);
	}
	header(b, "flowrun_slo_threshold", "gauge", "Threshold of the SLO, in the unit of its value.");
	for (size_t i = 0; i < p->nslos; i++) {
		fmt_value(v, sizeof v, slo_export(&p->slos[i], p->slos[i].threshold));
		bprintf(b, "flowrun_slo_threshold{run_id=\"%s\",slo=\"%s\"} %s\n", m->run_id, m->slo[i], v);
	}
	header(b, "flowrun_slo_pass", "gauge", "1 when the latest evaluation met the SLO, else 0.");
	for (size_t i = 0; i < p->nslos; i++)
		bprintf(b, "flowrun_slo_pass{run_id=\"%s\",slo=\"%s\"} %llu\n", m->run_id, m->slo[i],
		        (unsigned long long)load_u64(&m->slo_pass[i]));
}

/* Writes the wall-clock times that place the run's segments in Prometheus. */
static void render_times(struct buf *b, const struct fr_metrics *m)
{
	char v[64];
	header(b, "flowrun_pass_start_seconds", "gauge",
	       "Unix time of offset 0 of each sweep pass (pass counts from 1); NaN until it starts.");
	for (size_t i = 0; i < m->npasses; i++) {
		fmt_value(v, sizeof v, load_double(&m->pass_start[i]));
		bprintf(b, "flowrun_pass_start_seconds{run_id=\"%s\",pass=\"%zu\"} %s\n", m->run_id, i + 1, v);
	}
	header(b, "flowrun_run_end_seconds", "gauge", "Unix time the load stopped; NaN until then.");
	fmt_value(v, sizeof v, load_double(&m->run_end));
	bprintf(b, "flowrun_run_end_seconds{run_id=\"%s\"} %s\n", m->run_id, v);
}

/* Renders every series in the text format 0.0.4 (caller frees). */
char *fr_metrics_render(struct fr_metrics *m, size_t *len_out)
{
	struct buf b = {xmalloc(65536), 0, 65536};
	b.p[0] = '\0';
	header(&b, "flowrun_run_info", "gauge", "Always 1; identifies the run and its plan.");
	bprintf(&b, "flowrun_run_info{run_id=\"%s\",plan=\"%s\"} 1\n", m->run_id, m->plan_name);
	render_request_hist(&b, m, 0);
	render_request_hist(&b, m, 1);
	render_requests_total(&b, m);
	render_ws(&b, m);
	render_gauges(&b, m);
	render_faults(&b, m);
	render_slos(&b, m);
	render_times(&b, m);
	if (len_out)
		*len_out = b.len;
	return b.p;
}

/* Counts one HTTP request in both histograms (hot path, any thread). */
void fr_metrics_record_request(struct fr_metrics *m, int key, enum fr_outcome outcome, int64_t latency_us,
                               int64_t service_us)
{
	if (!m || key < 0 || (size_t)key >= m->nkeys || (unsigned)outcome >= NOUT)
		return;
	size_t i = req_index(m, (size_t)key, outcome, 0);
	if (latency_us < 0)
		latency_us = 0;
	add_u64(&m->req_buckets[i * m->nb + bucket_of(m, latency_us)], 1);
	add_u64(&m->req_sums[i], (uint64_t)latency_us);
	if (service_us < 0)
		return;
	i = req_index(m, (size_t)key, outcome, 1);
	add_u64(&m->req_buckets[i * m->nb + bucket_of(m, service_us)], 1);
	add_u64(&m->req_sums[i], (uint64_t)service_us);
}

/* Counts one WebSocket delivery (hot path, any thread). */
void fr_metrics_record_delivery(struct fr_metrics *m, int key, int64_t delivery_us)
{
	if (!m || key < 0 || (size_t)key >= m->nkeys)
		return;
	if (delivery_us < 0)
		delivery_us = 0;
	add_u64(&m->ws_buckets[(size_t)key * m->nb + bucket_of(m, delivery_us)], 1);
	add_u64(&m->ws_sums[key], (uint64_t)delivery_us);
}

/* Adds to a WebSocket message counter (hot path, any thread). */
void fr_metrics_count_ws(struct fr_metrics *m, int key, enum fr_ws_counter c, uint64_t n)
{
	if (!m || key < 0 || (size_t)key >= m->nkeys || (unsigned)c >= NWSKIND)
		return;
	add_u64(&m->ws_msgs[(size_t)key * NWSKIND + c], n);
}

/* Moves the open-connection gauge of a scenario by DELTA. */
void fr_metrics_add_ws_connections(struct fr_metrics *m, int scenario, int64_t delta)
{
	if (!m || scenario < 0 || (size_t)scenario >= m->plan->nscenarios)
		return;
	__atomic_fetch_add(&m->ws_conns[scenario], delta, __ATOMIC_RELAXED);
}

/* Sets gauge G of SCENARIO. */
static void set_gauge(struct fr_metrics *m, int scenario, size_t g, double v)
{
	if (!m || scenario < 0 || (size_t)scenario >= m->plan->nscenarios)
		return;
	store_double(&m->gauges[(size_t)scenario * 4 + g], v);
}

/* Sets flowrun_active_users of a scenario. */
void fr_metrics_set_users(struct fr_metrics *m, int scenario, double users)
{
	set_gauge(m, scenario, 0, users);
}

/* Sets flowrun_active_viewers of a scenario. */
void fr_metrics_set_viewers(struct fr_metrics *m, int scenario, double viewers)
{
	set_gauge(m, scenario, 1, viewers);
}

/* Sets flowrun_planned_rate of a scenario. */
void fr_metrics_set_planned_rate(struct fr_metrics *m, int scenario, double rate)
{
	set_gauge(m, scenario, 2, rate);
}

/* Sets the level gauge a STAGE or STOP action changes, by model. */
void fr_metrics_action(struct fr_metrics *m, const struct fr_action *act)
{
	if (!m || (act->kind != FR_ACT_STAGE && act->kind != FR_ACT_STOP) || act->scenario < 0 ||
	    (size_t)act->scenario >= m->plan->nscenarios)
		return;
	double level = act->kind == FR_ACT_STOP ? 0 : act->level;
	switch (m->plan->scenarios[act->scenario].model) {
	case FR_MODEL_CLOSED: fr_metrics_set_users(m, act->scenario, level); break;
	case FR_MODEL_OPEN: fr_metrics_set_planned_rate(m, act->scenario, level); break;
	case FR_MODEL_WEBSOCKET: fr_metrics_set_viewers(m, act->scenario, level); break;
	}
}

/* Monotonic time in ns. */
static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Requests of SCENARIO finished so far: top-level keys only (a group counts
 * once per iteration, not once per step). */
static uint64_t scenario_done(const struct fr_metrics *m, int scenario)
{
	uint64_t n = 0;
	for (size_t k = 0; k < m->nkeys; k++) {
		if (!m->keys[k].request || m->keys[k].scenario != scenario || m->keys[k].parent >= 0)
			continue;
		for (size_t o = 0; o < NOUT; o++) {
			const uint64_t *bk = &m->req_buckets[req_index(m, k, o, 0) * m->nb];
			for (size_t i = 0; i < m->nb; i++)
				n += load_u64(&bk[i]);
		}
	}
	return n;
}

/* Server thread, about once a second: flowrun_achieved_rate of every
 * scenario from the requests finished since the previous sample. */
static void sample_rates(struct fr_metrics *m)
{
	int64_t t = now_ns();
	double dt = (double)(t - m->last_sample_ns) / 1e9;
	for (size_t s = 0; s < m->plan->nscenarios; s++) {
		uint64_t done = scenario_done(m, (int)s);
		if (dt > 0)
			store_double(&m->gauges[s * 4 + 3], (double)(done - m->last_done[s]) / dt);
		m->last_done[s] = done;
	}
	m->last_sample_ns = t;
}

/* Marks every proxy series of a fault active or not. */
void fr_metrics_set_fault(struct fr_metrics *m, int fault, int active)
{
	if (!m || fault < 0 || (size_t)fault >= m->plan->faults.n)
		return;
	__atomic_store_n(&m->fault_on[fault], active ? 1 : 0, __ATOMIC_RELAXED);
}

/* Records the wall-clock start of a pass. */
void fr_metrics_set_pass_start(struct fr_metrics *m, int pass, double unix_s)
{
	if (!m || pass < 0 || (size_t)pass >= m->npasses)
		return;
	store_double(&m->pass_start[pass], unix_s);
}

/* Records when the load stopped. */
void fr_metrics_set_run_end(struct fr_metrics *m, double unix_s)
{
	if (m)
		store_double(&m->run_end, unix_s);
}

/* Publishes the latest verdict of an SLO. */
void fr_metrics_set_slo(struct fr_metrics *m, int slo, double value, int pass)
{
	if (!m || slo < 0 || (size_t)slo >= m->plan->nslos)
		return;
	store_double(&m->slo_vals[slo], value);
	__atomic_store_n(&m->slo_pass[slo], pass ? 1 : 0, __ATOMIC_RELAXED);
}

/* The histogram bounds in µs, for tests and docs. */
const int64_t *fr_metrics_bounds(const struct fr_metrics *m, size_t *n_out)
{
	*n_out = m->nbounds;
	return m->bounds;
}

/* The port the exporter listens on. */
int fr_metrics_port(const struct fr_metrics *m)
{
	return m->port;
}

/* Writes all of BUF to FD; -1 on error or timeout. */
static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads a request head (up to the blank line) into BUF; its length or -1. */
static ssize_t read_head(int fd, char *buf, size_t size)
{
	size_t len = 0;
	while (len + 1 < size) {
		ssize_t n = recv(fd, buf + len, size - 1 - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		len += (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, "\r\n\r\n") || strstr(buf, "\n\n"))
			return (ssize_t)len;
	}
	return -1;
}

/* Sends a complete response with a body and Connection: close. */
static void respond(int fd, const char *status, const char *type, const char *body, size_t len, int head_only)
{
	char *head = xasprintf("HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	                       "Connection: close\r\n\r\n",
	                       status, type, len);
	if (write_all(fd, head, strlen(head)) == 0 && !head_only)
		write_all(fd, body, len);
	free(head);
}

/* Answers one request on a connected socket. */
static void serve_one(struct fr_metrics *m, int fd)
{
	char req[8192];
	if (read_head(fd, req, sizeof req) < 0)
		return;
	int head = strncmp(req, "HEAD ", 5) == 0;
	const char *path = head ? req + 5 : req + 4;
	if (strncmp(req, "GET ", 4) != 0 && !head) {
		respond(fd, "405 Method Not Allowed", "text/plain", "only GET\n", 9, 0);
		return;
	}
	size_t plen = strcspn(path, " ?");
	if (plen == 8 && strncmp(path, "/metrics", 8) == 0) {
		size_t len;
		__atomic_add_fetch(&m->scrapes, 1, __ATOMIC_RELAXED);
		char *text = fr_metrics_render(m, &len);
		respond(fd, "200 OK", "text/plain; version=0.0.4; charset=utf-8", text, len, head);
		free(text);
	} else if (plen == 1 && path[0] == '/') {
		const char *body = "flowrun metrics exporter: GET /metrics\n";
		respond(fd, "200 OK", "text/plain; charset=utf-8", body, strlen(body), head);
	} else {
		respond(fd, "404 Not Found", "text/plain", "not found\n", 10, head);
	}
}

/* The serving thread: accepts until the wake pipe is written. */
static void *serve(void *arg)
{
	struct fr_metrics *m = arg;
	for (;;) {
		struct pollfd pfd[2] = {{m->fd, POLLIN, 0}, {m->wake[0], POLLIN, 0}};
		int64_t wait_ms = 1000 - (now_ns() - m->last_sample_ns) / 1000000;
		if (wait_ms <= 0) {
			sample_rates(m);
			continue;
		}
		if (poll(pfd, 2, (int)wait_ms) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents)
			break;
		if (!(pfd[0].revents & POLLIN))
			continue;
		int c = accept4(m->fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		struct timeval tv = {2, 0};
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
		serve_one(m, c);
		shutdown(c, SHUT_WR);
		close(c);
	}
	return NULL;
}

/* Splits "HOST:PORT" / "[V6]:PORT" into host and port; -1 when malformed. */
static int split_addr(const char *addr, char **host_out, char **port_out)
{
	const char *colon = strrchr(addr, ':');
	if (!colon || colon[1] == '\0' || strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return -1;
	const char *h = addr;
	size_t hlen = (size_t)(colon - addr);
	if (hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']') {
		h++;
		hlen -= 2;
	}
	if (hlen == 0 || atol(colon + 1) > 65535)
		return -1;
	*host_out = xstrndup(h, hlen);
	*port_out = xstrdup(colon + 1);
	return 0;
}

/* Binds and listens on ADDR; returns 0 or an exit status with *err_out. */
static int bind_listen(struct fr_metrics *m, const char *addr, char **err_out)
{
	char *host, *port;
	if (split_addr(addr, &host, &port) < 0) {
		*err_out = xasprintf("bad metrics address '%s': expected HOST:PORT, e.g. %s", addr,
		                     FR_METRICS_LISTEN_DEFAULT);
		return 2;
	}
	struct addrinfo hints = {
	        .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *ai = NULL;
	int rc = getaddrinfo(host, port, &hints, &ai);
	free(host);
	free(port);
	if (rc != 0) {
		*err_out = xasprintf("bad metrics address '%s': %s", addr, gai_strerror(rc));
		return 2;
	}
	int err = 0;
	m->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (m->fd < 0 || setsockopt(m->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(m->fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(m->fd, 64) < 0)
		err = errno;
	freeaddrinfo(ai);
	if (err) {
		*err_out = xasprintf("cannot listen on %s for metrics: %s", addr, strerror(err));
		return 4;
	}
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	getsockname(m->fd, (struct sockaddr *)&ss, &sl);
	m->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
	                                         : ((struct sockaddr_in *)&ss)->sin_port);
	return 0;
}

/* Builds the exporter, binds LISTEN and starts the serving thread. */
int fr_metrics_create(const struct fr_plan *plan, const struct fr_results *keys, const char *run_id, const char *listen,
                      struct fr_metrics **m_out, char **err_out)
{
	struct fr_metrics *m = xcalloc(1, sizeof(*m));
	*m_out = NULL;
	*err_out = NULL;
	m->plan = plan;
	m->keys = keys ? keys->keys : NULL;
	m->nkeys = keys ? keys->nkeys : 0;
	m->run_id_raw = xstrdup(run_id);
	m->run_id = escape_label(run_id);
	m->plan_name = escape_label(plan->name ? plan->name : "");
	m->fd = m->wake[0] = m->wake[1] = -1;
	build_bounds(m);
	build_labels(m);
	alloc_values(m);
	int rc = bind_listen(m, listen, err_out);
	if (rc == 0 && pipe2(m->wake, O_CLOEXEC) < 0) {
		*err_out = xasprintf("cannot start the metrics server: %s", strerror(errno));
		rc = 4;
	}
	m->last_sample_ns = now_ns();
	if (rc == 0) {
		/* The server thread takes no signals: SIGINT/SIGTERM are the run's. */
		sigset_t all, old;
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		int e = pthread_create(&m->thread, NULL, serve, m);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (e != 0) {
			*err_out = xasprintf("cannot start the metrics server: %s", strerror(e));
			rc = 4;
		}
	}
	if (rc != 0) {
		fr_metrics_free(m);
		return rc;
	}
	m->thread_started = 1; /* last_sample_ns was set before the thread started */
	*m_out = m;
	return 0;
}

/* Stops the thread, closes the sockets and frees everything. */
void fr_metrics_free(struct fr_metrics *m)
{
	if (!m)
		return;
	if (m->thread_started) {
		while (write(m->wake[1], "x", 1) < 0 && errno == EINTR)
			;
		pthread_join(m->thread, NULL);
	}
	if (m->fd >= 0)
		close(m->fd);
	if (m->wake[0] >= 0)
		close(m->wake[0]);
	if (m->wake[1] >= 0)
		close(m->wake[1]);
	free(m->run_id);
	free(m->run_id_raw);
	free(m->plan_name);
	free(m->bounds);
	free(m->req_buckets);
	free(m->req_sums);
	free(m->ws_buckets);
	free(m->ws_sums);
	free(m->ws_msgs);
	free(m->ws_conns);
	free(m->gauges);
	for (size_t i = 0; i < m->nfaults; i++)
		free(m->faults[i].proxy);
	free(m->faults);
	free_strings(m->scen, m->plan->nscenarios);
	free_strings(m->req, m->nkeys);
	free_strings(m->slo, m->plan->nslos);
	free_strings(m->fault, m->plan->faults.n);
	free(m->fault_on);
	free(m->slo_vals);
	free(m->slo_pass);
	free(m->pass_start);
	free(m->last_done);
	free(m);
}

/* Waits up to SECONDS until someone has scraped /metrics; 0 once scraped,
 * -1 on timeout or when STOP becomes non-zero. */
int fr_metrics_wait_scrape(struct fr_metrics *m, double seconds, volatile sig_atomic_t *stop)
{
	if (!m)
		return -1;
	for (double waited = 0; waited < seconds; waited += 0.02) {
		if (__atomic_load_n(&m->scrapes, __ATOMIC_RELAXED) > 0)
			return 0;
		if (stop && *stop)
			return -1;
		struct timespec ts = {0, 20000000};
		nanosleep(&ts, NULL);
	}
	return __atomic_load_n(&m->scrapes, __ATOMIC_RELAXED) > 0 ? 0 : -1;
}

/* Sleeps SECONDS while the serving thread keeps answering scrapes. */
void fr_metrics_linger(struct fr_metrics *m, double seconds)
{
	if (!m || !(seconds > 0))
		return;
	struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Collects a response body for error messages (capped at 512 bytes). */
static size_t collect(char *data, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;
	size_t len = size * n;
	if (b->len + len < b->cap) {
		memcpy(b->p + b->len, data, len);
		b->len += len;
		b->p[b->len] = '\0';
	}
	return len;
}

/* PUTs the current exposition to a Pushgateway, once. */
int fr_metrics_push(struct fr_metrics *m, const char *url, char **err_out)
{
	size_t len;
	char *text = fr_metrics_render(m, &len);
	char *id = curl_easy_escape(NULL, m->run_id_raw, 0);
	const char *slash = url[0] && url[strlen(url) - 1] == '/' ? "" : "/";
	char *full = xasprintf("%s%smetrics/job/flowrun/run_id/%s", url, slash, id ? id : "");
	curl_free(id);
	char ebody[512];
	struct buf resp = {ebody, 0, sizeof ebody};
	ebody[0] = '\0';
	CURL *c = curl_easy_init();
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: text/plain; version=0.0.4");
	curl_easy_setopt(c, CURLOPT_URL, full);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PUT");
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, text);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp);
	CURLcode rc = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	int ret = 0;
	if (rc != CURLE_OK) {
		*err_out = xasprintf("cannot push metrics to %s: %s", full, curl_easy_strerror(rc));
		ret = -1;
	} else if (status / 100 != 2) {
		ebody[strcspn(ebody, "\n")] = '\0';
		*err_out = xasprintf("cannot push metrics to %s: HTTP %ld %s", full, status, ebody);
		ret = -1;
	}
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	free(full);
	free(text);
	return ret;
}
