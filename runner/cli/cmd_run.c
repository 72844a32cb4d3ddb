/* cmd_run.c: `flowrun run PLAN` (and `flowrun PLAN`) — run a plan and judge its SLOs.
 *
 * Parses the run's options, loads and compiles the plan, installs the signal
 * handlers and hands over to a session (session.h), which checks everything
 * outside the plan before the first request, runs the load with every
 * plug-in, and reports.
 */
#include "cli/cmd_run.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/memory.h"
#include "cli/session.h"
#include "cli/sharding.h"
#include "cli/signals.h"
#include "cli/varsfile.h"
#include "engine/http.h"
#include "engine/run.h"
#include "plan/units.h"
#include "result/decided.h"
#include "result/timeseries.h"
#include "util/fmt.h"
#include "util/clock.h"
#include "util/xmalloc.h"

static const char usage[] = "usage: flowrun [run] PLAN [options]\n"
                            "Runs PLAN against its target and judges its SLOs.\n"
                            "  --time-scale F         multiply every offset and duration by F (0.1: a tenth)\n"
                            "  --threads N            worker threads (default: the number of cores)\n"
                            "  --json FILE            write the result as JSON (schema/result.schema.json)\n"
                            "  --junit FILE           write JUnit XML, one test case per SLO window\n"
                            "  --markdown FILE        write a Markdown summary (e.g. $GITHUB_STEP_SUMMARY)\n"
                            "  --html FILE            write the HTML report: charts in one self-contained file\n"
                            "  --out DIR              write result.json, junit.xml, summary.md, report.html into DIR\n"
                            "  --interval D           the time series' interval in the results (default 1s)\n"
                            "  --ui ADDR              serve the report live while the run goes, on PORT (loopback)\n"
                            "                         or HOST:PORT (e.g. 8089): read only, updated every second\n"
                            "  --allow-outside PATH   let the plan extend or read proxies from PATH, outside its\n"
                            "                         repository (the plan's directory and git work tree, and the\n"
                            "                         current directory's)\n"
                            "  --checkpoint S         write the JSON result so far every S seconds (default 10;\n"
                            "                         0: never) where it goes, or without --json/--out to\n"
                            "                         $XDG_STATE_HOME/flowrun/checkpoints/RUN-ID.json\n"
                            "  --metrics-listen ADDR  serve Prometheus metrics on ADDR (e.g. 127.0.0.1:9464)\n"
                            "  --metrics-linger S     keep serving metrics S seconds after the run (default 3)\n"
                            "  --metrics-wait S       before load, wait up to S seconds for the first scrape, so\n"
                            "                         Prometheus holds every series at zero (for `flowrun slo`)\n"
                            "  --pushgateway URL      push the final metrics to a Pushgateway\n"
                            "  --run-id ID            the run's id (default: generated)\n"
                            "  --create-proxies       create missing Toxiproxy proxies from the plan's proxies file\n"
                            "  --clean-leftovers[=RUN] at start, remove every flowrun toxic in Toxiproxy, also\n"
                            "                         those of runs still going (=RUN: only that run's); without\n"
                            "                         it only expired ones and this run id's own go\n"
                            "  --set NAME=VALUE       set an environment variable for ${env:NAME}\n"
                            "  --seed N               random seed (default: from the clock)\n"
                            "  --connections N        open model: requests in flight per scenario and thread beyond\n"
                            "                         which arrivals wait in flowrun (their latency still counts\n"
                            "                         from the intended time); default 1024, 0: no limit\n"
                            "  --cacert FILE          verify https and wss with the CA certificates (PEM) in FILE\n"
                            "                         instead of the plan's target.ca_file or the system's\n"
                            "  --max-memory SIZE      refuse to start when the run's estimated memory (flowrun plan)\n"
                            "                         exceeds SIZE (default: half of this machine's memory; 8GiB,\n"
                            "                         512M, none)\n"
                            "  --abort-on-fail        stop as soon as any SLO is decided failed (as abort: true\n"
                            "                         on every SLO that can be decided early)\n"
                            "  --baseline FILE        compare the run with a baseline JSON result (flowrun compare):\n"
                            "                         exit 1 on a regression\n"
                            "  --tolerance PCT        the smallest change that counts against --baseline (10%)\n"
                            "  --http-engine E        auto (default), curl or lean: the lean HTTP/1.1 client\n"
                            "                         carries every plain http:// request it can, libcurl the\n"
                            "                         rest; lean refuses a plan with a load request it cannot\n"
                            "                         send (default: $FLOWRUN_HTTP_ENGINE, else auto)\n"
                            "  --allow-saturated      a window where a worker thread was saturated (CPU >= 90 %\n"
                            "                         or loop lag p99 > 50ms) keeps its latency verdicts, marked;\n"
                            "                         without it they are inconclusive and the run exits 3\n"
                            "  --quiet, -q            no progress and no summary, only errors\n"
                            "One plan over N generators (docs/scale-out.md):\n"
                            "  --shard K/N            run shard K (0-based) of N: its exact share of every user\n"
                            "                         count, rate and viewer count; shard 0 drives the faults\n"
                            "  --shards N             the same, K from JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID\n"
                            "  --start-at TIME        the shards' common start, RFC 3339 or unix seconds (required\n"
                            "                         with a shard); the run id defaults to PLAN-START\n"
                            "  --start-grace S        a shard ready later than start + S sends no load and is\n"
                            "                         marked late (default 1)\n"
                            "  --vars-from FILE       setup ran once (flowrun setup --vars-out FILE): take its\n"
                            "                         captures, skip setup and teardown\n"
                            "Exit: 0 SLOs met, 1 an SLO failed, 2 invalid plan, 3 invalid run,\n"
                            "4 infrastructure error or failed run, 130 interrupted (SIGINT, SIGTERM,\n"
                            "SIGHUP, SIGQUIT; a second signal exits within 2 s).\n";

