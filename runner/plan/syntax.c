/* syntax.c: well-formedness of the small languages inside plan values (see syntax.h). */
#include "plan/syntax.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/regex.h"

/* ---- the risk scan: a small walk over pcre2 syntax ---- */

#define MAX_DEPTH 64 /* deeper groups are not scanned */
#define MAX_ALTS  16 /* alternatives of a group compared by their first item */
#define ATOM_MAX  16 /* the text of a first item, compared as written */

/* A group being scanned. */
struct frame {
	size_t open;  /* offset of its '(' */
	int atomic;   /* (?>…): never backtracked into */
	int has_rep;  /* holds a repeated item outside any atomic group */
	int overlap;  /* two alternatives start with the same item */
	int at_start; /* the next item is the first of an alternative */
	char first[MAX_ALTS][ATOM_MAX];
	int nalts;
};

struct scan {
	const char *p;
	size_t i;
	struct frame st[MAX_DEPTH];
	int depth;
	struct fr_regex_info *out;
};

/* Past a character class starting at '[': "[]a]" and "[^]a]" hold a ']'. */
static size_t skip_class(const char *p, size_t i)
{
	i++;
	if (p[i] == '^')
		i++;
	if (p[i] == ']')
		i++;
	while (p[i] && p[i] != ']') {
		if (p[i] == '\\' && p[i + 1])
			i++;
		else if (p[i] == '[' && p[i + 1] == ':' && strchr(p + i + 2, ']'))
			i = (size_t)(strchr(p + i + 2, ']') - p);
		i++;
	}
	return p[i] ? i + 1 : i;
}

/* Past an escape starting at '\\': "\x{41}", "\p{L}", "\g{1}" take their braces. */
static size_t skip_escape(const char *p, size_t i)
{
	if (!p[i + 1])
		return i + 1;
	if (strchr("xpPNogk", p[i + 1]) && p[i + 2] == '{' && strchr(p + i + 2, '}'))
		return (size_t)(strchr(p + i + 2, '}') - p) + 1;
	return i + 2;
}

/* Parses a quantifier at P+I: its end in *END, its maximum (-1: unbounded),
 * whether it is possessive; 0 when there is none ("{" alone is a literal). */
static int quantifier(const char *p, size_t i, size_t *end, long *max, int *possessive)
{
	char *e;

	if (p[i] == '*' || p[i] == '+' || p[i] == '?') {
		*max = p[i] == '?' ? 1 : -1;
		*end = i + 1;
	} else if (p[i] == '{' && isdigit((unsigned char)p[i + 1])) {
		long lo = strtol(p + i + 1, &e, 10);
		*max = lo;
		if (*e == ',') {
			*max = isdigit((unsigned char)e[1]) ? strtol(e + 1, &e, 10) : (e++, -1);
		}
		if (*e != '}')
			return 0;
		*end = (size_t)(e - p) + 1;
	} else {
		return 0;
	}
	*possessive = p[*end] == '+';
	if (p[*end] == '+' || p[*end] == '?')
		(*end)++;
	return 1;
}

/* Marks the group that makes the pattern risky (the first found is kept). */
static void risky(struct scan *sc, size_t off, const char *why)
{
	if (sc->out->risky)
		return;
	sc->out->risky = 1;
	sc->out->risky_off = off;
	sc->out->risky_why = why;
}

/* Records the first item of an alternative and whether an earlier one starts alike. */
static void first_item(struct scan *sc, size_t from, size_t to)
{
	struct frame *f = &sc->st[sc->depth];
	size_t len = to - from < ATOM_MAX - 1 ? to - from : ATOM_MAX - 1;

	if (!f->at_start)
		return;
	f->at_start = 0;
	if (f->nalts >= MAX_ALTS)
		return;
	memcpy(f->first[f->nalts], sc->p + from, len);
	f->first[f->nalts][len] = '\0';
	for (int k = 0; k < f->nalts; k++)
		if (strcmp(f->first[k], f->first[f->nalts]) == 0)
			f->overlap = 1;
	f->nalts++;
}

