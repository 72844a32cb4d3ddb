/* ws_table.c: the seqlock ring of published events (see ws_table.h).
 *
 * Memory order: the publisher stores 0 into the slot's seq, a release fence,
 * the fields (relaxed), then the seq with release; a reader loads the seq
 * with acquire, the fields (relaxed), an acquire fence and the seq again. The
 * sequence counter is stored after the slot is written, so a reader that sees
 * seq < next finds the slot filled (or already reused by a later event).
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine/ws_table.h"
#include "plan/estimate.h"
#include "util/xmalloc.h"

struct slot {
	_Atomic uint64_t seq; /* the event held, 0 while being written or never */
	_Atomic int64_t t_us; /* publish send time, monotonic µs */
	_Atomic int segment;  /* results segment of the publish time */
	_Atomic int failed;   /* the publish request failed: not judged */
};

struct fr_ws_table {
	struct slot *ring;
	uint32_t size, mask;
	int64_t deadline_us;
	_Atomic uint64_t next; /* the seq the next publish gets; events 1 .. next-1 exist */
	_Atomic long connected;
	/* handshake rejections: a slot is claimed for a status by CAS from 0 */
	_Atomic long status[FR_WS_MAX_STATUSES];
	_Atomic uint64_t count[FR_WS_MAX_STATUSES];
};

_Static_assert(sizeof(struct slot) <= FR_ESTIMATE_WS_SLOT_BYTES, "the memory estimate counts a slot's size");

/* Creates the event table of a websocket scenario. */
struct fr_ws_table *fr_ws_table_create(const struct fr_scenario *sc)
{
	struct fr_ws_table *t = xcalloc(1, sizeof *t);
	t->size = fr_estimate_ws_ring(&sc->ws); /* two deadlines' worth of events and a second more */
	t->mask = t->size - 1;
	t->ring = xcalloc(t->size, sizeof *t->ring);
	t->deadline_us = sc->ws.deadline_us > 0 ? sc->ws.deadline_us : 5000000;
	atomic_init(&t->next, 1);
	return t;
}

/* Frees a table; accepts NULL. */
void fr_ws_table_free(struct fr_ws_table *t)
{
	if (!t)
		return;
	free(t->ring);
	free(t);
}

/* Drivers size their per-slot accounting from it. */
uint32_t fr_ws_table_size(const struct fr_ws_table *t)
{
	return t->size;
}

/* Drivers judge events against it. */
int64_t fr_ws_table_deadline_us(const struct fr_ws_table *t)
{
	return t->deadline_us;
}

/* Acquire: a seq below it has its slot written. */
uint64_t fr_ws_table_next(const struct fr_ws_table *t)
{
	return atomic_load_explicit((_Atomic uint64_t *)&t->next, memory_order_acquire);
}

/* Writes the slot first, then makes the event visible through the counter. */
uint64_t fr_ws_table_publish(struct fr_ws_table *t, int64_t t_us, int segment)
{
	uint64_t seq = atomic_load(&t->next);
	struct slot *s = &t->ring[seq & t->mask];
	atomic_store_explicit(&s->seq, 0, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	atomic_store_explicit(&s->t_us, t_us, memory_order_relaxed);
	atomic_store_explicit(&s->segment, segment, memory_order_relaxed);
	atomic_store_explicit(&s->failed, 0, memory_order_relaxed);
	atomic_store_explicit(&s->seq, seq, memory_order_release);
	atomic_store(&t->next, seq + 1);
	return seq;
}

/* A failed publish is not judged: nobody could have received it. */
void fr_ws_table_fail(struct fr_ws_table *t, uint64_t seq)
{
	struct slot *s = &t->ring[seq & t->mask];
	if (atomic_load(&s->seq) == seq)
		atomic_store(&s->failed, 1);
}

/* The seqlock read: the slot's seq before and after must both be SEQ. */
int fr_ws_table_read(const struct fr_ws_table *t, uint64_t seq, int64_t *t_us, int *segment, int *failed)
{
	struct slot *s = &t->ring[seq & t->mask];
	if (atomic_load_explicit(&s->seq, memory_order_acquire) != seq)
		return 0;
	*t_us = atomic_load_explicit(&s->t_us, memory_order_relaxed);
	*segment = atomic_load_explicit(&s->segment, memory_order_relaxed);
	*failed = atomic_load_explicit(&s->failed, memory_order_relaxed);
	atomic_thread_fence(memory_order_acquire);
	return atomic_load_explicit(&s->seq, memory_order_relaxed) == seq;
}

/* Every thread's joins and leaves add up here for the live total. */
void fr_ws_table_add_connected(struct fr_ws_table *t, long delta)
{
	atomic_fetch_add(&t->connected, delta);
}

/* Viewers connected now, all threads. */
long fr_ws_table_connected(const struct fr_ws_table *t)
{
	return atomic_load((_Atomic long *)&t->connected);
}

/* Events published so far. */
uint64_t fr_ws_table_published(const struct fr_ws_table *t)
{
	return atomic_load((_Atomic uint64_t *)&t->next) - 1;
}

/* A slot is claimed for a status by CAS from 0, so threads agree on it. */
void fr_ws_table_reject(struct fr_ws_table *t, long status)
{
	for (size_t i = 0; i < FR_WS_MAX_STATUSES; i++) {
		long cur = atomic_load(&t->status[i]);
		if (!cur && atomic_compare_exchange_strong(&t->status[i], &cur, status))
			cur = status;
		if (cur == status) {
			atomic_fetch_add(&t->count[i], 1);
			return;
		}
	}
}

/* "handshake rejected: HTTP 401 (12 times)" lines, or NULL. */
char *fr_ws_table_summary(const struct fr_ws_table *t)
{
	struct fr_ws_table *mt = (struct fr_ws_table *)t;
	char *out = NULL;
	for (size_t i = 0; i < FR_WS_MAX_STATUSES; i++) {
		long st = atomic_load(&mt->status[i]);
		if (!st)
			break;
		uint64_t cnt = atomic_load(&mt->count[i]);
		char *line = xasprintf("%shandshake rejected: HTTP %ld (%llu time%s)\n", out ? out : "", st,
		                       (unsigned long long)cnt, cnt == 1 ? "" : "s");
		free(out);
		out = line;
	}
	return out;
}
