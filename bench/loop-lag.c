/* loop-lag.c: how late a 10 ms heartbeat runs on this machine — the noise floor of flowrun's loop lag.
 *
 * A timerfd due 10 ms after the previous tick ran (as flowrun's heartbeat,
 * engine/health_probe.c), for SECONDS seconds. Prints the lag's p50, p99,
 * p99.9 and max, and for 1 s and 2 s windows how many had a lag p99 over
 * 50 ms (decision 0021 chose the bounds from these figures). Not part of the
 * build:
 *
 *   cc -O2 bench/loop-lag.c -o loop-lag && ./loop-lag 30
 *   # add load: for i in $(seq 8); do (while :; do :; done) & done; ./loop-lag 30; kill %1 … %8
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

/* Monotonic nanoseconds. */
static int64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* qsort order of int64_t. */
static int cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Windows of W ticks whose p99 is over 50 ms, and the worst p99. */
static void windows(const int64_t *lag, int n, int w)
{
	int64_t *c = malloc(sizeof(*c) * (size_t)w), worst = 0;
	int over = 0, nw = 0;

	for (int s = 0; s + w <= n; s += w, nw++) {
		for (int k = 0; k < w; k++)
			c[k] = lag[s + k];
		qsort(c, (size_t)w, sizeof(*c), cmp);
		int64_t p99 = c[(w * 99 + 99) / 100 - 1];
		worst = p99 > worst ? p99 : worst;
		over += p99 > 50000000;
	}
	printf("windows of %d ticks: %d, %d with lag p99 > 50ms, worst p99 %.1fms\n", w, nw, over, (double)worst / 1e6);
	free(c);
}

int main(int argc, char **argv)
{
	int n = (argc > 1 ? atoi(argv[1]) : 10) * 100, fd = timerfd_create(CLOCK_MONOTONIC, 0);
	int64_t *lag = malloc(sizeof(*lag) * (size_t)n), next = now_ns() + 10000000;

	for (int i = 0; i < n; i++) {
		struct itimerspec its = {{0, 0}, {next / 1000000000, next % 1000000000}};
		uint64_t x;
		timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL);
		if (read(fd, &x, sizeof(x)) < 0)
			return 1;
		int64_t t = now_ns();
		lag[i] = t - next;
		next = t + 10000000;
	}
	windows(lag, n, 100);
	windows(lag, n, 200);
	qsort(lag, (size_t)n, sizeof(*lag), cmp);
	printf("lag p50 %.2fms p99 %.2fms p99.9 %.2fms max %.2fms\n", (double)lag[n / 2] / 1e6,
	       (double)lag[n * 99 / 100] / 1e6, (double)lag[n * 999 / 1000] / 1e6, (double)lag[n - 1] / 1e6);
	return 0;
}
