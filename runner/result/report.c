/* report.c: builds the report model of a run and answers what every report format asks (see report.h).
 *
 * The writers differ in layout only: the overall result, the outcome line,
 * the segments of a scenario or pass and the wording of windows and latencies
 * are decided here once, so the terminal summary, the JSON result, the JUnit
 * XML and the Markdown summary never disagree.
 */
#include "result/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/fmt.h"
#include "util/xmalloc.h"

/* Marks the latency verdicts of windows where a worker was saturated; without
 * --allow-saturated they are inconclusive and the run is invalid. */
static void mark_saturation(struct fr_report *r)
{
	const struct fr_health *h = r->results->health;

	for (size_t i = 0; h && i < r->nverdicts; i++) {
		struct fr_verdict *v = &r->verdicts[i];
		const struct fr_window *w = &r->timeline->windows[v->window];
		char *why = NULL;
		if (v->skipped || !fr_slo_is_latency(&r->plan->slos[w->slo]) ||
		    !fr_health_spoils(h, w->segs, w->nsegs, &r->plan->slos[w->slo], &why))
			continue;
		v->saturated = 1;
		v->saturation = why;
		if (h->allow_saturated)
			continue;
		v->inconclusive = 1;
		v->pass = 0;
		if (!r->invalid_reason) {
			char *label = fr_report_window_label(r, w);
			r->invalid_reason =
			        xasprintf("generator saturated (%s, %s): %s", r->plan->slos[w->slo].name, label, why);
			free(label);
		}
	}
}

/* Evaluating here, not in the writers, gives every format the same verdicts. */
struct fr_report *fr_report_build(const struct fr_results *res, const char *run_id)
{
	struct fr_report *r = xcalloc(1, sizeof *r);
	r->results = res;
	r->timeline = res->tl;
	r->plan = res->tl->plan;
	fr_slo_evaluate(res, &r->verdicts, &r->nverdicts);
	r->run_id = xstrdup(run_id ? run_id : "");
	r->started_unix_us = res->started_unix_us;
	r->ended_unix_us = res->started_unix_us + res->elapsed_us;
	r->interrupted = res->interrupted;
	r->aborted = res->aborted;
	r->aborted_window = res->aborted ? res->aborted_window : -1;
	r->aborted_at_us = res->aborted_at_us;
	r->invalid_reason = res->invalid_reason ? xstrdup(res->invalid_reason) : NULL;
	int apass = r->aborted && r->aborted_window >= 0 ? r->timeline->windows[r->aborted_window].pass : 0;
	for (size_t i = 0; r->aborted && i < r->nverdicts; i++) {
		struct fr_verdict *v = &r->verdicts[i];
		const struct fr_window *w = &r->timeline->windows[v->window];
		if (v->skipped || w->pass < apass || (w->pass == apass && w->start_us < r->aborted_at_us))
			continue;
		/* the run stopped before this window began: no verdict, not a failure */
		free(v->measured_text);
		v->measured_text = xstrdup("not reached");
		v->pass = v->no_data = 0;
		v->skipped = v->not_reached = 1;
	}
	mark_saturation(r);
	r->failed_reason = res->failed_reason ? xstrdup(res->failed_reason) : NULL;
	r->failed_phase = res->failed_phase;
	r->failed_pass = res->failed_pass;
	r->partial = res->partial;
	return r;
}

/* The record is copied because the fault executor frees its own when it stops. */
void fr_report_add_fault(struct fr_report *r, int fault, int on, int64_t intended_us, int64_t actual_us, int ok,
                         const char *error)
{
	r->faults = xreallocarray(r->faults, r->nfaults + 1, sizeof *r->faults);
	r->faults[r->nfaults++] = (struct fr_fault_record){
	        fault, on, intended_us, actual_us, ok, error ? xstrdup(error) : NULL,
	};
}

/* Missing and late shards sent nothing; failed, partial, interrupted and invalid ones sent part. */
const char *fr_report_shard_state(const struct fr_shard_info *si)
{
	if (si->missing)
		return "missing";
	if (si->late)
		return "late";
	if (si->failed)
		return "failed";
	if (si->partial)
		return "partial";
	if (si->interrupted)
		return "interrupted";
	if (si->invalid)
		return "invalid";
	return si->result && strcmp(si->result, "fail") == 0 ? "fail" : "pass";
}

/* Generator health per shard: the worker that decides whether it kept up. */
char *fr_report_shard_worker(const struct fr_shard_info *si, char *buf, size_t len)
{
	char lag[FR_FMT_LEN] = "-";
	if (si->missing || si->worker_cpu_max < 0) {
		snprintf(buf, len, "-");
		return buf;
	}
	if (si->loop_lag_p99_us >= 0)
		fr_fmt_latency(lag, sizeof lag, (double)si->loop_lag_p99_us);
	snprintf(buf, len, "%.0f%% CPU, lag %s%s", 100 * si->worker_cpu_max, lag, si->saturated ? ", saturated" : "");
	return buf;
}

