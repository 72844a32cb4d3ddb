/* check.c: the checks every section of a plan uses (see check.h). */
#include "plan/check.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plan/path.h"
#include "plan/suggest.h"
#include "plan/syntax.h"
#include "plan/units.h"
#include "plan/vars.h"
#include "util/regex.h"
#include "util/xmalloc.h"

#define MAX_SUGGEST 64 /* name suggestions per plan: each scans a whole table */

typedef struct fr_ynode node_t;

/* ---- kinds and types of values ---- */

/* A mapping is what most keys hold. */
int fr_check_map(struct fr_check *c, const node_t *node)
{
	if (node->kind == FR_Y_MAP)
		return 1;
	fr_diag_add(c->diags, node->pos, "expected a mapping, got %s", fr_ytree_kind_name(node));
	return 0;
}

/* Lists of requests, stages, faults, SLOs. */
int fr_check_seq(struct fr_check *c, const node_t *node)
{
	if (node->kind == FR_Y_SEQ)
		return 1;
	fr_diag_add(c->diags, node->pos, "expected a sequence, got %s", fr_ytree_kind_name(node));
	return 0;
}

/* A scalar whose ${env:} expansion failed was reported already: not twice. */
int fr_check_str(struct fr_check *c, const node_t *node)
{
	if (node->kind == FR_Y_SCALAR && node->env_failed)
		return 0;
	if (node->kind == FR_Y_SCALAR && !fr_ytree_is_null(node))
		return 1;
	fr_diag_add(c->diags, node->pos, "expected a string, got %s", fr_ytree_kind_name(node));
	return 0;
}

/* Quoted numbers are strings, not integers: YAML's own rule. */
int fr_check_int(struct fr_check *c, const node_t *node, int64_t min, int64_t *out)
{
	int64_t v = 0;

	if (node->kind == FR_Y_SCALAR && node->env_failed)
		return 0;
	if (node->kind == FR_Y_SCALAR && node->style == FR_YS_PLAIN && fr_units_int(node->str, &v) == 0 && v >= min) {
		if (out)
			*out = v;
		return 1;
	}
	if (node->kind == FR_Y_SCALAR && !fr_ytree_is_null(node))
		fr_diag_add(c->diags, node->pos, "expected an integer >= %lld, got '%s'", (long long)min, node->str);
	else
		fr_diag_add(c->diags, node->pos, "expected an integer >= %lld, got %s", (long long)min,
		            fr_ytree_kind_name(node));
	return 0;
}

/* Parsers of units.h return a message instead of reporting: it goes at NODE. */
int fr_check_parsed(struct fr_check *c, const node_t *node, int rc, char **err)
{
	if (rc >= 0)
		return 1;
	fr_diag_add(c->diags, node->pos, "%s", *err);
	free(*err);
	*err = NULL;
	return 0;
}

/* The limit keeps every sum of durations in a plan far from overflow. */
int fr_check_dur(struct fr_check *c, const node_t *node, enum fr_check_dur mode, int64_t *out)
{
	char *err = NULL;
	int64_t v;

	if (!fr_check_str(c, node))
		return 0;
	if (!fr_check_parsed(c, node, fr_units_duration(node->str, &v, &err), &err))
		return 0;
	if (v > FR_CHECK_MAX_DURATION) {
		fr_diag_add(c->diags, node->pos, "duration '%s' is longer than the limit of 720h", node->str);
		return 0;
	}
	if (mode == FR_DUR_POSITIVE && v <= 0) {
		fr_diag_add(c->diags, node->pos, "duration '%s' must be positive", node->str);
		return 0;
	}
	if (v < 0) {
		fr_diag_add(c->diags, node->pos, "duration '%s' must not be negative", node->str);
		return 0;
	}
	if (out)
		*out = v;
	return 1;
}

/* Rates are always positive: a zero rate is a stage that sends nothing. */
static int check_rate(struct fr_check *c, const node_t *node)
{
	char *err = NULL;
	double v;

	if (!fr_check_str(c, node))
		return 0;
	if (!fr_check_parsed(c, node, fr_units_rate(node->str, &v, &err), &err))
		return 0;
	if (v <= 0) {
		fr_diag_add(c->diags, node->pos, "rate '%s' must be positive", node->str);
		return 0;
	}
	return 1;
}

