/* regex.c: bounded pcre2 matching (see regex.h).
 *
 * The budget callout: the pattern is compiled as "(?C255)" + pattern (after
 * any leading "(*VERB)" settings, which pcre2 only accepts first), so pcre2
 * calls on_start at every start position it tries; positions its start-up
 * optimisations skip cost nothing. Reading the thread's CPU clock is a
 * system call (about 1 µs here), so on_start reads the monotonic clock
 * (tens of ns) every few positions and asks for the CPU time only once the
 * wall time alone could have used the budget: a thread that was preempted
 * is not charged for it. The CPU clock is not even read at the start: a
 * match that ends within CPU_LAZY_NS of wall time (nearly all of them; a
 * WebSocket viewer's event match takes about a microsecond) never makes
 * that system call, which at 100,000 matches a second was a tenth of the
 * viewer driver's CPU. A longer match reads it then and is charged the
 * elapsed wall time as CPU up to that point, so the budget is still never
 * exceeded (preemption in that first millisecond is charged, at most 1 ms).
 * Callouts do not change what a pattern matches, and pcre2 skips them when
 * it looks for a pattern's first character or anchor.
 */
#include "util/regex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "util/xmalloc.h"

#define BUDGET_CALLOUT "(?C255)"
#define BUDGET_NUMBER  255
#define CHECK_EVERY    4         /* start positions between two looks at the clock */
#define CPU_LAZY_NS    1000000LL /* wall time before the CPU clock is first read */

#define STR_(x) #x
#define STR(x)  STR_(x)

struct fr_regex {
	pcre2_code *code;
	char *pattern;   /* as written */
	size_t inserted; /* where the budget callout went, in the pattern as written */
	uint32_t groups;
};

/* The state of one match's budget. */
struct budget {
	unsigned calls;
	int64_t wall_start;    /* CLOCK_MONOTONIC ns at the start */
	int64_t cpu_start;     /* the thread's CPU time at the start, ns (-1: not read yet) */
	int64_t wall_deadline; /* CLOCK_MONOTONIC ns when the CPU time is next worth reading */
	int over;
};

/* CLOCK id CLK now, in ns. */
static int64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Called by pcre2 at each start position it tries; a negative answer ends the match. */
static int on_start(pcre2_callout_block *cb, void *data)
{
	struct budget *b = data;
	const int64_t budget_ns = (int64_t)FR_REGEX_CPU_BUDGET_MS * 1000000;

	if (cb->callout_number != BUDGET_NUMBER || ++b->calls % CHECK_EVERY != 0)
		return 0;
	int64_t wall = now_ns(CLOCK_MONOTONIC);
	if (wall < b->wall_deadline)
		return 0;
	int64_t cpu = now_ns(CLOCK_THREAD_CPUTIME_ID);
	if (b->cpu_start < 0) /* the first look: what ran so far counts as CPU */
		b->cpu_start = cpu - (wall - b->wall_start);
	int64_t used = cpu - b->cpu_start;
	if (used >= budget_ns) {
		b->over = 1;
		return PCRE2_ERROR_CALLOUT;
	}
	b->wall_deadline = wall + (budget_ns - used);
	return 0;
}

/* The length of the "(*NAME)" / "(*NAME=123)" settings PATTERN starts with. */
static size_t leading_settings(const char *pattern)
{
	size_t i = 0;

	while (pattern[i] == '(' && pattern[i + 1] == '*') {
		size_t j = i + 2;
		while ((pattern[j] >= 'A' && pattern[j] <= 'Z') || pattern[j] == '_')
			j++;
		if (pattern[j] == '=')
			for (j++; pattern[j] >= '0' && pattern[j] <= '9'; j++)
				;
		if (pattern[j] != ')' || j == i + 2)
			break;
		i = j + 1;
	}
	return i;
}

/* pcre2 reports offsets in the pattern it compiled: map them back to the one written. */
static size_t written_offset(size_t off, size_t inserted)
{
	size_t len = sizeof BUDGET_CALLOUT - 1;

	if (off <= inserted)
		return off;
	return off >= inserted + len ? off - len : inserted;
}

/* UTF mode with invalid UTF-8 allowed in subjects: responses are not ours to trust. */
struct fr_regex *fr_regex_compile(const char *pattern, struct fr_regex_error *err_out)
{
	size_t at = leading_settings(pattern);
	char *full = xasprintf("%.*s%s%s", (int)at, pattern, BUDGET_CALLOUT, pattern + at);
	int ec;
	PCRE2_SIZE eo;
	pcre2_code *code = pcre2_compile((PCRE2_SPTR)full, PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_MATCH_INVALID_UTF,
	                                 &ec, &eo, NULL);