/* The merged report's "worst skew" and "worst clock offset" name these. */
void fr_report_worst_shards(const struct fr_report *r, int *skew_out, int *offset_out)
{
	*skew_out = *offset_out = -1;
	for (size_t i = 0; i < r->nshards; i++) {
		const struct fr_shard_info *si = &r->shards[i];
		if (si->missing || si->late)
			continue;
		if (*skew_out < 0 || si->start_skew_us > r->shards[*skew_out].start_skew_us)
			*skew_out = (int)i;
		if (si->have_clock &&
		    (*offset_out < 0 || llabs(si->clock_offset_us) > llabs(r->shards[*offset_out].clock_offset_us)))
			*offset_out = (int)i;
	}
}

/* Shard entries own their strings; the array is the report's. */
void fr_shard_info_clear(struct fr_shard_info *si)
{
	free(si->clock_ref);
	free(si->file);
	free(si->result);
	free(si->invalid);
	free(si->failed);
	memset(si, 0, sizeof *si);
}

/* The plan, timeline and results are borrowed, so only the copies go. */
void fr_report_free(struct fr_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nshards; i++)
		fr_shard_info_clear(&r->shards[i]);
	free(r->shards);
	free(r->coverage);
	fr_verdicts_free(r->verdicts, r->nverdicts);
	for (size_t i = 0; i < r->nfaults; i++)
		free(r->faults[i].error);
	free(r->faults);
	free(r->run_id);
	free(r->invalid_reason);
	free(r->failed_reason);
	free(r);
}

/* The report's own invalid reason wins: a hand-filled report has no results to ask. */
enum fr_slo_result fr_report_slo_result(const struct fr_report *r)
{
	if (r->invalid_reason)
		return FR_SLO_INVALID;
	if (r->aborted)
		return FR_SLO_FAIL; /* a decided window fails whatever came next */
	return fr_slo_overall(NULL, r->verdicts, r->nverdicts);
}

/* Counts SLOs (not windows): an SLO fails when any of its windows does, and
 * counts as skipped only when none of its windows was evaluated. */
static void count_slos(const struct fr_report *r, size_t *eval, size_t *failed, size_t *skipped)
{
	*eval = *failed = *skipped = 0;
	for (size_t s = 0; s < r->plan->nslos; s++) {
		int seen = 0, fail = 0, skip = 0;
		for (size_t i = 0; i < r->nverdicts; i++) {
			if (r->timeline->windows[r->verdicts[i].window].slo != (int)s)
				continue;
			if (r->verdicts[i].skipped || r->verdicts[i].inconclusive) {
				skip = 1;
				continue;
			}
			seen = 1;
			fail |= !r->verdicts[i].pass;
		}
		*eval += (size_t)seen;
		*failed += (size_t)fail;
		*skipped += (size_t)(skip && !seen);
	}
}

/* The SLO tally in parentheses: "6/6 SLOs met", "2 of 6 SLOs failed", "…, 1 skipped". */
static char *tally(const struct fr_report *r, const char *prefix)
{
	size_t eval, failed, skipped;
	count_slos(r, &eval, &failed, &skipped);
	char skip[64] = "";
	if (skipped)
		snprintf(skip, sizeof skip, ", %zu skipped", skipped);
	if (!eval)
		return xasprintf("%sno SLOs evaluated%s", prefix, skip);
	if (failed)
		return xasprintf("%s%zu of %zu SLO%s failed%s", prefix, failed, eval, eval == 1 ? "" : "s", skip);
	return xasprintf("%s%zu/%zu SLO%s met%s", prefix, eval, eval, eval == 1 ? "" : "s", skip);
}

/* An interrupted run and a checkpoint say how far they got, because their
 * verdicts are on partial data; a failed run says why it stopped. */
char *fr_report_outcome(const struct fr_report *r)
{
	if (r->failed_reason)
		return xasprintf("FAILED (%s)", r->failed_reason);
	if (r->invalid_reason && !r->partial)
		return xasprintf("INVALID (%s%s%s)", r->invalid_reason, r->coverage ? "; " : "",
		                 r->coverage ? r->coverage : "");
	char *t, *s;
	if (r->aborted) {
		char at[FR_FMT_LEN], planned[FR_FMT_LEN];
		char *by = fr_report_aborted_by(r);
		fr_fmt_run_length(at, sizeof at, r->aborted_at_us);
		fr_fmt_run_length(planned, sizeof planned, r->timeline->totals.duration_us);
		t = tally(r, "on partial data: ");
		s = xasprintf("FAIL (aborted at %s of %s: %s decided failed; %s)", at, planned, by, t);
		free(by);
	} else if (r->interrupted || r->partial) {
		char done[FR_FMT_LEN], planned[FR_FMT_LEN];
		fr_fmt_run_length(done, sizeof done,
		                  r->results ? r->results->elapsed_us : r->ended_unix_us - r->started_unix_us);
		fr_fmt_run_length(planned, sizeof planned, r->timeline->totals.duration_us);
		t = tally(r, "on partial data: ");
		s = xasprintf("%s after %s of %s (%s)", r->partial ? "PARTIAL" : "INTERRUPTED", done, planned, t);
	} else {
		t = tally(r, "");
		s = xasprintf("%s (%s%s%s)", fr_report_slo_result(r) == FR_SLO_PASS ? "PASS" : "FAIL", t,
		              r->coverage ? "; " : "", r->coverage ? r->coverage : "");
	}
	free(t);
	return s;
}

