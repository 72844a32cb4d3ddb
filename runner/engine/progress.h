/* progress.h: the live progress line of a run (internal to the engine).
 *
 * On a terminal the line is redrawn twice a second; otherwise a plain line is
 * written every 5 s; with quiet nothing at all. It shows the current stage of
 * the first scenario, elapsed/total time, the request rate, errors and the
 * p99 latency so far (from the workers' live histograms).
 */
#ifndef FR_PROGRESS_H
#define FR_PROGRESS_H

#include <stdint.h>

#include <stdio.h>

#include "engine/drive.h"

struct fr_progress;
struct fr_worker;

/* Starts the progress output to OUT (stderr when NULL) on LOOP; a quiet run
 * creates none, and every function below accepts NULL. */
struct fr_progress *fr_progress_create(FILE *out, const struct fr_timeline *tl, struct fr_live *live,
                                       struct fr_worker **workers, int nworkers, struct fr_loop *loop);
/* Notes an action (stage changes) and a pass start. */
void fr_progress_action(struct fr_progress *p, const struct fr_action *act);
void fr_progress_pass(struct fr_progress *p, int pass, int64_t t0_ns);
/* Prints the final line and stops refreshing. */
void fr_progress_done(struct fr_progress *p);
void fr_progress_free(struct fr_progress *p);

/* Formats the line into BUF (exposed for tests). */
void fr_progress_format(char *buf, size_t len, const char *stage, double elapsed_s, double total_s, double rate,
                        uint64_t done, uint64_t errors, int64_t p99_us);

#endif
