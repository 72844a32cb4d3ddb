/* compile.h: a checked plan → its timeline (timeline.h), without any I/O. */
#ifndef FR_COMPILE_H
#define FR_COMPILE_H

#include "plan/diag.h"
#include "plan/plan.h"
#include "plan/timeline.h"

/* Compiles PLAN with every offset and duration multiplied by TIME_SCALE
 * (> 0). Returns 0 and sets *tl_out (free with fr_timeline_free), or -1 with
 * diagnostics in DIAGS (for example a fault that ends after the run). */
int fr_compile(const struct fr_plan *plan, double time_scale, struct fr_diags *diags, struct fr_timeline **tl_out);

#endif
