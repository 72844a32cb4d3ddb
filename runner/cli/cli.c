/* cli.c: option parsing and plan loading shared by the commands (see cli.h). */
#include "cli/cli.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/memory.h"
#include "plan/compile.h"
#include "plan/diag.h"
#include "plan/load.h"
#include "plan/roots.h"
#include "util/xmalloc.h"

/* The largest time scale: a plan stretched a thousand times is already days long. */
#define MAX_SCALE 1000

int fr_cli_parse_scale(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0) || v > MAX_SCALE) {
		fprintf(stderr, "flowrun: --time-scale needs a number in (0, %d], got '%s'\n", MAX_SCALE, s);
		return -1;
	}
	*out = v;
	return 0;
}

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

enum fr_exit fr_cli_load(const char *path, double scale, struct fr_plan **plan_out, struct fr_timeline **tl_out)
{
	struct fr_diags diags = {0};
	struct fr_plan *plan = NULL;
	struct fr_timeline *tl = NULL;

	*plan_out = NULL;
	if (tl_out)
		*tl_out = NULL;
	if (fr_plan_load(path, &diags, &plan) == 0 && fr_compile(plan, scale, &diags, &tl) == 0 &&
	    fr_diag_errors(&diags) == 0) {
		fr_diag_sort(&diags);
		fr_diag_print(&diags, stderr); /* the warnings */
		*plan_out = plan;
		if (tl_out)
			*tl_out = tl;
		else
			fr_timeline_free(tl);
		fr_diag_clear(&diags);
		return FR_EXIT_OK;
	}
	fr_diag_sort(&diags);
	fr_diag_print(&diags, stderr);
	if (fr_diag_errors(&diags) == 0)
		fprintf(stderr, "%s: error: the plan could not be loaded\n", path);
	fr_diag_clear(&diags);
	fr_timeline_free(tl);
	fr_plan_free(plan);
	return FR_EXIT_USAGE;
}

/* The bounds of the run's --threads. */
int fr_cli_parse_threads(const char *s, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*end || end == s || v < 1 || v > 256) {
		fprintf(stderr, "flowrun: --threads needs a number from 1 to 256, got '%s'\n", s);
		return -1;
	}
	*out = (int)v;
	return 0;
}

/* Each option either parses or ends the loop with the usage. */
int fr_cli_plan_options(int argc, char **argv, const char *usage, int with_json, struct fr_cli_plan_opts *o)
{
	static const struct option opts[] = {
	        {"time-scale", required_argument, NULL, 's'},
	        {"set", required_argument, NULL, 'S'},
	        {"json", no_argument, NULL, 'j'},
	        {"threads", required_argument, NULL, 't'},
	        {"max-memory", required_argument, NULL, 'M'},
	        {"allow-outside", required_argument, NULL, 'O'},
	        {"help", no_argument, NULL, 'h'},
	        {0},
	};
	int c;

	*o = (struct fr_cli_plan_opts){.scale = 1.0, .max_memory = FR_CLI_MEMORY_DEFAULT};
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if ((c == 's' && fr_cli_parse_scale(optarg, &o->scale) == 0) ||
		    (c == 'S' && fr_cli_apply_set(optarg) == 0) ||
		    (c == 't' && fr_cli_parse_threads(optarg, &o->threads) == 0) ||
		    (c == 'M' && fr_cli_memory_parse(optarg, &o->max_memory) == 0) ||
		    (c == 'O' && fr_cli_allow_outside(optarg) == 0))
			continue;
		if (c == 'j' && with_json) {
			o->json = 1;
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

int fr_cli_allow_outside(const char *path)
{
	if (fr_roots_allow(path) == 0)
		return 0;
	fprintf(stderr, "flowrun: --allow-outside %s: %s\n", path, strerror(errno));
	return -1;
}

int fr_cli_is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* qsort order of file names. */
static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether NAME ends in .yaml or .yml. */
static int is_plan_name(const char *name)
{
	size_t len = strlen(name);
	return (len > 5 && strcmp(name + len - 5, ".yaml") == 0) || (len > 4 && strcmp(name + len - 4, ".yml") == 0);
}

char **fr_cli_plan_files(const char *dir, size_t *n_out)
{
	DIR *d = opendir(dir);
	char **files = NULL;
	size_t n = 0;

	*n_out = 0;
	if (!d)
		return NULL;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.' || !is_plan_name(e->d_name))
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
	if (n)
		qsort(files, n, sizeof *files, name_cmp);
	*n_out = n;
	return files;
}

void fr_cli_free_files(char **files, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(files[i]);
	free(files);
}

/* Reads PATH as a flowrun result; NULL after saying why. */
json_t *fr_cli_read_result(const char *path)
{
	json_error_t jerr;
	json_t *doc = json_load_file(path, 0, &jerr);
	if (!doc) {
		if (jerr.line > 0)
			fprintf(stderr, "flowrun: %s:%d:%d: %s\n", path, jerr.line, jerr.column, jerr.text);
		else
			fprintf(stderr, "flowrun: %s\n", jerr.text);
		return NULL;
	}
	const char *format = json_string_value(json_object_get(doc, "format"));
	if (!format || strcmp(format, "flowrun-result") != 0 ||
	    json_integer_value(json_object_get(doc, "version")) != 1 || !json_is_object(json_object_get(doc, "plan"))) {
		fprintf(stderr, "flowrun: %s is not a flowrun result (format flowrun-result, version 1)\n", path);
		json_decref(doc);
		return NULL;
	}
	return doc;
}

/* A percentage, with or without its sign. */
int fr_cli_parse_tolerance(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || (*end && !(end[0] == '%' && !end[1])) || v < 0 || v >= 1000) {
		fprintf(stderr, "flowrun: --tolerance needs a percentage from 0 to 1000, e.g. 10%%, got '%s'\n", s);
		return -1;
	}
	*out = v / 100;
	return 0;
}
