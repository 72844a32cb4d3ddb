/* fuzz-capture.c: the capture paths on any response — JSON paths (the one-pass
 * scanner of json_path.h and jansson's tree), pcre2 regexes (the risk scan of
 * syntax.h, util/regex.h's bounded match) and header captures.
 *
 * The input's first line is the expression, the rest the response: its body,
 * and its headers when read as NUL-separated lines (as http.c keeps them).
 * The expression is tried as each kind the checker accepts it as, exactly as
 * a checked plan would run it; captured values land in a store that is then
 * freed. A crash, a sanitizer report, a leak or a match that does not give up
 * within util/regex.h's bounds (libFuzzer's -timeout) fails.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/capture.h"
#include "engine/json_path.h"
#include "fuzz.h"
#include "plan/syntax.h"
#include "util/regex.h"

/* Runs CAP on the response and forgets what it captured. */
static void apply(struct fr_capture *cap, const char *resp, size_t len)
{
	struct fr_varstore vs = {0};
	char *err = NULL;

	fr_capture_apply(cap, resp, len, resp, len, &vs, &err);
	free(err);
	fr_varstore_clear(&vs);
}

/* The expression as a JSON path: the scanner alone, then the whole capture. */
static void json(char *expr, const char *resp, size_t len)
{
	struct fr_capture cap = {.var = "v", .kind = FR_CAPTURE_JSON, .expr = expr};
	char val[64];
	size_t vlen;
	int list = 0;

	if (!fr_syntax_json_path(expr, &list))
		return;
	fr_json_path_get(resp, len, expr + 1, val, sizeof val, &vlen);
	apply(&cap, resp, len);
}

/* The expression as a regex: the checker's view, then a capture of each group. */
static void regex(char *expr, const char *resp, size_t len)
{
	struct fr_capture cap = {.var = "v", .kind = FR_CAPTURE_REGEX, .expr = expr};
	struct fr_regex_info info;
	struct fr_regex_error rerr;

	fr_syntax_regex(expr, &info);
	if (!info.ok || info.over_limit || !(cap.re = fr_regex_compile(expr, &rerr)))
		return;
	for (uint32_t g = 0; g <= info.ngroups && g < 3; g++) {
		cap.group = (int)g;
		apply(&cap, resp, len);
	}
	fr_regex_free(cap.re);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *all = fuzz_str(data, size);
	char *nl = memchr(all, '\n', size);
	const char *resp = nl ? nl + 1 : all + size;
	size_t len = size - (size_t)(resp - all);
	struct fr_capture header = {.var = "v", .kind = FR_CAPTURE_HEADER, .expr = all};

	if (nl)
		*nl = '\0';
	json(all, resp, len);
	regex(all, resp, len);
	apply(&header, resp, len);
	free(all);
	return 0;
}
