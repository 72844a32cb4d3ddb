/* test-plan-fuzz.c: mutated corpus plans never crash, hang or go unreported in the loader.
 *
 * A deterministic, structure-aware mutation fuzzer over tests/corpus and
 * plans/: byte flips, insertions of YAML syntax and plan words, deletions,
 * and replacing a value with a node of another kind. Every mutated plan must
 * load or fail with at least one diagnostic, and every diagnostic must be
 * located (file, line and column). Run under AddressSanitizer/UBSan (the
 * --enable-asan build) this is the crash test; FR_FUZZ_ITERATIONS and
 * FR_FUZZ_SEED change its length and seed.
 */
#include <ftw.h>
#include <glob.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plan/load.h"
#include "plan/plan.h"
#include "tap.h"
#include "util/xmalloc.h"

#define MAX_FILES 512
#define MAX_LEN   (1 << 20)

static char *texts[MAX_FILES];
static size_t lens[MAX_FILES];
static int ntexts;
static uint64_t state = 88172645463325252ULL;

/* A pseudo-random number below N. */
static size_t rnd(size_t n)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return n ? (size_t)(state % n) : 0;
}

/* Reads PATH into *out (at most MAX_LEN bytes); its length, or -1. */
static long slurp(const char *path, char **out)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	*out = xmalloc(MAX_LEN + 1);
	size_t n = fread(*out, 1, MAX_LEN, f);
	fclose(f);
	return (long)n;
}

/* Writes N bytes of P to PATH. */
static void spill(const char *path, const char *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (f) {
		fwrite(p, 1, n, f);
		fclose(f);
	}
}

/* Inserts N bytes of S at POS of BUF (LEN bytes); the new length. */
static size_t insert(char *buf, size_t len, size_t pos, const char *s, size_t n)
{
	if (len + n >= MAX_LEN)
		return len;
	memmove(buf + pos + n, buf + pos, len - pos);
	memcpy(buf + pos, s, n);
	return len + n;
}

/* Replaces the value after a ": " at or after POS with another kind of node. */
static size_t replace_value(char *buf, size_t len, size_t pos)
{
	static const char *const vals[] = {"{}", "[]", "{a: b}", "[x, {y: z}]",   "~",        "\"\"", "0",        "-5",
	                                   "1h", "x",  "[[[]]]", "{toxic: down}", "\"${x}\"", "0s",   "\"< 1%\"", "*a"};
	char *c = memmem(buf + pos, len - pos, ": ", 2);
	if (!c)
		return len;
	size_t vs = (size_t)(c - buf) + 2, ve = vs;
	while (ve < len && !strchr(",}]\n", buf[ve]))
		ve++;
	const char *v = vals[rnd(sizeof vals / sizeof *vals)];
	size_t vl = strlen(v);
	if (len - (ve - vs) + vl >= MAX_LEN)
		return len;
	memmove(buf + vs + vl, buf + ve, len - ve);
	memcpy(buf + vs, v, vl);
	return len - (ve - vs) + vl;
}

/* Applies one random mutation to BUF; the new length. */
static size_t mutate(char *buf, size_t len)
{
	static const char *const dict[] = {"{",          "}",
	                                   "[",          "]",
	                                   ":",          "- ",
	                                   "\n",         "  ",
	                                   "&a ",        "*a",
	                                   "${",         "${env:X}",
	                                   "${rand:1..", "$${",
	                                   "\"",         "'",
	                                   "extends: ",  "p99: ",
	                                   "during: ",   "stage:",
	                                   "fault:",     "after-faults+",
	                                   "-1",         "10/s",
	                                   "<",          "%",
	                                   "\t",         "? ",
	                                   "!!str ",     "---\n",
	                                   "#",          "|",
	                                   ">",          "steps:",
	                                   "each: ",     "capture: ",
	                                   "\xff",       "\xc3"};
	size_t pos = rnd(len + 1);

	switch (rnd(5)) {
	case 0:
		if (len)
			buf[rnd(len)] = (char)rnd(256);
		return len;
	case 1: {
		const char *d = dict[rnd(sizeof dict / sizeof *dict)];
		return insert(buf, len, pos, d, strlen(d));
	}
	case 2: {
		size_t n = rnd(len - pos + 1) % 64;
		memmove(buf + pos, buf + pos + n, len - pos - n);
		return len - n;
	}
	default: return replace_value(buf, len, pos);
	}
}

