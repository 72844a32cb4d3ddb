/* timeline.h: the compiled plan — actions at absolute offsets and the segments they cut.
 *
 * compile.h turns a checked plan into a timeline without any I/O. A run is one
 * pass per sweep value (one pass without a sweep); every pass has the same
 * length and passes follow each other, so pass p starts at p * pass_us. The
 * runner re-bases each pass on the moment its setup finished, so offsets are
 * exact within a pass and the totals are exact for the whole run.
 *
 * The boundaries of all actions cut each pass into segments. A sample is
 * recorded into the histogram of (series, segment); every SLO window is a set
 * of segments decided here (fr_window.segs), so evaluating a window is a merge
 * of histograms, never a filter over samples.
 *
 * The timeline owns copies of everything it needs from the plan except the
 * plan's request and scenario structs, which it points into: free the
 * timeline before the plan.
 */
#ifndef FR_TIMELINE_H
#define FR_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

#include "plan/plan.h"

enum fr_action_kind {
	FR_ACT_PASS,      /* a sweep pass starts: setup runs (untimed) */
	FR_ACT_STAGE,     /* a scenario's level changes: users, rate or viewers */
	FR_ACT_FAULT_ON,  /* add the toxic (or disable the proxy) */
	FR_ACT_FAULT_OFF, /* remove it */
	FR_ACT_WINDOW_OPEN,
	FR_ACT_WINDOW_CLOSE,
	FR_ACT_STOP, /* a scenario ends: level 0 */
	FR_ACT_END,  /* the pass ends: teardown runs */
};

struct fr_action {
	int64_t at_us; /* absolute offset from the start of the run */
	enum fr_action_kind kind;
	int pass;     /* sweep pass, 0 without a sweep */
	int scenario; /* index into plan->scenarios, or -1 */
	int stage;    /* index into that scenario's stages, or -1 */
	int fault;    /* index into plan->faults.items, or -1 */
	int window;   /* index into timeline->windows, or -1 */
	double level; /* FR_ACT_STAGE: users, rate/s or viewers */
	double from;  /* FR_ACT_STAGE: the level before */
};

/* A stretch of a pass during which nothing changes. */
struct fr_segment {
	int64_t start_us; /* absolute */
	int64_t end_us;
	int pass;
	int *stage;  /* per scenario: the active stage index, -1 when idle */
	int nfaults; /* faults active throughout this segment */
	int *faults; /* their indices */
};

/* One SLO evaluation window: an SLO with during: each-stage yields one per
 * stage, and every window is repeated per pass under a sweep. */
struct fr_window {
	int slo; /* index into plan->slos */
	int pass;
	int scenario;     /* each-stage: the scenario, else -1 */
	int stage;        /* each-stage: the stage index, else -1 */
	char *label;      /* "run", "stage:ramp-50", "fault:redis-latency", "after-faults+10s" … */
	int64_t start_us; /* first and last offset covered, for reports */
	int64_t end_us;
	int *segs; /* the segments whose union is the window */
	size_t nsegs;
	int64_t over_us; /* the SLO's over and sustained, scaled (0: not set) */
	int64_t sustained_us;
};

struct fr_totals {
	int64_t duration_us;     /* whole run, all passes */
	double planned_requests; /* open models: sum of rate × duration */
	double planned_events;   /* websocket publishes */
	double peak_users;
	double peak_viewers;
	size_t fault_windows; /* fault occurrences, all passes */
	int64_t fault_us;     /* their total length in one pass */
	size_t slos;
};

struct fr_timeline {
	const struct fr_plan *plan;
	double time_scale;
	int64_t pass_us; /* the length of one pass */
	int npasses;
	struct fr_action *actions; /* sorted by at_us, then kind, then index */
	size_t nactions;
	struct fr_segment *segs; /* sorted, contiguous within a pass */
	size_t nsegs;
	size_t *pass_seg; /* npasses + 1 entries: pass p owns segs [pass_seg[p], pass_seg[p+1]) */
	struct fr_window *windows;
	size_t nwindows;
	struct fr_totals totals;
};

/* Frees a timeline (not the plan it points into); accepts NULL. */
void fr_timeline_free(struct fr_timeline *tl);

/* The segment of PASS that contains offset AT_US (absolute), by binary
 * search; the last segment of the pass for offsets at or past its end. */
int fr_timeline_segment_at(const struct fr_timeline *tl, int pass, int64_t at_us);

/* The name of an action kind in `flowrun plan` output: "stage", "fault-on" … */
const char *fr_timeline_action_name(enum fr_action_kind kind);

#endif
