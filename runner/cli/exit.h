/* exit.h: the process exit codes of flowrun — the one place they are numbers.
 *
 * Only the CLI layer turns outcomes into exit codes: library modules return
 * their own domain statuses (enum fr_run_status, enum fr_toxi_status, …) and
 * the commands in runner/cli map them here. When several things go wrong, the
 * worst wins in the order INFRA > INVALID_RUN > SLO_FAILED > OK (fr_exit_worst);
 * an interruption overrides them all.
 */
#ifndef FR_EXIT_H
#define FR_EXIT_H

#include "result/slo.h"

enum fr_exit {
	FR_EXIT_OK = 0,            /* every SLO met */
	FR_EXIT_SLO_FAILED = 1,    /* an SLO failed (a window without data fails too) */
	FR_EXIT_USAGE = 2,         /* the plan is invalid, or the command line is wrong */
	FR_EXIT_INVALID_RUN = 3,   /* the target was unreachable, or the planned load was not delivered */
	FR_EXIT_INFRA = 4,         /* Toxiproxy or Prometheus unreachable, results not written, the run
	                            * failed (auth, setup, teardown), … */
	FR_EXIT_INTERRUPTED = 130, /* SIGINT/SIGTERM/SIGHUP/SIGQUIT: partial results written, faults removed */
};

/* The worse of A and B by the precedence above. */
static inline enum fr_exit fr_exit_worst(enum fr_exit a, enum fr_exit b)
{
	if (a == FR_EXIT_INTERRUPTED || b == FR_EXIT_INTERRUPTED)
		return FR_EXIT_INTERRUPTED;
	return a > b ? a : b;
}

/* The exit code of what a run's SLO verdicts add up to. */
static inline enum fr_exit fr_exit_from_slo(enum fr_slo_result res)
{
	switch (res) {
	case FR_SLO_INVALID: return FR_EXIT_INVALID_RUN;
	case FR_SLO_FAIL: return FR_EXIT_SLO_FAILED;
	default: return FR_EXIT_OK;
	}
}

#endif
