/* sustained.h: sustained objectives — an SLO judged over sliding windows of the run's time series.
 *
 * An SLO with `over` is not judged over its whole window but over every
 * sliding stretch of `over` inside it, one interval of the time series
 * (result/timeseries.h) apart: the position ending at each interval boundary,
 * as an alerting rule sees it. Only the intervals lying wholly inside the
 * window (the union of its segments) count, in time order; a window holding
 * fewer intervals than `over` is one position of all of them. A position
 * whose statistic fails the threshold is a breach of one interval — its last;
 * consecutive failing positions make one breach, from the start of the
 * first one's last interval to the end of the last one's. The SLO fails when
 * its longest breach is longer than `sustained`.
 *
 * A position's statistic is read from the time series of the keys the SLO
 * reads: a percentile from their merged interval histograms (1/32 precision,
 * capped at the exact max), max from the exact maxima, error_rate from the
 * request and error counts. A position without samples is no breach.
 */
#ifndef FR_SUSTAINED_H
#define FR_SUSTAINED_H

#include <stddef.h>
#include <stdint.h>

#include "plan/plan.h"
#include "plan/timeline.h"
#include "result/timeseries.h"

struct fr_breach {
	size_t positions;   /* positions with samples */
	size_t breached;    /* of them, failing the threshold */
	int64_t longest_us; /* the longest breach (0: none) */
	int64_t start_us;   /* its start and end on the timeline */
	int64_t end_us;
	double worst; /* the value furthest on the failing side of any position */
};

/* The intervals of a series of INTERVAL_US (NINTERVALS of them) lying wholly
 * inside window W, in time order: a new array (caller frees), its length in
 * *N_OUT. */
size_t *fr_sustained_intervals(const struct fr_window *w, const struct fr_timeline *tl, int64_t interval_us,
                               size_t nintervals, size_t *n_out);

/* Intervals per position of window W on a series of INTERVAL_US: over / interval, at least 1. */
size_t fr_sustained_width(const struct fr_window *w, int64_t interval_us);

/* Judges window W of SLO on series S over the keys marked in SEL (NKEYS
 * flags). Returns 0 and fills OUT, or -1 when no position has a sample. */
int fr_sustained_judge(const struct fr_timeseries *s, const struct fr_timeline *tl, const struct fr_window *w,
                       const struct fr_slo *slo, const unsigned char *sel, size_t nkeys, struct fr_breach *out);

#endif
