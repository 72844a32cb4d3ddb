/* timeline_print.c: the compiled timeline as text and as JSON (`flowrun plan`).
 *
 * The text form is an aligned table of actions followed by the expected
 * totals; it is what the golden tests compare, so its format is part of the
 * interface: change it only together with tests/golden/. The JSON form
 * carries the same rows and totals for tools.
 */
#include "plan/timeline_print.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "plan/grammar.h"
#include "util/buf.h"
#include "util/fmt.h"
#include "util/xmalloc.h"

/* Appends a level with its unit: "50 users", "20/s", "10 viewers". */
static void put_level(struct fr_buf *b, enum fr_model model, double level)
{
	switch (model) {
	case FR_MODEL_CLOSED: fr_buf_printf(b, "%g users", level); return;
	case FR_MODEL_OPEN: fr_buf_printf(b, "%g/s", level); return;
	case FR_MODEL_WEBSOCKET: fr_buf_printf(b, "%g viewers", level); return;
	}
	fr_buf_adds(b, "?");
}

/* Appends one toxic attribute in the unit it is sent to Toxiproxy in: " latency=500ms". */
static void put_attr(struct fr_buf *b, enum fr_toxic toxic, const struct fr_toxic_attr *a)
{
	fr_buf_printf(b, " %s=%" PRId64 "%s", a->name, a->value, fr_grammar_attr_suffix(toxic, a->name));
}

/* "redis+clickhouse latency latency=500ms jitter=0ms" (caller frees). */
static char *fmt_fault(const struct fr_fault *f)
{
	struct fr_buf b = {0};

	for (size_t i = 0; i < f->nproxies; i++)
		fr_buf_printf(&b, "%s%s", i ? "+" : "", f->proxies[i]);
	fr_buf_printf(&b, " %s", fr_toxic_name(f->toxic));
	for (size_t i = 0; i < f->nattrs; i++)
		put_attr(&b, f->toxic, &f->attrs[i]);
	if (f->upstream)
		fr_buf_adds(&b, " stream=upstream");
	if (f->toxicity < 1.0)
		fr_buf_printf(&b, " toxicity=%g", f->toxicity);
	return fr_buf_take(&b);
}

/* The subject and detail columns of one action (caller frees both). */
static void describe(const struct fr_timeline *tl, const struct fr_action *a, char **subject, char **detail)
{
	const struct fr_plan *plan = tl->plan;
	const struct fr_scenario *sc = a->scenario >= 0 ? &plan->scenarios[a->scenario] : NULL;

	switch (a->kind) {
	case FR_ACT_PASS:
	case FR_ACT_END:
		*subject = xasprintf("pass %d/%d", a->pass + 1, tl->npasses);
		if (plan->sweep_param && a->kind == FR_ACT_PASS)
			*detail = xasprintf("%s=%s", plan->sweep_param, plan->sweep_values[a->pass]);
		else
			*detail = xstrdup(a->kind == FR_ACT_PASS && (plan->nsetup || plan->auth) ? "setup"
			                  : a->kind == FR_ACT_END && plan->nteardown             ? "teardown"
			                                                                         : "");
		break;
	case FR_ACT_STAGE: {
		const struct fr_stage *st = &sc->stages[a->stage];
		char dur[FR_FMT_LEN];
		struct fr_buf b = {0};
		put_level(&b, sc->model, a->level);
		fr_buf_printf(&b, " for %s (stage %d",
		              fr_fmt_duration(dur, sizeof dur, (int64_t)llround((double)st->dur_us * tl->time_scale)),
		              a->stage + 1);
		if (st->name)
			fr_buf_printf(&b, ", %s", st->name);
		fr_buf_adds(&b, ")");
		*subject = xstrdup(sc->name);
		*detail = fr_buf_take(&b);
		break;
	}
	case FR_ACT_STOP:
		*subject = xstrdup(sc->name);
		*detail = xstrdup("done");
		break;
	case FR_ACT_FAULT_ON:
	case FR_ACT_FAULT_OFF:
		*subject = xstrdup(plan->faults.items[a->fault].name);
		*detail = a->kind == FR_ACT_FAULT_ON ? fmt_fault(&plan->faults.items[a->fault]) : xstrdup("removed");
		break;
	case FR_ACT_WINDOW_OPEN:
	case FR_ACT_WINDOW_CLOSE:
		if (a->window >= 0) {
			const struct fr_window *w = &tl->windows[a->window];
			*subject = xstrdup(plan->slos[w->slo].name);
			*detail = xstrdup(w->label);
		} else {
			*subject = xstrdup("");
			*detail = xstrdup("");
		}
		break;
	default: *subject = xstrdup(""); *detail = xstrdup("");
	}
}

