/* report_view.h: what the HTML report draws — a compact view of a JSON result.
 *
 * The page (report_html.h) is drawn in the browser from one JSON object
 * embedded in it, or fetched from the live server during a run. This module
 * makes that object from a result document (report_json.h; a run's, or one
 * read back from a file) and its time series (timeseries.h): the document
 * without its raw per-segment histograms, the per-interval percentiles p50,
 * p90, p95, p99 and max of every key (computed here from the interval
 * histograms, so the page carries five numbers per key and interval instead
 * of the buckets), the per-interval counts, the scenarios' gauges, and every
 * key's percentile spectrum from its exact histograms. An hour of the
 * event-rate plan is some 500 KB of it.
 */
#ifndef FR_REPORT_VIEW_H
#define FR_REPORT_VIEW_H

#include "result/timeseries.h"

struct json_t;

/* The view of result DOC (not modified) and its series S (NULL: none).
 * Caller decrefs. */
struct json_t *fr_report_view(const struct json_t *doc, const struct fr_timeseries *s);

#endif
