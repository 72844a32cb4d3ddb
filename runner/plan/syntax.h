/* syntax.h: the small languages inside plan values — pcre2 patterns, JSON
 * paths, Prometheus selectors and variable names.
 *
 * These say whether a string is well formed (and where it is not); they know
 * nothing of positions or diagnostics, which the checker adds. The builder
 * uses the regex part too, for the default capture group, and the env
 * expansion of vars.h the identifier rule, for environment variable names.
 */
#ifndef FR_SYNTAX_H
#define FR_SYNTAX_H

#include <stddef.h>
#include <stdint.h>

/* A group repeated this many times can backtrack 2^n ways: fewer are cheap enough. */
#define FR_SYNTAX_RISKY_REPEAT 10

/* What compiling a pcre2 pattern said. */
struct fr_regex_info {
	int ok;                /* it compiles */
	size_t err_off;        /* !ok: the offset of the error in the pattern */
	char err[256];         /* !ok: pcre2's message */
	int over_limit;        /* ok: a trial match on "" already gives up (FR_REGEX_MATCH_LIMIT, regex.h) */
	uint32_t ngroups;      /* ok: its capture groups */
	int risky;             /* ok: a repeated group that can backtrack exponentially (see below) */
	size_t risky_off;      /* risky: the offset of that group's '(' */
	const char *risky_why; /* risky: "nested quantifiers" or "overlapping alternatives" */
};

/* Compiles PATTERN as the engine will (fr_regex_compile), tries it on the
 * empty string and looks for the shapes that backtrack exponentially: a
 * group repeated without bound or FR_SYNTAX_RISKY_REPEAT times or more that
 * holds a repeated item ("(a+)+", nested quantifiers) or alternatives that
 * start alike ("(a|aa){1,16}"). Atomic groups and possessive quantifiers do
 * not backtrack and are not risky. */
void fr_syntax_regex(const char *pattern, struct fr_regex_info *out);

/* Is S (LEN bytes) an identifier, [A-Za-z_][A-Za-z0-9_]*? */
int fr_syntax_ident(const char *s, size_t len);

/* Is S a JSON path: $ then .key, [N] or [*] parts? Sets *list when it has [*]. */
int fr_syntax_json_path(const char *s, int *list);

/* Checks a Prometheus selector name{label="value",…}: -1 when it is one,
 * else the offset of the first error, with what was expected in *why. */
long fr_syntax_selector(const char *s, const char **why);

#endif
