/* main.c: the flowrun command line — parses arguments and wires the modules together.
 *
 * Each command is one function: it loads what it needs through the modules'
 * APIs, prints, and returns the process exit status. Exit codes (DESIGN.md):
 * 0 all SLOs met, 1 an SLO failed, 2 the plan or the command line is wrong,
 * 3 the run was invalid (target unreachable, planned load not delivered),
 * 4 infrastructure error (Toxiproxy, Prometheus, cannot write results),
 * 130 interrupted. No other file calls exit().
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "cli/cli.h"
#include "plan/diag.h"
#include "plan/load.h"
#include "plan/plan.h"
#include "plan/compile.h"
#include "plan/timeline.h"
#include "plan/timeline_print.h"
#include "util/xmalloc.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0.0.0"
#endif

static const char usage_main[] =
        "usage: flowrun [run] PLAN [options]      run a plan and judge its SLOs\n"
        "       flowrun check PLAN|DIR...         load, validate and compile plans (no I/O)\n"
        "       flowrun plan PLAN [--json]        print the compiled timeline and totals\n"
        "       flowrun list DIR                  the plans in DIR as JSON, for a CI matrix\n"
        "       flowrun diff OLD NEW              SLO changes between two plan versions (Markdown)\n"
        "       flowrun slo --prometheus URL --run-id ID PLAN\n"
        "                                         judge a run's SLOs from Prometheus data\n"
        "       flowrun --help | --version | help COMMAND\n"
        "\n"
        "Exit codes: 0 SLOs met, 1 an SLO failed, 2 invalid plan or usage,\n"
        "3 invalid run (target unreachable, planned load not delivered),\n"
        "4 infrastructure error (Toxiproxy, Prometheus, results not written), 130 interrupted.\n"
        "See flowrun(1) and docs/plan-language.md.\n";

static const char usage_check[] = "usage: flowrun check PLAN|DIR...\n"
                                  "Loads, validates and compiles each plan (every *.yaml in a directory) without any\n"
                                  "network I/O and prints every problem as FILE:LINE:COL: error: MESSAGE.\n"
                                  "Exit 0 when all plans are valid, 2 otherwise.\n"
                                  "  --time-scale F   compile with every offset and duration multiplied by F\n"
                                  "  --set NAME=VALUE set an environment variable for ${env:NAME} references\n";

static const char usage_plan[] = "usage: flowrun plan PLAN [--json] [--time-scale F] [--set NAME=VALUE]\n"
                                 "Prints the compiled timeline (every action at its absolute offset) followed by the\n"
                                 "expected totals: duration, planned requests, peak users and viewers, fault windows,\n"
                                 "segments and SLO windows. --json prints the same as a JSON document.\n";

static const char usage_list[] = "usage: flowrun list DIR\n"
                                 "Prints a JSON array of the plans in DIR ({name, file, duration_s}), sorted by file,\n"
                                 "for a CI matrix. Exit 2 when a plan in DIR is invalid (its errors on stderr).\n";

/* Parses a --time-scale value; 0 on success. */
int fr_cli_parse_scale(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0) || v > 1000) {
		fprintf(stderr, "flowrun: --time-scale needs a number in (0, 1000], got '%s'\n", s);
		return -1;
	}
	*out = v;
	return 0;
}

/* Applies --set NAME=VALUE as an environment variable; 0 on success. */
int fr_cli_apply_set(const char *arg)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg) {
		fprintf(stderr, "flowrun: --set needs NAME=VALUE, got '%s'\n", arg);
		return -1;
	}
	char *name = xstrndup(arg, (size_t)(eq - arg));
	setenv(name, eq + 1, 1);
	free(name);
	return 0;
}

/* Loads and compiles one plan; prints diagnostics. Returns 0 or 2. */
int fr_cli_load(const char *path, double scale, struct fr_plan **plan_out, struct fr_timeline **tl_out)
{
	struct fr_diags diags = {0};
	struct fr_plan *plan = NULL;
	struct fr_timeline *tl = NULL;

	*plan_out = NULL;
	if (tl_out)
		*tl_out = NULL;
	if (fr_plan_load(path, &diags, &plan) == 0 && fr_compile(plan, scale, &diags, &tl) == 0 && diags.n == 0) {
		*plan_out = plan;
		if (tl_out)
			*tl_out = tl;
		else
			fr_timeline_free(tl);
		fr_diag_clear(&diags);
		return 0;
	}
	fr_diag_sort(&diags);
	fr_diag_print(&diags, stderr);
	if (diags.n == 0)
		fprintf(stderr, "%s: error: the plan could not be loaded\n", path);
	fr_diag_clear(&diags);
	fr_timeline_free(tl);
	fr_plan_free(plan);
	return 2;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.yaml / *.yml files directly in DIR, sorted (caller frees). */
static char **plan_files(const char *dir, size_t *n_out)
{
	DIR *d = opendir(dir);
	char **files = NULL;
	size_t n = 0;

	*n_out = 0;
	if (!d)
		return NULL;
	for (struct dirent *e; (e = readdir(d));) {
		size_t len = strlen(e->d_name);
		if (e->d_name[0] == '.')
			continue;
		if (!((len > 5 && strcmp(e->d_name + len - 5, ".yaml") == 0) ||
		      (len > 4 && strcmp(e->d_name + len - 4, ".yml") == 0)))
			continue;
		char *path = xasprintf("%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", e->d_name);
		struct stat st;
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			files = xreallocarray(files, n + 1, sizeof *files);
			files[n++] = path;
		} else {
			free(path);
		}
	}
	closedir(d);
	qsort(files, n, sizeof *files, name_cmp);
	*n_out = n;
	return files;
}

