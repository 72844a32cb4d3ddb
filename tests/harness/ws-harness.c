/* ws-harness.c: runs the websocket scenarios of a plan through the WebSocket driver alone.
 *
 * The e2e test (tests/e2e/ws.sh) and the benchmark (bench/ws-viewers.sh) use
 * it to drive the WebSocket driver (runner/engine/ws_*.c) against the fixture
 * without the rest of the run engine: it loads and compiles the plan, logs in
 * and runs the setup requests (fr_http_sync), then starts THREADS worker
 * threads, each with its own loop and results, and fires the timeline's
 * actions through the same hooks fr_run calls (fr_ws_run_hooks:
 * worker_start / worker_action / worker_stop). At the end it
 * merges the results and prints one `name=value` per line: the websocket
 * counters, delivery and connect percentiles, the viewers connected at the
 * end of every stage, CPU time and peak RSS, and the rejection summary.
 *
 *     ws-harness PLAN [THREADS]
 *
 * With FR_WS_METRICS_PORT_FILE set it also serves the run's live metrics
 * (metrics.h) on a free loopback port and writes the port to that file.
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <threads.h>

#include "engine/http.h"
#include "engine/loop.h"
#include "engine/sched.h"
#include "engine/worker.h"
#include "engine/ws_run.h"
#include "observe/exporter.h"
#include "observe/metrics.h"
#include "plan/compile.h"
#include "plan/load.h"
#include "plan/timeline.h"
#include "result/results.h"
#include "util/clock.h"
#include "util/container.h"
#include "util/xmalloc.h"

#define MAX_STAGES 64

struct harness {
	const struct fr_plan *plan;
	const struct fr_timeline *tl;
	const struct fr_http_target *tgt;
	const struct fr_varstore *vars;
	struct fr_ws_run *ws;
	const struct fr_run_hooks *hooks; /* the driver's, as fr_run would call them */
	int nthreads;
	int64_t t0_ns;
	_Atomic long stage_connected[MAX_STAGES]; /* viewers connected when stage i ended */
	_Atomic long rss_before_kb;
};

struct timed_action {
	struct fr_timer tm;
	const struct fr_action *act;
	struct worker *w;
};

struct worker {
	struct harness *h;
	int thread;
	struct fr_loop *loop;
	struct fr_results *res;
	void *state;
	struct timed_action *acts;
	size_t nacts, fired;
};

/* Whether the harness forwards ACT (the actions run.c gives worker_action). */
static int wanted(const struct fr_plan *plan, const struct fr_action *act)
{
	if (act->kind == FR_ACT_PASS || act->kind == FR_ACT_END)
		return 1;
	if (act->kind != FR_ACT_STAGE && act->kind != FR_ACT_STOP)
		return 0;
	return act->scenario >= 0 && plan->scenarios[act->scenario].model == FR_MODEL_WEBSOCKET;
}

/* The stage index (over the whole timeline) an action ends, counting STAGE actions. */
static int stage_number(const struct fr_timeline *tl, const struct fr_action *act)
{
	int n = 0;
	for (size_t i = 0; i < tl->nactions && &tl->actions[i] != act; i++)
		n += tl->actions[i].kind == FR_ACT_STAGE;
	return n;
}

/* Thread 0, 100 ms before an action that ends a stage: the viewers connected then. */
static void sample_fire(struct fr_timer *tm)
{
	struct timed_action *ta = FR_CONTAINER_OF(tm, struct timed_action, tm);
	struct harness *h = ta->w->h;
	int n = stage_number(h->tl, ta->act);
	long c = 0;
	for (size_t s = 0; s < h->plan->nscenarios; s++)
		if (fr_ws_run_table(h->ws, (int)s))
			c += fr_ws_table_connected(fr_ws_run_table(h->ws, (int)s));
	if (n <= 0 || n > MAX_STAGES)
		return;
	long unset = -1;
	if (ta->act->kind == FR_ACT_END) /* after a STOP the stage was sampled already */
		atomic_compare_exchange_strong(&h->stage_connected[n - 1], &unset, c);
	else
		atomic_store(&h->stage_connected[n - 1], c);
}

/* An action is due: forward it; stop the loop after the last one. */
static void action_fire(struct fr_timer *tm)
{
	struct timed_action *ta = FR_CONTAINER_OF(tm, struct timed_action, tm);
	struct worker *w = ta->w;
	struct harness *h = w->h;
	if (w->thread == 0 && ta->act->kind == FR_ACT_STAGE && stage_number(h->tl, ta->act) == 0) {
		struct rusage ru;
		getrusage(RUSAGE_SELF, &ru);
		atomic_store(&h->rss_before_kb, ru.ru_maxrss);
	}
	h->hooks->worker_action(w->state, ta->act, h->t0_ns + (int64_t)ta->act->pass * h->tl->pass_us * 1000);
	if (++w->fired == w->nacts)
		fr_loop_break(w->loop);
}

