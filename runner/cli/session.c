/* session.c: preparing, running and reporting one run of `flowrun run` (see session.h). */
#include "cli/session.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>
#include <string.h>

#include "chaos/faults.h"
#include "cli/live_page.h"
#include "chaos/toxiproxy.h"
#include "engine/clockref.h"
#include "cli/cli.h"
#include "engine/run.h"
#include "engine/ws_run.h"
#include "observe/exporter.h"
#include "observe/metrics.h"
#include "observe/prom.h"
#include "observe/pushgateway.h"
#include "observe/slo_prom.h"
#include "result/compare.h"
#include "result/report.h"
#include "result/report_json.h"
#include "result/report_text.h"
#include "util/clock.h"
#include "util/redact.h"
#include "util/xmalloc.h"

/* How long after the end of the load Prometheus has surely scraped it (its
 * interval is 1 s in prometheus/prometheus.yml; a few intervals of margin). */
#define PROM_SETTLE_S 4.5

#define CLOCK_BUDGET_MS 2500 /* enough for the fine clock measurement (clockref.h) */
#define CLOCK_SPARE_MS  1000 /* left for preflight and auth before the common start */

struct fr_session {
	const struct fr_session_opts *o;
	const struct fr_plan *plan;
	const struct fr_timeline *tl;
	const char *run_id;
	volatile sig_atomic_t *stop;
	volatile sig_atomic_t *hurry;
	char *state_json;        /* the checkpoint file when no JSON result was asked for */
	int ckpt_failed;         /* a checkpoint could not be written (said once) */
	struct fr_results *keys; /* the metric keys the exporter names */
	struct fr_metrics *metrics;
	struct fr_exporter *exporter;
	struct fr_toxi *toxi;
	struct fr_faults_hook faults;
	int have_faults;
	struct fr_ws_run *ws;
	struct fr_run_hooks pass_recorder;
	double *pass_wall;         /* unix seconds each pass started, for server-side SLOs */
	struct fr_live_page *live; /* --ui */
	struct fr_clockref clock;  /* the offset against the target's clock, sharded runs */
	int have_clock;
	struct json_t *baseline; /* --baseline, read before any load */
};

/* Whether this run is a shard of a larger one. */
static int sharded(const struct fr_session *s)
{
	return s->o->nshards > 0;
}

/* Whether PLAN has server-side SLOs to judge from its Prometheus. */
static int has_server_side(const struct fr_plan *plan)
{
	int any = 0;
	for (size_t i = 0; i < plan->nslos; i++)
		any |= plan->slos[i].metric != NULL;
	return any && plan->prometheus;
}

/* Metrics follow the faults the executor switches. */
static void fault_listener(int fault, int active, void *arg)
{
	struct fr_session *s = arg;
	fr_metrics_set_fault(s->metrics, fault, active);
}

/* The wall-clock start of each pass, for server-side SLOs: the pass recorder's on_action. */
static void record_pass_start(const struct fr_action *act, void *arg)
{
	struct fr_session *s = arg;
	if (act->kind == FR_ACT_PASS)
		s->pass_wall[act->pass] = fr_clock_wall_s();
}

/* Starts the exporter on --metrics-listen and waits for the first scrape. */
static enum fr_exit open_metrics(struct fr_session *s)
{
	char *err = NULL;
	s->metrics = fr_metrics_create(s->plan, s->keys, s->run_id);
	fr_metrics_set_shard(s->metrics, s->o->shard);
	enum fr_exporter_status st = fr_exporter_start(s->metrics, s->o->metrics_listen, &s->exporter, &err);
	if (st != FR_EXPORTER_OK) {
		fprintf(stderr, "flowrun: %s\n", err ? err : "cannot start the metrics exporter");
		free(err);
		return st == FR_EXPORTER_BAD_ADDRESS ? FR_EXIT_USAGE : FR_EXIT_INFRA;
	}
	if (s->o->metrics_wait > 0 && fr_exporter_wait_scrape(s->exporter, s->o->metrics_wait, s->stop) != 0 &&
	    !*s->stop)
		fprintf(stderr, "flowrun: nobody scraped %s within %gs; starting anyway\n", s->o->metrics_listen,
		        s->o->metrics_wait);
	return FR_EXIT_OK;
}

