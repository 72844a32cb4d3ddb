/* h1_response.c: the response reader of the lean HTTP path on llhttp (see h1_response.h).
 *
 * llhttp calls back with spans of the input; the spans of one header may be
 * split across feeds, which is why a line is closed only by the *_complete
 * callbacks. A completed final response pauses the parser (HPE_PAUSED), so
 * that bytes after it are left alone and counted as not ours.
 */
#include <stdio.h>
#include <string.h>

#include "engine/h1_response.h"

/* Appends what fits of N bytes: an answer over the cap is cut, not dropped,
 * so captures still see its beginning (as http.c does). */
static void keep(struct fr_buf *b, const char *p, size_t n)
{
	size_t room = b->max - b->len;

	fr_buf_add(b, p, n < room ? n : room);
}

/* The reader behind a parser. */
static struct fr_h1_response *of(llhttp_t *p)
{
	return p->data;
}

/* A new response (the first, or the one after a 1xx): forget the previous one's headers. */
static int on_message_begin(llhttp_t *p)
{
	struct fr_h1_response *r = of(p);

	r->header_bytes = 0;
	r->line_open = 0;
	r->status_done = 0;
	r->headers_done = 0;
	if (r->header)
		fr_buf_reset(r->header);
	return 0;
}

/* Starts a line in the kept headers; the status line begins "HTTP/1.1 200". */
static void open_line(struct fr_h1_response *r, llhttp_t *p)
{
	char line[32];
	int n;

	if (r->line_open)
		return;
	r->line_open = 1;
	if (!r->header || r->status_done)
		return;
	n = snprintf(line, sizeof line, "HTTP/%d.%d %d", p->http_major, p->http_minor, p->status_code);
	keep(r->header, line, (size_t)n);
}

/* Ends the line being written into the kept headers. */
static void close_line(struct fr_h1_response *r)
{
	if (r->header && r->line_open)
		keep(r->header, "", 1);
	r->line_open = 0;
}

/* Makes sure the status line is written and closed before anything follows it. */
static void end_status(struct fr_h1_response *r, llhttp_t *p)
{
	if (r->status_done)
		return;
	open_line(r, p);
	close_line(r);
	r->status_done = 1;
	r->status = p->status_code;
}

/* The reason phrase, or a piece of it. */
static int on_status(llhttp_t *p, const char *at, size_t n)
{
	struct fr_h1_response *r = of(p);

	if (!r->line_open) {
		open_line(r, p);
		if (r->header)
			keep(r->header, " ", 1);
	}
	if (r->header)
		keep(r->header, at, n);
	return 0;
}

/* The status line is complete (with or without a reason phrase). */
static int on_status_complete(llhttp_t *p)
{
	end_status(of(p), p);
	return 0;
}

/* A header name, or a piece of it. */
static int on_header_field(llhttp_t *p, const char *at, size_t n)
{
	struct fr_h1_response *r = of(p);

	end_status(r, p);
	open_line(r, p);
	if (r->header)
		keep(r->header, at, n);
	return 0;
}

/* The name is complete: the value follows after ": ". */
static int on_header_field_complete(llhttp_t *p)
{
	struct fr_h1_response *r = of(p);

	if (r->header)
		keep(r->header, ": ", 2);
	return 0;
}

/* A header value, or a piece of it. */
static int on_header_value(llhttp_t *p, const char *at, size_t n)
{
	struct fr_h1_response *r = of(p);

	if (r->header)
		keep(r->header, at, n);
	return 0;
}

/* The header line is complete. */
static int on_header_value_complete(llhttp_t *p)
{
	close_line(of(p));
	return 0;
}

/* The headers are complete: an answer to HEAD, a 1xx, 204 or 304 has no
 * body whatever its headers announce (RFC 9112 6.3; curl reads none either). */
static int on_headers_complete(llhttp_t *p)
{
	struct fr_h1_response *r = of(p);
	int st = p->status_code;

	end_status(r, p);
	close_line(r);
	r->headers_done = 1;
	return r->head || st / 100 == 1 || st == 204 || st == 304 ? 1 : 0;
}

/* Body bytes (de-chunked by llhttp). */
static int on_body(llhttp_t *p, const char *at, size_t n)
{
	struct fr_h1_response *r = of(p);

	if (r->body)
		keep(r->body, at, n);
	return 0;
}

