/* compare.c: reading two results, the bootstrap of each figure, the verdicts and their tables (see compare.h).
 *
 * A result is read back as what the comparison needs: its time series
 * (series_json.h), the names of the series' keys, its segments and its SLO
 * windows by name. The intervals of a window are those lying wholly inside
 * it (result/sustained.h's rule). A long run's intervals are grouped into at
 * most MAX_GROUPS consecutive groups, the unit the bootstrap resamples, in
 * blocks of about the cube root of their number (the usual choice for a
 * moving-block bootstrap: long enough to keep the neighbours that move
 * together, short enough to leave many blocks). Each resample of a run is
 * summed into one dense histogram (ivdense.h), and the figures of the same
 * resample index of both runs give one sample of the change.
 */
#include "result/compare.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "result/health.h"
#include "result/hist.h"
#include "result/ivdense.h"
#include "result/report_json.h"
#include "result/series_json.h"
#include "result/sustained.h"
#include "util/fmt.h"
#include "util/xmalloc.h"

#define MAX_GROUPS 200 /* the most units a run's window is resampled in */
#define MIN_SAMPLES                                                                                                    \
	10 /* requests of a window, or latency samples beyond a                                                        \
	    * percentile (n × (1 − q)), fewer than this: not judged */

/* A window of a result: its name and segments. */
struct win {
	char *name;
	int *segs;
	size_t nsegs;
};

/* The generator's lateness compared between the runs — the open model's
 * send lag (late leaving) and the worker threads' loop lag (late reading an
 * answer) — at these quantiles; a latency quantile q is guarded by their
 * change up to 1 − (1 − q) / 10 (p50: p95, p90: p99,
 * p99: p99.9), the quantile of a tenth of its tail. */
#define LAG_QS 5

/* What the comparison reads of one result. */
struct run {
	struct fr_timeseries *s;
	int own_series; /* read from JSON: freed with the run */
	char **keys;    /* the series' key names, in its order */
	size_t nkeys;
	struct fr_segment *segs;
	size_t nsegs;
	struct fr_timeline tl; /* only its segments */
	struct win *wins;      /* "run" first, then the SLO windows by distinct name */
	size_t nwins;
	const char *plan;    /* its plan's name (borrowed) */
	const char *invalid; /* why the run is invalid, or NULL (borrowed) */
	double lag[LAG_QS];  /* the open model's send lag at lag_q (µs; 0 without) */
	double loop[LAG_QS]; /* the worker threads' loop lag at lag_q (µs; 0 without) */
};

/* Consecutive intervals of one key, summed: the unit of resampling. */
struct group {
	struct fr_ivhist h;
	uint64_t requests, errors, max_us;
	int64_t us; /* the time it covers */
};

/* The figures of one run's key in one window: once on all groups, and per resample. */
struct figures {
	double point[FR_COMPARE_METRICS];
	double *resample[FR_COMPARE_METRICS];
	uint64_t samples, requests;
};

static const char *const metric_names[] = {"p50", "p90", "p99", "error_rate", "throughput"};
static const double lag_q[LAG_QS] = {0.50, 0.90, 0.95, 0.99, 0.999};
static const int lag_upto[3] = {2, 3, 4}; /* per latency metric, the last lag_q it is guarded by */

const char *fr_compare_metric_name(enum fr_compare_metric m)
{
	return (unsigned)m < FR_COMPARE_METRICS ? metric_names[m] : "?";
}

