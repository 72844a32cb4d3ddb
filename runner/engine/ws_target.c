/* ws_target.c: expands and resolves a websocket scenario's connect target (see ws_target.h). */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libwebsockets.h>

#include "engine/ws_target.h"
#include "util/redact.h"
#include "util/xmalloc.h"

/* Resolves HOST to a numeric address once (lws resolves with blocking calls). */
static char *numeric_host(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	struct addrinfo hints, *ai = NULL;
	char buf[INET6_ADDRSTRLEN];
	if (inet_pton(AF_INET, host, &a4) == 1 || inet_pton(AF_INET6, host, &a6) == 1)
		return xstrdup(host);
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, NULL, &hints, &ai) || !ai)
		return NULL;
	const void *src = ai->ai_family == AF_INET6 ? (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr
	                                            : (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr;
	char *out = inet_ntop(ai->ai_family, src, buf, sizeof buf) ? xstrdup(buf) : NULL;
	freeaddrinfo(ai);
	return out;
}

/* Splits "scheme://host[:port][/path]"; returns 0 or -1. */
static int split_url(struct fr_ws_target *t, const char *url, const char *path_override, char **err_out)
{
	const char *p;
	if (!strncmp(url, "ws://", 5) || !strncmp(url, "http://", 7)) {
		t->ssl = 0;
		t->port = 80;
	} else if (!strncmp(url, "wss://", 6) || !strncmp(url, "https://", 8)) {
		t->ssl = 1;
		t->port = 443;
	} else {
		char *shown = fr_redact_url(url);
		*err_out = xasprintf("websocket URL '%s' is not ws://, wss:// or a path on the target", shown);
		free(shown);
		return -1;
	}
	p = strstr(url, "://") + 3;
	size_t hl = strcspn(p, "/?");
	char *hostport = xstrndup(p, hl);
	char *host = hostport, *colon;
	if (*host == '[') {
		char *rb = strchr(host, ']');
		colon = rb && rb[1] == ':' ? rb + 1 : NULL;
		if (rb)
			*rb = 0;
		host++;
	} else {
		colon = strrchr(host, ':');
	}
	if (colon) {
		*colon = 0;
		t->port = atoi(colon + 1);
	}
	t->address = numeric_host(host);
	t->host = strchr(host, ':') ? xasprintf("[%s]:%d", host, t->port) : xasprintf("%s:%d", host, t->port);
	free(hostport);
	if (!t->address || t->port <= 0 || t->port > 65535) {
		char *shown = fr_redact_url(url);
		*err_out = xasprintf("websocket URL '%s': cannot resolve host or bad port", shown);
		free(shown);
		return -1;
	}
	const char *path = path_override ? path_override : p + hl;
	t->path = *path == '/' ? xstrdup(path) : xasprintf("/%s", path);
	return 0;
}

/* Frees what T holds and empties it. */
void fr_ws_target_clear(struct fr_ws_target *t)
{
	for (size_t i = 0; i < t->nheaders; i++) {
		free(t->hname[i]);
		free(t->hvalue[i]);
	}
	free(t->hname);
	free(t->hvalue);
	free(t->sub);
	free(t->address);
	free(t->path);
	free(t->host);
	memset(t, 0, sizeof *t);
}

/* Expands the target of a pass from the run's variables. */
int fr_ws_target_expand(struct fr_ws_target *t, const struct fr_plan *plan, const struct fr_scenario *sc,
                        const struct fr_http_target *tgt, const struct fr_varstore *vars, uint64_t rng, char **err_out)
{
	fr_ws_target_clear(t);
	char *url = fr_vars_expand(sc->ws.connect ? sc->ws.connect : "/", vars, &rng, NULL);
	int rc;
	if (url[0] == '/')
		rc = split_url(t, tgt && tgt->base_url ? tgt->base_url : plan->base_url, url, err_out);
	else
		rc = split_url(t, url, NULL, err_out);
	free(url);
	if (rc)
		return -1;
	const struct fr_kvlist *lists[2] = {&plan->auth_headers, &sc->ws.headers};
	size_t n = plan->auth_headers.n + sc->ws.headers.n;
	t->hname = xcalloc(n ? n : 1, sizeof *t->hname);
	t->hvalue = xcalloc(n ? n : 1, sizeof *t->hvalue);
	for (int l = 0; l < 2; l++)
		for (size_t i = 0; i < lists[l]->n; i++) {
			char *v = fr_vars_expand(lists[l]->items[i].value, vars, &rng, NULL);
			if (strpbrk(v, "\r\n")) { /* a captured value would inject handshake headers */
				*err_out = xasprintf("websocket %s: refused: header '%s' has a CR or LF in its value",
				                     sc->name, lists[l]->items[i].key);
				free(v);
				return -1;
			}
			t->hname[t->nheaders] = xasprintf("%s:", lists[l]->items[i].key);
			t->hvalue[t->nheaders++] = v;
		}
	if (sc->ws.subscribe) {
		char *s = fr_vars_expand(sc->ws.subscribe, vars, &rng, NULL);
		t->sublen = strlen(s);
		t->sub = xmalloc(LWS_PRE + t->sublen + 1);
		memcpy(t->sub + LWS_PRE, s, t->sublen + 1);
		free(s);
	}
	return 0;
}
