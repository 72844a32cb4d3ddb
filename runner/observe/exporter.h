/* exporter.h: the Prometheus exporter of a run — GET /metrics from a thread of its own.
 *
 * flowrun is a short-lived process, so Prometheus scrapes it rather than
 * being pushed to (docs/decisions/0008-metrics.md). The exporter binds its
 * port before load starts, serves the exposition (exposition.h) of a metrics
 * store from a thread of its own for the whole run, and keeps serving for a
 * linger time after the end so that the last samples are scraped. The same
 * thread samples the achieved request rate once a second
 * (fr_metrics_sample_rates). It serves several clients at once without
 * blocking, gives each connection 3 s in all, and its stop is bounded, so a
 * slow or stuck client delays neither a scrape nor the end of a run.
 *
 * Errors follow the rule of the library layers: a status, with the message
 * in *err_out; the command line turns the status into an exit code.
 */
#ifndef FR_EXPORTER_H
#define FR_EXPORTER_H

#include <signal.h>
#include <stddef.h>

#include "observe/metrics.h"

/* Default listen address and linger (2 scrape intervals of 1 s + 1 s). */
#define FR_EXPORTER_LISTEN_DEFAULT "127.0.0.1:9464"
#define FR_EXPORTER_LINGER_DEFAULT 3.0

enum fr_exporter_status {
	FR_EXPORTER_OK = 0,
	FR_EXPORTER_BAD_ADDRESS,   /* "bad metrics address 'x': expected HOST:PORT, e.g. 127.0.0.1:9464" */
	FR_EXPORTER_CANNOT_LISTEN, /* "cannot listen on 127.0.0.1:9464 for metrics: Address already in use",
	                              or the serving thread cannot start */
};

struct fr_exporter;

/* What a request head asks for. */
enum fr_exporter_route {
	FR_ROUTE_INCOMPLETE, /* no blank line yet: read on */
	FR_ROUTE_METRICS,    /* GET or HEAD /metrics (a query string is ignored) */
	FR_ROUTE_INDEX,      /* GET or HEAD / */
	FR_ROUTE_NOT_FOUND,  /* any other path: 404 */
	FR_ROUTE_BAD_METHOD, /* not GET or HEAD: 405 */
	FR_ROUTE_TOO_LARGE,  /* no blank line in the first 8 KiB: 431 */
};

/* Parses the request head REQ (LEN bytes, any bytes at all): the route, and
 * in *HEAD_ONLY whether the method is HEAD. A pure function: the exporter's
 * thread calls it after every read, the fuzz target directly. */
enum fr_exporter_route fr_exporter_route(const char *req, size_t len, int *head_only);

/* Binds LISTEN ("HOST:PORT", "[V6]:PORT"; port 0 picks a free one, see
 * fr_exporter_port) and starts serving M, which must outlive the exporter.
 * Returns FR_EXPORTER_OK and sets *e_out (free with fr_exporter_free), or
 * another status with a message in *err_out (caller frees). */
enum fr_exporter_status fr_exporter_start(struct fr_metrics *m, const char *listen, struct fr_exporter **e_out,
                                          char **err_out);

/* Stops the serving thread, closes the port and frees E; accepts NULL. */
void fr_exporter_free(struct fr_exporter *e);

/* The bound TCP port (useful after port 0). */
int fr_exporter_port(const struct fr_exporter *e);

/* Waits up to SECONDS until Prometheus has scraped /metrics once, so that it
 * has seen every series at zero before load starts (the windows of `flowrun
 * slo` then start from a real sample). Returns 0 once scraped, -1 on timeout
 * or when *STOP is set. */
int fr_exporter_wait_scrape(struct fr_exporter *e, double seconds, volatile sig_atomic_t *stop);

/* Keeps serving for SECONDS after the run (the caller sleeps here), so that
 * Prometheus scrapes the final values, or until *STOP (may be NULL) is set.
 * Accepts NULL (returns at once). */
void fr_exporter_linger(struct fr_exporter *e, double seconds, volatile sig_atomic_t *stop);

#endif
