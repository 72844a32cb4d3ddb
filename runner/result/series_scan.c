/* series_scan.c: reading a result's time series from its JSON text without a tree (see series_scan.h).
 *
 * A cursor walks the text: the first pass reads the header numbers and
 * counts the scenarios and keys (skipping their contents), the second fills
 * the struct array by array, straight from the digits. Members may come in
 * any order and unknown ones are skipped, as a JSON reader would; the checks
 * are fr_series_json_read's: version 1, an interval and a count in range,
 * one value per interval in every array, no negative number.
 */
#include "result/series_scan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "result/results.h"
#include "util/xmalloc.h"

struct cur {
	const char *p, *end;
};

/* Skips white space; the next byte, or -1 at the end. */
static int peek(struct cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\n' || *c->p == '\t' || *c->p == '\r'))
		c->p++;
	return c->p < c->end ? (unsigned char)*c->p : -1;
}

/* Takes CH when it comes next. */
static int eat(struct cur *c, int ch)
{
	if (peek(c) != ch)
		return 0;
	c->p++;
	return 1;
}

/* A string: its bytes between the quotes (escapes left as they are) in *S, *N. */
static int string(struct cur *c, const char **s, size_t *n)
{
	if (!eat(c, '"'))
		return -1;
	*s = c->p;
	while (c->p < c->end && *c->p != '"')
		c->p += *c->p == '\\' && c->p + 1 < c->end ? 2 : 1;
	if (c->p >= c->end)
		return -1;
	*n = (size_t)(c->p++ - *s);
	return 0;
}

/* A non-negative integer. */
static int number(struct cur *c, uint64_t *v)
{
	int ch = peek(c);
	if (ch < '0' || ch > '9')
		return -1;
	uint64_t x = 0;
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		if (x > (UINT64_MAX - 9) / 10)
			return -1;
		x = x * 10 + (uint64_t)(*c->p++ - '0');
	}
	if (c->p < c->end && (*c->p == '.' || *c->p == 'e' || *c->p == 'E'))
		return -1;
	*v = x;
	return 0;
}

/* Whether byte B ends a number or a literal. */
static int ends_scalar(unsigned char b)
{
	switch (b) {
	case ',':
	case ':':
	case ']':
	case '}':
	case ' ':
	case '\t':
	case '\r':
	case '\n': return 1;
	default: return 0;
	}
}

/* Skips an array or object from its opening bracket: a tight loop that
 * only looks at brackets and strings (most of a series is digits and commas). */
static int skip_container(struct cur *c)
{
	int depth = 0;
	for (const char *p = c->p; p < c->end; p++) {
		switch (*p) {
		case '[':
		case '{': depth++; break;
		case ']':
		case '}':
			if (--depth == 0) {
				c->p = p + 1;
				return 0;
			}
			break;
		case '"':
			for (p++; p < c->end && *p != '"'; p++)
				if (*p == '\\')
					p++;
			break;
		default: break;
		}
	}
	return -1;
}

/* Skips one value of any kind (brackets balanced, strings whole). */
static int skip(struct cur *c)
{
	const char *s;
	size_t n;
	int ch = peek(c);
	if (ch == '[' || ch == '{')
		return skip_container(c);
	if (ch == '"')
		return string(c, &s, &n);
	if (ch < 0 || ch == ']' || ch == '}' || ch == ',' || ch == ':')
		return -1;
	while (c->p < c->end && !ends_scalar((unsigned char)*c->p))
		c->p++;
	return 0;
}

/* Whether the key S (N bytes) is NAME. */
static int is(const char *s, size_t n, const char *name)
{
	return strlen(name) == n && memcmp(s, name, n) == 0;
}

/* Calls MEMBER(key, ARG) for each member of an object; MEMBER reads or skips the value. */
static int object(struct cur *c, int (*member)(struct cur *, const char *, size_t, void *), void *arg)
{
	if (!eat(c, '{'))
		return -1;
	if (eat(c, '}'))
		return 0;
	do {
		const char *k;
		size_t n;
		if (string(c, &k, &n) != 0 || !eat(c, ':') || member(c, k, n, arg) != 0)
			return -1;
	} while (eat(c, ','));
	return eat(c, '}') ? 0 : -1;
}

/* Counts the elements of an array, skipping them. */
static int count(struct cur *c, size_t *n)
{
	*n = 0;
	if (!eat(c, '['))
		return -1;
	if (eat(c, ']'))
		return 0;
	do {
		if (skip(c) != 0)
			return -1;
		(*n)++;
	} while (eat(c, ','));
	return eat(c, ']') ? 0 : -1;
}

/* Reads an array of exactly N integers into V. */
static int numbers(struct cur *c, uint64_t *v, size_t n)
{
	if (!eat(c, '['))
		return -1;
	for (size_t i = 0; i < n; i++)
		if ((i && !eat(c, ',')) || number(c, &v[i]) != 0)
			return -1;
	return eat(c, ']') ? 0 : -1;
}

