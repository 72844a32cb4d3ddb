/* validate.c: every semantic check of a plan, reported in one pass (see validate.h).
 *
 * The checker walks the merged tree section by section in an order that lets
 * later sections resolve names defined by earlier ones: auth and setup (their
 * captures become variables), scenarios (request, stage names and the length
 * of a pass), faults (fault names, proxies), then SLOs (which name all of
 * those). Names live in hash tables so that a plan with ten thousand stages
 * and a thousand faults is checked in linear time; overlapping faults are
 * found by sorting the (proxy, start) pairs. Suggestions ("did you mean") use
 * the Levenshtein distance (≤ 2) or a prefix match against the names that are
 * valid at that place.
 */
#include "plan/validate.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "plan/units.h"
#include "plan/vars.h"
#include "util/fmt.h"
#include "util/xmalloc.h"

#define REGEX_MATCH_LIMIT 100000
#define UNTIMED           -2 /* the "scenario" of auth, setup and teardown requests */
#define MAX_SUGGEST       64
#define MAX_DURATION_US   (720LL * 3600 * 1000000) /* 30 days: sums of 10^5 of them cannot overflow */

typedef struct fr_ynode node_t;

/* A hash table of names, each with the node that defined it and a number. */
struct names {
	const char *what; /* "request", "stage" … for messages */
	struct slot {
		const char *name;
		const node_t *node;
		int aux;
	} * slots;
	size_t n, cap;
};

/* The variables visible at some point: names, and whether each is a list. */
struct scope {
	const char **names;
	int *list;
	size_t n, cap;
};

/* A fault's window on one proxy, for the overlap check. */
struct window {
	const char *proxy;
	int64_t at, end;
	const char *fault;
	const node_t *node;
};

struct ctx {
	struct fr_diags *diags;
	size_t start;
	const char *sweep;
	struct names requests, scenarios, stages, faults, slos;
	struct names captured; /* every capture of the plan, for "not captured before" */
	int scenario;          /* index of the scenario being checked, or -1 */
	int *models;           /* per scenario index: 0 closed, 1 open, 2 websocket, -1 unknown */
	size_t nmodels;
	int has_ws;
	struct scope scope; /* auth + setup captures */
	int64_t pass_us;
	int pass_known;
	int has_faults;
	int nsuggest;
	struct fr_proxy *proxies;
	size_t nproxies;
	int proxies_known;
	struct window *windows;
	size_t nwindows, capwindows;
	char **owned; /* generated fault names */
	size_t nowned;
};

/* ---- small helpers ---- */

/* Levenshtein distance of A and B, capped at 3 (anything farther is "far"). */
static int distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int row[65], prev[65];

	if (la > 64 || lb > 64 || (la > lb ? la - lb : lb - la) > 2)
		return 3;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		row[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int del = prev[j] + 1, ins = row[j - 1] + 1, sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			row[j] = del < ins ? del : ins;
			if (sub < row[j])
				row[j] = sub;
		}
		memcpy(prev, row, (lb + 1) * sizeof *row);
	}
	return prev[lb] > 3 ? 3 : prev[lb];
}

/* A candidate's score against WORD: 0..2 by distance, 2 for a prefix, 3 when far. */
static int score(const char *word, const char *cand)
{
	int d = strcasecmp(word, cand) == 0 ? 0 : distance(word, cand);
	size_t lw = strlen(word), lc = strlen(cand);

	if (d <= 2)
		return d;
	if (lw >= 2 && lc >= 2 && (strncmp(word, cand, lw < lc ? lw : lc) == 0))
		return 2;
	return 3;
}

/* Formats " (did you mean 'X'?)" into BUF, or "" when BEST is NULL. */
static const char *dym(char *buf, size_t size, const char *best)
{
	if (!best)
		return "";
	snprintf(buf, size, " (did you mean '%s'?)", best);
	return buf;
}

/* Is KEY in the NULL-terminated LIST? */
static int in_list(const char *key, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(key, list[i]) == 0)
			return 1;
	return 0;
}

/* Words from other tools that mean one of ours. */
static const char *const synonyms[][2] = {
        {"rps", "rate"},      {"qps", "rate"},          {"duration", "for"},
        {"vus", "users"},     {"concurrency", "users"}, {"connections", "viewers"},
        {"threshold", "p99"}, {"type", "toxic"},
};

/* The closest of a NULL-terminated list of candidates, or NULL. */
static const char *suggest_list(const char *word, const char *const *cands)
{
	const char *best = NULL;
	int bs = 3;

	for (size_t i = 0; i < sizeof synonyms / sizeof synonyms[0]; i++)
		if (strcmp(word, synonyms[i][0]) == 0 && in_list(synonyms[i][1], cands))
			return synonyms[i][1];

	for (size_t i = 0; cands[i]; i++) {
		int s = score(word, cands[i]);
		if (s < bs)
			bs = s, best = cands[i];
	}
	return best;
}

