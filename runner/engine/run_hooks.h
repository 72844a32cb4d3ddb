/* run_hooks.h: how a plug-in follows a run of a timeline — the hooks fr_run calls.
 *
 * The run engine (engine/run.h) executes a timeline; anything else that must
 * act at the timeline's moments plugs in with one struct fr_run_hooks of its
 * own, and fr_run takes a list of them. The fault executor (chaos/faults.h)
 * switches faults from the control thread, the WebSocket viewer driver
 * (engine/ws_run.h) runs on every worker thread's loop, and the CLI notes the
 * wall-clock start of each pass. Hooks are called in list order; a member
 * left NULL is skipped.
 *
 * The chaos layer sits above the engine and fills one of these for its fault
 * executor; struct fr_worker_info, what a worker hook gets, is defined by
 * engine/worker.h: only drivers inside the engine use the worker hooks.
 */
#ifndef FR_RUN_HOOKS_H
#define FR_RUN_HOOKS_H

#include <stdint.h>

#include "plan/timeline.h"

struct fr_worker_info;

struct fr_run_hooks {
	void *arg; /* given to on_start, on_action, on_stop and worker_start */
	/* Control thread, once before load (T0_NS: the first pass's start,
	 * monotonic ns); non-zero fails the run, and the hooks after this one in
	 * the list are not started. */
	int (*on_start)(int64_t t0_ns, void *arg);
	/* Control thread, at every action's time (faults, windows, passes). */
	void (*on_action)(const struct fr_action *act, void *arg);
	/* Control thread, once after load (also after an interruption), for
	 * every hook that was started: its on_start returned, even non-zero, or
	 * it has none. Not called when the run failed before load began. */
	void (*on_stop)(void *arg);
	/* Worker thread, when its loop exists; returns this hook's thread state.
	 * worker_action and worker_stop are only called when that is not NULL. */
	void *(*worker_start)(const struct fr_worker_info *w, void *arg);
	/* Worker thread, at the time of each action of a websocket scenario (STAGE,
	 * STOP) and of FR_ACT_PASS / FR_ACT_END; PASS_T0_NS is the pass start. */
	void (*worker_action)(void *state, const struct fr_action *act, int64_t pass_t0_ns);
	/* Worker thread, after the load stopped and before the loop is freed. */
	void (*worker_stop)(void *state);
};

#endif
