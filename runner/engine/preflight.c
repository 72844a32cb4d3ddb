/* preflight.c: the TCP connect and TLS check before a run (see preflight.h).
 *
 * The URL is parsed with curl's URL parser (so it agrees with the requests
 * about host and default port); every address the resolver gives is tried
 * with a non-blocking connect until one accepts. For https, curl then
 * connects once more with the options the requests use (CONNECT_ONLY: the
 * handshake and no request), so a certificate that does not verify stops the
 * run before it starts, with curl's own words for why.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>

#include "engine/preflight.h"
#include "util/redact.h"
#include "util/xmalloc.h"

/* Host and port (default port for the scheme) of URL; -1 when it cannot be parsed. */
static int host_port(const char *url, char **host_out, char **port_out)
{
	CURLU *u = curl_url();
	int rc = -1;

	*host_out = *port_out = NULL;
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, host_out, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, port_out, CURLU_DEFAULT_PORT) == CURLUE_OK)
		rc = 0;
	curl_url_cleanup(u);
	return rc;
}

/* Connects to AI within TIMEOUT_MS; returns 0 or an errno value. */
static int try_connect(const struct addrinfo *ai, int timeout_ms)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
	int err = 0;
	socklen_t len = sizeof(err);
	struct pollfd pfd;

	if (fd < 0)
		return errno;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		err = errno;
		if (err == EINPROGRESS) {
			pfd = (struct pollfd){.fd = fd, .events = POLLOUT};
			int n = poll(&pfd, 1, timeout_ms);
			err = n == 0 ? ETIMEDOUT : n < 0 ? errno : 0;
			if (n > 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
				err = errno;
		}
	}
	close(fd);
	return err;
}

/* A TLS handshake with the requests' verification; 0 or -1 with curl's message in *ERR_OUT. */
static int tls_check(const char *base_url, const char *ca_file, int timeout_ms, char **err_out)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	CURL *e = curl_easy_init();
	CURLcode rc;

	if (!e) {
		*err_out = xstrdup("TLS: cannot create a curl handle");
		return -1;
	}
	curl_easy_setopt(e, CURLOPT_URL, base_url);
	curl_easy_setopt(e, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
	if (ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, ca_file);
	rc = curl_easy_perform(e);
	curl_easy_cleanup(e);
	if (rc == CURLE_OK)
		return 0;
	*err_out = xasprintf("TLS: %s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
	return -1;
}

/* Checks that BASE_URL's host:port accepts a TCP connection, then TLS for https. */
int fr_preflight_check(const char *base_url, const char *ca_file, int timeout_ms, char **err_out)
{
	char *host, *port;
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
	int err = -1, gai;
	const char *why = NULL;

	*err_out = NULL;
	if (host_port(base_url, &host, &port) != 0) {
		*err_out = xstrdup("cannot parse the URL");
		curl_free(host);
		curl_free(port);
		return -1;
	}
	gai = getaddrinfo(host, port, &hints, &res);
	if (gai != 0)
		why = gai_strerror(gai);
	for (struct addrinfo *ai = res; ai && err != 0; ai = ai->ai_next) {
		err = try_connect(ai, timeout_ms);
		why = strerror(err);
	}
	if (res)
		freeaddrinfo(res);
	curl_free(host);
	curl_free(port);
	if (err == 0)
		return strncmp(base_url, "https://", 8) == 0 ? tls_check(base_url, ca_file, timeout_ms, err_out) : 0;
	*err_out = xstrdup(why ? why : "no address");
	return -1;
}

/* The http(s):// origin of an absolute ws:// or wss:// URL, or NULL for a path
 * or a host that a variable decides (known only when the pass expands it). */
static char *ws_origin(const char *connect)
{
	int tls = strncmp(connect, "wss://", 6) == 0;
	const char *host;
	size_t n;

	if (!tls && strncmp(connect, "ws://", 5) != 0)
		return NULL; /* before skipping a scheme a short path does not have */
	host = connect + (tls ? 6 : 5);
	n = strcspn(host, "/?");
	if (memmem(host, n, "${", 2))
		return NULL;
	return xasprintf("%s://%.*s", tls ? "https" : "http", (int)n, host);
}

/* "target URL is unreachable: WHY" (WHY taken), URL without its credentials. */
static char *unreachable(const char *url, char *why)
{
	char *shown = fr_redact_url(url);
	char *msg = xasprintf("target %s is unreachable: %s", shown, why);
	free(shown);
	free(why);
	return msg;
}

/* The target first: a run that cannot reach it says so about the target. */
int fr_preflight_plan(const struct fr_plan *plan, int timeout_ms, char **err_out)
{
	char *why = NULL;

	if (fr_preflight_check(plan->base_url, plan->ca_file, timeout_ms, &why) != 0) {
		*err_out = unreachable(plan->base_url, why);
		return -1;
	}
	for (size_t s = 0; s < plan->nscenarios; s++) {
		const char *connect = plan->scenarios[s].ws.connect;
		char *origin = plan->scenarios[s].model == FR_MODEL_WEBSOCKET && connect ? ws_origin(connect) : NULL;
		int rc = origin ? fr_preflight_check(origin, plan->ca_file, timeout_ms, &why) : 0;
		free(origin);
		if (rc != 0) {
			*err_out = unreachable(connect, why);
			return -1;
		}
	}
	return 0;
}
