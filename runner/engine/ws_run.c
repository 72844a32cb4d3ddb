/* ws_run.c: the WebSocket driver's hooks into fr_run (see ws_run.h).
 *
 * The run object is shared by every worker thread; it is only read once the
 * run has started, except for the first creation error, which threads
 * publish by compare-and-swap.
 */
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "engine/worker.h"
#include "engine/ws_driver.h"
#include "engine/ws_run.h"
#include "util/xmalloc.h"

struct fr_ws_run {
	const struct fr_plan *plan;
	struct fr_ws_table **tables; /* per scenario; NULL for other models */
	_Atomic(char *) error;       /* the first driver creation error */
	struct fr_metrics *metrics;  /* given to every driver, may be NULL */
	volatile sig_atomic_t *abort_flag;
	struct fr_run_hooks hooks; /* arg: this run object */
};

struct ws_worker {
	struct fr_ws_run *r;
	const struct fr_timeline *tl;
	struct fr_ws_driver **d; /* per scenario */
	size_t n;
};

/* Keeps the first error of scenario S (ERR taken) for fr_ws_run_status:
 * workers have nobody to tell. */
static void keep_error(struct fr_ws_run *r, int s, char *err)
{
	char *msg = xasprintf("scenario %s: %s", r->plan->scenarios[s].name, err), *none = NULL;
	if (!atomic_compare_exchange_strong(&r->error, &none, msg))
		free(msg);
	free(err);
}

/* worker_start: the drivers of this worker thread. */
static void *worker_start(const struct fr_worker_info *w, void *arg)
{
	struct fr_ws_run *r = arg;
	struct ws_worker *wk = xcalloc(1, sizeof *wk);
	wk->r = r;
	wk->tl = w->tl;
	wk->n = r->plan->nscenarios;
	wk->d = xcalloc(wk->n ? wk->n : 1, sizeof *wk->d);
	for (size_t s = 0; s < wk->n; s++) {
		char *err = NULL;
		if (!r->tables[s])
			continue;
		wk->d[s] = fr_ws_driver_create(w->loop, r->plan, (int)s, w->thread, w->nthreads, w->results, w->target,
		                               w->vars, r->tables[s], &err);
		if (wk->d[s]) {
			fr_ws_driver_set_shard(wk->d[s], w->shard, w->nshards);
			fr_ws_driver_set_metrics(wk->d[s], r->metrics);
			fr_ws_driver_set_abort(wk->d[s], r->abort_flag);
		} else {
			keep_error(r, (int)s, err);
		}
	}
	return wk;
}

/* The monotonic time of ACT in a pass starting at PASS_T0_NS. */
static int64_t act_ns(const struct fr_timeline *tl, const struct fr_action *act, int64_t pass_t0_ns)
{
	return pass_t0_ns + (act->at_us - (int64_t)act->pass * tl->pass_us) * 1000;
}

/* When the scenario of stage action ACT stops in its pass: its STOP, or the pass's END. */
static int64_t scenario_end_ns(const struct fr_timeline *tl, const struct fr_action *act, int64_t pass_t0_ns)
{
	for (size_t i = (size_t)(act - tl->actions) + 1; i < tl->nactions && tl->actions[i].pass == act->pass; i++) {
		const struct fr_action *n = &tl->actions[i];
		if ((n->kind == FR_ACT_STOP && n->scenario == act->scenario) || n->kind == FR_ACT_END)
			return act_ns(tl, n, pass_t0_ns);
	}
	return 0;
}

