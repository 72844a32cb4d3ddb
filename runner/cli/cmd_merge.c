/* cmd_merge.c: `flowrun merge SHARD.json…` — the shards of one run, added up into one result and one verdict.
 *
 * Reads the shards' JSON results, refuses a set that is not the shards of
 * one run (result/merge.h), compiles the plan they name (or --plan) at their
 * time scale and checks that it is the plan they ran (plan/digest.h), adds
 * their raw histograms and counters key by key and segment by segment, and
 * judges every SLO window again from the merged data — exactly what one
 * generator running the whole plan would have recorded. A missing shard, or
 * one that stopped early, sent no load (late) or could not deliver its
 * share, makes the merged run invalid (exit 3), named; with
 * --allow-missing the verdict stands on what the shards did send, and says
 * what share of the planned load that covers. The reports and exit codes
 * are those of `flowrun run`.
 */
#include "cli/cmd_merge.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/outputs.h"
#include "engine/run.h"
#include "plan/digest.h"
#include "result/merge.h"
#include "result/report_text.h"
#include "util/buf.h"
#include "util/fmt.h"
#include "util/xmalloc.h"

static const char usage[] = "usage: flowrun merge SHARD.json... [options]\n"
                            "Adds up the JSON results of the shards of one run (flowrun run --shard K/N --json F)\n"
                            "into one result, judges every SLO again from the merged histograms, and exits as\n"
                            "flowrun run would have for one generator running the whole plan.\n"
                            "  --json FILE            write the merged result as JSON (with a table of the shards)\n"
                            "  --junit FILE           write JUnit XML, one test case per SLO window\n"
                            "  --markdown FILE        write a Markdown summary (e.g. $GITHUB_STEP_SUMMARY)\n"
                            "  --html FILE            write the self-contained HTML report\n"
                            "  --out DIR              write result.json, junit.xml, summary.md, report.html into DIR\n"
                            "  --allow-missing        judge without the shards that are missing or failed, and say\n"
                            "                         what share of the planned load the result covers\n"
                            "  --plan FILE            the plan, when not where the shards' results say it was\n"
                            "  --set NAME=VALUE       set an environment variable for ${env:NAME} (as the shards had)\n"
                            "  --allow-outside PATH   let the plan extend or read proxies from PATH, outside its\n"
                            "                         repository (as the shards had)\n"
                            "  --quiet, -q            no summary, only errors\n"
                            "Exit: 0 SLOs met, 1 an SLO failed, 2 the files are not the shards of one run (or\n"
                            "usage), 3 invalid (a shard missing, late or stopped, or the load not delivered),\n"
                            "4 a shard's run failed or the results cannot be written.\n";

struct merge_args {
	char **files;
	size_t nfiles;
	const char *plan;
	int allow_missing;
	int quiet;
	struct fr_outputs outputs;
};

/* Parses the options; -1 (usage printed) on a mistake, 1 after --help. */
static int parse_args(int argc, char **argv, struct merge_args *a)
{
	static const struct option opts[] = {
	        {"json", required_argument, NULL, 'j'},
	        {"junit", required_argument, NULL, 'u'},
	        {"markdown", required_argument, NULL, 'm'},
	        {"html", required_argument, NULL, 'H'},
	        {"out", required_argument, NULL, 'o'},
	        {"allow-missing", no_argument, NULL, 'a'},
	        {"plan", required_argument, NULL, 'p'},
	        {"set", required_argument, NULL, 'S'},
	        {"allow-outside", required_argument, NULL, 'O'},
	        {"quiet", no_argument, NULL, 'q'},
	        {"help", no_argument, NULL, 'h'},
	        {0},
	};
	int c;
	memset(a, 0, sizeof *a);
	optind = 1;
	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case 'j': a->outputs.json = optarg; break;
		case 'u': a->outputs.junit = optarg; break;
		case 'm': a->outputs.markdown = optarg; break;
		case 'H': a->outputs.html = optarg; break;
		case 'o': a->outputs.out_dir = optarg; break;
		case 'a': a->allow_missing = 1; break;
		case 'p': a->plan = optarg; break;
		case 'S':
			if (fr_cli_apply_set(optarg))
				return -1;
			break;
		case 'O':
			if (fr_cli_allow_outside(optarg))
				return -1;
			break;
		case 'q': a->quiet = 1; break;
		case 'h': fputs(usage, stdout); return 1;
		default: fputs(usage, stderr); return -1;
		}
	}
	if (optind >= argc) {
		fputs(usage, stderr);
		return -1;
	}
	a->files = argv + optind;
	a->nfiles = (size_t)(argc - optind);
	return 0;
}