#define DEFAULT_CHECKPOINT_S 10.0

/* Options without a short letter. */
enum { OPT_CHECKPOINT = 256, OPT_CLEAN_LEFTOVERS, OPT_ALLOW_OUTSIDE };

struct run_args {
	const char *plan_path;
	double scale;
	const char *run_id;
	const char *cacert;  /* --cacert: replaces the plan's target.ca_file */
	uint64_t max_memory; /* --max-memory */
	int abort_on_fail;
	const char *vars_from; /* --vars-from */
	struct fr_sharding sh; /* --shard, --shards, --start-at, --start-grace */
	struct fr_session_opts s;
};

/* --interval: a duration from 10ms to 1h; -1 (said why) otherwise. */
static int parse_interval(const char *arg, int64_t *us_out)
{
	char *err = NULL;
	if (fr_units_duration(arg, us_out, &err) != 0 || *us_out < 10000 || *us_out > INT64_C(3600000000)) {
		fprintf(stderr, "flowrun: --interval needs a duration from 10ms to 1h, got '%s'\n", arg);
		free(err);
		return -1;
	}
	return 0;
}

/* Parses an HTTP engine name given by WHERE; -1 after saying what is wrong. */
static int parse_engine(const char *name, const char *where, enum fr_http_engine *out)
{
	if (fr_http_engine_parse(name, out) == 0)
		return 0;
	fprintf(stderr, "flowrun: %s needs auto, curl or lean, got '%s'\n", where, name);
	return -1;
}

