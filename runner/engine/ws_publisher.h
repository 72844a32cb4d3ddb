/* ws_publisher.h: the publisher of a websocket scenario — events at `rate`, recorded, then sent.
 *
 * The driver of worker thread 0 (ws_driver.h) owns one. From
 * fr_ws_publisher_start on it publishes event i at start + i / rate: it
 * records the event in the scenario's shared table (ws_table.h, which gives
 * it its seq) and only then sends the scenario's `publish` request (http.h)
 * with ${event_id} = "e<seq>", so no viewer can receive an event the table
 * does not know yet.
 *
 * Sharded runs (plan/shard.h) publish from shard 0 only, but every shard's
 * viewers must know when each event was sent. Two modes make that so: with
 * `intended`, the publisher records each event at its intended time
 * (start + i / rate) instead of when it went out; a `shadow` publisher runs
 * the same schedule from the same common start on another shard, records
 * the same seqs at the same intended times a little ahead of them
 * (FR_WS_SHADOW_LEAD_NS, so a frame never arrives before its entry), and
 * sends and counts nothing. Deliveries are then timed from the intended
 * publish time on every shard alike. A publish request that fails (no answer, or HTTP >= 400)
 * marks its event failed in the table, so it is not judged. The driver's
 * accounting decides the results segment of each event and counts
 * FR_WS_PUBLISHED and FR_WS_PUBLISH_FAILED, through the two callbacks of the
 * configuration.
 */
#ifndef FR_WS_PUBLISHER_H
#define FR_WS_PUBLISHER_H

#include <stdint.h>

#include "engine/http.h"
#include "engine/loop.h"
#include "engine/ws_table.h"
#include "plan/plan.h"
#include "plan/vars.h"
#include "result/results.h"

struct fr_ws_publisher_conf {
	struct fr_loop *loop;
	const struct fr_http_target *tgt;
	const struct fr_request *request; /* the scenario's publish request */
	double rate;                      /* events per second, > 0 */
	const struct fr_varstore *vars;   /* the run's variables, under ${event_id} */
	struct fr_ws_table *table;
	uint64_t *rng; /* the owner's random state, for ${rand:…} */
	/* The results segment of monotonic time T_NS, and a counter of it. */
	int (*segment_at)(void *arg, int64_t t_ns);
	void (*count)(void *arg, int segment, enum fr_ws_counter c);
	void *arg;
	int intended; /* record events at their intended times (sharded runs) */
	int shadow;   /* record only: another generator publishes (implies intended) */
};

#define FR_WS_SHADOW_LEAD_NS 20000000 /* a shadow records events 20 ms ahead */

struct fr_ws_publisher;

/* A publisher that has not started; everything CONF points to must outlive it. */
struct fr_ws_publisher *fr_ws_publisher_create(const struct fr_ws_publisher_conf *conf);

/* Starts publishing with event 0 due at T0_NS (monotonic; 0: now) and the
 * next ones every 1/rate seconds from then, none due at or after UNTIL_NS
 * (the scenario's end; 0: until stopped), so that a shadow and the real
 * publisher agree on the last event; does nothing while running. */
void fr_ws_publisher_start(struct fr_ws_publisher *p, int64_t t0_ns, int64_t until_ns);

/* Stops publishing; requests in flight still end and count. Accepts NULL. */
void fr_ws_publisher_stop(struct fr_ws_publisher *p);

/* Stops, cancels the requests in flight (uncounted) and frees; accepts NULL. */
void fr_ws_publisher_free(struct fr_ws_publisher *p);

#endif
