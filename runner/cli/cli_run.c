/* cli_run.c: `flowrun run PLAN` — wires the run engine, faults, WebSocket viewers,
 * metrics and reports together for one run.
 *
 * The order matters and is the point of this file: everything that can fail
 * for reasons outside the plan (the metrics port, Toxiproxy, the proxies it
 * must have) is checked before the first request, so a run never starts only
 * to be invalid; leftovers of a crashed run are removed and reported; signals
 * only set a flag, and the engine, the fault executor and the reports take it
 * from there, so an interrupted run still writes its partial results and
 * removes every fault it injected.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/exit.h"
#include "chaos/faults.h"
#include "observe/exporter.h"
#include "observe/metrics.h"
#include "observe/pushgateway.h"
#include "result/report_json.h"
#include "result/report_junit.h"
#include "result/report_markdown.h"
#include "result/report_text.h"
#include "engine/run.h"
#include "observe/slo_prom.h"
#include "chaos/toxiproxy.h"
#include "engine/ws_run.h"
#include "util/xmalloc.h"

const char fr_cli_usage_run[] =
        "usage: flowrun [run] PLAN [options]\n"
        "Runs PLAN against its target and judges its SLOs.\n"
        "  --time-scale F         multiply every offset and duration by F (0.1: a tenth)\n"
        "  --threads N            worker threads (default: the number of cores)\n"
        "  --json FILE            write the result as JSON (schema/result.schema.json)\n"
        "  --junit FILE           write JUnit XML, one test case per SLO window\n"
        "  --markdown FILE        write a Markdown summary (e.g. $GITHUB_STEP_SUMMARY)\n"
        "  --out DIR              write result.json, junit.xml and summary.md into DIR\n"
        "  --metrics-listen ADDR  serve Prometheus metrics on ADDR (e.g. 127.0.0.1:9464)\n"
        "  --metrics-linger S     keep serving metrics S seconds after the run (default 3)\n"
        "  --metrics-wait S       before load, wait up to S seconds for the first scrape, so\n"
        "                         Prometheus holds every series at zero (for `flowrun slo`)\n"
        "  --pushgateway URL      push the final metrics to a Pushgateway\n"
        "  --run-id ID            the run's id (default: generated)\n"
        "  --create-proxies       create missing Toxiproxy proxies from the plan's proxies file\n"
        "  --set NAME=VALUE       set an environment variable for ${env:NAME}\n"
        "  --seed N               random seed (default: from the clock)\n"
        "  --connections N        open model: requests in flight per scenario and thread beyond\n"
        "                         which arrivals wait in flowrun (their latency still counts\n"
        "                         from the intended time); default 1024, 0: no limit\n"
        "  --quiet, -q            no progress and no summary, only errors\n"
        "Exit: 0 SLOs met, 1 an SLO failed, 2 invalid plan, 3 invalid run,\n"
        "4 infrastructure error, 130 interrupted.\n";

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* SIGINT and SIGTERM set the stop flag; no SA_RESTART, so sleeps wake up. */
static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

struct run_args {
	const char *plan_path;
	double scale;
	int threads;
	const char *json, *junit, *markdown, *out_dir;
	const char *metrics_listen, *pushgateway;
	double metrics_linger;
	double metrics_wait;
	const char *run_id;
	int create_proxies;
	int quiet;
	uint64_t seed;
	unsigned connections;
};

