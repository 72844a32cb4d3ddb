/* cmd_setup.c: `flowrun setup PLAN --vars-out F` and `flowrun teardown PLAN --vars-from F` — once for all shards.
 *
 * When a plan runs as N shards, its setup requests (seeding dashboards,
 * creating test data) must run once, not once per shard, and so must its
 * teardown. `flowrun setup` logs in, runs every pass's setup requests and
 * writes what they captured to a vars file (varsfile.h); each shard takes
 * it with `flowrun run --vars-from F` and skips setup and teardown; after
 * the shards, `flowrun teardown` runs the teardown requests with the same
 * variables. Auth is not shared: every shard logs in itself (engine/setup.h).
 * The two commands are one pair and parse the same options, so they live
 * in one file.
 */
#include "cli/cmd_setup.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/varsfile.h"
#include "engine/setup.h"

static const char usage_setup[] =
        "usage: flowrun setup PLAN --vars-out FILE [options]\n"
        "Logs in and runs PLAN's setup requests once (every sweep pass), and writes what they\n"
        "captured to FILE for the shards: flowrun run PLAN --shard K/N --vars-from FILE.\n"
        "  --vars-out FILE        where the captures go (JSON)\n"
        "  --time-scale F         the time scale the shards run with (it is part of the plan's digest)\n"
        "  --set NAME=VALUE       set an environment variable for ${env:NAME}\n"
        "  --allow-outside PATH   let the plan extend or read proxies from PATH, outside its repository\n"
        "Exit: 0 done, 2 invalid plan or usage, 3 target unreachable, 4 a request failed or FILE\n"
        "cannot be written.\n";

static const char usage_teardown[] =
        "usage: flowrun teardown PLAN --vars-from FILE [options]\n"
        "Logs in and runs PLAN's teardown requests once (every sweep pass) with the captures\n"
        "flowrun setup wrote to FILE.\n"
        "  --vars-from FILE       the captures of flowrun setup\n"
        "  --time-scale F         as given to flowrun setup\n"
        "  --set NAME=VALUE       set an environment variable for ${env:NAME}\n"
        "  --allow-outside PATH   let the plan extend or read proxies from PATH, outside its repository\n"
        "Exit: 0 done, 2 invalid plan, usage or vars file, 3 target unreachable, 4 a request failed.\n";

/* Parses PLAN, --time-scale, --set and the vars file option; -1 (usage
 * printed) on a mistake, 1 after --help. */
static int parse(int argc, char **argv, const char *usage, const char *file_opt, const char **plan, double *scale,
                 const char **file)
{
	const struct option opts[] = {
	        {"time-scale", required_argument, NULL, 's'},
	        {"set", required_argument, NULL, 'S'},
	        {file_opt, required_argument, NULL, 'f'},
	        {"allow-outside", required_argument, NULL, 'O'},
	        {"help", no_argument, NULL, 'h'},
	        {0},
	};
	int c;
	*scale = 1.0;
	*file = NULL;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 's' && fr_cli_parse_scale(optarg, scale) == 0)
			continue;
		if (c == 'S' && fr_cli_apply_set(optarg) == 0)
			continue;
		if (c == 'O' && fr_cli_allow_outside(optarg) == 0)
			continue;
		if (c == 'f') {
			*file = optarg;
			continue;
		}
		fputs(usage, c == 'h' ? stdout : stderr);
		return c == 'h' ? 1 : -1;
	}
	if (optind != argc - 1 || !*file) {
		if (optind == argc - 1)
			fprintf(stderr, "flowrun: %s needs --%s FILE\n", argv[0], file_opt);
		fputs(usage, stderr);
		return -1;
	}
	*plan = argv[optind];
	return 0;
}

/* Loads and compiles the plan of a setup or teardown; FR_EXIT_OK, or the exit
 * code (and 0 after --help) in *RC. */
static int prepare(int argc, char **argv, const char *usage, const char *file_opt, const char **file,
                   struct fr_plan **plan, struct fr_timeline **tl, enum fr_exit *rc)
{
	const char *path;
	double scale;
	int st = parse(argc, argv, usage, file_opt, &path, &scale, file);
	*rc = st > 0 ? FR_EXIT_OK : FR_EXIT_USAGE;
	return st || fr_cli_load(path, scale, plan, tl) != FR_EXIT_OK ? -1 : 0;
}

/* The exit code of a setup or teardown status, after printing why it failed. */
static enum fr_exit exit_of(int st, char *err)
{
	if (st != FR_SETUP_OK)
		fprintf(stderr, "flowrun: %s\n", err ? err : "failed");
	free(err);
	return st == FR_SETUP_OK ? FR_EXIT_OK : st == FR_SETUP_UNREACHABLE ? FR_EXIT_INVALID_RUN : FR_EXIT_INFRA;
}

/* flowrun setup PLAN --vars-out FILE */
static enum fr_exit setup(int argc, char **argv)
{
	const char *out;
	struct fr_plan *plan;
	struct fr_timeline *tl;
	enum fr_exit rc;
	if (prepare(argc, argv, usage_setup, "vars-out", &out, &plan, &tl, &rc) != 0)
		return rc;
	struct fr_varstore *vars = NULL;
	char *err = NULL;
	rc = exit_of(fr_setup_run(plan, tl, 0, &vars, &err), err);
	if (rc == FR_EXIT_OK && fr_varsfile_write(out, tl, vars) != 0)
		rc = FR_EXIT_INFRA;
	fr_varsfile_free(vars, tl->npasses);
	fr_timeline_free(tl);
	fr_plan_free(plan);
	return rc;
}

/* flowrun teardown PLAN --vars-from FILE */
static enum fr_exit teardown(int argc, char **argv)
{
	const char *in;
	struct fr_plan *plan;
	struct fr_timeline *tl;
	enum fr_exit rc;
	if (prepare(argc, argv, usage_teardown, "vars-from", &in, &plan, &tl, &rc) != 0)
		return rc;
	struct fr_varstore *vars = fr_varsfile_read(in, tl);
	rc = FR_EXIT_USAGE;
	if (vars) {
		char *err = NULL;
		rc = exit_of(fr_setup_teardown(plan, tl, 0, vars, &err), err);
	}
	fr_varsfile_free(vars, tl->npasses);
	fr_timeline_free(tl);
	fr_plan_free(plan);
	return rc;
}

const struct fr_cli_command fr_cmd_setup = {"setup", setup, usage_setup};
const struct fr_cli_command fr_cmd_teardown = {"teardown", teardown, usage_teardown};
