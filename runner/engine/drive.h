/* drive.h: what the HTTP load drivers of one worker thread share (internal to the engine).
 *
 * A struct fr_drive is one worker's view of the run: its loop, its results,
 * the target and run variables, the current pass and its start time, and the
 * live counters the progress line reads. The drivers — virtual users (closed
 * model, users.c), arrival streams (open model, arrivals.c) — run
 * iterations (iter.c: one request, or one group with its steps) and record
 * every sample through fr_drive_record.
 */
#ifndef FR_DRIVE_H
#define FR_DRIVE_H

#include <stdatomic.h>
#include <stdint.h>

#include "engine/http.h"
#include "engine/loop.h"
#include "result/results.h"
#include "plan/timeline.h"
#include "plan/vars.h"

/* Counters read by the control thread while the run goes on. */
struct fr_live {
	_Atomic uint64_t sent;
	_Atomic uint64_t done;
	_Atomic uint64_t errors;
	_Atomic uint64_t users;
};

struct fr_drive {
	struct fr_loop *loop;
	const struct fr_http_target *target;
	const struct fr_timeline *tl;
	struct fr_results *res;
	const struct fr_varstore *run_vars;
	struct fr_live *live;
	struct fr_hist *live_latency; /* guarded by live_lock; the progress line's p99 */
	void *live_lock;              /* pthread_mutex_t * */
	int thread;
	int nthreads;
	int pass;
	int64_t pass_t0_ns;  /* monotonic start of the current pass */
	int64_t pass_end_ns; /* monotonic end of the current pass */
	int stopping;        /* the load is being stopped: start nothing new */
	uint64_t rng;
	unsigned max_inflight;      /* open model, per thread and scenario; 0: none */
	struct fr_metrics *metrics; /* live metrics, or NULL */
	struct fr_tally *tally;     /* live counts of the abort gate, or NULL */
};

/* The timeline offset (µs) of monotonic time T_NS, clamped into the current pass. */
int64_t fr_drive_offset(const struct fr_drive *d, int64_t t_ns);

/* The segment of the current pass that contains monotonic time T_NS. */
int fr_drive_segment(const struct fr_drive *d, int64_t t_ns);

/* Records one sample of KEY whose intended send time was INTENDED_NS. */
void fr_drive_record(struct fr_drive *d, int key, int64_t intended_ns, enum fr_outcome outcome, int64_t latency_us,
                     int64_t service_us);

/* Picks a request of SC by weight. */
const struct fr_request *fr_drive_pick(struct fr_drive *d, const struct fr_scenario *sc);

#endif
