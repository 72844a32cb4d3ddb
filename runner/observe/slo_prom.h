/* slo_prom.h: SLO verdicts from Prometheus — `flowrun slo` and server-side SLOs.
 *
 * A window of the timeline is a set of segments; on Prometheus each segment
 * is a wall-clock range [pass start + segment start, pass start + segment
 * end], and a window's counts are the increase of the cumulative series over
 * its ranges (value at the end minus value at the start). Percentile SLOs are
 * judged by exact-bucket threshold counts — the fraction of samples at or
 * below the threshold, which is an exact bucket bound of flowrun's exporter
 * and of the fixture backend — so the verdict has no interpolation error; the
 * measured value shown is interpolated from the buckets like
 * histogram_quantile. Prometheus scrapes once a second, so window edges are
 * accurate to a scrape interval (flowrun's own verdicts are exact).
 *
 * Client-side SLOs read flowrun's series (docs/metrics.md) labelled with the
 * run id; server-side SLOs (fr_slo.metric) read the service's own histogram,
 * selected by its labels and by time only.
 */
#ifndef FR_SLO_PROM_H
#define FR_SLO_PROM_H

#include "observe/prom.h"
#include "result/slo.h"
#include "plan/timeline.h"

struct fr_slo_prom_run {
	const char *run_id;
	const double *pass_start; /* unix seconds of each pass's offset 0 (tl->npasses) */
	double end;               /* unix seconds when the load stopped */
};

/* Judges the windows of TL from Prometheus P into VERDICTS (tl->nwindows,
 * overwritten where evaluated). SERVER_ONLY: only SLOs with a metric:
 * selector (the rest keep their verdicts). Returns FR_PROM_OK, or
 * FR_PROM_UNREACHABLE / FR_PROM_ERROR (message in fr_prom_error) — no data is
 * a failed verdict, not an error. */
int fr_slo_prom_evaluate(struct fr_prom *p, const struct fr_timeline *tl, const struct fr_slo_prom_run *run,
                         int server_only, struct fr_verdict *verdicts);

/* Finds a run's pass starts and end from flowrun's own metrics in Prometheus
 * (flowrun_pass_start_seconds, flowrun_run_end_seconds), looking back
 * LOOKBACK_S seconds from now. Fills RUN (pass_start is a new array of
 * NPASSES entries, caller frees). */
int fr_slo_prom_find_run(struct fr_prom *p, const char *run_id, int npasses, double lookback_s,
                         struct fr_slo_prom_run *run, double **pass_start_out);

#endif
