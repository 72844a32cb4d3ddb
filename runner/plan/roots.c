/* roots.c: the directories a plan may read files from (see roots.h). */
#include "plan/roots.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/xmalloc.h"

/* --allow-outside, for the process. */
static char **allowed;
static size_t nallowed;

/* Adds DIR (taken) unless it is there already. */
static void add(struct fr_roots *r, char *dir)
{
	for (size_t i = 0; dir && i < r->n; i++) {
		if (strcmp(r->dirs[i], dir) == 0) {
			free(dir);
			return;
		}
	}
	if (!dir)
		return;
	r->dirs = xreallocarray(r->dirs, r->n + 1, sizeof *r->dirs);
	r->dirs[r->n++] = dir;
}

/* The git work tree DIR (a real path) is in: the nearest directory up with a
 * .git entry (a directory, or a file in a linked work tree); NULL when none. */
static char *git_top(const char *dir)
{
	char *d = xstrdup(dir);
	for (;;) {
		struct stat st;
		char *probe = xasprintf("%s/.git", strcmp(d, "/") == 0 ? "" : d);
		int found = stat(probe, &st) == 0;
		free(probe);
		if (found)
			return d;
		char *slash = strrchr(d, '/');
		if (!slash || slash == d) {
			free(d);
			return NULL;
		}
		*slash = '\0';
	}
}

/* The directory part of the real path of FILE, or NULL. */
static char *real_dir(const char *file)
{
	char *real = realpath(file, NULL);
	if (!real)
		return NULL;
	char *slash = strrchr(real, '/');
	if (slash && slash != real)
		*slash = '\0';
	else if (slash)
		slash[1] = '\0';
	return real;
}

void fr_roots_for_plan(struct fr_roots *r, const char *plan_file)
{
	memset(r, 0, sizeof *r);
	char *dir = real_dir(plan_file);
	if (dir) {
		add(r, git_top(dir));
		add(r, dir);
	}
	char *cwd = getcwd(NULL, 0);
	if (cwd) {
		char *top = git_top(cwd);
		add(r, top ? top : xstrdup(cwd));
		free(cwd);
	}
	for (size_t i = 0; i < nallowed; i++)
		add(r, xstrdup(allowed[i]));
}

void fr_roots_free(struct fr_roots *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->dirs[i]);
	free(r->dirs);
	r->dirs = NULL;
	r->n = 0;
}

/* Whether REAL is DIR or below it. */
static int under(const char *real, const char *dir)
{
	size_t n = strlen(dir);
	if (strcmp(dir, "/") == 0)
		return 1;
	return strncmp(real, dir, n) == 0 && (real[n] == '\0' || real[n] == '/');
}

int fr_roots_contain(const struct fr_roots *r, const char *path)
{
	char *real = realpath(path, NULL);
	if (!real)
		return 1;
	int in = 0;
	for (size_t i = 0; i < r->n && !in; i++)
		in = under(real, r->dirs[i]);
	free(real);
	return in;
}

/* qsort: by path, so a tree comes before the directories inside it. */
static int by_path(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *fr_roots_describe(const struct fr_roots *r)
{
	struct fr_buf b = {0};
	char **sorted = xcalloc(r->n ? r->n : 1, sizeof *sorted);
	memcpy(sorted, r->dirs, r->n * sizeof *sorted);
	qsort(sorted, r->n, sizeof *sorted, by_path);
	for (size_t i = 0; i < r->n; i++)
		fr_buf_printf(&b, "%s%s", i ? ", " : "", sorted[i]);
	free(sorted);
	return fr_buf_take(&b);
}

int fr_roots_allow(const char *path)
{
	char *real = realpath(path, NULL);
	if (!real)
		return -1;
	allowed = xreallocarray(allowed, nallowed + 1, sizeof *allowed);
	allowed[nallowed++] = real;
	return 0;
}
