/* http.c: turns a plan request into a libcurl transfer on a loop, and its answer into an outcome.
 *
 * A struct fr_http lives from fr_http_start until its done function has
 * returned. It owns the expanded URL, body and header list (curl does not copy
 * them) and, only when the request has captures, the response body (cut at
 * FR_CAPTURE_BODY_MAX) and headers, in capped buffers (util/buf.h). Easy
 * handles come from the loop's free list and go back to it, so connections
 * and handles are reused across requests.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/capture.h"
#include "engine/http.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/container.h"
#include "util/xmalloc.h"

#define HEADERS_MAX (64 * 1024)

struct fr_http {
	struct fr_loop_xfer xfer; /* the loop hands it back to on_done */
	struct fr_loop *loop;
	const struct fr_request *req;
	struct fr_varstore *vars;
	fr_http_done_fn done;
	void *arg;
	char *url;
	char *body;
	struct curl_slist *hdrs;
	int keep_body;
	int keep_headers;
	struct fr_buf body_in; /* response body, when kept; capped at FR_CAPTURE_BODY_MAX */
	struct fr_buf head_in; /* response header lines, NUL-separated, when kept; capped at HEADERS_MAX */
	char errbuf[CURL_ERROR_SIZE];
};

/* Appends what fits of N bytes: an answer over the cap is cut, not dropped,
 * so captures still see its beginning. */
static void keep(struct fr_buf *b, const char *p, size_t n)
{
	size_t room = b->max - b->len;

	fr_buf_add(b, p, n < room ? n : room);
}

/* curl: response body data; kept only when the request captures from it. */
static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct fr_http *h = arg;

	if (h->keep_body)
		keep(&h->body_in, p, size * n);
	return size * n;
}

/* curl: one response header line; kept (without CRLF) when captures need headers. */
static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct fr_http *h = arg;
	size_t len = size * n;

	if (!h->keep_headers)
		return len;
	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0)
		fr_buf_reset(&h->head_in); /* a new response (after 1xx): forget the previous one */
	while (len && (p[len - 1] == '\r' || p[len - 1] == '\n'))
		len--;
	if (len) {
		keep(&h->head_in, p, len);
		keep(&h->head_in, "", 1); /* the NUL separator */
	}
	return size * n;
}

/* Appends "?k=v&…" (values URL-encoded) for the request's query map. */
static char *add_query(CURL *easy, char *url, const struct fr_kvlist *q, const struct fr_varstore *vs, uint64_t *rng)
{
	for (size_t i = 0; i < q->n; i++) {
		char *v = fr_vars_expand(q->items[i].value, vs, rng, NULL);
		char *ek = curl_easy_escape(easy, q->items[i].key, 0);
		char *ev = curl_easy_escape(easy, v, 0);
		char *u = xasprintf("%s%c%s=%s", url, strchr(url, '?') ? '&' : '?', ek ? ek : "", ev ? ev : "");
		curl_free(ek);
		curl_free(ev);
		free(v);
		free(url);
		url = u;
	}
	return url;
}

/* The full URL of REQ: base_url + path, or the absolute URL, plus the query. */
static char *build_url(CURL *easy, const struct fr_http_target *tgt, const struct fr_request *req,
                       const struct fr_varstore *vs, uint64_t *rng)
{
	char *u = fr_vars_expand(req->url ? req->url : "/", vs, rng, NULL);
	char *url;

	if (req->url_is_path) {
		size_t bl = strlen(tgt->base_url);
		int slash = bl && tgt->base_url[bl - 1] == '/';
		const char *path = u;
		if (slash && path[0] == '/')
			path++;
		url = xasprintf("%s%s%s", tgt->base_url, (!slash && path[0] != '/') ? "/" : "", path);
		free(u);
	} else {
		url = u;
	}
	return add_query(easy, url, &req->query, vs, rng);
}

/* Adds the expanded headers of LIST to SL. */
static struct curl_slist *add_headers(struct curl_slist *sl, const struct fr_kvlist *list, const struct fr_varstore *vs,
                                      uint64_t *rng, int *has_ct)
{
	if (!list)
		return sl;
	for (size_t i = 0; i < list->n; i++) {
		char *v = fr_vars_expand(list->items[i].value, vs, rng, NULL);
		char *line = xasprintf("%s: %s", list->items[i].key, v);
		if (strcasecmp(list->items[i].key, "Content-Type") == 0)
			*has_ct = 1;
		sl = curl_slist_append(sl, line);
		free(line);
		free(v);
	}
	return sl;
}

