/* faults.c: the fault executor — one thread that applies fault actions on time, and the cleanup after it.
 *
 * The thread walks the timeline's fault actions in order and waits for each
 * one's absolute CLOCK_MONOTONIC deadline with pthread_cond_timedwait on a
 * condition variable bound to CLOCK_MONOTONIC: the same absolute, hrtimer-
 * backed wait as clock_nanosleep(TIMER_ABSTIME), but one that fr_faults_stop
 * can cut short without a signal (signals belong to the run module).
 *
 * What the run may have changed in Toxiproxy is tracked per (fault, proxy)
 * before each call is made: "dirty" (a toxic or down marker may be there) and
 * "disabled" (the proxy may be disabled). A call that timed out may still
 * have taken effect, so a flag is cleared only when a call confirms the undo.
 * Cleanup walks those flags, so it does not depend on where the thread was.
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chaos/faults.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/xmalloc.h"

#define CLEANUP_BUDGET_NS (5 * 1000000000LL)
#define BACKOFF_FIRST_NS  (50 * 1000000LL)
#define SETTLE_NS         (500 * 1000000LL)
#define BACKOFF_MAX_NS    (1000 * 1000000LL)

struct fr_faults_exec {
	const struct fr_plan *plan;
	const struct fr_timeline *tl;
	struct fr_toxi *toxi;
	char **names; /* per fault: its toxic's name (the marker's for down), from its first add */
	char *run_id;
	size_t *slot; /* per fault: its first index into dirty/disabled */
	unsigned char *dirty;
	unsigned char *disabled;
	int *active;      /* per fault; under lock */
	int64_t *pass_t0; /* per pass, CLOCK_MONOTONIC ns; under lock */
	unsigned char *pass_known;
	fr_faults_listener listener;
	void *listener_arg;

	pthread_mutex_t lock; /* guards active, pass_t0, stopping, records */
	pthread_cond_t wake;
	pthread_mutex_t stop_lock; /* serialises fr_faults_stop */
	pthread_t thread;
	int thread_running;
	int stopping;
	int stopped;
	int stop_result;

	struct fr_fault_record *records;
	size_t nrecords;
	char **unclean;
	size_t nunclean;
	char *last_error;             /* cleanup: the last failure's message */
	volatile sig_atomic_t *hurry; /* set: cleanup cuts its retries short */
	int touched;                  /* a call that may change Toxiproxy was made */
	unsigned timeouts_seen;       /* fr_toxi_timeouts already settled for */
};

/* An absolute CLOCK_MONOTONIC timespec for NS, for pthread_cond_timedwait. */
static struct timespec to_timespec(int64_t ns)
{
	struct timespec ts = {.tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL};
	return ts;
}

/* The fault an action refers to, or NULL for any other action. */
static const struct fr_fault *action_fault(const struct fr_faults_exec *f, const struct fr_action *a)
{
	if (a->kind != FR_ACT_FAULT_ON && a->kind != FR_ACT_FAULT_OFF)
		return NULL;
	if (a->fault < 0 || (size_t)a->fault >= f->plan->faults.n)
		return NULL;
	return &f->plan->faults.items[a->fault];
}

/* Appends "; MSG" (or MSG, the first) to the errors of one action. */
static void add_error(struct fr_buf *errs, const char *msg)
{
	fr_buf_printf(errs, "%s%s", errs->len ? "; " : "", msg);
}

/* Sets a fault's active flag and tells the listener. */
static void set_active(struct fr_faults_exec *f, int fault, int active)
{
	int changed;

	pthread_mutex_lock(&f->lock);
	changed = f->active[fault] != active;
	f->active[fault] = active;
	pthread_mutex_unlock(&f->lock);
	if (changed && f->listener)
		f->listener(fault, active, f->listener_arg);
}

/* Adds a toxic (or marker); one already there from an earlier attempt is
 * replaced so that it has this fault's attributes. */
