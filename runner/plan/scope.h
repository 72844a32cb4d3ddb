/* scope.h: the variables visible at one point of a plan, and which are lists.
 *
 * Captures of auth and setup are visible everywhere after them; a request's
 * captures are visible to the later steps of its group. The checker copies a
 * scope where visibility branches. Names are borrowed from the tree.
 */
#ifndef FR_SCOPE_H
#define FR_SCOPE_H

#include <stddef.h>

struct fr_scope {
	const char **names;
	int *list; /* per name: captured with a [*] JSON path */
	size_t n, cap;
};

/* Adds a variable (a later one shadows an earlier one of the same name). */
void fr_scope_add(struct fr_scope *sc, const char *name, int list);

/* The index of NAME (LEN bytes) in SC, latest first, or -1. */
long fr_scope_find(const struct fr_scope *sc, const char *name, size_t len);

/* A copy of SC (names are borrowed). */
struct fr_scope fr_scope_copy(const struct fr_scope *sc);

/* Frees the arrays of SC and empties it. */
void fr_scope_free(struct fr_scope *sc);

#endif
