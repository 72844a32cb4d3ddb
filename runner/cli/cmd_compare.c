/* cmd_compare.c: `flowrun compare BASE.json NEW.json` — a run against a baseline run.
 *
 * Reads two JSON results and prints, per key and window, what got worse,
 * better or stayed within the noise (result/compare.h), as text or as
 * Markdown for a CI job summary. Exit 1 when something got worse, 0 when
 * not, 2 for a wrong command line or a file that is not a result with a time
 * series.
 */
#include "cli/cmd_compare.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "result/compare.h"

static const char usage[] = "usage: flowrun compare BASE.json NEW.json [--tolerance PCT] [--markdown] [--all]\n"
                            "Compares the run NEW with the baseline run BASE, key by key over the whole run and\n"
                            "every SLO window both have: latency p50, p90 and p99, error rate and throughput,\n"
                            "from their time series. A change is a regression when it is beyond the tolerance\n"
                            "(default 10%) and its whole 99 % bootstrap interval is on the worse side.\n"
                            "  --tolerance PCT  the smallest change that counts, e.g. 5% (default 10%)\n"
                            "  --markdown       print a Markdown section (for $GITHUB_STEP_SUMMARY)\n"
                            "  --all            list unchanged figures too\n"
                            "Exit: 0 no regression, 1 a regression, 2 usage or not a result, 3 a run is invalid.\n";

/* flowrun compare BASE.json NEW.json [options] */
static enum fr_exit run(int argc, char **argv)
{
	static const struct option opts[] = {{"tolerance", required_argument, NULL, 't'},
	                                     {"markdown", no_argument, NULL, 'm'},
	                                     {"all", no_argument, NULL, 'a'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {0}};
	struct fr_compare_opts o = {0};
	int markdown = 0, all = 0, c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (fr_cli_parse_tolerance(optarg, &o.tolerance) != 0)
				return FR_EXIT_USAGE;
			if (o.tolerance == 0)
				o.tolerance = 1e-12; /* 0 %: any change beyond the noise */
			break;
		case 'm': markdown = 1; break;
		case 'a': all = 1; break;
		case 'h': fputs(usage, stdout); return FR_EXIT_OK;
		default: fputs(usage, stderr); return FR_EXIT_USAGE;
		}
	}
	if (optind != argc - 2) {
		fputs(usage, stderr);
		return FR_EXIT_USAGE;
	}
	json_t *base = fr_cli_read_result(argv[optind]), *cur = base ? fr_cli_read_result(argv[optind + 1]) : NULL;
	if (!cur) {
		json_decref(base);
		return FR_EXIT_USAGE;
	}
	struct fr_comparison *cmp;
	char *err = NULL;
	enum fr_exit rc = FR_EXIT_USAGE;
	if (fr_compare(base, argv[optind], cur, argv[optind + 1], &o, &cmp, &err) != 0) {
		fprintf(stderr, "flowrun: %s\n", err);
	} else {
		if (markdown)
			fr_compare_markdown(cmp, stdout, all);
		else
			fr_compare_text(cmp, stdout, all);
		rc = cmp->invalid ? FR_EXIT_INVALID_RUN : cmp->worse ? FR_EXIT_SLO_FAILED : FR_EXIT_OK;
		fr_compare_free(cmp);
	}
	free(err);
	json_decref(base);
	json_decref(cur);
	return rc;
}

const struct fr_cli_command fr_cmd_compare = {"compare", run, usage};
