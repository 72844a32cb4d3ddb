/* report.h: the report model — what every report format (terminal, JSON, JUnit, Markdown) is written from.
 *
 * A struct fr_report gathers everything the writers need: the plan and its
 * timeline, the merged results, the SLO verdicts, the run's identity and
 * times, and what the fault module recorded about each toxic it added or
 * removed. fr_report_build fills one from a finished (or interrupted) run and
 * evaluates the SLOs; the writers (report_text.h, report_json.h,
 * report_junit.h, report_markdown.h) only read it. A test or another module
 * may also fill the struct by hand (then it owns what it put in).
 *
 * Besides construction, this module answers what all writers ask the same
 * way: the overall result and its one-line outcome, which segments make up a
 * scenario, stage or pass and how long they lasted, and how a window and a
 * latency quantile are written for people.
 */
#ifndef FR_REPORT_H
#define FR_REPORT_H

#include <stddef.h>
#include <stdint.h>

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

/* One generator of a sharded run, as its result says: a shard run's own, or
 * each shard of a merged report (then also its outcome and health). */
struct fr_shard_info {
	int index; /* K of K/N */
	int count; /* N */
	uint64_t seed;
	int64_t start_at_unix_us; /* the common start (--start-at), 0: none */
	int64_t start_skew_us;    /* load began this long after start_at, its own clock */
	int have_clock;           /* the clock offset was measured */
	int64_t clock_offset_us;  /* the reference's clock minus this generator's */
	int64_t clock_error_us;   /* the offset is known to ± this */
	char *clock_ref;          /* what it was measured against ("Date of http://…") */
	int late;                 /* started after start_at + grace: it sent no load */
	double cpu_s;             /* the process's CPU time (user + system) over the run */
	/* merged reports only */
	char *file;              /* the result file it came from; NULL when missing */
	int missing;             /* no result for this shard */
	char *result;            /* its own result word: "pass", "fail", "invalid", "interrupted" */
	char *invalid;           /* its own invalid reason, or NULL */
	int interrupted;         /* it stopped early: its figures are partial */
	int partial;             /* only a checkpoint of it is left (it was killed): figures partial */
	char *failed;            /* its run failed (auth, setup, teardown, a plug-in): why, else NULL */
	uint64_t planned;        /* open-model sends planned in its elapsed time */
	uint64_t sent;           /* and sent */
	int64_t lag_p99_us;      /* its scheduler lag p99 (-1: no open model) */
	double worker_cpu_max;   /* its busiest worker thread's CPU share, 0..1 (-1: unknown) */
	int64_t loop_lag_p99_us; /* its worst worker's event-loop lag p99 (-1: unknown) */
	int saturated;           /* a worker of it was saturated over the run (result/health.h) */
	int64_t elapsed_us;
	double share; /* its fraction of the plan's load (plan/shard.h) */
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
	int interrupted;          /* a signal: verdicts are on partial data */
	int aborted;              /* stopped early by an abort SLO: verdicts are on partial data */
	int aborted_window;       /* the window decided failed (index into timeline->windows) */
	int64_t aborted_at_us;    /* when, as an offset from the start of the run */
	char *invalid_reason;     /* the run is invalid (its verdicts cannot be trusted), else NULL */
	char *failed_reason;      /* the run failed (auth, setup, teardown, a plug-in), else NULL */
	const char *failed_phase; /* where: "auth", "setup", "start", "teardown" */
	int failed_pass;
	int partial; /* a checkpoint written while the run went on (or before its last step) */
	struct fr_fault_record *faults;
	size_t nfaults;
	/* sharded runs: a shard's own run has one entry (merged 0); a merged
	 * report one per shard of the run (merged 1), owned by the report */
	struct fr_shard_info *shards;
	size_t nshards;
	int merged;
	char *coverage; /* merged with shards left out: "covers 75.0 % of the planned load (shard 2 missing)" */
};

