/* run.c: fr_run — preflight, auth, passes (setup, timeline, teardown), workers, merge, validity.
 *
 * The calling thread is the control thread. It has a loop of its own for the
 * untimed requests (auth, setup, teardown), for the on_action hook (faults
 * fire from here at their offsets), for the progress line and for watching
 * the stop flag. Load runs on the worker threads (worker.c); the control
 * thread starts each pass on all of them with one common start time and
 * waits until every worker has drained its pass.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/gate.h"
#include "engine/health_probe.h"
#include "engine/preflight.h"
#include "engine/progress.h"
#include "engine/run.h"
#include "engine/setup.h"
#include "engine/worker.h"
#include "observe/metrics.h"
#include "plan/shard.h"
#include "util/clock.h"
#include "util/container.h"
#include "util/fmt.h"
#include "util/xmalloc.h"

#define STOP_POLL_NS 20000000  /* how often the stop flag is looked at */
#define GATE_POLL_NS 100000000 /* how often abort SLOs are judged */
#define PASS_LEAD_NS 2000000   /* workers get the pass command this long before t0 */
#define PREFLIGHT_MS 3000
#define MIN_ACHIEVED 0.99

struct ctl {
	const struct fr_plan *plan;
	const struct fr_timeline *tl;
	const struct fr_run_opts *opts;
	struct fr_http_target target;
	struct fr_varstore vars;
	struct fr_loop *loop;
	struct fr_worker **workers;
	int nworkers;
	struct fr_live live;
	pthread_mutex_t mu;
	int idle; /* workers idle since the last pass command */
	int waiting;
	int interrupted;
	uint64_t rng;
	int pass;
	int64_t pass_t0_ns;
	size_t next_act;
	struct fr_timer act_timer;
	struct fr_timer stop_timer;
	struct fr_timer gate_timer;
	struct fr_gate *gate; /* abort SLOs, or NULL */
	int in_pass;          /* a pass's load is running */
	int aborted;          /* an abort SLO was decided failed: no more load */
	int aborted_window;
	int64_t aborted_at_us;
	struct fr_progress *progress;
	size_t hooks_started;  /* opts->hooks[0 .. hooks_started-1] get on_stop */
	char *err;             /* the message of a failure, for fr_run's caller */
	int64_t anchor_ns;     /* with a common start: the monotonic time of start_at */
	int64_t first_fire_ns; /* when pass 0's first action fired (0: not yet) */
	int late;              /* ready after start_at + grace: no load was sent */
	const char *phase;     /* where it failed: "auth", "setup", "start", "teardown" */
	int64_t t0_ns;         /* the start of the load (monotonic) */
	int64_t started_unix;  /* the start of the run (wall clock, µs) */
	struct fr_timer ckpt_timer;
	struct fr_worker_snapshot snap; /* a checkpoint being taken */
	int snap_busy;                  /* the workers were asked for their share */
};

/* The wall-clock time (unix seconds) of monotonic time T_NS. */
static double unix_at(int64_t t_ns)
{
	return fr_clock_wall_s() + (double)(t_ns - fr_clock_mono_ns()) / 1e9;
}

/* Keeps MSG (taken over) as the run's error and PHASE as where it happened;
 * the last failure wins, as the run stops at the first one. */
static void set_error(struct ctl *c, const char *phase, char *msg)
{
	free(c->err);
	c->err = msg;
	c->phase = phase;
}

/* The first checkpoint, once the target answered and before the first
 * request: nothing measured yet, but a run killed in its first seconds
 * leaves a valid result that says when it started. */
static void first_checkpoint(struct ctl *c)
{
	if (!c->opts->checkpoint || !(c->opts->checkpoint_s > 0))
		return;
	struct fr_results *none = fr_results_create(c->tl);
	if (c->opts->interval_us > 0)
		fr_results_set_interval(none, c->opts->interval_us);
	none->started_unix_us = c->started_unix;
	none->partial = 1;
	c->opts->checkpoint(none, c->opts->checkpoint_arg);
	fr_results_free(none);
}

/* Hands a finished snapshot of the workers' results to the checkpoint callback. */
static void deliver_snapshot(struct ctl *c)
{
	struct fr_results *snap = c->snap.acc;

	c->snap.acc = NULL;
	c->snap_busy = 0;
	snap->started_unix_us = c->started_unix;
	snap->elapsed_us = (fr_clock_mono_ns() - c->t0_ns) / 1000;
	snap->partial = 1;
	c->opts->checkpoint(snap, c->opts->checkpoint_arg);
	fr_results_free(snap);
}