/* Sets method, body and headers on the easy handle. */
static void set_method_body(struct fr_http *h, const struct fr_http_target *tgt, uint64_t *rng)
{
	const struct fr_request *req = h->req;
	CURL *e = h->xfer.easy;
	const char *m = req->method ? req->method : "GET";
	int has_ct = 0;

	h->hdrs = add_headers(NULL, tgt->headers, h->vars, rng, &has_ct);
	h->hdrs = add_headers(h->hdrs, tgt->auth_headers, h->vars, rng, &has_ct);
	h->hdrs = add_headers(h->hdrs, &req->headers, h->vars, rng, &has_ct);
	if (req->body) {
		h->body = fr_vars_expand(req->body, h->vars, rng, NULL);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, h->body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(h->body));
		if (req->body_is_json && !has_ct)
			h->hdrs = curl_slist_append(h->hdrs, "Content-Type: application/json");
	}
	if (strcmp(m, "HEAD") == 0)
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	else if (strcmp(m, "POST") == 0 && !req->body) {
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, 0L);
	} else if (strcmp(m, "GET") != 0 && strcmp(m, "POST") != 0)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, m);
	if (h->hdrs)
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, h->hdrs);
}

/* Which parts of the response the captures need. */
static void wanted_parts(struct fr_http *h)
{
	for (size_t i = 0; i < h->req->ncaptures; i++) {
		if (h->req->captures[i].kind == FR_CAPTURE_HEADER)
			h->keep_headers = 1;
		else
			h->keep_body = 1;
	}
}

/* Sets every option of the transfer. */
static void prepare(struct fr_http *h, const struct fr_http_target *tgt, uint64_t *rng)
{
	CURL *e = h->xfer.easy;
	int64_t tmo = h->req->timeout_us > 0 ? h->req->timeout_us : tgt->timeout_us;

	h->url = build_url(e, tgt, h->req, h->vars, rng);
	curl_easy_setopt(e, CURLOPT_URL, h->url);
	set_method_body(h, tgt, rng);
	wanted_parts(h);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, h);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, h);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, h->errbuf);
	if (tmo > 0)
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)((tmo + 999) / 1000));
	curl_easy_setopt(e, CURLOPT_USERAGENT, "flowrun/" PACKAGE_VERSION);
}

/* Frees a transfer's own memory and gives its easy handle back. */
static void http_free(struct fr_http *h)
{
	if (h->xfer.easy)
		fr_loop_easy_put(h->loop, h->xfer.easy);
	curl_slist_free_all(h->hdrs);
	free(h->url);
	free(h->body);
	fr_buf_free(&h->body_in);
	fr_buf_free(&h->head_in);
	free(h);
}

/* Applies every capture to the response; returns the number that failed. */
static int apply_captures(struct fr_http *h, const char **err_out)
{
	int failed = 0;

	for (size_t i = 0; i < h->req->ncaptures; i++) {
		char *err = NULL;
		if (fr_capture_apply(&h->req->captures[i], fr_buf_str(&h->body_in), h->body_in.len,
		                     fr_buf_str(&h->head_in), h->head_in.len, h->vars, &err) != 0) {
			failed++;
			if (!h->errbuf[0] && err)
				snprintf(h->errbuf, sizeof(h->errbuf), "%s", err);
		}
		free(err);
	}
	*err_out = h->errbuf[0] ? h->errbuf : NULL;
	return failed;
}

/* The result of a finished transfer. */
static void fill_result(struct fr_http *h, CURLcode code, struct fr_http_result *r)
{
	CURL *e = h->xfer.easy;
	curl_off_t total = 0, connect = 0;
	long os_errno = 0;

	memset(r, 0, sizeof(*r));
	r->done_ns = fr_clock_mono_ns();
	r->code = code;
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_getinfo(e, CURLINFO_TOTAL_TIME_T, &total);
	curl_easy_getinfo(e, CURLINFO_CONNECT_TIME_T, &connect);
	curl_easy_getinfo(e, CURLINFO_OS_ERRNO, &os_errno);
	r->service_us = (int64_t)total;
	r->outcome = fr_http_classify(code, os_errno, connect > 0 || r->status > 0, r->status);
	if (code != CURLE_OK)
		r->error = h->errbuf[0] ? h->errbuf : curl_easy_strerror(code);
}

/* The loop: the transfer ended. */
static void on_done(struct fr_loop_xfer *xfer, CURLcode code)
{
	struct fr_http *h = FR_CONTAINER_OF(xfer, struct fr_http, xfer);
	struct fr_http_result r;

	fill_result(h, code, &r);
	if (r.outcome == FR_OK && h->req->ncaptures) {
		h->errbuf[0] = '\0';
		r.capture_failed = apply_captures(h, &r.error) > 0;
	}
	h->done(h, &r, h->arg);
	http_free(h);
}

/* Starts a request on the loop. */
struct fr_http *fr_http_start(struct fr_loop *loop, const struct fr_http_target *tgt, const struct fr_request *req,
                              struct fr_varstore *vars, uint64_t *rng, fr_http_done_fn done, void *arg,
                              struct fr_http_result *res_out)
{
	struct fr_http *h = xcalloc(1, sizeof(*h));

