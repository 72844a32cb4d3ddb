/* test-buf.c: the capped growable buffer — appends, printf, the cap, take and reset. */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "util/buf.h"

int main(void)
{
	struct fr_buf b = {0};
	tap_is_str(fr_buf_str(&b), "", "a zeroed buffer reads as the empty string");
	tap_is_int(fr_buf_adds(&b, "abc"), 0, "an append below the cap succeeds");
	tap_is_int(fr_buf_printf(&b, "-%d-%s", 42, "x"), 0, "printf appends");
	tap_is_str(fr_buf_str(&b), "abc-42-x", "the text is the appends in order");
	char big[1000];
	memset(big, 'y', sizeof big);
	fr_buf_add(&b, big, sizeof big);
	fr_buf_printf(&b, "%s", "");
	tap_is_int((int64_t)b.len, 1008, "long appends grow the buffer");
	fr_buf_reset(&b);
	tap_is_str(fr_buf_str(&b), "", "reset empties it");
	char *s = fr_buf_take(&b);
	tap_is_str(s, "", "take of an empty buffer gives \"\", not NULL");
	free(s);

	struct fr_buf c;
	fr_buf_init(&c, 8);
	tap_is_int(fr_buf_adds(&c, "12345678"), 0, "exactly the cap fits");
	tap_is_int(fr_buf_addc(&c, '9'), -1, "one byte past the cap is refused");
	tap_is_int(c.overflow, 1, "and the overflow flag is set");
	tap_is_str(fr_buf_str(&c), "12345678", "a refused append leaves the content as it was");
	fr_buf_reset(&c);
	tap_is_int(fr_buf_printf(&c, "%s", "0123456789"), -1, "printf past the cap is refused whole");
	tap_is_str(fr_buf_str(&c), "", "nothing of it was appended");
	s = fr_buf_take(&c);
	free(s);
	tap_is_int(fr_buf_adds(&c, "123456789"), -1, "the cap survives take");
	fr_buf_free(&c);
	return tap_done();
}
