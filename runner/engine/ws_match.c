/* ws_match.c: the event id of a message, with pcre2 (see ws_match.h).
 *
 * The pattern is JIT-compiled when pcre2 can (it falls back to the
 * interpreter otherwise); the match data and the match context with the
 * limits are made once, so a message costs one pcre2_match and no
 * allocation.
 */
#include <stdlib.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "engine/ws_match.h"
#include "util/xmalloc.h"

#define DEFAULT_PATTERN "\"(e[0-9]+)\""
#define MATCH_LIMIT     100000
#define DEPTH_LIMIT     1000

struct fr_ws_match {
	pcre2_code *re;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	uint32_t group; /* the group holding the id */
};

/* Compiles the pattern and picks the group: "id", else 1, else 0. */
struct fr_ws_match *fr_ws_match_create(const char *pattern, char **err_out)
{
	int ec;
	PCRE2_SIZE eo;
	const char *pat = pattern ? pattern : DEFAULT_PATTERN;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, 0, &ec, &eo, NULL);
	if (!re) {
		PCRE2_UCHAR msg[160];
		pcre2_get_error_message(ec, msg, sizeof msg);
		*err_out = xasprintf("match pattern '%s': %s at offset %zu", pat, (char *)msg, (size_t)eo);
		return NULL;
	}
	struct fr_ws_match *m = xcalloc(1, sizeof *m);
	m->re = re;
	pcre2_jit_compile(m->re, PCRE2_JIT_COMPLETE); /* falls back to the interpreter */
	uint32_t ncap = 0;
	pcre2_pattern_info(m->re, PCRE2_INFO_CAPTURECOUNT, &ncap);
	int named = pcre2_substring_number_from_name(m->re, (PCRE2_SPTR) "id");
	m->group = named > 0 ? (uint32_t)named : ncap ? 1 : 0;
	m->md = pcre2_match_data_create_from_pattern(m->re, NULL);
	m->mctx = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(m->mctx, MATCH_LIMIT);
	pcre2_set_depth_limit(m->mctx, DEPTH_LIMIT);
	return m;
}

/* Parses an event id "e<seq>"; 0 when it is not one of ours. */
static uint64_t parse_id(const char *s, size_t len)
{
	if (len < 2 || len > 21 || s[0] != 'e')
		return 0;
	uint64_t n = 0;
	for (size_t i = 1; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		n = n * 10 + (uint64_t)(s[i] - '0');
	}
	return n;
}

/* The first match's id group, parsed. */
uint64_t fr_ws_match_seq(struct fr_ws_match *m, const char *msg, size_t len)
{
	int rc = pcre2_match(m->re, (PCRE2_SPTR)msg, len, 0, 0, m->md, m->mctx);
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(m->md);
	if (rc > (int)m->group && ov[2 * m->group] != PCRE2_UNSET)
		return parse_id(msg + ov[2 * m->group], ov[2 * m->group + 1] - ov[2 * m->group]);
	return 0;
}

/* Frees a matcher; accepts NULL. */
void fr_ws_match_free(struct fr_ws_match *m)
{
	if (!m)
		return;
	pcre2_match_data_free(m->md);
	pcre2_match_context_free(m->mctx);
	pcre2_code_free(m->re);
	free(m);
}
