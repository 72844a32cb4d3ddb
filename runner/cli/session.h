/* session.h: one run of `flowrun run` — everything it holds, in three steps.
 *
 * fr_session_open checks everything that can fail for reasons outside the
 * plan before the first request — the report files (created and probed),
 * the metrics port, the plan's Prometheus, Toxiproxy and the proxies the
 * faults need — and removes the leftovers of a crashed run, so a run never
 * starts only to be invalid or to lose its results. fr_session_run wires the
 * plug-ins (the wall-clock pass recorder, the fault executor, the WebSocket
 * driver) into the engine as run hooks, runs the timeline while writing a
 * checkpoint of the JSON result every --checkpoint seconds (outputs.h), and
 * reports — whatever happened after the first request, a failed setup or
 * teardown and a signal included: the terminal summary and the report files
 * (partial ones before the Prometheus wait), server-side SLOs from
 * Prometheus, the final report files, the verdicts on /metrics, the
 * Pushgateway push, then the linger. Every wait ends early on a signal.
 * fr_session_free releases what open acquired. The exit code follows
 * runner/cli/exit.h.
 */
#ifndef FR_SESSION_H
#define FR_SESSION_H

#include <signal.h>
#include <stdint.h>

#include "cli/exit.h"
#include "cli/outputs.h"
#include "engine/http_types.h"
#include "plan/plan.h"
#include "plan/timeline.h"
#include "plan/vars.h"

struct fr_session_opts {
	int threads;                     /* worker threads; 0: one per core */
	int quiet;                       /* no progress, no summary */
	int create_proxies;              /* create missing Toxiproxy proxies from the plan's proxies file */
	unsigned connections;            /* open-model in-flight cap (fr_run_opts.max_inflight) */
	uint64_t seed;                   /* 0: from the clock */
	int64_t interval_us;             /* the results' time series interval; 0: 1 s */
	enum fr_http_engine http_engine; /* --http-engine (or FLOWRUN_HTTP_ENGINE); 0: auto */
	int allow_saturated;             /* --allow-saturated */
	double checkpoint;               /* seconds between checkpoints of the JSON result; 0: none */
	int clean_all;                   /* --clean-leftovers: remove every flowrun toxic at start */
	const char *clean_run;           /* --clean-leftovers=RUN: also remove that run's toxics */
	const char *metrics_listen;
	const char *ui_listen; /* --ui: serve the live page there, or NULL */
	double metrics_wait;   /* seconds to wait for the first scrape; 0: none */
	double metrics_linger; /* seconds to serve after the run; < 0: the default */
	const char *pushgateway;
	struct fr_outputs outputs;
	/* one plan over N generators (plan/shard.h; NSHARDS 0: the whole plan):
	 * shard 0 alone drives the faults, every shard measures its clock
	 * against the target's before the common start */
	int shard;
	int nshards;
	int64_t start_at_unix_us;            /* --start-at (required with a shard) */
	int64_t start_grace_us;              /* --start-grace */
	const struct fr_varstore *pass_vars; /* --vars-from: setup ran once elsewhere */
	const char *baseline;                /* --baseline: a JSON result to compare this run with, or NULL */
	double tolerance;                    /* --tolerance for it; 0: the default */
};

struct fr_session;

/* Prepares a run of PLAN's timeline TL with id RUN_ID (all three must outlive
 * the session); STOP and HURRY are the flags signals raise (signals.h).
 * Returns FR_EXIT_OK and the session in *S_OUT, or the exit code after
 * printing why (then *S_OUT is NULL). */
enum fr_exit fr_session_open(const struct fr_session_opts *o, const struct fr_plan *plan, const struct fr_timeline *tl,
                             const char *run_id, volatile sig_atomic_t *stop, volatile sig_atomic_t *hurry,
                             struct fr_session **s_out);

/* Runs the load and reports; returns the run's exit code. */
enum fr_exit fr_session_run(struct fr_session *s);

/* Frees S and everything it holds (faults are already removed by then); accepts NULL. */
void fr_session_free(struct fr_session *s);

#endif
