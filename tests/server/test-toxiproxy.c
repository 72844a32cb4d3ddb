/* test-toxiproxy.c: the Toxiproxy client and the fault executor against a real toxiproxy-server.
 *
 * tests/e2e/toxiproxy.sh starts toxiproxy-server (and a redis-server behind
 * its `redis` proxy) on free loopback ports and runs this program with:
 *   FR_TOXIPROXY_URL      the API of the running server (proxies redis,
 *                         materialize, clickhouse)
 *   FR_TOXIPROXY_VERSION  what that server's GET /version says
 *   FR_TOXIPROXY_DEAD_URL a URL on a port where nothing listens
 *   FR_TOXIPROXY_SERVER, FR_TOXIPROXY_CONFIG2, FR_TOXIPROXY_PORT2
 *                         to start (and kill, and restart) a second server
 *   FR_REDIS_PROXY_PORT   the listen port of the redis proxy
 * Without FR_TOXIPROXY_URL it only runs the checks that need no server.
 * Every check looks at what Toxiproxy really holds afterwards (GET /proxies).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "chaos/faults.h"
#include "chaos/toxiproxy.h"
#include "util/xmalloc.h"
#include "tap.h"

#define MS 1000LL /* µs */

static const char *url;

/* CLOCK_MONOTONIC in ns. */
static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Sleeps MS_ milliseconds. */
static void sleep_ms(long ms_)
{
	struct timespec ts = {.tv_sec = ms_ / 1000, .tv_nsec = (ms_ % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Fills a fault. */
static struct fr_fault fault_of(const char *name, char **proxies, size_t nproxies, enum fr_toxic toxic)
{
	struct fr_fault f = {
	        .name = (char *)name, .proxies = proxies, .nproxies = nproxies, .toxic = toxic, .toxicity = 1.0};
	return f;
}

/* Adds attribute NAME=VALUE to F. */
static void attr(struct fr_fault *f, const char *name, int64_t value)
{
	f->attrs[f->nattrs].name = name;
	f->attrs[f->nattrs].value = value;
	f->nattrs++;
}

/* The number of toxics named with PREFIX on all proxies, and of disabled proxies. */
static void census(struct fr_toxi *t, const char *prefix, int *toxics, int *disabled)
{
	struct fr_toxi_proxy *p;
	size_t n;

	*toxics = *disabled = -1;
	if (fr_toxi_proxies(t, &p, &n)) {
		printf("# census: %s\n", fr_toxi_error(t));
		return;
	}
	*toxics = *disabled = 0;
	for (size_t i = 0; i < n; i++) {
		*disabled += !p[i].enabled;
		for (size_t j = 0; j < p[i].ntoxics; j++)
			*toxics += strncmp(p[i].toxics[j].name, prefix, strlen(prefix)) == 0;
	}
	fr_toxi_proxies_free(p, n);
}

/* Whether proxy NAME is enabled (-1: not found). */
static int proxy_enabled(struct fr_toxi *t, const char *name)
{
	struct fr_toxi_proxy *p;
	size_t n;
	int en = -1;

	if (fr_toxi_proxies(t, &p, &n))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (strcmp(p[i].name, name) == 0)
			en = p[i].enabled;
	fr_toxi_proxies_free(p, n);
	return en;
}

/* Whether PROXY holds a toxic NAME. */
static int has_toxic(struct fr_toxi *t, const char *proxy, const char *name)
{
	struct fr_toxi_toxic *tx;
	size_t n;
	int found = 0;

	if (fr_toxi_toxics(t, proxy, &tx, &n))
		return -1;
	for (size_t i = 0; i < n; i++)
		found |= strcmp(tx[i].name, name) == 0;
	fr_toxi_toxics_free(tx, n);
	return found;
}

/* Names need no server. */
static void test_names(void)
{
	char *s = fr_toxi_name("r1", "timeout-clickhouse@30s", 0);
	tap_is_str(s, "flowrun-r1-timeout-clickhouse-30s", "toxic name is sanitised to [a-z0-9-]");
	free(s);
	s = fr_toxi_name("Run_7", "latency-redis+clickhouse@1m30s", 0);
	tap_is_str(s, "flowrun-run-7-latency-redis-clickhouse-1m30s", "upper case and runs of '-'");
	free(s);
	s = fr_toxi_name("r1", "down-redis@120s", 1);
	tap_is_str(s, "flowrun-r1-down-down-redis-120s", "down marker name");
	free(s);
	s = fr_toxi_name("r1", "x!!", 0);
	tap_is_str(s, "flowrun-r1-x", "no trailing '-'");
	free(s);
	struct fr_toxi_leftovers lo = {0};
	tap_ok(fr_toxi_leftovers_message(&lo) == NULL, "no leftovers, no message");
}

/* GET /version and GET /proxies. */
static void test_version_and_list(struct fr_toxi *t)
{
	char *v = NULL;
	struct fr_toxi_proxy *p;
	size_t n = 0;

	tap_is_int(fr_toxi_version(t, &v), FR_TOXI_OK, "version: ok");
	tap_is_str(v, getenv("FR_TOXIPROXY_VERSION"), "version: what the server says");
	tap_is_str(fr_toxi_error(t), "", "no error after a success");
	free(v);
	tap_is_int(fr_toxi_proxies(t, &p, &n), FR_TOXI_OK, "list proxies: ok");
	tap_is_int((int64_t)n, 3, "three proxies");
	if (n == 3) {
		tap_is_str(p[0].name, "clickhouse", "sorted by name (1)");
		tap_is_str(p[1].name, "materialize", "sorted by name (2)");
		tap_is_str(p[2].name, "redis", "sorted by name (3)");
		tap_ok(p[0].enabled && p[1].enabled && p[2].enabled, "all enabled");
		tap_ok(strncmp(p[2].listen, "127.0.0.1:", 10) == 0, "listen address read");
	}
	fr_toxi_proxies_free(p, n);
}

/* Missing proxies are named, all of them, once each. */
static void test_check_proxies(struct fr_toxi *t)
{
	char *ok_proxies[] = {"redis", "clickhouse"};
	char *bad1[] = {"redis", "nosuch"};
	char *bad2[] = {"nosuch", "other"};
	struct fr_fault items[2] = {fault_of("a", ok_proxies, 2, FR_TOXIC_LATENCY),
	                            fault_of("b", ok_proxies, 2, FR_TOXIC_DOWN)};
	struct fr_faults faults = {.items = items, .n = 2, .proxies_file = "toxiproxy/config.json"};
	char *want;

	tap_is_int(fr_toxi_check_proxies(t, &faults), FR_TOXI_OK, "check: existing proxies pass");
	items[0].proxies = bad1;
	items[1].proxies = bad2;
	tap_is_int(fr_toxi_check_proxies(t, &faults), FR_TOXI_NOT_FOUND, "check: missing proxy fails");
	want = xasprintf("toxiproxy at %s has no proxy 'nosuch', 'other' named by the plan's faults "
	                 "(start toxiproxy-server -config toxiproxy/config.json, or run with "
	                 "--create-proxies)",
	                 url);
	tap_is_str(fr_toxi_error(t), want, "check: the error names every missing proxy once");
	free(want);
}

/* POST /populate creates what is missing and leaves what is there. */
static void test_populate(struct fr_toxi *t)
{
	struct fr_toxi_proxy *p;
	size_t n;
	int toxics, disabled;
	char *px[] = {"redis"};
	struct fr_fault lat = fault_of("keep", px, 1, FR_TOXIC_LATENCY);

	attr(&lat, "latency", 1);
	fr_toxi_proxies(t, &p, &n);
	struct fr_proxy want[2] = {{.name = "redis", .listen = p[n - 1].listen, .upstream = p[n - 1].upstream},
	                           {.name = "extra", .listen = "127.0.0.1:0", .upstream = "127.0.0.1:1"}};
	struct fr_faults faults = {.proxies = want, .nproxies = 2};
	fr_toxi_add_toxic(t, "redis", "flowrun-keep", &lat);
	tap_is_int(fr_toxi_populate(t, &faults), FR_TOXI_OK, "populate: ok");
	fr_toxi_proxies_free(p, n);
	fr_toxi_proxies(t, &p, &n);
	tap_is_int((int64_t)n, 4, "populate: the missing proxy is created");
	tap_ok(n == 4 && strcmp(p[0].name, "clickhouse") == 0 && strcmp(p[1].name, "extra") == 0 && p[1].enabled &&
	               strcmp(p[1].upstream, "127.0.0.1:1") == 0,
	       "populate: extra, enabled, with its upstream");
	fr_toxi_proxies_free(p, n);
	tap_is_int(has_toxic(t, "redis", "flowrun-keep"), 1, "populate: an unchanged proxy keeps its toxics");
	fr_toxi_remove_toxic(t, "redis", "flowrun-keep");
	census(t, FR_TOXI_PREFIX, &toxics, &disabled);
	tap_ok(toxics == 0 && disabled == 0, "populate: clean afterwards");
}

/* Adds FAULT as a toxic to PROXY, reads it back and removes it. */
static void roundtrip(struct fr_toxi *t, const char *proxy, const struct fr_fault *f)
{
	char *name = fr_toxi_name("t", f->name, 0);
	char label[160];
	struct fr_toxi_toxic *tx = NULL;
	size_t n = 0;
	const struct fr_toxi_toxic *got = NULL;

	snprintf(label, sizeof label, "%s: added", f->name);
	tap_is_int(fr_toxi_add_toxic(t, proxy, name, f), FR_TOXI_OK, label);
	fr_toxi_toxics(t, proxy, &tx, &n);
	for (size_t i = 0; i < n; i++)
		if (strcmp(tx[i].name, name) == 0)
			got = &tx[i];
	snprintf(label, sizeof label, "%s: stored type, stream and toxicity", f->name);
	tap_ok(got && strcmp(got->type, fr_toxi_type_name(f->toxic)) == 0 && got->upstream == f->upstream &&
	               got->toxicity == f->toxicity,
	       label);
	int same = got && got->nattrs == f->nattrs;
	for (size_t i = 0; same && i < f->nattrs; i++) {
		int found = 0;
		for (size_t j = 0; j < got->nattrs; j++)
			found |= strcmp(got->attrs[j].name, f->attrs[i].name) == 0 &&
			         got->attrs[j].value == f->attrs[i].value;
		same &= found;
	}
	snprintf(label, sizeof label, "%s: stored exactly the attributes sent", f->name);
	if (!tap_ok(same, label) && got)
		for (size_t j = 0; j < got->nattrs; j++)
			printf("#   stored %s=%lld\n", got->attrs[j].name, (long long)got->attrs[j].value);
	fr_toxi_toxics_free(tx, n);
	snprintf(label, sizeof label, "%s: removed", f->name);
	tap_is_int(fr_toxi_remove_toxic(t, proxy, name), FR_TOXI_OK, label);
	snprintf(label, sizeof label, "%s: gone after removal", f->name);
	tap_is_int(has_toxic(t, proxy, name), 0, label);
	free(name);
}

/* Every toxic type with all its attributes. */
static void test_toxic_types(struct fr_toxi *t)
{
	char *px[] = {"redis"};
	struct fr_fault f;

	f = fault_of("latency", px, 1, FR_TOXIC_LATENCY);
	attr(&f, "latency", 500);
	attr(&f, "jitter", 20);
	roundtrip(t, "redis", &f);
	f = fault_of("bandwidth", px, 1, FR_TOXIC_BANDWIDTH);
	attr(&f, "rate", 100);
	f.upstream = 1;
	roundtrip(t, "redis", &f);
	f = fault_of("slow_close", px, 1, FR_TOXIC_SLOW_CLOSE);
	attr(&f, "delay", 250);
	f.toxicity = 0.5;
	roundtrip(t, "redis", &f);
	f = fault_of("timeout", px, 1, FR_TOXIC_TIMEOUT);
	attr(&f, "timeout", 0);
	roundtrip(t, "materialize", &f);
	f = fault_of("reset_peer", px, 1, FR_TOXIC_RESET_PEER);
	attr(&f, "timeout", 100);
	roundtrip(t, "clickhouse", &f);
	f = fault_of("slicer", px, 1, FR_TOXIC_SLICER);
	attr(&f, "average_size", 64);
	attr(&f, "size_variation", 16);
	attr(&f, "delay", 10);
	roundtrip(t, "redis", &f);
	f = fault_of("limit_data", px, 1, FR_TOXIC_LIMIT_DATA);
	attr(&f, "bytes", 1024);
	roundtrip(t, "redis", &f);
}

/* Removal of what is not there, a duplicate, and Toxiproxy's error text. */
static void test_errors(struct fr_toxi *t)
{
	char *px[] = {"redis"};
	struct fr_fault f = fault_of("dup", px, 1, FR_TOXIC_LATENCY);
	char *want;

	attr(&f, "latency", 1);
	tap_is_int(fr_toxi_remove_toxic(t, "redis", "flowrun-never-added"), FR_TOXI_OK,
	           "remove: a toxic that is not there counts as removed");
	tap_is_int(fr_toxi_remove_toxic(t, "nosuch", "flowrun-x"), FR_TOXI_OK,
	           "remove: on a proxy that is not there too");
	tap_is_int(fr_toxi_add_toxic(t, "redis", "flowrun-t-dup", &f), FR_TOXI_OK, "add once");
	tap_is_int(fr_toxi_add_toxic(t, "redis", "flowrun-t-dup", &f), FR_TOXI_CONFLICT, "add twice: conflict");
	want = xasprintf("toxiproxy at %s: POST /proxies/redis/toxics: toxic already exists (HTTP 409)", url);
	tap_is_str(fr_toxi_error(t), want, "conflict: Toxiproxy's own error text with the URL");
	free(want);
	fr_toxi_remove_toxic(t, "redis", "flowrun-t-dup");
	tap_is_int(fr_toxi_set_enabled(t, "nosuch", 0), FR_TOXI_NOT_FOUND, "disable a missing proxy");
	want = xasprintf("toxiproxy at %s: PATCH /proxies/nosuch: proxy not found (HTTP 404)", url);
	tap_is_str(fr_toxi_error(t), want, "missing proxy: error text");
	free(want);
}

/* down/up through PATCH. */
static void test_down_up(struct fr_toxi *t)
{
	tap_is_int(fr_toxi_set_enabled(t, "materialize", 0), FR_TOXI_OK, "disable materialize");
	tap_is_int(proxy_enabled(t, "materialize"), 0, "materialize is disabled");
	tap_is_int(fr_toxi_set_enabled(t, "materialize", 1), FR_TOXI_OK, "enable materialize");
	tap_is_int(proxy_enabled(t, "materialize"), 1, "materialize is enabled");
}

/* Leftovers of a crashed run go, other toxics and user-disabled proxies stay. */
static void test_leftovers(struct fr_toxi *t)
{
	char *px[] = {"redis"};
	struct fr_fault lat = fault_of("l", px, 1, FR_TOXIC_LATENCY);
	struct fr_toxi_leftovers lo;
	char *msg;
	int toxics, disabled;

	attr(&lat, "latency", 100);
	fr_toxi_add_toxic(t, "redis", "flowrun-old-latency-redis-60s", &lat);
	fr_toxi_add_marker(t, "clickhouse", "flowrun-old-down-down-clickhouse-120s");
	fr_toxi_set_enabled(t, "clickhouse", 0);
	fr_toxi_add_toxic(t, "materialize", "someone-elses", &lat);
	fr_toxi_set_enabled(t, "materialize", 0); /* disabled by a person, no marker */
	tap_is_int(fr_toxi_remove_leftovers(t, FR_TOXI_PREFIX, &lo), FR_TOXI_OK, "leftovers: ok");
	tap_is_int((int64_t)lo.ntoxics, 2, "leftovers: two toxics removed");
	if (lo.ntoxics == 2) {
		tap_is_str(lo.toxics[0], "clickhouse/flowrun-old-down-down-clickhouse-120s",
		           "leftovers: the down marker");
		tap_is_str(lo.toxics[1], "redis/flowrun-old-latency-redis-60s", "leftovers: the toxic");
	}
	tap_is_int((int64_t)lo.nenabled, 1, "leftovers: one proxy re-enabled");
	msg = fr_toxi_leftovers_message(&lo);
	tap_is_str(msg,
	           "removed 2 leftover toxics from an earlier run: "
	           "clickhouse/flowrun-old-down-down-clickhouse-120s, "
	           "redis/flowrun-old-latency-redis-60s; re-enabled proxy it had left disabled: "
	           "clickhouse",
	           "leftovers: the message");
	free(msg);
	fr_toxi_leftovers_clear(&lo);
	census(t, FR_TOXI_PREFIX, &toxics, &disabled);
	tap_is_int(toxics, 0, "leftovers: no flowrun toxic left (GET /proxies)");
	tap_is_int(proxy_enabled(t, "clickhouse"), 1, "leftovers: clickhouse enabled again");
	tap_is_int(proxy_enabled(t, "materialize"), 0, "leftovers: a proxy flowrun did not disable stays disabled");
	tap_is_int(has_toxic(t, "materialize", "someone-elses"), 1, "leftovers: other toxics stay");
	fr_toxi_remove_toxic(t, "materialize", "someone-elses");
	fr_toxi_set_enabled(t, "materialize", 1);

	fr_toxi_add_toxic(t, "redis", "flowrun-old2-x", &lat);
	tap_is_int(fr_toxi_remove_leftovers(t, FR_TOXI_PREFIX, &lo), FR_TOXI_OK, "leftovers: one");
	msg = fr_toxi_leftovers_message(&lo);
	tap_is_str(msg, "removed 1 leftover toxic from an earlier run: redis/flowrun-old2-x",
	           "leftovers: singular message");
	free(msg);
	fr_toxi_leftovers_clear(&lo);
}

/* A server that is not there: the message names the URL and the reason. */
static void test_unreachable(void)
{
	const char *dead = getenv("FR_TOXIPROXY_DEAD_URL");
	struct fr_toxi *t = fr_toxi_create(dead);
	char *v = NULL, *want;

	tap_is_int(fr_toxi_version(t, &v), FR_TOXI_UNREACHABLE, "unreachable: status");
	want = xasprintf("toxiproxy at %s is unreachable: Connection refused", dead);
	tap_is_str(fr_toxi_error(t), want, "unreachable: the message names the URL");
	free(want);
	tap_ok(v == NULL, "unreachable: no version");
	fr_toxi_free(t);
}

/* A plan with FAULTS and a one-pass timeline of ACTS. */
static void make_run(struct fr_plan *plan, struct fr_timeline *tl, struct fr_fault *faults, size_t nfaults,
                     struct fr_action *acts, size_t nacts)
{
	memset(plan, 0, sizeof(*plan));
	memset(tl, 0, sizeof(*tl));
	plan->faults.items = faults;
	plan->faults.n = nfaults;
	tl->plan = plan;
	tl->time_scale = 1.0;
	tl->npasses = 1;
	tl->pass_us = 60000 * MS;
	tl->actions = acts;
	tl->nactions = nacts;
}

/* One action. */
static struct fr_action act(int64_t at_us, enum fr_action_kind kind, int fault)
{
	struct fr_action a = {.at_us = at_us, .kind = kind, .scenario = -1, .stage = -1, .fault = fault, .window = -1};
	return a;
}

/* The executor on a short synthetic timeline: on time, applied, cleaned. */
static void test_executor_timeline(struct fr_toxi *t)
{
	char *px_r[] = {"redis"}, *px_m[] = {"materialize"};
	struct fr_fault faults[2] = {fault_of("latency-redis@100ms", px_r, 1, FR_TOXIC_LATENCY),
	                             fault_of("down-materialize@150ms", px_m, 1, FR_TOXIC_DOWN)};
	struct fr_action acts[] = {
	        act(0, FR_ACT_STAGE, -1),           act(100 * MS, FR_ACT_FAULT_ON, 0),
	        act(150 * MS, FR_ACT_FAULT_ON, 1),  act(300 * MS, FR_ACT_FAULT_OFF, 0),
	        act(350 * MS, FR_ACT_FAULT_OFF, 1),
	};
	struct fr_plan plan;
	struct fr_timeline tl;
	struct fr_faults_exec *f = NULL;
	int toxics, disabled;

	attr(&faults[0], "latency", 200);
	attr(&faults[0], "jitter", 0);
	make_run(&plan, &tl, faults, 2, acts, 5);
	int64_t t0 = mono_ns();
	tap_is_int(fr_faults_start(&plan, &tl, "e1", t, t0, &f), 0, "executor: started");
	sleep_ms(220);
	/* The executor owns the client now; look with a second one. */
	struct fr_toxi *look = fr_toxi_create(url);
	tap_is_int(has_toxic(look, "redis", "flowrun-e1-latency-redis-100ms"), 1,
	           "executor: the latency toxic is on at 220 ms");
	tap_is_int(has_toxic(look, "materialize", "flowrun-e1-down-down-materialize-150ms"), 1,
	           "executor: the down marker is on at 220 ms");
	tap_is_int(proxy_enabled(look, "materialize"), 0, "executor: materialize is down at 220 ms");
	tap_ok(fr_faults_active(f, 0) && fr_faults_active(f, 1), "executor: both faults active");
	sleep_ms(250);
	tap_ok(!fr_faults_active(f, 0) && !fr_faults_active(f, 1), "executor: both faults over at 470 ms");
	census(look, FR_TOXI_PREFIX, &toxics, &disabled);
	tap_ok(toxics == 0 && disabled == 0, "executor: all undone at 470 ms");
	tap_is_int(fr_faults_stop(f), 0, "executor: stop, nothing to clean");
	size_t n;
	const struct fr_fault_record *r = fr_faults_records(f, &n);
	tap_is_int((int64_t)n, 4, "executor: four actions recorded");
	for (size_t i = 0; i < n; i++) {
		char label[120];
		int64_t late = r[i].actual_us - r[i].intended_us;
		snprintf(label, sizeof label, "executor: action %zu (fault %d %s at %lld ms) ok, %lld us late", i,
		         r[i].fault, r[i].on ? "on" : "off", (long long)(r[i].intended_us / MS), (long long)late);
		tap_ok(r[i].ok && r[i].error == NULL && late >= 0 && late <= 10 * MS, label);
		printf("# lateness %lld us\n", (long long)late);
	}
	if (n == 4)
		tap_ok(r[0].fault == 0 && r[0].on && r[1].fault == 1 && r[1].on && r[2].fault == 0 && !r[2].on &&
		               r[3].fault == 1 && !r[3].on,
		       "executor: in timeline order");
	fr_faults_free(f);
	fr_toxi_free(look);
}

/* Stop in the middle of faults: nothing of the run stays in Toxiproxy. */
static void test_executor_stop_midway(struct fr_toxi *t)
{
	char *px_rc[] = {"redis", "clickhouse"}, *px_m[] = {"materialize"};
	struct fr_fault faults[2] = {fault_of("timeout-redis+clickhouse@50ms", px_rc, 2, FR_TOXIC_TIMEOUT),
	                             fault_of("down-materialize@50ms", px_m, 1, FR_TOXIC_DOWN)};
	struct fr_action acts[] = {
	        act(50 * MS, FR_ACT_FAULT_ON, 0),
	        act(50 * MS, FR_ACT_FAULT_ON, 1),
	        act(10000 * MS, FR_ACT_FAULT_OFF, 0),
	        act(10000 * MS, FR_ACT_FAULT_OFF, 1),
	};
	struct fr_plan plan;
	struct fr_timeline tl;
	struct fr_faults_exec *f = NULL;
	struct fr_toxi *look = fr_toxi_create(url);
	int toxics, disabled;

	attr(&faults[0], "timeout", 0);
	make_run(&plan, &tl, faults, 2, acts, 4);
	fr_faults_start(&plan, &tl, "s1", t, mono_ns(), &f);
	sleep_ms(300);
	census(look, FR_TOXI_PREFIX, &toxics, &disabled);
	tap_ok(toxics == 3 && disabled == 1, "midway: 2 toxics + 1 marker on, 1 proxy down");
	int64_t t1 = mono_ns();
	tap_is_int(fr_faults_stop(f), 0, "midway: stop cleans up");
	int64_t took = (mono_ns() - t1) / 1000000;
	tap_ok(took < 1000, "midway: stop returns at once (not at the 10 s off)");
	printf("# stop took %lld ms\n", (long long)took);
	census(look, FR_TOXI_PREFIX, &toxics, &disabled);
	tap_is_int(toxics, 0, "midway: no flowrun toxic left (GET /proxies)");
	tap_is_int(disabled, 0, "midway: every proxy enabled (GET /proxies)");
	tap_ok(!fr_faults_active(f, 0) && !fr_faults_active(f, 1), "midway: nothing active after stop");
	size_t n;
	fr_faults_records(f, &n);
	tap_is_int((int64_t)n, 2, "midway: the two applied actions recorded");
	tap_is_int(fr_faults_stop(f), 0, "midway: a second stop is harmless");
	fr_faults_free(f);

	/* Stop before anything was due, and free without stop. */
	fr_faults_start(&plan, &tl, "s2", t, mono_ns() + 1000000000LL, &f);
	tap_is_int(fr_faults_stop(f), 0, "early stop: nothing to do");
	fr_faults_records(f, &n);
	tap_is_int((int64_t)n, 0, "early stop: nothing recorded");
	fr_faults_free(f);
	fr_faults_start(&plan, &tl, "s3", t, mono_ns(), &f);
	sleep_ms(150);
	fr_faults_free(f);
	census(look, FR_TOXI_PREFIX, &toxics, &disabled);
	tap_ok(toxics == 0 && disabled == 0, "free without stop also cleans up");
	fr_toxi_free(look);
}

/* A toxic removed behind the executor's back (Toxiproxy restarted): fine. */
static void test_executor_toxic_vanished(struct fr_toxi *t)
{
	char *px[] = {"redis"};
	struct fr_fault faults[1] = {fault_of("latency-redis", px, 1, FR_TOXIC_LATENCY)};
	struct fr_action acts[] = {act(20 * MS, FR_ACT_FAULT_ON, 0), act(5000 * MS, FR_ACT_FAULT_OFF, 0)};
	struct fr_plan plan;
	struct fr_timeline tl;
	struct fr_faults_exec *f = NULL;
	struct fr_toxi *look = fr_toxi_create(url);

	attr(&faults[0], "latency", 10);
	attr(&faults[0], "jitter", 0);
	make_run(&plan, &tl, faults, 1, acts, 2);
	fr_faults_start(&plan, &tl, "v1", t, mono_ns(), &f);
	sleep_ms(150);
	tap_is_int(fr_toxi_remove_toxic(look, "redis", "flowrun-v1-latency-redis"), FR_TOXI_OK,
	           "vanished: removed behind the executor's back");
	tap_is_int(fr_faults_stop(f), 0, "vanished: stop counts a toxic already gone as removed");
	fr_faults_free(f);
	fr_toxi_free(look);
}

/* Sweeps: pass 1's actions wait for its re-base. */
static void test_executor_rebase(struct fr_toxi *t)
{
	char *px[] = {"clickhouse"};
	struct fr_fault faults[1] = {fault_of("latency-clickhouse", px, 1, FR_TOXIC_LATENCY)};
	struct fr_action acts[] = {
	        act(1000 * MS + 50 * MS, FR_ACT_FAULT_ON, 0),
	        act(1000 * MS + 100 * MS, FR_ACT_FAULT_OFF, 0),
	};
	struct fr_plan plan;
	struct fr_timeline tl;
	struct fr_faults_exec *f = NULL;
	size_t n;

	attr(&faults[0], "latency", 5);
	attr(&faults[0], "jitter", 0);
	make_run(&plan, &tl, faults, 1, acts, 2);
	tl.npasses = 2;
	tl.pass_us = 1000 * MS;
	acts[0].pass = acts[1].pass = 1;
	fr_faults_start(&plan, &tl, "p1", t, mono_ns() - 2000000000LL, &f);
	sleep_ms(150);
	fr_faults_records(f, &n);
	tap_is_int((int64_t)n, 0, "rebase: pass 1 waits for its start");
	fr_faults_rebase(f, 1, mono_ns());
	sleep_ms(200);
	fr_faults_stop(f);
	const struct fr_fault_record *r = fr_faults_records(f, &n);
	tap_is_int((int64_t)n, 2, "rebase: pass 1 ran after its re-base");
	if (n == 2) {
		int64_t late = r[0].actual_us - r[0].intended_us;
		tap_ok(r[0].intended_us == 1050 * MS && late >= 0 && late <= 10 * MS,
		       "rebase: on time relative to the pass start");
	}
	fr_faults_free(f);
}

/* The run-hook glue: every pass, the first too, starts at its FR_ACT_PASS. */
static void test_hooks(struct fr_toxi *t)
{
	char *px[] = {"redis"};
	struct fr_fault faults[1] = {fault_of("latency-redis", px, 1, FR_TOXIC_LATENCY)};
	struct fr_action acts[] = {act(0, FR_ACT_PASS, -1), act(50 * MS, FR_ACT_FAULT_ON, 0),
	                           act(100 * MS, FR_ACT_FAULT_OFF, 0)};
	struct fr_plan plan;
	struct fr_timeline tl;
	struct fr_faults_hook h;
	size_t n;
	int toxics, disabled;

	attr(&faults[0], "latency", 5);
	attr(&faults[0], "jitter", 0);
	make_run(&plan, &tl, faults, 1, acts, 3);
	h = (struct fr_faults_hook){.plan = &plan, .tl = &tl, .run_id = "k1", .toxi = t};
	int64_t t0 = mono_ns();
	tap_is_int(fr_faults_hook_start(t0, &h), 0, "hooks: started");
	sleep_ms(150); /* the pass's setup takes 150 ms */
	fr_faults_records(h.exec, &n);
	tap_is_int((int64_t)n, 0, "hooks: nothing fires before the pass starts");
	int64_t pass_t0 = mono_ns();
	fr_faults_hook_action(&acts[0], &h);
	fr_faults_hook_action(&acts[1], &h); /* fault actions are the executor's */
	sleep_ms(200);
	fr_faults_hook_stop(&h);
	const struct fr_fault_record *r = fr_faults_records(h.exec, &n);
	tap_is_int((int64_t)n, 2, "hooks: both actions ran");
	if (n == 2) {
		int64_t late = r[0].actual_us - r[0].intended_us;
		tap_ok(r[0].ok && r[1].ok && late >= 0 && late <= 10 * MS, "hooks: on time from the pass start");
		printf("# pass started %lld ms after on_start\n", (long long)((pass_t0 - t0) / 1000000));
	}
	census(t, FR_TOXI_PREFIX, &toxics, &disabled);
	tap_ok(toxics == 0 && disabled == 0, "hooks: clean after on_stop");
	fr_faults_free(h.exec);
}

/* Starts toxiproxy-server number 2 (after DELAY_MS in the child); its pid. */
static pid_t start_server2(long delay_ms)
{
	const char *bin = getenv("FR_TOXIPROXY_SERVER");
	const char *conf = getenv("FR_TOXIPROXY_CONFIG2");
	const char *port = getenv("FR_TOXIPROXY_PORT2");
	pid_t pid = fork();

	if (pid == 0) {
		if (delay_ms)
			sleep_ms(delay_ms);
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		dup2(null, 2);
		execl(bin, bin, "-host", "127.0.0.1", "-port", port, "-config", conf, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Waits until T answers GET /version (up to 5 s). */
static int wait_up(struct fr_toxi *t)
{
	for (int i = 0; i < 100; i++) {
		char *v = NULL;
		if (fr_toxi_version(t, &v) == FR_TOXI_OK) {
			free(v);
			return 1;
		}
		sleep_ms(50);
	}
	return 0;
}

/* Kills a server. */
static void kill_server(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* Toxiproxy dies mid-run and comes back during cleanup; and stays dead. */
static void test_executor_server_dies(void)
{
	char url2[64];
	char *px[] = {"redis"};
	struct fr_fault faults[1] = {fault_of("down-redis", px, 1, FR_TOXIC_DOWN)};
	struct fr_action acts[] = {
	        act(50 * MS, FR_ACT_FAULT_ON, 0),
	        act(400 * MS, FR_ACT_FAULT_OFF, 0),
	};
	struct fr_plan plan;
	struct fr_timeline tl;
	struct fr_faults_exec *f = NULL;
	size_t n;

	snprintf(url2, sizeof url2, "http://127.0.0.1:%s", getenv("FR_TOXIPROXY_PORT2"));
	struct fr_toxi *t2 = fr_toxi_create(url2);
	pid_t pid = start_server2(0);
	if (!tap_ok(wait_up(t2), "server 2 started")) {
		kill_server(pid);
		fr_toxi_free(t2);
		return;
	}
	make_run(&plan, &tl, faults, 1, acts, 2);
	fr_faults_start(&plan, &tl, "d1", t2, mono_ns(), &f);
	sleep_ms(200);
	kill_server(pid);          /* down before the off action at 400 ms */
	pid = start_server2(1000); /* back 1 s later, with its config: no toxics */
	sleep_ms(400);
	int64_t t1 = mono_ns();
	int rc = fr_faults_stop(f);
	int64_t took = (mono_ns() - t1) / 1000000;
	tap_is_int(rc, 0, "server died: cleanup retried until it was back");
	tap_ok(took >= 300 && took < 5000, "server died: cleanup waited for it, within the budget");
	printf("# cleanup took %lld ms\n", (long long)took);
	const struct fr_fault_record *r = fr_faults_records(f, &n);
	tap_is_int((int64_t)n, 2, "server died: both actions recorded");
	if (n == 2) {
		char *want = xasprintf("toxiproxy at %s is unreachable: Connection refused", url2);
		tap_ok(r[0].ok, "server died: the on action succeeded");
		tap_ok(!r[1].ok, "server died: the off action failed");
		tap_is_str(r[1].error, want, "server died: the failure is recorded with the URL");
		free(want);
	}
	tap_is_int(proxy_enabled(t2, "redis"), 1, "server died: redis enabled on the new server");
	fr_faults_free(f);

	/* Dead for good: cleanup gives up after its budget and says what is left. */
	fr_faults_start(&plan, &tl, "d2", t2, mono_ns(), &f);
	sleep_ms(150);
	kill_server(pid);
	t1 = mono_ns();
	rc = fr_faults_stop(f);
	took = (mono_ns() - t1) / 1000000;
	tap_is_int(rc, -1, "server gone: stop reports failure");
	tap_ok(took >= 4000 && took <= 6500, "server gone: retried for about 5 s");
	printf("# gave up after %lld ms\n", (long long)took);
	char *const *unclean = fr_faults_unclean(f, &n);
	tap_is_int((int64_t)n, 1, "server gone: one thing left");
	if (n == 1) {
		char *want = xasprintf("could not re-enable proxy redis (fault down-redis): toxiproxy at "
		                       "%s is unreachable: Connection refused",
		                       url2);
		tap_is_str(unclean[0], want, "server gone: what is left, and why");
		free(want);
	}
	tap_is_int(fr_faults_stop(f), -1, "server gone: a second stop returns the same");
	fr_faults_free(f);
	fr_toxi_free(t2);
}

/* Toxiproxy hangs (SIGSTOP) during an add and resumes during cleanup: the
 * add that timed out is still undone, even if Toxiproxy applies it late. */
static void test_executor_server_hangs(void)
{
	char url2[64];
	char *px[] = {"redis"};
	struct fr_fault faults[1] = {fault_of("latency-redis", px, 1, FR_TOXIC_LATENCY)};
	struct fr_action acts[] = {act(100 * MS, FR_ACT_FAULT_ON, 0), act(10000 * MS, FR_ACT_FAULT_OFF, 0)};
	struct fr_plan plan;
	struct fr_timeline tl;
	struct fr_faults_exec *f = NULL;
	int toxics, disabled;
	size_t n;

	snprintf(url2, sizeof url2, "http://127.0.0.1:%s", getenv("FR_TOXIPROXY_PORT2"));
	struct fr_toxi *t2 = fr_toxi_create(url2);
	struct fr_toxi *look = fr_toxi_create(url2);
	pid_t pid = start_server2(0);
	if (!tap_ok(wait_up(look), "server 2 started again")) {
		kill_server(pid);
		fr_toxi_free(t2);
		fr_toxi_free(look);
		return;
	}
	attr(&faults[0], "latency", 100);
	attr(&faults[0], "jitter", 0);
	make_run(&plan, &tl, faults, 1, acts, 2);
	kill(pid, SIGSTOP);
	pid_t waker = fork();
	if (waker == 0) {
		sleep_ms(3500);
		kill(pid, SIGCONT);
		_exit(0);
	}
	fr_faults_start(&plan, &tl, "h1", t2, mono_ns(), &f);
	sleep_ms(400);
	int64_t t1 = mono_ns();
	int rc = fr_faults_stop(f);
	int64_t took = (mono_ns() - t1) / 1000000;
	waitpid(waker, NULL, 0);
	tap_is_int(rc, 0, "server hung: stop cleaned up once it answered");
	tap_ok(took >= 2500 && took < 8000, "server hung: stop waited for the call in flight, then cleaned");
	printf("# stop took %lld ms\n", (long long)took);
	const struct fr_fault_record *r = fr_faults_records(f, &n);
	if (tap_is_int((int64_t)n, 1, "server hung: the on action recorded")) {
		char *want = xasprintf("toxiproxy at %s is unreachable: no answer within 3000 ms", url2);
		tap_ok(!r[0].ok, "server hung: the on action failed");
		tap_is_str(r[0].error, want, "server hung: timeout recorded with the URL");
		free(want);
	}
	census(look, FR_TOXI_PREFIX, &toxics, &disabled);
	tap_ok(toxics == 0 && disabled == 0, "server hung: no flowrun toxic left");
	sleep_ms(300);
	census(look, FR_TOXI_PREFIX, &toxics, &disabled);
	tap_ok(toxics == 0 && disabled == 0, "server hung: still none 300 ms later");
	fr_faults_free(f);
	kill_server(pid);
	fr_toxi_free(t2);
	fr_toxi_free(look);
}

/* Milliseconds one `redis-cli -p PORT ping` takes; -1 unless it said PONG. */
static long redis_ping_ms(const char *port)
{
	char cmd[128], out[64] = "";
	int64_t t0 = mono_ns();
	FILE *p;

	snprintf(cmd, sizeof cmd, "timeout 5 redis-cli -h 127.0.0.1 -p %s ping 2>&1", port);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	if (!fgets(out, sizeof out, p))
		out[0] = '\0';
	pclose(p);
	if (strncmp(out, "PONG", 4) != 0)
		return -1;
	return (long)((mono_ns() - t0) / 1000000);
}

/* The fastest of three pings; -1 if one failed. */
static long min_ping_ms(const char *port)
{
	long best = -1;

	for (int i = 0; i < 3; i++) {
		long ms_ = redis_ping_ms(port);
		if (ms_ < 0)
			return -1;
		if (best < 0 || ms_ < best)
			best = ms_;
	}
	return best;
}

/* A real latency toxic in front of a real redis-server. */
static void test_redis_latency(struct fr_toxi *t)
{
	const char *port = getenv("FR_REDIS_PROXY_PORT");
	char *px[] = {"redis"};
	struct fr_fault f = fault_of("redis-latency", px, 1, FR_TOXIC_LATENCY);
	long base, slow, after;

	attr(&f, "latency", 300);
	attr(&f, "jitter", 0);
	/* Each figure is the fastest of three pings: starting redis-cli on a
	 * busy machine adds noise, a toxic adds a floor. */
	base = min_ping_ms(port);
	tap_ok(base >= 0 && base < 150, "redis: PONG through the proxy, fast");
	fr_toxi_add_toxic(t, "redis", "flowrun-r-latency", &f);
	slow = min_ping_ms(port);
	tap_ok(slow >= 300 && slow < 1000, "redis: +300 ms latency toxic takes effect");
	fr_toxi_remove_toxic(t, "redis", "flowrun-r-latency");
	after = min_ping_ms(port);
	tap_ok(after >= 0 && after < 150, "redis: fast again after removal");
	printf("# redis-cli ping: %ld ms, with toxic %ld ms, after %ld ms\n", base, slow, after);
	fr_toxi_set_enabled(t, "redis", 0);
	tap_is_int(redis_ping_ms(port), -1, "redis: no PONG while the proxy is down");
	fr_toxi_set_enabled(t, "redis", 1);
	tap_ok(redis_ping_ms(port) >= 0, "redis: PONG again once it is up");
}

int main(void)
{
	struct fr_toxi *t;

	test_names();
	url = getenv("FR_TOXIPROXY_URL");
	if (!url)
		return tap_done();
	t = fr_toxi_create(url);
	test_version_and_list(t);
	test_check_proxies(t);
	test_toxic_types(t);
	test_errors(t);
	test_down_up(t);
	test_leftovers(t);
	test_unreachable();
	test_populate(t);
	test_executor_timeline(t);
	test_executor_stop_midway(t);
	test_executor_toxic_vanished(t);
	test_executor_rebase(t);
	test_hooks(t);
	if (getenv("FR_TOXIPROXY_PORT2")) {
		test_executor_server_dies();
		test_executor_server_hangs();
	}
	if (getenv("FR_REDIS_PROXY_PORT"))
		test_redis_latency(t);
	int toxics, disabled;
	census(t, FR_TOXI_PREFIX, &toxics, &disabled);
	tap_ok(toxics == 0 && disabled == 0, "nothing of flowrun left in the server at the end");
	fr_toxi_free(t);
	return tap_done();
}
