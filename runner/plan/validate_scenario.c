/* validate_scenario.c: scenarios, stages and websocket keys (see validate_scenario.h). */
#include "plan/validate_scenario.h"

#include <string.h>

#include "plan/validate_request.h"
#include "util/xmalloc.h"

typedef struct fr_ynode node_t;

/* How messages name a scenario of each model. */
static const char *const model_phrases[] = {"a closed", "an open", "a websocket"};

/* Checks one stage of a scenario of MODEL (-1: unknown); adds its length to
 * *total, or clears *total_ok when it cannot be known. */
static void check_stage(struct fr_check *c, const node_t *node, int model, int64_t *total, int *total_ok)
{
	const node_t *v;
	int64_t dur;

	if (!fr_check_map(c, node)) {
		*total_ok = 0;
		return;
	}
	fr_check_keys(c, node, FR_GM_STAGE);
	if ((v = fr_check_key(c, node, FR_K_STAGE_NAME, NULL)))
		fr_check_name(c, &c->stages, v->str, v, 0);
	if ((v = fr_check_require(c, node, FR_K_STAGE_FOR)) && fr_check_dur(c, v, FR_DUR_POSITIVE, &dur))
		*total = *total > INT64_MAX - dur ? INT64_MAX : *total + dur;
	else
		*total_ok = 0;
	for (int m = FR_MODEL_CLOSED; m <= FR_MODEL_WEBSOCKET; m++) {
		enum fr_gkey level = fr_grammar_level((enum fr_model)m);
		const node_t *k = fr_grammar_key(node, level);
		if (!k)
			continue;
		if (model >= 0 && m != model)
			fr_diag_add(c->diags, k->pos, "'%s' is not valid in %s scenario (use '%s')", k->str,
			            model_phrases[model], fr_grammar_keys[fr_grammar_level((enum fr_model)model)].name);
		else
			fr_check_value(c, level, fr_grammar_get(node, level), NULL);
	}
	if (model >= 0 && !fr_grammar_get(node, fr_grammar_level((enum fr_model)model)))
		fr_check_require(c, node, fr_grammar_level((enum fr_model)model));
}

/* Reports scenario keys that are unknown or not valid for MODEL. */
static void check_scenario_keys(struct fr_check *c, const node_t *node, int model)
{
	for (size_t i = 0; i < node->n; i++) {
		const node_t *k = node->keys[i];
		enum fr_gkey key = fr_check_known_key(c, k, FR_GM_SCENARIO);
		if (key != FR_K_COUNT && model >= 0 && !(fr_grammar_keys[key].models & FR_GM_MODEL(model)))
			fr_diag_add(c->diags, k->pos, "'%s' is not valid in %s scenario", k->str, model_phrases[model]);
	}
}

