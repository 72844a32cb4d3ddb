/* memory.h: --max-memory — a run's estimated memory against a limit, before any request.
 *
 * A plan whose memory estimate (plan/estimate.h) exceeds the limit is refused
 * by `flowrun check` and `flowrun run` with a located error at the stage with
 * the largest share: on a shared CI runner, being refused at once is better
 * than being killed by the OOM killer an hour into the load. The default
 * limit is half of the machine's memory, or of the control group's limit
 * (cgroup v2 memory.max) when that is lower: the other half is left to the
 * system, the target when it runs on the same machine, and the estimate's
 * own error.
 */
#ifndef FR_CLI_MEMORY_H
#define FR_CLI_MEMORY_H

#include <stdint.h>

#include "cli/exit.h"
#include "plan/estimate.h"
#include "plan/timeline.h"

/* The default limit in bytes (0 when the machine's memory is unknown: no limit). */
uint64_t fr_cli_memory_default(void);

/* Parses a --max-memory value: bytes, or a number with K, M, G or T (powers of
 * 1024, optionally followed by "iB" or "B"), or "none". 0 and *OUT (0: no
 * limit), or -1 after printing why. */
int fr_cli_memory_parse(const char *s, uint64_t *out);

/* The worker threads of a run given --threads T (0: one per core). */
int fr_cli_memory_threads(int t);

/* Estimates TL set up as O into *EST_OUT (may be NULL), and checks it
 * against LIMIT (0: none; FR_CLI_MEMORY_DEFAULT: the default). FR_EXIT_OK,
 * or FR_EXIT_USAGE after printing the located error:
 * "plans/x.yaml:9:9: error: a run needs an estimated 38 GiB of memory on 2
 * worker threads, more than --max-memory 12 GiB (...)". */
enum fr_exit fr_cli_memory_check(const struct fr_timeline *tl, const struct fr_estimate_opts *o, uint64_t limit,
                                 struct fr_estimate *est_out);

#define FR_CLI_MEMORY_DEFAULT UINT64_MAX

#endif
