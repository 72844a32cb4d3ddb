/* fuzz-plan.c: the plan loader, checker, builder and compiler on any bytes.
 *
 * The input is written to plan.yaml in a private temporary directory and
 * loaded as `flowrun check` loads a plan: YAML into the positioned tree,
 * ${env:} expansion, every check, the build; a plan that loads is compiled,
 * estimated and printed (text and JSON) as `flowrun plan` does. Every
 * outcome is fine except a crash, a sanitizer report or a leak; a failure
 * must come with a diagnostic. Seeds: tests/corpus and plans/.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz.h"
#include "plan/compile.h"
#include "plan/estimate.h"
#include "plan/load.h"
#include "plan/timeline_print.h"
#include "util/xmalloc.h"

static char *path; /* plan.yaml in a directory of our own */

/* Makes the directory once; it is left for the system's temporary cleaner
 * (libFuzzer ends the process without running exit handlers on a crash). */
static const char *plan_path(void)
{
	if (!path) {
		char tmpl[] = "/tmp/flowrun-fuzz-plan.XXXXXX";
		if (!mkdtemp(tmpl))
			abort();
		path = xasprintf("%s/plan.yaml", tmpl);
	}
	return path;
}

/* Compiles, estimates and prints a plan that loaded. */
static void use_plan(const struct fr_plan *plan, struct fr_diags *diags)
{
	struct fr_timeline *tl = NULL;
	struct fr_estimate est;

	if (fr_compile(plan, 1.0, diags, &tl) == 0 && tl) {
		FILE *null = fopen("/dev/null", "w");
		fr_estimate(tl, &(struct fr_estimate_opts){.threads = 2, .max_inflight = 1024}, &est);
		if (null) {
			fr_timeline_print(tl, &est, null);
			fclose(null);
		}
		free(fr_timeline_print_json(tl, &est));
	}
	fr_timeline_free(tl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *f = fopen(plan_path(), "wb");
	struct fr_diags diags = {0};
	struct fr_plan *plan = NULL;

	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	if (fr_plan_load(path, &diags, &plan) == 0)
		use_plan(plan, &diags);
	else if (fr_diag_errors(&diags) == 0)
		abort(); /* a plan refused without a reason */
	fr_diag_sort(&diags);
	fr_diag_clear(&diags);
	fr_plan_free(plan);
	return 0;
}
