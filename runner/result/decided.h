/* decided.h: early verdicts — whether an SLO window has failed whatever the rest of it brings.
 *
 * A run stops as soon as a window of an SLO with `abort: true` (or every SLO,
 * --abort-on-fail) is decided failed. Decided is a proof, never an estimate:
 * the samples already on the failing side of the threshold are more than the
 * largest window the plan allows could absorb. It has two halves:
 *
 *   - the counts (struct fr_decided_counts): requests and errors, and the
 *     samples of the SLO's series at or above two cuts (fr_decided_cuts).
 *     fr_hist_quantile reads a quantile as the highest value of its bucket,
 *     capped at the exact maximum, so a quantile fails `< T` exactly when the
 *     samples at or above the low bound of T's bucket (the cut) outnumber
 *     N − rank(N), and one sample at least reaches T itself (the edge);
 *   - the bound (fr_decided_upper): the most requests the SLO's keys can have
 *     recorded in the window when it is over, read off the timeline. Open
 *     model, uniform arrivals: the planned arrivals of the window (their times
 *     are fixed) minus the requests other keys of the scenario already took.
 *     Closed model with think time: a user cannot start two iterations less
 *     than the think time apart, so at most users × (remaining / think + 1)
 *     per segment, plus one iteration in flight per user. Once the window's
 *     time is over, only in-flight iterations remain (closed), and once the
 *     pass has drained, nothing. Where no exact bound exists — Poisson
 *     arrivals, closed users without think time while the window lasts, group
 *     steps (fan-out) — the bound is INFINITY until the pass drains.
 *
 * fr_decided_fail puts them together with the monotonicity of each statistic:
 * more samples at the threshold's good side is the best the future can do,
 * and the best of it is the bound. Everything here is pure; observe/tally.h
 * keeps the live counts and engine/gate.h judges them during a run.
 */
#ifndef FR_DECIDED_H
#define FR_DECIDED_H

#include <stddef.h>
#include <stdint.h>

#include "plan/plan.h"
#include "plan/timeline.h"
#include "result/results.h"

/* Whether SLO can be decided early: a client-side percentile, max, mean or
 * error_rate with an upper bound (< or <=) of the latency or service series. */
int fr_decided_supported(const struct fr_slo *slo);

/* The sample thresholds SLO counts from, in µs: samples at or above *CUT land
 * in buckets whose reported value fails the threshold; samples at or above
 * *EDGE fail it themselves. Both -1 when the stat needs neither (error_rate,
 * mean). SERIES: the buckets of the time series (ivhist.h, what a sustained
 * SLO reads) rather than the verdict's histograms (hist.h). */
void fr_decided_cuts(const struct fr_slo *slo, int series, int64_t *cut, int64_t *edge);

/* What an SLO's keys recorded in a window so far. */
struct fr_decided_counts {
	uint64_t requests; /* any outcome */
	uint64_t errors;
	uint64_t cut;  /* samples of the series >= the cut */
	uint64_t edge; /* samples of the series >= the edge */
	uint64_t sum;  /* sum of the samples of the series, µs, clamped as histograms clamp */
};

/* Whether SLO fails whatever comes next, when at most UPPER requests (an
 * integer, or INFINITY) make up the window in the end. A window that can get
 * no sample at all (UPPER 0) fails for want of data. */
int fr_decided_fail(const struct fr_slo *slo, const struct fr_decided_counts *c, double upper);

/* Where samples are counted: the segments SEGS (of one pass) cut to the
 * offsets [FROM_US, TO_US) — a window is its segments whole, a sustained
 * SLO's position the stretch of its intervals. */
struct fr_decided_span {
	const int *segs;
	size_t nsegs;
	int64_t from_us, to_us;
};

/* The most requests the keys marked in SEL (one flag per key of KEYS) can have
 * recorded in span SP of TL when it is over, given REQUESTS (per key, the
 * requests recorded in SP so far, every key of the scenarios involved) at
 * absolute offset NOW_US, taken no earlier than NOW_US. DRAINED: the pass's
 * load is over, nothing more comes. INFINITY when no exact bound exists. */
double fr_decided_upper(const struct fr_timeline *tl, const struct fr_decided_span *sp, const struct fr_key *keys,
                        size_t nkeys, const unsigned char *sel, const uint64_t *requests, int64_t now_us, int drained);

#endif
