/* metrics.h: the Prometheus exporter of a run (/metrics, text format 0.0.4).
 *
 * flowrun is a short-lived process, so Prometheus scrapes it rather than
 * being pushed to (docs/decisions/0008-metrics.md). The exporter binds its
 * port before load starts, serves GET /metrics from a thread of its own for
 * the whole run, and keeps serving for a linger time after the end so the
 * last samples are scraped. Every series exists, at zero, from the first
 * scrape; every series carries the run_id label. docs/metrics.md lists the
 * metrics.
 *
 * Recording is lock-free (relaxed atomics) and safe from any thread: the
 * drivers call fr_metrics_record_* on their hot path with the metric key of
 * results.h (fr_results_key), so a sample costs a bucket search over ~20
 * bounds and three atomic adds, with no string work. Histogram bounds are a
 * default set plus every latency threshold of the plan's SLOs, so a threshold
 * query against Prometheus needs no interpolation.
 *
 * Every recording and setting call accepts M == NULL (no --metrics-listen)
 * and out-of-range indexes, and then does nothing, so callers need no checks.
 */
#ifndef FR_METRICS_H
#define FR_METRICS_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "plan/plan.h"
#include "result/results.h"

/* Default listen address and linger (2 scrape intervals of 1 s + 1 s). */
#define FR_METRICS_LISTEN_DEFAULT "127.0.0.1:9464"
#define FR_METRICS_LINGER_DEFAULT 3.0

struct fr_metrics;

/* Creates the exporter for PLAN and binds LISTEN ("HOST:PORT", "[V6]:PORT";
 * port 0 picks a free one, see fr_metrics_port), then starts the serving
 * thread. KEYS gives the metric keys (only keys/nkeys are read; the results
 * of any worker thread do, they all share the timeline's keys). PLAN and the
 * keys must outlive the exporter. Returns 0 and sets *m_out (free with
 * fr_metrics_free), or the exit status main should use with a message in
 * *err_out (caller frees; main prints it after "flowrun: "):
 *   2: LISTEN is malformed ("bad metrics address 'x': expected HOST:PORT"),
 *   4: the port cannot be bound ("cannot listen on 127.0.0.1:9464 for
 *      metrics: Address already in use") or the thread cannot start. */
int fr_metrics_create(const struct fr_plan *plan, const struct fr_results *keys, const char *run_id, const char *listen,
                      struct fr_metrics **m_out, char **err_out);

/* Stops the serving thread, closes the port and frees M; accepts NULL. */
void fr_metrics_free(struct fr_metrics *m);

/* The bound TCP port (useful after port 0). */
int fr_metrics_port(const struct fr_metrics *m);

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
 * requests of each scenario once a second. */
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

/* The latest verdict of SLO (plan->slos): VALUE in the SLO's base unit (µs
 * are exported as seconds, rates as a fraction) and whether it passed. */
void fr_metrics_set_slo(struct fr_metrics *m, int slo, double value, int pass);

/* The exposition text of the current values (caller frees); what GET
 * /metrics returns. *len_out gets its length. */
char *fr_metrics_render(struct fr_metrics *m, size_t *len_out);

/* Waits up to SECONDS until Prometheus has scraped /metrics once, so that it
 * has seen every series at zero before load starts (the windows of `flowrun
 * slo` then start from a real sample). Returns 0 once scraped, -1 on timeout
 * or when *STOP is set. */
int fr_metrics_wait_scrape(struct fr_metrics *m, double seconds, volatile sig_atomic_t *stop);

/* Keeps serving for SECONDS after the run (the caller sleeps here), so that
 * Prometheus scrapes the final values. */
void fr_metrics_linger(struct fr_metrics *m, double seconds);

/* PUTs the current values to a Pushgateway at URL (http://host:port) under
 * /metrics/job/flowrun/run_id/<id>. Returns 0, or -1 with *err_out set. */
int fr_metrics_push(struct fr_metrics *m, const char *url, char **err_out);

/* The histogram upper bounds in µs, ascending, without +Inf (for tests and
 * for the Grafana/PromQL docs). */
const int64_t *fr_metrics_bounds(const struct fr_metrics *m, size_t *n_out);

#endif
