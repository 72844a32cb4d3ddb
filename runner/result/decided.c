/* decided.c: the counts, the bound and the rule of an early verdict (see decided.h).
 *
 * Every rule below reads the final verdict's own arithmetic backwards: what
 * slo.c computes from the merged histograms (hist.c's nearest-rank quantile
 * capped at the exact maximum, the exact maximum, the mean of the clamped
 * samples, errors / requests) is monotonic in the samples still to come, so
 * the best case for the SLO is the bound filled with samples on its good
 * side. If even that fails, the window fails.
 */
#include "result/decided.h"

#include <math.h>

#include "result/hist.h"
#include "result/ivhist.h"

/* Whether SLO's comparator bounds from above. */
static int upper_bound(const struct fr_slo *slo)
{
	return slo->cmp == FR_CMP_LT || slo->cmp == FR_CMP_LE;
}

/* Only statistics flowrun counts itself, bounded from above, have a worst case to prove. */
int fr_decided_supported(const struct fr_slo *slo)
{
	if (slo->metric || !upper_bound(slo))
		return 0;
	if (slo->series != FR_SERIES_LATENCY && slo->series != FR_SERIES_SERVICE)
		return 0;
	switch (slo->stat) {
	case FR_STAT_QUANTILE: return slo->quantile > 0 && slo->quantile < 1;
	case FR_STAT_MAX:
	case FR_STAT_MEAN:
	case FR_STAT_ERROR_RATE: return 1;
	default: return 0;
	}
}

/* The edge is the smallest whole µs that fails the threshold itself: ceil(T)
 * for <, floor(T) + 1 for <=; the cut is the low bound of its bucket. */
void fr_decided_cuts(const struct fr_slo *slo, int series, int64_t *cut, int64_t *edge)
{
	*cut = *edge = -1;
	if (slo->stat != FR_STAT_QUANTILE && slo->stat != FR_STAT_MAX)
		return;
	double e = slo->cmp == FR_CMP_LE ? floor(slo->threshold) + 1 : ceil(slo->threshold);
	if (e < 0)
		e = 0;
	if (e > (double)FR_HIST_MAX_US) {
		/* samples are clamped to the maximum: none can fail */
		*cut = *edge = INT64_MAX;
		return;
	}
	*edge = (int64_t)e;
	if (slo->stat == FR_STAT_QUANTILE)
		*cut = series ? fr_ivhist_bucket_low(fr_ivhist_bucket_of(*edge)) : fr_hist_bucket_low(*edge);
}

/* Whether VALUE fails the threshold of SLO. */
static int fails(const struct fr_slo *slo, double value)
{
	return !fr_cmp_holds(slo->cmp, value, slo->threshold);
}

/* The best case is UPPER requests, all the new ones fast and successful. */
int fr_decided_fail(const struct fr_slo *slo, const struct fr_decided_counts *c, double upper)
{
	if (!fr_decided_supported(slo))
		return 0;
	if (upper <= 0)
		return 1; /* no sample can come: the window fails for want of data */
	switch (slo->stat) {
	case FR_STAT_ERROR_RATE:
		/* errors can only grow; the rate is lowest with every new request a success */
		return fails(slo, (double)c->errors / upper);
	case FR_STAT_MEAN:
		/* the sum can only grow; the mean is lowest with every new sample at 0 */
		return fails(slo, (double)c->sum / upper);
	case FR_STAT_MAX: return c->edge > 0;
	case FR_STAT_QUANTILE:
		if (isinf(upper) || upper > 9007199254740992.0 || !c->edge)
			return 0;
		/* with N samples in the end, the quantile fails when fewer than
		 * rank(N) lie below the cut; N − rank(N) never decreases with N
		 * (rank grows by at most one per sample), so N = upper is the best case */
		uint64_t n = (uint64_t)upper;
		return c->cut > n - fr_hist_rank(slo->quantile, n);
	default: return 0;
	}
}

