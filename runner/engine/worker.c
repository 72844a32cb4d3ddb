/* worker.c: a worker thread — its loop, the drivers of every HTTP scenario, the pass's actions.
 *
 * Actions of the current pass are fired from one embedded timer in timeline
 * order, each at pass_t0 + (offset − pass start). Stage changes go to the
 * closed-model users or the open-model arrivals of the scenario, websocket
 * scenarios' actions to the worker_action hook. At the pass end nothing new
 * starts; requests in flight are given until their longest timeout to
 * answer (and are recorded), then the worker reports idle.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/arrivals.h"
#include "engine/health_probe.h"
#include "engine/users.h"
#include "engine/worker.h"
#include "util/clock.h"
#include "util/container.h"
#include "util/xmalloc.h"

#define DRAIN_POLL_NS 5000000

/* The mailbox: commands are flags, so a second post before the worker wakes
 * adds to the first instead of replacing it; the worker takes them all at
 * once, under the lock, and acts in this order (a pass, a snapshot, an
 * interrupt, the exit). */
enum cmd {
	CMD_PASS = 1,
	CMD_SNAPSHOT = 2,
	CMD_INTERRUPT = 4,
	CMD_EXIT = 8,
};

struct fr_worker {
	struct fr_worker_conf conf;
	pthread_t tid;
	struct fr_loop *loop;
	struct fr_health_probe *probe; /* the heartbeat: CPU and loop lag per segment */
	struct fr_drive d;
	pthread_mutex_t live_lock;
	struct fr_users **users;       /* per scenario, closed model */
	struct fr_arrivals **arrivals; /* per scenario, open model */
	void **hook_state;             /* per hook: what its worker_start returned */
	struct fr_timer act_timer;
	size_t next_act;
	struct fr_timer drain_timer;
	int64_t drain_deadline_ns;
	int in_pass;
	int failed;
	pthread_mutex_t mu; /* the mailbox: cmd, cmd_pass, cmd_t0, cmd_snap */
	unsigned cmd;       /* enum cmd flags posted and not yet taken */
	int cmd_pass;
	int64_t cmd_t0;
	struct fr_worker_snapshot *cmd_snap;
};

/* Monotonic time of ACT in the current pass. */
static int64_t act_ns(const struct fr_worker *w, const struct fr_action *act)
{
	int64_t base = (int64_t)w->d.pass * w->d.tl->pass_us;

	return w->d.pass_t0_ns + (act->at_us - base) * 1000;
}

/* When the current stage of ACT's scenario ends: its next stage/stop, or the pass end. */
static int64_t stage_until(const struct fr_worker *w, size_t idx)
{
	const struct fr_timeline *tl = w->d.tl;
	const struct fr_action *act = &tl->actions[idx];

	for (size_t i = idx + 1; i < tl->nactions && tl->actions[i].pass == act->pass; i++) {
		const struct fr_action *n = &tl->actions[i];
		if ((n->kind == FR_ACT_STAGE || n->kind == FR_ACT_STOP) && n->scenario == act->scenario)
			return act_ns(w, n);
	}
	return w->d.pass_end_ns;
}

/* The longest request timeout of the plan, in ns. */
static int64_t longest_timeout_ns(const struct fr_worker *w)
{
	const struct fr_plan *plan = w->d.tl->plan;
	int64_t t = w->conf.target->timeout_us;

	for (size_t s = 0; s < plan->nscenarios; s++)
		for (size_t r = 0; r < plan->scenarios[s].nrequests; r++) {
			const struct fr_request *q = &plan->scenarios[s].requests[r];
			if (q->timeout_us > t)
				t = q->timeout_us;
			for (size_t k = 0; k < q->nsteps; k++)
				if (q->steps[k].timeout_us > t)
					t = q->steps[k].timeout_us;
		}
	return t * 1000;
}

/* Iterations of the HTTP drivers still in flight. */
static size_t busy(const struct fr_worker *w)
{
	size_t n = 0;

	for (size_t s = 0; s < w->d.tl->plan->nscenarios; s++) {
		if (w->users[s])
			n += fr_users_busy(w->users[s]);
		if (w->arrivals[s])
			n += fr_arrivals_busy(w->arrivals[s]);
	}
	return n;
}

/* Becomes idle and tells the control thread. */
static void report_idle(struct fr_worker *w)
{
	w->in_pass = 0;
	w->conf.idle(w, w->conf.idle_arg);
}

