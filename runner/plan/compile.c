/* compile.c: a checked plan → the timeline of actions, its segments and SLO windows.
 *
 * No I/O happens here, so the whole of it is tested by comparing `flowrun plan`
 * output with golden text. The work is done per pass (one per sweep value):
 * stage changes, scenario stops and fault on/off actions are laid out at their
 * scaled offsets; windows that start at a moment nothing else marks (the
 * "after-faults+D" recovery windows) add an action of their own so that a
 * segment boundary falls exactly there. Every distinct action time then cuts
 * the pass into segments, and every SLO window becomes the list of segments it
 * covers. Later passes repeat the first one shifted by pass_us.
 */
#include "plan/compile.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/xmalloc.h"

/* A growable array of actions. */
struct actions {
	struct fr_action *v;
	size_t n, cap;
};

/* Appends a blank action (no scenario, stage, fault or window) of KIND at AT_US. */
static struct fr_action *action_push(struct actions *a, enum fr_action_kind kind, int64_t at_us, int pass)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 64;
		a->v = xreallocarray(a->v, a->cap, sizeof *a->v);
	}
	struct fr_action *act = &a->v[a->n++];
	memset(act, 0, sizeof *act);
	act->kind = kind;
	act->at_us = at_us;
	act->pass = pass;
	act->scenario = act->stage = act->fault = act->window = -1;
	return act;
}

/* Scales a duration, rounding to the microsecond. */
static int64_t scaled(int64_t us, double scale)
{
	return (int64_t)llround((double)us * scale);
}

/* Order of kinds at one instant: a pass starts first, ends last; what stops
 * comes before what starts, so a segment never sees both. */
static int kind_rank(enum fr_action_kind k)
{
	switch (k) {
	case FR_ACT_PASS: return 0;
	case FR_ACT_WINDOW_CLOSE: return 1;
	case FR_ACT_FAULT_OFF: return 2;
	case FR_ACT_STOP: return 3;
	case FR_ACT_STAGE: return 4;
	case FR_ACT_FAULT_ON: return 5;
	case FR_ACT_WINDOW_OPEN: return 6;
	case FR_ACT_END: return 7;
	}
	return 8;
}

/* Orders actions by time, then kind rank, then index, so equal plans give equal timelines. */
static int action_cmp(const void *va, const void *vb)
{
	const struct fr_action *a = va, *b = vb;

	if (a->at_us != b->at_us)
		return a->at_us < b->at_us ? -1 : 1;
	if (kind_rank(a->kind) != kind_rank(b->kind))
		return kind_rank(a->kind) - kind_rank(b->kind);
	if (a->scenario != b->scenario)
		return a->scenario - b->scenario;
	if (a->fault != b->fault)
		return a->fault - b->fault;
	return a->window - b->window;
}

/* Length of a scenario: its stages added up, scaled. */
static int64_t scenario_us(const struct fr_scenario *sc, double scale)
{
	int64_t t = 0;
	for (size_t i = 0; i < sc->nstages; i++)
		t += scaled(sc->stages[i].dur_us, scale);
	return t;
}

/* End of the last fault of a pass, relative to the pass start (0 without faults). */
static int64_t last_fault_end(const struct fr_plan *plan, double scale)
{
	int64_t end = 0;
	for (size_t i = 0; i < plan->faults.n; i++) {
		const struct fr_fault *f = &plan->faults.items[i];
		int64_t e = scaled(f->at_us, scale) + scaled(f->dur_us, scale);
		if (e > end)
			end = e;
	}
	return end;
}

