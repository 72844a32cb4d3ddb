/* prom.c: instant queries against the Prometheus HTTP API over util/httpapi.h (see prom.h). */
#include "observe/prom.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "util/httpapi.h"
#include "util/xmalloc.h"

/* A query may take a while on a big TSDB; an answer is a vector of samples. */
static const struct fr_httpapi_limits prom_limits = {
        .connect_ms = 2000,
        .total_ms = 15000,
        .max_answer = 16u << 20,
};

struct fr_prom {
	struct fr_httpapi *api;
};

/* A client over the shared control-API transport; no I/O. */
struct fr_prom *fr_prom_create(const char *url)
{
	struct fr_prom *p = xcalloc(1, sizeof *p);
	p->api = fr_httpapi_create("prometheus", url, prom_limits);
	return p;
}

/* Frees the client and its connection. */
void fr_prom_free(struct fr_prom *p)
{
	if (!p)
		return;
	fr_httpapi_free(p->api);
	free(p);
}

/* The transport keeps the message of the last call. */
const char *fr_prom_error(const struct fr_prom *p)
{
	return fr_httpapi_error(p->api);
}

/* A trivial query always has a value, so only a failure is an answer. */
int fr_prom_ping(struct fr_prom *p)
{
	double v;
	int st = fr_prom_query(p, "vector(1)", 0, &v);
	return st == FR_PROM_NO_DATA ? FR_PROM_OK : st;
}

/* Runs the query and hands back the parsed "data" object; caller decrefs
 * ROOT. Prometheus answers an error (HTTP 400/422) with a JSON body of its
 * own, so the body is judged whatever the HTTP status. */
static int run_query(struct fr_prom *p, const char *expr, double at, json_t **root_out, json_t **data_out)
{
	char *q = fr_httpapi_escape(p->api, expr);
	char *path =
	        at > 0 ? xasprintf("/api/v1/query?query=%s&time=%.3f", q, at) : xasprintf("/api/v1/query?query=%s", q);
	const char *url = fr_httpapi_url(p->api);

	free(q);
	int st = fr_httpapi_call(p->api, "GET", path, NULL, NULL, 0, NULL);
	free(path);
	if (st == FR_HTTPAPI_UNREACHABLE)
		return FR_PROM_UNREACHABLE;
	if (st == FR_HTTPAPI_BAD_ANSWER)
		return FR_PROM_ERROR;
	size_t len;
	const char *body = fr_httpapi_answer(p->api, &len);
	json_t *root = len ? json_loadb(body, len, 0, NULL) : NULL;
	if (!root || !json_is_object(root)) {
		fr_httpapi_set_error(p->api, "prometheus at %s answered HTTP %ld with no JSON", url,
		                     fr_httpapi_code(p->api));
		json_decref(root);
		return FR_PROM_ERROR;
	}
	const char *status = json_string_value(json_object_get(root, "status"));
	if (!status || strcmp(status, "success") != 0) {
		const char *e = json_string_value(json_object_get(root, "error"));
		fr_httpapi_set_error(p->api, "prometheus at %s rejected the query %s: %s", url, expr, e ? e : "error");
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

/* Every sample of the vector (or the one scalar), with one label's value. */
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

/* The sum of the samples; NaN samples count as nothing. */
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

/* Frees the labels and the array. */
void fr_prom_samples_free(struct fr_prom_sample *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(s[i].label);
	free(s);
}