/* Is S an identifier ([A-Za-z_][A-Za-z0-9_]*)? */
static int is_ident(const char *s, size_t len)
{
	if (len == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return 0;
	for (size_t i = 1; i < len; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
			return 0;
	return 1;
}

/* ---- name tables ---- */

/* FNV-1a of S. */
static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* The slot of NAME in T (empty when absent). */
static struct slot *names_slot(struct names *t, const char *name)
{
	size_t i = hash(name) & (t->cap - 1);

	while (t->slots[i].name && strcmp(t->slots[i].name, name) != 0)
		i = (i + 1) & (t->cap - 1);
	return &t->slots[i];
}

/* Grows T when it is more than half full. */
static void names_grow(struct names *t)
{
	struct slot *old = t->slots;
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

/* Looks NAME up; NULL when absent. */
static const struct slot *names_get(const struct names *t, const char *name)
{
	if (!t->cap)
		return NULL;
	const struct slot *s = names_slot((struct names *)t, name);
	return s->name ? s : NULL;
}

/* Adds NAME defined at NODE, reporting a duplicate at NODE. */
static void names_add(struct ctx *c, struct names *t, const char *name, const node_t *node, int aux)
{
	names_grow(t);
	struct slot *s = names_slot(t, name);
	if (s->name) {
		fr_diag_add(c->diags, node->pos, "duplicate %s name '%s' (first defined at %s:%d:%d)", t->what, name,
		            s->node->pos.file, s->node->pos.line, s->node->pos.col);
		return;
	}
	s->name = name;
	s->node = node;
	s->aux = aux;
	t->n++;
}

/* The closest name in T to WORD, or NULL (bounded work per plan). */
static const char *names_suggest(struct ctx *c, const struct names *t, const char *word)
{
	const char *best = NULL;
	int bs = 3;

	if (c->nsuggest++ >= MAX_SUGGEST)
		return NULL;
	for (size_t i = 0; i < t->cap; i++) {
		if (!t->slots[i].name)
			continue;
		int s = score(word, t->slots[i].name);
		if (s < bs || (s == bs && best && strcmp(t->slots[i].name, best) < 0))
			bs = s, best = t->slots[i].name;
	}
	return best;
}

/* Reports NODE's value as an unknown WHAT of table T unless it is in T. */
static const struct slot *resolve(struct ctx *c, const struct names *t, const node_t *node)
{
	const struct slot *s = names_get(t, node->str);
	char buf[160];

	if (!s)
		fr_diag_add(c->diags, node->pos, "unknown %s '%s'%s", t->what, node->str,
		            dym(buf, sizeof buf, names_suggest(c, t, node->str)));
	return s;
}

/* ---- scopes ---- */

/* Adds a variable to SC. */
static void scope_add(struct scope *sc, const char *name, int list)
{
	if (sc->n == sc->cap) {
		sc->cap = sc->cap ? sc->cap * 2 : 16;
		sc->names = xreallocarray(sc->names, sc->cap, sizeof *sc->names);
		sc->list = xreallocarray(sc->list, sc->cap, sizeof *sc->list);
	}
	sc->names[sc->n] = name;
	sc->list[sc->n++] = list;
}

/* The index of NAME (LEN bytes) in SC, or -1. */
static long scope_find(const struct scope *sc, const char *name, size_t len)
{
	for (size_t i = sc->n; i-- > 0;)
		if (strlen(sc->names[i]) == len && memcmp(sc->names[i], name, len) == 0)
			return (long)i;
	return -1;
}

/* A copy of SC (names are borrowed). */
static struct scope scope_copy(const struct scope *sc)
{
	struct scope out = {0};

	for (size_t i = 0; i < sc->n; i++)
		scope_add(&out, sc->names[i], sc->list[i]);
	return out;
}

/* Frees the arrays of SC (not the names, which are borrowed). */
static void scope_free(struct scope *sc)
{
	free(sc->names);
	free(sc->list);
	memset(sc, 0, sizeof *sc);
}

/* ---- type checks ---- */

/* Reports NODE unless it is a mapping. */
static int want_map(struct ctx *c, const node_t *node)
{
	if (node->kind == FR_Y_MAP)
		return 1;
	fr_diag_add(c->diags, node->pos, "expected a mapping, got %s", fr_ytree_kind_name(node));
	return 0;
}

/* Reports NODE unless it is a sequence. */
static int want_seq(struct ctx *c, const node_t *node)
{
	if (node->kind == FR_Y_SEQ)
		return 1;
	fr_diag_add(c->diags, node->pos, "expected a sequence, got %s", fr_ytree_kind_name(node));
	return 0;
}

/* Reports NODE unless it is a non-null scalar. */
static int want_str(struct ctx *c, const node_t *node)
{
	if (node->kind == FR_Y_SCALAR && node->env_failed)
		return 0; /* already reported by the env expansion */
	if (node->kind == FR_Y_SCALAR && !fr_ytree_is_null(node))
		return 1;
	fr_diag_add(c->diags, node->pos, "expected a string, got %s", fr_ytree_kind_name(node));
	return 0;
}

/* Reports NODE unless it is an integer >= MIN; the value in *out. */
static int want_int(struct ctx *c, const node_t *node, int64_t min, int64_t *out)
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

enum { DUR_POSITIVE, DUR_NONNEG };

/* Checks a duration; the value in *out. */
static int want_dur(struct ctx *c, const node_t *node, int mode, int64_t *out)
{
	char *err = NULL;
	int64_t v;

	if (!want_str(c, node))
		return 0;
	if (fr_units_duration(node->str, &v, &err) < 0) {
		fr_diag_add(c->diags, node->pos, "%s", err);
		free(err);
		return 0;
	}
	if (v > MAX_DURATION_US) {
		fr_diag_add(c->diags, node->pos, "duration '%s' is longer than the limit of 720h", node->str);
		return 0;
	}
	if (mode == DUR_POSITIVE && v <= 0) {
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

/* Checks a positive rate. */
static int want_rate(struct ctx *c, const node_t *node)
{
	char *err = NULL;
	double v;

	if (!want_str(c, node))
		return 0;
	if (fr_units_rate(node->str, &v, &err) < 0) {
		fr_diag_add(c->diags, node->pos, "%s", err);
		free(err);
		return 0;
	}
	if (v <= 0) {
		fr_diag_add(c->diags, node->pos, "rate '%s' must be positive", node->str);
		return 0;
	}
	return 1;
}

/* Checks that NODE is one of the NULL-terminated WORDS. */
static int want_word(struct ctx *c, const node_t *node, const char *what, const char *const *words)
{
	char buf[160];

	if (!want_str(c, node))
		return 0;
	if (in_list(node->str, words))
		return 1;
	fr_diag_add(c->diags, node->pos, "unknown %s '%s'%s", what, node->str,
	            dym(buf, sizeof buf, suggest_list(node->str, words)));
	return 0;
}

/* Checks an http(s) URL. */
static int want_url(struct ctx *c, const node_t *node, const char *key)
{
	if (!want_str(c, node))
		return 0;
	if (strncmp(node->str, "http://", 7) == 0 || strncmp(node->str, "https://", 8) == 0)
		return 1;
	fr_diag_add(c->diags, node->pos, "'%s' must be an http:// or https:// URL, got '%s'", key, node->str);
	return 0;
}

/* Reports keys of MAP not in ALLOWED, suggesting from ALLOWED. */
static void check_keys(struct ctx *c, const node_t *map, const char *const *allowed)
{
	char buf[160];

	for (size_t i = 0; i < map->n; i++) {
		const node_t *k = map->keys[i];
		if (!in_list(k->str, allowed))
			fr_diag_add(c->diags, k->pos, "unknown key '%s'%s", k->str,
			            dym(buf, sizeof buf, suggest_list(k->str, allowed)));
	}
}

/* Reports a missing required KEY of MAP; returns its value or NULL. */
static const node_t *require(struct ctx *c, const node_t *map, const char *key)
{
	const node_t *v = fr_ytree_get(map, key);

	if (!v)
		fr_diag_add(c->diags, map->pos, "missing required key '%s'", key);
	return v;
}

/* ---- variables ---- */

static const char *const builtins[] = {"event_id", "user", "i", NULL};

struct scan_arg {
	struct ctx *c;
	const node_t *node;
	const struct scope *scope;
};

/* Checks one ${…} reference. */
static int check_ref(const char *ref, size_t len, size_t off, void *varg)
{
	struct scan_arg *a = varg;
	struct fr_pos pos = fr_ytree_pos_at(a->node, off);
	char *name = xstrndup(ref, len);
	char buf[160];

	if (strncmp(name, "rand:", 5) == 0) {
		long long lo, hi;
		char tail;
		if (sscanf(name + 5, "%lld..%lld%c", &lo, &hi, &tail) != 2 || lo > hi)
			fr_diag_add(a->c->diags, pos,
			            "invalid random range '${%s}' (expected ${rand:A..B} with A <= B)", name);
	} else if (strstr(name, ":-") && is_ident(name, (size_t)(strstr(name, ":-") - name))) {
		*strstr(name, ":-") = '\0';
		fr_diag_add(a->c->diags, pos, "unknown variable '%s' (environment variables are written ${env:%s})",
		            name, name);
	} else if (scope_find(a->scope, ref, len) < 0 && !in_list(name, builtins) &&
	           !(a->c->sweep && strcmp(name, a->c->sweep) == 0)) {
		const char *best = NULL;
		int bs = 3;
		for (size_t i = 0; i < a->scope->n; i++) {
			int s = score(name, a->scope->names[i]);
			if (s < bs)
				bs = s, best = a->scope->names[i];
		}
		if (!best && a->c->sweep && score(name, a->c->sweep) < 3)
			best = a->c->sweep;
		if (!best)
			best = suggest_list(name, builtins);
		const struct slot *cap = names_get(&a->c->captured, name);
		if (cap)
			fr_diag_add(a->c->diags, pos,
			            "variable '%s' is not captured before this use (captured at %s:%d:%d)", name,
			            cap->node->pos.file, cap->node->pos.line, cap->node->pos.col);
		else
			fr_diag_add(a->c->diags, pos, "unknown variable '%s'%s", name, dym(buf, sizeof buf, best));
	}
	free(name);
	return 0;
}

/* Checks the ${…} references of a scalar against SCOPE. */
static void check_template(struct ctx *c, const node_t *node, const struct scope *scope)
{
	struct scan_arg a = {c, node, scope};
	size_t bad = 0;

	if (node->kind != FR_Y_SCALAR)
		return;
	if (fr_vars_scan(node->raw, check_ref, &a, &bad) < 0)
		fr_diag_add(c->diags, fr_ytree_pos_at(node, bad),
		            "unterminated '${' reference (write '$${' for a literal '${')");
}

/* Checks every scalar under NODE as a template. */
static void check_templates_deep(struct ctx *c, const node_t *node, const struct scope *scope)
{
	if (node->kind == FR_Y_SCALAR) {
		check_template(c, node, scope);
		return;
	}
	for (size_t i = 0; i < node->n; i++)
		check_templates_deep(c, node->vals[i], scope);
}

/* Checks a map of string → template (headers, query). */
static void check_strmap(struct ctx *c, const node_t *node, const struct scope *scope)
{
	if (!want_map(c, node))
		return;
	for (size_t i = 0; i < node->n; i++)
		if (want_str(c, node->vals[i]))
			check_template(c, node->vals[i], scope);
}

/* ---- regexes ---- */

/* Compiles NODE's pattern; returns the code (caller frees) or NULL after reporting. */
static pcre2_code *compile_regex(struct ctx *c, const node_t *node)
{
	int err;
	PCRE2_SIZE off;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)node->str, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &err, &off, NULL);

	if (!re) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(err, msg, sizeof msg);
		fr_diag_add(c->diags, fr_ytree_pos_at(node, off), "invalid regex '%s': %s", node->str, (char *)msg);
		return NULL;
	}
	/* a trial match under the run-time limit: a pattern that cannot even
	 * reject the empty string within it would stall the run */
	pcre2_match_context *mc = pcre2_match_context_create(NULL);
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
	pcre2_set_match_limit(mc, REGEX_MATCH_LIMIT);
	int rc = pcre2_match(re, (PCRE2_SPTR) "", 0, 0, 0, md, mc);
	if (rc == PCRE2_ERROR_MATCHLIMIT)
		fr_diag_add(c->diags, node->pos, "regex '%s' exceeds the match limit of %d", node->str,
		            REGEX_MATCH_LIMIT);
	pcre2_match_data_free(md);
	pcre2_match_context_free(mc);
	return re;
}

int fr_validate_regex_groups(const char *pattern)
{
	int err;
	PCRE2_SIZE off;
	uint32_t n = 0;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &err, &off, NULL);

	if (!re)
		return -1;
	pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &n);
	pcre2_code_free(re);
	return (int)n;
}

