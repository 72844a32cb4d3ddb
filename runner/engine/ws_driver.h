/* ws_driver.h: the WebSocket viewer driver — viewers, the publisher and delivery accounting.
 *
 * A websocket scenario runs as one driver per worker thread. Each driver owns
 * a libwebsockets client context on the thread's libev loop (loop.h,
 * LWS_SERVER_OPTION_LIBEV with foreign_loops), so WebSocket viewers and the
 * thread's libcurl transfers share one loop. The driver keeps this thread's
 * share of the stage's viewer count connected: new viewers connect (at most
 * FR_WS_CONNECT_BATCH handshakes in flight), surplus ones close with a close
 * frame, broken ones reconnect per the scenario's reconnect policy. Where
 * they connect is ws_target.h; which event a message names, ws_match.h.
 *
 * The driver of thread 0 also publishes: it sends the scenario's `publish`
 * request at `rate` through http.h with ${event_id} = "e<seq>", after
 * recording the event's send time in the scenario's shared event table
 * (ws_table.h), which every thread reads without locks.
 *
 * Delivery accounting is per thread, without sharing: a viewer expects the
 * events published after it connected (the sequence number it read when its
 * handshake completed) until it leaves. Each driver keeps, per ring slot, how
 * many of its viewers joined and left at that seq and how many deliveries it
 * got, and sweeps the ring in seq order when an event's deadline passes:
 * expected = viewers connected at its publish, lost = expected − received.
 * A frame that arrives after the deadline is late: it is not recorded as a
 * delivery and counts as lost. A viewer that flowrun closes (ramp down, end
 * of run) withdraws the events it has not received yet, so a planned close
 * causes no loss; a viewer the server closes or that breaks keeps them, so
 * they count as lost. When the scenario (or the run) ends, publishing stops
 * and the viewers stay connected until every event is judged — all its
 * deliveries arrived, or its deadline passed — so the end of a run is judged
 * like the rest; only if a driver is stopped before that (fr_ws_driver_stop
 * waits at most the deadline) does an event count what it received and
 * nothing lost.
 *
 * Delivery latency, received/lost/expected counts are recorded in the
 * results segment of the publish time; connects, rejections and disconnects
 * in the segment of the moment they happen.
 */
#ifndef FR_WS_DRIVER_H
#define FR_WS_DRIVER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/http.h"
#include "engine/loop.h"
#include "engine/ws_table.h"
#include "plan/plan.h"
#include "plan/vars.h"
#include "result/results.h"

#define FR_WS_CONNECT_BATCH 256         /* handshakes in flight per driver */
#define FR_WS_FRAME_MAX     (64 * 1024) /* larger messages are counted FR_WS_OVERSIZED */
#define FR_WS_RX_BUFFER     512         /* lws rx buffer per connection */
#define FR_WS_SWEEP_NS      20000000    /* how often each driver sweeps its ring (20 ms) */

struct fr_ws_driver;
struct fr_metrics;

/* This thread's share of a total of N viewers: N / nthreads, the remainder
 * going to the first threads. */
long fr_ws_driver_share(long n, int thread, int nthreads);

/* Creates the driver of websocket scenario SCENARIO of PLAN on LOOP, for
 * worker THREAD of NTHREADS (thread 0 publishes). RES is this thread's
 * results (their timeline maps times to segments), TGT the HTTP target for
 * the publish request, VARS the run-level variables (auth captures; the
 * driver reads them here and when publishing), TABLE the scenario's shared
 * event table. Everything passed in must outlive the driver. Returns NULL
 * with a message in *err_out (caller frees) when the connect URL is not
 * usable, the match pattern does not compile or the lws context cannot be
 * created. */
struct fr_ws_driver *fr_ws_driver_create(struct fr_loop *loop, const struct fr_plan *plan, int scenario, int thread,
                                         int nthreads, struct fr_results *res, const struct fr_http_target *tgt,
                                         const struct fr_varstore *vars, struct fr_ws_table *table, char **err_out);

/* Starts pass PASS whose offset 0 is PASS_T0_NS (monotonic); times are
 * mapped to segments from it. Expands the connect URL, the headers and the
 * subscribe message again from the run variables, which by now hold the
 * pass's setup captures (e.g. a dashboard id); if the URL no longer expands
 * to a usable one (or a header value holds CR or LF), this pass's connects
 * count as failed and *ERR_OUT (caller frees) says why; else it is NULL.
 * Call before the pass's first stage; a second call with the same pass and
 * start does nothing. */
void fr_ws_driver_pass(struct fr_ws_driver *d, int pass, int64_t pass_t0_ns, char **err_out);

/* Sets the stage's total viewer count; this driver keeps its share
 * (fr_ws_driver_share). The first call of a pass also starts the publisher
 * on thread 0, its first event due at AT_NS (the stage's intended start,
 * monotonic; 0: now) and none due at or after UNTIL_NS (the scenario's
 * end in this pass; 0: none). */
void fr_ws_driver_set_viewers(struct fr_ws_driver *d, long n, int64_t at_ns, int64_t until_ns);

/* Makes the driver, created for lane THREAD of NTHREADS, part of shard SHARD
 * of NSHARDS (plan/shard.h; call before the first stage). Lane 0 (shard 0)
 * publishes with intended publish times; the first lane of every other
 * shard (lane SHARD) runs a shadow publisher on the same schedule (see
 * ws_publisher.h). Every shard times deliveries alike. */
void fr_ws_driver_set_shard(struct fr_ws_driver *d, int shard, int nshards);

/* Ends the scenario in this pass: no more publishing; the viewers stay
 * until every event published is judged, then close. */
void fr_ws_driver_end(struct fr_ws_driver *d);

/* Reports to live metrics M (NULL: none) from now on: deliveries, message
 * counters and the connection gauge (the viewer target is the run's, from
 * its stage actions). */
void fr_ws_driver_set_metrics(struct fr_ws_driver *d, struct fr_metrics *m);

/* Once *FLAG is set (a SIGINT/SIGTERM handler's flag; NULL: never),
 * fr_ws_driver_stop skips waiting for pending events and closes at once. */
void fr_ws_driver_set_abort(struct fr_ws_driver *d, volatile sig_atomic_t *flag);

/* Viewers of this driver: wanted, connected now. */
long fr_ws_driver_wanted(const struct fr_ws_driver *d);
long fr_ws_driver_connected(const struct fr_ws_driver *d);

/* Stops publishing, runs the loop until every published event is judged
 * (at most the deadline), closes every viewer with a close frame (waiting up
 * to 1 s for the close handshakes) and judges what is left (see the top of
 * this file). Idempotent. */
void fr_ws_driver_stop(struct fr_ws_driver *d);

/* Stops the driver if needed, destroys its lws context and frees it; accepts NULL. */
void fr_ws_driver_free(struct fr_ws_driver *d);

#endif