/* Whether every worker has added its share to the snapshot being taken. */
static int snapshot_complete(struct ctl *c)
{
	pthread_mutex_lock(&c->snap.mu);
	int done = c->snap_busy && c->snap.pending == 0;
	pthread_mutex_unlock(&c->snap.mu);
	return done;
}

/* A worker became idle (worker thread): count it and wake the control loop. */
static void on_worker_idle(struct fr_worker *w, void *arg)
{
	struct ctl *c = arg;

	pthread_mutex_lock(&c->mu);
	c->idle++;
	pthread_mutex_unlock(&c->mu);
	fr_loop_wake(c->loop);
}

/* Control loop wake-up: stop waiting once every worker is idle. */
static void on_ctl_wake(struct fr_loop *loop, void *arg)
{
	struct ctl *c = arg;
	int all;

	if (snapshot_complete(c))
		deliver_snapshot(c);
	pthread_mutex_lock(&c->mu);
	all = c->idle >= c->nworkers;
	pthread_mutex_unlock(&c->mu);
	if (all && c->waiting) {
		c->waiting = 0;
		fr_loop_break(loop);
	}
}

/* Runs the control loop until every worker is idle. */
static void wait_idle(struct ctl *c)
{
	c->waiting = 1;
	on_ctl_wake(c->loop, c);
	if (c->waiting)
		fr_loop_run(c->loop);
}

/* The number of worker threads. */
static int thread_count(const struct fr_run_opts *opts)
{
	long n = opts->threads > 0 ? opts->threads : sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 256 ? 256 : (int)n;
}

/* Starts the workers and waits until they are ready; -1 if one failed. */
static int start_workers(struct ctl *c)
{
	int n = thread_count(c->opts), failed = 0;
	unsigned cap = c->opts->max_inflight ? c->opts->max_inflight : FR_RUN_MAX_INFLIGHT;
	int nshards = c->opts->nshards > 1 ? c->opts->nshards : 1, shard = nshards > 1 ? c->opts->shard : 0;

	c->workers = xcalloc((size_t)n, sizeof(*c->workers));
	c->idle = 0;
	for (int k = 0; k < n; k++) {
		struct fr_worker_conf conf = {
		        .tl = c->tl,
		        .target = &c->target,
		        .run_vars = &c->vars,
		        .hooks = c->opts->hooks,
		        .nhooks = c->opts->nhooks,
		        .live = &c->live,
		        .thread = shard + nshards * k, /* lanes: shards and threads interleave */
		        .nthreads = nshards * n,
		        .shard = shard,
		        .nshards = nshards,
		        .seed = fr_rand_next(&c->rng) | 1,
		        .max_inflight = cap == FR_RUN_UNLIMITED ? 0 : (cap + (unsigned)n - 1) / (unsigned)n,
		        .interval_us = c->opts->interval_us,
		        .metrics = c->opts->metrics,
		        .tally = fr_gate_tally(c->gate),
		        .idle = on_worker_idle,
		        .idle_arg = c,
		};
		c->workers[k] = fr_worker_start(&conf);
		if (!c->workers[k])
			break;
		c->nworkers++;
	}
	wait_idle(c);
	for (int k = 0; k < c->nworkers; k++)
		failed |= fr_worker_failed(c->workers[k]);
	return failed || c->nworkers < n ? -1 : 0;
}

/* Joins the workers and merges their results into one. */
static struct fr_results *finish_workers(struct ctl *c)
{
	struct fr_results *all = NULL;

	for (int k = 0; k < c->nworkers; k++) {
		struct fr_results *r = fr_worker_finish(c->workers[k]);
		if (!all) {
			all = r;
			continue;
		}
		fr_results_merge(all, r);
		fr_results_free(r);
	}
	free(c->workers);
	c->workers = NULL;
	c->nworkers = 0;
	return all;
}

/* The level gauges show this shard's share of each stage. */
static void metrics_action(struct ctl *c, const struct fr_action *act)
{
	struct fr_action mine = *act;
	if (c->opts->nshards > 1 && act->kind == FR_ACT_STAGE)
		mine.level = fr_shard_level(c->plan->scenarios[act->scenario].model, act->level, c->opts->shard,
		                            c->opts->nshards);
	fr_metrics_action(c->opts->metrics, &mine);
}