/* splitmix64: a small, well-mixed generator for block starts. */
static uint64_t next_rand(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* FNV-1a of S mixed into H: each figure draws its own reproducible stream. */
static uint64_t hash_str(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

/* Frees what run_read filled. */
static void run_free(struct run *r)
{
	if (r->own_series)
		fr_timeseries_free(r->s);
	for (size_t i = 0; i < r->nkeys; i++)
		free(r->keys[i]);
	free(r->keys);
	for (size_t i = 0; i < r->nwins; i++) {
		free(r->wins[i].name);
		free(r->wins[i].segs);
	}
	free(r->wins);
	free(r->segs);
}

/* The window named NAME of R, or NULL. */
static const struct win *find_win(const struct run *r, const char *name)
{
	for (size_t i = 0; i < r->nwins; i++)
		if (strcmp(r->wins[i].name, name) == 0)
			return &r->wins[i];
	return NULL;
}

/* Adds a window of the N segment indexes SEGS (taken over), unless its name is taken. */
static void add_win(struct run *r, char *name, int *segs, size_t n)
{
	if (find_win(r, name)) {
		free(name);
		free(segs);
		return;
	}
	r->wins = xreallocarray(r->wins, r->nwins + 1, sizeof *r->wins);
	r->wins[r->nwins++] = (struct win){name, segs, n};
}

/* The segment indexes of the JSON array SEGS that exist in R; their count in *N_OUT. */
static int *json_segs(const struct run *r, const json_t *segs, size_t *n_out)
{
	int *out = xcalloc(json_array_size(segs) + 1, sizeof *out);
	size_t i, n = 0;
	json_t *v;
	json_array_foreach(segs, i, v)
	{
		json_int_t s = json_integer_value(v);
		if (s >= 0 && (size_t)s < r->nsegs)
			out[n++] = (int)s;
	}
	*n_out = n;
	return out;
}

/* Every segment of R, for the window "run". */
static void add_run_win(struct run *r)
{
	int *all = xcalloc(r->nsegs + 1, sizeof *all);
	for (size_t i = 0; i < r->nsegs; i++)
		all[i] = (int)i;
	add_win(r, xstrdup("run"), all, r->nsegs);
}

/* A window's name: its label, and the sweep value of its pass (as verdicts name it). */
static char *win_label(const char *label, const char *param, const char *value)
{
	if (param && value)
		return xasprintf("%s [%s=%s]", label ? label : "?", param, value);
	return xstrdup(label ? label : "?");
}

/* The name of JSON window W of result DOC. */
static char *win_name(const json_t *doc, const json_t *w)
{
	const json_t *plan = json_object_get(doc, "plan");
	json_int_t pass = json_integer_value(json_object_get(w, "pass"));
	return win_label(json_string_value(json_object_get(w, "label")),
	                 json_string_value(json_object_get(plan, "sweep_param")),
	                 json_string_value(json_array_get(json_object_get(plan, "sweep_values"), (size_t)pass)));
}

/* The quantiles lag_q of histogram H into Q (H NULL or empty: 0). */
static void lag_read(double *q, const struct fr_hist *h)
{
	for (int i = 0; i < LAG_QS; i++)
		q[i] = h && fr_hist_count(h) ? (double)fr_hist_quantile(h, lag_q[i]) : 0;
}

/* The loop lag of every worker thread and segment of result DOC, merged
 * (caller frees; empty without). */
static struct fr_hist *loop_lag_json(const json_t *doc)
{
	struct fr_hist *all = fr_hist_create();
	const json_t *t, *seg;
	size_t i, j;
	json_array_foreach(json_object_get(json_object_get(doc, "generator"), "threads"), i, t)
	{
		json_array_foreach(json_object_get(t, "segments"), j, seg)
		{
			const json_t *raw = json_object_get(seg, "loop_lag_raw");
			struct fr_hist *h = json_is_object(raw) ? fr_report_json_raw_hist(raw) : NULL;
			if (h)
				fr_hist_merge(all, h);
			fr_hist_free(h);
		}
	}
	return all;
}

/* The same from a run's own generator health H (NULL: none). */
static struct fr_hist *loop_lag_health(const struct fr_health *h)
{
	struct fr_hist *all = fr_hist_create();
	for (size_t t = 0; h && t < h->nthreads; t++)
		for (size_t s = 0; s < h->nsegs; s++)
			if (h->threads[t].cells[s].lag)
				fr_hist_merge(all, h->threads[t].cells[s].lag);
	return all;
}

/* Reads what the comparison needs of result DOC; -1 with a message. */
static int run_read(const json_t *doc, const char *name, struct run *r, char **err_out)
{
	memset(r, 0, sizeof *r);
	const char *fmt = json_string_value(json_object_get(doc, "format"));
	if (!fmt || strcmp(fmt, "flowrun-result") != 0) {
		*err_out = xasprintf("%s is not a flowrun result (no \"format\": \"flowrun-result\")", name);
		return -1;
	}
	const json_t *series = json_object_get(doc, "series");
	char *why = NULL;
	r->plan = json_string_value(json_object_get(json_object_get(doc, "plan"), "name"));
	r->invalid = json_string_value(json_object_get(doc, "invalid"));
	const json_t *lag = json_object_get(json_object_get(doc, "scheduler"), "lag_raw");
	struct fr_hist *h = json_is_object(lag) ? fr_report_json_raw_hist(lag) : NULL;
	lag_read(r->lag, h);
	fr_hist_free(h);
	h = loop_lag_json(doc);
	lag_read(r->loop, h);
	fr_hist_free(h);
	r->own_series = 1;
	if (!series || !(r->s = fr_series_json_read(series, &why))) {
		*err_out = xasprintf("%s has no time series to compare (%s)", name, why ? why : "no \"series\"");
		free(why);
		return -1;
	}
	const json_t *keys = json_object_get(series, "keys"), *v;
	size_t i;
	r->keys = xcalloc(json_array_size(keys) + 1, sizeof *r->keys);
	json_array_foreach(keys, i, v)
	{
		const char *k = json_string_value(json_object_get(v, "name"));
		r->keys[r->nkeys++] = xstrdup(k ? k : "?");
	}
	const json_t *segs = json_object_get(doc, "segments");
	r->segs = xcalloc(json_array_size(segs) + 1, sizeof *r->segs);
	json_array_foreach(segs, i, v)
	{
		r->segs[r->nsegs].start_us = json_integer_value(json_object_get(v, "start_us"));
		r->segs[r->nsegs].end_us = json_integer_value(json_object_get(v, "end_us"));
		r->nsegs++;
	}
	r->tl.segs = r->segs;
	r->tl.nsegs = r->nsegs;
	add_run_win(r);
	json_array_foreach(json_object_get(doc, "windows"), i, v)
	{
		size_t n;
		int *ws = json_segs(r, json_object_get(v, "segments"), &n);
		add_win(r, win_name(doc, v), ws, n);
	}
	return 0;
}

/* The same from a run's own results (the series is borrowed). */
static int run_from_results(const struct fr_results *res, struct run *r, char **err_out)
{
	memset(r, 0, sizeof *r);
	if (!res->series) {
		*err_out = xstrdup("this run kept no time series to compare");
		return -1;
	}
	const struct fr_timeline *tl = res->tl;
	const struct fr_plan *p = tl->plan;
	r->plan = p->name;
	r->invalid = res->invalid_reason;
	lag_read(r->lag, res->sched_lag);
	struct fr_hist *loop = loop_lag_health(res->health);
	lag_read(r->loop, loop);
	fr_hist_free(loop);
	r->s = res->series;
	r->keys = xcalloc(res->nkeys + 1, sizeof *r->keys);
	for (size_t k = 0; k < res->nkeys; k++)
		r->keys[r->nkeys++] = xstrdup(res->keys[k].name);
	r->segs = xcalloc(tl->nsegs + 1, sizeof *r->segs);
	for (size_t i = 0; i < tl->nsegs; i++)
		r->segs[r->nsegs++] =
		        (struct fr_segment){.start_us = tl->segs[i].start_us, .end_us = tl->segs[i].end_us};
	r->tl.segs = r->segs;
	r->tl.nsegs = r->nsegs;
	add_run_win(r);
	for (size_t i = 0; i < tl->nwindows; i++) {
		const struct fr_window *w = &tl->windows[i];
		int *segs = xcalloc(w->nsegs + 1, sizeof *segs);
		if (w->nsegs)
			memcpy(segs, w->segs, w->nsegs * sizeof *segs);
		const char *val =
		        p->sweep_param && w->pass >= 0 && (size_t)w->pass < p->nsweep ? p->sweep_values[w->pass] : NULL;
		add_win(r, win_label(w->label, p->sweep_param, val), segs, w->nsegs);
	}
	return 0;
}

/* The groups of KEY over the intervals of window W of R; their count in *N_OUT. */
static struct group *groups_of(const struct run *r, size_t key, const struct win *w, size_t *n_out)
{
	struct fr_window fw = {.segs = w->segs, .nsegs = w->nsegs};
	size_t n;
	size_t *iv = fr_sustained_intervals(&fw, &r->tl, r->s->interval_us, r->s->nintervals, &n);
	size_t per = (n + MAX_GROUPS - 1) / MAX_GROUPS, ng = per ? (n + per - 1) / per : 0;
	struct group *g = xcalloc(ng ? ng : 1, sizeof *g);
	for (size_t j = 0; j < n; j++) {
		struct group *x = &g[j / per];
		const struct fr_iv *d = fr_timeseries_get(r->s, (int)key, iv[j]);
		fr_ivhist_merge(&x->h, &d->latency);
		x->requests += fr_timeseries_requests(d);
		x->errors += fr_timeseries_errors(d);
		if (fr_ivhist_count(&d->latency) && d->latency.max_us > x->max_us)
			x->max_us = d->latency.max_us;
		x->us += r->s->interval_us;
	}
	free(iv);
	*n_out = ng;
	return g;
}

/* A Poisson draw of mean K: Knuth's product of uniforms while small, a
 * rounded normal beyond (the Poisson bootstrap needs its spread, not its tail). */
static uint64_t poisson(uint64_t k, uint64_t *rng)
{
	if (!k)
		return 0;
	if (k > 30) {
		double u1 = ((double)(next_rand(rng) >> 11) + 1) / 9007199254740993.0;
		double u2 = (double)(next_rand(rng) >> 11) / 9007199254740992.0;
		double v = (double)k + sqrt((double)k) * sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
		return v < 0 ? 0 : (uint64_t)llround(v);
	}
	double limit = exp(-(double)k), p = 1;
	uint64_t n = 0;
	do {
		p *= (double)(next_rand(rng) >> 11) / 9007199254740992.0;
		n++;
	} while (p > limit);
	return n - 1;
}

/* One interval histogram resampled into a dense one (the Poisson bootstrap:
 * every bucket's count drawn again), and the largest bucket drawn. */
struct draw {
	struct fr_ivdense *d;
	uint64_t *rng;
	int64_t top; /* the lowest value of the highest bucket drawn, -1: none */
};

/* fr_ivhist_foreach callback of resample_hist. */
static void draw_bucket(int64_t low_us, uint64_t count, void *arg)
{
	struct draw *a = arg;
	uint64_t c = poisson(count, a->rng);
	a->d->counts[fr_ivhist_bucket_of(low_us)] += c;
	a->d->total += c;
	if (c && low_us > a->top)
		a->top = low_us;
}

/* The figures of the groups in IDX[0 .. N) into OUT: all of them as they
 * are (RNG NULL), or a resample with each group's samples and counts drawn
 * again (RNG set). */
static void measure(const struct group *g, const size_t *idx, size_t n, struct fr_ivdense *d, double *out,
                    uint64_t *samples, uint64_t *requests, uint64_t *rng)
{
	uint64_t req = 0, err = 0, max = 0;
	int64_t us = 0;
	memset(d, 0, sizeof *d);
	for (size_t j = 0; j < n; j++) {
		const struct group *x = &g[idx[j]];
		us += x->us;
		if (!rng) {
			fr_ivdense_add(d, &x->h, 1);
			req += x->requests;
			err += x->errors;
			max = x->max_us > max ? x->max_us : max;
			continue;
		}
		struct draw a = {d, rng, -1};
		fr_ivhist_foreach(&x->h, draw_bucket, &a);
		/* the exact max stays when its bucket was drawn, else that bucket's top */
		uint64_t m = a.top < 0 ? 0
		             : fr_ivhist_bucket_of(a.top) == fr_ivhist_bucket_of((int64_t)x->max_us)
		                     ? x->max_us
		                     : (uint64_t)fr_ivhist_bucket_low(fr_ivhist_bucket_of(a.top) + 1) - 1;
		max = m > max ? m : max;
		uint64_t e = poisson(x->errors, rng);
		req += e + poisson(x->requests - x->errors, rng);
		err += e;
	}
	static const double qs[3] = {0.5, 0.9, 0.99};
	for (int m = 0; m < 3; m++)
		out[m] = (double)fr_ivdense_quantile(d, qs[m], (int64_t)max);
	out[FR_COMPARE_ERRORS] = req ? (double)err / (double)req : 0;
	out[FR_COMPARE_THROUGHPUT] = us > 0 ? (double)req * 1e6 / (double)us : 0;
	if (samples)
		*samples = d->total;
	if (requests)
		*requests = req;
}

/* The point figures and RESAMPLES moving-block resamples of KEY in W of R. */
static void figures_of(const struct run *r, size_t key, const struct win *w, int resamples, uint64_t seed,
                       struct figures *f)
{
	size_t n;
	struct group *g = groups_of(r, key, w, &n);
	struct fr_ivdense *d = xmalloc(sizeof *d);
	size_t *idx = xcalloc(n ? n : 1, sizeof *idx);
	for (size_t j = 0; j < n; j++)
		idx[j] = j;
	memset(f, 0, sizeof *f);
	measure(g, idx, n, d, f->point, &f->samples, &f->requests, NULL);
	for (int m = 0; m < FR_COMPARE_METRICS; m++)
		f->resample[m] = xcalloc((size_t)resamples, sizeof(double));
	size_t b = n ? (size_t)lround(cbrt((double)n)) : 1;
	b = b < 1 ? 1 : b > n ? n : b;
	uint64_t rng = seed;
	for (int k = 0; k < resamples && n; k++) {
		for (size_t j = 0; j < n;) {
			size_t start = (size_t)(next_rand(&rng) % (uint64_t)(n - b + 1));
			for (size_t t = 0; t < b && j < n; t++)
				idx[j++] = start + t;
		}
		double v[FR_COMPARE_METRICS];
		measure(g, idx, n, d, v, NULL, NULL, &rng);
		for (int m = 0; m < FR_COMPARE_METRICS; m++)
			f->resample[m][k] = v[m];
	}
	for (size_t j = 0; j < n; j++)
		fr_ivhist_clear(&g[j].h);
	free(g);
	free(idx);
	free(d);
}

/* Orders doubles, for qsort. */
static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The change from B to C of metric M: relative, or in points for the error rate. */
static double change_of(enum fr_compare_metric m, double b, double c)
{
	if (m == FR_COMPARE_ERRORS)
		return c - b;
	if (b <= 0)
		return c > 0 ? INFINITY : 0;
	return c / b - 1;
}

/* The verdict on a change and its interval [LO, HI]: the whole interval
 * beyond the tolerance — the change exceeds it even at the kind end of the
 * noise. Latency and the error rate get worse upwards, throughput
 * downwards; an error rate must also move by the tolerance of a percentage
 * point at least. */
static enum fr_compare_verdict judge(enum fr_compare_metric m, double base, double change, double lo, double hi,
                                     double tol)
{
	double up = tol, down = -tol;
	if (m == FR_COMPARE_ERRORS) {
		double floor = tol / 100, rel = tol * base;
		up = rel > floor ? rel : floor;
		down = -up;
	}
	int rises = change > up && lo > up, falls = change < down && hi < down;
	if (m == FR_COMPARE_THROUGHPUT)
		return falls ? FR_COMPARE_WORSE : rises ? FR_COMPARE_BETTER : FR_COMPARE_UNCHANGED;
	return rises ? FR_COMPARE_WORSE : falls ? FR_COMPARE_BETTER : FR_COMPARE_UNCHANGED;
}

/* Appends the rows of KEY in window NAME from the figures of both runs;
 * a latency must also move by more than the generator's own lateness moved
 * between the runs (c->lag, µs): latency counts from the intended send time,
 * so a run on a busier machine is slower by up to that much through no fault
 * of the target. */
static void add_rows(struct fr_comparison *c, const char *key, const char *name, const struct figures *fb,
                     const struct figures *fc, int resamples)
{
	double *ch = xcalloc((size_t)resamples, sizeof *ch);
	double alpha = (1 - FR_COMPARE_CONFIDENCE) / 2;
	for (int m = 0; m < FR_COMPARE_METRICS; m++) {
		c->rows = xreallocarray(c->rows, c->nrows + 1, sizeof *c->rows);
		struct fr_compare_row *row = &c->rows[c->nrows++];
		*row = (struct fr_compare_row){.key = xstrdup(key), .window = xstrdup(name), .metric = m};
		row->base = fb->point[m];
		row->cur = fc->point[m];
		row->change = change_of(m, row->base, row->cur);
		/* a percentile rests on the samples beyond it: p99 of 200 samples is
		 * two of them, one hiccup moves it whatever the code did */
		static const double tail[3] = {0.5, 0.1, 0.01};
		int latency = m <= FR_COMPARE_P99;
		double nb = latency ? (double)fb->samples * tail[m] : (double)fb->requests;
		double nc = latency ? (double)fc->samples * tail[m] : (double)fc->requests;
		if (nb < MIN_SAMPLES || nc < MIN_SAMPLES) {
			row->verdict = FR_COMPARE_FEW;
			row->lo = row->hi = NAN;
			c->few++;
			continue;
		}
		for (int k = 0; k < resamples; k++)
			ch[k] = change_of(m, fb->resample[m][k], fc->resample[m][k]);
		qsort(ch, (size_t)resamples, sizeof *ch, cmp_double);
		row->lo = ch[(int)floor(alpha * (resamples - 1))];
		row->hi = ch[(int)ceil((1 - alpha) * (resamples - 1))];
		row->verdict = judge(m, row->base, row->change, row->lo, row->hi, c->tolerance);
		if (latency && fabs(row->cur - row->base) <= c->lag[m])
			row->verdict = FR_COMPARE_UNCHANGED;
		c->worse += row->verdict == FR_COMPARE_WORSE;
		c->better += row->verdict == FR_COMPARE_BETTER;
		c->unchanged += row->verdict == FR_COMPARE_UNCHANGED;
	}
	free(ch);
}

/* Frees the resamples of F. */
static void figures_free(struct figures *f)
{
	for (int m = 0; m < FR_COMPARE_METRICS; m++)
		free(f->resample[m]);
}

/* The index of key NAME in R, or -1. */
static int find_key(const struct run *r, const char *name)
{
	for (size_t k = 0; k < r->nkeys; k++)
		if (strcmp(r->keys[k], name) == 0)
			return (int)k;
	return -1;
}

/* How far the generator's lateness moved between the runs for the latency
 * metric M (µs): the largest change of the send lag's quantiles from p50 to
 * lag_upto[M], plus the same of the loop lag (a sample can be late both
 * leaving and being read). Lateness both runs had alike is in both runs'
 * samples and in their noise; only a change of it can pass for the
 * target's. Never below FR_COMPARE_MIN_US: the target's own scheduling on a
 * busy machine moves a loopback round trip by that much, and flowrun cannot
 * see it. */
static double lag_shift(const struct run *rb, const struct run *rc, int m)
{
	double send = 0, loop = 0;
	for (int i = 0; i <= lag_upto[m]; i++) {
		send = fmax(send, fabs(rc->lag[i] - rb->lag[i]));
		loop = fmax(loop, fabs(rc->loop[i] - rb->loop[i]));
	}
	return fmax(FR_COMPARE_MIN_US, send + loop);
}

/* Every key of the base that the run has too, in every window both have. */
static struct fr_comparison *compare_runs(struct run *rb, const char *base_name, struct run *rc, const char *cur_name,
                                          const struct fr_compare_opts *opts)
{
	const char *pb = rb->plan, *pc = rc->plan;
	int resamples = opts && opts->resamples > 0 ? opts->resamples : FR_COMPARE_RESAMPLES;
	struct fr_comparison *c = xcalloc(1, sizeof *c);
	c->base_name = xstrdup(base_name);
	c->cur_name = xstrdup(cur_name);
	c->tolerance = opts && opts->tolerance > 0 ? opts->tolerance : FR_COMPARE_TOLERANCE;
	c->plan = xstrdup(pb ? pb : "?");
	for (int m = 0; m <= FR_COMPARE_P99; m++)
		c->lag[m] = lag_shift(rb, rc, m);
	if (rb->invalid || rc->invalid) {
		c->invalid = 1;
		c->note = xasprintf("%s is invalid (%s): its figures cannot be trusted",
		                    rb->invalid ? base_name : cur_name, rb->invalid ? rb->invalid : rc->invalid);
	} else if (pb && pc && strcmp(pb, pc) != 0) {
		c->note = xasprintf("the runs are of different plans: %s and %s", pb, pc);
	}
	uint64_t seed = opts && opts->seed ? opts->seed : 0xcbf29ce484222325ull;
	for (size_t k = 0; k < rb->nkeys; k++) {
		int kc = find_key(rc, rb->keys[k]);
		for (size_t w = 0; kc >= 0 && w < rb->nwins; w++) {
			const struct win *wc = find_win(rc, rb->wins[w].name);
			if (!wc)
				continue;
			uint64_t h = hash_str(hash_str(seed, rb->keys[k]), rb->wins[w].name);
			struct figures fb, fc;
			figures_of(rb, k, &rb->wins[w], resamples, h, &fb);
			figures_of(rc, (size_t)kc, wc, resamples, h ^ 0x5851f42d4c957f2dull, &fc);
			if (fb.requests || fc.requests)
				add_rows(c, rb->keys[k], rb->wins[w].name, &fb, &fc, resamples);
			figures_free(&fb);
			figures_free(&fc);
		}
	}
	return c;
}

/* Reads the baseline BASE and compares the run RC with it, once RC was read
 * (RC_RC: how reading it went); frees both runs. */
static int compare_read(const json_t *base, const char *base_name, struct run *rc, int rc_rc, const char *cur_name,
                        const struct fr_compare_opts *opts, struct fr_comparison **out, char **err_out)
{
	struct run rb;
	int ok = run_read(base, base_name, &rb, err_out) == 0;
	*out = NULL;
	if (ok && rc_rc == 0)
		*out = compare_runs(&rb, base_name, rc, cur_name, opts);
	run_free(&rb);
	run_free(rc);
	return *out ? 0 : -1;
}

int fr_compare(const json_t *base, const char *base_name, const json_t *cur, const char *cur_name,
               const struct fr_compare_opts *opts, struct fr_comparison **out, char **err_out)
{
	struct run rc;
	char *cur_err = NULL;
	int rc_rc = run_read(cur, cur_name, &rc, &cur_err);
	int r = compare_read(base, base_name, &rc, rc_rc, cur_name, opts, out, err_out);
	if (r != 0 && !*err_out) {
		*err_out = cur_err;
		cur_err = NULL;
	}
	free(cur_err);
	return r;
}

int fr_compare_results(const json_t *base, const char *base_name, const struct fr_results *cur, const char *cur_name,
                       const struct fr_compare_opts *opts, struct fr_comparison **out, char **err_out)
{
	struct run rc;
	char *cur_err = NULL;
	int rc_rc = run_from_results(cur, &rc, &cur_err);
	int r = compare_read(base, base_name, &rc, rc_rc, cur_name, opts, out, err_out);
	if (r != 0 && !*err_out) {
		*err_out = cur_err;
		cur_err = NULL;
	}
	free(cur_err);
	return r;
}

void fr_compare_free(struct fr_comparison *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nrows; i++) {
		free(c->rows[i].key);
		free(c->rows[i].window);
	}
	free(c->rows);
	free(c->base_name);
	free(c->cur_name);
	free(c->plan);
	free(c->note);
	free(c);
}

/* A figure in its unit: a latency, a percentage, requests per second. */
static void fmt_value(enum fr_compare_metric m, double v, char *buf, size_t len)
{
	if (m == FR_COMPARE_ERRORS)
		snprintf(buf, len, "%.2f%%", v * 100);
	else if (m == FR_COMPARE_THROUGHPUT)
		snprintf(buf, len, "%.1f/s", v);
	else
		fr_fmt_latency(buf, len, v);
}

/* A change: "+12.3%", or "+0.40pp" for the error rate. */
static void fmt_change(enum fr_compare_metric m, double v, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else if (isinf(v))
		snprintf(buf, len, "new");
	else if (m == FR_COMPARE_ERRORS)
		snprintf(buf, len, "%+.2fpp", v * 100);
	else
		snprintf(buf, len, "%+.1f%%", v * 100);
}

static const char *const verdict_words[] = {"unchanged", "better", "WORSE", "too few samples"};

/* Whether row R is shown: every row with ALL, else what changed. */
static int shown(const struct fr_compare_row *r, int all)
{
	return all || r->verdict == FR_COMPARE_WORSE || r->verdict == FR_COMPARE_BETTER;
}

/* The cells of one row, formatted. */
struct cells {
	char base[32], cur[32], change[32], lo[32], hi[32];
};

/* Formats the cells of row R. */
static void cells_of(const struct fr_compare_row *r, struct cells *x)
{
	fmt_value(r->metric, r->base, x->base, sizeof x->base);
	fmt_value(r->metric, r->cur, x->cur, sizeof x->cur);
	fmt_change(r->metric, r->change, x->change, sizeof x->change);
	fmt_change(r->metric, r->lo, x->lo, sizeof x->lo);
	fmt_change(r->metric, r->hi, x->hi, sizeof x->hi);
}

/* The rows shown (shown()), worse first, then better, then the rest, each
 * in input order; their number in *N. Caller frees. */
static const struct fr_compare_row **rows_shown(const struct fr_comparison *c, int all, size_t *n)
{
	static const int rank[] = {2, 1, 0, 3};
	const struct fr_compare_row **o = xcalloc(c->nrows ? c->nrows : 1, sizeof *o);
	*n = 0;
	for (int pass = 0; pass < 4; pass++)
		for (size_t i = 0; i < c->nrows; i++)
			if (rank[c->rows[i].verdict] == pass && shown(&c->rows[i], all))
				o[(*n)++] = &c->rows[i];
	return o;
}

/* The closing line both formats end with. */
static void summary_line(const struct fr_comparison *c, FILE *out, const char *bold)
{
	fprintf(out, "%sregressions: %zu%s, improvements: %zu, unchanged: %zu", bold, c->worse, bold, c->better,
	        c->unchanged);
	if (c->few)
		fprintf(out, ", too few samples: %zu", c->few);
	fprintf(out, " (tolerance %g %%, %g %% intervals", c->tolerance * 100, FR_COMPARE_CONFIDENCE * 100);
	char lag[3][FR_FMT_LEN], min[FR_FMT_LEN];
	for (int m = 0; m < 3; m++)
		fr_fmt_latency(lag[m], sizeof lag[m], c->lag[m]);
	fr_fmt_latency(min, sizeof min, FR_COMPARE_MIN_US);
	fprintf(out,
	        "; latency changes up to p50 %s, p90 %s, p99 %s do not count: how far the generator's lateness moved, "
	        "at "
	        "least %s",
	        lag[0], lag[1], lag[2], min);
	fputs(")\n", out);
}

void fr_compare_text(const struct fr_comparison *c, FILE *out, int all)
{
	fprintf(out, "flowrun compare: %s (baseline) → %s, plan %s\n", c->base_name, c->cur_name, c->plan);
	if (c->note)
		fprintf(out, "!! %s\n", c->note);
	size_t wk = 3, ww = 6, n;
	const struct fr_compare_row **o = rows_shown(c, all, &n);
	for (size_t i = 0; i < n; i++) {
		wk = strlen(o[i]->key) > wk ? strlen(o[i]->key) : wk;
		ww = strlen(o[i]->window) > ww ? strlen(o[i]->window) : ww;
	}
	if (c->worse || c->better || all) {
		fprintf(out, "\n  %-*s  %-*s  %-10s  %9s  %9s  %9s  %-21s  %s\n", (int)wk, "key", (int)ww, "window",
		        "metric", "baseline", "this run", "change", "99 % interval", "verdict");
		for (size_t i = 0; i < n; i++) {
			const struct fr_compare_row *r = o[i];
			struct cells x;
			cells_of(r, &x);
			char iv[80];
			snprintf(iv, sizeof iv, "[%s, %s]", x.lo, x.hi);
			fprintf(out, "  %-*s  %-*s  %-10s  %9s  %9s  %9s  %-21s  %s\n", (int)wk, r->key, (int)ww,
			        r->window, fr_compare_metric_name(r->metric), x.base, x.cur, x.change, iv,
			        verdict_words[r->verdict]);
		}
	}
	free(o);
	fputc('\n', out);
	summary_line(c, out, "");
}

void fr_compare_markdown(const struct fr_comparison *c, FILE *out, int all)
{
	fprintf(out, "### %s flowrun compare `%s`: %zu regression%s\n\n", c->worse ? "❌" : "✅", c->plan, c->worse,
	        c->worse == 1 ? "" : "s");
	fprintf(out, "`%s` (baseline) → `%s`\n\n", c->base_name, c->cur_name);
	if (c->note)
		fprintf(out, "> ⚠️ %s\n\n", c->note);
	size_t n;
	const struct fr_compare_row **o = rows_shown(c, all, &n);
	if (c->worse || c->better || all) {
		fputs("| key | window | metric | baseline | this run | change | 99 % interval | |\n"
		      "|---|---|---|---:|---:|---:|---|---|\n",
		      out);
		for (size_t i = 0; i < n; i++) {
			const struct fr_compare_row *r = o[i];
			struct cells x;
			cells_of(r, &x);
			static const char *const marks[] = {"unchanged", "✅ better", "❌ **worse**", "too few samples"};
			fprintf(out, "| `%s` | %s | %s | %s | %s | %s | [%s, %s] | %s |\n", r->key, r->window,
			        fr_compare_metric_name(r->metric), x.base, x.cur, x.change, x.lo, x.hi,
			        marks[r->verdict]);
		}
		fputc('\n', out);
	}
	free(o);
	summary_line(c, out, "**");
}
