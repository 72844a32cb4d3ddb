/* timeseries.c: per-interval counts, histograms and gauges of a run (see timeseries.h).
 *
 * The key × interval array is one calloc: the kernel maps its pages on first
 * write, so a plan whose keys are idle for most of the run (a sweep pass, a
 * late stage) only pays for the intervals it touched. Gauges are stored as
 * value + 1 so that "not set in this interval" (0) can be told from "set to
 * zero"; fr_timeseries_seal fills the gaps with the value carried forward.
 */
#include "result/timeseries.h"

#include <stdlib.h>
#include <string.h>

#include "util/xmalloc.h"

/* Creates an empty series; the interval is lengthened when the count would be too high. */
struct fr_timeseries *fr_timeseries_create(size_t nkeys, size_t nscenarios, int64_t duration_us, int64_t interval_us)
{
	struct fr_timeseries *s = xcalloc(1, sizeof *s);
	if (interval_us <= 0)
		interval_us = FR_TIMESERIES_INTERVAL_US;
	if (duration_us < 1)
		duration_us = 1;
	while ((duration_us + interval_us - 1) / interval_us > FR_TIMESERIES_MAX_INTERVALS)
		interval_us *= 2;
	s->interval_us = interval_us;
	s->nintervals = (size_t)((duration_us + interval_us - 1) / interval_us);
	s->nkeys = nkeys;
	s->nscenarios = nscenarios;
	s->iv = xcalloc(nkeys * s->nintervals + 1, sizeof *s->iv);
	s->gauge = xcalloc(nscenarios * s->nintervals + 1, sizeof *s->gauge);
	s->last = xcalloc(nscenarios * s->nintervals + 1, sizeof *s->last);
	s->dirty_lo = 1;
	s->dirty_hi = 0;
	return s;
}

/* Frees a series and its histograms. */
void fr_timeseries_free(struct fr_timeseries *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nkeys * s->nintervals; i++)
		fr_ivhist_clear(&s->iv[i].latency);
	free(s->iv);
	free(s->gauge);
	free(s->last);
	free(s);
}

/* The interval of an offset, clamped to the series. */
size_t fr_timeseries_interval(const struct fr_timeseries *s, int64_t at_us)
{
	if (at_us < 0)
		return 0;
	size_t i = (size_t)(at_us / s->interval_us);
	return i < s->nintervals ? i : s->nintervals - 1;
}

/* The data of KEY in interval I, for writing: the interval becomes dirty. */
struct fr_iv *fr_timeseries_at(struct fr_timeseries *s, int key, size_t i)
{
	if (s->dirty_lo > s->dirty_hi)
		s->dirty_lo = s->dirty_hi = i;
	else if (i < s->dirty_lo)
		s->dirty_lo = i;
	else if (i > s->dirty_hi)
		s->dirty_hi = i;
	return &s->iv[(size_t)key * s->nintervals + i];
}

/* The data of KEY in interval I, read only. */
const struct fr_iv *fr_timeseries_get(const struct fr_timeseries *s, int key, size_t i)
{
	return &s->iv[(size_t)key * s->nintervals + i];
}

/* The last gauge value at flat index I (scenario row included), searching back
 * within the scenario's row for the interval that set it. */
static uint32_t gauge_last_flat(const struct fr_timeseries *s, size_t row, size_t i)
{
	for (size_t j = i + 1; j-- > row;)
		if (s->last[j])
			return s->last[j] - 1;
	return 0;
}

/* Counts a request in its interval. */
void fr_timeseries_request(struct fr_timeseries *s, int key, int64_t at_us, enum fr_outcome outcome, int64_t latency_us)
{
	struct fr_iv *iv = fr_timeseries_at(s, key, fr_timeseries_interval(s, at_us));
	iv->outcomes[outcome]++;
	if (latency_us >= 0)
		fr_ivhist_record(&iv->latency, latency_us, 1);
}