/* Lays out the stage and stop actions of every scenario for one pass. */
static void add_stage_actions(struct actions *a, const struct fr_plan *plan, double scale, int64_t base,
                              int64_t pass_us, int pass)
{
	for (size_t s = 0; s < plan->nscenarios; s++) {
		const struct fr_scenario *sc = &plan->scenarios[s];
		int64_t t = base;
		double prev = 0;
		for (size_t i = 0; i < sc->nstages; i++) {
			struct fr_action *act = action_push(a, FR_ACT_STAGE, t, pass);
			act->scenario = (int)s;
			act->stage = (int)i;
			act->level = sc->stages[i].level;
			act->from = prev;
			prev = sc->stages[i].level;
			t += scaled(sc->stages[i].dur_us, scale);
		}
		if (t < base + pass_us) {
			struct fr_action *act = action_push(a, FR_ACT_STOP, t, pass);
			act->scenario = (int)s;
			act->from = prev;
		}
	}
}

/* Lays out fault on/off actions for one pass. */
static void add_fault_actions(struct actions *a, const struct fr_plan *plan, double scale, int64_t base, int pass)
{
	for (size_t i = 0; i < plan->faults.n; i++) {
		const struct fr_fault *f = &plan->faults.items[i];
		int64_t on = base + scaled(f->at_us, scale);
		struct fr_action *act = action_push(a, FR_ACT_FAULT_ON, on, pass);
		act->fault = (int)i;
		act = action_push(a, FR_ACT_FAULT_OFF, on + scaled(f->dur_us, scale), pass);
		act->fault = (int)i;
	}
}

/* The scenario an SLO is about: given, or the one holding its request. */
static int slo_scenario(const struct fr_plan *plan, const struct fr_slo *slo)
{
	if (slo->scenario) {
		for (size_t s = 0; s < plan->nscenarios; s++)
			if (strcmp(plan->scenarios[s].name, slo->scenario) == 0)
				return (int)s;
		return -1;
	}
	if (slo->request) {
		for (size_t s = 0; s < plan->nscenarios; s++) {
			const struct fr_scenario *sc = &plan->scenarios[s];
			for (size_t r = 0; r < sc->nrequests; r++) {
				const struct fr_request *rq = &sc->requests[r];
				if (rq->name && strcmp(rq->name, slo->request) == 0)
					return (int)s;
				for (size_t k = 0; k < rq->nsteps; k++)
					if (rq->steps[k].name && strcmp(rq->steps[k].name, slo->request) == 0)
						return (int)s;
			}
		}
	}
	if (slo->series == FR_SERIES_DELIVERY || slo->series == FR_SERIES_CONNECT || slo->stat == FR_STAT_LOST) {
		for (size_t s = 0; s < plan->nscenarios; s++)
			if (plan->scenarios[s].model == FR_MODEL_WEBSOCKET)
				return (int)s;
	}
	/* each-stage without a scenario: the scenario with the most stages */
	int best = plan->nscenarios ? 0 : -1;
	for (size_t s = 1; s < plan->nscenarios; s++)
		if (plan->scenarios[s].nstages > plan->scenarios[best].nstages)
			best = (int)s;
	return best;
}

/* Finds a named stage: its scenario and index. */
static int find_stage(const struct fr_plan *plan, const char *name, int *scenario_out)
{
	for (size_t s = 0; s < plan->nscenarios; s++)
		for (size_t i = 0; i < plan->scenarios[s].nstages; i++) {
			const char *n = plan->scenarios[s].stages[i].name;
			if (n && strcmp(n, name) == 0) {
				*scenario_out = (int)s;
				return (int)i;
			}
		}
	return -1;
}

/* Adds the window-open actions that mark where after-faults windows start. */
static void add_window_marks(struct actions *a, const struct fr_plan *plan, double scale, int64_t base, int64_t pass_us,
                             int pass)
{
	int64_t end = last_fault_end(plan, scale);
	for (size_t i = 0; i < plan->nslos; i++) {
		const struct fr_slo *slo = &plan->slos[i];
		if (slo->window != FR_WINDOW_AFTER_FAULTS)
			continue;
		int64_t at = end + scaled(slo->after_us, scale);
		if (at >= pass_us)
			continue;
		struct fr_action *act = action_push(a, FR_ACT_WINDOW_OPEN, base + at, pass);
		act->window = (int)i; /* the SLO index until windows are numbered */
	}
}

