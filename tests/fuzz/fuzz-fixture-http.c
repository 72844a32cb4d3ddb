/* fuzz-fixture-http.c: the fixture's HTTP/1.1 request parser (fixtures/http_parser.h)
 * on any bytes, as its connections call it: on each prefix that a read could end
 * at (every byte, for short inputs), then on the whole input as a pipeline of
 * requests, each parsed request's query decoded for the parameters the routes
 * read, into an exact buffer and a tight one.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "http_parser.h"

/* The routes' query parameters, decoded as they decode them. */
static void query(const struct request *r)
{
	static const char *const names[] = {"token", "store", "key", "for", "ms", ""};
	char big[256], tight[4];

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		const char *v = http_query_param(r, names[i], big, sizeof big);
		if (v && strlen(v) >= sizeof big)
			abort(); /* the decoded value overran its buffer */
		http_query_param(r, names[i], tight, sizeof tight);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	struct request r;
	size_t off = 0;

	for (size_t n = size < 256 ? 0 : size; n < size; n++)
		if (http_parse_request(p, n, &r) == HP_OK && r.total_len > n)
			abort(); /* a request longer than the bytes it came from */
	while (off < size && http_parse_request(p + off, size - off, &r) == HP_OK) {
		if (r.total_len == 0 || r.total_len > size - off || r.head_len > r.total_len)
			abort();
		query(&r);
		off += r.total_len;
	}
	return 0;
}
