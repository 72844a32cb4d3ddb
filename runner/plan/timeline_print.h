/* timeline_print.h: the compiled timeline as an aligned table or JSON (`flowrun plan`). */
#ifndef FR_TIMELINE_PRINT_H
#define FR_TIMELINE_PRINT_H

#include <stdio.h>

#include "plan/estimate.h"
#include "plan/timeline.h"

/* Prints the action table, the expected totals and the memory estimate EST
 * (NULL: none). */
void fr_timeline_print(const struct fr_timeline *tl, const struct fr_estimate *est, FILE *out);

/* The same as a JSON document (caller frees); EST goes under "memory". */
char *fr_timeline_print_json(const struct fr_timeline *tl, const struct fr_estimate *est);

#endif
