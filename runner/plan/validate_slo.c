/* validate_slo.c: SLOs, thresholds and windows (see validate_slo.h). */
#include "plan/validate_slo.h"

#include <stdlib.h>
#include <string.h>

#include "plan/suggest.h"
#include "plan/syntax.h"
#include "plan/units.h"
#include "util/buf.h"

typedef struct fr_ynode node_t;

/* Checks the window of an SLO: a form of the grammar, and the stage, fault or
 * duration that follows its prefix. */
static void check_during(struct fr_check *c, const node_t *v)
{
	const struct fr_window_form *form;
	const char *rest;
	char buf[160];

	if (!fr_check_str(c, v))
		return;
	form = fr_grammar_window(v->str, &rest);
	if (form && (form->arg == FR_WARG_STAGE || form->arg == FR_WARG_FAULT)) {
		const struct fr_names *t = form->arg == FR_WARG_STAGE ? &c->stages : &c->faults;
		if (!fr_names_get(t, rest))
			fr_diag_add(c->diags, v->pos, "unknown %s '%s'%s", t->what, rest,
			            fr_suggest_dym(buf, sizeof buf, fr_check_suggest(c, t, rest)));
	} else if (form && form->arg == FR_WARG_DURATION) {
		int64_t us;
		char *err = NULL;
		if (fr_check_parsed(c, v, fr_units_duration(rest, &us, &err), &err)) {
			if (us < 0)
				fr_diag_add(c->diags, v->pos, "duration '%s' must not be negative", rest);
			else if (us > FR_CHECK_MAX_DURATION)
				fr_diag_add(c->diags, v->pos, "duration '%s' is longer than the limit of 720h", rest);
		}
		if (!c->has_faults)
			fr_diag_add(c->diags, v->pos, "'after-faults' needs a fault timeline");
	} else if (!form) {
		const char *forms[16];
		size_t n = 0;
		for (const struct fr_window_form *f = fr_grammar_windows; f->text && n < 15; f++)
			forms[n++] = f->text;
		forms[n] = NULL;
		const char *best = fr_suggest_word(v->str, forms);
		if (best)
			fr_diag_add(c->diags, v->pos, "invalid window '%s'%s", v->str,
			            fr_suggest_dym(buf, sizeof buf, best));
		else
			fr_diag_add(
			        c->diags, v->pos,
			        "invalid window '%s' (expected run, each-stage, stage:NAME, fault:NAME, no-fault or "
			        "after-faults+DURATION)",
			        v->str);
	}
}

