/* live_view.c: mirrors of the workers' results and the timeline's progress (see live_view.h).
 *
 * One struct mirror per worker thread, made by its worker_start hook and
 * kept until the view is freed. The worker copies into it under trylock on
 * a timer of its own loop and once more, blocking, when its load stops; the
 * reader merges all mirrors under each one's lock. Progress is written by
 * the control thread's on_action hook and read under the view's lock.
 */
#include "engine/live_view.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "engine/loop.h"
#include "engine/worker.h"
#include "util/clock.h"
#include "util/container.h"
#include "util/xmalloc.h"

#define LIVE_EVERY_NS 500000000 /* how often a worker refreshes its mirror */

struct mirror {
	struct fr_timer timer;
	struct fr_live_view *v;
	struct fr_loop *loop;
	struct fr_results *res; /* the worker's own (only its thread touches it) */
	struct fr_results *copy;
	pthread_mutex_t lock; /* guards copy */
};

struct fr_live_view {
	struct fr_run_hooks hooks;
	const struct fr_timeline *tl;
	int64_t interval_us;
	pthread_mutex_t lock; /* guards what follows */
	struct mirror **m;
	size_t nm;
	int started, done, pass;
	int64_t anchor_us, anchor_ns; /* a timeline offset and the monotonic time it was reached */
	int *stage;                   /* per scenario */
	int *stage_read;              /* the copy handed to readers */
	unsigned char *fault_on;      /* per fault */
};

/* Copies the worker's results into its mirror unless a reader holds it. */
static void refresh(struct mirror *m, int wait)
{
	if (wait)
		pthread_mutex_lock(&m->lock);
	else if (pthread_mutex_trylock(&m->lock) != 0)
		return;
	fr_results_mirror(m->copy, m->res);
	pthread_mutex_unlock(&m->lock);
}

/* Timer on the worker's loop: refresh, and again in LIVE_EVERY_NS. */
static void on_tick(struct fr_timer *t)
{
	struct mirror *m = FR_CONTAINER_OF(t, struct mirror, timer);
	refresh(m, 0);
	fr_sched_arm(fr_loop_sched(m->loop), t, fr_clock_mono_ns() + LIVE_EVERY_NS);
}

/* Worker thread: a mirror of this worker's results, refreshed by a timer. */
static void *worker_start(const struct fr_worker_info *w, void *arg)
{
	struct fr_live_view *v = arg;
	struct mirror *m = xcalloc(1, sizeof *m);
	m->v = v;
	m->loop = w->loop;
	m->res = w->results;
	m->copy = fr_results_create(v->tl);
	if (v->interval_us > 0)
		fr_results_set_interval(m->copy, v->interval_us);
	pthread_mutex_init(&m->lock, NULL);
	fr_timer_init(&m->timer, on_tick);
	pthread_mutex_lock(&v->lock);
	v->m = xreallocarray(v->m, v->nm + 1, sizeof *v->m);
	v->m[v->nm++] = m;
	pthread_mutex_unlock(&v->lock);
	fr_sched_arm(fr_loop_sched(m->loop), &m->timer, fr_clock_mono_ns() + LIVE_EVERY_NS);
	return m;
}

/* Worker thread, after the load: the last copy, then no more timer. */
static void worker_stop(void *state)
{
	struct mirror *m = state;
	fr_sched_cancel(fr_loop_sched(m->loop), &m->timer);
	refresh(m, 1);
}

/* Control thread: follow the pass, the stages and the faults. */
static void on_action(const struct fr_action *act, void *arg)
{
	struct fr_live_view *v = arg;
	pthread_mutex_lock(&v->lock);
	v->started = 1;
	v->pass = act->pass;
	v->anchor_us = act->at_us;
	v->anchor_ns = fr_clock_mono_ns();
	if (act->kind == FR_ACT_PASS)
		for (size_t s = 0; s < v->tl->plan->nscenarios; s++)
			v->stage[s] = -1;
	else if (act->kind == FR_ACT_STAGE && act->scenario >= 0)
		v->stage[act->scenario] = act->stage;
	else if (act->kind == FR_ACT_STOP && act->scenario >= 0)
		v->stage[act->scenario] = -1;
	else if ((act->kind == FR_ACT_FAULT_ON || act->kind == FR_ACT_FAULT_OFF) && act->fault >= 0)
		v->fault_on[act->fault] = act->kind == FR_ACT_FAULT_ON;
	pthread_mutex_unlock(&v->lock);
}

