/* table.h: text tables with aligned columns, as the terminal summary prints them.
 *
 * A table is built as rows of strings (the first row is the header) and
 * printed once all rows are known, each column as wide as its widest cell:
 * indented by two spaces, columns two spaces apart, each column aligned left
 * or right, no trailing blanks. Width counts UTF-8 code points, which is right
 * for the text flowrun prints (no wide or combining characters).
 */
#ifndef FR_TABLE_H
#define FR_TABLE_H

#include <stddef.h>
#include <stdio.h>

struct fr_table {
	int ncols;
	const char *align; /* one 'l' or 'r' per column */
	char **cells;      /* nrows × ncols, row-major */
	size_t nrows;
};

/* Starts a table of strlen(ALIGN) columns with HEADER (that many names) as its first row. */
void fr_table_init(struct fr_table *t, const char *align, const char *const *header);

/* Appends a row: exactly ncols arguments of type const char * (copied). */
void fr_table_row(struct fr_table *t, ...);

/* Prints the table to OUT and frees it. */
void fr_table_print(struct fr_table *t, FILE *out);

#endif
