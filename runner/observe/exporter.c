/* exporter.c: a deliberately tiny HTTP server for GET /metrics, on one thread.
 *
 * One connection at a time, one request per connection, Connection: close,
 * socket timeouts so a stuck client cannot hold the thread. That is all a
 * scraper and curl need. The thread polls the listening socket and a wake
 * pipe (written by fr_exporter_free), and wakes at least once a second to
 * sample the achieved rate of the store.
 */
#include "observe/exporter.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "observe/exposition.h"
#include "util/clock.h"
#include "util/xmalloc.h"

#define SAMPLE_NS 1000000000LL /* the achieved rate is sampled once a second */

struct fr_exporter {
	struct fr_metrics *m;
	int fd;
	int port;
	int wake[2];         /* a pipe that wakes the server thread to stop */
	uint64_t scrapes;    /* GET /metrics answered so far (atomic) */
	int64_t last_sample; /* CLOCK_MONOTONIC ns of the last rate sample */
	pthread_t thread;
	int thread_started;
};

/* Writes all of P to FD; -1 on error or timeout. */
static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads a request head (up to the blank line) into BUF; its length or -1. */
static ssize_t read_head(int fd, char *buf, size_t size)
{
	size_t len = 0;
	while (len + 1 < size) {
		ssize_t n = recv(fd, buf + len, size - 1 - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		len += (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, "\r\n\r\n") || strstr(buf, "\n\n"))
			return (ssize_t)len;
	}
	return -1;
}

/* Sends a complete response with a body and Connection: close. */
static void respond(int fd, const char *status, const char *type, const char *body, size_t len, int head_only)
{
	char *head = xasprintf("HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	                       "Connection: close\r\n\r\n",
	                       status, type, len);
	if (write_all(fd, head, strlen(head)) == 0 && !head_only)
		write_all(fd, body, len);
	free(head);
}

/* Answers one request on a connected socket. */
static void serve_one(struct fr_exporter *e, int fd)
{
	char req[8192];
	if (read_head(fd, req, sizeof req) < 0)
		return;
	int head = strncmp(req, "HEAD ", 5) == 0;
	const char *path = head ? req + 5 : req + 4;
	if (strncmp(req, "GET ", 4) != 0 && !head) {
		respond(fd, "405 Method Not Allowed", "text/plain", "only GET\n", 9, 0);
		return;
	}
	size_t plen = strcspn(path, " ?");
	if (plen == 8 && strncmp(path, "/metrics", 8) == 0) {
		size_t len;
		__atomic_add_fetch(&e->scrapes, 1, __ATOMIC_RELAXED);
		char *text = fr_exposition_render(e->m, &len);
		respond(fd, "200 OK", "text/plain; version=0.0.4; charset=utf-8", text, len, head);
		free(text);
	} else if (plen == 1 && path[0] == '/') {
		const char *body = "flowrun metrics exporter: GET /metrics\n";
		respond(fd, "200 OK", "text/plain; charset=utf-8", body, strlen(body), head);
	} else {
		respond(fd, "404 Not Found", "text/plain", "not found\n", 10, head);
	}
}