/* Parses the run options; returns -1 (usage printed) on a mistake, 1 on --help. */
static int parse_args(int argc, char **argv, struct run_args *a)
{
	static const struct option opts[] = {
	        {"time-scale", required_argument, NULL, 's'},
	        {"threads", required_argument, NULL, 't'},
	        {"json", required_argument, NULL, 'j'},
	        {"junit", required_argument, NULL, 'u'},
	        {"markdown", required_argument, NULL, 'm'},
	        {"out", required_argument, NULL, 'o'},
	        {"metrics-listen", required_argument, NULL, 'M'},
	        {"metrics-linger", required_argument, NULL, 'L'},
	        {"pushgateway", required_argument, NULL, 'P'},
	        {"metrics-wait", required_argument, NULL, 'W'},
	        {"run-id", required_argument, NULL, 'r'},
	        {"create-proxies", no_argument, NULL, 'c'},
	        {"set", required_argument, NULL, 'S'},
	        {"seed", required_argument, NULL, 'R'},
	        {"quiet", no_argument, NULL, 'q'},
	        {"connections", required_argument, NULL, 'C'},
	        {"help", no_argument, NULL, 'h'},
	        {0},
	};
	int c;
	char *end;

	memset(a, 0, sizeof *a);
	a->scale = 1.0;
	a->metrics_linger = -1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (fr_cli_parse_scale(optarg, &a->scale))
				return -1;
			break;
		case 't':
			a->threads = (int)strtol(optarg, &end, 10);
			if (*end || a->threads < 1 || a->threads > 256) {
				fprintf(stderr, "flowrun: --threads needs a number from 1 to 256, got '%s'\n", optarg);
				return -1;
			}
			break;
		case 'j': a->json = optarg; break;
		case 'u': a->junit = optarg; break;
		case 'm': a->markdown = optarg; break;
		case 'o': a->out_dir = optarg; break;
		case 'M': a->metrics_listen = optarg; break;
		case 'L':
			a->metrics_linger = strtod(optarg, &end);
			if (*end || a->metrics_linger < 0) {
				fprintf(stderr, "flowrun: --metrics-linger needs seconds, got '%s'\n", optarg);
				return -1;
			}
			break;
		case 'P': a->pushgateway = optarg; break;
		case 'W':
			a->metrics_wait = strtod(optarg, &end);
			if (*end || a->metrics_wait < 0) {
				fprintf(stderr, "flowrun: --metrics-wait needs seconds, got '%s'\n", optarg);
				return -1;
			}
			break;
		case 'r': a->run_id = optarg; break;
		case 'c': a->create_proxies = 1; break;
		case 'S':
			if (fr_cli_apply_set(optarg))
				return -1;
			break;
		case 'R': a->seed = strtoull(optarg, NULL, 10); break;
		case 'q': a->quiet = 1; break;
		case 'C': {
			long v = strtol(optarg, &end, 10);
			if (*end || v < 0 || v > 1000000) {
				fprintf(stderr, "flowrun: --connections needs a number from 0 to 1000000, got '%s'\n",
				        optarg);
				return -1;
			}
			a->connections = v ? (unsigned)v : FR_RUN_UNLIMITED;
			break;
		}
		case 'h': fputs(fr_cli_usage_run, stdout); return 1;
		default: fputs(fr_cli_usage_run, stderr); return -1;
		}
	}
	if (optind != argc - 1) {
		fputs(fr_cli_usage_run, stderr);
		return -1;
	}
	a->plan_path = argv[optind];
	return 0;
}

/* A run id people can read and sort: 20261127-112900-3fa2. */
static char *make_run_id(void)
{
	time_t now = time(NULL);
	struct tm tm;
	char buf[32];
	struct timespec ts;

	gmtime_r(&now, &tm);
	strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return xasprintf("%s-%04x", buf, (unsigned)((ts.tv_nsec ^ getpid()) & 0xffff));
}

/* Everything one run holds, so the hooks can reach it. */
struct wiring {
	const struct fr_plan *plan;
	const struct fr_timeline *tl;
	struct fr_faults_hook faults;
	int have_faults;
	struct fr_metrics *metrics;
	struct fr_ws_run *ws;
	double *pass_wall; /* unix seconds each pass started, for server-side SLOs */
};

/* Metrics follow the faults the executor switches. */
static void fault_listener(int fault, int active, void *arg)
{
	struct wiring *w = arg;
	fr_metrics_set_fault(w->metrics, fault, active);
}

/* The wall-clock start of each pass, for server-side SLOs: the pass recorder's on_action. */
static void record_pass_start(const struct fr_action *act, void *arg)
{
	struct wiring *w = arg;
	if (act->kind == FR_ACT_PASS) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		w->pass_wall[act->pass] = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	}
}

