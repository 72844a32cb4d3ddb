/* metrics.h: the live metrics of a run — a store of atomic counters and gauges.
 *
 * The drivers record every finished request, WebSocket delivery and message
 * here while the run goes on; the exposition (exposition.h) turns the current
 * values into Prometheus text, which the exporter (exporter.h) serves on
 * /metrics and the Pushgateway push (pushgateway.h) sends once at the end.
 * The store itself does no I/O.
 *
 * Recording is lock-free (relaxed atomics) and safe from any thread: the
 * drivers call fr_metrics_record_* on their hot path with the metric key of
 * results.h (fr_results_key), so a sample costs a bucket search over ~20
 * bounds and three atomic adds, with no string work. Histogram bounds are a
 * default set plus every latency threshold of the plan's SLOs, so a threshold
 * query against Prometheus needs no interpolation. docs/metrics.md lists the
 * series.
 *
 * Every recording and setting call accepts M == NULL (no --metrics-listen)
 * and out-of-range indexes, and then does nothing, so callers need no checks.
 * The reading calls (for the exposition) take indexes that exist.
 */
#ifndef FR_METRICS_H
#define FR_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "plan/plan.h"
#include "plan/timeline.h"
#include "result/results.h"

/* The WebSocket counters that are messages (flowrun_ws_messages_total): those
 * before FR_WS_CONNECTS; the connection counters are not exported. */
#define FR_METRICS_WS_KINDS FR_WS_CONNECTS

/* Worker threads whose health is exported (fr_run caps threads at 256 too). */
#define FR_METRICS_MAX_THREADS 256

/* The histograms of the store. */
enum fr_metrics_hist {
	FR_METRICS_DURATION, /* HTTP latency from the intended send, per key and outcome */
	FR_METRICS_SERVICE,  /* HTTP latency from the actual send, per key and outcome */
	FR_METRICS_DELIVERY, /* WebSocket delivery latency, per websocket key */
};

/* The level gauges of a scenario. */
enum fr_metrics_gauge {
	FR_METRICS_USERS,    /* virtual users running (closed model) */
	FR_METRICS_VIEWERS,  /* viewers planned (websocket model) */
	FR_METRICS_PLANNED,  /* planned requests per second (open model) */
	FR_METRICS_ACHIEVED, /* requests finished per second, sampled by fr_metrics_sample_rates */
	FR_METRICS_GAUGES,
};

struct fr_metrics;

/* A store for PLAN with every value at zero (SLO values and times at NaN).
 * KEYS gives the metric keys (only keys/nkeys are read; the results of any
 * worker thread do, they all share the timeline's keys). PLAN and the keys
 * must outlive the store; RUN_ID is copied. Free with fr_metrics_free. */
struct fr_metrics *fr_metrics_create(const struct fr_plan *plan, const struct fr_results *keys, const char *run_id);

/* Frees M; accepts NULL. Stop the exporter that reads M first. */
void fr_metrics_free(struct fr_metrics *m);

/* One finished HTTP request of metric KEY: LATENCY_US from the intended send
 * (flowrun_request_duration_seconds), SERVICE_US from the actual send
 * (flowrun_request_service_seconds, skipped when negative: never sent).
 * Counts flowrun_requests_total. Any thread. */
void fr_metrics_record_request(struct fr_metrics *m, int key, enum fr_outcome outcome, int64_t latency_us,
                               int64_t service_us);

/* One WebSocket delivery of the websocket scenario whose key is KEY. */
void fr_metrics_record_delivery(struct fr_metrics *m, int key, int64_t delivery_us);

/* Adds N to flowrun_ws_messages_total{kind} of websocket key KEY. Connection
 * counters (FR_WS_CONNECTS and later) are not messages and are ignored. */
void fr_metrics_count_ws(struct fr_metrics *m, int key, enum fr_ws_counter c, uint64_t n);

/* Adds DELTA (+1 on open, -1 on close) to flowrun_ws_connections of SCENARIO. */
void fr_metrics_add_ws_connections(struct fr_metrics *m, int scenario, int64_t delta);

/* The level gauges of a scenario from a timeline action: FR_ACT_STAGE and
 * FR_ACT_STOP set flowrun_active_users (closed), flowrun_planned_rate (open)
 * or flowrun_active_viewers (websocket); other actions are ignored. Call it
 * from the run's on_action hook. */
void fr_metrics_action(struct fr_metrics *m, const struct fr_action *act);

/* The same gauges one by one (SCENARIO: an index into plan->scenarios).
 * flowrun_achieved_rate needs no call: the exporter samples the finished
 * requests of each scenario once a second (fr_metrics_sample_rates). */