static int add_one(struct fr_faults_exec *f, const struct fr_fault *fault, const char *proxy, const char *name)
{
	int down = fault->toxic == FR_TOXIC_DOWN;
	int rc = down ? fr_toxi_add_marker(f->toxi, proxy, name) : fr_toxi_add_toxic(f->toxi, proxy, name, fault);

	if (rc != FR_TOXI_CONFLICT)
		return rc;
	rc = fr_toxi_remove_toxic(f->toxi, proxy, name);
	if (rc)
		return rc;
	return down ? fr_toxi_add_marker(f->toxi, proxy, name) : fr_toxi_add_toxic(f->toxi, proxy, name, fault);
}

/* Names fault I's toxic for this switch-on: it expires FR_TOXI_GRACE_S after
 * the fault's planned end. A name still in use (an undo that failed) is kept,
 * so that cleanup finds what is there. */
static void name_fault(struct fr_faults_exec *f, int i)
{
	const struct fr_fault *fault = &f->plan->faults.items[i];
	for (size_t j = 0; j < fault->nproxies; j++)
		if (f->dirty[f->slot[i] + j])
			return;
	double dur_s = (double)fault->dur_us * f->tl->time_scale / 1e6;
	int64_t expiry = (int64_t)(fr_clock_wall_s() + dur_s) + 1 + FR_TOXI_GRACE_S;
	free(f->names[i]);
	f->names[i] = fr_toxi_name(f->run_id, fault->name, fault->toxic == FR_TOXIC_DOWN, expiry);
}

/* Applies FAULT_ON on every proxy; returns how many proxies took it. Sets
 * *EFFECT_NS to when the last call that switched the fault on returned. */
static int apply_on(struct fr_faults_exec *f, int i, struct fr_buf *errs, int64_t *effect_ns)
{
	const struct fr_fault *fault = &f->plan->faults.items[i];
	size_t s = f->slot[i];
	int applied = 0;

	name_fault(f, i);
	for (size_t j = 0; j < fault->nproxies; j++) {
		const char *proxy = fault->proxies[j];
		f->dirty[s + j] = 1;
		f->touched = 1;
		if (add_one(f, fault, proxy, f->names[i])) {
			add_error(errs, fr_toxi_error(f->toxi));
			continue;
		}
		/* down: the marker is in place, so a crash from here on leaves a
		 * disabled proxy that the next run recognises as flowrun's. */
		if (fault->toxic == FR_TOXIC_DOWN) {
			f->disabled[s + j] = 1;
			if (fr_toxi_set_enabled(f->toxi, proxy, 0)) {
				add_error(errs, fr_toxi_error(f->toxi));
				continue;
			}
		}
		*effect_ns = fr_clock_mono_ns();
		applied++;
	}
	return applied;
}

/* Undoes fault I on proxy J: enable (down), then remove the toxic or marker.
 * Sets *EFFECT_NS (when not NULL) to when the fault ended on that proxy: after
 * the enable for down (the marker is only bookkeeping), else the removal. */
static int undo_one(struct fr_faults_exec *f, int i, size_t j, int64_t *effect_ns)
{
	int down = f->plan->faults.items[i].toxic == FR_TOXIC_DOWN;
	const char *proxy = f->plan->faults.items[i].proxies[j];
	size_t k = f->slot[i] + j;
	int rc;

	if (f->disabled[k]) {
		rc = fr_toxi_set_enabled(f->toxi, proxy, 1);
		if (rc && rc != FR_TOXI_NOT_FOUND)
			return rc;
		f->disabled[k] = 0; /* a proxy that is gone is not left disabled */
		if (effect_ns)
			*effect_ns = fr_clock_mono_ns();
	}
	if (f->dirty[k]) {
		rc = fr_toxi_remove_toxic(f->toxi, proxy, f->names[i]);
		if (rc)
			return rc;
		f->dirty[k] = 0;
		if (effect_ns && !down)
			*effect_ns = fr_clock_mono_ns();
	}
	return FR_TOXI_OK;
}

