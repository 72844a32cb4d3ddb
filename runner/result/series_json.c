/* series_json.c: writing the "series" object of a JSON result as a stream, and reading it back.
 *
 * Arrays that are all zero are left out of "errors" and "counters" (a class
 * that never occurred); "requests", "max_us", "buckets" and "active" are
 * always written, one value per interval. Names go through jansson so that
 * they are escaped as in the rest of the document.
 */
#include "result/series_json.h"

#include <jansson.h>
#include <stdlib.h>

#include "util/xmalloc.h"

typedef uint64_t (*iv_get)(const struct fr_timeseries *s, size_t row, size_t i, int arg);

/* Writes a JSON string. */
static void put_string(FILE *out, const char *s)
{
	json_t *j = json_string(s ? s : "");
	json_dumpf(j, out, JSON_ENCODE_ANY);
	json_decref(j);
}

/* Whether GET is non-zero in some interval of ROW. */
static int any(const struct fr_timeseries *s, size_t row, iv_get get, int arg)
{
	for (size_t i = 0; i < s->nintervals; i++)
		if (get(s, row, i, arg))
			return 1;
	return 0;
}

/* Writes "NAME":[v0,v1,…] for ROW; LEAD is written first (a comma or nothing). */
static void put_array(FILE *out, const char *lead, const char *name, const struct fr_timeseries *s, size_t row,
                      iv_get get, int arg)
{
	fputs(lead, out);
	put_string(out, name);
	fputs(":[", out);
	for (size_t i = 0; i < s->nintervals; i++)
		fprintf(out, i ? ",%llu" : "%llu", (unsigned long long)get(s, row, i, arg));
	fputc(']', out);
}

/* Per-interval getters. */
static uint64_t get_requests(const struct fr_timeseries *s, size_t key, size_t i, int arg)
{
	(void)arg;
	return fr_timeseries_requests(fr_timeseries_get(s, (int)key, i));
}

static uint64_t get_outcome(const struct fr_timeseries *s, size_t key, size_t i, int o)
{
	return fr_timeseries_get(s, (int)key, i)->outcomes[o];
}

static uint64_t get_counter(const struct fr_timeseries *s, size_t key, size_t i, int c)
{
	return fr_timeseries_get(s, (int)key, i)->counters[c];
}

static uint64_t get_max(const struct fr_timeseries *s, size_t key, size_t i, int arg)
{
	(void)arg;
	return fr_timeseries_get(s, (int)key, i)->latency.max_us;
}

static uint64_t get_gauge(const struct fr_timeseries *s, size_t sc, size_t i, int arg)
{
	(void)arg;
	return fr_timeseries_gauge_at(s, (int)sc, i);
}

/* Writes an object of the non-zero arrays of GET for ARG in [FROM, TO), named by NAME(ARG). */
static void put_classes(FILE *out, const char *field, const struct fr_timeseries *s, size_t k, iv_get get, int from,
                        int to, const char *(*name)(int))
{
	const char *lead = "";
	fprintf(out, ",\"%s\":{", field);
	for (int c = from; c < to; c++) {
		if (!any(s, k, get, c))
			continue;
		put_array(out, lead, name(c), s, k, get, c);
		lead = ",";
	}
	fputc('}', out);
}

static const char *outcome_name(int o)
{
	return fr_outcome_name((enum fr_outcome)o);
}

static const char *counter_name(int c)
{
	return fr_timeseries_counter_name((enum fr_iv_counter)c);
}

struct bucket_out {
	FILE *out;
	int first;
};

/* Writes one bucket as low,count. */
static void put_bucket(int64_t low, uint64_t count, void *arg)
{
	struct bucket_out *b = arg;
	fprintf(b->out, b->first ? "%lld,%llu" : ",%lld,%llu", (long long)low, (unsigned long long)count);
	b->first = 0;
}