/* Timer: fire the on_action hook for the actions that are due. */
static void on_ctl_action(struct fr_timer *t)
{
	struct ctl *c = FR_CONTAINER_OF(t, struct ctl, act_timer);
	const struct fr_timeline *tl = c->tl;
	int64_t now = fr_clock_mono_ns(), base = (int64_t)c->pass * tl->pass_us;

	while (c->next_act < tl->nactions && tl->actions[c->next_act].pass == c->pass) {
		const struct fr_action *act = &tl->actions[c->next_act];
		int64_t at = c->pass_t0_ns + (act->at_us - base) * 1000;
		if (at > now) {
			fr_sched_arm(fr_loop_sched(c->loop), t, at);
			return;
		}
		c->next_act++;
		if (!c->first_fire_ns)
			c->first_fire_ns = now;
		fr_progress_action(c->progress, act);
		metrics_action(c, act);
		for (size_t h = 0; h < c->opts->nhooks; h++)
			if (c->opts->hooks[h]->on_action)
				c->opts->hooks[h]->on_action(act, c->opts->hooks[h]->arg);
	}
}

/* Stops the load at once: no more actions, the workers drop what is in flight. */
static void stop_load(struct ctl *c)
{
	fr_sched_cancel(fr_loop_sched(c->loop), &c->act_timer);
	for (int k = 0; k < c->nworkers; k++)
		fr_worker_interrupt(c->workers[k]);
}

/* Timer: has a signal asked us to stop? */
static void on_stop_poll(struct fr_timer *t)
{
	struct ctl *c = FR_CONTAINER_OF(t, struct ctl, stop_timer);

	if (c->opts->stop && *c->opts->stop && !c->interrupted) {
		c->interrupted = 1;
		stop_load(c);
		return;
	}
	fr_sched_arm(fr_loop_sched(c->loop), t, fr_clock_mono_ns() + STOP_POLL_NS);
}

/* The absolute timeline offset of monotonic time NOW_NS in the current pass
 * (at most the pass's end: draining is not part of the timeline). */
static int64_t pass_offset(const struct ctl *c, int64_t now_ns)
{
	int64_t in = (now_ns - c->pass_t0_ns) / 1000;
	return (int64_t)c->pass * c->tl->pass_us + (in < 0 ? 0 : in > c->tl->pass_us ? c->tl->pass_us : in);
}

/* Judges the abort SLOs of the current pass at NOW_NS; records the first
 * decided window and returns 1 when there is one. */
static int gate_decided(struct ctl *c, int64_t now_ns, int drained)
{
	int64_t at = pass_offset(c, now_ns);
	int w = fr_gate_check(c->gate, c->pass, at, drained);

	if (w < 0)
		return 0;
	c->aborted = 1;
	c->aborted_window = w;
	c->aborted_at_us = at;
	return 1;
}

/* Timer: is an abort SLO decided failed? Then the load stops as for a signal. */
static void on_gate_poll(struct fr_timer *t)
{
	struct ctl *c = FR_CONTAINER_OF(t, struct ctl, gate_timer);
	int64_t now = fr_clock_mono_ns();

	if (c->aborted || c->interrupted)
		return;
	if (c->in_pass && now >= c->pass_t0_ns && gate_decided(c, now, 0)) {
		stop_load(c);
		return;
	}
	fr_sched_arm(fr_loop_sched(c->loop), t, now + GATE_POLL_NS);
}

/* The last worker added its share of the snapshot (worker thread): wake the control loop. */
static void on_snapshot_done(struct fr_worker_snapshot *snap)
{
	struct ctl *c = snap->arg;

	fr_loop_wake(c->loop);
}

