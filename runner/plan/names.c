/* names.c: open-addressing hash tables of names (see names.h). */
#include "plan/names.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plan/suggest.h"
#include "util/xmalloc.h"

/* FNV-1a of S. */
static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* The slot of NAME in T (empty when absent). */
static struct fr_name *names_slot(struct fr_names *t, const char *name)
{
	size_t i = hash(name) & (t->cap - 1);

	while (t->slots[i].name && strcmp(t->slots[i].name, name) != 0)
		i = (i + 1) & (t->cap - 1);
	return &t->slots[i];
}

/* Grows T when it is more than half full. */
static void names_grow(struct fr_names *t)
{
	struct fr_name *old = t->slots;
	size_t oldcap = t->cap;

	if (t->cap && t->n * 2 < t->cap)
		return;
	t->cap = t->cap ? t->cap * 2 : 64;
	t->slots = xcalloc(t->cap, sizeof *t->slots);
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].name)
			*names_slot(t, old[i].name) = old[i];
	free(old);
}

/* An empty table has no slots to probe. */
const struct fr_name *fr_names_get(const struct fr_names *t, const char *name)
{
	if (!t->cap)
		return NULL;
	const struct fr_name *s = names_slot((struct fr_names *)t, name);
	return s->name ? s : NULL;
}

/* Does not report: the caller knows what a duplicate means where it is. */
const struct fr_name *fr_names_add(struct fr_names *t, const char *name, const struct fr_ynode *node, int aux)
{
	names_grow(t);
	struct fr_name *s = names_slot(t, name);
	if (s->name)
		return s;
	s->name = name;
	s->node = node;
	s->aux = aux;
	t->n++;
	return NULL;
}

/* Scans every slot: only called for a name already known to be wrong. */
const char *fr_names_closest(const struct fr_names *t, const char *word)
{
	const char *best = NULL;
	int bs = 3;

	for (size_t i = 0; i < t->cap; i++) {
		if (!t->slots[i].name)
			continue;
		int s = fr_suggest_score(word, t->slots[i].name);
		if (s < bs || (s == bs && best && strcmp(t->slots[i].name, best) < 0))
			bs = s, best = t->slots[i].name;
	}
	return best;
}

/* The names themselves are borrowed. */
void fr_names_free(struct fr_names *t)
{
	free(t->slots);
	t->slots = NULL;
	t->n = t->cap = 0;
}
