/* tap.h: a minimal TAP producer for flowrun's C unit tests.
 *
 * Each check prints "ok N - name" or "not ok N - name" with the expected and
 * actual values as a diagnostic; tap_done prints the plan and returns the exit
 * status for main. automake's TAP driver reads the output.
 */
#ifndef FR_TAP_H
#define FR_TAP_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static inline int tap_ok(int cond, const char *name)
{
	tap_n++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - %s\n", cond ? "" : "not ", tap_n, name);
	fflush(stdout);
	return cond;
}

static inline int tap_is_str(const char *got, const char *want, const char *name)
{
	int ok = (got && want) ? strcmp(got, want) == 0 : got == want;
	if (!tap_ok(ok, name))
		printf("#   got:  '%s'\n#   want: '%s'\n", got ? got : "(null)", want ? want : "(null)");
	return ok;
}

static inline int tap_is_int(int64_t got, int64_t want, const char *name)
{
	int ok = got == want;
	if (!tap_ok(ok, name))
		printf("#   got:  %" PRId64 "\n#   want: %" PRId64 "\n", got, want);
	return ok;
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
