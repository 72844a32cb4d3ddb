/* validate.c: the order of the checks of a plan, and its plan-level keys (see validate.h).
 *
 * Sections are checked in an order that lets later ones resolve names the
 * earlier ones define: the header and the sweep, auth and setup (their
 * captures become variables of the whole plan), target, scenarios (request
 * and stage names, the length of a pass), teardown, faults (fault names,
 * proxies), then SLOs, which name all of those. Every capture of the plan is
 * collected first, so that a variable used before its capture is reported as
 * such rather than as unknown.
 */
#include "plan/validate.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "plan/check.h"
#include "plan/syntax.h"
#include "plan/validate_fault.h"
#include "plan/validate_request.h"
#include "plan/validate_scenario.h"
#include "plan/validate_slo.h"

typedef struct fr_ynode node_t;

/* Is S a plan name: a-z, 0-9, '.', '_' and '-', starting with a letter or digit? */
static int plan_name_ok(const char *s)
{
	int ok = islower((unsigned char)s[0]) || isdigit((unsigned char)s[0]);

	for (size_t i = 1; ok && s[i]; i++)
		ok = islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || strchr("._-", s[i]);
	return ok;
}

/* Checks version:, name:, description: and extends: of the plan. */
static void check_header(struct fr_check *c, const node_t *root)
{
	const node_t *v;
	int64_t version;

	if ((v = fr_check_require(c, root, FR_K_VERSION)) &&
	    fr_check_int(c, v, fr_grammar_keys[FR_K_VERSION].min, &version) && version != 1)
		fr_diag_add(c->diags, v->pos, "unsupported version %lld (this flowrun reads version 1)",
		            (long long)version);
	if ((v = fr_check_key(c, root, FR_K_NAME, NULL)) && !plan_name_ok(v->str))
		fr_diag_add(c->diags, v->pos,
		            "invalid plan name '%s' (use a-z, 0-9, '.', '_' and '-', starting with a letter or digit)",
		            v->str);
	fr_check_key(c, root, FR_K_DESCRIPTION, NULL);
	fr_check_key(c, root, FR_K_EXTENDS, NULL);
}

/* Checks sweep:; records the parameter name, a variable of every template. */
static void check_sweep(struct fr_check *c, const node_t *node)
{
	if (!fr_check_map(c, node))
		return;
	if (node->n != 1) {
		fr_diag_add(c->diags, node->pos, "a sweep has exactly one parameter, got %zu", node->n);
		return;
	}
	const node_t *k = node->keys[0], *vals = node->vals[0];
	if (!fr_syntax_ident(k->str, strlen(k->str)))
		fr_diag_add(c->diags, k->pos, "invalid variable name '%s' (use letters, digits and '_')", k->str);
	c->sweep = k->str;
	if (!fr_check_seq(c, vals))
		return;
	if (vals->n == 0)
		fr_diag_add(c->diags, vals->pos, "sweep '%s' has no values", k->str);
	for (size_t i = 0; i < vals->n; i++)
		fr_check_str(c, vals->vals[i]);
}

/* Checks target:, whose keys are all of a type the grammar knows. */
static void check_target(struct fr_check *c, const node_t *node)
{
	if (!fr_check_map(c, node))
		return;
	fr_check_keys(c, node, FR_GM_TARGET);
	for (enum fr_gkey k = fr_grammar_maps[FR_GM_TARGET].first; k < fr_grammar_maps[FR_GM_TARGET].end; k++)
		fr_check_key(c, node, k, &c->scope);
}

/* Checks auth:; the captures of its request and its own join the plan scope. */
static void check_auth(struct fr_check *c, const node_t *node)
{
	const node_t *v;

	if (!fr_check_map(c, node))
		return;
	fr_check_keys(c, node, FR_GM_AUTH);
	if ((v = fr_check_require(c, node, FR_K_AUTH_REQUEST))) {
		struct fr_scope none = {0};
		fr_validate_request(c, v, FR_RQ_AUTH, &none);
		for (size_t i = 0; i < none.n; i++)
			fr_scope_add(&c->scope, none.names[i], none.list[i]);
		fr_scope_free(&none);
	}
	if ((v = fr_grammar_get(node, FR_K_AUTH_CAPTURE)))
		fr_validate_request_captures(c, v, &c->scope);
	fr_check_key(c, node, FR_K_AUTH_HEADERS, &c->scope);
}

