/* buf.c: the capped growable buffer (see buf.h). */
#include "util/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xmalloc.h"

void fr_buf_init(struct fr_buf *b, size_t max)
{
	memset(b, 0, sizeof *b);
	b->max = max;
}

static size_t limit(const struct fr_buf *b)
{
	return b->max ? b->max : FR_BUF_MAX_DEFAULT;
}

/* Makes room for N more bytes and the NUL; -1 past the cap. */
static int reserve(struct fr_buf *b, size_t n)
{
	if (n > limit(b) - b->len) {
		b->overflow = 1;
		return -1;
	}
	size_t need = b->len + n + 1;
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	b->s = xrealloc(b->s, cap);
	b->cap = cap;
	return 0;
}

int fr_buf_add(struct fr_buf *b, const void *p, size_t n)
{
	if (reserve(b, n))
		return -1;
	if (n)
		memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

int fr_buf_adds(struct fr_buf *b, const char *s)
{
	return fr_buf_add(b, s, strlen(s));
}

int fr_buf_addc(struct fr_buf *b, char c)
{
	return fr_buf_add(b, &c, 1);
}

int fr_buf_vprintf(struct fr_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	char small[256];
	int n = vsnprintf(small, sizeof small, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return -1;
	if ((size_t)n < sizeof small)
		return fr_buf_add(b, small, (size_t)n);
	if (reserve(b, (size_t)n))
		return -1;
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int fr_buf_printf(struct fr_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = fr_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

const char *fr_buf_str(const struct fr_buf *b)
{
	return b->s ? b->s : "";
}

void fr_buf_reset(struct fr_buf *b)
{
	b->len = 0;
	b->overflow = 0;
	if (b->s)
		b->s[0] = '\0';
}

char *fr_buf_take(struct fr_buf *b)
{
	char *s = b->s ? b->s : xstrdup("");
	b->s = NULL;
	b->len = b->cap = 0;
	b->overflow = 0;
	return s;
}

void fr_buf_free(struct fr_buf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
	b->overflow = 0;
}
