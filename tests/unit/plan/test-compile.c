/* test-compile.c: the compiler on hand-built plans — actions, segments, windows, scaling, sweeps.
 *
 * Plans are built as structs here (no loader), so these tests pin the
 * compiler's own rules: action order at one instant, segment cuts at every
 * boundary, each window's exact segment set, and time scaling.
 */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "plan/compile.h"
#include "plan/timeline.h"
#include "util/xmalloc.h"

static struct fr_stage stages_a[] = {
        {.name = "warm", .dur_us = 10000000, .level = 5},
        {.name = "hot", .dur_us = 20000000, .level = 50},
};
static struct fr_stage stages_b[] = {
        {.dur_us = 15000000, .level = 10},
};
static char *proxies_r[] = {"redis"};
static char *proxies_c[] = {"clickhouse"};

/* A plan of two scenarios (closed 10 s + 20 s, websocket 15 s), two faults
 * and one SLO of each window kind. */
static void build_plan(struct fr_plan *p, struct fr_scenario *sc, struct fr_fault *f, struct fr_slo *slo)
{
	memset(p, 0, sizeof *p);
	p->file = "test.yaml";
	p->name = "t";
	sc[0] = (struct fr_scenario){.name = "users", .model = FR_MODEL_CLOSED, .stages = stages_a, .nstages = 2};
	sc[1] = (struct fr_scenario){.name = "viewers", .model = FR_MODEL_WEBSOCKET, .stages = stages_b, .nstages = 1};
	sc[1].ws.publish_rate = 2;
	p->scenarios = sc;
	p->nscenarios = 2;
	f[0] = (struct fr_fault){.name = "slow",
	                         .at_us = 5000000,
	                         .dur_us = 5000000,
	                         .proxies = proxies_r,
	                         .nproxies = 1,
	                         .toxic = FR_TOXIC_LATENCY,
	                         .toxicity = 1,
	                         .attrs = {{"latency", 100}},
	                         .nattrs = 1};
	f[1] = (struct fr_fault){.name = "cut",
	                         .at_us = 12000000,
	                         .dur_us = 3000000,
	                         .proxies = proxies_c,
	                         .nproxies = 1,
	                         .toxic = FR_TOXIC_DOWN,
	                         .toxicity = 1};
	p->faults.items = f;
	p->faults.n = 2;
	slo[0] = (struct fr_slo){.name = "run", .window = FR_WINDOW_RUN};
	slo[1] = (struct fr_slo){.name = "each", .scenario = "users", .window = FR_WINDOW_EACH_STAGE};
	slo[2] = (struct fr_slo){.name = "hot", .window = FR_WINDOW_STAGE, .window_ref = "hot"};
	slo[3] = (struct fr_slo){.name = "during-slow", .window = FR_WINDOW_FAULT, .window_ref = "slow"};
	slo[4] = (struct fr_slo){.name = "calm", .window = FR_WINDOW_NO_FAULT};
	slo[5] = (struct fr_slo){.name = "after",
	                         .window = FR_WINDOW_AFTER_FAULTS,
	                         .after_us = 2000000,
	                         .window_text = "after-faults+2s"};
	p->slos = slo;
	p->nslos = 6;
}

/* "0-5 5-10 …" in seconds for a window's segments. */
static char *segs_text(const struct fr_timeline *tl, const struct fr_window *w)
{
	char *out = xstrdup("");
	for (size_t i = 0; i < w->nsegs; i++) {
		const struct fr_segment *s = &tl->segs[w->segs[i]];
		char *n = xasprintf("%s%s%g-%g", out, i ? " " : "", (double)s->start_us / 1e6, (double)s->end_us / 1e6);
		free(out);
		out = n;
	}
	return out;
}

static void check_window(const struct fr_timeline *tl, size_t i, const char *want, const char *name)
{
	char *got = segs_text(tl, &tl->windows[i]);
	tap_is_str(got, want, name);
	free(got);
}

