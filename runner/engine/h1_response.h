/* h1_response.h: reads one HTTP/1.1 response out of a byte stream — llhttp under a small pure interface.
 *
 * The lean HTTP path (h1_client.h) feeds whatever a read() returned into
 * fr_h1_response_feed until it says the response is complete, and tells it
 * about the end of the stream with fr_h1_response_eof. Parsing is llhttp's
 * (Debian's node-llhttp sources, compiled into flowrun): status line, headers,
 * Content-Length, chunked and close-delimited bodies, 1xx interim responses
 * (skipped, as curl does), HEAD and 204/304 without a body, keep-alive.
 *
 * What the captures need is kept in the caller's capped buffers, in the very
 * form the curl path keeps it (http.c): the body (cut at the buffer's cap),
 * and the header lines "HTTP/1.1 200 OK", "Name: value", … each followed by a
 * NUL. No I/O and no allocation beyond those buffers, so the whole reader can
 * be driven from a test or a fuzzer with arbitrary bytes split anywhere.
 */
#ifndef FR_H1_RESPONSE_H
#define FR_H1_RESPONSE_H

#include <stddef.h>
#include <stdint.h>

#include <llhttp.h>

#include "util/buf.h"

/* curl 7.88's limit on a response's headers, checked per feed: the bytes of
 * the feeds that began inside the headers count. */
#define FR_H1_HEADERS_LIMIT (300 * 1024)

enum fr_h1_feed {
	FR_H1_MORE, /* everything was consumed; the response is not complete yet */
	FR_H1_DONE, /* the final response is complete */
	FR_H1_BAD,  /* not HTTP, or beyond a limit: the connection is unusable */
};

enum fr_h1_eof {
	FR_H1_EOF_DONE,    /* the stream's end completed the response: a close-delimited body, or (as
	                    * curl 7.88 has it) headers cut after a complete status line */
	FR_H1_EOF_NOTHING, /* the stream ended before a complete status line */
	FR_H1_EOF_CUT,     /* the stream ended inside a body of known length or chunks */
};

struct fr_h1_response {
	llhttp_t parser;
	int status;            /* the status, once its line is complete */
	int done;              /* the final response is complete */
	int keep_alive;        /* the connection may carry another request afterwards */
	int head;              /* the request was HEAD: no body follows the headers */
	uint64_t bytes;        /* response bytes consumed so far */
	size_t header_bytes;   /* bytes fed while the current response's headers were not complete */
	int line_open;         /* a status or header line is being written into headers */
	int status_done;       /* the status line of the current response is complete */
	int headers_done;      /* … and its headers */
	struct fr_buf *body;   /* the body goes here when not NULL */
	struct fr_buf *header; /* the header lines go here when not NULL */
	const char *error;     /* why it was BAD (static text or llhttp's reason) */
};

/* Prepares R for one response. HEAD: the request was a HEAD. BODY and
 * HEADERS (either may be NULL) receive what the captures need; they are
 * emptied first. */
void fr_h1_response_init(struct fr_h1_response *r, int head, struct fr_buf *body, struct fr_buf *headers);

/* Feeds N bytes of P. *USED_OUT is how many belong to this response: all of
 * them unless it completed before the end (the rest is not an answer to
 * anything, and the caller must not reuse the connection). */
enum fr_h1_feed fr_h1_response_feed(struct fr_h1_response *r, const char *p, size_t n, size_t *used_out);

/* The stream ended (the peer closed). */
enum fr_h1_eof fr_h1_response_eof(struct fr_h1_response *r);

#endif
