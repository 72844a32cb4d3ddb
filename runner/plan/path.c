/* path.c: file names a plan writes, resolved against the file that writes them (see path.h). */
#include "plan/path.h"

#include <stdlib.h>
#include <string.h>

#include "util/xmalloc.h"

/* Lexical on purpose: the file need not exist yet, and symlinks are the loader's business. */
char *fr_path_resolve(const char *from_file, const char *path)
{
	const char *slash = strrchr(from_file, '/');
	char *joined, *out, **parts;
	size_t nparts = 0, len;
	int absolute;

	if (path[0] == '/' || !slash)
		joined = xstrdup(path);
	else
		joined = xasprintf("%.*s/%s", (int)(slash - from_file), from_file, path);
	absolute = joined[0] == '/';
	len = strlen(joined);
	parts = xcalloc(len + 1, sizeof *parts);
	for (char *save = NULL, *p = strtok_r(joined, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
		if (strcmp(p, ".") == 0)
			continue;
		if (strcmp(p, "..") == 0 && nparts > 0 && strcmp(parts[nparts - 1], "..") != 0)
			nparts--;
		else if (!(strcmp(p, "..") == 0 && absolute))
			parts[nparts++] = p;
	}
	out = xmalloc(len + 3);
	out[0] = '\0';
	if (absolute)
		strcat(out, "/");
	for (size_t i = 0; i < nparts; i++) {
		if (i)
			strcat(out, "/");
		strcat(out, parts[i]);
	}
	if (!*out)
		strcat(out, ".");
	free(parts);
	free(joined);
	return out;
}
