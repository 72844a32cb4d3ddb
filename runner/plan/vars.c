/* vars.c: ${…} references — load-time env expansion, run-time templates, scanning.
 *
 * Three readers share one lexical rule: `$${` is a literal `${` and is left
 * for the run-time expansion to unescape; `${` opens a reference closed by the
 * first `}`. Environment values are escaped as they are substituted (a `${`
 * in a secret becomes `$${`), so that a value from the environment can never
 * be read as a reference later.
 */
#include "plan/vars.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/syntax.h"
#include "util/buf.h"
#include "util/redact.h"
#include "util/xmalloc.h"

/* Appends V with every "${" escaped as "$${". */
static void buf_add_escaped(struct fr_buf *b, const char *v)
{
	for (const char *p = v; *p; p++) {
		if (p[0] == '$' && p[1] == '{')
			fr_buf_add(b, "$", 1);
		fr_buf_add(b, p, 1);
	}
}

/* Expands the body of one ${env:…} reference (BODY, LEN bytes, after "env:") into B. */
static int expand_one_env(struct fr_buf *b, const char *body, size_t len, char **err_out)
{
	const char *sep = memmem(body, len, ":-", 2);
	size_t nlen = sep ? (size_t)(sep - body) : len;
	char *name = xstrndup(body, nlen);
	const char *v;

	if (!fr_syntax_ident(name, nlen)) {
		*err_out = xasprintf("invalid environment variable name '%s'", name);
		free(name);
		return -1;
	}
	if (sep && memmem(sep + 2, len - nlen - 2, "${", 2)) {
		*err_out = xasprintf("the default of environment variable '%s' cannot contain '${'", name);
		free(name);
		return -1;
	}
	v = getenv(name);
	if (sep && (!v || !*v)) {
		fr_buf_add(b, sep + 2, len - nlen - 2);
	} else if (!v) {
		*err_out = xasprintf("environment variable '%s' is not set and has no default", name);
		free(name);
		return -1;
	} else {
		buf_add_escaped(b, v);
		char *label = xasprintf("${env:%s}", name);
		fr_redact_add(v, label); /* never to be printed back (util/redact.h) */
		free(label);
	}
	free(name);
	return 0;
}

/* Only ${env:…}: run-time references stay for the engine, escapes stay escaped. */
int fr_vars_expand_env(const char *s, char **out_out, char **err_out, size_t *col_out)
{
	struct fr_buf b = {0};
	const char *p = s;

	while (*p) {
		if (p[0] == '$' && p[1] == '$' && p[2] == '{') {
			fr_buf_add(&b, p, 3);
			p += 3;
			continue;
		}
		if (p[0] == '$' && p[1] == '{' && strncmp(p + 2, "env:", 4) == 0) {
			const char *end = strchr(p + 6, '}');
			if (!end) {
				*err_out = xstrdup("unterminated '${' reference");
				*col_out = (size_t)(p - s);
				free(b.s);
				return -1;
			}
			if (expand_one_env(&b, p + 6, (size_t)(end - p - 6), err_out) < 0) {
				*col_out = (size_t)(p - s);
				free(b.s);
				return -1;
			}
			p = end + 1;
			continue;
		}
		fr_buf_add(&b, p, 1);
		p++;
	}
	*out_out = fr_buf_take(&b);
	return 0;
}

/* Parses "rand:A..B" (REF, LEN bytes); 0 and the bounds on success. */
static int parse_rand(const char *ref, size_t len, long long *lo, long long *hi)
{
	char tmp[64], *end;

	if (len < 5 || len >= sizeof tmp || strncmp(ref, "rand:", 5) != 0)
		return -1;
	memcpy(tmp, ref, len);
	tmp[len] = '\0';
	*lo = strtoll(tmp + 5, &end, 10);
	if (end == tmp + 5 || strncmp(end, "..", 2) != 0)
		return -1;
	const char *h = end + 2;
	*hi = strtoll(h, &end, 10);
	if (end == h || *end != '\0' || *lo > *hi)
		return -1;
	return 0;
}

