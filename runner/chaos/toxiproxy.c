/* toxiproxy.c: the Toxiproxy v2 HTTP API over the blocking control-API client (util/httpapi.h).
 *
 * Each public function is one HTTP call (fr_toxi_remove_leftovers: one listing
 * and one call per leftover). Requests and answers are JSON (jansson). The
 * calls are short and bounded (1 s to connect, 3 s in all) because they run on
 * the fault thread, whose lateness is measured, and in the cleanup path of an
 * interrupted run, which must end promptly. Errors are kept as one message in
 * the client: the URL, what failed and Toxiproxy's own error text.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "chaos/toxiproxy.h"
#include "util/buf.h"
#include "util/container.h"
#include "util/httpapi.h"
#include "util/xmalloc.h"

/* Short and bounded: the calls run on the fault thread, whose lateness is
 * measured, and in the cleanup of an interrupted run, which must end promptly.
 * A listing of thousands of proxies fits in the answer. */
static const struct fr_httpapi_limits toxi_limits = {
        .connect_ms = 1000,
        .total_ms = 3000,
        .max_answer = 4u << 20,
};

struct fr_toxi {
	struct fr_httpapi *api;
};

static const char *const type_names[] = {
        [FR_TOXIC_LATENCY] = "latency",       [FR_TOXIC_BANDWIDTH] = "bandwidth",
        [FR_TOXIC_SLOW_CLOSE] = "slow_close", [FR_TOXIC_TIMEOUT] = "timeout",
        [FR_TOXIC_RESET_PEER] = "reset_peer", [FR_TOXIC_SLICER] = "slicer",
        [FR_TOXIC_LIMIT_DATA] = "limit_data", [FR_TOXIC_DOWN] = "down",
};

/* Toxiproxy's name of a toxic type. */
const char *fr_toxi_type_name(enum fr_toxic toxic)
{
	if ((size_t)toxic >= FR_NELEM(type_names) || !type_names[toxic])
		return "unknown";
	return type_names[toxic];
}

/* Creates a client for URL; no I/O. */
struct fr_toxi *fr_toxi_create(const char *url)
{
	struct fr_toxi *toxi = xcalloc(1, sizeof(*toxi));

	toxi->api = fr_httpapi_create("toxiproxy", url, toxi_limits);
	return toxi;
}

/* Frees a client; accepts NULL. */
void fr_toxi_free(struct fr_toxi *toxi)
{
	if (!toxi)
		return;
	fr_httpapi_free(toxi->api);
	free(toxi);
}

/* The transport keeps the message of the last call. */
const char *fr_toxi_error(const struct fr_toxi *toxi)
{
	return fr_httpapi_error(toxi->api);
}

/* Calls that timed out so far. */
unsigned fr_toxi_timeouts(const struct fr_toxi *toxi)
{
	return fr_httpapi_timeouts(toxi->api);
}

/* One HTTP call: METHOD PATH with BODY (JSON text or NULL). On success the
 * parsed answer goes to *json_out when it is not NULL (the caller decrefs).
 * Toxiproxy's 404 and 409 have statuses of their own. */
static int call(struct fr_toxi *toxi, const char *method, const char *path, const char *body, json_t **json_out)
{
	int st = fr_httpapi_call(toxi->api, method, path, body ? "application/json" : NULL, body,
	                         body ? strlen(body) : 0, json_out);

	switch (st) {
	case FR_HTTPAPI_OK: return FR_TOXI_OK;
	case FR_HTTPAPI_UNREACHABLE: return FR_TOXI_UNREACHABLE;
	case FR_HTTPAPI_HTTP_ERROR:
		if (fr_httpapi_code(toxi->api) == 404)
			return FR_TOXI_NOT_FOUND;
		if (fr_httpapi_code(toxi->api) == 409)
			return FR_TOXI_CONFLICT;
		return FR_TOXI_ERROR;
	default: return FR_TOXI_ERROR;
	}
}

