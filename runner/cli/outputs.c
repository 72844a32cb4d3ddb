/* outputs.c: writing the requested report files of a run and its checkpoints (see outputs.h). */
#include "cli/outputs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "result/report_html.h"
#include "result/report_json.h"
#include "result/report_junit.h"
#include "result/report_markdown.h"
#include "util/atomic_file.h"
#include "util/xmalloc.h"

typedef int (*writer_fn)(const struct fr_report *, const char *, char **);

/* Creates DIR and its missing parents, as mkdir -p does; 0 or -1 (errno set). */
static int make_dirs(const char *dir)
{
	char *p = xstrdup(dir);
	int rc = 0;
	for (char *s = p + 1; rc == 0 && *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0777) != 0 && errno != EEXIST)
			rc = -1;
		*s = '/';
	}
	if (rc == 0 && mkdir(p, 0777) != 0 && errno != EEXIST)
		rc = -1;
	free(p);
	return rc;
}

/* Probes PATH when set; prints what is wrong and returns -1. */
static int probe(const char *path)
{
	char *err = NULL;
	if (!path || fr_atomic_file_probe(path, &err) == 0)
		return 0;
	fprintf(stderr, "flowrun: cannot write %s: %s\n", path, err);
	free(err);
	return -1;
}

/* PATH's file FILE in DIR (caller frees). */
static char *in_dir(const char *dir, const char *file)
{
	return xasprintf("%s/%s", dir, file);
}

int fr_outputs_prepare(const struct fr_outputs *o)
{
	int rc = 0;
	if (o->out_dir) {
		if (make_dirs(o->out_dir) != 0) {
			fprintf(stderr, "flowrun: cannot create %s: %s\n", o->out_dir, strerror(errno));
			return -1;
		}
		char *p = in_dir(o->out_dir, "result.json");
		rc |= probe(p); /* the four files share the directory: one probe tells */
		free(p);
	}
	rc |= probe(o->json);
	rc |= probe(o->junit);
	rc |= probe(o->markdown);
	rc |= probe(o->html);
	return rc ? -1 : 0;
}

/* Writes one report file when PATH is set; prints the error and returns -1 on failure. */
static int write_file(writer_fn fn, const struct fr_report *r, const char *path)
{
	char *err = NULL;
	if (!path || fn(r, path, &err) == 0)
		return 0;
	fprintf(stderr, "flowrun: cannot write %s: %s\n", path, err ? err : "error");
	free(err);
	return -1;
}

/* Writes FILE in DIR with FN. */
static int write_in_dir(writer_fn fn, const struct fr_report *r, const char *dir, const char *file)
{
	char *path = in_dir(dir, file);
	int rc = write_file(fn, r, path);
	free(path);
	return rc;
}

/* Whether PATH is the GitHub step summary, which is appended to. */
static int is_step_summary(const char *path)
{
	const char *gh = getenv("GITHUB_STEP_SUMMARY");
	return path && gh && strcmp(gh, path) == 0;
}

int fr_outputs_write(const struct fr_outputs *o, const struct fr_report *r, int partial)
{
	int rc = 0;
	if (o->out_dir) {
		if (make_dirs(o->out_dir) != 0) {
			fprintf(stderr, "flowrun: cannot create %s: %s\n", o->out_dir, strerror(errno));
			return -1;
		}
		rc |= write_in_dir(fr_report_json, r, o->out_dir, "result.json");
		rc |= write_in_dir(fr_report_junit, r, o->out_dir, "junit.xml");
		rc |= write_in_dir(fr_report_markdown, r, o->out_dir, "summary.md");
		rc |= write_in_dir(fr_report_html, r, o->out_dir, "report.html");
	}
	rc |= write_file(fr_report_json, r, o->json);
	rc |= write_file(fr_report_junit, r, o->junit);
	if (!(partial && is_step_summary(o->markdown)))
		rc |= write_file(fr_report_markdown, r, o->markdown);
	rc |= write_file(fr_report_html, r, o->html);
	return rc ? -1 : 0;
}

/* Writes the JSON of R to PATH; keeps the first failure's message in *ERR_OUT. */
static void write_json_to(const struct fr_report *r, const char *path, char **err_out)
{
	char *err = NULL;
	if (fr_report_json(r, path, &err) != 0 && !*err_out)
		*err_out = xasprintf("%s: %s", path, err ? err : "error");
	free(err);
}

int fr_outputs_write_json(const struct fr_outputs *o, const struct fr_report *r, char **err_out)
{
	*err_out = NULL;
	if (o->out_dir) {
		char *p = in_dir(o->out_dir, "result.json");
		write_json_to(r, p, err_out);
		free(p);
	}
	if (o->json)
		write_json_to(r, o->json, err_out);
	return *err_out ? -1 : 0;
}

int fr_outputs_has_json(const struct fr_outputs *o)
{
	return o->json || o->out_dir;
}

char *fr_outputs_state_path(const char *run_id, char **err_out)
{
	const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char *dir;
	if (xdg && *xdg == '/')
		dir = xasprintf("%s/flowrun/checkpoints", xdg);
	else if (home && *home)
		dir = xasprintf("%s/.local/state/flowrun/checkpoints", home);
	else {
		*err_out = xstrdup("neither XDG_STATE_HOME nor HOME is set");
		return NULL;
	}
	if (make_dirs(dir) != 0) {
		*err_out = xasprintf("cannot create %s: %s", dir, strerror(errno));
		free(dir);
		return NULL;
	}
	char *name = xstrdup(run_id);
	for (char *c = name; *c; c++)
		if (*c == '/')
			*c = '_';
	char *path = xasprintf("%s/%s.json", dir, name);
	free(name);
	free(dir);
	return path;
}
