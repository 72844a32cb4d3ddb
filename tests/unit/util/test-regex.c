/* test-regex.c: util/regex.h — compile errors where the user wrote them, and
 * matches that give up in bounded time on 1 MiB texts whatever the pattern.
 *
 * The timing bound: a match may use FR_REGEX_CPU_BUDGET_MS (10 ms) of CPU,
 * checked every few start positions; one position costs at most the match
 * limit (about 2 ms with JIT here). The tests assert the thread's CPU time
 * stays under 100 ms (5 times what the budget allows, so a slow CI machine
 * has room) and the wall time under 1 s (a loaded machine may not run us for
 * a while, which is not the match's cost; a hang would blow it). Before the
 * budget, `(a|aa){1,10}z` on 1 MiB took 6.4 s of CPU with JIT.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tap.h"
#include "util/regex.h"

#define MIB     (1024 * 1024)
#define GAVE_UP -1 /* any of the limits: which one bites first depends on the pattern's shape */

/* CLK now in ms. */
static double ms(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Compiles PATTERN, which must compile. */
static struct fr_regex *re_of(const char *pattern)
{
	struct fr_regex_error err;
	struct fr_regex *re = fr_regex_compile(pattern, &err);

	if (!re)
		printf("# cannot compile %s: %s\n", pattern, err.msg);
	return re;
}

/* Matches PATTERN on TEXT and checks the result and the time it took. */
static void timed(const char *pattern, const char *text, size_t len, int want, const char *name)
{
	struct fr_regex *re = re_of(pattern);
	size_t off, n;
	double w0 = ms(CLOCK_MONOTONIC), c0 = ms(CLOCK_THREAD_CPUTIME_ID);
	enum fr_regex_result got = re ? fr_regex_match(re, text, len, 0, &off, &n) : FR_REGEX_ERROR;
	double cpu = ms(CLOCK_THREAD_CPUTIME_ID) - c0, wall = ms(CLOCK_MONOTONIC) - w0;
	char label[256];

	snprintf(label, sizeof label, "%s (%.1f ms CPU, %.1f ms wall)", name, cpu, wall);
	int ok = want == GAVE_UP ? got != FR_REGEX_MATCH && got != FR_REGEX_NOMATCH : (int)got == want;
	tap_ok(ok && cpu < 100 && wall < 1000, label);
	if (!ok)
		printf("#   got %s\n", fr_regex_strerror(got));
	fr_regex_free(re);
}

/* Compile errors point into the pattern as written, not the one with the callout. */
static void test_compile(void)
{
	struct fr_regex_error err;
	struct fr_regex *re;

	tap_ok(!fr_regex_compile("id=(\\d+", &err) && err.offset == 7, "unclosed group: offset 7 as written");
	tap_ok(!fr_regex_compile("(*UTF)a[", &err) && err.offset == 8, "after a leading (*UTF): offset 8 as written");
	tap_ok(!fr_regex_compile("*a", &err) && err.offset == 0, "a leading quantifier: offset 0");
	re = re_of("(a)(?<id>b)");
	tap_ok(re && fr_regex_groups(re) == 2 && fr_regex_named_group(re, "id") == 2 &&
	               fr_regex_named_group(re, "nope") == -1,
	       "groups counted, a named group found");
	fr_regex_free(re);
	re = re_of("(*LIMIT_MATCH=50)(*UTF)x");
	tap_ok(re && !strcmp(fr_regex_pattern(re), "(*LIMIT_MATCH=50)(*UTF)x"), "leading settings compile");
	fr_regex_free(re);
}

/* What a capture sees: groups, anchors, unset groups, bytes that are not UTF-8. */
static void test_match(void)
{
	struct fr_regex *re = re_of("\"token\":\"(\\w+)\"|(never)");
	size_t off = 0, n = 0;
	const char *body = "{\"token\":\"t0k\"}";

	tap_ok(fr_regex_match(re, body, strlen(body), 1, &off, &n) == FR_REGEX_MATCH && off == 10 && n == 3,
	       "group 1 located");
	tap_ok(fr_regex_match(re, body, strlen(body), 2, &off, &n) == FR_REGEX_NOMATCH,
	       "a group that took no part is no match");
	fr_regex_free(re);
	re = re_of("^abc");
	tap_ok(fr_regex_match(re, "abc", 3, 0, &off, &n) == FR_REGEX_MATCH &&
	               fr_regex_match(re, "xabc", 4, 0, &off, &n) == FR_REGEX_NOMATCH,
	       "an anchor still anchors after the callout");
	fr_regex_free(re);
	re = re_of("id=(\\d+)");
	tap_ok(fr_regex_match(re, "\xff\xfe id=42 \xc3", 12, 1, &off, &n) == FR_REGEX_MATCH && off == 6 && n == 2,
	       "invalid UTF-8 in the text is matched around, not an error");
	fr_regex_free(re);
	re = re_of("(?C1)x");
	tap_ok(fr_regex_match(re, "ax", 2, 0, &off, &n) == FR_REGEX_MATCH, "a callout of the user's is ignored");
	fr_regex_free(re);
}

/* Every pathological shape on a 1 MiB text returns in bounded time. */
static void test_bounded(void)
{
	char *t = malloc(2 * MIB + 16);

	memset(t, 'a', 2 * MIB);
	memcpy(t + MIB - 2, "bz", 2);
	timed("(a|aa){1,16}z", t, MIB - 2, GAVE_UP, "(a|aa){1,16}z on 1 MiB of 'a' gives up");
	timed("(a|aa){1,16}z", t, MIB, GAVE_UP, "(a|aa){1,16}z on 1 MiB ending in 'bz' gives up");
	timed("(a|aa){1,10}z", t, MIB, FR_REGEX_BUDGET,
	      "(a|aa){1,10}z on 1 MiB ending in 'bz': under the limit at each position, stopped by the CPU budget");
	timed("(a+)+z", t, MIB, FR_REGEX_MATCH_LIMITED, "(a+)+z on 1 MiB: the match limit");
	timed("(?:a*)*b[^z]", t, MIB, FR_REGEX_MATCH_LIMITED, "(?:a*)*b[^z] on 1 MiB: the match limit");
	memcpy(t + MIB - 20, "\"id\":\"x1\"", 9);
	timed("\"id\":\"([^\"]+)\"", t, MIB, FR_REGEX_MATCH, "a plain capture at the end of 1 MiB matches");
	memset(t, 'a', 2 * MIB);
	memcpy(t + MIB + 100, "zz", 2);
	timed("zz", t, 2 * MIB, FR_REGEX_NOMATCH, "text past the first 1 MiB is not scanned");
	memcpy(t + MIB - 100, "zz", 2);
	timed("zz", t, 2 * MIB, FR_REGEX_MATCH, "text within the first 1 MiB is");
	free(t);
}

int main(void)
{
	test_compile();
	test_match();
	test_bounded();
	return tap_done();
}
