/* metrics.c: the store of a run's live metrics — flat arrays of relaxed atomics.
 *
 * All values live in flat arrays of uint64_t updated with relaxed atomics:
 * drivers on any worker thread add to them, the exporter's thread reads them.
 * A histogram is one non-cumulative count per bucket plus a sum in µs; the
 * exposition accumulates the buckets, so _count always equals the +Inf bucket
 * and requests_total equals the duration histogram's _count (both are derived
 * from the same counters). Doubles (gauges) are stored as their bit patterns.
 */
#include "observe/metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "util/container.h"
#include "util/xmalloc.h"

#define NOUT      FR_OUTCOME_N
#define REQ_HISTS 2 /* FR_METRICS_DURATION and FR_METRICS_SERVICE */
#define NWSKIND   FR_METRICS_WS_KINDS

/* Default bucket upper bounds in µs (0.001 s … 60 s). */
static const int64_t default_bounds[] = {
        1000,   2500,    5000,    10000,   25000,    50000,    100000,   250000,
        500000, 1000000, 2500000, 5000000, 10000000, 30000000, 60000000,
};

struct fr_metrics {
	const struct fr_plan *plan;
	const struct fr_key *keys;
	size_t nkeys;
	char *run_id;
	int shard;       /* the shard label: K of a sharded run, 0 otherwise */
	int64_t *bounds; /* µs, ascending */
	size_t nbounds;
	size_t nb; /* counters per histogram: nbounds + 1 (+Inf) */
	/* request histograms: [key][outcome][hist][nb], sums: [key][outcome][hist] */
	uint64_t *req_buckets;
	uint64_t *req_sums;
	uint64_t *ws_buckets;                        /* [key][nb], only websocket keys used */
	uint64_t *ws_sums;                           /* [key] */
	uint64_t *ws_msgs;                           /* [key][NWSKIND] */
	int64_t *ws_conns;                           /* [scenario] */
	uint64_t *gauges;                            /* [scenario][FR_METRICS_GAUGES] (double bits) */
	uint64_t *fault_on;                          /* [fault index in plan] */
	uint64_t *slo_vals;                          /* [slo] double bits */
	uint64_t *slo_pass;                          /* [slo] */
	size_t npasses;                              /* sweep passes (1 without a sweep) */
	uint64_t *pass_start;                        /* [pass] unix seconds, double bits; NaN until set */
	uint64_t run_end;                            /* unix seconds, double bits; NaN until set */
	uint64_t *last_done;                         /* [scenario]: requests finished at the last rate sample */
	uint64_t thread_cpu[FR_METRICS_MAX_THREADS]; /* double bits, NaN until the worker reports */
	uint64_t thread_lag[FR_METRICS_MAX_THREADS]; /* seconds, double bits */
	uint64_t host_rss;                           /* bytes, double bits */
	uint64_t host_load;                          /* double bits */
	int64_t last_sample_ns;
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

/* Relaxed atomic add: the hot path needs no ordering, only no lost update. */
static void add_u64(uint64_t *p, uint64_t n)
{
	__atomic_fetch_add(p, n, __ATOMIC_RELAXED);
}

/* Relaxed atomic load, the reading side of add_u64. */
static uint64_t load_u64(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* Latency SLOs put their threshold among the bounds and export seconds. */
int fr_metrics_slo_is_latency(const struct fr_slo *slo)
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
	size_t ndef = FR_NELEM(default_bounds);
	size_t n = 0;
	m->bounds = xcalloc(ndef + m->plan->nslos, sizeof(*m->bounds));
	for (size_t i = 0; i < ndef; i++)
		m->bounds[n++] = default_bounds[i];
	for (size_t i = 0; i < m->plan->nslos; i++) {
		const struct fr_slo *slo = &m->plan->slos[i];
		if (fr_metrics_slo_is_latency(slo) && slo->threshold >= 1)
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

/* Allocates every counter, at zero, and the SLO values and times at NaN. */
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
	m->gauges = xcalloc(ns * FR_METRICS_GAUGES, sizeof(uint64_t));
	m->fault_on = xcalloc(m->plan->faults.n ? m->plan->faults.n : 1, sizeof(uint64_t));
	m->slo_vals = xcalloc(nslo, sizeof(uint64_t));
	m->slo_pass = xcalloc(nslo, sizeof(uint64_t));
	m->npasses = m->plan->nsweep ? m->plan->nsweep : 1;
	m->pass_start = xcalloc(m->npasses, sizeof(uint64_t));
	for (size_t i = 0; i < m->npasses; i++)
		store_double(&m->pass_start[i], NAN);
	store_double(&m->run_end, NAN);
	for (size_t i = 0; i < FR_METRICS_MAX_THREADS; i++) {
		store_double(&m->thread_cpu[i], NAN);
		store_double(&m->thread_lag[i], NAN);
	}
	store_double(&m->host_rss, NAN);
	store_double(&m->host_load, NAN);
	m->last_done = xcalloc(ns, sizeof(uint64_t));
	for (size_t i = 0; i < m->plan->nslos; i++)
		store_double(&m->slo_vals[i], NAN);
}

/* Builds the store with every series at zero. */
struct fr_metrics *fr_metrics_create(const struct fr_plan *plan, const struct fr_results *keys, const char *run_id)
{
	struct fr_metrics *m = xcalloc(1, sizeof(*m));
	m->plan = plan;
	m->keys = keys ? keys->keys : NULL;
	m->nkeys = keys ? keys->nkeys : 0;
	m->run_id = xstrdup(run_id);
	build_bounds(m);
	alloc_values(m);
	m->last_sample_ns = fr_clock_mono_ns();
	return m;
}

/* Frees every array. */
void fr_metrics_free(struct fr_metrics *m)
{
	if (!m)
		return;
	free(m->run_id);
	free(m->bounds);
	free(m->req_buckets);
	free(m->req_sums);
	free(m->ws_buckets);
	free(m->ws_sums);
	free(m->ws_msgs);
	free(m->ws_conns);
	free(m->gauges);
	free(m->fault_on);
	free(m->slo_vals);
	free(m->slo_pass);
	free(m->pass_start);
	free(m->last_done);
	free(m);
}

/* Offset of the buckets of (key, outcome, hist) in req_buckets. */
static size_t req_index(size_t key, size_t outcome, size_t hist)
{
	return (key * NOUT + outcome) * REQ_HISTS + hist;
}

/* Counts one HTTP request in both histograms (hot path, any thread). */
void fr_metrics_record_request(struct fr_metrics *m, int key, enum fr_outcome outcome, int64_t latency_us,
                               int64_t service_us)
{
	if (!m || key < 0 || (size_t)key >= m->nkeys || (unsigned)outcome >= NOUT)
		return;
	size_t i = req_index((size_t)key, outcome, FR_METRICS_DURATION);
	if (latency_us < 0)
		latency_us = 0;
	add_u64(&m->req_buckets[i * m->nb + bucket_of(m, latency_us)], 1);
	add_u64(&m->req_sums[i], (uint64_t)latency_us);
	if (service_us < 0)
		return;
	i = req_index((size_t)key, outcome, FR_METRICS_SERVICE);
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

/* Sets gauge G of SCENARIO, ignoring what does not exist. */
static void set_gauge(struct fr_metrics *m, int scenario, enum fr_metrics_gauge g, double v)
{
	if (!m || scenario < 0 || (size_t)scenario >= m->plan->nscenarios)
		return;
	store_double(&m->gauges[(size_t)scenario * FR_METRICS_GAUGES + g], v);
}

/* Sets flowrun_active_users of a scenario. */
void fr_metrics_set_users(struct fr_metrics *m, int scenario, double users)
{
	set_gauge(m, scenario, FR_METRICS_USERS, users);
}

/* Sets flowrun_active_viewers of a scenario. */
void fr_metrics_set_viewers(struct fr_metrics *m, int scenario, double viewers)
{
	set_gauge(m, scenario, FR_METRICS_VIEWERS, viewers);
}

/* Sets flowrun_planned_rate of a scenario. */
void fr_metrics_set_planned_rate(struct fr_metrics *m, int scenario, double rate)
{
	set_gauge(m, scenario, FR_METRICS_PLANNED, rate);
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

/* A worker's last second: its CPU share and its worst loop lag. */
void fr_metrics_set_thread_health(struct fr_metrics *m, int thread, double cpu, double lag_s)
{
	if (!m || thread < 0 || thread >= FR_METRICS_MAX_THREADS)
		return;
	store_double(&m->thread_cpu[thread], cpu);
	store_double(&m->thread_lag[thread], lag_s);
}

/* The process's resident memory and the host's load average. */
void fr_metrics_set_host(struct fr_metrics *m, double rss_bytes, double load1)
{
	if (!m)
		return;
	store_double(&m->host_rss, rss_bytes);
	store_double(&m->host_load, load1);
}

/* Publishes the latest verdict of an SLO. */
void fr_metrics_set_slo(struct fr_metrics *m, int slo, double value, int pass)
{
	if (!m || slo < 0 || (size_t)slo >= m->plan->nslos)
		return;
	store_double(&m->slo_vals[slo], value);
	__atomic_store_n(&m->slo_pass[slo], pass ? 1 : 0, __ATOMIC_RELAXED);
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
			const uint64_t *bk = &m->req_buckets[req_index(k, o, FR_METRICS_DURATION) * m->nb];
			for (size_t i = 0; i < m->nb; i++)
				n += load_u64(&bk[i]);
		}
	}
	return n;
}

/* flowrun_achieved_rate of every scenario from the requests finished since
 * the previous sample. */
void fr_metrics_sample_rates(struct fr_metrics *m)
{
	int64_t t = fr_clock_mono_ns();
	double dt = (double)(t - m->last_sample_ns) / 1e9;
	for (size_t s = 0; s < m->plan->nscenarios; s++) {
		uint64_t done = scenario_done(m, (int)s);
		if (dt > 0)
			store_double(&m->gauges[s * FR_METRICS_GAUGES + FR_METRICS_ACHIEVED],
			             (double)(done - m->last_done[s]) / dt);
		m->last_done[s] = done;
	}
	m->last_sample_ns = t;
}

/* The histogram bounds in µs. */
const int64_t *fr_metrics_bounds(const struct fr_metrics *m, size_t *n_out)
{
	*n_out = m->nbounds;
	return m->bounds;
}

/* The plan the series are labelled from. */
const struct fr_plan *fr_metrics_plan(const struct fr_metrics *m)
{
	return m->plan;
}

/* The run id every series carries, unescaped. */
/* Labels every series with shard K, so Prometheus can tell the generators apart and sum them. */
void fr_metrics_set_shard(struct fr_metrics *m, int shard)
{
	if (m)
		m->shard = shard;
}

/* The shard label's value. */
int fr_metrics_shard(const struct fr_metrics *m)
{
	return m->shard;
}

const char *fr_metrics_run_id(const struct fr_metrics *m)
{
	return m->run_id;
}

/* The metric keys the recording calls index. */
const struct fr_key *fr_metrics_keys(const struct fr_metrics *m, size_t *n_out)
{
	*n_out = m->nkeys;
	return m->keys;
}

/* A consistent-enough copy of one histogram: each counter is read once. */
uint64_t fr_metrics_read_hist(const struct fr_metrics *m, enum fr_metrics_hist h, size_t key, enum fr_outcome outcome,
                              uint64_t *counts)
{
	const uint64_t *bk, *sum;
	if (h == FR_METRICS_DELIVERY) {
		bk = &m->ws_buckets[key * m->nb];
		sum = &m->ws_sums[key];
	} else {
		size_t i = req_index(key, outcome, h);
		bk = &m->req_buckets[i * m->nb];
		sum = &m->req_sums[i];
	}
	for (size_t i = 0; i < m->nb; i++)
		counts[i] = load_u64(&bk[i]);
	return load_u64(sum);
}

/* flowrun_ws_messages_total of a key and kind. */
uint64_t fr_metrics_ws_messages(const struct fr_metrics *m, size_t key, enum fr_ws_counter c)
{
	return load_u64(&m->ws_msgs[key * NWSKIND + c]);
}

/* flowrun_ws_connections of a scenario. */
int64_t fr_metrics_ws_connections(const struct fr_metrics *m, size_t scenario)
{
	return __atomic_load_n(&m->ws_conns[scenario], __ATOMIC_RELAXED);
}

/* A level gauge of a scenario. */
double fr_metrics_gauge(const struct fr_metrics *m, size_t scenario, enum fr_metrics_gauge g)
{
	return load_double(&m->gauges[scenario * FR_METRICS_GAUGES + g]);
}

/* Whether a fault is active. */
int fr_metrics_fault_active(const struct fr_metrics *m, size_t fault)
{
	return load_u64(&m->fault_on[fault]) != 0;
}

/* The latest value of an SLO, NaN until set. */
double fr_metrics_slo_value(const struct fr_metrics *m, size_t slo)
{
	return load_double(&m->slo_vals[slo]);
}

/* Whether the latest evaluation of an SLO passed. */
int fr_metrics_slo_pass(const struct fr_metrics *m, size_t slo)
{
	return load_u64(&m->slo_pass[slo]) != 0;
}

/* The number of sweep passes (1 without a sweep). */
size_t fr_metrics_passes(const struct fr_metrics *m)
{
	return m->npasses;
}

/* The unix start time of a pass, NaN until set. */
double fr_metrics_pass_start(const struct fr_metrics *m, size_t pass)
{
	return load_double(&m->pass_start[pass]);
}

/* The unix time the load stopped, NaN until set. */
double fr_metrics_run_end(const struct fr_metrics *m)
{
	return load_double(&m->run_end);
}

/* A worker's live health; 0 when it has not reported. */
int fr_metrics_thread_health(const struct fr_metrics *m, size_t thread, double *cpu, double *lag_s)
{
	if (thread >= FR_METRICS_MAX_THREADS)
		return 0;
	*cpu = load_double(&m->thread_cpu[thread]);
	*lag_s = load_double(&m->thread_lag[thread]);
	return !isnan(*cpu);
}

/* The host's live figures (NaN until set). */
void fr_metrics_host(const struct fr_metrics *m, double *rss_bytes, double *load1)
{
	*rss_bytes = load_double(&m->host_rss);
	*load1 = load_double(&m->host_load);
}
