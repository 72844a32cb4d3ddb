/* prom.c: instant queries against the Prometheus HTTP API (see prom.h). */
#include "observe/prom.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "util/xmalloc.h"

#define PROM_MAX_BODY (16u << 20)

struct fr_prom {
	char *url;
	CURL *curl;
	char *error;
};

/* A response body, capped. */
struct body {
	char *data;
	size_t len;
	int overflow;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct body *b = arg;
	size_t n = size * nmemb;
	if (b->len + n > PROM_MAX_BODY) {
		b->overflow = 1;
		return 0;
	}
	b->data = xrealloc(b->data, b->len + n + 1);
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = 0;
	return n;
}

struct fr_prom *fr_prom_create(const char *url)
{
	struct fr_prom *p = xcalloc(1, sizeof *p);
	size_t len = strlen(url);
	while (len && url[len - 1] == '/')
		len--;
	p->url = xstrndup(url, len);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	p->curl = curl_easy_init();
	return p;
}

void fr_prom_free(struct fr_prom *p)
{
	if (!p)
		return;
	if (p->curl)
		curl_easy_cleanup(p->curl);
	free(p->url);
	free(p->error);
	free(p);
}

const char *fr_prom_error(const struct fr_prom *p)
{
	return p->error ? p->error : "";
}

static void set_error(struct fr_prom *p, char *msg)
{
	free(p->error);
	p->error = msg;
}

/* GETs PATH (with its query string) into B; returns a status. */
static int get(struct fr_prom *p, const char *path, struct body *b, long *code_out)
{
	char *full = xasprintf("%s%s", p->url, path);
	char errbuf[CURL_ERROR_SIZE] = "";

	curl_easy_reset(p->curl);
	curl_easy_setopt(p->curl, CURLOPT_URL, full);
	curl_easy_setopt(p->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(p->curl, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	curl_easy_setopt(p->curl, CURLOPT_TIMEOUT_MS, 15000L);
	curl_easy_setopt(p->curl, CURLOPT_USERAGENT, "flowrun/" PACKAGE_VERSION);
	curl_easy_setopt(p->curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(p->curl, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(p->curl, CURLOPT_ERRORBUFFER, errbuf);
	CURLcode rc = curl_easy_perform(p->curl);
	free(full);
	if (rc != CURLE_OK) {
		set_error(p, xasprintf("prometheus at %s is unreachable: %s", p->url,
		                       errbuf[0] ? errbuf : curl_easy_strerror(rc)));
		return FR_PROM_UNREACHABLE;
	}
	curl_easy_getinfo(p->curl, CURLINFO_RESPONSE_CODE, code_out);
	return FR_PROM_OK;
}

int fr_prom_ping(struct fr_prom *p)
{
	double v;
	int st = fr_prom_query(p, "vector(1)", 0, &v);
	return st == FR_PROM_NO_DATA ? FR_PROM_OK : st;
}

/* Runs the query and hands back the parsed "data" object; caller decrefs ROOT. */
static int run_query(struct fr_prom *p, const char *expr, double at, json_t **root_out, json_t **data_out)
{
	char *q = curl_easy_escape(p->curl, expr, 0);
	char *path =
	        at > 0 ? xasprintf("/api/v1/query?query=%s&time=%.3f", q, at) : xasprintf("/api/v1/query?query=%s", q);
	struct body b = {0};
	long code = 0;
	int st;

	curl_free(q);
	st = get(p, path, &b, &code);
	free(path);
	if (st) {
		free(b.data);
		return st;
	}
	json_error_t jerr;
	json_t *root = b.data ? json_loads(b.data, 0, &jerr) : NULL;
	if (!root || !json_is_object(root)) {
		set_error(p, xasprintf("prometheus at %s answered HTTP %ld with no JSON", p->url, code));
		free(b.data);
		json_decref(root);
		return FR_PROM_ERROR;
	}
	free(b.data);
	const char *status = json_string_value(json_object_get(root, "status"));
	if (!status || strcmp(status, "success") != 0) {
		const char *e = json_string_value(json_object_get(root, "error"));
		set_error(p, xasprintf("prometheus at %s rejected the query %s: %s", p->url, expr, e ? e : "error"));
		json_decref(root);
		return FR_PROM_ERROR;
	}
	*root_out = root;
	*data_out = json_object_get(root, "data");
	return FR_PROM_OK;
}

/* The number in a [ts, "value"] pair; NaN when unreadable. */
static double pair_value(json_t *pair)
{
	const char *s = json_string_value(json_array_get(pair, 1));
	return s ? strtod(s, NULL) : NAN;
}

int fr_prom_query_vector(struct fr_prom *p, const char *expr, double at, const char *label, struct fr_prom_sample **out,
                         size_t *n_out)
{
	json_t *root, *data;
	int st = run_query(p, expr, at, &root, &data);

	*out = NULL;
	*n_out = 0;
	if (st)
		return st;
	const char *type = json_string_value(json_object_get(data, "resultType"));
	json_t *result = json_object_get(data, "result");
	if (type && strcmp(type, "scalar") == 0) {
		*out = xcalloc(1, sizeof **out);
		(*out)[0].value = pair_value(result);
		*n_out = 1;
	} else if (json_is_array(result) && json_array_size(result) > 0) {
		size_t n = json_array_size(result);
		*out = xcalloc(n, sizeof **out);
		for (size_t i = 0; i < n; i++) {
			json_t *s = json_array_get(result, i);
			const char *lv =
			        label ? json_string_value(json_object_get(json_object_get(s, "metric"), label)) : NULL;
			(*out)[i].label = lv ? xstrdup(lv) : NULL;
			(*out)[i].value = pair_value(json_object_get(s, "value"));
		}
		*n_out = n;
	}
	json_decref(root);
	return *n_out ? FR_PROM_OK : FR_PROM_NO_DATA;
}

int fr_prom_query(struct fr_prom *p, const char *expr, double at, double *value_out)
{
	struct fr_prom_sample *s;
	size_t n;
	int st = fr_prom_query_vector(p, expr, at, NULL, &s, &n);

	*value_out = 0;
	for (size_t i = 0; i < n; i++)
		if (!isnan(s[i].value))
			*value_out += s[i].value;
	fr_prom_samples_free(s, n);
	return st;
}

void fr_prom_samples_free(struct fr_prom_sample *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(s[i].label);
	free(s);
}
