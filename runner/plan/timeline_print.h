/* timeline_print.h: the compiled timeline as an aligned table or JSON (`flowrun plan`). */
#ifndef FR_TIMELINE_PRINT_H
#define FR_TIMELINE_PRINT_H

#include <stdio.h>

#include "plan/timeline.h"

/* Prints the action table and the expected totals. */
void fr_timeline_print(const struct fr_timeline *tl, FILE *out);

/* The same as a JSON document (caller frees). */
char *fr_timeline_print_json(const struct fr_timeline *tl);

#endif