/* Server-side SLOs need the plan's Prometheus: check it answers before any load. */
static enum fr_exit check_prometheus(const struct fr_plan *plan)
{
	if (!has_server_side(plan))
		return FR_EXIT_OK;
	struct fr_prom *p = fr_prom_create(plan->prometheus);
	enum fr_exit rc = FR_EXIT_OK;
	if (fr_prom_ping(p) != FR_PROM_OK) {
		fprintf(stderr, "flowrun: %s\n", fr_prom_error(p));
		rc = FR_EXIT_INFRA;
	}
	fr_prom_free(p);
	return rc;
}

/* Prints the Toxiproxy client's error; the exit code of an unusable Toxiproxy. */
static enum fr_exit toxi_failed(struct fr_toxi *toxi)
{
	fprintf(stderr, "flowrun: %s\n", fr_toxi_error(toxi));
	return FR_EXIT_INFRA;
}

/* Removes the leftovers of crashed runs: the expired ones, this run id's
 * own, those of --clean-leftovers=RUN, or with --clean-leftovers all of them
 * (a run sharing this Toxiproxy loses its faults: said loudly). Reports what
 * went and what of another run stays. */
static enum fr_exit remove_leftovers(const struct fr_session *s, struct fr_toxi *toxi)
{
	int64_t now = (int64_t)fr_clock_wall_s();
	struct fr_toxi_sweep sw = {
	        .run_id = s->run_id, .also_run_id = s->o->clean_run, .now_unix = now, .all = s->o->clean_all};
	struct fr_toxi_leftovers lo = {0};
	if (s->o->clean_all) {
		char *shown = fr_redact_url(s->plan->faults.toxiproxy_url);
		fprintf(stderr,
		        "flowrun: --clean-leftovers: removing every flowrun toxic in %s, also those of runs "
		        "still going\n",
		        shown);
		free(shown);
	}
	if (fr_toxi_remove_leftovers(toxi, &sw, &lo) != FR_TOXI_OK) {
		fr_toxi_leftovers_clear(&lo);
		return toxi_failed(toxi);
	}
	char *msg = fr_toxi_leftovers_message(&lo);
	if (msg)
		fprintf(stderr, "flowrun: %s\n", msg);
	free(msg);
	msg = fr_toxi_kept_message(&lo, now);
	if (msg)
		fprintf(stderr, "flowrun: %s\n", msg);
	free(msg);
	fr_toxi_leftovers_clear(&lo);
	return FR_EXIT_OK;
}

/* Checks Toxiproxy and the proxies the plan names before any load; removes
 * and reports leftovers of crashed runs. */
static enum fr_exit prepare_faults(const struct fr_session *s, struct fr_toxi *toxi)
{
	const struct fr_plan *plan = s->plan;
	char *version = NULL;
	if (fr_toxi_version(toxi, &version) != FR_TOXI_OK)
		return toxi_failed(toxi);
	free(version);
	if (s->o->create_proxies && fr_toxi_populate(toxi, &plan->faults) != FR_TOXI_OK)
		return toxi_failed(toxi);
	if (fr_toxi_check_proxies(toxi, &plan->faults) != FR_TOXI_OK)
		return toxi_failed(toxi);
	return remove_leftovers(s, toxi);
}

/* Connects the fault executor when the plan has faults. Of a sharded run,
 * shard 0 alone switches them (the others know the schedule from the
 * timeline, so their samples land in the same segments) and only it needs
 * to reach Toxiproxy. */
static enum fr_exit open_faults(struct fr_session *s)
{
	if (!s->plan->faults.n || (sharded(s) && s->o->shard != 0))
		return FR_EXIT_OK;
	s->toxi = fr_toxi_create(s->plan->faults.toxiproxy_url);
	enum fr_exit rc = prepare_faults(s, s->toxi);
	if (rc != FR_EXIT_OK)
		return rc;
	s->have_faults = 1;
	s->faults = (struct fr_faults_hook){.plan = s->plan,
	                                    .tl = s->tl,
	                                    .run_id = s->run_id,
	                                    .toxi = s->toxi,
	                                    .listener = fault_listener,
	                                    .listener_arg = s,
	                                    .hurry = s->hurry};
	return FR_EXIT_OK;
}