/* Timer: a checkpoint is due; ask every worker for its results (delivered in on_ctl_wake). */
static void on_checkpoint(struct fr_timer *t)
{
	struct ctl *c = FR_CONTAINER_OF(t, struct ctl, ckpt_timer);

	if (!c->snap_busy && c->nworkers > 0) {
		c->snap.acc = fr_results_create(c->tl);
		if (c->opts->interval_us > 0)
			fr_results_set_interval(c->snap.acc, c->opts->interval_us);
		pthread_mutex_lock(&c->snap.mu);
		c->snap.pending = c->nworkers;
		pthread_mutex_unlock(&c->snap.mu);
		c->snap_busy = 1;
		for (int k = 0; k < c->nworkers; k++)
			fr_worker_snapshot(c->workers[k], &c->snap);
	}
	fr_sched_arm(fr_loop_sched(c->loop), t, fr_clock_mono_ns() + (int64_t)(c->opts->checkpoint_s * 1e9));
}

/* Before the workers go: waits for a snapshot they were asked for (it refers to
 * the control state) and drops it, as the final results supersede it. */
static void drop_snapshot(struct ctl *c)
{
	while (c->snap_busy && !snapshot_complete(c))
		fr_loop_run_once(c->loop);
	fr_results_free(c->snap.acc);
	c->snap.acc = NULL;
	c->snap_busy = 0;
}

/* Whether the stop flag is set. */
static int stop_requested(const struct ctl *c)
{
	return c->interrupted || (c->opts->stop && *c->opts->stop);
}

/* Sends a list of untimed requests in order; -1 (message set) at the first
 * failure. A request cut short by a signal is not a failure: the run stops. */
static int run_requests(struct ctl *c, const struct fr_request *reqs, size_t n, const char *what)
{
	char *err = NULL;
	if (fr_setup_requests(c->loop, &c->target, reqs, n, &c->vars, &c->rng, what, c->opts->stop, &err) == 0)
		return 0;
	set_error(c, what, err);
	return -1;
}

/* The setup of pass P: made once elsewhere (its captures given), or run here. */
static int pass_setup(struct ctl *c, int p)
{
	const struct fr_varstore *given = c->opts->pass_vars ? &c->opts->pass_vars[p] : NULL;
	for (size_t i = 0; given && i < given->n; i++)
		fr_varstore_set_list(&c->vars, given->items[i].name, given->items[i].values, given->items[i].nvalues);
	return given ? 0 : run_requests(c, c->plan->setup, c->plan->nsetup, "setup");
}

/* The monotonic start of pass P: a common start's, or now and a little lead. */
static int64_t pass_t0(struct ctl *c, int p)
{
	if (!c->opts->start_at_unix_us)
		return fr_clock_mono_ns() + PASS_LEAD_NS;
	int64_t at = fr_run_pass_start_unix_us(c->opts, c->tl, p);
	return c->anchor_ns + (at - c->opts->start_at_unix_us) * 1000;
}

/* A generator ready after the common start and its grace sends nothing: its
 * share would arrive late and in a burst. */
static int too_late(struct ctl *c, int p, int64_t t0)
{
	if (p > 0 || !c->opts->start_at_unix_us)
		return 0;
	int64_t behind_us = (fr_clock_mono_ns() - t0) / 1000;
	if (behind_us <= c->opts->start_grace_us)
		return 0;
	char late[FR_FMT_LEN], grace[FR_FMT_LEN];
	fr_fmt_duration(late, sizeof late, behind_us);
	fr_fmt_duration(grace, sizeof grace, c->opts->start_grace_us);
	set_error(c, "start",
	          xasprintf("late: ready %s after --start-at (grace %s), so no load was sent", late, grace));
	c->late = 1;
	return 1;
}

/* Runs pass P: sweep value, setup, the timeline on all workers, teardown. */
static int run_pass(struct ctl *c, int p)
{
	struct fr_sched *s = fr_loop_sched(c->loop);

	c->pass = p;
	if (c->plan->sweep_param && (size_t)p < c->plan->nsweep)
		fr_varstore_set(&c->vars, c->plan->sweep_param, c->plan->sweep_values[p]);
	if (pass_setup(c, p) != 0)
		return -1;
	if (stop_requested(c))
		return 0;
	c->pass_t0_ns = pass_t0(c, p);
	if (too_late(c, p, c->pass_t0_ns))
		return 0;
	c->in_pass = 1;
	c->next_act = 0;
	while (c->next_act < c->tl->nactions && c->tl->actions[c->next_act].pass < p)
		c->next_act++;
	fr_progress_pass(c->progress, p, c->pass_t0_ns);
	fr_metrics_set_pass_start(c->opts->metrics, p, unix_at(c->pass_t0_ns));
	pthread_mutex_lock(&c->mu);
	c->idle = 0;
	pthread_mutex_unlock(&c->mu);
	for (int k = 0; k < c->nworkers; k++)
		fr_worker_pass(c->workers[k], p, c->pass_t0_ns);
	fr_sched_arm(s, &c->act_timer, c->pass_t0_ns);
	wait_idle(c);
	fr_sched_cancel(s, &c->act_timer);
	c->in_pass = 0;
	if (stop_requested(c))
		return 0;
	/* drained: every window of the pass is final now */
	if (c->gate && !c->aborted)
		gate_decided(c, fr_clock_mono_ns(), 1);
	/* an abort is a verdict, not an interruption: the pass's teardown still runs
	 * (unless it runs once for all shards: flowrun teardown) */
	if (c->opts->pass_vars)
		return 0;
	return run_requests(c, c->plan->teardown, c->plan->nteardown, "teardown");
}

