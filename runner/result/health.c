/* health.c: the generator's health per worker and segment, and the saturation rule (see health.h). */
#include "result/health.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/fmt.h"
#include "util/xmalloc.h"

/* A health for NSEGS segments and one worker. */
struct fr_health *fr_health_create(size_t nsegs, int thread)
{
	struct fr_health *h = xcalloc(1, sizeof(*h));

	h->nsegs = nsegs;
	h->threads = xcalloc(1, sizeof(*h->threads));
	if (thread >= 0) {
		h->nthreads = 1;
		h->threads[0].thread = thread;
		h->threads[0].cells = xcalloc(nsegs ? nsegs : 1, sizeof(struct fr_health_cell));
	}
	h->load_start = h->load_max = h->load_end = -1;
	return h;
}

/* Frees the cells' histograms with everything else. */
void fr_health_free(struct fr_health *h)
{
	if (!h)
		return;
	for (size_t t = 0; t < h->nthreads; t++) {
		for (size_t s = 0; s < h->nsegs; s++)
			fr_hist_free(h->threads[t].cells[s].lag);
		free(h->threads[t].cells);
	}
	free(h->threads);
	free(h);
}

/* One heartbeat into its cell. */
void fr_health_tick(struct fr_health *h, size_t i, int segment, int64_t cpu_us, int64_t wall_us, int64_t lag_us)
{
	struct fr_health_cell *c;

	if (!h || i >= h->nthreads || segment < 0 || (size_t)segment >= h->nsegs)
		return;
	c = &h->threads[i].cells[segment];
	c->cpu_us += cpu_us > 0 ? cpu_us : 0;
	c->wall_us += wall_us > 0 ? wall_us : 0;
	if (!c->lag)
		c->lag = fr_hist_create();
	fr_hist_record(c->lag, lag_us > 0 ? lag_us : 0);
}

/* The larger of two figures where -1 means unknown. */
static double known_max(double a, double b)
{
	return a > b ? a : b;
}

/* Threads are appended (each worker is its own thread); host figures are the process's. */
void fr_health_merge(struct fr_health *dst, const struct fr_health *src)
{
	if (!dst || !src || src->nsegs != dst->nsegs)
		return;
	dst->threads = xreallocarray(dst->threads, dst->nthreads + src->nthreads, sizeof(*dst->threads));
	for (size_t t = 0; t < src->nthreads; t++) {
		struct fr_health_thread *d = &dst->threads[dst->nthreads++];
		d->thread = src->threads[t].thread;
		d->cells = xcalloc(dst->nsegs ? dst->nsegs : 1, sizeof(*d->cells));
		for (size_t s = 0; s < dst->nsegs; s++) {
			const struct fr_health_cell *c = &src->threads[t].cells[s];
			d->cells[s].cpu_us = c->cpu_us;
			d->cells[s].wall_us = c->wall_us;
			if (c->lag) {
				d->cells[s].lag = fr_hist_create();
				fr_hist_merge(d->cells[s].lag, c->lag);
			}
		}
	}
	if (src->rss_peak_bytes > dst->rss_peak_bytes)
		dst->rss_peak_bytes = src->rss_peak_bytes;
	if (dst->load_start < 0)
		dst->load_start = src->load_start;
	dst->load_max = known_max(dst->load_max, src->load_max);
	dst->load_end = known_max(dst->load_end, src->load_end);
	if (src->cpus > dst->cpus)
		dst->cpus = src->cpus;
	dst->allow_saturated |= src->allow_saturated;
}

/* One worker over a set of segments. */
void fr_health_sum(const struct fr_health *h, size_t i, const int *segs, size_t nsegs, struct fr_health_sum *out)
{
	struct fr_hist *lag = fr_hist_create();
	int64_t cpu = 0, wall = 0;
	size_t n = segs ? nsegs : h->nsegs;

	memset(out, 0, sizeof(*out));
	out->thread = h->threads[i].thread;
	for (size_t k = 0; k < n; k++) {
		int s = segs ? segs[k] : (int)k;
		const struct fr_health_cell *c;
		if (s < 0 || (size_t)s >= h->nsegs)
			continue;
		c = &h->threads[i].cells[s];
		cpu += c->cpu_us;
		wall += c->wall_us;
		if (c->lag)
			fr_hist_merge(lag, c->lag);
	}
	out->ticks = fr_hist_count(lag);
	out->wall_us = wall;
	out->cpu = wall > 0 ? (double)cpu / (double)wall : -1;
	out->lag_p50_us = out->ticks ? fr_hist_quantile(lag, 0.5) : -1;
	out->lag_p99_us = out->ticks ? fr_hist_quantile(lag, 0.99) : -1;
	out->lag_max_us = out->ticks ? fr_hist_max(lag) : -1;
	out->saturated = wall >= FR_HEALTH_MIN_WALL_US &&
	                 (out->cpu >= FR_HEALTH_CPU_MAX || out->lag_p99_us > FR_HEALTH_LAG_MAX_US);
	fr_hist_free(lag);
}

