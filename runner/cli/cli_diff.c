/* cli_diff.c: `flowrun diff OLD NEW` and `flowrun diff --git REV PLAN…` — SLO review diffs.
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

#include "cli/cli.h"
#include "cli/exit.h"
#include "result/diff.h"
#include "util/xmalloc.h"

const char fr_cli_usage_diff[] = "usage: flowrun diff OLD NEW [--allow-loosen]\n"
                                 "       flowrun diff --git REV PLAN... [--allow-loosen]\n"
                                 "Prints the SLO changes between two versions of a plan as a Markdown table: SLOs\n"
                                 "added, removed, tightened, loosened, or with a changed window. With --git, OLD is\n"
                                 "PLAN as of revision REV. Exit 1 when an SLO is loosened or removed (unless\n"
                                 "--allow-loosen), 2 when a plan is invalid.\n";

/* Loads a plan for the diff (no compile needed beyond validation). */
static int load(const char *path, struct fr_plan **plan)
{
	return fr_cli_load(path, 1.0, plan, NULL);
}

/* Diffs PLAN against its version at REV. */
static int diff_git(const char *rev, const char *path, int allow)
{
	char *tmp = NULL, *err = NULL;
	struct fr_plan *old = NULL, *new = NULL;
	int rc = fr_diff_git_show(rev, path, &tmp, &err);

	if (rc < 0) {
		fprintf(stderr, "flowrun: %s\n", err ? err : "git show failed");
		free(err);
		return 2;
	}
	if (rc == 0) {
		int lr = load(tmp, &old);
		unlink(tmp);
		free(tmp);
		if (lr)
			return 2;
	}
	if (load(path, &new)) {
		fr_plan_free(old);
		return 2;
	}
	printf("### %s\n\n", path);
	rc = fr_diff_plans(old, new, stdout, allow) ? FR_EXIT_SLO_FAILED : FR_EXIT_OK;
	fr_plan_free(old);
	fr_plan_free(new);
	return rc;
}

int fr_cli_diff(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"git", required_argument, NULL, 'g'},
	        {"allow-loosen", no_argument, NULL, 'a'},
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
		else if (c == 'h') {
			fputs(fr_cli_usage_diff, stdout);
			return 0;
		} else {
			fputs(fr_cli_usage_diff, stderr);
			return 2;
		}
	}
	if (rev) {
		if (optind >= argc) {
			fputs(fr_cli_usage_diff, stderr);
			return 2;
		}
		int rc = 0;
		for (int i = optind; i < argc; i++) {
			int r = diff_git(rev, argv[i], allow);
			if (r > rc)
				rc = r;
		}
		return rc;
	}
	if (optind != argc - 2) {
		fputs(fr_cli_usage_diff, stderr);
		return 2;
	}
	struct fr_plan *old, *new;
	if (load(argv[optind], &old))
		return 2;
	if (load(argv[optind + 1], &new)) {
		fr_plan_free(old);
		return 2;
	}
	int rc = fr_diff_plans(old, new, stdout, allow) ? FR_EXIT_SLO_FAILED : FR_EXIT_OK;
	fr_plan_free(old);
	fr_plan_free(new);
	return rc;
}
