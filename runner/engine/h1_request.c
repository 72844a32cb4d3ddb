/* h1_request.c: compiling a plan request for the lean path and building its bytes (see h1_request.h).
 *
 * The compiled form keeps the fixed text (method, the path prefix of the base
 * URL, the Host/User-Agent/Accept lines curl would add, escaped query keys)
 * and the templates that still need the variables. Header and query order,
 * escaping and the rules for empty headers follow libcurl 7.88, so that the
 * server sees the same request whichever path sent it.
 */
#include <ctype.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/h1_request.h"
#include "util/xmalloc.h"

#define DEFAULT_CT "Content-Type: application/x-www-form-urlencoded\r\n"

struct hdr {
	const char *name;
	const char *value; /* a template */
};

struct qparam {
	char *key;         /* escaped */
	const char *value; /* a template */
};

struct fr_h1_request {
	struct fr_h1_addr addr;
	char *method;
	char *prefix;     /* the base URL's path, without a trailing slash ("" for none) */
	const char *path; /* a template: the request's path */
	struct qparam *query;
	size_t nquery;
	char *defaults; /* the Host, User-Agent and Accept lines curl adds, minus those the plan sets */
	struct hdr *hdrs;
	size_t nhdrs;
	const char *body; /* a template, or NULL */
	int json_ct;      /* add "Content-Type: application/json" (a JSON body, no Content-Type set) */
	int default_ct;   /* add curl's form Content-Type with a body (no Content-Type set) */
	int post_empty;   /* a POST without a body: "Content-Length: 0" */
	int head;
	struct fr_buf prebuilt; /* the whole request when nothing depends on variables */
	int is_prebuilt;
};

/* Whether C is one of the bytes curl_easy_escape leaves alone. */
static int unreserved(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* Appends S percent-encoded as curl_easy_escape does. */
static void add_escaped(struct fr_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (unreserved(c)) {
			fr_buf_addc(b, (char)c);
		} else {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};
			fr_buf_add(b, e, 3);
		}
	}
}

/* Whether a header named NAME changes the framing or the connection: the lean path leaves those to curl. */
static int framing_header(const char *name)
{
	static const char *const names[] = {"Content-Length", "Transfer-Encoding", "Connection",
	                                    "Expect",         "Upgrade",           "TE",
	                                    "Keep-Alive",     "Proxy-Connection"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(name, names[i]) == 0)
			return 1;
	return 0;
}

/* Whether any list sets header NAME. */
static int sets_header(const struct fr_kvlist *const lists[3], const char *name)
{
	for (int l = 0; l < 3; l++)
		for (size_t i = 0; lists[l] && i < lists[l]->n; i++)
			if (strcasecmp(lists[l]->items[i].key, name) == 0)
				return 1;
	return 0;
}

/* Whether the environment sends requests to HOST through a proxy (curl's variables). */
static int proxied(const char *host)
{
	static const char *const vars[] = {"http_proxy", "all_proxy", "ALL_PROXY"};
	const char *np = getenv("no_proxy");
	int set = 0;

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		set |= getenv(vars[i]) && *getenv(vars[i]);
	if (!set)
		return 0;
	if (!np || !*np)
		np = getenv("NO_PROXY");
	if (!np || !*np)
		return 1;
	if (strcmp(np, "*") == 0)
		return 0;
	for (const char *p = np; *p;) {
		size_t n = strcspn(p, ", ");
		if (n == strlen(host) && strncasecmp(p, host, n) == 0)
			return 0;
		p += n;
		p += strspn(p, ", ");
	}
	return 1;
}

/* Whether the environment configures a proxy for plain HTTP at all. */
int fr_h1_proxy_configured(void)
{
	return proxied("");
}

/* Resolves HOST:PORT to exactly one address; -1 when it does not. */
static int resolve(const char *host, const char *port, struct fr_h1_addr *out)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
	struct addrinfo *res = NULL, *ai;
	int n = 0;

	if (getaddrinfo(host, port, &hints, &res) != 0)
		return -1;
	for (ai = res; ai; ai = ai->ai_next) {
		if (n && ai->ai_addrlen == out->len && memcmp(ai->ai_addr, &out->sa, ai->ai_addrlen) == 0)
			continue; /* the same address for another protocol */
		if (ai->ai_addrlen > sizeof(out->sa) || n++)
			break;
		memcpy(&out->sa, ai->ai_addr, ai->ai_addrlen);
		out->len = ai->ai_addrlen;
	}
	freeaddrinfo(res);
	return n == 1 ? 0 : -1;
}

