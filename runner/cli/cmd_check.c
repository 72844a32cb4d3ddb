/* cmd_check.c: `flowrun check PLAN|DIR...` — load, validate and compile, no I/O.
 *
 * Every plan named (and every *.yaml in a named directory) is checked in
 * full, and every problem of every plan is printed as FILE:LINE:COL: error:
 * MESSAGE, so one run of check shows all a pull request got wrong.
 */
#include "cli/cmd_check.h"

#include <getopt.h>
#include <stdio.h>

#include "cli/memory.h"
#include "engine/run.h"

static const char usage[] = "usage: flowrun check PLAN|DIR...\n"
                            "Loads, validates and compiles each plan (every *.yaml in a directory) without any\n"
                            "network I/O and prints every problem as FILE:LINE:COL: error: MESSAGE.\n"
                            "Exit 0 when all plans are valid, 2 otherwise.\n"
                            "  --time-scale F   compile with every offset and duration multiplied by F\n"
                            "  --set NAME=VALUE set an environment variable for ${env:NAME} references\n"
                            "  --threads N      the worker threads a run would use (default: the number of cores)\n"
                            "  --max-memory SIZE refuse a plan whose run needs more memory than SIZE by the\n"
                            "                   estimate of `flowrun plan` (default: half of this machine's memory;\n"
                            "                   8GiB, 512M, none)\n"
                            "  --allow-outside PATH let plans extend or read proxies from PATH, outside their\n"
                            "                   repository (the plan's directory and git work tree, and the\n"
                            "                   current directory's)\n";

/* Checks one plan file, and its memory estimate against the limit. */
static enum fr_exit check_file(const char *path, const struct fr_cli_plan_opts *o)
{
	struct fr_plan *plan;
	struct fr_timeline *tl;
	enum fr_exit rc = fr_cli_load(path, o->scale, &plan, &tl);

	if (rc == FR_EXIT_OK)
		rc = fr_cli_memory_check(
		        tl, &(struct fr_estimate_opts){fr_cli_memory_threads(o->threads), FR_RUN_MAX_INFLIGHT, 0},
		        o->max_memory, NULL);
	fr_timeline_free(tl);
	fr_plan_free(plan);
	return rc;
}

/* Checks PATH: a plan, or every plan of a directory. */
static enum fr_exit check_path(const char *path, const struct fr_cli_plan_opts *o)
{
	if (!fr_cli_is_dir(path))
		return check_file(path, o);
	size_t n;
	char **files = fr_cli_plan_files(path, &n);
	enum fr_exit rc = FR_EXIT_OK;
	if (n == 0) {
		fprintf(stderr, "flowrun: no plans (*.yaml) in %s\n", path);
		rc = FR_EXIT_USAGE;
	}
	for (size_t k = 0; k < n; k++)
		rc = fr_exit_worst(rc, check_file(files[k], o));
	fr_cli_free_files(files, n);
	return rc;
}

/* flowrun check PLAN|DIR... */
static enum fr_exit run(int argc, char **argv)
{
	struct fr_cli_plan_opts o;
	int rc = fr_cli_plan_options(argc, argv, usage, 0, &o);

	if (rc)
		return rc > 0 ? FR_EXIT_OK : FR_EXIT_USAGE;
	if (optind >= argc) {
		fputs(usage, stderr);
		return FR_EXIT_USAGE;
	}
	enum fr_exit worst = FR_EXIT_OK;
	for (int i = optind; i < argc; i++)
		worst = fr_exit_worst(worst, check_path(argv[i], &o));
	return worst;
}

const struct fr_cli_command fr_cmd_check = {"check", run, usage};
