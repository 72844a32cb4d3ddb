/* test-ws.c: unit tests of the WebSocket driver that need no server.
 *
 * The viewer share of each thread, an empty event table, creating a driver
 * (a host name resolved at creation; a port out of range refused with the
 * exact message a user sees). A driver created and freed without viewers
 * must leave nothing behind (LeakSanitizer). Deliveries, loss and reconnects
 * are tested against the fixture in tests/e2e/ws.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "engine/loop.h"
#include "result/results.h"
#include "plan/compile.h"
#include "plan/load.h"
#include "plan/timeline.h"
#include "engine/ws_driver.h"
#include "engine/ws_match.h"
#include "engine/ws_table.h"
#include "util/xmalloc.h"

/* Writes a websocket plan with CONNECT and MATCH to a temporary file. */
static char *write_plan(const char *connect, const char *match)
{
	char *path = xstrdup("/tmp/test-ws-XXXXXX.yaml");
	int fd = mkstemps(path, 5);
	FILE *f = fdopen(fd, "w");
	fprintf(f,
	        "version: 1\n"
	        "name: ws-unit\n"
	        "target: { base_url: \"http://127.0.0.1:9\" }\n"
	        "scenarios:\n"
	        "  - name: viewers\n"
	        "    model: websocket\n"
	        "    connect: \"%s\"\n"
	        "    stages: [{ viewers: 7, for: 1s }, { viewers: 3, for: 1s }]\n"
	        "    publish: { method: POST, path: /e, json: { id: \"${event_id}\" } }\n"
	        "    rate: 10/s\n"
	        "    match: '%s'\n",
	        connect, match);
	fclose(f);
	return path;
}

/* Creates a driver for a plan with CONNECT and MATCH; returns the error or "ok". */
static char *try_create(const char *connect, const char *match)
{
	struct fr_diags diags;
	struct fr_plan *plan = NULL;
	struct fr_timeline *tl = NULL;
	char *path = write_plan(connect, match), *err = NULL, *out;
	memset(&diags, 0, sizeof diags);
	if (fr_plan_load(path, &diags, &plan) || fr_compile(plan, 1.0, &diags, &tl)) {
		fr_diag_print(&diags, stdout);
		fr_diag_clear(&diags);
		fr_plan_free(plan);
		unlink(path);
		free(path);
		return xstrdup("plan error");
	}
	struct fr_loop *loop = fr_loop_create(4);
	struct fr_results *res = fr_results_create(tl);
	struct fr_http_target tgt = {.base_url = plan->base_url,
	                             .timeout_us = plan->timeout_us,
	                             .headers = &plan->headers,
	                             .auth_headers = &plan->auth_headers,
	                             .ca_file = plan->ca_file};
	struct fr_varstore vars;
	memset(&vars, 0, sizeof vars);
	struct fr_ws_table *t = fr_ws_table_create(&plan->scenarios[0]);
	struct fr_ws_driver *d = fr_ws_driver_create(loop, plan, 0, 1, 2, res, &tgt, &vars, t, &err);
	if (d) {
		out = xasprintf("ok wanted=%ld connected=%ld", fr_ws_driver_wanted(d), fr_ws_driver_connected(d));
		fr_ws_driver_free(d);
	} else {
		out = err ? err : xstrdup("(no message)");
	}
	fr_ws_table_free(t);
	fr_results_free(res);
	fr_loop_free(loop);
	fr_timeline_free(tl);
	fr_plan_free(plan);
	unlink(path);
	free(path);
	return out;
}

/* The tests, in the order of the file comment. */
int main(void)
{
	long sum = 0;
	for (int t = 0; t < 3; t++)
		sum += fr_ws_driver_share(10, t, 3);
	tap_is_int(fr_ws_driver_share(10, 0, 3), 4, "share: thread 0 of 3 gets 4 of 10");
	tap_is_int(fr_ws_driver_share(10, 2, 3), 3, "share: thread 2 of 3 gets 3 of 10");
	tap_is_int(sum, 10, "share: the shares add up to the total");
	tap_is_int(fr_ws_driver_share(1, 1, 2), 0, "share: one viewer goes to thread 0 only");

	char *r = try_create("/ws/dashboards/d1", "\"id\":\"(e[0-9]+)\"");
	tap_is_str(r, "ok wanted=0 connected=0", "create and free a driver without viewers");
	free(r);
	r = try_create("ws://localhost:9/x", "(e[0-9]+)");
	tap_is_str(r, "ok wanted=0 connected=0", "a host name is resolved once, at creation");
	free(r);
	r = try_create("ws://127.0.0.1:99999/x", "(e[0-9]+)");
	tap_is_str(r, "websocket URL 'ws://127.0.0.1:99999/x': cannot resolve host or bad port",
	           "a port out of range is refused");
	free(r);

	struct fr_scenario sc;
	memset(&sc, 0, sizeof sc);
	sc.ws.publish_rate = 10;
	sc.ws.deadline_us = 5000000;
	struct fr_ws_table *t = fr_ws_table_create(&sc);
	char *sum_text = fr_ws_table_summary(t);
	tap_is_int((int64_t)fr_ws_table_published(t), 0, "a new table has no event");
	tap_is_int(fr_ws_table_connected(t), 0, "a new table has no viewer");
	tap_ok(sum_text == NULL, "no rejection, no summary line");
	free(sum_text);
	fr_ws_table_free(t);

	tap_is_int((int64_t)fr_ws_match_parse_id("e42", 3), 42, "event id: e42 is 42");
	tap_ok(fr_ws_match_parse_id("e9999999999999999999", 20) == UINT64_C(9999999999999999999),
	       "event id: 19 digits fit");
	tap_is_int((int64_t)fr_ws_match_parse_id("e99999999999999999999", 21), 0,
	           "event id: 20 digits are not an id (they would wrap)");
	tap_is_int((int64_t)fr_ws_match_parse_id("e18446744073709551617", 21), 0,
	           "event id: 2^64 + 1 is not an id (it wrapped to 1)");
	tap_is_int((int64_t)fr_ws_match_parse_id("x1", 2), 0, "event id: not starting with e");
	return tap_done();
}