/* Timer: has the pass's last request answered (or run out of time)? */
static void on_drain(struct fr_timer *t)
{
	struct fr_worker *w = FR_CONTAINER_OF(t, struct fr_worker, drain_timer);
	int64_t now = fr_clock_mono_ns();

	if (busy(w) && now < w->drain_deadline_ns) {
		fr_sched_arm(fr_loop_sched(w->loop), t, now + DRAIN_POLL_NS);
		return;
	}
	w->d.stopping = 1;
	fr_loop_abort_all(w->loop);
	report_idle(w);
}

/* Sets the level of an HTTP scenario (a STOP is level 0). */
static void set_level(struct fr_worker *w, size_t idx)
{
	const struct fr_action *act = &w->d.tl->actions[idx];
	double level = act->kind == FR_ACT_STOP ? 0 : act->level;
	int s = act->scenario;

	if (w->users[s])
		fr_users_set(w->users[s], level, act_ns(w, act));
	else if (w->arrivals[s] && act->kind == FR_ACT_STOP)
		fr_arrivals_end(w->arrivals[s], act_ns(w, act));
	else if (w->arrivals[s])
		fr_arrivals_set(w->arrivals[s], level, act_ns(w, act), stage_until(w, idx));
}

/* Stops every HTTP driver at END_NS. */
static void stop_drivers(struct fr_worker *w, int64_t end_ns)
{
	for (size_t s = 0; s < w->d.tl->plan->nscenarios; s++) {
		if (w->users[s])
			fr_users_set(w->users[s], 0, end_ns);
		if (w->arrivals[s])
			fr_arrivals_end(w->arrivals[s], end_ns);
	}
}

/* The pass ended: stop starting, let what is in flight answer. */
static void end_pass(struct fr_worker *w)
{
	int64_t now = fr_clock_mono_ns();

	stop_drivers(w, w->d.pass_end_ns);
	w->drain_deadline_ns = now + longest_timeout_ns(w) + 100000000;
	fr_sched_arm(fr_loop_sched(w->loop), &w->drain_timer, now);
}

/* Whether a websocket scenario's hook should see ACT. */
static int for_hook(const struct fr_worker *w, const struct fr_action *act)
{
	if (act->kind == FR_ACT_PASS || act->kind == FR_ACT_END)
		return 1;
	if (act->kind != FR_ACT_STAGE && act->kind != FR_ACT_STOP)
		return 0;
	return w->d.tl->plan->scenarios[act->scenario].model == FR_MODEL_WEBSOCKET;
}

/* Notes the users running in the segment action ACT opens, for every closed
 * scenario: the load this generator really held (results.h, active). */
static void note_active(struct fr_worker *w, const struct fr_action *act)
{
	int seg = fr_drive_segment(&w->d, act_ns(w, act));

	for (size_t s = 0; seg >= 0 && s < w->d.tl->plan->nscenarios; s++)
		if (w->users[s])
			fr_results_note_active(w->d.res, (int)s, seg, fr_users_active(w->users[s]));
}

/* Fires action IDX. */
static void fire(struct fr_worker *w, size_t idx)
{
	const struct fr_action *act = &w->d.tl->actions[idx];

	for (size_t i = 0; i < w->conf.nhooks && for_hook(w, act); i++) {
		const struct fr_run_hooks *h = w->conf.hooks[i];
		if (h->worker_action && w->hook_state[i])
			h->worker_action(w->hook_state[i], act, w->d.pass_t0_ns);
	}
	if ((act->kind == FR_ACT_STAGE || act->kind == FR_ACT_STOP) &&
	    w->d.tl->plan->scenarios[act->scenario].model != FR_MODEL_WEBSOCKET)
		set_level(w, idx);
	else if (act->kind == FR_ACT_END)
		end_pass(w);
	note_active(w, act);
}

/* Timer: fire the actions that are due, then wait for the next one. */
static void on_action(struct fr_timer *t)
{
	struct fr_worker *w = FR_CONTAINER_OF(t, struct fr_worker, act_timer);
	const struct fr_timeline *tl = w->d.tl;
	int64_t now = fr_clock_mono_ns();

	while (w->in_pass && w->next_act < tl->nactions && tl->actions[w->next_act].pass == w->d.pass) {
		const struct fr_action *act = &tl->actions[w->next_act];
		if (act_ns(w, act) > now) {
			fr_sched_arm(fr_loop_sched(w->loop), t, act_ns(w, act));
			return;
		}
		fire(w, w->next_act++);
	}
}

