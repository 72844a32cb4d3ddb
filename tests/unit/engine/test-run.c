/* test-run.c: the run's validity verdicts, the progress line, and the preflight checks. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/preflight.h"
#include "engine/progress.h"
#include "engine/run.h"
#include "tap.h"

/* Checks one verdict against its expected text (NULL: valid). */
static void verdict(uint64_t planned, uint64_t sent, int64_t load_us, const char *want, const char *name)
{
	char *got = fr_run_invalid_reason(planned, sent, load_us);

	tap_is_str(got, want, name);
	free(got);
}

static void test_validity(void)
{
	verdict(50000, 42100, 10000000, "achieved 4,210/s of 5,000/s planned (84.2 %)",
	        "open model short of its plan: achieved and planned rates with thousands separators");
	verdict(50000, 49500, 10000000, NULL, "exactly 99 % sent is valid");
	verdict(50000, 49499, 10000000, "achieved 4,950/s of 5,000/s planned (99.0 %)",
	        "one send short of 99 % is invalid");
	verdict(0, 0, 10000000, NULL, "no open model: valid");
	/* a lagging generator is judged per SLO window as saturation (test-health.c) */
	verdict(400000, 2000000, 20000000, NULL, "more sent than planned (never happens) is not short");
	verdict(2000000, 1000000, 1000000, "achieved 1,000,000/s of 2,000,000/s planned (50.0 %)",
	        "millions get two separators");
}

static void test_progress(void)
{
	char line[256];

	fr_progress_format(line, sizeof(line), "q stage 2/5 (50 users)", 12.04, 60, 1234.4, 15000, 15, 12345);
	tap_is_str(line,
	           "q stage 2/5 (50 users)  12.0s/60.0s  1234 req/s  15000 requests  15 errors (0.1%)  p99 12.3ms",
	           "progress line: stage, elapsed/total, rate, errors, p99");
	fr_progress_format(line, sizeof(line), "starting", 0, 5, 0, 0, 0, 0);
	tap_is_str(line, "starting  0.0s/5.0s  0 req/s  0 requests  0 errors (0.0%)  p99 -",
	           "progress line before any answer");
}

/* A loopback port nothing listens on (bound, then closed). */
static int closed_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = 0;

	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* The plan's preflight: websocket connect URLs checked only when absolute and fixed. */
static void test_preflight_plan(char *base_url, int live_port)
{
	struct fr_scenario sc = {.model = FR_MODEL_WEBSOCKET};
	struct fr_plan plan = {.base_url = base_url, .scenarios = &sc, .nscenarios = 1};
	char connect[64], *err = NULL;

	sc.ws.connect = strdup("/w"); /* shorter than a scheme: nothing read past it (ASan) */
	tap_is_int(fr_preflight_plan(&plan, 1000, &err), 0, "preflight plan: a websocket path is the target's");
	free(sc.ws.connect);
	snprintf(connect, sizeof(connect), "ws://${host}:%d/live", live_port);
	sc.ws.connect = strdup(connect);
	tap_is_int(fr_preflight_plan(&plan, 1000, &err), 0, "preflight plan: a host a variable decides is skipped");
	free(sc.ws.connect);
	snprintf(connect, sizeof(connect), "ws://127.0.0.1:%d/live", live_port);
	sc.ws.connect = strdup(connect);
	tap_is_int(fr_preflight_plan(&plan, 1000, &err), 0,
	           "preflight plan: an absolute ws:// URL that listens passes");
	free(sc.ws.connect);
	snprintf(connect, sizeof(connect), "ws://127.0.0.1:%d/live", closed_port());
	sc.ws.connect = strdup(connect);
	if (tap_is_int(fr_preflight_plan(&plan, 1000, &err), -1,
	               "preflight plan: an absolute ws:// URL that refuses fails")) {
		char want[128];
		snprintf(want, sizeof(want), "target %s is unreachable: Connection refused", connect);
		tap_is_str(err, want, "preflight plan: the error names the websocket URL");
	}
	free(err);
	free(sc.ws.connect);
}

static void test_preflight(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	char url[64], *err = NULL;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (!tap_ok(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(fd, 64) == 0 &&
	                    getsockname(fd, (struct sockaddr *)&a, &len) == 0,
	            "listening socket"))
		return;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/base", ntohs(a.sin_port));
	tap_is_int(fr_preflight_check(url, NULL, 1000, &err), 0, "preflight: a listening port passes");
	test_preflight_plan(url, ntohs(a.sin_port));
	close(fd);
	tap_is_int(fr_preflight_check(url, NULL, 1000, &err), -1, "preflight: a closed port fails");
	tap_is_str(err, "Connection refused", "preflight: the reason is the errno text");
	free(err);
	tap_is_int(fr_preflight_check("not a url", NULL, 1000, &err), -1, "preflight: a bad URL fails");
	free(err);
}

int main(void)
{
	test_validity();
	test_progress();
	test_preflight();
	return tap_done();
}
