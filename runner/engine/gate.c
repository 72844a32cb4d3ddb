/* gate.c: the watched windows, their probes and keys, and one check (see gate.h).
 *
 * Probes are shared: SLOs with the same series and cut use one counter. For
 * each watched window the gate keeps which keys its SLO reads and which keys
 * the bound needs (every key of the scenarios those belong to); a check sums
 * the tally of those keys over the window's segments, once per counter, and
 * hands the sums to result/decided.h.
 */
#include "engine/gate.h"

#include <stdlib.h>
#include <string.h>

#include "result/decided.h"
#include "result/slo.h"
#include "util/xmalloc.h"

struct watch {
	int window;
	const struct fr_slo *slo;
	int cut, edge, sum; /* probe indices, or -1 */
	unsigned char *sel; /* per key: read by the SLO */
	unsigned char *use; /* per key: read for the bound (the scenarios of SEL) */
};

struct fr_gate {
	const struct fr_timeline *tl;
	struct fr_results *keys; /* the run's metric keys (its cells are not used) */
	struct fr_tally_probe *probes;
	size_t nprobes;
	struct watch *watches;
	size_t nwatches;
	struct fr_tally *tally;
	uint64_t *sums;     /* [key][counter] scratch for a check */
	uint64_t *requests; /* [key] scratch */
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
	if (!slo->abort || !fr_decided_supported(slo))
		return;
	int64_t cut, edge;
	fr_decided_cuts(slo, &cut, &edge);
	g->watches = xreallocarray(g->watches, g->nwatches + 1, sizeof *g->watches);
	struct watch *x = &g->watches[g->nwatches++];
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
}

/* Watches every window of an abort SLO; NULL when there is none. */
struct fr_gate *fr_gate_create(const struct fr_timeline *tl)
{
	struct fr_gate *g = xcalloc(1, sizeof *g);
	g->tl = tl;
	g->keys = fr_results_create(tl);
	for (size_t w = 0; w < tl->nwindows; w++)
		watch_window(g, (int)w);
	if (!g->nwatches) {
		fr_gate_free(g);
		return NULL;
	}
	g->tally = fr_tally_create(g->keys->nkeys, tl->nsegs, g->probes, g->nprobes);
	g->sums = xcalloc(g->keys->nkeys * fr_tally_width(g->tally), sizeof *g->sums);
	g->requests = xcalloc(g->keys->nkeys, sizeof *g->requests);
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
	}
	free(g->watches);
	free(g->probes);
	fr_tally_free(g->tally);
	fr_results_free(g->keys);
	free(g->sums);
	free(g->requests);
	free(g);
}

/* The workers record into it through their drive. */
struct fr_tally *fr_gate_tally(struct fr_gate *g)
{
	return g ? g->tally : NULL;
}

/* Whether watched window X is decided failed. */
static int decided(struct fr_gate *g, const struct watch *x, int64_t now_us, int drained)
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
		if (!x->sel[k])
			continue;
		c.requests += s[FR_TALLY_REQUESTS];
		c.errors += s[FR_TALLY_ERRORS];
		c.cut += x->cut >= 0 ? s[FR_TALLY_PROBES + x->cut] : 0;
		c.edge += x->edge >= 0 ? s[FR_TALLY_PROBES + x->edge] : 0;
		c.sum += x->sum >= 0 ? s[FR_TALLY_PROBES + x->sum] : 0;
	}
	double upper = fr_decided_upper(g->tl, w, g->keys->keys, nk, x->sel, g->requests, now_us, drained);
	return fr_decided_fail(x->slo, &c, upper);
}

/* In window order, so the first decided window of the timeline is named. */
int fr_gate_check(struct fr_gate *g, int pass, int64_t now_us, int drained)
{
	for (size_t i = 0; g && i < g->nwatches; i++) {
		const struct fr_window *w = &g->tl->windows[g->watches[i].window];
		if (w->pass != pass || w->nsegs == 0 || (!drained && w->start_us > now_us))
			continue;
		if (decided(g, &g->watches[i], now_us, drained))
			return g->watches[i].window;
	}
	return -1;
}
