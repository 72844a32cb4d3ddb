/* shard.c: the shard spec and each shard's share of a plan's load (see shard.h). */
#include "plan/shard.h"

#include <math.h>
#include <stdlib.h>

#include "util/xmalloc.h"

/* Reads a non-negative decimal integer that ends where *END says; -1 when bad. */
static long parse_int(const char *s, char **end)
{
	if (*s < '0' || *s > '9')
		return -1;
	long v = strtol(s, end, 10);
	return v > 1000000 ? -1 : v;
}

/* "K/N" as written on a command line or in a Job's arguments. */
int fr_shard_parse(const char *spec, int *k_out, int *n_out, char **err_out)
{
	char *end;
	long k = parse_int(spec, &end), n = -1;
	if (k >= 0 && *end == '/')
		n = parse_int(end + 1, &end);
	if (k < 0 || n < 1 || *end || k >= n || n > FR_SHARD_MAX) {
		*err_out = xasprintf("--shard needs K/N with 0 <= K < N <= %d, got '%s'", FR_SHARD_MAX, spec);
		return -1;
	}
	*k_out = (int)k;
	*n_out = (int)n;
	return 0;
}

/* Counts are split by number (u mod N), rates divided. */
double fr_shard_level(enum fr_model model, double level, int k, int n)
{
	if (model == FR_MODEL_OPEN)
		return level / n;
	long total = lround(level);
	return total <= k ? 0 : (double)((total - k + n - 1) / n);
}

/* A shard's load units over the shards' total (which is the plan's). */
double fr_shard_share(const struct fr_plan *plan, int k, int n)
{
	double mine = 0, all = 0;
	for (size_t s = 0; s < plan->nscenarios; s++) {
		const struct fr_scenario *sc = &plan->scenarios[s];
		for (size_t i = 0; i < sc->nstages; i++) {
			double dur = (double)sc->stages[i].dur_us;
			mine += fr_shard_level(sc->model, sc->stages[i].level, k, n) * dur;
			for (int j = 0; j < n; j++)
				all += fr_shard_level(sc->model, sc->stages[i].level, j, n) * dur;
		}
	}
	return all > 0 ? mine / all : 1.0 / n;
}

/* splitmix64 of the run seed and the shard number, cut to 53 bits. */
uint64_t fr_shard_seed(uint64_t run_seed, int k)
{
	uint64_t z = run_seed + UINT64_C(0x9e3779b97f4a7c15) * (uint64_t)(k + 1);
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	z ^= z >> 31;
	z &= (UINT64_C(1) << 53) - 1; /* exact in every JSON reader, JavaScript's too */
	return z ? z : 1;
}
