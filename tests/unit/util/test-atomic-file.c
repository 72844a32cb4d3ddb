/* test-atomic-file.c: replacing a file atomically — new content, failures leave the old file and no
 * temporary, and a file or link planted at a predictable temporary name is never followed. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* The names in the test directory other than KEEP…, space-separated (caller frees). */
static char *others(const char *keep1, const char *keep2)
{
	DIR *d = opendir(dir);
	char *list = xstrdup("");
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || !strcmp(e->d_name, keep1) ||
		    (keep2 && !strcmp(e->d_name, keep2)))
			continue;
		char *n = xasprintf("%s%s ", list, e->d_name);
		free(list);
		list = n;
	}
	if (d)
		closedir(d);
	return list;
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	char *path = xasprintf("%s/out.txt", dir), *err = NULL, *got;

	tap_is_int(fr_atomic_file_write(path, put, "first\n", &err), 0, "a new file is written");
	tap_is_str(got = slurp(path), "first\n", "with the content the filler wrote");
	free(got);
	tap_is_int(fr_atomic_file_write(path, put, "second\n", &err), 0, "an existing file is replaced");
	tap_is_str(got = slurp(path), "second\n", "by the new content");
	free(got);
	tap_is_str(got = others("out.txt", NULL), "", "no temporary file left behind");
	free(got);

	tap_is_int(fr_atomic_file_write(path, fail_halfway, NULL, &err), -1, "a failing filler fails the write");
	tap_ok(err != NULL, "with a reason");
	free(err);
	err = NULL;
	tap_is_str(got = slurp(path), "second\n", "the old file is untouched");
	free(got);
	tap_is_str(got = others("out.txt", NULL), "", "and the half-written temporary is removed");
	free(got);

	/* Someone plants links at the names a predictable writer would use
	 * (PATH.tmp.PID, PATH.tmp): the write must not go through them. */
	char *victim = xasprintf("%s/victim", dir);
	char *planted = xasprintf("%s.tmp.%ld", path, (long)getpid());
	char *planted2 = xasprintf("%s.tmp", path);
	FILE *v = fopen(victim, "w");
	fputs("precious\n", v);
	fclose(v);
	tap_ok(symlink(victim, planted) == 0 && symlink(victim, planted2) == 0, "links planted at predictable names");
	tap_is_int(fr_atomic_file_write(path, put, "third\n", &err), 0, "the write succeeds beside them");
	tap_is_str(got = slurp(path), "third\n", "with the new content");
	free(got);
	tap_is_str(got = slurp(victim), "precious\n", "and the file the links point at is untouched");
	free(got);
	struct stat st;
	tap_ok(lstat(path, &st) == 0 && S_ISREG(st.st_mode), "the result is a regular file, not a link");
	unlink(planted);
	unlink(planted2);
	unlink(victim);
	free(planted);
	free(planted2);
	free(victim);

	/* A mode like any file the user writes, not mkstemp's 0600. */
	mode_t old = umask(022);
	unlink(path);
	fr_atomic_file_write(path, put, "x", &err);
	umask(old);
	tap_is_int(stat(path, &st) == 0 ? (int)(st.st_mode & 0777) : -1, 0644, "a new file gets 0666 less the umask");

	char *missing = xasprintf("%s/missing/out.txt", dir);
	tap_is_int(fr_atomic_file_write(missing, put, "x", &err), -1, "a missing directory fails");
	tap_is_str(err, "No such file or directory", "the error says why (the caller names the file)");
	free(err);
	free(missing);

	unlink(path);
	rmdir(dir);
	free(path);
	return tap_done();
}
