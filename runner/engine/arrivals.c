/* arrivals.c: the open model's arrival stream, its in-flight limit and its accounting.
 *
 * The stream is one embedded timer. When it fires it sends every arrival
 * whose intended time has come (catching up if the loop fell behind, never
 * past the stage end), records the scheduler's lag for each, and re-arms for
 * the next one. Each send takes an iteration slot from a free list, so a
 * steady run allocates no slots. With an in-flight limit, arrivals beyond it
 * wait in a FIFO ring (their latency still counts from the intended time).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine/arrivals.h"
#include "engine/iter.h"
#include "result/timeseries.h"
#include "util/clock.h"
#include "util/container.h"
#include "util/fmt.h"
#include "util/xmalloc.h"

struct slot {
	struct fr_iter it;
	struct fr_varstore vars;
	struct fr_arrivals *a;
	struct slot *next_free;
	struct slot *next_all; /* every slot, free or busy, for fr_arrivals_free */
};

struct waiting {
	int64_t intended_ns;
	const struct fr_request *req;
	uint64_t index;
};

struct fr_arrivals {
	struct fr_timer timer;
	struct fr_drive *d;
	int scenario;
	const struct fr_scenario *sc;
	double rate; /* scenario-wide */
	int64_t stage_t0_ns;
	int64_t until_ns;
	uint64_t j;      /* uniform: next global arrival index in the stage */
	int64_t next_ns; /* the next intended time, -1: none */
	uint64_t index;  /* arrivals of this thread so far */
	struct slot *free;
	struct slot *all;
	size_t busy;
	struct waiting *ring; /* FIFO of arrivals waiting for the in-flight limit */
	size_t rcap, rhead, rlen;
};

static void send_now(struct fr_arrivals *a, int64_t intended_ns, const struct fr_request *req, uint64_t index);

/* A uniform random number in (0, 1]. */
static double unit(uint64_t *rng)
{
	return ((double)(fr_rand_next(rng) >> 11) + 1.0) / 9007199254740992.0;
}

/* The intended time of the arrival after the current one. */
static void advance(struct fr_arrivals *a)
{
	struct fr_drive *d = a->d;

	if (a->sc->arrival == FR_ARRIVAL_POISSON) {
		double gap = -log(unit(&d->rng)) / (a->rate / d->nthreads);
		a->next_ns += (int64_t)(gap * 1e9);
	} else {
		a->j += (uint64_t)d->nthreads;
		a->next_ns = a->stage_t0_ns + (int64_t)((double)a->j * 1e9 / a->rate);
	}
	if (a->next_ns >= a->until_ns)
		a->next_ns = -1;
}

/* The first arrival of a stage starting at T0. */
static void first(struct fr_arrivals *a, int64_t t0)
{
	struct fr_drive *d = a->d;

	a->stage_t0_ns = t0;
	if (a->rate <= 0) {
		a->next_ns = -1;
		return;
	}
	if (a->sc->arrival == FR_ARRIVAL_POISSON) {
		a->next_ns = t0 + (int64_t)(-log(unit(&d->rng)) / (a->rate / d->nthreads) * 1e9);
	} else {
		a->j = (uint64_t)d->thread;
		a->next_ns = t0 + (int64_t)((double)a->j * 1e9 / a->rate);
	}
	if (a->next_ns >= a->until_ns)
		a->next_ns = -1;
}

/* Counts one arrival in its interval of the time series. */
static void count_iv(struct fr_arrivals *a, int64_t intended_ns, const struct fr_request *req, enum fr_iv_counter c)
{
	struct fr_drive *d = a->d;

	fr_timeseries_count(d->res->series, fr_results_key(d->res, a->scenario, req), fr_drive_offset(d, intended_ns),
	                    c, 1);
}

/* Counts one arrival that was planned but never sent. */
static void count_missed(struct fr_arrivals *a, int64_t intended_ns, const struct fr_request *req)
{
	struct fr_drive *d = a->d;
	int key = fr_results_key(d->res, a->scenario, req);

	fr_results_cell(d->res, key, fr_drive_segment(d, intended_ns))->missed++;
	count_iv(a, intended_ns, req, FR_IV_MISSED);
}

/* A slot from the free list, or a new one. */
static struct slot *slot_get(struct fr_arrivals *a)
{
	struct slot *s = a->free;

	if (s) {
		a->free = s->next_free;
		return s;
	}
	s = xcalloc(1, sizeof(*s));
	s->next_all = a->all;
	a->all = s;
	s->a = a;
	s->it.d = a->d;
	s->it.scenario = a->scenario;
	s->it.vars = &s->vars;
	s->vars.parent = a->d->run_vars;
	return s;
}

/* Queues an arrival behind the in-flight limit. */
static void ring_push(struct fr_arrivals *a, int64_t intended_ns, const struct fr_request *req, uint64_t index)
{
	if (a->rlen == a->rcap) {
		size_t ncap = a->rcap ? a->rcap * 2 : 256;
		struct waiting *r = xreallocarray(NULL, ncap, sizeof(*r));
		for (size_t i = 0; i < a->rlen; i++)
			r[i] = a->ring[(a->rhead + i) % a->rcap];
		free(a->ring);
		a->ring = r;
		a->rcap = ncap;
		a->rhead = 0;
	}
	a->ring[(a->rhead + a->rlen++) % a->rcap] = (struct waiting){intended_ns, req, index};
}

/* Takes the oldest waiting arrival. */
static struct waiting ring_pop(struct fr_arrivals *a)
{
	struct waiting w = a->ring[a->rhead];

