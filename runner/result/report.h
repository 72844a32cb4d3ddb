/* report.h: what a run reports — the terminal summary, JSON, JUnit XML and Markdown.
 *
 * A struct fr_report gathers everything the writers need: the plan and its
 * timeline, the merged results, the SLO verdicts, the run's identity and
 * times, and what the fault module recorded about each toxic it added or
 * removed. fr_report_build fills one from a finished (or interrupted) run and
 * evaluates the SLOs; the writers only read it. A test or another module may
 * also fill the struct by hand (then it owns what it put in).
 *
 * File writers (JSON, JUnit, Markdown) replace their file atomically: they
 * write FILE.tmp.PID in the same directory, fsync it and rename it over FILE,
 * so a reader (a CI step, `flowrun merge`) never sees half a result. They
 * return 0, or -1 with the reason in *err_out ("No such file or directory";
 * caller frees; the caller names the file) — exit 4 material.
 */
#ifndef FR_REPORT_H
#define FR_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "result/results.h"
#include "result/slo.h"

/* One Toxiproxy action (a fault switched on or off) as it really happened. */
struct fr_fault_record {
	int fault;           /* index into plan->faults.items */
	int on;              /* 1: toxic added / proxy disabled; 0: removed / re-enabled */
	int64_t intended_us; /* planned offset from the start of the run */
	int64_t actual_us;   /* when the API call completed, same clock */
	int ok;              /* the API call succeeded */
	char *error;         /* why it failed, else NULL */
};

struct fr_report {
	const struct fr_plan *plan;
	const struct fr_timeline *timeline;
	const struct fr_results *results;
	struct fr_verdict *verdicts; /* one per timeline window */
	size_t nverdicts;
	char *run_id;
	int64_t started_unix_us; /* wall clock */
	int64_t ended_unix_us;
	int interrupted;      /* SIGINT/SIGTERM or abort: verdicts are on partial data */
	char *invalid_reason; /* the run is invalid (exit 3), else NULL */
	struct fr_fault_record *faults;
	size_t nfaults;
};

/* Builds a report for RES (and its timeline and plan, which must outlive it):
 * evaluates every SLO window, copies RUN_ID, and takes the times, the
 * interrupted flag and the invalid reason from RES. Free with fr_report_free. */
struct fr_report *fr_report_build(const struct fr_results *res, const char *run_id);

/* Appends a copy of a fault action record (ERROR may be NULL). */
void fr_report_add_fault(struct fr_report *r, int fault, int on, int64_t intended_us, int64_t actual_us, int ok,
                         const char *error);

/* Frees a report built by fr_report_build (and what it owns); NULL is fine. */
void fr_report_free(struct fr_report *r);

/* The exit status the run should end with: 3 invalid, 1 an SLO failed, 0 met. */
int fr_report_exit_code(const struct fr_report *r);

/* The one-line outcome, e.g. "PASS (6/6 SLOs met)", "FAIL (2 of 6 SLOs failed)",
 * "INVALID (reason)", "INTERRUPTED after 12.0s of 60.0s (…)". Caller frees. */
char *fr_report_outcome(const struct fr_report *r);

/* The terminal summary: per-request tables, stage and sweep tables, websocket
 * counters, faults and their impact, the SLO table and the result line. */
int fr_report_text(const struct fr_report *r, FILE *out);

/* The versioned JSON result ("format": "flowrun-result", "version": 1, see
 * schema/result.schema.json), with raw histograms per key and segment. */
int fr_report_json(const struct fr_report *r, const char *path, char **err_out);

/* JUnit XML: one testsuite for the plan, one testcase per SLO window. */
int fr_report_junit(const struct fr_report *r, const char *path, char **err_out);

/* A Markdown summary to OUT: result, SLO table with ✅/❌, per-request table. */
int fr_report_md(const struct fr_report *r, FILE *out);

/* The Markdown summary to PATH: appended when PATH is $GITHUB_STEP_SUMMARY
 * (which other steps share), otherwise written atomically. */
int fr_report_markdown(const struct fr_report *r, const char *path, char **err_out);

/* Rebuilds a histogram from one raw histogram object of a JSON result
 * ({"count", "min", "max", "sum", "buckets": [[low_us, high_us, count], …]}),
 * for `flowrun merge`: quantiles, count, min and max equal the original's.
 * RAW is a jansson json_t; returns NULL when it is malformed. */
struct json_t;
struct fr_hist *fr_report_raw_hist(const struct json_t *raw);

/* Helpers shared by the writers (report_text.c). */

/* Writes through CB into PATH atomically (PATH.tmp.PID, fsync, rename). */
int fr_report_write_atomic(const char *path, int (*cb)(const struct fr_report *, FILE *), const struct fr_report *r,
                           char **err_out);

/* Segments of the whole run where the scenario SC (-1: any) was active in
 * stage STAGE (-1: any stage) of pass PASS (-1: any); a new array (caller
 * frees) and its length in *n_out. */
int *fr_report_segs(const struct fr_timeline *tl, int pass, int sc, int stage, size_t *n_out);

/* Wall seconds covered by SEGS, cut at the run's elapsed time when interrupted. */
double fr_report_seconds(const struct fr_report *r, const int *segs, size_t n);

/* The label of a window for people: "no-fault", "stage:ramp [widgets=5]". Caller frees. */
char *fr_report_window_label(const struct fr_report *r, const struct fr_window *w);

#endif
