/* series_json.h: the time series of a result as JSON — written as a stream, read back.
 *
 * The "series" object of the JSON result (schema/result.schema.json, its
 * own version 1): per scenario the active gauge, per key the requests,
 * errors by class, counters, exact max and sparse histogram buckets of every
 * interval. It is written straight to the file, number by number, because a
 * tree of jansson values would cost some 40 bytes per number (100 MB for an
 * hour of three keys); reading it back gives the struct fr_timeseries the
 * run had, so `flowrun report` draws a saved result as the run drew it.
 */
#ifndef FR_SERIES_JSON_H
#define FR_SERIES_JSON_H

#include <stdio.h>

#include "result/results.h"
#include "result/timeseries.h"

/* Writes RES's series as one JSON object to OUT; 0, or -1 on a write error. */
int fr_series_json_write(FILE *out, const struct fr_results *res);

/* Reads a "series" object (a jansson json_t) back; NULL with the reason in
 * *ERR_OUT (caller frees) when it is not a version 1 series. Caller frees the
 * result with fr_timeseries_free. */
struct json_t;
struct fr_timeseries *fr_series_json_read(const struct json_t *series, char **err_out);

#endif