/* Only the two YAML 1.2 spellings: yes/on/1 would read as a boolean to some tools and not to others. */
static int check_bool(struct fr_check *c, const node_t *node, const char *key)
{
	if (!fr_check_str(c, node))
		return 0;
	if (strcmp(node->str, "true") == 0 || strcmp(node->str, "false") == 0)
		return 1;
	fr_diag_add(c->diags, node->pos, "'%s' needs true or false, got '%s'", key, node->str);
	return 0;
}

/* Suggests the closest word: enumerations are where typos are likeliest. */
static int check_word(struct fr_check *c, const node_t *node, const char *what, const char *const *words)
{
	char buf[160];

	if (!fr_check_str(c, node))
		return 0;
	if (fr_suggest_has(words, node->str))
		return 1;
	fr_diag_add(c->diags, node->pos, "unknown %s '%s'%s", what, node->str,
	            fr_suggest_dym(buf, sizeof buf, fr_suggest_word(node->str, words)));
	return 0;
}

/* The URL of a service (the target, Prometheus, Toxiproxy), named KEY in messages. */
static int check_url(struct fr_check *c, const node_t *node, const char *key)
{
	if (!fr_check_str(c, node))
		return 0;
	if (strncmp(node->str, "http://", 7) == 0 || strncmp(node->str, "https://", 8) == 0)
		return 1;
	fr_diag_add(c->diags, node->pos, "'%s' must be an http:// or https:// URL, got '%s'", key, node->str);
	return 0;
}

/* A file the run will read (a CA bundle), named KEY in messages: it must be
 * there now, so a typo fails at check time rather than at the first request. */
static int check_file(struct fr_check *c, const node_t *node, const char *key)
{
	struct stat st;
	const char *why = NULL;
	char *path;

	if (!fr_check_str(c, node))
		return 0;
	path = fr_path_resolve(node->pos.file, node->str);
	if (stat(path, &st) != 0 || access(path, R_OK) != 0)
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	if (why)
		fr_diag_add(c->diags, node->pos, "%s '%s' cannot be read: %s", key, node->str, why);
	free(path);
	return !why;
}

/* A name is printed everywhere — reports, metrics labels, logs — so it
 * cannot carry a value from the environment (util/redact.h keeps those out
 * of text, not out of a label set a dashboard shows). */
static int check_no_env(struct fr_check *c, const node_t *node)
{
	const char *at = node->raw ? strstr(node->raw, "${env:") : NULL;
	if (!at)
		return 1;
	fr_diag_add(c->diags, fr_ytree_pos_at(node, (size_t)(at - node->raw)),
	            "a name cannot use ${env:…}: names appear in reports, metrics and logs");
	return 0;
}

/* A number from 0 to 1, named KEY in messages (the probability of a toxic). */
static int check_fraction(struct fr_check *c, const node_t *node, const char *key)
{
	char *end;
	double x;

	if (!fr_check_str(c, node))
		return 0;
	x = strtod(node->str, &end);
	if (*end || end == node->str || !(x >= 0 && x <= 1)) {
		fr_diag_add(c->diags, node->pos, "%s must be a number between 0 and 1, got '%s'", key, node->str);
		return 0;
	}
	return 1;
}

/* Headers and query parameters: every value a template. */
static int check_strmap(struct fr_check *c, const node_t *node, const struct fr_scope *scope)
{
	if (!fr_check_map(c, node))
		return 0;
	for (size_t i = 0; i < node->n; i++)
		if (fr_check_str(c, node->vals[i]))
			fr_check_template(c, node->vals[i], scope);
	return 1;
}

/* An integer of key D within its bounds; a number too large even for int64 is above the bound too. */
static int check_int_key(struct fr_check *c, const node_t *node, const struct fr_gkey_def *d)
{
	int64_t v;

	if (d->max && node->kind == FR_Y_SCALAR && !node->env_failed && node->style == FR_YS_PLAIN && node->str[0] &&
	    strspn(node->str, "0123456789") == strlen(node->str) && (fr_units_int(node->str, &v) < 0 || v > d->max)) {
		fr_diag_add(c->diags, node->pos, "%s must be at most %lld, got '%s'", d->name, (long long)d->max,
		            node->str);
		return 0;
	}
	return fr_check_int(c, node, d->min, NULL);
}

