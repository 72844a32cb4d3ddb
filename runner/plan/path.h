/* path.h: file names a plan writes (extends, faults.proxies), resolved against
 * the plan file that writes them. */
#ifndef FR_PATH_H
#define FR_PATH_H

/* PATH resolved against the directory of FROM_FILE and normalised lexically
 * ("a/b/../c.yaml" → "a/c.yaml"); absolute paths are kept. Caller frees. */
char *fr_path_resolve(const char *from_file, const char *path);

#endif
