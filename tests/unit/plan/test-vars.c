/* test-vars.c: env expansion, run-time templates, ${rand:A..B}, lists, escapes and scanning (vars.h). */
#include <stdlib.h>

#include "tap.h"
#include "plan/vars.h"
#include "util/xmalloc.h"

/* Expands the env references of S; returns the result or "ERR: message @col". */
static char *env(const char *s)
{
	char *out = NULL, *err = NULL;
	size_t col = 0;

	if (fr_vars_expand_env(s, &out, &err, &col) == 0)
		return out;
	char *r = xasprintf("ERR: %s @%zu", err, col);
	free(err);
	return r;
}

/* Checks env(S) against WANT. */
static void env_is(const char *s, const char *want, const char *name)
{
	char *got = env(s);
	tap_is_str(got, want, name);
	free(got);
}

/* Collects the references fr_vars_scan reports, as "ref@off;". */
static int collect(const char *ref, size_t len, size_t off, void *arg)
{
	char *buf = arg;
	snprintf(buf + strlen(buf), 256 - strlen(buf), "%.*s@%zu;", (int)len, ref, off);
	return 0;
}

/* Stops the scan at the first reference. */
static int stop(const char *ref, size_t len, size_t off, void *arg)
{
	return 7;
}

int main(void)
{
	setenv("FR_T_SET", "value", 1);
	setenv("FR_T_EMPTY", "", 1);
	setenv("FR_T_TRICKY", "a${b}", 1);
	unsetenv("FR_T_UNSET");

	env_is("x=${env:FR_T_SET}!", "x=value!", "a set variable is substituted");
	env_is("${env:FR_T_SET:-dflt}", "value", "a set variable wins over its default");
	env_is("${env:FR_T_UNSET:-http://127.0.0.1:8080}", "http://127.0.0.1:8080",
	       "an unset variable takes its default");
	env_is("${env:FR_T_EMPTY:-dflt}", "dflt", "an empty variable takes its default");
	env_is("${env:FR_T_EMPTY}", "", "an empty variable without default is empty");
	env_is("${env:FR_T_UNSET:-}", "", "an empty default is allowed");
	env_is("ab ${env:FR_T_UNSET}", "ERR: environment variable 'FR_T_UNSET' is not set and has no default @3",
	       "an unset variable without default is an error at its offset");
	env_is("${env:FR_T_UNSET:-${env:FR_T_SET}}",
	       "ERR: the default of environment variable 'FR_T_UNSET' cannot contain '${' @0",
	       "a nested reference in a default is an error");
	env_is("${env:1BAD}", "ERR: invalid environment variable name '1BAD' @0", "a bad name is an error");
	env_is("${env:FR_T_SET", "ERR: unterminated '${' reference @0", "an unterminated env reference is an error");
	env_is("${token} $${env:FR_T_UNSET} ${rand:1..3}", "${token} $${env:FR_T_UNSET} ${rand:1..3}",
	       "run-time references and escapes are left alone");
	env_is("${env:FR_T_TRICKY}", "a$${b}", "a '${' inside a value is escaped");

	struct fr_varstore parent = {0}, vs = {0};
	vs.parent = &parent;
	fr_varstore_set(&parent, "token", "abc");
	fr_varstore_set(&parent, "widgets", "5");
	fr_varstore_set(&vs, "widgets", "10");
	char *const list[] = {"w1", "w2", "w3"};
	fr_varstore_set_list(&vs, "widget", list, 3);
	uint64_t rng = 88172645463325252ULL;
	char *missing = NULL, *s;

	s = fr_vars_expand("Bearer ${token}", &vs, &rng, &missing);
	tap_is_str(s, "Bearer abc", "a variable of the parent store expands");
	free(s);
	s = fr_vars_expand("/d?n=${widgets}", &vs, &rng, &missing);
	tap_is_str(s, "/d?n=10", "the inner store shadows its parent");
	free(s);
	s = fr_vars_expand("/w/${widget}", &vs, &rng, &missing);
	tap_is_str(s, "/w/w1", "a list variable expands to its first value");
	free(s);
	tap_is_int(fr_varstore_get(&vs, "widget", 6)->nvalues, 3, "a list variable keeps all its values");
	s = fr_vars_expand("lit $${token} ${nope} ${token}", &vs, &rng, &missing);
	tap_is_str(s, "lit ${token}  abc", "'$${' is a literal '${' and unknown names expand to ''");
	tap_is_str(missing, "nope", "the first unknown name is reported");
	free(s);
	free(missing);
	s = fr_vars_expand("${unterminated", &vs, &rng, NULL);
	tap_is_str(s, "${unterminated", "an unterminated reference is copied");
	free(s);

	/* forgetting: the parent shows through; setting the name again brings it back */
	const char *kept = fr_varstore_get(&vs, "widgets", 7)->values[0];
	fr_varstore_forget(&vs);
	tap_is_str(fr_varstore_get(&vs, "widgets", 7)->values[0], "5", "a forgotten variable lets the parent's show");
	tap_ok(fr_varstore_get(&vs, "widget", 6) == NULL, "a forgotten variable without a parent one is unknown");
	fr_varstore_set(&vs, "widgets", "7");
	tap_ok(!strcmp(fr_varstore_get(&vs, "widgets", 7)->values[0], "7") &&
	               fr_varstore_get(&vs, "widgets", 7)->values[0] == kept,
	       "set again: the value is back, in the same memory (no allocation)");
	fr_varstore_set(&vs, "widgets", "12345");
	tap_is_str(fr_varstore_get(&vs, "widgets", 7)->values[0], "12345", "a longer value is set as well");

	int lo_seen = 0, hi_seen = 0, out = 0;
	for (int i = 0; i < 2000; i++) {
		s = fr_vars_expand("${rand:1..3}", &vs, &rng, NULL);
		int v = atoi(s);
		lo_seen |= v == 1;
		hi_seen |= v == 3;
		out |= v < 1 || v > 3;
		free(s);
	}
	tap_ok(lo_seen && hi_seen && !out, "${rand:1..3} draws 1..3 inclusive and nothing else");
	/* a span over 2^63 (the offset does not fit a long long): in bounds, no overflow (UBSan) */
	int neg = 0, pos = 0, wide_out = 0;
	for (int i = 0; i < 200; i++) {
		s = fr_vars_expand("${rand:-5000000000000000000..5000000000000000000}", &vs, &rng, NULL);
		long long v = strtoll(s, NULL, 10);
		neg |= v < 0;
		pos |= v > 0;
		wide_out |= v < -5000000000000000000LL || v > 5000000000000000000LL;
		free(s);
	}
	tap_ok(neg && pos && !wide_out, "${rand:-5e18..5e18} draws both signs and nothing outside");
	s = fr_vars_expand("${rand:-5..-5}", &vs, &rng, NULL);
	tap_is_str(s, "-5", "${rand:A..A} is A, negative bounds allowed");
	free(s);
	missing = NULL;
	s = fr_vars_expand("${rand:5..1}", &vs, &rng, &missing);
	tap_is_str(missing, "rand:5..1", "a reversed range is not a random range");
	free(s);
	free(missing);

	fr_varstore_set(&vs, "widget", "single");
	tap_is_int(fr_varstore_get(&vs, "widget", 6)->nvalues, 1, "set replaces a list");
	tap_ok(fr_varstore_get(&vs, "none", 4) == NULL, "an absent name is NULL");
	fr_varstore_clear(&vs);
	fr_varstore_clear(&parent);
	tap_is_int((int64_t)vs.n, 0, "clear empties the store");

	char buf[256] = "";
	size_t bad = 0;
	tap_is_int(fr_vars_scan("a ${x} $${y} ${env:Z} ${rand:1..2}", collect, buf, &bad), 0, "scan succeeds");
	tap_is_str(buf, "x@2;rand:1..2@22;", "scan reports references and offsets, skipping escapes and env");
	tap_is_int(fr_vars_scan("ok ${x} ${open", collect, buf, &bad), -1, "scan reports an unterminated reference");
	tap_is_int((int64_t)bad, 8, "  at its offset");
	tap_is_int(fr_vars_scan("${a}${b}", stop, NULL, &bad), 7, "scan stops with the callback's value");

	uint64_t st = 1, a = fr_rand_next(&st), b = fr_rand_next(&st);
	tap_ok(a != b && st != 1, "the xorshift state advances");
	return tap_done();
}
