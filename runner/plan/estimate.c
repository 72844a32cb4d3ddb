/* estimate.c: a run's memory from its timeline and the measured rates (see estimate.h). */
#include "plan/estimate.h"

#include <math.h>
#include <string.h>

/* Sets a part to COUNT × EACH. */
static void part(struct fr_estimate_part *p, double count, uint64_t each)
{
	p->count = count;
	p->each = each;
	p->bytes = (uint64_t)(count * (double)each);
}

/* The engine keeps this many events of a websocket scenario: ws_table.c sizes its ring with it. */
uint32_t fr_estimate_ws_ring(const struct fr_ws *ws)
{
	double span = ws->publish_rate * ((double)ws->deadline_us / 1e6 + 1.0) * 2.0;
	uint32_t n = 64;

	while (n < span && n < (1u << 24))
		n <<= 1;
	return n;
}

/* The metric keys of a scenario: one per request, group and group step; one for websocket. */
static size_t keys_of(const struct fr_scenario *sc)
{
	size_t n = 0;

	if (sc->model == FR_MODEL_WEBSOCKET)
		return 1;
	for (size_t i = 0; i < sc->nrequests; i++)
		n += 1 + sc->requests[i].nsteps;
	return n;
}

/* The segments of every pass in which scenario S has load, and their length in *US_OUT. */
static size_t active_segs(const struct fr_timeline *tl, size_t s, int64_t *us_out)
{
	size_t n = 0;

	*us_out = 0;
	for (size_t i = 0; i < tl->nsegs; i++)
		if (tl->segs[i].stage[s] >= 0) {
			n++;
			*us_out += tl->segs[i].end_us - tl->segs[i].start_us;
		}
	return n;
}

/* The longest timeout of a scenario's requests, in seconds. */
static double timeout_s(const struct fr_plan *plan, const struct fr_scenario *sc)
{
	int64_t us = plan->timeout_us;

	for (size_t i = 0; i < sc->nrequests; i++)
		if (sc->requests[i].timeout_us > us)
			us = sc->requests[i].timeout_us;
	return (double)us / 1e6;
}

/* Remembers the stage whose level costs the most, for the position of an error. */
static void note_stage(const struct fr_scenario *sc, double each, double *best, struct fr_pos *where)
{
	for (size_t k = 0; k < sc->nstages; k++)
		if (sc->stages[k].level * each > *best) {
			*best = sc->stages[k].level * each;
			*where = sc->stages[k].pos;
		}
}

/* What the scenarios add up to, before the bytes of each. */
struct counts {
	double inflight, slots, cells, intervals;
	uint32_t widest; /* the largest websocket ring */
};

/* Open scenarios: peak rate × timeout in flight each, capped; websocket: ring
 * slots and the widest ring; all: cells and time-series intervals of their keys. */
static void per_scenario(const struct fr_timeline *tl, const struct fr_estimate_opts *o, int64_t interval_us,
                         struct counts *n, struct fr_pos *where)
{
	const struct fr_plan *plan = tl->plan;
	double best = 0;

	for (size_t s = 0; s < plan->nscenarios; s++) {
		const struct fr_scenario *sc = &plan->scenarios[s];
		double peak = 0, each = FR_ESTIMATE_USER_BYTES;
		int64_t active_us;
		for (size_t k = 0; k < sc->nstages; k++)
			if (sc->stages[k].level > peak)
				peak = sc->stages[k].level;
		if (sc->model == FR_MODEL_OPEN) {
			double f = peak * timeout_s(plan, sc);
			n->inflight += o->max_inflight && f > o->max_inflight ? o->max_inflight : f;
			each = FR_ESTIMATE_INFLIGHT_BYTES * timeout_s(plan, sc);
		} else if (sc->model == FR_MODEL_WEBSOCKET) {
			uint32_t ring = fr_estimate_ws_ring(&sc->ws);
			n->slots += ring;
			if (ring > n->widest)
				n->widest = ring;
			each = FR_ESTIMATE_VIEWER_BYTES + ring / 8.0;
		}
		n->cells += (double)(keys_of(sc) * active_segs(tl, s, &active_us));
		n->intervals += (double)keys_of(sc) * ceil((double)active_us / (double)interval_us);
		note_stage(sc, each, &best, where);
	}
}

/* Sums the parts; see estimate.h for what each counts. */
void fr_estimate(const struct fr_timeline *tl, const struct fr_estimate_opts *o, struct fr_estimate *out)
{
	struct counts n = {0};
	uint64_t t = (uint64_t)o->threads;

	memset(out, 0, sizeof *out);
	out->threads = o->threads;
	out->base = FR_ESTIMATE_BASE_BYTES;
	out->where = (struct fr_pos){tl->plan->file, 0, 0};
	per_scenario(tl, o, o->interval_us > 0 ? o->interval_us : FR_ESTIMATE_INTERVAL_US, &n, &out->where);
	part(&out->users, tl->totals.peak_users, FR_ESTIMATE_USER_BYTES);
	part(&out->viewers, tl->totals.peak_viewers, FR_ESTIMATE_VIEWER_BYTES + n.widest / 8);
	part(&out->inflight, n.inflight, FR_ESTIMATE_INFLIGHT_BYTES);
	part(&out->cells, n.cells, t * 2 * FR_ESTIMATE_HIST_BYTES + (t + 1) * FR_ESTIMATE_CELL_BYTES);
	part(&out->series, n.intervals, t * FR_ESTIMATE_SERIES_BYTES);
	part(&out->events, n.slots, FR_ESTIMATE_WS_SLOT_BYTES);
	out->total = out->base + out->users.bytes + out->viewers.bytes + out->inflight.bytes + out->cells.bytes +
	             out->series.bytes + out->events.bytes;
}
