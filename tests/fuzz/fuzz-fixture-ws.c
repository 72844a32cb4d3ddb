/* fuzz-fixture-ws.c: the fixture's WebSocket frame parser (fixtures/ws_frame.h)
 * on any bytes, as a viewer's connection calls it: frame after frame from the
 * front of the input, each whole frame unmasked in place in a writable copy of
 * exactly the input's size, with the fixture's maximum payload and with the
 * first byte's value as a small one. Every parsed length is written back with
 * the server's header writer and parsed again: the two must agree.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "util/xmalloc.h"
#include "ws_frame.h"

#define FIXTURE_MAX_FRAME 65536 /* WS_MAX_FRAME in fixtures/ws.c */

/* The server's header for a payload of LEN bytes parses back to LEN. */
static void round_trip(int opcode, uint64_t len)
{
	unsigned char h[10];
	struct ws_frame f;
	size_t hl = ws_frame_header(h, opcode, (size_t)len);

	if (hl > sizeof h || ws_frame_parse(h, hl, UINT64_MAX, &f) != (len ? WSF_MORE : WSF_OK) || f.header_len != hl ||
	    f.payload_len != len || f.opcode != opcode || !f.fin || f.masked)
		abort();
}

/* Frames from the front of BUF (SIZE bytes) until one is incomplete or too big. */
static void frames(unsigned char *buf, size_t size, uint64_t max)
{
	size_t off = 0;
	struct ws_frame f;

	while (off < size && ws_frame_parse(buf + off, size - off, max, &f) == WSF_OK) {
		if (f.header_len < 2 || f.header_len > 14 || f.payload_len > max ||
		    f.payload_len > size - off - f.header_len)
			abort();
		ws_frame_unmask(&f, buf + off + f.header_len);
		round_trip(f.opcode, f.payload_len);
		off += f.header_len + (size_t)f.payload_len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *buf = xmalloc(size ? size : 1);

	memcpy(buf, data, size);
	frames(buf, size, FIXTURE_MAX_FRAME);
	memcpy(buf, data, size);
	frames(buf, size, size ? data[0] : 0);
	free(buf);
	return 0;
}
