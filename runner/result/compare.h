/* compare.h: a run against a baseline — per key and window, what got worse, better or stayed, with the evidence.
 *
 * Two JSON results (schema/result.schema.json) are compared key by key
 * (matched by name) over the whole run and over every SLO window the two
 * share (matched by label, and sweep value): latency p50, p90 and p99, the
 * error rate and the throughput. Each figure comes from the runs' time series
 * (per key and interval), and so does its noise: a moving-block bootstrap
 * resamples each run's intervals, in blocks that keep their neighbours, and
 * the resamples of the two runs give an interval for the change. A change is
 * a regression only when it is beyond the tolerance (relative; for the error
 * rate, also at least the tolerance of a percentage point) and so is the
 * whole interval — beyond the noise the data shows. Each resample also draws
 * every bucket and count of its intervals again (the Poisson bootstrap), so a
 * percentile of few samples gets the width it deserves; a percentile with
 * fewer than 10 samples beyond it in either run is not judged, and neither
 * is a latency change within how far the generator's own lateness (send lag,
 * loop lag) moved between the runs, or under FR_COMPARE_MIN_US. An invalid
 * run (scheduler lag, load not delivered) is compared but flagged. Why this
 * rule, and the run-to-run noise it was measured against:
 * docs/decisions/0030-baselines.md.
 */
#ifndef FR_COMPARE_H
#define FR_COMPARE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define FR_COMPARE_TOLERANCE  0.10 /* the default tolerance: 10 % */
#define FR_COMPARE_RESAMPLES  1000 /* bootstrap resamples per figure */
#define FR_COMPARE_CONFIDENCE 0.99 /* of the change's interval */
#define FR_COMPARE_MIN_US     500  /* the smallest latency change judged (µs) */

enum fr_compare_metric {
	FR_COMPARE_P50,
	FR_COMPARE_P90,
	FR_COMPARE_P99,
	FR_COMPARE_ERRORS,     /* the error rate */
	FR_COMPARE_THROUGHPUT, /* requests per second */
	FR_COMPARE_METRICS,
};

enum fr_compare_verdict {
	FR_COMPARE_UNCHANGED,
	FR_COMPARE_BETTER,
	FR_COMPARE_WORSE,
	FR_COMPARE_FEW, /* too few samples in one of the runs to judge */
};

/* One figure of one key in one window. */
struct fr_compare_row {
	char *key;    /* "scenario/request" */
	char *window; /* "run", "stage:users-5", "fault:redis-slow [widgets=5]" */
	enum fr_compare_metric metric;
	double base, cur; /* µs, a fraction, requests/s */
	double change;    /* relative (cur/base − 1); for the error rate, cur − base */
	double lo, hi;    /* the change's interval from the resamples */
	enum fr_compare_verdict verdict;
};

struct fr_comparison {
	char *base_name, *cur_name; /* how the inputs are named in the output (file names) */
	char *plan;                 /* the base's plan name */
	double tolerance;
	struct fr_compare_row *rows;
	size_t nrows;
	size_t worse, better, unchanged, few;
	int invalid;   /* one of the runs is invalid (its result says why): exit 3 */
	double lag[3]; /* per latency metric (p50, p90, p99), how far the
	                * generator's lateness moved between the runs (µs; the
	                * largest quantile change up to p95, p99, p99.9 of the
	                * send lag, plus that of the loop lag): a latency change
	                * within it, or under FR_COMPARE_MIN_US, is not the
	                * target's */
	char *note;    /* e.g. the plans differ, a run is invalid; NULL */
};

struct fr_compare_opts {
	double tolerance; /* 0: FR_COMPARE_TOLERANCE */
	int resamples;    /* 0: FR_COMPARE_RESAMPLES */
	uint64_t seed;    /* 0: a fixed seed (the same inputs give the same table) */
};

struct json_t;

/* Compares the JSON result CUR (named CUR_NAME in the output) with the baseline
 * BASE (BASE_NAME). Returns 0 and a new comparison in *OUT (free with
 * fr_compare_free), or -1 with the reason in *ERR_OUT (caller frees): a
 * document that is not a flowrun result, or one without a time series. */
int fr_compare(const struct json_t *base, const char *base_name, const struct json_t *cur, const char *cur_name,
               const struct fr_compare_opts *opts, struct fr_comparison **out, char **err_out);
void fr_compare_free(struct fr_comparison *c); /* accepts NULL */

/* The same with the current run's own results RES (its time series; no JSON
 * round trip), for `flowrun run --baseline`. */
struct fr_results;
int fr_compare_results(const struct json_t *base, const char *base_name, const struct fr_results *res,
                       const char *cur_name, const struct fr_compare_opts *opts, struct fr_comparison **out,
                       char **err_out);

/* The comparison as a text table (ALL: unchanged rows too), then one line
 * "regressions: …". */
void fr_compare_text(const struct fr_comparison *c, FILE *out, int all);

/* The same as a Markdown section for a CI job summary. */
void fr_compare_markdown(const struct fr_comparison *c, FILE *out, int all);

const char *fr_compare_metric_name(enum fr_compare_metric m); /* "p50", …, "error_rate", "throughput" */

#endif
