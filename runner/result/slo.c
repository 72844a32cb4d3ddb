/* slo.c: judges each SLO window of a timeline on the merged cells of its segments.
 *
 * The keys an SLO reads are chosen from its filters: websocket series and
 * `lost` read websocket keys; every other statistic reads HTTP keys — the
 * requests, groups or group steps named by `request` (in any scenario unless
 * `scenario` is given), or else every top-level request and group (never the
 * steps, whose samples are part of their group's). An each-stage window only
 * reads the keys of the scenario whose stage it is. The cells of those keys
 * over the window's segments are summed (histograms merge exactly) and the
 * statistic is read from the sum.
 */
#include "result/slo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/fmt.h"
#include "util/xmalloc.h"

/* Whether SLO reads websocket keys. */
static int wants_ws(const struct fr_slo *slo)
{
	return slo->stat == FR_STAT_LOST || slo->series == FR_SERIES_DELIVERY || slo->series == FR_SERIES_CONNECT;
}

/* The filters of the SLO, then the kind of key its statistic reads. */
int fr_slo_selects(const struct fr_plan *plan, const struct fr_key *key, const struct fr_slo *slo,
                   const struct fr_window *w)
{
	const struct fr_scenario *sc = &plan->scenarios[key->scenario];
	if (slo->scenario && strcmp(slo->scenario, sc->name) != 0)
		return 0;
	if (!slo->scenario && w->scenario >= 0 && key->scenario != w->scenario)
		return 0;
	if (wants_ws(slo))
		return key->request == NULL;
	if (!key->request)
		return 0;
	if (slo->request)
		return key->request->name && strcmp(slo->request, key->request->name) == 0;
	return key->parent < 0;
}

/* Sums the cells SLO reads over window W into OUT. */
static void sum_window(const struct fr_results *res, const struct fr_slo *slo, const struct fr_window *w,
                       struct fr_cell *out)
{
	for (size_t k = 0; k < res->nkeys; k++)
		if (fr_slo_selects(res->tl->plan, &res->keys[k], slo, w))
			fr_results_sum(res, (int)k, -1, w->segs, w->nsegs, out);
}

/* The histogram of the SLO's series in a cell. */
static const struct fr_hist *series_hist(const struct fr_cell *c, enum fr_series s)
{
	switch (s) {
	case FR_SERIES_SERVICE: return c->service;
	case FR_SERIES_DELIVERY: return c->delivery;
	case FR_SERIES_CONNECT: return c->connect;
	default: return c->latency;
	}
}

/* Reads the SLO's statistic from C into *V; returns 0, or -1 when there is no data. */
static int measure(const struct fr_slo *slo, const struct fr_cell *c, double *v)
{
	const struct fr_hist *h = series_hist(c, slo->series);
	switch (slo->stat) {
	case FR_STAT_ERROR_RATE:
		if (!fr_cell_requests(c))
			return -1;
		*v = (double)fr_cell_errors(c) / (double)fr_cell_requests(c);
		return 0;
	case FR_STAT_LOST:
		if (!c->ws[FR_WS_EXPECTED])
			return -1;
		*v = slo->threshold_is_rate ? (double)c->ws[FR_WS_LOST] / (double)c->ws[FR_WS_EXPECTED]
		                            : (double)c->ws[FR_WS_LOST];
		return 0;
	default: break;
	}
	if (!fr_hist_count(h))
		return -1;
	if (slo->stat == FR_STAT_MAX)
		*v = (double)fr_hist_max(h);
	else if (slo->stat == FR_STAT_MEAN)
		*v = fr_hist_mean(h);
	else
		*v = (double)fr_hist_quantile(h, slo->quantile);
	return 0;
}

/* Judges window W of SLO over the sliding positions of the time series into OUT. */
static void evaluate_sustained(const struct fr_results *res, const struct fr_window *w, const struct fr_slo *slo,
                               struct fr_verdict *out)
{
	char worst[64], len[FR_FMT_LEN], from[FR_FMT_LEN], to[FR_FMT_LEN];
	out->sustained = 1;
	unsigned char *sel = xcalloc(res->nkeys ? res->nkeys : 1, 1);
	for (size_t k = 0; k < res->nkeys; k++)
		sel[k] = (unsigned char)fr_slo_selects(res->tl->plan, &res->keys[k], slo, w);
	int rc = res->series ? fr_sustained_judge(res->series, res->tl, w, slo, sel, res->nkeys, &out->breach) : -1;
	free(sel);
	if (rc < 0) {
		out->no_data = 1;
		out->measured_text = xstrdup(res->series ? "no data" : "no time series");
		return;
	}
	out->measured = out->breach.worst;
	out->pass = out->breach.longest_us <= w->sustained_us;
	fr_slo_format_value(slo, out->measured, worst, sizeof worst);
	if (!out->breach.longest_us) {
		out->measured_text = xasprintf("no breach (worst %s)", worst);
		return;
	}
	fr_fmt_duration(len, sizeof len, out->breach.longest_us);
	fr_fmt_offset(from, sizeof from, out->breach.start_us);
	fr_fmt_offset(to, sizeof to, out->breach.end_us);
	out->measured_text = xasprintf("breach %s at %s-%s (worst %s)", len, from, to, worst);
}

