/* varsfile.c: writing and reading the setup captures shared by shards (see varsfile.h). */
#include "cli/varsfile.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/digest.h"
#include "util/atomic_file.h"
#include "util/xmalloc.h"

/* One pass's variables as an object: a value, or a list of them. */
static json_t *pass_json(const struct fr_varstore *vs)
{
	json_t *o = json_object();
	for (size_t i = 0; i < vs->n; i++) {
		const struct fr_var *v = &vs->items[i];
		if (v->nvalues == 1) {
			json_object_set_new(o, v->name, json_string(v->values[0]));
			continue;
		}
		json_t *a = json_array();
		for (size_t k = 0; k < v->nvalues; k++)
			json_array_append_new(a, json_string(v->values[k]));
		json_object_set_new(o, v->name, a);
	}
	return o;
}

/* What fr_atomic_file_write fills the file with. */
static int fill(FILE *out, const void *arg)
{
	int rc = json_dumpf(arg, out, JSON_INDENT(2));
	fputc('\n', out);
	return rc;
}

int fr_varsfile_write(const char *path, const struct fr_timeline *tl, const struct fr_varstore *pass_vars)
{
	char digest[FR_DIGEST_LEN], *err = NULL;
	fr_timeline_digest(tl, digest);
	json_t *passes = json_array();
	for (int p = 0; p < tl->npasses; p++)
		json_array_append_new(passes, pass_json(&pass_vars[p]));
	json_t *doc = json_pack("{ss si ss ss so}", "format", "flowrun-vars", "version", 1, "plan", tl->plan->name,
	                        "digest", digest, "passes", passes);
	int rc = fr_atomic_file_write(path, fill, doc, &err);
	if (rc)
		fprintf(stderr, "flowrun: cannot write %s: %s\n", path, err);
	free(err);
	json_decref(doc);
	return rc;
}

/* Sets one variable from its JSON value; -1 when it is neither a string nor a list of strings. */
static int set_var(struct fr_varstore *vs, const char *name, json_t *v)
{
	if (json_is_string(v)) {
		fr_varstore_set(vs, name, json_string_value(v));
		return 0;
	}
	if (!json_is_array(v))
		return -1;
	size_t n = json_array_size(v), i;
	char **vals = xcalloc(n + 1, sizeof *vals);
	json_t *e;
	int bad = 0;
	json_array_foreach(v, i, e)
	{
		bad |= !json_is_string(e);
		vals[i] = (char *)(json_is_string(e) ? json_string_value(e) : "");
	}
	if (!bad)
		fr_varstore_set_list(vs, name, vals, n);
	free(vals);
	return bad ? -1 : 0;
}

/* Why DOC does not fit TL, or NULL. */
static char *mismatch(const char *path, json_t *doc, const struct fr_timeline *tl)
{
	char digest[FR_DIGEST_LEN];
	const char *fmt = json_string_value(json_object_get(doc, "format"));
	const char *plan = json_string_value(json_object_get(doc, "plan"));
	const char *dg = json_string_value(json_object_get(doc, "digest"));
	json_t *passes = json_object_get(doc, "passes");
	fr_timeline_digest(tl, digest);
	if (!fmt || strcmp(fmt, "flowrun-vars") != 0 || !plan || !dg || !json_is_array(passes))
		return xasprintf("%s is not a vars file of flowrun setup", path);
	if (strcmp(plan, tl->plan->name) != 0)
		return xasprintf("%s was made for plan '%s', not '%s'", path, plan, tl->plan->name);
	if (strcmp(dg, digest) != 0)
		return xasprintf("%s was made for plan '%s' with digest %s, this one compiles to %s (another version, "
		                 "time scale or variables)",
		                 path, plan, dg, digest);
	if (json_array_size(passes) != (size_t)tl->npasses)
		return xasprintf("%s has %zu passes, the plan %d", path, json_array_size(passes), tl->npasses);
	return NULL;
}

struct fr_varstore *fr_varsfile_read(const char *path, const struct fr_timeline *tl)
{
	json_error_t e;
	json_t *doc = json_load_file(path, 0, &e);
	if (!doc) {
		fprintf(stderr, "flowrun: %s: %s\n", path, e.text);
		return NULL;
	}
	char *why = mismatch(path, doc, tl);
	struct fr_varstore *out = why ? NULL : xcalloc((size_t)tl->npasses + 1, sizeof *out);
	for (int p = 0; out && p < tl->npasses; p++) {
		const char *name;
		json_t *v;
		json_object_foreach(json_array_get(json_object_get(doc, "passes"), (size_t)p), name, v)
		{
			if (set_var(&out[p], name, v) != 0 && !why)
				why = xasprintf("%s: pass %d: variable '%s' is not a string or a list of strings", path,
				                p + 1, name);
		}
	}
	json_decref(doc);
	if (why) {
		fprintf(stderr, "flowrun: %s\n", why);
		free(why);
		fr_varsfile_free(out, tl->npasses);
		return NULL;
	}
	return out;
}

void fr_varsfile_free(struct fr_varstore *v, int n)
{
	for (int p = 0; v && p < n; p++)
		fr_varstore_clear(&v[p]);
	free(v);
}