/* The series being read, and where its arrays are. */
struct scan {
	int64_t version, interval, intervals;
	const char *scenarios, *keys; /* the arrays, for the second pass */
	size_t nscenarios, nkeys;
	struct fr_timeseries *s;
	uint64_t *v; /* one array of values, reused */
	size_t row;  /* the scenario or key being read */
	int shape;   /* an array without one value per interval was met */
};

/* First pass: the header numbers, and how many scenarios and keys there are. */
static int header_member(struct cur *c, const char *k, size_t n, void *arg)
{
	struct scan *sc = arg;
	uint64_t v;
	if (is(k, n, "version") || is(k, n, "interval_us") || is(k, n, "intervals")) {
		if (number(c, &v) != 0 || v > INT64_MAX)
			return -1;
		*(is(k, n, "version")     ? &sc->version
		  : is(k, n, "intervals") ? &sc->intervals
		                          : &sc->interval) = (int64_t)v;
		return 0;
	}
	if (is(k, n, "scenarios")) {
		sc->scenarios = c->p;
		return count(c, &sc->nscenarios);
	}
	if (is(k, n, "keys")) {
		sc->keys = c->p;
		return count(c, &sc->nkeys);
	}
	return skip(c);
}

/* Reads the interval array of a member into sc->v; a wrong length is a shape error. */
static int values(struct cur *c, struct scan *sc)
{
	if (numbers(c, sc->v, sc->s->nintervals) != 0) {
		sc->shape = 1;
		return -1;
	}
	return 0;
}

/* A scenario: its "active" gauge. */
static int scenario_member(struct cur *c, const char *k, size_t n, void *arg)
{
	struct scan *sc = arg;
	struct fr_timeseries *s = sc->s;
	if (!is(k, n, "active"))
		return skip(c);
	if (values(c, sc) != 0)
		return -1;
	for (size_t i = 0; i < s->nintervals; i++)
		s->gauge[sc->row * s->nintervals + i] = s->last[sc->row * s->nintervals + i] = (uint32_t)sc->v[i] + 1;
	return 0;
}

/* The index of NAME among NAMES(FROM .. N-1), or -1. */
static int named(const char *k, size_t n, int from, int count_, const char *(*name)(int))
{
	for (int i = from; i < count_; i++)
		if (is(k, n, name(i)))
			return i;
	return -1;
}

/* fr_outcome_name over an int. */
static const char *outcome_name(int o)
{
	return fr_outcome_name((enum fr_outcome)o);
}

/* fr_timeseries_counter_name over an int. */
static const char *counter_name(int c)
{
	return fr_timeseries_counter_name((enum fr_iv_counter)c);
}

/* "errors": {class: [...]}: counted in the class and taken from ok. */
static int error_member(struct cur *c, const char *k, size_t n, void *arg)
{
	struct scan *sc = arg;
	int o = named(k, n, 1, FR_OUTCOME_N, outcome_name);
	if (o < 0)
		return skip(c);
	if (values(c, sc) != 0)
		return -1;
	for (size_t i = 0; i < sc->s->nintervals; i++) {
		struct fr_iv *iv = fr_timeseries_at(sc->s, (int)sc->row, i);
		iv->outcomes[o] += (uint32_t)sc->v[i];
		iv->outcomes[FR_OK] -= (uint32_t)sc->v[i];
	}
	return 0;
}

/* "counters": {name: [...]}. */
static int counter_member(struct cur *c, const char *k, size_t n, void *arg)
{
	struct scan *sc = arg;
	int x = named(k, n, 0, FR_IV_COUNTER_N, counter_name);
	if (x < 0)
		return skip(c);
	if (values(c, sc) != 0)
		return -1;
	for (size_t i = 0; i < sc->s->nintervals; i++)
		fr_timeseries_at(sc->s, (int)sc->row, i)->counters[x] = (uint32_t)sc->v[i];
	return 0;
}

/* "buckets": per interval, [low, count, low, count, …]. */
static int buckets(struct cur *c, struct scan *sc)
{
	if (!eat(c, '['))
		return -1;
	for (size_t i = 0; i < sc->s->nintervals; i++) {
		struct fr_ivhist *h = &fr_timeseries_at(sc->s, (int)sc->row, i)->latency;
		if ((i && !eat(c, ',')) || !eat(c, '['))
			return sc->shape = 1, -1;
		for (int first = 1; !eat(c, ']'); first = 0) {
			uint64_t low, count_;
			if ((!first && !eat(c, ',')) || number(c, &low) != 0 || !eat(c, ',') || number(c, &count_) != 0)
				return -1;
			fr_ivhist_record(h, (int64_t)low, count_);
		}
	}
	if (!eat(c, ']'))
		return sc->shape = 1, -1;
	return 0;
}

/* What a key object holds beside its arrays: the max, set after the buckets. */
struct key_read {
	struct scan *sc;
	uint64_t *max;
	int have_max;
};