static void free_files(char **files, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(files[i]);
	free(files);
}

static int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Parses the options of check and plan: --time-scale, --set, --help and, when
 * JSON is not NULL, --json. Returns -1 (usage printed) on a mistake, 1 after
 * --help, 0 otherwise; optind is the first plan. */
static int parse_plan_options(int argc, char **argv, const char *usage, double *scale, int *json)
{
	static const struct option opts[] = {
	        {"time-scale", required_argument, NULL, 's'},
	        {"set", required_argument, NULL, 'S'},
	        {"json", no_argument, NULL, 'j'},
	        {"help", no_argument, NULL, 'h'},
	        {0},
	};
	int c;

	*scale = 1.0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 's' && fr_cli_parse_scale(optarg, scale) == 0)
			continue;
		if (c == 'S' && fr_cli_apply_set(optarg) == 0)
			continue;
		if (c == 'j' && json) {
			*json = 1;
			continue;
		}
		if (c == 'h') {
			fputs(usage, stdout);
			return 1;
		}
		fputs(usage, stderr);
		return -1;
	}
	return 0;
}

/* flowrun check PLAN|DIR... */
static int cmd_check(int argc, char **argv)
{
	double scale;
	int rc = parse_plan_options(argc, argv, usage_check, &scale, NULL);

	if (rc)
		return rc > 0 ? 0 : 2;
	if (optind >= argc) {
		fputs(usage_check, stderr);
		return 2;
	}
	for (int i = optind; i < argc; i++) {
		size_t n = 1;
		char **files = NULL;
		if (is_dir(argv[i])) {
			files = plan_files(argv[i], &n);
			if (n == 0) {
				fprintf(stderr, "flowrun: no plans (*.yaml) in %s\n", argv[i]);
				rc = 2;
			}
		}
		for (size_t k = 0; k < n; k++) {
			struct fr_plan *plan;
			if (fr_cli_load(files ? files[k] : argv[i], scale, &plan, NULL) != 0)
				rc = 2;
			fr_plan_free(plan);
		}
		free_files(files, files ? n : 0);
	}
	return rc;
}

/* flowrun plan PLAN [--json] */
static int cmd_plan(int argc, char **argv)
{
	double scale;
	int json = 0;
	int rc = parse_plan_options(argc, argv, usage_plan, &scale, &json);

	if (rc)
		return rc > 0 ? 0 : 2;
	if (optind != argc - 1) {
		fputs(usage_plan, stderr);
		return 2;
	}
	struct fr_plan *plan;
	struct fr_timeline *tl;
	if (fr_cli_load(argv[optind], scale, &plan, &tl) != 0)
		return 2;
	if (json) {
		char *s = fr_timeline_print_json(tl);
		puts(s);
		free(s);
	} else {
		fr_timeline_print(tl, stdout);
	}
	fr_timeline_free(tl);
	fr_plan_free(plan);
	return 0;
}

/* flowrun list DIR */
static int cmd_list(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		fputs(usage_list, stdout);
		return 0;
	}
	if (argc != 2 || !is_dir(argv[1])) {
		if (argc == 2)
			fprintf(stderr, "flowrun: %s is not a directory\n", argv[1]);
		fputs(usage_list, stderr);
		return 2;
	}
	size_t n;
	char **files = plan_files(argv[1], &n);
	json_t *arr = json_array();
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		struct fr_plan *plan;
		struct fr_timeline *tl;
		if (fr_cli_load(files[i], 1.0, &plan, &tl) != 0) {
			rc = 2;
			continue;
		}
		json_array_append_new(arr, json_pack("{s:s, s:s, s:f}", "name", plan->name, "file", files[i],
		                                     "duration_s", (double)tl->totals.duration_us / 1e6));
		fr_timeline_free(tl);
		fr_plan_free(plan);
	}
	free_files(files, n);
	if (rc == 0) {
		char *s = json_dumps(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		puts(s);
		free(s);
	}
	json_decref(arr);
	return rc;
}

/* One command: its name, its entry point and its help text. */
struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
};

static const struct command commands[] = {
        {"run", fr_cli_run, fr_cli_usage_run},    {"check", cmd_check, usage_check},
        {"plan", cmd_plan, usage_plan},           {"list", cmd_list, usage_list},
        {"diff", fr_cli_diff, fr_cli_usage_diff}, {"slo", fr_cli_slo, fr_cli_usage_slo},
};

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage_main, stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage_main, stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("flowrun %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "help") == 0) {
		const struct command *cmd = argc > 2 ? find_command(argv[2]) : NULL;
		if (argc > 2 && !cmd) {
			fprintf(stderr, "flowrun: unknown command '%s'\n", argv[2]);
			return 2;
		}
		fputs(cmd ? cmd->usage : usage_main, stdout);
		return 0;
	}
	const struct command *cmd = find_command(argv[1]);
	if (cmd)
		return cmd->fn(argc - 1, argv + 1);
	if (argv[1][0] == '-') {
		fprintf(stderr, "flowrun: unknown option '%s'\n", argv[1]);
		fputs(usage_main, stderr);
		return 2;
	}
	/* flowrun PLAN … is flowrun run PLAN … */
	return fr_cli_run(argc, argv);
}