	free(full);
	if (!code) {
		pcre2_get_error_message(ec, (PCRE2_UCHAR *)err_out->msg, sizeof err_out->msg);
		err_out->offset = written_offset(eo, at);
		return NULL;
	}
	pcre2_jit_compile(code, PCRE2_JIT_COMPLETE); /* without JIT, pcre2 interprets */
	struct fr_regex *re = xcalloc(1, sizeof *re);
	re->code = code;
	re->pattern = xstrdup(pattern);
	re->inserted = at;
	pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &re->groups);
	return re;
}

/* Kept for messages: the compiled form has the callout in it. */
const char *fr_regex_pattern(const struct fr_regex *re)
{
	return re->pattern;
}

/* Counted once at compile time. */
uint32_t fr_regex_groups(const struct fr_regex *re)
{
	return re->groups;
}

/* pcre2 answers a negative error code for an unknown name. */
int fr_regex_named_group(const struct fr_regex *re, const char *name)
{
	int n = pcre2_substring_number_from_name(re->code, (PCRE2_SPTR)name);

	return n > 0 ? n : -1;
}

/* The pcre2 result RC of a match, as ours. */
static enum fr_regex_result result_of(int rc, const struct budget *b)
{
	if (rc >= 0)
		return FR_REGEX_MATCH;
	switch (rc) {
	case PCRE2_ERROR_NOMATCH: return FR_REGEX_NOMATCH;
	case PCRE2_ERROR_MATCHLIMIT: return FR_REGEX_MATCH_LIMITED;
	case PCRE2_ERROR_DEPTHLIMIT:
	case PCRE2_ERROR_HEAPLIMIT:
	case PCRE2_ERROR_JIT_STACKLIMIT: return FR_REGEX_DEPTH_LIMITED;
	case PCRE2_ERROR_CALLOUT: return b->over ? FR_REGEX_BUDGET : FR_REGEX_ERROR;
	default: return FR_REGEX_ERROR;
	}
}

/* Match data and context are per call: a compiled pattern is shared by threads. */
enum fr_regex_result fr_regex_match(const struct fr_regex *re, const char *text, size_t len, uint32_t group,
                                    size_t *off_out, size_t *len_out)
{
	struct budget b = {.cpu_start = -1};
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(re->code, NULL);
	pcre2_match_context *mc = pcre2_match_context_create(NULL);

	if (!md || !mc)
		abort(); /* out of memory is fatal (xmalloc.h) */
	b.wall_start = now_ns(CLOCK_MONOTONIC);
	b.wall_deadline = b.wall_start + CPU_LAZY_NS;
	pcre2_set_match_limit(mc, FR_REGEX_MATCH_LIMIT);
	pcre2_set_depth_limit(mc, FR_REGEX_DEPTH_LIMIT);
	pcre2_set_callout(mc, on_start, &b);
	if (len > FR_REGEX_TEXT_MAX)
		len = FR_REGEX_TEXT_MAX;
	int rc = pcre2_match(re->code, (PCRE2_SPTR)text, len, 0, 0, md, mc);
	enum fr_regex_result r = result_of(rc, &b);
	if (r == FR_REGEX_MATCH) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
		if (group >= (uint32_t)rc || ov[2 * group] == PCRE2_UNSET) {
			r = FR_REGEX_NOMATCH;
		} else {
			*off_out = ov[2 * group];
			*len_out = ov[2 * group + 1] - ov[2 * group];
		}
	}
	pcre2_match_context_free(mc);
	pcre2_match_data_free(md);
	return r;
}

/* The limits are named with their values, so a user can tell which one bit. */
const char *fr_regex_strerror(enum fr_regex_result r)
{
	switch (r) {
	case FR_REGEX_MATCH: return "matched";
	case FR_REGEX_NOMATCH: return "no match";
	case FR_REGEX_MATCH_LIMITED:
		return "gave up: the match limit (" STR(FR_REGEX_MATCH_LIMIT) " steps from one position) was reached";
	case FR_REGEX_DEPTH_LIMITED: return "gave up: the backtracking depth limit was reached";
	case FR_REGEX_BUDGET: return "gave up: the match used its " STR(FR_REGEX_CPU_BUDGET_MS) " ms of CPU time";
	case FR_REGEX_ERROR: break;
	}
	return "gave up: pcre2 error";
}

/* Frees the code and the copy of the pattern. */
void fr_regex_free(struct fr_regex *re)
{
	if (!re)
		return;
	pcre2_code_free(re->code);
	free(re->pattern);
	free(re);
}
