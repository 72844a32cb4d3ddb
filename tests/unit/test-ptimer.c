/* test-ptimer.c: unit test of the fixture's precise timers (fixtures/ptimer.c):
 * firing order, never early, sub-millisecond lateness, stop, restart, and
 * timers started from a callback. */
#include <ev.h>
#include <stdlib.h>
#include <time.h>

#include "ptimer.h"
#include "tap.h"

#define N 200

struct item {
	struct ptimer t;
	int id;
	double due, fired;
};

static struct ptimers pt;
static struct item items[N];
static int order[N], nfired;
static double late[N];

/* CLOCK_MONOTONIC seconds, as ptimer uses. */
static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Record a firing. */
static void fired(struct ptimer *t)
{
	struct item *it = (struct item *)t;
	it->fired = now();
	it->due = t->due; /* the deadline ptimer computed */
	late[nfired] = it->fired - it->due;
	order[nfired++] = it->id;
	if (nfired == N / 2 + 1)
		ev_break(pt.loop, EVBREAK_ALL);
}

/* Sort helper for doubles. */
static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* A timer that starts another from its callback. */
static struct ptimer chain_a, chain_b;
static int chain_done;

/* Second link of the chain: stop the loop. */
static void chain_second(struct ptimer *t)
{
	chain_done = 1;
	ev_break(pt.loop, EVBREAK_ALL);
}

/* First link: start the second. */
static void chain_first(struct ptimer *t)
{
	ptimer_start(&pt, &chain_b, 0.002, chain_second);
}

/* Safety net: a test that hangs fails instead. */
static void watchdog_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	ev_break(loop, EVBREAK_ALL);
}

int main(void)
{
	struct ev_loop *loop = ev_default_loop(0);
	ev_timer watchdog;
	ev_timer_init(&watchdog, watchdog_cb, 5, 0);
	ev_timer_start(loop, &watchdog);
	tap_ok(ptimers_init(&pt, loop) == 0, "ptimers_init");
	srand(42);
	/* N timers at 1..60 ms; every odd one stopped, one restarted later */
	for (int i = 0; i < N; i++) {
		double after = 0.001 + (rand() % 59000) * 1e-6;
		items[i].id = i;
		items[i].due = now() + after;
		ptimer_start(&pt, &items[i].t, after, fired);
	}
	for (int i = 1; i < N; i += 2)
		ptimer_stop(&pt, &items[i].t);
	tap_ok(!ptimer_active(&items[1].t) && ptimer_active(&items[0].t), "stopped timers are inactive");
	items[1].due = now() + 0.070;
	ptimer_start(&pt, &items[1].t, 0.070, fired); /* restarted: fires last */
	ev_run(loop, 0);
	tap_is_int(nfired, N / 2 + 1, "every started timer fired once, stopped ones never");
	int sorted = 1, early = 0;
	for (int i = 1; i < nfired; i++)
		sorted &= items[order[i - 1]].due <= items[order[i]].due;
	for (int i = 0; i < nfired; i++)
		early += late[i] < 0;
	tap_ok(sorted, "timers fire in the order of their deadlines");
	tap_is_int(order[nfired - 1], 1, "a restarted timer fires at its new time");
	tap_is_int(early, 0, "no timer fires early");
	qsort(late, (size_t)nfired, sizeof(double), cmp_double);
	tap_ok(late[nfired / 2] < 0.0005, "median lateness below 0.5 ms (an ev_timer averages 0.5 ms)");
	if (late[nfired / 2] >= 0.0005)
		printf("#   median lateness %.3f ms\n", late[nfired / 2] * 1e3);
	ptimer_start(&pt, &chain_a, 0.001, chain_first);
	ev_run(loop, 0);
	tap_ok(chain_done, "a timer started from a callback fires");
	ptimers_free(&pt);
	ev_timer_stop(loop, &watchdog);
	ev_loop_destroy(loop);
	return tap_done();
}
