/* engine-run.c: drives fr_run directly for the engine's end-to-end tests.
 *
 *   engine-run PLAN [--time-scale F] [--threads N] [--max-inflight N] [--http-engine E] [--quiet]
 *
 * Loads and compiles PLAN, runs it (SIGINT/SIGTERM set the stop flag), and
 * prints one line per result key and one for the run, as `name=value` words
 * the test scripts pick apart:
 *
 *   key scenario/request n=… ok=… connect-refused=… … lat_p50=µs lat_p99=µs svc_p50=µs svc_p99=µs late=… missed=…
 *   seg scenario/request SEG start_us end_us n=…
 *   run status=S planned=… sent=… interrupted=0|1 elapsed_us=… lag_p99=µs failed_phase=auth|…|- http_lean=… http_curl=…
 * invalid="…"
 *
 * FLOWRUN_HTTP_ENGINE (auto, curl, lean) sets the HTTP path as in flowrun;
 * http_lean and http_curl count the load requests each path carried.
 *
 * Built as engine-run-allocs (FR_COUNT_ALLOCS, linked with -Wl,--wrap for the
 * allocation functions flowrun's code calls: malloc, calloc, realloc, strdup,
 * strndup, vasprintf), a last line `allocs n=N` counts the allocations the
 * runner's own code (and llhttp, built in) made during the whole process, not
 * those inside shared libraries (libcurl, libev, jansson). Two runs of
 * different lengths give the allocations per extra request.
 *
 * Exit status: fr_run's status (0 ok, 1 unreachable, 2 interrupted, 3 failed),
 * 9 when the plan does not load.
 */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "result/results.h"
#include "engine/http.h"
#include "engine/run.h"
#include "plan/compile.h"
#include "plan/load.h"
#include "plan/timeline.h"

static volatile sig_atomic_t stop_flag;

#ifdef FR_COUNT_ALLOCS
#include <stdarg.h>
#include <stdatomic.h>

static atomic_ulong allocs; /* allocations made through the wrapped functions */

/* Defines __wrap_NAME, where the linker sends the runner's calls of NAME:
 * counts one allocation (a realloc too: growing a buffer per request is one),
 * then calls the real NAME. */
#define FR_COUNTED(type, name, params, args)                                                                           \
	type __real_##name params;                                                                                     \
	type __wrap_##name params;                                                                                     \
	type __wrap_##name params                                                                                      \
	{                                                                                                              \
		atomic_fetch_add_explicit(&allocs, 1, memory_order_relaxed);                                           \
		return __real_##name args;                                                                             \
	}
FR_COUNTED(void *, malloc, (size_t size), (size))
FR_COUNTED(void *, calloc, (size_t n, size_t size), (n, size))
FR_COUNTED(void *, realloc, (void *p, size_t size), (p, size))
FR_COUNTED(char *, strdup, (const char *s), (s))
FR_COUNTED(char *, strndup, (const char *s, size_t n), (s, n))
FR_COUNTED(int, vasprintf, (char **out, const char *fmt, va_list ap), (out, fmt, ap))
#endif

/* SIGINT/SIGTERM: stop the load. */
static void on_signal(int sig)
{
	stop_flag = 1;
}

