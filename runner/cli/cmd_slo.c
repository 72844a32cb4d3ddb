/* cmd_slo.c: `flowrun slo --prometheus URL --run-id ID PLAN` — the SLO gate from Prometheus.
 *
 * Judges every SLO window of PLAN from what Prometheus scraped during run ID
 * (flowrun's own series, labelled with the run id, and the service's
 * histograms for server-side SLOs), prints the same SLO table and result line
 * as a run, and exits like a run: 0 met, 1 failed (no data fails), 2 bad
 * plan or usage, 4 Prometheus unreachable or the run not found.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd_slo.h"

#include "result/report_text.h"
#include "observe/slo_prom.h"
#include "util/redact.h"
#include "util/xmalloc.h"

static const char usage[] =
        "usage: flowrun slo --prometheus URL --run-id ID PLAN [--time-scale F] [--lookback SECONDS]\n"
        "       [--allow-outside PATH]\n"
        "Judges PLAN's SLOs from the Prometheus data of run ID (the --run-id of `flowrun run`,\n"
        "whose metrics Prometheus scraped) and prints the SLO table. Percentile SLOs use\n"
        "exact-bucket threshold counts; windows are accurate to a scrape interval.\n"
        "  --time-scale F      the time scale the run used (default 1)\n"
        "  --lookback SECONDS  how far back to look for the run (default 86400)\n"
        "  --allow-outside PATH let the plan extend or read proxies from PATH, outside its repository\n"
        "Exit: 0 SLOs met, 1 an SLO failed or has no data, 2 usage or plan error,\n"
        "4 Prometheus unreachable or the run not found.\n";

struct slo_args {
	const char *url, *run_id, *plan;
	double scale, lookback;
};

/* Parses the options; -1 on a mistake, 1 on --help. */
static int parse(int argc, char **argv, struct slo_args *a)
{
	static const struct option opts[] = {
	        {"prometheus", required_argument, NULL, 'p'},
	        {"run-id", required_argument, NULL, 'r'},
	        {"time-scale", required_argument, NULL, 's'},
	        {"lookback", required_argument, NULL, 'l'},
	        {"allow-outside", required_argument, NULL, 'O'},
	        {"help", no_argument, NULL, 'h'},
	        {0},
	};
	int c;

	memset(a, 0, sizeof *a);
	a->scale = 1.0;
	a->lookback = 86400;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': a->url = optarg; break;
		case 'r': a->run_id = optarg; break;
		case 's':
			if (fr_cli_parse_scale(optarg, &a->scale))
				return -1;
			break;
		case 'l': a->lookback = strtod(optarg, NULL); break;
		case 'O':
			if (fr_cli_allow_outside(optarg))
				return -1;
			break;
		case 'h': fputs(usage, stdout); return 1;
		default: fputs(usage, stderr); return -1;
		}
	}
	if (!a->url || !a->run_id || optind != argc - 1 || a->lookback <= 0) {
		fputs(usage, stderr);
		return -1;
	}
	a->plan = argv[optind];
	return 0;
}

/* Evaluates and prints; returns the exit status. */
static enum fr_exit judge(const struct slo_args *a, const struct fr_plan *plan, const struct fr_timeline *tl)
{
	struct fr_prom *p = fr_prom_create(a->url);
	struct fr_slo_prom_run run;
	double *starts = NULL;
	enum fr_exit rc = FR_EXIT_INFRA;

	if (fr_prom_ping(p) != FR_PROM_OK) {
		fprintf(stderr, "flowrun: %s\n", fr_prom_error(p));
		goto out;
	}
	int st = fr_slo_prom_find_run(p, a->run_id, tl->npasses, a->lookback, &run, &starts);
	if (st == FR_PROM_NO_DATA) {
		fprintf(stderr,
		        "flowrun: no run '%s' in prometheus at %s (no flowrun_pass_start_seconds in the last %.0fs)\n",
		        a->run_id, a->url, a->lookback);
		goto out;
	}
	if (st) {
		fprintf(stderr, "flowrun: %s\n", fr_prom_error(p));
		goto out;
	}
	struct fr_report r = {.plan = plan, .timeline = tl, .run_id = (char *)a->run_id};
	r.verdicts = xcalloc(tl->nwindows + 1, sizeof *r.verdicts);
	r.nverdicts = tl->nwindows;
	r.started_unix_us = (int64_t)(starts[0] * 1e6);
	r.ended_unix_us = (int64_t)(run.end * 1e6);
	if (fr_slo_prom_evaluate(p, tl, &run, 0, r.verdicts) != FR_PROM_OK) {
		fprintf(stderr, "flowrun: %s\n", fr_prom_error(p));
	} else {
		char *shown = fr_redact_url(a->url);
		printf("SLOs of run %s from prometheus at %s\n", a->run_id, shown);
		free(shown);
		fr_report_text(&r, stdout);
		rc = fr_exit_from_slo(fr_report_slo_result(&r));
	}
	fr_verdicts_free(r.verdicts, r.nverdicts);
out:
	free(starts);
	fr_prom_free(p);
	return rc;
}

/* flowrun slo … */
static enum fr_exit run(int argc, char **argv)
{
	struct slo_args a;
	int st = parse(argc, argv, &a);
	if (st)
		return st > 0 ? FR_EXIT_OK : FR_EXIT_USAGE;
	struct fr_plan *plan;
	struct fr_timeline *tl;
	if (fr_cli_load(a.plan, a.scale, &plan, &tl) != 0)
		return FR_EXIT_USAGE;
	enum fr_exit rc = judge(&a, plan, tl);
	fr_timeline_free(tl);
	fr_plan_free(plan);
	return rc;
}

const struct fr_cli_command fr_cmd_slo = {"slo", run, usage};
