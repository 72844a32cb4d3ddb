/* loop.h: one event loop per worker thread — libev, libcurl's multi interface and the timers.
 *
 * A struct fr_loop is what one worker thread runs: one libev loop
 * (ev_loop_new), one CURLM driven by the multi-socket API on it, one timer
 * scheduler (sched.h) driven by a timerfd, and an ev_async so that other
 * threads can wake it. Everything in it belongs to the thread that runs it;
 * only fr_loop_wake may be called from elsewhere.
 *
 * HTTP transfers: the caller embeds a struct fr_loop_xfer in its own transfer
 * object, prepares xfer->easy (from fr_loop_easy_get, so that handles are
 * reused) and calls fr_loop_add; when curl reports the transfer done the loop
 * calls xfer->done with curl's result, after removing the handle from the
 * multi. The WebSocket driver puts its libwebsockets context on the same loop
 * through fr_loop_ev (LWS_SERVER_OPTION_LIBEV with foreign_loops).
 */
#ifndef FR_LOOP_H
#define FR_LOOP_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "engine/sched.h"

struct ev_loop;
struct fr_loop;
struct fr_loop_xfer;

/* Called once a transfer has finished (successfully or not); the easy
 * handle is no longer in the multi and may be inspected, reused or given
 * back with fr_loop_easy_put. */
typedef void (*fr_loop_done_fn)(struct fr_loop_xfer *xfer, CURLcode result);

struct fr_loop_xfer {
	CURL *easy;
	fr_loop_done_fn done;
	struct fr_loop_xfer *next; /* internal: transfers in flight */
	struct fr_loop_xfer *prev;
};

/* Called on the loop's thread after fr_loop_wake, with the ARG given to fr_loop_on_wake. */
typedef void (*fr_loop_wake_fn)(struct fr_loop *loop, void *arg);

/* Raises RLIMIT_NOFILE to its hard limit (call once, before any loop or
 * libwebsockets context exists); returns the new soft limit. */
long fr_loop_raise_nofile(void);

/* Creates a loop whose connection cache keeps at least MAXCONNS connections
 * (CURLMOPT_MAXCONNECTS). Returns NULL when libev or curl cannot be set up.
 * Free with fr_loop_free on the same thread. */
struct fr_loop *fr_loop_create(unsigned maxconns);
/* Aborts the transfers still in flight (without calling their done
 * functions), frees the easy handles and the loop; accepts NULL. */
void fr_loop_free(struct fr_loop *loop);

/* The libev loop, for watchers of other modules (libwebsockets). */
struct ev_loop *fr_loop_ev(struct fr_loop *loop);
/* The timer scheduler the loop drives. */
struct fr_sched *fr_loop_sched(struct fr_loop *loop);

/* Makes sure the connection cache holds at least MAXCONNS connections. */
void fr_loop_set_maxconns(struct fr_loop *loop, unsigned maxconns);
/* How many idle connections may be kept (the lean HTTP path keeps the same number). */
unsigned fr_loop_maxconns(const struct fr_loop *loop);

/* What another module keeps on a loop (the HTTP layer's per-loop state: the
 * lean client, compiled requests): told when every transfer is aborted and
 * when the loop is freed. */
struct fr_loop_ext {
	void (*abort_all)(void *p); /* end what is in flight, telling each owner */
	void (*free)(void *p);      /* abort silently and free (the loop is about to go) */
};

/* Attaches P with OPS (one attachment per loop); fr_loop_ext returns it, or NULL. */
void fr_loop_set_ext(struct fr_loop *loop, void *p, const struct fr_loop_ext *ops);
void *fr_loop_ext(const struct fr_loop *loop);

/* An easy handle from the free list (reset) or a new one; owned by the
 * caller until given back with fr_loop_easy_put. */
CURL *fr_loop_easy_get(struct fr_loop *loop);
void fr_loop_easy_put(struct fr_loop *loop, CURL *easy);

/* Starts XFER (xfer->easy and xfer->done set by the caller). Returns 0, or
 * -1 when curl refuses the handle (the done function is not called). */
int fr_loop_add(struct fr_loop *loop, struct fr_loop_xfer *xfer);
/* Aborts XFER if it is in flight, without calling its done function. */
void fr_loop_abort(struct fr_loop *loop, struct fr_loop_xfer *xfer);
/* Aborts every transfer in flight, calling each done function with
 * CURLE_ABORTED_BY_CALLBACK (a stopped run: nothing should be recorded). */
void fr_loop_abort_all(struct fr_loop *loop);

/* Sets what runs on the loop's thread after fr_loop_wake. */
void fr_loop_on_wake(struct fr_loop *loop, fr_loop_wake_fn fn, void *arg);
/* Wakes the loop from any thread (ev_async); async-signal unsafe. */
void fr_loop_wake(struct fr_loop *loop);

/* Runs the loop until fr_loop_break is called (from the loop's thread). */
void fr_loop_run(struct fr_loop *loop);
/* Runs one iteration, waiting for at most one event. */
void fr_loop_run_once(struct fr_loop *loop);
void fr_loop_break(struct fr_loop *loop);

#endif
