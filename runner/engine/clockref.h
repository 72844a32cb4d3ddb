/* clockref.h: how far this generator's wall clock is from its target's — the clock offset of a shard.
 *
 * Shards of one run start at a common wall-clock time (--start-at), so
 * their clocks must agree. Each shard measures its offset against the one
 * clock every shard can reach: the target's, through the HTTP Date header
 * that origin servers send (RFC 9110, section 6.6.1). Date has a resolution
 * of one second, so the offset is found at a second boundary: probing until
 * the Date changes brackets the server's boundary between two requests,
 * and probing again densely around the next boundary, one second later,
 * narrows it to about the probe spacing plus the round trip. The offset is
 * the reference's time minus this host's at the same instant; the error
 * bound is half the bracket. docs/decisions/0029-shard-clock.md says why
 * the target and not Prometheus or a peer.
 */
#ifndef FR_CLOCKREF_H
#define FR_CLOCKREF_H

#include <stdint.h>

struct fr_clockref {
	int64_t offset_us; /* reference − this host's wall clock */
	int64_t error_us;  /* the offset is known to ± this */
	int probes;        /* requests it took */
};

/* Measures the offset against the Date header of the HTTP server at URL
 * (https verified against CA_FILE, NULL: the system's CAs),
 * spending at most BUDGET_MS (about 2.2 s gives the fine measurement; with
 * less, the coarse one of ± 5 ms or so). Returns 0 and fills *OUT, or -1 with
 * a message in *ERR_OUT (caller frees): "http://…: no Date header in the
 * answer", "http://…: Connection refused". */
int fr_clockref_measure(const char *url, const char *ca_file, int budget_ms, struct fr_clockref *out, char **err_out);

#endif