/* Prints "  label  value" lines of the totals. */
static void print_totals(const struct fr_timeline *tl, FILE *out)
{
	const struct fr_totals *t = &tl->totals;
	char dur[FR_FMT_LEN], fdur[FR_FMT_LEN];

	fr_fmt_duration(dur, sizeof dur, t->duration_us);
	fr_fmt_duration(fdur, sizeof fdur, t->fault_us);

	fprintf(out, "\ntotals\n");
	fprintf(out, "  %-18s %s", "duration", dur);
	if (tl->npasses > 1)
		fprintf(out, " (%d passes)", tl->npasses);
	fputc('\n', out);
	fprintf(out, "  %-18s %.0f\n", "planned requests", t->planned_requests);
	if (t->planned_events > 0)
		fprintf(out, "  %-18s %.0f\n", "planned events", t->planned_events);
	fprintf(out, "  %-18s %.0f\n", "peak users", t->peak_users);
	fprintf(out, "  %-18s %.0f\n", "peak viewers", t->peak_viewers);
	if (t->fault_windows)
		fprintf(out, "  %-18s %zu (%s per pass)\n", "fault windows", t->fault_windows, fdur);
	else
		fprintf(out, "  %-18s 0\n", "fault windows");
	fprintf(out, "  %-18s %zu\n", "segments", tl->nsegs);
	fprintf(out, "  %-18s %zu (%zu windows)\n", "slos", t->slos, tl->nwindows);
}

/* One "  label  count × each = bytes" line of the estimate, when the part is not empty. */
static void print_part(FILE *out, const char *label, const struct fr_estimate_part *p, const char *per)
{
	char count[FR_FMT_LEN], each[FR_FMT_LEN], bytes[FR_FMT_LEN];

	if (p->bytes == 0)
		return;
	fprintf(out, "    %-16s %s × %s%s = %s\n", label, fr_fmt_count(count, sizeof count, p->count),
	        fr_fmt_bytes(each, sizeof each, p->each), per, fr_fmt_bytes(bytes, sizeof bytes, p->bytes));
}

/* The memory estimate and what it is made of. */
static void print_estimate(const struct fr_estimate *e, FILE *out)
{
	char total[FR_FMT_LEN], base[FR_FMT_LEN];

	fprintf(out, "  %-18s %s on %d worker thread%s\n", "memory estimate",
	        fr_fmt_bytes(total, sizeof total, e->total), e->threads, e->threads == 1 ? "" : "s");
	fprintf(out, "    %-16s %s\n", "process", fr_fmt_bytes(base, sizeof base, e->base));
	print_part(out, "users", &e->users, "");
	print_part(out, "viewers", &e->viewers, "");
	print_part(out, "in flight", &e->inflight, "");
	print_part(out, "histograms", &e->cells, " per (key, segment)");
	print_part(out, "time series", &e->series, " per (key, interval)");
	print_part(out, "event ring", &e->events, "");
}