/* Records a delivery in the interval of its publish time. */
void fr_timeseries_delivery(struct fr_timeseries *s, int key, int64_t at_us, int64_t delivery_us)
{
	fr_ivhist_record(&fr_timeseries_at(s, key, fr_timeseries_interval(s, at_us))->latency, delivery_us, 1);
}

/* Adds to a counter. */
void fr_timeseries_count(struct fr_timeseries *s, int key, int64_t at_us, enum fr_iv_counter c, uint64_t n)
{
	fr_timeseries_at(s, key, fr_timeseries_interval(s, at_us))->counters[c] += (uint32_t)n;
}

/* Sets a gauge in the interval of AT_US: the interval keeps its highest value and its last. */
void fr_timeseries_gauge(struct fr_timeseries *s, int scenario, int64_t at_us, uint32_t value)
{
	size_t i = (size_t)scenario * s->nintervals + fr_timeseries_interval(s, at_us);
	if (!s->gauge[i]) {
		/* the interval starts at what the one before ended with */
		uint32_t before = fr_timeseries_interval(s, at_us)
		                          ? gauge_last_flat(s, (size_t)scenario * s->nintervals, i - 1)
		                          : 0;
		s->gauge[i] = before + 1;
	}
	if (value + 1 > s->gauge[i])
		s->gauge[i] = value + 1;
	s->last[i] = value + 1;
}

/* The gauge in interval I: its highest value, or the last one carried forward. */
uint32_t fr_timeseries_gauge_at(const struct fr_timeseries *s, int scenario, size_t i)
{
	const uint32_t *g = &s->gauge[(size_t)scenario * s->nintervals];
	if (g[i])
		return g[i] - 1;
	return i ? gauge_last_flat(s, (size_t)scenario * s->nintervals, (size_t)scenario * s->nintervals + i - 1) : 0;
}

/* Fills every interval after a gauge's first setting with the value carried forward. */
void fr_timeseries_seal(struct fr_timeseries *s)
{
	for (size_t sc = 0; sc < s->nscenarios; sc++) {
		uint32_t *g = &s->gauge[sc * s->nintervals], *l = &s->last[sc * s->nintervals], last = 0;
		for (size_t i = 0; i < s->nintervals; i++) {
			if (l[i])
				last = l[i];
			else
				l[i] = last;
			if (!g[i])
				g[i] = last;
		}
	}
}

/* Adds one interval into another. */
static void add_iv(struct fr_iv *dst, const struct fr_iv *src)
{
	for (int o = 0; o < FR_OUTCOME_N; o++)
		dst->outcomes[o] += src->outcomes[o];
	for (int c = 0; c < FR_IV_COUNTER_N; c++)
		dst->counters[c] += src->counters[c];
	fr_ivhist_merge(&dst->latency, &src->latency);
}

/* The sum of two stored gauge values (value + 1, 0 = unset). */
static uint32_t add_gauge(uint32_t a, uint32_t b)
{
	if (!a || !b)
		return a | b;
	return a + b - 1;
}

/* Adds the gauges of one scenario row of SRC into DST, each carried forward
 * through the intervals it did not set (sealing DST, reading SRC as sealed). */
static void add_gauges(struct fr_timeseries *dst, const struct fr_timeseries *src, size_t row)
{
	uint32_t ld = 0, ls = 0; /* the last values carried so far, stored as value + 1 */
	for (size_t i = row; i < row + dst->nintervals; i++) {
		uint32_t gd = dst->gauge[i] ? dst->gauge[i] : ld, gs = src->gauge[i] ? src->gauge[i] : ls;
		ld = dst->last[i] ? dst->last[i] : ld;
		ls = src->last[i] ? src->last[i] : ls;
		dst->gauge[i] = add_gauge(gd, gs);
		dst->last[i] = add_gauge(ld, ls);
	}
}

