/* health.h: the load generator's own health — per worker thread CPU and loop lag, RSS, host load — and saturation.
 *
 * A generator that runs out of CPU, or whose event loop cannot get to its
 * events in time, adds its own delay to every latency it measures. Each
 * worker thread records, per timeline segment, the CPU time it used, the wall
 * time it was observed, and its loop lag: how late a heartbeat timer due
 * every 10 ms actually ran (engine/heartbeat.h; the same measure as Node.js's
 * monitorEventLoopDelay). The control thread adds the process's peak RSS and
 * the host's load average.
 *
 * A latency verdict is **spoiled by a saturated generator** when, in its
 * window, some worker thread
 *   - used at least FR_HEALTH_CPU_MAX (90 %) of the wall time as CPU: the
 *     generator was the bottleneck, it did not deliver the load as planned
 *     and its own queueing is in every latency; or
 *   - had a loop lag, at the verdict's own statistic (the lag p99 for a p99
 *     SLO, the median lag for a p50, the worst lag for max, the mean for
 *     mean), over max(FR_HEALTH_LAG_MAX_US, FR_HEALTH_LAG_SHARE × the
 *     threshold): a lag adds itself to the latencies measured during it, so
 *     it decides a statistic only when it is a fair part of the threshold.
 * The 50 ms floor sits above what a loaded machine does to a generator that is
 * not saturated: on this project's 2-core CI machine an idle loop's heartbeat
 * lag p99 was 1.9 ms at load average 5.6 and 28.8 ms with eight CPU hogs
 * added (load ~11), and a whole-process stall of ~100 ms (both workers at
 * once, at load 6) happened about once a minute — it would spoil a p99 of a
 * one-second window if the floor alone were the bound, which is why the bound
 * grows with the threshold. A loop that falls behind accumulates lag without
 * bound; a worker at 100 % CPU is caught by the first rule whatever its lag.
 * Windows the heartbeats covered for less than FR_HEALTH_MIN_WALL_US (0.5 s)
 * are too short to judge; a segment of FR_HEALTH_SEGMENT_MIN_WALL_US (2 s) or
 * more is also judged on its own, since a few saturated seconds decide the
 * tail of a long window whose average hides them. Marked verdicts are
 * inconclusive unless the run allowed it (report.h). The health table of the
 * reports flags a worker over the whole run by the plain rule (CPU ≥ 90 % or
 * loop lag p99 > 50 ms).
 *
 * Each worker's results hold a health of one thread; fr_health_merge appends
 * threads, so the merged results hold one entry per worker thread.
 */
#ifndef FR_HEALTH_H
#define FR_HEALTH_H

#include <stddef.h>
#include <stdint.h>

#include "plan/plan.h"
#include "result/hist.h"

#define FR_HEALTH_CPU_MAX             0.90
#define FR_HEALTH_LAG_MAX_US          50000
#define FR_HEALTH_LAG_SHARE           0.10
#define FR_HEALTH_TICK_US             10000
#define FR_HEALTH_MIN_WALL_US         500000
#define FR_HEALTH_SEGMENT_MIN_WALL_US 2000000

/* One worker thread in one segment. */
struct fr_health_cell {
	int64_t cpu_us;      /* thread CPU time used */
	int64_t wall_us;     /* wall time the heartbeats covered */
	struct fr_hist *lag; /* loop lag of each heartbeat, µs (NULL until the first) */
};

struct fr_health_thread {
	int thread;                   /* the worker's index */
	struct fr_health_cell *cells; /* one per segment */
};

struct fr_health {
	size_t nsegs;
	struct fr_health_thread *threads;
	size_t nthreads;
	int64_t rss_peak_bytes; /* the process's peak resident memory (0: unknown) */
	double load_start;      /* the host's 1-minute load average at the start, */
	double load_max;        /* its highest sample during the run (every second) */
	double load_end;        /* and at the end (< 0: unknown) */
	int cpus;               /* online CPUs of the host */
	int allow_saturated;    /* --allow-saturated: saturated verdicts stand (marked) */
};

/* How one worker did over a set of segments. */
struct fr_health_sum {
	int thread;
	double cpu; /* CPU time ÷ wall time, 0..1 (-1: no wall time) */
	int64_t lag_p50_us;
	int64_t lag_p99_us; /* -1: no heartbeat */
	int64_t lag_max_us;
	uint64_t ticks; /* heartbeats */
	int64_t wall_us;
	int saturated; /* by the plain rule: long enough, CPU >= 90 % or lag p99 > 50 ms */
};

/* A health for NSEGS segments and one worker THREAD, or none when THREAD is
 * negative (to merge into); free with fr_health_free. */
struct fr_health *fr_health_create(size_t nsegs, int thread);
void fr_health_free(struct fr_health *h); /* accepts NULL */

/* Adds one heartbeat of worker thread index I (0 for a worker's own health)
 * in SEGMENT: CPU_US of CPU and WALL_US of wall time since the previous one,
 * and LAG_US of loop lag. */
void fr_health_tick(struct fr_health *h, size_t i, int segment, int64_t cpu_us, int64_t wall_us, int64_t lag_us);

/* Appends SRC's threads to DST and combines the host figures (same segments). */
void fr_health_merge(struct fr_health *dst, const struct fr_health *src);

/* Sums worker thread index I over SEGS (all segments when SEGS is NULL). */
void fr_health_sum(const struct fr_health *h, size_t i, const int *segs, size_t nsegs, struct fr_health_sum *out);

/* Whether a worker's saturation spoils a verdict of SLO (a latency SLO) over
 * SEGS, by the rule above; if so, *WHY_OUT (caller frees) names the worst
 * worker: "thread 0 CPU 97 % (bound 90 %)", "thread 1 loop lag p99 212ms
 * (bound 50.0ms)". H may be NULL (nothing known: not spoiled). */
int fr_health_spoils(const struct fr_health *h, const int *segs, size_t nsegs, const struct fr_slo *slo,
                     char **why_out);

#endif
