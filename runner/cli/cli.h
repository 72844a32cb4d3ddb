/* cli.h: the commands of the flowrun command line that live outside main.c.
 *
 * main.c dispatches to one function per command; the larger ones (run, diff,
 * slo) have a file of their own (cli_run.c, cli_diff.c, cli_slo.c). Each takes
 * the command's own argv (argv[0] is the command name) and returns the
 * process exit status.
 */
#ifndef FR_CLI_H
#define FR_CLI_H

#include "plan/plan.h"
#include "plan/timeline.h"

int fr_cli_run(int argc, char **argv);
int fr_cli_diff(int argc, char **argv);
int fr_cli_slo(int argc, char **argv);

extern const char fr_cli_usage_run[];
extern const char fr_cli_usage_diff[];
extern const char fr_cli_usage_slo[];

/* Shared option helpers (main.c). */
int fr_cli_parse_scale(const char *s, double *out);
int fr_cli_apply_set(const char *arg);

/* Loads and compiles PATH, printing diagnostics to stderr; returns 0 or 2.
 * TL_OUT may be NULL when only the plan is wanted. */
int fr_cli_load(const char *path, double scale, struct fr_plan **plan_out, struct fr_timeline **tl_out);

#endif
