/* test-atomic-file.c: replacing a file atomically — new content, failures leave the old file and no temporary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "util/atomic_file.h"
#include "util/xmalloc.h"

static char dir[] = "/tmp/test-atomic-file-XXXXXX";

/* Writes the string ARG. */
static int put(FILE *out, const void *arg)
{
	fputs(arg, out);
	return 0;
}

/* Writes half a file, then fails as a writer that runs out of data would. */
static int fail_halfway(FILE *out, const void *arg)
{
	fputs("half", out);
	return -1;
}

/* The whole content of PATH (caller frees), or NULL. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char buf[256];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	return xstrdup(buf);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	char *path = xasprintf("%s/out.txt", dir), *err = NULL, *got;
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());

	tap_is_int(fr_atomic_file_write(path, put, "first\n", &err), 0, "a new file is written");
	tap_is_str(got = slurp(path), "first\n", "with the content the filler wrote");
	free(got);
	tap_is_int(fr_atomic_file_write(path, put, "second\n", &err), 0, "an existing file is replaced");
	tap_is_str(got = slurp(path), "second\n", "by the new content");
	free(got);
	tap_ok(access(tmp, F_OK) != 0, "no temporary file left behind");

	tap_is_int(fr_atomic_file_write(path, fail_halfway, NULL, &err), -1, "a failing filler fails the write");
	tap_ok(err != NULL, "with a reason");
	free(err);
	err = NULL;
	tap_is_str(got = slurp(path), "second\n", "the old file is untouched");
	free(got);
	tap_ok(access(tmp, F_OK) != 0, "and the half-written temporary is removed");

	char *missing = xasprintf("%s/missing/out.txt", dir);
	tap_is_int(fr_atomic_file_write(missing, put, "x", &err), -1, "a missing directory fails");
	tap_is_str(err, "No such file or directory", "the error says why (the caller names the file)");
	free(err);
	free(missing);

	unlink(path);
	rmdir(dir);
	free(tmp);
	free(path);
	return tap_done();
}