/* Two passes: the widest cell of each column first, then the aligned rows. */
void fr_timeline_print(const struct fr_timeline *tl, const struct fr_estimate *est, FILE *out)
{
	size_t n = tl->nactions;
	char **col[4];
	size_t w[4] = {strlen("OFFSET"), strlen("ACTION"), strlen("SUBJECT"), 0};

	for (int c = 0; c < 4; c++)
		col[c] = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		char off[FR_FMT_LEN];
		col[0][i] = xstrdup(fr_fmt_offset(off, sizeof off, tl->actions[i].at_us));
		col[1][i] = xstrdup(fr_timeline_action_name(tl->actions[i].kind));
		describe(tl, &tl->actions[i], &col[2][i], &col[3][i]);
		for (int c = 0; c < 3; c++)
			if (strlen(col[c][i]) > w[c])
				w[c] = strlen(col[c][i]);
	}
	char *scale = tl->time_scale != 1.0 ? xasprintf(" (time scale %g)", tl->time_scale) : xstrdup("");
	fprintf(out, "plan %s (%s)%s\n\n", tl->plan->name, tl->plan->file, scale);
	free(scale);
	fprintf(out, "%*s  %-*s  %-*s  %s\n", (int)w[0], "OFFSET", (int)w[1], "ACTION", (int)w[2], "SUBJECT", "DETAIL");
	for (size_t i = 0; i < n; i++) {
		char *line = xasprintf("%*s  %-*s  %-*s  %s", (int)w[0], col[0][i], (int)w[1], col[1][i], (int)w[2],
		                       col[2][i], col[3][i]);
		size_t len = strlen(line);
		while (len && line[len - 1] == ' ')
			line[--len] = 0;
		fprintf(out, "%s\n", line);
		free(line);
	}
	for (int c = 0; c < 4; c++) {
		for (size_t i = 0; i < n; i++)
			free(col[c][i]);
		free(col[c]);
	}
	print_totals(tl, out);
	if (est)
		print_estimate(est, out);
}

/* The totals as a JSON object. */
static json_t *totals_json(const struct fr_timeline *tl)
{
	const struct fr_totals *t = &tl->totals;
	return json_pack("{s:f, s:i, s:f, s:f, s:f, s:f, s:I, s:f, s:I, s:I, s:I}", "duration_s",
	                 (double)t->duration_us / 1e6, "passes", tl->npasses, "pass_duration_s",
	                 (double)tl->pass_us / 1e6, "planned_requests", round(t->planned_requests), "planned_events",
	                 round(t->planned_events), "peak_users", t->peak_users, "fault_windows",
	                 (json_int_t)t->fault_windows, "fault_duration_s", (double)t->fault_us / 1e6, "segments",
	                 (json_int_t)tl->nsegs, "slos", (json_int_t)t->slos, "windows", (json_int_t)tl->nwindows);
}

/* A part of the estimate as {count, bytes_each, bytes}. */
static json_t *part_json(const struct fr_estimate_part *p)
{
	return json_pack("{s:f, s:I, s:I}", "count", p->count, "bytes_each", (json_int_t)p->each, "bytes",
	                 (json_int_t)p->bytes);
}

/* The memory estimate as a JSON object. */
static json_t *estimate_json(const struct fr_estimate *e)
{
	return json_pack("{s:I, s:i, s:I, s:o, s:o, s:o, s:o, s:o, s:o}", "bytes", (json_int_t)e->total, "threads",
	                 e->threads, "process_bytes", (json_int_t)e->base, "users", part_json(&e->users), "viewers",
	                 part_json(&e->viewers), "in_flight", part_json(&e->inflight), "cells", part_json(&e->cells),
	                 "series", part_json(&e->series), "event_ring", part_json(&e->events));
}

/* The rows of the table, with "level" on stage changes, the totals and the estimate. */
char *fr_timeline_print_json(const struct fr_timeline *tl, const struct fr_estimate *est)
{
	json_t *root = json_object();
	json_t *acts = json_array();

	json_object_set_new(root, "plan", json_string(tl->plan->name));
	json_object_set_new(root, "file", json_string(tl->plan->file));
	json_object_set_new(root, "time_scale", json_real(tl->time_scale));
	for (size_t i = 0; i < tl->nactions; i++) {
		const struct fr_action *a = &tl->actions[i];
		char *subject, *detail;
		describe(tl, a, &subject, &detail);
		json_t *o = json_pack("{s:f, s:s, s:i, s:s, s:s}", "at_s", (double)a->at_us / 1e6, "action",
		                      fr_timeline_action_name(a->kind), "pass", a->pass + 1, "subject", subject,
		                      "detail", detail);
		if (a->kind == FR_ACT_STAGE)
			json_object_set_new(o, "level", json_real(a->level));
		json_array_append_new(acts, o);
		free(subject);
		free(detail);
	}
	json_object_set_new(root, "actions", acts);
	json_t *tot = totals_json(tl);
	json_object_set_new(tot, "peak_viewers", json_real(tl->totals.peak_viewers));
	json_object_set_new(root, "totals", tot);
	if (est)
		json_object_set_new(root, "memory", estimate_json(est));
	char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	char *copy = xstrdup(s);
	free(s);
	return copy;
}
