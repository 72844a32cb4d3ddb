/* signals.h: how a signal ends a run of flowrun.
 *
 * A signal never ends the process in the middle of a run: the handler only
 * raises a stop flag, and the engine, the fault executor, every wait (the
 * synchronous auth, setup and teardown requests, the metrics wait, the
 * Prometheus wait, the linger) and the reports look at it, so an interrupted
 * run still removes every fault it injected and writes its partial results,
 * then exits 130. SIGINT (Ctrl-C), SIGTERM (kill, a CI runner cancelling),
 * SIGHUP (a closed terminal or SSH session) and SIGQUIT (Ctrl-\) all do the
 * same; SIGQUIT dumps no core.
 *
 * A second signal means "now": the hurry flag is raised (the fault cleanup
 * shortens its retries to what fits) and a timer armed in the
 * handler ends the process with _exit(130) FR_SIGNALS_FORCE_MS later if it
 * has not ended by then, whatever it is blocked in. The results are then
 * those of the last checkpoint. SIGPIPE is ignored (a closed metrics client
 * or pipe is an error return, not a death).
 */
#ifndef FR_SIGNALS_H
#define FR_SIGNALS_H

#include <signal.h>

#define FR_SIGNALS_FORCE_MS 1500 /* from the second signal to the forced exit */

/* Installs the handlers of SIGINT, SIGTERM, SIGHUP and SIGQUIT (no
 * SA_RESTART, so blocking sleeps wake up), creates the forced-exit timer
 * and ignores SIGPIPE. */
void fr_signals_install(void);

/* The stop flag the handlers raise: 0, then 1 after a signal. Pass it to
 * everything that waits. */
volatile sig_atomic_t *fr_signals_stop_flag(void);

/* The hurry flag: 1 after a second signal, when the forced exit is near:
 * cleanups cut their retries short. */
volatile sig_atomic_t *fr_signals_hurry_flag(void);

#endif
