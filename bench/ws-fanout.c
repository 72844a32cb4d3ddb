/* ws-fanout.c: a load client for the fixture's WebSocket fan-out.
 *
 * It opens N viewer connections to /ws/dashboards/ID, then publishes events
 * at a fixed rate over one keep-alive HTTP connection (POST
 * /api/dashboards/ID/events, body {"seq":i,"t":<monotonic ns>}), and counts
 * the messages the viewers receive and their delivery latency (receive time
 * minus the "t" in the payload: one process, one clock). One libev loop, no
 * threads; the result is one line of figures on stdout.
 *
 *   flowforge-ws-bench --addr 127.0.0.1:8080 --dashboard d1 --token T \
 *       --viewers 1000 --rate 100 --duration 5
 */
#include <errno.h>
#include <ev.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "net.h"
#include "util/xmalloc.h"

#define LAT_BUCKETS 100000 /* 10 us each: up to 1 s */

struct viewer {
	struct bench *b;
	int fd, upgraded;
	ev_io io;
	struct buf in;
};

struct bench {
	struct ev_loop *loop;
	struct sockaddr_in addr;
	const char *dash, *token;
	int nviewers, rate;
	double duration;
	struct viewer *viewers;
	int connected, failed;
	/* publisher */
	int pfd;
	ev_io pio;
	ev_timer tick, stop;
	double t0;
	struct buf pout, pin;
	unsigned long published, accepted, seq;
	/* results */
	unsigned long received;
	unsigned long *lat;
};

/* Monotonic nanoseconds. */
static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Record one delivered message: its latency from the "t" field. */
static void on_message(struct bench *b, const char *p, size_t len)
{
	const char *t = memmem(p, len, "\"t\":", 4);
	b->received++;
	if (!t)
		return;
	long long lat = (now_ns() - strtoll(t + 4, NULL, 10)) / 10000;
	b->lat[lat < 0 ? 0 : lat >= LAT_BUCKETS ? LAT_BUCKETS - 1 : lat]++;
}

/* Parse the server frames in a viewer's input. */
static void viewer_frames(struct viewer *v)
{
	for (;;) {
		unsigned char *p = (unsigned char *)buf_head(&v->in);
		size_t avail = buf_avail(&v->in), hl = 2, len;
		if (avail < 2)
			return;
		len = p[1] & 0x7f;
		if (len == 126) {
			if (avail < 4)
				return;
			hl = 4;
			len = (size_t)p[2] << 8 | p[3];
		}
		if (avail < hl + len)
			return;
		if ((p[0] & 0x0f) == 1)
			on_message(v->b, (char *)p + hl, len);
		buf_consume(&v->in, hl + len);
	}
}

/* Viewer socket readable. */
static void viewer_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct viewer *v = w->data;
	buf_reserve(&v->in, 65536);
	ssize_t n = read(v->fd, v->in.data + v->in.len, v->in.cap - v->in.len);
	if (n <= 0) {
		if (n < 0 && errno == EAGAIN)
			return;
		ev_io_stop(loop, w);
		v->b->failed++;
		return;
	}
	v->in.len += (size_t)n;
	if (!v->upgraded) {
		char *end = memmem(buf_head(&v->in), buf_avail(&v->in), "\r\n\r\n", 4);
		if (!end)
			return;
		if (strncmp(buf_head(&v->in), "HTTP/1.1 101", 12)) {
			ev_io_stop(loop, w);
			v->b->failed++;
			return;
		}
		v->upgraded = 1;
		v->b->connected++;
		buf_consume(&v->in, (size_t)(end + 4 - buf_head(&v->in)));
	}
	viewer_frames(v);
}

/* Connect a viewer and send its upgrade request (blocking connect: setup only). */
static int viewer_open(struct bench *b, struct viewer *v)
{
	char req[512];
	v->b = b;
	if (net_connect(&b->addr, &v->fd))
		return -1;
	int n = snprintf(req, sizeof(req),
	                 "GET /ws/dashboards/%s?token=%s HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
	                 "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	                 "Sec-WebSocket-Version: 13\r\n\r\n",
	                 b->dash, b->token);
	struct pollfd pfd = {.fd = v->fd, .events = POLLOUT};
	if (poll(&pfd, 1, 5000) != 1)
		return -1;
	if (write(v->fd, req, (size_t)n) != n)
		return -1;
	ev_io_init(&v->io, viewer_cb, v->fd, EV_READ);
	v->io.data = v;
	ev_io_start(b->loop, &v->io);
	return 0;
}

/* Publisher socket: count the 202 answers, write pending requests. */
static void pub_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct bench *b = w->data;
	if (revents & EV_READ) {
		buf_reserve(&b->pin, 65536);
		ssize_t n = read(b->pfd, b->pin.data + b->pin.len, b->pin.cap - b->pin.len);
		if (n > 0)
			b->pin.len += (size_t)n;
		char *p;
		while ((p = memmem(buf_head(&b->pin), buf_avail(&b->pin), "HTTP/1.1 202", 12))) {
			b->accepted++;
			buf_consume(&b->pin, (size_t)(p + 12 - buf_head(&b->pin)));
		}
	}
	if (buf_avail(&b->pout)) {
		ssize_t n = write(b->pfd, buf_head(&b->pout), buf_avail(&b->pout));
		if (n > 0)
			buf_consume(&b->pout, (size_t)n);
	}
	int want = EV_READ | (buf_avail(&b->pout) ? EV_WRITE : 0);
	if (want != (w->events & (EV_READ | EV_WRITE))) {
		ev_io_stop(loop, w);
		ev_io_set(w, b->pfd, want);
		ev_io_start(loop, w);
	}
}