/* Parses "http://authority[/path]" at URL into C (origin, Host line, prefix
 * up to END); NULL or the reason the lean path cannot go there. */
static const char *parse_origin(struct fr_h1_request *c, const char *url, const char **rest_out)
{
	const char *a, *end, *colon;
	char host[256], port[8] = "80";
	size_t hl;

	if (strncasecmp(url, "http://", 7) != 0)
		return strncasecmp(url, "https://", 8) == 0 ? "https:// needs libcurl" : "only http:// URLs";
	a = url + 7;
	end = a + strcspn(a, "/?#");
	if (memchr(a, '$', (size_t)(end - a)))
		return "a host that depends on variables";
	if (memchr(a, '@', (size_t)(end - a)))
		return "credentials in the URL";
	if (*a == '[') {
		const char *rb = memchr(a, ']', (size_t)(end - a));
		if (!rb)
			return "a malformed URL";
		colon = rb + 1 < end && rb[1] == ':' ? rb + 1 : NULL;
		hl = (size_t)(rb - a - 1);
		if (hl >= sizeof(host))
			return "a malformed URL";
		memcpy(host, a + 1, hl);
	} else {
		colon = memchr(a, ':', (size_t)(end - a));
		hl = (size_t)((colon ? colon : end) - a);
		if (hl == 0 || hl >= sizeof(host))
			return "a malformed URL";
		memcpy(host, a, hl);
	}
	host[hl] = '\0';
	if (colon) {
		size_t pl = (size_t)(end - colon - 1);
		if (pl == 0 || pl >= sizeof(port) || strspn(colon + 1, "0123456789") < pl)
			return "a malformed URL";
		memcpy(port, colon + 1, pl);
		port[pl] = '\0';
	}
	if (proxied(host))
		return "a proxy is configured";
	if (resolve(host, port, &c->addr) != 0)
		return "a host that does not resolve to one address";
	/* curl's Host: the host as written, its port unless it is 80 */
	int pn = atoi(port), v6 = *a == '[';
	c->defaults = pn == 80 ? xasprintf("Host: %s%s%s\r\n", v6 ? "[" : "", host, v6 ? "]" : "")
	                       : xasprintf("Host: %s%s%s:%d\r\n", v6 ? "[" : "", host, v6 ? "]" : "", pn);
	*rest_out = end;
	return NULL;
}

/* Whether S (N bytes) is a URL path and query that curl sends as it is. */
static int plain_target(const char *s, size_t n)
{
	size_t path_end = n;

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch <= 0x20 || ch >= 0x7f || ch == '#' || ch == '\\')
			return 0;
		if (ch == '?' && path_end == n)
			path_end = i;
	}
	for (size_t i = 0; i < path_end; i++) { /* dot segments: curl would resolve them */
		if (s[i] != '/' || i + 1 >= path_end || s[i + 1] != '.')
			continue;
		size_t j = i + 2;
		if (j < path_end && s[j] == '.')
			j++;
		if (j == path_end || s[j] == '/')
			return 0;
	}
	return 1;
}

/* Sets up the header lists, the defaults and the body rules. */
static const char *compile_headers(struct fr_h1_request *c, const struct fr_kvlist *const lists[3],
                                   const struct fr_request *req)
{
	struct fr_buf d = {0};
	size_t n = 0;

	for (int l = 0; l < 3; l++)
		for (size_t i = 0; lists[l] && i < lists[l]->n; i++)
			if (framing_header(lists[l]->items[i].key))
				return "a header that changes the framing";
	if (!sets_header(lists, "Host"))
		fr_buf_adds(&d, c->defaults);
	if (!sets_header(lists, "User-Agent"))
		fr_buf_adds(&d, "User-Agent: flowrun/" PACKAGE_VERSION "\r\n");
	if (!sets_header(lists, "Accept"))
		fr_buf_adds(&d, "Accept: */*\r\n");
	free(c->defaults);
	c->defaults = fr_buf_take(&d);
	fr_buf_free(&d);
	for (int l = 0; l < 3; l++)
		n += lists[l] ? lists[l]->n : 0;
	c->hdrs = xcalloc(n ? n : 1, sizeof(*c->hdrs));
	for (int l = 0; l < 3; l++)
		for (size_t i = 0; lists[l] && i < lists[l]->n; i++)
			c->hdrs[c->nhdrs++] = (struct hdr){lists[l]->items[i].key, lists[l]->items[i].value};
	c->json_ct = req->body && req->body_is_json && !sets_header(lists, "Content-Type");
	c->default_ct = !c->json_ct && !sets_header(lists, "Content-Type");
	return NULL;
}

