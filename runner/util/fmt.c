/* fmt.c: the duration, count and size styles of flowrun (see fmt.h). */
#include "util/fmt.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

char *fr_fmt_plan_duration(char *buf, size_t len, int64_t us)
{
	if (us == 0)
		snprintf(buf, len, "0s");
	else if (us % 1000000 == 0)
		snprintf(buf, len, "%" PRId64 "s", us / 1000000);
	else if (us % 1000 == 0)
		snprintf(buf, len, "%" PRId64 "ms", us / 1000);
	else
		snprintf(buf, len, "%" PRId64 "us", us);
	return buf;
}

char *fr_fmt_duration(char *buf, size_t len, int64_t us)
{
	if (us % 1000000 == 0) {
		int64_t s = us / 1000000;
		if (s >= 3600 && s % 3600 == 0)
			snprintf(buf, len, "%" PRId64 "h", s / 3600);
		else if (s >= 60 && s % 60 == 0)
			snprintf(buf, len, "%" PRId64 "m", s / 60);
		else if (s >= 60)
			snprintf(buf, len, "%" PRId64 "m%" PRId64 "s", s / 60, s % 60);
		else
			snprintf(buf, len, "%" PRId64 "s", s);
	} else if (us < 1000000 && us % 1000 == 0) {
		snprintf(buf, len, "%" PRId64 "ms", us / 1000);
	} else if (us < 1000) {
		snprintf(buf, len, "%" PRId64 "us", us);
	} else {
		snprintf(buf, len, "%.3fs", (double)us / 1e6);
	}
	return buf;
}

char *fr_fmt_latency(char *buf, size_t len, double us)
{
	if (us < 999.5)
		snprintf(buf, len, "%.0fus", us);
	else if (us < 9995)
		snprintf(buf, len, "%.2fms", us / 1e3);
	else if (us < 99950)
		snprintf(buf, len, "%.1fms", us / 1e3);
	else if (us < 999500)
		snprintf(buf, len, "%.0fms", us / 1e3);
	else
		snprintf(buf, len, "%.3fs", us / 1e6);
	return buf;
}

char *fr_fmt_run_length(char *buf, size_t len, int64_t us)
{
	int64_t s = us / 1000000;
	if (us < 60000000)
		snprintf(buf, len, "%.1fs", (double)us / 1e6);
	else if (s < 3600)
		snprintf(buf, len, "%dm%02ds", (int)(s / 60), (int)(s % 60));
	else
		snprintf(buf, len, "%dh%02dm%02ds", (int)(s / 3600), (int)(s / 60 % 60), (int)(s % 60));
	return buf;
}

char *fr_fmt_offset(char *buf, size_t len, int64_t us)
{
	snprintf(buf, len, "%.3fs", (double)us / 1e6);
	return buf;
}

char *fr_fmt_seconds(char *buf, size_t len, int64_t us)
{
	const char *sign = us < 0 ? "-" : "";
	uint64_t a = us < 0 ? (uint64_t)0 - (uint64_t)us : (uint64_t)us;
	snprintf(buf, len, "%s%" PRIu64 ".%06" PRIu64, sign, a / 1000000, a % 1000000);
	char *p = buf + strlen(buf) - 1;
	while (*p == '0')
		*p-- = '\0';
	if (*p == '.')
		*p = '\0';
	return buf;
}

char *fr_fmt_count(char *buf, size_t len, double v)
{
	char raw[32];
	long long n = llround(v);
	size_t o = 0;

	snprintf(raw, sizeof raw, "%lld", n < 0 ? -n : n);
	size_t l = strlen(raw);
	if (n < 0 && o + 1 < len)
		buf[o++] = '-';
	for (size_t i = 0; i < l && o + 2 < len; i++) {
		if (i && (l - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = raw[i];
	}
	buf[o] = '\0';
	return buf;
}

char *fr_fmt_bytes(char *buf, size_t len, uint64_t bytes)
{
	static const char *const unit[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
	if (bytes < 1024) {
		snprintf(buf, len, "%" PRIu64 " B", bytes);
		return buf;
	}
	double v = (double)bytes / 1024;
	size_t u = 0;
	while (v >= 1024 && u + 1 < sizeof unit / sizeof unit[0]) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, v < 10 ? "%.1f %s" : "%.0f %s", v, unit[u]);
	return buf;
}

/* Plain decimal digits, written from the end of a scratch array; cut as snprintf cuts. */
char *fr_fmt_u64(char *buf, size_t len, uint64_t v)
{
	char tmp[24];
	size_t n = sizeof(tmp), d;

	do {
		tmp[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (!len)
		return buf;
	d = sizeof(tmp) - n < len ? sizeof(tmp) - n : len - 1;
	memcpy(buf, tmp + n, d);
	buf[d] = '\0';
	return buf;
}
