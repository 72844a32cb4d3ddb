/* ui_server.c: the live page's HTTP server thread (see ui_server.h).
 *
 * One poll() loop over the listening socket, a self-pipe that wakes it for
 * the stop, and up to FR_UI_MAX_CLIENTS non-blocking connections, each
 * reading one request head and writing one whole response, then closed
 * (Connection: close). The data body is cached and remade at most every
 * FR_UI_DATA_EVERY_MS.
 */
#include "observe/ui_server.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/xmalloc.h"

#define HEAD_MAX 8192

struct client {
	int fd; /* -1: free */
	int64_t deadline_ns;
	char req[HEAD_MAX];
	size_t got;
	char *out; /* the response, once the head is read */
	size_t len, sent;
};

struct fr_ui_server {
	int fd;
	int wake[2];
	pthread_t tid;
	char *page;
	size_t page_len;
	fr_ui_data_fn data;
	void *arg;
	char *cache; /* the last data body */
	size_t cache_len;
	int64_t cache_ns;
	_Atomic unsigned long served;
	char *url;
	struct client c[FR_UI_MAX_CLIENTS];
};

/* A whole response: status line, headers, and BODY unless HEAD_ONLY. */
static char *response(const char *status, const char *type, const char *body, size_t blen, int head_only,
                      size_t *len_out)
{
	char *head = xasprintf("HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nCache-Control: no-store\r\n"
	                       "X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n",
	                       status, type, blen);
	size_t hlen = strlen(head), n = hlen + (head_only ? 0 : blen);
	char *r = xmalloc(n + 1);
	memcpy(r, head, hlen);
	if (!head_only && blen)
		memcpy(r + hlen, body, blen);
	free(head);
	*len_out = n;
	return r;
}

/* The data body, remade when the cache is older than FR_UI_DATA_EVERY_MS. */
static void refresh_data(struct fr_ui_server *s)
{
	int64_t now = fr_clock_mono_ns();
	if (s->cache && now - s->cache_ns < (int64_t)FR_UI_DATA_EVERY_MS * 1000000)
		return;
	size_t len = 0;
	char *body = s->data(s->arg, &len);
	if (!body)
		return;
	free(s->cache);
	s->cache = body;
	s->cache_len = len;
	s->cache_ns = now;
}

/* The response to a complete request head. */
static char *answer(struct fr_ui_server *s, const char *req, size_t *len_out)
{
	int head = strncmp(req, "HEAD ", 5) == 0;
	if (!head && strncmp(req, "GET ", 4) != 0)
		return response("405 Method Not Allowed", "text/plain", "read only\n", 10, 0, len_out);
	const char *path = req + (head ? 5 : 4);
	size_t plen = strcspn(path, " ?\r\n");
	if (plen == 1 && path[0] == '/')
		return response("200 OK", "text/html; charset=utf-8", s->page, s->page_len, head, len_out);
	if (plen == 10 && strncmp(path, "/data.json", 10) == 0) {
		refresh_data(s);
		if (!s->cache)
			return response("503 Service Unavailable", "text/plain", "no data yet\n", 12, head, len_out);
		atomic_fetch_add(&s->served, 1);
		return response("200 OK", "application/json", s->cache, s->cache_len, head, len_out);
	}
	return response("404 Not Found", "text/plain", "not found\n", 10, head, len_out);
}

/* Frees a connection's slot. */
static void drop(struct client *c)
{
	close(c->fd);
	free(c->out);
	c->fd = -1;
	c->out = NULL;
}

/* Reads what there is; answers once the head is complete. */
static void on_read(struct fr_ui_server *s, struct client *c)
{
	ssize_t n = read(c->fd, c->req + c->got, HEAD_MAX - 1 - c->got);
	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			drop(c);
		return;
	}
	c->got += (size_t)n;
	c->req[c->got] = '\0';
	if (strstr(c->req, "\r\n\r\n") || strstr(c->req, "\n\n"))
		c->out = answer(s, c->req, &c->len);
	else if (c->got >= HEAD_MAX - 1)
		c->out = response("431 Request Header Fields Too Large", "text/plain", "", 0, 0, &c->len);
}