/* Prints the whole-run line of one key. */
static void print_key(struct fr_results *res, int k)
{
	const struct fr_timeline *tl = res->tl;
	struct fr_cell sum = {0};
	int *segs = calloc(tl->nsegs, sizeof(*segs));

	for (size_t s = 0; s < tl->nsegs; s++)
		segs[s] = (int)s;
	fr_results_sum(res, k, -1, segs, tl->nsegs, &sum);
	printf("key %s n=%" PRIu64, res->keys[k].name, fr_cell_requests(&sum));
	for (int o = 0; o < FR_OUTCOME_N; o++)
		printf(" %s=%" PRIu64, fr_outcome_name((enum fr_outcome)o), sum.outcomes[o]);
	printf(" lat_p50=%" PRId64 " lat_p99=%" PRId64 " svc_p50=%" PRId64 " svc_p99=%" PRId64 " late=%" PRIu64
	       " missed=%" PRIu64 "\n",
	       sum.latency ? fr_hist_quantile(sum.latency, 0.5) : -1,
	       sum.latency ? fr_hist_quantile(sum.latency, 0.99) : -1,
	       sum.service ? fr_hist_quantile(sum.service, 0.5) : -1,
	       sum.service ? fr_hist_quantile(sum.service, 0.99) : -1, sum.late, sum.missed);
	fr_cell_clear(&sum);
	for (size_t s = 0; s < tl->nsegs; s++)
		printf("seg %s %zu %" PRId64 " %" PRId64 " n=%" PRIu64 "\n", res->keys[k].name, s, tl->segs[s].start_us,
		       tl->segs[s].end_us, fr_cell_requests(fr_results_cell(res, k, (int)s)));
	free(segs);
}

/* Prints the run line. */
static void print_run(struct fr_results *res, int status)
{
	printf("run status=%d planned=%" PRIu64 " sent=%" PRIu64 " interrupted=%d elapsed_us=%" PRId64
	       " lag_p99=%" PRId64 " failed_phase=%s http_lean=%" PRIu64 " http_curl=%" PRIu64 " invalid=\"%s\"\n",
	       status, res->planned, res->sent, res->interrupted, res->elapsed_us,
	       res->sched_lag ? fr_hist_quantile(res->sched_lag, 0.99) : -1,
	       res->failed_phase ? res->failed_phase : "-", res->http_lean, res->http_curl,
	       res->invalid_reason ? res->invalid_reason : "");
#ifdef FR_COUNT_ALLOCS
	printf("allocs n=%lu\n", atomic_load(&allocs));
#endif
}

/* Loads and compiles the plan, runs it, prints the results. */
int main(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"time-scale", required_argument, NULL, 's'},
	        {"threads", required_argument, NULL, 't'},
	        {"max-inflight", required_argument, NULL, 'm'},
	        {"quiet", no_argument, NULL, 'q'},
	        {"http-engine", required_argument, NULL, 'e'},
	        {"allow-saturated", no_argument, NULL, 'a'},
	        {NULL, 0, NULL, 0},
	};
	struct fr_run_opts ro = {.stop = &stop_flag};
	struct fr_diags diags = {0};
	struct fr_plan *plan = NULL;
	struct fr_timeline *tl = NULL;
	struct fr_results *res = NULL;
	double scale = 1.0;
	char *err = NULL;
	int c, status;
	const char *engine = getenv("FLOWRUN_HTTP_ENGINE");

	if (engine && *engine && fr_http_engine_parse(engine, &ro.http_engine) != 0)
		return 9;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 's')
			scale = atof(optarg);
		else if (c == 't')
			ro.threads = atoi(optarg);
		else if (c == 'm')
			ro.max_inflight = (unsigned)atol(optarg); /* -1: unlimited */
		else if (c == 'q')
			ro.quiet = 1;
		else if (c == 'e' && fr_http_engine_parse(optarg, &ro.http_engine) != 0)
			return 9;
		else if (c == 'a')
			ro.allow_saturated = 1;
		else if (c != 'e' && c != 'a')
			return 9;
	}
	if (optind >= argc)
		return 9;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (fr_plan_load(argv[optind], &diags, &plan) != 0 || fr_compile(plan, scale, &diags, &tl) != 0) {
		fr_diag_print(&diags, stderr);
		fr_diag_clear(&diags);
		fr_plan_free(plan);
		return 9;
	}
	status = fr_run(plan, tl, &ro, &res, &err);
	if (err)
		printf("error %s\n", err);
	free(err);
	if (res) {
		for (size_t k = 0; k < res->nkeys; k++)
			print_key(res, (int)k);
		print_run(res, status);
	}
	fflush(stdout);
	fr_results_free(res);
	fr_timeline_free(tl);
	fr_plan_free(plan);
	fr_diag_clear(&diags);
	return status;
}
