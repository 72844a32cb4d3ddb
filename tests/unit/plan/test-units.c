/* test-units.c: durations, rates, percentages, bandwidths and thresholds (units.h). */
#include <stdlib.h>

#include "tap.h"
#include "plan/units.h"

/* Checks that duration S parses to WANT microseconds. */
static void dur_ok(const char *s, int64_t want)
{
	int64_t us = -1;
	char *err = NULL;
	char name[96];

	snprintf(name, sizeof name, "duration '%s' is %lld us", s, (long long)want);
	tap_is_int(fr_units_duration(s, &us, &err) == 0 ? us : -999, want, name);
	free(err);
}

/* Checks that duration S is rejected with message WANT. */
static void dur_err(const char *s, const char *want)
{
	int64_t us = 0;
	char *err = NULL;
	char name[96];

	snprintf(name, sizeof name, "duration '%s' is rejected", s);
	tap_is_int(fr_units_duration(s, &us, &err), -1, name);
	tap_is_str(err, want, "  with the exact message");
	free(err);
}

/* Checks that rate S parses to WANT per second (exactly, scaled by 1e6). */
static void rate_ok(const char *s, double want)
{
	double v = -1;
	char *err = NULL;
	char name[96];

	snprintf(name, sizeof name, "rate '%s' is %g/s", s, want);
	tap_ok(fr_units_rate(s, &v, &err) == 0 && v > want - 1e-9 && v < want + 1e-9, name);
	free(err);
}

/* Checks that rate S is rejected with message WANT. */
static void rate_err(const char *s, const char *want)
{
	double v;
	char *err = NULL;
	char name[96];

	snprintf(name, sizeof name, "rate '%s' is rejected", s);
	tap_is_int(fr_units_rate(s, &v, &err), -1, name);
	tap_is_str(err, want, "  with the exact message");
	free(err);
}

/* Checks threshold S: comparator, kind and value (×1e6 compared as an integer). */
static void thr_ok(const char *s, enum fr_cmp cmp, enum fr_thr_kind kind, double value)
{
	struct fr_threshold t;
	char *err = NULL;
	char name[96];

	snprintf(name, sizeof name, "threshold '%s'", s);
	int r = fr_units_threshold(s, &t, &err);
	tap_ok(r == 0 && t.cmp == cmp && t.kind == kind && t.value > value - 1e-9 && t.value < value + 1e-9, name);
	free(err);
}

/* Checks that threshold S is rejected with message WANT. */
static void thr_err(const char *s, const char *want)
{
	struct fr_threshold t;
	char *err = NULL;
	char name[96];

	snprintf(name, sizeof name, "threshold '%s' is rejected", s);
	tap_is_int(fr_units_threshold(s, &t, &err), -1, name);
	tap_is_str(err, want, "  with the exact message");
	free(err);
}