/* Writes what the socket takes; closes when all is sent. */
static void on_write(struct client *c)
{
	ssize_t n = send(c->fd, c->out + c->sent, c->len - c->sent, MSG_NOSIGNAL);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0 || (c->sent += (size_t)n) == c->len)
		drop(c);
}

/* Accepts every waiting connection: into a free slot, or answered 503 when full. */
static void on_accept(struct fr_ui_server *s, int64_t now)
{
	for (;;) {
		int fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		struct client *c = NULL;
		for (int i = 0; i < FR_UI_MAX_CLIENTS && !c; i++)
			if (s->c[i].fd < 0)
				c = &s->c[i];
		if (!c) {
			static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
			                           "Retry-After: 1\r\nConnection: close\r\n\r\n";
			(void)!send(fd, busy, sizeof busy - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
			close(fd);
			continue;
		}
		*c = (struct client){.fd = fd, .deadline_ns = now + (int64_t)FR_UI_DEADLINE_MS * 1000000};
	}
}

/* The server thread: poll, accept, read, write, expire; until woken for the
 * stop. It runs at a lower priority (nice +10, Linux niceness is per thread)
 * so that on a busy machine the load's threads come first. */
static void *serve(void *arg)
{
	struct fr_ui_server *s = arg;
	(void)!setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
	for (;;) {
		struct pollfd p[FR_UI_MAX_CLIENTS + 2];
		int who[FR_UI_MAX_CLIENTS + 2], n = 2;
		int64_t now = fr_clock_mono_ns();
		p[0] = (struct pollfd){.fd = s->wake[0], .events = POLLIN};
		p[1] = (struct pollfd){.fd = s->fd, .events = POLLIN};
		for (int i = 0; i < FR_UI_MAX_CLIENTS; i++) {
			struct client *c = &s->c[i];
			if (c->fd >= 0 && now > c->deadline_ns)
				drop(c);
			if (c->fd < 0)
				continue;
			who[n] = i;
			p[n++] = (struct pollfd){.fd = c->fd, .events = c->out ? POLLOUT : POLLIN};
		}
		if (poll(p, (nfds_t)n, 250) < 0 && errno != EINTR)
			break;
		if (p[0].revents)
			break;
		now = fr_clock_mono_ns();
		for (int j = 2; j < n; j++) {
			struct client *c = &s->c[who[j]];
			if (!p[j].revents || c->fd < 0)
				continue;
			if (p[j].revents & (POLLERR | POLLNVAL))
				drop(c);
			else if (!c->out)
				on_read(s, c);
			else
				on_write(c);
		}
		if (p[1].revents & POLLIN)
			on_accept(s, now);
	}
	return NULL;
}

/* "8089" → loopback; "HOST:PORT", "[V6]:PORT" as given. -1 when malformed. */
static int split(const char *addr, char **host_out, char **port_out)
{
	const char *colon = strrchr(addr, ':');
	const char *port = colon ? colon + 1 : addr;
	if (!*port || strspn(port, "0123456789") != strlen(port) || atol(port) > 65535)
		return -1;
	const char *h = colon ? addr : FR_UI_DEFAULT_HOST;
	size_t hlen = colon ? (size_t)(colon - addr) : strlen(FR_UI_DEFAULT_HOST);
	if (hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']') {
		h++;
		hlen -= 2;
	}
	if (!hlen)
		return -1;
	*host_out = xstrndup(h, hlen);
	*port_out = xstrdup(port);
	return 0;
}

/* Binds and listens; sets s->fd and s->url. */
static enum fr_ui_status bind_listen(struct fr_ui_server *s, const char *addr, char **err_out)
{
	char *host, *port;
	if (split(addr, &host, &port) != 0) {
		*err_out = xasprintf("bad --ui address '%s': expected PORT or HOST:PORT, e.g. 8089 or 127.0.0.1:8089",
		                     addr);
		return FR_UI_BAD_ADDRESS;
	}
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV}, *ai = NULL;
	int rc = getaddrinfo(host, port, &hints, &ai), err = 0;
	if (rc != 0) {
		*err_out = xasprintf("bad --ui address '%s': %s", addr, gai_strerror(rc));
		free(host);
		free(port);
		return FR_UI_BAD_ADDRESS;
	}
	int one = 1;
	s->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->fd < 0 || setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(s->fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(s->fd, 32) < 0)
		err = errno;
	freeaddrinfo(ai);
	struct sockaddr_storage sa;
	socklen_t salen = sizeof sa;
	char bound[NI_MAXSERV] = "0";
	if (!err && getsockname(s->fd, (struct sockaddr *)&sa, &salen) == 0)
		getnameinfo((struct sockaddr *)&sa, salen, NULL, 0, bound, sizeof bound, NI_NUMERICSERV);
	if (err)
		*err_out = xasprintf("cannot listen on %s:%s for the live page: %s", host, port, strerror(err));
	else
		s->url = xasprintf(strchr(host, ':') ? "http://[%s]:%s/" : "http://%s:%s/", host, bound);
	free(host);
	free(port);
	return err ? FR_UI_CANNOT_LISTEN : FR_UI_OK;
}