/* Starts pass P at T0. */
static void begin_pass(struct fr_worker *w, int p, int64_t t0)
{
	const struct fr_timeline *tl = w->d.tl;

	w->d.pass = p;
	w->d.pass_t0_ns = t0;
	w->d.pass_end_ns = t0 + tl->pass_us * 1000;
	w->d.stopping = 0;
	w->in_pass = 1;
	w->next_act = 0;
	while (w->next_act < tl->nactions && tl->actions[w->next_act].pass < p)
		w->next_act++;
	fr_sched_arm(fr_loop_sched(w->loop), &w->act_timer, t0);
}

/* Stops the load at once. */
static void interrupt(struct fr_worker *w)
{
	int64_t now = fr_clock_mono_ns();

	fr_sched_cancel(fr_loop_sched(w->loop), &w->act_timer);
	fr_sched_cancel(fr_loop_sched(w->loop), &w->drain_timer);
	if (w->in_pass)
		stop_drivers(w, now < w->d.pass_end_ns ? now : w->d.pass_end_ns);
	w->d.stopping = 1;
	fr_loop_abort_all(w->loop);
	report_idle(w);
}

/* Adds this worker's results into SNAP; the last worker to do so says it is done. */
static void add_to_snapshot(struct fr_worker *w, struct fr_worker_snapshot *snap)
{
	pthread_mutex_lock(&snap->mu);
	fr_results_merge(snap->acc, w->d.res);
	int last = --snap->pending == 0;
	pthread_mutex_unlock(&snap->mu);
	if (last && snap->done)
		snap->done(snap);
}

/* Loop wake-up: a command from the control thread. */
static void on_wake(struct fr_loop *loop, void *arg)
{
	struct fr_worker *w = arg;

	pthread_mutex_lock(&w->mu);
	unsigned cmd = w->cmd;
	int pass = w->cmd_pass;
	int64_t t0 = w->cmd_t0;
	struct fr_worker_snapshot *snap = w->cmd_snap;
	w->cmd = 0;
	pthread_mutex_unlock(&w->mu);
	if (cmd & CMD_PASS)
		begin_pass(w, pass, t0);
	if (cmd & CMD_SNAPSHOT)
		add_to_snapshot(w, snap);
	if (cmd & CMD_INTERRUPT)
		interrupt(w);
	if (cmd & CMD_EXIT)
		fr_loop_break(loop);
}

/* Creates the driver of every HTTP scenario. */
static void create_drivers(struct fr_worker *w)
{
	const struct fr_plan *plan = w->d.tl->plan;

	w->users = xcalloc(plan->nscenarios + 1, sizeof(*w->users));
	w->arrivals = xcalloc(plan->nscenarios + 1, sizeof(*w->arrivals));
	for (size_t s = 0; s < plan->nscenarios; s++) {
		if (plan->scenarios[s].model == FR_MODEL_CLOSED)
			w->users[s] = fr_users_create(&w->d, (int)s);
		else if (plan->scenarios[s].model == FR_MODEL_OPEN)
			w->arrivals[s] = fr_arrivals_create(&w->d, (int)s);
	}
}

/* Frees the drivers (nothing in flight any more). */
static void free_drivers(struct fr_worker *w)
{
	for (size_t s = 0; w->users && s < w->d.tl->plan->nscenarios; s++) {
		fr_users_free(w->users[s]);
		fr_arrivals_free(w->arrivals[s]);
	}
	free(w->users);
	free(w->arrivals);
}

/* Sets up the worker's loop, results and drivers on its own thread. */
static int setup(struct fr_worker *w)
{
	const struct fr_worker_conf *c = &w->conf;
	struct fr_worker_info info;

	w->loop = fr_loop_create(64);
	if (!w->loop)
		return -1;
	w->d.loop = w->loop;
	w->d.target = c->target;
	w->d.tl = c->tl;
	w->d.res = fr_results_create(c->tl);
	if (c->interval_us > 0)
		fr_results_set_interval(w->d.res, c->interval_us);
	w->d.run_vars = c->run_vars;
	w->d.live = c->live;
	w->d.live_latency = fr_hist_create();
	w->d.live_lock = &w->live_lock;
	w->d.thread = c->thread;
	w->d.nthreads = c->nthreads;
	w->d.rng = c->seed ? c->seed : 0x9e3779b97f4a7c15ull;
	w->d.max_inflight = c->max_inflight;
	w->d.metrics = c->metrics;
	w->d.tally = c->tally;
	w->d.res->health = fr_health_create(c->tl->nsegs, c->thread);
	w->probe = fr_health_probe_start(&w->d);
	fr_timer_init(&w->act_timer, on_action);
	fr_timer_init(&w->drain_timer, on_drain);
	fr_loop_on_wake(w->loop, on_wake, w);
	create_drivers(w);
	info = (struct fr_worker_info){w->loop,  c->thread, c->nthreads, w->d.res,
	                               c->tl,    c->target, c->run_vars, w->d.rng ^ 0x5bd1e995u,
	                               c->shard, c->nshards};
	w->hook_state = xcalloc(c->nhooks ? c->nhooks : 1, sizeof(*w->hook_state));
	for (size_t i = 0; i < c->nhooks; i++)
		if (c->hooks[i]->worker_start)
			w->hook_state[i] = c->hooks[i]->worker_start(&info, c->hooks[i]->arg);
	return 0;
}

