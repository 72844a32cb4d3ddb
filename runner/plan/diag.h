/* diag.h: positions in plan files and the diagnostics that point at them.
 *
 * Every stage before the run (load, validate, compile) reports problems by
 * appending to a struct fr_diags instead of printing or exiting, so that all
 * problems of a plan are reported in one pass and tests can compare them. A
 * diagnostic prints as "FILE:LINE:COL: error: MESSAGE" (lines and columns
 * count from 1), sorted by file order of appearance, then line, then column.
 * A warning ("FILE:LINE:COL: warning: MESSAGE") points at something valid but
 * risky; it does not make a plan invalid, so callers count errors with
 * fr_diag_errors rather than every diagnostic.
 */
#ifndef FR_DIAG_H
#define FR_DIAG_H

#include <stddef.h>
#include <stdio.h>

struct fr_pos {
	const char *file; /* interned: owned by the plan or the tree, never freed here */
	int line;
	int col;
};

struct fr_diag {
	struct fr_pos pos;
	char *message;
	unsigned seq; /* order of insertion, to keep sorting stable */
	int warning;  /* a warning, not an error */
};

struct fr_diags {
	struct fr_diag *items;
	size_t n;
	size_t cap;
	size_t limit; /* stop recording after this many (0: 1000) */
};

/* Appends a diagnostic at POS (file may be NULL for command-line problems). */
void fr_diag_add(struct fr_diags *diags, struct fr_pos pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Appends a warning at POS: printed like an error, but the plan stays valid. */
void fr_diag_warn(struct fr_diags *diags, struct fr_pos pos, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* How many of DIAGS are errors. */
size_t fr_diag_errors(const struct fr_diags *diags);

/* Sorts by position (stable) and drops exact duplicates. */
void fr_diag_sort(struct fr_diags *diags);

/* Prints every diagnostic as FILE:LINE:COL: error: MESSAGE (or warning:), one per line. */
void fr_diag_print(const struct fr_diags *diags, FILE *out);

/* Frees the messages and the array; the struct itself can be reused. */
void fr_diag_clear(struct fr_diags *diags);

#endif
