/* test-h1-response.c: the lean path's response reader — framing, keep-alive, what captures
 * see, limits — with every response also fed split at every byte boundary. */
#include <stdlib.h>
#include <string.h>

#include "engine/h1_response.h"
#include "tap.h"

struct got {
	enum fr_h1_feed feed;
	enum fr_h1_eof eof; /* after the bytes, when EOF is sent */
	int status;
	int keep_alive;
	size_t used;
	char body[256];
	size_t blen;
	char head[512];
	size_t hlen;
};

/* Feeds MSG in pieces of at most STEP bytes (0: all at once), then EOF when asked. */
static struct got run(const char *msg, size_t len, size_t step, int head, int eof)
{
	struct fr_buf body, hdrs;
	struct fr_h1_response r;
	struct got g;
	size_t off = 0;

	memset(&g, 0, sizeof(g));
	fr_buf_init(&body, 64);
	fr_buf_init(&hdrs, 4096);
	fr_h1_response_init(&r, head, &body, &hdrs);
	g.feed = FR_H1_MORE;
	while (off < len && g.feed == FR_H1_MORE) {
		size_t n = step && len - off > step ? step : len - off, used;
		g.feed = fr_h1_response_feed(&r, msg + off, n, &used);
		g.used += used;
		off += n;
	}
	g.eof = eof ? fr_h1_response_eof(&r) : FR_H1_EOF_NOTHING;
	g.status = r.status;
	g.keep_alive = r.keep_alive;
	g.blen = body.len < sizeof(g.body) ? body.len : sizeof(g.body);
	memcpy(g.body, fr_buf_str(&body), g.blen);
	g.hlen = hdrs.len < sizeof(g.head) ? hdrs.len : sizeof(g.head);
	memcpy(g.head, fr_buf_str(&hdrs), g.hlen);
	fr_buf_free(&body);
	fr_buf_free(&hdrs);
	return g;
}

/* Whether feeding MSG in pieces of every size gives the same as feeding it whole. */
static int same_when_split(const char *msg, int head, int eof)
{
	size_t len = strlen(msg);
	struct got whole = run(msg, len, 0, head, eof);

	for (size_t step = 1; step < len; step++) {
		struct got g = run(msg, len, step, head, eof);
		if (g.feed != whole.feed || g.eof != whole.eof || g.status != whole.status ||
		    g.keep_alive != whole.keep_alive || g.used != whole.used || g.blen != whole.blen ||
		    memcmp(g.body, whole.body, g.blen) || g.hlen != whole.hlen || memcmp(g.head, whole.head, g.hlen))
			return 0;
	}
	return 1;
}

static const char OK_JSON[] = "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: application/json\r\n"
                              "Content-Length: 9\r\nConnection: keep-alive\r\n\r\n{\"id\":42}";

static void test_content_length(void)
{
	struct got g = run(OK_JSON, strlen(OK_JSON), 0, 0, 0);
	static const char head[] = "HTTP/1.1 200 OK\0Server: nginx\0Content-Type: application/json\0"
	                           "Content-Length: 9\0Connection: keep-alive";

	tap_is_int(g.feed, FR_H1_DONE, "content-length: complete");
	tap_is_int(g.status, 200, "content-length: status");
	tap_ok(g.blen == 9 && memcmp(g.body, "{\"id\":42}", 9) == 0, "content-length: body kept");
	tap_ok(g.hlen == sizeof(head) && memcmp(g.head, head, sizeof(head)) == 0,
	       "header lines kept as curl's path keeps them, NUL after each");
	tap_is_int(g.keep_alive, 1, "content-length: keep-alive");
	tap_is_int((int64_t)g.used, (int64_t)strlen(OK_JSON), "content-length: every byte used");
	tap_ok(same_when_split(OK_JSON, 0, 0), "content-length: same result split at any byte");
}

static void test_chunked(void)
{
	static const char msg[] = "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
	                          "4\r\nabcd\r\n3;ext=1\r\nefg\r\n0\r\nTrailer: x\r\n\r\n";
	struct got g = run(msg, strlen(msg), 0, 0, 0);

	tap_ok(g.feed == FR_H1_DONE && g.status == 201 && g.blen == 7 && memcmp(g.body, "abcdefg", 7) == 0,
	       "chunked: body de-chunked, complete");
	tap_is_int(g.keep_alive, 1, "chunked: keep-alive");
	tap_ok(same_when_split(msg, 0, 0), "chunked: same result split at any byte");
}

