/* build.c: the structs of plan.h from a checked tree (see build.h).
 *
 * Most fields are filled by build_fields, which walks a mapping's rows of the
 * grammar table and converts each value (or the row's default) into the field
 * at the row's offset. What the table cannot say is code here: requests and
 * their groups, captures, the JSON body, the level of a stage, the faults'
 * toxic attributes and default names, an SLO's stat and window, the sweep.
 */
#include "plan/build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/grammar.h"
#include "plan/path.h"
#include "plan/units.h"
#include "util/buf.h"
#include "util/xmalloc.h"

typedef struct fr_ynode node_t;

/* Appends S as a JSON string. */
static void json_str(struct fr_buf *b, const char *s)
{
	fr_buf_add(b, "\"", 1);
	for (; *s; s++) {
		char esc[8];
		if (*s == '"' || *s == '\\') {
			esc[0] = '\\', esc[1] = *s;
			fr_buf_add(b, esc, 2);
		} else if ((unsigned char)*s < 0x20) {
			snprintf(esc, sizeof esc, "\\u%04x", (unsigned char)*s);
			fr_buf_add(b, esc, 6);
		} else {
			fr_buf_add(b, s, 1);
		}
	}
	fr_buf_add(b, "\"", 1);
}

/* Is S a JSON number? */
static int is_json_number(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (*s >= '0' && *s <= '9')
			s++;
	else
		return 0;
	if (*s == '.') {
		if (!(*++s >= '0' && *s <= '9'))
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!(*s >= '0' && *s <= '9'))
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

/* Appends NODE as JSON: plain scalars that read as numbers, booleans or null keep their type. */
static void json_node(struct fr_buf *b, const node_t *node)
{
	if (node->kind == FR_Y_MAP || node->kind == FR_Y_SEQ) {
		int map = node->kind == FR_Y_MAP;
		fr_buf_add(b, map ? "{" : "[", 1);
		for (size_t i = 0; i < node->n; i++) {
			if (i)
				fr_buf_add(b, ",", 1);
			if (map) {
				json_str(b, node->keys[i]->str);
				fr_buf_add(b, ":", 1);
			}
			json_node(b, node->vals[i]);
		}
		fr_buf_add(b, map ? "}" : "]", 1);
	} else if (fr_ytree_is_null(node)) {
		fr_buf_add(b, "null", 4);
	} else if (node->style == FR_YS_PLAIN &&
	           (strcmp(node->str, "true") == 0 || strcmp(node->str, "false") == 0 || is_json_number(node->str))) {
		fr_buf_add(b, node->str, strlen(node->str));
	} else {
		json_str(b, node->str);
	}
}

/* A copy of the string NODE, or NULL. */
static char *str(const node_t *node)
{
	return node && node->kind == FR_Y_SCALAR ? xstrdup(node->str) : NULL;
}

/* A copy of S with "$${" unescaped: for values that are not templates. */
static char *unescape(const char *s)
{
	char *out = xstrdup(s), *p;

	while ((p = strstr(out, "$${")))
		memmove(p, p + 1, strlen(p));
	return out;
}

/* A duration in µs (the checker parsed it already: no error can occur). */
static int64_t duration(const char *s)
{
	int64_t us = 0;
	char *err = NULL;

	if (fr_units_duration(s, &us, &err) < 0)
		free(err);
	return us;
}

/* A whole number of the row's type D, from TEXT (a value or a default). */
static int64_t to_int(const struct fr_gkey_def *d, const char *text)
{
	int64_t v = 0;

	switch (d->type) {
	case FR_GT_DURATION:
	case FR_GT_DURATION0: return duration(text);
	case FR_GT_BOOL: return strcmp(text, "true") == 0;
	case FR_GT_WORD:
		for (int i = 0; d->words[i]; i++)
			if (strcmp(d->words[i], text) == 0)
				return i;
		return 0;
	default: fr_units_int(text, &v); return v;
	}
}

/* A real number of the row's type D, from TEXT. */
static double to_double(const struct fr_gkey_def *d, const char *text)
{
	double v = 0;
	char *err = NULL;

	if (d->type == FR_GT_RATE) {
		if (fr_units_rate(text, &v, &err) < 0)
			free(err);
		return v;
	}
	if (d->type == FR_GT_FRACTION)
		return strtod(text, NULL);
	return (double)to_int(d, text);
}

/* A map of strings NODE as a kvlist (empty when absent). */
static struct fr_kvlist kvlist(const node_t *node)
{
	struct fr_kvlist kv = {0};

	if (!node || node->kind != FR_Y_MAP)
		return kv;
	kv.items = xcalloc(node->n ? node->n : 1, sizeof *kv.items);
	for (size_t i = 0; i < node->n; i++) {
		kv.items[i].key = xstrdup(node->keys[i]->str);
		kv.items[i].value = xstrdup(node->vals[i]->str);
		kv.items[i].pos = node->vals[i]->pos;
	}
	kv.n = node->n;
	return kv;
}

/* Stores key D's value V (NULL: absent, so its default) at FIELD. */
static void store(void *field, const struct fr_gkey_def *d, const node_t *v)
{
	const char *text = v && v->kind == FR_Y_SCALAR ? v->str : d->def;

	switch (d->store) {
	case FR_GS_NONE: break;
	case FR_GS_STR: *(char **)field = !text ? NULL : d->type == FR_GT_URL ? unescape(text) : xstrdup(text); break;
	case FR_GS_PATH: *(char **)field = v && text ? fr_path_resolve(v->pos.file, text) : NULL; break;
	case FR_GS_INT: *(int *)field = text ? (int)to_int(d, text) : 0; break;
	case FR_GS_UINT: *(unsigned *)field = text ? (unsigned)to_int(d, text) : 0; break;
	case FR_GS_I64: *(int64_t *)field = text ? to_int(d, text) : 0; break;
	case FR_GS_DOUBLE: *(double *)field = text ? to_double(d, text) : 0; break;
	case FR_GS_KVLIST: *(struct fr_kvlist *)field = kvlist(v); break;
	}
}

/* Fills the fields of OBJ that the rows of mapping M name, from MAP. For
 * scenario and stage keys, MODEL (or -1) skips the keys it does not accept. */
static void build_fields(void *obj, const node_t *map, enum fr_gmap m, int model)
{
	_Static_assert(sizeof(enum fr_model) == sizeof(int) && sizeof(enum fr_toxic) == sizeof(int),
	               "enums are stored as int");

	for (enum fr_gkey k = fr_grammar_maps[m].first; k < fr_grammar_maps[m].end; k++) {
		const struct fr_gkey_def *d = &fr_grammar_keys[k];
		if (d->store == FR_GS_NONE || (model >= 0 && d->models && !(d->models & FR_GM_MODEL(model))))
			continue;
		store((char *)obj + d->offset, d, fr_grammar_get(map, k));
	}
}

/* The checker compiled PATTERN already: failing now is a bug. */
static struct fr_regex *compile_regex(const char *pattern)
{
	struct fr_regex_error err;
	struct fr_regex *re = fr_regex_compile(pattern, &err);

	if (!re)
		abort();
	return re;
}

/* Appends the captures of mapping NODE to R. */
static void build_captures(struct fr_request *r, const node_t *node)
{
	if (!node || node->kind != FR_Y_MAP)
		return;
	r->captures = xreallocarray(r->captures, r->ncaptures + node->n + 1, sizeof *r->captures);
	for (size_t i = 0; i < node->n; i++) {
		const node_t *spec = node->vals[i], *v, *group;
		struct fr_capture *c = &r->captures[r->ncaptures++];
		memset(c, 0, sizeof *c);
		c->var = xstrdup(node->keys[i]->str);
		c->pos = node->keys[i]->pos;
		if ((v = fr_grammar_get(spec, FR_K_CAP_JSON))) {
			c->kind = FR_CAPTURE_JSON;
		} else if ((v = fr_grammar_get(spec, FR_K_CAP_HEADER))) {
			c->kind = FR_CAPTURE_HEADER;
		} else {
			v = fr_grammar_get(spec, FR_K_CAP_REGEX);
			c->kind = FR_CAPTURE_REGEX;
			c->re = compile_regex(v->str);
			c->group = fr_regex_groups(c->re) > 0 ? 1 : 0;
			if ((group = fr_grammar_get(spec, FR_K_CAP_GROUP)))
				c->group = (int)to_int(&fr_grammar_keys[FR_K_CAP_GROUP], group->str);
		}
		c->expr = xstrdup(v->str);
	}
}

/* Builds one request, or a group and its steps, from NODE. */
static void build_request(struct fr_request *r, const node_t *node)
{
	const node_t *v;

	memset(r, 0, sizeof *r);
	r->pos = node->pos;
	build_fields(r, node, FR_GM_REQUEST, -1);
	if ((v = fr_grammar_get(node, FR_K_REQ_STEPS))) {
		r->nsteps = v->n;
		r->steps = xcalloc(v->n ? v->n : 1, sizeof *r->steps);
		for (size_t i = 0; i < v->n; i++)
			build_request(&r->steps[i], v->vals[i]);
		return;
	}
	if ((v = fr_grammar_get(node, FR_K_REQ_PATH))) {
		r->url = xstrdup(v->str);
		r->url_is_path = 1;
	} else {
		r->url = str(fr_grammar_get(node, FR_K_REQ_URL));
	}
	if ((v = fr_grammar_get(node, FR_K_REQ_JSON))) {
		struct fr_buf b = {0};
		json_node(&b, v);
		free(r->body);
		r->body = fr_buf_take(&b);
		r->body_is_json = 1;
	}
	build_captures(r, fr_grammar_get(node, FR_K_REQ_CAPTURE));
}

/* Builds a sequence of requests into *out; returns how many. */
static size_t build_requests(struct fr_request **out, const node_t *node)
{
	size_t n = node && node->kind == FR_Y_SEQ ? node->n : 0;

	*out = n ? xcalloc(n, sizeof **out) : NULL;
	for (size_t i = 0; i < n; i++)
		build_request(&(*out)[i], node->vals[i]);
	return n;
}

/* Builds one scenario: its fields by model, its stages, its requests or websocket part. */
static void build_scenario(struct fr_scenario *s, const node_t *node)
{
	const node_t *stages = fr_grammar_get(node, FR_K_SCEN_STAGES), *v;
	int model = fr_grammar_word(FR_K_SCEN_MODEL, fr_grammar_get(node, FR_K_SCEN_MODEL)->str);

	s->pos = node->pos;
	build_fields(s, node, FR_GM_SCENARIO, model);
	s->nstages = stages->n;
	s->stages = xcalloc(stages->n ? stages->n : 1, sizeof *s->stages);
	for (size_t i = 0; i < stages->n; i++) {
		s->stages[i].pos = stages->vals[i]->pos;
		build_fields(&s->stages[i], stages->vals[i], FR_GM_STAGE, model);
	}
	s->nrequests = build_requests(&s->requests, fr_grammar_get(node, FR_K_SCEN_REQUESTS));
	if (s->model != FR_MODEL_WEBSOCKET)
		return;
	s->ws.pos = node->pos;
	s->ws.match_re = compile_regex(s->ws.match ? s->ws.match : FR_WS_MATCH_DEFAULT);
	if ((v = fr_grammar_get(node, FR_K_SCEN_PUBLISH)))
		build_request(&s->ws.publish, v);
	if ((v = fr_grammar_get(node, FR_K_SCEN_RECONNECT)))
		build_fields(&s->ws, v, FR_GM_RECONNECT, -1);
}

/* Converts the value of attribute A of toxic T to Toxiproxy's unit. */
static int64_t attr_value(const struct fr_toxic_def *t, int a, const node_t *v)
{
	int64_t x = 0;
	char *err = NULL;

	switch (t->attrs[a].unit) {
	case FR_ATTR_MS: return duration(v->str) / 1000;
	case FR_ATTR_US: return duration(v->str);
	case FR_ATTR_KBPS:
		if (fr_units_bandwidth(v->str, &x, &err) < 0)
			free(err);
		return x;
	case FR_ATTR_BYTES: fr_units_int(v->str, &x); return x;
	}
	return 0;
}

/* Builds one fault: its fields, proxies, default name and toxic attributes. */
static void build_fault(struct fr_fault *f, const node_t *node)
{
	const node_t *proxies = fr_grammar_get(node, FR_K_FAULT_PROXIES), *v;
	const struct fr_toxic_def *t;

	f->pos = node->pos;
	build_fields(f, node, FR_GM_FAULT, -1);
	t = &fr_grammar_toxics[f->toxic];
	f->name = (v = fr_grammar_get(node, FR_K_FAULT_NAME)) ? xstrdup(v->str) : fr_grammar_fault_name(node);
	f->nproxies = proxies->n;
	f->proxies = xcalloc(proxies->n ? proxies->n : 1, sizeof *f->proxies);
	for (size_t i = 0; i < proxies->n; i++)
		f->proxies[i] = xstrdup(proxies->vals[i]->str);
	for (int a = 0; a < FR_FAULT_MAX_ATTRS && t->attrs[a].name; a++) {
		if (!(v = fr_ytree_get(node, t->attrs[a].name)))
			continue;
		f->attrs[f->nattrs].name = t->attrs[a].name;
		f->attrs[f->nattrs++].value = attr_value(t, a, v);
	}
}

/* Orders faults by start, keeping the written order for equal starts. */
static int fault_cmp(const void *va, const void *vb)
{
	const struct fr_fault *a = va, *b = vb;

	if (a->at_us != b->at_us)
		return a->at_us < b->at_us ? -1 : 1;
	if (a->pos.line != b->pos.line)
		return a->pos.line < b->pos.line ? -1 : 1;
	return (a->pos.col > b->pos.col) - (a->pos.col < b->pos.col);
}

/* Builds faults:, taking over the proxies file the checker read. */
static void build_faults(struct fr_faults *f, const node_t *node, struct fr_proxy_file *proxies)
{
	const node_t *tl = fr_grammar_get(node, FR_K_FAULTS_TIMELINE);

	build_fields(f, node, FR_GM_FAULTS, -1);
	f->proxies_file = proxies->path;
	f->proxies = proxies->proxies;
	f->nproxies = proxies->n;
	*proxies = (struct fr_proxy_file){0};
	f->n = tl ? tl->n : 0;
	f->items = xcalloc(f->n ? f->n : 1, sizeof *f->items);
	for (size_t i = 0; i < f->n; i++)
		build_fault(&f->items[i], tl->vals[i]);
	qsort(f->items, f->n, sizeof *f->items, fault_cmp);
}

/* Sets the stat and threshold of SLO S from its stat key K and value V. */
static void build_stat(struct fr_slo *s, enum fr_gkey k, const node_t *v)
{
	struct fr_threshold thr = {0};
	char *err = NULL;

	s->stat = (enum fr_stat)fr_grammar_keys[k].stat;
	if (s->stat == FR_STAT_QUANTILE)
		s->quantile = strtod(fr_grammar_keys[k].name + 1, NULL) / 100;
	if (fr_units_threshold(v->str, &thr, &err) < 0)
		free(err);
	s->cmp = thr.cmp;
	s->threshold = thr.value;
	s->threshold_is_rate = thr.kind == FR_THR_PERCENT;
	s->threshold_text = xstrdup(v->str);
}

/* Sets the window of SLO S from its during: value (NULL: the whole run). */
static void build_window(struct fr_slo *s, const node_t *v)
{
	const char *text = v ? v->str : fr_grammar_keys[FR_K_SLO_DURING].def, *rest;
	const struct fr_window_form *form = fr_grammar_window(text, &rest);

	s->window_text = xstrdup(text);
	s->window = form ? form->kind : FR_WINDOW_RUN;
	if (form && (form->arg == FR_WARG_STAGE || form->arg == FR_WARG_FAULT))
		s->window_ref = xstrdup(rest);
	else if (form && form->arg == FR_WARG_DURATION)
		s->after_us = duration(rest);
}

/* Builds one SLO. */
static void build_slo(struct fr_slo *s, const node_t *node)
{
	s->pos = node->pos;
	build_fields(s, node, FR_GM_SLO, -1);
	for (size_t i = 0; i < node->n; i++) {
		enum fr_gkey k = fr_grammar_find(FR_GM_SLO, node->keys[i]->str);
		if (k < FR_K_COUNT && fr_grammar_keys[k].type == FR_GT_STAT)
			build_stat(s, k, node->vals[i]);
	}
	build_window(s, fr_grammar_get(node, FR_K_SLO_DURING));
}

/* Builds auth: its request with the captures of both the request and auth:. */
static void build_auth(struct fr_plan *p, const node_t *node)
{
	p->auth = xcalloc(1, sizeof *p->auth);
	build_request(p->auth, fr_grammar_get(node, FR_K_AUTH_REQUEST));
	build_captures(p->auth, fr_grammar_get(node, FR_K_AUTH_CAPTURE));
	build_fields(p, node, FR_GM_AUTH, -1);
}

/* Builds the sweep parameter and its values (plain strings, not templates). */
static void build_sweep(struct fr_plan *p, const node_t *node)
{
	const node_t *vals = node->vals[0];

	p->sweep_param = xstrdup(node->keys[0]->str);
	p->nsweep = vals->n;
	p->sweep_values = xcalloc(vals->n ? vals->n : 1, sizeof *p->sweep_values);
	for (size_t i = 0; i < vals->n; i++)
		p->sweep_values[i] = vals->vals[i]->kind == FR_Y_SCALAR ? unescape(vals->vals[i]->str) : NULL;
}

/* Section by section, in the order of plan.h. */
struct fr_plan *fr_build_plan(const struct fr_ynode *root, const char *path, struct fr_proxy_file *proxies)
{
	struct fr_plan *p = xcalloc(1, sizeof *p);
	const node_t *v;

	p->file = xstrdup(path);
	build_fields(p, root, FR_GM_ROOT, -1);
	build_fields(p, fr_grammar_get(root, FR_K_TARGET), FR_GM_TARGET, -1);
	if ((v = fr_grammar_get(root, FR_K_AUTH)))
		build_auth(p, v);
	p->nsetup = build_requests(&p->setup, fr_grammar_get(root, FR_K_SETUP));
	p->nteardown = build_requests(&p->teardown, fr_grammar_get(root, FR_K_TEARDOWN));
	if ((v = fr_grammar_get(root, FR_K_SWEEP)))
		build_sweep(p, v);
	v = fr_grammar_get(root, FR_K_SCENARIOS);
	p->nscenarios = v->n;
	p->scenarios = xcalloc(v->n ? v->n : 1, sizeof *p->scenarios);
	for (size_t i = 0; i < v->n; i++)
		build_scenario(&p->scenarios[i], v->vals[i]);
	if ((v = fr_grammar_get(root, FR_K_FAULTS)))
		build_faults(&p->faults, v, proxies);
	if ((v = fr_grammar_get(root, FR_K_SLOS))) {
		p->nslos = v->n;
		p->slos = xcalloc(v->n ? v->n : 1, sizeof *p->slos);
		for (size_t i = 0; i < v->n; i++)
			build_slo(&p->slos[i], v->vals[i]);
	}
	return p;
}