/* Reads every file; FR_EXIT_USAGE after printing the first that is not a result. */
static enum fr_exit read_all(const struct merge_args *a, struct fr_merge_input *in)
{
	char *err = NULL;
	if (fr_merge_read_all((const char *const *)a->files, a->nfiles, in, &err) != FR_MERGE_OK) {
		fprintf(stderr, "flowrun: %s\n", err);
		free(err);
		return FR_EXIT_USAGE;
	}
	if (fr_merge_check(in, a->nfiles, &err) != FR_MERGE_OK) {
		fprintf(stderr, "flowrun: %s\n", err);
		free(err);
		return FR_EXIT_USAGE;
	}
	return FR_EXIT_OK;
}

/* Compiles the shards' plan at their time scale and checks it is the one they ran. */
static enum fr_exit load_plan(const struct merge_args *a, const struct fr_merge_input *in, struct fr_plan **plan,
                              struct fr_timeline **tl)
{
	const char *path = a->plan ? a->plan : in[0].plan_file;
	char digest[FR_DIGEST_LEN];
	if (!path) {
		fprintf(stderr, "flowrun: %s does not name its plan file: give --plan FILE\n", in[0].path);
		return FR_EXIT_USAGE;
	}
	if (fr_cli_load(path, in[0].time_scale, plan, tl) != FR_EXIT_OK)
		return FR_EXIT_USAGE;
	fr_timeline_digest(*tl, digest);
	if (strcmp(digest, in[0].digest) == 0)
		return FR_EXIT_OK;
	fprintf(stderr,
	        "flowrun: %s at time scale %g compiles to digest %s, but the shards ran digest %s (%s): another "
	        "version of the plan, or other --set values or environment\n",
	        path, in[0].time_scale, digest, *in[0].digest ? in[0].digest : "(none)", in[0].path);
	fr_timeline_free(*tl);
	fr_plan_free(*plan);
	*tl = NULL;
	*plan = NULL;
	return FR_EXIT_USAGE;
}

/* Why shard SI's data cannot stand for its share, or NULL when it can. */
static char *shard_problem(const struct fr_shard_info *si)
{
	char done[FR_FMT_LEN];
	if (si->missing)
		return xasprintf("shard %d of %d is missing", si->index, si->count);
	if (si->late)
		return xasprintf("shard %d of %d started late and sent no load", si->index, si->count);
	if (si->failed)
		return xasprintf("shard %d of %d failed: %s", si->index, si->count, si->failed);
	if (si->partial || si->interrupted) {
		fr_fmt_run_length(done, sizeof done, si->elapsed_us);
		return xasprintf("shard %d of %d %s after %s (its partial result is included)", si->index, si->count,
		                 si->partial ? "left only a checkpoint" : "stopped", done);
	}
	if (si->invalid)
		return xasprintf("shard %d of %d is invalid: %s", si->index, si->count, si->invalid);
	return NULL;
}

/* The fraction of the planned load a shard's data stands for. */
static double covered_by(const struct fr_shard_info *si, int64_t duration_us)
{
	if (si->missing || si->late)
		return 0;
	if ((si->interrupted || si->partial || si->failed) && duration_us > 0 && si->elapsed_us < duration_us)
		return si->share * (double)si->elapsed_us / (double)duration_us;
	return si->share;
}