/* Logs in once; captures go into the run's variables, auth headers are used from then on. */
static int run_auth(struct ctl *c)
{
	char *err = NULL;
	if (fr_setup_auth(c->loop, c->plan, &c->target, &c->vars, &c->rng, c->opts->stop, &err) == 0)
		return 0;
	set_error(c, "auth", err);
	return -1;
}

/* Passes follow each other at the same spacing on every shard. */
int64_t fr_run_pass_start_unix_us(const struct fr_run_opts *opts, const struct fr_timeline *tl, int pass)
{
	return opts->start_at_unix_us + (int64_t)pass * (tl->pass_us + FR_RUN_PASS_GAP_US);
}

/* The first of N requests (and their steps) the lean path cannot send: its name in *NAME_OUT and why. */
static const char *lean_refusal(const struct fr_http_target *t, const struct fr_request *reqs, size_t n,
                                const char **name_out)
{
	for (size_t i = 0; i < n; i++) {
		const struct fr_request *q = &reqs[i];
		const char *why =
		        q->nsteps ? lean_refusal(t, q->steps, q->nsteps, name_out) : fr_http_lean_refusal(t, q);
		if (why) {
			if (!q->nsteps || !*name_out)
				*name_out = q->name;
			return why;
		}
	}
	return NULL;
}

/* Whether --http-engine lean can carry every load request. */
int fr_run_check_engine(const struct fr_plan *plan, enum fr_http_engine engine, char **err_out)
{
	struct fr_http_target t = {plan->base_url, 0, &plan->headers, &plan->auth_headers, engine, plan->ca_file};

	*err_out = NULL;
	if (engine != FR_HTTP_LEAN)
		return 0;
	for (size_t s = 0; s < plan->nscenarios; s++) {
		const struct fr_scenario *sc = &plan->scenarios[s];
		const char *name = NULL, *why;
		if (sc->model == FR_MODEL_WEBSOCKET)
			why = sc->ws.publish.url ? lean_refusal(&t, &sc->ws.publish, 1, &name) : NULL;
		else
			why = lean_refusal(&t, sc->requests, sc->nrequests, &name);
		if (why) {
			*err_out = xasprintf("--http-engine lean cannot send %s/%s: %s", sc->name,
			                     name ? name : "publish", why);
			return -1;
		}
	}
	return 0;
}

/* Why a run is invalid, or NULL: an open model fell short of its plan. (A
 * lagging generator is judged per SLO window as saturation: result/health.h.) */
char *fr_run_invalid_reason(uint64_t planned, uint64_t sent, int64_t load_us)
{
	double secs = (double)load_us / 1e6;

	if (planned && (double)sent < MIN_ACHIEVED * (double)planned && secs > 0) {
		char got[FR_FMT_LEN], want[FR_FMT_LEN];
		fr_fmt_count(got, sizeof(got), (double)sent / secs);
		fr_fmt_count(want, sizeof(want), (double)planned / secs);
		return xasprintf("achieved %s/s of %s/s planned (%.1f %%)", got, want,
		                 100.0 * (double)sent / (double)planned);
	}
	return NULL;
}

/* Marks the run invalid when it did not deliver its plan. */
static void judge_validity(struct fr_results *res)
{
	int64_t dur = res->tl->totals.duration_us;
	int64_t load_us = res->elapsed_us < dur ? res->elapsed_us : dur; /* less when interrupted */

	res->invalid_reason = fr_run_invalid_reason(res->planned, res->sent, load_us);
}

