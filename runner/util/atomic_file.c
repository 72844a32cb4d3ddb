/* atomic_file.c: write a temporary of an unpredictable name, fsync it, rename it over FILE, fsync the directory (see
 * atomic_file.h). */
#include "util/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/redact.h"
#include "util/xmalloc.h"

#define TMP_TRIES 64

/* Eight characters nobody can guess: from getrandom, or the clock and pid if it fails. */
static void random_tag(char tag[9])
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	unsigned char rnd[8];
	if (getrandom(rnd, sizeof rnd, GRND_NONBLOCK) != (ssize_t)sizeof rnd) {
		uint64_t x = (uint64_t)fr_clock_mono_ns() ^ ((uint64_t)getpid() << 32);
		for (size_t i = 0; i < sizeof rnd; i++, x = x * 6364136223846793005ull + 1442695040888963407ull)
			rnd[i] = (unsigned char)(x >> 56);
	}
	for (size_t i = 0; i < sizeof rnd; i++)
		tag[i] = alphabet[rnd[i] % (sizeof alphabet - 1)];
	tag[8] = '\0';
}

/* The directory part of PATH ("." when it has none; caller frees). */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

/* Creates a new temporary beside PATH, never following or reusing an
 * existing name; the open descriptor, its name in *TMP_OUT (caller frees),
 * or -1 with errno set. */
static int create_tmp(const char *path, char **tmp_out)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? xstrndup(path, (size_t)(slash - path + 1)) : xstrdup("");
	const char *base = slash ? slash + 1 : path;
	int fd = -1;
	*tmp_out = NULL;
	for (int i = 0; i < TMP_TRIES && fd < 0; i++) {
		char tag[9];
		random_tag(tag);
		*tmp_out = xasprintf("%s.%s.%s.tmp", dir, base, tag);
		fd = open(*tmp_out, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
		if (fd >= 0 || errno != EEXIST)
			break;
		free(*tmp_out);
		*tmp_out = NULL;
	}
	free(dir);
	if (fd < 0 && !*tmp_out)
		errno = EEXIST;
	return fd;
}

/* Flushes the directory of PATH, so the rename itself survives a crash. */
static int sync_dir(const char *path)
{
	char *dir = dir_of(path);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	int saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

/* The temporary file sits next to PATH so that rename(2) stays within one file system. */
int fr_atomic_file_write(const char *path, int (*fill)(FILE *out, const void *arg), const void *arg, char **err_out)
{
	char *tmp = NULL;
	int fd = create_tmp(path, &tmp);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		int saved = errno;
		*err_out = xasprintf("%s", strerror(saved));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		free(tmp);
		return -1;
	}
	errno = 0;
	int rc = fr_redact_active() ? fr_redact_through(f, fill, arg) : fill(f, arg);
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
	if (rc == 0)
		(void)sync_dir(path); /* the new file is in place either way; this only makes it durable */
	if (rc != 0) {
		*err_out = xasprintf("%s", strerror(saved ? saved : EIO));
		unlink(tmp);
	}
	free(tmp);
	return rc;
}

/* The same temporary the write would create, so the probe fails exactly when the write would. */
int fr_atomic_file_probe(const char *path, char **err_out)
{
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		*err_out = xstrdup("Is a directory");
		return -1;
	}
	char *tmp = NULL;
	int fd = create_tmp(path, &tmp);
	if (fd < 0) {
		*err_out = xasprintf("%s", strerror(errno));
		free(tmp);
		return -1;
	}
	close(fd);
	unlink(tmp);
	free(tmp);
	return 0;
}
