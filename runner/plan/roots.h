/* roots.h: the directories a plan may read files from — what `extends:` and `faults.proxies:` are confined to.
 *
 * Plans arrive in pull requests and CI runs them with its own files around:
 * `extends: ../../../../etc/shadow` must not read a file outside the plan's
 * repository, let alone quote it back. The roots of a plan are the
 * directory that holds it, the git work tree around that directory, and the
 * current directory's git work tree (the current directory itself when it
 * is not in one); `--allow-outside PATH` adds PATH for the whole process.
 * A file is inside when its real path (symbolic links resolved) is one of
 * the roots or below one, so a link inside the tree pointing out of it does
 * not escape.
 */
#ifndef FR_ROOTS_H
#define FR_ROOTS_H

#include <stddef.h>

struct fr_roots {
	char **dirs; /* real paths, without a trailing slash */
	size_t n;
};

/* Fills R with the roots of the plan file PLAN_FILE (and the --allow-outside
 * ones); release with fr_roots_free. */
void fr_roots_for_plan(struct fr_roots *r, const char *plan_file);
void fr_roots_free(struct fr_roots *r);

/* Whether PATH lies inside R. A PATH that does not exist is inside: reading
 * it fails with its own error. */
int fr_roots_contain(const struct fr_roots *r, const char *path);

/* The roots for a message, sorted: "/src/app, /src/app/plans" (caller frees). */
char *fr_roots_describe(const struct fr_roots *r);

/* --allow-outside PATH: plans may read PATH (a file or a directory tree) as
 * if it were inside, from now on in this process; 0, or -1 when PATH does
 * not exist. */
int fr_roots_allow(const char *path);

#endif