/* Whether any template of C holds a run-time reference. */
static int has_refs(const struct fr_h1_request *c)
{
	if (fr_vars_has_refs(c->path) || (c->body && fr_vars_has_refs(c->body)))
		return 1;
	for (size_t i = 0; i < c->nhdrs; i++)
		if (fr_vars_has_refs(c->hdrs[i].value))
			return 1;
	for (size_t i = 0; i < c->nquery; i++)
		if (fr_vars_has_refs(c->query[i].value))
			return 1;
	return 0;
}

static int build(const struct fr_h1_request *c, const struct fr_varstore *vs, uint64_t *rng, struct fr_buf *out,
                 struct fr_buf *scratch);

/* Compiles a request; see h1_request.h. */
struct fr_h1_request *fr_h1_request_compile(const char *base_url, const struct fr_kvlist *headers,
                                            const struct fr_kvlist *auth, const struct fr_request *req,
                                            const char **why_out)
{
	struct fr_h1_request *c = xcalloc(1, sizeof(*c));
	const struct fr_kvlist *const lists[3] = {headers, auth, &req->headers};
	const char *url = req->url ? req->url : "/";
	const char *rest = NULL, *why;

	why = parse_origin(c, req->url_is_path ? base_url : url, &rest);
	if (!why && req->url_is_path && strpbrk(rest, "?#"))
		why = "a base URL with a query";
	if (!why)
		why = compile_headers(c, lists, req);
	if (why) {
		*why_out = why;
		fr_h1_request_free(c);
		return NULL;
	}
	c->method = xstrdup(req->method ? req->method : "GET");
	c->head = strcmp(c->method, "HEAD") == 0;
	c->prefix = xstrdup(req->url_is_path ? rest : "");
	if (*c->prefix && c->prefix[strlen(c->prefix) - 1] == '/')
		c->prefix[strlen(c->prefix) - 1] = '\0';
	c->path = req->url_is_path ? url : rest;
	c->query = xcalloc(req->query.n ? req->query.n : 1, sizeof(*c->query));
	for (size_t i = 0; i < req->query.n; i++) {
		struct fr_buf k = {0};
		add_escaped(&k, req->query.items[i].key, strlen(req->query.items[i].key));
		c->query[c->nquery++] = (struct qparam){fr_buf_take(&k), req->query.items[i].value};
		fr_buf_free(&k);
	}
	c->body = req->body;
	c->post_empty = !req->body && strcmp(c->method, "POST") == 0;
	if (!has_refs(c)) {
		struct fr_buf scratch = {0};
		c->is_prebuilt = build(c, NULL, NULL, &c->prebuilt, &scratch) == 0;
		fr_buf_free(&scratch);
	}
	return c;
}

/* Frees a compiled request. */
void fr_h1_request_free(struct fr_h1_request *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nquery; i++)
		free(c->query[i].key);
	free(c->query);
	free(c->hdrs);
	free(c->method);
	free(c->prefix);
	free(c->defaults);
	fr_buf_free(&c->prebuilt);
	free(c);
}

/* The address of the request's origin. */
const struct fr_h1_addr *fr_h1_request_addr(const struct fr_h1_request *c)
{
	return &c->addr;
}

/* Whether the request is a HEAD. */
int fr_h1_request_is_head(const struct fr_h1_request *c)
{
	return c->head;
}

