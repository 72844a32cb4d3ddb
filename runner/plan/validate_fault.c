/* validate_fault.c: faults, toxics and the fault timeline (see validate_fault.h). */
#include "plan/validate_fault.h"

#include <stdlib.h>
#include <string.h>

#include "plan/path.h"
#include "plan/suggest.h"
#include "plan/units.h"
#include "util/fmt.h"
#include "util/xmalloc.h"

typedef struct fr_ynode node_t;

/* A fault's window on one proxy, for the overlap check. */
struct window {
	const char *proxy;
	int64_t at, end;
	const char *fault;
	const node_t *node;
};

struct windows {
	struct window *v;
	size_t n, cap;
};

/* The name of toxic T, as a plan writes it. */
static const char *toxic_name(const struct fr_toxic_def *t)
{
	return fr_toxic_name((enum fr_toxic)(t - fr_grammar_toxics));
}

/* Checks attribute A of toxic T (key K, value V) in the unit it is sent in. */
static void check_attr(struct fr_check *c, const struct fr_toxic_def *t, int a, const node_t *k, const node_t *v)
{
	int64_t x;
	char *err = NULL;

	switch (t->attrs[a].unit) {
	case FR_ATTR_MS:
		if (fr_check_dur(c, v, FR_DUR_NONNEG, &x) && x % 1000 != 0)
			fr_diag_add(c->diags, v->pos, "'%s' must be a whole number of milliseconds, got '%s'", k->str,
			            v->str);
		break;
	case FR_ATTR_US: fr_check_dur(c, v, FR_DUR_NONNEG, NULL); break;
	case FR_ATTR_KBPS:
		if (fr_check_str(c, v))
			fr_check_parsed(c, v, fr_units_bandwidth(v->str, &x, &err), &err);
		break;
	case FR_ATTR_BYTES: fr_check_int(c, v, 0, NULL); break;
	}
}

/* Checks the keys of a fault that are not fault keys against its toxic T
 * (NULL: unknown toxic, when attributes of any toxic pass). */
static void check_fault_attrs(struct fr_check *c, const node_t *node, const struct fr_toxic_def *t)
{
	for (size_t i = 0; i < node->n; i++) {
		const node_t *k = node->keys[i], *v = node->vals[i];
		if (fr_grammar_find(FR_GM_FAULT, k->str) != FR_K_COUNT)
			continue;
		int a = t ? fr_grammar_toxic_attr(t, k->str) : -1;
		if (a < 0 && t && fr_grammar_any_attr(k->str)) {
			fr_diag_add(c->diags, k->pos, "attribute '%s' is not valid for toxic '%s'", k->str,
			            toxic_name(t));
			continue;
		}
		if (a < 0) {
			if (!t && fr_grammar_any_attr(k->str))
				continue;
			const char *cands[FR_GRAMMAR_MAX_KEYS + FR_FAULT_MAX_ATTRS + 1];
			size_t n = fr_grammar_names(FR_GM_FAULT, 0, cands);
			for (int j = 0; t && j < FR_FAULT_MAX_ATTRS && t->attrs[j].name; j++)
				cands[n++] = t->attrs[j].name;
			cands[n] = NULL;
			fr_check_unknown_key(c, k, cands);
			continue;
		}
		check_attr(c, t, a, k, v);
	}
	for (int j = 0; t && j < FR_FAULT_MAX_ATTRS && t->attrs[j].name; j++)
		if (t->attrs[j].required && !fr_ytree_get(node, t->attrs[j].name))
			fr_diag_add(c->diags, node->pos, "missing required key '%s' (for toxic '%s')", t->attrs[j].name,
			            toxic_name(t));
}

/* Records the window of a fault on one proxy, for the overlap check. */
static void add_window(struct windows *w, const char *proxy, int64_t at, int64_t end, const char *fault,
                       const node_t *node)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 64;
		w->v = xreallocarray(w->v, w->cap, sizeof *w->v);
	}
	w->v[w->n++] = (struct window){proxy, at, end, fault, node};
}

/* Checks the proxies of a fault: known to the proxies file (when there is one). */
static void check_fault_proxies(struct fr_check *c, const node_t *list)
{
	char buf[160];

	if (!fr_check_seq(c, list))
		return;
	if (list->n == 0)
		fr_diag_add(c->diags, list->pos, "a fault needs at least one proxy");
	for (size_t i = 0; i < list->n; i++) {
		const node_t *p = list->vals[i];
		if (!fr_check_str(c, p) || !c->proxies_known)
			continue;
		const char *cands[65];
		size_t n = 0, found = 0;
		for (size_t j = 0; j < c->proxies.n; j++) {
			if (strcmp(c->proxies.proxies[j].name, p->str) == 0)
				found = 1;
			if (n < 64)
				cands[n++] = c->proxies.proxies[j].name;
		}
		cands[n] = NULL;
		if (!found)
			fr_diag_add(c->diags, p->pos, "unknown proxy '%s'%s", p->str,
			            fr_suggest_dym(buf, sizeof buf, fr_suggest_word(p->str, cands)));
	}
}

/* Names fault NODE (given, or its default name) in the fault table; returns
 * the name, or NULL when it has none that can be used. */
