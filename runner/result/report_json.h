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

/* Rebuilds a histogram from one raw histogram object of a JSON result
 * ({"count", "min", "max", "sum", "buckets": [[low_us, high_us, count], …]}):
 * quantiles, count, min and max equal the original's, so histograms read back
 * from several results merge into the histogram of the whole. RAW is a jansson
 * json_t; returns NULL when it is malformed. Caller frees with fr_hist_free. */
struct json_t;
struct fr_hist *fr_report_json_raw_hist(const struct json_t *raw);

#endif