/* Applies FAULT_OFF on every proxy; sets *EFFECT_NS like apply_on. */
static void apply_off(struct fr_faults_exec *f, int i, struct fr_buf *errs, int64_t *effect_ns)
{
	const struct fr_fault *fault = &f->plan->faults.items[i];

	for (size_t j = 0; j < fault->nproxies; j++)
		if (undo_one(f, i, j, effect_ns))
			add_error(errs, fr_toxi_error(f->toxi));
}

/* Records one applied action (ERRS taken, NULL when it succeeded); called
 * with the lock held. */
static void record(struct fr_faults_exec *f, const struct fr_action *a, int64_t actual_us, char *errs)
{
	struct fr_fault_record *r;

	f->records = xreallocarray(f->records, f->nrecords + 1, sizeof(*f->records));
	r = &f->records[f->nrecords++];
	r->fault = a->fault;
	r->on = a->kind == FR_ACT_FAULT_ON;
	r->intended_us = a->at_us;
	r->actual_us = actual_us;
	r->ok = errs == NULL;
	r->error = errs;
}

/* Waits, lock held, until action A is due; returns 0 when due, -1 on stop. */
static int wait_due(struct fr_faults_exec *f, const struct fr_action *a, int64_t *base_out)
{
	for (;;) {
		if (f->stopping)
			return -1;
		if (!f->pass_known[a->pass]) {
			pthread_cond_wait(&f->wake, &f->lock);
			continue;
		}
		int64_t base = f->pass_t0[a->pass];
		int64_t due = base + (a->at_us - (int64_t)a->pass * f->tl->pass_us) * 1000;
		if (fr_clock_mono_ns() >= due) {
			*base_out = base;
			return 0;
		}
		struct timespec ts = to_timespec(due);
		pthread_cond_timedwait(&f->wake, &f->lock, &ts);
	}
}

/* Applies action A (lock not held) and records it. */
static void run_action(struct fr_faults_exec *f, const struct fr_action *a, int64_t base)
{
	struct fr_buf errs;
	int64_t done = 0;

	fr_buf_init(&errs, 0);
	if (a->kind == FR_ACT_FAULT_ON) {
		if (apply_on(f, a->fault, &errs, &done) > 0)
			set_active(f, a->fault, 1);
	} else {
		set_active(f, a->fault, 0);
		apply_off(f, a->fault, &errs, &done);
	}
	if (errs.len || !done)
		done = fr_clock_mono_ns(); /* a failure: when we gave up */
	pthread_mutex_lock(&f->lock);
	record(f, a, (int64_t)a->pass * f->tl->pass_us + (done - base) / 1000, errs.len ? fr_buf_take(&errs) : NULL);
	pthread_mutex_unlock(&f->lock);
}

/* Asks for real-time scheduling, best effort. On a machine whose cores are
 * busy with load (the usual case during a run) a normal thread waits up to
 * several ms for a core after its deadline; a SCHED_FIFO thread preempts at
 * once (measured: ≤ 0.05 ms instead of ≤ 3.4 ms at load average 7 on 2
 * cores). The thread only blocks (condition waits, network I/O) and works a
 * few ms per action, so it cannot starve the machine. Without the privilege
 * (root or CAP_SYS_NICE) it keeps the normal policy. */
static void ask_realtime(void)
{
	struct sched_param sp = {.sched_priority = 1};

	pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
}

/* The executor thread: every fault action in timeline order. */
static void *thread_main(void *arg)
{
	struct fr_faults_exec *f = arg;
	int64_t base;

	ask_realtime();

	for (size_t i = 0; i < f->tl->nactions; i++) {
		const struct fr_action *a = &f->tl->actions[i];
		if (!action_fault(f, a) || a->pass < 0 || a->pass >= f->tl->npasses)
			continue;
		pthread_mutex_lock(&f->lock);
		int rc = wait_due(f, a, &base);
		pthread_mutex_unlock(&f->lock);
		if (rc)
			break;
		run_action(f, a, base);
	}
	return NULL;
}

