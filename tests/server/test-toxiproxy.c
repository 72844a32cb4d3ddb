/* test-toxiproxy.c: the Toxiproxy client against a real toxiproxy-server.
 *
 * tests/e2e/toxiproxy.sh starts toxiproxy-server (and a redis-server behind
 * its `redis` proxy) on free loopback ports and runs this program with:
 *   FR_TOXIPROXY_URL      the API of the running server (proxies redis,
 *                         materialize, clickhouse)
 *   FR_TOXIPROXY_VERSION  what that server's GET /version says
 *   FR_TOXIPROXY_DEAD_URL a URL on a port where nothing listens
 *   FR_REDIS_PROXY_PORT   the listen port of the redis proxy
 * Without FR_TOXIPROXY_URL it only runs the checks that need no server.
 * Every check looks at what Toxiproxy really holds afterwards (GET /proxies).
 * The fault executor has its own test, test-faults.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chaos/toxiproxy.h"
#include "util/clock.h"
#include "util/xmalloc.h"
#include "tap.h"

#include "toxiproxy-fixture.h"

static const char *url;

/* Names need no server. */
static void test_names(void)
{
	const int64_t e = 1767000000;
	char *s = fr_toxi_name("r1", "timeout-clickhouse@30s", 0, e);
	tap_is_str(s, "flowrun-1767000000-r1-timeout-clickhouse-30s", "toxic name: expiry, run, fault, in [a-z0-9-]");
	free(s);
	s = fr_toxi_name("Run_7", "latency-redis+clickhouse@1m30s", 0, e);
	tap_is_str(s, "flowrun-1767000000-run-7-latency-redis-clickhouse-1m30s", "upper case and runs of '-'");
	free(s);
	s = fr_toxi_name("r1", "down-redis@120s", 1, e);
	tap_is_str(s, "flowrun-1767000000-r1-down-down-redis-120s", "down marker name");
	free(s);
	s = fr_toxi_name("r1", "x!!", 0, e);
	tap_is_str(s, "flowrun-1767000000-r1-x", "no trailing '-'");
	free(s);
	s = fr_toxi_name("-a/b-", "f", 0, e);
	tap_is_str(s, "flowrun-1767000000-a-b-f", "a run id's leading and trailing '-' go");
	free(s);
	int64_t got = 0;
	tap_ok(fr_toxi_name_expiry("flowrun-1767000000-r1-x", &got) == 1 && got == e, "the expiry reads back");
	tap_is_int(fr_toxi_name_expiry("flowrun-20261203-000612-183c-slow", &got), 0,
	           "a name of flowrun before expiries (a dated run id) has none");
	tap_is_int(fr_toxi_name_expiry("flowrun-old-x", &got), 0, "nor has flowrun-old-x");
	tap_is_int(fr_toxi_name_expiry("someone-elses", &got), -1, "another name is not flowrun's");
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
	char *name = fr_toxi_name("t", f->name, 0, 1767000000);
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
	struct fr_toxi_sweep expired = {.now_unix = (int64_t)fr_clock_wall_s()};
	char *msg;
	int toxics, disabled;

	attr(&lat, "latency", 100);
	fr_toxi_add_toxic(t, "redis", "flowrun-old-latency-redis-60s", &lat);
	fr_toxi_add_marker(t, "clickhouse", "flowrun-old-down-down-clickhouse-120s");
	fr_toxi_set_enabled(t, "clickhouse", 0);
	fr_toxi_add_toxic(t, "materialize", "someone-elses", &lat);
	fr_toxi_set_enabled(t, "materialize", 0); /* disabled by a person, no marker */
	tap_is_int(fr_toxi_remove_leftovers(t, &expired, &lo), FR_TOXI_OK, "leftovers: ok");
	tap_is_int((int64_t)lo.ntoxics, 2, "leftovers: two toxics without an expiry removed");
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
	tap_is_int(fr_toxi_remove_leftovers(t, &expired, &lo), FR_TOXI_OK, "leftovers: one");
	msg = fr_toxi_leftovers_message(&lo);
	tap_is_str(msg, "removed 1 leftover toxic from an earlier run: redis/flowrun-old2-x",
	           "leftovers: singular message");
	free(msg);
	fr_toxi_leftovers_clear(&lo);
}