/* Sets up the control state. */
static int ctl_init(struct ctl *c, const struct fr_plan *plan, const struct fr_timeline *tl,
                    const struct fr_run_opts *opts)
{
	memset(c, 0, sizeof(*c));
	c->plan = plan;
	c->tl = tl;
	c->opts = opts;
	fr_setup_target(plan, &c->target);
	c->target.engine = opts->http_engine;
	c->rng = opts->seed ? opts->seed : (uint64_t)fr_clock_mono_ns() | 1;
	pthread_mutex_init(&c->mu, NULL);
	pthread_mutex_init(&c->snap.mu, NULL);
	c->snap.done = on_snapshot_done;
	c->snap.arg = c;
	fr_timer_init(&c->act_timer, on_ctl_action);
	fr_timer_init(&c->stop_timer, on_stop_poll);
	fr_timer_init(&c->gate_timer, on_gate_poll);
	c->gate = fr_gate_create(tl, opts->interval_us);
	fr_timer_init(&c->ckpt_timer, on_checkpoint);
	c->loop = fr_loop_create(16);
	if (!c->loop) {
		set_error(c, "start", xstrdup("cannot create the event loop"));
		return -1;
	}
	fr_loop_on_wake(c->loop, on_ctl_wake, c);
	return 0;
}

/* Frees the control state. */
static void ctl_free(struct ctl *c)
{
	fr_progress_free(c->progress);
	fr_loop_free(c->loop);
	fr_gate_free(c->gate);
	fr_varstore_clear(&c->vars);
	pthread_mutex_destroy(&c->mu);
	pthread_mutex_destroy(&c->snap.mu);
	free(c->err);
}

/* Starts the hooks in list order, up to the first that fails; -1 then. */
static int start_hooks(struct ctl *c, int64_t t0_ns)
{
	const struct fr_run_opts *o = c->opts;

	for (; c->hooks_started < o->nhooks; c->hooks_started++) {
		const struct fr_run_hooks *h = o->hooks[c->hooks_started];
		if (h->on_start && h->on_start(t0_ns, h->arg) != 0) {
			c->hooks_started++; /* it may have started in part: it gets on_stop */
			return -1;
		}
	}
	return 0;
}

/* Stops the hooks that were started, in list order. */
static void stop_hooks(struct ctl *c)
{
	for (size_t i = 0; i < c->hooks_started; i++) {
		const struct fr_run_hooks *h = c->opts->hooks[i];
		if (h->on_stop)
			h->on_stop(h->arg);
	}
	c->hooks_started = 0;
}

/* Runs the passes with the workers started; returns a status. */
static int run_load(struct ctl *c, struct fr_results **res_out)
{
	int64_t t0 = fr_clock_mono_ns();
	int status = FR_RUN_OK;
	struct fr_host_watch *hw;

	if (c->opts->start_at_unix_us)
		t0 = c->anchor_ns; /* a run's time counts from the common start */

	c->t0_ns = t0;
	if (start_workers(c) != 0) {
		set_error(c, "start", xstrdup("cannot start the worker threads"));
		status = FR_RUN_FAILED;
	} else if (start_hooks(c, c->opts->start_at_unix_us ? pass_t0(c, 0) : t0 + PASS_LEAD_NS) != 0) {
		set_error(c, "start", xstrdup("could not start the run's faults or drivers"));
		status = FR_RUN_FAILED;
	}
	hw = fr_host_watch_start(c->loop, c->opts->metrics);
	if (!c->opts->quiet)
		c->progress = fr_progress_create(c->opts->progress, c->tl, &c->live, c->workers, c->nworkers, c->loop);
	fr_sched_arm(fr_loop_sched(c->loop), &c->stop_timer, t0 + STOP_POLL_NS);
	if (c->gate)
		fr_sched_arm(fr_loop_sched(c->loop), &c->gate_timer, t0 + GATE_POLL_NS);
	if (c->opts->checkpoint && c->opts->checkpoint_s > 0 && status == FR_RUN_OK)
		fr_sched_arm(fr_loop_sched(c->loop), &c->ckpt_timer, t0 + (int64_t)(c->opts->checkpoint_s * 1e9));
	for (int p = 0; status == FR_RUN_OK && p < c->tl->npasses && !stop_requested(c) && !c->aborted && !c->late; p++)
		if (run_pass(c, p) != 0)
			status = FR_RUN_FAILED;
	fr_sched_cancel(fr_loop_sched(c->loop), &c->stop_timer);
	fr_sched_cancel(fr_loop_sched(c->loop), &c->gate_timer);
	fr_sched_cancel(fr_loop_sched(c->loop), &c->ckpt_timer);
	drop_snapshot(c);
	fr_metrics_set_run_end(c->opts->metrics, unix_at(fr_clock_mono_ns()));
	fr_progress_done(c->progress);
	stop_hooks(c);
	*res_out = finish_workers(c);
	fr_host_watch_finish(hw, *res_out ? (*res_out)->health : NULL);
	if (*res_out) {
		int64_t end = fr_clock_mono_ns();
		(*res_out)->elapsed_us = end > t0 ? (end - t0) / 1000 : 0;
		(*res_out)->start_skew_us =
		        c->opts->start_at_unix_us && c->first_fire_ns ? (c->first_fire_ns - t0) / 1000 : 0;
		(*res_out)->late = c->late;
	}
	if (*res_out && (*res_out)->health)
		(*res_out)->health->allow_saturated = c->opts->allow_saturated;
	return status;
}

