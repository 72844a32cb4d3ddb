/* units.h: parsing the unit-carrying values of the plan language.
 *
 * Durations (`250ms`, `1.5s`, `2m`), rates (`50/s`, `600/m`), percentages
 * (`0.1%`), bandwidths (`100KB/s`) and SLO thresholds (`< 5ms`, `<= 1%`,
 * `>= 99.5%`, `< 5`) are kept as strings in the YAML and parsed here, so that a
 * bare number where a unit is required is an error instead of a silent guess.
 * Every parser returns 0 on success, or -1 with a message in *err_out (the
 * caller frees it) written in the style of every other plan diagnostic.
 * Numbers are decimal (`-`? digits, optional fraction); signs are accepted so
 * that the caller can say "must be positive" instead of "invalid".
 */
#ifndef FR_UNITS_H
#define FR_UNITS_H

#include <stdint.h>

#include "plan/plan.h"

enum fr_thr_kind {
	FR_THR_DURATION, /* value in µs */
	FR_THR_PERCENT,  /* value as a fraction: "1%" is 0.01 */
	FR_THR_COUNT,    /* a plain number */
};

struct fr_threshold {
	enum fr_cmp cmp;
	enum fr_thr_kind kind;
	double value;
};

/* Parses a duration into microseconds (exact; overflow is an error). */
int fr_units_duration(const char *s, int64_t *us_out, char **err_out);
/* Parses a rate into events per second. */
int fr_units_rate(const char *s, double *per_s_out, char **err_out);
/* Parses a percentage (0–100 %) into a fraction. */
int fr_units_percent(const char *s, double *frac_out, char **err_out);
/* Parses a bandwidth (`KB/s`) into KB/s, as Toxiproxy's bandwidth toxic wants it. */
int fr_units_bandwidth(const char *s, int64_t *kbps_out, char **err_out);
/* Parses a threshold: comparator, optional blanks, then a duration, percentage or count. */
int fr_units_threshold(const char *s, struct fr_threshold *out, char **err_out);
/* Parses a whole number (`-`? digits) into *out; -1 when it is not one or overflows. */
int fr_units_int(const char *s, int64_t *out);

#endif
