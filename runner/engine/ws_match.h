/* ws_match.h: finds the event id in a WebSocket message.
 *
 * A websocket scenario's `match` pattern (pcre2) picks the event id out of
 * each message a viewer receives: the group named "id", else group 1, else
 * the whole match; without a pattern, "(e[0-9]+)" in double quotes
 * (FR_WS_MATCH_DEFAULT). An event id is "e<seq>", the ${event_id} the
 * publisher sent. Matching runs with the bounds of util/regex.h, so a
 * pathological pattern cannot stall a worker.
 */
#ifndef FR_WS_MATCH_H
#define FR_WS_MATCH_H

#include <stddef.h>
#include <stdint.h>

#include "util/regex.h"

struct fr_ws_match;

/* A matcher of the pattern RE (the plan's fr_ws.match_re, which must outlive it). */
struct fr_ws_match *fr_ws_match_create(const struct fr_regex *re);

/* The seq of the event id S (LEN bytes, "e42" → 42), or 0 when it is not one:
 * not "e" and 1 to 19 digits. */
uint64_t fr_ws_match_parse_id(const char *s, size_t len);

/* The seq of the event MSG (LEN bytes) names, or 0 when it names none. */
uint64_t fr_ws_match_seq(struct fr_ws_match *m, const char *msg, size_t len);

/* Frees M; accepts NULL. */
void fr_ws_match_free(struct fr_ws_match *m);

#endif