/* Uniform integer in [LO, HI] from the caller's state; the offset is added
 * unsigned, since a span over 2^63 does not fit a long long. */
static long long rand_between(uint64_t *rng, long long lo, long long hi)
{
	uint64_t span = (uint64_t)hi - (uint64_t)lo + 1;
	uint64_t r = fr_rand_next(rng);

	if (span == 0)
		return (long long)r;
	return (long long)((uint64_t)lo + (uint64_t)(((unsigned __int128)r * span) >> 64));
}

/* Unknown names expand to '' (the first is reported): a run goes on, the check has warned. */
/* Appends the expansion of TMPL to B: the one expander of run-time templates. */
void fr_vars_expand_into(struct fr_buf *b, const char *tmpl, const struct fr_varstore *vs, uint64_t *rng,
                         char **missing_out)
{
	const char *p = tmpl;

	while (*p) {
		const char *lit = p;
		while (*p && p[0] != '$')
			p++;
		if (p > lit)
			fr_buf_add(b, lit, (size_t)(p - lit));
		if (!*p)
			break;
		if (p[1] == '$' && p[2] == '{') {
			fr_buf_add(b, "${", 2);
			p += 3;
			continue;
		}
		const char *end = p[1] == '{' ? strchr(p + 2, '}') : NULL;
		if (!end) {
			fr_buf_add(b, p, 1);
			p++;
			continue;
		}
		const char *ref = p + 2;
		size_t len = (size_t)(end - ref);
		long long lo, hi;
		if (parse_rand(ref, len, &lo, &hi) == 0) {
			char num[32];
			int n = snprintf(num, sizeof num, "%lld", rand_between(rng, lo, hi));
			fr_buf_add(b, num, (size_t)n);
		} else {
			const struct fr_var *v = vs ? fr_varstore_get(vs, ref, len) : NULL;
			if (v && v->nvalues > 0)
				fr_buf_add(b, v->values[0], strlen(v->values[0]));
			else if (!v && missing_out && !*missing_out)
				*missing_out = xstrndup(ref, len);
		}
		p = end + 1;
	}
}

/* A fresh string: the expansion into a buffer of its own. */
char *fr_vars_expand(const char *tmpl, const struct fr_varstore *vs, uint64_t *rng, char **missing_out)
{
	struct fr_buf b = {0};

	fr_vars_expand_into(&b, tmpl, vs, rng, missing_out);
	return fr_buf_take(&b);
}

/* Whether TMPL holds a run-time reference (then its expansion depends on the store). */
int fr_vars_has_refs(const char *tmpl)
{
	for (const char *p = tmpl; (p = strchr(p, '$')) != NULL; p++) {
		if (p[1] == '$' && p[2] == '{') {
			p += 2;
			continue;
		}
		if (p[1] == '{' && strchr(p + 2, '}'))
			return 1;
	}
	return 0;
}

/* The checker's view of a template: every reference with its offset, escapes skipped. */
int fr_vars_scan(const char *s, int (*fn)(const char *ref, size_t len, size_t off, void *arg), void *arg,
                 size_t *bad_out)
{
	const char *p = s;

	while (*p) {
		if (p[0] == '$' && p[1] == '$' && p[2] == '{') {
			p += 3;
			continue;
		}
		if (p[0] != '$' || p[1] != '{') {
			p++;
			continue;
		}
		const char *end = strchr(p + 2, '}');
		if (!end) {
			if (bad_out)
				*bad_out = (size_t)(p - s);
			return -1;
		}
		if (strncmp(p + 2, "env:", 4) != 0) {
			int r = fn(p + 2, (size_t)(end - p - 2), (size_t)(p - s), arg);
			if (r)
				return r;
		}
		p = end + 1;
	}
	return 0;
}

