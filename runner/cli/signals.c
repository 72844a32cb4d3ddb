/* signals.c: the stop flag, the handlers that raise it and the forced exit after a second signal (see signals.h). */
#include "cli/signals.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/exit.h"

static volatile sig_atomic_t stop_flag, hurry_flag;
static timer_t force_timer;
static volatile sig_atomic_t have_timer;

/* The forced exit: only async-signal-safe calls, as it may cut anything short. */
static void on_force(int sig)
{
	static const char msg[] = "flowrun: second signal: exiting now; results are those of the last checkpoint\n";
	(void)sig;
	ssize_t n = write(STDERR_FILENO, msg, sizeof msg - 1);
	(void)n;
	_exit(FR_EXIT_INTERRUPTED);
}

/* The handler: raises the flag; the second signal also arms the forced exit. */
static void on_signal(int sig)
{
	(void)sig;
	if (!stop_flag) {
		stop_flag = 1;
		return;
	}
	if (hurry_flag)
		return;
	hurry_flag = 1;
	if (have_timer) {
		struct itimerspec at = {
		        .it_value = {FR_SIGNALS_FORCE_MS / 1000, (FR_SIGNALS_FORCE_MS % 1000) * 1000000L}};
		timer_settime(force_timer, 0, &at, NULL); /* async-signal-safe */
	} else {
		on_force(sig);
	}
}

void fr_signals_install(void)
{
	static const int stops[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_force;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	struct sigevent ev;
	memset(&ev, 0, sizeof ev);
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGALRM;
	have_timer = timer_create(CLOCK_MONOTONIC, &ev, &force_timer) == 0;

	sa.sa_handler = on_signal;
	for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++)
		sigaddset(&sa.sa_mask, stops[i]);
	for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++)
		sigaction(stops[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

volatile sig_atomic_t *fr_signals_stop_flag(void)
{
	return &stop_flag;
}

volatile sig_atomic_t *fr_signals_hurry_flag(void)
{
	return &hurry_flag;
}