/* Like call, with a jansson body (stolen: decref'd here). */
static int call_json(struct fr_toxi *toxi, const char *method, const char *path, json_t *body, json_t **json_out)
{
	char *text = json_dumps(body, JSON_COMPACT);
	int rc;

	json_decref(body);
	if (!text) {
		fprintf(stderr, "flowrun: out of memory (json_dumps)\n");
		abort();
	}
	rc = call(toxi, method, path, text, json_out);
	free(text);
	return rc;
}

/* "/proxies/{proxy}" plus SUFFIX, escaped. */
static char *proxy_path(struct fr_toxi *toxi, const char *proxy, const char *suffix)
{
	char *p = fr_httpapi_escape(toxi->api, proxy);
	char *path = xasprintf("/proxies/%s%s", p, suffix);

	free(p);
	return path;
}

/* GET /version. */
int fr_toxi_version(struct fr_toxi *toxi, char **version_out)
{
	json_t *root = NULL;
	size_t len;
	int rc;

	*version_out = NULL;
	rc = call(toxi, "GET", "/version", NULL, NULL);
	if (rc)
		return rc;
	/* 2.x answers {"version":"…"}; very old servers answer plain text. */
	const char *answer = fr_httpapi_answer(toxi->api, &len);
	root = json_loadb(answer, len, 0, NULL);
	if (root && json_is_string(json_object_get(root, "version")))
		*version_out = xstrdup(json_string_value(json_object_get(root, "version")));
	else if (!root && len > 0 && len < 64)
		*version_out = xstrndup(answer, strcspn(answer, "\r\n"));
	json_decref(root);
	if (!*version_out) {
		fr_httpapi_set_error(toxi->api, "toxiproxy at %s: GET /version: unexpected answer",
		                     fr_httpapi_url(toxi->api));
		return FR_TOXI_ERROR;
	}
	return FR_TOXI_OK;
}

/* Frees the strings of one toxic. */
static void toxic_clear(struct fr_toxi_toxic *t)
{
	free(t->name);
	free(t->type);
	for (size_t i = 0; i < t->nattrs; i++)
		free(t->attrs[i].name);
}

/* Frees an array of toxics; accepts NULL. */
void fr_toxi_toxics_free(struct fr_toxi_toxic *toxics, size_t n)
{
	for (size_t i = 0; i < n; i++)
		toxic_clear(&toxics[i]);
	free(toxics);
}

/* Frees an array of proxies; accepts NULL. */
void fr_toxi_proxies_free(struct fr_toxi_proxy *proxies, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(proxies[i].name);
		free(proxies[i].listen);
		free(proxies[i].upstream);
		fr_toxi_toxics_free(proxies[i].toxics, proxies[i].ntoxics);
	}
	free(proxies);
}

/* A string member of OBJ, copied ("" when absent). */
static char *member_str(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return xstrdup(json_is_string(v) ? json_string_value(v) : "");
}

/* Reads one toxic object. */
static void parse_toxic(json_t *obj, struct fr_toxi_toxic *t)
{
	json_t *attrs = json_object_get(obj, "attributes");
	json_t *tox = json_object_get(obj, "toxicity");
	const char *key;
	json_t *v;

	memset(t, 0, sizeof(*t));
	t->name = member_str(obj, "name");
	t->type = member_str(obj, "type");
	t->upstream = json_is_string(json_object_get(obj, "stream")) &&
	              strcmp(json_string_value(json_object_get(obj, "stream")), "upstream") == 0;
	t->toxicity = json_is_number(tox) ? json_number_value(tox) : 1.0;
	json_object_foreach(attrs, key, v)
	{
		if (t->nattrs == FR_TOXI_MAX_ATTRS || !json_is_number(v))
			continue;
		t->attrs[t->nattrs].name = xstrdup(key);
		t->attrs[t->nattrs].value = (int64_t)json_number_value(v);
		t->nattrs++;
	}
}

/* Reads a JSON array of toxics. */
static void parse_toxics(json_t *arr, struct fr_toxi_toxic **out, size_t *n_out)
{
	size_t n = json_is_array(arr) ? json_array_size(arr) : 0;

	*out = n ? xcalloc(n, sizeof(**out)) : NULL;
	for (size_t i = 0; i < n; i++)
		parse_toxic(json_array_get(arr, i), &(*out)[i]);
	*n_out = n;
}

