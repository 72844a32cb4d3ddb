/* ws_publisher.c: timed publishing of websocket events (see ws_publisher.h).
 *
 * One embedded timer fires at the next event's intended time and sends every
 * event that is due (several when the loop was late), so the rate holds on
 * average whatever the loop's jitter. Each request in flight is a struct pub
 * on a list, so freeing the publisher can cancel them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine/sched.h"
#include "engine/ws_publisher.h"
#include "util/clock.h"
#include "util/container.h"
#include "util/xmalloc.h"

/* One publish request in flight. */
struct pub {
	struct fr_ws_publisher *p;
	struct fr_http *http;
	uint64_t seq;
	int segment;
	struct fr_varstore vars; /* ${event_id}, under the run's variables */
	struct pub *prev, *next;
};

struct fr_ws_publisher {
	struct fr_ws_publisher_conf c;
	struct fr_timer timer;
	int running;
	int64_t t0_ns;
	int64_t until_ns; /* no event due at or after this; INT64_MAX: none */
	uint64_t i;       /* the next event's index since start */
	struct pub *inflight;
};

/* The publish request of one event ended. */
static void pub_done(struct fr_http *req, const struct fr_http_result *r, void *arg)
{
	struct pub *e = arg;
	struct fr_ws_publisher *p = e->p;
	(void)req;
	if (r->outcome != FR_OK || r->status >= 400) {
		fr_ws_table_fail(p->c.table, e->seq);
		p->c.count(p->c.arg, e->segment, FR_WS_PUBLISH_FAILED);
	}
	if (e->prev)
		e->prev->next = e->next;
	else
		p->inflight = e->next;
	if (e->next)
		e->next->prev = e->prev;
	fr_varstore_clear(&e->vars);
	free(e);
}

/* Publishes the next event, due at DUE_NS: table first, then the request. */
static void publish_one(struct fr_ws_publisher *p, int64_t due_ns)
{
	int64_t at = p->c.intended || p->c.shadow ? due_ns : fr_clock_mono_ns();
	if (p->c.shadow) {
		fr_ws_table_publish(p->c.table, at / 1000, p->c.segment_at(p->c.arg, at));
		return;
	}
	struct pub *e = xcalloc(1, sizeof *e);
	char id[32];
	e->p = p;
	e->segment = p->c.segment_at(p->c.arg, at);
	e->seq = fr_ws_table_publish(p->c.table, at / 1000, e->segment);
	e->vars.parent = p->c.vars;
	snprintf(id, sizeof id, "e%llu", (unsigned long long)e->seq);
	fr_varstore_set(&e->vars, "event_id", id);
	p->c.count(p->c.arg, e->segment, FR_WS_PUBLISHED);
	e->next = p->inflight;
	if (p->inflight)
		p->inflight->prev = e;
	p->inflight = e;
	struct fr_http_result r;
	e->http = fr_http_start(p->c.loop, p->c.tgt, p->c.request, &e->vars, p->c.rng, pub_done, e, &r);
	if (!e->http)
		pub_done(NULL, &r, e);
}

/* The publish timer: send every event whose intended time has come. */
static void pub_fire(struct fr_timer *tm)
{
	struct fr_ws_publisher *p = FR_CONTAINER_OF(tm, struct fr_ws_publisher, timer);
	double gap_ns = 1e9 / p->c.rate;
	int64_t lead = p->c.shadow ? FR_WS_SHADOW_LEAD_NS : 0, now = fr_clock_mono_ns() + lead;
	int64_t due = p->t0_ns + (int64_t)((double)p->i * gap_ns);
	while (p->running && due <= now && due < p->until_ns) {
		p->i++;
		publish_one(p, due);
		due = p->t0_ns + (int64_t)((double)p->i * gap_ns);
	}
	if (p->running && due < p->until_ns)
		fr_sched_arm(fr_loop_sched(p->c.loop), &p->timer, due - lead);
}

/* Creates a stopped publisher. */
struct fr_ws_publisher *fr_ws_publisher_create(const struct fr_ws_publisher_conf *conf)
{
	struct fr_ws_publisher *p = xcalloc(1, sizeof *p);
	p->c = *conf;
	fr_timer_init(&p->timer, pub_fire);
	return p;
}

/* Event 0 is due at T0 (the stage's start), the next ones every 1/rate seconds from then. */
void fr_ws_publisher_start(struct fr_ws_publisher *p, int64_t t0_ns, int64_t until_ns)
{
	if (p->running)
		return;
	p->running = 1;
	p->t0_ns = t0_ns ? t0_ns : fr_clock_mono_ns();
	p->until_ns = until_ns ? until_ns : INT64_MAX;
	p->i = 0;
	fr_sched_arm(fr_loop_sched(p->c.loop), &p->timer, p->t0_ns - (p->c.shadow ? FR_WS_SHADOW_LEAD_NS : 0));
}

/* No more events; what is in flight finishes. */
void fr_ws_publisher_stop(struct fr_ws_publisher *p)
{
	if (!p)
		return;
	p->running = 0;
	fr_sched_cancel(fr_loop_sched(p->c.loop), &p->timer);
}

/* Cancels what is in flight without counting it, and frees. */
void fr_ws_publisher_free(struct fr_ws_publisher *p)
{
	if (!p)
		return;
	fr_ws_publisher_stop(p);
	while (p->inflight) {
		struct pub *e = p->inflight;
		p->inflight = e->next;
		if (e->http)
			fr_http_cancel(e->http);
		fr_varstore_clear(&e->vars);
		free(e);
	}
	free(p);
}
