/* cli.h: what the commands of the flowrun program share.
 *
 * Each command lives in a file of its own (cmd_<name>.c) and exports one
 * struct fr_cli_command; main.c holds the table of them. A command gets its
 * own argv (argv[0] is the command's name) and returns an enum fr_exit. The
 * helpers here are the option parsing and plan loading that several commands
 * do alike; they print their own errors to stderr.
 */
#ifndef FR_CLI_H
#define FR_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "cli/exit.h"
#include "plan/plan.h"
#include "plan/timeline.h"

/* One command: its name, its entry point and its help text. */
struct fr_cli_command {
	const char *name;
	enum fr_exit (*run)(int argc, char **argv);
	const char *usage;
};

/* Parses a --time-scale value into *OUT; 0, or -1 after printing why. */
int fr_cli_parse_scale(const char *s, double *out);

/* Applies --set NAME=VALUE as an environment variable; 0, or -1 after printing why. */
int fr_cli_apply_set(const char *arg);

/* Loads and compiles PATH, printing every diagnostic to stderr; FR_EXIT_OK or
 * FR_EXIT_USAGE. TL_OUT may be NULL when only the plan is wanted; on success
 * the caller frees both. */
enum fr_exit fr_cli_load(const char *path, double scale, struct fr_plan **plan_out, struct fr_timeline **tl_out);

/* Parses a --threads value (1 to 256) into *OUT; 0, or -1 after printing why. */
int fr_cli_parse_threads(const char *s, int *out);

/* What the options of check and plan set. */
struct fr_cli_plan_opts {
	double scale;        /* --time-scale, default 1 */
	int json;            /* --json (plan only) */
	int threads;         /* --threads the memory estimate assumes, 0: one per core */
	uint64_t max_memory; /* --max-memory, FR_CLI_MEMORY_DEFAULT unless given, 0: none */
};

/* Parses the options check and plan share: --time-scale, --set, --threads,
 * --max-memory, --help and, when WITH_JSON, --json. Returns -1 (usage printed
 * to stderr) on a mistake, 1 after --help (usage printed to stdout), 0
 * otherwise; optind is then the first plan. */
int fr_cli_plan_options(int argc, char **argv, const char *usage, int with_json, struct fr_cli_plan_opts *o);

/* --allow-outside PATH: plans may extend and read proxies files from PATH
 * (plan/roots.h); 0, or -1 after printing why (PATH does not exist). */
int fr_cli_allow_outside(const char *path);

/* Whether PATH is a directory. */
int fr_cli_is_dir(const char *path);

/* The *.yaml / *.yml regular files directly in DIR, sorted by name, as a new
 * array of new strings (free with fr_cli_free_files); NULL and 0 when none. */
char **fr_cli_plan_files(const char *dir, size_t *n_out);
void fr_cli_free_files(char **files, size_t n);

/* Reads PATH as a JSON flowrun result (format flowrun-result, version 1);
 * NULL after printing why. Caller frees with json_decref. */
struct json_t;
struct json_t *fr_cli_read_result(const char *path);

/* Parses a --tolerance argument: "10%" or "10" (both 10 %), "0.5%"; a
 * fraction in *OUT, or -1 after printing why. */
int fr_cli_parse_tolerance(const char *s, double *out);

#endif