/* Copies every file of SRC_DIR/lib into DIR/lib, so that extends and proxies resolve. */
static void copy_lib(const char *src, const char *dir)
{
	char pat[1024], dst[1024];
	glob_t g;

	snprintf(dst, sizeof dst, "%s/lib", dir);
	mkdir(dst, 0700);
	snprintf(dst, sizeof dst, "%s/fail", dir);
	mkdir(dst, 0700);
	snprintf(pat, sizeof pat, "%s/tests/corpus/lib/*", src);
	if (glob(pat, 0, NULL, &g) != 0)
		return;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		char *text;
		long n = slurp(g.gl_pathv[i], &text);
		if (n < 0)
			continue;
		snprintf(dst, sizeof dst, "%s/lib/%s", dir, strrchr(g.gl_pathv[i], '/') + 1);
		spill(dst, text, (size_t)n);
		free(text);
	}
	globfree(&g);
}

/* Loads the corpus and plans of SRC as seeds. */
static void load_seeds(const char *src)
{
	const char *const pats[] = {"tests/corpus/pass/*.yaml", "tests/corpus/fail/*.yaml", "tests/corpus/lib/*.yaml",
	                            "plans/*.yaml"};
	for (size_t p = 0; p < sizeof pats / sizeof *pats; p++) {
		char pat[1024];
		glob_t g;
		snprintf(pat, sizeof pat, "%s/%s", src, pats[p]);
		if (glob(pat, 0, NULL, &g) != 0)
			continue;
		for (size_t i = 0; i < g.gl_pathc && ntexts < MAX_FILES; i++) {
			long n = slurp(g.gl_pathv[i], &texts[ntexts]);
			if (n >= 0)
				lens[ntexts++] = (size_t)n;
		}
		globfree(&g);
	}
}

/* Removes one entry of the temporary directory (for nftw). */
static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

int main(void)
{
	const char *src = getenv("top_srcdir") ? getenv("top_srcdir") : ".";
	long iterations = getenv("FR_FUZZ_ITERATIONS") ? atol(getenv("FR_FUZZ_ITERATIONS")) : 3000;
	char dir[] = "/tmp/fr-fuzz-XXXXXX", path[1024];
	char *buf = xmalloc(MAX_LEN + 1);
	long loaded = 0, rejected = 0, unreported = 0, unlocated = 0;

	if (getenv("FR_FUZZ_SEED"))
		state = strtoull(getenv("FR_FUZZ_SEED"), NULL, 10) | 1;
	load_seeds(src);
	tap_ok(ntexts >= 50, "the corpus gives at least 50 seed plans");
	if (!mkdtemp(dir))
		return tap_done();
	copy_lib(src, dir);
	snprintf(path, sizeof path, "%s/fail/m.yaml", dir);
	setenv("X", "value", 1);
	for (long it = 0; it < iterations && ntexts > 0; it++) {
		int k = (int)rnd((size_t)ntexts);
		size_t len = lens[k];
		memcpy(buf, texts[k], len);
		for (size_t m = 1 + rnd(4); m > 0; m--)
			len = mutate(buf, len);
		spill(path, buf, len);

		struct fr_diags d = {0};
		struct fr_plan *plan = NULL;
		int r = fr_plan_load(path, &d, &plan);
		loaded += r == 0;
		rejected += r != 0;
		unreported += r != 0 && d.n == 0;
		for (size_t i = 0; i < d.n; i++)
			unlocated += !d.items[i].pos.file || d.items[i].pos.line <= 0 || d.items[i].pos.col <= 0;
		fr_plan_free(plan);
		fr_diag_clear(&d);
	}
	printf("# %ld mutated plans: %ld loaded, %ld rejected\n", iterations, loaded, rejected);
	tap_ok(loaded + rejected == iterations, "every mutated plan was loaded or rejected (no crash, no hang)");
	tap_is_int(unreported, 0, "every rejected plan has at least one diagnostic");
	tap_is_int(unlocated, 0, "every diagnostic is located (file, line and column)");
	tap_ok(rejected > iterations / 2, "most mutations are rejected (the mutator does damage)");

	tap_is_int(nftw(dir, remove_one, 8, FTW_DEPTH | FTW_PHYS), 0, "the temporary directory is removed");
	for (int i = 0; i < ntexts; i++)
		free(texts[i]);
	free(buf);
	return tap_done();
}
