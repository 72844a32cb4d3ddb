/* http.c: a plan request on a loop — through the lean path or libcurl — and its answer as an outcome.
 *
 * Each loop carries this module's state (fr_loop_set_ext): the lean client,
 * the requests compiled for it, and a free list of struct fr_http, which
 * keep their buffers (request bytes, and the body and header lines captures
 * read) from one request to the next, so a steady lean run allocates
 * nothing. A request takes the lean path when the engine allows it, its
 * compiled form exists (h1_request.h says whether it can) and this
 * expansion of its URL is one curl sends as it is; otherwise libcurl.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/capture.h"
#include "engine/h1_client.h"
#include "engine/h1_request.h"
#include "engine/http.h"
#include "engine/http_curl.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/container.h"
#include "util/redact.h"
#include "util/xmalloc.h"

#define HEADERS_MAX   (64 * 1024)
#define KEEP_BODY_CAP (64 * 1024) /* a reused transfer keeps a body buffer up to this size */

/* A request compiled for the lean path, or why it cannot be. */
struct compiled {
	const struct fr_request *req;
	const char *base_url; /* with the target's base URL, headers and auth headers */
	const struct fr_kvlist *headers;
	const struct fr_kvlist *auth;
	struct fr_h1_request *c; /* NULL: curl */
};

/* This module's state on one loop. */
struct ctx {
	struct fr_loop *loop;
	struct fr_h1_client *h1;
	struct compiled *cache;
	size_t ncache;
	struct fr_http *free;
	struct fr_http *all;
};

struct fr_http {
	struct ctx *ctx;
	const struct fr_request *req;
	struct fr_varstore *vars;
	fr_http_done_fn done;
	void *arg;
	int lean;
	int busy;
	struct fr_buf body_in; /* response body, when kept; capped at FR_CAPTURE_BODY_MAX */
	struct fr_buf head_in; /* response header lines, NUL-separated, when kept; capped at HEADERS_MAX */
	struct fr_http_curl curl;
	struct fr_h1_xfer hx;
	struct fr_buf out;     /* the lean request's bytes, when not prebuilt */
	struct fr_buf scratch; /* its body or a query value being expanded */
	char errbuf[CURL_ERROR_SIZE];
	struct fr_http *next_free;
	struct fr_http *next_all;
};

/* Ends every lean transfer in flight, telling each owner (fr_loop_abort_all). */
static void ctx_abort_all(void *p)
{
	struct ctx *x = p;

	fr_h1_abort_all(x->h1);
}

/* Frees the state of a loop that goes away. */
static void ctx_free(void *p)
{
	struct ctx *x = p;

	fr_h1_client_free(x->h1);
	for (size_t i = 0; i < x->ncache; i++)
		fr_h1_request_free(x->cache[i].c);
	free(x->cache);
	while (x->all) {
		struct fr_http *h = x->all;
		x->all = h->next_all;
		h->curl.xfer.easy = NULL; /* the loop frees its handles itself */
		fr_http_curl_clear(&h->curl);
		fr_buf_free(&h->body_in);
		fr_buf_free(&h->head_in);
		fr_buf_free(&h->out);
		fr_buf_free(&h->scratch);
		free(h);
	}
	free(x);
}

static const struct fr_loop_ext ctx_ops = {ctx_abort_all, ctx_free};

/* The state of LOOP, created on first use. */
static struct ctx *ctx_of(struct fr_loop *loop)
{
	struct ctx *x = fr_loop_ext(loop);

	if (x)
		return x;
	x = xcalloc(1, sizeof(*x));
	x->loop = loop;
	x->h1 = fr_h1_client_create(loop);
	fr_loop_set_ext(loop, x, &ctx_ops);
	return x;
}

/* The lean form of REQ towards TGT, compiled on first use; NULL: curl. */
static struct fr_h1_request *compiled_of(struct ctx *x, const struct fr_http_target *tgt, const struct fr_request *req)
{
	struct compiled *e;
	const char *why;

	for (size_t i = 0; i < x->ncache; i++) {
		e = &x->cache[i];
		if (e->req == req && e->base_url == tgt->base_url && e->headers == tgt->headers &&
		    e->auth == tgt->auth_headers)
			return e->c;
	}
	x->cache = xreallocarray(x->cache, x->ncache + 1, sizeof(*x->cache));
	e = &x->cache[x->ncache++];
	*e = (struct compiled){req, tgt->base_url, tgt->headers, tgt->auth_headers, NULL};
	e->c = fr_h1_request_compile(tgt->base_url, tgt->headers, tgt->auth_headers, req, &why);
	return e->c;
}

/* A transfer from the free list, or a new one. */
static struct fr_http *http_get(struct ctx *x)
{
	struct fr_http *h = x->free;

	if (h) {
		x->free = h->next_free;
		return h;
	}
	h = xcalloc(1, sizeof(*h));
	h->ctx = x;
	fr_buf_init(&h->body_in, FR_CAPTURE_BODY_MAX);
	fr_buf_init(&h->head_in, HEADERS_MAX);
	h->next_all = x->all;
	x->all = h;
	return h;
}

