/* fuzz-units.c: the small parsers of plan values on any text — units.h
 * (durations, rates, percentages, bandwidths, thresholds, integers), vars.h
 * (${env:…} expansion, run-time templates, the reference scanner) and the
 * syntax checks of syntax.h (JSON paths, Prometheus selectors, identifiers).
 *
 * Every parser gets the whole input as a string; the templates expand against
 * a store holding a value and a list, with ${rand:…} drawn from a fixed seed.
 * The parsers' messages are freed; a crash, sanitizer report or leak fails.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "plan/syntax.h"
#include "plan/units.h"
#include "plan/vars.h"
#include "util/buf.h"

/* The reference scanner's callback: visits every reference. */
static int visit(const char *ref, size_t len, size_t off, void *arg)
{
	size_t *n = arg;

	*n += len + off;
	return 0;
}

/* Every units.h parser, each message freed. */
static void units(const char *s)
{
	int64_t i64;
	double d;
	struct fr_threshold t;
	char *err = NULL;

	fr_units_duration(s, &i64, &err), free(err), err = NULL;
	fr_units_rate(s, &d, &err), free(err), err = NULL;
	fr_units_percent(s, &d, &err), free(err), err = NULL;
	fr_units_bandwidth(s, &i64, &err), free(err), err = NULL;
	fr_units_threshold(s, &t, &err), free(err), err = NULL;
	fr_units_int(s, &i64);
}

/* Templates against a small store, the env expansion and the scanner. */
static void vars(const char *s)
{
	static char *const list[] = {"a", "b", "c"};
	struct fr_varstore vs = {0};
	struct fr_buf b = {0};
	uint64_t rng = 42;
	char *missing = NULL, *out = NULL, *err = NULL;
	size_t col = 0, n = 0, bad = 0;

	fr_varstore_set(&vs, "token", "t0k");
	fr_varstore_set_list(&vs, "widget", list, 3);
	free(fr_vars_expand(s, &vs, &rng, &missing));
	free(missing);
	missing = NULL;
	fr_vars_expand_into(&b, s, &vs, &rng, &missing);
	free(missing);
	fr_buf_free(&b);
	fr_vars_has_refs(s);
	if (fr_vars_expand_env(s, &out, &err, &col) == 0)
		free(out);
	else
		free(err);
	fr_vars_scan(s, visit, &n, &bad);
	fr_varstore_clear(&vs);
}

/* The syntax checks of plan values. */
static void syntax(const char *s)
{
	const char *why;
	int list = 0;

	fr_syntax_json_path(s, &list);
	fr_syntax_selector(s, &why);
	fr_syntax_ident(s, strlen(s));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size);

	units(s);
	vars(s);
	syntax(s);
	free(s);
	return 0;
}
