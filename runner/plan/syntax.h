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

/* The match limit of the trial match (the engine's matches are bounded too). */
#define FR_SYNTAX_REGEX_LIMIT 100000

/* What compiling a pcre2 pattern said. */
struct fr_regex_info {
	int ok;           /* it compiles */
	size_t err_off;   /* !ok: the offset of the error in the pattern */
	char err[256];    /* !ok: pcre2's message */
	int over_limit;   /* ok: a trial match on "" exceeds FR_SYNTAX_REGEX_LIMIT */
	uint32_t ngroups; /* ok: its capture groups */
};

/* Compiles PATTERN (UTF) and tries it on the empty string. */
void fr_syntax_regex(const char *pattern, struct fr_regex_info *out);

/* Is S (LEN bytes) an identifier, [A-Za-z_][A-Za-z0-9_]*? */
int fr_syntax_ident(const char *s, size_t len);

/* Is S a JSON path: $ then .key, [N] or [*] parts? Sets *list when it has [*]. */
int fr_syntax_json_path(const char *s, int *list);

/* Checks a Prometheus selector name{label="value",…}: -1 when it is one,
 * else the offset of the first error, with what was expected in *why. */
long fr_syntax_selector(const char *s, const char **why);

#endif
