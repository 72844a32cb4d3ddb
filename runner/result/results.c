/* results.c: the per-(key, segment) cells that drivers record into (see results.h).
 *
 * Keys are enumerated once from the timeline's plan, in plan order: for each
 * scenario, its requests in order, and after a group its steps (their parent
 * is the group's key); a websocket scenario has a single key without request.
 * Cells are one flat nkeys × nsegs array; histograms inside a cell are only
 * allocated when a sample arrives, so idle (key, segment) pairs cost 200-odd
 * bytes and no histogram.
 */
#include "result/results.h"

#include <stdlib.h>
#include <string.h>

#include "result/timeseries.h"
#include "util/xmalloc.h"

/* Appends a key to RES. */
static int add_key(struct fr_results *res, size_t *cap, int scenario, const struct fr_request *req, int parent,
                   char *name)
{
	if (res->nkeys == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		res->keys = xreallocarray(res->keys, *cap, sizeof *res->keys);
	}
	res->keys[res->nkeys] = (struct fr_key){scenario, req, parent, name};
	return (int)res->nkeys++;
}

/* Adds the keys of one scenario. */
static void add_scenario_keys(struct fr_results *res, size_t *cap, int si)
{
	const struct fr_scenario *sc = &res->tl->plan->scenarios[si];
	if (sc->model == FR_MODEL_WEBSOCKET) {
		add_key(res, cap, si, NULL, -1, xstrdup(sc->name));
		return;
	}
	for (size_t r = 0; r < sc->nrequests; r++) {
		const struct fr_request *req = &sc->requests[r];
		int k = add_key(res, cap, si, req, -1, xasprintf("%s/%s", sc->name, req->name));
		for (size_t s = 0; s < req->nsteps; s++)
			add_key(res, cap, si, &req->steps[s], k,
			        xasprintf("%s/%s/%s", sc->name, req->name, req->steps[s].name));
	}
}

/* Creates empty results with one key per request, group, step and websocket scenario. */
struct fr_results *fr_results_create(const struct fr_timeline *tl)
{
	struct fr_results *res = xcalloc(1, sizeof *res);
	size_t cap = 0;
	res->tl = tl;
	res->aborted_window = -1;
	for (size_t s = 0; s < tl->plan->nscenarios; s++)
		add_scenario_keys(res, &cap, (int)s);
	res->cells = xcalloc(res->nkeys * tl->nsegs, sizeof *res->cells);
	res->active = xcalloc(tl->plan->nscenarios * tl->nsegs + 1, sizeof *res->active);
	res->series = fr_timeseries_create(res->nkeys, tl->plan->nscenarios, tl->totals.duration_us,
	                                   FR_TIMESERIES_INTERVAL_US);
	return res;
}

/* Replaces the (still empty) series by one of INTERVAL_US. */
void fr_results_set_interval(struct fr_results *res, int64_t interval_us)
{
	fr_timeseries_free(res->series);
	res->series =
	        fr_timeseries_create(res->nkeys, res->tl->plan->nscenarios, res->tl->totals.duration_us, interval_us);
}

/* Frees the histograms of a cell and zeroes it. */
void fr_cell_clear(struct fr_cell *cell)
{
	fr_hist_free(cell->latency);
	fr_hist_free(cell->service);
	fr_hist_free(cell->delivery);
	fr_hist_free(cell->connect);
	memset(cell, 0, sizeof *cell);
}

/* Frees results and everything in them; NULL is fine. */
void fr_results_free(struct fr_results *res)
{
	if (!res)
		return;
	for (size_t i = 0; i < res->nkeys * res->tl->nsegs; i++)
		fr_cell_clear(&res->cells[i]);
	for (size_t k = 0; k < res->nkeys; k++)
		free(res->keys[k].name);
	free(res->keys);
	free(res->cells);
	free(res->active);
	fr_hist_free(res->sched_lag);
	fr_timeseries_free(res->series);
	free(res->invalid_reason);
	fr_health_free(res->health);
	free(res->failed_reason);
	free(res);
}

/* Finds the key of (SCENARIO, REQUEST) by pointer; REQUEST NULL is the websocket key. */
int fr_results_key(const struct fr_results *res, int scenario, const struct fr_request *request)
{
	for (size_t k = 0; k < res->nkeys; k++)
		if (res->keys[k].scenario == scenario && res->keys[k].request == request)
			return (int)k;
	return -1;
}

/* The cell of KEY in SEGMENT. */
struct fr_cell *fr_results_cell(struct fr_results *res, int key, int segment)
{
	return &res->cells[(size_t)key * res->tl->nsegs + (size_t)segment];
}

