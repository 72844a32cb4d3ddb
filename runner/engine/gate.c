/* gate.c: the watched windows, their probes and keys, and one check (see gate.h).
 *
 * Probes are shared: SLOs with the same series and cut use one counter. For
 * each watched window the gate keeps which keys its SLO reads and which keys
 * the bound needs (every key of the scenarios those belong to). A window is
 * checked on the tally summed over its segments; a sustained SLO's window
 * position by position, on prefix sums over the intervals of the window (the
 * time series' own, result/sustained.h), each position once decided staying
 * decided. Both hand their counts to result/decided.h.
 */
#include "engine/gate.h"

#include <stdlib.h>
#include <string.h>

#include "result/decided.h"
#include "result/slo.h"
#include "result/sustained.h"
#include "result/timeseries.h"
#include "util/xmalloc.h"

struct watch {
	int window;
	const struct fr_slo *slo;
	int cut, edge, sum; /* probe indices, or -1 */
	unsigned char *sel; /* per key: read by the SLO */
	unsigned char *use; /* per key: read for the bound (the scenarios of SEL) */
	/* a sustained SLO (over): the window's intervals, the width of a position */
	size_t *iv, niv, k, npos;
	unsigned char *decided; /* per position: decided breached */
};

struct fr_gate {
	const struct fr_timeline *tl;
	struct fr_results *keys; /* the run's metric keys and series shape (cells unused) */
	int64_t interval_us;     /* of the time series, when a sustained SLO aborts */
	struct fr_tally_probe *probes;
	size_t nprobes;
	struct watch *watches;
	size_t nwatches;
	struct fr_tally *tally;
	uint64_t *sums;     /* [key][counter] scratch */
	uint64_t *requests; /* [key] scratch */
	uint64_t *cum;      /* sustained: [interval + 1][counter] prefix sums of the SLO's keys */
	uint64_t *creq;     /* sustained: [interval + 1][key] prefix sums of requests */
	size_t maxiv;       /* the most intervals of a sustained window */
};

/* The index of probe P, added when new; -1 for a negative threshold (none). */
static int probe(struct fr_gate *g, enum fr_series series, int sum, int64_t min_us)
{
	if (!sum && min_us < 0)
		return -1;
	for (size_t i = 0; i < g->nprobes; i++)
		if (g->probes[i].series == series && g->probes[i].sum == sum && g->probes[i].min_us == min_us)
			return (int)i;
	g->probes = xreallocarray(g->probes, g->nprobes + 1, sizeof *g->probes);
	g->probes[g->nprobes] = (struct fr_tally_probe){series, sum, min_us};
	return (int)g->nprobes++;
}

/* Adds window W to the watch list when its SLO aborts. */
static void watch_window(struct fr_gate *g, int w)
{
	const struct fr_window *win = &g->tl->windows[w];
	const struct fr_slo *slo = &g->tl->plan->slos[win->slo];
	if (!slo->abort || !fr_decided_supported(slo) || (win->over_us && !g->keys->series))
		return;
	int64_t cut, edge;
	fr_decided_cuts(slo, win->over_us > 0, &cut, &edge);
	g->watches = xreallocarray(g->watches, g->nwatches + 1, sizeof *g->watches);
	struct watch *x = &g->watches[g->nwatches++];
	memset(x, 0, sizeof *x);
	x->window = w;
	x->slo = slo;
	x->cut = probe(g, slo->series, 0, cut);
	x->edge = probe(g, slo->series, 0, edge);
	x->sum = slo->stat == FR_STAT_MEAN ? probe(g, slo->series, 1, 0) : -1;
	size_t nk = g->keys->nkeys;
	x->sel = xcalloc(nk ? nk : 1, 1);
	x->use = xcalloc(nk ? nk : 1, 1);
	for (size_t k = 0; k < nk; k++)
		x->sel[k] = (unsigned char)fr_slo_selects(g->tl->plan, &g->keys->keys[k], slo, win);
	for (size_t k = 0; k < nk; k++)
		for (size_t j = 0; j < nk && !x->use[k]; j++)
			x->use[k] = x->sel[j] && g->keys->keys[j].scenario == g->keys->keys[k].scenario;
	if (!win->over_us)
		return;
	const struct fr_timeseries *s = g->keys->series;
	x->iv = fr_sustained_intervals(win, g->tl, s->interval_us, s->nintervals, &x->niv);
	x->k = fr_sustained_width(win, s->interval_us);
	if (x->k > x->niv)
		x->k = x->niv;
	x->npos = x->niv ? x->niv - x->k + 1 : 0;
	x->decided = xcalloc(x->npos ? x->npos : 1, 1);
	if (x->niv > g->maxiv)
		g->maxiv = x->niv;
}

