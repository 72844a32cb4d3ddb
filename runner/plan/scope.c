/* scope.c: the variables visible at one point of a plan (see scope.h). */
#include "plan/scope.h"

#include <stdlib.h>
#include <string.h>

#include "util/xmalloc.h"

/* Doubling growth: scopes are copied per request, so they stay small. */
void fr_scope_add(struct fr_scope *sc, const char *name, int list)
{
	if (sc->n == sc->cap) {
		sc->cap = sc->cap ? sc->cap * 2 : 16;
		sc->names = xreallocarray(sc->names, sc->cap, sizeof *sc->names);
		sc->list = xreallocarray(sc->list, sc->cap, sizeof *sc->list);
	}
	sc->names[sc->n] = name;
	sc->list[sc->n++] = list;
}

/* From the end, so that the latest capture of a name is found. */
long fr_scope_find(const struct fr_scope *sc, const char *name, size_t len)
{
	for (size_t i = sc->n; i-- > 0;)
		if (strlen(sc->names[i]) == len && memcmp(sc->names[i], name, len) == 0)
			return (long)i;
	return -1;
}

/* Names are borrowed: only the arrays are copied. */
struct fr_scope fr_scope_copy(const struct fr_scope *sc)
{
	struct fr_scope out = {0};

	for (size_t i = 0; i < sc->n; i++)
		fr_scope_add(&out, sc->names[i], sc->list[i]);
	return out;
}

/* Not the names, which are borrowed. */
void fr_scope_free(struct fr_scope *sc)
{
	free(sc->names);
	free(sc->list);
	memset(sc, 0, sizeof *sc);
}