/* After an item (or a group G, NULL for a plain item): its quantifier, if any. */
static void after_item(struct scan *sc, const struct frame *g)
{
	size_t end;
	long max;
	int poss;
	struct frame *f = &sc->st[sc->depth];

	if (!quantifier(sc->p, sc->i, &end, &max, &poss)) {
		if (g && !g->atomic && g->has_rep)
			f->has_rep = 1;
		return;
	}
	sc->i = end;
	int repeats = !poss && (max < 0 || max > 1);
	if (g && !g->atomic && repeats && (max < 0 || max >= FR_SYNTAX_RISKY_REPEAT)) {
		if (g->has_rep)
			risky(sc, g->open, "nested quantifiers");
		else if (g->overlap)
			risky(sc, g->open, "alternatives that can match the same text");
	}
	if (repeats || (g && !g->atomic && g->has_rep))
		f->has_rep = 1;
}

/* The length of what follows '(' before a group's items: "?:", "?<name>", "?<=", "?i:"…;
 * -1 for a reference that is one item ("(?1)", "(?&name)", "(?P>name)", "(?R)"). */
static long group_prefix(const char *p)
{
	const char *e;

	if (p[0] != '?')
		return 0;
	if (strchr(":|>=!", p[1]))
		return 2;
	if (p[1] == '<' && (p[2] == '=' || p[2] == '!'))
		return 3;
	if ((p[1] == '<' || (p[1] == 'P' && p[2] == '<')) && (e = strchr(p, '>')))
		return e - p + 1;
	if (p[1] == '\'' && (e = strchr(p + 2, '\'')))
		return e - p + 1;
	size_t opts = strspn(p + 1, "iJmnsUxX-^");
	if (opts && p[1 + opts] == ':')
		return (long)opts + 2;
	return -1;
}

/* Opens a group at '(': "(?>" is atomic; "(?#…)", "(?i)", "(*VERB)" and callouts are no items,
 * references are one. */
static void open_group(struct scan *sc)
{
	const char *p = sc->p, *close = strchr(p + sc->i, ')');
	size_t i = sc->i, past = close ? (size_t)(close - p) + 1 : strlen(p);
	long pre = group_prefix(p + i + 1);

	if (p[i + 1] == '*' || (p[i + 1] == '?' && (p[i + 2] == '#' || p[i + 2] == 'C')) ||
	    (p[i + 1] == '?' && strspn(p + i + 2, "iJmnsUxX-^") == past - i - 3)) {
		sc->i = past; /* a verb, a comment, a callout or an option setting */
		return;
	}
	if (pre < 0) { /* a reference: one item */
		sc->i = past;
		first_item(sc, i, past);
		after_item(sc, NULL);
		return;
	}
	sc->st[sc->depth].at_start = 0; /* a group's first item is not compared */
	if (sc->depth + 1 >= MAX_DEPTH) {
		sc->i = strlen(p); /* too deep to judge: give up quietly */
		return;
	}
	struct frame *f = &sc->st[++sc->depth];
	memset(f, 0, sizeof *f);
	f->open = i;
	f->atomic = p[i + 1] == '?' && p[i + 2] == '>';
	f->at_start = 1;
	sc->i = i + 1 + (size_t)pre;
}

/* Walks the pattern once; compile errors were caught before, so the syntax is valid. */
static void scan_risk(const char *pattern, struct fr_regex_info *out)
{
	struct scan sc = {.p = pattern, .out = out};
	const char *p = pattern;

	sc.st[0].at_start = 1;
	while (p[sc.i] && !out->risky) {
		size_t from = sc.i;
		switch (p[sc.i]) {
		case '(': open_group(&sc); continue;
		case ')':
			if (sc.depth == 0) {
				sc.i++;
				continue;
			}
			sc.i++;
			sc.depth--;
			after_item(&sc, &sc.st[sc.depth + 1]);
			continue;
		case '|':
			sc.st[sc.depth].at_start = 1;
			sc.i++;
			continue;
		case '[': sc.i = skip_class(p, sc.i); break;
		case '\\':
			if (p[sc.i + 1] == 'Q') {
				const char *e = strstr(p + sc.i, "\\E");
				sc.i = e ? (size_t)(e - p) + 2 : strlen(p);
				continue;
			}
			sc.i = skip_escape(p, sc.i);
			break;
		case '^':
		case '$': sc.i++; continue;
		default: sc.i++; break;
		}
		first_item(&sc, from, sc.i);
		after_item(&sc, NULL);
	}
}

