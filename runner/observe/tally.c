/* tally.c: flat arrays of relaxed atomic counters, [key][segment][counter] and [key][interval][counter] (see tally.h).
 */
#include "observe/tally.h"

#include <stdlib.h>
#include <string.h>

#include "result/hist.h"
#include "util/xmalloc.h"

struct fr_tally {
	size_t nkeys, nsegs, width;
	struct fr_tally_probe *probes;
	size_t nprobes;
	uint64_t *counts;
	size_t nintervals;
	int64_t interval_us;
	uint64_t *ivcounts; /* NULL without intervals */
};

/* Allocates every counter at zero. */
struct fr_tally *fr_tally_create(size_t nkeys, size_t nsegs, size_t nintervals, int64_t interval_us,
                                 const struct fr_tally_probe *probes, size_t nprobes)
{
	struct fr_tally *t = xcalloc(1, sizeof *t);
	t->nkeys = nkeys;
	t->nsegs = nsegs;
	t->nprobes = nprobes;
	t->width = FR_TALLY_PROBES + nprobes;
	t->probes = xcalloc(nprobes ? nprobes : 1, sizeof *t->probes);
	if (nprobes)
		memcpy(t->probes, probes, nprobes * sizeof *probes);
	t->counts = xcalloc((nkeys ? nkeys : 1) * (nsegs ? nsegs : 1) * t->width, sizeof *t->counts);
	if (nintervals && interval_us > 0) {
		t->nintervals = nintervals;
		t->interval_us = interval_us;
		t->ivcounts = xcalloc((nkeys ? nkeys : 1) * nintervals * t->width, sizeof *t->ivcounts);
	}
	return t;
}

/* Frees the counters. */
void fr_tally_free(struct fr_tally *t)
{
	if (!t)
		return;
	free(t->probes);
	free(t->counts);
	free(t->ivcounts);
	free(t);
}

/* Relaxed: counts need no ordering, only no lost update. */
static void add(uint64_t *p, uint64_t n)
{
	__atomic_fetch_add(p, n, __ATOMIC_RELAXED);
}

/* Clamps V as fr_hist_record does, so a count agrees with the histogram. */
static int64_t clamp(int64_t v)
{
	return v > FR_HIST_MAX_US ? FR_HIST_MAX_US : v;
}

/* Counts one request into the counters C of one cell. */
static void count(const struct fr_tally *t, uint64_t *c, enum fr_outcome outcome, int64_t latency_us,
                  int64_t service_us)
{
	add(&c[FR_TALLY_REQUESTS], 1);
	if (outcome != FR_OK)
		add(&c[FR_TALLY_ERRORS], 1);
	for (size_t i = 0; i < t->nprobes; i++) {
		const struct fr_tally_probe *p = &t->probes[i];
		int64_t v = p->series == FR_SERIES_SERVICE ? service_us : latency_us;
		if (v < 0)
			continue; /* not measured, not in the histogram either */
		v = clamp(v);
		if (p->sum)
			add(&c[FR_TALLY_PROBES + i], (uint64_t)v);
		else if (v >= p->min_us)
			add(&c[FR_TALLY_PROBES + i], 1);
	}
}

/* A few compares and atomic adds on the hot path; nothing when T is NULL. */
void fr_tally_record(struct fr_tally *t, int key, int segment, int64_t at_us, enum fr_outcome outcome,
                     int64_t latency_us, int64_t service_us)
{
	if (!t || key < 0 || (size_t)key >= t->nkeys || segment < 0 || (size_t)segment >= t->nsegs)
		return;
	count(t, &t->counts[((size_t)key * t->nsegs + (size_t)segment) * t->width], outcome, latency_us, service_us);
	if (!t->ivcounts || at_us < 0)
		return;
	size_t i = (size_t)(at_us / t->interval_us);
	if (i >= t->nintervals)
		i = t->nintervals - 1; /* as the time series clamps */
	count(t, &t->ivcounts[((size_t)key * t->nintervals + i) * t->width], outcome, latency_us, service_us);
}

/* Each counter is loaded once. */
void fr_tally_add(const struct fr_tally *t, int key, const int *segs, size_t nsegs, uint64_t *out)
{
	for (size_t s = 0; s < nsegs; s++) {
		const uint64_t *c = &t->counts[((size_t)key * t->nsegs + (size_t)segs[s]) * t->width];
		for (size_t i = 0; i < t->width; i++)
			out[i] += __atomic_load_n(&c[i], __ATOMIC_RELAXED);
	}
}

/* Each counter is loaded once. */
void fr_tally_add_interval(const struct fr_tally *t, int key, size_t i, uint64_t *out)
{
	if (!t->ivcounts || i >= t->nintervals)
		return;
	const uint64_t *c = &t->ivcounts[((size_t)key * t->nintervals + i) * t->width];
	for (size_t j = 0; j < t->width; j++)
		out[j] += __atomic_load_n(&c[j], __ATOMIC_RELAXED);
}

/* Callers size their sums with it. */
size_t fr_tally_width(const struct fr_tally *t)
{
	return t->width;
}