/* Whether any abort SLO is a sustained one: the gate then needs the series' intervals. */
static int any_sustained_abort(const struct fr_timeline *tl)
{
	for (size_t i = 0; i < tl->plan->nslos; i++)
		if (tl->plan->slos[i].abort && tl->plan->slos[i].over_us)
			return 1;
	return 0;
}

/* Watches every window of an abort SLO; NULL when there is none. */
struct fr_gate *fr_gate_create(const struct fr_timeline *tl, int64_t interval_us)
{
	struct fr_gate *g = xcalloc(1, sizeof *g);
	g->tl = tl;
	g->keys = fr_results_create(tl);
	if (any_sustained_abort(tl))
		fr_results_set_interval(g->keys, interval_us); /* the run's own interval and count */
	for (size_t w = 0; w < tl->nwindows; w++)
		watch_window(g, (int)w);
	if (!g->nwatches) {
		fr_gate_free(g);
		return NULL;
	}
	const struct fr_timeseries *s = g->maxiv ? g->keys->series : NULL;
	g->tally = fr_tally_create(g->keys->nkeys, tl->nsegs, s ? s->nintervals : 0, s ? s->interval_us : 0, g->probes,
	                           g->nprobes);
	size_t nk = g->keys->nkeys ? g->keys->nkeys : 1, width = fr_tally_width(g->tally);
	g->sums = xcalloc(nk * width, sizeof *g->sums);
	g->requests = xcalloc(nk, sizeof *g->requests);
	if (s) {
		g->interval_us = s->interval_us;
		g->cum = xcalloc((g->maxiv + 1) * width, sizeof *g->cum);
		g->creq = xcalloc((g->maxiv + 1) * nk, sizeof *g->creq);
	}
	return g;
}

/* Frees the watches, the tally and the keys. */
void fr_gate_free(struct fr_gate *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->nwatches; i++) {
		free(g->watches[i].sel);
		free(g->watches[i].use);
		free(g->watches[i].iv);
		free(g->watches[i].decided);
	}
	free(g->watches);
	free(g->probes);
	fr_tally_free(g->tally);
	fr_results_free(g->keys);
	free(g->sums);
	free(g->requests);
	free(g->cum);
	free(g->creq);
	free(g);
}

/* The workers record into it through their drive. */
struct fr_tally *fr_gate_tally(struct fr_gate *g)
{
	return g ? g->tally : NULL;
}

/* The SLO's counts from counter sums S (one key, or several added). */
static void add_counts(const struct watch *x, const uint64_t *s, struct fr_decided_counts *c)
{
	c->requests += s[FR_TALLY_REQUESTS];
	c->errors += s[FR_TALLY_ERRORS];
	c->cut += x->cut >= 0 ? s[FR_TALLY_PROBES + x->cut] : 0;
	c->edge += x->edge >= 0 ? s[FR_TALLY_PROBES + x->edge] : 0;
	c->sum += x->sum >= 0 ? s[FR_TALLY_PROBES + x->sum] : 0;
}

/* Whether watched window X is decided failed as a whole. */
static int window_decided(struct fr_gate *g, const struct watch *x, int64_t now_us, int drained)
{
	const struct fr_window *w = &g->tl->windows[x->window];
	size_t nk = g->keys->nkeys, width = fr_tally_width(g->tally);
	struct fr_decided_counts c = {0};

	memset(g->sums, 0, nk * width * sizeof *g->sums);
	memset(g->requests, 0, nk * sizeof *g->requests);
	for (size_t k = 0; k < nk; k++) {
		if (!x->use[k])
			continue;
		uint64_t *s = &g->sums[k * width];
		fr_tally_add(g->tally, (int)k, w->segs, w->nsegs, s);
		g->requests[k] = s[FR_TALLY_REQUESTS];
		if (x->sel[k])
			add_counts(x, s, &c);
	}
	struct fr_decided_span sp = {w->segs, w->nsegs, INT64_MIN, INT64_MAX};
	double upper = fr_decided_upper(g->tl, &sp, g->keys->keys, nk, x->sel, g->requests, now_us, drained);
	return fr_decided_fail(x->slo, &c, upper);
}

