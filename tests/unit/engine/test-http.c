/* test-http.c: outcome classes, captures (capture.h: run by http.c on every answer), and one
 * synchronous request against an in-process server. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/capture.h"
#include "engine/http.h"
#include "tap.h"

static void test_classify(void)
{
	tap_is_int(fr_http_classify(CURLE_OK, 0, 1, 200), FR_OK, "200 is ok");
	tap_is_int(fr_http_classify(CURLE_OK, 0, 1, 302), FR_OK, "302 is ok");
	tap_is_int(fr_http_classify(CURLE_OK, 0, 1, 404), FR_ERR_HTTP_4XX, "404 is http-4xx");
	tap_is_int(fr_http_classify(CURLE_OK, 0, 1, 503), FR_ERR_HTTP_5XX, "503 is http-5xx");
	tap_is_int(fr_http_classify(CURLE_COULDNT_CONNECT, ECONNREFUSED, 0, 0), FR_ERR_CONNECT_REFUSED,
	           "couldn't connect (refused) is connect-refused");
	tap_is_int(fr_http_classify(CURLE_COULDNT_CONNECT, ETIMEDOUT, 0, 0), FR_ERR_CONNECT_TIMEOUT,
	           "couldn't connect (timed out) is connect-timeout");
	tap_is_int(fr_http_classify(CURLE_COULDNT_CONNECT, EADDRNOTAVAIL, 0, 0), FR_ERR_OTHER,
	           "couldn't connect for lack of local ports is other");
	tap_is_int(fr_http_classify(CURLE_OPERATION_TIMEDOUT, 0, 0, 0), FR_ERR_CONNECT_TIMEOUT,
	           "timeout before the connection was up is connect-timeout");
	tap_is_int(fr_http_classify(CURLE_OPERATION_TIMEDOUT, 0, 1, 0), FR_ERR_TIMEOUT,
	           "timeout after connecting is timeout");
	tap_is_int(fr_http_classify(CURLE_RECV_ERROR, ECONNRESET, 1, 0), FR_ERR_RESET, "recv ECONNRESET is reset");
	tap_is_int(fr_http_classify(CURLE_SEND_ERROR, EPIPE, 1, 0), FR_ERR_RESET, "send EPIPE is reset");
	tap_is_int(fr_http_classify(CURLE_RECV_ERROR, EIO, 1, 0), FR_ERR_OTHER, "recv EIO is other");
	tap_is_int(fr_http_classify(CURLE_GOT_NOTHING, 0, 1, 0), FR_ERR_RESET, "empty reply (peer closed) is reset");
	tap_is_int(fr_http_classify(CURLE_SSL_CONNECT_ERROR, 0, 1, 0), FR_ERR_TLS, "TLS handshake error is tls");
	tap_is_int(fr_http_classify(CURLE_PEER_FAILED_VERIFICATION, 0, 1, 0), FR_ERR_TLS, "bad certificate is tls");
	tap_is_int(fr_http_classify(CURLE_COULDNT_RESOLVE_HOST, 0, 0, 0), FR_ERR_OTHER, "DNS failure is other");
}

/* The single value of NAME in VS, or NULL. */
static const char *val(const struct fr_varstore *vs, const char *name, size_t i)
{
	const struct fr_var *v = fr_varstore_get(vs, name, strlen(name));

	return v && i < v->nvalues ? v->values[i] : NULL;
}

/* Runs one capture; returns its status. */
static int cap(enum fr_capture_kind kind, const char *expr, int group, const char *body, const char *hdrs, size_t hlen,
               struct fr_varstore *vs)
{
	struct fr_capture c = {.var = "v", .kind = kind, .expr = (char *)expr, .group = group};
	struct fr_regex_error rerr;
	char *err = NULL;

	if (kind == FR_CAPTURE_REGEX && !(c.re = fr_regex_compile(expr, &rerr)))
		return -2;
	int rc = fr_capture_apply(&c, body, strlen(body), hdrs, hlen, vs, &err);

	free(err);
	fr_regex_free(c.re);
	return rc;
}

