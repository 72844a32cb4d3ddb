/* health_probe.h: measuring the generator's own health while it runs — a heartbeat per worker, a host watch.
 *
 * Each worker thread runs a heartbeat: a timer due every FR_HEALTH_TICK_US
 * (10 ms) on its loop. When it fires, the probe records how late it ran (the
 * loop lag: everything else the loop did before it got there, and the time
 * the thread waited for a CPU), the thread's CPU time and the wall time since
 * the previous heartbeat, into the segment of the current pass (health.h).
 * The closed model, the open model and WebSocket viewers are measured alike.
 * Once a second the worker's CPU share and its worst lag go to the live
 * metrics. The control thread runs a host watch: the 1-minute load average
 * every second (the highest is kept), the process's resident memory, and at
 * the end its peak (getrusage) and the number of CPUs.
 *
 * For the saturation test only, the environment variable
 * FLOWRUN_TEST_BUSY=THREAD:PERCENT makes worker THREAD burn PERCENT % of every
 * 100 ms in a busy loop on its own event loop, so that the real detection
 * path (CPU time, loop lag, the report's verdicts, the exit code) sees a
 * saturated worker whatever the machine.
 */
#ifndef FR_HEALTH_PROBE_H
#define FR_HEALTH_PROBE_H

#include "engine/drive.h"
#include "engine/loop.h"
#include "result/health.h"

struct fr_health_probe;
struct fr_host_watch;
struct fr_metrics;

/* Starts the heartbeat of the worker D (D->res->health must exist: its
 * thread 0 is this worker). Stop it with fr_health_probe_stop on the same
 * thread before the loop goes. */
struct fr_health_probe *fr_health_probe_start(struct fr_drive *d);
void fr_health_probe_stop(struct fr_health_probe *p); /* accepts NULL */

/* Starts watching the host on the control thread's LOOP (M: live metrics or NULL). */
struct fr_host_watch *fr_host_watch_start(struct fr_loop *loop, struct fr_metrics *m);
/* Stops the watch and writes what it saw into H (may be NULL); frees W (accepts NULL). */
void fr_host_watch_finish(struct fr_host_watch *w, struct fr_health *h);

#endif
