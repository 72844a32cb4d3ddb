/* diff.c: classify SLO changes between two plans and print them as a Markdown table.
 *
 * An SLO is one line of a plan, so review of a plan change is mostly review
 * of these lines: this module makes the direction of each change explicit
 * (a loosened objective must not slip through as a "small edit") and tells
 * whether the change needs an explicit --allow-loosen, for CI to gate on. It
 * also fetches an older version of a plan with git for `flowrun diff --git REV`.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "result/diff.h"
#include "result/slo.h"
#include "util/fmt.h"
#include "util/xmalloc.h"

extern char **environ;

enum change {
	CH_NONE = 0,
	CH_TIGHTENED = 1,
	CH_LOOSENED = 2,
	CH_CHANGED = 4, /* what is measured changed */
	CH_WINDOW = 8,
	CH_ABORT = 16, /* abort: switched on or off (the verdict is the same, the run may stop sooner) */
};

/* NULL-safe string equality. */
static int same_str(const char *a, const char *b)
{
	return (a && b) ? strcmp(a, b) == 0 : a == b;
}

/* Whether a comparator bounds from above (< or <=). */
static int is_upper(enum fr_cmp c)
{
	return c == FR_CMP_LT || c == FR_CMP_LE;
}

/* Whether A and B measure the same thing (only their bound may differ). */
static int same_measure(const struct fr_slo *a, const struct fr_slo *b)
{
	return a->stat == b->stat && a->series == b->series && same_str(a->scenario, b->scenario) &&
	       same_str(a->request, b->request) && same_str(a->metric, b->metric) &&
	       a->threshold_is_rate == b->threshold_is_rate && is_upper(a->cmp) == is_upper(b->cmp) &&
	       a->over_us == b->over_us;
}

/* Whether A and B are judged over the same window. */
static int same_window(const struct fr_slo *a, const struct fr_slo *b)
{
	return a->window == b->window && same_str(a->window_ref, b->window_ref) && a->after_us == b->after_us;
}

/* The direction of a bound change of one SLO measuring the same thing:
 * CH_LOOSENED when anything got easier to meet (even if something else got
 * harder), CH_TIGHTENED when only harder, CH_NONE when equal. */
static int bound_change(const struct fr_slo *o, const struct fr_slo *n)
{
	int upper = is_upper(o->cmp), looser = 0, tighter = 0;
	if (n->threshold != o->threshold) {
		int larger = n->threshold > o->threshold;
		if (larger == upper)
			looser = 1;
		else
			tighter = 1;
	}
	if (n->cmp != o->cmp) {
		/* < to <= (or > to >=) admits the threshold itself. */
		if (n->cmp == FR_CMP_LE || n->cmp == FR_CMP_GE)
			looser = 1;
		else
			tighter = 1;
	}
	if (o->stat == FR_STAT_QUANTILE && n->quantile != o->quantile) {
		/* p99 < X to p95 < X is easier to meet. */
		if ((n->quantile < o->quantile) == upper)
			looser = 1;
		else
			tighter = 1;
	}
	if (n->sustained_us != o->sustained_us) {
		/* a longer tolerated breach is easier to meet */
		if (n->sustained_us > o->sustained_us)
			looser = 1;
		else
			tighter = 1;
	}
	return looser ? CH_LOOSENED : tighter ? CH_TIGHTENED : CH_NONE;
}

/* Classifies the change from O to N (both the same SLO name). */
static int classify(const struct fr_slo *o, const struct fr_slo *n)
{
	int ch = same_measure(o, n) ? bound_change(o, n) : CH_CHANGED;
	if (!same_window(o, n))
		ch |= CH_WINDOW;
	if (!o->abort != !n->abort)
		ch |= CH_ABORT;
	return ch;
}

/* Prints S with every '|' escaped for a Markdown table cell. */
static void put_cell(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputc('\\', out);
		fputc(*s, out);
	}
}

/* Prints one SLO as a table cell: `p99 < 5ms` on SCOPE during WINDOW. */
static void put_slo(FILE *out, const struct fr_slo *s)
{
	char stat[32];
	fr_slo_stat_name(s, stat, sizeof stat);
	fprintf(out, " `%s ", stat);
	put_cell(out, s->threshold_text ? s->threshold_text : "?");
	fputc('`', out);
	if (s->metric) {
		fputs(" of `", out);
		put_cell(out, s->metric);
		fputc('`', out);
	} else if (s->scenario || s->request) {
		fprintf(out, " on %s%s%s", s->scenario ? s->scenario : "", s->scenario && s->request ? "/" : "",
		        s->request ? s->request : "");
	}
	if (s->series != FR_SERIES_LATENCY)
		fprintf(out, " (%s)", fr_series_name(s->series));
	fprintf(out, " during %s", s->window_text ? s->window_text : "run");
	if (s->over_us) {
		char over[FR_FMT_LEN], sustained[FR_FMT_LEN];
		fr_fmt_duration(over, sizeof over, s->over_us);
		fr_fmt_duration(sustained, sizeof sustained, s->sustained_us);
		fprintf(out, " over %s sustained %s", over, sustained);
	}
	fputs(s->abort ? ", abort |" : " |", out);
}