/* The serving thread: accepts until the wake pipe is written. */
static void *serve(void *arg)
{
	struct fr_exporter *e = arg;
	for (;;) {
		struct pollfd pfd[2] = {{e->fd, POLLIN, 0}, {e->wake[0], POLLIN, 0}};
		int64_t now = fr_clock_mono_ns();
		int64_t wait_ms = (SAMPLE_NS - (now - e->last_sample)) / 1000000;
		if (wait_ms <= 0) {
			fr_metrics_sample_rates(e->m);
			e->last_sample = now;
			continue;
		}
		if (poll(pfd, 2, (int)wait_ms) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents)
			break;
		if (!(pfd[0].revents & POLLIN))
			continue;
		int c = accept4(e->fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		struct timeval tv = {2, 0};
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
		serve_one(e, c);
		shutdown(c, SHUT_WR);
		close(c);
	}
	return NULL;
}

/* Splits "HOST:PORT" / "[V6]:PORT" into host and port; -1 when malformed. */
static int split_addr(const char *addr, char **host_out, char **port_out)
{
	const char *colon = strrchr(addr, ':');
	if (!colon || colon[1] == '\0' || strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return -1;
	const char *h = addr;
	size_t hlen = (size_t)(colon - addr);
	if (hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']') {
		h++;
		hlen -= 2;
	}
	if (hlen == 0 || atol(colon + 1) > 65535)
		return -1;
	*host_out = xstrndup(h, hlen);
	*port_out = xstrdup(colon + 1);
	return 0;
}

/* Binds and listens on ADDR; FR_EXPORTER_OK or a failure with *err_out. */
static enum fr_exporter_status bind_listen(struct fr_exporter *e, const char *addr, char **err_out)
{
	char *host, *port;
	if (split_addr(addr, &host, &port) < 0) {
		*err_out = xasprintf("bad metrics address '%s': expected HOST:PORT, e.g. %s", addr,
		                     FR_EXPORTER_LISTEN_DEFAULT);
		return FR_EXPORTER_BAD_ADDRESS;
	}
	struct addrinfo hints = {
	        .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *ai = NULL;
	int rc = getaddrinfo(host, port, &hints, &ai);
	free(host);
	free(port);
	if (rc != 0) {
		*err_out = xasprintf("bad metrics address '%s': %s", addr, gai_strerror(rc));
		return FR_EXPORTER_BAD_ADDRESS;
	}
	int err = 0;
	e->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (e->fd < 0 || setsockopt(e->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(e->fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(e->fd, 64) < 0)
		err = errno;
	freeaddrinfo(ai);
	if (err) {
		*err_out = xasprintf("cannot listen on %s for metrics: %s", addr, strerror(err));
		return FR_EXPORTER_CANNOT_LISTEN;
	}
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	getsockname(e->fd, (struct sockaddr *)&ss, &sl);
	e->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
	                                         : ((struct sockaddr_in *)&ss)->sin_port);
	return FR_EXPORTER_OK;
}

/* Starts the serving thread with every signal blocked: SIGINT/SIGTERM are the run's. */
static int start_thread(struct fr_exporter *e)
{
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int err = pthread_create(&e->thread, NULL, serve, e);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}

/* Binds LISTEN and starts the serving thread. */
enum fr_exporter_status fr_exporter_start(struct fr_metrics *m, const char *listen, struct fr_exporter **e_out,
                                          char **err_out)
{
	struct fr_exporter *e = xcalloc(1, sizeof(*e));
	*e_out = NULL;
	*err_out = NULL;
	e->m = m;
	e->fd = e->wake[0] = e->wake[1] = -1;
	enum fr_exporter_status st = bind_listen(e, listen, err_out);
	if (st == FR_EXPORTER_OK && pipe2(e->wake, O_CLOEXEC) < 0) {
		*err_out = xasprintf("cannot start the metrics server: %s", strerror(errno));
		st = FR_EXPORTER_CANNOT_LISTEN;
	}
	e->last_sample = fr_clock_mono_ns(); /* before the thread reads it */
	int err;
	if (st == FR_EXPORTER_OK && (err = start_thread(e)) != 0) {
		*err_out = xasprintf("cannot start the metrics server: %s", strerror(err));
		st = FR_EXPORTER_CANNOT_LISTEN;
	}
	if (st != FR_EXPORTER_OK) {
		fr_exporter_free(e);
		return st;
	}
	e->thread_started = 1;
	*e_out = e;
	return FR_EXPORTER_OK;
}

/* Stops the thread and closes the sockets. */
void fr_exporter_free(struct fr_exporter *e)
{
	if (!e)
		return;
	if (e->thread_started) {
		while (write(e->wake[1], "x", 1) < 0 && errno == EINTR)
			;
		pthread_join(e->thread, NULL);
	}
	if (e->fd >= 0)
		close(e->fd);
	if (e->wake[0] >= 0)
		close(e->wake[0]);
	if (e->wake[1] >= 0)
		close(e->wake[1]);
	free(e);
}

/* The port the exporter listens on. */
int fr_exporter_port(const struct fr_exporter *e)
{
	return e->port;
}

/* Polls the scrape count every 20 ms until one scrape, the timeout or STOP. */
int fr_exporter_wait_scrape(struct fr_exporter *e, double seconds, volatile sig_atomic_t *stop)
{
	if (!e)
		return -1;
	for (double waited = 0; waited < seconds; waited += 0.02) {
		if (__atomic_load_n(&e->scrapes, __ATOMIC_RELAXED) > 0)
			return 0;
		if (stop && *stop)
			return -1;
		fr_clock_sleep(0.02, NULL);
	}
	return __atomic_load_n(&e->scrapes, __ATOMIC_RELAXED) > 0 ? 0 : -1;
}

/* Sleeps SECONDS while the serving thread keeps answering scrapes. */
void fr_exporter_linger(struct fr_exporter *e, double seconds)
{
	if (!e || !(seconds > 0))
		return;
	fr_clock_sleep(seconds, NULL);
}