/* Checks Toxiproxy and the proxies the plan names before any load; removes
 * and reports leftovers of a crashed run. Returns 0 or exit status 4. */
static int prepare_faults(const struct fr_plan *plan, struct fr_toxi *toxi, int create_proxies, int quiet)
{
	char *version = NULL;
	if (fr_toxi_version(toxi, &version) != FR_TOXI_OK) {
		fprintf(stderr, "flowrun: %s\n", fr_toxi_error(toxi));
		return 4;
	}
	free(version);
	if (create_proxies && fr_toxi_populate(toxi, &plan->faults) != FR_TOXI_OK) {
		fprintf(stderr, "flowrun: %s\n", fr_toxi_error(toxi));
		return 4;
	}
	if (fr_toxi_check_proxies(toxi, &plan->faults) != FR_TOXI_OK) {
		fprintf(stderr, "flowrun: %s\n", fr_toxi_error(toxi));
		return 4;
	}
	struct fr_toxi_leftovers lo = {0};
	if (fr_toxi_remove_leftovers(toxi, FR_TOXI_PREFIX, &lo) != FR_TOXI_OK) {
		fprintf(stderr, "flowrun: %s\n", fr_toxi_error(toxi));
		fr_toxi_leftovers_clear(&lo);
		return 4;
	}
	char *msg = fr_toxi_leftovers_message(&lo);
	if (msg && *msg)
		fprintf(stderr, "flowrun: %s\n", msg);
	(void)quiet;
	free(msg);
	fr_toxi_leftovers_clear(&lo);
	return 0;
}

/* Writes one report file; prints the error and returns 4 on failure. */
static int write_file(int (*fn)(const struct fr_report *, const char *, char **), const struct fr_report *r,
                      const char *path)
{
	char *err = NULL;
	if (!path || fn(r, path, &err) == 0)
		return 0;
	fprintf(stderr, "flowrun: cannot write %s: %s\n", path, err ? err : "error");
	free(err);
	return 4;
}

/* Writes every requested report; returns 0 or 4. */
static int write_reports(const struct fr_report *r, const struct run_args *a)
{
	int rc = 0;
	if (a->out_dir) {
		if (mkdir(a->out_dir, 0777) != 0 && errno != EEXIST) {
			fprintf(stderr, "flowrun: cannot create %s: %s\n", a->out_dir, strerror(errno));
			return 4;
		}
		char *j = xasprintf("%s/result.json", a->out_dir);
		char *u = xasprintf("%s/junit.xml", a->out_dir);
		char *m = xasprintf("%s/summary.md", a->out_dir);
		rc |= write_file(fr_report_json, r, j);
		rc |= write_file(fr_report_junit, r, u);
		rc |= write_file(fr_report_markdown, r, m);
		free(j);
		free(u);
		free(m);
	}
	rc |= write_file(fr_report_json, r, a->json);
	rc |= write_file(fr_report_junit, r, a->junit);
	rc |= write_file(fr_report_markdown, r, a->markdown);
	return rc ? 4 : 0;
}

/* Judges server-side SLOs (metric: selectors) from the plan's Prometheus once it
 * has scraped the end of the run. Returns 0, or 4 when Prometheus fails. */
static int judge_server_side(const struct fr_plan *plan, const struct fr_timeline *tl, struct fr_report *r,
                             const double *pass_wall, const char *run_id, int quiet)
{
	int any = 0;
	for (size_t i = 0; i < plan->nslos; i++)
		any |= plan->slos[i].metric != NULL;
	if (!any || !plan->prometheus)
		return 0;
	double end = (double)(r->results->started_unix_us + r->results->elapsed_us) / 1e6;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	double wait = end + 4.5 - ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
	if (wait > 0) {
		if (!quiet)
			fprintf(stderr, "flowrun: waiting %.1fs for prometheus to scrape the end of the run\n", wait);
		struct timespec d = {(time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9)};
		nanosleep(&d, NULL);
	}
	struct fr_prom *p = fr_prom_create(plan->prometheus);
	struct fr_slo_prom_run run = {.run_id = run_id, .pass_start = pass_wall, .end = end};
	int rc = 0;
	if (fr_slo_prom_evaluate(p, tl, &run, 1, r->verdicts) != FR_PROM_OK) {
		fprintf(stderr, "flowrun: server-side SLOs: %s\n", fr_prom_error(p));
		rc = 4;
	}
	fr_prom_free(p);
	return rc;
}

