/* loop.c: libev + libcurl multi-socket glue, the timer scheduler on a timerfd, cross-thread wake.
 *
 * The glue is libcurl's multi-socket API driven by libev, as curl documents
 * it (curl_multi_socket_action): one ev_io per socket, kept in a table
 * indexed by fd and only touched when the events curl wants change; sockets are
 * unregistered in CURLOPT_CLOSESOCKETFUNCTION before they are closed (so a
 * libwebsockets context on the same loop may be handed the fd number at
 * once); curl's single timeout is one ev_timer; finished transfers are
 * drained from curl_multi_info_read after every socket action. Easy handles
 * are reused through a free list. The scheduler's earliest timer is
 * programmed into a timerfd (absolute, CLOCK_MONOTONIC) just before the loop
 * blocks, which gives microsecond precision where an ev_timer would round the
 * poll timeout to milliseconds.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <ev.h>

#include "engine/loop.h"
#include "util/clock.h"
#include "util/xmalloc.h"

#define FR_LOOP_COALESCE_NS 100000 /* timers due within the same 100 µs fire in one wake-up */

struct sockw {
	ev_io io;
	int events; /* EV_READ | EV_WRITE currently started, 0 when stopped */
};

struct fr_loop {
	struct ev_loop *ev;
	CURLM *multi;
	struct fr_sched *sched;
	ev_timer curl_timer;
	ev_prepare prepare;
	ev_io tfd_io;
	int tfd;
	int64_t tfd_at; /* due time programmed into the timerfd, -1: disarmed */
	ev_async wake;
	fr_loop_wake_fn wake_fn;
	void *wake_arg;
	struct sockw **fds; /* indexed by fd */
	size_t nfds;
	CURL **spare; /* free list of easy handles */
	size_t nspare;
	size_t capspare;
	struct fr_loop_xfer *inflight;
	unsigned maxconns;
	void *ext;
	const struct fr_loop_ext *ext_ops;
};

/* Raises the soft RLIMIT_NOFILE to the hard limit. */
long fr_loop_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return -1;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	return rl.rlim_cur == RLIM_INFINITY ? (long)1 << 30 : (long)rl.rlim_cur;
}

/* Finishes every transfer curl reports done. */
static void drain_done(struct fr_loop *loop)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(loop->multi, &left))) {
		struct fr_loop_xfer *xfer = NULL;
		if (msg->msg != CURLMSG_DONE)
			continue;
		CURL *easy = msg->easy_handle;
		CURLcode result = msg->data.result;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&xfer);
		fr_loop_abort(loop, xfer);
		xfer->done(xfer, result);
	}
}

/* Tells curl about activity on one socket (or a timeout) and drains. */
static void socket_action(struct fr_loop *loop, curl_socket_t fd, int flags)
{
	int running;

	curl_multi_socket_action(loop->multi, fd, flags, &running);
	drain_done(loop);
}

