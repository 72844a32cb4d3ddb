/* exporter.c: a deliberately tiny HTTP server for GET /metrics, on one thread.
 *
 * One request per connection, Connection: close: that is all a scraper and
 * curl need. The thread polls the listening socket, a wake pipe (written by
 * fr_exporter_free) and up to MAX_CLIENTS non-blocking connections at once,
 * so a slow client delays nobody else. Each connection has one deadline for
 * the whole exchange (CONN_DEADLINE_MS), however slowly its bytes arrive;
 * when every slot is taken, the oldest connection still sending its request
 * makes room for the new one. When accept fails for lack of descriptors
 * (EMFILE, ENFILE) or memory, the listening socket rests ACCEPT_BACKOFF_MS
 * instead of being polled in a loop. The thread wakes at least once a second
 * to sample the achieved rate of the store.
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
#include <time.h>
#include <unistd.h>

#include "observe/exposition.h"
#include "util/clock.h"
#include "util/xmalloc.h"

#define SAMPLE_NS         1000000000LL /* the achieved rate is sampled once a second */
#define MAX_CLIENTS       16           /* connections served at once */
#define REQ_MAX           8192         /* a request head larger than this is refused */
#define CONN_DEADLINE_MS  3000         /* the whole exchange of one connection */
#define ACCEPT_BACKOFF_MS 100          /* rest after accept failed for lack of descriptors */
#define JOIN_LIMIT_S      2            /* fr_exporter_free waits this long for the thread */
#define MS                1000000LL

/* One client connection; fd -1 marks a free slot. */
struct conn {
	int fd;
	int64_t deadline; /* CLOCK_MONOTONIC ns */
	size_t rlen;
	char *req; /* the request head so far (REQ_MAX + 1 bytes) */
	char *out; /* the response, once the request is complete */
	size_t olen, osent;
};

struct fr_exporter {
	struct fr_metrics *m;
	int fd;
	int port;
	int wake[2];         /* a pipe that wakes the server thread to stop */
	uint64_t scrapes;    /* GET /metrics answered so far (atomic) */
	int64_t last_sample; /* CLOCK_MONOTONIC ns of the last rate sample */
	int64_t accept_rest; /* CLOCK_MONOTONIC ns until which accept rests */
	struct conn c[MAX_CLIENTS];
	pthread_t thread;
	int thread_started;
};

/* The end of a request head (after its blank line) in REQ, or NULL. */
static const char *head_end(const char *req, size_t len)
{
	const char *crlf = memmem(req, len, "\r\n\r\n", 4), *lf = memmem(req, len, "\n\n", 2);

	if (crlf && (!lf || crlf < lf))
		return crlf + 4;
	return lf ? lf + 2 : NULL;
}

/* Only the request line matters: method, then the path up to '?' or ' '. */
enum fr_exporter_route fr_exporter_route(const char *req, size_t len, int *head_only)
{
	*head_only = 0;
	if (!head_end(req, len))
		return len >= REQ_MAX ? FR_ROUTE_TOO_LARGE : FR_ROUTE_INCOMPLETE;
	*head_only = len >= 5 && memcmp(req, "HEAD ", 5) == 0;
	if (!*head_only && !(len >= 4 && memcmp(req, "GET ", 4) == 0))
		return FR_ROUTE_BAD_METHOD;
	const char *path = req + (*head_only ? 5 : 4), *end = req + len;
	size_t plen = 0;
	while (path + plen < end && path[plen] != ' ' && path[plen] != '?' && path[plen] != '\r' && path[plen] != '\n')
		plen++;
	if (plen == 8 && memcmp(path, "/metrics", 8) == 0)
		return FR_ROUTE_METRICS;
	if (plen == 1 && path[0] == '/')
		return FR_ROUTE_INDEX;
	return FR_ROUTE_NOT_FOUND;
}

/* The whole response for STATUS with BODY: head and body in one buffer. */
static char *response(const char *status, const char *type, const char *body, size_t len, int head_only,
                      size_t *len_out)
{
	char *head = xasprintf("HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	                       "Connection: close\r\n\r\n",
	                       status, type, len);
	size_t hl = strlen(head), bl = head_only ? 0 : len;
	char *out = xrealloc(head, hl + bl + 1);

	memcpy(out + hl, body, bl);
	*len_out = hl + bl;
	return out;
}