/* Records V into *H, allocating the histogram on first use. */
static void record(struct fr_hist **h, int64_t v)
{
	if (!*h)
		*h = fr_hist_create();
	fr_hist_record(*h, v);
}

/* Counts one request by outcome; a negative latency or service time is not
 * recorded (the driver had no such time, e.g. the request never went out). */
void fr_results_record_request(struct fr_results *res, int key, int segment, enum fr_outcome outcome,
                               int64_t latency_us, int64_t service_us)
{
	struct fr_cell *c = fr_results_cell(res, key, segment);
	c->outcomes[outcome]++;
	if (latency_us >= 0)
		record(&c->latency, latency_us);
	if (service_us >= 0)
		record(&c->service, service_us);
}

/* Records one websocket delivery time. */
void fr_results_record_delivery(struct fr_results *res, int key, int segment, int64_t delivery_us)
{
	record(&fr_results_cell(res, key, segment)->delivery, delivery_us);
}

/* Records one websocket handshake time. */
void fr_results_record_connect(struct fr_results *res, int key, int segment, int64_t connect_us)
{
	record(&fr_results_cell(res, key, segment)->connect, connect_us);
}

/* Insertion into a sorted array of at most FR_SLOWEST_N: a few compares per sample. */
void fr_slowest_add(struct fr_slowest *s, const struct fr_sample *sample)
{
	int i = s->n;

	while (i > 0 && s->s[i - 1].value_us < sample->value_us)
		i--;
	if (i >= FR_SLOWEST_N)
		return;
	int last = s->n < FR_SLOWEST_N ? s->n : FR_SLOWEST_N - 1;
	memmove(&s->s[i + 1], &s->s[i], (size_t)(last - i) * sizeof s->s[0]);
	s->s[i] = *sample;
	if (s->n < FR_SLOWEST_N)
		s->n++;
}

/* Only when it beats the cell's fastest kept sample. */
void fr_results_note_slow(struct fr_results *res, int key, int segment, enum fr_series series, int64_t value_us,
                          int64_t at_us, int64_t service_us)
{
	struct fr_slowest *s = &fr_results_cell(res, key, segment)->slowest[series];

	if (s->n == FR_SLOWEST_N && value_us <= s->s[FR_SLOWEST_N - 1].value_us)
		return;
	fr_slowest_add(s, &(struct fr_sample){value_us, at_us, service_us, key});
}

/* Adds N to a websocket counter. */
void fr_results_count_ws(struct fr_results *res, int key, int segment, enum fr_ws_counter c, uint64_t n)
{
	fr_results_cell(res, key, segment)->ws[c] += n;
}

/* A high-water mark: the level a driver reached, not how often it was set. */
void fr_results_note_active(struct fr_results *res, int scenario, int segment, uint64_t n)
{
	uint64_t *a = &res->active[(size_t)scenario * res->tl->nsegs + (size_t)segment];
	if (n > *a)
		*a = n;
}

/* The active count of SCENARIO in SEGMENT. */
uint64_t fr_results_active(const struct fr_results *res, int scenario, int segment)
{
	return res->active[(size_t)scenario * res->tl->nsegs + (size_t)segment];
}

/* Adds histogram SRC into *DST, allocating it when needed. */
static void merge_hist(struct fr_hist **dst, const struct fr_hist *src)
{
	if (!src || !fr_hist_count(src))
		return;
	if (!*dst)
		*dst = fr_hist_create();
	fr_hist_merge(*dst, src);
}

/* Adds cell SRC into DST. */
static void add_cell(struct fr_cell *dst, const struct fr_cell *src)
{
	merge_hist(&dst->latency, src->latency);
	merge_hist(&dst->service, src->service);
	merge_hist(&dst->delivery, src->delivery);
	merge_hist(&dst->connect, src->connect);
	for (int o = 0; o < FR_OUTCOME_N; o++)
		dst->outcomes[o] += src->outcomes[o];
	dst->late += src->late;
	dst->missed += src->missed;
	for (int w = 0; w < FR_WS_COUNTER_N; w++)
		dst->ws[w] += src->ws[w];
	for (int s = 0; s <= FR_SERIES_CONNECT; s++)
		for (int i = 0; i < src->slowest[s].n; i++)
			fr_slowest_add(&dst->slowest[s], &src->slowest[s].s[i]);
}

