/* digest.c: the identity of a compiled plan (see digest.h).
 *
 * The canonical text is built field by field in a fixed order, with every
 * number printed exactly (integers in µs, doubles with %.17g), and hashed
 * with FNV-1a 64; a NUL separates fields so that ("ab", "c") and ("a", "bc")
 * differ.
 */
#include "plan/digest.h"

#include <inttypes.h>
#include <stdio.h>

#include "util/buf.h"

#define FNV_OFFSET UINT64_C(0xcbf29ce484222325)
#define FNV_PRIME  UINT64_C(0x100000001b3)

/* Appends one field and its separator. */
static void field(struct fr_buf *b, const char *s)
{
	fr_buf_adds(b, s ? s : "-");
	fr_buf_addc(b, '\x1f');
}

/* Appends a number field. */
static void num(struct fr_buf *b, double v)
{
	fr_buf_printf(b, "%.17g\x1f", v);
}

/* The request names of one request and its steps (they are the metric keys). */
static void requests(struct fr_buf *b, const struct fr_request *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		field(b, r[i].name);
		num(b, r[i].weight);
		requests(b, r[i].steps, r[i].nsteps);
	}
}

/* Scenarios: names, models, stages, request names. */
static void scenarios(struct fr_buf *b, const struct fr_plan *p)
{
	for (size_t s = 0; s < p->nscenarios; s++) {
		const struct fr_scenario *sc = &p->scenarios[s];
		field(b, sc->name);
		num(b, sc->model);
		num(b, sc->arrival);
		for (size_t i = 0; i < sc->nstages; i++) {
			num(b, (double)sc->stages[i].dur_us);
			num(b, sc->stages[i].level);
		}
		if (sc->model == FR_MODEL_WEBSOCKET)
			num(b, sc->ws.publish_rate);
		requests(b, sc->requests, sc->nrequests);
	}
}

/* SLOs: everything a verdict depends on. */
static void slos(struct fr_buf *b, const struct fr_plan *p)
{
	for (size_t i = 0; i < p->nslos; i++) {
		const struct fr_slo *s = &p->slos[i];
		field(b, s->name);
		field(b, s->scenario);
		field(b, s->request);
		field(b, s->metric);
		num(b, s->series);
		num(b, s->stat);
		num(b, s->quantile);
		num(b, s->cmp);
		num(b, s->threshold);
		num(b, s->threshold_is_rate);
		field(b, s->window_text);
	}
}

/* The timeline: faults, segments and windows. */
static void timeline(struct fr_buf *b, const struct fr_timeline *tl)
{
	num(b, tl->time_scale);
	num(b, (double)tl->pass_us);
	num(b, tl->npasses);
	for (size_t i = 0; i < tl->plan->faults.n; i++) {
		field(b, tl->plan->faults.items[i].name);
		num(b, (double)tl->plan->faults.items[i].at_us);
		num(b, (double)tl->plan->faults.items[i].dur_us);
	}
	for (size_t i = 0; i < tl->nsegs; i++) {
		num(b, (double)tl->segs[i].start_us);
		num(b, (double)tl->segs[i].end_us);
	}
	for (size_t i = 0; i < tl->nwindows; i++) {
		field(b, tl->windows[i].label);
		num(b, tl->windows[i].slo);
		num(b, tl->windows[i].pass);
		num(b, (double)tl->windows[i].nsegs);
	}
}

/* Hashes the canonical text of TL. */
void fr_timeline_digest(const struct fr_timeline *tl, char out[FR_DIGEST_LEN])
{
	struct fr_buf b = {0};
	field(&b, tl->plan->name);
	for (size_t i = 0; i < tl->plan->nsweep; i++)
		field(&b, tl->plan->sweep_values[i]);
	scenarios(&b, tl->plan);
	slos(&b, tl->plan);
	timeline(&b, tl);
	uint64_t h = FNV_OFFSET;
	for (size_t i = 0; i < b.len; i++) {
		h ^= (unsigned char)b.s[i];
		h *= FNV_PRIME;
	}
	fr_buf_free(&b);
	snprintf(out, FR_DIGEST_LEN, "%016" PRIx64, h);
}
