/* series-mem.c: the resident memory of a 1-hour time series, measured.
 *
 *   series-mem [RATE [THREADS [SECONDS]]]
 *
 * Records what a 1-hour run of plans/event-rate.yaml (time scale 10: six
 * stages of 10 minutes, three request keys weighted 6:3:1, one closed
 * scenario) puts into the series: RATE requests per second in all (default
 * 20,000, four times what this machine's generator reaches on that plan),
 * spread over THREADS per-thread series (default 2) as the workers do, with
 * latencies log-uniform over 200 us .. 50 ms (a wider spread than a real run:
 * more distinct buckets per interval). Then merges the threads' series into
 * one as fr_run does, and prints the resident memory at each step, the
 * bytes the series allocated (fixed part and histogram entries, without the
 * allocator's own overhead) and the bytes per key and interval. Exits 1 when
 * the peak exceeds the budget (FR_SERIES_BUDGET_MB, default 50): the bytes
 * allocated always, the resident memory only without AddressSanitizer (whose
 * redzones and quarantine are not flowrun's memory).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "result/timeseries.h"

#define KEYS 3

/* VmRSS of this process in KB. */
static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, "VmRSS:", 6) == 0)
			kb = strtol(line + 6, NULL, 10);
	if (f)
		fclose(f);
	return kb;
}

/* xorshift64 */
static uint64_t next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

int main(int argc, char **argv)
{
	long rate = argc > 1 ? atol(argv[1]) : 20000;
	int nthreads = argc > 2 ? atoi(argv[2]) : 2;
	long seconds = argc > 3 ? atol(argv[3]) : 3600;
	const char *b = getenv("FR_SERIES_BUDGET_MB");
	double budget_mb = b ? atof(b) : 50;
	static const int weight[KEYS] = {6, 3, 1};
	struct fr_timeseries **t = calloc((size_t)nthreads, sizeof *t);
	uint64_t x = 0x9e3779b97f4a7c15ull;

	long before = rss_kb();
	for (int k = 0; k < nthreads; k++)
		t[k] = fr_timeseries_create(KEYS, 1, seconds * 1000000, FR_TIMESERIES_INTERVAL_US);
	for (long sec = 0; sec < seconds; sec++) {
		for (long n = 0; n < rate; n++) {
			int r = (int)(next(&x) % 10), key = r < weight[0] ? 0 : r < weight[0] + weight[1] ? 1 : 2;
			double u = (double)(next(&x) >> 11) / 9007199254740992.0;
			int64_t lat = (int64_t)(200.0 * exp(u * log(250.0)));
			int64_t at = sec * 1000000 + n * 1000000 / rate;
			fr_timeseries_request(t[n % nthreads], key, at, FR_OK, lat);
		}
		if (sec % 600 == 0)
			for (int k = 0; k < nthreads; k++)
				fr_timeseries_gauge(t[k], 0, sec * 1000000, (uint32_t)(sec / 600 + 1) * 5);
	}
	long recorded = rss_kb();
	uint64_t entries = 0, allocated = 0;
	for (int k = 0; k < nthreads; k++) {
		allocated += KEYS * t[k]->nintervals * sizeof(struct fr_iv);
		for (size_t i = 0; i < KEYS * t[k]->nintervals; i++) {
			entries += t[k]->iv[i].latency.n;
			allocated += t[k]->iv[i].latency.cap * sizeof(uint32_t);
		}
	}
	long peak = recorded;
	for (int k = 1; k < nthreads; k++) {
		fr_timeseries_merge(t[0], t[k]);
		long now = rss_kb();
		peak = now > peak ? now : peak;
		fr_timeseries_free(t[k]);
	}
	long merged = rss_kb();
	peak = merged > peak ? merged : peak;
	uint64_t merged_entries = 0;
	for (size_t i = 0; i < KEYS * t[0]->nintervals; i++)
		merged_entries += t[0]->iv[i].latency.n;
	double kiv = (double)KEYS * (double)t[0]->nintervals;
	printf("series-mem: %ld s at %ld req/s over %d threads, %d keys: %.0f key-intervals\n", seconds, rate, nthreads,
	       KEYS, kiv);
	printf("series-mem: RSS %ld KB before, %ld KB recorded (+%.1f MB), peak %ld KB (+%.1f MB), merged %ld KB "
	       "(+%.1f MB)\n",
	       before, recorded, (double)(recorded - before) / 1024, peak, (double)(peak - before) / 1024, merged,
	       (double)(merged - before) / 1024);
	printf("series-mem: per thread %.0f buckets per key-interval; merged %.0f; merged bytes per key-interval "
	       "%.0f (88 fixed + 4 per bucket + allocation)\n",
	       (double)entries / nthreads / kiv, (double)merged_entries / kiv, (double)(merged - before) * 1024 / kiv);
	printf("series-mem: the threads' series allocated %.1f MB (%.0f bytes per key-interval and thread)\n",
	       (double)allocated / 1048576, (double)allocated / kiv / nthreads);
	fr_timeseries_free(t[0]);
	free(t);
	int over = (double)allocated / 1048576 > budget_mb;
#ifndef __SANITIZE_ADDRESS__
	over |= (double)(peak - before) / 1024 > budget_mb;
#endif
	if (over)
		printf("series-mem: over the budget of %.0f MB\n", budget_mb);
	return over;
}