/* Orders fault indices by their on time, for the segment sweep. */
static int fault_on_cmp(const void *va, const void *vb, void *arg)
{
	const struct fr_plan *plan = arg;
	int64_t a = plan->faults.items[*(const int *)va].at_us;
	int64_t b = plan->faults.items[*(const int *)vb].at_us;
	return a < b ? -1 : a > b;
}

/* Per-pass state of the segment sweep: the active stage of each scenario and
 * the active faults, advanced monotonically as segments go forward in time. */
struct sweep {
	int *stage;   /* per scenario: current stage index */
	int64_t *end; /* per scenario: absolute end of that stage */
	int *order;   /* fault indices by on time */
	size_t next;  /* next fault in order to switch on */
	int *active;  /* active faults */
	int nactive;
};

/* Moves the sweep to absolute time T. */
static void sweep_advance(struct sweep *sw, const struct fr_plan *plan, double scale, int64_t base, int64_t t)
{
	for (size_t s = 0; s < plan->nscenarios; s++) {
		const struct fr_scenario *sc = &plan->scenarios[s];
		while (sw->stage[s] < (int)sc->nstages && t >= sw->end[s]) {
			sw->stage[s]++;
			if (sw->stage[s] < (int)sc->nstages)
				sw->end[s] += scaled(sc->stages[sw->stage[s]].dur_us, scale);
		}
	}
	int out = 0;
	for (int i = 0; i < sw->nactive; i++) {
		const struct fr_fault *f = &plan->faults.items[sw->active[i]];
		if (t < base + scaled(f->at_us, scale) + scaled(f->dur_us, scale))
			sw->active[out++] = sw->active[i];
	}
	sw->nactive = out;
	while (sw->next < plan->faults.n) {
		int fi = sw->order[sw->next];
		const struct fr_fault *f = &plan->faults.items[fi];
		int64_t on = base + scaled(f->at_us, scale);
		if (t < on)
			break;
		sw->next++;
		if (t < on + scaled(f->dur_us, scale))
			sw->active[sw->nactive++] = fi;
	}
}

/* Cuts one pass into segments at every distinct action time. */
static void cut_segments(struct fr_timeline *tl, const struct fr_action *acts, size_t nacts, int64_t base,
                         int64_t pass_us, int pass, size_t *cap)
{
	const struct fr_plan *plan = tl->plan;
	double scale = tl->time_scale;
	size_t nsc = plan->nscenarios, nf = plan->faults.n;
	struct sweep sw = {
	        .stage = xcalloc(nsc + 1, sizeof(int)),
	        .end = xcalloc(nsc + 1, sizeof(int64_t)),
	        .order = xcalloc(nf + 1, sizeof(int)),
	        .active = xcalloc(nf + 1, sizeof(int)),
	};
	int64_t start = base;

	for (size_t s = 0; s < nsc; s++)
		sw.end[s] =
		        base + (plan->scenarios[s].nstages ? scaled(plan->scenarios[s].stages[0].dur_us, scale) : 0);
	for (size_t f = 0; f < nf; f++)
		sw.order[f] = (int)f;
	qsort_r(sw.order, nf, sizeof *sw.order, fault_on_cmp, (void *)plan);
	for (size_t i = 0; i <= nacts && start < base + pass_us; i++) {
		int64_t t = i < nacts ? acts[i].at_us : base + pass_us;
		if (t <= start)
			continue;
		if (t > base + pass_us)
			t = base + pass_us;
		if (tl->nsegs == *cap) {
			*cap = *cap ? *cap * 2 : 64;
			tl->segs = xreallocarray(tl->segs, *cap, sizeof *tl->segs);
		}
		sweep_advance(&sw, plan, scale, base, start);
		struct fr_segment *seg = &tl->segs[tl->nsegs++];
		seg->start_us = start;
		seg->end_us = t;
		seg->pass = pass;
		seg->stage = xcalloc(nsc + 1, sizeof *seg->stage);
		for (size_t s = 0; s < nsc; s++)
			seg->stage[s] = sw.stage[s] < (int)plan->scenarios[s].nstages ? sw.stage[s] : -1;
		seg->nfaults = sw.nactive;
		seg->faults = NULL;
		if (sw.nactive) {
			seg->faults = xcalloc((size_t)sw.nactive, sizeof *seg->faults);
			memcpy(seg->faults, sw.active, (size_t)sw.nactive * sizeof *seg->faults);
		}
		start = t;
	}
	free(sw.stage);
	free(sw.end);
	free(sw.order);
	free(sw.active);
}

