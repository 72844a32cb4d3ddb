/* httpapi.h: the one blocking HTTP client for the control APIs flowrun calls.
 *
 * Toxiproxy (chaos), Prometheus and the Pushgateway (observe) are small HTTP
 * APIs called from a control thread, one call at a time, with short bounded
 * timeouts; none of them is load. A struct fr_httpapi is one libcurl easy
 * handle for one base URL. A call sends METHOD PATH with an optional body,
 * keeps the answer in a capped buffer (util/buf.h) and, when asked, parses it
 * as JSON (jansson). The client keeps one error message for the last call, in
 * the same words for every service:
 *   "<service> at <url> is unreachable: Connection refused"
 *   "<service> at <url> is unreachable: no answer within 3000 ms"
 *   "<service> at <url>: POST /proxies: proxy already exists (HTTP 409)"
 *   "<service> at <url>: GET /x: answer larger than 4194304 bytes"
 *   "<service> at <url>: GET /x: unreadable answer: <jansson's reason>"
 * where the error text of an HTTP error is the "error" member of a JSON
 * answer (Toxiproxy and Prometheus both send one), else the answer's first
 * 200 bytes. A proxy from the environment is never used: these APIs are
 * reached directly.
 */
#ifndef FR_HTTPAPI_H
#define FR_HTTPAPI_H

#include <stddef.h>

#include <jansson.h>

enum fr_httpapi_status {
	FR_HTTPAPI_OK = 0,
	FR_HTTPAPI_UNREACHABLE, /* no HTTP answer: refused, reset, timed out */
	FR_HTTPAPI_HTTP_ERROR,  /* an answer with status >= 400 (fr_httpapi_code) */
	FR_HTTPAPI_BAD_ANSWER,  /* an answer too large, or not JSON when JSON was asked for */
};

struct fr_httpapi_limits {
	long connect_ms;   /* to connect */
	long total_ms;     /* for the whole call */
	size_t max_answer; /* bytes kept of an answer; more is FR_HTTPAPI_BAD_ANSWER */
};

struct fr_httpapi;

/* A client for SERVICE ("toxiproxy", used in messages) at BASE_URL (a trailing
 * slash is dropped); no I/O. Free with fr_httpapi_free. */
struct fr_httpapi *fr_httpapi_create(const char *service, const char *base_url, struct fr_httpapi_limits limits);

/* Frees C; accepts NULL. */
void fr_httpapi_free(struct fr_httpapi *c);

/* One call: METHOD PATH (with its query string), with BODY of BODY_LEN bytes
 * and CONTENT_TYPE when BODY is not NULL. ACCEPT_JSON adds "Accept:
 * application/json". When JSON_OUT is not NULL and the call succeeded with a
 * non-empty answer, the parsed answer goes there (caller decrefs). Returns an
 * enum fr_httpapi_status; the error message is then fr_httpapi_error. */
int fr_httpapi_call(struct fr_httpapi *c, const char *method, const char *path, const char *content_type,
                    const char *body, size_t body_len, json_t **json_out);

/* The HTTP status of the last call (0: none). */
long fr_httpapi_code(const struct fr_httpapi *c);

/* The raw answer of the last call and its length ("" when none). */
const char *fr_httpapi_answer(const struct fr_httpapi *c, size_t *len_out);

/* The message of the last failed call ("" after a success). */
const char *fr_httpapi_error(const struct fr_httpapi *c);

/* Replaces the error message with a printf-formatted one, for callers that
 * judge an answer themselves (a 200 with the wrong content). */
void fr_httpapi_set_error(struct fr_httpapi *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The base URL as messages print it: without a trailing slash, credentials
 * ("user:password@") replaced by "***@". */
const char *fr_httpapi_url(const struct fr_httpapi *c);

/* Calls that timed out so far. */
unsigned fr_httpapi_timeouts(const struct fr_httpapi *c);

/* S escaped for one URL path segment or query value (caller frees). */
char *fr_httpapi_escape(struct fr_httpapi *c, const char *s);

#endif