/* ---- requests ---- */

enum rq_kind { RQ_AUTH, RQ_SETUP, RQ_SCENARIO, RQ_STEP, RQ_PUBLISH };

static const char *const request_keys[] = {"name", "method",  "path",    "url",    "headers", "query", "json",
                                           "body", "timeout", "capture", "weight", "steps",   "each",  NULL};
static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", NULL};
static const char *const group_keys[] = {"name", "weight", "steps", NULL};

/* Checks a JSON path: $ then .key, [N] or [*] parts; sets *list for [*]. */
static int json_path_ok(const char *s, int *list)
{
	if (*s++ != '$')
		return 0;
	while (*s) {
		if (*s == '.') {
			size_t n = 0;
			for (s++; isalnum((unsigned char)s[n]) || s[n] == '_' || s[n] == '-'; n++)
				;
			if (n == 0)
				return 0;
			s += n;
		} else if (s[0] == '[' && s[1] == '*' && s[2] == ']') {
			*list = 1;
			s += 3;
		} else if (*s == '[') {
			size_t n = 0;
			for (s++; isdigit((unsigned char)s[n]); n++)
				;
			if (n == 0 || s[n] != ']')
				return 0;
			s += n + 1;
		} else {
			return 0;
		}
	}
	return 1;
}

/* Checks one capture spec (VAL) of variable KEY; adds the variable to OUT. */
static void check_capture(struct ctx *c, const node_t *key, const node_t *val, struct scope *out)
{
	static const char *const keys[] = {"json", "regex", "group", "header", NULL};
	const node_t *json = fr_ytree_get(val, "json"), *regex = fr_ytree_get(val, "regex");
	const node_t *header = fr_ytree_get(val, "header"), *group = fr_ytree_get(val, "group");
	int list = 0;

	if (!is_ident(key->str, strlen(key->str)))
		fr_diag_add(c->diags, key->pos, "invalid variable name '%s' (use letters, digits and '_')", key->str);
	if (!want_map(c, val))
		return;
	check_keys(c, val, keys);
	if (!!json + !!regex + !!header != 1) {
		fr_diag_add(c->diags, val->pos, "a capture needs exactly one of 'json', 'regex' or 'header'");
	} else if (json && want_str(c, json) && !json_path_ok(json->str, &list)) {
		fr_diag_add(c->diags, json->pos, "invalid JSON path '%s' (expected $ followed by .key, [N] or [*])",
		            json->str);
	} else if (header) {
		want_str(c, header);
	} else if (regex && want_str(c, regex)) {
		pcre2_code *re = compile_regex(c, regex);
		int64_t g = 1;
		uint32_t ngroups = 0;
		if (re)
			pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &ngroups);
		if (group && want_int(c, group, 0, &g) && re && g > (int64_t)ngroups)
			fr_diag_add(c->diags, group->pos, "regex '%s' has %u groups, group %lld does not exist",
			            regex->str, ngroups, (long long)g);
		pcre2_code_free(re);
	}
	if (group && !regex)
		fr_diag_add(c->diags, fr_ytree_key(val, "group")->pos, "'group' is only valid with 'regex'");
	scope_add(out, key->str, list);
}

/* Checks a request's capture mapping; adds its variables to OUT. */
static void check_captures(struct ctx *c, const node_t *node, struct scope *out)
{
	if (!want_map(c, node))
		return;
	for (size_t i = 0; i < node->n; i++)
		check_capture(c, node->keys[i], node->vals[i], out);
}

static void check_request(struct ctx *c, const node_t *node, enum rq_kind kind, struct scope *scope);

/* Checks a group's steps; captures of a step are visible to later steps. */
static void check_group(struct ctx *c, const node_t *node, const struct scope *scope)
{
	const node_t *steps = fr_ytree_get(node, "steps");
	struct scope inner = scope_copy(scope);
	char buf[160];

	for (size_t i = 0; i < node->n; i++) {
		const node_t *k = node->keys[i];
		if (in_list(k->str, request_keys) && !in_list(k->str, group_keys))
			fr_diag_add(c->diags, k->pos, "'%s' is not valid in a group (its steps are the requests)",
			            k->str);
		else if (!in_list(k->str, request_keys))
			fr_diag_add(c->diags, k->pos, "unknown key '%s'%s", k->str,
			            dym(buf, sizeof buf, suggest_list(k->str, group_keys)));
	}
	if (want_seq(c, steps)) {
		if (steps->n == 0)
			fr_diag_add(c->diags, steps->pos, "a group needs at least one step");
		for (size_t i = 0; i < steps->n; i++)
			check_request(c, steps->vals[i], RQ_STEP, &inner);
	}
	scope_free(&inner);
}

/* Reports KEY of a request when it is not valid for KIND; 1 when reported. */
static int misplaced_key(struct ctx *c, const node_t *k, enum rq_kind kind)
{
	if (strcmp(k->str, "weight") == 0 && kind != RQ_SCENARIO)
		fr_diag_add(c->diags, k->pos, "'weight' is only valid in scenario requests");
	else if (strcmp(k->str, "steps") == 0 && kind != RQ_SCENARIO)
		fr_diag_add(c->diags, k->pos, "'steps' is only valid in scenario requests");
	else if (strcmp(k->str, "each") == 0 && kind != RQ_STEP)
		fr_diag_add(c->diags, k->pos, "'each' is only valid in a group step");
	else
		return 0;
	return 1;
}

/* Checks the 'each' key of a group step against the list variables in SCOPE. */
static void check_each(struct ctx *c, const node_t *each, const struct scope *scope)
{
	long i;

	if (!want_str(c, each))
		return;
	i = scope_find(scope, each->str, strlen(each->str));
	if (i < 0)
		fr_diag_add(c->diags, each->pos, "unknown variable '%s' (not captured by an earlier step)", each->str);
	else if (!scope->list[i])
		fr_diag_add(c->diags, each->pos, "variable '%s' is not a list (capture it with a [*] JSON path)",
		            each->str);
}

/* Checks the target of a request: exactly one of path and url. */
static void check_target(struct ctx *c, const node_t *node, const struct scope *scope)
{
	const node_t *path = fr_ytree_get(node, "path"), *url = fr_ytree_get(node, "url");

	if (path && url)
		fr_diag_add(c->diags, fr_ytree_key(node, "url")->pos, "'path' and 'url' are exclusive");
	else if (!path && !url)
		fr_diag_add(c->diags, node->pos, "missing required key 'path' (or 'url')");
	if (path && want_str(c, path)) {
		if (path->str[0] != '/' && strncmp(path->str, "${", 2) != 0)
			fr_diag_add(c->diags, path->pos, "path '%s' must start with '/'", path->str);
		check_template(c, path, scope);
	}
	if (url && want_str(c, url)) {
		if (strncmp(url->str, "http://", 7) != 0 && strncmp(url->str, "https://", 8) != 0 &&
		    strncmp(url->str, "${", 2) != 0)
			fr_diag_add(c->diags, url->pos, "url '%s' must start with http:// or https://", url->str);
		check_template(c, url, scope);
	}
}

