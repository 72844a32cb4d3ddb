/* ws_match.h: finds the event id in a WebSocket message.
 *
 * A websocket scenario's `match` pattern (pcre2) picks the event id out of
 * each message a viewer receives: the group named "id", else group 1, else
 * the whole match; without a pattern, "(e[0-9]+)" in double quotes. An event
 * id is "e<seq>", the ${event_id} the publisher sent. Matching runs with
 * match and depth limits, so a pathological pattern cannot stall a worker.
 * A matcher holds its match data: one per driver, used on its thread only.
 */
#ifndef FR_WS_MATCH_H
#define FR_WS_MATCH_H

#include <stddef.h>
#include <stdint.h>

struct fr_ws_match;

/* Compiles PATTERN (NULL: the default). Returns NULL with a message in
 * *ERR_OUT (caller frees) when it does not compile:
 * "match pattern '(': missing closing parenthesis at offset 1". */
struct fr_ws_match *fr_ws_match_create(const char *pattern, char **err_out);

/* The seq of the event MSG (LEN bytes) names, or 0 when it names none. */
uint64_t fr_ws_match_seq(struct fr_ws_match *m, const char *msg, size_t len);

/* Frees M; accepts NULL. */
void fr_ws_match_free(struct fr_ws_match *m);

#endif
