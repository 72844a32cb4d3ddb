/* timeseries.h: the run as a time series — per key and interval, per scenario and interval.
 *
 * Besides the exact per-segment cells (results.h), every sample is also
 * counted in the interval of its timeline offset (default 1 s, --interval):
 * requests by outcome, a sparse latency histogram (ivhist.h; the delivery
 * latency for a websocket key), the open model's planned, late and missed
 * sends, and a websocket key's deliveries, losses, duplicates and expected
 * deliveries. Per scenario and interval it keeps a gauge: the closed model's
 * active users, or a websocket scenario's connected viewers, as the highest
 * value the interval saw. Offsets are the timeline's (a sweep's passes follow each other
 * there), so interval i covers [i · interval, (i + 1) · interval) of the
 * timeline, and stage and fault boundaries are the timeline's own.
 *
 * Like the cells, a series is recorded by one thread without locks and
 * merged exactly: counts add, histograms add bucket by bucket, maxima take
 * the larger, gauges add (each thread or shard holds a share). Memory: a
 * fixed 88 bytes per key and interval (allocated by calloc, so untouched
 * intervals cost no resident memory) plus 4 bytes per non-empty latency
 * bucket; 8 bytes per scenario and interval.
 */
#ifndef FR_TIMESERIES_H
#define FR_TIMESERIES_H

#include <stddef.h>
#include <stdint.h>

#include "result/ivhist.h"
#include "result/outcome.h"

#define FR_TIMESERIES_INTERVAL_US   INT64_C(1000000) /* the default interval */
#define FR_TIMESERIES_MAX_INTERVALS 200000           /* per run: the interval is too short beyond */

enum fr_iv_counter {
	FR_IV_PLANNED, /* open model: sends planned (by intended time) */
	FR_IV_LATE,    /* open model: sent more than 1 ms after their intended time */
	FR_IV_MISSED,  /* open model: never sent */
	FR_IV_WS_RECEIVED,
	FR_IV_WS_LOST,
	FR_IV_WS_DUPLICATE,
	FR_IV_WS_EXPECTED,
	FR_IV_COUNTER_N,
};

/* One key in one interval. */
struct fr_iv {
	uint32_t outcomes[FR_OUTCOME_N];
	uint32_t counters[FR_IV_COUNTER_N];
	struct fr_ivhist latency; /* request latency from the intended send, or websocket delivery */
};

struct fr_timeseries {
	int64_t interval_us;
	size_t nintervals; /* covering the timeline's duration */
	size_t nkeys;
	size_t nscenarios;
	struct fr_iv *iv; /* nkeys × nintervals, row = key */
	uint32_t *gauge;  /* nscenarios × nintervals: the highest value + 1, 0 = not set in that interval */
	uint32_t *last;   /* nscenarios × nintervals: the last value + 1, what the next interval starts at */
	size_t dirty_lo;  /* the intervals changed since fr_timeseries_copy_dirty last ran: */
	size_t dirty_hi;  /* [dirty_lo, dirty_hi], none when dirty_lo > dirty_hi */
};

/* Creates an empty series of NKEYS keys and NSCENARIOS scenarios over a
 * timeline of DURATION_US in intervals of INTERVAL_US (> 0; the count is
 * capped at FR_TIMESERIES_MAX_INTERVALS by lengthening the interval). */
struct fr_timeseries *fr_timeseries_create(size_t nkeys, size_t nscenarios, int64_t duration_us, int64_t interval_us);
void fr_timeseries_free(struct fr_timeseries *s); /* accepts NULL */

/* The interval of timeline offset AT_US (clamped into the series). */
size_t fr_timeseries_interval(const struct fr_timeseries *s, int64_t at_us);

/* The data of KEY in interval I. */
struct fr_iv *fr_timeseries_at(struct fr_timeseries *s, int key, size_t i);
const struct fr_iv *fr_timeseries_get(const struct fr_timeseries *s, int key, size_t i);

/* Counts one request of KEY at offset AT_US; LATENCY_US < 0: none to record. */
void fr_timeseries_request(struct fr_timeseries *s, int key, int64_t at_us, enum fr_outcome outcome,
                           int64_t latency_us);
/* Records one websocket delivery of KEY whose event was published at AT_US. */
void fr_timeseries_delivery(struct fr_timeseries *s, int key, int64_t at_us, int64_t delivery_us);
/* Adds N to counter C of KEY at AT_US. */
void fr_timeseries_count(struct fr_timeseries *s, int key, int64_t at_us, enum fr_iv_counter c, uint64_t n);
/* Sets the gauge of SCENARIO to VALUE from AT_US on (an interval keeps the
 * highest value set in it). */
void fr_timeseries_gauge(struct fr_timeseries *s, int scenario, int64_t at_us, uint32_t value);

/* The gauge of SCENARIO in interval I: the highest value set in it, or the
 * last value of the interval before that set one; 0 before the first. */
uint32_t fr_timeseries_gauge_at(const struct fr_timeseries *s, int scenario, size_t i);

/* Carries every gauge forward into the intervals that did not set it, up to
 * the end of the series: a thread's series is sealed before merging, because
 * merged gauges add and only the thread knows its value in an interval
 * without changes. Idempotent. */
void fr_timeseries_seal(struct fr_timeseries *s);

/* Adds SRC (same shape) into DST; DST ends sealed. */
void fr_timeseries_merge(struct fr_timeseries *dst, const struct fr_timeseries *src);

/* Makes DST's intervals equal SRC's where SRC changed since the last call
 * (its dirty range, which it then clears), and all gauges: a mirror that a
 * worker refreshes cheaply for a live view (same shape required). */
void fr_timeseries_copy_dirty(struct fr_timeseries *dst, struct fr_timeseries *src);

/* Whether A and B hold the same data: shape, every key's counts,
 * histogram and maximum in every interval, every gauge. */
int fr_timeseries_equal(const struct fr_timeseries *a, const struct fr_timeseries *b);

/* Requests and errors of one interval. */
uint64_t fr_timeseries_requests(const struct fr_iv *iv);
uint64_t fr_timeseries_errors(const struct fr_iv *iv);

const char *fr_timeseries_counter_name(enum fr_iv_counter c); /* "planned", "late", … "ws-received" */

#endif