/* Parses the run options; returns -1 (usage printed) on a mistake, 1 on --help. */
static int parse_args(int argc, char **argv, struct run_args *a)
{
	static const struct option opts[] = {
	        {"time-scale", required_argument, NULL, 's'},
	        {"threads", required_argument, NULL, 't'},
	        {"json", required_argument, NULL, 'j'},
	        {"junit", required_argument, NULL, 'u'},
	        {"markdown", required_argument, NULL, 'm'},
	        {"html", required_argument, NULL, 'H'},
	        {"ui", required_argument, NULL, 'U'},
	        {"out", required_argument, NULL, 'o'},
	        {"metrics-listen", required_argument, NULL, 'M'},
	        {"metrics-linger", required_argument, NULL, 'L'},
	        {"pushgateway", required_argument, NULL, 'P'},
	        {"metrics-wait", required_argument, NULL, 'W'},
	        {"run-id", required_argument, NULL, 'r'},
	        {"create-proxies", no_argument, NULL, 'c'},
	        {"clean-leftovers", optional_argument, NULL, OPT_CLEAN_LEFTOVERS},
	        {"set", required_argument, NULL, 'S'},
	        {"seed", required_argument, NULL, 'R'},
	        {"quiet", no_argument, NULL, 'q'},
	        {"connections", required_argument, NULL, 'C'},
	        {"interval", required_argument, NULL, 'I'},
	        {"max-memory", required_argument, NULL, 'X'},
	        {"abort-on-fail", no_argument, NULL, 'A'},
	        {"baseline", required_argument, NULL, 'B'},
	        {"tolerance", required_argument, NULL, 'T'},
	        {"http-engine", required_argument, NULL, 'E'},
	        {"cacert", required_argument, NULL, 'K'},
	        {"shard", required_argument, NULL, 1000},
	        {"shards", required_argument, NULL, 1001},
	        {"start-at", required_argument, NULL, 1002},
	        {"start-grace", required_argument, NULL, 1003},
	        {"vars-from", required_argument, NULL, 1004},
	        {"allow-saturated", no_argument, NULL, 'Z'},
	        {"checkpoint", required_argument, NULL, OPT_CHECKPOINT},
	        {"allow-outside", required_argument, NULL, OPT_ALLOW_OUTSIDE},
	        {"help", no_argument, NULL, 'h'},
	        {0},
	};
	int c;
	char *end;

	memset(a, 0, sizeof *a);
	a->scale = 1.0;
	a->max_memory = FR_CLI_MEMORY_DEFAULT;
	a->s.metrics_linger = -1;
	a->sh.grace_us = -1;
	if (getenv("FLOWRUN_HTTP_ENGINE") && *getenv("FLOWRUN_HTTP_ENGINE") &&
	    parse_engine(getenv("FLOWRUN_HTTP_ENGINE"), "FLOWRUN_HTTP_ENGINE", &a->s.http_engine))
		return -1;
	a->s.checkpoint = DEFAULT_CHECKPOINT_S;
	optind = 1;
	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (fr_cli_parse_scale(optarg, &a->scale))
				return -1;
			break;
		case 't':
			if (fr_cli_parse_threads(optarg, &a->s.threads))
				return -1;
			break;
		case 'K': a->cacert = optarg; break;
		case 'X':
			if (fr_cli_memory_parse(optarg, &a->max_memory))
				return -1;
			break;
		case 'j': a->s.outputs.json = optarg; break;
		case 'u': a->s.outputs.junit = optarg; break;
		case 'm': a->s.outputs.markdown = optarg; break;
		case 'H': a->s.outputs.html = optarg; break;
		case 'U': a->s.ui_listen = optarg; break;
		case 'o': a->s.outputs.out_dir = optarg; break;
		case 'M': a->s.metrics_listen = optarg; break;
		case 'L':
			a->s.metrics_linger = strtod(optarg, &end);
			if (*end || a->s.metrics_linger < 0) {
				fprintf(stderr, "flowrun: --metrics-linger needs seconds, got '%s'\n", optarg);
				return -1;
			}
			break;
		case 'P': a->s.pushgateway = optarg; break;
		case OPT_CHECKPOINT:
			a->s.checkpoint = strtod(optarg, &end);
			if (*end || !(a->s.checkpoint == 0 || a->s.checkpoint >= 0.1) || a->s.checkpoint > 86400) {
				fprintf(stderr,
				        "flowrun: --checkpoint needs seconds from 0.1 to 86400 (0: never), got '%s'\n",
				        optarg);
				return -1;
			}
			break;
		case 'W':
			a->s.metrics_wait = strtod(optarg, &end);
			if (*end || a->s.metrics_wait < 0) {
				fprintf(stderr, "flowrun: --metrics-wait needs seconds, got '%s'\n", optarg);
				return -1;
			}
			break;
		case 'r': a->run_id = optarg; break;
		case 'c': a->s.create_proxies = 1; break;
		case OPT_ALLOW_OUTSIDE:
			if (fr_cli_allow_outside(optarg))
				return -1;
			break;
		case OPT_CLEAN_LEFTOVERS:
			if (optarg)
				a->s.clean_run = optarg;
			else
				a->s.clean_all = 1;
			break;
		case 'S':
			if (fr_cli_apply_set(optarg))
				return -1;
			break;
		case 'R': a->s.seed = strtoull(optarg, NULL, 10); break;
		case 'q': a->s.quiet = 1; break;
		case 'A': a->abort_on_fail = 1; break;
		case 'B': a->s.baseline = optarg; break;
		case 'T':
			if (fr_cli_parse_tolerance(optarg, &a->s.tolerance) != 0)
				return -1;
			if (a->s.tolerance == 0)
				a->s.tolerance = 1e-12; /* 0 %: any change beyond the noise */
			break;
		case 'C': {
			long v = strtol(optarg, &end, 10);
			if (*end || v < 0 || v > 1000000) {
				fprintf(stderr, "flowrun: --connections needs a number from 0 to 1000000, got '%s'\n",
				        optarg);
				return -1;
			}
			a->s.connections = v ? (unsigned)v : FR_RUN_UNLIMITED;
			break;
		}
		case 'I':
			if (parse_interval(optarg, &a->s.interval_us))
				return -1;
			break;
		case 'E':
			if (parse_engine(optarg, "--http-engine", &a->s.http_engine))
				return -1;
			break;
		case 1000: a->sh.shard_arg = optarg; break;
		case 1001: a->sh.shards_arg = optarg; break;
		case 1002:
			if (fr_sharding_set_start(&a->sh, optarg))
				return -1;
			break;
		case 1003:
			if (fr_sharding_set_grace(&a->sh, optarg))
				return -1;
			break;
		case 1004: a->vars_from = optarg; break;
		case 'Z': a->s.allow_saturated = 1; break;
		case 'h': fputs(usage, stdout); return 1;
		default: fputs(usage, stderr); return -1;
		}
	}
	if (optind != argc - 1) {
		fputs(usage, stderr);
		return -1;
	}
	a->plan_path = argv[optind];
	return fr_sharding_resolve(&a->sh);
}