static void test_captures(void)
{
	struct fr_varstore vs = {0};
	const char *body = "{\"token\":\"t0k\",\"a\":{\"b\":[1,2.5,{\"c\":true}]},\"w\":[\"x\",\"y\",\"z\"],\"e\":[]}";
	static const char hdrs[] = "HTTP/1.1 201 Created\0Location: /d/7\0X-Id:  42 \0";

	tap_ok(cap(FR_CAPTURE_JSON, "$.token", 0, body, "", 0, &vs) == 0 && !strcmp(val(&vs, "v", 0), "t0k"),
	       "json $.token: a string without quotes");
	tap_ok(cap(FR_CAPTURE_JSON, "$.a.b[1]", 0, body, "", 0, &vs) == 0 && !strcmp(val(&vs, "v", 0), "2.5"),
	       "json $.a.b[1]: a number as text");
	tap_ok(cap(FR_CAPTURE_JSON, "$.a.b[-1]", 0, body, "", 0, &vs) == 0 && !strcmp(val(&vs, "v", 0), "{\"c\":true}"),
	       "json [-1]: the last element, an object as compact JSON");
	tap_ok(cap(FR_CAPTURE_JSON, "$.w[*]", 0, body, "", 0, &vs) == 0 && fr_varstore_get(&vs, "v", 1)->nvalues == 3 &&
	               !strcmp(val(&vs, "v", 2), "z"),
	       "json [*]: a list variable of every element");
	tap_ok(cap(FR_CAPTURE_JSON, "$.e[*]", 0, body, "", 0, &vs) == 0 && fr_varstore_get(&vs, "v", 1)->nvalues == 0,
	       "json [*] over an empty array: an empty list");
	tap_ok(cap(FR_CAPTURE_JSON, "$.nope", 0, body, "", 0, &vs) == -1, "json: a missing key fails");
	tap_ok(cap(FR_CAPTURE_JSON, "$.w[3]", 0, body, "", 0, &vs) == -1, "json: an index out of range fails");
	tap_ok(cap(FR_CAPTURE_JSON, "$.token", 0, "<html>", "", 0, &vs) == -1, "json: a body that is not JSON fails");
	tap_ok(cap(FR_CAPTURE_REGEX, "\"token\":\"(\\w+)\"", 1, body, "", 0, &vs) == 0 &&
	               !strcmp(val(&vs, "v", 0), "t0k"),
	       "regex: group 1 of the first match");
	tap_ok(cap(FR_CAPTURE_REGEX, "tok", 0, body, "", 0, &vs) == 0 && !strcmp(val(&vs, "v", 0), "tok"),
	       "regex: group 0 is the whole match");
	tap_ok(cap(FR_CAPTURE_REGEX, "id=(\\d+)", 1, body, "", 0, &vs) == -1, "regex: no match fails");
	tap_ok(cap(FR_CAPTURE_REGEX, "(a+)+$", 1, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", "", 0,
	           &vs) == -1,
	       "regex: catastrophic backtracking stops at the match limit");
	tap_ok(cap(FR_CAPTURE_HEADER, "location", 0, "", hdrs, sizeof(hdrs) - 1, &vs) == 0 &&
	               !strcmp(val(&vs, "v", 0), "/d/7"),
	       "header: found case-insensitively");
	tap_ok(cap(FR_CAPTURE_HEADER, "X-Id", 0, "", hdrs, sizeof(hdrs) - 1, &vs) == 0 &&
	               !strcmp(val(&vs, "v", 0), "42"),
	       "header: value trimmed");
	tap_ok(cap(FR_CAPTURE_HEADER, "X-Gone", 0, "", hdrs, sizeof(hdrs) - 1, &vs) == -1, "header: absent fails");
	fr_varstore_clear(&vs);
}

struct server {
	int fd;
	int port;
	char req[4096];
	const char *answer;
};

/* Serves one request with the canned answer and keeps what was asked. */
static void *serve_one(void *arg)
{
	struct server *s = arg;
	int c = accept(s->fd, NULL, NULL);
	size_t n = 0;

	while (c >= 0 && n < sizeof(s->req) - 1) {
		ssize_t r = read(c, s->req + n, sizeof(s->req) - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
		s->req[n] = '\0';
		char *end = strstr(s->req, "\r\n\r\n");
		if (end && (!strstr(s->req, "Content-Length: ") ||
		            strlen(end + 4) >= (size_t)atoi(strstr(s->req, "Content-Length: ") + 16)))
			break;
	}
	if (c >= 0) {
		if (write(c, s->answer, strlen(s->answer)) < 0)
			perror("write");
		close(c);
	}
	return NULL;
}

/* Listens on a loopback port. */
static int listen_any(struct server *s)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);

	s->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(s->fd, 8) != 0 ||
	    getsockname(s->fd, (struct sockaddr *)&a, &len) != 0)
		return -1;
	s->port = ntohs(a.sin_port);
	return 0;
}

