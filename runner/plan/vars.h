/* vars.h: ${…} references in plan strings — load-time env expansion and run-time templates.
 *
 * Load time: fr_vars_expand_env replaces ${env:NAME} and ${env:NAME:-default}
 * and leaves every other reference in place. Run time: fr_vars_expand fills a
 * template from a variable store (captures, the sweep value, built-ins) and
 * draws ${rand:A..B} from the caller's random state. `$${` stands for a
 * literal `${`. Validation walks references with fr_vars_scan.
 */
#ifndef FR_VARS_H
#define FR_VARS_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* A variable: one value, or a list (a JSON-path capture with [*]). */
struct fr_var {
	char *name;
	char **values;
	size_t nvalues;
	int unset; /* forgotten (fr_varstore_forget): invisible, its memory kept for the next set */
};

/* A small store of variables; lookups are linear (stores hold a handful). */
struct fr_varstore {
	struct fr_var *items;
	size_t n;
	const struct fr_varstore *parent; /* consulted when a name is not here */
};

/* Sets NAME to a single value (copied), replacing any previous value. */
void fr_varstore_set(struct fr_varstore *vs, const char *name, const char *value);
/* Sets NAME to a list of values (copied). */
void fr_varstore_set_list(struct fr_varstore *vs, const char *name, char *const *values, size_t n);
/* Looks NAME (LEN bytes) up here, then in the parents; NULL when absent. */
const struct fr_var *fr_varstore_get(const struct fr_varstore *vs, const char *name, size_t len);
/* Forgets every variable of the store (lookups fall through to the parent)
 * but keeps their memory, so that the same names set again — an open-model
 * arrival's ${i} and captures, a group's step captures, iteration after
 * iteration — allocate nothing. fr_varstore_clear still frees everything. */
void fr_varstore_forget(struct fr_varstore *vs);
/* Frees the store's contents (not the parent); the struct can be reused. */
void fr_varstore_clear(struct fr_varstore *vs);

/* Expands ${env:…} in S. Returns a new string in *out_out, or -1 with a
 * message in *err_out (caller frees) naming the unset variable; *col_out is
 * the 0-based byte offset of the bad reference in S. */
int fr_vars_expand_env(const char *s, char **out_out, char **err_out, size_t *col_out);

/* Expands a run-time template. Unknown names expand to "" and, when
 * MISSING_OUT is not NULL, the first unknown name is reported there (caller
 * frees). RNG is the caller's xorshift state for ${rand:A..B}. A list
 * variable expands to its first value. Returns a new string. */
char *fr_vars_expand(const char *tmpl, const struct fr_varstore *vs, uint64_t *rng, char **missing_out);
/* The same expansion appended to B, which allocates nothing once B has room
 * (the lean HTTP path builds requests in reused buffers). */
void fr_vars_expand_into(struct fr_buf *b, const char *tmpl, const struct fr_varstore *vs, uint64_t *rng,
                         char **missing_out);
/* Whether TMPL holds a run-time reference; without one its expansion is a
 * constant (only `$${` unescaped), which lets requests be built once. */
int fr_vars_has_refs(const char *tmpl);

/* Calls FN for each ${…} reference in S (not env: ones) with the text between
 * the braces and its byte offset; stops and returns FN's value when non-zero.
 * Returns -1 for an unterminated reference (offset in *bad_out). */
int fr_vars_scan(const char *s, int (*fn)(const char *ref, size_t len, size_t off, void *arg), void *arg,
                 size_t *bad_out);

/* Next pseudo-random number of a xorshift64* state (never seed it with 0). */
uint64_t fr_rand_next(uint64_t *state);

#endif