/* Appends the request target: prefix, path (one slash between), query; -1 when curl would rewrite it. */
static int add_target(const struct fr_h1_request *c, const struct fr_varstore *vs, uint64_t *rng, struct fr_buf *out,
                      struct fr_buf *scratch)
{
	size_t start = out->len, at;
	int has_q;

	fr_buf_adds(out, c->prefix);
	at = out->len;
	fr_vars_expand_into(out, c->path, vs, rng, NULL);
	if (out->len == at || out->s[at] != '/') {
		fr_buf_addc(out, '/'); /* move the path one byte on and put the slash in front */
		memmove(out->s + at + 1, out->s + at, out->len - at - 1);
		out->s[at] = '/';
	}
	has_q = memchr(out->s + start, '?', out->len - start) != NULL;
	for (size_t i = 0; i < c->nquery; i++) {
		fr_buf_addc(out, has_q ? '&' : '?');
		has_q = 1;
		fr_buf_adds(out, c->query[i].key);
		fr_buf_addc(out, '=');
		fr_buf_reset(scratch);
		fr_vars_expand_into(scratch, c->query[i].value, vs, rng, NULL);
		add_escaped(out, fr_buf_str(scratch), scratch->len);
	}
	return plain_target(out->s + start, out->len - start) ? 0 : -1;
}

/* Appends the plan's headers; an empty value is not sent (curl's rule).
 * -1 when a value holds CR or LF: curl's path refuses the request then. */
static int add_headers(const struct fr_h1_request *c, const struct fr_varstore *vs, uint64_t *rng, struct fr_buf *out)
{
	for (size_t i = 0; i < c->nhdrs; i++) {
		size_t line = out->len, v;
		fr_buf_adds(out, c->hdrs[i].name);
		fr_buf_add(out, ": ", 2);
		v = out->len;
		fr_vars_expand_into(out, c->hdrs[i].value, vs, rng, NULL);
		if (memchr(out->s + v, '\r', out->len - v) || memchr(out->s + v, '\n', out->len - v))
			return -1;
		while (v < out->len && isspace((unsigned char)out->s[v]))
			v++;
		if (v == out->len) {
			out->len = line;
			out->s[line] = '\0';
			continue;
		}
		fr_buf_add(out, "\r\n", 2);
	}
	if (c->json_ct)
		fr_buf_adds(out, "Content-Type: application/json\r\n");
	return 0;
}

/* Builds the whole request into OUT; -1 when curl must send it. */
static int build(const struct fr_h1_request *c, const struct fr_varstore *vs, uint64_t *rng, struct fr_buf *out,
                 struct fr_buf *scratch)
{
	fr_buf_reset(out);
	fr_buf_adds(out, c->method);
	fr_buf_addc(out, ' ');
	if (add_target(c, vs, rng, out, scratch) != 0)
		return -1;
	fr_buf_add(out, " HTTP/1.1\r\n", 11);
	fr_buf_adds(out, c->defaults);
	if (add_headers(c, vs, rng, out) != 0)
		return -1;
	if (c->body) {
		fr_buf_reset(scratch);
		fr_vars_expand_into(scratch, c->body, vs, rng, NULL);
		fr_buf_printf(out, "Content-Length: %zu\r\n", scratch->len);
		if (c->default_ct)
			fr_buf_adds(out, DEFAULT_CT);
		fr_buf_add(out, "\r\n", 2);
		fr_buf_add(out, scratch->s ? scratch->s : "", scratch->len);
	} else if (c->post_empty) {
		fr_buf_adds(out, "Content-Length: 0\r\n");
		if (c->default_ct)
			fr_buf_adds(out, DEFAULT_CT);
		fr_buf_add(out, "\r\n", 2);
	} else {
		fr_buf_add(out, "\r\n", 2);
	}
	return out->overflow || scratch->overflow ? -1 : 0;
}

/* The bytes of one send; see h1_request.h. */
const char *fr_h1_request_build(const struct fr_h1_request *c, const struct fr_varstore *vs, uint64_t *rng,
                                struct fr_buf *out, struct fr_buf *scratch, size_t *len_out)
{
	if (c->is_prebuilt) {
		*len_out = c->prebuilt.len;
		return c->prebuilt.s;
	}
	if (build(c, vs, rng, out, scratch) != 0)
		return NULL;
	*len_out = out->len;
	return out->s;
}
