/* validate_request.c: requests, groups and captures (see validate_request.h). */
#include "plan/validate_request.h"

#include <string.h>

#include "plan/suggest.h"
#include "plan/syntax.h"

typedef struct fr_ynode node_t;

/* Checks the capture spec VAL of variable KEY; adds the variable to OUT. */
static void check_capture(struct fr_check *c, const node_t *key, const node_t *val, struct fr_scope *out)
{
	const node_t *json = fr_grammar_get(val, FR_K_CAP_JSON), *regex = fr_grammar_get(val, FR_K_CAP_REGEX);
	const node_t *header = fr_grammar_get(val, FR_K_CAP_HEADER), *group = fr_grammar_get(val, FR_K_CAP_GROUP);
	const char *n_json = fr_grammar_keys[FR_K_CAP_JSON].name, *n_regex = fr_grammar_keys[FR_K_CAP_REGEX].name;
	int list = 0;

	if (!fr_syntax_ident(key->str, strlen(key->str)))
		fr_diag_add(c->diags, key->pos, "invalid variable name '%s' (use letters, digits and '_')", key->str);
	if (!fr_check_map(c, val))
		return;
	fr_check_keys(c, val, FR_GM_CAPTURE);
	if (!!json + !!regex + !!header != 1) {
		fr_diag_add(c->diags, val->pos, "a capture needs exactly one of '%s', '%s' or '%s'", n_json, n_regex,
		            fr_grammar_keys[FR_K_CAP_HEADER].name);
	} else if (json && fr_check_str(c, json) && !fr_syntax_json_path(json->str, &list)) {
		fr_diag_add(c->diags, json->pos, "invalid JSON path '%s' (expected $ followed by .key, [N] or [*])",
		            json->str);
	} else if (header) {
		fr_check_str(c, header);
	} else if (regex && fr_check_str(c, regex)) {
		long ngroups = fr_check_regex(c, regex);
		int64_t g = 1;
		if (group && fr_check_int(c, group, 0, &g) && ngroups >= 0 && g > ngroups)
			fr_diag_add(c->diags, group->pos, "regex '%s' has %ld groups, group %lld does not exist",
			            regex->str, ngroups, (long long)g);
	}
	if (group && !regex)
		fr_diag_add(c->diags, fr_grammar_key(val, FR_K_CAP_GROUP)->pos, "'%s' is only valid with '%s'",
		            fr_grammar_keys[FR_K_CAP_GROUP].name, n_regex);
	fr_scope_add(out, key->str, list);
}

/* A capture per variable, in the order written. */
void fr_validate_request_captures(struct fr_check *c, const node_t *node, struct fr_scope *out)
{
	if (!fr_check_map(c, node))
		return;
	for (size_t i = 0; i < node->n; i++)
		check_capture(c, node->keys[i], node->vals[i], out);
}

/* Checks a group: only its own keys, then its steps; captures of a step are
 * visible to later steps only. */
static void check_group(struct fr_check *c, const node_t *node, const struct fr_scope *scope)
{
	const node_t *steps = fr_grammar_get(node, FR_K_REQ_STEPS);
	struct fr_scope inner = fr_scope_copy(scope);
	const char *group_keys[FR_GRAMMAR_MAX_KEYS + 1];

	fr_grammar_names(FR_GM_REQUEST, FR_GK_GROUP, group_keys);
	for (size_t i = 0; i < node->n; i++) {
		const node_t *k = node->keys[i];
		if (fr_grammar_find(FR_GM_REQUEST, k->str) == FR_K_COUNT)
			fr_check_unknown_key(c, k, group_keys);
		else if (!fr_suggest_has(group_keys, k->str))
			fr_diag_add(c->diags, k->pos, "'%s' is not valid in a group (its steps are the requests)",
			            k->str);
	}
	if (fr_check_seq(c, steps)) {
		if (steps->n == 0)
			fr_diag_add(c->diags, steps->pos, "a group needs at least one step");
		for (size_t i = 0; i < steps->n; i++)
			fr_validate_request(c, steps->vals[i], FR_RQ_STEP, &inner);
	}
	fr_scope_free(&inner);
}

/* Reports request key K when it is not valid where a request of KIND is. */
static void check_placement(struct fr_check *c, const node_t *k, enum fr_gkey key, enum fr_request_kind kind)
{
	unsigned flags = fr_grammar_keys[key].flags;

	if (flags & FR_GK_SCENARIO_ONLY && kind != FR_RQ_SCENARIO)
		fr_diag_add(c->diags, k->pos, "'%s' is only valid in scenario requests", k->str);
	else if (flags & FR_GK_STEP_ONLY && kind != FR_RQ_STEP)
		fr_diag_add(c->diags, k->pos, "'%s' is only valid in a group step", k->str);
}

