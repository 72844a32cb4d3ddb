/* progress.c: formats and refreshes the progress line from the live counters.
 *
 * The p99 is written in fr_fmt_latency's style (util/fmt.h): three
 * significant digits, "850us", "7.30ms", "1.200s".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/progress.h"
#include "engine/worker.h"
#include "util/clock.h"
#include "util/container.h"
#include "util/fmt.h"
#include "util/xmalloc.h"

#define TTY_EVERY_NS   500000000
#define PLAIN_EVERY_NS 5000000000

struct fr_progress {
	struct fr_timer timer;
	FILE *out;
	int tty;
	int64_t every_ns;
	const struct fr_timeline *tl;
	struct fr_live *live;
	struct fr_worker **workers;
	int nworkers;
	struct fr_loop *loop;
	struct fr_hist *merged;
	int scenario; /* the scenario whose stage is shown */
	char stage[96];
	int pass;
	int64_t pass_t0_ns;
	int64_t last_ns;
	uint64_t last_done;
	int printed;
};

/* Formats the progress line. */
void fr_progress_format(char *buf, size_t len, const char *stage, double elapsed_s, double total_s, double rate,
                        uint64_t done, uint64_t errors, int64_t p99_us)
{
	char lat[FR_FMT_LEN];

	fr_fmt_latency(lat, sizeof(lat), (double)p99_us);
	snprintf(buf, len, "%s  %.1fs/%.1fs  %.0f req/s  %llu requests  %llu errors (%.1f%%)  p99 %s", stage, elapsed_s,
	         total_s, rate, (unsigned long long)done, (unsigned long long)errors,
	         done ? 100.0 * (double)errors / (double)done : 0.0, done ? lat : "-");
}

/* Prints the line now. */
static void print_line(struct fr_progress *p, int64_t now)
{
	uint64_t done = atomic_load_explicit(&p->live->done, memory_order_relaxed);
	uint64_t errors = atomic_load_explicit(&p->live->errors, memory_order_relaxed);
	double dt = (double)(now - p->last_ns) / 1e9;
	double elapsed = ((double)p->pass * (double)p->tl->pass_us + (double)(now - p->pass_t0_ns) / 1000.0) / 1e6;
	char line[256];

	fr_hist_reset(p->merged);
	for (int k = 0; k < p->nworkers; k++)
		fr_worker_live_merge(p->workers[k], p->merged);
	fr_progress_format(line, sizeof(line), p->stage, elapsed < 0 ? 0 : elapsed,
	                   (double)p->tl->totals.duration_us / 1e6, dt > 0 ? (double)(done - p->last_done) / dt : 0,
	                   done, errors, fr_hist_quantile(p->merged, 0.99));
	if (p->tty)
		fprintf(p->out, "\r%s\033[K", line);
	else
		fprintf(p->out, "%s\n", line);
	fflush(p->out);
	p->printed = 1;
	p->last_ns = now;
	p->last_done = done;
}

/* Timer: time for a refresh. */
static void on_timer(struct fr_timer *t)
{
	struct fr_progress *p = FR_CONTAINER_OF(t, struct fr_progress, timer);
	int64_t now = fr_clock_mono_ns();

	print_line(p, now);
	fr_sched_arm(fr_loop_sched(p->loop), t, now + p->every_ns);
}

/* The first scenario with a level to show. */
static int shown_scenario(const struct fr_plan *plan)
{
	for (size_t s = 0; s < plan->nscenarios; s++)
		if (plan->scenarios[s].model != FR_MODEL_WEBSOCKET)
			return (int)s;
	return plan->nscenarios ? 0 : -1;
}

/* Starts the progress output. */
struct fr_progress *fr_progress_create(FILE *out, const struct fr_timeline *tl, struct fr_live *live,
                                       struct fr_worker **workers, int nworkers, struct fr_loop *loop)
{
	struct fr_progress *p = xcalloc(1, sizeof(*p));

	p->out = out ? out : stderr;
	int fd = fileno(p->out);
	if (fd < 0 && p->out == stderr) /* stderr is filtered (util/redact.h): its descriptor is still 2 */
		fd = STDERR_FILENO;
	p->tty = fd >= 0 && isatty(fd);
	p->every_ns = p->tty ? TTY_EVERY_NS : PLAIN_EVERY_NS;
	p->tl = tl;
	p->live = live;
	p->workers = workers;
	p->nworkers = nworkers;
	p->loop = loop;
	p->merged = fr_hist_create();
	p->scenario = shown_scenario(tl->plan);
	snprintf(p->stage, sizeof(p->stage), "starting");
	fr_timer_init(&p->timer, on_timer);
	return p;
}

/* Remembers the stage of the shown scenario. */
void fr_progress_action(struct fr_progress *p, const struct fr_action *act)
{
	const struct fr_scenario *sc;
	static const char *unit[] = {"users", "/s", "viewers"};

	if (!p || act->scenario != p->scenario || (act->kind != FR_ACT_STAGE && act->kind != FR_ACT_STOP))
		return;
	sc = &p->tl->plan->scenarios[act->scenario];
	if (act->kind == FR_ACT_STOP)
		snprintf(p->stage, sizeof(p->stage), "%s done", sc->name);
	else
		snprintf(p->stage, sizeof(p->stage), "%s stage %d/%zu (%g%s%s)", sc->name, act->stage + 1, sc->nstages,
		         act->level, sc->model == FR_MODEL_OPEN ? "" : " ", unit[sc->model]);
}

/* A pass starts: refresh from its start time on. */
void fr_progress_pass(struct fr_progress *p, int pass, int64_t t0_ns)
{
	if (!p)
		return;
	p->pass = pass;
	p->pass_t0_ns = t0_ns;
	if (!fr_timer_armed(&p->timer)) {
		p->last_ns = t0_ns;
		fr_sched_arm(fr_loop_sched(p->loop), &p->timer, t0_ns + p->every_ns);
	}
}

/* Prints the last line and stops. */
void fr_progress_done(struct fr_progress *p)
{
	if (!p)
		return;
	fr_sched_cancel(fr_loop_sched(p->loop), &p->timer);
	if (p->tty && p->printed)
		fputc('\n', p->out);
	fflush(p->out);
}

/* Frees the progress state; accepts NULL. */
void fr_progress_free(struct fr_progress *p)
{
	if (!p)
		return;
	if (fr_timer_armed(&p->timer))
		fr_sched_cancel(fr_loop_sched(p->loop), &p->timer);
	fr_hist_free(p->merged);
	free(p);
}