/* Runs a plan's timeline. Whatever happens after the first request, the
 * caller gets results to report: what was measured, and why it stopped. */
int fr_run(const struct fr_plan *plan, const struct fr_timeline *tl, const struct fr_run_opts *opts,
           struct fr_results **results_out, char **err_out)
{
	struct ctl c;
	struct fr_results *res = NULL;
	int status;

	*results_out = NULL;
	*err_out = NULL;
	if (fr_run_check_engine(plan, opts->http_engine, err_out) != 0)
		return FR_RUN_FAILED;
	curl_global_init(CURL_GLOBAL_DEFAULT); /* before the preflight's TLS check uses curl */
	if (fr_preflight_plan(plan, PREFLIGHT_MS, err_out) != 0) {
		curl_global_cleanup();
		return FR_RUN_UNREACHABLE;
	}
	fr_loop_raise_nofile();
	if (ctl_init(&c, plan, tl, opts) != 0) {
		*err_out = c.err;
		c.err = NULL;
		ctl_free(&c);
		curl_global_cleanup();
		return FR_RUN_FAILED;
	}
	c.started_unix = fr_clock_wall_us();
	if (opts->start_at_unix_us) {
		c.anchor_ns = fr_clock_mono_ns() + (opts->start_at_unix_us - c.started_unix) * 1000;
		c.started_unix = opts->start_at_unix_us;
	}
	first_checkpoint(&c);
	status = run_auth(&c) != 0 ? FR_RUN_FAILED : run_load(&c, &res);
	if (status == FR_RUN_OK && stop_requested(&c))
		status = FR_RUN_INTERRUPTED;
	else if (status == FR_RUN_OK && c.aborted)
		status = FR_RUN_ABORTED;
	char *late = NULL;
	if (!res) {
		res = fr_results_create(tl); /* nothing measured: the reports still say what happened */
		if (opts->interval_us > 0)
			fr_results_set_interval(res, opts->interval_us);
	}
	if (status == FR_RUN_FAILED) {
		*err_out = xstrdup(c.err ? c.err : "the run failed");
		res->failed_reason = c.err ? c.err : xstrdup("the run failed");
		res->failed_phase = c.phase ? c.phase : "start";
		res->failed_pass = c.pass;
		c.err = NULL;
	} else if (c.late) {
		late = c.err; /* the run is valid as a result, invalid as a measurement */
		c.err = NULL;
	}
	int aborted_window = c.aborted_window;
	int64_t aborted_at = c.aborted_at_us;
	ctl_free(&c);
	curl_global_cleanup();
	res->started_unix_us = c.started_unix;
	res->interrupted = status == FR_RUN_INTERRUPTED;
	res->aborted = status == FR_RUN_ABORTED;
	res->aborted_window = res->aborted ? aborted_window : -1;
	res->aborted_at_us = res->aborted ? aborted_at : 0;
	if (status != FR_RUN_FAILED)
		judge_validity(res);
	if (late) {
		free(res->invalid_reason);
		res->invalid_reason = late;
	}
	*results_out = res;
	return status;
}