/* One worker thread: loop, drivers, actions, results. */
static int worker_main(void *arg)
{
	struct worker *w = arg;
	struct harness *h = w->h;
	w->loop = fr_loop_create(64);
	w->res = fr_results_create(h->tl);
	struct fr_worker_info info = {w->loop, w->thread, h->nthreads, w->res, h->tl, h->tgt, h->vars, 42, 0, 1};
	w->state = h->hooks->worker_start(&info, h->hooks->arg);
	w->acts = xcalloc(h->tl->nactions, sizeof *w->acts);
	struct timed_action *samples = xcalloc(h->tl->nactions, sizeof *samples);
	for (size_t i = 0; w->thread == 0 && i < h->tl->nactions; i++) {
		const struct fr_action *act = &h->tl->actions[i];
		int ends = act->kind == FR_ACT_STAGE || act->kind == FR_ACT_STOP || act->kind == FR_ACT_END;
		if (!ends || !wanted(h->plan, act) || act->at_us < 100000)
			continue;
		fr_timer_init(&samples[i].tm, sample_fire);
		samples[i].act = act;
		samples[i].w = w;
		fr_sched_arm(fr_loop_sched(w->loop), &samples[i].tm, h->t0_ns + (act->at_us - 100000) * 1000);
	}
	for (size_t i = 0; i < h->tl->nactions; i++) {
		const struct fr_action *act = &h->tl->actions[i];
		if (!wanted(h->plan, act))
			continue;
		struct timed_action *ta = &w->acts[w->nacts++];
		fr_timer_init(&ta->tm, action_fire);
		ta->act = act;
		ta->w = w;
		fr_sched_arm(fr_loop_sched(w->loop), &ta->tm, h->t0_ns + act->at_us * 1000);
	}
	if (w->nacts)
		fr_loop_run(w->loop);
	h->hooks->worker_stop(w->state);
	fr_loop_free(w->loop);
	free(w->acts);
	free(samples);
	return 0;
}

/* Logs in and runs the setup requests on a loop of the main thread. */
static int prepare(const struct fr_plan *plan, const struct fr_http_target *tgt, struct fr_varstore *vars)
{
	struct fr_loop *loop = fr_loop_create(4);
	uint64_t rng = 7;
	struct fr_http_result r;
	char *err = NULL;
	int rc = 0;
	if (plan->auth && fr_http_sync(loop, tgt, plan->auth, vars, &rng, NULL, &r, &err))
		rc = -1;
	for (size_t i = 0; !rc && i < plan->nsetup; i++)
		if (fr_http_sync(loop, tgt, &plan->setup[i], vars, &rng, NULL, &r, &err))
			rc = -1;
	if (rc)
		fprintf(stderr, "ws-harness: %s\n", err ? err : "auth or setup failed");
	free(err);
	fr_loop_free(loop);
	return rc;
}

/* Prints the merged websocket results of every websocket scenario. */
static void print_results(const struct harness *h, const struct fr_results *res)
{
	int *segs = xcalloc(h->tl->nsegs, sizeof *segs);
	for (size_t i = 0; i < h->tl->nsegs; i++)
		segs[i] = (int)i;
	for (size_t s = 0; s < h->plan->nscenarios; s++) {
		if (h->plan->scenarios[s].model != FR_MODEL_WEBSOCKET)
			continue;
		struct fr_cell c;
		memset(&c, 0, sizeof c);
		fr_results_sum(res, fr_results_key(res, (int)s, NULL), (int)s, segs, h->tl->nsegs, &c);
		for (int k = 0; k < FR_WS_COUNTER_N; k++)
			printf("%s=%" PRIu64 "\n", fr_ws_counter_name(k), c.ws[k]);
		printf("delivery_count=%" PRIu64 "\n", c.delivery ? fr_hist_count(c.delivery) : 0);
		if (c.delivery)
			printf("delivery_p50_us=%" PRId64 "\ndelivery_p99_us=%" PRId64 "\ndelivery_max_us=%" PRId64
			       "\n",
			       fr_hist_quantile(c.delivery, 0.5), fr_hist_quantile(c.delivery, 0.99),
			       fr_hist_max(c.delivery));
		if (c.connect)
			printf("connect_p50_us=%" PRId64 "\nconnect_p99_us=%" PRId64 "\n",
			       fr_hist_quantile(c.connect, 0.5), fr_hist_quantile(c.connect, 0.99));
		fr_cell_clear(&c);
	}
	free(segs);
}