/* Checks the websocket keys of a scenario: publish and rate go together. */
static void check_ws(struct fr_check *c, const node_t *node, const struct fr_scope *scope)
{
	const node_t *v, *w;
	const char *n_rate = fr_grammar_keys[FR_K_SCEN_RATE].name;

	if ((v = fr_check_require(c, node, FR_K_SCEN_CONNECT)) && fr_check_str(c, v)) {
		if (v->str[0] != '/' && strncmp(v->str, "ws://", 5) != 0 && strncmp(v->str, "wss://", 6) != 0)
			fr_diag_add(c->diags, v->pos, "connect '%s' must be a ws:// or wss:// URL or a path", v->str);
		fr_check_template(c, v, scope);
	}
	fr_check_key(c, node, FR_K_SCEN_HEADERS, scope);
	fr_check_key(c, node, FR_K_SCEN_SUBSCRIBE, scope);
	if ((v = fr_grammar_get(node, FR_K_SCEN_PUBLISH))) {
		struct fr_scope s = fr_scope_copy(scope);
		fr_validate_request(c, v, FR_RQ_PUBLISH, &s);
		fr_scope_free(&s);
		if (!fr_grammar_get(node, FR_K_SCEN_RATE))
			fr_diag_add(c->diags, node->pos, "missing required key '%s' (the publish rate)", n_rate);
	}
	if ((v = fr_grammar_get(node, FR_K_SCEN_RATE))) {
		fr_check_value(c, FR_K_SCEN_RATE, v, scope);
		if (!fr_grammar_get(node, FR_K_SCEN_PUBLISH))
			fr_diag_add(c->diags, node->pos, "missing required key '%s' (the request sent at '%s')",
			            fr_grammar_keys[FR_K_SCEN_PUBLISH].name, n_rate);
	}
	if ((v = fr_grammar_get(node, FR_K_SCEN_MATCH)) && fr_check_str(c, v))
		fr_check_regex(c, v);
	fr_check_key(c, node, FR_K_SCEN_DEADLINE, scope);
	if ((v = fr_grammar_get(node, FR_K_SCEN_RECONNECT)) && fr_check_map(c, v)) {
		fr_check_keys(c, v, FR_GM_RECONNECT);
		for (enum fr_gkey k = fr_grammar_maps[FR_GM_RECONNECT].first; k < fr_grammar_maps[FR_GM_RECONNECT].end;
		     k++)
			if ((w = fr_grammar_get(v, k)))
				fr_check_value(c, k, w, scope);
	}
}

/* Checks the requests of a closed or open scenario; each starts from the plan's scope. */
static void check_requests(struct fr_check *c, const node_t *node, int model)
{
	const node_t *v =
	        model >= 0 ? fr_check_require(c, node, FR_K_SCEN_REQUESTS) : fr_grammar_get(node, FR_K_SCEN_REQUESTS);
	struct fr_scope s = fr_scope_copy(&c->scope);

	if (v && v->kind == FR_Y_SEQ) {
		if (v->n == 0)
			fr_diag_add(c->diags, v->pos, "a scenario needs at least one request");
		for (size_t i = 0; i < v->n; i++) {
			struct fr_scope r = fr_scope_copy(&s);
			fr_validate_request(c, v->vals[i], FR_RQ_SCENARIO, &r);
			fr_scope_free(&r);
		}
	} else if (v) {
		fr_check_seq(c, v);
	}
	fr_scope_free(&s);
}

/* Checks one scenario; the pass is at least as long as its stages. */
static void check_scenario(struct fr_check *c, const node_t *node, int index)
{
	const node_t *v;
	int model = -1;
	int64_t total = 0;
	int total_ok = 1;

	if (!fr_check_map(c, node))
		return;
	if ((v = fr_check_key(c, node, FR_K_SCEN_NAME, NULL)))
		fr_check_name(c, &c->scenarios, v->str, v, index);
	c->scenario = index;
	if ((v = fr_check_key(c, node, FR_K_SCEN_MODEL, NULL)))
		model = fr_grammar_word(FR_K_SCEN_MODEL, v->str);
	check_scenario_keys(c, node, model);
	if ((size_t)index < c->nmodels)
		c->models[index] = model;
	c->has_ws |= model == FR_MODEL_WEBSOCKET;
	if ((v = fr_check_require(c, node, FR_K_SCEN_STAGES)) && fr_check_seq(c, v)) {
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
	if (model != FR_MODEL_WEBSOCKET)
		check_requests(c, node, model);
	if (model == FR_MODEL_CLOSED)
		fr_check_key(c, node, FR_K_SCEN_THINK, NULL);
	if (model == FR_MODEL_OPEN)
		fr_check_key(c, node, FR_K_SCEN_ARRIVAL, NULL);
	if (model == FR_MODEL_WEBSOCKET)
		check_ws(c, node, &c->scope);
}

/* Models are recorded per scenario index for the SLO checks. */
void fr_validate_scenarios(struct fr_check *c, const node_t *node)
{
	if (!fr_check_seq(c, node)) {
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
