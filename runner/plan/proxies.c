/* proxies.c: reading a Toxiproxy config file (see proxies.h). */
#include "plan/proxies.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/xmalloc.h"

/* Checks the size and type first: a FIFO or a huge file must not stall the check. */
int fr_proxies_read(const char *path, struct fr_proxy **proxies_out, size_t *n_out, char **err_out)
{
	json_error_t jerr;
	json_t *root;
	struct stat st;
	FILE *f;

	*proxies_out = NULL;
	*n_out = 0;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		*err_out = xasprintf("cannot read proxies file '%s': not a regular file", path);
		return -1;
	}
	if (stat(path, &st) == 0 && st.st_size > (16 << 20)) {
		*err_out = xasprintf("proxies file '%s' is larger than 16 MiB", path);
		return -1;
	}
	f = fopen(path, "r");
	if (!f) {
		*err_out = xasprintf("cannot read proxies file '%s': %s", path, strerror(errno));
		return -1;
	}
	root = json_loadf(f, 0, &jerr);
	fclose(f);
	if (!root) {
		/* jansson's text quotes the file ("… near 'root:…'"): what and where, not what it read */
		char *near = strstr(jerr.text, " near ");
		*err_out = xasprintf("invalid proxies file '%s': %.*s at line %d, column %d", path,
		                     near ? (int)(near - jerr.text) : (int)strlen(jerr.text), jerr.text, jerr.line,
		                     jerr.column);
		return -1;
	}
	if (!json_is_array(root)) {
		*err_out = xasprintf("invalid proxies file '%s': expected a list of {name, listen, upstream}", path);
		json_decref(root);
		return -1;
	}
	size_t n = json_array_size(root);
	struct fr_proxy *p = xcalloc(n ? n : 1, sizeof *p);
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_array_get(root, i);
		const char *name = json_string_value(json_object_get(o, "name"));
		const char *listen = json_string_value(json_object_get(o, "listen"));
		const char *upstream = json_string_value(json_object_get(o, "upstream"));
		if (!name || !listen || !upstream) {
			*err_out = xasprintf("invalid proxies file '%s': entry %zu needs string 'name', 'listen' and "
			                     "'upstream'",
			                     path, i + 1);
			fr_proxies_free(p, i);
			json_decref(root);
			return -1;
		}
		p[i].name = xstrdup(name);
		p[i].listen = xstrdup(listen);
		p[i].upstream = xstrdup(upstream);
	}
	json_decref(root);
	*proxies_out = p;
	*n_out = n;
	return 0;
}

/* The strings of each proxy, then the array. */
void fr_proxies_free(struct fr_proxy *proxies, size_t n)
{
	for (size_t i = 0; proxies && i < n; i++) {
		free(proxies[i].name);
		free(proxies[i].listen);
		free(proxies[i].upstream);
	}
	free(proxies);
}

/* The path is owned too: the builder moves all three into the plan. */
void fr_proxies_file_free(struct fr_proxy_file *pf)
{
	fr_proxies_free(pf->proxies, pf->n);
	free(pf->path);
	pf->path = NULL;
	pf->proxies = NULL;
	pf->n = 0;
}