/* A step fans out over a list variable captured by an earlier step. */
static void check_each(struct fr_check *c, const node_t *each, const struct fr_scope *scope)
{
	long i;

	if (!fr_check_str(c, each))
		return;
	i = fr_scope_find(scope, each->str, strlen(each->str));
	if (i < 0)
		fr_diag_add(c->diags, each->pos, "unknown variable '%s' (not captured by an earlier step)", each->str);
	else if (!scope->list[i])
		fr_diag_add(c->diags, each->pos, "variable '%s' is not a list (capture it with a [*] JSON path)",
		            each->str);
}

/* Checks where a request goes: exactly one of a path on the target and an
 * absolute URL; either may start with a variable. */
static void check_target(struct fr_check *c, const node_t *node, const struct fr_scope *scope)
{
	const node_t *path = fr_grammar_get(node, FR_K_REQ_PATH), *url = fr_grammar_get(node, FR_K_REQ_URL);
	const char *n_path = fr_grammar_keys[FR_K_REQ_PATH].name, *n_url = fr_grammar_keys[FR_K_REQ_URL].name;

	if (path && url)
		fr_diag_add(c->diags, fr_grammar_key(node, FR_K_REQ_URL)->pos, "'%s' and '%s' are exclusive", n_path,
		            n_url);
	else if (!path && !url)
		fr_diag_add(c->diags, node->pos, "missing required key '%s' (or '%s')", n_path, n_url);
	if (path && fr_check_str(c, path)) {
		if (path->str[0] != '/' && strncmp(path->str, "${", 2) != 0)
			fr_diag_add(c->diags, path->pos, "path '%s' must start with '/'", path->str);
		fr_check_template(c, path, scope);
	}
	if (url && fr_check_str(c, url)) {
		if (strncmp(url->str, "http://", 7) != 0 && strncmp(url->str, "https://", 8) != 0 &&
		    strncmp(url->str, "${", 2) != 0)
			fr_diag_add(c->diags, url->pos, "url '%s' must start with http:// or https://", url->str);
		fr_check_template(c, url, scope);
	}
}

/* Named requests join the plan's request names with the scenario being checked. */
void fr_validate_request(struct fr_check *c, const node_t *node, enum fr_request_kind kind, struct fr_scope *scope)
{
	const node_t *v, *name = fr_grammar_get(node, FR_K_REQ_NAME);

	if (!fr_check_map(c, node))
		return;
	if (kind == FR_RQ_SCENARIO || kind == FR_RQ_STEP)
		name = fr_check_require(c, node, FR_K_REQ_NAME);
	if (name && fr_check_str(c, name))
		fr_check_name(c, &c->requests, name->str, name, c->scenario);
	if (fr_grammar_get(node, FR_K_REQ_STEPS) && kind == FR_RQ_SCENARIO) {
		check_group(c, node, scope);
		fr_check_key(c, node, FR_K_REQ_WEIGHT, scope);
		return;
	}
	for (size_t i = 0; i < node->n; i++) {
		enum fr_gkey key = fr_check_known_key(c, node->keys[i], FR_GM_REQUEST);
		if (key != FR_K_COUNT)
			check_placement(c, node->keys[i], key, kind);
	}
	if ((v = fr_grammar_get(node, FR_K_REQ_EACH)) && kind == FR_RQ_STEP)
		check_each(c, v, scope);
	fr_check_key(c, node, FR_K_REQ_METHOD, scope);
	check_target(c, node, scope);
	fr_check_key(c, node, FR_K_REQ_HEADERS, scope);
	fr_check_key(c, node, FR_K_REQ_QUERY, scope);
	if (fr_grammar_get(node, FR_K_REQ_JSON) && fr_grammar_get(node, FR_K_REQ_BODY))
		fr_diag_add(c->diags, fr_grammar_key(node, FR_K_REQ_BODY)->pos, "'%s' and '%s' are exclusive",
		            fr_grammar_keys[FR_K_REQ_JSON].name, fr_grammar_keys[FR_K_REQ_BODY].name);
	if ((v = fr_grammar_get(node, FR_K_REQ_JSON)))
		fr_check_templates_deep(c, v, scope);
	fr_check_key(c, node, FR_K_REQ_BODY, scope);
	fr_check_key(c, node, FR_K_REQ_TIMEOUT, scope);
	if (kind == FR_RQ_SCENARIO)
		fr_check_key(c, node, FR_K_REQ_WEIGHT, scope);
	if ((v = fr_grammar_get(node, FR_K_REQ_CAPTURE)))
		fr_validate_request_captures(c, v, scope);
}

/* Each request sees the captures of the ones before it. */
void fr_validate_requests(struct fr_check *c, const node_t *node, enum fr_request_kind kind, struct fr_scope *scope)
{
	if (!fr_check_seq(c, node))
		return;
	for (size_t i = 0; i < node->n; i++)
		fr_validate_request(c, node->vals[i], kind, scope);
}