/* Control thread, after the load. */
static void on_stop(void *arg)
{
	struct fr_live_view *v = arg;
	pthread_mutex_lock(&v->lock);
	v->done = 1;
	pthread_mutex_unlock(&v->lock);
}

/* A view with no worker yet. */
struct fr_live_view *fr_live_view_create(const struct fr_timeline *tl, int64_t interval_us)
{
	struct fr_live_view *v = xcalloc(1, sizeof *v);
	v->tl = tl;
	v->interval_us = interval_us;
	pthread_mutex_init(&v->lock, NULL);
	v->stage = xcalloc(tl->plan->nscenarios + 1, sizeof *v->stage);
	v->stage_read = xcalloc(tl->plan->nscenarios + 1, sizeof *v->stage_read);
	for (size_t s = 0; s < tl->plan->nscenarios; s++)
		v->stage[s] = -1;
	v->fault_on = xcalloc(tl->plan->faults.n + 1, 1);
	v->hooks = (struct fr_run_hooks){.arg = v,
	                                 .on_action = on_action,
	                                 .on_stop = on_stop,
	                                 .worker_start = worker_start,
	                                 .worker_stop = worker_stop};
	return v;
}

/* Frees the view and every mirror. */
void fr_live_view_free(struct fr_live_view *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->nm; i++) {
		fr_results_free(v->m[i]->copy);
		pthread_mutex_destroy(&v->m[i]->lock);
		free(v->m[i]);
	}
	free(v->m);
	free(v->stage);
	free(v->stage_read);
	free(v->fault_on);
	pthread_mutex_destroy(&v->lock);
	free(v);
}

/* The run hooks of the view. */
const struct fr_run_hooks *fr_live_view_hooks(struct fr_live_view *v)
{
	return &v->hooks;
}

/* Merges every mirror into new results. */
struct fr_results *fr_live_view_snapshot(struct fr_live_view *v)
{
	struct fr_results *all = fr_results_create(v->tl);
	if (v->interval_us > 0)
		fr_results_set_interval(all, v->interval_us);
	for (size_t i = 0;; i++) {
		pthread_mutex_lock(&v->lock);
		struct mirror *m = i < v->nm ? v->m[i] : NULL; /* never removed before the view is freed */
		pthread_mutex_unlock(&v->lock);
		if (!m)
			break;
		pthread_mutex_lock(&m->lock);
		fr_results_merge(all, m->copy);
		pthread_mutex_unlock(&m->lock);
	}
	return all;
}

/* The progress now: the offset moves on from the last action's. */
void fr_live_view_progress(struct fr_live_view *v, struct fr_live_progress *out)
{
	memset(out, 0, sizeof *out);
	pthread_mutex_lock(&v->lock);
	out->started = v->started;
	out->done = v->done;
	out->pass = v->pass;
	int64_t end = (int64_t)(v->pass + 1) * v->tl->pass_us;
	int64_t now = v->anchor_us + (v->started && !v->done ? (fr_clock_mono_ns() - v->anchor_ns) / 1000 : 0);
	out->elapsed_us = v->done ? v->tl->totals.duration_us : now < end ? now : end;
	memcpy(v->stage_read, v->stage, v->tl->plan->nscenarios * sizeof *v->stage);
	out->stage = v->stage_read;
	for (size_t f = 0; f < v->tl->plan->faults.n && out->nfaults < FR_LIVE_MAX_FAULTS; f++)
		if (v->fault_on[f])
			out->faults[out->nfaults++] = (int)f;
	pthread_mutex_unlock(&v->lock);
}