/* One switch over the grammar's types: a key of a known type needs no code of its own. */
int fr_check_value(struct fr_check *c, enum fr_gkey k, const node_t *v, const struct fr_scope *scope)
{
	const struct fr_gkey_def *d = &fr_grammar_keys[k];

	switch (d->type) {
	case FR_GT_SPECIAL:
	case FR_GT_STAT: return 1;
	case FR_GT_STR: return fr_check_str(c, v) && (strcmp(d->name, "name") != 0 || check_no_env(c, v));
	case FR_GT_TEMPLATE:
		if (!fr_check_str(c, v))
			return 0;
		fr_check_template(c, v, scope);
		return 1;
	case FR_GT_URL: return check_url(c, v, d->name);
	case FR_GT_FILE: return check_file(c, v, d->name);
	case FR_GT_DURATION: return fr_check_dur(c, v, FR_DUR_POSITIVE, NULL);
	case FR_GT_DURATION0: return fr_check_dur(c, v, FR_DUR_NONNEG, NULL);
	case FR_GT_RATE: return check_rate(c, v);
	case FR_GT_INT: return check_int_key(c, v, d);
	case FR_GT_FRACTION: return check_fraction(c, v, d->name);
	case FR_GT_WORD: return check_word(c, v, d->what, d->words);
	case FR_GT_STRMAP: return check_strmap(c, v, scope);
	case FR_GT_BOOL: return check_bool(c, v, d->name);
	}
	return 1;
}

/* ---- keys ---- */

/* Missing keys are reported at the mapping, which is where they belong. */
const node_t *fr_check_require(struct fr_check *c, const node_t *map, enum fr_gkey k)
{
	const node_t *v = fr_grammar_get(map, k);

	if (!v)
		fr_diag_add(c->diags, map->pos, "missing required key '%s'", fr_grammar_keys[k].name);
	return v;
}

/* Required when the row says so; the value is checked by its type. */
const node_t *fr_check_key(struct fr_check *c, const node_t *map, enum fr_gkey k, const struct fr_scope *scope)
{
	const node_t *v =
	        fr_grammar_keys[k].flags & FR_GK_REQUIRED ? fr_check_require(c, map, k) : fr_grammar_get(map, k);

	return v && fr_check_value(c, k, v, scope) ? v : NULL;
}

/* The one wording of an unknown key, with its suggestion. */
void fr_check_unknown_key(struct fr_check *c, const node_t *k, const char *const *cands)
{
	char buf[160];

	fr_diag_add(c->diags, k->pos, "unknown key '%s'%s", k->str,
	            fr_suggest_dym(buf, sizeof buf, fr_suggest_word(k->str, cands)));
}

/* Candidates for a suggestion are the mapping's keys, in the grammar's order. */
enum fr_gkey fr_check_known_key(struct fr_check *c, const node_t *k, enum fr_gmap m)
{
	enum fr_gkey key = fr_grammar_find(m, k->str);
	const char *names[FR_GRAMMAR_MAX_KEYS + 1];

	if (key == FR_K_COUNT) {
		fr_grammar_names(m, 0, names);
		fr_check_unknown_key(c, k, names);
	}
	return key;
}

/* For mappings whose keys need nothing beyond being known. */
void fr_check_keys(struct fr_check *c, const node_t *map, enum fr_gmap m)
{
	for (size_t i = 0; i < map->n; i++)
		fr_check_known_key(c, map->keys[i], m);
}

/* ---- templates ---- */

struct scan_arg {
	struct fr_check *c;
	const node_t *node;
	const struct fr_scope *scope;
};

/* The closest variable to NAME: in scope, the sweep parameter, a built-in. */
static const char *closest_variable(struct fr_check *c, const struct fr_scope *scope, const char *name)
{
	const char *best = NULL;
	int bs = 3;

	for (size_t i = 0; i < scope->n; i++) {
		int s = fr_suggest_score(name, scope->names[i]);
		if (s < bs)
			bs = s, best = scope->names[i];
	}
	if (!best && c->sweep && fr_suggest_score(name, c->sweep) < 3)
		best = c->sweep;
	if (!best)
		best = fr_suggest_word(name, fr_grammar_builtins);
	return best;
}

/* Checks one ${…} reference: a random range, a variable in scope, or a
 * mistake whose message says what was probably meant. */