/* --http-engine lean must be able to send every load request: a usage error otherwise. */
static enum fr_exit check_engine(const struct fr_session_opts *o, const struct fr_plan *plan)
{
	char *err = NULL;
	enum fr_exit rc = FR_EXIT_OK;

	if (fr_run_check_engine(plan, o->http_engine, &err) != 0) {
		fprintf(stderr, "flowrun: %s\n", err);
		rc = FR_EXIT_USAGE;
	}
	free(err);
	return rc;
}

/* Where checkpoints go when no JSON result was asked for (outputs.h). */
static void open_state_checkpoint(struct fr_session *s)
{
	char *err = NULL;
	if (s->o->checkpoint <= 0 || fr_outputs_has_json(&s->o->outputs))
		return;
	s->state_json = fr_outputs_state_path(s->run_id, &err);
	if (!s->state_json && !s->o->quiet)
		fprintf(stderr, "flowrun: no checkpoints: %s\n", err);
	free(err);
}

enum fr_exit fr_session_open(const struct fr_session_opts *o, const struct fr_plan *plan, const struct fr_timeline *tl,
                             const char *run_id, volatile sig_atomic_t *stop, volatile sig_atomic_t *hurry,
                             struct fr_session **s_out)
{
	*s_out = NULL;
	enum fr_exit rc = check_engine(o, plan);
	if (rc != FR_EXIT_OK)
		return rc;
	if (fr_outputs_prepare(&o->outputs) != 0)
		return FR_EXIT_INFRA;
	struct fr_session *s = xcalloc(1, sizeof *s);
	s->o = o;
	s->plan = plan;
	s->tl = tl;
	s->run_id = run_id;
	s->stop = stop;
	s->hurry = hurry;
	s->pass_wall = xcalloc((size_t)tl->npasses + 1, sizeof *s->pass_wall);
	s->keys = fr_results_create(tl);
	open_state_checkpoint(s);

	if (o->baseline && !(s->baseline = fr_cli_read_result(o->baseline)))
		rc = FR_EXIT_USAGE;
	if (rc == FR_EXIT_OK && o->metrics_listen)
		rc = open_metrics(s);
	if (rc == FR_EXIT_OK)
		rc = check_prometheus(plan);
	if (rc == FR_EXIT_OK)
		rc = open_faults(s);
	if (rc == FR_EXIT_OK && o->ui_listen)
		rc = fr_live_page_open(o->ui_listen, tl, run_id, o->interval_us, o->quiet, &s->live);
	if (rc != FR_EXIT_OK) {
		fr_session_free(s);
		s = NULL;
	}
	*s_out = s;
	return rc;
}

/* Writes a checkpoint's JSON where the result goes, or to the state file; says once when it cannot. */
static void write_checkpoint(struct fr_session *s, const struct fr_report *r)
{
	char *err = NULL;
	int rc =
	        s->state_json ? fr_report_json(r, s->state_json, &err) : fr_outputs_write_json(&s->o->outputs, r, &err);
	if (rc != 0 && !s->ckpt_failed) {
		s->ckpt_failed = 1;
		fprintf(stderr, "flowrun: cannot write a checkpoint: %s%s%s\n", s->state_json ? s->state_json : "",
		        s->state_json ? ": " : "", err ? err : "error");
	}
	free(err);
}

/* fr_run_opts.checkpoint: the results so far, as a partial JSON result. */
static void on_checkpoint(const struct fr_results *snap, void *arg)
{
	struct fr_session *s = arg;
	struct fr_report *r = fr_report_build(snap, s->run_id);
	write_checkpoint(s, r);
	fr_report_free(r);
}

/* Runs the engine with every plug-in's hooks; the results (NULL when nothing
 * was sent), with the failure printed. */