/* Checks one request of KIND; its captures are added to SCOPE. */
static void check_request(struct ctx *c, const node_t *node, enum rq_kind kind, struct scope *scope)
{
	const node_t *v, *name = fr_ytree_get(node, "name");
	char buf[160];

	if (!want_map(c, node))
		return;
	if (kind == RQ_SCENARIO || kind == RQ_STEP)
		name = require(c, node, "name");
	if (name && want_str(c, name))
		names_add(c, &c->requests, name->str, name, c->scenario);
	if (fr_ytree_get(node, "steps") && kind == RQ_SCENARIO) {
		check_group(c, node, scope);
		if ((v = fr_ytree_get(node, "weight")))
			want_int(c, v, 1, NULL);
		return;
	}
	for (size_t i = 0; i < node->n; i++) {
		const node_t *k = node->keys[i];
		if (!in_list(k->str, request_keys))
			fr_diag_add(c->diags, k->pos, "unknown key '%s'%s", k->str,
			            dym(buf, sizeof buf, suggest_list(k->str, request_keys)));
		else
			misplaced_key(c, k, kind);
	}
	if ((v = fr_ytree_get(node, "each")) && kind == RQ_STEP)
		check_each(c, v, scope);
	if ((v = fr_ytree_get(node, "method")))
		want_word(c, v, "method", methods);
	check_target(c, node, scope);
	if ((v = fr_ytree_get(node, "headers")))
		check_strmap(c, v, scope);
	if ((v = fr_ytree_get(node, "query")))
		check_strmap(c, v, scope);
	if (fr_ytree_get(node, "json") && fr_ytree_get(node, "body"))
		fr_diag_add(c->diags, fr_ytree_key(node, "body")->pos, "'json' and 'body' are exclusive");
	if ((v = fr_ytree_get(node, "json")))
		check_templates_deep(c, v, scope);
	if ((v = fr_ytree_get(node, "body")) && want_str(c, v))
		check_template(c, v, scope);
	if ((v = fr_ytree_get(node, "timeout")))
		want_dur(c, v, DUR_POSITIVE, NULL);
	if ((v = fr_ytree_get(node, "weight")) && kind == RQ_SCENARIO)
		want_int(c, v, 1, NULL);
	if ((v = fr_ytree_get(node, "capture")))
		check_captures(c, v, scope);
}

/* Checks a sequence of requests of KIND, each seeing the captures of the earlier ones. */
static void check_requests(struct ctx *c, const node_t *node, enum rq_kind kind, struct scope *scope)
{
	if (!want_seq(c, node))
		return;
	for (size_t i = 0; i < node->n; i++)
		check_request(c, node->vals[i], kind, scope);
}

/* ---- top-level sections ---- */

/* Checks target:. */
static void check_target_section(struct ctx *c, const node_t *node)
{
	static const char *const keys[] = {"base_url", "timeout", "headers", "prometheus", NULL};
	const node_t *v;

	if (!want_map(c, node))
		return;
	check_keys(c, node, keys);
	if ((v = require(c, node, "base_url")))
		want_url(c, v, "base_url");
	if ((v = fr_ytree_get(node, "timeout")))
		want_dur(c, v, DUR_POSITIVE, NULL);
	if ((v = fr_ytree_get(node, "headers")))
		check_strmap(c, v, &c->scope);
	if ((v = fr_ytree_get(node, "prometheus")))
		want_url(c, v, "prometheus");
}

/* Checks auth:; its captures join the plan scope. */
static void check_auth(struct ctx *c, const node_t *node)
{
	static const char *const keys[] = {"request", "capture", "headers", NULL};
	const node_t *v;

	if (!want_map(c, node))
		return;
	check_keys(c, node, keys);
	if ((v = require(c, node, "request"))) {
		struct scope none = {0};
		check_request(c, v, RQ_AUTH, &none);
		for (size_t i = 0; i < none.n; i++)
			scope_add(&c->scope, none.names[i], none.list[i]);
		scope_free(&none);
	}
	if ((v = fr_ytree_get(node, "capture")))
		check_captures(c, v, &c->scope);
	if ((v = fr_ytree_get(node, "headers")))
		check_strmap(c, v, &c->scope);
}

/* Checks sweep:; records the parameter name. */
static void check_sweep(struct ctx *c, const node_t *node)
{
	if (!want_map(c, node))
		return;
	if (node->n != 1) {
		fr_diag_add(c->diags, node->pos, "a sweep has exactly one parameter, got %zu", node->n);
		return;
	}
	const node_t *k = node->keys[0], *vals = node->vals[0];
	if (!is_ident(k->str, strlen(k->str)))
		fr_diag_add(c->diags, k->pos, "invalid variable name '%s' (use letters, digits and '_')", k->str);
	c->sweep = k->str;
	if (!want_seq(c, vals))
		return;
	if (vals->n == 0)
		fr_diag_add(c->diags, vals->pos, "sweep '%s' has no values", k->str);
	for (size_t i = 0; i < vals->n; i++)
		want_str(c, vals->vals[i]);
}

/* Checks one stage of a scenario of MODEL (-1: unknown); adds its length to *total. */
static void check_stage(struct ctx *c, const node_t *node, int model, int64_t *total, int *total_ok)
{
	static const char *const keys[] = {"name", "for", "users", "rate", "viewers", NULL};
	static const char *const level_of[] = {"users", "rate", "viewers"};
	static const char *const model_names[] = {"a closed", "an open", "a websocket"};
	const node_t *v;
	int64_t dur;

	if (!want_map(c, node)) {
		*total_ok = 0;
		return;
	}
	check_keys(c, node, keys);
	if ((v = fr_ytree_get(node, "name")) && want_str(c, v))
		names_add(c, &c->stages, v->str, v, 0);
	if ((v = require(c, node, "for")) && want_dur(c, v, DUR_POSITIVE, &dur))
		*total = *total > INT64_MAX - dur ? INT64_MAX : *total + dur;
	else
		*total_ok = 0;
	for (int m = 0; m < 3; m++) {
		const node_t *k = fr_ytree_key(node, level_of[m]);
		if (!k)
			continue;
		v = fr_ytree_get(node, level_of[m]);
		if (model >= 0 && m != model)
			fr_diag_add(c->diags, k->pos, "'%s' is not valid in %s scenario (use '%s')", k->str,
			            model_names[model], level_of[model]);
		else if (m == 1)
			want_rate(c, v);
		else
			want_int(c, v, 0, NULL);
	}
	if (model >= 0 && !fr_ytree_get(node, level_of[model]))
		fr_diag_add(c->diags, node->pos, "missing required key '%s'", level_of[model]);
}

/* Model-specific scenario keys: which models accept them (bit per model). */
static const struct {
	const char *key;
	unsigned models;
} scenario_keys[] = {
        {"name", 7},    {"model", 7},   {"stages", 7},   {"requests", 3},  {"think", 1},
        {"arrival", 2}, {"connect", 4}, {"headers", 4},  {"subscribe", 4}, {"publish", 4},
        {"rate", 4},    {"match", 4},   {"deadline", 4}, {"reconnect", 4},
};

/* Reports scenario keys that are unknown or not valid for MODEL. */
static void check_scenario_keys(struct ctx *c, const node_t *node, int model)
{
	static const char *const all[] = {"name",    "model",   "stages",   "requests",  "think",
	                                  "arrival", "connect", "headers",  "subscribe", "publish",
	                                  "rate",    "match",   "deadline", "reconnect", NULL};
	static const char *const model_names[] = {"a closed", "an open", "a websocket"};
	char buf[160];

	for (size_t i = 0; i < node->n; i++) {
		const node_t *k = node->keys[i];
		size_t j;
		for (j = 0; j < sizeof scenario_keys / sizeof scenario_keys[0]; j++)
			if (strcmp(scenario_keys[j].key, k->str) == 0)
				break;
		if (j == sizeof scenario_keys / sizeof scenario_keys[0])
			fr_diag_add(c->diags, k->pos, "unknown key '%s'%s", k->str,
			            dym(buf, sizeof buf, suggest_list(k->str, all)));
		else if (model >= 0 && !(scenario_keys[j].models & (1u << model)))
			fr_diag_add(c->diags, k->pos, "'%s' is not valid in %s scenario", k->str, model_names[model]);
	}
}

