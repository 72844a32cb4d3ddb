/* http.h: one HTTP request of a plan, sent on a loop, its outcome, timings and captures.
 *
 * fr_http_start prepares a reused easy handle from a struct fr_request and a
 * variable store: URL (base_url + path, or an absolute URL), query (values
 * URL-encoded), headers (target headers, then auth headers, then the
 * request's), body, method and timeout are expanded with fr_vars_expand. The
 * response body is not kept unless the request has captures (then it is kept
 * up to FR_CAPTURE_BODY_MAX). When the transfer ends the captures are applied
 * to the store given at start (capture.h) and the caller's done function gets
 * a struct fr_http_result.
 *
 * Timings: service_us is curl's total time of the transfer (from the moment
 * it actually started); the latency from an intended send time is the
 * caller's business (done_ns − intended), which is how the open model avoids
 * coordinated omission.
 */
#ifndef FR_HTTP_H
#define FR_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "engine/loop.h"
#include "plan/plan.h"
#include "result/results.h"
#include "plan/vars.h"

/* What every request of a run shares: the target and the auth headers.
 * Strings and lists point into the plan; the run owns the struct. */
struct fr_http_target {
	const char *base_url;                 /* "http://127.0.0.1:8080" (no trailing slash needed) */
	int64_t timeout_us;                   /* default request timeout */
	const struct fr_kvlist *headers;      /* target headers (templates), may be NULL */
	const struct fr_kvlist *auth_headers; /* added after auth (templates), may be NULL */
};

struct fr_http_result {
	enum fr_outcome outcome;
	long status;        /* HTTP status, 0 when there was no response */
	int64_t service_us; /* curl's total time, µs */
	int64_t done_ns;    /* monotonic time the transfer ended */
	CURLcode code;      /* curl's result */
	int capture_failed; /* a capture found nothing (the variable is left unset) */
	const char *error;  /* curl's message or a capture problem; valid during the callback */
};

struct fr_http;

/* Called on the loop's thread when the request has ended; REQ is freed after it returns. */
typedef void (*fr_http_done_fn)(struct fr_http *req, const struct fr_http_result *res, void *arg);

/* Starts REQ (a plain request, not a group) on LOOP. VARS expands its
 * templates and receives its captures, so it must live until the done
 * function has run; RNG is the caller's random state for ${rand:A..B}.
 * Returns the transfer (owned by the loop until DONE has been called), or
 * NULL when the request could not be prepared (RES_OUT, when not NULL, then
 * says why, with outcome FR_ERR_OTHER; DONE is not called). */
struct fr_http *fr_http_start(struct fr_loop *loop, const struct fr_http_target *tgt, const struct fr_request *req,
                              struct fr_varstore *vars, uint64_t *rng, fr_http_done_fn done, void *arg,
                              struct fr_http_result *res_out);

/* Aborts a transfer in flight: its done function is not called. */
void fr_http_cancel(struct fr_http *req);

/* Sends REQ and runs LOOP until it has answered (auth, setup, teardown).
 * Returns 0 when the response was 2xx/3xx and every capture matched, else -1;
 * *RES_OUT is filled either way and *ERR_OUT (caller frees, may be NULL)
 * describes a failure, e.g. "POST /api/auth/login: HTTP 401". */
int fr_http_sync(struct fr_loop *loop, const struct fr_http_target *tgt, const struct fr_request *req,
                 struct fr_varstore *vars, uint64_t *rng, struct fr_http_result *res_out, char **err_out);

/* The outcome class of a finished transfer: curl's result, the socket's
 * errno (ECONNRESET → reset), whether the connection was up, the status. */
enum fr_outcome fr_http_classify(CURLcode code, long os_errno, int connected, long status);

#endif