/* Allocates the per-fault and per-pass state. */
static struct fr_faults_exec *exec_create(const struct fr_plan *plan, const struct fr_timeline *tl, const char *run_id,
                                          struct fr_toxi *toxi)
{
	struct fr_faults_exec *f = xcalloc(1, sizeof(*f));
	size_t nf = plan->faults.n, total = 0;
	int npasses = tl->npasses > 0 ? tl->npasses : 1;

	f->plan = plan;
	f->tl = tl;
	f->toxi = toxi;
	f->names = xcalloc(nf + 1, sizeof(*f->names));
	f->slot = xcalloc(nf + 1, sizeof(*f->slot));
	f->active = xcalloc(nf + 1, sizeof(*f->active));
	for (size_t i = 0; i < nf; i++) {
		f->slot[i] = total;
		total += plan->faults.items[i].nproxies;
	}
	f->run_id = xstrdup(run_id);
	f->timeouts_seen = fr_toxi_timeouts(toxi);
	f->dirty = xcalloc(total + 1, 1);
	f->disabled = xcalloc(total + 1, 1);
	f->pass_t0 = xcalloc((size_t)npasses, sizeof(*f->pass_t0));
	f->pass_known = xcalloc((size_t)npasses, 1);
	return f;
}

/* Starts the executor; pass 0 waits for a re-base unless KNOWN0. */
static int start_exec(const struct fr_plan *plan, const struct fr_timeline *tl, const char *run_id,
                      struct fr_toxi *toxi, int64_t t0_ns, int known0, fr_faults_listener listener, void *arg,
                      struct fr_faults_exec **faults_out)
{
	struct fr_faults_exec *f = exec_create(plan, tl, run_id, toxi);
	pthread_condattr_t ca;

	f->listener = listener;
	f->listener_arg = arg;
	f->pass_t0[0] = t0_ns;
	f->pass_known[0] = (unsigned char)(known0 != 0);
	pthread_mutex_init(&f->lock, NULL);
	pthread_mutex_init(&f->stop_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&f->wake, &ca);
	pthread_condattr_destroy(&ca);
	*faults_out = NULL;
	if (pthread_create(&f->thread, NULL, thread_main, f) != 0) {
		f->stopped = 1;
		fr_faults_free(f);
		return -1;
	}
	f->thread_running = 1;
	*faults_out = f;
	return 0;
}

/* Starts the executor. */
int fr_faults_start(const struct fr_plan *plan, const struct fr_timeline *tl, const char *run_id, struct fr_toxi *toxi,
                    int64_t t0_ns, struct fr_faults_exec **faults_out)
{
	return start_exec(plan, tl, run_id, toxi, t0_ns, 1, NULL, NULL, faults_out);
}

/* Gives pass PASS its start time. */
void fr_faults_rebase(struct fr_faults_exec *f, int pass, int64_t t0_ns)
{
	if (!f || pass < 0 || pass >= (f->tl->npasses > 0 ? f->tl->npasses : 1))
		return;
	pthread_mutex_lock(&f->lock);
	f->pass_t0[pass] = t0_ns;
	f->pass_known[pass] = 1;
	pthread_cond_broadcast(&f->wake);
	pthread_mutex_unlock(&f->lock);
}

/* Whether fault FAULT is active now. */
int fr_faults_active(struct fr_faults_exec *f, int fault)
{
	int active;

	if (!f || fault < 0 || (size_t)fault >= f->plan->faults.n)
		return 0;
	pthread_mutex_lock(&f->lock);
	active = f->active[fault];
	pthread_mutex_unlock(&f->lock);
	return active;
}

/* One cleanup round over every (fault, proxy); returns how many are left.
 * Gives up on the round at the first unreachable answer: the next call
 * would only wait for the same timeout. */
static size_t cleanup_round(struct fr_faults_exec *f)
{
	size_t left = 0;
	int unreachable = 0;

	for (size_t i = 0; i < f->plan->faults.n; i++) {
		const struct fr_fault *fault = &f->plan->faults.items[i];
		for (size_t j = 0; j < fault->nproxies; j++) {
			size_t k = f->slot[i] + j;
			if (!f->dirty[k] && !f->disabled[k])
				continue;
			if (unreachable) {
				left++;
				continue;
			}
			int rc = undo_one(f, (int)i, j, NULL);
			if (!rc)
				continue;
			left++;
			unreachable = rc == FR_TOXI_UNREACHABLE;
			free(f->last_error);
			f->last_error = xstrdup(fr_toxi_error(f->toxi));
		}
	}
	return left;
}

