/* diag.c: collecting, sorting and printing located diagnostics (see diag.h). */
#include "plan/diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util/redact.h"
#include "util/xmalloc.h"

/* Stops at the limit: a hostile plan must not make the report itself unbounded. */
__attribute__((format(printf, 4, 0))) static void add(struct fr_diags *diags, struct fr_pos pos, int warning,
                                                      const char *fmt, va_list ap)
{
	size_t limit = diags->limit ? diags->limit : 1000;

	if (diags->n >= limit)
		return;
	if (diags->n == diags->cap) {
		diags->cap = diags->cap ? diags->cap * 2 : 16;
		diags->items = xreallocarray(diags->items, diags->cap, sizeof *diags->items);
	}
	struct fr_diag *d = &diags->items[diags->n];
	d->pos = pos;
	d->seq = (unsigned)diags->n;
	d->warning = warning;
	d->message = xvasprintf(fmt, ap);
	if (fr_redact_active()) { /* a value a plan read from the environment is never quoted back */
		char *clean = fr_redact(d->message);
		free(d->message);
		d->message = clean;
	}
	diags->n++;
}

/* An error makes the plan invalid. */
void fr_diag_add(struct fr_diags *diags, struct fr_pos pos, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add(diags, pos, 0, fmt, ap);
	va_end(ap);
}

/* A warning is shown and leaves the plan valid. */
void fr_diag_warn(struct fr_diags *diags, struct fr_pos pos, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add(diags, pos, 1, fmt, ap);
	va_end(ap);
}

/* Callers decide validity on this count, not on diags->n. */
size_t fr_diag_errors(const struct fr_diags *diags)
{
	size_t n = 0;

	for (size_t i = 0; i < diags->n; i++)
		n += !diags->items[i].warning;
	return n;
}

/* Files compare by name: diagnostics of one file stay together. */
static int diag_cmp(const void *va, const void *vb)
{
	const struct fr_diag *a = va, *b = vb;
	int c = strcmp(a->pos.file ? a->pos.file : "", b->pos.file ? b->pos.file : "");

	if (c)
		return c;
	if (a->pos.line != b->pos.line)
		return a->pos.line < b->pos.line ? -1 : 1;
	if (a->pos.col != b->pos.col)
		return a->pos.col < b->pos.col ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* An aliased node is checked once per alias: equal diagnostics are printed once. */
void fr_diag_sort(struct fr_diags *diags)
{
	size_t out = 0;

	if (diags->n == 0)
		return;
	qsort(diags->items, diags->n, sizeof *diags->items, diag_cmp);
	for (size_t i = 0; i < diags->n; i++) {
		struct fr_diag *d = &diags->items[i];
		if (out > 0) {
			struct fr_diag *p = &diags->items[out - 1];
			if (p->pos.line == d->pos.line && p->pos.col == d->pos.col &&
			    strcmp(p->pos.file ? p->pos.file : "", d->pos.file ? d->pos.file : "") == 0 &&
			    p->warning == d->warning && strcmp(p->message, d->message) == 0) {
				free(d->message);
				continue;
			}
		}
		diags->items[out++] = *d;
	}
	diags->n = out;
}

/* Problems without a position (command-line ones) are attributed to flowrun itself. */
void fr_diag_print(const struct fr_diags *diags, FILE *out)
{
	for (size_t i = 0; i < diags->n; i++) {
		const struct fr_diag *d = &diags->items[i];
		const char *sev = d->warning ? "warning" : "error";
		if (d->pos.file && d->pos.line > 0)
			fprintf(out, "%s:%d:%d: %s: %s\n", d->pos.file, d->pos.line, d->pos.col, sev, d->message);
		else if (d->pos.file)
			fprintf(out, "%s: %s: %s\n", d->pos.file, sev, d->message);
		else
			fprintf(out, "flowrun: %s: %s\n", sev, d->message);
	}
}

/* Leaves the struct reusable, so one set of diagnostics can serve several plans. */
void fr_diag_clear(struct fr_diags *diags)
{
	for (size_t i = 0; i < diags->n; i++)
		free(diags->items[i].message);
	free(diags->items);
	diags->items = NULL;
	diags->n = diags->cap = 0;
}