static void test_sync(void)
{
	struct server s = {.answer = "HTTP/1.1 200 OK\r\nContent-Length: 15\r\nX-Id: 42\r\n"
	                             "Connection: close\r\n\r\n{\"token\":\"abc\"}"};
	struct fr_kv th[] = {{.key = "X-Run", .value = "r-${i}"}};
	struct fr_kv ah[] = {{.key = "Authorization", .value = "Bearer ${tok}"}};
	struct fr_kv q[] = {{.key = "k", .value = "a b&c"}};
	struct fr_kvlist thl = {th, 1}, ahl = {ah, 1};
	struct fr_capture caps[] = {{.var = "token", .kind = FR_CAPTURE_JSON, .expr = "$.token"},
	                            {.var = "xid", .kind = FR_CAPTURE_HEADER, .expr = "x-id"}};
	struct fr_request req = {.method = "POST",
	                         .url = "/api/${what}",
	                         .url_is_path = 1,
	                         .query = {q, 1},
	                         .body = "{\"n\":${i}}",
	                         .body_is_json = 1,
	                         .captures = caps,
	                         .ncaptures = 2};
	struct fr_varstore vs = {0};
	struct fr_http_result res;
	uint64_t rng = 1;
	char *err = NULL, base[64];
	pthread_t tid;
	struct fr_loop *loop;

	if (!tap_ok(listen_any(&s) == 0, "test server listens"))
		return;
	snprintf(base, sizeof(base), "http://127.0.0.1:%d/", s.port);
	struct fr_http_target tgt = {.base_url = base, .timeout_us = 2000000, .headers = &thl, .auth_headers = &ahl};
	fr_varstore_set(&vs, "what", "login");
	fr_varstore_set(&vs, "i", "7");
	fr_varstore_set(&vs, "tok", "s3cret");
	pthread_create(&tid, NULL, serve_one, &s);
	loop = fr_loop_create(4);
	int rc = fr_http_sync(loop, &tgt, &req, &vs, &rng, NULL, &res, &err);
	pthread_join(tid, NULL);
	tap_is_int(rc, 0, "synchronous request succeeds");
	tap_is_int(res.status, 200, "status 200");
	tap_ok(res.service_us > 0, "service time measured");
	tap_ok(strncmp(s.req, "POST /api/login?k=a%20b%26c HTTP/1.1\r\n", 38) == 0,
	       "request line: base URL + expanded path + URL-encoded query");
	tap_ok(strstr(s.req, "\r\nX-Run: r-7\r\n") != NULL, "target headers expanded");
	tap_ok(strstr(s.req, "\r\nAuthorization: Bearer s3cret\r\n") != NULL, "auth headers expanded");
	tap_ok(strstr(s.req, "\r\nContent-Type: application/json\r\n") != NULL, "json body sets the content type");
	tap_ok(strstr(s.req, "\r\n\r\n{\"n\":7}") != NULL, "body expanded");
	tap_is_str(val(&vs, "token", 0), "abc", "json capture into the store");
	tap_is_str(val(&vs, "xid", 0), "42", "header capture into the store");
	free(err);
	close(s.fd);

	/* a refused connection: -1 and a message naming the request */
	snprintf(base, sizeof(base), "http://127.0.0.1:%d", s.port);
	rc = fr_http_sync(loop, &tgt, &req, &vs, &rng, NULL, &res, &err);
	tap_ok(rc == -1 && res.outcome == FR_ERR_CONNECT_REFUSED, "a closed port: connect-refused");
	tap_ok(err && strncmp(err, "POST /api/${what}: ", 19) == 0, "the error names the request");
	free(err);
	fr_loop_free(loop);
	fr_varstore_clear(&vs);
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	test_classify();
	test_captures();
	test_sync();
	curl_global_cleanup();
	return tap_done();
}
