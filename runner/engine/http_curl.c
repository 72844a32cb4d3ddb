/* http_curl.c: a plan request as a libcurl transfer (see http_curl.h).
 *
 * The transfer owns the expanded URL, body and header list (curl does not
 * copy them) until fr_http_curl_clear. Easy handles come from the loop's free
 * list and go back to it, so connections and handles are reused across
 * requests.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/http_curl.h"
#include "util/container.h"
#include "util/xmalloc.h"

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
	struct fr_http_curl *hc = arg;

	if (hc->body_in)
		keep(hc->body_in, p, size * n);
	return size * n;
}

/* curl: one response header line; kept (without CRLF) when captures need headers. */
static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct fr_http_curl *hc = arg;
	size_t len = size * n;

	if (!hc->head_in)
		return len;
	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0)
		fr_buf_reset(hc->head_in); /* a new response (after 1xx): forget the previous one */
	while (len && (p[len - 1] == '\r' || p[len - 1] == '\n'))
		len--;
	if (len) {
		keep(hc->head_in, p, len);
		keep(hc->head_in, "", 1); /* the NUL separator */
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

/* Why a request must not go out, for fr_http_curl_start's caller; per thread. */
static __thread char refusal[160];

/* Adds the expanded headers of LIST to SL; a value with CR or LF (from a
 * captured or templated variable) would inject headers: the name of the
 * first such header goes into *BAD_OUT and the header is left out. */
static struct curl_slist *add_headers(struct curl_slist *sl, const struct fr_kvlist *list, const struct fr_varstore *vs,
                                      uint64_t *rng, int *has_ct, const char **bad_out)
{
	if (!list)
		return sl;
	for (size_t i = 0; i < list->n; i++) {
		char *v = fr_vars_expand(list->items[i].value, vs, rng, NULL);
		if (strpbrk(v, "\r\n")) {
			if (!*bad_out)
				*bad_out = list->items[i].key;
			free(v);
			continue;
		}
		char *line = xasprintf("%s: %s", list->items[i].key, v);
		if (strcasecmp(list->items[i].key, "Content-Type") == 0)
			*has_ct = 1;
		sl = curl_slist_append(sl, line);
		free(line);
		free(v);
	}
	return sl;
}

/* Sets method, body and headers on the easy handle; the name of a header
 * whose value holds CR or LF in *BAD_OUT (the request must not go). */
static void set_method_body(struct fr_http_curl *hc, const struct fr_http_target *tgt, const struct fr_request *req,
                            const struct fr_varstore *vs, uint64_t *rng, const char **bad_out)
{
	CURL *e = hc->xfer.easy;
	const char *m = req->method ? req->method : "GET";
	int has_ct = 0;

	hc->hdrs = add_headers(NULL, tgt->headers, vs, rng, &has_ct, bad_out);
	hc->hdrs = add_headers(hc->hdrs, tgt->auth_headers, vs, rng, &has_ct, bad_out);
	hc->hdrs = add_headers(hc->hdrs, &req->headers, vs, rng, &has_ct, bad_out);
	if (req->body) {
		hc->body = fr_vars_expand(req->body, vs, rng, NULL);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, hc->body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(hc->body));
		if (req->body_is_json && !has_ct)
			hc->hdrs = curl_slist_append(hc->hdrs, "Content-Type: application/json");
	}
	if (strcmp(m, "HEAD") == 0)
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	else if (strcmp(m, "POST") == 0 && !req->body) {
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, 0L);
	} else if (strcmp(m, "GET") != 0 && strcmp(m, "POST") != 0)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, m);
	if (hc->hdrs)
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, hc->hdrs);
}

/* Why URL must not be sent, or NULL: only http:// and https:// go out (a
 * URL a server sent back could say file:// or gopher://), and never with
 * CR or LF in it. The reason is kept in REFUSAL. */
