/* test-metrics.c: the metrics store, its exposition and the exporter, scraped over HTTP with libcurl.
 *
 * Checks exact exposition lines before and after recording (every series at
 * zero first, SLO thresholds as exact bucket bounds, boundary values counted
 * in their own bucket), the HTTP contract (status, Content-Type), the error
 * for a port already in use, and that concurrent recording loses nothing.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "observe/exporter.h"
#include "observe/exposition.h"
#include "observe/metrics.h"
#include "tap.h"
#include "util/xmalloc.h"

#include "observe/metrics-fixture.h"

struct body {
	char *p;
	size_t len;
};

/* Appends received data to a struct body. */
static size_t on_data(char *data, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	b->p = xrealloc(b->p, b->len + size * n + 1);
	memcpy(b->p + b->len, data, size * n);
	b->len += size * n;
	b->p[b->len] = '\0';
	return size * n;
}

/* GETs PATH from the exporter; returns the body (caller frees), the status
 * in *status_out and the content type in CTYPE. */
static char *get(int port, const char *path, long *status_out, char *ctype, size_t ctsize)
{
	struct body b = {xstrdup(""), 0};
	char *url = xasprintf("http://127.0.0.1:%d%s", port, path);
	CURL *c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 5L);
	*status_out = 0;
	ctype[0] = '\0';
	if (curl_easy_perform(c) == CURLE_OK) {
		char *ct = NULL;
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status_out);
		curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
		snprintf(ctype, ctsize, "%s", ct ? ct : "");
	}
	curl_easy_cleanup(c);
	free(url);
	return b.p;
}

/* Whether TEXT has LINE as one complete line. */
static int has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return 1;
	return 0;
}

/* A TAP check that LINE is in TEXT. */
static void line_ok(const char *text, const char *line)
{
	if (!tap_ok(has_line(text, line), line))
		printf("#   not in the scrape\n");
}

/* Counts lines of TEXT that start with PREFIX. */
static int count_lines(const char *text, const char *prefix)
{
	int n = 0;
	size_t len = strlen(prefix);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, prefix, len) == 0)
			n++;
	return n;
}

#define Q  "run_id=\"r-1\",shard=\"0\",scenario=\"queries\""
#define RL Q ",request=\"redis-lookup\""

