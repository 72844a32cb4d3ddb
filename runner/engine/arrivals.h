/* arrivals.h: the open model — requests issued at intended times, timed from those times.
 *
 * One struct fr_arrivals per open scenario and worker thread. With a uniform
 * arrival process the scenario's arrivals are t0 + i/rate (t0: the stage
 * start) and thread k of N sends those with i % N == k; with a Poisson
 * process each thread draws exponential gaps at rate/N. The latency of every
 * request counts from its intended time, whatever delayed the send (a busy
 * loop, the in-flight limit), so a stalled server cannot hide its stall.
 * Sends later than 1 ms are counted as late, the scheduler's lag goes into
 * results->sched_lag, and arrivals the run could not send are counted as
 * missed.
 */
#ifndef FR_ARRIVALS_H
#define FR_ARRIVALS_H

#include <stddef.h>
#include <stdint.h>

#include "engine/drive.h"

#define FR_LATE_NS 1000000 /* a send more than 1 ms after its intended time is late */

struct fr_arrivals;

/* Creates this thread's arrival stream of SCENARIO; free with fr_arrivals_free. */
struct fr_arrivals *fr_arrivals_create(struct fr_drive *d, int scenario);
void fr_arrivals_free(struct fr_arrivals *a); /* accepts NULL */

/* From AT_NS on, arrivals at RATE per second (0: none) until UNTIL_NS;
 * arrivals of the previous rate not yet sent are counted as missed. */
void fr_arrivals_set(struct fr_arrivals *a, double rate, int64_t at_ns, int64_t until_ns);

/* Stops at END_NS: what was planned before END_NS and is still waiting to be
 * sent counts as missed. */
void fr_arrivals_end(struct fr_arrivals *a, int64_t end_ns);

/* Iterations in flight. */
size_t fr_arrivals_busy(const struct fr_arrivals *a);

#endif