/* Server-side SLOs need the plan's Prometheus: check it answers before any load.
 * Returns 0 or exit status 4. */
static int check_prometheus(const struct fr_plan *plan)
{
	int any = 0;
	for (size_t i = 0; i < plan->nslos; i++)
		any |= plan->slos[i].metric != NULL;
	if (!any || !plan->prometheus)
		return 0;
	struct fr_prom *p = fr_prom_create(plan->prometheus);
	int rc = 0;
	if (fr_prom_ping(p) != FR_PROM_OK) {
		fprintf(stderr, "flowrun: %s\n", fr_prom_error(p));
		rc = 4;
	}
	fr_prom_free(p);
	return rc;
}

/* Publishes the verdicts on /metrics so dashboards show the final state. */
static void publish_verdicts(struct fr_metrics *m, const struct fr_report *r)
{
	if (!m)
		return;
	for (size_t i = 0; i < r->nverdicts; i++) {
		const struct fr_verdict *v = &r->verdicts[i];
		const struct fr_window *w = &r->timeline->windows[v->window];
		if (!v->skipped && !v->no_data)
			fr_metrics_set_slo(m, w->slo, v->measured, v->pass);
	}
}

/* Runs the engine with every hook in place and reports. */
static int execute(const struct run_args *a, const struct fr_plan *plan, const struct fr_timeline *tl,
                   const char *run_id)
{
	struct wiring w = {.plan = plan, .tl = tl};
	w.pass_wall = xcalloc((size_t)tl->npasses + 1, sizeof *w.pass_wall);
	struct fr_toxi *toxi = NULL;
	struct fr_exporter *exporter = NULL;
	struct fr_results *keys = fr_results_create(tl);
	int rc = 0;

	if (a->metrics_listen) {
		char *err = NULL;
		w.metrics = fr_metrics_create(plan, keys, run_id);
		enum fr_exporter_status st = fr_exporter_start(w.metrics, a->metrics_listen, &exporter, &err);
		if (st != FR_EXPORTER_OK) {
			fprintf(stderr, "flowrun: %s\n", err ? err : "cannot start the metrics exporter");
			free(err);
			fr_metrics_free(w.metrics);
			fr_results_free(keys);
			free(w.pass_wall);
			return st == FR_EXPORTER_BAD_ADDRESS ? FR_EXIT_USAGE : FR_EXIT_INFRA;
		}
		if (a->metrics_wait > 0 && fr_exporter_wait_scrape(exporter, a->metrics_wait, &stop_flag) != 0 &&
		    !stop_flag)
			fprintf(stderr, "flowrun: nobody scraped %s within %gs; starting anyway\n", a->metrics_listen,
			        a->metrics_wait);
	}
	if ((rc = check_prometheus(plan)) != 0)
		goto out;
	if (plan->faults.n) {
		toxi = fr_toxi_create(plan->faults.toxiproxy_url);
		rc = prepare_faults(plan, toxi, a->create_proxies, a->quiet);
		if (rc)
			goto out;
		w.have_faults = 1;
		w.faults = (struct fr_faults_hook){.plan = plan,
		                                   .tl = tl,
		                                   .run_id = run_id,
		                                   .toxi = toxi,
		                                   .listener = fault_listener,
		                                   .listener_arg = &w};
	}
	w.ws = fr_ws_run_create(plan);
	fr_ws_run_set_metrics(w.ws, w.metrics);
	fr_ws_run_set_abort(w.ws, &stop_flag);
	struct fr_run_hooks pass_recorder = {.arg = &w, .on_action = record_pass_start};
	const struct fr_run_hooks *hooks[3];
	size_t nhooks = 0;
	hooks[nhooks++] = &pass_recorder;
	if (w.have_faults)
		hooks[nhooks++] = fr_faults_hooks(&w.faults);
	hooks[nhooks++] = fr_ws_run_hooks(w.ws);
	char *run_err = NULL;
	struct fr_run_opts opts = {
	        .threads = a->threads,
	        .quiet = a->quiet,
	        .run_id = run_id,
	        .stop = &stop_flag,
	        .seed = a->seed,
	        .hooks = hooks,
	        .nhooks = nhooks,
	        .metrics = w.metrics,
	        .max_inflight = a->connections,
	};
	struct fr_results *res = NULL;
	int st = fr_run(plan, tl, &opts, &res, &run_err);
	if (st == FR_RUN_UNREACHABLE || st == FR_RUN_FAILED || !res) {
		fprintf(stderr, "flowrun: %s\n", run_err ? run_err : "the run failed");
		free(run_err);
		rc = st == FR_RUN_UNREACHABLE ? 3 : 4;
		goto out;
	}
	struct fr_report *r = fr_report_build(res, run_id);
	if (w.have_faults && w.faults.exec) {
		size_t n;
		const struct fr_fault_record *rec = fr_faults_records(w.faults.exec, &n);
		for (size_t i = 0; i < n; i++)
			fr_report_add_fault(r, rec[i].fault, rec[i].on, rec[i].intended_us, rec[i].actual_us, rec[i].ok,
			                    rec[i].error);
		char *const *unclean = fr_faults_unclean(w.faults.exec, &n);
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, "flowrun: %s\n", unclean[i]);
	}
	int infra_rc = st == FR_RUN_INTERRUPTED ? 0 : judge_server_side(plan, tl, r, w.pass_wall, run_id, a->quiet);
	char *ws_err = NULL;
	if (w.ws && fr_ws_run_status(w.ws, &ws_err) != 0) {
		/* a viewer driver could not start (e.g. the libev plugin of libwebsockets is missing) */
		fprintf(stderr, "flowrun: %s\n", ws_err);
		infra_rc = 4;
	}
	free(ws_err);
	char *wsum = w.ws ? fr_ws_run_summary(w.ws) : NULL;
	if (wsum && !a->quiet)
		fputs(wsum, stdout);
	free(wsum);
	if (!a->quiet)
		fr_report_text(r, stdout);
	fflush(stdout);
	rc = fr_exit_from_slo(fr_report_slo_result(r));
	int wr = write_reports(r, a);
	publish_verdicts(w.metrics, r);
	if (st == FR_RUN_INTERRUPTED)
		rc = 130;
	else if (wr || infra_rc)
		rc = 4;
	if (w.metrics && a->pushgateway) {
		char *err = NULL;
		if (fr_pushgateway_push(w.metrics, a->pushgateway, &err) != 0) {
			fprintf(stderr, "flowrun: %s\n", err ? err : "push failed");
			if (rc == 0)
				rc = 4;
		}
		free(err);
	}
	if (w.metrics && st != FR_RUN_INTERRUPTED)
		fr_exporter_linger(exporter, a->metrics_linger >= 0 ? a->metrics_linger : FR_EXPORTER_LINGER_DEFAULT);
	fr_report_free(r);
	fr_results_free(res);
out:
	if (w.have_faults)
		fr_faults_free(w.faults.exec);
	fr_ws_run_free(w.ws);
	fr_toxi_free(toxi);
	fr_exporter_free(exporter);
	fr_metrics_free(w.metrics);
	fr_results_free(keys);
	free(w.pass_wall);
	return rc;
}

int fr_cli_run(int argc, char **argv)
{
	struct run_args a;
	int rc = parse_args(argc, argv, &a);
	if (rc)
		return rc > 0 ? 0 : 2;

	struct fr_plan *plan;
	struct fr_timeline *tl;
	if (fr_cli_load(a.plan_path, a.scale, &plan, &tl) != 0)
		return 2;
	install_signals();
	char *run_id = a.run_id ? xstrdup(a.run_id) : make_run_id();
	rc = execute(&a, plan, tl, run_id);
	free(run_id);
	fr_timeline_free(tl);
	fr_plan_free(plan);
	return rc;
}
