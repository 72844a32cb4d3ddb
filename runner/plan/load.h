/* load.h: a plan file (and the files it extends) → a checked plan (plan.h). */
#ifndef FR_LOAD_H
#define FR_LOAD_H

#include "plan/diag.h"
#include "plan/plan.h"

/* Loads, expands and validates PATH. On success returns 0 and sets *plan_out
 * (the caller frees it with fr_plan_free). On failure returns -1 and appends
 * every problem found to DIAGS; *plan_out is NULL. Does no network I/O. */
int fr_plan_load(const char *path, struct fr_diags *diags, struct fr_plan **plan_out);

#endif