/* Judges the shards: their problems make the run invalid, or, with
 * --allow-missing, a note of what share of the load the result covers. */
static void judge_shards(struct fr_report *r, int allow_missing)
{
	struct fr_buf why = {0};
	double covered = 0;
	int failed = 0;
	for (size_t i = 0; i < r->nshards; i++) {
		char *p = shard_problem(&r->shards[i]);
		failed |= r->shards[i].failed != NULL;
		covered += covered_by(&r->shards[i], r->timeline->totals.duration_us);
		if (p)
			fr_buf_printf(&why, "%s%s", why.len ? "; " : "", p);
		free(p);
	}
	if (why.len && allow_missing) {
		r->coverage = xasprintf("covers %.1f %% of the planned load: %s", 100 * covered, fr_buf_str(&why));
	} else if (why.len && failed) {
		free(r->failed_reason); /* as a run that failed: exit 4 */
		r->failed_reason = fr_buf_take(&why);
	} else if (why.len) {
		free(r->invalid_reason); /* the shards' problems come first */
		r->invalid_reason = fr_buf_take(&why);
	}
	fr_buf_free(&why);
}

/* The merged run is judged like one run: all of its load delivered (a
 * saturated generator spoils verdicts window by window: result/health.h). */
static void judge_load(struct fr_results *res)
{
	int64_t dur = res->tl->totals.duration_us;
	if (!res->invalid_reason)
		res->invalid_reason =
		        fr_run_invalid_reason(res->planned, res->sent, res->elapsed_us < dur ? res->elapsed_us : dur);
}

/* Builds the merged report; NULL after printing why. */
static struct fr_report *merge(const struct merge_args *a, const struct fr_timeline *tl, struct fr_merge_input *in,
                               struct fr_results **res_out)
{
	char *err = NULL;
	if (fr_merge_results(tl, in, a->nfiles, res_out, &err) != FR_MERGE_OK) {
		fprintf(stderr, "flowrun: %s\n", err);
		free(err);
		return NULL;
	}
	int count = in[0].count ? in[0].count : 1;
	judge_load(*res_out);
	struct fr_report *r = fr_report_build(*res_out, in[0].run_id);
	r->merged = 1;
	r->shards = fr_merge_shards(tl->plan, in, a->nfiles, count);
	r->nshards = (size_t)count;
	fr_merge_faults(r, in, a->nfiles);
	judge_shards(r, a->allow_missing);
	return r;
}

/* flowrun merge SHARD.json… */
static enum fr_exit run(int argc, char **argv)
{
	struct merge_args a;
	int st = parse_args(argc, argv, &a);
	if (st)
		return st > 0 ? FR_EXIT_OK : FR_EXIT_USAGE;
	struct fr_merge_input *in = xcalloc(a.nfiles, sizeof *in);
	struct fr_plan *plan = NULL;
	struct fr_timeline *tl = NULL;
	struct fr_results *res = NULL;
	struct fr_report *r = NULL;
	enum fr_exit rc = read_all(&a, in);
	if (rc == FR_EXIT_OK)
		rc = load_plan(&a, in, &plan, &tl);
	if (rc == FR_EXIT_OK && !(r = merge(&a, tl, in, &res)))
		rc = FR_EXIT_USAGE;
	if (r) {
		if (!a.quiet)
			fr_report_text(r, stdout);
		fflush(stdout);
		rc = fr_exit_from_slo(fr_report_slo_result(r));
		if (r->failed_reason) /* a shard's run failed (auth, setup, teardown) */
			rc = FR_EXIT_INFRA;
		if (fr_outputs_write(&a.outputs, r, 0) != 0)
			rc = FR_EXIT_INFRA;
	}
	fr_report_free(r);
	fr_results_free(res);
	fr_timeline_free(tl);
	fr_plan_free(plan);
	for (size_t i = 0; i < a.nfiles; i++)
		fr_merge_input_clear(&in[i]);
	free(in);
	return rc;
}

const struct fr_cli_command fr_cmd_merge = {"merge", run, usage};
