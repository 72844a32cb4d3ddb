/* run.h: executes a compiled timeline — auth, setup, load on worker threads, teardown.
 *
 * fr_run checks that the target answers a TCP connect, logs in once (auth),
 * then for every sweep pass: puts the sweep value into the run's variables,
 * runs the setup requests, fires the pass's timeline actions at their offsets
 * from the pass start (the moment setup finished), and runs the teardown.
 * Load comes from one worker thread per core, each with its own loop
 * (loop.h) and its own results; users and arrivals are split across the
 * threads and the results merged at the end.
 *
 * HTTP scenarios (closed and open models) are driven here. Other modules plug
 * in through struct fr_run_hooks: faults react to actions on the control
 * thread (on_action), the WebSocket driver gets a per-thread state on each
 * worker loop (worker_start) and the actions of its scenarios there
 * (worker_action).
 */
#ifndef FR_RUN_H
#define FR_RUN_H

#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "engine/http.h"
#include "engine/loop.h"
#include "plan/plan.h"
#include "result/results.h"
#include "plan/timeline.h"
#include "plan/vars.h"

#define FR_RUN_MAX_INFLIGHT 1024u /* default open-model in-flight limit per scenario */
#define FR_RUN_UNLIMITED    UINT_MAX

enum fr_run_status {
	FR_RUN_OK = 0,          /* completed (results->invalid_reason may still be set) */
	FR_RUN_UNREACHABLE = 1, /* the target refused the preflight connect: exit 3 */
	FR_RUN_INTERRUPTED = 2, /* *stop was set: results up to then are returned */
	FR_RUN_FAILED = 3,      /* auth or setup failed, a hook failed, or no loop: exit 4 */
};

/* What a WebSocket (or any other) driver gets on each worker thread. */
struct fr_metrics;

struct fr_worker_info {
	struct fr_loop *loop;
	int thread; /* 0 .. nthreads-1: take this share of the load */
	int nthreads;
	struct fr_results *results; /* this thread's results (record without locks) */
	const struct fr_timeline *tl;
	const struct fr_http_target *target;
	const struct fr_varstore *vars; /* run variables: auth captures, sweep value (read only) */
	uint64_t seed;                  /* for this thread's random state */
};

struct fr_run_hooks {
	void *arg;
	/* Control thread, once before load (t0: the first pass's start, monotonic ns);
	 * non-zero stops the run with FR_RUN_FAILED. */
	int (*on_start)(int64_t t0_ns, void *arg);
	/* Control thread, at every action's time (faults, windows, passes). */
	void (*on_action)(const struct fr_action *act, void *arg);
	/* Control thread, once after load (also after an interruption). */
	void (*on_stop)(void *arg);
	/* Worker thread, when its loop exists; returns the driver's thread state. */
	void *(*worker_start)(const struct fr_worker_info *w, void *arg);
	/* Worker thread, at the time of each action of a websocket scenario (STAGE,
	 * STOP) and of FR_ACT_PASS / FR_ACT_END; PASS_T0_NS is the pass start. */
	void (*worker_action)(void *state, const struct fr_action *act, int64_t pass_t0_ns);
	/* Worker thread, after the load stopped and before the loop is freed. */
	void (*worker_stop)(void *state);
};

struct fr_run_opts {
	int threads;    /* worker threads; 0: the number of cores */
	int quiet;      /* no progress output */
	FILE *progress; /* where progress goes (stderr when NULL) */
	const char *run_id;
	volatile sig_atomic_t *stop;      /* set by a signal handler: stop at once */
	unsigned max_inflight;            /* open model: requests in flight per scenario beyond
	                                   * which arrivals queue in flowrun (latency still
	                                   * counts from the intended time); 0: the default,
	                                   * FR_RUN_MAX_INFLIGHT; FR_RUN_UNLIMITED: none */
	uint64_t seed;                    /* random seed; 0: from the clock */
	const struct fr_run_hooks *hooks; /* may be NULL */
	struct fr_metrics *metrics;       /* live metrics (--metrics-listen), or NULL: every
	                                   * HTTP sample, the level gauges of every action,
	                                   * the pass starts and the run end are reported */
	char *errbuf;                     /* message for a non-zero status ("target … is unreachable: …") */
	size_t errlen;
};

/* Runs PLAN's timeline TL. On return *results_out holds the merged results
 * (caller frees with fr_results_free) for FR_RUN_OK and FR_RUN_INTERRUPTED,
 * and is NULL otherwise; see enum fr_run_status for the return value. */
int fr_run(const struct fr_plan *plan, const struct fr_timeline *tl, const struct fr_run_opts *opts,
           struct fr_results **results_out);

/* Why a run is invalid (caller frees), or NULL when it is valid: open-model
 * sends below 99 % of the plan over LOAD_US ("achieved 4,210/s of 5,000/s
 * planned (84.2 %)"), or a scheduler lag p99 above 5 ms ("scheduler lag p99
 * 12.3ms exceeds 5ms"). fr_run sets results->invalid_reason with it. */
char *fr_run_invalid_reason(uint64_t planned, uint64_t sent, int64_t load_us, int64_t lag_p99_us);

/* Checks that BASE_URL's host:port accepts a TCP connection within
 * TIMEOUT_MS. Returns 0, or -1 with the reason ("Connection refused") in ERRBUF. */
int fr_run_preflight(const char *base_url, int timeout_ms, char *errbuf, size_t errlen);

#endif