	fr_buf_init(&h->body_in, FR_CAPTURE_BODY_MAX);
	fr_buf_init(&h->head_in, HEADERS_MAX);
	h->loop = loop;
	h->req = req;
	h->vars = vars;
	h->done = done;
	h->arg = arg;
	h->xfer.done = on_done;
	h->xfer.easy = fr_loop_easy_get(loop);
	if (h->xfer.easy) {
		prepare(h, tgt, rng);
		if (fr_loop_add(loop, &h->xfer) == 0)
			return h;
	}
	if (res_out) {
		memset(res_out, 0, sizeof(*res_out));
		res_out->outcome = FR_ERR_OTHER;
		res_out->done_ns = fr_clock_mono_ns();
		res_out->error = "cannot start the transfer";
	}
	http_free(h);
	return NULL;
}

/* Aborts a transfer without calling its done function. */
void fr_http_cancel(struct fr_http *h)
{
	if (!h)
		return;
	fr_loop_abort(h->loop, &h->xfer);
	http_free(h);
}

/* Whether CODE is one of curl's TLS errors. */
static int is_tls_error(CURLcode code)
{
	switch (code) {
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_SHUTDOWN_FAILED:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CLIENTCERT: return 1;
	default: return 0;
	}
}

/* The outcome class of a transfer. */
enum fr_outcome fr_http_classify(CURLcode code, long os_errno, int connected, long status)
{
	if (code == CURLE_OK)
		return status >= 500 ? FR_ERR_HTTP_5XX : status >= 400 ? FR_ERR_HTTP_4XX : FR_OK;
	if (code == CURLE_COULDNT_CONNECT && os_errno == ETIMEDOUT)
		return FR_ERR_CONNECT_TIMEOUT;
	if (code == CURLE_COULDNT_CONNECT) /* refused; a local failure (no ports left) is other */
		return os_errno == ECONNREFUSED || os_errno == 0 ? FR_ERR_CONNECT_REFUSED : FR_ERR_OTHER;
	if (code == CURLE_OPERATION_TIMEDOUT)
		return connected ? FR_ERR_TIMEOUT : FR_ERR_CONNECT_TIMEOUT;
	if (is_tls_error(code))
		return FR_ERR_TLS;
	if (code == CURLE_RECV_ERROR || code == CURLE_SEND_ERROR)
		return os_errno == ECONNRESET || os_errno == EPIPE ? FR_ERR_RESET : FR_ERR_OTHER;
	/* the peer closed the connection without (a complete) answer */
	if (code == CURLE_GOT_NOTHING || code == CURLE_PARTIAL_FILE)
		return FR_ERR_RESET;
	return FR_ERR_OTHER;
}

struct sync_state {
	int done;
	struct fr_http_result res;
	char *err;
};

/* fr_http_sync's done function: keep the result and a copy of the error. */
static void on_sync_done(struct fr_http *h, const struct fr_http_result *r, void *arg)
{
	struct sync_state *st = arg;

	st->res = *r;
	st->res.error = NULL;
	if (r->error)
		st->err = xstrdup(r->error);
	st->done = 1;
}

/* A one-line description of a failed synchronous request. */
static char *sync_error(const struct fr_request *req, const struct sync_state *st)
{
	const char *what = req->name ? req->name : req->url;
	const char *m = req->method ? req->method : "GET";

	if (st->res.code != CURLE_OK)
		return xasprintf("%s %s: %s", m, what, st->err ? st->err : curl_easy_strerror(st->res.code));
	if (st->res.outcome != FR_OK)
		return xasprintf("%s %s: HTTP %ld", m, what, st->res.status);
	return xasprintf("%s %s: capture failed: %s", m, what, st->err ? st->err : "no match");
}

/* Sends REQ and waits for its answer on LOOP. */
int fr_http_sync(struct fr_loop *loop, const struct fr_http_target *tgt, const struct fr_request *req,
                 struct fr_varstore *vars, uint64_t *rng, struct fr_http_result *res_out, char **err_out)
{
	struct sync_state st = {0};
	int rc;

	if (err_out)
		*err_out = NULL;
	if (!fr_http_start(loop, tgt, req, vars, rng, on_sync_done, &st, &st.res)) {
		st.err = xstrdup("cannot start the transfer");
		st.res.code = CURLE_FAILED_INIT;
		st.done = 1;
	}
	while (!st.done)
		fr_loop_run_once(loop);
	rc = st.res.outcome == FR_OK && !st.res.capture_failed ? 0 : -1;
	if (res_out)
		*res_out = st.res;
	if (rc != 0 && err_out)
		*err_out = sync_error(req, &st);
	free(st.err);
	return rc;
}
