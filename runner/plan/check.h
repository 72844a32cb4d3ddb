/* check.h: the state of one validation and the checks every section uses.
 *
 * The checker of a plan (validate.h and its parts validate_request.h,
 * validate_scenario.h, validate_fault.h, validate_slo.h) walks the tree
 * section by section with one struct fr_check: the diagnostics, the names
 * defined so far, the variables in scope, the length of a pass. The checks
 * here report at the position of what they check and return whether it was
 * valid, so that a caller goes on only with values it can use:
 *   - a value's kind (mapping, sequence, string) and type (integer, duration,
 *     rate, URL, one of some words), and a key's value by its row of the
 *     grammar table (fr_check_value, fr_check_key);
 *   - unknown and missing keys, with "did you mean" from the table;
 *   - ${…} references of templates against a scope;
 *   - names: duplicates, references to names, budgeted suggestions.
 */
#ifndef FR_CHECK_H
#define FR_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "plan/diag.h"
#include "plan/grammar.h"
#include "plan/names.h"
#include "plan/proxies.h"
#include "plan/roots.h"
#include "plan/scope.h"
#include "plan/yamltree.h"

#define FR_CHECK_UNTIMED      -2                       /* the "scenario" of auth, setup and teardown requests */
#define FR_CHECK_MAX_DURATION (720LL * 3600 * 1000000) /* 30 days: sums of 10^5 of them cannot overflow */

struct fr_check {
	struct fr_diags *diags;
	const char *sweep; /* the sweep parameter, or NULL */
	struct fr_names requests, scenarios, stages, faults, slos;
	struct fr_names captured; /* every capture of the plan, for "not captured before" */
	int scenario;             /* index of the scenario being checked, FR_CHECK_UNTIMED or -1 */
	int *models;              /* per scenario index: its enum fr_model, -1 when unknown */
	size_t nmodels;
	int has_ws;
	struct fr_scope scope; /* auth + setup captures */
	int64_t pass_us;       /* the length of a pass: the longest scenario */
	int pass_known;        /* every scenario's length is known */
	int has_faults;
	int nsuggest;                 /* suggestions of names made so far (they are bounded) */
	const struct fr_roots *roots; /* where files may be read from; NULL: anywhere */
	struct fr_proxy_file proxies; /* the proxies file, once read */
	int proxies_known;
	char **owned; /* generated fault names, which the fault table points at */
	size_t nowned;
};

enum fr_check_dur {
	FR_DUR_POSITIVE,
	FR_DUR_NONNEG,
};

/* Reports NODE unless it is a mapping / a sequence / a non-null string. */
int fr_check_map(struct fr_check *c, const struct fr_ynode *node);
int fr_check_seq(struct fr_check *c, const struct fr_ynode *node);
int fr_check_str(struct fr_check *c, const struct fr_ynode *node);

/* Reports NODE unless it is an integer >= MIN; the value in *out (may be NULL). */
int fr_check_int(struct fr_check *c, const struct fr_ynode *node, int64_t min, int64_t *out);

/* Reports the message *ERR of a units.h parser at NODE (and frees it) when RC < 0;
 * 1 when RC >= 0. ERR is read after the parser ran, whatever the argument order. */
int fr_check_parsed(struct fr_check *c, const struct fr_ynode *node, int rc, char **err);

/* Reports NODE unless it is a duration (MODE: positive or not negative) up to
 * FR_CHECK_MAX_DURATION; the value in *out (may be NULL). */
int fr_check_dur(struct fr_check *c, const struct fr_ynode *node, enum fr_check_dur mode, int64_t *out);

/* Checks the value V of key K by its row of the grammar (nothing for FR_GT_SPECIAL
 * and FR_GT_STAT); templates are checked against SCOPE. 1 when valid. */
int fr_check_value(struct fr_check *c, enum fr_gkey k, const struct fr_ynode *v, const struct fr_scope *scope);

/* The value of key K in MAP when it is present and valid, else NULL; a
 * missing required key is reported. */
const struct fr_ynode *fr_check_key(struct fr_check *c, const struct fr_ynode *map, enum fr_gkey k,
                                    const struct fr_scope *scope);

/* Reports a missing KEY of MAP; returns its value or NULL. */
const struct fr_ynode *fr_check_require(struct fr_check *c, const struct fr_ynode *map, enum fr_gkey k);

/* Reports key node K as unknown, suggesting from the NULL-terminated CANDS. */
void fr_check_unknown_key(struct fr_check *c, const struct fr_ynode *k, const char *const *cands);

/* The key of mapping M that key node K names, or FR_K_COUNT after reporting it unknown. */
enum fr_gkey fr_check_known_key(struct fr_check *c, const struct fr_ynode *k, enum fr_gmap m);

/* Reports every key of MAP that mapping M of the grammar does not have. */
void fr_check_keys(struct fr_check *c, const struct fr_ynode *map, enum fr_gmap m);

/* Checks the ${…} references of scalar NODE against SCOPE. */
void fr_check_template(struct fr_check *c, const struct fr_ynode *node, const struct fr_scope *scope);

/* Checks every scalar under NODE as a template. */
void fr_check_templates_deep(struct fr_check *c, const struct fr_ynode *node, const struct fr_scope *scope);

/* Checks NODE as a pcre2 pattern; its capture groups, or -1 when it does not compile. */
long fr_check_regex(struct fr_check *c, const struct fr_ynode *node);

/* Adds NAME (defined at NODE) to T, reporting a duplicate at NODE. */
void fr_check_name(struct fr_check *c, struct fr_names *t, const char *name, const struct fr_ynode *node, int aux);

/* The closest name of T to WORD, or NULL; bounded work per plan. */
const char *fr_check_suggest(struct fr_check *c, const struct fr_names *t, const char *word);

/* The definition of the name NODE refers to in T; reports an unknown name. */
const struct fr_name *fr_check_resolve(struct fr_check *c, const struct fr_names *t, const struct fr_ynode *node);

#endif
