/* test-merge.c: shard results add up exactly to the results of one generator.
 *
 * The property: for random sample sets split at random across N histograms
 * (N = 1..16), each histogram written as a raw JSON histogram, serialised to
 * text, parsed and rebuilt, the rebuilt histograms merged equal the
 * histogram of all samples in every bucket, count, min, max and sum. Then
 * whole results: the fixture run written as the JSON results of shards and
 * merged with fr_merge_results equals the in-memory merge of the same
 * results, cell by cell and verdict by verdict; and fr_merge_check refuses
 * results that are not the shards of one run, with messages naming the files.
 */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "plan/vars.h"
#include "result/merge.h"
#include "result/report_json.h"
#include "result/results-fixture.h"
#include "result/slo.h"
#include "result/timeseries.h"
#include "tap.h"

static uint64_t rng = 0x2545f4914f6cdd1dULL;

/* Deterministic samples from the plan layer's xorshift64*. */
static uint64_t next(void)
{
	return fr_rand_next(&rng);
}

/* One sample of distribution D: exponential-ish, uniform, spikes, beyond the range, tiny. */
static int64_t sample(int d)
{
	switch (d) {
	case 0: return (int64_t)(next() % 1000) * (int64_t)(next() % 1000); /* 0 .. 1e6, skewed */
	case 1: return (int64_t)(next() % 5000000);
	case 2: return next() % 100 ? 800 + (int64_t)(next() % 50) : 2000000 + (int64_t)(next() % 1000000);
	case 3: return (int64_t)(next() % 10) == 0 ? INT64_C(5000000000) : (int64_t)(next() % 300); /* clamped */
	default: return (int64_t)(next() % 256);
	}
}

/* A histogram through the JSON text and back, as merge reads it from a file. */
static struct fr_hist *through_json(const struct fr_hist *h)
{
	json_t *raw = fr_report_json_raw(h);
	if (!raw)
		return fr_hist_create();
	char *text = json_dumps(raw, JSON_COMPACT);
	json_decref(raw);
	json_t *back = json_loads(text, 0, NULL);
	free(text);
	struct fr_hist *out = fr_report_json_raw_hist(back);
	json_decref(back);
	return out;
}

/* N = 1..16, five distributions each: merged parts equal the whole. */
static void test_property(void)
{
	int all_equal = 1, parts_equal = 1, checked = 0;
	for (int n = 1; n <= 16; n++) {
		for (int d = 0; d < 5; d++) {
			struct fr_hist *whole = fr_hist_create(), *merged = fr_hist_create();
			struct fr_hist *parts[16];
			for (int k = 0; k < n; k++)
				parts[k] = fr_hist_create();
			size_t count = 1000 + next() % 20000;
			for (size_t i = 0; i < count; i++) {
				int64_t v = sample(d);
				fr_hist_record(whole, v);
				fr_hist_record(parts[next() % (uint64_t)n], v);
			}
			for (int k = 0; k < n; k++) {
				struct fr_hist *back = through_json(parts[k]);
				parts_equal &= fr_hist_equal(back, parts[k]);
				fr_hist_merge(merged, back);
				fr_hist_free(back);
				fr_hist_free(parts[k]);
			}
			if (!fr_hist_equal(merged, whole)) {
				all_equal = 0;
				printf("# N=%d dist %d: merged count %llu min %lld max %lld sum %.0f, whole %llu %lld "
				       "%lld "
				       "%.0f\n",
				       n, d, (unsigned long long)fr_hist_count(merged), (long long)fr_hist_min(merged),
				       (long long)fr_hist_max(merged), fr_hist_sum(merged),
				       (unsigned long long)fr_hist_count(whole), (long long)fr_hist_min(whole),
				       (long long)fr_hist_max(whole), fr_hist_sum(whole));
			}
			checked++;
			fr_hist_free(whole);
			fr_hist_free(merged);
		}
	}
	tap_ok(parts_equal, "every part read back from JSON equals itself: buckets, count, min, max, sum");
	tap_ok(all_equal, "N = 1..16, 5 distributions: merged parts equal the histogram of all samples");
	tap_is_int(checked, 80, "80 sample sets checked");
	struct fr_hist *empty = through_json(NULL);
	tap_ok(fr_hist_count(empty) == 0 && fr_hist_equal(empty, NULL), "an empty histogram stays empty");
	fr_hist_free(empty);
}

