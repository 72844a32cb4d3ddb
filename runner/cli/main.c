/* main.c: the flowrun program — the table of commands and the dispatch to them.
 *
 * Each command lives in runner/cli/cmd_<name>.c and returns an enum fr_exit
 * (runner/cli/exit.h), which becomes the process exit status here; no other
 * file ends the process. `flowrun PLAN …` is `flowrun run PLAN …`.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cmd_check.h"
#include "cli/cmd_compare.h"
#include "cli/cmd_diff.h"
#include "cli/cmd_list.h"
#include "cli/cmd_merge.h"
#include "cli/cmd_plan.h"
#include "cli/cmd_report.h"
#include "cli/cmd_run.h"
#include "cli/cmd_setup.h"
#include "cli/cmd_slo.h"
#include "util/container.h"
#include "util/redact.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0.0.0"
#endif

static const char usage_main[] =
        "usage: flowrun [run] PLAN [options]      run a plan and judge its SLOs\n"
        "       flowrun check PLAN|DIR...         load, validate and compile plans (no I/O)\n"
        "       flowrun plan PLAN [--json]        print the compiled timeline and totals\n"
        "       flowrun list DIR                  the plans in DIR as JSON, for a CI matrix\n"
        "       flowrun diff OLD NEW              SLO changes between two plan versions (Markdown)\n"
        "       flowrun report RESULT.json --html FILE\n"
        "                                         draw a saved result as the HTML report\n"
        "       flowrun compare BASE.json NEW.json  regressions against a baseline run\n"
        "       flowrun slo --prometheus URL --run-id ID PLAN\n"
        "                                         judge a run's SLOs from Prometheus data\n"
        "       flowrun merge SHARD.json...       add up the shards of one run into one verdict\n"
        "       flowrun setup PLAN --vars-out F   run setup once for all shards (run --vars-from F)\n"
        "       flowrun teardown PLAN --vars-from F\n"
        "                                         run teardown once, after the shards\n"
        "       flowrun --help | --version | help COMMAND\n"
        "\n"
        "Exit codes: 0 SLOs met, 1 an SLO failed, 2 invalid plan or usage,\n"
        "3 invalid run (target unreachable, planned load not delivered),\n"
        "4 infrastructure error (Toxiproxy, Prometheus, results not written), 130 interrupted.\n"
        "See flowrun(1) and docs/plan-language.md.\n";

static const struct fr_cli_command *const commands[] = {
        &fr_cmd_run, &fr_cmd_check, &fr_cmd_plan,  &fr_cmd_list,     &fr_cmd_diff,    &fr_cmd_report,
        &fr_cmd_slo, &fr_cmd_merge, &fr_cmd_setup, &fr_cmd_teardown, &fr_cmd_compare,
};

/* The command called NAME, or NULL. */
static const struct fr_cli_command *find_command(const char *name)
{
	for (size_t i = 0; i < FR_NELEM(commands); i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

/* flowrun COMMAND …, or flowrun PLAN … for a run. */
int main(int argc, char **argv)
{
	fr_redact_std_streams(); /* before anything is printed: env values never leave (util/redact.h) */
	if (argc < 2) {
		fputs(usage_main, stderr);
		return FR_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage_main, stdout);
		return FR_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("flowrun %s\n", PACKAGE_VERSION);
		return FR_EXIT_OK;
	}
	if (strcmp(argv[1], "help") == 0) {
		const struct fr_cli_command *cmd = argc > 2 ? find_command(argv[2]) : NULL;
		if (argc > 2 && !cmd) {
			fprintf(stderr, "flowrun: unknown command '%s'\n", argv[2]);
			return FR_EXIT_USAGE;
		}
		fputs(cmd ? cmd->usage : usage_main, stdout);
		return FR_EXIT_OK;
	}
	const struct fr_cli_command *cmd = find_command(argv[1]);
	if (cmd)
		return (int)cmd->run(argc - 1, argv + 1);
	if (argv[1][0] == '-') {
		fprintf(stderr, "flowrun: unknown option '%s'\n", argv[1]);
		fputs(usage_main, stderr);
		return FR_EXIT_USAGE;
	}
	/* flowrun PLAN … is flowrun run PLAN … */
	return (int)fr_cmd_run.run(argc, argv);
}