/* libev: a socket curl watches is ready. */
static void on_io(struct ev_loop *ev, ev_io *w, int revents)
{
	struct fr_loop *loop = w->data;
	int flags = 0;

	if (revents & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (revents & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	if (revents & EV_ERROR)
		flags |= CURL_CSELECT_ERR;
	socket_action(loop, w->fd, flags);
}

/* libev: curl's timeout expired. */
static void on_curl_timer(struct ev_loop *ev, ev_timer *w, int revents)
{
	socket_action(w->data, CURL_SOCKET_TIMEOUT, 0);
}

/* The watcher slot for FD, created on first use. */
static struct sockw *sock_slot(struct fr_loop *loop, int fd)
{
	if ((size_t)fd >= loop->nfds) {
		size_t n = loop->nfds ? loop->nfds : 256;
		while (n <= (size_t)fd)
			n *= 2;
		loop->fds = xreallocarray(loop->fds, n, sizeof(*loop->fds));
		memset(loop->fds + loop->nfds, 0, (n - loop->nfds) * sizeof(*loop->fds));
		loop->nfds = n;
	}
	if (!loop->fds[fd]) {
		struct sockw *sw = xcalloc(1, sizeof(*sw));
		ev_io_init(&sw->io, on_io, fd, 0);
		sw->io.data = loop;
		loop->fds[fd] = sw;
	}
	return loop->fds[fd];
}

/* Starts, changes or stops the watcher of FD to EVENTS, only when they change. */
static void sock_watch(struct fr_loop *loop, int fd, int events)
{
	struct sockw *sw;

	if (events == 0 && ((size_t)fd >= loop->nfds || !loop->fds[fd]))
		return;
	sw = sock_slot(loop, fd);
	if (sw->events == events)
		return;
	if (sw->events)
		ev_io_stop(loop->ev, &sw->io);
	sw->events = events;
	if (!events)
		return;
	ev_io_set(&sw->io, fd, events);
	ev_io_start(loop->ev, &sw->io);
}

/* curl: the events wanted on a socket changed. */
static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	static const int map[] = {
	        [CURL_POLL_NONE] = 0,       [CURL_POLL_IN] = EV_READ,
	        [CURL_POLL_OUT] = EV_WRITE, [CURL_POLL_INOUT] = EV_READ | EV_WRITE,
	        [CURL_POLL_REMOVE] = 0,
	};

	sock_watch(userp, fd, what >= 0 && what <= CURL_POLL_REMOVE ? map[what] : 0);
	return 0;
}

/* curl: the single timeout changed. */
static int on_timer(CURLM *multi, long timeout_ms, void *userp)
{
	struct fr_loop *loop = userp;

	ev_timer_stop(loop->ev, &loop->curl_timer);
	if (timeout_ms < 0)
		return 0;
	ev_timer_set(&loop->curl_timer, (double)timeout_ms / 1000.0, 0.);
	ev_timer_start(loop->ev, &loop->curl_timer);
	return 0;
}

/* curl: a socket is about to be closed: unregister it first. */
static int on_close_socket(void *clientp, curl_socket_t fd)
{
	sock_watch(clientp, fd, 0);
	return close(fd);
}

/* libev, before blocking: program the scheduler's earliest timer, rounded up
 * to the FR_LOOP_COALESCE_NS grid so that the timers due in one slot (an open
 * model's arrivals at 20,000/s are 50 µs apart on a thread) fire in one
 * wake-up: each wake-up from idle costs more kernel time than a request. */
static void on_prepare(struct ev_loop *ev, ev_prepare *w, int revents)
{
	struct fr_loop *loop = w->data;
	int64_t next = fr_sched_next(loop->sched);
	struct itimerspec its;

	if (next > 0)
		next = (next + FR_LOOP_COALESCE_NS - 1) / FR_LOOP_COALESCE_NS * FR_LOOP_COALESCE_NS;
	if (next == loop->tfd_at)
		return;
	memset(&its, 0, sizeof(its));
	if (next >= 0) {
		int64_t at = next > 0 ? next : 1;
		its.it_value.tv_sec = at / 1000000000;
		its.it_value.tv_nsec = at % 1000000000;
	}
	timerfd_settime(loop->tfd, TFD_TIMER_ABSTIME, &its, NULL);
	loop->tfd_at = next;
}

/* libev: the timerfd expired: fire what is due. */
static void on_tfd(struct ev_loop *ev, ev_io *w, int revents)
{
	struct fr_loop *loop = w->data;
	uint64_t n;

	if (read(loop->tfd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	loop->tfd_at = -1;
	fr_sched_run(loop->sched, fr_clock_mono_ns());
}

/* libev: another thread called fr_loop_wake. */
static void on_wake(struct ev_loop *ev, ev_async *w, int revents)
{
	struct fr_loop *loop = w->data;

	if (loop->wake_fn)
		loop->wake_fn(loop, loop->wake_arg);
}

/* Sets up the libev side: watchers for curl's timer, the timerfd, wake. */
static int ev_setup(struct fr_loop *loop)
{
	loop->ev = ev_loop_new(EVFLAG_AUTO);
	if (!loop->ev)
		return -1;
	loop->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (loop->tfd < 0)
		return -1;
	loop->tfd_at = -1;
	ev_timer_init(&loop->curl_timer, on_curl_timer, 0., 0.);
	loop->curl_timer.data = loop;
	ev_prepare_init(&loop->prepare, on_prepare);
	loop->prepare.data = loop;
	ev_prepare_start(loop->ev, &loop->prepare);
	ev_io_init(&loop->tfd_io, on_tfd, loop->tfd, EV_READ);
	loop->tfd_io.data = loop;
	ev_io_start(loop->ev, &loop->tfd_io);
	ev_async_init(&loop->wake, on_wake);
	loop->wake.data = loop;
	ev_async_start(loop->ev, &loop->wake);
	return 0;
}

/* Sets up the curl side: the multi handle on this loop. */
static int curl_setup(struct fr_loop *loop, unsigned maxconns)
{
	loop->multi = curl_multi_init();
	if (!loop->multi)
		return -1;
	curl_multi_setopt(loop->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(loop->multi, CURLMOPT_SOCKETDATA, loop);
	curl_multi_setopt(loop->multi, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(loop->multi, CURLMOPT_TIMERDATA, loop);
	fr_loop_set_maxconns(loop, maxconns);
	return 0;
}

/* Creates a loop. */
struct fr_loop *fr_loop_create(unsigned maxconns)
{
	struct fr_loop *loop = xcalloc(1, sizeof(*loop));

	loop->tfd = -1;
	loop->sched = fr_sched_create(1024);
	if (ev_setup(loop) != 0 || curl_setup(loop, maxconns) != 0) {
		fr_loop_free(loop);
		return NULL;
	}
	return loop;
}

/* Frees the loop, aborting what is in flight. */
void fr_loop_free(struct fr_loop *loop)
{
	if (!loop)
		return;
	while (loop->inflight) {
		struct fr_loop_xfer *x = loop->inflight;
		fr_loop_abort(loop, x);
		curl_easy_cleanup(x->easy);
		x->easy = NULL;
	}
	if (loop->ext_ops) /* after the curl transfers: it may free the structs they were embedded in */
		loop->ext_ops->free(loop->ext);
	for (size_t i = 0; i < loop->nspare; i++)
		curl_easy_cleanup(loop->spare[i]);
	free(loop->spare);
	if (loop->multi)
		curl_multi_cleanup(loop->multi); /* closes cached connections through on_close_socket */
	for (size_t i = 0; i < loop->nfds; i++) {
		if (loop->fds[i] && loop->fds[i]->events)
			ev_io_stop(loop->ev, &loop->fds[i]->io);
		free(loop->fds[i]);
	}
	free(loop->fds);
	if (loop->ev)
		ev_loop_destroy(loop->ev);
	if (loop->tfd >= 0)
		close(loop->tfd);
	fr_sched_free(loop->sched);
	free(loop);
}

/* The libev loop, for watchers of other modules (libwebsockets). */
struct ev_loop *fr_loop_ev(struct fr_loop *loop)
{
	return loop->ev;
}

/* The timer scheduler of this loop. */
struct fr_sched *fr_loop_sched(struct fr_loop *loop)
{
	return loop->sched;
}

/* Grows the connection cache to at least MAXCONNS. */
void fr_loop_set_maxconns(struct fr_loop *loop, unsigned maxconns)
{
	if (maxconns < 16)
		maxconns = 16;
	if (maxconns <= loop->maxconns)
		return;
	loop->maxconns = maxconns;
	curl_multi_setopt(loop->multi, CURLMOPT_MAXCONNECTS, (long)maxconns);
}

/* The idle connections a loop keeps. */
unsigned fr_loop_maxconns(const struct fr_loop *loop)
{
	return loop->maxconns;
}

/* Attaches another module's per-loop state. */
void fr_loop_set_ext(struct fr_loop *loop, void *p, const struct fr_loop_ext *ops)
{
	loop->ext = p;
	loop->ext_ops = ops;
}

/* The attached state, or NULL. */
void *fr_loop_ext(const struct fr_loop *loop)
{
	return loop->ext;
}

/* Options every easy handle of this loop carries. */
static void easy_defaults(struct fr_loop *loop, CURL *easy)
{
	curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, on_close_socket);
	curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, loop);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
}

/* A reset easy handle from the free list, or a new one. */
CURL *fr_loop_easy_get(struct fr_loop *loop)
{
	CURL *easy;

	if (loop->nspare) {
		easy = loop->spare[--loop->nspare];
		curl_easy_reset(easy);
	} else {
		easy = curl_easy_init();
		if (!easy)
			return NULL;
	}
	easy_defaults(loop, easy);
	return easy;
}

/* Gives an easy handle back to the free list. */
void fr_loop_easy_put(struct fr_loop *loop, CURL *easy)
{
	if (!easy)
		return;
	if (loop->nspare == loop->capspare) {
		loop->capspare = loop->capspare ? loop->capspare * 2 : 64;
		loop->spare = xreallocarray(loop->spare, loop->capspare, sizeof(*loop->spare));
	}
	loop->spare[loop->nspare++] = easy;
}

/* Starts a transfer. */
int fr_loop_add(struct fr_loop *loop, struct fr_loop_xfer *xfer)
{
	curl_easy_setopt(xfer->easy, CURLOPT_PRIVATE, (char *)xfer);
	if (curl_multi_add_handle(loop->multi, xfer->easy) != CURLM_OK)
		return -1;
	xfer->prev = NULL;
	xfer->next = loop->inflight;
	if (loop->inflight)
		loop->inflight->prev = xfer;
	loop->inflight = xfer;
	return 0;
}

/* Whether XFER is in the in-flight list. */
static int is_inflight(const struct fr_loop *loop, const struct fr_loop_xfer *xfer)
{
	return xfer->prev || loop->inflight == xfer;
}

/* Takes a transfer out of the multi and the in-flight list. */
void fr_loop_abort(struct fr_loop *loop, struct fr_loop_xfer *xfer)
{
	if (!xfer || !is_inflight(loop, xfer))
		return;
	curl_multi_remove_handle(loop->multi, xfer->easy);
	if (xfer->prev)
		xfer->prev->next = xfer->next;
	else
		loop->inflight = xfer->next;
	if (xfer->next)
		xfer->next->prev = xfer->prev;
	xfer->next = xfer->prev = NULL;
}

/* Aborts everything in flight, telling each owner. */
void fr_loop_abort_all(struct fr_loop *loop)
{
	while (loop->inflight) {
		struct fr_loop_xfer *x = loop->inflight;
		fr_loop_abort(loop, x);
		x->done(x, CURLE_ABORTED_BY_CALLBACK);
	}
	if (loop->ext_ops)
		loop->ext_ops->abort_all(loop->ext);
}

/* Sets the wake-up callback. */
void fr_loop_on_wake(struct fr_loop *loop, fr_loop_wake_fn fn, void *arg)
{
	loop->wake_fn = fn;
	loop->wake_arg = arg;
}

/* Wakes the loop from any thread. */
void fr_loop_wake(struct fr_loop *loop)
{
	ev_async_send(loop->ev, &loop->wake);
}

/* Runs until fr_loop_break. */
void fr_loop_run(struct fr_loop *loop)
{
	ev_run(loop->ev, 0);
}

/* Runs one iteration. */
void fr_loop_run_once(struct fr_loop *loop)
{
	ev_run(loop->ev, EVRUN_ONCE);
}

/* Makes fr_loop_run return. */
void fr_loop_break(struct fr_loop *loop)
{
	ev_break(loop->ev, EVBREAK_ONE);
}
