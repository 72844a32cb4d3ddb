/* units.c: durations, rates, percentages, bandwidths and thresholds (see units.h).
 *
 * Numbers are parsed by hand rather than with strtod, which would accept hex,
 * "inf", "nan" and locale decimal commas. A number is kept as an integer
 * mantissa and a count of fraction digits so that durations convert to
 * microseconds exactly and overflow is detected with 128-bit arithmetic.
 */
#include "plan/units.h"

#include <stdlib.h>
#include <string.h>

#include "util/xmalloc.h"

/* A parsed decimal: value = mant / 10^scale, negated when neg; inexact when
 * a nonzero fraction digit did not fit the mantissa. */
struct decimal {
	int neg;
	__int128 mant;
	int scale;
	int inexact;
};

/* Parses the longest decimal prefix of S; returns its length, 0 when none. */
static size_t parse_decimal(const char *s, struct decimal *d)
{
	size_t i = 0, digits = 0;

	d->neg = 0;
	d->mant = 0;
	d->scale = 0;
	d->inexact = 0;
	if (s[i] == '-') {
		d->neg = 1;
		i++;
	}
	for (; s[i] >= '0' && s[i] <= '9'; i++, digits++)
		if (d->mant < ((__int128)1 << 90))
			d->mant = d->mant * 10 + (s[i] - '0');
		else
			d->scale--; /* too many digits: keep magnitude, lose precision */
	if (s[i] == '.' && s[i + 1] >= '0' && s[i + 1] <= '9' && digits > 0) {
		for (i++; s[i] >= '0' && s[i] <= '9'; i++, digits++) {
			if (d->mant < ((__int128)1 << 90)) {
				d->mant = d->mant * 10 + (s[i] - '0');
				d->scale++;
			} else if (s[i] != '0') {
				d->inexact = 1;
			}
		}
	}
	return digits ? i : 0;
}

/* The value of a decimal as a double. */
static double decimal_value(const struct decimal *d)
{
	double v = (double)d->mant;
	int sc = d->scale;

	for (; sc > 0; sc--)
		v /= 10;
	for (; sc < 0; sc++)
		v *= 10;
	return d->neg ? -v : v;
}

/* Duration unit suffixes and their length in microseconds. */
static const struct {
	const char *unit;
	int64_t us;
} duration_units[] = {
        {"us", 1}, {"ms", 1000}, {"s", 1000000}, {"m", 60000000}, {"h", 3600000000LL},
};

/* Exact in microseconds: 0.001ms is 1us, and 0.5us is an error rather than a rounding. */
int fr_units_duration(const char *s, int64_t *us_out, char **err_out)
{
	struct decimal d;
	size_t n = parse_decimal(s, &d);
	const char *unit = s + n;

	if (n == 0) {
		*err_out = xasprintf("invalid duration '%s'", s);
		return -1;
	}
	if (*unit == '\0') {
		*err_out = xasprintf("duration '%s' needs a unit (us, ms, s, m, h)", s);
		return -1;
	}
	for (size_t i = 0; i < sizeof duration_units / sizeof duration_units[0]; i++) {
		if (strcmp(unit, duration_units[i].unit) != 0)
			continue;
		__int128 v = d.mant * duration_units[i].us, p = 1; /* below 2^126 */
		int sc = d.scale;
		/* A fraction's trailing zeros are divided out first, so any count of
		 * them is exact; past 38 digits 10^sc would overflow, and exceeds v. */
		for (; sc > 0 && v % 10 == 0; sc--)
			v /= 10;
		for (int k = 0; k < sc && k < 38; k++)
			p *= 10;
		if (d.scale < 0 || (sc <= 38 && v / p > INT64_MAX)) {
			*err_out = xasprintf("duration '%s' is too large", s);
			return -1;
		}
		if (sc > 0 || d.inexact) {
			*err_out = xasprintf("duration '%s' is not a whole number of microseconds", s);
			return -1;
		}
		*us_out = (int64_t)v * (d.neg ? -1 : 1);
		return 0;
	}
	*err_out = xasprintf("duration '%s' has an unknown unit '%s' (use us, ms, s, m, h)", s, unit);
	return -1;
}