/* The SLO's name and the window's label, as the SLO table shows them. */
char *fr_report_aborted_by(const struct fr_report *r)
{
	if (!r->aborted || r->aborted_window < 0 || (size_t)r->aborted_window >= r->timeline->nwindows)
		return xstrdup("?");
	const struct fr_window *w = &r->timeline->windows[r->aborted_window];
	char *label = fr_report_window_label(r, w);
	char *s = xasprintf("%s [%s]", r->plan->slos[w->slo].name, label);
	free(label);
	return s;
}

/* Segments are the unit results are kept in, so every per-stage or per-pass figure starts here. */
int *fr_report_segs(const struct fr_timeline *tl, int pass, int sc, int stage, size_t *n_out)
{
	int *segs = xcalloc(tl->nsegs, sizeof *segs);
	size_t n = 0;
	for (size_t i = 0; i < tl->nsegs; i++) {
		const struct fr_segment *s = &tl->segs[i];
		if (pass >= 0 && s->pass != pass)
			continue;
		if (sc >= 0 && (!s->stage || s->stage[sc] < 0 || (stage >= 0 && s->stage[sc] != stage)))
			continue;
		segs[n++] = (int)i;
	}
	*n_out = n;
	return segs;
}

/* Rates divide by this, so an interrupted, failed or unfinished run is not
 * charged for time it never ran. */
double fr_report_seconds(const struct fr_report *r, const int *segs, size_t n)
{
	int stopped = r->interrupted || r->aborted || r->partial || r->failed_reason;
	int64_t cut = stopped && r->results && r->results->elapsed_us > 0 ? r->results->elapsed_us : INT64_MAX;
	double us = 0;
	for (size_t i = 0; i < n; i++) {
		const struct fr_segment *s = &r->timeline->segs[segs[i]];
		int64_t end = s->end_us < cut ? s->end_us : cut;
		if (end > s->start_us)
			us += (double)(end - s->start_us);
	}
	return us / 1e6;
}

/* Under a sweep the same window repeats once per pass, so the label names the pass's value. */
/* Segments are absolute and sorted; a sample past the last one belongs to it. */
int fr_report_sample_segment(const struct fr_report *r, int64_t at_us)
{
	const struct fr_timeline *tl = r->timeline;
	size_t i = 0;

	while (i + 1 < tl->nsegs && at_us >= tl->segs[i].end_us)
		i++;
	return (int)i;
}

/* Its offsets and the faults active throughout it: what a slow sample is lined up with. */
char *fr_report_segment_text(const struct fr_report *r, int seg)
{
	const struct fr_segment *s = &r->timeline->segs[seg];
	char from[FR_FMT_LEN], to[FR_FMT_LEN];
	struct fr_buf b = {0};

	fr_buf_printf(&b, "%s-%s, ", fr_fmt_offset(from, sizeof from, s->start_us),
	              fr_fmt_offset(to, sizeof to, s->end_us));
	if (!s->nfaults)
		fr_buf_printf(&b, "no fault");
	for (int f = 0; f < s->nfaults; f++)
		fr_buf_printf(&b, "%s%s", f ? " + " : "fault ", r->plan->faults.items[s->faults[f]].name);
	if (r->timeline->npasses > 1)
		fr_buf_printf(&b, ", pass %d of %d", s->pass + 1, r->timeline->npasses);
	return fr_buf_take(&b);
}

char *fr_report_window_label(const struct fr_report *r, const struct fr_window *w)
{
	const struct fr_plan *p = r->plan;
	if (p->sweep_param && w->pass >= 0 && (size_t)w->pass < p->nsweep)
		return xasprintf("%s [%s=%s]", w->label, p->sweep_param, p->sweep_values[w->pass]);
	return xstrdup(w->label);
}

/* An empty histogram has no quantile; "-" keeps table columns filled. */
char *fr_report_quantile(char *buf, size_t len, const struct fr_hist *h, double q)
{
	if (!fr_hist_count(h))
		snprintf(buf, len, "-");
	else
		fr_fmt_latency(buf, len, (double)fr_hist_quantile(h, q));
	return buf;
}
