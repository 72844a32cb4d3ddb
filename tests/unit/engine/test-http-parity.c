/* test-http-parity.c: the lean path and libcurl send the same bytes and report the same outcomes.
 *
 * An in-process server (a thread polling its sockets) records every request
 * and answers as the test tells it: canned answers, chunked and
 * close-delimited bodies, 100 Continue, silence, garbage, a reset, a cut
 * body, a slow answer, and closing a kept-alive connection after answering.
 * Every case runs through fr_http_sync with --http-engine curl and then lean
 * (auto for the engine choice itself), and the test compares the request
 * bytes the server saw, the outcome class, the status and the captures.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/http.h"
#include "tap.h"

enum mode {
	ANSWER,      /* write the answer; keep the connection unless it says close */
	ANSWER_DROP, /* write the answer, then close the connection (keep-alive announced) */
	NOTHING,     /* close without a word */
	RESET,       /* write half the answer, then reset the connection */
	CUT,         /* write all but the last 5 bytes of the answer, then close */
	CUT_HEAD,    /* write the status line and part of a header, then close */
	CUT_STATUS,  /* write part of the status line, then close */
	SLOW,        /* answer after 400 ms */
};

struct server {
	int lfd;
	int port;
	pthread_t tid;
	_Atomic int stop;
	pthread_mutex_t mu;
	enum mode mode;
	const char *answer;
	char req[8192]; /* the last complete request */
	size_t reqlen;
	int accepted; /* connections accepted so far */
};

struct conn {
	int fd;
	char buf[8192];
	size_t len;
};

/* Whether BUF holds a complete request (headers and the Content-Length body); its length. */
static size_t complete(const char *buf, size_t len)
{
	const char *end = memmem(buf, len, "\r\n\r\n", 4), *cl;
	size_t head;

	if (!end)
		return 0;
	head = (size_t)(end - buf) + 4;
	cl = memmem(buf, head, "Content-Length: ", 16);
	if (cl && len - head < (size_t)atoi(cl + 16))
		return 0;
	return head + (cl ? (size_t)atoi(cl + 16) : 0);
}

/* Acts on one complete request of K; returns 0 to keep the connection, -1 when it was closed. */
static int respond(struct server *s, struct conn *k, size_t n)
{
	enum mode m;
	const char *a;
	size_t half;

	pthread_mutex_lock(&s->mu);
	memcpy(s->req, k->buf, n);
	s->reqlen = n;
	m = s->mode;
	a = s->answer;
	pthread_mutex_unlock(&s->mu);
	memmove(k->buf, k->buf + n, k->len - n);
	k->len -= n;
	half = strlen(a) / 2;
	if (m == SLOW)
		usleep(400000);
	if (m == NOTHING) {
		close(k->fd);
		return -1;
	}
	n = m == RESET ? half : m == CUT ? strlen(a) - 5 : m == CUT_HEAD ? 24 : m == CUT_STATUS ? 10 : strlen(a);
	if (write(k->fd, a, n) < 0)
		perror("write");
	if (m == RESET) {
		struct linger l = {1, 0};
		usleep(20000);
		setsockopt(k->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	}
	if (m == ANSWER && !strstr(a, "Connection: close") && !strstr(a, "HTTP/1.0"))
		return 0;
	if (m == ANSWER_DROP)
		usleep(20000); /* the client has the answer and parks the connection first */
	close(k->fd);
	return -1;
}

/* The server thread: accepts and serves until stopped. */
static void *serve(void *arg)
{
	struct server *s = arg;
	struct conn ks[16];
	size_t nk = 0;

	while (!atomic_load(&s->stop)) {
		struct pollfd p[17];
		p[0] = (struct pollfd){s->lfd, POLLIN, 0};
		for (size_t i = 0; i < nk; i++)
			p[i + 1] = (struct pollfd){ks[i].fd, POLLIN, 0};
		if (poll(p, nk + 1, 50) <= 0)
			continue;
		if ((p[0].revents & POLLIN) && nk < 16) {
			ks[nk].fd = accept(s->lfd, NULL, NULL);
			ks[nk].len = 0;
			if (ks[nk].fd >= 0) {
				nk++;
				pthread_mutex_lock(&s->mu);
				s->accepted++;
				pthread_mutex_unlock(&s->mu);
			}
		}
		for (size_t i = 0; i < nk; i++) {
			struct conn *k = &ks[i];
			ssize_t r;
			size_t n;
			if (!(p[i + 1].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = read(k->fd, k->buf + k->len, sizeof(k->buf) - k->len);
			if (r > 0)
				k->len += (size_t)r;
			if (r <= 0 || ((n = complete(k->buf, k->len)) && respond(s, k, n) != 0)) {
				if (r <= 0)
					close(k->fd);
				ks[i] = ks[--nk];
				p[i + 1] = p[nk + 1];
				i--;
			}
		}
	}
	for (size_t i = 0; i < nk; i++)
		close(ks[i].fd);
	return NULL;
}

/* Starts the server on a loopback port. */
static int server_start(struct server *s)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);

	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->mu, NULL);
	s->lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(s->lfd, 16) != 0 ||
	    getsockname(s->lfd, (struct sockaddr *)&a, &len) != 0)
		return -1;
	s->port = ntohs(a.sin_port);
	return pthread_create(&s->tid, NULL, serve, s);
}

