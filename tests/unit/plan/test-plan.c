/* test-plan.c: loading plans into the structs of plan.h, extends merging and positions. */
#include <stdlib.h>
#include <unistd.h>

#include "plan/load.h"
#include "plan/plan.h"
#include "tap.h"

static char dir[] = "/tmp/fr-test-plan-XXXXXX";

/* Writes TEXT to DIR/NAME. */
static void put(const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

/* Loads DIR/NAME; returns the plan (NULL on failure) and the printed diagnostics in *out. */
static struct fr_plan *load(const char *name, char **out)
{
	char path[256], *buf = NULL;
	size_t len = 0;
	struct fr_diags d = {0};
	struct fr_plan *p = NULL;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	fr_plan_load(path, &d, &p);
	fr_diag_sort(&d);
	FILE *f = open_memstream(&buf, &len);
	fr_diag_print(&d, f);
	fclose(f);
	fr_diag_clear(&d);
	*out = buf;
	return p;
}

static const char base_yaml[] =
        "version: 1\n"
        "name: base\n"
        "target:\n"
        "  base_url: ${env:FR_TEST_URL:-http://127.0.0.1:9}\n"
        "  timeout: 3s\n"
        "  headers: { X-A: a }\n"
        "auth:\n"
        "  request: { method: POST, path: /login, json: { user: u, n: 5, ok: true, pw: \"${env:FR_TEST_PW:-pw}\" } }\n"
        "  capture: { token: { json: $.token } }\n"
        "  headers: { Authorization: \"Bearer ${token}\" }\n"
        "faults:\n"
        "  toxiproxy: http://127.0.0.1:8474\n"
        "  proxies: proxies.json\n";

static const char child_yaml[] =
        "extends: base.yaml\n"
        "name: child\n"
        "target:\n"
        "  timeout: 2s\n"
        "scenarios:\n"
        "  - name: q\n"
        "    model: open\n"
        "    arrival: poisson\n"
        "    stages:\n"
        "      - { name: warm, rate: 600/m, for: 30s }\n"
        "      - { rate: 50/s, for: 1m }\n"
        "    requests:\n"
        "      - { name: r1, weight: 3, path: \"/q?k=${rand:1..9}\", timeout: 500ms }\n"
        "      - name: dash\n"
        "        steps:\n"
        "          - { name: d, path: /d, capture: { w: { json: \"$.widgets[*]\" }, id: { regex: \"id=(\\\\d+)\" }, "
        "nc: { regex: \"(?:a|b)c\" } } }\n"
        "          - { name: wd, each: w, url: \"http://127.0.0.1:9/w/${w}\" }\n"
        "faults:\n"
        "  timeline:\n"
        "    - { at: 60s, for: 10s, proxies: [redis], toxic: latency, latency: 500ms, jitter: 10ms }\n"
        "    - { at: 10s, for: 5s, proxies: [redis, pg], toxic: timeout, timeout: 0ms, stream: upstream, toxicity: 0.5 "
        "}\n"
        "    - { name: bw, at: 20s, for: 5s, proxies: [pg], toxic: bandwidth, rate: 100KB/s }\n"
        "slos:\n"
        "  - { name: p, request: r1, p99.9: \"<= 250ms\", during: stage:warm }\n"
        "  - { name: e, error_rate: \"< 1%\", during: \"after-faults+10s\", series: service }\n"
        "  - { name: f, scenario: q, mean: \"> 1us\", during: \"fault:timeout-redis+pg@10s\" }\n";

int main(void)
{
	char *out;
	struct fr_plan *p;

	if (!mkdtemp(dir))
		return 1;
	unsetenv("FR_TEST_URL");
	unsetenv("FR_TEST_PW");
	put("proxies.json", "[{\"name\":\"redis\",\"listen\":\"127.0.0.1:1\",\"upstream\":\"127.0.0.1:2\"},"
	                    "{\"name\":\"pg\",\"listen\":\"127.0.0.1:3\",\"upstream\":\"127.0.0.1:4\"}]");
	put("base.yaml", base_yaml);
	put("child.yaml", child_yaml);

	p = load("child.yaml", &out);
	tap_is_str(out, "", "the child plan loads without diagnostics");
	free(out);
	if (!p)
		return tap_done();
	tap_is_str(p->name, "child", "the child's name replaces the base's");
	tap_is_str(p->base_url, "http://127.0.0.1:9", "the env default is used for base_url");
	tap_is_int(p->timeout_us, 2000000, "target.timeout is merged key by key (child wins)");
	tap_is_int((int64_t)p->headers.n, 1, "target.headers comes from the base");
	tap_is_str(p->headers.items[0].value, "a", "  with its value");
	tap_is_int(p->headers.items[0].pos.line, 6, "  and its position in the base file (line)");
	tap_ok(strstr(p->headers.items[0].pos.file, "/base.yaml") != NULL, "  and file");
	tap_is_int(p->nfiles, 2, "the plan owns both file names");
	tap_ok(p->auth != NULL, "auth comes from the base");
	tap_is_str(p->auth->method, "POST", "auth method");
	tap_is_str(p->auth->body, "{\"user\":\"u\",\"n\":5,\"ok\":true,\"pw\":\"pw\"}", "auth json body keeps types");
	tap_is_int(p->auth->body_is_json, 1, "auth body is json");
	tap_is_int((int64_t)p->auth->ncaptures, 1, "auth capture is attached to the auth request");
	tap_is_str(p->auth_headers.items[0].value, "Bearer ${token}", "auth headers stay templates");

	tap_is_int((int64_t)p->nscenarios, 1, "one scenario");
	const struct fr_scenario *s = fr_plan_scenario(p, "q");
	tap_ok(s == &p->scenarios[0], "fr_plan_scenario finds it");
	tap_ok(fr_plan_scenario(p, "nope") == NULL, "fr_plan_scenario returns NULL for an unknown name");
	tap_is_int(s->model, FR_MODEL_OPEN, "model open");
	tap_is_int(s->arrival, FR_ARRIVAL_POISSON, "arrival poisson");
	tap_is_int((int64_t)s->nstages, 2, "two stages");
	tap_is_str(s->stages[0].name, "warm", "stage name");
	tap_ok(s->stages[0].level == 10.0, "600/m is 10/s");
	tap_is_int(s->stages[1].dur_us, 60000000, "1m is 60 s");
	tap_is_int(s->stages[1].pos.line, 11, "stage position line");
	tap_is_int(s->stages[1].pos.col, 9, "stage position column");
	tap_ok(strstr(s->stages[1].pos.file, "/child.yaml") != NULL, "stage position file");
	tap_is_int((int64_t)s->nrequests, 2, "two requests");
	tap_is_str(s->requests[0].url, "/q?k=${rand:1..9}", "path kept as a template");
	tap_is_int(s->requests[0].url_is_path, 1, "url_is_path");
	tap_is_int(s->requests[0].weight, 3, "weight");
	tap_is_int(s->requests[0].timeout_us, 500000, "request timeout");
	tap_is_str(s->requests[0].method, "GET", "method defaults to GET");
	tap_is_int((int64_t)s->requests[1].nsteps, 2, "a group with two steps");
	tap_is_int(s->requests[1].weight, 1, "weight defaults to 1");
	tap_is_int((int64_t)s->requests[1].steps[0].ncaptures, 3, "step captures");
	tap_is_int(s->requests[1].steps[0].captures[0].kind, FR_CAPTURE_JSON, "json capture");
	tap_is_str(s->requests[1].steps[0].captures[1].expr, "id=(\\d+)", "regex capture pattern");
	tap_is_int(s->requests[1].steps[0].captures[1].group, 1, "regex group defaults to 1");
	tap_is_int(s->requests[1].steps[0].captures[2].group, 0, "regex group defaults to 0 without capture groups");
	tap_is_str(s->requests[1].steps[1].each, "w", "each");
	tap_is_int(s->requests[1].steps[1].url_is_path, 0, "absolute url");

	tap_is_int((int64_t)p->faults.n, 3, "three faults");
	tap_is_int((int64_t)p->faults.nproxies, 2, "proxies file read");
	tap_ok(strstr(p->faults.proxies_file, "/proxies.json") != NULL, "proxies file resolved against the base file");
	tap_is_str(p->faults.items[0].name, "timeout-redis+pg@10s", "faults sorted by start; default name");
	tap_is_int(p->faults.items[0].upstream, 1, "stream upstream");
	tap_ok(p->faults.items[0].toxicity == 0.5, "toxicity");
	tap_is_int(p->faults.items[0].attrs[0].value, 0, "timeout 0ms");
	tap_is_str(p->faults.items[1].name, "bw", "given fault name");
	tap_is_int(p->faults.items[1].attrs[0].value, 100, "bandwidth in KB/s");
	tap_is_str(p->faults.items[2].attrs[1].name, "jitter", "attribute names");
	tap_is_int(p->faults.items[2].attrs[0].value, 500, "latency in ms");
	tap_is_int(p->faults.items[2].attrs[1].value, 10, "jitter in ms");
	tap_is_int(fr_plan_fault_index(p, "bw"), 1, "fr_plan_fault_index");
	tap_is_int(fr_plan_fault_index(p, "nope"), -1, "fr_plan_fault_index of an unknown fault");

	tap_is_int((int64_t)p->nslos, 3, "three SLOs");
	tap_is_int(p->slos[0].stat, FR_STAT_QUANTILE, "p99.9 is a quantile");
	tap_ok(p->slos[0].quantile > 0.9989 && p->slos[0].quantile < 0.9991, "  0.999");
	tap_is_int(p->slos[0].cmp, FR_CMP_LE, "  <=");
	tap_ok(p->slos[0].threshold == 250000, "  250 ms in µs");
	tap_is_int(p->slos[0].window, FR_WINDOW_STAGE, "  during stage:");
	tap_is_str(p->slos[0].window_ref, "warm", "  naming the stage");
	tap_is_int(p->slos[1].stat, FR_STAT_ERROR_RATE, "error_rate");
	tap_ok(p->slos[1].threshold == 0.01 && p->slos[1].threshold_is_rate, "  1% as a fraction");
	tap_is_int(p->slos[1].window, FR_WINDOW_AFTER_FAULTS, "  after-faults");
	tap_is_int(p->slos[1].after_us, 10000000, "  +10s");
	tap_is_int(p->slos[1].series, FR_SERIES_SERVICE, "  series service");
	tap_is_str(p->slos[2].window_text, "fault:timeout-redis+pg@10s", "window text as written");
	tap_is_str(p->slos[2].threshold_text, "> 1us", "threshold text as written");
	tap_is_str(fr_model_name(FR_MODEL_WEBSOCKET), "websocket", "fr_model_name");
	tap_is_str(fr_toxic_name(FR_TOXIC_SLOW_CLOSE), "slow_close", "fr_toxic_name");
	tap_is_str(fr_series_name(FR_SERIES_DELIVERY), "delivery", "fr_series_name");
	tap_is_str(fr_cmp_name(FR_CMP_GE), ">=", "fr_cmp_name");
	fr_plan_free(p);
	fr_plan_free(NULL);

	/* an error inside the base is located in the base file */
	put("bad-base.yaml", "version: 1\ntarget:\n  base_url: http://127.0.0.1:9\n  timout: 1s\n");
	put("bad-child.yaml",
	    "extends: bad-base.yaml\nname: c\nscenarios:\n"
	    "  - { name: s, model: closed, stages: [{ users: 1, for: 1s }], requests: [{ name: r, path: / }] }\n");
	p = load("bad-child.yaml", &out);
	char want[512];
	snprintf(want, sizeof want, "%s/bad-base.yaml:4:3: error: unknown key 'timout' (did you mean 'timeout'?)\n",
	         dir);
	tap_ok(p == NULL, "a plan whose base is invalid does not load");
	tap_is_str(out, want, "the error is located in the extended file");
	free(out);

	/* a cycle names the chain, at the extends value that closes it */
	put("c1.yaml", "extends: c2.yaml\n");
	put("c2.yaml", "extends: ./c1.yaml\n");
	p = load("c1.yaml", &out);
	snprintf(want, sizeof want, "%s/c2.yaml:1:10: error: extends cycle: %s/c1.yaml -> %s/c2.yaml -> %s/c1.yaml\n",
	         dir, dir, dir, dir);
	tap_is_str(out, want, "an extends cycle is reported with its chain");
	free(out);

	/* an unset env variable in a value the child overrides is not an error */
	put("env-base.yaml", "target: { base_url: \"${env:FR_TEST_UNSET_X}\" }\n");
	put("env-child.yaml", "extends: env-base.yaml\nversion: 1\nname: e\ntarget: { base_url: http://127.0.0.1:9 }\n"
	                      "scenarios:\n  - { name: s, model: closed, stages: [{ users: 1, for: 1s }], requests: [{ "
	                      "name: r, path: / }] }\n");
	p = load("env-child.yaml", &out);
	tap_is_str(out, "", "env references in overridden values are not expanded");
	free(out);
	fr_plan_free(p);

	const char *names[] = {"proxies.json", "base.yaml", "child.yaml",    "bad-base.yaml", "bad-child.yaml",
	                       "c1.yaml",      "c2.yaml",   "env-base.yaml", "env-child.yaml"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char path[256];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
	return tap_done();
}
