/* ws_match.c: the event id of a message, with the plan's compiled pattern (see ws_match.h).
 *
 * The builder compiled the pattern once (fr_ws.match_re); a message costs
 * one bounded fr_regex_match. An id is "e" then at most 19 digits that fit
 * in a uint64_t: a longer or larger number is not one of ours (it would
 * wrap and be mistaken for another event).
 */
#include "engine/ws_match.h"

#include <stdlib.h>

#include "util/xmalloc.h"

#define ID_DIGITS_MAX 19 /* 10^19 - 1 < 2^64 */

struct fr_ws_match {
	const struct fr_regex *re;
	uint32_t group; /* the group holding the id */
};

/* Picks the group: "id", else 1, else 0. */
struct fr_ws_match *fr_ws_match_create(const struct fr_regex *re)
{
	struct fr_ws_match *m = xcalloc(1, sizeof *m);
	int named = fr_regex_named_group(re, "id");

	m->re = re;
	m->group = named > 0 ? (uint32_t)named : fr_regex_groups(re) ? 1 : 0;
	return m;
}

/* Parses an event id "e<seq>"; 0 when it is not one of ours. */
uint64_t fr_ws_match_parse_id(const char *s, size_t len)
{
	if (len < 2 || len > 1 + ID_DIGITS_MAX || s[0] != 'e')
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
	size_t off, n;

	if (fr_regex_match(m->re, msg, len, m->group, &off, &n) != FR_REGEX_MATCH)
		return 0;
	return fr_ws_match_parse_id(msg + off, n);
}

/* Frees a matcher (not the pattern, which the plan owns); accepts NULL. */
void fr_ws_match_free(struct fr_ws_match *m)
{
	free(m);
}
