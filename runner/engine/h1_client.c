/* h1_client.c: keep-alive connections, sends and receives of the lean HTTP path (see h1_client.h).
 *
 * A connection is in one of three states: connecting (watched for writing),
 * carrying a transfer (watched for reading, and for writing while the
 * request does not fit the socket at once), or idle in its address's pool
 * (watched for reading: data or EOF there means the server gave up on it).
 * The watcher is changed only when those events change, so a keep-alive
 * request costs one send() and one recv(), and epoll is not touched.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ev.h>

#include "engine/h1_client.h"
#include "util/clock.h"
#include "util/container.h"
#include "util/xmalloc.h"

#define READ_BUF      (64 * 1024)
#define KEEPALIVE_SEC 60 /* curl's CURLOPT_TCP_KEEPIDLE and _KEEPINTVL defaults */

struct pool {
	struct fr_h1_addr addr;
	struct fr_h1_conn *idle; /* most recently used first */
	struct pool *next;
};

struct fr_h1_conn {
	ev_io io;
	struct fr_h1_client *c;
	struct pool *pool;
	int connected;
	int reused; /* it has carried an answer before */
	int idle;   /* it waits in its pool */
	int events;
	struct fr_h1_xfer *x;           /* the transfer it carries; NULL when idle */
	struct fr_h1_conn *next, *prev; /* the idle list of its pool, or the spare list */
};

/* Transfers in flight with one timeout, oldest first: the oldest is the next
 * to time out, so one timer per queue serves them all. It is re-armed lazily:
 * when it fires it times out what is due and waits for the new oldest. */
struct tqueue {
	struct fr_h1_client *c;
	int64_t timeout_ns; /* 0: no timeout */
	struct fr_h1_xfer *head, *tail;
	struct fr_timer timer;
	struct tqueue *next;
};

struct fr_h1_client {
	struct fr_loop *loop;
	struct ev_loop *ev;
	struct fr_sched *sched;
	struct pool *pools;
	struct tqueue *queues;
	struct fr_h1_conn *spare; /* connection structs to reuse */
	size_t nconns;
	size_t nidle;
	char rbuf[READ_BUF];
};

static void on_io(struct ev_loop *ev, ev_io *w, int revents);
static void on_report(struct fr_timer *t);
static struct tqueue *queue_of(struct fr_h1_client *c, int64_t timeout_ns);
static void enqueue(struct tqueue *q, struct fr_h1_xfer *x);
static void start_on_conn(struct fr_h1_xfer *x, struct fr_h1_conn *k);

/* The pool of ADDR, created on first use. */
static struct pool *pool_of(struct fr_h1_client *c, const struct fr_h1_addr *addr)
{
	struct pool *p;

	for (p = c->pools; p; p = p->next)
		if (p->addr.len == addr->len && memcmp(&p->addr.sa, &addr->sa, addr->len) == 0)
			return p;
	p = xcalloc(1, sizeof(*p));
	p->addr = *addr;
	p->next = c->pools;
	c->pools = p;
	return p;
}

/* Watches K for EVENTS, touching libev only when they change. */
static void watch(struct fr_h1_conn *k, int events)
{
	if (k->events == events)
		return;
	if (k->events)
		ev_io_stop(k->c->ev, &k->io);
	k->events = events;
	if (!events)
		return;
	ev_io_set(&k->io, k->io.fd, events);
	ev_io_start(k->c->ev, &k->io);
}

/* Takes K out of its pool's idle list. */
static void unlink_idle(struct fr_h1_conn *k)
{
	if (k->prev)
		k->prev->next = k->next;
	else
		k->pool->idle = k->next;
	if (k->next)
		k->next->prev = k->prev;
	k->next = k->prev = NULL;
	k->idle = 0;
	k->c->nidle--;
}

/* Closes K and keeps its struct for the next connection. */
static void conn_close(struct fr_h1_conn *k)
{
	struct fr_h1_client *c = k->c;

	if (k->idle)
		unlink_idle(k);
	watch(k, 0);
	close(k->io.fd);
	c->nconns--;
	k->x = NULL;
	k->next = c->spare;
	c->spare = k;
}

/* Sets the usual options of a new socket: no Nagle, TCP keep-alive as curl sets them. */
static void sock_options(int fd)
{
	int one = 1, secs = KEEPALIVE_SEC;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &secs, sizeof(secs));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &secs, sizeof(secs));
}