/* Orders proxies by name. */
static int proxy_cmp(const void *a, const void *b)
{
	return strcmp(((const struct fr_toxi_proxy *)a)->name, ((const struct fr_toxi_proxy *)b)->name);
}

/* GET /proxies. */
int fr_toxi_proxies(struct fr_toxi *toxi, struct fr_toxi_proxy **proxies_out, size_t *n_out)
{
	json_t *root, *obj;
	const char *key;
	size_t n = 0;
	int rc;

	*proxies_out = NULL;
	*n_out = 0;
	rc = call(toxi, "GET", "/proxies", NULL, &root);
	if (rc)
		return rc;
	if (!json_is_object(root)) {
		json_decref(root);
		fr_httpapi_set_error(toxi->api, "toxiproxy at %s: GET /proxies: not an object",
		                     fr_httpapi_url(toxi->api));
		return FR_TOXI_ERROR;
	}
	*proxies_out = xcalloc(json_object_size(root) + 1, sizeof(**proxies_out));
	json_object_foreach(root, key, obj)
	{
		struct fr_toxi_proxy *p = &(*proxies_out)[n++];
		p->name = xstrdup(key);
		p->listen = member_str(obj, "listen");
		p->upstream = member_str(obj, "upstream");
		p->enabled = json_is_true(json_object_get(obj, "enabled"));
		parse_toxics(json_object_get(obj, "toxics"), &p->toxics, &p->ntoxics);
	}
	json_decref(root);
	qsort(*proxies_out, n, sizeof(**proxies_out), proxy_cmp);
	*n_out = n;
	return FR_TOXI_OK;
}

/* Whether NAME is in LIST. */
static int has_name(char **list, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], name) == 0)
			return 1;
	return 0;
}

/* Whether Toxiproxy has a proxy named NAME. */
static int proxy_exists(const struct fr_toxi_proxy *proxies, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(proxies[i].name, name) == 0)
			return 1;
	return 0;
}

/* Joins NAMES with ", ", each between QUOTE ("'a', 'b'"); caller frees. */
static char *join(char **names, size_t n, const char *quote)
{
	struct fr_buf b;

	fr_buf_init(&b, 0);
	for (size_t i = 0; i < n; i++)
		fr_buf_printf(&b, "%s%s%s%s", i ? ", " : "", quote, names[i], quote);
	return fr_buf_take(&b);
}

/* Checks that every proxy the faults name exists. */
int fr_toxi_check_proxies(struct fr_toxi *toxi, const struct fr_faults *faults)
{
	struct fr_toxi_proxy *proxies;
	char **missing = NULL;
	size_t n, nmissing = 0;
	int rc = fr_toxi_proxies(toxi, &proxies, &n);

	if (rc)
		return rc;
	for (size_t i = 0; i < faults->n; i++) {
		const struct fr_fault *f = &faults->items[i];
		for (size_t j = 0; j < f->nproxies; j++) {
			if (proxy_exists(proxies, n, f->proxies[j]) || has_name(missing, nmissing, f->proxies[j]))
				continue;
			missing = xreallocarray(missing, nmissing + 1, sizeof(*missing));
			missing[nmissing++] = f->proxies[j];
		}
	}
	fr_toxi_proxies_free(proxies, n);
	if (!nmissing)
		return FR_TOXI_OK;
	char *list = join(missing, nmissing, "'");
	fr_httpapi_set_error(toxi->api,
	                     "toxiproxy at %s has no proxy %s named by the plan's faults "
	                     "(start toxiproxy-server -config %s, or run with --create-proxies)",
	                     fr_httpapi_url(toxi->api), list,
	                     faults->proxies_file ? faults->proxies_file : "toxiproxy/config.json");
	free(list);
	free(missing);
	return FR_TOXI_NOT_FOUND;
}