static const char *name_fault(struct fr_check *c, const node_t *node, int index, int has_toxic)
{
	const node_t *name = fr_grammar_get(node, FR_K_FAULT_NAME);
	const node_t *proxies = fr_grammar_get(node, FR_K_FAULT_PROXIES), *at = fr_grammar_get(node, FR_K_FAULT_AT);
	char *generated;

	if (name && fr_check_str(c, name)) {
		fr_check_name(c, &c->faults, name->str, name, index);
		return name->str;
	}
	if (name || !has_toxic || !proxies || proxies->kind != FR_Y_SEQ || !at || at->kind != FR_Y_SCALAR)
		return name && name->kind == FR_Y_SCALAR ? name->str : NULL;
	generated = fr_grammar_fault_name(node);
	c->owned = xreallocarray(c->owned, c->nowned + 1, sizeof *c->owned);
	c->owned[c->nowned++] = generated;
	fr_check_name(c, &c->faults, generated, node, index);
	return generated;
}

/* Checks one fault of the timeline; records its windows in W. */
static void check_fault(struct fr_check *c, const node_t *node, int index, struct windows *w)
{
	const node_t *v, *proxies, *at, *dur;
	const struct fr_toxic_def *t = NULL;
	int64_t at_us = 0, dur_us = 0;
	int timed;

	if (!fr_check_map(c, node))
		return;
	if ((v = fr_check_key(c, node, FR_K_FAULT_TOXIC, NULL)))
		t = fr_grammar_toxic(v->str);
	check_fault_attrs(c, node, t);
	at = fr_check_require(c, node, FR_K_FAULT_AT);
	dur = fr_check_require(c, node, FR_K_FAULT_FOR);
	timed = at && fr_check_dur(c, at, FR_DUR_NONNEG, &at_us);
	timed = dur && fr_check_dur(c, dur, FR_DUR_POSITIVE, &dur_us) && timed;
	if ((proxies = fr_check_require(c, node, FR_K_FAULT_PROXIES)))
		check_fault_proxies(c, proxies);
	fr_check_key(c, node, FR_K_FAULT_STREAM, NULL);
	fr_check_key(c, node, FR_K_FAULT_TOXICITY, NULL);
	const char *label = name_fault(c, node, index, t != NULL);
	if (timed && c->pass_known && c->pass_us > 0 && at_us + dur_us > c->pass_us) {
		char end[FR_FMT_LEN], pass[FR_FMT_LEN];
		fr_diag_add(c->diags, node->pos, "fault '%s' ends at %s, after the end of the pass at %s",
		            label ? label : "?", fr_fmt_plan_duration(end, sizeof end, at_us + dur_us),
		            fr_fmt_plan_duration(pass, sizeof pass, c->pass_us));
	}
	if (timed && label && proxies && proxies->kind == FR_Y_SEQ)
		for (size_t i = 0; i < proxies->n; i++)
			if (proxies->vals[i]->kind == FR_Y_SCALAR)
				add_window(w, proxies->vals[i]->str, at_us, at_us + dur_us, label, node);
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

/* Reports faults whose windows overlap on one proxy: one sort, one sweep. */
static void check_overlaps(struct fr_check *c, struct windows *w)
{
	if (w->n < 2)
		return;
	qsort(w->v, w->n, sizeof *w->v, window_cmp);
	for (size_t i = 1, open = 0; i < w->n; i++) {
		const struct window *cur = &w->v[i], *o = &w->v[open];
		if (strcmp(cur->proxy, o->proxy) != 0) {
			open = i;
			continue;
		}
		if (cur->at < o->end) {
			fr_diag_add(c->diags, cur->node->pos,
			            "fault '%s' overlaps fault '%s' on proxy '%s' (defined at %s:%d:%d)", cur->fault,
			            o->fault, cur->proxy, o->node->pos.file, o->node->pos.line, o->node->pos.col);
		}
		if (cur->end > o->end)
			open = i;
	}
}

/* Reads the proxies file named by NODE (relative to its file) into C, once. */
static void check_proxies_file(struct fr_check *c, const node_t *node)
{
	char *path, *err = NULL;

	if (!fr_check_str(c, node))
		return;
	path = fr_path_resolve(node->pos.file, node->str);
	if (c->roots && !fr_roots_contain(c->roots, path)) {
		char *where = fr_roots_describe(c->roots);
		fr_diag_add(c->diags, node->pos,
		            "proxies file '%s' is outside the plan's repository (%s); --allow-outside PATH allows it",
		            node->str, where);
		free(where);
		free(path);
		return;
	}
	if (fr_proxies_read(path, &c->proxies.proxies, &c->proxies.n, &err) < 0) {
		fr_diag_add(c->diags, node->pos, "%s", err);
		free(err);
		free(path);
		return;
	}
	c->proxies.path = path;
	c->proxies_known = 1;
}

/* The timeline needs a Toxiproxy to apply it. */
void fr_validate_faults(struct fr_check *c, const node_t *node)
{
	const node_t *v, *tl = fr_grammar_get(node, FR_K_FAULTS_TIMELINE);
	struct windows w = {0};

	if (!fr_check_map(c, node))
		return;
	fr_check_keys(c, node, FR_GM_FAULTS);
	if ((v = fr_grammar_get(node, FR_K_FAULTS_TOXIPROXY)))
		fr_check_value(c, FR_K_FAULTS_TOXIPROXY, v, NULL);
	else if (tl && tl->kind == FR_Y_SEQ && tl->n > 0)
		fr_diag_add(c->diags, node->pos, "missing required key '%s'",
		            fr_grammar_keys[FR_K_FAULTS_TOXIPROXY].name);
	if ((v = fr_grammar_get(node, FR_K_FAULTS_PROXIES)))
		check_proxies_file(c, v);
	if (tl && fr_check_seq(c, tl)) {
		c->has_faults = tl->n > 0;
		for (size_t i = 0; i < tl->n; i++)
			check_fault(c, tl->vals[i], (int)i, &w);
		check_overlaps(c, &w);
	}
	free(w.v);
}