/* Fills the prefix sums of watched window X's intervals up to NOW_US: the
 * SLO's counters summed over its keys, and every used key's requests.
 * Returns how many intervals have begun. */
static size_t prefix_sums(struct fr_gate *g, const struct watch *x, int64_t now_us, int drained)
{
	size_t nk = g->keys->nkeys, width = fr_tally_width(g->tally), n = 0;
	memset(g->cum, 0, width * sizeof *g->cum);
	memset(g->creq, 0, nk * sizeof *g->creq);
	for (; n < x->niv && (drained || (int64_t)x->iv[n] * g->interval_us <= now_us); n++) {
		uint64_t *c = &g->cum[(n + 1) * width], *r = &g->creq[(n + 1) * nk];
		memcpy(c, &g->cum[n * width], width * sizeof *c);
		memcpy(r, &g->creq[n * nk], nk * sizeof *r);
		for (size_t k = 0; k < nk; k++) {
			if (!x->use[k])
				continue;
			memset(g->sums, 0, width * sizeof *g->sums);
			fr_tally_add_interval(g->tally, (int)k, x->iv[n], g->sums);
			r[k] += g->sums[FR_TALLY_REQUESTS];
			for (size_t j = 0; x->sel[k] && j < width; j++)
				c[j] += g->sums[j];
		}
	}
	return n;
}

/* Whether sustained window X has a breach longer than its sustained, every
 * position of it decided breached. */
static int sustained_decided(struct fr_gate *g, struct watch *x, int64_t now_us, int drained)
{
	const struct fr_window *w = &g->tl->windows[x->window];
	size_t nk = g->keys->nkeys, width = fr_tally_width(g->tally);
	size_t begun = prefix_sums(g, x, now_us, drained), run = 0;
	for (size_t p = 0; p < x->npos; p++) {
		if (!x->decided[p] && p < begun) {
			/* the position covers intervals [p, p + k) of those that have begun */
			size_t end = p + x->k < begun ? p + x->k : begun;
			struct fr_decided_counts c = {0};
			for (size_t j = 0; j < width; j++)
				g->sums[j] = g->cum[end * width + j] - g->cum[p * width + j];
			add_counts(x, g->sums, &c);
			for (size_t k = 0; k < nk; k++)
				g->requests[k] = g->creq[end * nk + k] - g->creq[p * nk + k];
			struct fr_decided_span sp = {w->segs, w->nsegs, (int64_t)x->iv[p] * g->interval_us,
			                             (int64_t)(x->iv[p + x->k - 1] + 1) * g->interval_us};
			double upper =
			        fr_decided_upper(g->tl, &sp, g->keys->keys, nk, x->sel, g->requests, now_us, drained);
			/* a position without samples is no breach, unlike a window without them */
			x->decided[p] = upper > 0 && fr_decided_fail(x->slo, &c, upper);
		}
		run = x->decided[p] ? run + 1 : 0;
		if ((int64_t)run * g->interval_us > w->sustained_us)
			return 1;
	}
	return 0;
}

/* In window order, so the first decided window of the timeline is named. */
int fr_gate_check(struct fr_gate *g, int pass, int64_t now_us, int drained)
{
	for (size_t i = 0; g && i < g->nwatches; i++) {
		struct watch *x = &g->watches[i];
		const struct fr_window *w = &g->tl->windows[x->window];
		if (w->pass != pass || w->nsegs == 0 || (!drained && w->start_us > now_us))
			continue;
		if (w->over_us ? sustained_decided(g, x, now_us, drained) : window_decided(g, x, now_us, drained))
			return x->window;
	}
	return -1;
}