static struct fr_results *run_load(struct fr_session *s, int *status_out)
{
	s->ws = fr_ws_run_create(s->plan);
	fr_ws_run_set_metrics(s->ws, s->metrics);
	fr_ws_run_set_abort(s->ws, s->stop);
	s->pass_recorder = (struct fr_run_hooks){.arg = s, .on_action = record_pass_start};
	const struct fr_run_hooks *hooks[4];
	size_t nhooks = 0;
	hooks[nhooks++] = &s->pass_recorder;
	if (s->have_faults)
		hooks[nhooks++] = fr_faults_hooks(&s->faults);
	hooks[nhooks++] = fr_ws_run_hooks(s->ws);
	if (s->live)
		hooks[nhooks++] = fr_live_page_hooks(s->live);
	struct fr_run_opts opts = {
	        .threads = s->o->threads,
	        .quiet = s->o->quiet,
	        .run_id = s->run_id,
	        .stop = s->stop,
	        .seed = s->o->seed,
	        .hooks = hooks,
	        .nhooks = nhooks,
	        .metrics = s->metrics,
	        .max_inflight = s->o->connections,
	        .interval_us = s->o->interval_us,
	        .http_engine = s->o->http_engine,
	        .shard = s->o->shard,
	        .nshards = s->o->nshards,
	        .start_at_unix_us = s->o->start_at_unix_us,
	        .start_grace_us = s->o->start_grace_us,
	        .pass_vars = s->o->pass_vars,
	        .allow_saturated = s->o->allow_saturated,
	        .checkpoint = s->o->checkpoint > 0 && (s->state_json || fr_outputs_has_json(&s->o->outputs))
	                              ? on_checkpoint
	                              : NULL,
	        .checkpoint_arg = s,
	        .checkpoint_s = s->o->checkpoint,
	};
	struct fr_results *res = NULL;
	char *err = NULL;
	*status_out = fr_run(s->plan, s->tl, &opts, &res, &err);
	if (*status_out == FR_RUN_UNREACHABLE || *status_out == FR_RUN_FAILED || !res)
		fprintf(stderr, "flowrun: %s\n", err ? err : "the run failed");
	free(err);
	return res;
}

/* Before the common start, measures how far this clock is from the target's:
 * the skew of a start on this host's clock means little without it. */
static void measure_clock(struct fr_session *s)
{
	int64_t left_ms = (s->o->start_at_unix_us - fr_clock_wall_us()) / 1000 - CLOCK_SPARE_MS;
	int budget = left_ms < CLOCK_BUDGET_MS ? (int)left_ms : CLOCK_BUDGET_MS;
	char *err = NULL;
	if (!sharded(s) || !s->o->start_at_unix_us)
		return;
	if (budget < 1200) {
		fprintf(stderr, "flowrun: shard %d: too little time before --start-at to measure the clock offset\n",
		        s->o->shard);
		return;
	}
	s->have_clock = fr_clockref_measure(s->plan->base_url, s->plan->ca_file, budget, &s->clock, &err) == 0;
	if (!s->have_clock)
		fprintf(stderr, "flowrun: shard %d: clock offset not measured: %s\n", s->o->shard, err);
	free(err);
}

/* The process's CPU time, user and system, in seconds. */
static double cpu_seconds(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       (double)ru.ru_stime.tv_usec / 1e6;
}

/* A shard's result says which shard it is, when it started and how its clock stood. */
static void add_shard_info(struct fr_session *s, struct fr_report *r, const struct fr_results *res)
{
	if (!sharded(s))
		return;
	r->shards = xcalloc(1, sizeof *r->shards);
	r->nshards = 1;
	struct fr_shard_info *si = &r->shards[0];
	si->index = s->o->shard;
	si->count = s->o->nshards;
	si->seed = s->o->seed;
	si->start_at_unix_us = s->o->start_at_unix_us;
	si->start_skew_us = res->start_skew_us;
	si->late = res->late;
	si->cpu_s = cpu_seconds();
	si->have_clock = s->have_clock;
	si->clock_offset_us = s->clock.offset_us;
	si->clock_error_us = s->clock.error_us;
	char *shown = fr_redact_url(s->plan->base_url);
	si->clock_ref = s->have_clock ? xasprintf("Date of %s", shown) : NULL;
	free(shown);
}