/* Appends a segment index to a window. */
static void window_add(struct fr_window *w, int seg)
{
	if ((w->nsegs & (w->nsegs - 1)) == 0) /* capacity doubles at powers of two */
		w->segs = xreallocarray(w->segs, w->nsegs ? w->nsegs * 2 : 1, sizeof *w->segs);
	w->segs[w->nsegs++] = seg;
}

/* A new window for SLO in PASS. */
static struct fr_window *window_new(struct fr_timeline *tl, int slo, int pass, const char *label)
{
	tl->windows = xreallocarray(tl->windows, tl->nwindows + 1, sizeof *tl->windows);
	struct fr_window *w = &tl->windows[tl->nwindows++];
	memset(w, 0, sizeof *w);
	w->slo = slo;
	w->pass = pass;
	w->scenario = w->stage = -1;
	w->label = xstrdup(label);
	w->over_us = scaled(tl->plan->slos[slo].over_us, tl->time_scale);
	w->sustained_us = scaled(tl->plan->slos[slo].sustained_us, tl->time_scale);
	return w;
}

/* Does segment SEG belong to the window of SLO (for the simple kinds)? */
static int seg_in_window(const struct fr_timeline *tl, const struct fr_segment *seg, const struct fr_slo *slo,
                         int stage_scenario, int stage, int fault, int64_t after_abs)
{
	switch (slo->window) {
	case FR_WINDOW_RUN: return 1;
	case FR_WINDOW_EACH_STAGE:
	case FR_WINDOW_STAGE: return stage_scenario >= 0 && seg->stage[stage_scenario] == stage;
	case FR_WINDOW_FAULT:
		for (int i = 0; i < seg->nfaults; i++)
			if (seg->faults[i] == fault)
				return 1;
		return 0;
	case FR_WINDOW_NO_FAULT: return seg->nfaults == 0;
	case FR_WINDOW_AFTER_FAULTS: return seg->start_us >= after_abs;
	}
	(void)tl;
	return 0;
}

/* Fills a window with the segments of its pass that belong to it. */
static void window_fill(struct fr_timeline *tl, struct fr_window *w, const struct fr_slo *slo, int stage_scenario,
                        int stage, int fault, int64_t after_abs)
{
	for (size_t i = tl->pass_seg[w->pass]; i < tl->pass_seg[w->pass + 1]; i++) {
		const struct fr_segment *seg = &tl->segs[i];
		if (!seg_in_window(tl, seg, slo, stage_scenario, stage, fault, after_abs))
			continue;
		if (w->nsegs == 0)
			w->start_us = seg->start_us;
		w->end_us = seg->end_us;
		window_add(w, (int)i);
	}
}

/* Builds the windows of one SLO in one pass; returns -1 with a diagnostic
 * when the window is empty by construction. */
