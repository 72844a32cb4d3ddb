/* memory.c: the --max-memory check (see memory.h). */
#include "cli/memory.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plan/diag.h"
#include "util/fmt.h"

/* cgroup v2's limit of this process's group, or 0 ("max", or no cgroup v2). */
static uint64_t cgroup_limit(void)
{
	FILE *f = fopen("/sys/fs/cgroup/memory.max", "r");
	unsigned long long v = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

/* Half of the smaller of physical memory and the cgroup's limit. */
uint64_t fr_cli_memory_default(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	uint64_t ram = pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : 0, cg = cgroup_limit();

	if (cg && (!ram || cg < ram))
		ram = cg;
	return ram / 2;
}

/* Suffixes are binary: 1G is 1 GiB, as in the sizes flowrun prints. */
int fr_cli_memory_parse(const char *s, uint64_t *out)
{
	static const char units[] = "KMGT";
	char *end;
	double v;

	if (strcmp(s, "none") == 0) {
		*out = 0;
		return 0;
	}
	errno = 0;
	v = strtod(s, &end);
	double mult = 1;
	const char *u = *end ? strchr(units, *end) : NULL;
	if (u) {
		for (const char *p = units; p <= u; p++)
			mult *= 1024;
		end++;
		if (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0)
			end += strlen(end);
	} else if (strcmp(end, "B") == 0) {
		end++;
	}
	if (errno || end == s || *end || !(v >= 1) || v * mult > 1e18) {
		fprintf(stderr,
		        "flowrun: --max-memory needs a size such as 8GiB, 512M or 1000000, or 'none'; got '%s'\n", s);
		return -1;
	}
	*out = (uint64_t)(v * mult);
	return 0;
}

/* The same default as the run's (engine/run.c). */
int fr_cli_memory_threads(int t)
{
	long n = t > 0 ? t : sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (int)n : 1;
}

/* The error points at the stage with the largest share, or at the plan file. */
enum fr_exit fr_cli_memory_check(const struct fr_timeline *tl, const struct fr_estimate_opts *o, uint64_t limit,
                                 struct fr_estimate *est_out)
{
	struct fr_estimate e;
	struct fr_diags diags = {0};
	char need[FR_FMT_LEN], lim[FR_FMT_LEN];
	int deflt = limit == FR_CLI_MEMORY_DEFAULT;

	fr_estimate(tl, o, &e);
	if (est_out)
		*est_out = e;
	if (deflt)
		limit = fr_cli_memory_default();
	if (!limit || e.total <= limit)
		return FR_EXIT_OK;
	fr_diag_add(&diags, e.where,
	            "a run needs an estimated %s of memory on %d worker thread%s, more than --max-memory %s%s "
	            "(`flowrun plan` shows the estimate's parts)",
	            fr_fmt_bytes(need, sizeof need, e.total), o->threads, o->threads == 1 ? "" : "s",
	            fr_fmt_bytes(lim, sizeof lim, limit), deflt ? " (half of this machine's memory)" : "");
	fr_diag_print(&diags, stderr);
	fr_diag_clear(&diags);
	return FR_EXIT_USAGE;
}