/* worker_action: stages, stops, pass starts and ends. */
static void worker_action(void *state, const struct fr_action *act, int64_t pass_t0_ns)
{
	struct ws_worker *wk = state;
	for (size_t s = 0; s < wk->n; s++) {
		struct fr_ws_driver *d = wk->d[s];
		if (!d || (act->scenario >= 0 && act->scenario != (int)s))
			continue;
		char *err = NULL;
		fr_ws_driver_pass(d, act->pass, pass_t0_ns, &err);
		if (err)
			keep_error(wk->r, (int)s, err);
		if (act->kind == FR_ACT_STAGE)
			fr_ws_driver_set_viewers(d, (long)(act->level + 0.5), act_ns(wk->tl, act, pass_t0_ns),
			                         scenario_end_ns(wk->tl, act, pass_t0_ns));
		else if (act->kind == FR_ACT_STOP || act->kind == FR_ACT_END)
			fr_ws_driver_end(d);
	}
}

/* worker_stop: stop and free this thread's drivers. */
static void worker_stop(void *state)
{
	struct ws_worker *wk = state;
	if (!wk)
		return;
	for (size_t s = 0; s < wk->n; s++)
		fr_ws_driver_free(wk->d[s]);
	free(wk->d);
	free(wk);
}

/* Creates the tables of every websocket scenario of PLAN. */
struct fr_ws_run *fr_ws_run_create(const struct fr_plan *plan)
{
	struct fr_ws_run *r = xcalloc(1, sizeof *r);
	r->plan = plan;
	r->tables = xcalloc(plan->nscenarios ? plan->nscenarios : 1, sizeof *r->tables);
	for (size_t s = 0; s < plan->nscenarios; s++)
		if (plan->scenarios[s].model == FR_MODEL_WEBSOCKET)
			r->tables[s] = fr_ws_table_create(&plan->scenarios[s]);
	atomic_init(&r->error, NULL);
	r->hooks = (struct fr_run_hooks){
	        .arg = r,
	        .worker_start = worker_start,
	        .worker_action = worker_action,
	        .worker_stop = worker_stop,
	};
	return r;
}

/* Makes every driver created from now on report to live metrics M. */
void fr_ws_run_set_metrics(struct fr_ws_run *r, struct fr_metrics *m)
{
	r->metrics = m;
}

/* Drivers created from now on skip their end-of-run drain once *FLAG is set. */
void fr_ws_run_set_abort(struct fr_ws_run *r, volatile sig_atomic_t *flag)
{
	r->abort_flag = flag;
}

/* Frees the run object and its tables; accepts NULL. */
void fr_ws_run_free(struct fr_ws_run *r)
{
	if (!r)
		return;
	for (size_t s = 0; s < r->plan->nscenarios; s++)
		fr_ws_table_free(r->tables[s]);
	free(r->tables);
	free(atomic_load(&r->error));
	free(r);
}

/* Only worker hooks: the drivers live on the worker loops. */
const struct fr_run_hooks *fr_ws_run_hooks(struct fr_ws_run *r)
{
	return &r->hooks;
}

/* The event table of SCENARIO, or NULL for another model. */
struct fr_ws_table *fr_ws_run_table(const struct fr_ws_run *r, int scenario)
{
	return r->tables[scenario];
}

/* Rejection lines of every websocket scenario, prefixed with its name. */
char *fr_ws_run_summary(const struct fr_ws_run *r)
{
	char *out = NULL;
	for (size_t s = 0; s < r->plan->nscenarios; s++) {
		char *lines = r->tables[s] ? fr_ws_table_summary(r->tables[s]) : NULL;
		for (char *l = lines, *nl; l && *l; l = nl + 1) {
			nl = strchr(l, '\n');
			char *n =
			        xasprintf("%s%s: %.*s\n", out ? out : "", r->plan->scenarios[s].name, (int)(nl - l), l);
			free(out);
			out = n;
		}
		free(lines);
	}
	return out;
}

/* Drivers fail on worker threads (at creation, or when a pass's target
 * cannot be used), where nobody could report it: the first error is kept
 * until the caller asks. */
int fr_ws_run_status(const struct fr_ws_run *r, char **err_out)
{
	const char *err = atomic_load(&((struct fr_ws_run *)r)->error);
	*err_out = err ? xstrdup(err) : NULL;
	return err ? -1 : 0;
}
