/* validate.h: the semantic checks of a plan tree, and helpers shared with plan.c.
 *
 * fr_validate walks the merged, env-expanded tree of a plan (yamltree.h) and
 * reports every problem it finds — unknown keys, wrong types, missing keys,
 * bad units, duplicate names, unresolved references, bad regexes, fault
 * timing, unknown variables — in one pass. plan.c builds the structs of
 * plan.h only from a tree this reported nothing about, so the builder can
 * trust every value it reads. Internal to the loader: not for other modules.
 */
#ifndef FR_VALIDATE_H
#define FR_VALIDATE_H

#include <stddef.h>

#include "plan/diag.h"
#include "plan/plan.h"
#include "plan/yamltree.h"

/* Checks ROOT; returns the number of diagnostics added to DIAGS. */
size_t fr_validate(const struct fr_ynode *root, struct fr_diags *diags);

/* Reads a Toxiproxy config (a JSON list of {name, listen, upstream}).
 * Returns 0 and the proxies (caller frees with fr_validate_free_proxies), or
 * -1 with a message in *err_out (caller frees). */
int fr_validate_read_proxies(const char *path, struct fr_proxy **proxies_out, size_t *n_out, char **err_out);
void fr_validate_free_proxies(struct fr_proxy *proxies, size_t n);

/* PATH resolved against the directory of FROM_FILE and normalised lexically
 * ("a/b/../c.yaml" → "a/c.yaml"); absolute paths are kept. Caller frees. */
char *fr_plan_resolve(const char *from_file, const char *path);

/* The number of capture groups of pcre2 PATTERN, or -1 when it does not compile. */
int fr_validate_regex_groups(const char *pattern);

/* The default name of a fault: "<toxic>-<proxy>[+<proxy>…]@<at as written>". Caller frees. */
char *fr_validate_fault_name(const struct fr_ynode *fault);

/* Toxic types and their attributes, shared by the checker and the builder. */
enum fr_attr_unit {
	FR_ATTR_MS,    /* a duration, sent in ms */
	FR_ATTR_US,    /* a duration, sent in µs */
	FR_ATTR_KBPS,  /* a bandwidth, sent in KB/s */
	FR_ATTR_BYTES, /* an integer */
};

struct fr_toxic_def {
	const char *name;
	enum fr_toxic toxic;
	struct {
		const char *name;
		enum fr_attr_unit unit;
		int required;
	} attrs[FR_FAULT_MAX_ATTRS];
};

/* The definition of toxic NAME, or NULL. */
const struct fr_toxic_def *fr_validate_toxic(const char *name);

#endif
