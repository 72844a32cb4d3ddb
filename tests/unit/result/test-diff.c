/* test-diff.c: SLO diff classification and Markdown, on plans built by hand, and git show.
 *
 * Each case changes one thing of an SLO and compares the whole Markdown
 * output and whether the change needs --allow-loosen: direction by
 * comparator (< larger = looser, > smaller = looser), quantile and comparator
 * strictness, window changes, measure changes, added and removed SLOs,
 * --allow-loosen. fr_diff_git_show is checked against a throw-away git
 * repository.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "result/diff.h"
#include "tap.h"
#include "util/xmalloc.h"

/* An SLO on request R: STAT quantile Q (0 for error_rate), comparator, threshold. */
static struct fr_slo slo(const char *name, const char *req, double q, enum fr_cmp cmp, double thr, const char *text,
                         enum fr_window_kind w, const char *wtext)
{
	return (struct fr_slo){.name = (char *)name,
	                       .request = (char *)req,
	                       .stat = q > 0 ? FR_STAT_QUANTILE : FR_STAT_ERROR_RATE,
	                       .quantile = q,
	                       .cmp = cmp,
	                       .threshold = thr,
	                       .threshold_is_rate = q == 0,
	                       .threshold_text = (char *)text,
	                       .window = w,
	                       .window_text = (char *)wtext};
}

/* Runs the diff of two one-plan SLO lists; returns the text (caller frees). */
static char *diff(struct fr_slo *o, size_t no, struct fr_slo *n, size_t nn, int allow, int *rc_out)
{
	struct fr_plan po = {.name = (char *)"p", .slos = o, .nslos = no};
	struct fr_plan pn = {.name = (char *)"p", .slos = n, .nslos = nn};
	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);
	*rc_out = fr_diff_plans(o ? &po : NULL, n ? &pn : NULL, f, allow);
	fclose(f);
	return text;
}

#define HEAD   "### SLO changes in `p`\n\n| SLO | change | before | after |\n|---|---|---|---|\n"
#define NEEDS1 "\n1 SLO loosened, changed or removed: this needs --allow-loosen.\n"

/* Compares one diff's text and status. */
static void check(struct fr_slo *o, size_t no, struct fr_slo *n, size_t nn, int allow, const char *want, int want_rc,
                  const char *name)
{
	int rc;
	char *got = diff(o, no, n, nn, allow, &rc);
	tap_is_str(got, want, name);
	char *sname = xasprintf("%s: needs --allow-loosen (1) or not (0)", name);
	tap_is_int(rc, want_rc, sname);
	free(sname);
	free(got);
}

/* Upper-bound latency thresholds: larger is looser, smaller tighter. */
static void test_upper(void)
{
	struct fr_slo o =
	        slo("redis-p99", "redis-lookup", 0.99, FR_CMP_LT, 5000, "< 5ms", FR_WINDOW_NO_FAULT, "no-fault");
	struct fr_slo n = o;
	check(&o, 1, &n, 1, 0, "### SLO changes in `p`\n\nNo SLO changes.\n", 0, "identical");
	n.threshold = 8000;
	n.threshold_text = "< 8ms";
	check(&o, 1, &n, 1, 0,
	      HEAD "| `redis-p99` | **loosened** | `p99 < 5ms` on redis-lookup during no-fault | `p99 < 8ms` on "
	           "redis-lookup during no-fault |\n" NEEDS1,
	      1, "< larger threshold is loosened");
	check(&o, 1, &n, 1, 1,
	      HEAD "| `redis-p99` | **loosened** | `p99 < 5ms` on redis-lookup during no-fault | `p99 < 8ms` on "
	           "redis-lookup during no-fault |\n"
	           "\n1 SLO loosened, changed or removed (allowed with --allow-loosen).\n",
	      0, "--allow-loosen: allowed");
	n.threshold = 4000;
	n.threshold_text = "< 4ms";
	check(&o, 1, &n, 1, 0,
	      HEAD "| `redis-p99` | tightened | `p99 < 5ms` on redis-lookup during no-fault | `p99 < 4ms` on "
	           "redis-lookup during no-fault |\n",
	      0, "< smaller threshold is tightened");
	n = o;
	n.quantile = 0.95;
	check(&o, 1, &n, 1, 0,
	      HEAD "| `redis-p99` | **loosened** | `p99 < 5ms` on redis-lookup during no-fault | `p95 < 5ms` on "
	           "redis-lookup during no-fault |\n" NEEDS1,
	      1, "p99 to p95 is loosened");
	n.quantile = 0.999;
	n.threshold = 4000;
	n.threshold_text = "< 4ms";
	check(&o, 1, &n, 1, 0,
	      HEAD "| `redis-p99` | tightened | `p99 < 5ms` on redis-lookup during no-fault | `p99.9 < 4ms` on "
	           "redis-lookup during no-fault |\n",
	      0, "p99.9 and smaller: tightened");
	n = o;
	n.cmp = FR_CMP_LE;
	n.threshold_text = "<= 5ms";
	n.threshold = 4000;
	check(&o, 1, &n, 1, 0,
	      HEAD "| `redis-p99` | **loosened** | `p99 < 5ms` on redis-lookup during no-fault | `p99 <= 5ms` on "
	           "redis-lookup during no-fault |\n" NEEDS1,
	      1, "mixed (smaller but <=): counted as loosened");
}

