/* sharding.c: the shard options of `flowrun run` (see sharding.h). */
#include "cli/sharding.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plan/shard.h"
#include "util/xmalloc.h"

/* Reads ".fraction" at *P into µs (at most 6 digits count); advances *P. */
static int64_t fraction_us(const char **p)
{
	int64_t us = 0, scale = 100000;
	if (**p != '.')
		return 0;
	for ((*p)++; **p >= '0' && **p <= '9'; (*p)++, scale /= 10)
		us += (**p - '0') * scale;
	return us;
}

/* Reads "Z" or "±hh:mm" at P into seconds east of UTC; -1 when it is neither. */
static int zone_s(const char *p, long *out)
{
	int h, m, n = 0;
	if ((p[0] == 'Z' || p[0] == 'z') && !p[1]) {
		*out = 0;
		return 0;
	}
	if ((p[0] != '+' && p[0] != '-') || sscanf(p + 1, "%2d:%2d%n", &h, &m, &n) != 2 || p[1 + n] || h > 23 || m > 59)
		return -1;
	*out = (p[0] == '-' ? -1 : 1) * (h * 3600L + m * 60L);
	return 0;
}

/* RFC 3339 date-time or unix seconds. */
int fr_sharding_parse_time(const char *s, int64_t *us_out)
{
	struct tm tm = {0};
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	long zone;
	if (p) {
		int64_t frac = fraction_us(&p);
		if (zone_s(p, &zone) != 0)
			return -1;
		*us_out = ((int64_t)timegm(&tm) - zone) * 1000000 + frac;
		return 0;
	}
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 1e9) || v > 1e11)
		return -1; /* a plausible unix time: after 2001, before 5138 */
	*us_out = (int64_t)(v * 1e6 + 0.5);
	return 0;
}

/* A start time as either form, or a message saying both. */
int fr_sharding_set_start(struct fr_sharding *sh, const char *arg)
{
	if (fr_sharding_parse_time(arg, &sh->start_at_us) == 0)
		return 0;
	fprintf(stderr, "flowrun: --start-at needs an RFC 3339 time (2026-11-27T11:23:24Z) or unix seconds, got '%s'\n",
	        arg);
	return -1;
}

/* Seconds, up to an hour. */
int fr_sharding_set_grace(struct fr_sharding *sh, const char *arg)
{
	char *end;
	double g = strtod(arg, &end);
	if (end == arg || *end || !(g >= 0) || g > 3600) {
		fprintf(stderr, "flowrun: --start-grace needs seconds from 0 to 3600, got '%s'\n", arg);
		return -1;
	}
	sh->grace_us = (int64_t)(g * 1e6);
	return 0;
}

/* K from the array-job engine's environment; -1 when there is none. */
static int index_from_env(const char **name_out)
{
	static const char *const names[] = {"JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		const char *v = getenv(names[i]);
		char *end;
		if (!v || !*v)
			continue;
		*name_out = names[i];
		long k = strtol(v, &end, 10);
		return *end || k < 0 || k > FR_SHARD_MAX ? -2 : (int)k;
	}
	return -1;
}

/* --shards N with the index from the environment. */
static int from_env(struct fr_sharding *sh)
{
	const char *name = "JOB_COMPLETION_INDEX";
	char *end, *err = NULL;
	long n = strtol(sh->shards_arg, &end, 10);
	if (*end || n < 1 || n > FR_SHARD_MAX) {
		fprintf(stderr, "flowrun: --shards needs a number from 1 to %d, got '%s'\n", FR_SHARD_MAX,
		        sh->shards_arg);
		return -1;
	}
	int k = index_from_env(&name);
	if (k < 0) {
		fprintf(stderr, "flowrun: --shards %ld needs %s set to this shard's number%s\n", n,
		        k == -1 ? "JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID" : name,
		        k == -1 ? " (or give --shard K/N)" : ", got something else");
		return -1;
	}
	char *spec = xasprintf("%d/%ld", k, n);
	int rc = fr_shard_parse(spec, &sh->shard, &sh->nshards, &err);
	if (rc)
		fprintf(stderr, "flowrun: %s=%d is not a shard of %ld\n", name, k, n);
	free(err);
	free(spec);
	return rc;
}

/* --shard wins over --shards; a shard needs the common start. */
int fr_sharding_resolve(struct fr_sharding *sh)
{
	char *err = NULL;
	sh->nshards = 0;
	sh->shard = 0;
	if (sh->shard_arg && fr_shard_parse(sh->shard_arg, &sh->shard, &sh->nshards, &err) != 0) {
		fprintf(stderr, "flowrun: %s\n", err);
		free(err);
		return -1;
	}
	if (!sh->shard_arg && sh->shards_arg && from_env(sh) != 0)
		return -1;
	if (sh->nshards && !sh->start_at_us) {
		fprintf(stderr, "flowrun: shard %d/%d needs --start-at TIME, the common start of every shard\n",
		        sh->shard, sh->nshards);
		return -1;
	}
	if (sh->grace_us < 0)
		sh->grace_us = FR_SHARDING_GRACE_US;
	return 0;
}

/* The plan and the start name a run well enough for shards to agree on it. */
char *fr_sharding_run_id(const char *plan_name, int64_t start_at_us)
{
	time_t t = (time_t)(start_at_us / 1000000);
	struct tm tm;
	char buf[32];
	gmtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm);
	return xasprintf("%s-%s", plan_name, buf);
}

/* FNV-1a of the run id stands in for a seed nobody gave. */
uint64_t fr_sharding_seed(uint64_t run_seed, const char *run_id, int k)
{
	if (!run_seed) {
		run_seed = UINT64_C(0xcbf29ce484222325);
		for (const char *p = run_id; *p; p++)
			run_seed = (run_seed ^ (unsigned char)*p) * UINT64_C(0x100000001b3);
	}
	return fr_shard_seed(run_seed, k);
}
