/* worker.h: one worker thread of a run — its loop, its drivers and results (internal to the engine).
 *
 * The control thread (run.c) talks to a worker through a one-slot mailbox
 * and the worker loop's ev_async: start pass P at T0, stop at once, exit.
 * The worker fires its pass's actions on its own loop at their offsets from
 * T0, drives the scenarios' levels, and when the pass has ended and its
 * transfers have drained, reports itself idle through fr_worker_idle_fn.
 */
#ifndef FR_WORKER_H
#define FR_WORKER_H

#include <pthread.h>
#include <stdint.h>

#include "engine/drive.h"
#include "engine/run_hooks.h"

struct fr_worker;
struct fr_metrics;
struct fr_tally;

/* What a worker hook (engine/run_hooks.h) gets on each worker thread. */
struct fr_worker_info {
	struct fr_loop *loop;
	int thread; /* 0 .. nthreads-1: take this share of the load */
	int nthreads;
	struct fr_results *results; /* this thread's results (record without locks) */
	const struct fr_timeline *tl;
	const struct fr_http_target *target;
	const struct fr_varstore *vars; /* run variables: auth captures, sweep value (read only) */
	uint64_t seed;                  /* for this thread's random state */
	int shard;                      /* this run is shard SHARD of NSHARDS (1: the whole plan); */
	int nshards;                    /* THREAD and NTHREADS are then lanes (plan/shard.h) */
};

/* Called (on the worker's thread) when it becomes idle or has failed to start. */
typedef void (*fr_worker_idle_fn)(struct fr_worker *w, void *arg);

struct fr_worker_conf {
	const struct fr_timeline *tl;
	const struct fr_http_target *target;
	const struct fr_varstore *run_vars;
	const struct fr_run_hooks *const *hooks; /* the run's plug-ins; each gets its own thread state */
	size_t nhooks;
	struct fr_live *live;
	int thread;
	int nthreads;
	int shard;
	int nshards;
	uint64_t seed;
	unsigned max_inflight; /* per thread and open scenario, 0: none */
	int64_t interval_us;   /* of the results' time series; 0: the default */
	struct fr_metrics *metrics;
	struct fr_tally *tally; /* the abort gate's live counts, or NULL */
	fr_worker_idle_fn idle;
	void *idle_arg;
};

/* Starts a worker thread; returns NULL when the thread cannot be created.
 * The worker creates its loop and drivers, then calls conf->idle once
 * (fr_worker_failed tells whether that went wrong). */
struct fr_worker *fr_worker_start(const struct fr_worker_conf *conf);
int fr_worker_failed(const struct fr_worker *w);

/* Starts pass PASS at monotonic time T0_NS. */
void fr_worker_pass(struct fr_worker *w, int pass, int64_t t0_ns);
/* Stops the load at once: in-flight requests are abandoned unrecorded, what
 * was planned and not sent is counted as missed. The worker reports idle. */
void fr_worker_interrupt(struct fr_worker *w);
/* A copy of every worker's results taken while they run (a checkpoint): each
 * worker adds its own into ACC on its own thread, under MU, so recording
 * stays lock-free; the last one calls DONE (on its thread, MU not held). */
struct fr_worker_snapshot {
	pthread_mutex_t mu;
	struct fr_results *acc;
	int pending; /* workers that have not added theirs yet; under MU */
	void (*done)(struct fr_worker_snapshot *snap);
	void *arg; /* for DONE */
};

/* Asks the worker to add its results into SNAP (which must live until it has). */
void fr_worker_snapshot(struct fr_worker *w, struct fr_worker_snapshot *snap);

/* Ends the thread, joins it and hands over its results (caller frees). */
struct fr_results *fr_worker_finish(struct fr_worker *w);

/* The p99 so far and the sample count, from the worker's live histogram, merged into H. */
void fr_worker_live_merge(struct fr_worker *w, struct fr_hist *h);

#endif