	a->rhead = (a->rhead + 1) % a->rcap;
	a->rlen--;
	return w;
}

/* An iteration ended: free its slot, send a waiting arrival. */
static void on_done(struct fr_iter *it, enum fr_outcome outcome, int aborted)
{
	struct slot *s = FR_CONTAINER_OF(it, struct slot, it);
	struct fr_arrivals *a = s->a;

	fr_varstore_forget(&s->vars); /* the next arrival on this slot reuses the memory */
	s->next_free = a->free;
	a->free = s;
	a->busy--;
	if (a->rlen && !a->d->stopping && !aborted) {
		struct waiting w = ring_pop(a);
		send_now(a, w.intended_ns, w.req, w.index);
	}
}

/* Sends one arrival now. */
static void send_now(struct fr_arrivals *a, int64_t intended_ns, const struct fr_request *req, uint64_t index)
{
	struct fr_drive *d = a->d;
	struct slot *s = slot_get(a);
	char num[24];

	if (fr_clock_mono_ns() - intended_ns > FR_LATE_NS) {
		int key = fr_results_key(d->res, a->scenario, req);
		fr_results_cell(d->res, key, fr_drive_segment(d, intended_ns))->late++;
		count_iv(a, intended_ns, req, FR_IV_LATE);
	}
	fr_fmt_u64(num, sizeof(num), index);
	fr_varstore_set(&s->vars, "i", num);
	s->it.done = on_done;
	a->busy++;
	d->res->sent++;
	fr_iter_start(&s->it, req, intended_ns);
}

/* One arrival is due: send it, or queue it behind the in-flight limit. */
static void arrive(struct fr_arrivals *a, int64_t intended_ns, int64_t now)
{
	struct fr_drive *d = a->d;
	const struct fr_request *req = fr_drive_pick(d, a->sc);
	/* ${i}: this thread's arrivals are every N-th of the scenario's */
	uint64_t index = a->index++ * (uint64_t)d->nthreads + (uint64_t)d->thread;

	if (!d->res->sched_lag)
		d->res->sched_lag = fr_hist_create();
	fr_hist_record(d->res->sched_lag, (now - intended_ns) / 1000);
	d->res->planned++;
	count_iv(a, intended_ns, req, FR_IV_PLANNED);
	if (d->max_inflight && a->busy >= d->max_inflight)
		ring_push(a, intended_ns, req, index);
	else
		send_now(a, intended_ns, req, index);
}

/* Timer: send everything that is due, then wait for the next arrival. */
static void on_timer(struct fr_timer *t)
{
	struct fr_arrivals *a = FR_CONTAINER_OF(t, struct fr_arrivals, timer);
	int64_t now = fr_clock_mono_ns();

	if (a->d->stopping)
		return;
	while (a->next_ns >= 0 && a->next_ns <= now) {
		arrive(a, a->next_ns, now);
		advance(a);
	}
	if (a->next_ns >= 0)
		fr_sched_arm(fr_loop_sched(a->d->loop), &a->timer, a->next_ns);
}

/* Creates an arrival stream. */
struct fr_arrivals *fr_arrivals_create(struct fr_drive *d, int scenario)
{
	struct fr_arrivals *a = xcalloc(1, sizeof(*a));

	a->d = d;
	a->scenario = scenario;
	a->sc = &d->tl->plan->scenarios[scenario];
	a->next_ns = -1;
	fr_timer_init(&a->timer, on_timer);
	fr_loop_set_maxconns(d->loop, d->max_inflight ? d->max_inflight + 16 : 4096);
	return a;
}

/* Frees the stream and its slots (nothing may be in flight). */
void fr_arrivals_free(struct fr_arrivals *a)
{
	if (!a)
		return;
	fr_sched_cancel(fr_loop_sched(a->d->loop), &a->timer);
	while (a->all) {
		struct slot *s = a->all;
		a->all = s->next_all;
		fr_iter_clear(&s->it);
		fr_varstore_clear(&s->vars);
		free(s);
	}
	free(a->ring);
	free(a);
}

/* Counts what was planned before END_NS and not sent, then forgets it. */
static void flush_missed(struct fr_arrivals *a, int64_t end_ns)
{
	struct fr_drive *d = a->d;

	while (a->rlen) {
		struct waiting w = ring_pop(a);
		count_missed(a, w.intended_ns, w.req);
	}
	while (a->next_ns >= 0 && a->next_ns < end_ns) {
		const struct fr_request *req = fr_drive_pick(d, a->sc);
		d->res->planned++;
		count_iv(a, a->next_ns, req, FR_IV_PLANNED);
		count_missed(a, a->next_ns, req);
		advance(a);
	}
	a->next_ns = -1;
	fr_sched_cancel(fr_loop_sched(d->loop), &a->timer);
}

/* Switches to a new rate at AT_NS. */
void fr_arrivals_set(struct fr_arrivals *a, double rate, int64_t at_ns, int64_t until_ns)
{
	flush_missed(a, at_ns);
	a->rate = rate;
	a->until_ns = until_ns;
	first(a, at_ns);
	if (a->next_ns >= 0)
		fr_sched_arm(fr_loop_sched(a->d->loop), &a->timer, a->next_ns);
}

/* Stops the stream at END_NS. */
void fr_arrivals_end(struct fr_arrivals *a, int64_t end_ns)
{
	flush_missed(a, end_ns);
	a->rate = 0;
}

/* Iterations in flight. */
size_t fr_arrivals_busy(const struct fr_arrivals *a)
{
	return a->busy;
}
