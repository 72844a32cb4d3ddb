/* slo_prom.c: judging SLO windows from Prometheus data (see slo_prom.h). */
#include "observe/slo_prom.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xmalloc.h"

#define LOOKBACK    "[30s]"
#define END_GRACE_S 3.0 /* the final scrape happens within the exporter's linger */

/* A wall-clock range of a window. */
struct range {
	double from, to;
};

/* Counts per bucket bound, for one window. */
struct buckets {
	double *le;
	double *count;
	size_t n;
};

/* Splits a selector into its name and its label matchers (without braces). */
static void split_selector(const char *sel, char **name_out, char **labels_out)
{
	const char *brace = strchr(sel, '{');
	if (!brace) {
		*name_out = xstrdup(sel);
		*labels_out = xstrdup("");
		return;
	}
	*name_out = xstrndup(sel, (size_t)(brace - sel));
	*labels_out = xstrndup(brace + 1, strlen(brace + 1) - 1);
}

/* Escapes a name for a PromQL regex inside a double-quoted string. */
static char *regex_quote(const char *s)
{
	char *out = xmalloc(strlen(s) * 3 + 1), *o = out;
	for (; *s; s++) {
		if (strchr(".^$*+?()[]{}|\\", *s)) {
			*o++ = '\\';
			*o++ = '\\';
		}
		*o++ = *s;
	}
	*o = 0;
	return out;
}

/* The label matchers that select an SLO's client-side series. */
static char *client_labels(const struct fr_timeline *tl, const struct fr_slo *slo, const char *run_id)
{
	const struct fr_plan *plan = tl->plan;
	char *l = xasprintf("run_id=\"%s\"", run_id);
	char *t;

	if (slo->scenario) {
		t = xasprintf("%s,scenario=\"%s\"", l, slo->scenario);
		free(l);
		l = t;
	}
	if (slo->series == FR_SERIES_DELIVERY || slo->series == FR_SERIES_CONNECT || slo->stat == FR_STAT_LOST)
		return l;
	if (slo->request) {
		t = xasprintf("%s,request=\"%s\"", l, slo->request);
		free(l);
		return t;
	}
	/* every request that is not a group step */
	char *alt = xstrdup("");
	for (size_t s = 0; s < plan->nscenarios; s++)
		for (size_t r = 0; r < plan->scenarios[s].nrequests; r++) {
			const char *name = plan->scenarios[s].requests[r].name;
			if (!name)
				continue;
			char *q = regex_quote(name);
			t = xasprintf("%s%s%s", alt, *alt ? "|" : "", q);
			free(q);
			free(alt);
			alt = t;
		}
	t = xasprintf("%s,request=~\"%s\"", l, alt);
	free(alt);
	free(l);
	return t;
}

/* The histogram an SLO reads: its metric name and label matchers. */
static int slo_series(const struct fr_timeline *tl, const struct fr_slo *slo, const char *run_id, char **name_out,
                      char **labels_out)
{
	if (slo->metric) {
		split_selector(slo->metric, name_out, labels_out);
		return 0;
	}
	const char *name = NULL;
	switch (slo->series) {
	case FR_SERIES_LATENCY: name = "flowrun_request_duration_seconds"; break;
	case FR_SERIES_SERVICE: name = "flowrun_request_service_seconds"; break;
	case FR_SERIES_DELIVERY: name = "flowrun_ws_delivery_seconds"; break;
	case FR_SERIES_CONNECT: return -1; /* not exported */
	}
	*name_out = xstrdup(name);
	*labels_out = client_labels(tl, slo, run_id);
	return 0;
}

/* The value of EXPR (a sum) at T; boundaries before any sample count as 0. */
static int value_at(struct fr_prom *p, const char *expr, double t, double first, double *out)
{
	int st = fr_prom_query(p, expr, t, out);
	if (st == FR_PROM_NO_DATA && t <= first + 1.0) {
		*out = 0;
		return FR_PROM_OK;
	}
	return st;
}

