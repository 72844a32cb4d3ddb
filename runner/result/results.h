/* results.h: what a run measured, per (metric key, segment).
 *
 * The drivers record every sample here; nothing else is kept. A metric key is
 * one request of one scenario (a group, and each of its steps, get keys of
 * their own) or one WebSocket scenario. For each key and each timeline segment
 * there is one struct fr_cell: histograms (allocated on first use) and
 * counters. Each worker thread records into results of its own, without locks;
 * fr_results_merge adds them up at the end (histograms merge exactly), and the
 * evaluator and reporters read only the merged results.
 *
 * Live views (the progress line, /metrics) read the fr_live counters, which
 * are updated with relaxed atomics from any thread.
 */
#ifndef FR_RESULTS_H
#define FR_RESULTS_H

#include <stddef.h>
#include <stdint.h>

#include "result/health.h"
#include "result/hist.h"
#include "result/outcome.h"
#include "plan/timeline.h"

struct fr_timeseries;

enum fr_ws_counter {
	FR_WS_RECEIVED, /* matched deliveries */
	FR_WS_LOST,     /* not received within the deadline */
	FR_WS_DUPLICATE,
	FR_WS_UNMATCHED, /* frames the pattern did not match */
	FR_WS_OVERSIZED,
	FR_WS_EXPECTED, /* deliveries expected: viewers connected at publish */
	FR_WS_PUBLISHED,
	FR_WS_PUBLISH_FAILED,
	FR_WS_CONNECTS,
	FR_WS_CONNECT_FAILED,
	FR_WS_HANDSHAKE_REJECTED,
	FR_WS_DISCONNECT_SERVER, /* closed by the server */
	FR_WS_DISCONNECT_ERROR,  /* broken connection */
	FR_WS_RECONNECTS,
	FR_WS_COUNTER_N,
};

#define FR_SLOWEST_N 5 /* the slowest samples a cell keeps per series: enough to line outliers up, bounded */

/* One sample kept for the report, with when it was meant to happen. */
struct fr_sample {
	int64_t value_us;
	int64_t at_us;      /* its intended send time (a delivery: its publish; a connect: its start),
	                     * as an offset from the start of the run, so its segment is known */
	int64_t service_us; /* a request's latency: its service time (from the actual send), else -1;
	                     * a latency well above it was spent before the request left flowrun */
	int key;            /* its metric key */
};

/* The slowest samples of one series, slowest first (ties: the earlier first). */
struct fr_slowest {
	struct fr_sample s[FR_SLOWEST_N];
	int n;
};

struct fr_cell {
	struct fr_hist *latency;  /* from intended send (NULL until used) */
	struct fr_hist *service;  /* from actual send */
	struct fr_hist *delivery; /* websocket */
	struct fr_hist *connect;  /* websocket */
	uint64_t outcomes[FR_OUTCOME_N];
	uint64_t late;   /* open model: sent later than 1 ms after the intended time */
	uint64_t missed; /* open model: never sent (the run ended first) */
	uint64_t ws[FR_WS_COUNTER_N];
	struct fr_slowest slowest[FR_SERIES_CONNECT + 1]; /* per enum fr_series */
};

struct fr_key {
	int scenario;
	const struct fr_request *request; /* NULL for a websocket scenario's key */
	int parent;                       /* group step: the key of its group, else -1 */
	char *name;                       /* "scenario/request" or "scenario/group/step" */
};