/* Builds the answer of a complete (or refused) request. */
static char *answer(struct fr_exporter *e, enum fr_exporter_route r, int head, size_t *len_out)
{
	static const char index_body[] = "flowrun metrics exporter: GET /metrics\n";

	switch (r) {
	case FR_ROUTE_METRICS: {
		size_t len;
		__atomic_add_fetch(&e->scrapes, 1, __ATOMIC_RELAXED);
		char *text = fr_exposition_render(e->m, &len);
		char *out = response("200 OK", "text/plain; version=0.0.4; charset=utf-8", text, len, head, len_out);
		free(text);
		return out;
	}
	case FR_ROUTE_INDEX:
		return response("200 OK", "text/plain; charset=utf-8", index_body, sizeof index_body - 1, head,
		                len_out);
	case FR_ROUTE_BAD_METHOD: return response("405 Method Not Allowed", "text/plain", "only GET\n", 9, 0, len_out);
	case FR_ROUTE_TOO_LARGE:
		return response("431 Request Header Fields Too Large", "text/plain", "request too large\n", 18, 0,
		                len_out);
	case FR_ROUTE_NOT_FOUND:
	case FR_ROUTE_INCOMPLETE: break;
	}
	return response("404 Not Found", "text/plain", "not found\n", 10, head, len_out);
}

/* Closes a connection and frees its slot. */
static void conn_close(struct conn *c)
{
	if (c->fd < 0)
		return;
	shutdown(c->fd, SHUT_WR);
	close(c->fd);
	free(c->req);
	free(c->out);
	memset(c, 0, sizeof *c);
	c->fd = -1;
}

/* Reads what the client sent; once the head is complete, the answer is ready to write. */
static void conn_read(struct fr_exporter *e, struct conn *c)
{
	for (;;) {
		ssize_t n = recv(c->fd, c->req + c->rlen, REQ_MAX - c->rlen, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			conn_close(c);
			return;
		}
		c->rlen += (size_t)n;
		int head;
		enum fr_exporter_route r = fr_exporter_route(c->req, c->rlen, &head);
		if (r != FR_ROUTE_INCOMPLETE) {
			c->out = answer(e, r, head, &c->olen);
			return;
		}
	}
}

/* Writes as much of the answer as the socket takes; closes once all is sent. */
static void conn_write(struct conn *c)
{
	while (c->osent < c->olen) {
		ssize_t n = send(c->fd, c->out + c->osent, c->olen - c->osent, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0)
			break;
		c->osent += (size_t)n;
	}
	conn_close(c);
}

/* Whether a new connection can get a slot: a free one, or one still sending its request. */
static int has_room(const struct fr_exporter *e)
{
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (e->c[i].fd < 0 || !e->c[i].out)
			return 1;
	return 0;
}

/* A free slot, or the slot of the oldest connection still sending its request,
 * closed to make room (has_room said there is one). */
static struct conn *take_slot(struct fr_exporter *e)
{
	struct conn *oldest = NULL;

	for (int i = 0; i < MAX_CLIENTS; i++) {
		if (e->c[i].fd < 0)
			return &e->c[i];
		if (!e->c[i].out && (!oldest || e->c[i].deadline < oldest->deadline))
			oldest = &e->c[i];
	}
	conn_close(oldest);
	return oldest;
}

/* Accepts what is pending; rests when the process is out of descriptors. */
static void accept_all(struct fr_exporter *e, int64_t now)
{
	while (has_room(e)) {
		int fd = accept4(e->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
				e->accept_rest = now + ACCEPT_BACKOFF_MS * MS;
			return; /* EAGAIN: nothing more pending; others: the client gave up */
		}
		struct conn *c = take_slot(e);
		c->fd = fd;
		c->deadline = now + CONN_DEADLINE_MS * MS;
		c->req = xmalloc(REQ_MAX + 1);
	}
}

/* The poll timeout in ms: the next rate sample, connection deadline or end of rest. */
static int next_wake_ms(const struct fr_exporter *e, int64_t now)
{
	int64_t next = e->last_sample + SAMPLE_NS;

	for (int i = 0; i < MAX_CLIENTS; i++)
		if (e->c[i].fd >= 0 && e->c[i].deadline < next)
			next = e->c[i].deadline;
	if (e->accept_rest > now && e->accept_rest < next)
		next = e->accept_rest;
	return next <= now ? 0 : (int)((next - now + MS - 1) / MS);
}

