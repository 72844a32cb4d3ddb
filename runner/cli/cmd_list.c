/* cmd_list.c: `flowrun list DIR` — the plans of a directory as JSON, for a CI matrix.
 *
 * A workflow turns the array into a matrix of jobs, one per plan; a plan that
 * does not load fails the listing, so a broken plan cannot silently drop out
 * of the nightly run.
 */
#include "cli/cmd_list.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

static const char usage[] = "usage: flowrun list [--allow-outside PATH] DIR\n"
                            "Prints a JSON array of the plans in DIR ({name, file, duration_s}), sorted by file,\n"
                            "for a CI matrix. Exit 2 when a plan in DIR is invalid (its errors on stderr).\n"
                            "--allow-outside PATH lets plans extend or read proxies from PATH, outside their\n"
                            "repository (the plan's directory and git work tree, and the current directory's).\n";

/* flowrun list [--allow-outside PATH] DIR */
static enum fr_exit run(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"allow-outside", required_argument, NULL, 'O'},
	        {"help", no_argument, NULL, 'h'},
	        {0},
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'O' && fr_cli_allow_outside(optarg) == 0)
			continue;
		fputs(usage, c == 'h' ? stdout : stderr);
		return c == 'h' ? FR_EXIT_OK : FR_EXIT_USAGE;
	}
	if (optind != argc - 1 || !fr_cli_is_dir(argv[optind])) {
		if (optind == argc - 1)
			fprintf(stderr, "flowrun: %s is not a directory\n", argv[optind]);
		fputs(usage, stderr);
		return FR_EXIT_USAGE;
	}
	size_t n;
	char **files = fr_cli_plan_files(argv[optind], &n);
	json_t *arr = json_array();
	enum fr_exit rc = FR_EXIT_OK;
	for (size_t i = 0; i < n; i++) {
		struct fr_plan *plan;
		struct fr_timeline *tl;
		if (fr_cli_load(files[i], 1.0, &plan, &tl) != FR_EXIT_OK) {
			rc = FR_EXIT_USAGE;
			continue;
		}
		json_array_append_new(arr, json_pack("{s:s, s:s, s:f}", "name", plan->name, "file", files[i],
		                                     "duration_s", (double)tl->totals.duration_us / 1e6));
		fr_timeline_free(tl);
		fr_plan_free(plan);
	}
	fr_cli_free_files(files, n);
	if (rc == FR_EXIT_OK) {
		char *s = json_dumps(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		puts(s);
		free(s);
	}
	json_decref(arr);
	return rc;
}

const struct fr_cli_command fr_cmd_list = {"list", run, usage};