/* Segment I of span SP cut to the span: [*A, *B); 0 when nothing is left. */
static int cut_segment(const struct fr_timeline *tl, const struct fr_decided_span *sp, size_t i, int64_t *a, int64_t *b)
{
	const struct fr_segment *seg = &tl->segs[sp->segs[i]];
	*a = seg->start_us > sp->from_us ? seg->start_us : sp->from_us;
	*b = seg->end_us < sp->to_us ? seg->end_us : sp->to_us;
	return *b > *a;
}

/* The most requests scenario SC's top-level keys can still record in span SP:
 * the open model's planned arrivals, the closed model's iterations. OTHERS:
 * what its unselected top-level keys took; MINE: its selected ones. */
static double scenario_more(const struct fr_timeline *tl, const struct fr_decided_span *sp, int sc, int64_t now_us,
                            uint64_t mine, uint64_t others)
{
	const struct fr_scenario *s = &tl->plan->scenarios[sc];
	double more = 0;

	if (s->model == FR_MODEL_OPEN) {
		if (s->arrival == FR_ARRIVAL_POISSON)
			return INFINITY; /* exponential gaps have no lower bound */
		/* arrival times t0 + j / rate are one period apart: a stretch of
		 * length L holds at most L × rate + 1 of them, one more covers the
		 * rounding of times to whole µs */
		double planned = 0;
		for (size_t i = 0; i < sp->nsegs; i++) {
			int st = tl->segs[sp->segs[i]].stage[sc];
			int64_t a, b;
			if (st >= 0 && s->stages[st].level > 0 && cut_segment(tl, sp, i, &a, &b))
				planned += floor((double)(b - a) * s->stages[st].level / 1e6) + 2;
		}
		if (planned < (double)(mine + others))
			return INFINITY; /* cannot happen; never prove anything from a broken bound */
		return planned - (double)(mine + others);
	}
	if (s->model != FR_MODEL_CLOSED)
		return INFINITY;
	double peak = 0;
	for (size_t i = 0; i < s->nstages; i++)
		if (ceil(s->stages[i].level) > peak)
			peak = ceil(s->stages[i].level);
	more = peak; /* one iteration in flight (or due) per user, from before NOW */
	for (size_t i = 0; i < sp->nsegs; i++) {
		int st = tl->segs[sp->segs[i]].stage[sc];
		int64_t a, b;
		if (st < 0 || s->stages[st].level <= 0 || !cut_segment(tl, sp, i, &a, &b) || b <= now_us)
			continue;
		if (s->think_us <= 0)
			return INFINITY; /* back-to-back iterations have no lower bound on their length */
		a = a > now_us ? a : now_us;
		more += ceil(s->stages[st].level) * (floor((double)(b - a) / (double)s->think_us) + 1);
	}
	return more;
}

/* Sums the recorded requests, then adds each involved scenario's most. */
double fr_decided_upper(const struct fr_timeline *tl, const struct fr_decided_span *sp, const struct fr_key *keys,
                        size_t nkeys, const unsigned char *sel, const uint64_t *requests, int64_t now_us, int drained)
{
	double upper = 0;

	for (size_t k = 0; k < nkeys; k++)
		if (sel[k])
			upper += (double)requests[k];
	if (drained)
		return upper;
	for (size_t sc = 0; sc < tl->plan->nscenarios; sc++) {
		uint64_t mine = 0, others = 0;
		int involved = 0;
		for (size_t k = 0; k < nkeys; k++) {
			if (keys[k].scenario != (int)sc)
				continue;
			if (sel[k]) {
				if (keys[k].parent >= 0 || !keys[k].request)
					return INFINITY; /* steps fan out; websocket keys are not requests */
				involved = 1;
				mine += requests[k];
			} else if (keys[k].request && keys[k].parent < 0) {
				others += requests[k];
			}
		}
		if (!involved)
			continue;
		double more = scenario_more(tl, sp, (int)sc, now_us, mine, others);
		if (isinf(more))
			return INFINITY;
		upper += more;
	}
	return upper;
}