/* Loads, prepares, runs the workers, prints the merged results. */
int main(int argc, char **argv)
{
	struct fr_diags diags;
	struct fr_plan *plan = NULL;
	struct fr_timeline *tl = NULL;
	struct fr_varstore vars;
	struct harness *h = xcalloc(1, sizeof *h);
	memset(&diags, 0, sizeof diags);
	memset(&vars, 0, sizeof vars);
	if (argc < 2) {
		fprintf(stderr, "usage: ws-harness PLAN [THREADS]\n");
		return 2;
	}
	if (fr_plan_load(argv[1], &diags, &plan) || fr_compile(plan, 1.0, &diags, &tl)) {
		fr_diag_print(&diags, stderr);
		fr_diag_clear(&diags);
		fr_plan_free(plan);
		free(h);
		return 2;
	}
	struct fr_http_target tgt = {.base_url = plan->base_url,
	                             .timeout_us = plan->timeout_us,
	                             .headers = &plan->headers,
	                             .auth_headers = &plan->auth_headers,
	                             .ca_file = plan->ca_file};
	int rc = 0;
	const char *engine = getenv("FLOWRUN_HTTP_ENGINE"); /* the publish requests' path, as flowrun reads it */
	if (engine && *engine && fr_http_engine_parse(engine, &tgt.engine) != 0) {
		fprintf(stderr, "ws-harness: FLOWRUN_HTTP_ENGINE needs auto, curl or lean\n");
		rc = 2;
		goto out;
	}
	fr_loop_raise_nofile();
	if (prepare(plan, &tgt, &vars)) {
		rc = 4;
		goto out;
	}
	h->plan = plan;
	h->tl = tl;
	h->tgt = &tgt;
	h->vars = &vars;
	h->nthreads = argc > 2 ? atoi(argv[2]) : 2;
	h->ws = fr_ws_run_create(plan);
	h->hooks = fr_ws_run_hooks(h->ws);
	struct fr_metrics *metrics = NULL;
	struct fr_exporter *exporter = NULL;
	struct fr_results *keys = NULL;
	const char *port_file = getenv("FR_WS_METRICS_PORT_FILE");
	if (port_file) {
		char *err = NULL;
		keys = fr_results_create(tl);
		metrics = fr_metrics_create(plan, keys, "ws-harness");
		if (fr_exporter_start(metrics, "127.0.0.1:0", &exporter, &err) != FR_EXPORTER_OK) {
			fprintf(stderr, "ws-harness: %s\n", err);
			free(err);
			rc = 4;
			goto out_ws;
		}
		FILE *f = fopen(port_file, "w");
		if (f) {
			fprintf(f, "%d\n", fr_exporter_port(exporter));
			fclose(f);
		}
		fr_ws_run_set_metrics(h->ws, metrics);
	}
	h->t0_ns = fr_clock_mono_ns() + 300000000;
	for (int i = 0; i < MAX_STAGES; i++)
		atomic_init(&h->stage_connected[i], -1);
	struct worker *w = xcalloc((size_t)h->nthreads, sizeof *w);
	thrd_t *th = xcalloc((size_t)h->nthreads, sizeof *th);
	for (int i = 0; i < h->nthreads; i++) {
		w[i].h = h;
		w[i].thread = i;
		thrd_create(&th[i], worker_main, &w[i]);
	}
	for (int i = 0; i < h->nthreads; i++)
		thrd_join(th[i], NULL);
	char *ws_err = NULL;
	if (fr_ws_run_status(h->ws, &ws_err) != 0) {
		fprintf(stderr, "ws-harness: %s\n", ws_err);
		rc = 4;
	}
	free(ws_err);
	struct fr_results *total = fr_results_create(tl);
	for (int i = 0; i < h->nthreads; i++) {
		fr_results_merge(total, w[i].res);
		fr_results_free(w[i].res);
	}
	print_results(h, total);
	int nstages = 0;
	for (size_t i = 0; i < tl->nactions; i++)
		nstages += tl->actions[i].kind == FR_ACT_STAGE;
	for (int i = 0; i < nstages && i < MAX_STAGES; i++)
		printf("stage%d_connected=%ld\n", i, atomic_load(&h->stage_connected[i]));
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("cpu_us=%lld\nmaxrss_kb=%ld\nrss_before_kb=%ld\n",
	       (long long)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec + (long long)ru.ru_stime.tv_sec * 1000000 +
	               ru.ru_stime.tv_usec,
	       ru.ru_maxrss, atomic_load(&h->rss_before_kb));
	char *sum = fr_ws_run_summary(h->ws);
	if (sum)
		fputs(sum, stdout);
	free(sum);
	fr_results_free(total);
	free(w);
	free(th);
out_ws:
	fr_exporter_free(exporter);
	fr_metrics_free(metrics);
	fr_results_free(keys);
	fr_ws_run_free(h->ws);
out:
	fr_varstore_clear(&vars);
	fr_timeline_free(tl);
	fr_plan_free(plan);
	free(h);
	return rc;
}
