/* sched.h: timers that allocate nothing per timer, due at fr_clock_mono_ns times (ns).
 *
 * A timer is a struct fr_timer embedded in the object that owns it (a virtual
 * user, an arrival stream, a group iteration); arming it puts it into a binary
 * min-heap over an array owned by the scheduler, cancelling takes it out in
 * O(log n). The array grows geometrically only when more timers are armed at
 * once than ever before (fr_sched_create can reserve room up front), so a
 * steady run arms and fires timers without any allocation. Timers with the
 * same due time fire in the order they were armed.
 *
 * The scheduler does no I/O: loop.c drives it from one kernel timer per loop
 * (fr_sched_next says when, fr_sched_run fires what is due).
 */
#ifndef FR_SCHED_H
#define FR_SCHED_H

#include <stddef.h>
#include <stdint.h>

struct fr_timer;

/* Called when T is due; T is already disarmed and may be re-armed. */
typedef void (*fr_timer_fn)(struct fr_timer *t);

struct fr_timer {
	int64_t at_ns; /* due time, monotonic ns */
	uint64_t seq;  /* arming order, breaks ties */
	size_t slot;   /* heap position + 1; 0 when not armed */
	fr_timer_fn fn;
};

struct fr_sched;

/* Creates a scheduler with room for RESERVE armed timers (free with fr_sched_free). */
struct fr_sched *fr_sched_create(size_t reserve);
void fr_sched_free(struct fr_sched *s); /* accepts NULL; armed timers are just forgotten */

/* Prepares an embedded timer (not armed). */
void fr_timer_init(struct fr_timer *t, fr_timer_fn fn);
static inline int fr_timer_armed(const struct fr_timer *t)
{
	return t->slot != 0;
}

/* Arms T to fire at AT_NS; an armed timer is moved (re-armed). */
void fr_sched_arm(struct fr_sched *s, struct fr_timer *t, int64_t at_ns);
/* Disarms T; a timer that is not armed is left alone. */
void fr_sched_cancel(struct fr_sched *s, struct fr_timer *t);

/* The due time of the earliest armed timer, or -1 when none is armed. */
int64_t fr_sched_next(const struct fr_sched *s);
/* Number of armed timers, and how many fit before the array must grow. */
size_t fr_sched_count(const struct fr_sched *s);
size_t fr_sched_capacity(const struct fr_sched *s);
/* Fires, in order, every timer due at or before NOW_NS (including timers a
 * callback arms for a time <= NOW_NS); returns how many fired. */
size_t fr_sched_run(struct fr_sched *s, int64_t now_ns);

#endif
