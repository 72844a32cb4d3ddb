/* proxies.h: the Toxiproxy config file a plan's faults name (faults.proxies).
 *
 * The file is Toxiproxy's own `-config` JSON: a list of {name, listen,
 * upstream}. The checker reads it once to check the proxies each fault names,
 * and hands what it read to the builder (struct fr_proxy_file), so that the
 * file is read once and a read error is always reported.
 */
#ifndef FR_PROXIES_H
#define FR_PROXIES_H

#include <stddef.h>

struct fr_proxy {
	char *name;
	char *listen;
	char *upstream;
};

/* A proxies file as the checker read it. */
struct fr_proxy_file {
	char *path; /* resolved against the plan file that names it; NULL when the plan names none */
	struct fr_proxy *proxies;
	size_t n;
};

/* Reads PATH. Returns 0 and the proxies (caller frees with fr_proxies_free),
 * or -1 with a message in *err_out (caller frees). */
int fr_proxies_read(const char *path, struct fr_proxy **proxies_out, size_t *n_out, char **err_out);

/* Frees N proxies and the array; accepts NULL. */
void fr_proxies_free(struct fr_proxy *proxies, size_t n);

/* Frees what a proxy file holds and empties it. */
void fr_proxies_file_free(struct fr_proxy_file *pf);

#endif