/* Checks the threshold V of stat key KEY (grammar row K): each stat wants its kind of value. */
static void check_threshold(struct fr_check *c, enum fr_gkey k, const node_t *key, const node_t *v)
{
	struct fr_threshold thr;
	char *err = NULL;

	if (!fr_check_str(c, v))
		return;
	if (!fr_check_parsed(c, v, fr_units_threshold(v->str, &thr, &err), &err))
		return;
	if (fr_grammar_keys[k].stat == FR_STAT_ERROR_RATE) {
		if (thr.kind != FR_THR_PERCENT)
			fr_diag_add(c->diags, v->pos, "threshold '%s' of '%s' needs a percentage", v->str, key->str);
	} else if (fr_grammar_keys[k].stat == FR_STAT_LOST) {
		if (thr.kind == FR_THR_DURATION)
			fr_diag_add(c->diags, v->pos, "threshold '%s' of '%s' needs a percentage or a count", v->str,
			            key->str);
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
static void check_ws_only(struct fr_check *c, const node_t *v, const char *what, const struct fr_name *scen)
{
	int m = scen && (size_t)scen->aux < c->nmodels ? c->models[scen->aux] : -1;

	if (scen && (m == FR_MODEL_CLOSED || m == FR_MODEL_OPEN))
		fr_diag_add(c->diags, v->pos, "%s '%s' is only measured for websocket scenarios ('%s' is %s)", what,
		            v->str, scen->name, fr_model_name((enum fr_model)m));
	else if (!scen && !c->has_ws)
		fr_diag_add(c->diags, v->pos, "%s '%s' is only measured for websocket scenarios (the plan has none)",
		            what, v->str);
}

/* Checks the stat keys of SLO NODE: exactly one. Returns its key node, or NULL. */
static const node_t *check_stat(struct fr_check *c, const node_t *node)
{
	const node_t *stat = NULL;

	for (size_t i = 0; i < node->n; i++) {
		enum fr_gkey k = fr_grammar_find(FR_GM_SLO, node->keys[i]->str);
		if (k == FR_K_COUNT || fr_grammar_keys[k].type != FR_GT_STAT)
			continue;
		if (stat)
			fr_diag_add(c->diags, node->keys[i]->pos, "an SLO has exactly one stat key, got '%s' and '%s'",
			            stat->str, node->keys[i]->str);
		else
			check_threshold(c, k, stat = node->keys[i], node->vals[i]);
	}
	if (!stat) {
		struct fr_buf all = {0};
		for (enum fr_gkey k = fr_grammar_maps[FR_GM_SLO].first; k < fr_grammar_maps[FR_GM_SLO].end; k++)
			if (fr_grammar_keys[k].type == FR_GT_STAT)
				fr_buf_printf(&all, "%s%s", all.len ? ", " : "", fr_grammar_keys[k].name);
		fr_diag_add(c->diags, node->pos, "missing stat key (one of %s)", fr_buf_str(&all));
		fr_buf_free(&all);
	}
	return stat;
}

/* Whether the SLO of NODE (stat key STAT) judges an HTTP statistic that flowrun
 * counts itself: a percentile, max, mean or error_rate of the latency or
 * service series, not a websocket series, lost, or a Prometheus metric. With
 * SERIES_ONLY, the time series' statistics only: no mean, no service series. */
static int client_http(const node_t *node, const node_t *stat, int series_only)
{
	const node_t *v = fr_grammar_get(node, FR_K_SLO_SERIES);
	int series = v && v->kind == FR_Y_SCALAR ? fr_grammar_word(FR_K_SLO_SERIES, v->str) : FR_SERIES_LATENCY;
	enum fr_gkey k = stat ? fr_grammar_find(FR_GM_SLO, stat->str) : FR_K_COUNT;

	if (k == FR_K_COUNT || fr_grammar_keys[k].stat == FR_STAT_LOST || fr_grammar_get(node, FR_K_SLO_METRIC))
		return 0;
	if (series_only && fr_grammar_keys[k].stat == FR_STAT_ERROR_RATE)
		return 1; /* errors are counted whatever the series */
	if (series_only)
		return fr_grammar_keys[k].stat != FR_STAT_MEAN && series == FR_SERIES_LATENCY;
	return series == FR_SERIES_LATENCY || series == FR_SERIES_SERVICE;
}

/* Reports duration V of key K unless it is a whole number of intervals. */
static void check_intervals(struct fr_check *c, enum fr_gkey k, const node_t *v)
{
	int64_t us = 0;

	if (fr_check_dur(c, v, FR_DUR_NONNEG, &us) && us % FR_GRAMMAR_INTERVAL_US != 0)
		fr_diag_add(c->diags, v->pos, "'%s' %s is not a multiple of the interval (1s)", fr_grammar_keys[k].name,
		            v->str);
}

/* Checks abort, over and sustained: an early verdict and a sustained breach are
 * judged from flowrun's own counts, so only HTTP statistics qualify. */
static void check_gate(struct fr_check *c, const node_t *node, const node_t *stat)
{
	static const char why[] = "needs an SLO flowrun measures itself: a percentile, max, mean or error_rate of the "
	                          "latency or service series";
	static const char why_over[] = "needs a percentile, max or error_rate of the latency series (what the run's "
	                               "time series keeps)";
	const node_t *abort = fr_check_key(c, node, FR_K_SLO_ABORT, NULL);
	const node_t *over = fr_check_key(c, node, FR_K_SLO_OVER, NULL);
	const node_t *sustained = fr_check_key(c, node, FR_K_SLO_SUSTAINED, NULL);
	int http = !stat || client_http(node, stat, 0);

	if (abort && strcmp(abort->str, "true") == 0) {
		struct fr_threshold thr;
		char *err = NULL;
		const node_t *t = stat ? fr_ytree_get(node, stat->str) : NULL;
		if (!http)
			fr_diag_add(c->diags, abort->pos, "'%s' %s", fr_grammar_keys[FR_K_SLO_ABORT].name, why);
		else if (t && t->kind == FR_Y_SCALAR && fr_units_threshold(t->str, &thr, &err) == 0 &&
		         (thr.cmp == FR_CMP_GT || thr.cmp == FR_CMP_GE))
			fr_diag_add(c->diags, abort->pos, "'%s' needs an upper bound ('<' or '<='), got '%s'",
			            fr_grammar_keys[FR_K_SLO_ABORT].name, t->str);
		free(err);
	}
	if (over) {
		check_intervals(c, FR_K_SLO_OVER, over);
		if (stat && !client_http(node, stat, 1))
			fr_diag_add(c->diags, over->pos, "'%s' %s", fr_grammar_keys[FR_K_SLO_OVER].name, why_over);
	}
	if (sustained) {
		check_intervals(c, FR_K_SLO_SUSTAINED, sustained);
		if (!fr_grammar_get(node, FR_K_SLO_OVER))
			fr_diag_add(c->diags, fr_grammar_key(node, FR_K_SLO_SUSTAINED)->pos,
			            "'%s' needs '%s' (the window the statistic is judged over)",
			            fr_grammar_keys[FR_K_SLO_SUSTAINED].name, fr_grammar_keys[FR_K_SLO_OVER].name);
	}
}

/* Checks one SLO: what it measures must exist and be measured. */
static void check_slo(struct fr_check *c, const node_t *node, int has_prometheus)
{
	const node_t *v, *stat, *scen, *req;
	const struct fr_name *ss = NULL, *rs = NULL;

	if (!fr_check_map(c, node))
		return;
	fr_check_keys(c, node, FR_GM_SLO);
	if ((v = fr_check_key(c, node, FR_K_SLO_NAME, NULL)))
		fr_check_name(c, &c->slos, v->str, v, 0);
	stat = check_stat(c, node);
	if ((scen = fr_check_key(c, node, FR_K_SLO_SCENARIO, NULL)))
		ss = fr_check_resolve(c, &c->scenarios, scen);
	if ((req = fr_check_key(c, node, FR_K_SLO_REQUEST, NULL)))
		rs = fr_check_resolve(c, &c->requests, req);
	if (rs && rs->aux == FR_CHECK_UNTIMED)
		fr_diag_add(c->diags, req->pos,
		            "request '%s' is not measured (auth, setup and teardown requests are untimed)", req->str);
	else if (ss && rs && ss->aux != rs->aux)
		fr_diag_add(c->diags, req->pos, "request '%s' is not in scenario '%s'", req->str, scen->str);
	if ((v = fr_check_key(c, node, FR_K_SLO_SERIES, NULL))) {
		int series = fr_grammar_word(FR_K_SLO_SERIES, v->str);
		if (series == FR_SERIES_DELIVERY || series == FR_SERIES_CONNECT)
			check_ws_only(c, v, "series", ss);
	}
	if (stat && fr_grammar_keys[fr_grammar_find(FR_GM_SLO, stat->str)].stat == FR_STAT_LOST)
		check_ws_only(c, stat, "stat", ss);
	if ((v = fr_grammar_get(node, FR_K_SLO_DURING)))
		check_during(c, v);
	if ((v = fr_grammar_get(node, FR_K_SLO_METRIC)) && fr_check_str(c, v)) {
		const char *why = NULL;
		long off = fr_syntax_selector(v->str, &why);
		if (off >= 0)
			fr_diag_add(c->diags, fr_ytree_pos_at(v, (size_t)off), "invalid metric selector '%s': %s",
			            v->str, why);
		if (!has_prometheus)
			fr_diag_add(c->diags, v->pos, "'%s' needs '%s' in '%s'", fr_grammar_keys[FR_K_SLO_METRIC].name,
			            fr_grammar_keys[FR_K_TARGET_PROMETHEUS].name, fr_grammar_keys[FR_K_TARGET].name);
	}
	check_gate(c, node, stat);
}

/* In the order written. */
void fr_validate_slos(struct fr_check *c, const node_t *node, int has_prometheus)
{
	if (!fr_check_seq(c, node))
		return;
	for (size_t i = 0; i < node->n; i++)
		check_slo(c, node->vals[i], has_prometheus);
}
