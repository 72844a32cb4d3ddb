/* http_curl.h: the libcurl path of a plan request — an easy handle on the loop's multi.
 *
 * fr_http_curl_start prepares a reused easy handle (loop.h) from a struct
 * fr_request and a variable store: URL (base_url + path, or an absolute URL),
 * query (values URL-encoded), headers (target headers, then auth headers, then
 * the request's), body, method and timeout, expanded with fr_vars_expand.
 * The answer's body and header lines go to the caller's buffers when it asks
 * (captures); when the transfer ends the done function gets curl's result.
 */
#ifndef FR_HTTP_CURL_H
#define FR_HTTP_CURL_H

#include <curl/curl.h>

#include "engine/http_types.h"
#include "engine/loop.h"
#include "plan/vars.h"
#include "util/buf.h"

struct fr_http_curl;

/* Called on the loop's thread when the transfer has ended. */
typedef void (*fr_http_curl_done_fn)(struct fr_http_curl *hc, CURLcode code);

/* One transfer, embedded in its owner (http.c); reusable after fr_http_curl_clear. */
struct fr_http_curl {
	struct fr_loop_xfer xfer;
	struct fr_loop *loop;
	fr_http_curl_done_fn done;
	struct fr_buf *body_in; /* the answer's body goes here when not NULL */
	struct fr_buf *head_in; /* its header lines ("Name: value", NUL after each) when not NULL */
	char *url;
	char *body;
	struct curl_slist *hdrs;
	char errbuf[CURL_ERROR_SIZE];
};

/* Starts REQ on LOOP (HC's done, body_in and head_in set by the caller).
 * Returns 0, or -1 when it could not be started (nothing to clear then but
 * fr_http_curl_clear; done is not called). A request that must not go out
 * — a URL that is not http:// or https://, a CR or LF in the URL or in an
 * expanded header value — is -1 with the reason in *REFUSED_OUT (valid
 * until the next refusal on this thread); else *REFUSED_OUT is NULL. */
int fr_http_curl_start(struct fr_http_curl *hc, struct fr_loop *loop, const struct fr_http_target *tgt,
                       const struct fr_request *req, const struct fr_varstore *vs, uint64_t *rng,
                       const char **refused_out);

/* How the finished transfer went (call from the done function). */
void fr_http_curl_raw(struct fr_http_curl *hc, CURLcode code, struct fr_http_raw *raw);

/* Aborts the transfer if it is in flight (no done call). */
void fr_http_curl_abort(struct fr_http_curl *hc);

/* Gives the easy handle back and frees what the transfer built. */
void fr_http_curl_clear(struct fr_http_curl *hc);

#endif
