/* estimate.h: how much memory a run of a plan will take, before it starts.
 *
 * A run's memory grows with a few things, each at a rate measured on the
 * engine (bench/memory.sh: peak RSS of a release build at a small and a
 * large count, the difference divided by the counts; figures in
 * docs/decisions/0014-memory-estimate.md):
 *   - the process itself: its libraries, loops and contexts;
 *   - each closed-model user (a libcurl handle and its connection);
 *   - each websocket viewer (its libwebsockets connection) and, per viewer,
 *     one bit per slot of its scenario's event ring;
 *   - each open-model request in flight (a libcurl handle and its
 *     connection): the peak rate × the request timeout, at most the run's
 *     in-flight limit per scenario;
 *   - each (metric key, segment) cell in which a key can record, on every
 *     worker thread: two histograms (latency and service, or delivery and
 *     connect) of FR_ESTIMATE_HIST_BYTES each;
 *   - each (metric key, interval) of the results' time series, on every
 *     worker thread: its counters and sparse histogram (0019-time-series:
 *     88 bytes and 4 per distinct bucket, 253 buckets in an hour of a wide
 *     latency spread);
 *   - each websocket scenario's event ring.
 * The estimate is an upper bound of what the model counts (every thread
 * records into every cell of its scenario's active segments) and ignores
 * what it does not (response bodies kept for captures, arrivals waiting
 * beyond the in-flight limit). `flowrun plan` prints it, and `flowrun check`
 * and `flowrun run` refuse a plan whose estimate exceeds --max-memory.
 */
#ifndef FR_ESTIMATE_H
#define FR_ESTIMATE_H

#include <stdint.h>

#include "plan/diag.h"
#include "plan/plan.h"
#include "plan/timeline.h"

#define FR_ESTIMATE_BASE_BYTES     (12u << 20) /* the process: 11.7 MB measured, on 1 to 8 threads */
#define FR_ESTIMATE_USER_BYTES     17100u      /* a closed-model user: 17,046 measured */
#define FR_ESTIMATE_VIEWER_BYTES   2900u       /* a websocket viewer: 2,862 measured */
#define FR_ESTIMATE_INFLIGHT_BYTES 16400u      /* an open-model request in flight: 16,370 measured */
#define FR_ESTIMATE_HIST_BYTES     26328u      /* one histogram (result/hist.c; test-hist pins it) */
#define FR_ESTIMATE_CELL_BYTES     1024u       /* a (key, segment) cell without its histograms (test-hist pins it) */
#define FR_ESTIMATE_WS_SLOT_BYTES  24u         /* one slot of a websocket event ring (engine/ws_table.c) */
#define FR_ESTIMATE_SERIES_BYTES   1100u       /* a (key, interval) of the time series: 88 + 4 × 253 */
#define FR_ESTIMATE_INTERVAL_US    1000000     /* the time series' default interval */

/* One thing a run's memory grows with: how many, and the bytes each. */
struct fr_estimate_part {
	double count;
	uint64_t each;
	uint64_t bytes; /* count × each */
};

struct fr_estimate {
	int threads;
	uint64_t base;
	struct fr_estimate_part users;    /* peak closed-model users */
	struct fr_estimate_part viewers;  /* peak viewers (each with its ring bits) */
	struct fr_estimate_part inflight; /* open-model requests in flight at the peak rate */
	struct fr_estimate_part cells;    /* (key, segment) cells, on every thread */
	struct fr_estimate_part series;   /* (key, interval) entries of the time series, on every thread */
	struct fr_estimate_part events;   /* websocket event ring slots */
	uint64_t total;
	struct fr_pos where; /* the stage with the largest share, for a located error */
};

/* How the run is set up, as far as its memory goes. */
struct fr_estimate_opts {
	int threads;           /* worker threads */
	unsigned max_inflight; /* open-model requests in flight per scenario, 0: no limit */
	int64_t interval_us;   /* the time series' interval, 0: FR_ESTIMATE_INTERVAL_US */
};

/* Estimates a run of TL's plan set up as O. */
void fr_estimate(const struct fr_timeline *tl, const struct fr_estimate_opts *o, struct fr_estimate *out);

/* The slots of the event ring of websocket scenario WS: two deadlines' worth
 * of events and a second more, as a power of two from 64 to 2^24. */
uint32_t fr_estimate_ws_ring(const struct fr_ws *ws);

#endif
