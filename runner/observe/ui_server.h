/* ui_server.h: the live page of a run (`flowrun run --ui ADDR`) — a small read-only HTTP server thread.
 *
 * Serves two things: GET / the page (report_html.h, written to fetch its
 * data), and GET /data.json the current view of the run, made by a callback
 * on the server's own thread at most once per FR_UI_DATA_EVERY_MS however
 * many clients ask, so readers cost the run a bounded amount of work. It is
 * read-only (GET and HEAD; anything else is 405), holds at most
 * FR_UI_MAX_CLIENTS connections (more are answered 503 at once), gives each
 * connection FR_UI_DEADLINE_MS in all, and never blocks on a client: the
 * load runs on other threads and never waits for this one, and this thread
 * runs at a lower priority than theirs.
 *
 * Separate from the metrics exporter (exporter.h) on purpose: a browser that
 * keeps polling must not compete with Prometheus's scrapes for slots.
 */
#ifndef FR_UI_SERVER_H
#define FR_UI_SERVER_H

#include <stddef.h>

#define FR_UI_MAX_CLIENTS   8
#define FR_UI_DEADLINE_MS   5000
#define FR_UI_DATA_EVERY_MS 1000
#define FR_UI_DEFAULT_HOST  "127.0.0.1"

enum fr_ui_status {
	FR_UI_OK = 0,
	FR_UI_BAD_ADDRESS,   /* "bad --ui address 'x': expected PORT or HOST:PORT, e.g. 8089 or 127.0.0.1:8089" */
	FR_UI_CANNOT_LISTEN, /* "cannot listen on 127.0.0.1:8089 for the live page: Address already in use" */
};

struct fr_ui_server;

/* The body of /data.json (a malloc'd string, its length in *len_out), or NULL. */
typedef char *(*fr_ui_data_fn)(void *arg, size_t *len_out);

/* Binds ADDR — "PORT" (on loopback), "HOST:PORT" or "[V6]:PORT"; port 0
 * picks a free one — and serves PAGE (copied) and DATA(ARG) from a thread of
 * its own. Returns FR_UI_OK and *s_out (free with fr_ui_server_free), or a
 * status with the message in *err_out (caller frees). */
enum fr_ui_status fr_ui_server_start(const char *addr, const char *page, size_t page_len, fr_ui_data_fn data, void *arg,
                                     struct fr_ui_server **s_out, char **err_out);

/* The URL of the page, e.g. "http://127.0.0.1:8089/". */
const char *fr_ui_server_url(const struct fr_ui_server *s);

/* Requests answered with data so far (for tests and the linger). */
unsigned long fr_ui_server_data_served(const struct fr_ui_server *s);

/* Stops the thread, closes every connection and frees S; accepts NULL. */
void fr_ui_server_free(struct fr_ui_server *s);

#endif