/* Writes one key's object. */
static void put_key(FILE *out, const struct fr_results *res, size_t k)
{
	const struct fr_timeseries *s = res->series;
	fputs("{\"name\":", out);
	put_string(out, res->keys[k].name);
	put_array(out, ",", "requests", s, k, get_requests, 0);
	put_classes(out, "errors", s, k, get_outcome, 1, FR_OUTCOME_N, outcome_name);
	put_classes(out, "counters", s, k, get_counter, 0, FR_IV_COUNTER_N, counter_name);
	put_array(out, ",", "max_us", s, k, get_max, 0);
	fputs(",\"buckets\":[", out);
	for (size_t i = 0; i < s->nintervals; i++) {
		struct bucket_out b = {out, 1};
		fputs(i ? ",[" : "[", out);
		fr_ivhist_foreach(&fr_timeseries_get(s, (int)k, i)->latency, put_bucket, &b);
		fputc(']', out);
	}
	fputs("]}", out);
}

/* What a scenario's gauge counts: "users", "viewers", or null (open model). */
static const char *gauge_kind(const struct fr_scenario *sc)
{
	if (sc->model == FR_MODEL_CLOSED)
		return "\"users\"";
	return sc->model == FR_MODEL_WEBSOCKET ? "\"viewers\"" : "null";
}

/* Streams the series object. */
int fr_series_json_write(FILE *out, const struct fr_results *res)
{
	const struct fr_timeseries *s = res->series;
	const struct fr_plan *plan = res->tl->plan;
	fprintf(out, "{\"version\":1,\"interval_us\":%lld,\"intervals\":%zu,\"sub_buckets\":%d,\"scenarios\":[",
	        (long long)s->interval_us, s->nintervals, FR_IVHIST_SUB_BUCKETS);
	for (size_t sc = 0; sc < s->nscenarios; sc++) {
		fputs(sc ? ",{\"name\":" : "{\"name\":", out);
		put_string(out, plan->scenarios[sc].name);
		fprintf(out, ",\"gauge\":%s", gauge_kind(&plan->scenarios[sc]));
		put_array(out, ",", "active", s, sc, get_gauge, 0);
		fputc('}', out);
	}
	fputs("],\"keys\":[", out);
	for (size_t k = 0; k < s->nkeys; k++) {
		if (k)
			fputc(',', out);
		put_key(out, res, k);
	}
	fputs("]}", out);
	return ferror(out) ? -1 : 0;
}

/* Reads array NAME of OBJ (one value per interval) through SET(S, ROW, I, ARG, V); -1 when malformed. */
static int read_array(const json_t *obj, const char *name, struct fr_timeseries *s, size_t row,
                      void (*set)(struct fr_timeseries *, size_t, size_t, int, uint64_t), int arg)
{
	const json_t *a = json_object_get(obj, name);
	if (!a)
		return 0;
	if (!json_is_array(a) || json_array_size(a) != s->nintervals)
		return -1;
	for (size_t i = 0; i < s->nintervals; i++) {
		json_int_t v = json_integer_value(json_array_get(a, i));
		if (v < 0)
			return -1;
		set(s, row, i, arg, (uint64_t)v);
	}
	return 0;
}

/* Setters for read_array: requests land as ok and errors move them to their class. */
static void set_requests(struct fr_timeseries *s, size_t k, size_t i, int arg, uint64_t v)
{
	(void)arg;
	fr_timeseries_at(s, (int)k, i)->outcomes[FR_OK] += (uint32_t)v;
}

static void set_error(struct fr_timeseries *s, size_t k, size_t i, int o, uint64_t v)
{
	struct fr_iv *iv = fr_timeseries_at(s, (int)k, i);
	iv->outcomes[o] += (uint32_t)v;
	iv->outcomes[FR_OK] -= (uint32_t)v;
}

static void set_counter(struct fr_timeseries *s, size_t k, size_t i, int c, uint64_t v)
{
	fr_timeseries_at(s, (int)k, i)->counters[c] = (uint32_t)v;
}

static void set_max(struct fr_timeseries *s, size_t k, size_t i, int arg, uint64_t v)
{
	(void)arg;
	fr_timeseries_at(s, (int)k, i)->latency.max_us = (uint32_t)v;
}

