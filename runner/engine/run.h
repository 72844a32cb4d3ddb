/* run.h: executes a compiled timeline — auth, setup, load on worker threads, teardown.
 *
 * fr_run checks that the target answers a TCP connect (preflight.h), logs in
 * once (auth), then for every sweep pass: puts the sweep value into the run's
 * variables, runs the setup requests, fires the pass's timeline actions at
 * their offsets from the pass start (the moment setup finished), and runs the
 * teardown. Load comes from one worker thread per core, each with its own
 * loop (loop.h) and its own results; users and arrivals are split across the
 * threads and the results merged at the end.
 *
 * HTTP scenarios (closed and open models) are driven here. Everything else
 * plugs in with a struct fr_run_hooks of its own (engine/run_hooks.h), given to
 * fr_run as a list: the fault executor reacts to actions on the control
 * thread, the WebSocket driver (ws_run.h) runs on every worker loop.
 *
 * Errors: fr_run returns an enum fr_run_status and, for a failure, a message
 * through ERR_OUT, as every fallible call of the engine does.
 */
#ifndef FR_RUN_H
#define FR_RUN_H

#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "engine/http_types.h"
#include "engine/run_hooks.h"
#include "plan/plan.h"
#include "plan/timeline.h"
#include "plan/vars.h"
#include "result/results.h"

#define FR_RUN_MAX_INFLIGHT 1024u /* default open-model in-flight limit per scenario */
#define FR_RUN_UNLIMITED    UINT_MAX
#define FR_RUN_PASS_GAP_US  2000000 /* with a common start, between one pass's end and the next one's start */

enum fr_run_status {
	FR_RUN_OK = 0,          /* completed (results->invalid_reason may still be set) */
	FR_RUN_UNREACHABLE = 1, /* the target refused the preflight connect: nothing was sent */
	FR_RUN_INTERRUPTED = 2, /* *stop was set: results up to then are returned */
	FR_RUN_FAILED = 3,      /* auth, setup or teardown failed, a hook failed to start, or no thread:
	                         * results up to then are returned, with failed_reason set */
	FR_RUN_ABORTED = 4,     /* an abort SLO was decided failed: results up to then are returned,
	                         * with results->aborted set */
};

struct fr_metrics;

struct fr_run_opts {
	int threads;    /* worker threads; 0: the number of cores */
	int quiet;      /* no progress output */
	FILE *progress; /* where progress goes (stderr when NULL) */
	const char *run_id;
	volatile sig_atomic_t *stop;             /* set by a signal handler: stop at once */
	unsigned max_inflight;                   /* open model: requests in flight per scenario beyond
	                                          * which arrivals queue in flowrun (latency still
	                                          * counts from the intended time); 0: the default,
	                                          * FR_RUN_MAX_INFLIGHT; FR_RUN_UNLIMITED: none */
	uint64_t seed;                           /* random seed; 0: from the clock */
	const struct fr_run_hooks *const *hooks; /* the plug-ins, called in this order */
	size_t nhooks;
	int64_t interval_us;             /* the results' time series interval; 0: 1 s */
	struct fr_metrics *metrics;      /* live metrics (--metrics-listen), or NULL: every
	                                  * HTTP sample, the level gauges of every action,
	                                  * the pass starts and the run end are reported */
	enum fr_http_engine http_engine; /* which HTTP path carries requests; 0: auto */
	/* one plan over N generators (plan/shard.h): this run is shard SHARD of
	 * NSHARDS (0 or 1: the whole plan); worker thread t is lane
	 * SHARD + NSHARDS·t of NSHARDS·threads, and the level gauges show this
	 * shard's share */
	int shard;
	int nshards;
	int64_t start_at_unix_us;            /* a common start: pass p begins at START_AT + p·(pass
	                                      * length + FR_RUN_PASS_GAP_US), wall clock; 0: when ready */
	int64_t start_grace_us;              /* ready later than START_AT + this: the run is late
	                                      * and sends no load */
	const struct fr_varstore *pass_vars; /* per pass, the setup captures made once
	                                      * elsewhere (flowrun setup): setup and
	                                      * teardown are skipped; NULL: run them */
	int allow_saturated;                 /* saturated windows' latency verdicts stand (marked), the
	                                      * run is not invalid for it (results->health) */
	/* Checkpoints: once the target answered the preflight (nothing measured
	 * yet), then every CHECKPOINT_S seconds from the start of the load, the
	 * workers' results so far (partial set) are handed to CHECKPOINT on the
	 * control thread; it must not keep them. NULL or 0: none. */
	void (*checkpoint)(const struct fr_results *snapshot, void *arg);
	void *checkpoint_arg;
	double checkpoint_s;
};

/* Runs PLAN's timeline TL. On return *results_out holds the merged results
 * (caller frees with fr_results_free) of everything since the first request,
 * whatever the status, and is NULL only when nothing was sent
 * (FR_RUN_UNREACHABLE, or no event loop); see enum fr_run_status for the
 * return value. For FR_RUN_UNREACHABLE and FR_RUN_FAILED, *ERR_OUT (caller
 * frees) says why: "target http://… is unreachable: Connection refused",
 * "auth failed: …", "teardown failed: GET /missing: HTTP 404"; for
 * FR_RUN_FAILED the results carry the same in failed_reason, with the phase
 * and pass it happened in. */
int fr_run(const struct fr_plan *plan, const struct fr_timeline *tl, const struct fr_run_opts *opts,
           struct fr_results **results_out, char **err_out);

/* With ENGINE FR_HTTP_LEAN, whether the lean path can send every load
 * request of PLAN (scenario requests, group steps, WebSocket publishes):
 * returns 0, or -1 with *ERR_OUT (caller frees) naming the first it cannot:
 * "--http-engine lean cannot send c/ok: https:// needs libcurl". Auth,
 * setup and teardown requests are not load: they go through libcurl when
 * they must. Other engines always pass. */
int fr_run_check_engine(const struct fr_plan *plan, enum fr_http_engine engine, char **err_out);

/* The wall-clock start of pass PASS of a run with a common start (OPTS->start_at_unix_us):
 * passes are spaced by the pass length plus FR_RUN_PASS_GAP_US, the same on
 * every shard, for the last requests of a pass to answer and the next pass's
 * setup (unless given) to run; a shard not ready by then starts the pass
 * late, and its load of that pass is timed from the planned start. */
int64_t fr_run_pass_start_unix_us(const struct fr_run_opts *opts, const struct fr_timeline *tl, int pass);

/* Why a run is invalid (caller frees), or NULL when it is valid: open-model
 * sends below 99 % of the plan over LOAD_US ("achieved 4,210/s of 5,000/s
 * planned (84.2 %)"). fr_run sets results->invalid_reason with it. A
 * generator too busy or too late to measure is not judged here but per SLO
 * window (result/health.h), so that only the verdicts it spoils are. */
char *fr_run_invalid_reason(uint64_t planned, uint64_t sent, int64_t load_us);

#endif
