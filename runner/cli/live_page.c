/* live_page.c: the --ui live page — view, page and server together (see live_page.h).
 *
 * The data callback runs on the server's thread at most once a second: it
 * merges the workers' mirrors (live_view.h), judges the SLOs on what there
 * is so far (windows that have not begun have no data yet, and the page says
 * "pending"), and writes the same view the final report embeds.
 */
#include "cli/live_page.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/live_view.h"
#include "observe/ui_server.h"
#include "result/report.h"
#include "result/report_html.h"
#include "result/report_json.h"
#include "result/report_view.h"
#include "result/timeseries.h"
#include "util/clock.h"
#include "util/redact.h"
#include "util/xmalloc.h"

struct fr_live_page {
	const struct fr_timeline *tl;
	const char *run_id;
	struct fr_live_view *view;
	struct fr_ui_server *server;
};

/* The current stage of every active scenario, for people: "queries: users-50 (50)". */
static json_t *stages_text(const struct fr_timeline *tl, const struct fr_live_progress *pr)
{
	json_t *a = json_array();
	for (size_t s = 0; s < tl->plan->nscenarios; s++) {
		int st = pr->stage[s];
		if (st < 0)
			continue;
		const struct fr_scenario *sc = &tl->plan->scenarios[s];
		char *t = sc->stages[st].name
		                  ? xasprintf("%s: %s (%g)", sc->name, sc->stages[st].name, sc->stages[st].level)
		                  : xasprintf("%s: stage %d (%g)", sc->name, st + 1, sc->stages[st].level);
		json_array_append_new(a, json_string(t));
		free(t);
	}
	return a;
}

/* Requests so far and the p99 of the last complete interval, over the top-level keys. */
static void totals(const struct fr_results *res, int64_t elapsed_us, json_t *live)
{
	const struct fr_timeseries *s = res->series;
	size_t last = fr_timeseries_interval(s, elapsed_us);
	struct fr_ivhist h = {0};
	uint64_t n = 0;
	for (size_t k = 0; k < res->nkeys; k++) {
		if (res->keys[k].parent >= 0)
			continue;
		for (size_t i = 0; i < s->nintervals; i++)
			n += fr_timeseries_requests(fr_timeseries_get(s, (int)k, i));
		if (last > 0)
			fr_ivhist_merge(&h, &fr_timeseries_get(s, (int)k, last - 1)->latency);
	}
	json_object_set_new(live, "requests", json_integer((json_int_t)n));
	json_object_set_new(live, "p99_us", h.n ? json_integer(fr_ivhist_quantile(&h, 0.99)) : json_null());
	fr_ivhist_clear(&h);
}

/* The live object: progress, stages, faults, totals. */
static json_t *live_json(struct fr_live_page *p, const struct fr_results *res, const struct fr_live_progress *pr)
{
	json_t *o = json_object(), *faults = json_array();
	json_object_set_new(o, "started", json_boolean(pr->started));
	json_object_set_new(o, "done", json_boolean(pr->done));
	json_object_set_new(o, "elapsed_us", json_integer((json_int_t)pr->elapsed_us));
	json_object_set_new(o, "total_us", json_integer((json_int_t)p->tl->totals.duration_us));
	json_object_set_new(o, "pass", json_integer(pr->pass));
	json_object_set_new(o, "stages", stages_text(p->tl, pr));
	for (int f = 0; f < pr->nfaults; f++)
		json_array_append_new(faults, json_string(p->tl->plan->faults.items[pr->faults[f]].name));
	json_object_set_new(o, "faults", faults);
	totals(res, pr->elapsed_us, o);
	return o;
}

/* /data.json: the report's view of the results so far, with the live object. */
static char *data(void *arg, size_t *len_out)
{
	struct fr_live_page *p = arg;
	struct fr_live_progress pr;
	fr_live_view_progress(p->view, &pr);
	struct fr_results *res = fr_live_view_snapshot(p->view);
	res->elapsed_us = pr.elapsed_us;
	res->started_unix_us = fr_clock_wall_us() - pr.elapsed_us;
	struct fr_report *r = fr_report_build(res, p->run_id);
	json_t *doc = fr_report_json_doc(r);
	json_t *view = fr_report_view(doc, res->series);
	json_object_set_new(view, "live", live_json(p, res, &pr));
	char *text = json_dumps(view, JSON_COMPACT | JSON_REAL_PRECISION(8));
	if (text && fr_redact_active()) { /* a value from ${env:} never leaves (util/redact.h) */
		char *clean = fr_redact(text);
		free(text);
		text = clean;
	}
	*len_out = text ? strlen(text) : 0;
	json_decref(view);
	json_decref(doc);
	fr_report_free(r);
	fr_results_free(res);
	return text;
}

/* Writes the live page (the report fetching /data.json) into a string. */
static char *live_html(size_t *len_out)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len_out);
	fr_report_html_write(f, NULL, "/data.json");
	fclose(f);
	return text;
}

enum fr_exit fr_live_page_open(const char *listen, const struct fr_timeline *tl, const char *run_id,
                               int64_t interval_us, int quiet, struct fr_live_page **p_out)
{
	struct fr_live_page *p = xcalloc(1, sizeof *p);
	p->tl = tl;
	p->run_id = run_id;
	p->view = fr_live_view_create(tl, interval_us);
	size_t len;
	char *page = live_html(&len), *err = NULL;
	enum fr_ui_status st = fr_ui_server_start(listen, page, len, data, p, &p->server, &err);
	free(page);
	*p_out = NULL;
	if (st != FR_UI_OK) {
		fprintf(stderr, "flowrun: %s\n", err ? err : "cannot start the live page");
		free(err);
		fr_live_page_free(p);
		return st == FR_UI_BAD_ADDRESS ? FR_EXIT_USAGE : FR_EXIT_INFRA;
	}
	(void)quiet; /* asked for a page: where it is matters even to a quiet run */
	fprintf(stderr, "flowrun: live page at %s\n", fr_ui_server_url(p->server));
	*p_out = p;
	return FR_EXIT_OK;
}

const struct fr_run_hooks *fr_live_page_hooks(struct fr_live_page *p)
{
	return fr_live_view_hooks(p->view);
}

void fr_live_page_end(struct fr_live_page *p)
{
	if (!p || !fr_ui_server_data_served(p->server))
		return; /* nobody is watching */
	/* the page fetches once a second and the data is remade after 1 s:
	 * the second fetch from now is surely the final state */
	unsigned long before = fr_ui_server_data_served(p->server);
	int64_t until = fr_clock_mono_ns() + 3000000000;
	while (fr_ui_server_data_served(p->server) < before + 2 && fr_clock_mono_ns() < until)
		fr_clock_sleep(0.05, NULL);
}

void fr_live_page_free(struct fr_live_page *p)
{
	if (!p)
		return;
	fr_ui_server_free(p->server);
	fr_live_view_free(p->view);
	free(p);
}
