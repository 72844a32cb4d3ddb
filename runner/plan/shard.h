/* shard.h: one plan over N generators — the shard spec and each shard's exact share of the load.
 *
 * `flowrun run PLAN --shard K/N` runs shard K (0-based) of N. Every load
 * level of the plan is split so that the shards add up to exactly the plan:
 * a user or viewer count L is split by number — user u (0 ≤ u < L) belongs
 * to shard u mod N, so shard K runs ⌈(L − K) / N⌉ of them — and a rate r
 * gives each shard the arrivals i ≡ K (mod N) of the global schedule
 * (uniform) or an independent Poisson stream of rate r / N (whose
 * superposition is the planned Poisson stream of rate r). The engine does
 * the same split one level further, over its worker threads ("lanes": thread
 * t of shard K is lane K + N·t of N·T), so threads and shards interleave.
 * Each shard draws from its own random seed, derived from the run's seed
 * and K.
 */
#ifndef FR_SHARD_H
#define FR_SHARD_H

#include <stdint.h>

#include "plan/plan.h"

#define FR_SHARD_MAX 1024 /* the most shards one run may have */

/* Parses "K/N" (0 ≤ K < N ≤ FR_SHARD_MAX) into *K_OUT and *N_OUT. Returns 0,
 * or -1 with a message in *ERR_OUT (caller frees):
 * "--shard needs K/N with 0 <= K < N <= 1024, got '4/4'". */
int fr_shard_parse(const char *spec, int *k_out, int *n_out, char **err_out);

/* Shard K of N's part of a stage LEVEL of a scenario of MODEL: a whole
 * number of users or viewers, or a rate. */
double fr_shard_level(enum fr_model model, double level, int k, int n);

/* The fraction of PLAN's load that shard K of N carries, weighting every
 * stage by its level and duration (users, requests and viewers alike): 1/N
 * for rates, close to it for counts. */
double fr_shard_share(const struct fr_plan *plan, int k, int n);

/* Shard K's random seed from the run's seed (splitmix64: distinct shards
 * draw unrelated streams), below 2^53 so that JSON keeps it exact; never 0. */
uint64_t fr_shard_seed(uint64_t run_seed, int k);

#endif
