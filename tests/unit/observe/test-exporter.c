/* test-exporter.c: the /metrics exporter under hostile or unlucky clients.
 *
 * A client that sends one byte per second (and twenty of them, more than the
 * exporter's slots) must delay neither a scrape nor the exporter's stop by
 * more than 1 s; a client that sends nothing is cut at its deadline; when
 * the process is out of descriptors (EMFILE) the exporter rests instead of
 * spinning, and serves the waiting client once descriptors are back. The
 * request parser is checked on its own. Before the exporter served several
 * clients at once, one slow client held every scrape (5 s timeouts here) and
 * the stop until it went away, and EMFILE spun a core.
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "observe/exporter.h"
#include "tap.h"
#include "util/clock.h"
#include "util/xmalloc.h"

#include "observe/metrics-fixture.h"

#define NSLOW 20

/* A connected TCP socket to 127.0.0.1:PORT with a receive timeout of 5 s, or -1. */
static int dial(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	struct timeval tv = {5, 0};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	return fd;
}

/* Reads FD to EOF (or the timeout) into BUF; the length read. */
static size_t read_all(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;

	while (len + 1 < size && (n = recv(fd, buf + len, size - 1 - len, 0)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	return len;
}

/* Scrapes /metrics over a socket already connected as FD; 1 when the answer is 200 with samples. */
static int scrape_on(int fd)
{
	static char buf[1 << 20];
	const char *req = "GET /metrics HTTP/1.0\r\n\r\n";

	if (fd < 0 || send(fd, req, strlen(req), MSG_NOSIGNAL) < 0)
		return 0;
	read_all(fd, buf, sizeof buf);
	close(fd);
	return strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0 && strstr(buf, "flowrun_requests_total{");
}

/* Scrapes and reports how long it took, in ms, in *MS_OUT. */
static int timed_scrape(int port, double *ms_out)
{
	int64_t t0 = fr_clock_mono_ns();
	int ok = scrape_on(dial(port));

	*ms_out = (double)(fr_clock_mono_ns() - t0) / 1e6;
	return ok;
}

struct slow {
	int port;
	int stop; /* atomic */
	pthread_t thread;
};

/* A client that sends a request one byte per second, for at most 15 s. */
static void *slow_client(void *arg)
{
	struct slow *s = arg;
	const char *req = "GET /metrics HTTP/1.1\r\nHost: slow\r\n\r\n";
	int fd = dial(s->port);

	for (size_t i = 0; fd >= 0 && i < 15 && !__atomic_load_n(&s->stop, __ATOMIC_RELAXED); i++) {
		if (send(fd, req + i, 1, MSG_NOSIGNAL) < 0)
			break;
		for (int k = 0; k < 10 && !__atomic_load_n(&s->stop, __ATOMIC_RELAXED); k++)
			nanosleep(&(struct timespec){0, 100000000}, NULL);
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

/* The process's CPU time in ms. */
static double cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

/* One and then twenty slow clients: scrapes answer at once, the stop is prompt. */
static void test_slow_clients(struct fr_metrics *m)
{
	struct fr_exporter *e;
	struct slow s[NSLOW];
	char *err = NULL, name[160];
	double ms;

	if (fr_exporter_start(m, "127.0.0.1:0", &e, &err) != FR_EXPORTER_OK) {
		tap_ok(0, err);
		free(err);
		return;
	}
	for (int i = 0; i < NSLOW; i++) {
		s[i] = (struct slow){.port = fr_exporter_port(e)};
		pthread_create(&s[i].thread, NULL, slow_client, &s[i]);
		if (i == 0) {
			nanosleep(&(struct timespec){1, 500000000}, NULL); /* it is mid-request */
			int ok = timed_scrape(s[0].port, &ms);
			snprintf(name, sizeof name,
			         "a one-byte-per-second client: a scrape answers in %.0f ms (< 1000)", ms);
			tap_ok(ok && ms < 1000, name);
		}
	}
	nanosleep(&(struct timespec){1, 0}, NULL);
	int ok = timed_scrape(s[0].port, &ms);
	snprintf(name, sizeof name, "%d such clients (more than the slots): a scrape answers in %.0f ms (< 1000)",
	         NSLOW, ms);
	tap_ok(ok && ms < 1000, name);
	int64_t t0 = fr_clock_mono_ns();
	fr_exporter_free(e);
	ms = (double)(fr_clock_mono_ns() - t0) / 1e6;
	snprintf(name, sizeof name, "with them still sending, the exporter stops in %.0f ms (< 1000)", ms);
	tap_ok(ms < 1000, name);
	for (int i = 0; i < NSLOW; i++) {
		__atomic_store_n(&s[i].stop, 1, __ATOMIC_RELAXED);
		pthread_join(s[i].thread, NULL);
	}
}

/* A client that sends nothing is closed at its 3 s deadline. */
static void test_deadline(struct fr_metrics *m)
{
	struct fr_exporter *e;
	char *err = NULL, buf[64], name[160];

	if (fr_exporter_start(m, "127.0.0.1:0", &e, &err) != FR_EXPORTER_OK) {
		tap_ok(0, err);
		free(err);
		return;
	}
	int fd = dial(fr_exporter_port(e));
	int64_t t0 = fr_clock_mono_ns();
	ssize_t n = fd >= 0 ? recv(fd, buf, sizeof buf, 0) : -1;
	double s = (double)(fr_clock_mono_ns() - t0) / 1e9;
	snprintf(name, sizeof name, "a silent client is closed at its deadline (after %.1f s; 3 s)", s);
	tap_ok(n == 0 && s > 2.5 && s < 4.5, name);
	if (fd >= 0)
		close(fd);
	fr_exporter_free(e);
}

/* Out of descriptors: accept rests instead of spinning; the client is served once they are back. */
static void test_emfile(struct fr_metrics *m)
{
	struct fr_exporter *e;
	struct rlimit old, low;
	char *err = NULL, name[160];
	const char *req = "GET /metrics HTTP/1.0\r\n\r\n";

	if (fr_exporter_start(m, "127.0.0.1:0", &e, &err) != FR_EXPORTER_OK) {
		tap_ok(0, err);
		free(err);
		return;
	}
	int fd = dial(fr_exporter_port(e));
	int lowest = dup(0); /* the lowest free descriptor: a limit there leaves none */
	close(lowest);
	getrlimit(RLIMIT_NOFILE, &old);
	low = (struct rlimit){(rlim_t)lowest, old.rlim_max};
	if (fd < 0 || send(fd, req, strlen(req), MSG_NOSIGNAL) < 0 || setrlimit(RLIMIT_NOFILE, &low) != 0) {
		tap_ok(0, "EMFILE: set up");
		fr_exporter_free(e);
		return;
	}
	double c0 = cpu_ms();
	nanosleep(&(struct timespec){1, 0}, NULL);
	double used = cpu_ms() - c0;
	setrlimit(RLIMIT_NOFILE, &old);
	snprintf(name, sizeof name, "EMFILE: accept rests (%.0f ms of CPU in 1 s; < 300)", used);
	tap_ok(used < 300, name);
	tap_ok(scrape_on(fd), "EMFILE over: the waiting client is served");
	fr_exporter_free(e);
}

/* The request parser on its own. */
static void test_route(void)
{
	static const struct {
		const char *req, *name;
		enum fr_exporter_route want;
		int head;
	} cases[] = {
	        {"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", "GET /metrics", FR_ROUTE_METRICS, 0},
	        {"GET /metrics?x=1 HTTP/1.1\r\n\r\n", "a query string is ignored", FR_ROUTE_METRICS, 0},
	        {"HEAD /metrics HTTP/1.0\n\n", "HEAD, and bare LF line ends", FR_ROUTE_METRICS, 1},
	        {"GET / HTTP/1.1\r\n\r\n", "GET / is the index", FR_ROUTE_INDEX, 0},
	        {"GET /metricsx HTTP/1.1\r\n\r\n", "another path is not found", FR_ROUTE_NOT_FOUND, 0},
	        {"GET /metrics HTTP/1.1\r\nHost: x\r\n", "no blank line yet: incomplete", FR_ROUTE_INCOMPLETE, 0},
	        {"POST /metrics HTTP/1.1\r\n\r\n", "POST is not allowed", FR_ROUTE_BAD_METHOD, 0},
	        {"GET\r\n\r\n", "a method alone is not a request", FR_ROUTE_BAD_METHOD, 0},
	        {"GET /metrics\r\n\r\n", "HTTP/0.9 style: no version", FR_ROUTE_METRICS, 0},
	};
	int head;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		enum fr_exporter_route r = fr_exporter_route(cases[i].req, strlen(cases[i].req), &head);
		tap_ok(r == cases[i].want && head == cases[i].head, cases[i].name);
	}
	char *big = xmalloc(8192);
	memset(big, 'a', 8192);
	tap_ok(fr_exporter_route(big, 8191, &head) == FR_ROUTE_INCOMPLETE &&
	               fr_exporter_route(big, 8192, &head) == FR_ROUTE_TOO_LARGE,
	       "8 KiB without a blank line is too large");
	memcpy(big, "GET /metrics\0\r\n\r\n", 17);
	tap_ok(fr_exporter_route(big, 17, &head) == FR_ROUTE_NOT_FOUND, "a NUL in the path is no path of ours");
	free(big);
}

int main(void)
{
	struct fixture f;

	fixture_init(&f);
	struct fr_metrics *m = fr_metrics_create(&f.plan, &f.res, "r-x");
	test_route();
	test_slow_clients(m);
	test_deadline(m);
	test_emfile(m);
	fr_metrics_free(m);
	return tap_done();
}
