/* report_text.h: the terminal summary of a run, as `flowrun run` prints it.
 *
 * Per-request tables, stage and sweep tables, websocket counters, the faults
 * and their impact, the SLO table and the result line; written from the
 * report model (result/report.h).
 */
#ifndef FR_REPORT_TEXT_H
#define FR_REPORT_TEXT_H

#include <stdio.h>

#include "result/report.h"

/* Writes the summary of R to OUT; 0, or -1 when OUT reports a write error. */
int fr_report_text(const struct fr_report *r, FILE *out);

#endif
