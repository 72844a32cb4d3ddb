/* cmd_plan.c: `flowrun plan PLAN` — the compiled timeline and its totals.
 *
 * What a reviewer reads to see what a plan will do: every action at its
 * absolute offset, then the expected totals (duration, planned requests,
 * peak users and viewers, fault windows, segments, SLO windows), as text or
 * as JSON. No I/O beyond reading the plan.
 */
#include "cli/cmd_plan.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/memory.h"
#include "engine/run.h"
#include "plan/timeline_print.h"

static const char usage[] = "usage: flowrun plan PLAN [--json] [--time-scale F] [--set NAME=VALUE] [--threads N]\n"
                            "Prints the compiled timeline (every action at its absolute offset) followed by the\n"
                            "expected totals: duration, planned requests, peak users and viewers, fault windows,\n"
                            "segments and SLO windows, and the memory a run needs on --threads N worker threads\n"
                            "(default: the number of cores). --json prints the same as a JSON document.\n"
                            "--allow-outside PATH lets the plan extend or read proxies from PATH, outside its\n"
                            "repository (the plan's directory and git work tree, and the current directory's).\n";

/* flowrun plan PLAN [--json] */
static enum fr_exit run(int argc, char **argv)
{
	struct fr_cli_plan_opts o;
	struct fr_estimate est;
	int rc = fr_cli_plan_options(argc, argv, usage, 1, &o);

	if (rc)
		return rc > 0 ? FR_EXIT_OK : FR_EXIT_USAGE;
	if (optind != argc - 1) {
		fputs(usage, stderr);
		return FR_EXIT_USAGE;
	}
	struct fr_plan *plan;
	struct fr_timeline *tl;
	if (fr_cli_load(argv[optind], o.scale, &plan, &tl) != FR_EXIT_OK)
		return FR_EXIT_USAGE;
	fr_estimate(tl, &(struct fr_estimate_opts){fr_cli_memory_threads(o.threads), FR_RUN_MAX_INFLIGHT, 0}, &est);
	if (o.json) {
		char *s = fr_timeline_print_json(tl, &est);
		puts(s);
		free(s);
	} else {
		fr_timeline_print(tl, &est, stdout);
	}
	fr_timeline_free(tl);
	fr_plan_free(plan);
	return FR_EXIT_OK;
}

const struct fr_cli_command fr_cmd_plan = {"plan", run, usage};