/* POST /populate with the plan's proxies. */
int fr_toxi_populate(struct fr_toxi *toxi, const struct fr_faults *faults)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < faults->nproxies; i++) {
		const struct fr_proxy *p = &faults->proxies[i];
		if (!p->name || !p->listen || !p->upstream) {
			json_decref(arr);
			fr_httpapi_set_error(toxi->api,
			                     "toxiproxy at %s: proxy %zu of %s lacks a name, listen or upstream",
			                     fr_httpapi_url(toxi->api), i + 1,
			                     faults->proxies_file ? faults->proxies_file : "the plan");
			return FR_TOXI_ERROR;
		}
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:b}", "name", p->name, "listen", p->listen,
		                                     "upstream", p->upstream, "enabled", 1));
	}
	return call_json(toxi, "POST", "/populate", arr, NULL);
}

/* GET /proxies/{proxy}/toxics. */
int fr_toxi_toxics(struct fr_toxi *toxi, const char *proxy, struct fr_toxi_toxic **toxics_out, size_t *n_out)
{
	char *path = proxy_path(toxi, proxy, "/toxics");
	json_t *root;
	int rc = call(toxi, "GET", path, NULL, &root);

	free(path);
	*toxics_out = NULL;
	*n_out = 0;
	if (rc)
		return rc;
	parse_toxics(root, toxics_out, n_out);
	json_decref(root);
	return FR_TOXI_OK;
}

/* POSTs one toxic body to PROXY. */
static int post_toxic(struct fr_toxi *toxi, const char *proxy, json_t *body)
{
	char *path = proxy_path(toxi, proxy, "/toxics");
	int rc = call_json(toxi, "POST", path, body, NULL);

	free(path);
	return rc;
}

/* Adds FAULT's toxic to PROXY under NAME. */
int fr_toxi_add_toxic(struct fr_toxi *toxi, const char *proxy, const char *name, const struct fr_fault *fault)
{
	json_t *attrs = json_object();

	if (fault->toxic == FR_TOXIC_DOWN) {
		json_decref(attrs);
		fr_httpapi_set_error(toxi->api, "toxiproxy at %s: a down fault has no toxic",
		                     fr_httpapi_url(toxi->api));
		return FR_TOXI_ERROR;
	}
	for (size_t i = 0; i < fault->nattrs; i++)
		json_object_set_new(attrs, fault->attrs[i].name, json_integer((json_int_t)fault->attrs[i].value));
	return post_toxic(toxi, proxy,
	                  json_pack("{s:s, s:s, s:s, s:f, s:o}", "name", name, "type", fr_toxi_type_name(fault->toxic),
	                            "stream", fault->upstream ? "upstream" : "downstream", "toxicity", fault->toxicity,
	                            "attributes", attrs));
}

/* Adds a down marker: a latency toxic of 0 ms. */
int fr_toxi_add_marker(struct fr_toxi *toxi, const char *proxy, const char *name)
{
	return post_toxic(toxi, proxy,
	                  json_pack("{s:s, s:s, s:s, s:f, s:{s:i, s:i}}", "name", name, "type", "latency", "stream",
	                            "downstream", "toxicity", 1.0, "attributes", "latency", 0, "jitter", 0));
}

/* DELETE a toxic; gone already counts as removed. */
int fr_toxi_remove_toxic(struct fr_toxi *toxi, const char *proxy, const char *name)
{
	char *p = proxy_path(toxi, proxy, "/toxics/");
	char *t = fr_httpapi_escape(toxi->api, name);
	char *path = xasprintf("%s%s", p, t);
	int rc = call(toxi, "DELETE", path, NULL, NULL);

	free(path);
	free(t);
	free(p);
	if (rc == FR_TOXI_NOT_FOUND) {
		fr_httpapi_set_error(toxi->api, "%s", "");
		rc = FR_TOXI_OK;
	}
	return rc;
}

/* PATCH a proxy's enabled flag. */
int fr_toxi_set_enabled(struct fr_toxi *toxi, const char *proxy, int enabled)
{
	char *path = proxy_path(toxi, proxy, "");
	int rc = call_json(toxi, "PATCH", path, json_pack("{s:b}", "enabled", enabled), NULL);

	free(path);
	return rc;
}