/* Checks the websocket keys of a scenario. */
static void check_ws(struct ctx *c, const node_t *node, const struct scope *scope)
{
	const node_t *v;

	if ((v = require(c, node, "connect")) && want_str(c, v)) {
		if (v->str[0] != '/' && strncmp(v->str, "ws://", 5) != 0 && strncmp(v->str, "wss://", 6) != 0)
			fr_diag_add(c->diags, v->pos, "connect '%s' must be a ws:// or wss:// URL or a path", v->str);
		check_template(c, v, scope);
	}
	if ((v = fr_ytree_get(node, "headers")))
		check_strmap(c, v, scope);
	if ((v = fr_ytree_get(node, "subscribe")) && want_str(c, v))
		check_template(c, v, scope);
	if ((v = fr_ytree_get(node, "publish"))) {
		struct scope s = scope_copy(scope);
		check_request(c, v, RQ_PUBLISH, &s);
		scope_free(&s);
		if (!fr_ytree_get(node, "rate"))
			fr_diag_add(c->diags, node->pos, "missing required key 'rate' (the publish rate)");
	}
	if ((v = fr_ytree_get(node, "rate"))) {
		want_rate(c, v);
		if (!fr_ytree_get(node, "publish"))
			fr_diag_add(c->diags, node->pos, "missing required key 'publish' (the request sent at 'rate')");
	}
	if ((v = fr_ytree_get(node, "match")) && want_str(c, v))
		pcre2_code_free(compile_regex(c, v));
	if ((v = fr_ytree_get(node, "deadline")))
		want_dur(c, v, DUR_POSITIVE, NULL);
	if ((v = fr_ytree_get(node, "reconnect")) && want_map(c, v)) {
		static const char *const keys[] = {"attempts", "delay", NULL};
		const node_t *w;
		check_keys(c, v, keys);
		if ((w = fr_ytree_get(v, "attempts")))
			want_int(c, w, 0, NULL);
		if ((w = fr_ytree_get(v, "delay")))
			want_dur(c, w, DUR_NONNEG, NULL);
	}
}

/* Checks one scenario; the pass is at least as long as its stages. */
static void check_scenario(struct ctx *c, const node_t *node, int index)
{
	static const char *const models[] = {"closed", "open", "websocket", NULL};
	static const char *const arrivals[] = {"uniform", "poisson", NULL};
	const node_t *v;
	int model = -1;
	int64_t total = 0;
	int total_ok = 1;

	if (!want_map(c, node))
		return;
	if ((v = require(c, node, "name")) && want_str(c, v))
		names_add(c, &c->scenarios, v->str, v, index);
	c->scenario = index;
	if ((v = require(c, node, "model")) && want_word(c, v, "model", models))
		for (model = 0; strcmp(models[model], v->str) != 0; model++)
			;
	check_scenario_keys(c, node, model);
	if ((size_t)index < c->nmodels)
		c->models[index] = model;
	c->has_ws |= model == 2;
	if ((v = require(c, node, "stages")) && want_seq(c, v)) {
		if (v->n == 0)
			fr_diag_add(c->diags, v->pos, "a scenario needs at least one stage");
		for (size_t i = 0; i < v->n; i++)
			check_stage(c, v->vals[i], model, &total, &total_ok);
	} else {
		total_ok = 0;
	}
	if (total_ok && total > c->pass_us)
		c->pass_us = total;
	if (!total_ok)
		c->pass_known = 0;
	if (model != 2) {
		struct scope s = scope_copy(&c->scope);
		if ((v = model >= 0 ? require(c, node, "requests") : fr_ytree_get(node, "requests"))) {
			if (v->kind == FR_Y_SEQ && v->n == 0)
				fr_diag_add(c->diags, v->pos, "a scenario needs at least one request");
			for (size_t i = 0; v->kind == FR_Y_SEQ && i < v->n; i++) {
				struct scope r = scope_copy(&s);
				check_request(c, v->vals[i], RQ_SCENARIO, &r);
				scope_free(&r);
			}
			if (v->kind != FR_Y_SEQ)
				want_seq(c, v);
		}
		scope_free(&s);
	}
	if (model == 0 && (v = fr_ytree_get(node, "think")))
		want_dur(c, v, DUR_NONNEG, NULL);
	if (model == 1 && (v = fr_ytree_get(node, "arrival")))
		want_word(c, v, "arrival", arrivals);
	if (model == 2)
		check_ws(c, node, &c->scope);
}

/* Checks scenarios:. */
static void check_scenarios(struct ctx *c, const node_t *node)
{
	if (!want_seq(c, node)) {
		c->pass_known = 0;
		return;
	}
	if (node->n == 0)
		fr_diag_add(c->diags, node->pos, "a plan needs at least one scenario");
	c->nmodels = node->n;
	c->models = xcalloc(node->n ? node->n : 1, sizeof *c->models);
	for (size_t i = 0; i < node->n; i++)
		check_scenario(c, node->vals[i], (int)i);
	c->scenario = -1;
}

/* ---- faults ---- */

static const struct fr_toxic_def toxics[] = {
        {"latency", FR_TOXIC_LATENCY, {{"latency", FR_ATTR_MS, 1}, {"jitter", FR_ATTR_MS, 0}}},
        {"bandwidth", FR_TOXIC_BANDWIDTH, {{"rate", FR_ATTR_KBPS, 1}}},
        {"slow_close", FR_TOXIC_SLOW_CLOSE, {{"delay", FR_ATTR_MS, 1}}},
        {"timeout", FR_TOXIC_TIMEOUT, {{"timeout", FR_ATTR_MS, 1}}},
        {"reset_peer", FR_TOXIC_RESET_PEER, {{"timeout", FR_ATTR_MS, 0}}},
        {"slicer",
         FR_TOXIC_SLICER,
         {{"average_size", FR_ATTR_BYTES, 1}, {"size_variation", FR_ATTR_BYTES, 0}, {"delay", FR_ATTR_US, 0}}},
        {"limit_data", FR_TOXIC_LIMIT_DATA, {{"bytes", FR_ATTR_BYTES, 1}}},
        {"down", FR_TOXIC_DOWN, {{NULL, 0, 0}}},
};

static const char *const toxic_names[] = {"latency", "bandwidth",  "slow_close", "timeout", "reset_peer",
                                          "slicer",  "limit_data", "down",       NULL};
static const char *const fault_keys[] = {"name", "at", "for", "proxies", "toxic", "stream", "toxicity", NULL};

const struct fr_toxic_def *fr_validate_toxic(const char *name)
{
	for (size_t i = 0; i < sizeof toxics / sizeof toxics[0]; i++)
		if (strcmp(toxics[i].name, name) == 0)
			return &toxics[i];
	return NULL;
}

/* The attribute NAME of toxic T, or -1. */
static int toxic_attr(const struct fr_toxic_def *t, const char *name)
{
	for (int i = 0; i < FR_FAULT_MAX_ATTRS && t->attrs[i].name; i++)
		if (strcmp(t->attrs[i].name, name) == 0)
			return i;
	return -1;
}

/* Is NAME an attribute of any toxic? */
static int any_attr(const char *name)
{
	for (size_t i = 0; i < sizeof toxics / sizeof toxics[0]; i++)
		if (toxic_attr(&toxics[i], name) >= 0)
			return 1;
	return 0;
}

/* The text of scalar NODE, or "?" for anything else. */
static const char *text_or_what(const node_t *node)
{
	return node && node->kind == FR_Y_SCALAR ? node->str : "?";
}

char *fr_validate_fault_name(const struct fr_ynode *fault)
{
	const node_t *toxic = fr_ytree_get(fault, "toxic"), *at = fr_ytree_get(fault, "at");
	const node_t *proxies = fr_ytree_get(fault, "proxies");
	size_t len = strlen(text_or_what(toxic)) + strlen(text_or_what(at)) + 3;
	size_t nproxies = proxies && proxies->kind == FR_Y_SEQ ? proxies->n : 0;
	char *name;

	for (size_t i = 0; i < nproxies; i++)
		len += strlen(text_or_what(proxies->vals[i])) + 1;
	name = xmalloc(len);
	snprintf(name, len, "%s-", text_or_what(toxic));
	for (size_t i = 0; i < nproxies; i++) {
		if (i)
			strcat(name, "+");
		strcat(name, text_or_what(proxies->vals[i]));
	}
	strcat(name, "@");
	strcat(name, text_or_what(at));
	return name;
}

