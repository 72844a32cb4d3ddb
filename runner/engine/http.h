/* http.h: one HTTP request of a plan, sent on a loop, its outcome, timings and captures.
 *
 * fr_http_start sends a struct fr_request through one of two paths, chosen
 * per request by the target's engine (http_types.h): the lean HTTP/1.1
 * client (h1_client.h: plain http://, kept-alive connections, request bytes
 * built once where nothing varies, no allocation per request) or libcurl
 * (http_curl.h: everything, TLS, proxies, …). In auto mode a request goes the
 * lean way when it can; both paths send the same bytes, keep what captures
 * need in the same form, and report in libcurl's words, so outcomes
 * (fr_http_classify), captures and timings are the same whichever path
 * carried it. The response body is not kept unless the request has captures
 * (then up to FR_CAPTURE_BODY_MAX). When the transfer ends the captures are
 * applied to the store given at start (capture.h) and the caller's done
 * function gets a struct fr_http_result.
 *
 * Timings: service_us is the transfer's total time (from the moment it
 * actually started); the latency from an intended send time is the caller's
 * business (done_ns − intended), which is how the open model avoids
 * coordinated omission.
 */
#ifndef FR_HTTP_H
#define FR_HTTP_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/http_types.h"
#include "engine/loop.h"
#include "plan/plan.h"
#include "plan/vars.h"
#include "result/results.h"

struct fr_http;

/* Called on the loop's thread when the request has ended; REQ is reused after it returns. */
typedef void (*fr_http_done_fn)(struct fr_http *req, const struct fr_http_result *res, void *arg);

/* Starts REQ (a plain request, not a group) on LOOP. VARS expands its
 * templates and receives its captures, so it must live until the done
 * function has run; RNG is the caller's random state for ${rand:A..B}.
 * Returns the transfer (owned by the loop until DONE has been called), or
 * NULL when the request could not be prepared (RES_OUT, when not NULL, then
 * says why, with outcome FR_ERR_OTHER; DONE is not called). A request that
 * must not go out is refused that way, its error saying why: a URL that is
 * not http:// or https:// ("refused a file: URL: only http:// and https://
 * are sent"), CR or LF in the URL or in an expanded header value ("refused:
 * header 'X-Token' has a CR or LF in its value"). */
struct fr_http *fr_http_start(struct fr_loop *loop, const struct fr_http_target *tgt, const struct fr_request *req,
                              struct fr_varstore *vars, uint64_t *rng, fr_http_done_fn done, void *arg,
                              struct fr_http_result *res_out);

/* Aborts a transfer in flight: its done function is not called. */
void fr_http_cancel(struct fr_http *req);

/* Sends REQ and runs LOOP until it has answered (auth, setup, teardown), or
 * until *STOP (a signal's flag, may be NULL) is raised: the transfer is then
 * abandoned at once, with code CURLE_ABORTED_BY_CALLBACK. Returns 0 when the
 * response was 2xx/3xx and every capture matched, else -1; *RES_OUT is filled
 * either way and *ERR_OUT (caller frees, may be NULL) describes a failure,
 * e.g. "POST /api/auth/login: HTTP 401", "POST setup-1: interrupted". */
int fr_http_sync(struct fr_loop *loop, const struct fr_http_target *tgt, const struct fr_request *req,
                 struct fr_varstore *vars, uint64_t *rng, const volatile sig_atomic_t *stop,
                 struct fr_http_result *res_out, char **err_out);

/* The outcome class of a finished transfer: curl's result, the socket's
 * errno (ECONNRESET → reset), whether the connection was up, the status. */
enum fr_outcome fr_http_classify(CURLcode code, long os_errno, int connected, long status);

/* Why the lean path cannot send REQ (a plain request) to TGT, or NULL when it
 * can: "https:// needs libcurl", "a proxy is configured", … */
const char *fr_http_lean_refusal(const struct fr_http_target *tgt, const struct fr_request *req);

/* Parses an engine name ("auto", "curl", "lean"); -1 when it is none. */
int fr_http_engine_parse(const char *name, enum fr_http_engine *out);
/* The name of an engine. */
const char *fr_http_engine_name(enum fr_http_engine e);

#endif
