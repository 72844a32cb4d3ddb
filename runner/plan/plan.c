/* plan.c: loading a plan file — extends, env expansion, checking, building plan.h.
 *
 * fr_plan_load reads the file and every file it extends into positioned
 * trees (yamltree.h) in one arena, merges them (mappings key by key, anything
 * else replaced; every node keeps the position of the file it came from),
 * expands ${env:…} in every scalar, runs the checker (validate.c) and, only
 * when it found nothing, builds the structs of plan.h from the tree. The
 * builder therefore trusts the tree. File names are interned in the loader:
 * on success the plan owns them (plan->files); on failure they move to a
 * process-wide list, because the caller's diagnostics still point at them.
 */
#include "plan/plan.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "plan/units.h"
#include "plan/validate.h"
#include "plan/vars.h"
#include "util/buf.h"
#include "util/xmalloc.h"
#include "plan/yamltree.h"

#define MAX_EXTENDS 32

typedef struct fr_ynode node_t;

struct loader {
	struct fr_yarena *arena;
	struct fr_diags *diags;
	char **files; /* interned names, in order of first use */
	size_t nfiles;
	char *chain_real[MAX_EXTENDS + 1]; /* the extends chain being loaded */
	const char *chain_name[MAX_EXTENDS + 1];
	size_t nchain;
};

/* File names of plans that failed to load: diagnostics point at them. */
static char **orphan_files;
static size_t norphan_files;

/* ---- paths ---- */