static void set_gauge(struct fr_timeseries *s, size_t sc, size_t i, int arg, uint64_t v)
{
	(void)arg;
	s->gauge[sc * s->nintervals + i] = s->last[sc * s->nintervals + i] = (uint32_t)v + 1;
}

/* Reads the buckets of key K: every interval's low,count pairs. */
static int read_buckets(const json_t *key, struct fr_timeseries *s, size_t k)
{
	const json_t *a = json_object_get(key, "buckets");
	if (!json_is_array(a) || json_array_size(a) != s->nintervals)
		return -1;
	for (size_t i = 0; i < s->nintervals; i++) {
		const json_t *b = json_array_get(a, i);
		if (!json_is_array(b) || json_array_size(b) % 2)
			return -1;
		struct fr_ivhist *h = &fr_timeseries_at(s, (int)k, i)->latency;
		for (size_t j = 0; j < json_array_size(b); j += 2) {
			json_int_t low = json_integer_value(json_array_get(b, j));
			json_int_t n = json_integer_value(json_array_get(b, j + 1));
			if (low < 0 || n < 0)
				return -1;
			fr_ivhist_record(h, low, (uint64_t)n);
		}
	}
	return 0;
}

/* Reads the named arrays of OBJ (errors or counters) by the names of NAME(0 .. N-1). */
static int read_classes(const json_t *obj, struct fr_timeseries *s, size_t k, int from, int n, const char *(*name)(int),
                        void (*set)(struct fr_timeseries *, size_t, size_t, int, uint64_t))
{
	if (!obj)
		return 0;
	if (!json_is_object(obj))
		return -1;
	for (int c = from; c < n; c++)
		if (read_array(obj, name(c), s, k, set, c) != 0)
			return -1;
	return 0;
}

/* Reads one key; the max is set last, after the buckets raised it to their lows. */
static int read_key(const json_t *key, struct fr_timeseries *s, size_t k)
{
	if (read_array(key, "requests", s, k, set_requests, 0) != 0 ||
	    read_classes(json_object_get(key, "errors"), s, k, 1, FR_OUTCOME_N, outcome_name, set_error) != 0 ||
	    read_classes(json_object_get(key, "counters"), s, k, 0, FR_IV_COUNTER_N, counter_name, set_counter) != 0 ||
	    read_buckets(key, s, k) != 0)
		return -1;
	return read_array(key, "max_us", s, k, set_max, 0);
}

/* Reads a series object back into a struct fr_timeseries. */
struct fr_timeseries *fr_series_json_read(const struct json_t *series, char **err_out)
{
	json_int_t version = 0, interval = 0, n = 0;
	json_t *scs = NULL, *keys = NULL;
	*err_out = NULL;
	if (json_unpack((json_t *)series, "{sI sI sI so so}", "version", &version, "interval_us", &interval,
	                "intervals", &n, "scenarios", &scs, "keys", &keys) != 0 ||
	    !json_is_array(scs) || !json_is_array(keys)) {
		*err_out = xstrdup("the series object lacks version, interval_us, intervals, scenarios or keys");
		return NULL;
	}
	if (version != 1 || interval < 1 || n < 1 || n > FR_TIMESERIES_MAX_INTERVALS) {
		*err_out = xasprintf("unsupported series (version %lld, %lld intervals of %lldus)", (long long)version,
		                     (long long)n, (long long)interval);
		return NULL;
	}
	struct fr_timeseries *s =
	        fr_timeseries_create(json_array_size(keys), json_array_size(scs), (int64_t)(n * interval), interval);
	int bad = 0;
	for (size_t sc = 0; sc < s->nscenarios && !bad; sc++)
		bad = read_array(json_array_get(scs, sc), "active", s, sc, set_gauge, 0) != 0;
	for (size_t k = 0; k < s->nkeys && !bad; k++)
		bad = read_key(json_array_get(keys, k), s, k) != 0;
	if (bad) {
		*err_out = xstrdup("malformed series: an array does not have one value per interval");
		fr_timeseries_free(s);
		return NULL;
	}
	return s;
}