/* The increase of sum(last_over_time(SEL[30s])) over RANGES into *out. */
static int increase(struct fr_prom *p, const char *sel, const struct range *r, size_t n, double first, double *out)
{
	char *expr = xasprintf("sum(last_over_time(%s" LOOKBACK "))", sel);
	int st = FR_PROM_OK;
	*out = 0;
	for (size_t i = 0; i < n && st == FR_PROM_OK; i++) {
		double a, b;
		st = value_at(p, expr, r[i].from, first, &a);
		if (st == FR_PROM_OK)
			st = value_at(p, expr, r[i].to, first, &b);
		if (st == FR_PROM_OK)
			*out += b - a;
	}
	free(expr);
	return st;
}

/* Adds (or subtracts) the per-bound counts of a by-le query at T into B. */
static int add_buckets(struct fr_prom *p, const char *expr, double t, double first, double sign, struct buckets *b)
{
	struct fr_prom_sample *s;
	size_t n;
	int st = fr_prom_query_vector(p, expr, t, "le", &s, &n);
	if (st == FR_PROM_NO_DATA && t <= first + 1.0)
		return FR_PROM_OK;
	if (st)
		return st;
	for (size_t i = 0; i < n; i++) {
		if (!s[i].label)
			continue;
		double le = strcmp(s[i].label, "+Inf") == 0 ? INFINITY : strtod(s[i].label, NULL);
		size_t k = 0;
		while (k < b->n && b->le[k] != le)
			k++;
		if (k == b->n) {
			b->le = xreallocarray(b->le, b->n + 1, sizeof *b->le);
			b->count = xreallocarray(b->count, b->n + 1, sizeof *b->count);
			b->le[k] = le;
			b->count[k] = 0;
			b->n++;
		}
		b->count[k] += sign * s[i].value;
	}
	fr_prom_samples_free(s, n);
	return FR_PROM_OK;
}

/* Orders bucket indexes by their bound, for qsort_r. */
static int le_cmp(const void *a, const void *b, void *arg)
{
	const double *le = arg;
	double x = le[*(const size_t *)a], y = le[*(const size_t *)b];
	return x < y ? -1 : x > y;
}

/* Sorts B by bound. */
static void sort_buckets(struct buckets *b)
{
	size_t *idx = xcalloc(b->n + 1, sizeof *idx);
	double *le = xcalloc(b->n + 1, sizeof *le), *count = xcalloc(b->n + 1, sizeof *count);
	for (size_t i = 0; i < b->n; i++)
		idx[i] = i;
	qsort_r(idx, b->n, sizeof *idx, le_cmp, b->le);
	for (size_t i = 0; i < b->n; i++) {
		le[i] = b->le[idx[i]];
		count[i] = b->count[idx[i]];
	}
	free(b->le);
	free(b->count);
	free(idx);
	b->le = le;
	b->count = count;
}

/* histogram_quantile's interpolation over cumulative bucket counts (seconds). */
static double bucket_quantile(const struct buckets *b, double q)
{
	if (b->n == 0)
		return NAN;
	double total = b->count[b->n - 1];
	double rank = q * total;
	for (size_t i = 0; i < b->n; i++) {
		if (b->count[i] < rank)
			continue;
		if (isinf(b->le[i]))
			return i > 0 ? b->le[i - 1] : NAN;
		double lo = i > 0 ? b->le[i - 1] : 0, clo = i > 0 ? b->count[i - 1] : 0;
		double width = b->count[i] - clo;
		return width > 0 ? lo + (b->le[i] - lo) * (rank - clo) / width : b->le[i];
	}
	return b->le[b->n - 1];
}