/* Gives a finished transfer back; a body buffer grown large is let go. */
static void http_put(struct fr_http *h)
{
	fr_http_curl_clear(&h->curl);
	if (h->body_in.cap > KEEP_BODY_CAP)
		fr_buf_free(&h->body_in);
	h->busy = 0;
	h->next_free = h->ctx->free;
	h->ctx->free = h;
}

/* Which parts of the response the captures need. */
static void wanted_parts(const struct fr_request *req, int *body, int *headers)
{
	*body = *headers = 0;
	for (size_t i = 0; i < req->ncaptures; i++) {
		if (req->captures[i].kind == FR_CAPTURE_HEADER)
			*headers = 1;
		else
			*body = 1;
	}
}

/* Applies every capture to the response; returns the number that failed. */
static int apply_captures(struct fr_http *h, const char **err_out)
{
	int failed = 0;

	h->errbuf[0] = '\0';
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

/* Reports a finished transfer: outcome, captures, the caller's done function. */
static void report(struct fr_http *h, const struct fr_http_raw *raw, int64_t done_ns)
{
	struct fr_http_result r = {0};

	r.done_ns = done_ns;
	r.code = raw->code;
	r.status = raw->status;
	r.service_us = raw->service_us;
	r.lean = h->lean;
	r.outcome = fr_http_classify(raw->code, raw->os_errno, raw->connected, raw->status);
	r.error = raw->error;
	if (r.outcome == FR_OK && h->req->ncaptures)
		r.capture_failed = apply_captures(h, &r.error) > 0;
	h->done(h, &r, h->arg);
	http_put(h);
}

/* libcurl: the transfer ended. */
static void on_curl_done(struct fr_http_curl *hc, CURLcode code)
{
	struct fr_http *h = FR_CONTAINER_OF(hc, struct fr_http, curl);
	struct fr_http_raw raw;

	fr_http_curl_raw(hc, code, &raw);
	report(h, &raw, fr_clock_mono_ns());
}

/* The lean client: the transfer ended. */
static void on_lean_done(struct fr_h1_xfer *x)
{
	struct fr_http *h = FR_CONTAINER_OF(x, struct fr_http, hx);
	struct fr_http_raw raw = {x->code, x->os_errno, x->connected, x->status, (x->end_ns - x->start_ns) / 1000,
	                          NULL};

	if (x->code != CURLE_OK) {
		if (x->error)
			snprintf(h->errbuf, sizeof(h->errbuf), "%s", x->error);
		else if (x->os_errno)
			snprintf(h->errbuf, sizeof(h->errbuf), "%s: %s", curl_easy_strerror(x->code),
			         strerror((int)x->os_errno));
		else
			snprintf(h->errbuf, sizeof(h->errbuf), "%s", curl_easy_strerror(x->code));
		raw.error = h->errbuf;
	}
	report(h, &raw, x->end_ns);
}

/* Sends REQ the lean way when it can; 0 when it went. */
static int start_lean(struct fr_http *h, const struct fr_http_target *tgt, uint64_t *rng)
{
	struct fr_h1_request *c = compiled_of(h->ctx, tgt, h->req);
	struct fr_h1_xfer *x = &h->hx;
	int64_t tmo = h->req->timeout_us > 0 ? h->req->timeout_us : tgt->timeout_us;

	if (!c)
		return -1;
	x->req = fr_h1_request_build(c, h->vars, rng, &h->out, &h->scratch, &x->len);
	if (!x->req)
		return -1;
	x->head = fr_h1_request_is_head(c);
	x->timeout_ns = tmo > 0 ? (tmo + 999) / 1000 * 1000000 : 0; /* whole ms, as curl's option */
	x->done = on_lean_done;
	h->lean = 1;
	fr_h1_send(h->ctx->h1, x, fr_h1_request_addr(c));
	return 0;
}

/* Starts a request on the loop. */
struct fr_http *fr_http_start(struct fr_loop *loop, const struct fr_http_target *tgt, const struct fr_request *req,
                              struct fr_varstore *vars, uint64_t *rng, fr_http_done_fn done, void *arg,
                              struct fr_http_result *res_out)
{
	struct ctx *x = ctx_of(loop);
	struct fr_http *h = http_get(x);
	int body, headers;

	h->req = req;
	h->vars = vars;
	h->done = done;
	h->arg = arg;
	h->lean = 0;
	h->busy = 1;
	wanted_parts(req, &body, &headers);
	fr_buf_reset(&h->body_in);
	fr_buf_reset(&h->head_in);
	h->hx.body = body ? &h->body_in : NULL;
	h->hx.hdrs = headers ? &h->head_in : NULL;
	if (tgt->engine != FR_HTTP_CURL && start_lean(h, tgt, rng) == 0)
		return h;
	h->curl.done = on_curl_done;
	h->curl.body_in = body ? &h->body_in : NULL;
	h->curl.head_in = headers ? &h->head_in : NULL;
	const char *refused = NULL;
	if (fr_http_curl_start(&h->curl, loop, tgt, req, vars, rng, &refused) == 0)
		return h;
	if (res_out) {
		memset(res_out, 0, sizeof(*res_out));
		res_out->outcome = FR_ERR_OTHER;
		res_out->done_ns = fr_clock_mono_ns();
		res_out->error = refused ? refused : "cannot start the transfer";
	}
	http_put(h);
	return NULL;
}

/* Aborts a transfer without calling its done function. */
void fr_http_cancel(struct fr_http *h)
{
	if (!h || !h->busy)
		return;
	if (h->lean)
		fr_h1_abort(&h->hx);
	else
		fr_http_curl_abort(&h->curl);
	http_put(h);
}

/* Why the lean path cannot send REQ, or NULL. */
const char *fr_http_lean_refusal(const struct fr_http_target *tgt, const struct fr_request *req)
{
	const char *why = NULL;
	struct fr_h1_request *c = fr_h1_request_compile(tgt->base_url, tgt->headers, tgt->auth_headers, req, &why);

	fr_h1_request_free(c);
	return c ? NULL : why;
}

static const char *const engine_names[] = {"auto", "curl", "lean"};

/* Parses an engine name. */
int fr_http_engine_parse(const char *name, enum fr_http_engine *out)
{
	for (int i = 0; i < 3; i++)
		if (strcmp(name, engine_names[i]) == 0) {
			*out = (enum fr_http_engine)i;
			return 0;
		}
	return -1;
}

/* The name of an engine. */
const char *fr_http_engine_name(enum fr_http_engine e)
{
	return (unsigned)e < 3 ? engine_names[e] : "?";
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

#define SYNC_STOP_POLL_NS 20000000 /* how often a synchronous request looks at the stop flag */

struct sync_state {
	int done;
	struct fr_http_result res;
	char *err;
	const volatile sig_atomic_t *stop;
	struct fr_timer poll; /* wakes the loop to look at the stop flag */
	struct fr_loop *loop;
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

/* Timer: a signal may land on another thread and leave this loop asleep
 * until curl's next timeout, so the flag is looked at on a short period. */
static void on_sync_poll(struct fr_timer *t)
{
	struct sync_state *st = FR_CONTAINER_OF(t, struct sync_state, poll);

	if (!(st->stop && *st->stop))
		fr_sched_arm(fr_loop_sched(st->loop), t, fr_clock_mono_ns() + SYNC_STOP_POLL_NS);
}

/* sync_error, the request named WHAT. */
static char *sync_error_of(const char *what, const struct fr_request *req, const struct sync_state *st)
{
	const char *m = req->method ? req->method : "GET";

	if (st->res.code == CURLE_ABORTED_BY_CALLBACK)
		return xasprintf("%s %s: interrupted", m, what);
	if (st->res.code != CURLE_OK)
		return xasprintf("%s %s: %s", m, what, st->err ? st->err : curl_easy_strerror(st->res.code));
	if (st->res.outcome != FR_OK)
		return xasprintf("%s %s: HTTP %ld", m, what, st->res.status);
	return xasprintf("%s %s: capture failed: %s", m, what, st->err ? st->err : "no match");
}

/* A one-line description of a failed synchronous request. */
static char *sync_error(const struct fr_request *req, const struct sync_state *st)
{
	char *shown = req->name ? NULL : fr_redact_url(req->url); /* an unnamed request is named by its URL */
	char *msg = sync_error_of(req->name ? req->name : shown, req, st);
	free(shown);
	return msg;
}

/* Sends REQ and waits for its answer on LOOP, or until *STOP. */
int fr_http_sync(struct fr_loop *loop, const struct fr_http_target *tgt, const struct fr_request *req,
                 struct fr_varstore *vars, uint64_t *rng, const volatile sig_atomic_t *stop,
                 struct fr_http_result *res_out, char **err_out)
{
	struct sync_state st = {.stop = stop, .loop = loop};
	int rc;

	if (err_out)
		*err_out = NULL;
	fr_timer_init(&st.poll, on_sync_poll);
	struct fr_http *h = fr_http_start(loop, tgt, req, vars, rng, on_sync_done, &st, &st.res);
	if (!h) {
		st.err = xstrdup(st.res.error ? st.res.error : "cannot start the transfer");
		st.res.error = NULL;
		st.res.code = CURLE_FAILED_INIT;
		st.done = 1;
	} else if (stop) {
		on_sync_poll(&st.poll);
	}
	while (!st.done && !(stop && *stop))
		fr_loop_run_once(loop);
	fr_sched_cancel(fr_loop_sched(loop), &st.poll);
	if (!st.done) {
		fr_http_cancel(h);
		memset(&st.res, 0, sizeof st.res);
		st.res.outcome = FR_ERR_OTHER;
		st.res.code = CURLE_ABORTED_BY_CALLBACK;
		st.res.done_ns = fr_clock_mono_ns();
	}
	rc = st.res.outcome == FR_OK && !st.res.capture_failed ? 0 : -1;
	if (res_out)
		*res_out = st.res;
	if (rc != 0 && err_out)
		*err_out = sync_error(req, &st);
	free(st.err);
	return rc;
}
