/* capture.c: the three kinds of capture (see capture.h).
 *
 * A JSON path is looked up by a one-pass scanner when it can be sure of the
 * answer (json_path.h: no allocation, the common case of a load request);
 * otherwise it is walked over jansson's tree of the body step by step,
 * collecting every value a `[*]` fans out to; a regex was compiled once by
 * the plan's builder and is matched with bounded work (util/regex.h).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "engine/capture.h"
#include "engine/json_path.h"
#include "util/regex.h"
#include "util/xmalloc.h"

struct strlist {
	char **v;
	size_t n;
};

/* Appends a copy of S. */
static void list_add(struct strlist *l, char *s)
{
	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = s;
}

/* Frees the values and the array. */
static void list_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* The text of a JSON value: strings bare, everything else as compact JSON. */
static char *json_text(const json_t *v)
{
	char *dump, *s;

	if (json_is_string(v))
		return xstrndup(json_string_value(v), json_string_length(v));
	dump = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	s = xstrdup(dump ? dump : "");
	free(dump);
	return s;
}

static int walk(const json_t *node, const char *p, struct strlist *out);

/* `.key`: descends into an object member. */
static int walk_key(const json_t *node, const char *p, struct strlist *out)
{
	size_t n = strcspn(p, ".[");
	char *key = xstrndup(p, n);
	const json_t *child = json_is_object(node) ? json_object_get(node, key) : NULL;

	free(key);
	return child ? walk(child, p + n, out) : -1;
}

/* `[N]` or `[*]`: descends into array elements. */
static int walk_index(const json_t *node, const char *p, struct strlist *out)
{
	char *end;
	long idx;

	if (p[0] == '*' && p[1] == ']') {
		size_t i;
		const json_t *el;
		if (!json_is_array(node))
			return -1;
		json_array_foreach(node, i, el) walk(el, p + 2, out);
		return 0;
	}
	idx = strtol(p, &end, 10);
	if (end == p || *end != ']' || !json_is_array(node))
		return -1;
	if (idx < 0)
		idx += (long)json_array_size(node);
	if (idx < 0 || (size_t)idx >= json_array_size(node))
		return -1;
	return walk(json_array_get(node, (size_t)idx), end + 1, out);
}

/* Follows the rest of a path P from NODE, adding what it reaches to OUT. */
static int walk(const json_t *node, const char *p, struct strlist *out)
{
	if (*p == '\0') {
		list_add(out, json_text(node));
		return 0;
	}
	if (*p == '.')
		return walk_key(node, p + 1, out);
	if (*p == '[')
		return walk_index(node, p + 1, out);
	return -1;
}

/* A JSON path capture: the one-pass scanner when it is sure, jansson's tree otherwise. */
static int capture_json(const struct fr_capture *cap, const char *body, size_t len, struct fr_varstore *vars,
                        char **err_out)
{
	char val[1024];
	size_t vlen;
	json_error_t jerr;
	json_t *root;
	struct strlist out = {0};
	const char *path = cap->expr[0] == '$' ? cap->expr + 1 : cap->expr;
	int rc = -1;

	switch (strstr(path, "[*]") ? FR_JSON_PATH_UNSURE
	                            : fr_json_path_get(body, len, path, val, sizeof(val), &vlen)) {
	case FR_JSON_PATH_FOUND: fr_varstore_set(vars, cap->var, val); return 0;
	case FR_JSON_PATH_ABSENT:
		*err_out = xasprintf("capture '%s': %s not found in the response", cap->var, cap->expr);
		return -1;
	case FR_JSON_PATH_UNSURE: break;
	}
	root = json_loadb(body, len, JSON_DECODE_ANY, &jerr);
	if (!root) {
		*err_out = xasprintf("capture '%s': response is not JSON (%s)", cap->var, jerr.text);
		return -1;
	}
	if (walk(root, path, &out) == 0 && (strstr(path, "[*]") || out.n == 1)) {
		if (strstr(path, "[*]"))
			fr_varstore_set_list(vars, cap->var, out.v, out.n);
		else
			fr_varstore_set(vars, cap->var, out.v[0]);
		rc = 0;
	} else {
		*err_out = xasprintf("capture '%s': %s not found in the response", cap->var, cap->expr);
	}
	list_free(&out);
	json_decref(root);
	return rc;
}

/* A regex capture: the selected group of the first match, with the pattern
 * the builder compiled (util/regex.h bounds the work). */
static int capture_regex(const struct fr_capture *cap, const char *body, size_t len, struct fr_varstore *vars,
                         char **err_out)
{
	size_t off = 0, n = 0;
	enum fr_regex_result r = fr_regex_match(cap->re, body, len, (uint32_t)cap->group, &off, &n);

	if (r == FR_REGEX_MATCH) {
		char *v = xstrndup(body + off, n);
		fr_varstore_set(vars, cap->var, v);
		free(v);
		return 0;
	}
	if (r == FR_REGEX_NOMATCH)
		*err_out = xasprintf("capture '%s': /%s/ did not match the response", cap->var, cap->expr);
	else
		*err_out = xasprintf("capture '%s': /%s/ %s", cap->var, cap->expr, fr_regex_strerror(r));
	return -1;
}

/* A header capture: the value of the first header with that name. */
static int capture_header(const struct fr_capture *cap, const char *headers, size_t hlen, struct fr_varstore *vars,
                          char **err_out)
{
	size_t nl = strlen(cap->expr);

	for (const char *p = headers; p < headers + hlen; p += strlen(p) + 1) {
		if (strncasecmp(p, cap->expr, nl) != 0 || p[nl] != ':')
			continue;
		const char *v = p + nl + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		size_t vl = strlen(v);
		while (vl && isspace((unsigned char)v[vl - 1]))
			vl--;
		char *val = xstrndup(v, vl);
		fr_varstore_set(vars, cap->var, val);
		free(val);
		return 0;
	}
	*err_out = xasprintf("capture '%s': no %s header in the response", cap->var, cap->expr);
	return -1;
}

/* Applies one capture to a response. */
int fr_capture_apply(const struct fr_capture *cap, const char *body, size_t len, const char *headers, size_t hlen,
                     struct fr_varstore *vars, char **err_out)
{
	char *err = NULL;
	int rc;

	if (len > FR_CAPTURE_BODY_MAX)
		len = FR_CAPTURE_BODY_MAX;
	if (cap->kind == FR_CAPTURE_JSON)
		rc = capture_json(cap, body, len, vars, &err);
	else if (cap->kind == FR_CAPTURE_REGEX)
		rc = capture_regex(cap, body, len, vars, &err);
	else
		rc = capture_header(cap, headers, hlen, vars, &err);
	if (err_out)
		*err_out = err;
	else
		free(err);
	return rc;
}
