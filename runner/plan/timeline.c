/* timeline.c: the timeline's own operations — freeing it, finding the segment of an
 * offset, naming its action kinds (see timeline.h; compile.c builds timelines).
 */
#include "plan/timeline.h"

#include <stdlib.h>

/* Frees segments and windows first: they hold arrays of their own. */
void fr_timeline_free(struct fr_timeline *tl)
{
	if (!tl)
		return;
	for (size_t i = 0; i < tl->nsegs; i++) {
		free(tl->segs[i].stage);
		free(tl->segs[i].faults);
	}
	for (size_t i = 0; i < tl->nwindows; i++) {
		free(tl->windows[i].label);
		free(tl->windows[i].segs);
	}
	free(tl->segs);
	free(tl->windows);
	free(tl->actions);
	free(tl->pass_seg);
	free(tl);
}

/* Binary search: the engine asks for every sample it records. */
int fr_timeline_segment_at(const struct fr_timeline *tl, int pass, int64_t at_us)
{
	size_t lo = tl->pass_seg[pass], hi = tl->pass_seg[pass + 1];

	if (hi == lo)
		return -1;
	if (at_us < tl->segs[lo].start_us)
		return (int)lo;
	/* the last segment whose start is <= at_us */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (tl->segs[mid].start_us <= at_us)
			lo = mid;
		else
			hi = mid;
	}
	return (int)lo;
}

/* A table indexed by kind, "?" for anything out of range. */
const char *fr_timeline_action_name(enum fr_action_kind kind)
{
	static const char *const names[] = {
	        [FR_ACT_PASS] = "pass",
	        [FR_ACT_STAGE] = "stage",
	        [FR_ACT_FAULT_ON] = "fault-on",
	        [FR_ACT_FAULT_OFF] = "fault-off",
	        [FR_ACT_WINDOW_OPEN] = "window-open",
	        [FR_ACT_WINDOW_CLOSE] = "window-close",
	        [FR_ACT_STOP] = "stop",
	        [FR_ACT_END] = "end",
	};
	return kind <= FR_ACT_END ? names[kind] : "?";
}