/* Adds SRC (a worker's results over the same timeline) into DST. */
void fr_results_merge(struct fr_results *dst, const struct fr_results *src)
{
	for (size_t i = 0; i < dst->nkeys * dst->tl->nsegs; i++)
		add_cell(&dst->cells[i], &src->cells[i]);
	for (size_t i = 0; i < dst->tl->plan->nscenarios * dst->tl->nsegs; i++)
		dst->active[i] += src->active[i]; /* threads run their shares at the same time */
	fr_timeseries_merge(dst->series, src->series);
	merge_hist(&dst->sched_lag, src->sched_lag);
	dst->planned += src->planned;
	dst->sent += src->sent;
	if (src->health && !dst->health)
		dst->health = fr_health_create(dst->tl->nsegs, -1);
	fr_health_merge(dst->health, src->health);
	dst->http_lean += src->http_lean;
	dst->http_curl += src->http_curl;
	dst->interrupted |= src->interrupted;
	if (src->elapsed_us > dst->elapsed_us)
		dst->elapsed_us = src->elapsed_us;
	if (!dst->started_unix_us || (src->started_unix_us && src->started_unix_us < dst->started_unix_us))
		dst->started_unix_us = src->started_unix_us;
	if (!dst->invalid_reason && src->invalid_reason)
		dst->invalid_reason = xstrdup(src->invalid_reason);
}

/* Makes *DST a copy of SRC, reusing DST's histogram. */
static void copy_hist(struct fr_hist **dst, const struct fr_hist *src)
{
	if (*dst)
		fr_hist_reset(*dst);
	merge_hist(dst, src);
}

/* Makes cell DST a copy of SRC. */
static void copy_cell(struct fr_cell *dst, const struct fr_cell *src)
{
	struct fr_hist *h[4] = {dst->latency, dst->service, dst->delivery, dst->connect};
	*dst = *src;
	dst->latency = h[0];
	dst->service = h[1];
	dst->delivery = h[2];
	dst->connect = h[3];
	copy_hist(&dst->latency, src->latency);
	copy_hist(&dst->service, src->service);
	copy_hist(&dst->delivery, src->delivery);
	copy_hist(&dst->connect, src->connect);
}

/* Makes DST (results of the same timeline and interval) equal SRC: every
 * cell, the scheduler's counters and the series' changed intervals. */
void fr_results_mirror(struct fr_results *dst, struct fr_results *src)
{
	for (size_t i = 0; i < dst->nkeys * dst->tl->nsegs; i++)
		copy_cell(&dst->cells[i], &src->cells[i]);
	memcpy(dst->active, src->active, dst->tl->plan->nscenarios * dst->tl->nsegs * sizeof *dst->active);
	fr_timeseries_copy_dirty(dst->series, src->series);
	copy_hist(&dst->sched_lag, src->sched_lag);
	dst->planned = src->planned;
	dst->sent = src->sent;
}

/* Sums KEY's cells over SEGS into OUT; KEY -1: every top-level key (not group
 * steps, which are already inside their group's iterations) of SCENARIO, or
 * of every scenario when SCENARIO is -1. */
void fr_results_sum(const struct fr_results *res, int key, int scenario, const int *segs, size_t nsegs,
                    struct fr_cell *out)
{
	for (size_t k = 0; k < res->nkeys; k++) {
		const struct fr_key *fk = &res->keys[k];
		if (key >= 0 ? (int)k != key : (fk->parent >= 0 || (scenario >= 0 && fk->scenario != scenario)))
			continue;
		for (size_t s = 0; s < nsegs; s++)
			add_cell(out, &res->cells[k * res->tl->nsegs + (size_t)segs[s]]);
	}
}

/* Requests counted in a cell, all outcomes. */
uint64_t fr_cell_requests(const struct fr_cell *cell)
{
	uint64_t n = 0;
	for (int o = 0; o < FR_OUTCOME_N; o++)
		n += cell->outcomes[o];
	return n;
}

/* Requests that did not succeed. */
uint64_t fr_cell_errors(const struct fr_cell *cell)
{
	return fr_cell_requests(cell) - cell->outcomes[FR_OK];
}

static const char *const outcome_names[FR_OUTCOME_N] = {
        "ok", "connect-refused", "connect-timeout", "timeout", "reset", "tls", "http-4xx", "http-5xx", "other",
};

static const char *const ws_names[FR_WS_COUNTER_N] = {
        "received",         "lost",           "duplicate", "unmatched",      "oversized",          "expected",
        "published",        "publish-failed", "connects",  "connect-failed", "handshake-rejected", "disconnect-server",
        "disconnect-error", "reconnects",
};

/* Name of an outcome, as reports and /metrics labels spell it. */
const char *fr_outcome_name(enum fr_outcome o)
{
	return (unsigned)o < FR_OUTCOME_N ? outcome_names[o] : "?";
}

/* Name of a websocket counter. */
const char *fr_ws_counter_name(enum fr_ws_counter c)
{
	return (unsigned)c < FR_WS_COUNTER_N ? ws_names[c] : "?";
}
