/* strbuf.h: a growable, always NUL-terminated string, for building text piece by piece.
 *
 * Used wherever a module assembles a string of unknown length (variable
 * expansion, JSON text of plan values). A zeroed struct is an empty buffer;
 * fr_strbuf_take hands the string over (never NULL) and empties the buffer.
 */
#ifndef FR_STRBUF_H
#define FR_STRBUF_H

#include <stddef.h>

struct fr_strbuf {
	char *s;
	size_t len, cap;
};

/* Appends N bytes of P. */
void fr_strbuf_add(struct fr_strbuf *b, const char *p, size_t n);

/* Appends the NUL-terminated string S. */
void fr_strbuf_adds(struct fr_strbuf *b, const char *s);

/* Returns the string (caller frees; "" when nothing was added) and empties B. */
char *fr_strbuf_take(struct fr_strbuf *b);

#endif