static void server_stop(struct server *s)
{
	atomic_store(&s->stop, 1);
	pthread_join(s->tid, NULL);
	close(s->lfd);
	pthread_mutex_destroy(&s->mu);
}

/* Sets how the server answers. */
static void server_set(struct server *s, enum mode m, const char *answer)
{
	pthread_mutex_lock(&s->mu);
	s->mode = m;
	s->answer = answer;
	s->reqlen = 0;
	pthread_mutex_unlock(&s->mu);
}

/* What one engine made of one request. */
struct seen {
	int rc;
	enum fr_outcome outcome;
	long status;
	int lean;
	char req[8192];
	size_t reqlen;
	char cap[64];
};

/* Sends REQ once with ENGINE on LOOP and records what happened. */
static struct seen send_with(struct server *s, struct fr_loop *loop, struct fr_http_target *tgt, enum fr_http_engine e,
                             const struct fr_request *req, struct fr_varstore *vs)
{
	struct seen w;
	struct fr_http_result res;
	uint64_t rng = 7;
	char *err = NULL;
	const struct fr_var *v;

	memset(&w, 0, sizeof(w));
	tgt->engine = e;
	w.rc = fr_http_sync(loop, tgt, req, vs, &rng, NULL, &res, &err);
	free(err);
	w.outcome = res.outcome;
	w.status = res.status;
	w.lean = res.lean;
	pthread_mutex_lock(&s->mu);
	memcpy(w.req, s->req, s->reqlen);
	w.reqlen = s->reqlen;
	pthread_mutex_unlock(&s->mu);
	v = fr_varstore_get(vs, "c", 1);
	snprintf(w.cap, sizeof(w.cap), "%s", v && v->nvalues ? v->values[0] : "");
	return w;
}

/* Sends REQ with both engines (fresh loops) and checks they agree; WANT is the expected outcome. */
static void both(struct server *s, const char *base, const char *name, enum mode m, const char *answer,
                 const struct fr_request *req, enum fr_outcome want, int same_bytes)
{
	struct fr_http_target tgt = {.base_url = base, .timeout_us = 200000};
	struct seen got[2];
	char label[256];

	for (int i = 0; i < 2; i++) {
		struct fr_loop *loop = fr_loop_create(4);
		struct fr_varstore vs = {0};
		fr_varstore_set(&vs, "x", "a b/é");
		server_set(s, m, answer);
		got[i] = send_with(s, loop, &tgt, i ? FR_HTTP_LEAN : FR_HTTP_CURL, req, &vs);
		fr_varstore_clear(&vs);
		fr_loop_free(loop);
	}
	snprintf(label, sizeof(label), "%s: curl and lean both %s (got %s, %s)", name, fr_outcome_name(want),
	         fr_outcome_name(got[0].outcome), fr_outcome_name(got[1].outcome));
	tap_ok(got[0].outcome == want && got[1].outcome == want && got[0].status == got[1].status, label);
	snprintf(label, sizeof(label), "%s: the lean path carried it", name);
	tap_ok(!got[0].lean && got[1].lean, label);
	if (same_bytes) {
		snprintf(label, sizeof(label), "%s: the server saw the same request bytes", name);
		if (!tap_ok(got[0].reqlen && got[0].reqlen == got[1].reqlen &&
		                    !memcmp(got[0].req, got[1].req, got[0].reqlen),
		            label))
			printf("# curl: %.*s\n# lean: %.*s\n", (int)got[0].reqlen, got[0].req, (int)got[1].reqlen,
			       got[1].req);
	}
	if (want == FR_OK && req->ncaptures) {
		snprintf(label, sizeof(label), "%s: the same capture ('%s')", name, got[1].cap);
		tap_ok(strcmp(got[0].cap, got[1].cap) == 0 && (m != ANSWER || got[1].cap[0]), label);
	}
}

