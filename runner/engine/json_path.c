/* json_path.c: a validating one-pass JSON scanner that remembers one path's value (see json_path.h).
 *
 * A recursive descent over the text. Each value is scanned with the part of
 * the path still to follow (NULL when it is off the path); the value the
 * whole path reaches is recorded by position. When an object holds a key
 * twice, jansson keeps the last, so descending into a key that matches the
 * path forgets what an earlier twin found.
 */
#include <string.h>

#include "engine/json_path.h"

#define MAX_DEPTH 2000 /* below jansson's JSON_PARSER_MAX_DEPTH (2048) */
#define MAX_NUM   100  /* a number longer than this might overflow in jansson */

enum kind { K_NONE, K_STRING, K_INTEGER, K_LITERAL, K_OTHER };

struct scan {
	const char *p;
	const char *end;
	int depth;
	int bad; /* invalid, or something to leave to jansson */
	const char *val;
	size_t vlen;
	enum kind kind;
};

static void value(struct scan *s, const char *path);

/* Skips JSON whitespace. */
static void ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

/* Scans a string at s->p (the opening quote); its inside is [*BEG, *END). */
static void string(struct scan *s, const char **beg, const char **end)
{
	const char *p = s->p + 1;

	*beg = p;
	while (p < s->end && *p != '"') {
		unsigned char c = (unsigned char)*p;
		if (c < 0x20 || c >= 0x80) { /* control bytes are invalid; UTF-8 is jansson's to check */
			s->bad = 1;
			return;
		}
		if (c == '\\') {
			if (p + 1 >= s->end || !strchr("\"\\/bfnrt", p[1]) || !p[1]) { /* \u… and errors: jansson */
				s->bad = 1;
				return;
			}
			p++;
		}
		p++;
	}
	if (p >= s->end) {
		s->bad = 1;
		return;
	}
	*end = p;
	s->p = p + 1;
}

/* The byte a one-letter escape stands for (\n → newline); C is one of "\\/bfnrt. */
static char unescape(char c)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";

	return to[strchr(from, c) - from];
}

/* Whether key [B, E) (escapes allowed) equals the N bytes of NAME. */
static int key_is(const char *b, const char *e, const char *name, size_t n)
{
	size_t i = 0;

	for (const char *p = b; p < e; p++, i++) {
		char c = *p == '\\' ? unescape(*++p) : *p;
		if (i >= n || name[i] != c)
			return 0;
	}
	return i == n;
}

/* Skips digits; returns how many. */
static long digits(struct scan *s, const char **p)
{
	const char *b = *p;

	while (*p < s->end && **p >= '0' && **p <= '9')
		(*p)++;
	return (long)(*p - b);
}

/* Scans a number; integers are kind K_INTEGER, the rest K_OTHER. jansson
 * rejects integers beyond 64 bits and reals beyond a double, and prints
 * reals its own way: those are left to it. */
static enum kind number(struct scan *s)
{
	const char *p = s->p, *b = p;
	long int_digits, exp = 0;
	int integer = 1, neg_exp = 0;

	if (p < s->end && *p == '-')
		p++;
	if (p >= s->end || *p < '0' || *p > '9' || (*p == '0' && p + 1 < s->end && p[1] >= '0' && p[1] <= '9'))
		s->bad = 1;
	int_digits = digits(s, &p);
	if (p < s->end && *p == '.') {
		integer = 0;
		p++;
		if (digits(s, &p) == 0)
			s->bad = 1;
	}
	if (p < s->end && (*p == 'e' || *p == 'E')) {
		const char *e;
		integer = 0;
		p++;
		if (p < s->end && (*p == '+' || *p == '-'))
			neg_exp = *p++ == '-';
		e = p;
		if (digits(s, &p) == 0 || p - e > 4)
			s->bad = 1;
		for (; e < p && exp < 100000; e++) /* more than 4 digits is bad already: stop before overflow */
			exp = exp * 10 + (*e - '0');
	}
	if (p - b > MAX_NUM || (integer && int_digits > 18) || (!neg_exp && int_digits + exp > 300) ||
	    (integer && p - b == 2 && b[0] == '-' && b[1] == '0'))
		s->bad = 1;
	s->p = p;
	return integer ? K_INTEGER : K_OTHER;
}

/* Scans true, false or null. */
static void literal(struct scan *s)
{
	static const char *const words[] = {"true", "false", "null"};

	for (int i = 0; i < 3; i++) {
		size_t n = strlen(words[i]);
		if ((size_t)(s->end - s->p) >= n && memcmp(s->p, words[i], n) == 0) {
			s->p += n;
			return;
		}
	}
	s->bad = 1;
}

/* The next step of PATH: ".key" gives the key in [*K, *K+*N) and returns 1,
 * "[N]" gives the index and returns 2; 0 at the end; -1 for what only jansson does. */