static int build_windows(struct fr_timeline *tl, int si, int pass, struct fr_diags *diags)
{
	const struct fr_plan *plan = tl->plan;
	const struct fr_slo *slo = &plan->slos[si];
	int64_t base = (int64_t)pass * tl->pass_us;
	const char *text = slo->window_text ? slo->window_text : "run";

	if (slo->window == FR_WINDOW_EACH_STAGE) {
		int sc = slo_scenario(plan, slo);
		if (sc < 0)
			return 0;
		size_t first = tl->nwindows;
		for (size_t k = 0; k < plan->scenarios[sc].nstages; k++) {
			const struct fr_stage *st = &plan->scenarios[sc].stages[k];
			char *label = st->name ? xasprintf("stage:%s", st->name) : xasprintf("stage %zu", k + 1);
			struct fr_window *w = window_new(tl, si, pass, label);
			free(label);
			w->scenario = sc;
			w->stage = (int)k;
		}
		for (size_t i = tl->pass_seg[pass]; i < tl->pass_seg[pass + 1]; i++) {
			int k = tl->segs[i].stage[sc];
			if (k < 0)
				continue;
			struct fr_window *w = &tl->windows[first + (size_t)k];
			if (w->nsegs == 0)
				w->start_us = tl->segs[i].start_us;
			w->end_us = tl->segs[i].end_us;
			window_add(w, (int)i);
		}
		return 0;
	}
	int stage_sc = -1, stage = -1, fault = -1;
	int64_t after_abs = 0;
	if (slo->window == FR_WINDOW_STAGE) {
		stage = find_stage(plan, slo->window_ref, &stage_sc);
	} else if (slo->window == FR_WINDOW_FAULT) {
		fault = fr_plan_fault_index(plan, slo->window_ref);
	} else if (slo->window == FR_WINDOW_AFTER_FAULTS) {
		int64_t rel = last_fault_end(plan, tl->time_scale) + scaled(slo->after_us, tl->time_scale);
		if (rel >= tl->pass_us) {
			fr_diag_add(diags, slo->pos,
			            "window '%s' of SLO '%s' starts at %.3fs, after the run ends (%.3fs)", text,
			            slo->name, (double)rel / 1e6, (double)tl->pass_us / 1e6);
			return -1;
		}
		after_abs = base + rel;
	}
	struct fr_window *w = window_new(tl, si, pass, text);
	w->scenario = stage_sc;
	w->stage = stage;
	window_fill(tl, w, slo, stage_sc, stage, fault, after_abs);
	if (w->nsegs == 0 && slo->window == FR_WINDOW_NO_FAULT) {
		fr_diag_add(diags, slo->pos, "window 'no-fault' of SLO '%s' is empty: faults cover the whole run",
		            slo->name);
		return -1;
	}
	return 0;
}

/* Peak of the summed levels of MODEL scenarios over the segments of pass 0. */
static double peak_level(const struct fr_timeline *tl, enum fr_model model)
{
	const struct fr_plan *plan = tl->plan;
	double peak = 0;

	for (size_t i = tl->pass_seg[0]; i < tl->pass_seg[1]; i++) {
		double sum = 0;
		for (size_t s = 0; s < plan->nscenarios; s++) {
			const struct fr_scenario *sc = &plan->scenarios[s];
			int k = tl->segs[i].stage[s];
			if (sc->model == model && k >= 0)
				sum += sc->stages[k].level;
		}
		if (sum > peak)
			peak = sum;
	}
	return peak;
}

/* Expected totals of the whole run. */
static void compute_totals(struct fr_timeline *tl)
{
	const struct fr_plan *plan = tl->plan;
	struct fr_totals *t = &tl->totals;

	t->duration_us = tl->pass_us * tl->npasses;
	for (size_t s = 0; s < plan->nscenarios; s++) {
		const struct fr_scenario *sc = &plan->scenarios[s];
		for (size_t k = 0; k < sc->nstages; k++) {
			double secs = (double)scaled(sc->stages[k].dur_us, tl->time_scale) / 1e6;
			if (sc->model == FR_MODEL_OPEN)
				t->planned_requests += sc->stages[k].level * secs * tl->npasses;
		}
		if (sc->model == FR_MODEL_WEBSOCKET)
			t->planned_events +=
			        sc->ws.publish_rate * (double)scenario_us(sc, tl->time_scale) / 1e6 * tl->npasses;
	}
	t->peak_users = peak_level(tl, FR_MODEL_CLOSED);
	t->peak_viewers = peak_level(tl, FR_MODEL_WEBSOCKET);
	t->fault_windows = plan->faults.n * (size_t)tl->npasses;
	for (size_t i = 0; i < plan->faults.n; i++)
		t->fault_us += scaled(plan->faults.items[i].dur_us, tl->time_scale);
	t->slos = plan->nslos;
}

