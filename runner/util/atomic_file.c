/* atomic_file.c: write FILE.tmp.PID, fsync it, rename it over FILE (see atomic_file.h). */
#include "util/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/xmalloc.h"

/* The temporary file sits next to PATH so that rename(2) stays within one file system. */
int fr_atomic_file_write(const char *path, int (*fill)(FILE *out, const void *arg), const void *arg, char **err_out)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		*err_out = xasprintf("%s", strerror(errno));
		if (fd >= 0)
			close(fd);
		free(tmp);
		return -1;
	}
	int rc = fill(f, arg);
	if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0)
		rc = -1;
	int saved = errno;
	if (fclose(f) != 0 && rc == 0) {
		rc = -1;
		saved = errno;
	}
	if (rc == 0 && rename(tmp, path) != 0) {
		rc = -1;
		saved = errno;
	}
	if (rc != 0) {
		*err_out = xasprintf("%s", strerror(saved ? saved : EIO));
		unlink(tmp);
	}
	free(tmp);
	return rc;
}
