/* cmd_diff.c: `flowrun diff OLD NEW` and `flowrun diff --git REV PLAN…` — SLO review diffs.
 *
 * Loads both versions of a plan (the old one from a file or from a git
 * revision) and hands them to diff.c, which writes the Markdown table. Exit 1
 * when an SLO was loosened or removed (unless --allow-loosen), 2 when a plan
 * does not load, 0 otherwise.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd_diff.h"

#include "result/diff.h"
#include "util/xmalloc.h"

static const char usage[] = "usage: flowrun diff OLD NEW [--allow-loosen] [--allow-outside PATH]\n"
                            "       flowrun diff --git REV PLAN... [--allow-loosen] [--allow-outside PATH]\n"
                            "Prints the SLO changes between two versions of a plan as a Markdown table: SLOs\n"
                            "added, removed, tightened, loosened, or with a changed window. With --git, OLD is\n"
                            "PLAN as of revision REV. Exit 1 when an SLO is loosened or removed (unless\n"
                            "--allow-loosen), 2 when a plan is invalid. --allow-outside PATH lets the plans\n"
                            "extend or read proxies from PATH, outside their repository.\n";

/* Loads a plan for the diff (no compile needed beyond validation). */
static enum fr_exit load(const char *path, struct fr_plan **plan)
{
	return fr_cli_load(path, 1.0, plan, NULL);
}

/* Diffs PLAN against its version at REV. */
static enum fr_exit diff_git(const char *rev, const char *path, int allow)
{
	char *tmp = NULL, *err = NULL;
	struct fr_plan *old = NULL, *new = NULL;
	int shown = fr_diff_git_show(rev, path, &tmp, &err);

	if (shown < 0) {
		fprintf(stderr, "flowrun: %s\n", err ? err : "git show failed");
		free(err);
		return FR_EXIT_USAGE;
	}
	if (shown == 0) {
		enum fr_exit lr = load(tmp, &old);
		unlink(tmp);
		free(tmp);
		if (lr)
			return FR_EXIT_USAGE;
	}
	if (load(path, &new)) {
		fr_plan_free(old);
		return FR_EXIT_USAGE;
	}
	printf("### %s\n\n", path);
	enum fr_exit rc = fr_diff_plans(old, new, stdout, allow) ? FR_EXIT_SLO_FAILED : FR_EXIT_OK;
	fr_plan_free(old);
	fr_plan_free(new);
	return rc;
}

/* flowrun diff … */
static enum fr_exit run(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"git", required_argument, NULL, 'g'},
	        {"allow-loosen", no_argument, NULL, 'a'},
	        {"allow-outside", required_argument, NULL, 'O'},
	        {"help", no_argument, NULL, 'h'},
	        {0},
	};
	const char *rev = NULL;
	int c, allow = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'g')
			rev = optarg;
		else if (c == 'a')
			allow = 1;
		else if (c == 'O' && fr_cli_allow_outside(optarg) == 0)
			continue;
		else if (c == 'h') {
			fputs(usage, stdout);
			return FR_EXIT_OK;
		} else {
			fputs(usage, stderr);
			return FR_EXIT_USAGE;
		}
	}
	if (rev) {
		if (optind >= argc) {
			fputs(usage, stderr);
			return FR_EXIT_USAGE;
		}
		enum fr_exit rc = FR_EXIT_OK;
		for (int i = optind; i < argc; i++)
			rc = fr_exit_worst(rc, diff_git(rev, argv[i], allow));
		return rc;
	}
	if (optind != argc - 2) {
		fputs(usage, stderr);
		return FR_EXIT_USAGE;
	}
	struct fr_plan *old, *new;
	if (load(argv[optind], &old))
		return FR_EXIT_USAGE;
	if (load(argv[optind + 1], &new)) {
		fr_plan_free(old);
		return FR_EXIT_USAGE;
	}
	enum fr_exit rc = fr_diff_plans(old, new, stdout, allow) ? FR_EXIT_SLO_FAILED : FR_EXIT_OK;
	fr_plan_free(old);
	fr_plan_free(new);
	return rc;
}

const struct fr_cli_command fr_cmd_diff = {"diff", run, usage};