static void test_interim(void)
{
	static const char msg[] = "HTTP/1.1 100 Continue\r\nX-A: 1\r\n\r\n"
	                          "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\nX-B: 2\r\n\r\nno";
	struct got g = run(msg, strlen(msg), 0, 0, 0);

	tap_ok(g.feed == FR_H1_DONE && g.status == 404 && g.blen == 2,
	       "100 Continue is skipped, the final answer read");
	tap_ok(memmem(g.head, g.hlen, "X-A", 3) == NULL && memmem(g.head, g.hlen, "X-B: 2", 6) != NULL,
	       "only the final answer's headers are kept");
	tap_ok(same_when_split(msg, 0, 0), "interim: same result split at any byte");
}

static void test_no_body(void)
{
	static const char head[] = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n";
	static const char nc[] = "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n";
	static const char nm[] = "HTTP/1.1 304 Not Modified\r\n\r\n";
	struct got g = run(head, strlen(head), 0, 1, 0);

	tap_ok(g.feed == FR_H1_DONE && g.status == 200 && g.blen == 0 && g.keep_alive,
	       "HEAD: complete after the headers, whatever the length says");
	g = run(nc, strlen(nc), 0, 0, 0);
	tap_ok(g.feed == FR_H1_DONE && g.status == 204 && g.blen == 0, "204: no body");
	g = run(nm, strlen(nm), 0, 0, 0);
	tap_ok(g.feed == FR_H1_DONE && g.status == 304 && g.keep_alive, "304: no body");
}

