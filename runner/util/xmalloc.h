/* xmalloc.h: allocation that cannot fail; out of memory ends the program.
 *
 * flowrun treats running out of memory as fatal (STYLE.md): every allocation
 * goes through these wrappers, which print one line and abort on failure.
 */
#ifndef FR_XMALLOC_H
#define FR_XMALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#endif