/* Fills the session's shard options; the run id and seed of a shard follow
 * from the run's (sharding.h). */
static void apply_sharding(struct run_args *a, struct fr_plan *plan, char **run_id)
{
	a->s.shard = a->sh.shard;
	a->s.nshards = a->sh.nshards;
	a->s.start_at_unix_us = a->sh.start_at_us;
	a->s.start_grace_us = a->sh.grace_us;
	if (!a->sh.nshards)
		return;
	if (plan->nsetup && !a->vars_from)
		fprintf(stderr,
		        "flowrun: shard %d: the plan's setup runs on every shard and its captures differ between "
		        "shards; run `flowrun setup --vars-out FILE` once and give the shards --vars-from FILE\n",
		        a->sh.shard);
	for (size_t i = 0; i < plan->nslos; i++) {
		if (!plan->slos[i].abort)
			continue;
		/* a shard sees its share only; flowrun merge judges the whole */
		fprintf(stderr,
		        "flowrun: shard %d: SLO '%s' does not stop a sharded run early (abort is judged on "
		        "one generator's data, flowrun merge judges the whole)\n",
		        a->sh.shard, plan->slos[i].name);
		plan->slos[i].abort = 0;
	}
	if (!*run_id)
		*run_id = fr_sharding_run_id(plan->name, a->sh.start_at_us);
	a->s.seed = fr_sharding_seed(a->s.seed, *run_id, a->sh.shard);
}

/* A sustained SLO's over and sustained are whole intervals of the time series
 * after --time-scale (the checker saw them before it, against 1 s); -1 after
 * printing a located error for each that is not. */
static int check_intervals(const struct fr_timeline *tl, int64_t interval_us, double scale)
{
	int rc = 0;
	for (size_t i = 0; i < tl->nwindows; i++) {
		const struct fr_window *w = &tl->windows[i];
		const struct fr_slo *slo = &tl->plan->slos[w->slo];
		if (!w->over_us || (i > 0 && tl->windows[i - 1].slo == w->slo))
			continue;
		if (w->over_us % interval_us == 0 && w->sustained_us % interval_us == 0)
			continue;
		char over[FR_FMT_LEN], sus[FR_FMT_LEN], iv[FR_FMT_LEN];
		fr_fmt_duration(over, sizeof over, w->over_us);
		fr_fmt_duration(sus, sizeof sus, w->sustained_us);
		fr_fmt_duration(iv, sizeof iv, interval_us);
		fprintf(stderr,
		        "%s:%d:%d: error: SLO '%s': over %s and sustained %s (after --time-scale %g) must be whole "
		        "intervals of the time series (%s; see --interval)\n",
		        slo->pos.file, slo->pos.line, slo->pos.col, slo->name, over, sus, scale, iv);
		rc = -1;
	}
	return rc;
}