/* Before any load: every series is there, at zero (SLO values NaN). */
static void test_zero(int port)
{
	long status;
	char ct[128];
	char *t = get(port, "/metrics", &status, ct, sizeof ct);
	tap_is_int(status, 200, "GET /metrics is 200");
	tap_is_str(ct, "text/plain; version=0.0.4; charset=utf-8", "content type of format 0.0.4");
	line_ok(t, "# TYPE flowrun_request_duration_seconds histogram");
	line_ok(t, "flowrun_run_info{run_id=\"r-1\",shard=\"0\",plan=\"metrics-fixture\"} 1");
	line_ok(t, "flowrun_requests_total{" RL ",outcome=\"ok\"} 0");
	line_ok(t, "flowrun_requests_total{" Q ",request=\"analytical\",outcome=\"http-5xx\"} 0");
	line_ok(t, "flowrun_request_duration_seconds_bucket{" RL ",outcome=\"timeout\",le=\"+Inf\"} 0");
	line_ok(t, "flowrun_request_service_seconds_count{" RL ",outcome=\"ok\"} 0");
	line_ok(t, "flowrun_ws_delivery_seconds_count{run_id=\"r-1\",shard=\"0\",scenario=\"viewers\"} 0");
	line_ok(t, "flowrun_ws_connections{run_id=\"r-1\",shard=\"0\",scenario=\"viewers\"} 0");
	line_ok(t, "flowrun_ws_messages_total{run_id=\"r-1\",shard=\"0\",scenario=\"viewers\",kind=\"lost\"} 0");
	line_ok(t, "flowrun_active_users{" Q "} 0");
	line_ok(t, "flowrun_planned_rate{run_id=\"r-1\",shard=\"0\",scenario=\"viewers\"} 0");
	line_ok(t, "flowrun_fault_active{run_id=\"r-1\",shard=\"0\",proxy=\"clickhouse\",toxic=\"timeout\",fault="
	           "\"timeout-redis+"
	           "clickhouse@120s\"} 0");
	line_ok(t, "flowrun_slo_value{run_id=\"r-1\",shard=\"0\",slo=\"redis-p99\"} NaN");
	line_ok(t, "flowrun_slo_threshold{run_id=\"r-1\",shard=\"0\",slo=\"redis-p99\"} 0.005");
	line_ok(t, "flowrun_slo_threshold{run_id=\"r-1\",shard=\"0\",slo=\"errors\"} 0.01");
	line_ok(t, "flowrun_slo_pass{run_id=\"r-1\",shard=\"0\",slo=\"delivery-p95\"} 0");
	line_ok(t, "flowrun_pass_start_seconds{run_id=\"r-1\",shard=\"0\",pass=\"1\"} NaN");
	line_ok(t, "flowrun_run_end_seconds{run_id=\"r-1\",shard=\"0\"} NaN");
	line_ok(t, "flowrun_process_resident_bytes{run_id=\"r-1\",shard=\"0\"} NaN");
	line_ok(t, "flowrun_host_load1{run_id=\"r-1\",shard=\"0\"} NaN");
	tap_is_int(count_lines(t, "flowrun_generator_cpu_ratio{"), 0, "no worker thread has reported its health yet");
	tap_is_int(count_lines(t, "flowrun_pass_start_seconds{"), 1, "one pass without a sweep");
	/* 2 keys x 9 outcomes x 2 histograms x (18 buckets + _sum + _count) */
	tap_is_int(count_lines(t, "flowrun_request_"), 2 * 9 * 2 * (18 + 2), "request histogram lines");
	tap_is_int(count_lines(t, "flowrun_requests_total{"), 2 * 9, "one requests_total per key and outcome");
	free(t);
}

/* The bucket bounds: defaults plus the 7 ms and 200 ms SLO thresholds. */
static void test_bounds(struct fr_metrics *m)
{
	static const int64_t want[] = {1000,   2500,   5000,    7000,    10000,   25000,    50000,    100000,  200000,
	                               250000, 500000, 1000000, 2500000, 5000000, 10000000, 30000000, 60000000};
	size_t n;
	const int64_t *b = fr_metrics_bounds(m, &n);
	int same = n == sizeof(want) / sizeof(want[0]);
	for (size_t i = 0; same && i < n; i++)
		same = b[i] == want[i];
	tap_ok(same, "bounds are the defaults plus every SLO latency threshold, sorted, unique");
}