/* Lower-bound thresholds: smaller is looser. */
static void test_lower(void)
{
	struct fr_slo o = slo("avail", NULL, 0, FR_CMP_GE, 0.995, ">= 99.5%", FR_WINDOW_RUN, "run");
	struct fr_slo n = o;
	n.threshold = 0.99;
	n.threshold_text = ">= 99%";
	check(&o, 1, &n, 1, 0,
	      HEAD
	      "| `avail` | **loosened** | `error_rate >= 99.5%` during run | `error_rate >= 99%` during run |\n" NEEDS1,
	      1, "> smaller threshold is loosened");
	n.threshold = 0.999;
	n.threshold_text = ">= 99.9%";
	check(&o, 1, &n, 1, 0,
	      HEAD "| `avail` | tightened | `error_rate >= 99.5%` during run | `error_rate >= 99.9%` during run |\n", 0,
	      "> larger threshold is tightened");
}

/* Windows, measure changes, added and removed. */
static void test_other(void)
{
	struct fr_slo o[2] = {
	        slo("errors", NULL, 0, FR_CMP_LT, 0.01, "< 1%", FR_WINDOW_NO_FAULT, "no-fault"),
	        slo("http-p99", NULL, 0.99, FR_CMP_LT, 3000000, "< 3s", FR_WINDOW_RUN, "run"),
	};
	struct fr_slo n[2] = {o[0], o[1]};
	n[0].window = FR_WINDOW_RUN;
	n[0].window_text = "run";
	check(o, 1, n, 1, 0,
	      HEAD "| `errors` | window | `error_rate < 1%` during no-fault | `error_rate < 1%` during run |\n", 0,
	      "window only: reported, not failing");
	n[0].threshold = 0.005;
	n[0].threshold_text = "< 0.5%";
	check(o, 1, n, 1, 0,
	      HEAD
	      "| `errors` | tightened, window | `error_rate < 1%` during no-fault | `error_rate < 0.5%` during run |\n",
	      0, "tightened and window");
	n[1].request = "analytical";
	check(&o[1], 1, &n[1], 1, 0,
	      HEAD
	      "| `http-p99` | **changed** | `p99 < 3s` during run | `p99 < 3s` on analytical during run |\n" NEEDS1,
	      1, "a different request is a changed measure");
	check(o, 2, o, 1, 0, HEAD "| `http-p99` | **removed** | `p99 < 3s` during run | |\n" NEEDS1, 1, "removed");
	check(o, 1, o, 2, 0, HEAD "| `http-p99` | added | | `p99 < 3s` during run |\n", 0, "added");
	check(NULL, 0, o, 1, 0, HEAD "| `errors` | added | | `error_rate < 1%` during no-fault |\n", 0,
	      "new plan: all added");
}

/* Runs a shell command quietly; 0 on success. */
static int sh(const char *cmd)
{
	char *full = xasprintf("%s >/dev/null 2>&1", cmd);
	int rc = system(full);
	free(full);
	return rc;
}