/* Rates are doubles: 600/m is 10/s, and fractional rates are legitimate. */
int fr_units_rate(const char *s, double *per_s_out, char **err_out)
{
	struct decimal d;
	size_t n = parse_decimal(s, &d);
	const char *unit = s + n;
	double v = decimal_value(&d);

	if (n == 0) {
		*err_out = xasprintf("invalid rate '%s'", s);
		return -1;
	}
	if (*unit == '\0') {
		*err_out = xasprintf("rate '%s' needs a unit (/s, /m, /h)", s);
		return -1;
	}
	if (strcmp(unit, "/s") == 0)
		*per_s_out = v;
	else if (strcmp(unit, "/m") == 0)
		*per_s_out = v / 60;
	else if (strcmp(unit, "/h") == 0)
		*per_s_out = v / 3600;
	else {
		*err_out = xasprintf("rate '%s' has an unknown unit '%s' (use /s, /m, /h)", s, unit);
		return -1;
	}
	if (d.scale < 0 || *per_s_out > 1e9) {
		*err_out = xasprintf("rate '%s' is too large", s);
		return -1;
	}
	return 0;
}

/* The '%' is required, so that 1 never silently means 100 %. */
int fr_units_percent(const char *s, double *frac_out, char **err_out)
{
	struct decimal d;
	size_t n = parse_decimal(s, &d);
	double v = decimal_value(&d);

	if (n == 0) {
		*err_out = xasprintf("invalid percentage '%s'", s);
		return -1;
	}
	if (s[n] == '\0') {
		*err_out = xasprintf("percentage '%s' needs a '%%'", s);
		return -1;
	}
	if (strcmp(s + n, "%") != 0) {
		*err_out = xasprintf("invalid percentage '%s'", s);
		return -1;
	}
	if (v < 0 || v > 100) {
		*err_out = xasprintf("percentage '%s' is not between 0%% and 100%%", s);
		return -1;
	}
	*frac_out = v / 100;
	return 0;
}

/* Only KB/s, the one unit Toxiproxy's bandwidth toxic takes. */
int fr_units_bandwidth(const char *s, int64_t *kbps_out, char **err_out)
{
	struct decimal d;
	size_t n = parse_decimal(s, &d);

	if (n == 0) {
		*err_out = xasprintf("invalid bandwidth '%s'", s);
		return -1;
	}
	if (s[n] == '\0') {
		*err_out = xasprintf("bandwidth '%s' needs a unit (KB/s)", s);
		return -1;
	}
	if (strcmp(s + n, "KB/s") != 0) {
		*err_out = xasprintf("bandwidth '%s' has an unknown unit '%s' (use KB/s)", s, s + n);
		return -1;
	}
	if (d.scale != 0 || d.mant > INT32_MAX) {
		*err_out = xasprintf("bandwidth '%s' must be a whole number of KB/s", s);
		return -1;
	}
	*kbps_out = (int64_t)d.mant * (d.neg ? -1 : 1);
	return 0;
}

/* Parses a comparator at the start of S; returns its length, 0 when none. */
static size_t parse_cmp(const char *s, enum fr_cmp *cmp)
{
	if (s[0] == '<' && s[1] == '=')
		return *cmp = FR_CMP_LE, 2;
	if (s[0] == '>' && s[1] == '=')
		return *cmp = FR_CMP_GE, 2;
	if (s[0] == '<')
		return *cmp = FR_CMP_LT, 1;
	if (s[0] == '>')
		return *cmp = FR_CMP_GT, 1;
	return 0;
}

/* The kind of the value (duration, percentage, count) is decided by its unit. */
int fr_units_threshold(const char *s, struct fr_threshold *out, char **err_out)
{
	size_t n = parse_cmp(s, &out->cmp);
	const char *v = s + n;
	struct decimal d;
	size_t m;

	while (n && *v == ' ')
		v++;
	m = parse_decimal(v, &d);
	if (n == 0 || m == 0) {
		*err_out = xasprintf("invalid threshold '%s' (expected <, <=, > or >= and a value)", s);
		return -1;
	}
	if (v[m] == '%') {
		out->kind = FR_THR_PERCENT;
		return fr_units_percent(v, &out->value, err_out);
	}
	if (v[m] == '\0') {
		out->kind = FR_THR_COUNT;
		out->value = decimal_value(&d);
		return 0;
	}
	int64_t us;
	out->kind = FR_THR_DURATION;
	if (fr_units_duration(v, &us, err_out) < 0)
		return -1;
	out->value = (double)us;
	return 0;
}

/* Shares the decimal parser, so integers and durations agree on what a number is. */
int fr_units_int(const char *s, int64_t *out)
{
	struct decimal d;
	size_t n = parse_decimal(s, &d);

	if (n == 0 || s[n] != '\0' || d.scale != 0 || d.mant > INT64_MAX)
		return -1;
	*out = (int64_t)d.mant * (d.neg ? -1 : 1);
	return 0;
}
