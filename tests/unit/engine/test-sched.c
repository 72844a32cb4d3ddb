/* test-sched.c: the timer heap — ordering, ties, cancel, re-arm, a million timers without growth. */
#include <stdlib.h>

#include "engine/sched.h"
#include "tap.h"
#include "util/clock.h"

struct item {
	struct fr_timer t; /* embedded, as drivers do */
	int id;
};

static int fired[64];
static int nfired;
static int64_t last_at;
static int order_ok;
static uint64_t big_fired;

/* Records which item fired. */
static void on_fire(struct fr_timer *t)
{
	struct item *it = (struct item *)t;

	if (nfired < 64)
		fired[nfired] = it->id;
	nfired++;
}

/* Checks that timers fire in non-decreasing due order. */
static void on_big(struct fr_timer *t)
{
	if (t->at_ns < last_at)
		order_ok = 0;
	last_at = t->at_ns;
	big_fired++;
}

static struct fr_sched *cur;

/* Re-arms itself once, 10 ns later, from inside the callback. */
static void on_rearm(struct fr_timer *t)
{
	struct item *it = (struct item *)t;

	on_fire(t);
	if (it->id == 7) {
		it->id = 8;
		fr_sched_arm(cur, t, t->at_ns + 10);
	}
}

static void test_order(void)
{
	struct fr_sched *s = fr_sched_create(0);
	struct item it[5];
	int64_t at[5] = {50, 10, 30, 10, 20};

	for (int i = 0; i < 5; i++) {
		it[i].id = i;
		fr_timer_init(&it[i].t, on_fire);
		fr_sched_arm(s, &it[i].t, at[i]);
	}
	tap_is_int(fr_sched_next(s), 10, "next is the earliest due time");
	nfired = 0;
	tap_is_int((int64_t)fr_sched_run(s, 25), 3, "run(25) fires the three due timers");
	tap_ok(fired[0] == 1 && fired[1] == 3 && fired[2] == 4, "ties fire in arming order, then by time");
	tap_ok(!fr_timer_armed(&it[1].t) && fr_timer_armed(&it[0].t), "fired timers are disarmed, others not");
	fr_sched_cancel(s, &it[2].t);
	fr_sched_cancel(s, &it[2].t);
	tap_is_int((int64_t)fr_sched_count(s), 1, "cancel removes (twice is harmless)");
	fr_sched_arm(s, &it[0].t, 5);
	tap_is_int(fr_sched_next(s), 5, "re-arm moves an armed timer earlier");
	fr_sched_arm(s, &it[0].t, 500);
	tap_is_int(fr_sched_next(s), 500, "re-arm moves it later");
	tap_is_int((int64_t)fr_sched_count(s), 1, "re-arm does not duplicate");
	nfired = 0;
	fr_sched_run(s, 499);
	tap_is_int(nfired, 0, "nothing fires before its time");
	fr_sched_run(s, 500);
	tap_is_int(nfired, 1, "fires at its time");
	tap_is_int(fr_sched_next(s), -1, "empty scheduler has no next");
	fr_sched_free(s);
}

static void test_rearm_in_callback(void)
{
	struct fr_sched *s = fr_sched_create(0);
	struct item it = {.id = 7};

	cur = s;
	fr_timer_init(&it.t, on_rearm);
	fr_sched_arm(s, &it.t, 100);
	nfired = 0;
	fr_sched_run(s, 100);
	tap_is_int(nfired, 1, "callback ran once");
	tap_ok(fr_timer_armed(&it.t) && fr_sched_next(s) == 110, "a callback can re-arm its own timer");
	fr_sched_run(s, 105);
	tap_is_int(nfired, 1, "re-armed timer waits for its new time");
	fr_sched_run(s, 110);
	tap_ok(nfired == 2 && fired[1] == 8, "re-armed timer fires at its new time");
	fr_sched_free(s);
}

static void test_cancel_middle(void)
{
	struct fr_sched *s = fr_sched_create(0);
	struct item it[100];

	for (int i = 0; i < 100; i++) {
		it[i].id = i;
		fr_timer_init(&it[i].t, on_fire);
		fr_sched_arm(s, &it[i].t, (i * 37) % 100);
	}
	for (int i = 0; i < 100; i += 2)
		fr_sched_cancel(s, &it[i].t);
	nfired = 0;
	fr_sched_run(s, 1000);
	int ok = nfired == 50;
	for (int i = 0; i < 50 && i < 64; i++)
		ok = ok && fired[i] % 2 == 1;
	tap_ok(ok, "cancelling every other timer of 100 leaves exactly the odd ones");
	fr_sched_free(s);
}

static void test_million(void)
{
	const size_t n = 1000000;
	struct fr_sched *s = fr_sched_create(n);
	struct fr_timer *ts = calloc(n, sizeof(*ts));
	uint64_t rng = 88172645463325252ull;
	size_t cap = fr_sched_capacity(s);

	for (size_t i = 0; i < n; i++) {
		rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
		fr_timer_init(&ts[i], on_big);
		fr_sched_arm(s, &ts[i], (int64_t)(rng % 1000000000));
	}
	tap_is_int((int64_t)fr_sched_count(s), (int64_t)n, "1e6 timers armed");
	tap_is_int((int64_t)fr_sched_capacity(s), (int64_t)cap, "1e6 timers armed without growing the heap");
	for (size_t i = 0; i < n; i += 3)
		fr_sched_arm(s, &ts[i], ts[i].at_ns + 7);
	tap_is_int((int64_t)fr_sched_capacity(s), (int64_t)cap, "re-arming 3e5 of them does not grow it");
	order_ok = 1;
	last_at = -1;
	fr_sched_run(s, 2000000000);
	tap_ok(order_ok, "1e6 timers fire in due order");
	tap_is_int((int64_t)big_fired, (int64_t)n, "every timer fired once");
	fr_sched_free(s);
	free(ts);
}

int main(void)
{
	test_order();
	test_rearm_in_callback();
	test_cancel_middle();
	test_million();
	int64_t a = fr_clock_mono_ns(), b = fr_clock_mono_ns();
	tap_ok(a > 0 && b >= a, "monotonic clock moves forward");
	return tap_done();
}
