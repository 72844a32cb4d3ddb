/* health_probe.c: the workers' heartbeats and the host watch (see health_probe.h).
 *
 * A heartbeat re-arms itself one tick after it actually ran, as Node.js's
 * delay monitor does, so a stalled loop yields one long lag rather than a
 * burst of catch-up ticks. Thread CPU time comes from
 * CLOCK_THREAD_CPUTIME_ID (a system call, 100 times a second).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "engine/health_probe.h"
#include "observe/metrics.h"
#include "util/clock.h"
#include "util/container.h"
#include "util/xmalloc.h"

#define TICK_NS       ((int64_t)FR_HEALTH_TICK_US * 1000)
#define LIVE_NS       1000000000LL /* the live metrics' period */
#define BURN_PERIOD   100000000LL  /* FLOWRUN_TEST_BUSY: burn a share of every 100 ms */
#define HOST_TICK_NS  1000000000LL
#define BURN_WALL_CAP 1000000000LL /* never spin longer than this, whatever the CPU got */

struct fr_health_probe {
	struct fr_drive *d;
	struct fr_timer tick;
	int64_t last_ns;
	int64_t last_cpu_ns;
	/* the live second */
	int64_t live_start_ns;
	int64_t live_cpu_ns;
	int64_t live_lag_max_ns;
	/* FLOWRUN_TEST_BUSY */
	struct fr_timer burn;
	int burn_pct;
};

struct fr_host_watch {
	struct fr_loop *loop;
	struct fr_metrics *m;
	struct fr_timer tick;
	double load_start;
	double load_max;
};

/* This thread's CPU time, ns. */
static int64_t thread_cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Publishes the last second of this worker to the live metrics. */
static void live(struct fr_health_probe *p, int64_t now, int64_t cpu_ns, int64_t lag_ns)
{
	p->live_cpu_ns += cpu_ns;
	if (lag_ns > p->live_lag_max_ns)
		p->live_lag_max_ns = lag_ns;
	if (now - p->live_start_ns < LIVE_NS)
		return;
	fr_metrics_set_thread_health(p->d->metrics, p->d->thread,
	                             (double)p->live_cpu_ns / (double)(now - p->live_start_ns),
	                             (double)p->live_lag_max_ns / 1e9);
	p->live_start_ns = now;
	p->live_cpu_ns = 0;
	p->live_lag_max_ns = 0;
}

/* The heartbeat: how late it is, what the thread used since the last one. */
static void on_tick(struct fr_timer *t)
{
	struct fr_health_probe *p = FR_CONTAINER_OF(t, struct fr_health_probe, tick);
	struct fr_drive *d = p->d;
	int64_t now = fr_clock_mono_ns(), cpu = thread_cpu_ns();
	int64_t lag = now - t->at_ns, dcpu = cpu - p->last_cpu_ns, dwall = now - p->last_ns;

	p->last_ns = now;
	p->last_cpu_ns = cpu;
	if (d->pass_end_ns > 0 && now >= d->pass_t0_ns && now < d->pass_end_ns)
		fr_health_tick(d->res->health, 0, fr_drive_segment(d, now), dcpu / 1000, dwall / 1000, lag / 1000);
	live(p, now, dcpu, lag);
	fr_sched_arm(fr_loop_sched(d->loop), t, now + TICK_NS);
}

/* FLOWRUN_TEST_BUSY: spin until the thread has used its share of the period. */
static void on_burn(struct fr_timer *t)
{
	struct fr_health_probe *p = FR_CONTAINER_OF(t, struct fr_health_probe, burn);
	int64_t start = fr_clock_mono_ns(), until = thread_cpu_ns() + BURN_PERIOD * p->burn_pct / 100;

	while (thread_cpu_ns() < until && fr_clock_mono_ns() - start < BURN_WALL_CAP)
		;
	fr_sched_arm(fr_loop_sched(p->d->loop), t, start + BURN_PERIOD);
}

/* The share of FLOWRUN_TEST_BUSY=THREAD:PERCENT for THREAD, else 0. */
static int busy_share(int thread)
{
	const char *v = getenv("FLOWRUN_TEST_BUSY");
	int th, pct;

	if (!v || sscanf(v, "%d:%d", &th, &pct) != 2 || th != thread || pct <= 0)
		return 0;
	return pct > 100 ? 100 : pct;
}

/* Starts a worker's heartbeat. */
struct fr_health_probe *fr_health_probe_start(struct fr_drive *d)
{
	struct fr_health_probe *p = xcalloc(1, sizeof(*p));
	int64_t now = fr_clock_mono_ns();

	p->d = d;
	p->last_ns = p->live_start_ns = now;
	p->last_cpu_ns = thread_cpu_ns();
	fr_timer_init(&p->tick, on_tick);
	fr_sched_arm(fr_loop_sched(d->loop), &p->tick, now + TICK_NS);
	fr_timer_init(&p->burn, on_burn);
	p->burn_pct = busy_share(d->thread);
	if (p->burn_pct)
		fr_sched_arm(fr_loop_sched(d->loop), &p->burn, now + BURN_PERIOD);
	return p;
}

/* Stops a worker's heartbeat. */
void fr_health_probe_stop(struct fr_health_probe *p)
{
	if (!p)
		return;
	fr_sched_cancel(fr_loop_sched(p->d->loop), &p->tick);
	fr_sched_cancel(fr_loop_sched(p->d->loop), &p->burn);
	free(p);
}

/* The host's 1-minute load average, or -1. */
static double load1(void)
{
	double l[1];

	return getloadavg(l, 1) == 1 ? l[0] : -1;
}

/* The process's resident memory now, bytes (0: unknown). */
static double rss_now(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	return (double)resident * (double)sysconf(_SC_PAGESIZE);
}

/* The host watch's second: the load average and the live gauges. */
static void on_host_tick(struct fr_timer *t)
{
	struct fr_host_watch *w = FR_CONTAINER_OF(t, struct fr_host_watch, tick);
	double l = load1();

	if (l > w->load_max)
		w->load_max = l;
	fr_metrics_set_host(w->m, rss_now(), l);
	fr_sched_arm(fr_loop_sched(w->loop), t, fr_clock_mono_ns() + HOST_TICK_NS);
}

/* Starts the host watch. */
struct fr_host_watch *fr_host_watch_start(struct fr_loop *loop, struct fr_metrics *m)
{
	struct fr_host_watch *w = xcalloc(1, sizeof(*w));

	w->loop = loop;
	w->m = m;
	w->load_start = w->load_max = load1();
	fr_metrics_set_host(m, rss_now(), w->load_start);
	fr_timer_init(&w->tick, on_host_tick);
	fr_sched_arm(fr_loop_sched(loop), &w->tick, fr_clock_mono_ns() + HOST_TICK_NS);
	return w;
}

/* Stops the watch and hands over what it saw. */
void fr_host_watch_finish(struct fr_host_watch *w, struct fr_health *h)
{
	struct rusage ru;

	if (!w)
		return;
	fr_sched_cancel(fr_loop_sched(w->loop), &w->tick);
	if (h) {
		double end = load1();
		h->load_start = w->load_start;
		h->load_max = end > w->load_max ? end : w->load_max;
		h->load_end = end;
		h->cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
		if (getrusage(RUSAGE_SELF, &ru) == 0)
			h->rss_peak_bytes = (int64_t)ru.ru_maxrss * 1024;
	}
	free(w);
}