/* Opens a connection to P; NULL with errno set when even the socket or the connect fails at once. */
static struct fr_h1_conn *conn_open(struct fr_h1_client *c, struct pool *p)
{
	int fd = socket(p->addr.sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	struct fr_h1_conn *k;

	if (fd < 0)
		return NULL;
	sock_options(fd);
	if (connect(fd, (const struct sockaddr *)&p->addr.sa, p->addr.len) != 0 && errno != EINPROGRESS) {
		int e = errno;
		close(fd);
		errno = e;
		return NULL;
	}
	k = c->spare;
	if (k)
		c->spare = k->next;
	else
		k = xmalloc(sizeof(*k));
	memset(k, 0, sizeof(*k));
	k->c = c;
	k->pool = p;
	ev_io_init(&k->io, on_io, fd, 0);
	k->io.data = k;
	c->nconns++;
	watch(k, EV_READ | EV_WRITE);
	return k;
}

/* Takes X out of its queue (the queue's timer is left to find out lazily). */
static void detach(struct fr_h1_xfer *x)
{
	struct tqueue *q = x->queue;

	if (x->prev)
		x->prev->next = x->next;
	else if (q->head == x)
		q->head = x->next;
	if (x->next)
		x->next->prev = x->prev;
	else if (q->tail == x)
		q->tail = x->prev;
	x->next = x->prev = NULL;
	if (x->reporting)
		fr_sched_cancel(x->client->sched, &x->timer);
	x->reporting = 0;
}

/* Ends X: results are set; its connection is closed unless it went back to the pool. */
static void finish(struct fr_h1_xfer *x)
{
	x->end_ns = fr_clock_mono_ns();
	detach(x);
	if (x->conn) {
		conn_close(x->conn);
		x->conn = NULL;
	}
	x->done(x);
}

/* Fails X with CODE and ERR (an errno or 0); a status line already read is kept, as curl keeps it. */
static void fail(struct fr_h1_xfer *x, CURLcode code, int err)
{
	x->code = code;
	x->os_errno = err;
	x->status = x->resp.status;
	finish(x);
}

/* Fails X later, from the loop (a failure found while fr_h1_send runs). */
static void fail_later(struct fr_h1_xfer *x, CURLcode code, int err)
{
	x->code = code;
	x->os_errno = err;
	x->reporting = 1;
	fr_sched_arm(x->client->sched, &x->timer, 0);
}

/* The answer is complete: give the connection back (or close it) and report. */
static void succeed(struct fr_h1_xfer *x, int reusable)
{
	struct fr_h1_conn *k = x->conn;
	struct fr_h1_client *c = x->client;

	x->code = CURLE_OK;
	x->status = x->resp.status;
	if (k && reusable && x->sent == x->len && c->nidle < fr_loop_maxconns(c->loop)) {
		x->conn = NULL;
		k->x = NULL;
		k->reused = 1;
		k->prev = NULL;
		k->next = k->pool->idle;
		if (k->next)
			k->next->prev = k;
		k->pool->idle = k;
		k->idle = 1;
		c->nidle++;
		watch(k, EV_READ);
	}
	finish(x);
}

/* Sends what is left of X's request; on a fresh failure of a reused connection, retries once. */
static void push(struct fr_h1_xfer *x, int from_send)
{
	struct fr_h1_conn *k = x->conn;

	while (x->sent < x->len) {
		ssize_t n = send(k->io.fd, x->req + x->sent, x->len - x->sent, MSG_NOSIGNAL);
		if (n > 0) {
			x->sent += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			watch(k, EV_READ | EV_WRITE);
			return;
		}
		int e = n < 0 ? errno : EPIPE;
		if (k->reused && !x->retried) {
			x->retried = 1;
			x->conn = NULL;
			conn_close(k);
			start_on_conn(x, NULL);
			return;
		}
		if (from_send)
			fail_later(x, CURLE_SEND_ERROR, e);
		else
			fail(x, CURLE_SEND_ERROR, e);
		return;
	}
	watch(k, EV_READ);
}

/* Puts X on connection K (or on a new one when K is NULL) and starts sending. */
static void start_on_conn(struct fr_h1_xfer *x, struct fr_h1_conn *k)
{
	struct fr_h1_client *c = x->client;

	x->sent = 0;
	fr_h1_response_init(&x->resp, x->head, x->body, x->hdrs);
	if (!k) {
		k = conn_open(c, pool_of(c, x->addr));
		if (!k) {
			fail_later(x, CURLE_COULDNT_CONNECT, errno);
			return;
		}
	}
	k->x = x;
	x->conn = k;
	if (k->connected || k->reused) {
		x->connected = 1;
		push(x, 1);
	}
}

/* Sends a request; see h1_client.h. */
void fr_h1_send(struct fr_h1_client *c, struct fr_h1_xfer *x, const struct fr_h1_addr *addr)
{
	struct pool *p = pool_of(c, addr);
	struct fr_h1_conn *k = p->idle;

	x->client = c;
	x->addr = addr;
	x->conn = NULL;
	x->code = CURLE_OK;
	x->os_errno = 0;
	x->connected = 0;
	x->status = 0;
	x->error = NULL;
	x->retried = 0;
	x->reporting = 0;
	x->start_ns = fr_clock_mono_ns();
	x->end_ns = 0;
	if (x->timer.fn != on_report)
		fr_timer_init(&x->timer, on_report);
	enqueue(queue_of(c, x->timeout_ns), x);
	if (k)
		unlink_idle(k);
	start_on_conn(x, k);
}

/* A connecting socket became writable: did the connect work? */
static int connect_done(struct fr_h1_conn *k)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(k->io.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		err = errno;
	if (err)
		return err;
	k->connected = 1;
	k->x->connected = 1;
	return 0;
}

/* The connection ended or broke before any byte of an answer: retry once on a reused one. */
static int retry_dead(struct fr_h1_xfer *x)
{
	struct fr_h1_conn *k = x->conn;

	if (!k->reused || x->retried || x->resp.bytes)
		return 0;
	x->retried = 1;
	x->conn = NULL;
	conn_close(k);
	start_on_conn(x, NULL);
	return 1;
}

/* The peer closed X's connection. */
static void on_eof(struct fr_h1_xfer *x)
{
	switch (fr_h1_response_eof(&x->resp)) {
	case FR_H1_EOF_DONE: succeed(x, 0); return;
	case FR_H1_EOF_NOTHING:
		if (!retry_dead(x))
			fail(x, CURLE_GOT_NOTHING, 0);
		return;
	case FR_H1_EOF_CUT: fail(x, CURLE_PARTIAL_FILE, 0); return;
	}
}

/* Bytes arrived for X. */
static void on_bytes(struct fr_h1_xfer *x, const char *p, size_t n)
{
	size_t used;

	switch (fr_h1_response_feed(&x->resp, p, n, &used)) {
	case FR_H1_MORE: return;
	case FR_H1_DONE: succeed(x, x->resp.keep_alive && used == n); return;
	case FR_H1_BAD:
		x->error = x->resp.error;
		fail(x, x->resp.header_bytes > FR_H1_HEADERS_LIMIT ? CURLE_RECV_ERROR : CURLE_WEIRD_SERVER_REPLY, 0);
		return;
	}
}

/* Reads what K has; an idle connection that reads anything is closed. */
static void conn_read(struct fr_h1_conn *k)
{
	struct fr_h1_client *c = k->c;
	struct fr_h1_xfer *x = k->x;
	ssize_t n = recv(k->io.fd, c->rbuf, sizeof(c->rbuf), 0);

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (!x) {
		conn_close(k); /* the server closed an idle connection (or spoke out of turn) */
		return;
	}
	if (n > 0)
		on_bytes(x, c->rbuf, (size_t)n);
	else if (n == 0)
		on_eof(x);
	else if (!retry_dead(x))
		fail(x, CURLE_RECV_ERROR, errno);
}

/* libev: a connection is readable or writable. */
static void on_io(struct ev_loop *ev, ev_io *w, int revents)
{
	struct fr_h1_conn *k = w->data;
	struct fr_h1_xfer *x = k->x;

	if ((revents & EV_WRITE) && x && !k->connected && !k->reused) {
		int err = connect_done(k);
		if (err) {
			fail(x, CURLE_COULDNT_CONNECT, err);
			return;
		}
		push(x, 0);
		return;
	}
	if ((revents & EV_WRITE) && x && x->sent < x->len) {
		push(x, 0);
		if (k->x != x)
			return;
	}
	if (revents & EV_READ)
		conn_read(k);
}

/* A failure found inside fr_h1_send, reported from the loop. */
static void on_report(struct fr_timer *t)
{
	struct fr_h1_xfer *x = FR_CONTAINER_OF(t, struct fr_h1_xfer, timer);

	x->reporting = 0;
	finish(x);
}

/* A queue's timer: time out every transfer whose time is up, then wait for the oldest left. */
static void on_queue_timer(struct fr_timer *t)
{
	struct tqueue *q = FR_CONTAINER_OF(t, struct tqueue, timer);
	int64_t now = fr_clock_mono_ns();

	while (q->head && q->head->start_ns + q->timeout_ns <= now) {
		struct fr_h1_xfer *x = q->head;
		x->connected = x->conn && (x->conn->connected || x->conn->reused);
		fail(x, CURLE_OPERATION_TIMEDOUT, 0);
	}
	if (q->head) /* also when a done function re-armed it for a younger transfer */
		fr_sched_arm(q->c->sched, t, q->head->start_ns + q->timeout_ns);
}

/* The queue of transfers with TIMEOUT_NS, created on first use. */
static struct tqueue *queue_of(struct fr_h1_client *c, int64_t timeout_ns)
{
	struct tqueue *q;

