/* atomic_file.h: replace a file so that no reader ever sees half of it.
 *
 * A result file is read by other programs (a CI step, a dashboard, a later
 * command that combines results), possibly while it is being written or after
 * the writer was killed. fr_atomic_file_write writes the new content into a
 * temporary file of an unpredictable name in the same directory
 * (".NAME.XXXXXXXX.tmp", created with O_CREAT|O_EXCL|O_NOFOLLOW, so a file or
 * symbolic link planted there by someone else is never followed or
 * overwritten), flushes it to disk (fsync), renames it over PATH and flushes
 * the directory, so after a crash PATH is either the old file or the complete
 * new one. On failure the temporary file is removed and PATH is left as it
 * was. A new file gets mode 0666 less the umask, as any file the user writes.
 * What the filler writes is redacted on its way (util/redact.h).
 */
#ifndef FR_ATOMIC_FILE_H
#define FR_ATOMIC_FILE_H

#include <stdio.h>

/* Replaces PATH with what FILL(out, ARG) writes; FILL returns 0, or -1 on
 * failure. Returns 0, or -1 with the reason in *err_out ("No such file or
 * directory"; the caller frees it and names the file). */
int fr_atomic_file_write(const char *path, int (*fill)(FILE *out, const void *arg), const void *arg, char **err_out);

/* Checks, before any work whose result would go to PATH, that it could be
 * written: PATH is not a directory and a temporary file can be created (and
 * is removed again) beside it. Returns 0, or -1 with the reason in *err_out
 * (caller frees). */
int fr_atomic_file_probe(const char *path, char **err_out);

#endif
