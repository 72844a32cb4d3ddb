/* sharding.h: the options that make a run one shard of many — and what follows from them.
 *
 * `flowrun run PLAN --shard K/N --start-at TIME` runs shard K of N
 * (plan/shard.h) from a common wall-clock start. An array-job engine that
 * numbers its tasks gives the number in the environment instead: with
 * `--shards N`, K is read from JOB_COMPLETION_INDEX (a Kubernetes Indexed
 * Job) or SLURM_ARRAY_TASK_ID (a Slurm array). A shard needs the common
 * start: without it the shards' schedules would not line up, so their
 * arrivals would not interleave and their WebSocket publishers would not
 * agree. The shards of one run share a run id — given, or made from the
 * plan's name and the start time, which every shard knows — and each draws
 * from its own seed, derived from the run's seed (given, or a hash of the
 * run id) and K.
 */
#ifndef FR_SHARDING_H
#define FR_SHARDING_H

#include <stdint.h>

#define FR_SHARDING_GRACE_US 1000000 /* --start-grace default: 1 s */

struct fr_sharding {
	const char *shard_arg;  /* --shard K/N, or NULL */
	const char *shards_arg; /* --shards N, or NULL */
	int64_t start_at_us;    /* --start-at as unix µs, 0: not given */
	int64_t grace_us;       /* --start-grace, -1: not given */
	/* resolved */
	int shard;
	int nshards; /* 0: not sharded */
};

/* Parses a start time: RFC 3339 ("2026-11-27T11:23:24Z",
 * "2026-11-27T12:23:24.5+01:00") or unix seconds ("1795779804", with an
 * optional fraction). Returns 0 with unix µs in *US_OUT, or -1. */
int fr_sharding_parse_time(const char *s, int64_t *us_out);

/* --start-at and --start-grace into SH; 0, or -1 after printing why. */
int fr_sharding_set_start(struct fr_sharding *sh, const char *arg);
int fr_sharding_set_grace(struct fr_sharding *sh, const char *arg);

/* Resolves SH: K and N from --shard or from --shards and the environment,
 * and checks that they go together with --start-at. Returns 0, or -1 after
 * printing why ("flowrun: --shards 4 needs JOB_COMPLETION_INDEX or
 * SLURM_ARRAY_TASK_ID set to this shard's number"). */
int fr_sharding_resolve(struct fr_sharding *sh);

/* The run id shards share when none is given: "<plan>-<start, UTC>"
 * ("event-rate-20261127-112324"). Caller frees. */
char *fr_sharding_run_id(const char *plan_name, int64_t start_at_us);

/* Shard K's seed: from RUN_SEED, or from RUN_ID when RUN_SEED is 0. */
uint64_t fr_sharding_seed(uint64_t run_seed, const char *run_id, int k);

#endif
