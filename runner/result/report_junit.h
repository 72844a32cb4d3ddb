/* report_junit.h: SLO verdicts as JUnit XML, for CI systems that show test results.
 *
 * One testsuite for the plan, one testcase per SLO window; an invalid run adds
 * an error testcase. The file is replaced atomically (util/atomic_file.h).
 */
#ifndef FR_REPORT_JUNIT_H
#define FR_REPORT_JUNIT_H

#include "result/report.h"

/* Writes the JUnit XML of R to PATH. Returns 0, or -1 with the reason in
 * *err_out (caller frees; the caller names the file). */
int fr_report_junit(const struct fr_report *r, const char *path, char **err_out);

#endif