static const char OK[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Id: h42\r\n"
                         "Content-Length: 14\r\n\r\n{\"id\":\"j42\"}\r\n";

/* The same bytes on the wire for the request shapes plans use. */
static void test_bytes(struct server *s)
{
	char base[64], prefixed[80], absolute[96];
	struct fr_kv hs[] = {{.key = "X-A", .value = "1"}, {.key = "X-Empty", .value = ""}};
	struct fr_kv ua[] = {{.key = "User-Agent", .value = "mine/1"}, {.key = "Accept", .value = "text/plain"}};
	struct fr_kv qs[] = {{.key = "q k", .value = "${x}"}, {.key = "n", .value = "1"}};
	struct fr_capture cj[] = {{.var = "c", .kind = FR_CAPTURE_JSON, .expr = "$.id"}};
	struct fr_capture ch[] = {{.var = "c", .kind = FR_CAPTURE_HEADER, .expr = "x-id"}};
	struct fr_request get = {.url = "/a/b", .url_is_path = 1, .captures = cj, .ncaptures = 1};
	struct fr_request getq = {.url = "/s?z=1", .url_is_path = 1, .query = {qs, 2}, .headers = {hs, 2}};
	struct fr_request post = {.method = "POST",
	                          .url = "/p",
	                          .url_is_path = 1,
	                          .body = "{\"v\":\"${x}\"}",
	                          .body_is_json = 1,
	                          .captures = ch,
	                          .ncaptures = 1};
	struct fr_request post0 = {.method = "POST", .url = "p0", .url_is_path = 1};
	struct fr_request put = {.method = "PUT", .url = "/put", .url_is_path = 1, .body = "k=v"};
	struct fr_request del = {.method = "DELETE", .url = "/d", .url_is_path = 1, .headers = {ua, 2}};
	struct fr_request head = {.method = "HEAD", .url = "/h", .url_is_path = 1};
	struct fr_request abs = {.url = absolute, .url_is_path = 0};

	snprintf(base, sizeof(base), "http://127.0.0.1:%d", s->port);
	snprintf(prefixed, sizeof(prefixed), "http://127.0.0.1:%d/api/", s->port);
	snprintf(absolute, sizeof(absolute), "http://127.0.0.1:%d/abs/x?y=2", s->port);
	both(s, base, "GET with a JSON capture", ANSWER, OK, &get, FR_OK, 1);
	both(s, base, "GET with query and headers", ANSWER, OK, &getq, FR_OK, 1);
	both(s, prefixed, "POST JSON under a base path", ANSWER, OK, &post, FR_OK, 1);
	both(s, prefixed, "POST without a body", ANSWER, OK, &post0, FR_OK, 1);
	both(s, base, "PUT with a form body", ANSWER, OK, &put, FR_OK, 1);
	both(s, base, "DELETE with User-Agent and Accept set", ANSWER, OK, &del, FR_OK, 1);
	both(s, base, "HEAD", ANSWER, "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", &head, FR_OK, 1);
	both(s, base, "an absolute URL", ANSWER, OK, &abs, FR_OK, 1);
}

/* The same outcome for every way a server can answer, or fail to. */
static void test_outcomes(struct server *s)
{
	char base[64];
	struct fr_capture cj[] = {{.var = "c", .kind = FR_CAPTURE_JSON, .expr = "$.id"}};
	struct fr_request get = {.url = "/o", .url_is_path = 1, .captures = cj, .ncaptures = 1};

	snprintf(base, sizeof(base), "http://127.0.0.1:%d", s->port);
	both(s, base, "404", ANSWER, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", &get, FR_ERR_HTTP_4XX, 0);
	both(s, base, "503", ANSWER, "HTTP/1.1 503 Busy\r\nContent-Length: 2\r\n\r\nno", &get, FR_ERR_HTTP_5XX, 0);
	both(s, base, "chunked", ANSWER,
	     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"id\"\r\n6\r\n:\"c7\"}\r\n0\r\n\r\n", &get,
	     FR_OK, 0);
	both(s, base, "close-delimited", ANSWER, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n{\"id\":\"e1\"}", &get,
	     FR_OK, 0);
	both(s, base, "HTTP/1.0", ANSWER, "HTTP/1.0 200 OK\r\n\r\n{\"id\":\"t10\"}", &get, FR_OK, 0);
	both(s, base, "100 Continue first", ANSWER,
	     "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{\"id\":\"cc\"}", &get, FR_OK,
	     0);
	both(s, base, "no answer", NOTHING, OK, &get, FR_ERR_RESET, 0);
	both(s, base, "a cut body", CUT, OK, &get, FR_ERR_RESET, 0);
	both(s, base, "cut headers (curl takes them as an answer)", CUT_HEAD, OK, &get, FR_OK, 0);
	both(s, base, "a cut status line", CUT_STATUS, OK, &get, FR_ERR_RESET, 0);
	both(s, base, "a reset", RESET, OK, &get, FR_ERR_RESET, 0);
	both(s, base, "not HTTP", ANSWER, "SSH-2.0-OpenSSH_9.2\r\n\r\n", &get, FR_ERR_OTHER, 0);
	both(s, base, "too slow", SLOW, OK, &get, FR_ERR_TIMEOUT, 0);
}

/* A refused connect, on a port nobody listens on. */
static void test_refused(void)
{
	struct server dead;
	char base[64];
	struct fr_request get = {.url = "/", .url_is_path = 1};

	server_start(&dead);
	snprintf(base, sizeof(base), "http://127.0.0.1:%d", dead.port);
	server_stop(&dead);
	pthread_mutex_init(&dead.mu, NULL); /* both() sets the answer under it (TSan: no destroyed mutex) */
	both(&dead, base, "a closed port", ANSWER, OK, &get, FR_ERR_CONNECT_REFUSED, 0);
	pthread_mutex_destroy(&dead.mu);
}

/* Kept-alive connections: reused, and a connection the server dropped after answering is not an error. */
static void test_reuse(struct server *s)
{
	char base[64];
	struct fr_http_target tgt = {.base_url = base, .timeout_us = 2000000, .engine = FR_HTTP_LEAN};
	struct fr_request get = {.url = "/k", .url_is_path = 1};
	struct fr_loop *loop = fr_loop_create(4);
	struct fr_varstore vs = {0};
	int ok = 1, before;

	snprintf(base, sizeof(base), "http://127.0.0.1:%d", s->port);
	server_set(s, ANSWER, OK);
	pthread_mutex_lock(&s->mu);
	before = s->accepted;
	pthread_mutex_unlock(&s->mu);
	for (int i = 0; i < 5; i++)
		ok &= send_with(s, loop, &tgt, FR_HTTP_LEAN, &get, &vs).outcome == FR_OK;
	pthread_mutex_lock(&s->mu);
	tap_ok(ok && s->accepted == before + 1, "five requests in a row share one kept-alive connection");
	pthread_mutex_unlock(&s->mu);
	server_set(s, ANSWER_DROP, OK);
	for (int i = 0; i < 5; i++)
		ok &= send_with(s, loop, &tgt, FR_HTTP_LEAN, &get, &vs).outcome == FR_OK;
	tap_ok(ok, "a server that closes each connection after answering: every request ok");
	fr_loop_free(loop);
}

/* What the lean path refuses, and auto's choice. */
static void test_refusals(void)
{
	struct fr_kv te[] = {{.key = "Transfer-Encoding", .value = "chunked"}};
	struct fr_request plain = {.url = "/", .url_is_path = 1};
	struct fr_request framing = {.url = "/", .url_is_path = 1, .headers = {te, 1}};
	struct fr_request tmpl_host = {.url = "http://${h}/x"};
	struct fr_http_target http = {.base_url = "http://127.0.0.1:9"};
	struct fr_http_target https = {.base_url = "https://127.0.0.1:9"};
	struct fr_http_target creds = {.base_url = "http://u:p@127.0.0.1:9"};

	tap_ok(fr_http_lean_refusal(&http, &plain) == NULL, "plain http:// goes the lean way");
	tap_is_str(fr_http_lean_refusal(&https, &plain), "https:// needs libcurl", "https:// is refused");
	tap_is_str(fr_http_lean_refusal(&creds, &plain), "credentials in the URL", "credentials are refused");
	tap_is_str(fr_http_lean_refusal(&http, &framing), "a header that changes the framing",
	           "a Transfer-Encoding header is refused");
	tap_is_str(fr_http_lean_refusal(&http, &tmpl_host), "a host that depends on variables",
	           "a host from a variable is refused");
	setenv("http_proxy", "http://127.0.0.1:3128", 1);
	tap_is_str(fr_http_lean_refusal(&http, &plain), "a proxy is configured", "http_proxy set: refused");
	setenv("no_proxy", "127.0.0.1", 1);
	tap_ok(fr_http_lean_refusal(&http, &plain) == NULL, "no_proxy naming the host: the lean way again");
	unsetenv("http_proxy");
	unsetenv("no_proxy");
}

int main(void)
{
	struct server s;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (!tap_ok(server_start(&s) == 0, "the test server listens"))
		return tap_done();
	test_bytes(&s);
	test_outcomes(&s);
	test_reuse(&s);
	server_stop(&s);
	test_refused();
	test_refusals();
	curl_global_cleanup();
	return tap_done();
}