/* Checks the attribute keys of a fault against its toxic T (NULL: unknown toxic). */
static void check_fault_attrs(struct ctx *c, const node_t *node, const struct fr_toxic_def *t)
{
	char buf[160];

	for (size_t i = 0; i < node->n; i++) {
		const node_t *k = node->keys[i], *v = node->vals[i];
		if (in_list(k->str, fault_keys))
			continue;
		int a = t ? toxic_attr(t, k->str) : -1;
		if (a < 0 && t && any_attr(k->str)) {
			fr_diag_add(c->diags, k->pos, "attribute '%s' is not valid for toxic '%s'", k->str, t->name);
			continue;
		}
		if (a < 0) {
			if (!t && any_attr(k->str))
				continue;
			const char *cands[FR_FAULT_MAX_ATTRS + 8];
			size_t n = 0;
			for (size_t j = 0; fault_keys[j]; j++)
				cands[n++] = fault_keys[j];
			for (int j = 0; t && j < FR_FAULT_MAX_ATTRS && t->attrs[j].name; j++)
				cands[n++] = t->attrs[j].name;
			cands[n] = NULL;
			fr_diag_add(c->diags, k->pos, "unknown key '%s'%s", k->str,
			            dym(buf, sizeof buf, suggest_list(k->str, cands)));
			continue;
		}
		int64_t x;
		char *err = NULL;
		switch (t->attrs[a].unit) {
		case FR_ATTR_MS:
			if (want_dur(c, v, DUR_NONNEG, &x) && x % 1000 != 0)
				fr_diag_add(c->diags, v->pos, "'%s' must be a whole number of milliseconds, got '%s'",
				            k->str, v->str);
			break;
		case FR_ATTR_US: want_dur(c, v, DUR_NONNEG, NULL); break;
		case FR_ATTR_KBPS:
			if (want_str(c, v) && fr_units_bandwidth(v->str, &x, &err) < 0) {
				fr_diag_add(c->diags, v->pos, "%s", err);
				free(err);
			}
			break;
		case FR_ATTR_BYTES: want_int(c, v, 0, NULL); break;
		}
	}
	for (int j = 0; t && j < FR_FAULT_MAX_ATTRS && t->attrs[j].name; j++)
		if (t->attrs[j].required && !fr_ytree_get(node, t->attrs[j].name))
			fr_diag_add(c->diags, node->pos, "missing required key '%s' (for toxic '%s')", t->attrs[j].name,
			            t->name);
}

/* Records the window of a fault on one proxy, for the overlap check. */
static void add_window(struct ctx *c, const char *proxy, int64_t at, int64_t end, const char *fault, const node_t *node)
{
	if (c->nwindows == c->capwindows) {
		c->capwindows = c->capwindows ? c->capwindows * 2 : 64;
		c->windows = xreallocarray(c->windows, c->capwindows, sizeof *c->windows);
	}
	c->windows[c->nwindows++] = (struct window){proxy, at, end, fault, node};
}

/* Checks the proxies of a fault: known to the proxies file, no repeats. */
static void check_fault_proxies(struct ctx *c, const node_t *list)
{
	char buf[160];

	if (!want_seq(c, list))
		return;
	if (list->n == 0)
		fr_diag_add(c->diags, list->pos, "a fault needs at least one proxy");
	for (size_t i = 0; i < list->n; i++) {
		const node_t *p = list->vals[i];
		if (!want_str(c, p) || !c->proxies_known)
			continue;
		const char *cands[65];
		size_t n = 0, j, found = 0;
		for (j = 0; j < c->nproxies; j++) {
			if (strcmp(c->proxies[j].name, p->str) == 0)
				found = 1;
			if (n < 64)
				cands[n++] = c->proxies[j].name;
		}
		cands[n] = NULL;
		if (!found)
			fr_diag_add(c->diags, p->pos, "unknown proxy '%s'%s", p->str,
			            dym(buf, sizeof buf, suggest_list(p->str, cands)));
	}
}

/* Checks one fault of the timeline. */
static void check_fault(struct ctx *c, const node_t *node, int index)
{
	static const char *const streams[] = {"downstream", "upstream", NULL};
	const node_t *v, *proxies, *at, *dur, *name;
	const struct fr_toxic_def *t = NULL;
	int64_t at_us = 0, dur_us = 0;
	int timed;

	if (!want_map(c, node))
		return;
	if ((v = require(c, node, "toxic")) && want_word(c, v, "toxic type", toxic_names))
		t = fr_validate_toxic(v->str);
	check_fault_attrs(c, node, t);
	at = require(c, node, "at");
	dur = require(c, node, "for");
	timed = at && want_dur(c, at, DUR_NONNEG, &at_us);
	timed = dur && want_dur(c, dur, DUR_POSITIVE, &dur_us) && timed;
	if ((proxies = require(c, node, "proxies")))
		check_fault_proxies(c, proxies);
	if ((v = fr_ytree_get(node, "stream")))
		want_word(c, v, "stream", streams);
	if ((v = fr_ytree_get(node, "toxicity")) && want_str(c, v)) {
		char *end;
		double x = strtod(v->str, &end);
		if (*end || end == v->str || !(x >= 0 && x <= 1))
			fr_diag_add(c->diags, v->pos, "toxicity must be a number between 0 and 1, got '%s'", v->str);
	}
	char *fault_name = NULL;
	if ((name = fr_ytree_get(node, "name")) && want_str(c, name)) {
		names_add(c, &c->faults, name->str, name, index);
	} else if (!name && t && proxies && proxies->kind == FR_Y_SEQ && at && at->kind == FR_Y_SCALAR) {
		fault_name = fr_validate_fault_name(node);
		c->owned = xreallocarray(c->owned, c->nowned + 1, sizeof *c->owned);
		c->owned[c->nowned++] = fault_name;
		names_add(c, &c->faults, fault_name, node, index);
	}
	const char *label = name && name->kind == FR_Y_SCALAR ? name->str : fault_name;
	if (timed && c->pass_known && c->pass_us > 0 && at_us + dur_us > c->pass_us) {
		char end[FR_FMT_LEN], pass[FR_FMT_LEN];
		fr_diag_add(c->diags, node->pos, "fault '%s' ends at %s, after the end of the pass at %s",
		            label ? label : "?", fr_fmt_plan_duration(end, sizeof end, at_us + dur_us),
		            fr_fmt_plan_duration(pass, sizeof pass, c->pass_us));
	}
	if (timed && label && proxies && proxies->kind == FR_Y_SEQ)
		for (size_t i = 0; i < proxies->n; i++)
			if (proxies->vals[i]->kind == FR_Y_SCALAR)
				add_window(c, proxies->vals[i]->str, at_us, at_us + dur_us, label, node);
}

/* Orders fault windows by proxy, then start, then position. */
static int window_cmp(const void *va, const void *vb)
{
	const struct window *a = va, *b = vb;
	int r = strcmp(a->proxy, b->proxy);

	if (r)
		return r;
	if (a->at != b->at)
		return a->at < b->at ? -1 : 1;
	if (a->node->pos.line != b->node->pos.line)
		return a->node->pos.line < b->node->pos.line ? -1 : 1;
	return (a->node->pos.col > b->node->pos.col) - (a->node->pos.col < b->node->pos.col);
}

/* Reports faults whose windows overlap on one proxy. */
static void check_overlaps(struct ctx *c)
{
	if (c->nwindows < 2)
		return;
	qsort(c->windows, c->nwindows, sizeof *c->windows, window_cmp);
	for (size_t i = 1, open = 0; i < c->nwindows; i++) {
		const struct window *w = &c->windows[i], *o = &c->windows[open];
		if (strcmp(w->proxy, o->proxy) != 0) {
			open = i;
			continue;
		}
		if (w->at < o->end) {
			fr_diag_add(c->diags, w->node->pos,
			            "fault '%s' overlaps fault '%s' on proxy '%s' (defined at %s:%d:%d)", w->fault,
			            o->fault, w->proxy, o->node->pos.file, o->node->pos.line, o->node->pos.col);
		}
		if (w->end > o->end)
			open = i;
	}
}

/* Loads the proxies file named by NODE (relative to its file). */
static void check_proxies_file(struct ctx *c, const node_t *node)
{
	char *path, *err = NULL;

	if (!want_str(c, node))
		return;
	path = fr_plan_resolve(node->pos.file, node->str);
	if (fr_validate_read_proxies(path, &c->proxies, &c->nproxies, &err) < 0) {
		fr_diag_add(c->diags, node->pos, "%s", err);
		free(err);
	} else {
		c->proxies_known = 1;
	}
	free(path);
}