static char dir[] = "/tmp/test-merge-XXXXXX";

/* Writes RES as shard K of N of run RUN_ID to a new file (caller frees the path). */
static char *write_shard(struct fr_results *res, const char *run_id, int k, int n)
{
	char *path = xasprintf("%s/shard-%d.json", dir, k);
	struct fr_report *r = fr_report_build(res, run_id);
	r->shards = xcalloc(1, sizeof *r->shards);
	r->nshards = 1;
	r->shards[0] = (struct fr_shard_info){.index = k, .count = n, .seed = 42 + (uint64_t)k, .cpu_s = 1.5};
	if (k == 0)
		fr_report_add_fault(r, 0, 1, 5000000, 5001000, 1, NULL);
	char *err = NULL;
	if (fr_report_json(r, path, &err) != 0)
		printf("# cannot write %s: %s\n", path, err);
	free(err);
	fr_report_free(r);
	return path;
}

/* Whether every cell and counter of A equals B's. */
static int same_results(const struct fr_results *a, const struct fr_results *b)
{
	for (size_t i = 0; i < a->nkeys * a->tl->nsegs; i++) {
		const struct fr_cell *x = &a->cells[i], *y = &b->cells[i];
		if (!fr_hist_equal(x->latency, y->latency) || !fr_hist_equal(x->service, y->service) ||
		    !fr_hist_equal(x->delivery, y->delivery) || !fr_hist_equal(x->connect, y->connect) ||
		    memcmp(x->outcomes, y->outcomes, sizeof x->outcomes) || memcmp(x->ws, y->ws, sizeof x->ws) ||
		    x->late != y->late || x->missed != y->missed) {
			printf("# cell %zu differs\n", i);
			return 0;
		}
	}
	return a->planned == b->planned && a->sent == b->sent && fr_hist_equal(a->sched_lag, b->sched_lag);
}

/* Three shards (the fixture run, a second run, the fixture again) merged from
 * JSON equal the same results merged in memory. */