/* After recording: exact cumulative buckets, sums and counts. */
static void test_recorded(struct fr_metrics *m, int port)
{
	fr_metrics_record_request(m, 0, FR_OK, 3000, 2000);
	fr_metrics_record_request(m, 0, FR_OK, 7000, 6000); /* exactly on the 7 ms bound */
	fr_metrics_record_request(m, 0, FR_OK, 8000, 7001);
	fr_metrics_record_request(m, 0, FR_ERR_TIMEOUT, 5000000, -1); /* never got an answer */
	fr_metrics_record_delivery(m, 2, 150000);
	fr_metrics_record_delivery(m, 2, 200000);
	fr_metrics_count_ws(m, 2, FR_WS_RECEIVED, 5);
	fr_metrics_count_ws(m, 2, FR_WS_PUBLISH_FAILED, 1);
	fr_metrics_count_ws(m, 2, FR_WS_CONNECTS, 7); /* not a message: ignored */
	fr_metrics_add_ws_connections(m, 1, 3);
	fr_metrics_add_ws_connections(m, 1, -1);
	fr_metrics_set_users(m, 0, 10);
	fr_metrics_set_viewers(m, 1, 500);
	fr_metrics_set_planned_rate(m, 0, 50);
	fr_metrics_set_fault(m, 1, 1);
	fr_metrics_set_slo(m, 0, 4200, 1);
	fr_metrics_set_slo(m, 2, 0.002, 1);
	fr_metrics_set_slo(m, 3, 250000, 0);
	fr_metrics_set_pass_start(m, 0, 1795600000.25);
	fr_metrics_set_pass_start(m, 1, 1795600100); /* no second pass: ignored */
	fr_metrics_set_run_end(m, 1795600150.5);
	fr_metrics_set_thread_health(m, 1, 0.25, 0.003);
	fr_metrics_set_thread_health(m, 256, 1, 1); /* beyond the threads exported: ignored */
	fr_metrics_set_host(m, 52428800, 1.5);

	long status;
	char ct[128];
	char *t = get(port, "/metrics", &status, ct, sizeof ct);
#define D "flowrun_request_duration_seconds"
	line_ok(t, D "_bucket{" RL ",outcome=\"ok\",le=\"0.0025\"} 0");
	line_ok(t, D "_bucket{" RL ",outcome=\"ok\",le=\"0.005\"} 1");
	line_ok(t, D "_bucket{" RL ",outcome=\"ok\",le=\"0.007\"} 2");
	line_ok(t, D "_bucket{" RL ",outcome=\"ok\",le=\"0.01\"} 3");
	line_ok(t, D "_bucket{" RL ",outcome=\"ok\",le=\"+Inf\"} 3");
	line_ok(t, D "_sum{" RL ",outcome=\"ok\"} 0.018");
	line_ok(t, D "_count{" RL ",outcome=\"ok\"} 3");
	line_ok(t, D "_bucket{" RL ",outcome=\"timeout\",le=\"2.5\"} 0");
	line_ok(t, D "_bucket{" RL ",outcome=\"timeout\",le=\"5\"} 1");
	line_ok(t, "flowrun_request_service_seconds_bucket{" RL ",outcome=\"ok\",le=\"0.007\"} 2");
	line_ok(t, "flowrun_request_service_seconds_sum{" RL ",outcome=\"ok\"} 0.015001");
	line_ok(t, "flowrun_request_service_seconds_count{" RL ",outcome=\"timeout\"} 0");
	line_ok(t, "flowrun_requests_total{" RL ",outcome=\"ok\"} 3");
	line_ok(t, "flowrun_requests_total{" RL ",outcome=\"timeout\"} 1");
	line_ok(t, "flowrun_requests_total{" Q ",request=\"analytical\",outcome=\"ok\"} 0");
	line_ok(t, "flowrun_ws_delivery_seconds_bucket{run_id=\"r-1\",shard=\"0\",scenario=\"viewers\",le=\"0.1\"} 0");
	line_ok(t, "flowrun_ws_delivery_seconds_bucket{run_id=\"r-1\",shard=\"0\",scenario=\"viewers\",le=\"0.2\"} 2");
	line_ok(t, "flowrun_ws_delivery_seconds_sum{run_id=\"r-1\",shard=\"0\",scenario=\"viewers\"} 0.35");
	line_ok(t, "flowrun_ws_messages_total{run_id=\"r-1\",shard=\"0\",scenario=\"viewers\",kind=\"received\"} 5");
	line_ok(t,
	        "flowrun_ws_messages_total{run_id=\"r-1\",shard=\"0\",scenario=\"viewers\",kind=\"publish-failed\"} 1");
	tap_is_int(count_lines(t, "flowrun_ws_messages_total{"), 8, "eight message kinds, no connection counters");
	line_ok(t, "flowrun_ws_connections{run_id=\"r-1\",shard=\"0\",scenario=\"viewers\"} 2");
	line_ok(t, "flowrun_active_users{" Q "} 10");
	line_ok(t, "flowrun_active_viewers{run_id=\"r-1\",shard=\"0\",scenario=\"viewers\"} 500");
	line_ok(t, "flowrun_planned_rate{" Q "} 50");
	line_ok(t, "flowrun_fault_active{run_id=\"r-1\",shard=\"0\",proxy=\"redis\",toxic=\"timeout\",fault=\"timeout-"
	           "redis+"
	           "clickhouse@120s\"} 1");
	line_ok(t, "flowrun_fault_active{run_id=\"r-1\",shard=\"0\",proxy=\"clickhouse\",toxic=\"timeout\",fault="
	           "\"timeout-redis+"
	           "clickhouse@120s\"} 1");
	line_ok(t, "flowrun_fault_active{run_id=\"r-1\",shard=\"0\",proxy=\"redis\",toxic=\"latency\",fault=\"latency-"
	           "redis@60s\"} 0");
	line_ok(t, "flowrun_slo_value{run_id=\"r-1\",shard=\"0\",slo=\"redis-p99\"} 0.0042");
	line_ok(t, "flowrun_slo_pass{run_id=\"r-1\",shard=\"0\",slo=\"redis-p99\"} 1");
	line_ok(t, "flowrun_slo_value{run_id=\"r-1\",shard=\"0\",slo=\"errors\"} 0.002");
	line_ok(t, "flowrun_slo_value{run_id=\"r-1\",shard=\"0\",slo=\"delivery-p95\"} 0.25");
	line_ok(t, "flowrun_slo_pass{run_id=\"r-1\",shard=\"0\",slo=\"delivery-p95\"} 0");
	line_ok(t, "flowrun_slo_value{run_id=\"r-1\",shard=\"0\",slo=\"analytic-p99\"} NaN");
	line_ok(t, "flowrun_pass_start_seconds{run_id=\"r-1\",shard=\"0\",pass=\"1\"} 1795600000.25");
	line_ok(t, "flowrun_run_end_seconds{run_id=\"r-1\",shard=\"0\"} 1795600150.5");
	line_ok(t, "flowrun_generator_cpu_ratio{run_id=\"r-1\",shard=\"0\",thread=\"1\"} 0.25");
	line_ok(t, "flowrun_generator_loop_lag_seconds{run_id=\"r-1\",shard=\"0\",thread=\"1\"} 0.003");
	tap_is_int(count_lines(t, "flowrun_generator_cpu_ratio{"), 1, "only the worker that reported has a series");
	line_ok(t, "flowrun_process_resident_bytes{run_id=\"r-1\",shard=\"0\"} 52428800");
	line_ok(t, "flowrun_host_load1{run_id=\"r-1\",shard=\"0\"} 1.5");
	tap_is_int(count_lines(t, "flowrun_pass_start_seconds{"), 1, "still one pass");
	free(t);
	fr_metrics_set_fault(m, 1, 0);
	t = fr_exposition_render(m, NULL);
	line_ok(t, "flowrun_fault_active{run_id=\"r-1\",shard=\"0\",proxy=\"redis\",toxic=\"timeout\",fault=\"timeout-"
	           "redis+"
	           "clickhouse@120s\"} 0");
	free(t);
}

