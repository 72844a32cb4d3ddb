/* series_scan.h: the time series of a JSON result read straight from its text — for merging many long results.
 *
 * A one-hour run's "series" (series_json.h) holds a few hundred thousand
 * numbers; parsed into a jansson tree they cost some 100 ms of CPU per shard
 * file, most of it allocating and freeing the tree, which made merging 16
 * shards of an hour take seconds. This module reads the same object with a
 * scanner over the text that builds the struct fr_timeseries directly and
 * allocates nothing else: fr_series_scan_find locates the top-level
 * "series" member of a result (so the rest can go to jansson without it),
 * and fr_series_scan reads the value exactly as fr_series_json_read would
 * (the same checks, the same struct: tests/unit/result/test-series-scan.c
 * compares them).
 */
#ifndef FR_SERIES_SCAN_H
#define FR_SERIES_SCAN_H

#include <stddef.h>

#include "result/timeseries.h"

/* Where the top-level member "series" of the JSON object TEXT (LEN bytes)
 * is: *VALUE_FROM is where its value starts (the value itself is not read:
 * fr_series_scan reads it and says where it ends), *CUT_FROM where the part
 * to cut out starts to leave a valid object — the comma before the member,
 * or the member itself when it is the first (*FIRST set; then the comma
 * after it goes too, fr_series_scan_cut_to). Returns 0, or -1 when TEXT is
 * not an object or has no such member (or is malformed before it). */
int fr_series_scan_find(const char *text, size_t len, size_t *cut_from, size_t *value_from, int *first);

/* Where the cut of fr_series_scan_find ends, for a value ending at VALUE_TO. */
size_t fr_series_scan_cut_to(const char *text, size_t len, size_t value_to, int first);

/* Reads the series value at TEXT (at most LEN bytes; it ends where its
 * object closes, *USED_OUT bytes in, unless USED_OUT is NULL) into a new
 * struct (caller frees with fr_timeseries_free), or NULL with the reason in
 * *ERR_OUT (caller frees), in the words of fr_series_json_read. */
struct fr_timeseries *fr_series_scan(const char *text, size_t len, size_t *used_out, char **err_out);

#endif