/* The window's wall-clock ranges: adjacent segments merged, clamped to the end. */
static struct range *window_ranges(const struct fr_timeline *tl, const struct fr_window *w,
                                   const struct fr_slo_prom_run *run, size_t *n_out)
{
	struct range *r = xcalloc(w->nsegs + 1, sizeof *r);
	size_t n = 0;
	double base = run->pass_start[w->pass] - (double)((int64_t)w->pass * tl->pass_us) / 1e6;

	for (size_t i = 0; i < w->nsegs; i++) {
		const struct fr_segment *s = &tl->segs[w->segs[i]];
		double from = base + (double)s->start_us / 1e6, to = base + (double)s->end_us / 1e6;
		if (from >= run->end)
			break;
		if (to >= run->end)
			to = run->end + END_GRACE_S;
		if (n > 0 && fabs(r[n - 1].to - from) < 1e-6)
			r[n - 1].to = to;
		else
			r[n++] = (struct range){from, to};
	}
	*n_out = n;
	return r;
}

/* Compares MEASURED with the SLO's threshold. */
static int meets(const struct fr_slo *slo, double measured)
{
	switch (slo->cmp) {
	case FR_CMP_LT: return measured < slo->threshold;
	case FR_CMP_LE: return measured <= slo->threshold;
	case FR_CMP_GT: return measured > slo->threshold;
	case FR_CMP_GE: return measured >= slo->threshold;
	}
	return 0;
}

/* Percentile and mean SLOs from a histogram's buckets. */
static int judge_histogram(struct fr_prom *p, const struct fr_timeline *tl, const struct fr_slo *slo,
                           const struct fr_slo_prom_run *run, const struct range *r, size_t n, struct fr_verdict *v)
{
	char *name, *labels;
	if (slo_series(tl, slo, run->run_id, &name, &labels) < 0) {
		v->no_data = 1;
		return FR_PROM_OK;
	}
	char *sep = *labels ? "," : "";
	int st = FR_PROM_OK;
	if (slo->stat == FR_STAT_MEAN || slo->stat == FR_STAT_MAX) {
		char *sum = xasprintf("%s_sum{%s}", name, labels), *cnt = xasprintf("%s_count{%s}", name, labels);
		double s = 0, c = 0;
		st = increase(p, sum, r, n, run->pass_start[0], &s);
		if (!st)
			st = increase(p, cnt, r, n, run->pass_start[0], &c);
		/* max is not in a histogram: judged on the highest non-empty bucket bound */
		if (!st && c > 0 && slo->stat == FR_STAT_MEAN) {
			v->measured = s / c * 1e6;
			v->pass = meets(slo, v->measured);
		} else if (!st) {
			v->no_data = 1;
		}
		free(sum);
		free(cnt);
	} else {
		char *expr = xasprintf("sum by (le)(last_over_time(%s_bucket{%s}" LOOKBACK "))", name, labels);
		struct buckets b = {0};
		for (size_t i = 0; i < n && !st; i++) {
			st = add_buckets(p, expr, r[i].to, run->pass_start[0], 1, &b);
			if (!st)
				st = add_buckets(p, expr, r[i].from, run->pass_start[0], -1, &b);
		}
		free(expr);
		if (!st) {
			sort_buckets(&b);
			double total = b.n ? b.count[b.n - 1] : 0;
			if (total <= 0) {
				v->no_data = 1;
			} else {
				/* exact-bucket verdict: the share of samples at or below the threshold */
				double thr_s = slo->threshold / 1e6, good = 0;
				for (size_t i = 0; i < b.n; i++)
					if (b.le[i] <= thr_s * (1 + 1e-9))
						good = b.count[i];
				v->measured = bucket_quantile(&b, slo->quantile) * 1e6;
				if (slo->cmp == FR_CMP_LT || slo->cmp == FR_CMP_LE)
					v->pass = good / total >= slo->quantile;
				else
					v->pass = meets(slo, v->measured);
			}
		}
		free(b.le);
		free(b.count);
	}
	(void)sep;
	free(name);
	free(labels);
	return st;
}

