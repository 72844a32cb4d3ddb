/* toxiproxy-fixture.h: what the server-backed tests of runner/chaos share.
 *
 * test-toxiproxy.c (the client) and test-faults.c (the fault executor) both
 * build faults by hand and look at what a real toxiproxy-server holds
 * afterwards (GET /proxies); these helpers do that. tests/e2e/toxiproxy.sh
 * starts the servers and runs both programs.
 */
#ifndef FR_TOXIPROXY_FIXTURE_H
#define FR_TOXIPROXY_FIXTURE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chaos/toxiproxy.h"
#include "plan/plan.h"
#include "util/clock.h"

#define MS 1000LL /* µs */

/* Sleeps MS_ milliseconds. */
static inline void sleep_ms(long ms_)
{
	fr_clock_sleep((double)ms_ / 1000.0, NULL);
}

/* Fills a fault. */
static inline struct fr_fault fault_of(const char *name, char **proxies, size_t nproxies, enum fr_toxic toxic)
{
	struct fr_fault f = {
	        .name = (char *)name, .proxies = proxies, .nproxies = nproxies, .toxic = toxic, .toxicity = 1.0};
	return f;
}

/* Adds attribute NAME=VALUE to F. */
static inline void attr(struct fr_fault *f, const char *name, int64_t value)
{
	f->attrs[f->nattrs].name = name;
	f->attrs[f->nattrs].value = value;
	f->nattrs++;
}

/* The number of toxics named with PREFIX on all proxies, and of disabled proxies. */
static inline void census(struct fr_toxi *t, const char *prefix, int *toxics, int *disabled)
{
	struct fr_toxi_proxy *p;
	size_t n;

	*toxics = *disabled = -1;
	if (fr_toxi_proxies(t, &p, &n)) {
		printf("# census: %s\n", fr_toxi_error(t));
		return;
	}
	*toxics = *disabled = 0;
	for (size_t i = 0; i < n; i++) {
		*disabled += !p[i].enabled;
		for (size_t j = 0; j < p[i].ntoxics; j++)
			*toxics += strncmp(p[i].toxics[j].name, prefix, strlen(prefix)) == 0;
	}
	fr_toxi_proxies_free(p, n);
}

/* Whether proxy NAME is enabled (-1: not found). */
static inline int proxy_enabled(struct fr_toxi *t, const char *name)
{
	struct fr_toxi_proxy *p;
	size_t n;
	int en = -1;

	if (fr_toxi_proxies(t, &p, &n))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (strcmp(p[i].name, name) == 0)
			en = p[i].enabled;
	fr_toxi_proxies_free(p, n);
	return en;
}

/* Whether PROXY holds a toxic NAME. */
static inline int has_toxic(struct fr_toxi *t, const char *proxy, const char *name)
{
	struct fr_toxi_toxic *tx;
	size_t n;
	int found = 0;

	if (fr_toxi_toxics(t, proxy, &tx, &n))
		return -1;
	for (size_t i = 0; i < n; i++)
		found |= strcmp(tx[i].name, name) == 0;
	fr_toxi_toxics_free(tx, n);
	return found;
}

/* The name of the flowrun toxic on PROXY that reads "flowrun-<expiry>-REST"
 * (caller frees), or NULL: the executor names toxics with the time they
 * expire, which a test cannot know in advance. *EXPIRY_OUT gets it. */
static inline char *flowrun_toxic(struct fr_toxi *t, const char *proxy, const char *rest, int64_t *expiry_out)
{
	struct fr_toxi_toxic *tx;
	size_t n;
	char *found = NULL;

	if (fr_toxi_toxics(t, proxy, &tx, &n))
		return NULL;
	for (size_t i = 0; i < n && !found; i++) {
		int64_t e;
		const char *dash = strchr(tx[i].name + strlen(FR_TOXI_PREFIX), '-');
		if (fr_toxi_name_expiry(tx[i].name, &e) == 1 && dash && strcmp(dash + 1, rest) == 0) {
			found = strdup(tx[i].name);
			if (expiry_out)
				*expiry_out = e;
		}
	}
	fr_toxi_toxics_free(tx, n);
	return found;
}
#endif