int main(void)
{
	dur_ok("250ms", 250000);
	dur_ok("1.5s", 1500000);
	dur_ok("2m", 120000000);
	dur_ok("1h", 3600000000LL);
	dur_ok("10us", 10);
	dur_ok("0ms", 0);
	dur_ok("0.001ms", 1);
	dur_ok("-5s", -5000000);
	dur_ok("2562047788h", 2562047788LL * 3600000000LL);
	dur_err("60", "duration '60' needs a unit (us, ms, s, m, h)");
	dur_err("1.5", "duration '1.5' needs a unit (us, ms, s, m, h)");
	dur_err("5sec", "duration '5sec' has an unknown unit 'sec' (use us, ms, s, m, h)");
	dur_err("5 s", "duration '5 s' has an unknown unit ' s' (use us, ms, s, m, h)");
	dur_err("ms", "invalid duration 'ms'");
	dur_err("", "invalid duration ''");
	dur_err(".5s", "invalid duration '.5s'");
	dur_err("0.5us", "duration '0.5us' is not a whole number of microseconds");
	dur_err("2562047789h", "duration '2562047789h' is too large");
	dur_err("99999999999999999999999999999999999h", "duration '99999999999999999999999999999999999h' is too large");
	/* more fraction digits than 10^scale holds in 128 bits (the fuzz-units crash) */
	dur_ok("00000000000000000000000000.000000000000000000000000000000000000000000000000000000000m", 0);
	dur_ok("1.00000000000000000000000000000000000000000000000000s", 1000000);
	dur_err("0.0000000000000000000000000000000000000000000000000001s",
	        "duration '0.0000000000000000000000000000000000000000000000000001s' is not a whole number of "
	        "microseconds");
	dur_err("1.0000000000000000000000000000000000000000000000000001s",
	        "duration '1.0000000000000000000000000000000000000000000000000001s' is not a whole number of "
	        "microseconds");
	dur_err("99999999999999999999999999999999999.000000000000000000000000000000000000000005h",
	        "duration '99999999999999999999999999999999999.000000000000000000000000000000000000000005h' is too "
	        "large");

	rate_ok("50/s", 50);
	rate_ok("600/m", 10);
	rate_ok("0.5/s", 0.5);
	rate_ok("7200/h", 2);
	rate_err("50", "rate '50' needs a unit (/s, /m, /h)");
	rate_err("50/d", "rate '50/d' has an unknown unit '/d' (use /s, /m, /h)");
	rate_err("fast", "invalid rate 'fast'");
	rate_err("2000000000/s", "rate '2000000000/s' is too large");

	double f = -1;
	char *err = NULL;
	tap_ok(fr_units_percent("0.1%", &f, &err) == 0 && f > 0.000999 && f < 0.001001, "percentage '0.1%' is 0.001");
	tap_ok(fr_units_percent("100%", &f, &err) == 0 && f == 1.0, "percentage '100%' is 1");
	tap_is_int(fr_units_percent("150%", &f, &err), -1, "percentage '150%' is rejected");
	tap_is_str(err, "percentage '150%' is not between 0% and 100%", "  with the exact message");
	free(err);
	err = NULL;
	tap_is_int(fr_units_percent("5", &f, &err), -1, "percentage '5' is rejected");
	tap_is_str(err, "percentage '5' needs a '%'", "  with the exact message");
	free(err);
	err = NULL;

	int64_t kb = 0;
	tap_ok(fr_units_bandwidth("100KB/s", &kb, &err) == 0 && kb == 100, "bandwidth '100KB/s' is 100 KB/s");
	tap_is_int(fr_units_bandwidth("100", &kb, &err), -1, "bandwidth '100' is rejected");
	tap_is_str(err, "bandwidth '100' needs a unit (KB/s)", "  with the exact message");
	free(err);
	err = NULL;
	tap_is_int(fr_units_bandwidth("1MB/s", &kb, &err), -1, "bandwidth '1MB/s' is rejected");
	tap_is_str(err, "bandwidth '1MB/s' has an unknown unit 'MB/s' (use KB/s)", "  with the exact message");
	free(err);
	err = NULL;

	thr_ok("< 5ms", FR_CMP_LT, FR_THR_DURATION, 5000);
	thr_ok("<5ms", FR_CMP_LT, FR_THR_DURATION, 5000);
	thr_ok("<= 1%", FR_CMP_LE, FR_THR_PERCENT, 0.01);
	thr_ok(">= 99.5%", FR_CMP_GE, FR_THR_PERCENT, 0.995);
	thr_ok("> 2s", FR_CMP_GT, FR_THR_DURATION, 2000000);
	thr_ok("< 5", FR_CMP_LT, FR_THR_COUNT, 5);
	thr_ok("<= 0", FR_CMP_LE, FR_THR_COUNT, 0);
	thr_err("5ms", "invalid threshold '5ms' (expected <, <=, > or >= and a value)");
	thr_err("=< 5ms", "invalid threshold '=< 5ms' (expected <, <=, > or >= and a value)");
	thr_err("< fast", "invalid threshold '< fast' (expected <, <=, > or >= and a value)");
	thr_err("< 5sec", "duration '5sec' has an unknown unit 'sec' (use us, ms, s, m, h)");
	thr_err("< 101%", "percentage '101%' is not between 0% and 100%");

	int64_t n = 0;
	tap_ok(fr_units_int("42", &n) == 0 && n == 42, "integer '42'");
	tap_ok(fr_units_int("-3", &n) == 0 && n == -3, "integer '-3'");
	tap_is_int(fr_units_int("4.2", &n), -1, "'4.2' is not an integer");
	tap_is_int(fr_units_int("9223372036854775808", &n), -1, "integer overflow is rejected");
	return tap_done();
}
