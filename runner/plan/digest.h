/* digest.h: the identity of a compiled plan — what must agree for shard results to be added up.
 *
 * Shards of one run must have run the same timeline: the same scenarios,
 * requests (the metric keys), stages, faults, SLOs, segments and windows, at
 * the same time scale. fr_timeline_digest hashes exactly those (64-bit
 * FNV-1a over a canonical text), and leaves out what may differ between
 * generators without changing what is measured — target URLs, headers,
 * credentials, the Toxiproxy address — so a shard whose environment points at
 * another address still merges, while a shard that ran another version of
 * the plan is refused. It is a check against mistakes, not a signature.
 */
#ifndef FR_DIGEST_H
#define FR_DIGEST_H

#include "plan/timeline.h"

#define FR_DIGEST_LEN 17 /* 16 hex digits and the NUL */

/* Writes TL's digest as 16 lower-case hex digits into OUT. */
void fr_timeline_digest(const struct fr_timeline *tl, char out[FR_DIGEST_LEN]);

#endif
