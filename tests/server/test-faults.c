/* test-faults.c: the fault executor against a real toxiproxy-server.
 *
 * tests/e2e/toxiproxy.sh starts toxiproxy-server (and a redis-server behind
 * its `redis` proxy) on free loopback ports and runs this program, after
 * test-toxiproxy, with:
 *   FR_TOXIPROXY_URL      the API of the running server (proxies redis,
 *                         materialize, clickhouse)
 *   FR_TOXIPROXY_SERVER, FR_TOXIPROXY_CONFIG2, FR_TOXIPROXY_PORT2
 *                         to start (and kill, and restart) a second server
 * Without FR_TOXIPROXY_URL it is skipped. The executor runs short synthetic
 * timelines; every check looks at what Toxiproxy really holds afterwards
 * (GET /proxies, through a second client: the executor owns its own).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chaos/faults.h"
#include "chaos/toxiproxy.h"
#include "util/clock.h"
#include "util/xmalloc.h"
#include "tap.h"

#include "toxiproxy-fixture.h"

static const char *url;
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
	int64_t t0 = fr_clock_mono_ns();
	tap_is_int(fr_faults_start(&plan, &tl, "e1", t, t0, &f), 0, "executor: started");
	sleep_ms(220);
	/* The executor owns the client now; look with a second one. */
	struct fr_toxi *look = fr_toxi_create(url);
	int64_t expiry = 0;
	char *name = flowrun_toxic(look, "redis", "e1-latency-redis-100ms", &expiry);
	tap_ok(name != NULL, "executor: the latency toxic is on at 220 ms");
	int64_t want = (int64_t)fr_clock_wall_s() + FR_TOXI_GRACE_S; /* the fault lasts 200 ms */
	tap_ok(expiry >= want - 2 && expiry <= want + 2,
	       "executor: it is named with its expiry, the fault's end plus FR_TOXI_GRACE_S");
	free(name);
	name = flowrun_toxic(look, "materialize", "e1-down-down-materialize-150ms", NULL);
	tap_ok(name != NULL, "executor: the down marker is on at 220 ms");
	free(name);
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
	fr_faults_start(&plan, &tl, "s1", t, fr_clock_mono_ns(), &f);
	sleep_ms(300);
	census(look, FR_TOXI_PREFIX, &toxics, &disabled);
	tap_ok(toxics == 3 && disabled == 1, "midway: 2 toxics + 1 marker on, 1 proxy down");
	int64_t t1 = fr_clock_mono_ns();
	tap_is_int(fr_faults_stop(f), 0, "midway: stop cleans up");
	int64_t took = (fr_clock_mono_ns() - t1) / 1000000;
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
	fr_faults_start(&plan, &tl, "s2", t, fr_clock_mono_ns() + 1000000000LL, &f);
	tap_is_int(fr_faults_stop(f), 0, "early stop: nothing to do");
	fr_faults_records(f, &n);
	tap_is_int((int64_t)n, 0, "early stop: nothing recorded");
	fr_faults_free(f);
	fr_faults_start(&plan, &tl, "s3", t, fr_clock_mono_ns(), &f);
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
	fr_faults_start(&plan, &tl, "v1", t, fr_clock_mono_ns(), &f);
	sleep_ms(150);
	char *name = flowrun_toxic(look, "redis", "v1-latency-redis", NULL);
	tap_is_int(name ? fr_toxi_remove_toxic(look, "redis", name) : -1, FR_TOXI_OK,
	           "vanished: removed behind the executor's back");
	free(name);
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
	fr_faults_start(&plan, &tl, "p1", t, fr_clock_mono_ns() - 2000000000LL, &f);
	sleep_ms(150);
	fr_faults_records(f, &n);
	tap_is_int((int64_t)n, 0, "rebase: pass 1 waits for its start");
	fr_faults_rebase(f, 1, fr_clock_mono_ns());
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
	int64_t t0 = fr_clock_mono_ns();
	tap_is_int(fr_faults_hook_start(t0, &h), 0, "hooks: started");
	sleep_ms(150); /* the pass's setup takes 150 ms */
	fr_faults_records(h.exec, &n);
	tap_is_int((int64_t)n, 0, "hooks: nothing fires before the pass starts");
	int64_t pass_t0 = fr_clock_mono_ns();
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
	fr_faults_start(&plan, &tl, "d1", t2, fr_clock_mono_ns(), &f);
	sleep_ms(200);
	kill_server(pid);          /* down before the off action at 400 ms */
	pid = start_server2(1000); /* back 1 s later, with its config: no toxics */
	sleep_ms(400);
	int64_t t1 = fr_clock_mono_ns();
	int rc = fr_faults_stop(f);
	int64_t took = (fr_clock_mono_ns() - t1) / 1000000;
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
	fr_faults_start(&plan, &tl, "d2", t2, fr_clock_mono_ns(), &f);
	sleep_ms(150);
	kill_server(pid);
	t1 = fr_clock_mono_ns();
	rc = fr_faults_stop(f);
	took = (fr_clock_mono_ns() - t1) / 1000000;
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
	fr_faults_start(&plan, &tl, "h1", t2, fr_clock_mono_ns(), &f);
	sleep_ms(400);
	int64_t t1 = fr_clock_mono_ns();
	int rc = fr_faults_stop(f);
	int64_t took = (fr_clock_mono_ns() - t1) / 1000000;
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
int main(void)
{
	struct fr_toxi *t;

	url = getenv("FR_TOXIPROXY_URL");
	if (!url) {
		printf("1..0 # SKIP FR_TOXIPROXY_URL not set (tests/e2e/toxiproxy.sh sets it)\n");
		return 0;
	}
	t = fr_toxi_create(url);
	test_executor_timeline(t);
	test_executor_stop_midway(t);
	test_executor_toxic_vanished(t);
	test_executor_rebase(t);
	test_hooks(t);
	if (getenv("FR_TOXIPROXY_PORT2")) {
		test_executor_server_dies();
		test_executor_server_hangs();
	}
	int toxics, disabled;
	census(t, FR_TOXI_PREFIX, &toxics, &disabled);
	tap_ok(toxics == 0 && disabled == 0, "nothing of flowrun left in the server at the end");
	fr_toxi_free(t);
	return tap_done();
}