/* The words for a change: "**loosened**, window". */
static void put_change(FILE *out, int ch)
{
	const char *sep = " ";
	if (ch & CH_CHANGED) {
		fprintf(out, "%s**changed**", sep);
		sep = ", ";
	}
	if (ch & CH_LOOSENED) {
		fprintf(out, "%s**loosened**", sep);
		sep = ", ";
	}
	if (ch & CH_TIGHTENED) {
		fprintf(out, "%stightened", sep);
		sep = ", ";
	}
	if (ch & CH_WINDOW) {
		fprintf(out, "%swindow", sep);
		sep = ", ";
	}
	if (ch & CH_ABORT)
		fprintf(out, "%sabort", sep);
	fputs(" |", out);
}

/* Prints one row; O or N may be NULL (added, removed). */
static void put_row(FILE *out, const char *name, const char *change, int ch, const struct fr_slo *o,
                    const struct fr_slo *n)
{
	fprintf(out, "| `%s` |", name);
	if (change)
		fprintf(out, " %s |", change);
	else
		put_change(out, ch);
	if (o)
		put_slo(out, o);
	else
		fputs(" |", out);
	if (n)
		put_slo(out, n);
	else
		fputs(" |", out);
	fputc('\n', out);
}

/* The SLO named NAME in PLAN (NULL-safe), or NULL. */
static const struct fr_slo *find_slo(const struct fr_plan *plan, const char *name)
{
	for (size_t i = 0; plan && i < plan->nslos; i++)
		if (strcmp(plan->slos[i].name, name) == 0)
			return &plan->slos[i];
	return NULL;
}

/* Prints the header of the table once. */
static void table_head(FILE *out, int *started)
{
	if (*started)
		return;
	fputs("| SLO | change | before | after |\n|---|---|---|---|\n", out);
	*started = 1;
}

/* Prints the SLO changes from OLD to NEW; 1 when one needs --allow-loosen. */
int fr_diff_plans(const struct fr_plan *old, const struct fr_plan *new, FILE *out, int allow_loosen)
{
	const struct fr_plan *named = new ? new : old;
	size_t nnew = new ? new->nslos : 0, nold = old ? old->nslos : 0;
	int started = 0, risky = 0, changes = 0;
	fprintf(out, "### SLO changes in `%s`\n\n", named && named->name ? named->name : "plan");
	for (size_t i = 0; i < nnew; i++) {
		const struct fr_slo *n = &new->slos[i], *o = find_slo(old, n->name);
		int ch = o ? classify(o, n) : CH_NONE;
		if (o && ch == CH_NONE)
			continue;
		table_head(out, &started);
		put_row(out, n->name, o ? NULL : "added", ch, o, n);
		changes++;
		if (ch & (CH_LOOSENED | CH_CHANGED))
			risky++;
	}
	for (size_t i = 0; i < nold; i++) {
		const struct fr_slo *o = &old->slos[i];
		if (find_slo(new, o->name))
			continue;
		table_head(out, &started);
		put_row(out, o->name, "**removed**", 0, o, NULL);
		changes++;
		risky++;
	}
	if (!changes)
		fputs("No SLO changes.\n", out);
	else if (risky)
		fprintf(out, "\n%d SLO%s loosened, changed or removed%s.\n", risky, risky == 1 ? "" : "s",
		        allow_loosen ? " (allowed with --allow-loosen)" : ": this needs --allow-loosen");
	return risky && !allow_loosen ? 1 : 0;
}

/* Reads all of FD into a string (caller frees), capped at 4 KB. */
static char *read_all(int fd)
{
	char *s = xmalloc(4097);
	size_t len = 0;
	for (;;) {
		ssize_t n = read(fd, s + len, 4096 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || (len += (size_t)n) == 4096)
			break;
	}
	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		len--;
	s[len] = '\0';
	return s;
}

/* Runs ARGV with stdout into OUT_FD; returns git's exit status (or -1) and
 * its stderr in *stderr_out (caller frees). */
static int run_git(char *const argv[], int out_fd, char **stderr_out)
{
	int pipefd[2];
	*stderr_out = NULL;
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -1;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDERR_FILENO);
	pid_t pid;
	int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (rc != 0) {
		close(pipefd[0]);
		*stderr_out = xasprintf("cannot run git: %s", strerror(rc));
		return -1;
	}
	*stderr_out = read_all(pipefd[0]);
	close(pipefd[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Writes PATH as of REV next to PATH, through `git show`. */
int fr_diff_git_show(const char *rev, const char *path, char **tmpfile_out, char **err_out)
{
	char *dcopy = xstrdup(path), *bcopy = xstrdup(path);
	char *dir = dirname(dcopy);
	char *spec = xasprintf("%s:./%s", rev, basename(bcopy));
	char *tmp = xasprintf("%s/.flowrun-diff-XXXXXX.yaml", dir);
	char *argv[] = {"git", "-C", dir, "show", spec, NULL};
	char *gerr = NULL;
	int ret = -1;
	*tmpfile_out = NULL;
	*err_out = NULL;
	int fd = mkstemps(tmp, 5);
	if (fd < 0) {
		*err_out = xasprintf("cannot create %s: %s", tmp, strerror(errno));
		goto out;
	}
	int rc = run_git(argv, fd, &gerr);
	close(fd);
	if (rc != 0) {
		unlink(tmp);
		/* A plan added since REV has no old version: not an error. */
		if (gerr && (strstr(gerr, "does not exist in") || strstr(gerr, "but not in"))) {
			ret = 1;
			goto out;
		}
		*err_out = xasprintf("git show %s: %s", spec, gerr && *gerr ? gerr : "failed");
		goto out;
	}
	*tmpfile_out = tmp;
	tmp = NULL;
	ret = 0;
out:
	free(gerr);
	free(tmp);
	free(spec);
	free(dcopy);
	free(bcopy);
	return ret;
}