/* Is KEY a capture: key of a request or of auth:? */
static int is_capture_key(const char *key)
{
	return strcmp(key, fr_grammar_keys[FR_K_REQ_CAPTURE].name) == 0 ||
	       strcmp(key, fr_grammar_keys[FR_K_AUTH_CAPTURE].name) == 0;
}

/* Records every variable captured anywhere under NODE (first capture wins). */
static void collect_captures(struct fr_check *c, const node_t *node)
{
	if (node->kind == FR_Y_SCALAR)
		return;
	for (size_t i = 0; i < node->n; i++) {
		const node_t *v = node->vals[i];
		if (node->kind == FR_Y_MAP && is_capture_key(node->keys[i]->str) && v->kind == FR_Y_MAP)
			for (size_t k = 0; k < v->n; k++)
				fr_names_add(&c->captured, v->keys[k]->str, v->keys[k], 0);
		collect_captures(c, v);
	}
}

/* Frees what the check state owns, except the proxies file it hands over. */
static void check_free(struct fr_check *c)
{
	struct fr_names *tables[] = {&c->requests, &c->scenarios, &c->stages, &c->faults, &c->slos, &c->captured};

	for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
		fr_names_free(tables[t]);
	for (size_t i = 0; i < c->nowned; i++)
		free(c->owned[i]);
	free(c->owned);
	fr_scope_free(&c->scope);
	free(c->models);
}

/* Sections in dependency order; see the note at the top of this file. */
size_t fr_validate(const struct fr_ynode *root, const struct fr_roots *roots, struct fr_diags *diags,
                   struct fr_proxy_file *proxies_out)
{
	struct fr_check c = {.diags = diags, .roots = roots, .pass_known = 1, .scenario = FR_CHECK_UNTIMED};
	size_t start = fr_diag_errors(diags);
	const node_t *v, *target = fr_grammar_get(root, FR_K_TARGET);

	c.requests.what = "request";
	c.scenarios.what = "scenario";
	c.stages.what = "stage";
	c.faults.what = "fault";
	c.slos.what = "SLO";
	c.captured.what = "capture";
	collect_captures(&c, root);
	fr_check_keys(&c, root, FR_GM_ROOT);
	check_header(&c, root);
	if ((v = fr_grammar_get(root, FR_K_SWEEP)))
		check_sweep(&c, v);
	if ((v = fr_grammar_get(root, FR_K_AUTH)))
		check_auth(&c, v);
	if ((v = fr_grammar_get(root, FR_K_SETUP)))
		fr_validate_requests(&c, v, FR_RQ_SETUP, &c.scope);
	if ((v = fr_check_require(&c, root, FR_K_TARGET)))
		check_target(&c, v);
	if ((v = fr_check_require(&c, root, FR_K_SCENARIOS)))
		fr_validate_scenarios(&c, v);
	else
		c.pass_known = 0;
	c.scenario = FR_CHECK_UNTIMED;
	if ((v = fr_grammar_get(root, FR_K_TEARDOWN))) {
		struct fr_scope s = fr_scope_copy(&c.scope);
		fr_validate_requests(&c, v, FR_RQ_SETUP, &s);
		fr_scope_free(&s);
	}
	if ((v = fr_grammar_get(root, FR_K_FAULTS)))
		fr_validate_faults(&c, v);
	if ((v = fr_grammar_get(root, FR_K_SLOS)))
		fr_validate_slos(&c, v, fr_grammar_get(target, FR_K_TARGET_PROMETHEUS) != NULL);
	check_free(&c);
	*proxies_out = c.proxies;
	return fr_diag_errors(diags) - start;
}
