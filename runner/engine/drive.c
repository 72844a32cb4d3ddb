/* drive.c: what every load driver of a worker needs — segments, recording, weighted picks. */
#include <pthread.h>

#include "engine/drive.h"
#include "observe/metrics.h"
#include "observe/tally.h"
#include "result/timeseries.h"

/* The offset of T_NS on the timeline, within the current pass. */
int64_t fr_drive_offset(const struct fr_drive *d, int64_t t_ns)
{
	int64_t base = (int64_t)d->pass * d->tl->pass_us;
	int64_t off = (t_ns - d->pass_t0_ns) / 1000;

	if (off >= d->tl->pass_us)
		off = d->tl->pass_us - 1;
	return base + (off > 0 ? off : 0);
}

/* The segment of the current pass containing T_NS. */
int fr_drive_segment(const struct fr_drive *d, int64_t t_ns)
{
	return fr_timeline_segment_at(d->tl, d->pass, fr_drive_offset(d, t_ns));
}

/* Records one sample into this thread's results and the live counters. */
void fr_drive_record(struct fr_drive *d, int key, int64_t intended_ns, enum fr_outcome outcome, int64_t latency_us,
                     int64_t service_us)
{
	if (key < 0)
		return;
	int64_t at = fr_drive_offset(d, intended_ns);
	int seg = fr_timeline_segment_at(d->tl, d->pass, at);
	fr_results_record_request(d->res, key, seg, outcome, latency_us, service_us);
	if (latency_us >= 0)
		fr_results_note_slow(d->res, key, seg, FR_SERIES_LATENCY, latency_us, at, service_us);
	if (service_us >= 0)
		fr_results_note_slow(d->res, key, seg, FR_SERIES_SERVICE, service_us, at, -1);
	fr_tally_record(d->tally, key, seg, at, outcome, latency_us, service_us);
	fr_timeseries_request(d->res->series, key, at, outcome, latency_us);
	fr_metrics_record_request(d->metrics, key, outcome, latency_us, service_us);
	atomic_fetch_add_explicit(&d->live->done, 1, memory_order_relaxed);
	if (outcome != FR_OK)
		atomic_fetch_add_explicit(&d->live->errors, 1, memory_order_relaxed);
	if (d->live_latency && latency_us >= 0 && d->res->keys[key].parent < 0) {
		pthread_mutex_lock(d->live_lock);
		fr_hist_record(d->live_latency, latency_us);
		pthread_mutex_unlock(d->live_lock);
	}
}

/* Picks one of SC's requests with probability proportional to its weight. */
const struct fr_request *fr_drive_pick(struct fr_drive *d, const struct fr_scenario *sc)
{
	uint64_t total = 0, r;

	if (sc->nrequests == 1)
		return &sc->requests[0];
	for (size_t i = 0; i < sc->nrequests; i++)
		total += sc->requests[i].weight ? sc->requests[i].weight : 1;
	r = fr_rand_next(&d->rng) % total;
	for (size_t i = 0; i < sc->nrequests; i++) {
		uint64_t w = sc->requests[i].weight ? sc->requests[i].weight : 1;
		if (r < w)
			return &sc->requests[i];
		r -= w;
	}
	return &sc->requests[sc->nrequests - 1];
}
