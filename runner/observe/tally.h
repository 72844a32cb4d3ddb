/* tally.h: live counts per (metric key, segment) for early verdicts — relaxed atomics, any thread.
 *
 * The workers record into results of their own, merged only at the end; an
 * early verdict (result/decided.h) needs the counts of every thread while the
 * run goes on. The tally keeps, for every metric key (results.h) and timeline
 * segment — and, for sustained SLOs, every interval of the time series — the
 * requests, the errors and one counter per probe: the samples of a series at
 * or above a value (the cuts of abort SLOs), or their sum (a mean). Samples are clamped to the histogram's range first,
 * as the results' histograms clamp them, so the counts agree with the final verdict exactly. Recording is one atomic
 * add per counter, no lock; reading takes each counter once (a reader may see a sample in one counter and not yet in
 * another: every rule built on it must be safe with that).
 */
#ifndef FR_TALLY_H
#define FR_TALLY_H

#include <stddef.h>
#include <stdint.h>

#include "plan/plan.h"
#include "result/results.h"

/* What one counter of each cell counts. */
struct fr_tally_probe {
	enum fr_series series; /* FR_SERIES_LATENCY or FR_SERIES_SERVICE */
	int sum;               /* 1: the sum of the samples (µs); 0: samples >= min_us */
	int64_t min_us;
};

/* The counters of a cell, in this order, then one per probe. */
enum fr_tally_counter {
	FR_TALLY_REQUESTS,
	FR_TALLY_ERRORS,
	FR_TALLY_PROBES,
};

struct fr_tally;

/* A tally of NKEYS keys × NSEGS segments (and × NINTERVALS intervals of
 * INTERVAL_US, when NINTERVALS > 0) with PROBES (copied), all at zero. */
struct fr_tally *fr_tally_create(size_t nkeys, size_t nsegs, size_t nintervals, int64_t interval_us,
                                 const struct fr_tally_probe *probes, size_t nprobes);
void fr_tally_free(struct fr_tally *t); /* accepts NULL */

/* Counts one finished request of KEY whose intended time is at timeline
 * offset AT_US, in SEGMENT (any thread; a negative latency or service time
 * was not measured). T may be NULL. */
void fr_tally_record(struct fr_tally *t, int key, int segment, int64_t at_us, enum fr_outcome outcome,
                     int64_t latency_us, int64_t service_us);

/* Adds the counters of KEY over SEGS into OUT (FR_TALLY_PROBES + nprobes values). */
void fr_tally_add(const struct fr_tally *t, int key, const int *segs, size_t nsegs, uint64_t *out);

/* Adds the counters of KEY in interval I into OUT (nothing without intervals). */
void fr_tally_add_interval(const struct fr_tally *t, int key, size_t i, uint64_t *out);

/* The number of counters of a cell: FR_TALLY_PROBES + nprobes. */
size_t fr_tally_width(const struct fr_tally *t);

#endif
