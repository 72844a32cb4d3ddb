/* slo.h: SLO verdicts from measured results, one per timeline window.
 *
 * Every window of the timeline (an SLO, or one stage of an each-stage SLO,
 * repeated per sweep pass) is judged on the merge of its segments' cells. A
 * window without samples fails with no_data set — an SLO is never passed
 * silently. Server-side SLOs (fr_slo.metric) are judged from Prometheus by
 * another module: here they are marked skipped and do not count.
 */
#ifndef FR_SLO_H
#define FR_SLO_H

#include <stddef.h>
#include <stdint.h>

#include "result/results.h"
#include "result/sustained.h"

struct fr_verdict {
	int window;      /* index into timeline->windows */
	double measured; /* µs for latencies, a fraction for rates, a count */
	int pass;
	int no_data;         /* nothing measured in the window: pass is 0 */
	int skipped;         /* server-side SLO, not evaluated here, or not reached: pass is 0 */
	int not_reached;     /* the run was aborted before the window began (skipped too) */
	char *measured_text; /* in the threshold's unit: "4.21ms", "0.35%", "3", "no data", "skipped" */
	/* an SLO with over (result/sustained.h): measured is the worst position,
	 * pass says whether the longest breach was within sustained */
	int sustained;
	struct fr_breach breach;
	int saturated;    /* a latency SLO whose window had a saturated worker (result/health.h) */
	int inconclusive; /* … and the run did not allow it: neither passed nor failed (pass is 0) */
	char *saturation; /* why it was saturated ("thread 0 CPU 97 % (bound 90 %)"), else NULL */
	/* a failed latency SLO (a quantile, max or mean of a latency series): the
	 * slowest samples of its window, slowest first, so a reader can line them
	 * up with faults, stages or pauses (n is 0 otherwise) */
	struct fr_slowest slowest;
};

/* Judges every window of RES's timeline. Returns 0 and a new array of
 * tl->nwindows verdicts in *out (free with fr_verdicts_free) and its length
 * in *n_out. Works on partial results (an interrupted run) as they are. */
int fr_slo_evaluate(const struct fr_results *res, struct fr_verdict **out, size_t *n_out);

/* Whether SLO, judged in window W, reads the samples of KEY (a key of a
 * plan's results): its scenario and request filters, an each-stage window's
 * scenario, websocket keys for websocket statistics, else top-level requests
 * and groups or the named request, group or step. */
int fr_slo_selects(const struct fr_plan *plan, const struct fr_key *key, const struct fr_slo *slo,
                   const struct fr_window *w);

/* Whether SLO judges a latency measured here (a quantile, the max or the
 * mean of a client-side series): what a saturated generator spoils. */
int fr_slo_is_latency(const struct fr_slo *slo);

/* Judges one window. */
void fr_slo_evaluate_window(const struct fr_results *res, int window, struct fr_verdict *out);

/* Frees an array of verdicts; NULL is fine. */
void fr_verdicts_free(struct fr_verdict *v, size_t n);

/* What a run's verdicts add up to. */
enum fr_slo_result {
	FR_SLO_PASS,    /* every evaluated SLO window met its threshold */
	FR_SLO_FAIL,    /* an evaluated window failed (no data counts as failed) */
	FR_SLO_INVALID, /* the run is invalid: its verdicts cannot be trusted */
};

/* FR_SLO_INVALID when the run is invalid (RES->invalid_reason; RES may be
 * NULL), FR_SLO_FAIL when any evaluated window of V failed, else FR_SLO_PASS.
 * Skipped and inconclusive windows do not count. */
enum fr_slo_result fr_slo_overall(const struct fr_results *res, const struct fr_verdict *v, size_t n);

/* Formats a measured value in the unit of SLO's threshold into BUF
 * (latencies as fr_fmt_latency writes them, rates as "0.35%", counts). */
void fr_slo_format_value(const struct fr_slo *slo, double value, char *buf, size_t len);

/* The SLO's statistic as written: "p99", "p99.9", "max", "mean", "error_rate", "lost". */
void fr_slo_stat_name(const struct fr_slo *slo, char *buf, size_t len);

/* The negation of a comparator as text (">=" for "<"), to say how a value missed. */
const char *fr_slo_cmp_negated(enum fr_cmp cmp);

#endif
