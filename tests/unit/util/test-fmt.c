/* test-fmt.c: every duration, count and size style of util/fmt.h, at its boundaries. */
#include "tap.h"
#include "util/fmt.h"

int main(void)
{
	char b[FR_FMT_LEN];

	tap_is_str(fr_fmt_plan_duration(b, sizeof b, 160000000), "160s", "plan: 160 s formats as '160s'");
	tap_is_str(fr_fmt_plan_duration(b, sizeof b, 250000), "250ms", "plan: 250 ms formats as '250ms'");
	tap_is_str(fr_fmt_plan_duration(b, sizeof b, 7), "7us", "plan: 7 us formats as '7us'");
	tap_is_str(fr_fmt_plan_duration(b, sizeof b, 0), "0s", "plan: zero formats as '0s'");

	tap_is_str(fr_fmt_duration(b, sizeof b, 150000000), "2m30s", "compact: 150 s is 2m30s");
	tap_is_str(fr_fmt_duration(b, sizeof b, 7200000000), "2h", "compact: whole hours");
	tap_is_str(fr_fmt_duration(b, sizeof b, 120000000), "2m", "compact: whole minutes");
	tap_is_str(fr_fmt_duration(b, sizeof b, 15000000), "15s", "compact: seconds");
	tap_is_str(fr_fmt_duration(b, sizeof b, 1500000), "1.500s", "compact: fractions of a second");
	tap_is_str(fr_fmt_duration(b, sizeof b, 250000), "250ms", "compact: milliseconds");
	tap_is_str(fr_fmt_duration(b, sizeof b, 999), "999us", "compact: microseconds");

	tap_is_str(fr_fmt_latency(b, sizeof b, 850), "850us", "latency: below 1 ms in us");
	tap_is_str(fr_fmt_latency(b, sizeof b, 7300), "7.30ms", "latency: three digits below 10 ms");
	tap_is_str(fr_fmt_latency(b, sizeof b, 12340), "12.3ms", "latency: three digits below 100 ms");
	tap_is_str(fr_fmt_latency(b, sizeof b, 250000), "250ms", "latency: three digits below 1 s");
	tap_is_str(fr_fmt_latency(b, sizeof b, 1200000), "1.200s", "latency: ms precision above 1 s");

	tap_is_str(fr_fmt_run_length(b, sizeof b, 12000000), "12.0s", "run length: seconds");
	tap_is_str(fr_fmt_run_length(b, sizeof b, 150000000), "2m30s", "run length: minutes");
	tap_is_str(fr_fmt_run_length(b, sizeof b, 3900000000), "1h05m00s", "run length: hours");

	tap_is_str(fr_fmt_offset(b, sizeof b, 30004000), "30.004s", "offset: ms precision");

	tap_is_str(fr_fmt_seconds(b, sizeof b, 5000), "0.005", "seconds: no trailing zeros");
	tap_is_str(fr_fmt_seconds(b, sizeof b, 2500000), "2.5", "seconds: 2.5");
	tap_is_str(fr_fmt_seconds(b, sizeof b, 10000000), "10", "seconds: whole");

	tap_is_str(fr_fmt_count(b, sizeof b, 4210), "4,210", "count: thousands separator");
	tap_is_str(fr_fmt_count(b, sizeof b, 1234567.4), "1,234,567", "count: rounded, two separators");
	tap_is_str(fr_fmt_count(b, sizeof b, 999), "999", "count: none below 1000");

	tap_is_str(fr_fmt_u64(b, sizeof b, 0), "0", "u64: zero");
	tap_is_str(fr_fmt_u64(b, sizeof b, 18446744073709551615ull), "18446744073709551615", "u64: the largest");
	tap_is_str(fr_fmt_u64(b, 4, 123456), "123", "u64: cut to the buffer as snprintf cuts");
	tap_is_str(fr_fmt_bytes(b, sizeof b, 512), "512 B", "bytes: below 1 KiB");
	tap_is_str(fr_fmt_bytes(b, sizeof b, 1536), "1.5 KiB", "bytes: KiB with one decimal below 10");
	tap_is_str(fr_fmt_bytes(b, sizeof b, 50ull << 20), "50 MiB", "bytes: MiB without decimals from 10");
	return tap_done();
}
