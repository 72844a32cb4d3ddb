/* users.c: virtual users of the closed model, each a timer and an iteration embedded in one struct.
 *
 * A user's intended send time is when its timer was due (the end of its
 * think time, or its start); without think time the next iteration starts
 * as soon as the previous one answered. Users keep their own variable store
 * (their captures, ${user}, ${i}) whose parent holds the run's variables.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine/iter.h"
#include "engine/users.h"
#include "result/timeseries.h"
#include "util/clock.h"
#include "util/container.h"
#include "util/fmt.h"
#include "util/xmalloc.h"

struct fr_user {
	struct fr_timer timer;
	struct fr_iter it;
	struct fr_users *us;
	int number;
	int wanted;
	uint64_t iterations;
	struct fr_varstore vars;
};

struct fr_users {
	struct fr_drive *d;
	int scenario;
	const struct fr_scenario *sc;
	struct fr_user *users;
	size_t n;
};

static void iterate(struct fr_user *u, int64_t intended_ns);

/* Timer: the user's think time is over (or it just started). */
static void on_timer(struct fr_timer *t)
{
	struct fr_user *u = FR_CONTAINER_OF(t, struct fr_user, timer);

	if (u->wanted && !u->us->d->stopping)
		iterate(u, t->at_ns);
}

/* The iteration answered: think, or go again at once. */
static void on_done(struct fr_iter *it, enum fr_outcome outcome, int aborted)
{
	struct fr_user *u = FR_CONTAINER_OF(it, struct fr_user, it);
	struct fr_drive *d = u->us->d;
	int64_t now;

	if (aborted || !u->wanted || d->stopping)
		return;
	now = fr_clock_mono_ns();
	if (u->us->sc->think_us > 0)
		fr_sched_arm(fr_loop_sched(d->loop), &u->timer, now + u->us->sc->think_us * 1000);
	else
		iterate(u, now);
}

/* Starts one iteration of user U. */
static void iterate(struct fr_user *u, int64_t intended_ns)
{
	struct fr_drive *d = u->us->d;
	char num[24];

	fr_fmt_u64(num, sizeof(num), u->iterations++);
	fr_varstore_set(&u->vars, "i", num);
	fr_iter_start(&u->it, fr_drive_pick(d, u->us->sc), intended_ns);
}

/* This thread's share of LEVEL users. */
static size_t share(const struct fr_drive *d, double level)
{
	long total = lround(level);

	if (total <= d->thread)
		return 0;
	return (size_t)((total - d->thread + d->nthreads - 1) / d->nthreads);
}

/* The scenario's highest user count. */
static double peak(const struct fr_scenario *sc)
{
	double p = 0;

	for (size_t i = 0; i < sc->nstages; i++)
		if (sc->stages[i].level > p)
			p = sc->stages[i].level;
	return p;
}

/* Prepares user J of this thread. */
static void user_init(struct fr_users *us, size_t j)
{
	struct fr_user *u = &us->users[j];
	char num[24];

	u->us = us;
	u->number = (int)j * us->d->nthreads + us->d->thread;
	fr_timer_init(&u->timer, on_timer);
	u->it.d = us->d;
	u->it.scenario = us->scenario;
	u->it.vars = &u->vars;
	u->it.done = on_done;
	u->vars.parent = us->d->run_vars;
	snprintf(num, sizeof(num), "%d", u->number);
	fr_varstore_set(&u->vars, "user", num);
}

/* Creates this thread's users of a closed scenario. */
struct fr_users *fr_users_create(struct fr_drive *d, int scenario)
{
	struct fr_users *us = xcalloc(1, sizeof(*us));

	us->d = d;
	us->scenario = scenario;
	us->sc = &d->tl->plan->scenarios[scenario];
	us->n = share(d, peak(us->sc));
	us->users = xcalloc(us->n ? us->n : 1, sizeof(*us->users));
	for (size_t j = 0; j < us->n; j++)
		user_init(us, j);
	fr_loop_set_maxconns(d->loop, (unsigned)us->n + 16);
	return us;
}

/* Frees the users (their transfers must be finished or aborted). */
void fr_users_free(struct fr_users *us)
{
	if (!us)
		return;
	for (size_t j = 0; j < us->n; j++) {
		fr_sched_cancel(fr_loop_sched(us->d->loop), &us->users[j].timer);
		fr_iter_clear(&us->users[j].it);
		fr_varstore_clear(&us->users[j].vars);
	}
	free(us->users);
	free(us);
}

/* Starts or stops users to match LEVEL. */
void fr_users_set(struct fr_users *us, double level, int64_t at_ns)
{
	size_t want = share(us->d, level);
	struct fr_sched *s = fr_loop_sched(us->d->loop);

	fr_timeseries_gauge(us->d->res->series, us->scenario, fr_drive_offset(us->d, at_ns),
	                    (uint32_t)(want < us->n ? want : us->n));
	for (size_t j = 0; j < us->n; j++) {
		struct fr_user *u = &us->users[j];
		int was = u->wanted;
		u->wanted = j < want;
		if (u->wanted && !was) {
			atomic_fetch_add_explicit(&us->d->live->users, 1, memory_order_relaxed);
			if (!u->it.busy && !fr_timer_armed(&u->timer))
				fr_sched_arm(s, &u->timer, at_ns);
		} else if (!u->wanted && was) {
			atomic_fetch_sub_explicit(&us->d->live->users, 1, memory_order_relaxed);
			fr_sched_cancel(s, &u->timer);
		}
	}
}

/* Users the current level asks of this thread. */
size_t fr_users_active(const struct fr_users *us)
{
	size_t n = 0;

	for (size_t j = 0; j < us->n; j++)
		n += us->users[j].wanted != 0;
	return n;
}

/* Iterations in flight. */
size_t fr_users_busy(const struct fr_users *us)
{
	size_t n = 0;

	for (size_t j = 0; j < us->n; j++)
		n += us->users[j].it.busy != 0;
	return n;
}
