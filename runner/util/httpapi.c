/* httpapi.c: blocking HTTP calls to control APIs over one curl easy handle (see httpapi.h). */
#include "util/httpapi.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "util/buf.h"
#include "util/redact.h"
#include "util/xmalloc.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0"
#endif

struct fr_httpapi {
	char *service;
	char *url;
	char *shown; /* URL in messages: credentials removed (util/redact.h) */
	struct fr_httpapi_limits limits;
	CURL *curl;
	char errbuf[CURL_ERROR_SIZE];
	struct fr_buf answer;
	char *error;
	long code;
	unsigned timeouts;
};

struct fr_httpapi *fr_httpapi_create(const char *service, const char *base_url, struct fr_httpapi_limits limits)
{
	struct fr_httpapi *c = xcalloc(1, sizeof *c);
	size_t len = strlen(base_url);

	while (len > 0 && base_url[len - 1] == '/')
		len--;
	c->service = xstrdup(service);
	c->url = xstrndup(base_url, len);
	c->shown = fr_redact_url(c->url);
	c->limits = limits;
	c->error = xstrdup("");
	fr_buf_init(&c->answer, limits.max_answer);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	c->curl = curl_easy_init();
	if (!c->curl) {
		fprintf(stderr, "flowrun: out of memory (curl_easy_init)\n");
		abort();
	}
	return c;
}

void fr_httpapi_free(struct fr_httpapi *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->curl);
	curl_global_cleanup();
	fr_buf_free(&c->answer);
	free(c->error);
	free(c->url);
	free(c->shown);
	free(c->service);
	free(c);
}

void fr_httpapi_set_error(struct fr_httpapi *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	free(c->error);
	c->error = msg;
}

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct fr_buf *b = arg;
	size_t n = size * nmemb;
	return fr_buf_add(b, ptr, n) == 0 ? n : 0;
}

/* Why a transfer failed, in the words of the OS where there are some. */
static char *transport_reason(struct fr_httpapi *c, CURLcode rc)
{
	long os_errno = 0;

	curl_easy_getinfo(c->curl, CURLINFO_OS_ERRNO, &os_errno);
	if (rc == CURLE_OPERATION_TIMEDOUT)
		return xasprintf("no answer within %ld ms", c->limits.total_ms);
	if (os_errno != 0)
		return xstrdup(strerror((int)os_errno));
	if (c->errbuf[0])
		return xstrdup(c->errbuf);
	return xstrdup(curl_easy_strerror(rc));
}

/* The service's own text for an error answer: the "error" member, else the body. */
static char *answer_error_text(const struct fr_buf *a)
{
	if (a->len == 0)
		return xstrdup("(empty answer)");
	json_t *root = json_loadb(a->s, a->len, 0, NULL);
	if (root && json_is_string(json_object_get(root, "error"))) {
		char *text = xstrdup(json_string_value(json_object_get(root, "error")));
		json_decref(root);
		return text;
	}
	json_decref(root);
	size_t len = a->len;
	while (len > 0 && isspace((unsigned char)a->s[len - 1]))
		len--;
	return xstrndup(a->s, len > 200 ? 200 : len);
}

static void prepare(struct fr_httpapi *c, const char *method, const char *url, const char *body, size_t body_len,
                    struct curl_slist *headers)
{
	CURL *h = c->curl;

	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "flowrun/" PACKAGE_VERSION);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->limits.connect_ms);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->limits.total_ms);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https"); /* a control API is HTTP, whatever a plan says */
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &c->answer);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	if (body) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
	}
}

int fr_httpapi_call(struct fr_httpapi *c, const char *method, const char *path, const char *content_type,
                    const char *body, size_t body_len, json_t **json_out)
{
	struct curl_slist *headers = NULL;
	char *url = xasprintf("%s%s", c->url, path);
	int status = FR_HTTPAPI_OK;

	if (json_out)
		*json_out = NULL;
	fr_buf_reset(&c->answer);
	c->errbuf[0] = '\0';
	c->code = 0;
	if (body && content_type) {
		char *h = xasprintf("Content-Type: %s", content_type);
		headers = curl_slist_append(headers, h);
		free(h);
	}
	if (json_out)
		headers = curl_slist_append(headers, "Accept: application/json");
	prepare(c, method, url, body, body_len, headers);
	CURLcode rc = curl_easy_perform(c->curl);
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &c->code);
	if (rc == CURLE_WRITE_ERROR && c->answer.overflow) {
		fr_httpapi_set_error(c, "%s at %s: %s %s: answer larger than %zu bytes", c->service, c->shown, method,
		                     path, c->limits.max_answer);
		status = FR_HTTPAPI_BAD_ANSWER;
	} else if (rc != CURLE_OK) {
		char *why = transport_reason(c, rc);
		if (rc == CURLE_OPERATION_TIMEDOUT)
			c->timeouts++;
		fr_httpapi_set_error(c, "%s at %s is unreachable: %s", c->service, c->shown, why);
		free(why);
		status = FR_HTTPAPI_UNREACHABLE;
	} else if (c->code >= 400) {
		char *text = answer_error_text(&c->answer);
		fr_httpapi_set_error(c, "%s at %s: %s %s: %s (HTTP %ld)", c->service, c->shown, method, path, text,
		                     c->code);
		free(text);
		status = FR_HTTPAPI_HTTP_ERROR;
	} else if (json_out && c->answer.len > 0) {
		json_error_t jerr;
		*json_out = json_loadb(c->answer.s, c->answer.len, 0, &jerr);
		if (!*json_out) {
			fr_httpapi_set_error(c, "%s at %s: %s %s: unreadable answer: %s", c->service, c->shown, method,
			                     path, jerr.text);
			status = FR_HTTPAPI_BAD_ANSWER;
		}
	}
	if (status == FR_HTTPAPI_OK)
		fr_httpapi_set_error(c, "%s", "");
	curl_slist_free_all(headers);
	free(url);
	return status;
}

long fr_httpapi_code(const struct fr_httpapi *c)
{
	return c->code;
}

const char *fr_httpapi_answer(const struct fr_httpapi *c, size_t *len_out)
{
	if (len_out)
		*len_out = c->answer.len;
	return fr_buf_str(&c->answer);
}

const char *fr_httpapi_error(const struct fr_httpapi *c)
{
	return c->error;
}

const char *fr_httpapi_url(const struct fr_httpapi *c)
{
	return c->shown;
}

unsigned fr_httpapi_timeouts(const struct fr_httpapi *c)
{
	return c->timeouts;
}

char *fr_httpapi_escape(struct fr_httpapi *c, const char *s)
{
	char *e = curl_easy_escape(c->curl, s, 0);
	if (!e) {
		fprintf(stderr, "flowrun: out of memory (curl_easy_escape)\n");
		abort();
	}
	char *out = xstrdup(e);
	curl_free(e);
	return out;
}