struct fr_results {
	const struct fr_timeline *tl;
	struct fr_key *keys;
	size_t nkeys;
	struct fr_cell *cells; /* nkeys × tl->nsegs, row = key */
	int interrupted;
	int aborted;           /* stopped early: an abort SLO's window was decided failed */
	int aborted_window;    /* that window (index into tl->windows) */
	int64_t aborted_at_us; /* when, as an offset from the start of the run */
	int64_t started_unix_us;
	int64_t elapsed_us;
	/* scheduler health, whole run */
	struct fr_hist *sched_lag; /* actual − intended send, open model */
	uint64_t planned;          /* open-model sends planned in the elapsed time */
	uint64_t sent;
	uint64_t *active;             /* nscenarios × nsegs: the most users (closed model) or
	                               * connected viewers (websocket) this generator had at
	                               * once in the segment; threads and shards add up */
	int64_t start_skew_us;        /* with a common start (--start-at): when load began
	                               * minus the start time, this clock; else 0 */
	int late;                     /* with a common start: ready after start + grace, so no load was sent */
	struct fr_health *health;     /* the generator's health (result/health.h), or NULL */
	uint64_t http_lean;           /* load requests the lean HTTP path carried */
	uint64_t http_curl;           /* … and libcurl */
	char *invalid_reason;         /* set when the run is invalid (its verdicts cannot be trusted) */
	struct fr_timeseries *series; /* the same samples per interval (result/timeseries.h) */
	char *failed_reason;          /* set when the run failed (auth, setup, teardown, a plug-in) */
	const char *failed_phase;     /* where it failed: "auth", "setup", "start", "teardown" (static) */
	int failed_pass;              /* the sweep pass it failed in */
	int partial;                  /* a checkpoint taken while the run went on */
};

/* Creates empty results for TL: one key per request, group and group step of
 * every scenario, and one per websocket scenario. */
struct fr_results *fr_results_create(const struct fr_timeline *tl);
void fr_results_free(struct fr_results *res); /* accepts NULL */

/* Makes the time series count intervals of INTERVAL_US (default 1 s); only
 * before anything is recorded. */
void fr_results_set_interval(struct fr_results *res, int64_t interval_us);

/* The key of (scenario, request) or -1; REQUEST NULL: the websocket key. */
int fr_results_key(const struct fr_results *res, int scenario, const struct fr_request *request);

/* The cell for KEY in SEGMENT. */
struct fr_cell *fr_results_cell(struct fr_results *res, int key, int segment);

/* Recording helpers: allocate histograms on first use. */
void fr_results_record_request(struct fr_results *res, int key, int segment, enum fr_outcome outcome,
                               int64_t latency_us, int64_t service_us);
void fr_results_record_delivery(struct fr_results *res, int key, int segment, int64_t delivery_us);
void fr_results_record_connect(struct fr_results *res, int key, int segment, int64_t connect_us);
void fr_results_count_ws(struct fr_results *res, int key, int segment, enum fr_ws_counter c, uint64_t n);

/* Keeps a sample of SERIES among the FR_SLOWEST_N slowest of KEY in SEGMENT
 * (AT_US, SERVICE_US: see struct fr_sample); reports list them for a failed
 * latency SLO. */
void fr_results_note_slow(struct fr_results *res, int key, int segment, enum fr_series series, int64_t value_us,
                          int64_t at_us, int64_t service_us);

/* Adds SAMPLE to S when it is among the slowest. */
void fr_slowest_add(struct fr_slowest *s, const struct fr_sample *sample);

/* Raises the active count of SCENARIO in SEGMENT to N when it is higher. */
void fr_results_note_active(struct fr_results *res, int scenario, int segment, uint64_t n);

/* The active count of SCENARIO in SEGMENT. */
uint64_t fr_results_active(const struct fr_results *res, int scenario, int segment);

/* Adds SRC into DST (same timeline and series interval). */
void fr_results_merge(struct fr_results *dst, const struct fr_results *src);

/* Makes DST (same timeline and series interval) a copy of SRC — its cells,
 * scheduler counters and series — for a live view that a worker refreshes:
 * only the intervals SRC changed since the last mirror are copied. */
void fr_results_mirror(struct fr_results *dst, struct fr_results *src);

/* Sums the cells of KEY over SEGS into OUT (histograms allocated as needed;
 * free with fr_cell_clear). KEY -1 sums every key of SCENARIO (-1: all). */
void fr_results_sum(const struct fr_results *res, int key, int scenario, const int *segs, size_t nsegs,
                    struct fr_cell *out);
void fr_cell_clear(struct fr_cell *cell);

uint64_t fr_cell_requests(const struct fr_cell *cell);
uint64_t fr_cell_errors(const struct fr_cell *cell);

const char *fr_outcome_name(enum fr_outcome o); /* "ok", "connect-refused", … "http-5xx" */
const char *fr_ws_counter_name(enum fr_ws_counter c);

#endif
