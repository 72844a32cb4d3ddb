/* h1_client.h: the lean HTTP/1.1 client — keep-alive connections and transfers on a worker's loop.
 *
 * A struct fr_h1_client lives on one loop (loop.h) beside libcurl's multi
 * handle and sends requests whose bytes are already built (h1_request.h) over
 * plain TCP connections it keeps alive, one request at a time per connection
 * (no pipelining), reading the answers with h1_response.h. Idle connections
 * wait in a pool per address (most recently used first) and stay watched for
 * reading, so a connection the server closed is noticed and dropped before
 * it is reused, with no system call per request beyond one send and one
 * receive. Steady state allocates nothing: transfers are embedded in their
 * owner, connection structs are recycled, and one read buffer serves the loop.
 *
 * Results speak libcurl's vocabulary, so that http.c classifies both paths
 * with the one fr_http_classify: a refused connect is CURLE_COULDNT_CONNECT
 * with errno ECONNREFUSED, the transfer's timeout CURLE_OPERATION_TIMEDOUT
 * (with whether the connection was up), a reset CURLE_RECV_ERROR or
 * CURLE_SEND_ERROR with the errno, a peer that closed before answering
 * CURLE_GOT_NOTHING, in the middle of an answer CURLE_PARTIAL_FILE, an answer
 * that is not HTTP CURLE_WEIRD_SERVER_REPLY. As libcurl does, a request that
 * finds a reused connection dead before any byte of an answer is sent once
 * more on a fresh connection.
 */
#ifndef FR_H1_CLIENT_H
#define FR_H1_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "engine/h1_request.h"
#include "engine/h1_response.h"
#include "engine/loop.h"
#include "engine/sched.h"
#include "util/buf.h"

struct fr_h1_client;
struct fr_h1_conn;
struct fr_h1_xfer;
struct tqueue;

/* Called on the loop's thread when a transfer has ended (not after fr_h1_abort). */
typedef void (*fr_h1_done_fn)(struct fr_h1_xfer *x);

/* One request in flight, embedded in its owner. The caller sets the fields
 * up to `done`; the client fills the results. */
struct fr_h1_xfer {
	const char *req; /* the request's bytes: valid until done is called */
	size_t len;
	int head;            /* a HEAD request: the answer has no body */
	struct fr_buf *body; /* where the answer's body goes, or NULL */
	struct fr_buf *hdrs; /* where its header lines go, or NULL */
	int64_t timeout_ns;  /* the whole transfer's limit, 0: none */
	fr_h1_done_fn done;
	/* results */
	CURLcode code;     /* CURLE_OK, or the failure in libcurl's terms */
	long os_errno;     /* the socket's errno for a failure, else 0 */
	int connected;     /* a connection was up */
	long status;       /* the final status, 0 without an answer */
	int64_t start_ns;  /* when fr_h1_send took it */
	int64_t end_ns;    /* when it ended */
	const char *error; /* a message like curl's for a failure (static or the client's), else NULL */
	/* internal */
	struct fr_h1_client *client;
	const struct fr_h1_addr *addr;
	struct fr_h1_conn *conn;
	struct fr_timer timer; /* the report of a failure found inside fr_h1_send */
	struct tqueue *queue;  /* the in-flight queue of its timeout */
	struct fr_h1_response resp;
	size_t sent;
	int retried;
	int reporting; /* the timer is armed to report a failure */
	struct fr_h1_xfer *next, *prev;
};

/* Creates the client of LOOP (free with fr_h1_client_free on its thread). */
struct fr_h1_client *fr_h1_client_create(struct fr_loop *loop);
/* Aborts what is in flight (no done calls) and closes every connection; accepts NULL. */
void fr_h1_client_free(struct fr_h1_client *c);

/* Starts X (its request fields set) towards ADDR (which must outlive it).
 * Never calls X's done function before returning: a failure found at once
 * is reported from the loop. */
void fr_h1_send(struct fr_h1_client *c, struct fr_h1_xfer *x, const struct fr_h1_addr *addr);

/* Takes X out without calling its done function; its connection is closed. */
void fr_h1_abort(struct fr_h1_xfer *x);
/* Ends every transfer in flight with CURLE_ABORTED_BY_CALLBACK, calling each done function. */
void fr_h1_abort_all(struct fr_h1_client *c);

/* Connections open, and of those idle (for tests and the health report). */
size_t fr_h1_client_conns(const struct fr_h1_client *c);
size_t fr_h1_client_idle(const struct fr_h1_client *c);

#endif