/* A run id people can read and sort: 20261127-112900-3fa2. */
static char *make_run_id(void)
{
	time_t now = time(NULL);
	struct tm tm;
	char buf[32];

	gmtime_r(&now, &tm);
	strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm);
	return xasprintf("%s-%04x", buf, (unsigned)((fr_clock_mono_ns() ^ getpid()) & 0xffff));
}

/* --cacert FILE replaces the plan's CA file; -1 (said why) when FILE cannot be read. */
static int use_cacert(struct fr_plan *plan, const char *file)
{
	struct stat st;
	const char *why = NULL;

	if (stat(file, &st) != 0 || access(file, R_OK) != 0)
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	if (why) {
		fprintf(stderr, "flowrun: --cacert %s: %s\n", file, why);
		return -1;
	}
	free(plan->ca_file);
	plan->ca_file = xstrdup(file);
	return 0;
}

/* flowrun run PLAN [options] */
static enum fr_exit run(int argc, char **argv)
{
	struct run_args a;
	int st = parse_args(argc, argv, &a);
	if (st)
		return st > 0 ? FR_EXIT_OK : FR_EXIT_USAGE;

	struct fr_plan *plan;
	struct fr_timeline *tl;
	if (fr_cli_load(a.plan_path, a.scale, &plan, &tl) != FR_EXIT_OK)
		return FR_EXIT_USAGE;
	if (a.cacert && use_cacert(plan, a.cacert) != 0) {
		fr_timeline_free(tl);
		fr_plan_free(plan);
		return FR_EXIT_USAGE;
	}
	struct fr_estimate_opts eo = {
	        .threads = fr_cli_memory_threads(a.s.threads),
	        .max_inflight = a.s.connections == FR_RUN_UNLIMITED ? 0
	                        : a.s.connections                   ? a.s.connections
	                                                            : FR_RUN_MAX_INFLIGHT,
	        .interval_us = a.s.interval_us,
	};
	if (fr_cli_memory_check(tl, &eo, a.max_memory, NULL) != FR_EXIT_OK) {
		fr_timeline_free(tl);
		fr_plan_free(plan);
		return FR_EXIT_USAGE;
	}
	for (size_t i = 0; a.abort_on_fail && i < plan->nslos; i++)
		plan->slos[i].abort |= fr_decided_supported(&plan->slos[i]);
	if (check_intervals(tl, a.s.interval_us ? a.s.interval_us : FR_TIMESERIES_INTERVAL_US, a.scale) != 0) {
		fr_timeline_free(tl);
		fr_plan_free(plan);
		return FR_EXIT_USAGE;
	}
	char *run_id = a.run_id ? xstrdup(a.run_id) : NULL;
	apply_sharding(&a, plan, &run_id);
	if (!run_id)
		run_id = make_run_id();
	struct fr_varstore *pass_vars = NULL;
	if (a.vars_from && !(pass_vars = fr_varsfile_read(a.vars_from, tl))) {
		free(run_id);
		fr_timeline_free(tl);
		fr_plan_free(plan);
		return FR_EXIT_USAGE;
	}
	a.s.pass_vars = pass_vars;
	fr_signals_install();
	struct fr_session *s;
	enum fr_exit rc = fr_session_open(&a.s, plan, tl, run_id, fr_signals_stop_flag(), fr_signals_hurry_flag(), &s);
	if (rc == FR_EXIT_OK)
		rc = fr_session_run(s);
	fr_session_free(s);
	fr_varsfile_free(pass_vars, tl->npasses);
	free(run_id);
	fr_timeline_free(tl);
	fr_plan_free(plan);
	return rc;
}

const struct fr_cli_command fr_cmd_run = {"run", run, usage};
