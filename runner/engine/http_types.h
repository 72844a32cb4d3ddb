/* http_types.h: what both HTTP paths share — the target, the choice of path, and a request's result.
 *
 * http.h sends requests through one of two paths: libcurl (http_curl.h, for
 * everything) and the lean HTTP/1.1 client (h1_client.h, for plain http://
 * on kept-alive connections). Both describe how a transfer ended in the same
 * words (struct fr_http_raw, in libcurl's vocabulary), which http.c turns into
 * one outcome class with fr_http_classify, so that a plan gets the same
 * outcomes, captures and timings whichever path carried its requests.
 */
#ifndef FR_HTTP_TYPES_H
#define FR_HTTP_TYPES_H

#include <stdint.h>

#include <curl/curl.h>

#include "plan/plan.h"
#include "result/results.h"

/* Which path carries a run's requests (--http-engine). */
enum fr_http_engine {
	FR_HTTP_AUTO, /* the lean path for every request it can send, libcurl for the rest */
	FR_HTTP_CURL, /* libcurl for everything */
	FR_HTTP_LEAN, /* as auto, but a load request the lean path cannot send is an error */
};

/* What every request of a run shares: the target and the auth headers.
 * Strings and lists point into the plan; the run owns the struct. */
struct fr_http_target {
	const char *base_url;                 /* "http://127.0.0.1:8080" (no trailing slash needed) */
	int64_t timeout_us;                   /* default request timeout */
	const struct fr_kvlist *headers;      /* target headers (templates), may be NULL */
	const struct fr_kvlist *auth_headers; /* added after auth (templates), may be NULL */
	enum fr_http_engine engine;           /* 0: auto */
	const char *ca_file;                  /* CA certificates verifying https and wss, or NULL: the system's */
};

/* How a transfer ended, in libcurl's words, from either path. */
struct fr_http_raw {
	CURLcode code;      /* CURLE_OK or the failure */
	long os_errno;      /* the socket's errno of a failure */
	int connected;      /* a connection was up */
	long status;        /* HTTP status, 0 without an answer */
	int64_t service_us; /* from the start of the transfer to its end */
	const char *error;  /* a message for a failure (valid until the transfer is freed), or NULL */
};

struct fr_http_result {
	enum fr_outcome outcome;
	long status;        /* HTTP status, 0 when there was no response */
	int64_t service_us; /* the transfer's total time, µs (from its actual start) */
	int64_t done_ns;    /* monotonic time the transfer ended */
	CURLcode code;      /* the transfer's result in libcurl's terms (either path) */
	int capture_failed; /* a capture found nothing (the variable is left unset) */
	int lean;           /* the lean path carried it */
	const char *error;  /* the failure's message or a capture problem; valid during the callback */
};

#endif
