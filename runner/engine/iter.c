/* iter.c: runs one iteration (a request, or a group step by step with fan-out) and records it.
 *
 * Legs are the requests in flight of the current step (one, or one per value
 * of the `each` variable); their array is reused from iteration to iteration.
 * A request that cannot even be started is reported from a zero-delay timer,
 * never from inside fr_iter_start, so a driver that starts the next
 * iteration from its done function cannot recurse.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/iter.h"
#include "util/clock.h"
#include "util/container.h"
#include "util/xmalloc.h"

struct fr_iter_leg {
	struct fr_iter *it;
	const struct fr_request *req;
	struct fr_http *http;
	struct fr_varstore own; /* fan-out: the `each` variable's value for this leg */
	int has_own;
	int key;
	int64_t intended_ns;
	int failed_start;
};

static void run_step(struct fr_iter *it, int64_t intended_ns);

/* The record key of REQ in the iteration's scenario. */
static int key_of(struct fr_iter *it, const struct fr_request *req)
{
	return fr_results_key(it->d->res, it->scenario, req);
}

/* Makes room for N legs (only between steps: no leg is in flight). */
static void legs_reserve(struct fr_iter *it, size_t n)
{
	if (n > it->caplegs) {
		it->legs = xreallocarray(it->legs, n, sizeof(*it->legs));
		it->caplegs = n;
	}
	memset(it->legs, 0, n * sizeof(*it->legs));
	it->nlegs = n;
	it->pending = n;
}

/* Releases the legs' own variables. */
static void legs_release(struct fr_iter *it)
{
	for (size_t i = 0; i < it->nlegs; i++)
		if (it->legs[i].has_own)
			fr_varstore_clear(&it->legs[i].own);
	it->nlegs = 0;
}

/* Ends the iteration: records a group as a whole and tells the driver. */
static void finish(struct fr_iter *it)
{
	int64_t now = fr_clock_mono_ns();

	legs_release(it);
	if (it->req->nsteps) {
		if (!it->aborted)
			fr_drive_record(it->d, key_of(it, it->req), it->intended_ns, it->worst,
			                (now - it->intended_ns) / 1000, (now - it->started_ns) / 1000);
		fr_varstore_forget(&it->group_vars); /* kept for the next iteration's captures */
	}
	it->busy = 0;
	it->done(it, it->worst, it->aborted);
}

/* One leg ended: record it, and move on when the step is complete. */
static void leg_ended(struct fr_iter_leg *leg, enum fr_outcome outcome, int64_t service_us, int aborted)
{
	struct fr_iter *it = leg->it;
	int64_t now = fr_clock_mono_ns();

	leg->http = NULL;
	if (aborted)
		it->aborted = 1;
	else
		fr_drive_record(it->d, leg->key, leg->intended_ns, outcome, (now - leg->intended_ns) / 1000,
		                service_us);
	if (outcome != FR_OK && it->worst == FR_OK)
		it->worst = outcome;
	if (--it->pending)
		return;
	if (it->aborted || it->worst != FR_OK || !it->req->nsteps || ++it->step == it->req->nsteps) {
		finish(it);
		return;
	}
	legs_release(it);
	run_step(it, now);
}

/* http: a leg's request answered. */
static void on_http_done(struct fr_http *h, const struct fr_http_result *r, void *arg)
{
	struct fr_iter_leg *leg = arg;
	int aborted = r->code == CURLE_ABORTED_BY_CALLBACK;

	if (!aborted && r->lean)
		leg->it->d->res->http_lean++;
	else if (!aborted)
		leg->it->d->res->http_curl++;
	leg_ended(leg, r->outcome, r->service_us, aborted);
}

/* Timer: report the legs that could not start. */
static void on_defer(struct fr_timer *t)
{
	struct fr_iter *it = FR_CONTAINER_OF(t, struct fr_iter, defer);
	size_t n = it->nlegs;
	unsigned gen = it->gen;

	for (size_t i = 0; i < n && it->busy && it->gen == gen; i++)
		if (it->legs[i].failed_start) {
			it->legs[i].failed_start = 0;
			leg_ended(&it->legs[i], FR_ERR_OTHER, -1, 0);
		}
}

/* Sends one leg. */
static void leg_send(struct fr_iter *it, struct fr_iter_leg *leg, struct fr_varstore *vars)
{
	leg->it = it;
	leg->key = key_of(it, leg->req);
	leg->http = fr_http_start(it->d->loop, it->d->target, leg->req, vars, &it->d->rng, on_http_done, leg, NULL);
	if (leg->http) {
		atomic_fetch_add_explicit(&it->d->live->sent, 1, memory_order_relaxed);
		return;
	}
	leg->failed_start = 1;
	fr_sched_arm(fr_loop_sched(it->d->loop), &it->defer, fr_clock_mono_ns());
}

/* The values a step fans out over, or NULL without `each`. */
static const struct fr_var *each_var(struct fr_iter *it, const struct fr_request *step)
{
	if (!step->each)
		return NULL;
	return fr_varstore_get(&it->group_vars, step->each, strlen(step->each));
}

/* Starts the current step of a group (or the single request). */
static void run_step(struct fr_iter *it, int64_t intended_ns)
{
	const struct fr_request *step = it->req->nsteps ? &it->req->steps[it->step] : it->req;
	struct fr_varstore *vars = it->req->nsteps ? &it->group_vars : it->vars;
	const struct fr_var *each = each_var(it, step);
	size_t n = step->each ? (each ? each->nvalues : 0) : 1;

	it->step_intended_ns = intended_ns;
	if (n == 0) { /* fan-out over an empty list: the step is trivially done */
		it->nlegs = it->pending = 0;
		if (++it->step >= it->req->nsteps)
			finish(it);
		else
			run_step(it, intended_ns);
		return;
	}
	legs_reserve(it, n);
	for (size_t i = 0; i < n; i++) {
		struct fr_iter_leg *leg = &it->legs[i];
		leg->req = step;
		leg->intended_ns = intended_ns;
		if (each) {
			leg->own.parent = &it->group_vars;
			fr_varstore_set(&leg->own, step->each, each->values[i]);
			leg->has_own = 1;
		}
	}
	for (size_t i = 0; i < n && it->busy; i++)
		leg_send(it, &it->legs[i], it->legs[i].has_own ? &it->legs[i].own : vars);
}

/* Starts an iteration. */
void fr_iter_start(struct fr_iter *it, const struct fr_request *req, int64_t intended_ns)
{
	if (!it->defer.fn)
		fr_timer_init(&it->defer, on_defer);
	it->req = req;
	it->intended_ns = intended_ns;
	it->started_ns = fr_clock_mono_ns();
	it->step = 0;
	it->worst = FR_OK;
	it->aborted = 0;
	it->busy = 1;
	it->gen++;
	if (req->nsteps) {
		fr_varstore_forget(&it->group_vars);
		it->group_vars.parent = it->vars;
	}
	run_step(it, intended_ns);
}

/* Frees the leg array and what an unfinished iteration still holds. */
void fr_iter_clear(struct fr_iter *it)
{
	if (it->defer.fn && fr_timer_armed(&it->defer))
		fr_sched_cancel(fr_loop_sched(it->d->loop), &it->defer);
	if (it->busy) { /* stopped with a deferred leg pending */
		legs_release(it);
		it->busy = 0;
	}
	fr_varstore_clear(&it->group_vars); /* kept (forgotten) from iteration to iteration */
	free(it->legs);
	it->legs = NULL;
	it->caplegs = 0;
}
