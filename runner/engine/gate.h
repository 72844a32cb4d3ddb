/* gate.h: the abort gate of a run — judges abort SLOs on the live tally while the load goes on.
 *
 * When a plan has SLOs with `abort: true`, fr_run creates a gate: a tally
 * (observe/tally.h) the workers record every request into, with the cuts of
 * those SLOs as its probes, and the windows to watch. The control thread asks
 * fr_gate_check at a bounded cadence (and once more when a pass has drained)
 * whether a window of the current pass is decided failed (result/decided.h) —
 * for a sustained SLO, whether a run of positions each decided breached is
 * already longer than its `sustained` (result/sustained.h); the first one
 * stops the run like a signal, with a verdict instead of an interruption.
 */
#ifndef FR_GATE_H
#define FR_GATE_H

#include <stdint.h>

#include "observe/tally.h"
#include "plan/timeline.h"

struct fr_gate;

/* A gate for TL's windows whose SLO has abort set (and is fr_decided_supported),
 * or NULL when there is none. INTERVAL_US: the run's time series interval
 * (0: the default), which a sustained SLO's positions are made of. */
struct fr_gate *fr_gate_create(const struct fr_timeline *tl, int64_t interval_us);
void fr_gate_free(struct fr_gate *g); /* accepts NULL */

/* The tally the workers record into. */
struct fr_tally *fr_gate_tally(struct fr_gate *g);

/* The first window of PASS decided failed at absolute offset NOW_US (taken
 * before the call), or -1. DRAINED: the pass's load is over. Only windows
 * that have started are judged. Control thread only. */
int fr_gate_check(struct fr_gate *g, int pass, int64_t now_us, int drained);

#endif
