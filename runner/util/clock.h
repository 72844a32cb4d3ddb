/* clock.h: the two clocks of flowrun and a sleep that a signal can cut short.
 *
 * Intended send times, timers, lateness and latencies are on CLOCK_MONOTONIC
 * (never jumps); what a person or Prometheus reads (a run's start, the wall
 * time of a pass) is on CLOCK_REALTIME. fr_clock_sleep is the one wait that
 * every blocking pause uses (linger, Prometheus wait, retries), so that every
 * pause ends when a stop flag is raised.
 */
#ifndef FR_CLOCK_H
#define FR_CLOCK_H

#include <signal.h>
#include <stdint.h>

/* CLOCK_MONOTONIC now, in ns. */
int64_t fr_clock_mono_ns(void);

/* CLOCK_REALTIME now, in µs since the epoch. */
int64_t fr_clock_wall_us(void);

/* CLOCK_REALTIME now, in seconds since the epoch (with fractions). */
double fr_clock_wall_s(void);

/* Sleeps SECONDS, waking every 50 ms to look at *STOP (may be NULL).
 * Returns 0 after the full time, -1 when *STOP was set. */
int fr_clock_sleep(double seconds, volatile sig_atomic_t *stop);

#endif