/* Checks faults:. */
static void check_faults(struct ctx *c, const node_t *node)
{
	static const char *const keys[] = {"toxiproxy", "proxies", "timeline", NULL};
	const node_t *v, *tl = fr_ytree_get(node, "timeline");

	if (!want_map(c, node))
		return;
	check_keys(c, node, keys);
	if ((v = fr_ytree_get(node, "toxiproxy")))
		want_url(c, v, "toxiproxy");
	else if (tl && tl->kind == FR_Y_SEQ && tl->n > 0)
		fr_diag_add(c->diags, node->pos, "missing required key 'toxiproxy'");
	if ((v = fr_ytree_get(node, "proxies")))
		check_proxies_file(c, v);
	if (tl && want_seq(c, tl)) {
		c->has_faults = tl->n > 0;
		for (size_t i = 0; i < tl->n; i++)
			check_fault(c, tl->vals[i], (int)i);
		check_overlaps(c);
	}
}

/* ---- SLOs ---- */

static const char *const stat_keys[] = {"p50", "p75",  "p90",        "p95",  "p99", "p99.9",
                                        "max", "mean", "error_rate", "lost", NULL};
static const char *const slo_keys[] = {"name", "scenario", "request",    "series", "during", "metric",
                                       "p50",  "p75",      "p90",        "p95",    "p99",    "p99.9",
                                       "max",  "mean",     "error_rate", "lost",   NULL};

/* Is S a Prometheus metric name? */
static int metric_name_ok(const char *s, size_t len)
{
	if (len == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_' || s[0] == ':'))
		return 0;
	for (size_t i = 1; i < len; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == ':'))
			return 0;
	return 1;
}

/* Parses a selector name{label="value",…}; returns the offset of the first error or -1. */
static long selector_error(const char *s, const char **why)
{
	size_t i = 0;

	while (isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == ':')
		i++;
	if (!metric_name_ok(s, i))
		return *why = "expected a metric name", 0;
	if (s[i] == '\0')
		return -1;
	if (s[i++] != '{')
		return *why = "expected '{'", (long)i - 1;
	while (s[i] != '}') {
		size_t st = i;
		while (isalnum((unsigned char)s[i]) || s[i] == '_')
			i++;
		if (i == st || isdigit((unsigned char)s[st]))
			return *why = "expected a label name", (long)st;
		if (s[i] == '=' && s[i + 1] != '~')
			i++;
		else if ((s[i] == '!' || s[i] == '=') && (s[i + 1] == '=' || s[i + 1] == '~'))
			i += 2;
		else
			return *why = "expected '=', '!=', '=~' or '!~'", (long)i;
		if (s[i] != '"')
			return *why = "expected a quoted value", (long)i;
		for (i++; s[i] && s[i] != '"'; i++)
			if (s[i] == '\\' && s[i + 1])
				i++;
		if (s[i] != '"')
			return *why = "unterminated label value", (long)i;
		i++;
		if (s[i] == ',')
			i++;
		else if (s[i] != '}')
			return *why = "expected ',' or '}'", (long)i;
	}
	if (s[i + 1] != '\0')
		return *why = "unexpected text after '}'", (long)i + 1;
	return -1;
}

/* Checks during: of an SLO. */
static void check_during(struct ctx *c, const node_t *v)
{
	static const char *const forms[] = {"run", "each-stage", "no-fault", "stage:", "fault:", "after-faults+", NULL};
	char buf[160];

	if (!want_str(c, v))
		return;
	const char *s = v->str;
	if (strcmp(s, "run") == 0 || strcmp(s, "each-stage") == 0 || strcmp(s, "no-fault") == 0)
		return;
	if (strncmp(s, "stage:", 6) == 0 || strncmp(s, "fault:", 6) == 0) {
		const struct names *t = s[0] == 's' ? &c->stages : &c->faults;
		const char *ref = s + 6;
		if (!names_get(t, ref))
			fr_diag_add(c->diags, v->pos, "unknown %s '%s'%s", t->what, ref,
			            dym(buf, sizeof buf, names_suggest(c, t, ref)));
		return;
	}
	if (strncmp(s, "after-faults+", 13) == 0) {
		int64_t us;
		char *err = NULL;
		if (fr_units_duration(s + 13, &us, &err) < 0) {
			fr_diag_add(c->diags, v->pos, "%s", err);
			free(err);
		} else if (us < 0) {
			fr_diag_add(c->diags, v->pos, "duration '%s' must not be negative", s + 13);
		} else if (us > MAX_DURATION_US) {
			fr_diag_add(c->diags, v->pos, "duration '%s' is longer than the limit of 720h", s + 13);
		}
		if (!c->has_faults)
			fr_diag_add(c->diags, v->pos, "'after-faults' needs a fault timeline");
		return;
	}
	const char *best = suggest_list(s, forms);
	if (best)
		fr_diag_add(c->diags, v->pos, "invalid window '%s'%s", s, dym(buf, sizeof buf, best));
	else
		fr_diag_add(c->diags, v->pos,
		            "invalid window '%s' (expected run, each-stage, stage:NAME, fault:NAME, no-fault or "
		            "after-faults+DURATION)",
		            s);
}

/* Checks the threshold of stat KEY (a key node) with value V. */
static void check_threshold(struct ctx *c, const node_t *key, const node_t *v)
{
	struct fr_threshold thr;
	char *err = NULL;

	if (!want_str(c, v))
		return;
	if (fr_units_threshold(v->str, &thr, &err) < 0) {
		fr_diag_add(c->diags, v->pos, "%s", err);
		free(err);
		return;
	}
	if (strcmp(key->str, "error_rate") == 0) {
		if (thr.kind != FR_THR_PERCENT)
			fr_diag_add(c->diags, v->pos, "threshold '%s' of 'error_rate' needs a percentage", v->str);
	} else if (strcmp(key->str, "lost") == 0) {
		if (thr.kind == FR_THR_DURATION)
			fr_diag_add(c->diags, v->pos, "threshold '%s' of 'lost' needs a percentage or a count", v->str);
	} else if (thr.kind != FR_THR_DURATION) {
		if (thr.kind == FR_THR_COUNT)
			fr_diag_add(c->diags, v->pos, "threshold '%s' of '%s' needs a unit (us, ms, s, m, h)", v->str,
			            key->str);
		else
			fr_diag_add(c->diags, v->pos, "threshold '%s' of '%s' needs a duration", v->str, key->str);
	}
	if (thr.value < 0)
		fr_diag_add(c->diags, v->pos, "threshold '%s' must not be negative", v->str);
}

/* Reports a websocket-only series or stat (node V, a WHAT) outside websocket scenarios. */
static void check_ws_only(struct ctx *c, const node_t *v, const char *what, const struct slot *scen)
{
	static const char *const models[] = {"closed", "open"};
	int m = scen && (size_t)scen->aux < c->nmodels ? c->models[scen->aux] : -1;

	if (scen && (m == 0 || m == 1))
		fr_diag_add(c->diags, v->pos, "%s '%s' is only measured for websocket scenarios ('%s' is %s)", what,
		            v->str, scen->name, models[m]);
	else if (!scen && !c->has_ws)
		fr_diag_add(c->diags, v->pos, "%s '%s' is only measured for websocket scenarios (the plan has none)",
		            what, v->str);
}

