/* regex.h: pcre2 patterns compiled once, matched with bounded work.
 *
 * Every pattern of a plan (a capture's `regex:`, a websocket scenario's
 * `match:`) is compiled once when the plan is built, JIT-compiled when pcre2
 * can, and matched on the worker threads by fr_regex_match. A match never
 * runs away, whatever the pattern and the text:
 *   - only the first FR_REGEX_TEXT_MAX bytes of a text are scanned;
 *   - pcre2's match limit (FR_REGEX_MATCH_LIMIT) and depth limit
 *     (FR_REGEX_DEPTH_LIMIT) bound the backtracking from one start position;
 *   - pcre2 resets those counts at every start position, so a pattern that
 *     costs just under the limit at each of a million positions would still
 *     take seconds: a callout at the start of the pattern therefore stops a
 *     match that has used FR_REGEX_CPU_BUDGET_MS of the thread's CPU time.
 * A match that gives up says why (fr_regex_strerror); the caller treats it as
 * a failed capture, never as a hang. Compiled patterns are shared by every
 * thread; each match allocates its own match data.
 */
#ifndef FR_REGEX_H
#define FR_REGEX_H

#include <stddef.h>
#include <stdint.h>

#define FR_REGEX_MATCH_LIMIT   1000000       /* pcre2 match limit, counted per start position */
#define FR_REGEX_DEPTH_LIMIT   10000         /* pcre2 backtracking depth (the interpreter; JIT has its stack) */
#define FR_REGEX_TEXT_MAX      (1024 * 1024) /* only the first 1 MiB of a text is scanned */
#define FR_REGEX_CPU_BUDGET_MS 10            /* CPU time one match may use */

enum fr_regex_result {
	FR_REGEX_MATCH = 0,     /* matched; the span is set */
	FR_REGEX_NOMATCH,       /* no match, or the group took no part in it */
	FR_REGEX_MATCH_LIMITED, /* gave up: the match limit at one start position */
	FR_REGEX_DEPTH_LIMITED, /* gave up: the depth limit or the JIT stack */
	FR_REGEX_BUDGET,        /* gave up: FR_REGEX_CPU_BUDGET_MS of CPU time */
	FR_REGEX_ERROR,         /* another pcre2 error */
};

/* Where a compile failed: pcre2's message and the offset in the pattern as written. */
struct fr_regex_error {
	char msg[256];
	size_t offset;
};

struct fr_regex;

/* Compiles PATTERN (UTF-8; subjects need not be valid UTF-8). Returns the
 * pattern (free with fr_regex_free), or NULL with *ERR_OUT filled. */
struct fr_regex *fr_regex_compile(const char *pattern, struct fr_regex_error *err_out);

/* The pattern as written. */
const char *fr_regex_pattern(const struct fr_regex *re);

/* How many capture groups RE has. */
uint32_t fr_regex_groups(const struct fr_regex *re);

/* The number of the group named NAME, or -1. */
int fr_regex_named_group(const struct fr_regex *re, const char *name);

/* Matches RE against the first FR_REGEX_TEXT_MAX bytes of TEXT (LEN bytes);
 * on FR_REGEX_MATCH, *OFF_OUT and *LEN_OUT locate group GROUP (0: the whole
 * match) in TEXT. Safe to call from several threads at once. */
enum fr_regex_result fr_regex_match(const struct fr_regex *re, const char *text, size_t len, uint32_t group,
                                    size_t *off_out, size_t *len_out);

/* Why a match gave up, for messages: "the match limit of 1000000 was reached". */
const char *fr_regex_strerror(enum fr_regex_result r);

/* Frees RE; accepts NULL. */
void fr_regex_free(struct fr_regex *re);

#endif