/* Publish the events that are due (a fixed schedule from t0: no drift). */
static void tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct bench *b = w->data;
	ev_now_update(loop);
	while (b->published < (unsigned long)((ev_now(loop) - b->t0) * b->rate)) {
		char body[96];
		int n = snprintf(body, sizeof(body), "{\"seq\":%lu,\"t\":%lld}", ++b->seq, now_ns());
		buf_appendf(&b->pout,
		            "POST /api/dashboards/%s/events HTTP/1.1\r\nHost: x\r\n"
		            "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
		            "Content-Length: %d\r\n\r\n%s",
		            b->dash, b->token, n, body);
		b->published++;
	}
	pub_cb(loop, &b->pio, 0);
}

/* The measurement window is over. */
static void stop_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	ev_break(loop, EVBREAK_ALL);
}

/* The latency at quantile q, in ms. */
static double quantile(const struct bench *b, double q)
{
	unsigned long total = 0, seen = 0;
	for (int i = 0; i < LAT_BUCKETS; i++)
		total += b->lat[i];
	for (int i = 0; i < LAT_BUCKETS; i++) {
		seen += b->lat[i];
		if (total && seen >= (unsigned long)(q * (double)total + 0.5))
			return (i + 1) * 0.01;
	}
	return 0;
}

/* Parse the command line; -1 if it is wrong. */
static int parse(struct bench *b, int argc, char **argv)
{
	static const struct option o[] = {{"addr", required_argument, NULL, 'a'},
	                                  {"dashboard", required_argument, NULL, 'd'},
	                                  {"token", required_argument, NULL, 't'},
	                                  {"viewers", required_argument, NULL, 'v'},
	                                  {"rate", required_argument, NULL, 'r'},
	                                  {"duration", required_argument, NULL, 's'},
	                                  {NULL, 0, NULL, 0}};
	int opt;
	const char *addr = "127.0.0.1:8080";
	b->dash = "d1";
	b->nviewers = 1000;
	b->rate = 100;
	b->duration = 5;
	while ((opt = getopt_long(argc, argv, "", o, NULL)) != -1) {
		switch (opt) {
		case 'a': addr = optarg; break;
		case 'd': b->dash = optarg; break;
		case 't': b->token = optarg; break;
		case 'v': b->nviewers = atoi(optarg); break;
		case 'r': b->rate = atoi(optarg); break;
		case 's': b->duration = atof(optarg); break;
		default: return -1;
		}
	}
	return b->token && b->nviewers > 0 && b->rate > 0 && net_parse_addr(addr, &b->addr) == 0 ? 0 : -1;
}

/* Parse the command line, run the loop, free everything at the end. */
int main(int argc, char **argv)
{
	struct bench b = {0};
	if (parse(&b, argc, argv) < 0) {
		fputs("usage: flowforge-ws-bench --token T [--addr H:P] [--dashboard ID] [--viewers N] "
		      "[--rate EVENTS/S] [--duration S]\n",
		      stderr);
		return 2;
	}
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);
	b.loop = ev_default_loop(0);
	b.lat = xcalloc(LAT_BUCKETS, sizeof(*b.lat));
	b.viewers = xcalloc((size_t)b.nviewers, sizeof(*b.viewers));
	for (int i = 0; i < b.nviewers; i++)
		if (viewer_open(&b, &b.viewers[i]) < 0)
			b.failed++;
	while (b.connected + b.failed < b.nviewers)
		ev_run(b.loop, EVRUN_ONCE);
	if (net_connect(&b.addr, &b.pfd)) {
		fputs("flowforge-ws-bench: cannot connect the publisher\n", stderr);
		return 1;
	}
	ev_io_init(&b.pio, pub_cb, b.pfd, EV_READ | EV_WRITE);
	b.pio.data = &b;
	ev_io_start(b.loop, &b.pio);
	ev_now_update(b.loop);
	b.t0 = ev_now(b.loop);
	ev_timer_init(&b.tick, tick_cb, 1.0 / b.rate, 1.0 / b.rate);
	b.tick.data = &b;
	ev_timer_start(b.loop, &b.tick);
	ev_timer_init(&b.stop, stop_cb, b.duration, 0);
	ev_timer_start(b.loop, &b.stop);
	ev_run(b.loop, 0);
	ev_timer_stop(b.loop, &b.tick);
	/* let the last events arrive */
	ev_timer_set(&b.stop, 0.5, 0);
	ev_timer_start(b.loop, &b.stop);
	ev_run(b.loop, 0);
	double secs = b.duration;
	unsigned long expected = b.published * (unsigned long)b.connected;
	printf("viewers %d (failed %d), events %lu (accepted %lu), messages %lu of %lu, "
	       "%.0f msg/s, delivery p50 %.2f ms p99 %.2f ms\n",
	       b.connected, b.failed, b.published, b.accepted, b.received, expected, (double)b.received / secs,
	       quantile(&b, 0.5), quantile(&b, 0.99));
	for (int i = 0; i < b.nviewers; i++) {
		ev_io_stop(b.loop, &b.viewers[i].io);
		close(b.viewers[i].fd);
		buf_free(&b.viewers[i].in);
	}
	ev_io_stop(b.loop, &b.pio);
	close(b.pfd);
	buf_free(&b.pout);
	buf_free(&b.pin);
	free(b.viewers);
	free(b.lat);
	ev_loop_destroy(b.loop);
	return b.received == expected ? 0 : 1;
}
