/* clock.c: monotonic and wall clocks, and an interruptible sleep (see clock.h). */
#include "util/clock.h"

#include <errno.h>
#include <time.h>

int64_t fr_clock_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t fr_clock_wall_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

double fr_clock_wall_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int fr_clock_sleep(double seconds, volatile sig_atomic_t *stop)
{
	int64_t end = fr_clock_mono_ns() + (int64_t)(seconds * 1e9);
	for (;;) {
		if (stop && *stop)
			return -1;
		int64_t left = end - fr_clock_mono_ns();
		if (left <= 0)
			return 0;
		if (left > 50000000)
			left = 50000000;
		struct timespec d = {0, (long)left};
		while (nanosleep(&d, &d) != 0 && errno == EINTR && !(stop && *stop))
			;
	}
}