/* Other paths and methods. */
static void test_http(int port)
{
	long status;
	char ct[128];
	char *t = get(port, "/nope", &status, ct, sizeof ct);
	tap_is_int(status, 404, "unknown path is 404");
	free(t);
	t = get(port, "/metrics?x=1", &status, ct, sizeof ct);
	tap_is_int(status, 200, "a query string is ignored");
	free(t);
}

/* A second exporter on a port in use, and malformed addresses. */
static void test_errors(struct fr_metrics *m, int port)
{
	struct fr_exporter *e2;
	char *err;
	char *addr = xasprintf("127.0.0.1:%d", port);
	char *want = xasprintf("cannot listen on %s for metrics: Address already in use", addr);
	int rc = fr_exporter_start(m, addr, &e2, &err);
	tap_is_int(rc, FR_EXPORTER_CANNOT_LISTEN, "port in use: cannot listen (exit status 4)");
	tap_is_str(err, want, "port in use: the message");
	tap_ok(e2 == NULL, "port in use: no exporter");
	free(err);
	free(want);
	free(addr);
	rc = fr_exporter_start(m, "9464", &e2, &err);
	tap_is_int(rc, FR_EXPORTER_BAD_ADDRESS, "address without a host: bad address (exit status 2)");
	tap_is_str(err, "bad metrics address '9464': expected HOST:PORT, e.g. 127.0.0.1:9464",
	           "address without a host: the message");
	free(err);
	rc = fr_exporter_start(m, "127.0.0.1:99999", &e2, &err);
	tap_is_int(rc, FR_EXPORTER_BAD_ADDRESS, "port out of range: bad address (exit status 2)");
	free(err);
}