/* Builds a report for RES (and its timeline and plan, which must outlive it):
 * evaluates every SLO window, copies RUN_ID, and takes the times, the
 * interrupted, aborted and partial flags and the invalid and failed reasons
 * from RES. After an abort, windows that had not started are skipped ("not
 * reached"). Latency verdicts of windows where a worker was saturated
 * (result/health.h) are marked, and unless RES's health allows it they are
 * inconclusive and the report is invalid ("generator saturated (p99, run):
 * thread 0 CPU 97 % (bound 90 %)"). Free with fr_report_free. */
struct fr_report *fr_report_build(const struct fr_results *res, const char *run_id);

/* Appends a copy of a fault action record (ERROR may be NULL). */
void fr_report_add_fault(struct fr_report *r, int fault, int on, int64_t intended_us, int64_t actual_us, int ok,
                         const char *error);

/* What became of a shard, in one word for tables: "missing", "late",
 * "interrupted", "invalid", "fail" or "pass" (its own verdict). */
const char *fr_report_shard_state(const struct fr_shard_info *si);

/* A shard's busiest worker in a few words for tables: "62% CPU, lag 1.20ms",
 * "97% CPU, lag 212ms, saturated", or "-" when unknown; into BUF, returned. */
char *fr_report_shard_worker(const struct fr_shard_info *si, char *buf, size_t len);

/* The shards (indexes into r->shards, -1 when none) with the latest start
 * and with the largest clock offset either way. */
void fr_report_worst_shards(const struct fr_report *r, int *skew_out, int *offset_out);

/* Frees what a shard entry holds (not the entry). */
void fr_shard_info_clear(struct fr_shard_info *si);

/* Frees a report built by fr_report_build (and what it owns); NULL is fine. */
void fr_report_free(struct fr_report *r);

/* What the run's verdicts add up to: FR_SLO_INVALID when the run is invalid,
 * FR_SLO_FAIL when an evaluated SLO window failed or the run was aborted,
 * else FR_SLO_PASS. */
enum fr_slo_result fr_report_slo_result(const struct fr_report *r);

/* The one-line outcome, e.g. "PASS (6/6 SLOs met)", "FAIL (2 of 6 SLOs failed)",
 * "INVALID (reason)", "INTERRUPTED after 12.0s of 60.0s (…)",
 * "FAIL (aborted at 3.20s of 60.0s: p99 [run] decided failed; …)", "FAILED
 * (teardown failed: GET /missing: HTTP 404)", "PARTIAL after 10.0s of 60.0s
 * (…)". Caller frees. */

/* What stopped an aborted run, for people: "p99 [stage:ramp]". Caller frees. */
char *fr_report_aborted_by(const struct fr_report *r);
char *fr_report_outcome(const struct fr_report *r);

/* Segments of the whole run where the scenario SC (-1: any) was active in
 * stage STAGE (-1: any stage) of pass PASS (-1: any); a new array (caller
 * frees) and its length in *n_out. */
int *fr_report_segs(const struct fr_timeline *tl, int pass, int sc, int stage, size_t *n_out);

/* Wall seconds covered by SEGS, cut at the run's elapsed time when interrupted. */
double fr_report_seconds(const struct fr_report *r, const int *segs, size_t n);

/* The label of a window for people: "no-fault", "stage:ramp [widgets=5]". Caller frees. */
char *fr_report_window_label(const struct fr_report *r, const struct fr_window *w);

/* The segment a sample at AT_US (an offset from the start of the run, as
 * struct fr_sample keeps it) fell in. */
int fr_report_sample_segment(const struct fr_report *r, int64_t at_us);

/* A segment for people: "8.000s-12.000s, fault redis-slow", "12.000s-20.000s,
 * no fault", with ", pass 2 of 3" under a sweep. Caller frees. */
char *fr_report_segment_text(const struct fr_report *r, int seg);

/* Quantile Q of H as a latency ("1.63ms", see fr_fmt_latency), or "-" when H
 * is empty (or NULL); into BUF, which it returns. */
char *fr_report_quantile(char *buf, size_t len, const struct fr_hist *h, double q);

#endif