/* Adds what the fault executor did to R and names what it could not undo. */
static void add_fault_records(struct fr_session *s, struct fr_report *r)
{
	if (!s->have_faults || !s->faults.exec)
		return;
	size_t n;
	const struct fr_fault_record *rec = fr_faults_records(s->faults.exec, &n);
	for (size_t i = 0; i < n; i++)
		fr_report_add_fault(r, rec[i].fault, rec[i].on, rec[i].intended_us, rec[i].actual_us, rec[i].ok,
		                    rec[i].error);
	char *const *unclean = fr_faults_unclean(s->faults.exec, &n);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "flowrun: %s\n", unclean[i]);
}

/* Judges server-side SLOs (metric: selectors) from the plan's Prometheus once it
 * has scraped the end of the run. */
static enum fr_exit judge_server_side(struct fr_session *s, struct fr_report *r)
{
	if (!has_server_side(s->plan))
		return FR_EXIT_OK;
	double end = (double)(r->results->started_unix_us + r->results->elapsed_us) / 1e6;
	double wait = end + PROM_SETTLE_S - fr_clock_wall_s();
	if (wait > 0) {
		if (!s->o->quiet)
			fprintf(stderr, "flowrun: waiting %.1fs for prometheus to scrape the end of the run\n", wait);
		if (fr_clock_sleep(wait, s->stop) != 0)
			return FR_EXIT_OK; /* interrupted: the server-side SLOs stay unjudged */
	}
	struct fr_prom *p = fr_prom_create(s->plan->prometheus);
	struct fr_slo_prom_run run = {.run_id = s->run_id, .pass_start = s->pass_wall, .end = end};
	enum fr_exit rc = FR_EXIT_OK;
	if (fr_slo_prom_evaluate(p, s->tl, &run, 1, r->verdicts) != FR_PROM_OK) {
		fprintf(stderr, "flowrun: server-side SLOs: %s\n", fr_prom_error(p));
		rc = FR_EXIT_INFRA;
	}
	fr_prom_free(p);
	return rc;
}

/* A viewer driver that could not start (e.g. the libev plugin of
 * libwebsockets is missing) is an infrastructure error. */
static enum fr_exit check_ws(struct fr_session *s)
{
	char *err = NULL;
	enum fr_exit rc = FR_EXIT_OK;
	if (s->ws && fr_ws_run_status(s->ws, &err) != 0) {
		fprintf(stderr, "flowrun: %s\n", err);
		rc = FR_EXIT_INFRA;
	}
	free(err);
	return rc;
}

