/* signals.h: how a signal ends a run of flowrun.
 *
 * A signal never ends the process in the middle of a run: the handler only
 * raises a stop flag, and the engine, the fault executor, every wait and the
 * reports look at it, so an interrupted run still removes every fault it
 * injected and writes its partial results. SIGPIPE is ignored (a closed
 * metrics client or pipe is an error return, not a death).
 */
#ifndef FR_SIGNALS_H
#define FR_SIGNALS_H

#include <signal.h>

/* Installs the handlers of SIGINT and SIGTERM (no SA_RESTART, so blocking
 * sleeps wake up) and ignores SIGPIPE. */
void fr_signals_install(void);

/* The stop flag the handlers raise; pass it to everything that waits. */
volatile sig_atomic_t *fr_signals_stop_flag(void);

#endif