struct hammer {
	struct fr_metrics *m;
	int key;
};

/* Records 100000 requests from one thread. */
static void *hammer(void *arg)
{
	struct hammer *h = arg;
	for (int i = 0; i < 100000; i++)
		fr_metrics_record_request(h->m, h->key, FR_OK, i % 20000, i % 10000);
	return NULL;
}

/* Four threads recording into the same series lose no sample. */
static void test_threads(const struct fixture *f)
{
	struct fr_metrics *m = fr_metrics_create(&f->plan, &f->res, "r-3");
	pthread_t th[4];
	struct hammer h = {m, 1};
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, hammer, &h);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	char *t = fr_exposition_render(m, NULL);
	line_ok(t, "flowrun_requests_total{run_id=\"r-3\",shard=\"0\",scenario=\"queries\",request=\"analytical\","
	           "outcome=\"ok\"} "
	           "400000");
	/* values 0..5000 of each 20000-cycle: 5001 per cycle, 5 cycles, 4 threads */
	line_ok(t, "flowrun_request_duration_seconds_bucket{run_id=\"r-3\",shard=\"0\",scenario=\"queries\",request="
	           "\"analytical\","
	           "outcome=\"ok\",le=\"0.005\"} 100020");
	free(t);
	fr_metrics_free(m);
}

/* Label values are escaped: the run id and names from the plan. */
static void test_escape(void)
{
	struct fixture f;
	fixture_init(&f);
	f.scen[0].name = (char *)"q\"s";
	f.slos[0].name = (char *)"a\nb";
	struct fr_metrics *m = fr_metrics_create(&f.plan, &f.res, "a\"b\\c");
	char *t = fr_exposition_render(m, NULL);
	line_ok(t, "flowrun_run_info{run_id=\"a\\\"b\\\\c\",shard=\"0\",plan=\"metrics-fixture\"} 1");
	line_ok(t, "flowrun_active_users{run_id=\"a\\\"b\\\\c\",shard=\"0\",scenario=\"q\\\"s\"} 0");
	line_ok(t, "flowrun_slo_pass{run_id=\"a\\\"b\\\\c\",shard=\"0\",slo=\"a\\nb\"} 0");
	free(t);
	fr_metrics_set_shard(m, 3);
	t = fr_exposition_render(m, NULL);
	line_ok(t, "flowrun_run_info{run_id=\"a\\\"b\\\\c\",shard=\"3\",plan=\"metrics-fixture\"} 1");
	int unlabelled = 0, series = 0;
	for (const char *p = t; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (*p == '#' || *p == '\n')
			continue;
		const char *eol = strchr(p, '\n'), *lab = strstr(p, "shard=\"3\"");
		series++;
		unlabelled += !lab || (eol && lab > eol);
	}
	tap_ok(series > 100 && unlabelled == 0, "shard 3 of a sharded run labels every series");
	free(t);
	fr_metrics_free(m);
}

/* The value of the first line starting with PREFIX, or -1. */
static double value_of(const char *text, const char *prefix)
{
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, prefix, strlen(prefix)) == 0 && p[strlen(prefix)] == ' ')
			return atof(p + strlen(prefix) + 1);
	return -1;
}

