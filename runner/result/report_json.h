/* report_json.h: the versioned machine-readable result of a run, and reading its histograms back.
 *
 * The document ("format": "flowrun-result", "version": 1, described by
 * schema/result.schema.json) carries the verdicts, human-sized summaries and
 * the raw histograms of every (key, segment) cell, so that results of several
 * runs or shards can later be added up exactly. It replaces its file
 * atomically (util/atomic_file.h).
 */
#ifndef FR_REPORT_JSON_H
#define FR_REPORT_JSON_H

#include "result/hist.h"
#include "result/report.h"

/* Writes the JSON result of R to PATH. Returns 0, or -1 with the reason in
 * *err_out ("No such file or directory"; caller frees; the caller names the file). */
int fr_report_json(const struct fr_report *r, const char *path, char **err_out);

struct json_t;

/* One raw histogram object of a JSON result ({"count", "min", "max", "sum",
 * "buckets": [[low_us, high_us, count], …]}; sum is an integer), or NULL when
 * H is empty. Returns a new jansson reference (caller decrefs). */
struct json_t *fr_report_json_raw(const struct fr_hist *h);

/* The JSON result of R as a jansson tree (caller decrefs), all but the time
 * series, which fr_report_json streams after it (series_json.h). */
struct json_t *fr_report_json_doc(const struct fr_report *r);

/* Rebuilds a histogram from one raw histogram object: it equals the original
 * in every bucket, count, min, max and sum (fr_hist_equal), so histograms
 * read back from several results merge into exactly the histogram of the
 * whole. RAW is a jansson json_t; returns NULL when it is malformed. Caller
 * frees with fr_hist_free. */
struct fr_hist *fr_report_json_raw_hist(const struct json_t *raw);

#endif
