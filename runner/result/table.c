/* table.c: rows of strings printed with aligned columns (see table.h). */
#include "result/table.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/xmalloc.h"

/* The header is row 0, so every later row is measured against it. */
void fr_table_init(struct fr_table *t, const char *align, const char *const *header)
{
	t->ncols = (int)strlen(align);
	t->align = align;
	t->cells = xreallocarray(NULL, (size_t)t->ncols, sizeof *t->cells);
	for (int c = 0; c < t->ncols; c++)
		t->cells[c] = xstrdup(header[c]);
	t->nrows = 1;
}

/* Cells are copied, so callers may pass stack buffers. */
void fr_table_row(struct fr_table *t, ...)
{
	va_list ap;
	va_start(ap, t);
	t->cells = xreallocarray(t->cells, (t->nrows + 1) * (size_t)t->ncols, sizeof *t->cells);
	for (int c = 0; c < t->ncols; c++)
		t->cells[t->nrows * (size_t)t->ncols + (size_t)c] = xstrdup(va_arg(ap, const char *));
	va_end(ap);
	t->nrows++;
}

/* Display width of UTF-8 text: code points, i.e. bytes that do not continue one. */
static int width(const char *s)
{
	int w = 0;
	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

/* Each line is built whole first so that the blanks padding its last cells can be cut. */
void fr_table_print(struct fr_table *t, FILE *out)
{
	int *w = xcalloc((size_t)t->ncols, sizeof *w);
	for (size_t r = 0; r < t->nrows; r++)
		for (int c = 0; c < t->ncols; c++) {
			int cw = width(t->cells[r * (size_t)t->ncols + (size_t)c]);
			if (cw > w[c])
				w[c] = cw;
		}
	struct fr_buf line;
	fr_buf_init(&line, 0);
	for (size_t r = 0; r < t->nrows; r++) {
		fr_buf_reset(&line);
		fr_buf_adds(&line, "  ");
		for (int c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * (size_t)t->ncols + (size_t)c];
			int pad = w[c] - width(s);
			if (t->align[c] == 'r')
				fr_buf_printf(&line, "%*s%s", pad, "", s);
			else
				fr_buf_printf(&line, "%s%*s", s, c + 1 < t->ncols ? pad : 0, "");
			if (c + 1 < t->ncols)
				fr_buf_adds(&line, "  ");
		}
		size_t len = line.len;
		while (len > 0 && line.s[len - 1] == ' ')
			len--;
		fprintf(out, "%.*s\n", (int)len, line.s);
	}
	fr_buf_free(&line);
	for (size_t i = 0; i < t->nrows * (size_t)t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(w);
}
