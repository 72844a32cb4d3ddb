/* h1_request.h: the bytes of an HTTP/1.1 request of a plan, as curl would send them, built once where possible.
 *
 * The lean HTTP path (http.c, h1_client.h) sends exactly what the curl path
 * sends for the same request: the request line with the URL's path and the
 * query (values escaped as curl_easy_escape does), Host, User-Agent and
 * Accept unless the plan sets them, the target's, the auth and the request's
 * headers in that order (a header whose value is empty is not sent and
 * removes curl's own of that name, as curl does), Content-Length and curl's
 * default Content-Type for a body or a POST, and the body.
 *
 * fr_h1_request_compile looks at a request once: whether the lean path can
 * send it at all (plain http://, a fixed host that resolves to one address,
 * no credentials in the URL, no header that changes the framing), the
 * origin, and the request's fixed parts. When no template of the request
 * holds a run-time reference its bytes are built right there and every send
 * reuses them. Otherwise fr_h1_request_build expands them into the caller's
 * reused buffers, which allocates nothing once they have grown; it refuses a
 * URL that curl would rewrite (spaces, non-ASCII, `#`, dot segments), which
 * then goes through curl so that both paths send the same thing.
 */
#ifndef FR_H1_REQUEST_H
#define FR_H1_REQUEST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "plan/plan.h"
#include "plan/vars.h"
#include "util/buf.h"

/* Where a compiled request goes. */
struct fr_h1_addr {
	struct sockaddr_storage sa;
	socklen_t len;
};

struct fr_h1_request;

/* Compiles REQ (not a group) sent to BASE_URL with the target's HEADERS and
 * AUTH headers (either may be NULL). Returns NULL when the lean path cannot
 * send it, with the reason in *WHY_OUT (static text: "https:// needs
 * libcurl", …). Resolves the host (blocking, once). Free with
 * fr_h1_request_free. */
struct fr_h1_request *fr_h1_request_compile(const char *base_url, const struct fr_kvlist *headers,
                                            const struct fr_kvlist *auth, const struct fr_request *req,
                                            const char **why_out);
void fr_h1_request_free(struct fr_h1_request *c); /* accepts NULL */

/* The address the request goes to. */
const struct fr_h1_addr *fr_h1_request_addr(const struct fr_h1_request *c);
/* Whether the request is a HEAD (its answer has no body). */
int fr_h1_request_is_head(const struct fr_h1_request *c);

/* The request's bytes for one send: the prebuilt ones, or expanded from VS
 * (and RNG for ${rand:…}) into OUT, using SCRATCH for the body. Returns the
 * bytes and their length in *LEN_OUT, valid until the next build with the
 * same buffers; NULL when this expansion must go through curl (a URL curl
 * would rewrite). */
const char *fr_h1_request_build(const struct fr_h1_request *c, const struct fr_varstore *vs, uint64_t *rng,
                                struct fr_buf *out, struct fr_buf *scratch, size_t *len_out);

/* Whether NAME=VALUE proxy settings of the environment (http_proxy,
 * all_proxy, …) would send plain HTTP through a proxy: then curl must. */
int fr_h1_proxy_configured(void);

#endif
