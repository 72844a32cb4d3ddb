/* cmd_report.c: `flowrun report RESULT.json --html FILE` — draw a saved result.
 *
 * Reads a JSON result (of `flowrun run --json`, `--out DIR` or `flowrun
 * merge`) and writes the same self-contained HTML report the run would have
 * written. Exit 0 when written; 2 for a wrong command line or a file that is
 * not a flowrun result; 4 when the report cannot be written.
 */
#include "cli/cmd_report.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "result/report_html.h"

static const char usage[] = "usage: flowrun report RESULT.json --html FILE\n"
                            "Draws a saved JSON result as the self-contained HTML report of its run:\n"
                            "SLO table, latency over time with fault windows and stages, throughput,\n"
                            "active users and viewers, WebSocket deliveries, the scenario curve and\n"
                            "the latency distribution. Exit: 0 written, 2 usage or not a result, 4 not written.\n";

/* flowrun report RESULT.json --html FILE */
static enum fr_exit run(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"html", required_argument, NULL, 'H'}, {"help", no_argument, NULL, 'h'}, {0}};
	const char *html = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'H')
			html = optarg;
		else if (c == 'h') {
			fputs(usage, stdout);
			return FR_EXIT_OK;
		} else {
			fputs(usage, stderr);
			return FR_EXIT_USAGE;
		}
	}
	if (optind != argc - 1 || !html) {
		fputs(usage, stderr);
		return FR_EXIT_USAGE;
	}
	json_t *doc = fr_cli_read_result(argv[optind]);
	if (!doc)
		return FR_EXIT_USAGE;
	char *err = NULL;
	enum fr_exit rc = FR_EXIT_OK;
	if (fr_report_html_doc(doc, html, &err) != 0) {
		fprintf(stderr, "flowrun: cannot write %s: %s\n", html, err ? err : "error");
		rc = FR_EXIT_INFRA;
	}
	free(err);
	json_decref(doc);
	return rc;
}

const struct fr_cli_command fr_cmd_report = {"report", run, usage};