static const char *refuse_url(const char *url)
{
	if (strpbrk(url, "\r\n"))
		return "refused: the URL has a CR or LF in it";
	if (strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0)
		return NULL;
	const char *colon = strchr(url, ':');
	size_t n = colon ? (size_t)(colon - url) : 0;
	if (n && n < 20 && strspn(url, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-") == n)
		snprintf(refusal, sizeof refusal, "refused a %.*s: URL: only http:// and https:// are sent", (int)n,
		         url);
	else
		snprintf(refusal, sizeof refusal, "refused a URL that is not http:// or https://");
	return refusal;
}

/* Sets every option of the transfer; the reason when it must not go, else NULL. */
static const char *prepare(struct fr_http_curl *hc, const struct fr_http_target *tgt, const struct fr_request *req,
                           const struct fr_varstore *vs, uint64_t *rng)
{
	CURL *e = hc->xfer.easy;
	int64_t tmo = req->timeout_us > 0 ? req->timeout_us : tgt->timeout_us;
	const char *bad = NULL, *why;

	hc->url = build_url(e, tgt, req, vs, rng);
	if ((why = refuse_url(hc->url)) != NULL)
		return why;
	curl_easy_setopt(e, CURLOPT_URL, hc->url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	set_method_body(hc, tgt, req, vs, rng, &bad);
	if (bad) {
		snprintf(refusal, sizeof refusal, "refused: header '%s' has a CR or LF in its value", bad);
		return refusal;
	}
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, hc);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, hc);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, hc->errbuf);
	if (tmo > 0)
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)((tmo + 999) / 1000));
	curl_easy_setopt(e, CURLOPT_USERAGENT, "flowrun/" PACKAGE_VERSION);
	if (tgt->ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, tgt->ca_file); /* verification stays on: curl's default */
	return NULL;
}

/* The loop: the transfer ended. */
static void on_done(struct fr_loop_xfer *xfer, CURLcode code)
{
	struct fr_http_curl *hc = FR_CONTAINER_OF(xfer, struct fr_http_curl, xfer);

	hc->done(hc, code);
}

/* Starts a request on the loop. */
int fr_http_curl_start(struct fr_http_curl *hc, struct fr_loop *loop, const struct fr_http_target *tgt,
                       const struct fr_request *req, const struct fr_varstore *vs, uint64_t *rng,
                       const char **refused_out)
{
	hc->loop = loop;
	hc->errbuf[0] = '\0';
	hc->xfer.done = on_done;
	hc->xfer.easy = fr_loop_easy_get(loop);
	*refused_out = NULL;
	if (!hc->xfer.easy)
		return -1;
	if ((*refused_out = prepare(hc, tgt, req, vs, rng)) != NULL)
		return -1;
	return fr_loop_add(loop, &hc->xfer);
}

/* How the transfer ended, from curl's info. */
void fr_http_curl_raw(struct fr_http_curl *hc, CURLcode code, struct fr_http_raw *raw)
{
	CURL *e = hc->xfer.easy;
	curl_off_t total = 0, connect = 0;

	memset(raw, 0, sizeof(*raw));
	raw->code = code;
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &raw->status);
	curl_easy_getinfo(e, CURLINFO_TOTAL_TIME_T, &total);
	curl_easy_getinfo(e, CURLINFO_CONNECT_TIME_T, &connect);
	curl_easy_getinfo(e, CURLINFO_OS_ERRNO, &raw->os_errno);
	raw->service_us = (int64_t)total;
	raw->connected = connect > 0 || raw->status > 0;
	if (code != CURLE_OK)
		raw->error = hc->errbuf[0] ? hc->errbuf : curl_easy_strerror(code);
}

/* Aborts the transfer without a done call. */
void fr_http_curl_abort(struct fr_http_curl *hc)
{
	fr_loop_abort(hc->loop, &hc->xfer);
}

/* Frees what the transfer built and gives its handle back. */
void fr_http_curl_clear(struct fr_http_curl *hc)
{
	if (hc->xfer.easy)
		fr_loop_easy_put(hc->loop, hc->xfer.easy);
	hc->xfer.easy = NULL;
	curl_slist_free_all(hc->hdrs);
	hc->hdrs = NULL;
	free(hc->url);
	hc->url = NULL;
	free(hc->body);
	hc->body = NULL;
}