/* The terminal summary: the WebSocket counters, then the report. */
static void print_summary(struct fr_session *s, const struct fr_report *r)
{
	char *wsum = s->ws ? fr_ws_run_summary(s->ws) : NULL;
	if (wsum && !s->o->quiet)
		fputs(wsum, stdout);
	free(wsum);
	if (!s->o->quiet)
		fr_report_text(r, stdout);
	fflush(stdout);
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

/* The final push to --pushgateway. */
static enum fr_exit push_metrics(struct fr_session *s)
{
	if (!s->metrics || !s->o->pushgateway)
		return FR_EXIT_OK;
	char *err = NULL;
	enum fr_exit rc = FR_EXIT_OK;
	if (fr_pushgateway_push(s->metrics, s->o->pushgateway, &err) != 0) {
		fprintf(stderr, "flowrun: %s\n", err ? err : "push failed");
		rc = FR_EXIT_INFRA;
	}
	free(err);
	return rc;
}

/* Before the Prometheus wait, the reports as they stand (partial: the
 * server-side SLOs are not judged yet), so a kill during the wait loses nothing. */
static void write_before_wait(struct fr_session *s, struct fr_report *r)
{
	if (!has_server_side(s->plan))
		return;
	r->partial = 1;
	if (s->state_json)
		write_checkpoint(s, r);
	else
		fr_outputs_write(&s->o->outputs, r, 1);
	r->partial = 0;
}

/* Appends the comparison's Markdown section to the Markdown summary at PATH. */
static int append_markdown(const char *path, const struct fr_comparison *c)
{
	FILE *f = fopen(path, "a");
	if (!f) {
		fprintf(stderr, "flowrun: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	fputc('\n', f);
	fr_compare_markdown(c, f, 0);
	return fclose(f) == 0 ? 0 : -1;
}

/* --baseline: the run against a baseline result — the table after the
 * summary, a section in each Markdown summary; exit 1 on a regression, 3
 * when either run is invalid. */
static enum fr_exit compare_baseline(struct fr_session *s, const struct fr_results *res)
{
	if (!s->baseline)
		return FR_EXIT_OK;
	struct fr_compare_opts o = {.tolerance = s->o->tolerance};
	struct fr_comparison *c;
	char *err = NULL;
	if (fr_compare_results(s->baseline, s->o->baseline, res, "this run", &o, &c, &err) != 0) {
		fprintf(stderr, "flowrun: --baseline: %s\n", err);
		free(err);
		return FR_EXIT_USAGE;
	}
	if (!s->o->quiet) {
		fputc('\n', stdout);
		fr_compare_text(c, stdout, 0);
		fflush(stdout);
	}
	int bad = 0;
	if (s->o->outputs.markdown)
		bad |= append_markdown(s->o->outputs.markdown, c);
	if (s->o->outputs.out_dir) {
		char *p = xasprintf("%s/summary.md", s->o->outputs.out_dir);
		bad |= append_markdown(p, c);
		free(p);
	}
	enum fr_exit rc = c->invalid ? FR_EXIT_INVALID_RUN : c->worse ? FR_EXIT_SLO_FAILED : FR_EXIT_OK;
	fr_compare_free(c);
	return bad ? fr_exit_worst(rc, FR_EXIT_INFRA) : rc;
}

enum fr_exit fr_session_run(struct fr_session *s)
{
	int st;
	measure_clock(s);
	struct fr_results *res = run_load(s, &st);
	if (!res) /* nothing was sent: the target unreachable, or no event loop */
		return st == FR_RUN_UNREACHABLE ? FR_EXIT_INVALID_RUN : FR_EXIT_INFRA;
	struct fr_report *r = fr_report_build(res, s->run_id);
	add_fault_records(s, r);
	add_shard_info(s, r, res);
	enum fr_exit infra = st == FR_RUN_FAILED ? FR_EXIT_INFRA : FR_EXIT_OK;
	if (st == FR_RUN_OK || st == FR_RUN_ABORTED) { /* an abort is a verdict: reported as usual */
		write_before_wait(s, r);
		infra = judge_server_side(s, r);
	}
	infra = fr_exit_worst(infra, check_ws(s));
	int interrupted = st == FR_RUN_INTERRUPTED || *s->stop; /* a signal in the Prometheus wait too */
	r->interrupted |= interrupted;
	print_summary(s, r);
	enum fr_exit rc = fr_exit_from_slo(fr_report_slo_result(r));
	int unwritten = fr_outputs_write(&s->o->outputs, r, 0) != 0;
	if (s->state_json)
		unlink(s->state_json); /* reported: the checkpoint has done its job */
	publish_verdicts(s->metrics, r);
	if (!interrupted)
		rc = fr_exit_worst(rc, compare_baseline(s, res));
	if (interrupted)
		rc = FR_EXIT_INTERRUPTED;
	else if (unwritten || infra != FR_EXIT_OK)
		rc = FR_EXIT_INFRA;
	if (push_metrics(s) != FR_EXIT_OK && rc == FR_EXIT_OK)
		rc = FR_EXIT_INFRA;
	/* A signal during the linger only cuts it short: the run is reported, its exit code stands. */
	if (s->exporter && !interrupted)
		fr_exporter_linger(s->exporter,
		                   s->o->metrics_linger >= 0 ? s->o->metrics_linger : FR_EXPORTER_LINGER_DEFAULT,
		                   s->stop);
	if (!interrupted && !*s->stop)
		fr_live_page_end(s->live);
	fr_report_free(r);
	fr_results_free(res);
	return rc;
}

void fr_session_free(struct fr_session *s)
{
	if (!s)
		return;
	if (s->have_faults)
		fr_faults_free(s->faults.exec);
	fr_live_page_free(s->live);
	fr_ws_run_free(s->ws);
	fr_toxi_free(s->toxi);
	fr_exporter_free(s->exporter);
	fr_metrics_free(s->metrics);
	json_decref(s->baseline);
	fr_results_free(s->keys);
	free(s->pass_wall);
	free(s->state_json);
	free(s);
}