/* Reads a whole small file (caller frees). */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s = xcalloc(1, 4096);
	if (f) {
		size_t n = fread(s, 1, 4095, f);
		s[n] = '\0';
		fclose(f);
	}
	return s;
}

/* git show of an old revision into a file next to the plan. */
static void test_git(void)
{
	char dir[] = "/tmp/fr-diff-XXXXXX";
	if (!mkdtemp(dir)) {
		tap_ok(0, "mkdtemp");
		return;
	}
	char *cmd = xasprintf("cd %s && git init -q && mkdir plans && echo old > plans/a.yaml && git add . && "
	                      "git -c user.name=t -c user.email=t@t commit -qm one && echo new > plans/a.yaml",
	                      dir);
	if (sh(cmd) != 0) {
		tap_ok(0, "git repository set up");
		free(cmd);
		return;
	}
	free(cmd);
	char *path = xasprintf("%s/plans/a.yaml", dir), *tmp = NULL, *err = NULL;
	int rc = fr_diff_git_show("HEAD", path, &tmp, &err);
	tap_is_int(rc, 0, "git show HEAD:plans/a.yaml");
	char *prefix = xasprintf("%s/plans/.flowrun-diff-", dir);
	tap_ok(tmp && strncmp(tmp, prefix, strlen(prefix)) == 0, "temp file is next to the plan");
	char *content = tmp ? slurp(tmp) : xstrdup("");
	tap_is_str(content, "old\n", "temp file holds the old version");
	if (tmp)
		unlink(tmp);
	free(content);
	free(tmp);
	free(err);
	free(prefix);
	rc = fr_diff_git_show("nope", path, &tmp, &err);
	tap_is_int(rc, -1, "unknown revision: -1");
	tap_is_str(err, "git show nope:./a.yaml: fatal: invalid object name 'nope'.", "unknown revision: message");
	free(err);
	free(path);
	path = xasprintf("%s/plans/b.yaml", dir);
	cmd = xasprintf("touch %s", path);
	sh(cmd);
	free(cmd);
	err = NULL;
	rc = fr_diff_git_show("HEAD", path, &tmp, &err);
	tap_is_int(rc, 1, "a plan not in the revision: 1 (new plan)");
	tap_ok(tmp == NULL && err == NULL, "a plan not in the revision: no file, no error");
	free(path);
	cmd = xasprintf("rm -rf %s", dir);
	sh(cmd);
	free(cmd);
}

/* abort, over and sustained: a switched abort is shown but needs no
 * --allow-loosen; a longer sustained is looser, a shorter one tighter; a
 * changed over changes what is measured. */
static void test_gate(void)
{
	struct fr_slo o = slo("p99", NULL, 0.99, FR_CMP_LT, 50000, "< 50ms", FR_WINDOW_RUN, "run");
	o.over_us = 10000000;
	o.sustained_us = 30000000;
	struct fr_slo n = o;
	n.abort = 1;
	check(&o, 1, &n, 1, 0,
	      HEAD "| `p99` | abort | `p99 < 50ms` during run over 10s sustained 30s | `p99 < 50ms` during run over "
	           "10s sustained 30s, abort |\n",
	      0, "abort switched on");
	n = o;
	n.sustained_us = 60000000;
	check(&o, 1, &n, 1, 0,
	      HEAD "| `p99` | **loosened** | `p99 < 50ms` during run over 10s sustained 30s | `p99 < 50ms` during run "
	           "over 10s sustained 1m |\n" NEEDS1,
	      1, "longer sustained is loosened");
	check(&n, 1, &o, 1, 0,
	      HEAD "| `p99` | tightened | `p99 < 50ms` during run over 10s sustained 1m | `p99 < 50ms` during run "
	           "over 10s sustained 30s |\n",
	      0, "shorter sustained is tightened");
	n = o;
	n.over_us = 0;
	n.sustained_us = 0;
	check(&o, 1, &n, 1, 0,
	      HEAD "| `p99` | **changed** | `p99 < 50ms` during run over 10s sustained 30s | `p99 < 50ms` during run "
	           "|\n" NEEDS1,
	      1, "over removed: what is measured changed");
}

int main(void)
{
	test_upper();
	test_lower();
	test_other();
	test_gate();
	test_git();
	return tap_done();
}