static void test_close_delimited(void)
{
	static const char msg[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end";
	struct got g = run(msg, strlen(msg), 0, 0, 1);

	tap_ok(g.feed == FR_H1_MORE && g.eof == FR_H1_EOF_DONE && g.status == 200, "no length: EOF completes the body");
	tap_ok(g.blen == 13 && memcmp(g.body, "until the end", 13) == 0, "no length: the body is everything to EOF");
	tap_is_int(g.keep_alive, 0, "no length: the connection cannot be reused");
	tap_ok(same_when_split(msg, 0, 1), "no length: same result split at any byte");
}

static void test_keep_alive_rules(void)
{
	static const char close[] = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
	static const char h10[] = "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n";
	static const char h10ka[] = "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n";

	tap_is_int(run(close, strlen(close), 0, 0, 0).keep_alive, 0, "Connection: close ends the connection");
	tap_is_int(run(h10, strlen(h10), 0, 0, 0).keep_alive, 0, "HTTP/1.0 closes by default");
	tap_is_int(run(h10ka, strlen(h10ka), 0, 0, 0).keep_alive, 1, "HTTP/1.0 with keep-alive keeps it");
}

static void test_ends(void)
{
	static const char cut[] = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc";
	static const char cut_head[] = "HTTP/1.1 200 OK\r\nContent-Len";
	static const char twice[] = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxHTTP/1.1 200 OK\r\n";
	struct got g;

	g = run("", 0, 0, 0, 1);
	tap_is_int(g.eof, FR_H1_EOF_NOTHING, "EOF before any byte: nothing");
	g = run(cut, strlen(cut), 0, 0, 1);
	tap_is_int(g.eof, FR_H1_EOF_CUT, "EOF inside the body: cut");
	g = run(cut_head, strlen(cut_head), 0, 0, 1);
	tap_ok(g.eof == FR_H1_EOF_DONE && g.status == 200 && !g.keep_alive,
	       "EOF inside the headers: done with the status (curl 7.88 does the same)");
	g = run(cut_head, 10, 0, 0, 1);
	tap_is_int(g.eof, FR_H1_EOF_NOTHING, "EOF inside the status line: nothing (curl: empty reply)");
	g = run(twice, strlen(twice), 0, 0, 0);
	tap_ok(g.feed == FR_H1_DONE && g.used == strlen(twice) - strlen("HTTP/1.1 200 OK\r\n"),
	       "bytes after the answer are not used");
}

static void test_bad(void)
{
	static const char junk[] = "SSH-2.0-OpenSSH_9.2\r\n";
	static const char badlen[] = "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n";
	static const char badchunk[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n";
	size_t big = FR_H1_HEADERS_LIMIT + 100;
	char *huge = malloc(big + 64);
	struct got g;

	g = run(junk, strlen(junk), 0, 0, 0);
	tap_is_int(g.feed, FR_H1_BAD, "not HTTP: bad");
	tap_is_int(run(badlen, strlen(badlen), 0, 0, 0).feed, FR_H1_BAD, "a bad Content-Length: bad");
	tap_is_int(run(badchunk, strlen(badchunk), 0, 0, 0).feed, FR_H1_BAD, "a bad chunk size: bad");
	strcpy(huge, "HTTP/1.1 200 OK\r\nX-Big: ");
	memset(huge + strlen(huge), 'a', big);
	strcpy(huge + 24 + big, "\r\n\r\n");
	tap_is_int(run(huge, strlen(huge), 0, 0, 0).feed, FR_H1_BAD, "headers over 300 KiB: bad (curl's limit)");
	free(huge);
}

static void test_caps(void)
{
	static const char msg[] = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"
	                          "0123456789012345678901234567890123456789012345678901234567890123456789"
	                          "012345678901234567890123456789";
	struct got g = run(msg, strlen(msg), 0, 0, 0);

	tap_ok(g.feed == FR_H1_DONE && g.blen == 64 && memcmp(g.body, "0123456789", 10) == 0,
	       "a body over the buffer's cap is cut, its beginning kept");
}

/* A pseudo-random number below N (xorshift, a fixed seed: the run is the same every time). */
static size_t rnd(size_t n)
{
	static uint64_t x = 88172645463325252ULL;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return n ? (size_t)(x % n) : 0;
}

/* Mutated answers, fed whole and in random pieces: no crash (ASan), and the
 * same verdict either way — the reader's state never depends on where reads split. */
static void test_mutations(void)
{
	static const char *const seeds[] = {
	        OK_JSON,
	        "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n",
	        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno",
	        "HTTP/1.0 200 OK\r\n\r\nto the end",
	};
	static const char bytes[] = "\r\n:; 0123456789aAfFxX-HTTP/";
	char msg[512];
	int ok = 1;

	for (int round = 0; round < 20000; round++) {
		const char *seed = seeds[rnd(4)];
		size_t len = strlen(seed);
		memcpy(msg, seed, len);
		for (int m = (int)rnd(4) + 1; m > 0; m--) {
			size_t at = rnd(len + 1);
			switch (rnd(4)) {
			case 0: msg[rnd(len)] = bytes[rnd(sizeof(bytes) - 1)]; break; /* flip */
			case 1:                                                       /* insert */
				if (len + 1 < sizeof(msg)) {
					memmove(msg + at + 1, msg + at, len - at);
					msg[at] = bytes[rnd(sizeof(bytes) - 1)];
					len++;
				}
				break;
			case 2: /* delete */
				if (at < len) {
					memmove(msg + at, msg + at + 1, len - at - 1);
					len--;
				}
				break;
			default: len = at; /* cut */
			}
		}
		msg[len] = '\0';
		int eof = (int)rnd(2);
		struct got whole = run(msg, len, 0, 0, eof), split = run(msg, len, rnd(7) + 1, 0, eof);
		if (whole.feed != split.feed || whole.eof != split.eof || whole.status != split.status ||
		    whole.blen != split.blen || memcmp(whole.body, split.body, whole.blen)) {
			if (ok)
				printf("# differs when split: %.*s\n", (int)len, msg);
			ok = 0;
		}
	}
	tap_ok(ok, "20,000 mutated answers: no crash, and the same result whole or split in random pieces");
}

int main(void)
{
	test_content_length();
	test_chunked();
	test_interim();
	test_no_body();
	test_close_delimited();
	test_keep_alive_rules();
	test_ends();
	test_bad();
	test_caps();
	test_mutations();
	return tap_done();
}