/* Adds MSG (taken) to what stop could not clean. */
static void add_unclean(struct fr_faults_exec *f, char *msg)
{
	f->unclean = xreallocarray(f->unclean, f->nunclean + 1, sizeof(*f->unclean));
	f->unclean[f->nunclean++] = msg;
}

/* Writes down what cleanup left behind. */
static void note_unclean(struct fr_faults_exec *f, const char *why)
{
	for (size_t i = 0; i < f->plan->faults.n; i++) {
		const struct fr_fault *fault = &f->plan->faults.items[i];
		for (size_t j = 0; j < fault->nproxies; j++) {
			size_t k = f->slot[i] + j;
			char *msg;
			if (f->disabled[k])
				msg = xasprintf("could not re-enable proxy %s (fault %s): %s", fault->proxies[j],
				                fault->name, why);
			else if (f->dirty[k])
				msg = xasprintf("could not remove toxic %s/%s: %s", fault->proxies[j], f->names[i],
				                why);
			else
				continue;
			add_unclean(f, msg);
		}
	}
}

/* Lists the proxies and removes whatever is still named after this run: a
 * call that timed out may have been applied by Toxiproxy after the undo. */
static int verify(struct fr_faults_exec *f)
{
	struct fr_toxi_leftovers lo;
	struct fr_toxi_sweep mine = {.run_id = f->run_id};
	int rc = fr_toxi_remove_leftovers(f->toxi, &mine, &lo);

	fr_toxi_leftovers_clear(&lo);
	if (rc) {
		free(f->last_error);
		f->last_error = xstrdup(fr_toxi_error(f->toxi));
	}
	return rc;
}

/* After a timed-out call, Toxiproxy may apply that request late (after a
 * stall, requests already received are still served): once everything is
 * clean, waits SETTLE_NS and checks again. Returns non-zero to go round. */
static int settle(struct fr_faults_exec *f)
{
	if (!f->touched || fr_toxi_timeouts(f->toxi) == f->timeouts_seen)
		return 0;
	f->timeouts_seen = fr_toxi_timeouts(f->toxi);
	if (f->hurry && *f->hurry)
		return 0;
	fr_clock_sleep((double)SETTLE_NS / 1e9, f->hurry);
	return verify(f) ? -1 : 0;
}

/* Writes down that the final check could not be made. */
static void note_verify_failed(struct fr_faults_exec *f)
{
	add_unclean(f, xasprintf("could not check that no toxic of run %s is left: %s", f->run_id, f->last_error));
}

/* Undoes everything, retrying with backoff for CLEANUP_BUDGET_NS. */
static int cleanup(struct fr_faults_exec *f)
{
	int64_t deadline = fr_clock_mono_ns() + CLEANUP_BUDGET_NS;
	int64_t delay = BACKOFF_FIRST_NS;
	size_t left;
	int hurried = 0;

	while ((left = cleanup_round(f)) > 0 || (f->touched && verify(f)) || settle(f)) {
		if (f->hurry && *f->hurry && !hurried) {
			hurried = 1;
			int64_t soon = fr_clock_mono_ns() + FR_FAULTS_HURRY_MS * 1000000LL;
			deadline = soon < deadline ? soon : deadline;
		}
		if (fr_clock_mono_ns() + delay > deadline) {
			if (left)
				note_unclean(f, f->last_error);
			else
				note_verify_failed(f);
			return -1;
		}
		fr_clock_sleep((double)delay / 1e9, hurried ? NULL : f->hurry);
		delay = delay * 2 > BACKOFF_MAX_NS ? BACKOFF_MAX_NS : delay * 2;
	}
	for (size_t i = 0; i < f->plan->faults.n; i++)
		set_active(f, (int)i, 0);
	return 0;
}

