/* signals.c: the stop flag and the handlers that raise it (see signals.h). */
#include "cli/signals.h"

#include <string.h>

static volatile sig_atomic_t stop_flag;

/* The handler: async-signal-safe, it only raises the flag. */
static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

void fr_signals_install(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

volatile sig_atomic_t *fr_signals_stop_flag(void)
{
	return &stop_flag;
}
