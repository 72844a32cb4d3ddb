/* sched.c: a binary min-heap of embedded timers over one growing array.
 *
 * The heap stores pointers to the caller's struct fr_timer; each timer knows
 * its slot so that cancel and re-arm are O(log n) without a search. Order is
 * (at_ns, seq): equal due times fire in arming order.
 */
#include <stdlib.h>

#include "engine/sched.h"
#include "util/xmalloc.h"

struct fr_sched {
	struct fr_timer **heap;
	size_t n;
	size_t cap;
	uint64_t seq;
};

/* Creates a scheduler with room for RESERVE timers. */
struct fr_sched *fr_sched_create(size_t reserve)
{
	struct fr_sched *s = xcalloc(1, sizeof(*s));

	s->cap = reserve > 16 ? reserve : 16;
	s->heap = xreallocarray(NULL, s->cap, sizeof(*s->heap));
	return s;
}

/* Frees the scheduler; armed timers are marked disarmed. */
void fr_sched_free(struct fr_sched *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		s->heap[i]->slot = 0;
	free(s->heap);
	free(s);
}

/* Prepares an embedded timer. */
void fr_timer_init(struct fr_timer *t, fr_timer_fn fn)
{
	t->at_ns = 0;
	t->seq = 0;
	t->slot = 0;
	t->fn = fn;
}

/* Whether A is due before B. */
static int before(const struct fr_timer *a, const struct fr_timer *b)
{
	return a->at_ns < b->at_ns || (a->at_ns == b->at_ns && a->seq < b->seq);
}

/* Puts T at heap index I. */
static void place(struct fr_sched *s, size_t i, struct fr_timer *t)
{
	s->heap[i] = t;
	t->slot = i + 1;
}

/* Moves the timer at index I up to its place. */
static void sift_up(struct fr_sched *s, size_t i)
{
	struct fr_timer *t = s->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!before(t, s->heap[parent]))
			break;
		place(s, i, s->heap[parent]);
		i = parent;
	}
	place(s, i, t);
}

/* Moves the timer at index I down to its place. */
static void sift_down(struct fr_sched *s, size_t i)
{
	struct fr_timer *t = s->heap[i];

	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= s->n)
			break;
		if (c + 1 < s->n && before(s->heap[c + 1], s->heap[c]))
			c++;
		if (!before(s->heap[c], t))
			break;
		place(s, i, s->heap[c]);
		i = c;
	}
	place(s, i, t);
}

/* Removes the timer at index I from the heap. */
static void remove_at(struct fr_sched *s, size_t i)
{
	struct fr_timer *t = s->heap[i];
	struct fr_timer *last = s->heap[--s->n];

	t->slot = 0;
	if (i == s->n)
		return;
	place(s, i, last);
	if (i > 0 && before(last, s->heap[(i - 1) / 2]))
		sift_up(s, i);
	else
		sift_down(s, i);
}

/* Arms (or moves) T to fire at AT_NS. */
void fr_sched_arm(struct fr_sched *s, struct fr_timer *t, int64_t at_ns)
{
	if (t->slot)
		remove_at(s, t->slot - 1);
	if (s->n == s->cap) {
		s->cap *= 2;
		s->heap = xreallocarray(s->heap, s->cap, sizeof(*s->heap));
	}
	t->at_ns = at_ns;
	t->seq = s->seq++;
	place(s, s->n++, t);
	sift_up(s, s->n - 1);
}

/* Disarms T if armed. */
void fr_sched_cancel(struct fr_sched *s, struct fr_timer *t)
{
	if (t->slot)
		remove_at(s, t->slot - 1);
}

/* The earliest due time, or -1. */
int64_t fr_sched_next(const struct fr_sched *s)
{
	return s->n ? s->heap[0]->at_ns : -1;
}

/* Number of armed timers. */
size_t fr_sched_count(const struct fr_sched *s)
{
	return s->n;
}

/* How many timers fit without growing. */
size_t fr_sched_capacity(const struct fr_sched *s)
{
	return s->cap;
}

/* Fires every timer due at or before NOW_NS. */
size_t fr_sched_run(struct fr_sched *s, int64_t now_ns)
{
	size_t fired = 0;

	while (s->n && s->heap[0]->at_ns <= now_ns) {
		struct fr_timer *t = s->heap[0];
		remove_at(s, 0);
		fired++;
		t->fn(t);
	}
	return fired;
}
