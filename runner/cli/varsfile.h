/* varsfile.h: the variables `flowrun setup` captured, handed to the shards and to `flowrun teardown`.
 *
 * A vars file is JSON: {"format": "flowrun-vars", "version": 1, "plan":
 * NAME, "digest": DIGEST, "passes": [{VAR: VALUE or [VALUES…], …}, …]}, one
 * object per sweep pass holding what that pass's setup requests captured
 * (never what auth captured: see engine/setup.h). It is written atomically.
 * Reading checks that it was made for the same compiled plan (plan/digest.h)
 * and has one object per pass.
 */
#ifndef FR_VARSFILE_H
#define FR_VARSFILE_H

#include "plan/timeline.h"
#include "plan/vars.h"

/* Writes the tl->npasses stores PASS_VARS to PATH. 0, or -1 after printing why. */
int fr_varsfile_write(const char *path, const struct fr_timeline *tl, const struct fr_varstore *pass_vars);

/* Reads PATH for TL: a new array of tl->npasses stores (free with
 * fr_varsfile_free), or NULL after printing why ("flowrun: vars.json was
 * made for plan 'smoke', not 'event-rate'"). */
struct fr_varstore *fr_varsfile_read(const char *path, const struct fr_timeline *tl);

/* Frees what fr_varsfile_read or fr_setup_run returned (N stores); NULL is fine. */
void fr_varsfile_free(struct fr_varstore *v, int n);

#endif