/* Fills the poll set: the wake pipe, the listener (unless resting), each connection. */
static nfds_t poll_set(struct fr_exporter *e, int64_t now, struct pollfd *pfd, struct conn **who)
{
	nfds_t n = 0;

	pfd[n++] = (struct pollfd){e->wake[0], POLLIN, 0};
	if (e->accept_rest <= now && has_room(e))
		pfd[n++] = (struct pollfd){e->fd, POLLIN, 0};
	for (int i = 0; i < MAX_CLIENTS; i++) {
		if (e->c[i].fd < 0)
			continue;
		who[n] = &e->c[i];
		pfd[n++] = (struct pollfd){e->c[i].fd, e->c[i].out ? POLLOUT : POLLIN, 0};
	}
	return n;
}

/* One turn of the loop after poll: connections first, then new ones. */
static void serve_ready(struct fr_exporter *e, struct pollfd *pfd, nfds_t n, struct conn **who, int64_t now)
{
	for (nfds_t i = 1; i < n; i++) {
		if (pfd[i].fd == e->fd) {
			if (pfd[i].revents)
				accept_all(e, now);
			continue;
		}
		struct conn *c = who[i];
		if (pfd[i].revents & (POLLERR | POLLNVAL))
			conn_close(c);
		else if (pfd[i].revents & (POLLIN | POLLHUP) && !c->out)
			conn_read(e, c);
		if (c->fd >= 0 && c->out && pfd[i].revents)
			conn_write(c);
	}
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (e->c[i].fd >= 0 && e->c[i].deadline <= now)
			conn_close(&e->c[i]);
}

/* The serving thread: serves until the wake pipe is written. */
static void *serve(void *arg)
{
	struct fr_exporter *e = arg;
	struct pollfd pfd[MAX_CLIENTS + 2];
	struct conn *who[MAX_CLIENTS + 2];

	for (;;) {
		int64_t now = fr_clock_mono_ns();
		if (now - e->last_sample >= SAMPLE_NS) {
			fr_metrics_sample_rates(e->m);
			e->last_sample = now;
		}
		nfds_t n = poll_set(e, now, pfd, who);
		int rc = poll(pfd, n, next_wake_ms(e, now));
		if (rc < 0 && errno != EINTR)
			break;
		if (rc > 0 && pfd[0].revents)
			break;
		serve_ready(e, pfd, rc > 0 ? n : 0, who, fr_clock_mono_ns());
	}
	for (int i = 0; i < MAX_CLIENTS; i++)
		conn_close(&e->c[i]);
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
	for (int i = 0; i < MAX_CLIENTS; i++)
		e->c[i].fd = -1;
	enum fr_exporter_status st = bind_listen(e, listen, err_out);
	if (st == FR_EXPORTER_OK && (pipe2(e->wake, O_CLOEXEC) < 0 || fcntl(e->fd, F_SETFL, O_NONBLOCK) < 0)) {
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

/* Stops the thread and closes the sockets. The thread never blocks but in
 * poll, so it ends at once; should it not within JOIN_LIMIT_S (a stopped
 * machine), the exporter is left to the process's exit rather than freed
 * under a running thread. */
void fr_exporter_free(struct fr_exporter *e)
{
	if (!e)
		return;
	if (e->thread_started) {
		struct timespec until;
		while (write(e->wake[1], "x", 1) < 0 && errno == EINTR)
			;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += JOIN_LIMIT_S;
		if (pthread_timedjoin_np(e->thread, NULL, &until) != 0) {
			pthread_detach(e->thread);
			return;
		}
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
		fr_clock_sleep(0.02, stop);
	}
	return __atomic_load_n(&e->scrapes, __ATOMIC_RELAXED) > 0 ? 0 : -1;
}

/* Sleeps SECONDS, or until STOP, while the serving thread keeps answering scrapes. */
void fr_exporter_linger(struct fr_exporter *e, double seconds, volatile sig_atomic_t *stop)
{
	if (!e || !(seconds > 0))
		return;
	fr_clock_sleep(seconds, stop);
}
