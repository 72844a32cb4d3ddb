/* sustained.c: the intervals of a window, the statistic of each sliding position, the longest breach (see sustained.h).
 */
#include "result/sustained.h"

#include <stdlib.h>

#include "result/ivdense.h"
#include "util/xmalloc.h"

/* Contiguous segments of a window are one stretch: an interval may straddle
 * their boundary but not a gap. */
size_t *fr_sustained_intervals(const struct fr_window *w, const struct fr_timeline *tl, int64_t interval_us,
                               size_t nintervals, size_t *n_out)
{
	size_t n = 0, cap = 0;
	size_t *out = NULL;
	for (size_t i = 0; i < w->nsegs && interval_us > 0;) {
		int64_t a = tl->segs[w->segs[i]].start_us, b = tl->segs[w->segs[i]].end_us;
		for (i++; i < w->nsegs && tl->segs[w->segs[i]].start_us == b; i++)
			b = tl->segs[w->segs[i]].end_us;
		for (int64_t iv = (a + interval_us - 1) / interval_us; (iv + 1) * interval_us <= b; iv++) {
			if ((size_t)iv >= nintervals)
				break;
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				out = xreallocarray(out, cap, sizeof *out);
			}
			out[n++] = (size_t)iv;
		}
	}
	*n_out = n;
	return out;
}

/* Whole intervals only: the CLI refuses an over that is not a multiple. */
size_t fr_sustained_width(const struct fr_window *w, int64_t interval_us)
{
	int64_t k = interval_us > 0 ? w->over_us / interval_us : 1;
	return k < 1 ? 1 : (size_t)k;
}

/* The merged state of the intervals of one position, kept as the position
 * slides: bucket counts, requests and errors, and a deque of intervals whose
 * maximum may still be the position's (decreasing maxima), so each step costs
 * the buckets of the interval that enters and of the one that leaves,
 * whatever the width. */
struct slide {
	struct fr_ivdense dense;
	uint64_t requests, errors;
	size_t *dq; /* positions in IV of candidate maxima */
	size_t head, tail;
	uint64_t *max; /* per interval of IV: the largest sample of the keys */
};

/* Adds (SIGN 1) or removes (-1) interval IV of the keys in SEL. */
static void slide_interval(struct slide *sl, const struct fr_timeseries *s, const unsigned char *sel, size_t nkeys,
                           size_t iv, int sign)
{
	for (size_t key = 0; key < nkeys; key++) {
		if (!sel[key])
			continue;
		const struct fr_iv *x = fr_timeseries_get(s, (int)key, iv);
		uint64_t r = fr_timeseries_requests(x), e = fr_timeseries_errors(x);
		sl->requests = sign > 0 ? sl->requests + r : sl->requests - r;
		sl->errors = sign > 0 ? sl->errors + e : sl->errors - e;
		fr_ivdense_add(&sl->dense, &x->latency, sign);
	}
}

/* The statistic of SLO over the position's intervals into *V; 0, or -1 when
 * they hold no sample. */
static int position_value(const struct slide *sl, const struct fr_slo *slo, uint64_t max, double *v)
{
	if (slo->stat == FR_STAT_ERROR_RATE) {
		*v = sl->requests ? (double)sl->errors / (double)sl->requests : 0;
		return sl->requests ? 0 : -1;
	}
	if (!sl->dense.total)
		return -1;
	*v = slo->stat == FR_STAT_MAX ? (double)max
	                              : (double)fr_ivdense_quantile(&sl->dense, slo->quantile, (int64_t)max);
	return 0;
}

/* The largest sample of interval IV over the keys in SEL (0 when none). */
static uint64_t interval_max(const struct fr_timeseries *s, const unsigned char *sel, size_t nkeys, size_t iv)
{
	uint64_t m = 0;
	for (size_t key = 0; key < nkeys; key++) {
		const struct fr_iv *x = fr_timeseries_get(s, (int)key, iv);
		if (sel[key] && fr_ivhist_count(&x->latency) && x->latency.max_us > m)
			m = x->latency.max_us;
	}
	return m;
}

/* Moves the sliding maximum to intervals [P, P + K) of N: drops what left,
 * admits interval P + K − 1. */
static uint64_t slide_max(struct slide *sl, size_t p, size_t k)
{
	size_t j = p + k - 1;
	while (sl->tail > sl->head && sl->max[sl->dq[sl->tail - 1]] <= sl->max[j])
		sl->tail--;
	sl->dq[sl->tail++] = j;
	while (sl->dq[sl->head] < p)
		sl->head++;
	return sl->max[sl->dq[sl->head]];
}

/* Whether A is further than B on the failing side of SLO's threshold. */
static int worse(const struct fr_slo *slo, double a, double b)
{
	return slo->cmp == FR_CMP_LT || slo->cmp == FR_CMP_LE ? a > b : a < b;
}

/* One pass over the positions, keeping the current run of breaches. */
int fr_sustained_judge(const struct fr_timeseries *s, const struct fr_timeline *tl, const struct fr_window *w,
                       const struct fr_slo *slo, const unsigned char *sel, size_t nkeys, struct fr_breach *out)
{
	size_t n, k = fr_sustained_width(w, s->interval_us);
	size_t *iv = fr_sustained_intervals(w, tl, s->interval_us, s->nintervals, &n);
	*out = (struct fr_breach){0};
	if (k > n)
		k = n; /* a window shorter than over: one position of all of it */
	size_t npos = n ? n - k + 1 : 0, run = 0, first = 0;
	struct slide *sl = xcalloc(1, sizeof *sl);
	sl->dq = xcalloc(n ? n : 1, sizeof *sl->dq);
	sl->max = xcalloc(n ? n : 1, sizeof *sl->max);
	for (size_t j = 0; j < n; j++)
		sl->max[j] = interval_max(s, sel, nkeys, iv[j]);
	for (size_t j = 0; j + 1 < k; j++) {
		slide_interval(sl, s, sel, nkeys, iv[j], 1);
		slide_max(sl, 0, j + 1);
	}
	for (size_t p = 0; p < npos; p++) {
		double v;
		int breach = 0;
		if (p > 0)
			slide_interval(sl, s, sel, nkeys, iv[p - 1], -1);
		slide_interval(sl, s, sel, nkeys, iv[p + k - 1], 1);
		if (position_value(sl, slo, slide_max(sl, p, k), &v) == 0) {
			if (!out->positions++ || worse(slo, v, out->worst))
				out->worst = v;
			breach = !fr_cmp_holds(slo->cmp, v, slo->threshold);
		}
		if (!breach) {
			run = 0;
			continue;
		}
		out->breached++;
		if (!run++)
			first = p;
		if ((int64_t)run * s->interval_us > out->longest_us) {
			out->longest_us = (int64_t)run * s->interval_us;
			out->start_us = (int64_t)iv[first + k - 1] * s->interval_us;
			out->end_us = (int64_t)(iv[p + k - 1] + 1) * s->interval_us;
		}
	}
	free(sl->dq);
	free(sl->max);
	free(sl);
	free(iv);
	return out->positions ? 0 : -1;
}
