/* outputs.h: the report files a run writes (--json, --junit, --markdown, --html, --out DIR).
 *
 * --out DIR writes result.json, junit.xml, summary.md and report.html into DIR (created if
 * missing); the single-file options write where they say. Each file is
 * replaced atomically by its writer. A file that cannot be written is named
 * on stderr with the reason, and the others are still written.
 */
#ifndef FR_OUTPUTS_H
#define FR_OUTPUTS_H

#include "result/report.h"

struct fr_outputs {
	const char *json, *junit, *markdown, *html; /* single files, or NULL */
	const char *out_dir;                        /* a directory for all four, or NULL */
};

/* Writes every requested report of R; 0, or -1 when any could not be written. */
int fr_outputs_write(const struct fr_outputs *o, const struct fr_report *r);

#endif