/* Lays out every pass, cuts segments and fills the SLO windows. */
int fr_compile(const struct fr_plan *plan, double time_scale, struct fr_diags *diags, struct fr_timeline **tl_out)
{
	struct fr_timeline *tl = xcalloc(1, sizeof *tl);
	struct actions a = {0};
	size_t segcap = 0;
	int rc = 0;

	*tl_out = NULL;
	tl->plan = plan;
	tl->time_scale = time_scale;
	tl->npasses = plan->nsweep ? (int)plan->nsweep : 1;
	for (size_t s = 0; s < plan->nscenarios; s++) {
		int64_t d = scenario_us(&plan->scenarios[s], time_scale);
		if (d > tl->pass_us)
			tl->pass_us = d;
	}
	if (tl->pass_us <= 0) {
		fr_diag_add(diags, (struct fr_pos){plan->file, 1, 1}, "the plan has no load: its stages last 0s");
		fr_timeline_free(tl);
		return -1;
	}
	for (size_t i = 0; i < plan->faults.n; i++) {
		const struct fr_fault *f = &plan->faults.items[i];
		if (scaled(f->at_us, time_scale) + scaled(f->dur_us, time_scale) > tl->pass_us) {
			fr_diag_add(diags, f->pos, "fault '%s' ends at %.3fs, after the run ends (%.3fs)", f->name,
			            (double)(scaled(f->at_us, time_scale) + scaled(f->dur_us, time_scale)) / 1e6,
			            (double)tl->pass_us / 1e6);
			rc = -1;
		}
	}
	tl->pass_seg = xcalloc((size_t)tl->npasses + 1, sizeof *tl->pass_seg);
	for (int p = 0; p < tl->npasses; p++) {
		int64_t base = (int64_t)p * tl->pass_us;
		size_t first = a.n;
		action_push(&a, FR_ACT_PASS, base, p);
		add_stage_actions(&a, plan, time_scale, base, tl->pass_us, p);
		add_fault_actions(&a, plan, time_scale, base, p);
		add_window_marks(&a, plan, time_scale, base, tl->pass_us, p);
		action_push(&a, FR_ACT_END, base + tl->pass_us, p);
		qsort(a.v + first, a.n - first, sizeof *a.v, action_cmp);
		tl->pass_seg[p] = tl->nsegs;
		cut_segments(tl, a.v + first, a.n - first, base, tl->pass_us, p, &segcap);
		tl->pass_seg[p + 1] = tl->nsegs;
	}
	tl->actions = a.v;
	tl->nactions = a.n;
	for (int p = 0; p < tl->npasses && rc == 0; p++)
		for (size_t i = 0; i < plan->nslos; i++)
			if (build_windows(tl, (int)i, p, diags) < 0)
				rc = -1;
	/* window-open marks point at their window now that windows exist */
	for (size_t i = 0; i < tl->nactions; i++) {
		struct fr_action *act = &tl->actions[i];
		if (act->kind != FR_ACT_WINDOW_OPEN)
			continue;
		for (size_t w = 0; w < tl->nwindows; w++)
			if (tl->windows[w].slo == act->window && tl->windows[w].pass == act->pass) {
				act->window = (int)w;
				break;
			}
	}
	if (rc < 0) {
		fr_timeline_free(tl);
		return -1;
	}
	compute_totals(tl);
	*tl_out = tl;
	return 0;
}