static int step(const char *path, const char **k, size_t *n, long *idx, const char **rest)
{
	if (!*path)
		return 0;
	if (*path == '.') {
		*k = path + 1;
		*n = strcspn(*k, ".[");
		*rest = *k + *n;
		return 1;
	}
	if (*path == '[' && path[1] >= '0' && path[1] <= '9') {
		const char *p = path + 1;
		long v = 0;
		while (*p >= '0' && *p <= '9' && v < 100000000)
			v = v * 10 + (*p++ - '0');
		if (*p != ']')
			return -1;
		*idx = v;
		*rest = p + 1;
		return 2;
	}
	return -1; /* [*], negative indexes, anything else */
}

/* After a member or element: 1 when a comma leads to the next one, 0 at the
 * closing CLOSE (or when the text is bad). */
static int next_item(struct scan *s, char close)
{
	ws(s);
	if (s->p < s->end && *s->p == ',') {
		s->p++;
		ws(s);
		return 1;
	}
	if (s->p < s->end && *s->p == close)
		s->p++;
	else
		s->bad = 1;
	return 0;
}

/* Scans an object; members whose key is PATH's next step follow the rest of it. */
static void object(struct scan *s, const char *path)
{
	const char *k = NULL, *rest = NULL, *kb, *ke;
	size_t kn = 0;
	long idx;
	int st = path ? step(path, &k, &kn, &idx, &rest) : 0;

	if (st < 0)
		s->bad = 1;
	s->p++;
	ws(s);
	if (s->p < s->end && *s->p == '}') {
		s->p++;
		return;
	}
	while (!s->bad) {
		if (s->p >= s->end || *s->p != '"') {
			s->bad = 1;
			return;
		}
		string(s, &kb, &ke);
		ws(s);
		if (s->bad || s->p >= s->end || *s->p != ':') {
			s->bad = 1;
			return;
		}
		s->p++;
		ws(s);
		if (st == 1 && key_is(kb, ke, k, kn)) {
			s->kind = K_NONE; /* a later twin of the key replaces what an earlier one found */
			value(s, rest);
		} else {
			value(s, NULL);
		}
		if (!next_item(s, '}'))
			return;
	}
}

/* Scans an array; the element at PATH's next index follows the rest of it. */
static void array(struct scan *s, const char *path)
{
	const char *k, *rest = NULL;
	size_t kn;
	long idx = -1, i = 0;
	int st = path ? step(path, &k, &kn, &idx, &rest) : 0;

	if (st < 0)
		s->bad = 1;
	s->p++;
	ws(s);
	if (s->p < s->end && *s->p == ']') {
		s->p++;
		return;
	}
	while (!s->bad) {
		value(s, st == 2 && i == idx ? rest : NULL);
		i++;
		if (!next_item(s, ']'))
			return;
	}
}

/* Scans one value; PATH is what is left of the path here (NULL: off the path). */
static void value(struct scan *s, const char *path)
{
	const char *b = s->p, *sb, *se;
	enum kind kind = K_OTHER;

	if (s->p >= s->end || ++s->depth > MAX_DEPTH) {
		s->bad = 1;
		return;
	}
	switch (*s->p) {
	case '{': object(s, path); break;
	case '[': array(s, path); break;
	case '"':
		string(s, &sb, &se);
		kind = K_STRING;
		break;
	case 't':
	case 'f':
	case 'n':
		literal(s);
		kind = K_LITERAL;
		break;
	default: kind = number(s); break;
	}
	s->depth--;
	if (path && !*path && !s->bad) {
		s->kind = kind;
		s->val = kind == K_STRING ? sb : b;
		s->vlen = kind == K_STRING ? (size_t)(se - sb) : (size_t)(s->p - b);
	}
}

/* Copies the found value into OUT, unescaping a string; -1 when it does not fit. */
static int copy_value(const struct scan *s, char *out, size_t cap, size_t *out_len)
{
	size_t n = 0;

	for (size_t i = 0; i < s->vlen; i++) {
		char c = s->val[i];
		if (s->kind == K_STRING && c == '\\')
			c = unescape(s->val[++i]);
		if (n + 1 >= cap)
			return -1;
		out[n++] = c;
	}
	out[n] = '\0';
	*out_len = n;
	return 0;
}

/* Looks a path up; see json_path.h. */
enum fr_json_path fr_json_path_get(const char *text, size_t len, const char *path, char *out, size_t cap,
                                   size_t *out_len)
{
	struct scan s = {.p = text, .end = text + len, .kind = K_NONE};

	if (*path == '$')
		path++;
	ws(&s);
	value(&s, path);
	ws(&s);
	if (s.bad || s.p != s.end)
		return FR_JSON_PATH_UNSURE;
	if (s.kind == K_NONE)
		return FR_JSON_PATH_ABSENT;
	if (s.kind == K_OTHER || copy_value(&s, out, cap, out_len) != 0)
		return FR_JSON_PATH_UNSURE;
	return FR_JSON_PATH_FOUND;
}
