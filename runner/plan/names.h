/* names.h: the names a plan defines (requests, scenarios, stages, faults, SLOs,
 * captured variables), in hash tables, so that a plan with ten thousand
 * stages is checked in linear time.
 *
 * A name keeps the node that defined it (for "first defined at") and a number
 * of the caller's (a scenario index, for example). Names are borrowed: the
 * tree or the caller owns the strings.
 */
#ifndef FR_NAMES_H
#define FR_NAMES_H

#include <stddef.h>

#include "plan/yamltree.h"

struct fr_name {
	const char *name;
	const struct fr_ynode *node;
	int aux;
};

struct fr_names {
	const char *what; /* "request", "stage" … for messages */
	struct fr_name *slots;
	size_t n, cap;
};

/* Adds NAME defined at NODE. Returns NULL, or the earlier definition when
 * NAME is taken (then nothing changes: the first definition wins). */
const struct fr_name *fr_names_add(struct fr_names *t, const char *name, const struct fr_ynode *node, int aux);

/* Looks NAME up; NULL when absent. */
const struct fr_name *fr_names_get(const struct fr_names *t, const char *name);

/* The closest name to WORD (fr_suggest_score; ties go to the smallest), or NULL. */
const char *fr_names_closest(const struct fr_names *t, const char *word);

/* Frees the table (not the names). */
void fr_names_free(struct fr_names *t);

#endif