/* Toxics of a run still going stay; expired ones, a named run's and --clean-leftovers' all go. */
static void test_expiry(struct fr_toxi *t)
{
	char *px[] = {"redis"};
	struct fr_fault lat = fault_of("l", px, 1, FR_TOXIC_LATENCY);
	int64_t now = (int64_t)fr_clock_wall_s();
	char *active = fr_toxi_name("other-run", "slow", 0, now + 40);
	char *marker = fr_toxi_name("other-run", "cut", 1, now + 40);
	char *past = fr_toxi_name("crashed", "slow", 0, now - 1);
	char *mine = fr_toxi_name("me", "slow", 0, now + 40);
	struct fr_toxi_leftovers lo;
	struct fr_toxi_sweep sw = {.run_id = "me", .now_unix = now};
	char *msg, *want;

	attr(&lat, "latency", 100);
	fr_toxi_add_toxic(t, "redis", active, &lat);
	fr_toxi_add_marker(t, "clickhouse", marker);
	fr_toxi_set_enabled(t, "clickhouse", 0);
	fr_toxi_add_toxic(t, "redis", past, &lat);
	fr_toxi_add_toxic(t, "materialize", mine, &lat);
	tap_is_int(fr_toxi_remove_leftovers(t, &sw, &lo), FR_TOXI_OK, "expiry: ok");
	tap_is_int((int64_t)lo.ntoxics, 2, "expiry: the expired toxic and this run's own go");
	tap_ok(has_toxic(t, "redis", active) == 1 && has_toxic(t, "clickhouse", marker) == 1,
	       "expiry: another run's active toxic and down marker stay");
	tap_is_int(proxy_enabled(t, "clickhouse"), 0, "expiry: the proxy another run has down stays down");
	msg = fr_toxi_kept_message(&lo, now);
	want = xasprintf("left 2 toxics of another run in place (they expire within 40s; --clean-leftovers "
	                 "removes them now): clickhouse/%s, redis/%s",
	                 marker, active);
	tap_is_str(msg, want, "expiry: the message says what stays and until when");
	free(want);
	free(msg);
	fr_toxi_leftovers_clear(&lo);

	struct fr_toxi_sweep named = {.also_run_id = "other-run"};
	tap_is_int(fr_toxi_remove_leftovers(t, &named, &lo), FR_TOXI_OK, "expiry: a named run");
	tap_ok(lo.ntoxics == 2 && lo.nenabled == 1 && proxy_enabled(t, "clickhouse") == 1,
	       "expiry: a named run's toxics go, and its down proxy comes back");
	fr_toxi_leftovers_clear(&lo);

	fr_toxi_add_toxic(t, "redis", active, &lat);
	struct fr_toxi_sweep all = {.all = 1};
	tap_is_int(fr_toxi_remove_leftovers(t, &all, &lo), FR_TOXI_OK, "expiry: all");
	tap_is_int((int64_t)lo.ntoxics, 1, "expiry: all removes an active toxic too");
	fr_toxi_leftovers_clear(&lo);
	int toxics, disabled;
	census(t, FR_TOXI_PREFIX, &toxics, &disabled);
	tap_ok(toxics == 0 && disabled == 0, "expiry: clean afterwards");
	free(active);
	free(marker);
	free(past);
	free(mine);
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

/* Milliseconds one `redis-cli -p PORT ping` takes; -1 unless it said PONG. */
static long redis_ping_ms(const char *port)
{
	char cmd[128], out[64] = "";
	int64_t t0 = fr_clock_mono_ns();
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
	return (long)((fr_clock_mono_ns() - t0) / 1000000);
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
	test_expiry(t);
	test_unreachable();
	test_populate(t);
	if (getenv("FR_REDIS_PROXY_PORT"))
		test_redis_latency(t);
	int toxics, disabled;
	census(t, FR_TOXI_PREFIX, &toxics, &disabled);
	tap_ok(toxics == 0 && disabled == 0, "nothing of flowrun left in the server at the end");
	fr_toxi_free(t);
	return tap_done();
}
