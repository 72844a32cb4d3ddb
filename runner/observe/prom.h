/* prom.h: a small client for the Prometheus HTTP query API (instant queries).
 *
 * `flowrun slo` and server-side SLOs read Prometheus: this client sends
 * GET /api/v1/query?query=…&time=… over the blocking control-API client
 * (util/httpapi.h: 2 s to connect, 15 s in all) and reads the answer with
 * jansson. A query's value is the sum of the vector's samples
 * (or the scalar); an empty vector is "no data", which callers must treat as
 * a failure, never as zero. Errors name the URL, and Prometheus's own error
 * text when it sent one.
 */
#ifndef FR_PROM_H
#define FR_PROM_H

#include <stddef.h>

enum fr_prom_status {
	FR_PROM_OK = 0,
	FR_PROM_NO_DATA,     /* an empty result */
	FR_PROM_UNREACHABLE, /* no answer from the URL */
	FR_PROM_ERROR,       /* Prometheus answered with an error, or garbage */
};

struct fr_prom;

/* One sample of a vector result: its labels' value for LABEL and the value. */
struct fr_prom_sample {
	char *label; /* the value of the label asked for, or NULL */
	double value;
};

/* A client for the Prometheus at URL ("http://127.0.0.1:9090"). No I/O. */
struct fr_prom *fr_prom_create(const char *url);
void fr_prom_free(struct fr_prom *p); /* accepts NULL */

/* The last error message ("prometheus at URL is unreachable: …"). */
const char *fr_prom_error(const struct fr_prom *p);

/* Evaluates EXPR at unix time AT (<= 0: now) and sums the samples into
 * *value_out. */
int fr_prom_query(struct fr_prom *p, const char *expr, double at, double *value_out);

/* Evaluates EXPR at AT and returns every sample with the value of LABEL
 * (e.g. "le") in a new array (free with fr_prom_samples_free). */
int fr_prom_query_vector(struct fr_prom *p, const char *expr, double at, const char *label, struct fr_prom_sample **out,
                         size_t *n_out);
void fr_prom_samples_free(struct fr_prom_sample *s, size_t n);

/* Checks that Prometheus answers (GET /-/ready or a trivial query). */
int fr_prom_ping(struct fr_prom *p);

#endif
