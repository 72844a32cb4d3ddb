/* report_html.h: the HTML report — one self-contained file with the run's charts.
 *
 * The page holds everything it needs: uPlot (third_party/uplot, MIT, its
 * licence in a comment), the report's script and style sheet, and the view
 * of the result (report_view.h) as JSON; its Content-Security-Policy allows
 * no request at all, so it works offline from an artifact download. The same
 * page, written with a data URL instead of the view, is the live page of
 * `flowrun run --ui`, which fetches that URL every second.
 */
#ifndef FR_REPORT_HTML_H
#define FR_REPORT_HTML_H

#include <stdio.h>

#include "result/report.h"
#include "result/timeseries.h"

struct json_t;

/* Writes the page to OUT: with VIEW (a report_view.h object) embedded, or,
 * when LIVE_URL is not NULL, a page that fetches its view from LIVE_URL (a
 * path on the same server). Returns 0, or -1 on a write error. */
int fr_report_html_write(FILE *out, const struct json_t *view, const char *live_url);

/* Writes the HTML report of R to PATH (replaced atomically). Returns 0, or -1
 * with the reason in *err_out (caller frees). */
int fr_report_html(const struct fr_report *r, const char *path, char **err_out);

/* Writes the HTML report of a JSON result document DOC (as read from a file;
 * its series, if any, is drawn) to PATH. Returns 0, or -1 with the reason in
 * *err_out (caller frees): a malformed series, or the file not written. */
int fr_report_html_doc(const struct json_t *doc, const char *path, char **err_out);

#endif