/* A failed latency SLO keeps the slowest samples of the cells its window read. */
static void keep_slowest(const struct fr_slo *slo, const struct fr_cell *sum, struct fr_verdict *out)
{
	int latency = slo->stat == FR_STAT_QUANTILE || slo->stat == FR_STAT_MAX || slo->stat == FR_STAT_MEAN;

	if (latency && !out->pass && !out->no_data && !out->skipped)
		out->slowest = sum->slowest[slo->series];
}

/* Judges window WINDOW of RES into OUT. */
void fr_slo_evaluate_window(const struct fr_results *res, int window, struct fr_verdict *out)
{
	const struct fr_window *w = &res->tl->windows[window];
	const struct fr_slo *slo = &res->tl->plan->slos[w->slo];
	char buf[64];
	memset(out, 0, sizeof *out);
	out->window = window;
	if (slo->metric) {
		out->skipped = 1;
		out->measured_text = xstrdup("skipped");
		return;
	}
	struct fr_cell sum = {0};
	sum_window(res, slo, w, &sum);
	if (w->over_us > 0) {
		evaluate_sustained(res, w, slo, out);
		keep_slowest(slo, &sum, out);
		fr_cell_clear(&sum);
		return;
	}
	if (measure(slo, &sum, &out->measured) < 0) {
		out->no_data = 1;
		out->measured_text = xstrdup("no data");
	} else {
		out->pass = fr_cmp_holds(slo->cmp, out->measured, slo->threshold);
		fr_slo_format_value(slo, out->measured, buf, sizeof buf);
		out->measured_text = xstrdup(buf);
	}
	keep_slowest(slo, &sum, out);
	fr_cell_clear(&sum);
}

/* Judges every window of the timeline. */
int fr_slo_evaluate(const struct fr_results *res, struct fr_verdict **out, size_t *n_out)
{
	size_t n = res->tl->nwindows;
	*out = xcalloc(n, sizeof **out);
	for (size_t i = 0; i < n; i++)
		fr_slo_evaluate_window(res, (int)i, &(*out)[i]);
	*n_out = n;
	return 0;
}

/* Frees verdicts. */
void fr_verdicts_free(struct fr_verdict *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++) {
		free(v[i].measured_text);
		free(v[i].saturation);
	}
	free(v);
}

/* An invalid run outranks a failed SLO: a verdict on load that never arrived means nothing. */
enum fr_slo_result fr_slo_overall(const struct fr_results *res, const struct fr_verdict *v, size_t n)
{
	if (res && res->invalid_reason)
		return FR_SLO_INVALID;
	for (size_t i = 0; i < n; i++)
		if (!v[i].skipped && !v[i].inconclusive && !v[i].pass)
			return FR_SLO_FAIL;
	return FR_SLO_PASS;
}

/* Latencies are what the generator's own delay adds to. */
int fr_slo_is_latency(const struct fr_slo *slo)
{
	return !slo->metric && (slo->stat == FR_STAT_QUANTILE || slo->stat == FR_STAT_MAX || slo->stat == FR_STAT_MEAN);
}

/* Formats VALUE in the unit of SLO's threshold. */
void fr_slo_format_value(const struct fr_slo *slo, double value, char *buf, size_t len)
{
	int rate = slo->stat == FR_STAT_ERROR_RATE || (slo->stat == FR_STAT_LOST && slo->threshold_is_rate);
	if (rate) {
		double pct = value * 100;
		snprintf(buf, len, pct > 0 && pct < 0.01 ? "%.2g%%" : "%.2f%%", pct);
	} else if (slo->stat == FR_STAT_LOST) {
		snprintf(buf, len, "%.0f", value);
	} else {
		fr_fmt_latency(buf, len, value);
	}
}

/* "p99", "p99.9", "max", "mean", "error_rate", "lost". */
void fr_slo_stat_name(const struct fr_slo *slo, char *buf, size_t len)
{
	static const char *const names[] = {"", "max", "mean", "error_rate", "lost"};
	if (slo->stat == FR_STAT_QUANTILE)
		snprintf(buf, len, "p%g", slo->quantile * 100);
	else
		snprintf(buf, len, "%s", names[slo->stat]);
}

/* The comparator that describes a miss: ">=" for "<", ">" for "<=", … */
const char *fr_slo_cmp_negated(enum fr_cmp cmp)
{
	static const char *const t[] = {">=", ">", "<=", "<"};
	return t[cmp];
}