/* A worker's loop lag over SEGS at SLO's own statistic; -1 without heartbeats. */
static double lag_at(const struct fr_health *h, size_t t, const int *segs, size_t nsegs, const struct fr_slo *slo)
{
	struct fr_hist *lag = fr_hist_create();
	size_t n = segs ? nsegs : h->nsegs;
	double v = -1;

	for (size_t k = 0; k < n; k++) {
		int s = segs ? segs[k] : (int)k;
		if (s >= 0 && (size_t)s < h->nsegs && h->threads[t].cells[s].lag)
			fr_hist_merge(lag, h->threads[t].cells[s].lag);
	}
	if (fr_hist_count(lag))
		v = slo->stat == FR_STAT_MAX    ? (double)fr_hist_max(lag)
		    : slo->stat == FR_STAT_MEAN ? fr_hist_mean(lag)
		                                : (double)fr_hist_quantile(lag, slo->quantile);
	fr_hist_free(lag);
	return v;
}

/* How one worker did over SEGS against SLO: 0, or how far over a bound (> 1) with the reason in WHY. */
static double spoil(const struct fr_health *h, size_t t, const int *segs, size_t nsegs, const struct fr_slo *slo,
                    int64_t min_wall_us, char *why, size_t len)
{
	struct fr_health_sum s;
	double bound = slo->threshold * FR_HEALTH_LAG_SHARE, lag;
	char stat[32], l[FR_FMT_LEN], b[FR_FMT_LEN];

	fr_health_sum(h, t, segs, nsegs, &s);
	if (s.wall_us < min_wall_us)
		return 0;
	if (s.cpu >= FR_HEALTH_CPU_MAX) {
		snprintf(why, len, "thread %d CPU %.0f %% (bound %.0f %%)", s.thread, 100 * s.cpu,
		         100 * FR_HEALTH_CPU_MAX);
		return s.cpu / FR_HEALTH_CPU_MAX;
	}
	lag = lag_at(h, t, segs, nsegs, slo);
	if (bound < FR_HEALTH_LAG_MAX_US)
		bound = FR_HEALTH_LAG_MAX_US;
	if (lag <= bound)
		return 0;
	if (slo->stat == FR_STAT_QUANTILE)
		snprintf(stat, sizeof stat, "p%g", slo->quantile * 100);
	else
		snprintf(stat, sizeof stat, "%s", slo->stat == FR_STAT_MAX ? "max" : "mean");
	fr_fmt_latency(l, sizeof l, lag);
	fr_fmt_latency(b, sizeof b, bound);
	snprintf(why, len, "thread %d loop lag %s %s (bound %s)", s.thread, stat, l, b);
	return lag / bound;
}

/* Whether a worker's saturation spoils a verdict of SLO over SEGS, and the worst one's reason. */
int fr_health_spoils(const struct fr_health *h, const int *segs, size_t nsegs, const struct fr_slo *slo, char **why_out)
{
	char why[160], worst[160];
	double over, most = 0;

	*why_out = NULL;
	for (size_t t = 0; h && t < h->nthreads; t++) {
		size_t n = segs ? nsegs : h->nsegs;
		over = spoil(h, t, segs, nsegs, slo, FR_HEALTH_MIN_WALL_US, why, sizeof why);
		if (over > most) {
			most = over;
			memcpy(worst, why, sizeof worst);
		}
		for (size_t k = 0; k < n; k++) { /* a long segment saturated on its own, hidden by the average */
			int seg = segs ? segs[k] : (int)k;
			over = spoil(h, t, &seg, 1, slo, FR_HEALTH_SEGMENT_MIN_WALL_US, why, sizeof why);
			if (over > most) {
				most = over;
				memcpy(worst, why, sizeof worst);
			}
		}
	}
	if (most > 0)
		*why_out = xstrdup(worst);
	return most > 0;
}