/* error_rate and lost SLOs from counters. */
static int judge_ratio(struct fr_prom *p, const struct fr_timeline *tl, const struct fr_slo *slo,
                       const struct fr_slo_prom_run *run, const struct range *r, size_t n, struct fr_verdict *v)
{
	char *labels = client_labels(tl, slo, run->run_id);
	char *num, *den;
	if (slo->stat == FR_STAT_ERROR_RATE) {
		num = xasprintf("flowrun_requests_total{%s,outcome!=\"ok\"}", labels);
		den = xasprintf("flowrun_requests_total{%s}", labels);
	} else {
		num = xasprintf("flowrun_ws_messages_total{%s,kind=\"%s\"}", labels, fr_ws_counter_name(FR_WS_LOST));
		den = xasprintf("flowrun_ws_messages_total{%s,kind=\"%s\"}", labels,
		                fr_ws_counter_name(FR_WS_EXPECTED));
	}
	double a = 0, b = 0;
	int st = increase(p, num, r, n, run->pass_start[0], &a);
	if (!st)
		st = increase(p, den, r, n, run->pass_start[0], &b);
	if (st == FR_PROM_NO_DATA || (!st && b <= 0)) {
		v->no_data = 1;
		st = FR_PROM_OK;
	} else if (!st) {
		v->measured = slo->stat == FR_STAT_LOST && !slo->threshold_is_rate ? a : a / b;
		v->pass = meets(slo, v->measured);
	}
	free(num);
	free(den);
	free(labels);
	return st;
}

/* Judges each window on its wall-clock ranges; stops at the first error. */
int fr_slo_prom_evaluate(struct fr_prom *p, const struct fr_timeline *tl, const struct fr_slo_prom_run *run,
                         int server_only, struct fr_verdict *verdicts)
{
	for (size_t i = 0; i < tl->nwindows; i++) {
		const struct fr_window *w = &tl->windows[i];
		const struct fr_slo *slo = &tl->plan->slos[w->slo];
		struct fr_verdict *v = &verdicts[i];
		if (server_only && !slo->metric)
			continue;
		free(v->measured_text);
		memset(v, 0, sizeof *v);
		v->window = (int)i;
		v->pass = 0;
		size_t n;
		struct range *r = window_ranges(tl, w, run, &n);
		int st;
		if (n == 0) {
			v->no_data = 1;
			st = FR_PROM_OK;
		} else if (slo->stat == FR_STAT_ERROR_RATE || slo->stat == FR_STAT_LOST) {
			st = judge_ratio(p, tl, slo, run, r, n, v);
		} else {
			st = judge_histogram(p, tl, slo, run, r, n, v);
		}
		free(r);
		if (st == FR_PROM_NO_DATA) {
			v->no_data = 1;
			st = FR_PROM_OK;
		}
		if (st) {
			v->measured_text = xstrdup("error");
			return st;
		}
		if (v->no_data) {
			v->pass = 0;
			v->measured_text = xstrdup("no data");
		} else {
			char buf[64];
			fr_slo_format_value(slo, v->measured, buf, sizeof buf);
			v->measured_text = xstrdup(buf);
		}
	}
	return FR_PROM_OK;
}

/* Reads the pass starts and the end the run's exporter published. */
int fr_slo_prom_find_run(struct fr_prom *p, const char *run_id, int npasses, double lookback_s,
                         struct fr_slo_prom_run *run, double **pass_start_out)
{
	double *starts = xcalloc((size_t)npasses + 1, sizeof *starts);
	int st = FR_PROM_OK;

	for (int i = 0; i < npasses && !st; i++) {
		char *q = xasprintf("max(last_over_time(flowrun_pass_start_seconds{run_id=\"%s\",pass=\"%d\"}[%.0fs]))",
		                    run_id, i + 1, lookback_s);
		st = fr_prom_query(p, q, 0, &starts[i]);
		free(q);
	}
	double end = 0;
	if (!st) {
		char *q = xasprintf("max(last_over_time(flowrun_run_end_seconds{run_id=\"%s\"}[%.0fs]))", run_id,
		                    lookback_s);
		st = fr_prom_query(p, q, 0, &end);
		free(q);
	}
	if (st) {
		free(starts);
		*pass_start_out = NULL;
		return st;
	}
	run->run_id = run_id;
	run->pass_start = starts;
	run->end = end;
	*pass_start_out = starts;
	return FR_PROM_OK;
}