/* Frees what start made; the thread is not running. */
static void release(struct fr_ui_server *s)
{
	for (int i = 0; i < FR_UI_MAX_CLIENTS; i++)
		if (s->c[i].fd >= 0)
			drop(&s->c[i]);
	if (s->fd >= 0)
		close(s->fd);
	close(s->wake[0]);
	close(s->wake[1]);
	free(s->page);
	free(s->cache);
	free(s->url);
	free(s);
}

/* Binds, then serves from a thread of its own. */
enum fr_ui_status fr_ui_server_start(const char *addr, const char *page, size_t page_len, fr_ui_data_fn data, void *arg,
                                     struct fr_ui_server **s_out, char **err_out)
{
	struct fr_ui_server *s = xcalloc(1, sizeof *s);
	*s_out = NULL;
	*err_out = NULL;
	s->fd = -1;
	for (int i = 0; i < FR_UI_MAX_CLIENTS; i++)
		s->c[i].fd = -1;
	if (pipe2(s->wake, O_CLOEXEC) != 0) {
		*err_out = xasprintf("cannot start the live page: %s", strerror(errno));
		free(s);
		return FR_UI_CANNOT_LISTEN;
	}
	s->page = xmalloc(page_len + 1);
	memcpy(s->page, page, page_len);
	s->page_len = page_len;
	s->data = data;
	s->arg = arg;
	enum fr_ui_status st = bind_listen(s, addr, err_out);
	if (st == FR_UI_OK && pthread_create(&s->tid, NULL, serve, s) != 0) {
		*err_out = xstrdup("cannot start the live page's thread");
		st = FR_UI_CANNOT_LISTEN;
	}
	if (st != FR_UI_OK) {
		release(s);
		return st;
	}
	*s_out = s;
	return FR_UI_OK;
}

/* The page's URL, with the port really bound. */
const char *fr_ui_server_url(const struct fr_ui_server *s)
{
	return s->url;
}

/* Data responses so far; read from any thread. */
unsigned long fr_ui_server_data_served(const struct fr_ui_server *s)
{
	return atomic_load(&((struct fr_ui_server *)s)->served);
}

/* Wakes the thread for the stop, joins it, frees everything. */
void fr_ui_server_free(struct fr_ui_server *s)
{
	if (!s)
		return;
	(void)!write(s->wake[1], "x", 1);
	pthread_join(s->tid, NULL);
	release(s);
}
