/* test-shard.c: the shard spec, each shard's exact share, seeds and the plan digest.
 *
 * The split must add up to exactly the plan for every level and shard count,
 * and must be the same split the engine makes over its lanes (thread t of
 * shard K is lane K + N·t of N·T, taking the numbers u with u mod N·T equal
 * to its lane) whatever thread count each shard runs. The digest must change
 * with anything that changes what is measured and stay when only addresses
 * change.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plan/compile.h"
#include "plan/digest.h"
#include "plan/shard.h"
#include "tap.h"
#include "util/xmalloc.h"

/* Parsing K/N, good and bad. */
static void test_parse(void)
{
	int k = -1, n = -1;
	char *err = NULL;
	tap_is_int(fr_shard_parse("2/4", &k, &n, &err), 0, "2/4 parses");
	tap_is_int(k * 10 + n, 24, "as shard 2 of 4");
	tap_is_int(fr_shard_parse("0/1", &k, &n, &err), 0, "0/1 parses");
	static const char *const bad[] = {"4/4", "-1/4", "1/0", "1", "1/", "/4", "a/b", "1/4x", "0/1025", " 1/4", ""};
	int all = 1;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err = NULL;
		all &= fr_shard_parse(bad[i], &k, &n, &err) == -1 && err != NULL;
		free(err);
	}
	tap_ok(all, "eleven malformed specs are refused");
	err = NULL;
	fr_shard_parse("4/4", &k, &n, &err);
	tap_is_str(err, "--shard needs K/N with 0 <= K < N <= 1024, got '4/4'", "the message says what is wanted");
	free(err);
}

/* The lanes of shard K with T threads take the numbers u < L with u % (N*T)
 * one of K + N*t: count them as the engine's users.c does. */
static long lane_count(long level, int k, int n, int threads)
{
	long got = 0;
	for (int t = 0; t < threads; t++) {
		long lane = k + (long)n * t, lanes = (long)n * threads;
		got += level <= lane ? 0 : (level - lane + lanes - 1) / lanes;
	}
	return got;
}

/* Every level and shard count: the shares add up, and lanes agree. */
static void test_split(void)
{
	int sums = 1, lanes = 1, even = 1;
	for (int n = 1; n <= 16; n++)
		for (long level = 0; level <= 300; level++) {
			double sum = 0;
			for (int k = 0; k < n; k++) {
				double mine = fr_shard_level(FR_MODEL_CLOSED, (double)level, k, n);
				sum += mine;
				even &= mine >= (double)(level / n) && mine <= (double)(level / n + 1);
				lanes &= lane_count(level, k, n, 1 + (k * 7 + (int)level) % 4) == (long)mine;
			}
			sums &= sum == (double)level;
		}
	tap_ok(sums, "N = 1..16, 0..300 users: the shards' users add up to the plan's");
	tap_ok(even, "no shard has more than one user more than another");
	tap_ok(lanes, "the engine's lanes give each shard the same users whatever its thread count");
	double r = 0;
	for (int k = 0; k < 7; k++)
		r += fr_shard_level(FR_MODEL_OPEN, 1000, k, 7);
	tap_ok(fabs(r - 1000) < 1e-9, "rates split into equal parts that add up");
}

/* Seeds differ per shard and are reproducible. */
static void test_seed(void)
{
	int distinct = 1;
	for (int a = 0; a < 64; a++)
		for (int b = a + 1; b < 64; b++)
			distinct &= fr_shard_seed(42, a) != fr_shard_seed(42, b);
	tap_ok(distinct, "64 shards draw 64 different seeds");
	tap_ok(fr_shard_seed(42, 3) == fr_shard_seed(42, 3) && fr_shard_seed(42, 3) != fr_shard_seed(43, 3),
	       "a shard's seed follows from the run's seed");
}

static struct fr_stage stages[] = {{.dur_us = 10000000, .level = 20}};
static struct fr_request reqs[] = {{.name = "a", .method = "GET", .url = "/a", .weight = 1}};

/* Compiles a one-scenario plan and returns its digest. */
static void digest_of(struct fr_plan *p, double scale, char *out)
{
	struct fr_diags d = {0};
	struct fr_timeline *tl;
	if (fr_compile(p, scale, &d, &tl) != 0) {
		strcpy(out, "error");
		return;
	}
	fr_timeline_digest(tl, out);
	fr_timeline_free(tl);
}

/* What changes the digest and what does not. */
static void test_digest(void)
{
	struct fr_scenario sc = {.name = "q",
	                         .model = FR_MODEL_CLOSED,
	                         .stages = stages,
	                         .nstages = 1,
	                         .requests = reqs,
	                         .nrequests = 1};
	struct fr_slo slo = {.name = "p99",
	                     .stat = FR_STAT_QUANTILE,
	                     .quantile = 0.99,
	                     .cmp = FR_CMP_LT,
	                     .threshold = 5000,
	                     .window = FR_WINDOW_RUN,
	                     .window_text = "run"};
	struct fr_plan p = {.name = "t",
	                    .base_url = "http://127.0.0.1:1",
	                    .scenarios = &sc,
	                    .nscenarios = 1,
	                    .slos = &slo,
	                    .nslos = 1};
	char a[FR_DIGEST_LEN], b[FR_DIGEST_LEN];
	digest_of(&p, 1.0, a);
	tap_is_int((int64_t)strlen(a), 16, "16 hex digits");
	p.base_url = "http://10.0.0.9:8080";
	digest_of(&p, 1.0, b);
	tap_is_str(b, a, "another target address: the same digest");
	digest_of(&p, 0.5, b);
	tap_ok(strcmp(a, b) != 0, "another time scale: another digest");
	stages[0].level = 21;
	digest_of(&p, 1.0, b);
	tap_ok(strcmp(a, b) != 0, "another user count: another digest");
	stages[0].level = 20;
	slo.threshold = 6000;
	digest_of(&p, 1.0, b);
	tap_ok(strcmp(a, b) != 0, "another SLO threshold: another digest");
	slo.threshold = 5000;
	reqs[0].name = "b";
	digest_of(&p, 1.0, b);
	tap_ok(strcmp(a, b) != 0, "another request name: another digest");
	reqs[0].name = "a";
	digest_of(&p, 1.0, b);
	tap_is_str(b, a, "back as it was: the first digest");
}

int main(void)
{
	test_parse();
	test_split();
	test_seed();
	test_digest();
	return tap_done();
}
