/* strbuf.c: a growable string (see strbuf.h). */
#include "util/strbuf.h"

#include <string.h>

#include "util/xmalloc.h"

void fr_strbuf_add(struct fr_strbuf *b, const char *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void fr_strbuf_adds(struct fr_strbuf *b, const char *s)
{
	fr_strbuf_add(b, s, strlen(s));
}

char *fr_strbuf_take(struct fr_strbuf *b)
{
	char *s = b->s ? b->s : xstrdup("");
	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}