/* Compiles as the engine does, so what passes here compiles there; the trial
 * match catches patterns that cannot even reject the empty string within the
 * limits and would stall a run. */
void fr_syntax_regex(const char *pattern, struct fr_regex_info *out)
{
	struct fr_regex_error err;
	struct fr_regex *re = fr_regex_compile(pattern, &err);
	size_t off, len;

	memset(out, 0, sizeof *out);
	if (!re) {
		snprintf(out->err, sizeof out->err, "%s", err.msg);
		out->err_off = err.offset;
		return;
	}
	out->ok = 1;
	out->ngroups = fr_regex_groups(re);
	enum fr_regex_result r = fr_regex_match(re, "", 0, 0, &off, &len);
	out->over_limit = r != FR_REGEX_MATCH && r != FR_REGEX_NOMATCH;
	fr_regex_free(re);
	scan_risk(pattern, out);
}

/* Letters, digits and '_', not starting with a digit: what a template can name. */
int fr_syntax_ident(const char *s, size_t len)
{
	if (len == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return 0;
	for (size_t i = 1; i < len; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
			return 0;
	return 1;
}

/* The subset of JSONPath the engine's capture understands, nothing more. */
int fr_syntax_json_path(const char *s, int *list)
{
	if (*s++ != '$')
		return 0;
	while (*s) {
		if (*s == '.') {
			size_t n = 0;
			for (s++; isalnum((unsigned char)s[n]) || s[n] == '_' || s[n] == '-'; n++)
				;
			if (n == 0)
				return 0;
			s += n;
		} else if (s[0] == '[' && s[1] == '*' && s[2] == ']') {
			*list = 1;
			s += 3;
		} else if (*s == '[') {
			size_t n = 0;
			for (s++; isdigit((unsigned char)s[n]); n++)
				;
			if (n == 0 || s[n] != ']')
				return 0;
			s += n + 1;
		} else {
			return 0;
		}
	}
	return 1;
}

/* Is S a Prometheus metric name? */
static int metric_name_ok(const char *s, size_t len)
{
	if (len == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_' || s[0] == ':'))
		return 0;
	for (size_t i = 1; i < len; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == ':'))
			return 0;
	return 1;
}

/* A hand-written scan: the engine never parses selectors, Prometheus does, so this only has to catch typos. */
long fr_syntax_selector(const char *s, const char **why)
{
	size_t i = 0;

	while (isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == ':')
		i++;
	if (!metric_name_ok(s, i))
		return *why = "expected a metric name", 0;
	if (s[i] == '\0')
		return -1;
	if (s[i++] != '{')
		return *why = "expected '{'", (long)i - 1;
	while (s[i] != '}') {
		size_t st = i;
		while (isalnum((unsigned char)s[i]) || s[i] == '_')
			i++;
		if (i == st || isdigit((unsigned char)s[st]))
			return *why = "expected a label name", (long)st;
		if (s[i] == '=' && s[i + 1] != '~')
			i++;
		else if ((s[i] == '!' || s[i] == '=') && (s[i + 1] == '=' || s[i + 1] == '~'))
			i += 2;
		else
			return *why = "expected '=', '!=', '=~' or '!~'", (long)i;
		if (s[i] != '"')
			return *why = "expected a quoted value", (long)i;
		for (i++; s[i] && s[i] != '"'; i++)
			if (s[i] == '\\' && s[i + 1])
				i++;
		if (s[i] != '"')
			return *why = "unterminated label value", (long)i;
		i++;
		if (s[i] == ',')
			i++;
		else if (s[i] != '}')
			return *why = "expected ',' or '}'", (long)i;
	}
	if (s[i + 1] != '\0')
		return *why = "unexpected text after '}'", (long)i + 1;
	return -1;
}