/* A response is complete: a 1xx interim one is skipped, the final one stops the parser. */
static int on_message_complete(llhttp_t *p)
{
	struct fr_h1_response *r = of(p);

	if (p->status_code >= 100 && p->status_code < 200 && p->status_code != 101)
		return 0;
	r->status = p->status_code;
	r->done = 1;
	r->keep_alive = llhttp_should_keep_alive(p);
	return HPE_PAUSED;
}

/* With the header lines kept for captures. */
static const llhttp_settings_t settings_full = {
        .on_message_begin = on_message_begin,
        .on_status = on_status,
        .on_status_complete = on_status_complete,
        .on_header_field = on_header_field,
        .on_header_field_complete = on_header_field_complete,
        .on_header_value = on_header_value,
        .on_header_value_complete = on_header_value_complete,
        .on_headers_complete = on_headers_complete,
        .on_body = on_body,
        .on_message_complete = on_message_complete,
};

/* Without them: llhttp calls back only where the reader must act (a third
 * fewer instructions per answer). */
static const llhttp_settings_t settings_light = {
        .on_message_begin = on_message_begin,
        .on_status_complete = on_status_complete,
        .on_headers_complete = on_headers_complete,
        .on_body = on_body,
        .on_message_complete = on_message_complete,
};

/* Prepares the reader for one response. */
void fr_h1_response_init(struct fr_h1_response *r, int head, struct fr_buf *body, struct fr_buf *headers)
{
	llhttp_init(&r->parser, HTTP_RESPONSE, headers ? &settings_full : &settings_light);
	r->parser.data = r;
	r->status = 0;
	r->done = 0;
	r->keep_alive = 0;
	r->head = head;
	r->bytes = 0;
	r->header_bytes = 0;
	r->line_open = 0;
	r->status_done = 0;
	r->headers_done = 0;
	r->body = body;
	r->header = headers;
	r->error = NULL;
	if (body)
		fr_buf_reset(body);
	if (headers)
		fr_buf_reset(headers);
}

/* Feeds bytes; see h1_response.h. */
enum fr_h1_feed fr_h1_response_feed(struct fr_h1_response *r, const char *p, size_t n, size_t *used_out)
{
	llhttp_errno_t err;
	int in_headers;

	*used_out = 0;
	if (r->done)
		return FR_H1_DONE;
	if (r->error)
		return FR_H1_BAD;
	in_headers = !r->headers_done;
	err = llhttp_execute(&r->parser, p, n);
	if (in_headers && (r->header_bytes += n) > FR_H1_HEADERS_LIMIT && err != HPE_PAUSED) {
		r->error = "Too large response headers"; /* curl's limit, checked per read */
		return FR_H1_BAD;
	}
	if (err == HPE_OK) {
		*used_out = n;
		r->bytes += n;
		return FR_H1_MORE;
	}
	if (err == HPE_PAUSED && r->done) {
		const char *stop = llhttp_get_error_pos(&r->parser);
		*used_out = stop && stop >= p && stop <= p + n ? (size_t)(stop - p) : n;
		r->bytes += *used_out;
		return FR_H1_DONE;
	}
	if (!r->error)
		r->error = llhttp_get_error_reason(&r->parser);
	if (!r->error)
		r->error = "Weird server reply";
	return FR_H1_BAD;
}

/* The stream ended; see h1_response.h. */
enum fr_h1_eof fr_h1_response_eof(struct fr_h1_response *r)
{
	llhttp_errno_t err;

	if (r->done)
		return FR_H1_EOF_DONE;
	if (r->error) /* what came was not HTTP: cut, however the reads were split */
		return FR_H1_EOF_CUT;
	if (r->bytes == 0 || !r->status_done)
		return FR_H1_EOF_NOTHING; /* curl: "Empty reply from server" until a status line is complete */
	if (!r->headers_done) {           /* curl 7.88 takes the end of the stream as the end of the headers */
		r->done = 1;
		r->keep_alive = 0;
		return FR_H1_EOF_DONE;
	}
	err = llhttp_finish(&r->parser);
	if (r->done && (err == HPE_OK || err == HPE_PAUSED))
		return FR_H1_EOF_DONE;
	return FR_H1_EOF_CUT;
}