/* Adds SRC into DST, gauges included. */
void fr_timeseries_merge(struct fr_timeseries *dst, const struct fr_timeseries *src)
{
	if (dst->nkeys != src->nkeys || dst->nintervals != src->nintervals || dst->nscenarios != src->nscenarios)
		return;
	for (size_t i = 0; i < dst->nkeys * dst->nintervals; i++)
		add_iv(&dst->iv[i], &src->iv[i]);
	for (size_t sc = 0; sc < dst->nscenarios; sc++)
		add_gauges(dst, src, sc * dst->nintervals);
}

/* Makes DST's interval equal SRC's, reusing DST's entry array. */
static void copy_iv(struct fr_iv *dst, const struct fr_iv *src)
{
	struct fr_ivhist h = dst->latency;
	*dst = *src;
	if (h.cap < src->latency.n) {
		h.cap = src->latency.n;
		h.e = xreallocarray(h.e, h.cap ? h.cap : 1, sizeof *h.e);
	}
	if (src->latency.n)
		memcpy(h.e, src->latency.e, src->latency.n * sizeof *h.e);
	h.n = src->latency.n;
	h.max_us = src->latency.max_us;
	dst->latency = h;
}

/* Copies SRC's dirty intervals and all its gauges into DST. */
void fr_timeseries_copy_dirty(struct fr_timeseries *dst, struct fr_timeseries *src)
{
	if (dst->nkeys != src->nkeys || dst->nintervals != src->nintervals || dst->nscenarios != src->nscenarios)
		return;
	for (size_t k = 0; k < src->nkeys && src->dirty_lo <= src->dirty_hi; k++)
		for (size_t i = src->dirty_lo; i <= src->dirty_hi; i++)
			copy_iv(&dst->iv[k * dst->nintervals + i], &src->iv[k * src->nintervals + i]);
	memcpy(dst->gauge, src->gauge, src->nscenarios * src->nintervals * sizeof *src->gauge);
	memcpy(dst->last, src->last, src->nscenarios * src->nintervals * sizeof *src->last);
	src->dirty_lo = 1;
	src->dirty_hi = 0;
}

/* "Merged exactly" made checkable: the tests of the merges compare with it. */
int fr_timeseries_equal(const struct fr_timeseries *a, const struct fr_timeseries *b)
{
	if (a->nkeys != b->nkeys || a->nintervals != b->nintervals || a->interval_us != b->interval_us)
		return 0;
	for (size_t k = 0; k < a->nkeys; k++)
		for (size_t i = 0; i < a->nintervals; i++) {
			const struct fr_iv *x = fr_timeseries_get(a, (int)k, i), *y = fr_timeseries_get(b, (int)k, i);
			if (memcmp(x->outcomes, y->outcomes, sizeof x->outcomes) ||
			    memcmp(x->counters, y->counters, sizeof x->counters) || x->latency.n != y->latency.n ||
			    x->latency.max_us != y->latency.max_us ||
			    (x->latency.n && memcmp(x->latency.e, y->latency.e, x->latency.n * sizeof *x->latency.e)))
				return 0;
		}
	for (size_t sc = 0; sc < a->nscenarios; sc++)
		for (size_t i = 0; i < a->nintervals; i++)
			if (fr_timeseries_gauge_at(a, (int)sc, i) != fr_timeseries_gauge_at(b, (int)sc, i))
				return 0;
	return 1;
}

/* Requests of one interval, all outcomes. */
uint64_t fr_timeseries_requests(const struct fr_iv *iv)
{
	uint64_t n = 0;
	for (int o = 0; o < FR_OUTCOME_N; o++)
		n += iv->outcomes[o];
	return n;
}

/* Requests of one interval that did not succeed. */
uint64_t fr_timeseries_errors(const struct fr_iv *iv)
{
	return fr_timeseries_requests(iv) - iv->outcomes[FR_OK];
}

static const char *const counter_names[FR_IV_COUNTER_N] = {
        "planned", "late", "missed", "ws-received", "ws-lost", "ws-duplicate", "ws-expected",
};

/* Name of a counter in the JSON result. */
const char *fr_timeseries_counter_name(enum fr_iv_counter c)
{
	return (unsigned)c < FR_IV_COUNTER_N ? counter_names[c] : "?";
}