/* Releases the worker's loop and drivers (not its results). */
static void teardown(struct fr_worker *w)
{
	for (size_t i = 0; w->hook_state && i < w->conf.nhooks; i++) {
		const struct fr_run_hooks *h = w->conf.hooks[i];
		if (h->worker_stop && w->hook_state[i])
			h->worker_stop(w->hook_state[i]);
	}
	free(w->hook_state);
	w->hook_state = NULL;
	fr_health_probe_stop(w->probe);
	w->probe = NULL;
	if (w->loop) {
		w->d.stopping = 1;
		fr_loop_abort_all(w->loop);
		fr_sched_cancel(fr_loop_sched(w->loop), &w->act_timer);
		fr_sched_cancel(fr_loop_sched(w->loop), &w->drain_timer);
	}
	free_drivers(w);
	fr_loop_free(w->loop);
	w->loop = NULL;
}

/* The worker thread. */
static void *thread_main(void *arg)
{
	struct fr_worker *w = arg;

	if (setup(w) != 0) {
		w->failed = 1;
		teardown(w);
		w->conf.idle(w, w->conf.idle_arg);
		return NULL;
	}
	w->conf.idle(w, w->conf.idle_arg);
	fr_loop_run(w->loop);
	teardown(w);
	return NULL;
}

/* Starts a worker thread. */
struct fr_worker *fr_worker_start(const struct fr_worker_conf *conf)
{
	struct fr_worker *w = xcalloc(1, sizeof(*w));

	w->conf = *conf;
	pthread_mutex_init(&w->mu, NULL);
	pthread_mutex_init(&w->live_lock, NULL);
	if (pthread_create(&w->tid, NULL, thread_main, w) != 0) {
		pthread_mutex_destroy(&w->mu);
		pthread_mutex_destroy(&w->live_lock);
		free(w);
		return NULL;
	}
	return w;
}

/* Whether the worker could not set itself up. */
int fr_worker_failed(const struct fr_worker *w)
{
	return w->failed;
}

/* Posts a command (adding to any not yet taken) and wakes the worker. */
static void post(struct fr_worker *w, enum cmd cmd, int pass, int64_t t0, struct fr_worker_snapshot *snap)
{
	pthread_mutex_lock(&w->mu);
	w->cmd |= cmd;
	if (cmd == CMD_PASS) {
		w->cmd_pass = pass;
		w->cmd_t0 = t0;
	}
	if (cmd == CMD_SNAPSHOT)
		w->cmd_snap = snap;
	pthread_mutex_unlock(&w->mu);
	fr_loop_wake(w->loop);
}

/* Starts a pass on the worker. */
void fr_worker_pass(struct fr_worker *w, int pass, int64_t t0_ns)
{
	post(w, CMD_PASS, pass, t0_ns, NULL);
}

/* Asks for the worker's share of a snapshot. */
void fr_worker_snapshot(struct fr_worker *w, struct fr_worker_snapshot *snap)
{
	post(w, CMD_SNAPSHOT, 0, 0, snap);
}

/* Stops the worker's load at once. */
void fr_worker_interrupt(struct fr_worker *w)
{
	post(w, CMD_INTERRUPT, 0, 0, NULL);
}

/* Ends the thread and hands over its results. */
struct fr_results *fr_worker_finish(struct fr_worker *w)
{
	struct fr_results *res;

	if (!w->failed)
		post(w, CMD_EXIT, 0, 0, NULL);
	pthread_join(w->tid, NULL);
	res = w->d.res;
	fr_hist_free(w->d.live_latency);
	pthread_mutex_destroy(&w->mu);
	pthread_mutex_destroy(&w->live_lock);
	free(w);
	return res;
}

/* Merges the live latency histogram into H. */
void fr_worker_live_merge(struct fr_worker *w, struct fr_hist *h)
{
	if (!w->d.live_latency)
		return;
	pthread_mutex_lock(&w->live_lock);
	fr_hist_merge(h, w->d.live_latency);
	pthread_mutex_unlock(&w->live_lock);
}
