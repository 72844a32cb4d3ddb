/* report_markdown.h: a short Markdown summary of a run, for a pull request or a CI job page.
 *
 * The result line, the SLO table with ✅/❌ and one row per request. When the
 * path is $GITHUB_STEP_SUMMARY (which the steps of a GitHub job share) the
 * summary is appended; any other file is replaced atomically
 * (util/atomic_file.h).
 */
#ifndef FR_REPORT_MARKDOWN_H
#define FR_REPORT_MARKDOWN_H

#include "result/report.h"

/* Writes the Markdown summary of R to PATH. Returns 0, or -1 with the reason
 * in *err_out (caller frees; the caller names the file). */
int fr_report_markdown(const struct fr_report *r, const char *path, char **err_out);

#endif
