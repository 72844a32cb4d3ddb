/* standalone.c: a main for the fuzz targets where libFuzzer is not linked in.
 *
 *     tests/fuzz/fuzz-plan [-runs=0] FILE|DIR...
 *
 * Runs LLVMFuzzerTestOneInput once on each file (the files of a directory, not
 * recursively), so that the corpora of tests/fuzz/corpus/ are regression tests
 * in every build. Prints one line per input; exits 1 when an input cannot be
 * read (a crash ends the program by itself).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "util/xmalloc.h"

/* Runs the target on the file PATH; 0, or -1 when it cannot be read. */
static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 4096, len = 0, n;
	uint8_t *buf;

	if (!f)
		return -1;
	buf = xmalloc(cap);
	while ((n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap)
			buf = xrealloc(buf, cap *= 2);
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	printf("ran %s (%zu bytes)\n", path, len);
	return 0;
}

/* Runs every regular file of DIR. */
static int run_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL) {
		char *path = xasprintf("%s/%s", dir, e->d_name);
		struct stat st;
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && run_file(path) != 0)
			rc = -1;
		free(path);
	}
	closedir(d);
	return rc;
}

int main(int argc, char **argv)
{
	int rc = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (argv[i][0] == '-')
			continue; /* libFuzzer's options (-runs=0 …): the same command line works for both */
		int r = stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode) ? run_dir(argv[i]) : run_file(argv[i]);
		if (r != 0) {
			fprintf(stderr, "%s: cannot read %s\n", argv[0], argv[i]);
			rc = 1;
		}
	}
	return rc;
}