/* Timeline actions set the level gauge of their scenario's model. */
static void test_actions(void)
{
	struct fixture f;
	fixture_init(&f);
	struct fr_scenario three[3] = {f.scen[0], f.scen[1], f.scen[0]};
	three[2].name = (char *)"users";
	three[2].model = FR_MODEL_CLOSED;
	f.plan.scenarios = three;
	f.plan.nscenarios = 3;
	char *sweep[3] = {(char *)"1", (char *)"5", (char *)"10"};
	f.plan.sweep_param = (char *)"widgets";
	f.plan.sweep_values = sweep;
	f.plan.nsweep = 3;
	struct fr_metrics *m = fr_metrics_create(&f.plan, &f.res, "r-4");
	fr_metrics_action(m, &(struct fr_action){.kind = FR_ACT_STAGE, .scenario = 0, .level = 20});
	fr_metrics_action(m, &(struct fr_action){.kind = FR_ACT_STAGE, .scenario = 1, .level = 10});
	fr_metrics_action(m, &(struct fr_action){.kind = FR_ACT_STAGE, .scenario = 2, .level = 5});
	fr_metrics_action(m, &(struct fr_action){.kind = FR_ACT_STAGE, .scenario = 2, .level = 25});
	fr_metrics_action(m, &(struct fr_action){.kind = FR_ACT_FAULT_ON, .scenario = -1, .fault = 0});
	char *t = fr_exposition_render(m, NULL);
	line_ok(t, "flowrun_planned_rate{run_id=\"r-4\",shard=\"0\",scenario=\"queries\"} 20");
	line_ok(t, "flowrun_active_viewers{run_id=\"r-4\",shard=\"0\",scenario=\"viewers\"} 10");
	line_ok(t, "flowrun_active_users{run_id=\"r-4\",shard=\"0\",scenario=\"users\"} 25");
	line_ok(t, "flowrun_active_users{run_id=\"r-4\",shard=\"0\",scenario=\"queries\"} 0");
	line_ok(t, "flowrun_pass_start_seconds{run_id=\"r-4\",shard=\"0\",pass=\"3\"} NaN");
	tap_is_int(count_lines(t, "flowrun_pass_start_seconds{"), 3, "one pass start per sweep value");
	line_ok(t, "flowrun_fault_active{run_id=\"r-4\",shard=\"0\",proxy=\"redis\",toxic=\"latency\",fault=\"latency-"
	           "redis@60s\"} 0");
	free(t);
	fr_metrics_action(m, &(struct fr_action){.kind = FR_ACT_STOP, .scenario = 1});
	t = fr_exposition_render(m, NULL);
	line_ok(t, "flowrun_active_viewers{run_id=\"r-4\",shard=\"0\",scenario=\"viewers\"} 0");
	free(t);
	fr_metrics_free(m);
}

/* The exporter measures the achieved rate itself, once a second. */
static void test_achieved(const struct fixture *f)
{
	struct fr_metrics *m = fr_metrics_create(&f->plan, &f->res, "r-5");
	struct fr_exporter *e;
	char *err;
	if (fr_exporter_start(m, "127.0.0.1:0", &e, &err) != FR_EXPORTER_OK) {
		tap_ok(0, err);
		free(err);
		fr_metrics_free(m);
		return;
	}
	for (int i = 0; i < 50; i++)
		fr_metrics_record_request(m, i % 2, FR_OK, 1000, 900);
	struct timespec ts = {1, 300000000};
	nanosleep(&ts, NULL);
	char *t = fr_exposition_render(m, NULL);
	double v = value_of(t, "flowrun_achieved_rate{run_id=\"r-5\",shard=\"0\",scenario=\"queries\"}");
	if (!tap_ok(v > 25 && v <= 50.01, "achieved rate: 50 requests in the first second, 50/s or a little less"))
		printf("#   got %g\n", v);
	free(t);
	fr_exporter_free(e);
	fr_metrics_free(m);
}

int main(void)
{
	struct fixture f;
	struct fr_exporter *e;
	char *err = NULL;
	fixture_init(&f);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	struct fr_metrics *m = fr_metrics_create(&f.plan, &f.res, "r-1");
	int rc = fr_exporter_start(m, "127.0.0.1:0", &e, &err);
	if (!tap_is_int(rc, FR_EXPORTER_OK, "exporter starts on a free port")) {
		printf("# %s\n", err);
		free(err);
		fr_metrics_free(m);
		return tap_done();
	}
	int port = fr_exporter_port(e);
	tap_ok(port > 0, "the bound port is known");
	test_bounds(m);
	test_zero(port);
	test_recorded(m, port);
	test_http(port);
	test_errors(m, port);
	fr_exporter_free(e);
	fr_metrics_free(m);
	test_threads(&f);
	test_escape();
	test_actions();
	test_achieved(&f);
	curl_global_cleanup();
	return tap_done();
}