/* Checks one SLO. */
static void check_slo(struct ctx *c, const node_t *node, int has_prometheus)
{
	static const char *const series[] = {"latency", "service", "delivery", "connect", NULL};
	const node_t *v, *stat = NULL, *scen = NULL, *req;
	const struct slot *ss = NULL, *rs = NULL;

	if (!want_map(c, node))
		return;
	check_keys(c, node, slo_keys);
	if ((v = require(c, node, "name")) && want_str(c, v))
		names_add(c, &c->slos, v->str, v, 0);
	for (size_t i = 0; i < node->n; i++) {
		if (!in_list(node->keys[i]->str, stat_keys))
			continue;
		if (stat)
			fr_diag_add(c->diags, node->keys[i]->pos, "an SLO has exactly one stat key, got '%s' and '%s'",
			            stat->str, node->keys[i]->str);
		else
			check_threshold(c, stat = node->keys[i], node->vals[i]);
	}
	if (!stat)
		fr_diag_add(c->diags, node->pos,
		            "missing stat key (one of p50, p75, p90, p95, p99, p99.9, max, mean, error_rate, lost)");
	if ((scen = fr_ytree_get(node, "scenario")) && want_str(c, scen))
		ss = resolve(c, &c->scenarios, scen);
	if ((req = fr_ytree_get(node, "request")) && want_str(c, req))
		rs = resolve(c, &c->requests, req);
	if (rs && rs->aux == UNTIMED)
		fr_diag_add(c->diags, req->pos,
		            "request '%s' is not measured (auth, setup and teardown requests are untimed)", req->str);
	else if (ss && rs && ss->aux != rs->aux)
		fr_diag_add(c->diags, req->pos, "request '%s' is not in scenario '%s'", req->str, scen->str);
	if ((v = fr_ytree_get(node, "series")) && want_word(c, v, "series", series) &&
	    (strcmp(v->str, "delivery") == 0 || strcmp(v->str, "connect") == 0))
		check_ws_only(c, v, "series", ss);
	if (stat && strcmp(stat->str, "lost") == 0)
		check_ws_only(c, stat, "stat", ss);
	if ((v = fr_ytree_get(node, "during")))
		check_during(c, v);
	if ((v = fr_ytree_get(node, "metric")) && want_str(c, v)) {
		const char *why = NULL;
		long off = selector_error(v->str, &why);
		if (off >= 0)
			fr_diag_add(c->diags, fr_ytree_pos_at(v, (size_t)off), "invalid metric selector '%s': %s",
			            v->str, why);
		if (!has_prometheus)
			fr_diag_add(c->diags, v->pos, "'metric' needs 'prometheus' in 'target'");
	}
}

/* Checks slos:. */
static void check_slos(struct ctx *c, const node_t *node, int has_prometheus)
{
	if (!want_seq(c, node))
		return;
	for (size_t i = 0; i < node->n; i++)
		check_slo(c, node->vals[i], has_prometheus);
}

/* Checks version: and name: of the plan. */
static void check_header(struct ctx *c, const node_t *root)
{
	const node_t *v;
	int64_t version;

	if ((v = require(c, root, "version")) && want_int(c, v, 0, &version) && version != 1)
		fr_diag_add(c->diags, v->pos, "unsupported version %lld (this flowrun reads version 1)",
		            (long long)version);
	if ((v = require(c, root, "name")) && want_str(c, v)) {
		const char *s = v->str;
		int ok = (islower((unsigned char)s[0]) || isdigit((unsigned char)s[0]));
		for (size_t i = 1; ok && s[i]; i++)
			ok = islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || strchr("._-", s[i]);
		if (!ok)
			fr_diag_add(c->diags, v->pos,
			            "invalid plan name '%s' (use a-z, 0-9, '.', '_' and '-', starting with a letter or "
			            "digit)",
			            s);
	}
	if ((v = fr_ytree_get(root, "description")))
		want_str(c, v);
	if ((v = fr_ytree_get(root, "extends")))
		want_str(c, v);
}

/* Records every variable captured anywhere under NODE (first capture wins). */
static void collect_captures(struct ctx *c, const node_t *node)
{
	if (node->kind == FR_Y_SCALAR)
		return;
	for (size_t i = 0; i < node->n; i++) {
		const node_t *v = node->vals[i];
		if (node->kind == FR_Y_MAP && strcmp(node->keys[i]->str, "capture") == 0 && v->kind == FR_Y_MAP) {
			for (size_t k = 0; k < v->n; k++) {
				names_grow(&c->captured);
				struct slot *s = names_slot(&c->captured, v->keys[k]->str);
				if (!s->name) {
					*s = (struct slot){v->keys[k]->str, v->keys[k], 0};
					c->captured.n++;
				}
			}
		}
		collect_captures(c, v);
	}
}

size_t fr_validate(const struct fr_ynode *root, struct fr_diags *diags)
{
	static const char *const keys[] = {"version",  "name",  "description", "extends", "target", "auth", "setup",
	                                   "teardown", "sweep", "scenarios",   "faults",  "slos",   NULL};
	struct ctx c = {.diags = diags, .start = diags->n, .pass_known = 1};
	const node_t *v, *target = fr_ytree_get(root, "target");

	c.requests.what = "request";
	c.scenarios.what = "scenario";
	c.stages.what = "stage";
	c.faults.what = "fault";
	c.slos.what = "SLO";
	c.captured.what = "capture";
	c.scenario = UNTIMED; /* auth and setup come first */
	collect_captures(&c, root);
	check_keys(&c, root, keys);
	check_header(&c, root);
	if ((v = fr_ytree_get(root, "sweep")))
		check_sweep(&c, v);
	if ((v = fr_ytree_get(root, "auth")))
		check_auth(&c, v);
	if ((v = fr_ytree_get(root, "setup")))
		check_requests(&c, v, RQ_SETUP, &c.scope);
	if ((v = require(&c, root, "target")))
		check_target_section(&c, v);
	if ((v = require(&c, root, "scenarios")))
		check_scenarios(&c, v);
	else
		c.pass_known = 0;
	c.scenario = UNTIMED;
	if ((v = fr_ytree_get(root, "teardown"))) {
		struct scope s = scope_copy(&c.scope);
		check_requests(&c, v, RQ_SETUP, &s);
		scope_free(&s);
	}
	if ((v = fr_ytree_get(root, "faults")))
		check_faults(&c, v);
	if ((v = fr_ytree_get(root, "slos")))
		check_slos(&c, v, fr_ytree_get(target, "prometheus") != NULL);
	struct names *tables[] = {&c.requests, &c.scenarios, &c.stages, &c.faults, &c.slos, &c.captured};
	for (size_t t = 0; t < 6; t++)
		free(tables[t]->slots);
	for (size_t i = 0; i < c.nowned; i++)
		free(c.owned[i]);
	free(c.owned);
	scope_free(&c.scope);
	free(c.windows);
	free(c.models);
	fr_validate_free_proxies(c.proxies, c.nproxies);
	return diags->n - c.start;
}

/* ---- proxies file ---- */

int fr_validate_read_proxies(const char *path, struct fr_proxy **proxies_out, size_t *n_out, char **err_out)
{
	json_error_t jerr;
	json_t *root;
	struct stat st;
	FILE *f;

	*proxies_out = NULL;
	*n_out = 0;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		*err_out = xasprintf("cannot read proxies file '%s': not a regular file", path);
		return -1;
	}
	if (stat(path, &st) == 0 && st.st_size > (16 << 20)) {
		*err_out = xasprintf("proxies file '%s' is larger than 16 MiB", path);
		return -1;
	}
	f = fopen(path, "r");
	if (!f) {
		*err_out = xasprintf("cannot read proxies file '%s': %s", path, strerror(errno));
		return -1;
	}
	root = json_loadf(f, 0, &jerr);
	fclose(f);
	if (!root) {
		*err_out = xasprintf("invalid proxies file '%s': %s at line %d", path, jerr.text, jerr.line);
		return -1;
	}
	if (!json_is_array(root)) {
		*err_out = xasprintf("invalid proxies file '%s': expected a list of {name, listen, upstream}", path);
		json_decref(root);
		return -1;
	}
	size_t n = json_array_size(root);
	struct fr_proxy *p = xcalloc(n ? n : 1, sizeof *p);
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_array_get(root, i);
		const char *name = json_string_value(json_object_get(o, "name"));
		const char *listen = json_string_value(json_object_get(o, "listen"));
		const char *upstream = json_string_value(json_object_get(o, "upstream"));
		if (!name || !listen || !upstream) {
			*err_out = xasprintf("invalid proxies file '%s': entry %zu needs string 'name', 'listen' and "
			                     "'upstream'",
			                     path, i + 1);
			fr_validate_free_proxies(p, i);
			json_decref(root);
			return -1;
		}
		p[i].name = xstrdup(name);
		p[i].listen = xstrdup(listen);
		p[i].upstream = xstrdup(upstream);
	}
	json_decref(root);
	*proxies_out = p;
	*n_out = n;
	return 0;
}

void fr_validate_free_proxies(struct fr_proxy *proxies, size_t n)
{
	for (size_t i = 0; proxies && i < n; i++) {
		free(proxies[i].name);
		free(proxies[i].listen);
		free(proxies[i].upstream);
	}
	free(proxies);
}