/* A key's members. */
static int key_member(struct cur *c, const char *k, size_t n, void *arg)
{
	struct key_read *kr = arg;
	struct scan *sc = kr->sc;
	if (is(k, n, "requests")) {
		if (values(c, sc) != 0)
			return -1;
		for (size_t i = 0; i < sc->s->nintervals; i++)
			fr_timeseries_at(sc->s, (int)sc->row, i)->outcomes[FR_OK] += (uint32_t)sc->v[i];
		return 0;
	}
	if (is(k, n, "errors"))
		return object(c, error_member, sc);
	if (is(k, n, "counters"))
		return object(c, counter_member, sc);
	if (is(k, n, "buckets"))
		return buckets(c, sc);
	if (is(k, n, "max_us")) {
		kr->have_max = 1;
		return numbers(c, kr->max, sc->s->nintervals) != 0 ? (sc->shape = 1, -1) : 0;
	}
	return skip(c);
}

/* Reads every element of the array at AT with READ(c, sc) for rows 0 .. N-1. */
static int rows(struct scan *sc, const char *at, const char *end, size_t n, int (*read)(struct cur *, struct scan *))
{
	struct cur c = {at, end};
	if (!eat(&c, '['))
		return -1;
	for (sc->row = 0; sc->row < n; sc->row++)
		if ((sc->row && !eat(&c, ',')) || read(&c, sc) != 0)
			return -1;
	return eat(&c, ']') ? 0 : -1;
}

/* One scenario object. */
static int read_scenario(struct cur *c, struct scan *sc)
{
	return object(c, scenario_member, sc);
}

/* One key object; its max goes in last, as the buckets raised it to their lows. */
static int read_key(struct cur *c, struct scan *sc)
{
	struct key_read kr = {sc, sc->v + sc->s->nintervals, 0};
	if (object(c, key_member, &kr) != 0)
		return -1;
	for (size_t i = 0; kr.have_max && i < sc->s->nintervals; i++)
		fr_timeseries_at(sc->s, (int)sc->row, i)->latency.max_us = (uint32_t)kr.max[i];
	return 0;
}

/* Two passes: the header and counts, then the arrays. */
struct fr_timeseries *fr_series_scan(const char *text, size_t len, size_t *used_out, char **err_out)
{
	struct scan sc = {0};
	struct cur c = {text, text + len};
	*err_out = NULL;
	if (object(&c, header_member, &sc) != 0 || !sc.scenarios || !sc.keys || !sc.version) {
		*err_out = xstrdup("the series object lacks version, interval_us, intervals, scenarios or keys");
		return NULL;
	}
	if (sc.version != 1 || sc.interval < 1 || sc.intervals < 1 || sc.intervals > FR_TIMESERIES_MAX_INTERVALS) {
		*err_out = xasprintf("unsupported series (version %lld, %lld intervals of %lldus)",
		                     (long long)sc.version, (long long)sc.intervals, (long long)sc.interval);
		return NULL;
	}
	sc.s = fr_timeseries_create(sc.nkeys, sc.nscenarios, sc.intervals * sc.interval, sc.interval);
	sc.v = xcalloc(2 * (size_t)sc.intervals, sizeof *sc.v);
	int bad = rows(&sc, sc.scenarios, text + len, sc.nscenarios, read_scenario) != 0 ||
	          rows(&sc, sc.keys, text + len, sc.nkeys, read_key) != 0;
	free(sc.v);
	if (bad) {
		*err_out = xstrdup(sc.shape ? "malformed series: an array does not have one value per interval"
		                            : "malformed series");
		fr_timeseries_free(sc.s);
		return NULL;
	}
	if (used_out)
		*used_out = (size_t)(c.p - text);
	return sc.s;
}

/* Walks the top-level members, skipping values, until "series"; its value is left to fr_series_scan. */
int fr_series_scan_find(const char *text, size_t len, size_t *cut_from, size_t *value_from, int *first)
{
	struct cur c = {text, text + len};
	const char *prev_comma = NULL;
	if (!eat(&c, '{') || peek(&c) == '}')
		return -1;
	for (;;) {
		const char *k, *member = c.p;
		size_t n;
		if (string(&c, &k, &n) != 0 || !eat(&c, ':'))
			return -1;
		peek(&c);
		if (is(k, n, "series")) {
			*value_from = (size_t)(c.p - text);
			*cut_from = (size_t)((prev_comma ? prev_comma : member) - text);
			*first = prev_comma == NULL;
			return 0;
		}
		if (skip(&c) != 0 || peek(&c) != ',')
			return -1;
		prev_comma = c.p++;
		peek(&c);
	}
}

/* The end of the member cut out when the series value ends at VALUE_TO: a
 * first member takes the comma after it along. */
size_t fr_series_scan_cut_to(const char *text, size_t len, size_t value_to, int first)
{
	struct cur c = {text + value_to, text + len};
	if (first && eat(&c, ','))
		return (size_t)(c.p - text);
	return value_to;
}