int main(void)
{
	struct fr_plan p;
	struct fr_scenario sc[2];
	struct fr_fault f[2];
	struct fr_slo slo[6];
	struct fr_diags d = {0};
	struct fr_timeline *tl;

	build_plan(&p, sc, f, slo);
	tap_is_int(fr_compile(&p, 1.0, &d, &tl), 0, "compiles");
	tap_is_int((int64_t)d.n, 0, "no diagnostics");
	tap_is_int(tl->pass_us, 30000000, "a pass lasts as long as the longest scenario");
	/* boundaries: 0 5 10 12 15 17 30 → 6 segments */
	tap_is_int((int64_t)tl->nsegs, 6, "segments cut at every boundary, including the after-faults mark");
	tap_is_int(tl->segs[0].stage[0], 0, "segment 0: users in stage 1");
	tap_is_int(tl->segs[2].stage[0], 1, "segment 2: users in stage 2");
	tap_is_int(tl->segs[4].stage[1], -1, "viewers idle after 15 s");
	tap_is_int(tl->segs[1].nfaults, 1, "5-10 s: one fault active");
	tap_is_int(tl->segs[2].nfaults, 0, "10-12 s: no fault");
	tap_is_int((int64_t)tl->nwindows, 7, "windows: run, 2 stages, hot, fault, no-fault, after");
	check_window(tl, 0, "0-5 5-10 10-12 12-15 15-17 17-30", "run covers the pass");
	check_window(tl, 1, "0-5 5-10", "each-stage: stage 1");
	check_window(tl, 2, "10-12 12-15 15-17 17-30", "each-stage: stage 2");
	check_window(tl, 3, "10-12 12-15 15-17 17-30", "stage:hot");
	check_window(tl, 4, "5-10", "fault:slow");
	check_window(tl, 5, "0-5 10-12 15-17 17-30", "no-fault");
	check_window(tl, 6, "17-30", "after-faults+2s starts 2 s after the last fault ends");
	tap_is_int((int64_t)tl->totals.peak_users, 50, "peak users");
	tap_is_int((int64_t)tl->totals.peak_viewers, 10, "peak viewers");
	tap_is_int((int64_t)tl->totals.planned_events, 30, "planned events = 2/s x 15 s");
	tap_is_int(tl->totals.fault_us, 8000000, "fault time per pass");
	tap_is_int(fr_timeline_segment_at(tl, 0, 11999999), 2, "segment_at: just before a boundary");
	tap_is_int(fr_timeline_segment_at(tl, 0, 12000000), 3, "segment_at: on a boundary");
	tap_is_int(fr_timeline_segment_at(tl, 0, 99000000), 5, "segment_at: past the end");
	/* at 10 s the stage changes and the slow fault ends: fault-off sorts first */
	int saw_off = 0, order_ok = 1;
	for (size_t i = 0; i < tl->nactions; i++) {
		if (tl->actions[i].at_us != 10000000)
			continue;
		if (tl->actions[i].kind == FR_ACT_FAULT_OFF)
			saw_off = 1;
		if (tl->actions[i].kind == FR_ACT_STAGE && !saw_off)
			order_ok = 0;
	}
	tap_ok(saw_off && order_ok, "at one instant a fault is removed before the next stage starts");
	fr_timeline_free(tl);

	tap_is_int(fr_compile(&p, 0.1, &d, &tl), 0, "compiles at time scale 0.1");
	tap_is_int(tl->pass_us, 3000000, "scaled pass");
	check_window(tl, 6, "1.7-3", "after-faults offset is scaled too");
	fr_timeline_free(tl);

	/* a fault that ends after the run */
	f[1].at_us = 29000000;
	tap_is_int(fr_compile(&p, 1.0, &d, &tl), -1, "a fault past the end is an error");
	tap_is_str(d.n ? d.items[0].message : NULL, "fault 'cut' ends at 32.000s, after the run ends (30.000s)",
	           "its message");
	fr_diag_clear(&d);
	f[1].at_us = 12000000;

	/* a sweep repeats the pass */
	char *values[] = {"1", "5", "10"};
	p.sweep_param = "widgets";
	p.sweep_values = values;
	p.nsweep = 3;
	tap_is_int(fr_compile(&p, 1.0, &d, &tl), 0, "compiles with a sweep");
	tap_is_int(tl->npasses, 3, "one pass per value");
	tap_is_int(tl->totals.duration_us, 90000000, "duration of all passes");
	tap_is_int((int64_t)tl->nwindows, 21, "windows repeated per pass");
	tap_is_int(tl->segs[tl->pass_seg[2]].start_us, 60000000, "pass 3 starts at 60 s");
	check_window(tl, 11, "35-40", "fault window of pass 2");
	tap_is_int(fr_timeline_segment_at(tl, 1, 41000000), (int64_t)tl->pass_seg[1] + 2, "segment_at in pass 2");
	fr_timeline_free(tl);
	return tap_done();
}