/* Appends S to BUF as [a-z0-9-], collapsing runs of '-'. */
static size_t sanitise(char *buf, size_t len, const char *s)
{
	for (; *s; s++) {
		char c = (char)tolower((unsigned char)*s);
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
			c = '-';
		if (c == '-' && len > 0 && buf[len - 1] == '-')
			continue;
		buf[len++] = c;
	}
	buf[len] = '\0';
	return len;
}

/* RUN_ID as it appears in names: sanitised, no leading or trailing '-' (caller frees). */
static char *run_part(const char *run_id)
{
	char *buf = xmalloc(strlen(run_id) + 1);
	size_t len = sanitise(buf, 0, run_id);
	while (len > 0 && buf[len - 1] == '-')
		buf[--len] = '\0';
	if (buf[0] == '-')
		memmove(buf, buf + 1, len);
	return buf;
}

/* "flowrun-<expiry>-<run>-[down-]<fault>", sanitised. */
char *fr_toxi_name(const char *run_id, const char *fault_name, int marker, int64_t expiry_unix)
{
	char *run = run_part(run_id);
	char *buf = xmalloc(strlen(FR_TOXI_PREFIX) + 24 + strlen(run) + strlen(fault_name) + 8);
	size_t len = (size_t)sprintf(buf, "%s%lld-%s-", FR_TOXI_PREFIX, (long long)expiry_unix, run);
	free(run);
	if (marker)
		len = sanitise(buf, len, "down-");
	len = sanitise(buf, len, fault_name);
	while (len > 0 && buf[len - 1] == '-')
		buf[--len] = '\0';
	return buf;
}

/* Reads the expiry of a flowrun name: the digits after the prefix, then '-'. */
int fr_toxi_name_expiry(const char *name, int64_t *expiry_out)
{
	size_t plen = strlen(FR_TOXI_PREFIX);
	if (strncmp(name, FR_TOXI_PREFIX, plen) != 0)
		return -1;
	const char *p = name + plen;
	int64_t v = 0;
	size_t n = 0;
	for (; isdigit((unsigned char)p[n]) && n < 18; n++)
		v = v * 10 + (p[n] - '0');
	if (n < 9 || p[n] != '-') /* a name of flowrun before expiries: "flowrun-<run>-…" */
		return 0;
	*expiry_out = v;
	return 1;
}

/* Whether NAME is one of run RUN_ID's (whatever its expiry). */
static int of_run(const char *name, const char *run_id)
{
	int64_t expiry;
	if (!run_id || fr_toxi_name_expiry(name, &expiry) != 1)
		return 0;
	const char *rest = strchr(name + strlen(FR_TOXI_PREFIX), '-') + 1;
	char *run = run_part(run_id);
	size_t rl = strlen(run);
	int mine = strncmp(rest, run, rl) == 0 && rest[rl] == '-';
	free(run);
	return mine;
}

/* Whether SW says the flowrun toxic NAME goes. */
static int removable(const char *name, const struct fr_toxi_sweep *sw)
{
	int64_t expiry = 0;
	int kind = fr_toxi_name_expiry(name, &expiry);
	if (kind < 0)
		return 0;
	return sw->all || kind == 0 || of_run(name, sw->run_id) || of_run(name, sw->also_run_id) ||
	       (sw->now_unix > 0 && expiry <= sw->now_unix);
}

/* Whether T is a `down` marker left by flowrun: flowrun-…-down-…, latency 0. */
static int is_marker(const struct fr_toxi_toxic *t)
{
	if (strncmp(t->name, FR_TOXI_PREFIX, strlen(FR_TOXI_PREFIX)) != 0 || !strstr(t->name, "-down-") ||
	    strcmp(t->type, "latency") != 0)
		return 0;
	for (size_t i = 0; i < t->nattrs; i++)
		if (t->attrs[i].value != 0)
			return 0;
	return 1;
}

/* Appends S (taken) to a string list. */
static void push(char ***list, size_t *n, char *s)
{
	*list = xreallocarray(*list, *n + 1, sizeof(**list));
	(*list)[(*n)++] = s;
}

/* Cleans one proxy: re-enable it if flowrun disabled it (a marker that goes),
 * then drop the toxics that go; notes the flowrun toxics that stay. */