static int check_ref(const char *ref, size_t len, size_t off, void *varg)
{
	struct scan_arg *a = varg;
	struct fr_check *c = a->c;
	struct fr_pos pos = fr_ytree_pos_at(a->node, off);
	char *name = xstrndup(ref, len);
	char buf[160];

	if (strncmp(name, "rand:", 5) == 0) {
		long long lo, hi;
		char tail;
		if (sscanf(name + 5, "%lld..%lld%c", &lo, &hi, &tail) != 2 || lo > hi)
			fr_diag_add(c->diags, pos, "invalid random range '${%s}' (expected ${rand:A..B} with A <= B)",
			            name);
	} else if (strstr(name, ":-") && fr_syntax_ident(name, (size_t)(strstr(name, ":-") - name))) {
		*strstr(name, ":-") = '\0';
		fr_diag_add(c->diags, pos, "unknown variable '%s' (environment variables are written ${env:%s})", name,
		            name);
	} else if (fr_scope_find(a->scope, ref, len) < 0 && !fr_suggest_has(fr_grammar_builtins, name) &&
	           !(c->sweep && strcmp(name, c->sweep) == 0)) {
		const char *best = closest_variable(c, a->scope, name);
		const struct fr_name *cap = fr_names_get(&c->captured, name);
		if (cap)
			fr_diag_add(c->diags, pos,
			            "variable '%s' is not captured before this use (captured at %s:%d:%d)", name,
			            cap->node->pos.file, cap->node->pos.line, cap->node->pos.col);
		else
			fr_diag_add(c->diags, pos, "unknown variable '%s'%s", name,
			            fr_suggest_dym(buf, sizeof buf, best));
	}
	free(name);
	return 0;
}

/* References are scanned in the value as written, so positions point into it. */
void fr_check_template(struct fr_check *c, const node_t *node, const struct fr_scope *scope)
{
	struct scan_arg a = {c, node, scope};
	size_t bad = 0;

	if (node->kind != FR_Y_SCALAR)
		return;
	if (fr_vars_scan(node->raw, check_ref, &a, &bad) < 0)
		fr_diag_add(c->diags, fr_ytree_pos_at(node, bad),
		            "unterminated '${' reference (write '$${' for a literal '${')");
}

/* A JSON body is a template in every scalar it holds. */
void fr_check_templates_deep(struct fr_check *c, const node_t *node, const struct fr_scope *scope)
{
	if (node->kind == FR_Y_SCALAR) {
		fr_check_template(c, node, scope);
		return;
	}
	for (size_t i = 0; i < node->n; i++)
		fr_check_templates_deep(c, node->vals[i], scope);
}

/* ---- regexes and names ---- */

/* Errors point into the pattern where pcre2 says the problem is. */
long fr_check_regex(struct fr_check *c, const node_t *node)
{
	struct fr_regex_info re;

	fr_syntax_regex(node->str, &re);
	if (!re.ok) {
		fr_diag_add(c->diags, fr_ytree_pos_at(node, re.err_off), "invalid regex '%s': %s", node->str, re.err);
		return -1;
	}
	if (re.over_limit)
		fr_diag_add(c->diags, node->pos, "regex '%s' exceeds the match limit of %d", node->str,
		            FR_REGEX_MATCH_LIMIT);
	else if (re.risky)
		fr_diag_warn(c->diags, fr_ytree_pos_at(node, re.risky_off),
		             "regex '%s' can take exponential time (a repeated group with %s); matches give up "
		             "after %d steps from one position or %d ms",
		             node->str, re.risky_why, FR_REGEX_MATCH_LIMIT, FR_REGEX_CPU_BUDGET_MS);
	return (long)re.ngroups;
}

/* A duplicate points back at the first definition. */
void fr_check_name(struct fr_check *c, struct fr_names *t, const char *name, const node_t *node, int aux)
{
	const struct fr_name *first = fr_names_add(t, name, node, aux);

	check_no_env(c, node);
	if (first)
		fr_diag_add(c->diags, node->pos, "duplicate %s name '%s' (first defined at %s:%d:%d)", t->what, name,
		            first->node->pos.file, first->node->pos.line, first->node->pos.col);
}

/* Bounded: a plan with thousands of wrong references must not take
 * thousands of scans of a large table. */
const char *fr_check_suggest(struct fr_check *c, const struct fr_names *t, const char *word)
{
	if (c->nsuggest++ >= MAX_SUGGEST)
		return NULL;
	return fr_names_closest(t, word);
}

/* An unknown name is reported with the closest known one. */
const struct fr_name *fr_check_resolve(struct fr_check *c, const struct fr_names *t, const node_t *node)
{
	const struct fr_name *s = fr_names_get(t, node->str);
	char buf[160];

	if (!s)
		fr_diag_add(c->diags, node->pos, "unknown %s '%s'%s", t->what, node->str,
		            fr_suggest_dym(buf, sizeof buf, fr_check_suggest(c, t, node->str)));
	return s;
}
