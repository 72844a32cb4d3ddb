/* buf.h: the one growable byte buffer of flowrun, with a hard cap.
 *
 * Every module that builds text or collects bytes of unknown length (variable
 * expansion, JSON text, the exposition of /metrics, an HTTP answer) uses a
 * struct fr_buf. The content is always NUL-terminated, so it can be used as a
 * string at any time. A buffer never grows past its cap (max): an append that
 * would does nothing, returns -1 and sets the overflow flag, so a hostile
 * answer or a runaway template costs at most the cap (curl's dynbuf does the
 * same). A zeroed struct is an empty buffer with the default cap. Out of
 * memory below the cap is fatal, as everywhere (util/xmalloc.h).
 */
#ifndef FR_BUF_H
#define FR_BUF_H

#include <stdarg.h>
#include <stddef.h>

#define FR_BUF_MAX_DEFAULT ((size_t)1 << 30) /* 1 GiB: no sane text is larger */

struct fr_buf {
	char *s;      /* the bytes, NUL-terminated; NULL until the first append */
	size_t len;   /* bytes held, without the NUL */
	size_t cap;   /* bytes allocated */
	size_t max;   /* the most len may reach; 0: FR_BUF_MAX_DEFAULT */
	int overflow; /* an append was refused because of max */
};

/* An empty buffer that never holds more than MAX bytes (0: the default). */
void fr_buf_init(struct fr_buf *b, size_t max);

/* Appends N bytes of P; 0, or -1 (nothing appended) past the cap. */
int fr_buf_add(struct fr_buf *b, const void *p, size_t n);

/* Appends the string S; 0 or -1 as fr_buf_add. */
int fr_buf_adds(struct fr_buf *b, const char *s);

/* Appends one byte; 0 or -1 as fr_buf_add. */
int fr_buf_addc(struct fr_buf *b, char c);

/* Appends printf-formatted text; 0 or -1 as fr_buf_add (nothing appended). */
int fr_buf_printf(struct fr_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int fr_buf_vprintf(struct fr_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* The content as a string: "" when empty (never NULL). */
const char *fr_buf_str(const struct fr_buf *b);

/* Empties B but keeps its memory and cap, and clears the overflow flag. */
void fr_buf_reset(struct fr_buf *b);

/* Hands the string over (caller frees; "" when empty, never NULL) and
 * empties B (its cap is kept). */
char *fr_buf_take(struct fr_buf *b);

/* Frees the memory; B is an empty buffer with the same cap afterwards. */
void fr_buf_free(struct fr_buf *b);

#endif