static void test_results(void)
{
	struct fr_results *part[3], *mem = fr_results_create(&fx_tl);
	char *paths[3];
	struct fr_merge_input in[3];
	for (int k = 0; k < 3; k++) {
		part[k] = fr_results_create(&fx_tl);
		fx_fill(part[k]);
		if (k == 1)
			for (int i = 0; i < 300; i++)
				fr_results_record_request(part[k], 0, 0, FR_OK, 40000 + i * 7, 300 + i);
		part[k]->planned = 500;
		part[k]->sent = 498 + (uint64_t)k;
		part[k]->sched_lag = fr_hist_create();
		fr_hist_record_n(part[k]->sched_lag, 100 + k * 1000, 498);
		fr_results_note_active(part[k], 1, 0, 3 + (uint64_t)k);
		for (int i = 0; i < 500; i++) /* the time series, spread over the run */
			fr_timeseries_request(part[k]->series, i % 4, (int64_t)i * 39000 + k * 7,
			                      i % 11 ? FR_OK : FR_ERR_TIMEOUT,
			                      100 + (int64_t)(fr_rand_next(&rng) % 900000));
		fr_timeseries_gauge(part[k]->series, 1, 1000000, 4 + (uint32_t)k);
		fr_timeseries_seal(part[k]->series);
		fr_results_merge(mem, part[k]);
		paths[k] = write_shard(part[k], "r-1", k, 3);
	}
	int ok = 1;
	for (int k = 0; k < 3; k++) {
		char *err = NULL;
		ok &= fr_merge_read(paths[k], &in[k], &err) == FR_MERGE_OK;
		if (err)
			printf("# %s\n", err);
		free(err);
	}
	tap_ok(ok, "three shard results read back");
	tap_is_int(in[2].index * 10 + in[2].count, 23, "shard 2 of 3 identified");
	char *err = NULL;
	tap_is_int(fr_merge_check(in, 3, &err), FR_MERGE_OK, "the shards of one run pass the check");
	free(err);
	err = NULL;
	struct fr_results *merged = NULL;
	tap_is_int(fr_merge_results(&fx_tl, in, 3, &merged, &err), FR_MERGE_OK, "merge succeeds");
	free(err);
	tap_ok(merged && same_results(merged, mem), "merged from JSON = merged in memory: every cell exactly");
	tap_ok(merged && fr_timeseries_equal(merged->series, mem->series),
	       "and the time series interval by interval: counts, histograms, maxima, gauges");
	tap_is_int(merged ? (int64_t)fr_results_active(merged, 1, 0) : -1, 12, "active viewers add up (3+4+5)");
	struct fr_verdict *va, *vb;
	size_t na, nb;
	fr_slo_evaluate(merged, &va, &na);
	fr_slo_evaluate(mem, &vb, &nb);
	int same = na == nb;
	for (size_t i = 0; same && i < na; i++)
		same = va[i].pass == vb[i].pass && va[i].measured == vb[i].measured && va[i].no_data == vb[i].no_data;
	tap_ok(same, "every verdict and measured value equal");
	fr_verdicts_free(va, na);
	fr_verdicts_free(vb, nb);

	struct fr_report *r = fr_report_build(merged, "r-1");
	fr_merge_faults(r, in, 3);
	tap_is_int((int64_t)r->nfaults, 1, "the fault records of shard 0 only");
	struct fr_shard_info *si = fr_merge_shards(&fx_plan, in, 2, 3);
	tap_ok(!si[0].missing && !si[1].missing && si[2].missing, "a shard without a result is missing");
	tap_is_int((int64_t)si[1].seed, 43, "the table carries each shard's seed");
	tap_is_int(si[1].lag_p99_us, 1100, "and its lag p99");
	/* rates split in thirds (500 units each), 10 viewers as 4 + 3 + 3 over 20 s */
	tap_ok(fabs(si[0].share - 580.0 / 1700) < 1e-12 && fabs(si[1].share - 560.0 / 1700) < 1e-12,
	       "each shard's share of the load: 580/1700, 560/1700");
	tap_ok(fabs(si[0].share + si[1].share + si[2].share - 1) < 1e-12, "the shares add up to the plan");
	for (int k = 0; k < 3; k++)
		fr_shard_info_clear(&si[k]);
	free(si);
	fr_report_free(r);
	fr_results_free(merged);

	/* the refusals */
	struct fr_merge_input bad[2] = {in[0], in[1]};
	bad[1].run_id = "r-2";
	err = NULL;
	tap_is_int(fr_merge_check(bad, 2, &err), FR_MERGE_MISMATCH, "different run ids refused");
	char *want =
	        xasprintf("%s is a shard of run r-2, %s of run r-1: results of different runs", paths[1], paths[0]);
	tap_is_str(err, want, "the message names both files and runs");
	free(want);
	free(err);
	bad[1] = in[1];
	bad[1].digest = "0123456789abcdef";
	err = NULL;
	fr_merge_check(bad, 2, &err);
	tap_ok(err && strstr(err, "with digest 0123456789abcdef") && strstr(err, "differed between shards"),
	       "a different plan digest is refused");
	free(err);
	bad[1] = in[1];
	bad[1].count = 4;
	err = NULL;
	fr_merge_check(bad, 2, &err);
	tap_ok(err && strstr(err, "different shard counts"), "a different shard count is refused");
	free(err);
	bad[1] = in[0];
	err = NULL;
	fr_merge_check(bad, 2, &err);
	tap_ok(err && strstr(err, "are both shard 0 of 3"), "the same shard twice is refused");
	free(err);
	bad[1] = in[1];
	bad[1].plan_name = "smoke";
	err = NULL;
	fr_merge_check(bad, 2, &err);
	tap_ok(err && strstr(err, "of plan 'smoke'") && strstr(err, "shards of different plans"),
	       "a different plan is refused");
	free(err);

	for (int k = 0; k < 3; k++) {
		fr_merge_input_clear(&in[k]);
		unlink(paths[k]);
		free(paths[k]);
		fr_results_free(part[k]);
	}
	fr_results_free(mem);
}

