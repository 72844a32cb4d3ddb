/* syntax.c: well-formedness of the small languages inside plan values (see syntax.h). */
#include "plan/syntax.h"

#include <ctype.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

/* Compiles once for both answers; the trial match catches patterns that
 * cannot even reject the empty string within the limit and would stall a run. */
void fr_syntax_regex(const char *pattern, struct fr_regex_info *out)
{
	int err;
	PCRE2_SIZE off;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &err, &off, NULL);

	memset(out, 0, sizeof *out);
	if (!re) {
		pcre2_get_error_message(err, (PCRE2_UCHAR *)out->err, sizeof out->err);
		out->err_off = off;
		return;
	}
	out->ok = 1;
	pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &out->ngroups);
	pcre2_match_context *mc = pcre2_match_context_create(NULL);
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
	pcre2_set_match_limit(mc, FR_SYNTAX_REGEX_LIMIT);
	out->over_limit = pcre2_match(re, (PCRE2_SPTR) "", 0, 0, 0, md, mc) == PCRE2_ERROR_MATCHLIMIT;
	pcre2_match_data_free(md);
	pcre2_match_context_free(mc);
	pcre2_code_free(re);
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
