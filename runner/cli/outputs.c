/* outputs.c: writing the requested report files of a run (see outputs.h). */
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
#include "util/xmalloc.h"

typedef int (*writer_fn)(const struct fr_report *, const char *, char **);

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
	char *path = xasprintf("%s/%s", dir, file);
	int rc = write_file(fn, r, path);
	free(path);
	return rc;
}

int fr_outputs_write(const struct fr_outputs *o, const struct fr_report *r)
{
	int rc = 0;
	if (o->out_dir) {
		if (mkdir(o->out_dir, 0777) != 0 && errno != EEXIST) {
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
	rc |= write_file(fr_report_markdown, r, o->markdown);
	rc |= write_file(fr_report_html, r, o->html);
	return rc ? -1 : 0;
}