void fr_metrics_set_users(struct fr_metrics *m, int scenario, double users);
void fr_metrics_set_viewers(struct fr_metrics *m, int scenario, double viewers);
void fr_metrics_set_planned_rate(struct fr_metrics *m, int scenario, double rate);

/* flowrun_fault_active of every proxy of fault FAULT (plan->faults.items). */
void fr_metrics_set_fault(struct fr_metrics *m, int fault, int active);

/* The wall-clock times that let `flowrun slo` find the run's segments in
 * Prometheus: the unix time (seconds, with fractions) of offset 0 of sweep
 * pass PASS (0-based; exported as pass="PASS+1"), and the time the load
 * stopped. Both are NaN until set. */
void fr_metrics_set_pass_start(struct fr_metrics *m, int pass, double unix_s);
void fr_metrics_set_run_end(struct fr_metrics *m, double unix_s);

/* The generator's health (engine/health_probe.h): worker THREAD's CPU share
 * (0..1) and worst loop lag (seconds) over the last second
 * (flowrun_generator_cpu_ratio, flowrun_generator_loop_lag_seconds), from
 * its own thread; the process's resident memory and the host's 1-minute load
 * average (flowrun_process_resident_bytes, flowrun_host_load1), from the
 * control thread. */
void fr_metrics_set_thread_health(struct fr_metrics *m, int thread, double cpu, double lag_s);
void fr_metrics_set_host(struct fr_metrics *m, double rss_bytes, double load1);

/* The latest verdict of SLO (plan->slos): VALUE in the SLO's base unit (µs
 * for latencies, a fraction for rates) and whether it passed. */
void fr_metrics_set_slo(struct fr_metrics *m, int slo, double value, int pass);

/* Sets flowrun_achieved_rate of every scenario from the requests finished
 * since the previous call (top-level keys only: a group counts once). One
 * thread only, about once a second (the exporter's). */
void fr_metrics_sample_rates(struct fr_metrics *m);

/* Whether SLO judges a latency (a quantile, max or mean of a client-side
 * series): its threshold is a bucket bound and its values are exported in
 * seconds. */
int fr_metrics_slo_is_latency(const struct fr_slo *slo);

/* The histogram upper bounds in µs, ascending, without +Inf; a histogram has
 * *n_out + 1 buckets. */
const int64_t *fr_metrics_bounds(const struct fr_metrics *m, size_t *n_out);

/* Every series carries a shard label (0 unless set): a sharded run's
 * generators are told apart by it, and every query of flowrun slo and the
 * dashboard sums over it. Set it before the exporter starts. */
void fr_metrics_set_shard(struct fr_metrics *m, int shard);
int fr_metrics_shard(const struct fr_metrics *m);

/* What the store was created with. */
const struct fr_plan *fr_metrics_plan(const struct fr_metrics *m);
const char *fr_metrics_run_id(const struct fr_metrics *m);
const struct fr_key *fr_metrics_keys(const struct fr_metrics *m, size_t *n_out);

/* Copies the bucket counts of histogram H of KEY (and OUTCOME, ignored for
 * FR_METRICS_DELIVERY) into COUNTS (not cumulative; the last is the +Inf
 * bucket) and returns the sum of the samples in µs. */
uint64_t fr_metrics_read_hist(const struct fr_metrics *m, enum fr_metrics_hist h, size_t key, enum fr_outcome outcome,
                              uint64_t *counts);

/* The current values, by index. */
uint64_t fr_metrics_ws_messages(const struct fr_metrics *m, size_t key, enum fr_ws_counter c);
int64_t fr_metrics_ws_connections(const struct fr_metrics *m, size_t scenario);
double fr_metrics_gauge(const struct fr_metrics *m, size_t scenario, enum fr_metrics_gauge g);
int fr_metrics_fault_active(const struct fr_metrics *m, size_t fault);
double fr_metrics_slo_value(const struct fr_metrics *m, size_t slo);
int fr_metrics_slo_pass(const struct fr_metrics *m, size_t slo);
size_t fr_metrics_passes(const struct fr_metrics *m); /* sweep passes; 1 without a sweep */
double fr_metrics_pass_start(const struct fr_metrics *m, size_t pass);
double fr_metrics_run_end(const struct fr_metrics *m);
int fr_metrics_thread_health(const struct fr_metrics *m, size_t thread, double *cpu, double *lag_s);
void fr_metrics_host(const struct fr_metrics *m, double *rss_bytes, double *load1);

#endif