/* A checkpoint (partial) and a failed run's result are results like the others:
 * they read back and merge, and the merged run says it is partial, or failed. */
static void test_partial_failed(void)
{
	struct fr_results *a = fr_results_create(&fx_tl), *b = fr_results_create(&fx_tl);
	fx_fill(a);
	fx_fill(b);
	a->partial = 1;
	b->failed_reason = xstrdup("teardown failed: GET /missing: HTTP 404");
	b->failed_phase = "teardown";
	char *pa = write_shard(a, "r-3", 0, 2), *pb = write_shard(b, "r-3", 1, 2);
	struct fr_merge_input in[2];
	char *err = NULL;
	int ok = fr_merge_read(pa, &in[0], &err) == FR_MERGE_OK && fr_merge_read(pb, &in[1], &err) == FR_MERGE_OK;
	tap_ok(ok, "a checkpoint and a failed run's result read back as results");
	free(err);
	err = NULL;
	struct fr_results *m = NULL;
	tap_is_int(ok ? fr_merge_results(&fx_tl, in, 2, &m, &err) : -1, FR_MERGE_OK, "and merge");
	free(err);
	tap_is_int(m ? m->partial : -1, 1, "the merge of a checkpoint is partial");
	char *want = xasprintf("%s: teardown failed: GET /missing: HTTP 404", pb);
	tap_is_str(m ? m->failed_reason : NULL, want, "a failed shard fails the merge, naming its file");
	tap_is_str(m ? m->failed_phase : NULL, "teardown", "in the phase it failed in");
	free(want);
	fr_results_free(m);
	for (int k = 0; k < 2 && ok; k++)
		fr_merge_input_clear(&in[k]);
	unlink(pa);
	unlink(pb);
	free(pa);
	free(pb);
	fr_results_free(a);
	fr_results_free(b);
}

/* Files that are not results. */
static void test_unreadable(void)
{
	char *path = xasprintf("%s/x.json", dir);
	FILE *f = fopen(path, "w");
	fputs("{\"format\": \"something\"}\n", f);
	fclose(f);
	struct fr_merge_input in;
	char *err = NULL;
	tap_is_int(fr_merge_read(path, &in, &err), FR_MERGE_UNREADABLE, "another JSON document is refused");
	char *want = xasprintf("%s: not a flowrun result (no \"format\": \"flowrun-result\")", path);
	tap_is_str(err, want, "and named");
	free(want);
	free(err);
	fr_merge_input_clear(&in);
	f = fopen(path, "w");
	fputs("{\"format\": \"flowrun-\n", f);
	fclose(f);
	err = NULL;
	tap_is_int(fr_merge_read(path, &in, &err), FR_MERGE_UNREADABLE, "broken JSON is refused");
	tap_ok(err && strncmp(err, path, strlen(path)) == 0, "with the file's name");
	free(err);
	fr_merge_input_clear(&in);
	unlink(path);
	free(path);
	path = xasprintf("%s/none.json", dir);
	err = NULL;
	tap_is_int(fr_merge_read(path, &in, &err), FR_MERGE_UNREADABLE, "a missing file is refused");
	free(err);
	fr_merge_input_clear(&in);
	free(path);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	test_property();
	test_results();
	test_partial_failed();
	test_unreadable();
	rmdir(dir);
	return tap_done();
}