/* Stops the thread and cleans up; idempotent. */
int fr_faults_stop(struct fr_faults_exec *f)
{
	if (!f)
		return 0;
	pthread_mutex_lock(&f->stop_lock);
	if (f->stopped) {
		pthread_mutex_unlock(&f->stop_lock);
		return f->stop_result;
	}
	pthread_mutex_lock(&f->lock);
	f->stopping = 1;
	pthread_cond_broadcast(&f->wake);
	pthread_mutex_unlock(&f->lock);
	if (f->thread_running && !pthread_equal(pthread_self(), f->thread)) {
		pthread_join(f->thread, NULL);
		f->thread_running = 0;
	}
	f->stop_result = cleanup(f);
	f->stopped = 1;
	pthread_mutex_unlock(&f->stop_lock);
	return f->stop_result;
}

/* The applied actions. */
const struct fr_fault_record *fr_faults_records(const struct fr_faults_exec *f, size_t *n_out)
{
	*n_out = f ? f->nrecords : 0;
	return f ? f->records : NULL;
}

/* What stop could not clean. */
char *const *fr_faults_unclean(const struct fr_faults_exec *f, size_t *n_out)
{
	*n_out = f ? f->nunclean : 0;
	return f ? f->unclean : NULL;
}

/* Stops and frees. */
void fr_faults_free(struct fr_faults_exec *f)
{
	if (!f)
		return;
	if (!f->stopped)
		fr_faults_stop(f);
	if (f->thread_running)
		pthread_join(f->thread, NULL);
	for (size_t i = 0; i < f->nrecords; i++)
		free(f->records[i].error);
	for (size_t i = 0; i < f->nunclean; i++)
		free(f->unclean[i]);
	for (size_t i = 0; i < f->plan->faults.n; i++)
		free(f->names[i]);
	pthread_cond_destroy(&f->wake);
	pthread_mutex_destroy(&f->lock);
	pthread_mutex_destroy(&f->stop_lock);
	free(f->records);
	free(f->unclean);
	free(f->last_error);
	free(f->run_id);
	free(f->names);
	free(f->slot);
	free(f->active);
	free(f->dirty);
	free(f->disabled);
	free(f->pass_t0);
	free(f->pass_known);
	free(f);
}

/* fr_run_hooks.on_start: starts the executor at the run's t0. */
int fr_faults_hook_start(int64_t t0_ns, void *arg)
{
	struct fr_faults_hook *h = arg;

	if (h->exec)
		return 0;
	/* Every pass, the first too, is based on its FR_ACT_PASS: the engine
	 * takes T0_NS before the first pass's setup requests run. */
	int rc = start_exec(h->plan, h->tl, h->run_id, h->toxi, t0_ns, 0, h->listener, h->listener_arg, &h->exec);
	if (h->exec)
		h->exec->hurry = h->hurry;
	return rc;
}

/* fr_run_hooks.on_action: bases each pass on the moment its FR_ACT_PASS fires
 * (the engine fires it at the pass start, after the pass's setup). */
void fr_faults_hook_action(const struct fr_action *act, void *arg)
{
	struct fr_faults_hook *h = arg;

	if (act->kind == FR_ACT_PASS)
		fr_faults_rebase(h->exec, act->pass, fr_clock_mono_ns());
}

/* fr_run_hooks.on_stop: stops the executor and cleans up. */
void fr_faults_hook_stop(void *arg)
{
	struct fr_faults_hook *h = arg;

	fr_faults_stop(h->exec);
}

/* The executor lives on the control thread: no worker hooks. */
const struct fr_run_hooks *fr_faults_hooks(struct fr_faults_hook *h)
{
	h->hooks = (struct fr_run_hooks){
	        .arg = h,
	        .on_start = fr_faults_hook_start,
	        .on_action = fr_faults_hook_action,
	        .on_stop = fr_faults_hook_stop,
	};
	return &h->hooks;
}
