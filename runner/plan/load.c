/* load.c: loading a plan file — extends, env expansion, checking, building.
 *
 * fr_plan_load reads the file and every file it extends into positioned
 * trees (yamltree.h) in one arena, merges them (mappings key by key, anything
 * else replaced; every node keeps the position of the file it came from),
 * expands ${env:…} in every scalar, runs the checker (validate.h) and, only
 * when it found nothing, builds the structs of plan.h from the tree
 * (build.h), handing over the proxies file the checker read. File names are
 * interned in the loader: on success the plan owns them (plan->files); on
 * failure they move to a process-wide list, because the caller's diagnostics
 * still point at them.
 */
#include "plan/load.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "plan/build.h"
#include "plan/grammar.h"
#include "plan/path.h"
#include "plan/roots.h"
#include "plan/validate.h"
#include "plan/vars.h"
#include "plan/yamltree.h"
#include "util/buf.h"
#include "util/xmalloc.h"

#define MAX_EXTENDS 32

typedef struct fr_ynode node_t;

struct loader {
	struct fr_yarena *arena;
	struct fr_roots roots; /* where extended files may come from */
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

/* Returns the interned copy of NAME. */
static const char *intern(struct loader *l, const char *name)
{
	for (size_t i = 0; i < l->nfiles; i++)
		if (strcmp(l->files[i], name) == 0)
			return l->files[i];
	l->files = xreallocarray(l->files, l->nfiles + 1, sizeof *l->files);
	return l->files[l->nfiles++] = xstrdup(name);
}

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

/* Whether ROOT can be a plan to extend: a mapping with a key of the plan
 * language. Anything else (a password file, a key file) is refused whole,
 * so that no line of it is quoted back as an unknown key. */
static int looks_like_plan(const node_t *root)
{
	for (size_t i = 0; root && root->kind == FR_Y_MAP && i < root->n; i++)
		if (root->keys[i]->kind == FR_Y_SCALAR && fr_grammar_find(FR_GM_ROOT, root->keys[i]->str) != FR_K_COUNT)
			return 1;
	return 0;
}

/* Whether the text of FILE has a line "KEY:" at column 1 with KEY a plan key:
 * a plan that does not parse is still told from, say, a password file. */
static int text_has_plan_key(const char *file)
{
	FILE *f = fopen(file, "r");
	char line[256];
	int found = 0;
	for (size_t n = 0; f && !found && n < 100000 && fgets(line, sizeof line, f); n++) {
		size_t k = strspn(line, "abcdefghijklmnopqrstuvwxyz_");
		if (k && line[k] == ':') {
			line[k] = '\0';
			found = fr_grammar_find(FR_GM_ROOT, line) != FR_K_COUNT;
		}
	}
	if (f)
		fclose(f);
	return found;
}

/* Loads the extended FILE (named NAME in the plan, at AT) into *ROOT_OUT.
 * Its diagnostics go to L's only when it is a plan (or could not be read):
 * those of a file that is not one would quote it ("duplicate key 'root'"),
 * so it gets one message with a position in it and nothing of its text. */
static int load_extended(struct loader *l, const char *file, const char *name, struct fr_pos at, node_t **root_out)
{
	struct fr_diags got = {.limit = l->diags->limit};
	int rc = fr_ytree_load(l->arena, file, at, &got, root_out);
	int quoted = 0; /* a diagnostic inside FILE, which may quote it */
	struct fr_pos first = at;
	for (size_t i = 0; i < got.n; i++)
		if (got.items[i].pos.file == file && !quoted++)
			first = got.items[i].pos;
	int plan = rc == 0 ? looks_like_plan(*root_out) : !quoted || text_has_plan_key(file);
	if (plan) {
		for (size_t i = 0; i < got.n; i++)
			if (got.items[i].warning)
				fr_diag_warn(l->diags, got.items[i].pos, "%s", got.items[i].message);
			else
				fr_diag_add(l->diags, got.items[i].pos, "%s", got.items[i].message);
	} else if (rc == 0) {
		fr_diag_add(l->diags, at, "cannot extend '%s': not a flowrun plan (none of its keys is a plan key)",
		            name);
	} else {
		fr_diag_add(l->diags, at,
		            "cannot extend '%s': not a flowrun plan (not YAML with plan keys: line %d, column %d)",
		            name, first.line, first.col);
	}
	fr_diag_clear(&got);
	return plan && rc == 0 ? 0 : -1;
}

/* Reports the extends cycle that loading REAL again would close. */
static void report_cycle(struct loader *l, size_t from, const char *name, struct fr_pos at)
{
	struct fr_buf msg = {0};

	for (size_t i = from; i < l->nchain; i++)
		fr_buf_printf(&msg, "%s -> ", l->chain_name[i]);
	fr_buf_adds(&msg, name);
	fr_diag_add(l->diags, at, "extends cycle: %s", fr_buf_str(&msg));
	fr_buf_free(&msg);
}

/* Loads the file that ROOT (of FILE) extends and merges ROOT over it. */
static int load_base(struct loader *l, node_t **root)
{
	node_t *ext = fr_grammar_get(*root, FR_K_EXTENDS), *base;
	char *path;
	int r;

	if (!ext || ext->kind != FR_Y_SCALAR || fr_ytree_is_null(ext))
		return 0; /* the checker reports a wrong type */
	expand_env(l, ext);
	path = fr_path_resolve(ext->pos.file, ext->str);
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
	if (at.file && !fr_roots_contain(&l->roots, real)) {
		char *where = fr_roots_describe(&l->roots);
		fr_diag_add(l->diags, at,
		            "extends '%s' is outside the plan's repository (%s); --allow-outside PATH allows it", name,
		            where);
		free(where);
		free(real);
		return -1;
	}
	if ((at.file ? load_extended(l, file, name, at, root_out)
	             : fr_ytree_load(l->arena, file, at, l->diags, root_out)) < 0) {
		free(real);
		return -1;
	}
	l->chain_real[l->nchain] = real;
	l->chain_name[l->nchain++] = file;
	r = load_base(l, root_out);
	free(l->chain_real[--l->nchain]);
	return r;
}

/* Diagnostics of every stage land in DIAGS; the builder runs only on a clean tree. */
int fr_plan_load(const char *path, struct fr_diags *diags, struct fr_plan **plan_out)
{
	struct loader l = {.arena = fr_yarena_new(), .diags = diags};
	fr_roots_for_plan(&l.roots, path);
	struct fr_proxy_file proxies = {0};
	size_t before = fr_diag_errors(diags);
	node_t *root = NULL;
	int ok;

	*plan_out = NULL;
	if (load_file(&l, path, (struct fr_pos){0}, &root) == 0) {
		expand_env_deep(&l, root);
		fr_validate(root, &l.roots, diags, &proxies);
	}
	ok = root && fr_diag_errors(diags) == before;
	if (ok) {
		*plan_out = fr_build_plan(root, path, &proxies);
		(*plan_out)->files = l.files;
		(*plan_out)->nfiles = l.nfiles;
	} else {
		orphan_files = xreallocarray(orphan_files, norphan_files + l.nfiles + 1, sizeof *orphan_files);
		memcpy(orphan_files + norphan_files, l.files, l.nfiles * sizeof *l.files);
		norphan_files += l.nfiles;
		free(l.files);
	}
	fr_proxies_file_free(&proxies);
	fr_roots_free(&l.roots);
	fr_yarena_free(l.arena);
	return ok ? 0 : -1;
}