	for (q = c->queues; q; q = q->next)
		if (q->timeout_ns == timeout_ns)
			return q;
	q = xcalloc(1, sizeof(*q));
	q->c = c;
	q->timeout_ns = timeout_ns;
	fr_timer_init(&q->timer, on_queue_timer);
	q->next = c->queues;
	c->queues = q;
	return q;
}

/* Appends X to Q (transfers arrive in start order) and makes sure Q's timer runs. */
static void enqueue(struct tqueue *q, struct fr_h1_xfer *x)
{
	x->queue = q;
	x->next = NULL;
	x->prev = q->tail;
	if (q->tail)
		q->tail->next = x;
	else
		q->head = x;
	q->tail = x;
	if (q->timeout_ns > 0 && !fr_timer_armed(&q->timer))
		fr_sched_arm(q->c->sched, &q->timer, x->start_ns + q->timeout_ns);
}

/* Creates the client of a loop. */
struct fr_h1_client *fr_h1_client_create(struct fr_loop *loop)
{
	struct fr_h1_client *c = xcalloc(1, sizeof(*c));

	c->loop = loop;
	c->ev = fr_loop_ev(loop);
	c->sched = fr_loop_sched(loop);
	return c;
}

/* Takes X out without reporting it. */
void fr_h1_abort(struct fr_h1_xfer *x)
{
	if (!x || !x->client)
		return;
	detach(x);
	if (x->conn) {
		conn_close(x->conn);
		x->conn = NULL;
	}
	x->client = NULL;
}

/* The oldest transfer in flight, or NULL. */
static struct fr_h1_xfer *any_inflight(const struct fr_h1_client *c)
{
	for (struct tqueue *q = c->queues; q; q = q->next)
		if (q->head)
			return q->head;
	return NULL;
}

/* Ends everything in flight as aborted. */
void fr_h1_abort_all(struct fr_h1_client *c)
{
	struct fr_h1_xfer *x;

	while (c && (x = any_inflight(c)) != NULL)
		fail(x, CURLE_ABORTED_BY_CALLBACK, 0);
}

/* Closes everything and frees the client. */
void fr_h1_client_free(struct fr_h1_client *c)
{
	if (!c)
		return;
	struct fr_h1_xfer *x;

	while ((x = any_inflight(c)) != NULL)
		fr_h1_abort(x);
	while (c->queues) {
		struct tqueue *q = c->queues;
		fr_sched_cancel(c->sched, &q->timer);
		c->queues = q->next;
		free(q);
	}
	while (c->pools) {
		struct pool *p = c->pools;
		while (p->idle)
			conn_close(p->idle);
		c->pools = p->next;
		free(p);
	}
	while (c->spare) {
		struct fr_h1_conn *k = c->spare;
		c->spare = k->next;
		free(k);
	}
	free(c);
}

/* Connections open. */
size_t fr_h1_client_conns(const struct fr_h1_client *c)
{
	return c ? c->nconns : 0;
}

/* Connections idle. */
size_t fr_h1_client_idle(const struct fr_h1_client *c)
{
	return c ? c->nidle : 0;
}