char *fr_plan_resolve(const char *from_file, const char *path)
{
	const char *slash = strrchr(from_file, '/');
	char *joined, *out, **parts;
	size_t nparts = 0, len;
	int absolute;

	if (path[0] == '/' || !slash)
		joined = xstrdup(path);
	else
		joined = xasprintf("%.*s/%s", (int)(slash - from_file), from_file, path);
	absolute = joined[0] == '/';
	len = strlen(joined);
	parts = xcalloc(len + 1, sizeof *parts);
	for (char *save = NULL, *p = strtok_r(joined, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
		if (strcmp(p, ".") == 0)
			continue;
		if (strcmp(p, "..") == 0 && nparts > 0 && strcmp(parts[nparts - 1], "..") != 0)
			nparts--;
		else if (!(strcmp(p, "..") == 0 && absolute))
			parts[nparts++] = p;
	}
	out = xmalloc(len + 3);
	out[0] = '\0';
	if (absolute)
		strcat(out, "/");
	for (size_t i = 0; i < nparts; i++) {
		if (i)
			strcat(out, "/");
		strcat(out, parts[i]);
	}
	if (!*out)
		strcat(out, ".");
	free(parts);
	free(joined);
	return out;
}

/* Returns the interned copy of NAME. */
static const char *intern(struct loader *l, const char *name)
{
	for (size_t i = 0; i < l->nfiles; i++)
		if (strcmp(l->files[i], name) == 0)
			return l->files[i];
	l->files = xreallocarray(l->files, l->nfiles + 1, sizeof *l->files);
	return l->files[l->nfiles++] = xstrdup(name);
}

/* ---- extends ---- */

/* A new mapping: BASE with OVER merged over it, key by key, recursively. */
static node_t *merge(struct loader *l, node_t *base, node_t *over)
{
	if (base->kind != FR_Y_MAP || over->kind != FR_Y_MAP)
		return over;
	node_t *m = fr_yarena_alloc(l->arena, sizeof *m);
	size_t cap = base->n + over->n, n = 0;
	*m = *over;
	m->keys = fr_yarena_alloc(l->arena, (cap ? cap : 1) * sizeof *m->keys);
	m->vals = fr_yarena_alloc(l->arena, (cap ? cap : 1) * sizeof *m->vals);
	for (size_t i = 0; i < base->n; i++) {
		node_t *ov = fr_ytree_get(over, base->keys[i]->str);
		m->keys[n] = ov ? fr_ytree_key(over, base->keys[i]->str) : base->keys[i];
		m->vals[n++] = ov ? merge(l, base->vals[i], ov) : base->vals[i];
	}
	for (size_t i = 0; i < over->n; i++) {
		if (!fr_ytree_get(base, over->keys[i]->str)) {
			m->keys[n] = over->keys[i];
			m->vals[n++] = over->vals[i];
		}
	}
	m->n = n;
	return m;
}

/* Expands ${env:…} in scalar NODE in place; reports a problem at its position. */
static void expand_env(struct loader *l, node_t *node)
{
	char *out = NULL, *err = NULL;
	size_t col = 0;

	if (!strstr(node->raw, "${env:"))
		return;
	if (fr_vars_expand_env(node->raw, &out, &err, &col) < 0) {
		fr_diag_add(l->diags, fr_ytree_pos_at(node, col), "%s", err);
		free(err);
		node->env_failed = 1;
		return;
	}
	node->str = fr_yarena_strndup(l->arena, out, strlen(out));
	free(out);
}

/* Expands ${env:…} in every scalar value under NODE (keys are never expanded). */
static void expand_env_deep(struct loader *l, node_t *node)
{
	if (node->kind == FR_Y_SCALAR) {
		expand_env(l, node);
		return;
	}
	for (size_t i = 0; i < node->n; i++)
		expand_env_deep(l, node->vals[i]);
}

static int load_file(struct loader *l, const char *name, struct fr_pos at, node_t **root_out);

/* Reports the extends cycle that loading REAL again would close. */
static void report_cycle(struct loader *l, size_t from, const char *name, struct fr_pos at)
{
	size_t len = strlen(name) + 1;
	char *msg;

	for (size_t i = from; i < l->nchain; i++)
		len += strlen(l->chain_name[i]) + 4;
	msg = xmalloc(len);
	msg[0] = '\0';
	for (size_t i = from; i < l->nchain; i++) {
		strcat(msg, l->chain_name[i]);
		strcat(msg, " -> ");
	}
	strcat(msg, name);
	fr_diag_add(l->diags, at, "extends cycle: %s", msg);
	free(msg);
}

/* Loads the file that ROOT (of FILE) extends and merges ROOT over it. */
static int load_base(struct loader *l, node_t **root)
{
	node_t *ext = fr_ytree_get(*root, "extends"), *base;
	char *path;
	int r;

	if (!ext || ext->kind != FR_Y_SCALAR || fr_ytree_is_null(ext))
		return 0; /* the checker reports a wrong type */
	expand_env(l, ext);
	path = fr_plan_resolve(ext->pos.file, ext->str);
	r = load_file(l, path, ext->pos, &base);
	free(path);
	if (r == 0)
		*root = merge(l, base, *root);
	return r;
}

/* Loads NAME and what it extends; AT is the extends value naming it (file NULL for the root). */
static int load_file(struct loader *l, const char *name, struct fr_pos at, node_t **root_out)
{
	const char *file = intern(l, name);
	char *real = realpath(name, NULL);
	int r;

	*root_out = NULL;
	if (!real) {
		struct fr_pos where = at.file ? at : (struct fr_pos){file, 0, 0};
		fr_diag_add(l->diags, where, "cannot read '%s': %s", name, strerror(errno));
		return -1;
	}
	struct stat st;
	if (at.file && (stat(real, &st) != 0 || !S_ISREG(st.st_mode))) {
		/* a FIFO or a device would block or never end */
		fr_diag_add(l->diags, at, "cannot read '%s': not a regular file", name);
		free(real);
		return -1;
	}
	for (size_t i = 0; i < l->nchain; i++) {
		if (strcmp(l->chain_real[i], real) == 0) {
			report_cycle(l, i, file, at);
			free(real);
			return -1;
		}
	}
	if (l->nchain > MAX_EXTENDS) {
		fr_diag_add(l->diags, at, "extends chain is longer than %d files", MAX_EXTENDS);
		free(real);
		return -1;
	}
	if (fr_ytree_load(l->arena, file, at, l->diags, root_out) < 0) {
		free(real);
		return -1;
	}
	l->chain_real[l->nchain] = real;
	l->chain_name[l->nchain++] = file;
	r = load_base(l, root_out);
	free(l->chain_real[--l->nchain]);
	return r;
}

/* ---- building the structs (the tree is known to be valid) ---- */

/* Appends S as a JSON string. */
static void sb_json_str(struct fr_buf *b, const char *s)
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
static void sb_json(struct fr_buf *b, const node_t *node)
{
	if (node->kind == FR_Y_MAP || node->kind == FR_Y_SEQ) {
		int map = node->kind == FR_Y_MAP;
		fr_buf_add(b, map ? "{" : "[", 1);
		for (size_t i = 0; i < node->n; i++) {
			if (i)
				fr_buf_add(b, ",", 1);
			if (map) {
				sb_json_str(b, node->keys[i]->str);
				fr_buf_add(b, ":", 1);
			}
			sb_json(b, node->vals[i]);
		}
		fr_buf_add(b, map ? "}" : "]", 1);
	} else if (fr_ytree_is_null(node)) {
		fr_buf_add(b, "null", 4);
	} else if (node->style == FR_YS_PLAIN &&
	           (strcmp(node->str, "true") == 0 || strcmp(node->str, "false") == 0 || is_json_number(node->str))) {
		fr_buf_add(b, node->str, strlen(node->str));
	} else {
		sb_json_str(b, node->str);
	}
}

/* A copy of the string NODE, or NULL. */
static char *str(const node_t *node)
{
	return node && node->kind == FR_Y_SCALAR ? xstrdup(node->str) : NULL;
}

/* A copy of NODE with "$${" unescaped: for values that are not templates. */
static char *plain(const node_t *node)
{
	char *s = str(node), *p;

	if (!s)
		return NULL;
	while ((p = strstr(s, "$${")))
		memmove(p, p + 1, strlen(p));
	return s;
}

/* A duration NODE in µs, or DEF when absent. */
static int64_t dur(const node_t *node, int64_t def)
{
	int64_t us = def;
	char *err = NULL;

	if (node && fr_units_duration(node->str, &us, &err) < 0)
		free(err);
	return us;
}

/* A rate NODE in events/s, or 0 when absent. */
static double rate(const node_t *node)
{
	double v = 0;
	char *err = NULL;

	if (node && fr_units_rate(node->str, &v, &err) < 0)
		free(err);
	return v;
}

/* An integer NODE, or DEF when absent. */
static int64_t integer(const node_t *node, int64_t def)
{
	int64_t v = def;

	if (node)
		fr_units_int(node->str, &v);
	return v;
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

/* Appends the captures of mapping NODE to R. */
static void build_captures(struct fr_request *r, const node_t *node)
{
	if (!node || node->kind != FR_Y_MAP)
		return;
	r->captures = xreallocarray(r->captures, r->ncaptures + node->n + 1, sizeof *r->captures);
	for (size_t i = 0; i < node->n; i++) {
		const node_t *spec = node->vals[i], *v;
		struct fr_capture *c = &r->captures[r->ncaptures++];
		memset(c, 0, sizeof *c);
		c->var = xstrdup(node->keys[i]->str);
		c->pos = node->keys[i]->pos;
		if ((v = fr_ytree_get(spec, "json"))) {
			c->kind = FR_CAPTURE_JSON;
		} else if ((v = fr_ytree_get(spec, "header"))) {
			c->kind = FR_CAPTURE_HEADER;
		} else {
			v = fr_ytree_get(spec, "regex");
			c->kind = FR_CAPTURE_REGEX;
			c->group =
			        (int)integer(fr_ytree_get(spec, "group"), fr_validate_regex_groups(v->str) > 0 ? 1 : 0);
		}
		c->expr = xstrdup(v->str);
	}
}

static void build_request(struct fr_request *r, const node_t *node);

/* Builds the steps of a group. */
static void build_steps(struct fr_request *r, const node_t *steps)
{
	r->nsteps = steps->n;
	r->steps = xcalloc(steps->n ? steps->n : 1, sizeof *r->steps);
	for (size_t i = 0; i < steps->n; i++)
		build_request(&r->steps[i], steps->vals[i]);
}

/* Builds one request (or group) from NODE. */
static void build_request(struct fr_request *r, const node_t *node)
{
	const node_t *v;

	memset(r, 0, sizeof *r);
	r->name = str(fr_ytree_get(node, "name"));
	r->pos = node->pos;
	r->method = xstrdup((v = fr_ytree_get(node, "method")) ? v->str : "GET");
	r->weight = (unsigned)integer(fr_ytree_get(node, "weight"), 1);
	if ((v = fr_ytree_get(node, "steps"))) {
		build_steps(r, v);
		return;
	}
	if ((v = fr_ytree_get(node, "path"))) {
		r->url = xstrdup(v->str);
		r->url_is_path = 1;
	} else {
		r->url = str(fr_ytree_get(node, "url"));
	}
	r->headers = kvlist(fr_ytree_get(node, "headers"));
	r->query = kvlist(fr_ytree_get(node, "query"));
	if ((v = fr_ytree_get(node, "json"))) {
		struct fr_buf b = {0};
		sb_json(&b, v);
		r->body = b.s;
		r->body_is_json = 1;
	} else {
		r->body = str(fr_ytree_get(node, "body"));
	}
	r->timeout_us = dur(fr_ytree_get(node, "timeout"), 0);
	r->each = str(fr_ytree_get(node, "each"));
	build_captures(r, fr_ytree_get(node, "capture"));
}

/* Builds a sequence of requests into *out. */
static size_t build_requests(struct fr_request **out, const node_t *node)
{
	size_t n = node && node->kind == FR_Y_SEQ ? node->n : 0;

	*out = n ? xcalloc(n, sizeof **out) : NULL;
	for (size_t i = 0; i < n; i++)
		build_request(&(*out)[i], node->vals[i]);
	return n;
}

/* Builds the websocket part of scenario NODE. */
static void build_ws(struct fr_ws *ws, const node_t *node)
{
	const node_t *v;

	ws->pos = node->pos;
	ws->connect = str(fr_ytree_get(node, "connect"));
	ws->headers = kvlist(fr_ytree_get(node, "headers"));
	ws->subscribe = str(fr_ytree_get(node, "subscribe"));
	if ((v = fr_ytree_get(node, "publish")))
		build_request(&ws->publish, v);
	ws->publish_rate = rate(fr_ytree_get(node, "rate"));
	ws->match = str(fr_ytree_get(node, "match"));
	ws->deadline_us = dur(fr_ytree_get(node, "deadline"), 5000000);
	if ((v = fr_ytree_get(node, "reconnect"))) {
		ws->reconnect_attempts = (unsigned)integer(fr_ytree_get(v, "attempts"), 0);
		ws->reconnect_delay_us = dur(fr_ytree_get(v, "delay"), 0);
	}
}

/* Builds one scenario. */
static void build_scenario(struct fr_scenario *s, const node_t *node)
{
	static const char *const levels[] = {"users", "rate", "viewers"};
	const node_t *stages = fr_ytree_get(node, "stages"), *v;
	const char *model = fr_ytree_get(node, "model")->str;

	s->name = str(fr_ytree_get(node, "name"));
	s->pos = node->pos;
	s->model = strcmp(model, "closed") == 0 ? FR_MODEL_CLOSED
	           : strcmp(model, "open") == 0 ? FR_MODEL_OPEN
	                                        : FR_MODEL_WEBSOCKET;
	s->arrival = (v = fr_ytree_get(node, "arrival")) && strcmp(v->str, "poisson") == 0 ? FR_ARRIVAL_POISSON
	                                                                                   : FR_ARRIVAL_UNIFORM;
	s->think_us = dur(fr_ytree_get(node, "think"), 0);
	s->nstages = stages->n;
	s->stages = xcalloc(stages->n ? stages->n : 1, sizeof *s->stages);
	for (size_t i = 0; i < stages->n; i++) {
		const node_t *st = stages->vals[i], *lv = fr_ytree_get(st, levels[s->model]);
		s->stages[i].name = str(fr_ytree_get(st, "name"));
		s->stages[i].pos = st->pos;
		s->stages[i].dur_us = dur(fr_ytree_get(st, "for"), 0);
		s->stages[i].level = s->model == FR_MODEL_OPEN ? rate(lv) : (double)integer(lv, 0);
	}
	s->nrequests = build_requests(&s->requests, fr_ytree_get(node, "requests"));
	if (s->model == FR_MODEL_WEBSOCKET)
		build_ws(&s->ws, node);
}

/* Converts the value of attribute A of a fault to Toxiproxy's unit. */
static int64_t attr_value(const struct fr_toxic_def *t, int a, const node_t *v)
{
	int64_t x = 0;
	char *err = NULL;

	switch (t->attrs[a].unit) {
	case FR_ATTR_MS: return dur(v, 0) / 1000;
	case FR_ATTR_US: return dur(v, 0);
	case FR_ATTR_KBPS:
		if (fr_units_bandwidth(v->str, &x, &err) < 0)
			free(err);
		return x;
	case FR_ATTR_BYTES: return integer(v, 0);
	}
	return 0;
}

/* Builds one fault. */
static void build_fault(struct fr_fault *f, const node_t *node)
{
	const struct fr_toxic_def *t = fr_validate_toxic(fr_ytree_get(node, "toxic")->str);
	const node_t *proxies = fr_ytree_get(node, "proxies"), *v;

	f->name = (v = fr_ytree_get(node, "name")) ? xstrdup(v->str) : fr_validate_fault_name(node);
	f->pos = node->pos;
	f->at_us = dur(fr_ytree_get(node, "at"), 0);
	f->dur_us = dur(fr_ytree_get(node, "for"), 0);
	f->nproxies = proxies->n;
	f->proxies = xcalloc(proxies->n ? proxies->n : 1, sizeof *f->proxies);
	for (size_t i = 0; i < proxies->n; i++)
		f->proxies[i] = xstrdup(proxies->vals[i]->str);
	f->toxic = t->toxic;
	f->upstream = (v = fr_ytree_get(node, "stream")) && strcmp(v->str, "upstream") == 0;
	f->toxicity = (v = fr_ytree_get(node, "toxicity")) ? strtod(v->str, NULL) : 1.0;
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

/* Builds faults:. */
static void build_faults(struct fr_faults *f, const node_t *node)
{
	const node_t *tl = fr_ytree_get(node, "timeline"), *v;
	char *err = NULL;

	f->toxiproxy_url = plain(fr_ytree_get(node, "toxiproxy"));
	if ((v = fr_ytree_get(node, "proxies"))) {
		f->proxies_file = fr_plan_resolve(v->pos.file, v->str);
		if (fr_validate_read_proxies(f->proxies_file, &f->proxies, &f->nproxies, &err) < 0)
			free(err);
	}
	f->n = tl ? tl->n : 0;
	f->items = xcalloc(f->n ? f->n : 1, sizeof *f->items);
	for (size_t i = 0; i < f->n; i++)
		build_fault(&f->items[i], tl->vals[i]);
	qsort(f->items, f->n, sizeof *f->items, fault_cmp);
}

/* Sets the stat and threshold of SLO S from its stat key K and value V. */
static void build_stat(struct fr_slo *s, const node_t *k, const node_t *v)
{
	struct fr_threshold thr = {0};
	char *err = NULL;

	if (strcmp(k->str, "max") == 0)
		s->stat = FR_STAT_MAX;
	else if (strcmp(k->str, "mean") == 0)
		s->stat = FR_STAT_MEAN;
	else if (strcmp(k->str, "error_rate") == 0)
		s->stat = FR_STAT_ERROR_RATE;
	else if (strcmp(k->str, "lost") == 0)
		s->stat = FR_STAT_LOST;
	else {
		s->stat = FR_STAT_QUANTILE;
		s->quantile = strtod(k->str + 1, NULL) / 100;
	}
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
	const char *d = v ? v->str : "run";

	s->window_text = xstrdup(d);
	if (strcmp(d, "each-stage") == 0)
		s->window = FR_WINDOW_EACH_STAGE;
	else if (strcmp(d, "no-fault") == 0)
		s->window = FR_WINDOW_NO_FAULT;
	else if (strncmp(d, "stage:", 6) == 0)
		s->window = FR_WINDOW_STAGE, s->window_ref = xstrdup(d + 6);
	else if (strncmp(d, "fault:", 6) == 0)
		s->window = FR_WINDOW_FAULT, s->window_ref = xstrdup(d + 6);
	else if (strncmp(d, "after-faults+", 13) == 0) {
		char *err = NULL;
		s->window = FR_WINDOW_AFTER_FAULTS;
		if (fr_units_duration(d + 13, &s->after_us, &err) < 0)
			free(err);
	} else
		s->window = FR_WINDOW_RUN;
}

/* Builds one SLO. */
static void build_slo(struct fr_slo *s, const node_t *node)
{
	static const char *const series[] = {"latency", "service", "delivery", "connect"};
	static const char *const stats[] = {"p50",   "p75", "p90",  "p95",        "p99",
	                                    "p99.9", "max", "mean", "error_rate", "lost"};
	const node_t *v;

	s->name = str(fr_ytree_get(node, "name"));
	s->pos = node->pos;
	s->scenario = str(fr_ytree_get(node, "scenario"));
	s->request = str(fr_ytree_get(node, "request"));
	s->metric = str(fr_ytree_get(node, "metric"));
	if ((v = fr_ytree_get(node, "series")))
		for (int i = 0; i < 4; i++)
			if (strcmp(v->str, series[i]) == 0)
				s->series = (enum fr_series)i;
	for (size_t i = 0; i < node->n; i++)
		for (size_t k = 0; k < sizeof stats / sizeof stats[0]; k++)
			if (strcmp(node->keys[i]->str, stats[k]) == 0)
				build_stat(s, node->keys[i], node->vals[i]);
	build_window(s, fr_ytree_get(node, "during"));
}

/* Builds auth:. */
static void build_auth(struct fr_plan *p, const node_t *node)
{
	p->auth = xcalloc(1, sizeof *p->auth);
	build_request(p->auth, fr_ytree_get(node, "request"));
	build_captures(p->auth, fr_ytree_get(node, "capture"));
	p->auth_headers = kvlist(fr_ytree_get(node, "headers"));
}

/* Builds the sweep parameter and its values. */
static void build_sweep(struct fr_plan *p, const node_t *node)
{
	const node_t *vals = node->vals[0];

	p->sweep_param = xstrdup(node->keys[0]->str);
	p->nsweep = vals->n;
	p->sweep_values = xcalloc(vals->n ? vals->n : 1, sizeof *p->sweep_values);
	for (size_t i = 0; i < vals->n; i++)
		p->sweep_values[i] = plain(vals->vals[i]);
}

/* Builds the plan structs from a checked tree. */
static struct fr_plan *build(const node_t *root, const char *path)
{
	struct fr_plan *p = xcalloc(1, sizeof *p);
	const node_t *target = fr_ytree_get(root, "target"), *v;

	p->file = xstrdup(path);
	p->version = (int)integer(fr_ytree_get(root, "version"), 1);
	p->name = str(fr_ytree_get(root, "name"));
	p->description = str(fr_ytree_get(root, "description"));
	p->base_url = plain(fr_ytree_get(target, "base_url"));
	p->timeout_us = dur(fr_ytree_get(target, "timeout"), 10000000);
	p->headers = kvlist(fr_ytree_get(target, "headers"));
	p->prometheus = plain(fr_ytree_get(target, "prometheus"));
	if ((v = fr_ytree_get(root, "auth")))
		build_auth(p, v);
	p->nsetup = build_requests(&p->setup, fr_ytree_get(root, "setup"));
	p->nteardown = build_requests(&p->teardown, fr_ytree_get(root, "teardown"));
	if ((v = fr_ytree_get(root, "sweep")))
		build_sweep(p, v);
	v = fr_ytree_get(root, "scenarios");
	p->nscenarios = v->n;
	p->scenarios = xcalloc(v->n ? v->n : 1, sizeof *p->scenarios);
	for (size_t i = 0; i < v->n; i++)
		build_scenario(&p->scenarios[i], v->vals[i]);
	if ((v = fr_ytree_get(root, "faults")))
		build_faults(&p->faults, v);
	if ((v = fr_ytree_get(root, "slos"))) {
		p->nslos = v->n;
		p->slos = xcalloc(v->n ? v->n : 1, sizeof *p->slos);
		for (size_t i = 0; i < v->n; i++)
			build_slo(&p->slos[i], v->vals[i]);
	}
	return p;
}

int fr_plan_load(const char *path, struct fr_diags *diags, struct fr_plan **plan_out)
{
	struct loader l = {.arena = fr_yarena_new(), .diags = diags};
	size_t before = diags->n;
	node_t *root = NULL;
	int ok;

	*plan_out = NULL;
	if (load_file(&l, path, (struct fr_pos){0}, &root) == 0) {
		expand_env_deep(&l, root);
		fr_validate(root, diags);
	}
	ok = root && diags->n == before;
	if (ok) {
		*plan_out = build(root, path);
		(*plan_out)->files = l.files;
		(*plan_out)->nfiles = l.nfiles;
	} else {
		orphan_files = xreallocarray(orphan_files, norphan_files + l.nfiles + 1, sizeof *orphan_files);
		memcpy(orphan_files + norphan_files, l.files, l.nfiles * sizeof *l.files);
		norphan_files += l.nfiles;
		free(l.files);
	}
	fr_yarena_free(l.arena);
	return ok ? 0 : -1;
}

/* ---- freeing ---- */

/* Frees the contents of a kvlist. */
static void kvlist_free(struct fr_kvlist *kv)
{
	for (size_t i = 0; i < kv->n; i++) {
		free(kv->items[i].key);
		free(kv->items[i].value);
	}
	free(kv->items);
}

/* Frees the contents of a request (not the struct). */
static void request_free(struct fr_request *r)
{
	free(r->name);
	free(r->method);
	free(r->url);
	kvlist_free(&r->headers);
	kvlist_free(&r->query);
	free(r->body);
	for (size_t i = 0; i < r->ncaptures; i++) {
		free(r->captures[i].var);
		free(r->captures[i].expr);
	}
	free(r->captures);
	free(r->each);
	for (size_t i = 0; i < r->nsteps; i++)
		request_free(&r->steps[i]);
	free(r->steps);
}

/* Frees N requests and the array. */
static void requests_free(struct fr_request *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		request_free(&r[i]);
	free(r);
}

/* Frees the contents of a scenario. */
static void scenario_free(struct fr_scenario *s)
{
	free(s->name);
	for (size_t i = 0; i < s->nstages; i++)
		free(s->stages[i].name);
	free(s->stages);
	requests_free(s->requests, s->nrequests);
	free(s->ws.connect);
	kvlist_free(&s->ws.headers);
	free(s->ws.subscribe);
	request_free(&s->ws.publish);
	free(s->ws.match);
}

/* Frees the contents of the fault section. */
static void faults_free(struct fr_faults *f)
{
	free(f->toxiproxy_url);
	free(f->proxies_file);
	fr_validate_free_proxies(f->proxies, f->nproxies);
	for (size_t i = 0; i < f->n; i++) {
		free(f->items[i].name);
		for (size_t k = 0; k < f->items[i].nproxies; k++)
			free(f->items[i].proxies[k]);
		free(f->items[i].proxies);
	}
	free(f->items);
}

void fr_plan_free(struct fr_plan *p)
{
	if (!p)
		return;
	free(p->file);
	free(p->name);
	free(p->description);
	free(p->base_url);
	kvlist_free(&p->headers);
	free(p->prometheus);
	if (p->auth)
		request_free(p->auth);
	free(p->auth);
	kvlist_free(&p->auth_headers);
	requests_free(p->setup, p->nsetup);
	requests_free(p->teardown, p->nteardown);
	free(p->sweep_param);
	for (size_t i = 0; i < p->nsweep; i++)
		free(p->sweep_values[i]);
	free(p->sweep_values);
	for (size_t i = 0; i < p->nscenarios; i++)
		scenario_free(&p->scenarios[i]);
	free(p->scenarios);
	faults_free(&p->faults);
	for (size_t i = 0; i < p->nslos; i++) {
		struct fr_slo *s = &p->slos[i];
		free(s->name);
		free(s->scenario);
		free(s->request);
		free(s->metric);
		free(s->threshold_text);
		free(s->window_ref);
		free(s->window_text);
	}
	free(p->slos);
	for (size_t i = 0; i < p->nfiles; i++)
		free(p->files[i]);
	free(p->files);
	free(p);
}

/* ---- lookups and names ---- */

const struct fr_scenario *fr_plan_scenario(const struct fr_plan *plan, const char *name)
{
	for (size_t i = 0; i < plan->nscenarios; i++)
		if (strcmp(plan->scenarios[i].name, name) == 0)
			return &plan->scenarios[i];
	return NULL;
}

int fr_plan_fault_index(const struct fr_plan *plan, const char *name)
{
	for (size_t i = 0; i < plan->faults.n; i++)
		if (strcmp(plan->faults.items[i].name, name) == 0)
			return (int)i;
	return -1;
}

const char *fr_model_name(enum fr_model model)
{
	static const char *const names[] = {"closed", "open", "websocket"};
	return (unsigned)model < 3 ? names[model] : "?";
}

const char *fr_toxic_name(enum fr_toxic toxic)
{
	static const char *const names[] = {"latency",    "bandwidth", "slow_close", "timeout",
	                                    "reset_peer", "slicer",    "limit_data", "down"};
	return (unsigned)toxic < 8 ? names[toxic] : "?";
}

const char *fr_series_name(enum fr_series series)
{
	static const char *const names[] = {"latency", "service", "delivery", "connect"};
	return (unsigned)series < 4 ? names[series] : "?";
}

const char *fr_cmp_name(enum fr_cmp cmp)
{
	static const char *const names[] = {"<", "<=", ">", ">="};
	return (unsigned)cmp < 4 ? names[cmp] : "?";
}