/* Finds NAME (LEN bytes) in VS alone, forgotten entries too; NULL when absent. */
static struct fr_var *find_entry(const struct fr_varstore *vs, const char *name, size_t len)
{
	for (size_t i = 0; i < vs->n; i++)
		if (strlen(vs->items[i].name) == len && memcmp(vs->items[i].name, name, len) == 0)
			return &vs->items[i];
	return NULL;
}

/* Finds NAME (LEN bytes) in VS alone; NULL when absent or forgotten. */
static struct fr_var *find_here(const struct fr_varstore *vs, const char *name, size_t len)
{
	struct fr_var *v = find_entry(vs, name, len);

	return v && !v->unset ? v : NULL;
}

/* Returns the slot for NAME, emptied, creating it when absent. */
static struct fr_var *slot(struct fr_varstore *vs, const char *name)
{
	struct fr_var *v = find_entry(vs, name, strlen(name));

	if (v) {
		v->unset = 0;
		for (size_t i = 0; i < v->nvalues; i++)
			free(v->values[i]);
		free(v->values);
		v->values = NULL;
		v->nvalues = 0;
		return v;
	}
	vs->items = xreallocarray(vs->items, vs->n + 1, sizeof *vs->items);
	v = &vs->items[vs->n++];
	v->name = xstrdup(name);
	v->values = NULL;
	v->nvalues = 0;
	v->unset = 0;
	return v;
}

/* A single value is a list of one. */
void fr_varstore_set(struct fr_varstore *vs, const char *name, const char *value)
{
	fr_varstore_set_list(vs, name, (char *const *)&value, 1);
}

/* Overwrites a single value in place when the new one fits in the old one's
 * memory, so a value set on every iteration (${i}, a capture) allocates
 * nothing in a steady run; returns 0 when it did. */
static int set_in_place(struct fr_varstore *vs, const char *name, const char *value)
{
	struct fr_var *v = find_entry(vs, name, strlen(name));
	size_t len = strlen(value);

	if (!v || v->nvalues != 1 || strlen(v->values[0]) < len)
		return -1;
	memmove(v->values[0], value, len + 1);
	v->unset = 0;
	return 0;
}

/* Replaces what the name held: a later capture wins. */
void fr_varstore_set_list(struct fr_varstore *vs, const char *name, char *const *values, size_t n)
{
	if (n == 1 && set_in_place(vs, name, values[0]) == 0)
		return;
	struct fr_var *v = slot(vs, name);

	v->values = xcalloc(n ? n : 1, sizeof *v->values);
	for (size_t i = 0; i < n; i++)
		v->values[i] = xstrdup(values[i]);
	v->nvalues = n;
}

/* Inner stores shadow their parents (a user's captures over the plan's). */
const struct fr_var *fr_varstore_get(const struct fr_varstore *vs, const char *name, size_t len)
{
	for (; vs; vs = vs->parent) {
		const struct fr_var *v = find_here(vs, name, len);
		if (v)
			return v;
	}
	return NULL;
}

/* Marks every entry forgotten; values and names stay allocated for reuse. */
void fr_varstore_forget(struct fr_varstore *vs)
{
	for (size_t i = 0; i < vs->n; i++)
		vs->items[i].unset = 1;
}

/* Keeps the parent link, so a store can be refilled per iteration. */
void fr_varstore_clear(struct fr_varstore *vs)
{
	for (size_t i = 0; i < vs->n; i++) {
		for (size_t k = 0; k < vs->items[i].nvalues; k++)
			free(vs->items[i].values[k]);
		free(vs->items[i].values);
		free(vs->items[i].name);
	}
	free(vs->items);
	vs->items = NULL;
	vs->n = 0;
}

/* xorshift64*: fast, and reproducible from a seed, which a test run needs. */
uint64_t fr_rand_next(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545F4914F6CDD1DULL;
}
