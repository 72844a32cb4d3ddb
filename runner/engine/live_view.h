/* live_view.h: the run as it goes, for the live page — a run plug-in that mirrors every worker's results.
 *
 * The workers record into results of their own without locks (results.h);
 * nothing else may read them while the run goes on. A struct fr_live plugs
 * into fr_run as a struct fr_run_hooks: on each worker thread a timer of the
 * worker's loop copies, once per LIVE_EVERY (500 ms), the worker's results
 * into a mirror of its own — the cells, and only the intervals of the series
 * that changed — under a lock the worker only *tries* (when a reader holds
 * it, the copy waits for the next tick: the load never waits for a reader).
 * The control thread's hook follows the timeline: the pass and its start,
 * each scenario's stage, the active faults, the end. Any thread may then ask
 * for a snapshot (the mirrors merged) and the progress.
 */
#ifndef FR_LIVE_VIEW_H
#define FR_LIVE_VIEW_H

#include <stdint.h>

#include "engine/run_hooks.h"
#include "result/results.h"

#define FR_LIVE_MAX_FAULTS 64 /* faults reported as active at once */

struct fr_live_view;

/* Where the run stands. */
struct fr_live_progress {
	int started;        /* the first pass has begun */
	int done;           /* the load has ended */
	int64_t elapsed_us; /* timeline offset of now (within the current pass) */
	int pass;           /* the current pass */
	const int *stage;   /* per scenario, the current stage index or -1 (valid until the next call) */
	int nfaults;        /* active faults */
	int faults[FR_LIVE_MAX_FAULTS];
};

/* A live view of a run of TL whose results count intervals of INTERVAL_US
 * (0: the default); TL must outlive it. Free with fr_live_view_free after
 * the run (the mirrors outlive the workers). */
struct fr_live_view *fr_live_view_create(const struct fr_timeline *tl, int64_t interval_us);
void fr_live_view_free(struct fr_live_view *v); /* accepts NULL */

/* The hooks to give fr_run; they live as long as V. */
const struct fr_run_hooks *fr_live_view_hooks(struct fr_live_view *v);

/* The results so far: every worker's mirror merged into new results
 * (caller frees with fr_results_free). */
struct fr_results *fr_live_view_snapshot(struct fr_live_view *v);

/* Where the run stands now, into *OUT. */
void fr_live_view_progress(struct fr_live_view *v, struct fr_live_progress *out);

#endif
