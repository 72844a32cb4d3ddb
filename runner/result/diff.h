/* diff.h: SLO changes between two versions of a plan, as Markdown for review.
 *
 * `flowrun diff OLD NEW` matches SLOs by name and classifies each difference:
 * added, removed, tightened, loosened, changed (what is measured changed:
 * stat, series, scenario, request or metric — the old objective is gone, so
 * it counts like a removal) and window (only `during` changed). Direction
 * follows the comparator: with `<`/`<=` a larger threshold (or a lower
 * quantile, or `<` becoming `<=`) is looser; with `>`/`>=` a smaller one is.
 * A threshold change and a window change on the same SLO are both reported.
 */
#ifndef FR_DIFF_H
#define FR_DIFF_H

#include <stdio.h>

#include "plan/plan.h"

/* Writes the Markdown table of SLO changes from OLD to NEW to OUT (a line
 * "No SLO changes." when there are none). OLD or NEW may be NULL (a plan
 * added or deleted: all its SLOs are added or removed). Returns 1 when the
 * change must not pass review as it is (an SLO was loosened, removed or
 * changed and ALLOW_LOOSEN is 0), else 0. */
int fr_diff_plans(const struct fr_plan *old, const struct fr_plan *new, FILE *out, int allow_loosen);

/* Writes the content of PATH at git revision REV (`git show REV:./PATH`, run
 * in PATH's directory) into a new file next to PATH, so that `extends` and
 * `proxies` paths relative to the plan still resolve (against the working
 * tree). Returns 0 and sets *tmpfile_out (the caller unlinks and frees it);
 * 1 when PATH does not exist at REV (a new plan: diff against NULL, every SLO
 * is "added"); or -1 with *err_out set (caller frees), e.g. "git show
 * nope:./x.yaml: fatal: invalid object name 'nope'.". */
int fr_diff_git_show(const char *rev, const char *path, char **tmpfile_out, char **err_out);

#endif
