/* outputs.h: the report files a run writes (--json, --junit, --markdown, --html, --out DIR) and its checkpoints.
 *
 * --out DIR writes result.json, junit.xml, summary.md and report.html into DIR (created,
 * with its parents, if missing); the single-file options write where they
 * say. Each file is replaced atomically by its writer. Every path is created
 * and probed before the first request (fr_outputs_prepare), so a run whose
 * results could not be written never starts. A file that cannot be written
 * at the end is named on stderr with the reason, and the others are still
 * written.
 *
 * Checkpoints of the JSON result (partial: true) go where the final JSON goes
 * (--json FILE, DIR/result.json); with neither, to
 * $XDG_STATE_HOME/flowrun/checkpoints/RUN-ID.json (default
 * ~/.local/state/…), which the run removes once it has reported, so only a
 * run that was killed leaves one there.
 */
#ifndef FR_OUTPUTS_H
#define FR_OUTPUTS_H

#include "result/report.h"

struct fr_outputs {
	const char *json, *junit, *markdown, *html; /* single files, or NULL */
	const char *out_dir;                        /* a directory for all four, or NULL */
};

/* Creates --out DIR and checks that every file can be written; 0, or -1
 * after printing what cannot be written and why. */
int fr_outputs_prepare(const struct fr_outputs *o);

/* Writes every requested report of R; 0, or -1 when any could not be
 * written. PARTIAL (a write before the run's last step, with R->partial set)
 * leaves out a Markdown summary that is appended to $GITHUB_STEP_SUMMARY, as
 * that file is appended to once. */
int fr_outputs_write(const struct fr_outputs *o, const struct fr_report *r, int partial);

/* Writes only the JSON result(s) of R, for a checkpoint; 0, or -1 with the
 * reason of the first failure in *ERR_OUT (caller frees; names the file). */
int fr_outputs_write_json(const struct fr_outputs *o, const struct fr_report *r, char **err_out);

/* Whether O asks for a JSON result (--json or --out). */
int fr_outputs_has_json(const struct fr_outputs *o);

/* The checkpoint file of a run without a JSON result, its directory created:
 * $XDG_STATE_HOME/flowrun/checkpoints/RUN-ID.json, or NULL (*ERR_OUT says
 * why, caller frees) when there is no such place. Caller frees. */
char *fr_outputs_state_path(const char *run_id, char **err_out);

#endif