static int clean_proxy(struct fr_toxi *toxi, const struct fr_toxi_proxy *p, const struct fr_toxi_sweep *sw,
                       struct fr_toxi_leftovers *out)
{
	int marked = 0, rc;

	for (size_t i = 0; i < p->ntoxics; i++)
		marked |= is_marker(&p->toxics[i]) && removable(p->toxics[i].name, sw);
	if (!p->enabled && marked) {
		rc = fr_toxi_set_enabled(toxi, p->name, 1);
		if (rc)
			return rc;
		push(&out->enabled, &out->nenabled, xstrdup(p->name));
	}
	for (size_t i = 0; i < p->ntoxics; i++) {
		const char *name = p->toxics[i].name;
		int64_t expiry = 0;
		if (fr_toxi_name_expiry(name, &expiry) < 0)
			continue;
		if (!removable(name, sw)) {
			push(&out->kept, &out->nkept, xasprintf("%s/%s", p->name, name));
			out->kept_until = expiry > out->kept_until ? expiry : out->kept_until;
			continue;
		}
		rc = fr_toxi_remove_toxic(toxi, p->name, name);
		if (rc)
			return rc;
		push(&out->toxics, &out->ntoxics, xasprintf("%s/%s", p->name, name));
	}
	return FR_TOXI_OK;
}

/* Removes the flowrun toxics SW names and re-enables proxies they disabled. */
int fr_toxi_remove_leftovers(struct fr_toxi *toxi, const struct fr_toxi_sweep *sw, struct fr_toxi_leftovers *out)
{
	struct fr_toxi_proxy *proxies;
	size_t n;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = fr_toxi_proxies(toxi, &proxies, &n);
	for (size_t i = 0; !rc && i < n; i++)
		rc = clean_proxy(toxi, &proxies[i], sw, out);
	fr_toxi_proxies_free(proxies, n);
	return rc;
}

/* Frees what fr_toxi_remove_leftovers filled in; the struct can be reused. */
void fr_toxi_leftovers_clear(struct fr_toxi_leftovers *lo)
{
	for (size_t i = 0; i < lo->ntoxics; i++)
		free(lo->toxics[i]);
	for (size_t i = 0; i < lo->nenabled; i++)
		free(lo->enabled[i]);
	for (size_t i = 0; i < lo->nkept; i++)
		free(lo->kept[i]);
	free(lo->toxics);
	free(lo->enabled);
	free(lo->kept);
	memset(lo, 0, sizeof(*lo));
}

/* The line to print about leftovers, or NULL. */
char *fr_toxi_leftovers_message(const struct fr_toxi_leftovers *lo)
{
	char *toxics, *msg;

	if (lo->ntoxics == 0 && lo->nenabled == 0)
		return NULL;
	toxics = join(lo->toxics, lo->ntoxics, "");
	msg = xasprintf("removed %zu leftover toxic%s from an earlier run: %s", lo->ntoxics,
	                lo->ntoxics == 1 ? "" : "s", toxics);
	free(toxics);
	if (lo->nenabled) {
		char *proxies = join(lo->enabled, lo->nenabled, "");
		char *full = xasprintf("%s; re-enabled proxy%s it had left disabled: %s", msg,
		                       lo->nenabled == 1 ? "" : "s", proxies);
		free(proxies);
		free(msg);
		msg = full;
	}
	return msg;
}

/* The line to print about the toxics of other runs left in place, or NULL. */
char *fr_toxi_kept_message(const struct fr_toxi_leftovers *lo, int64_t now_unix)
{
	if (!lo->nkept)
		return NULL;
	char *toxics = join(lo->kept, lo->nkept, "");
	int64_t left = lo->kept_until - now_unix;
	char *msg = xasprintf("left %zu toxic%s of another run in place (%s %s within %llds; "
	                      "--clean-leftovers removes %s now): %s",
	                      lo->nkept, lo->nkept == 1 ? "" : "s", lo->nkept == 1 ? "it" : "they",
	                      lo->nkept == 1 ? "expires" : "expire", (long long)(left > 0 ? left : 0),
	                      lo->nkept == 1 ? "it" : "them", toxics);
	free(toxics);
	return msg;
}
