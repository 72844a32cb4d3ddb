/* redact.c: the registry of secret values and their replacement in outgoing text (see redact.h). */
#include "util/redact.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/escape.h"
#include "util/xmalloc.h"

struct entry {
	char *text; /* one spelling of a value */
	size_t len;
	char *label; /* shared by the spellings of one value */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry *entries; /* longest first, so a value inside another is replaced last */
static size_t nentries;

/* Appends one character as JSON writes it inside a string (jansson's escapes); HTML: '<' too. */
static void json_char(struct fr_buf *b, unsigned char c, int html)
{
	switch (c) {
	case '"': fr_buf_adds(b, "\\\""); return;
	case '\\': fr_buf_adds(b, "\\\\"); return;
	case '\b': fr_buf_adds(b, "\\b"); return;
	case '\f': fr_buf_adds(b, "\\f"); return;
	case '\n': fr_buf_adds(b, "\\n"); return;
	case '\r': fr_buf_adds(b, "\\r"); return;
	case '\t': fr_buf_adds(b, "\\t"); return;
	}
	if (c < 0x20)
		fr_buf_printf(b, "\\u%04x", c);
	else if (html && c == '<')
		fr_buf_adds(b, "\\u003c");
	else
		fr_buf_add(b, (const char *)&c, 1);
}

/* VALUE as writer KIND spells it: 0 as is, 1 JSON, 2 XML, 3 Markdown, 4 JSON in HTML (caller frees). */
static char *spelling(const char *value, int kind)
{
	struct fr_buf b = {0};
	char one[2];
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		if (kind == 0)
			fr_buf_addc(&b, (char)*p);
		else if (kind == 1 || kind == 4)
			json_char(&b, *p, kind == 4);
		else
			fr_buf_adds(&b, kind == 2 ? fr_escape_xml(*p, one) : fr_escape_md_cell(*p, one));
	}
	return fr_buf_take(&b);
}

/* Inserts TEXT (taken) keeping the longest first; drops a spelling already
 * there. Returns whether it was inserted. */
static int insert(char *text, char *label)
{
	size_t len = strlen(text), at = 0;
	for (size_t i = 0; i < nentries; i++) {
		if (entries[i].len == len && memcmp(entries[i].text, text, len) == 0) {
			free(text);
			return 0;
		}
	}
	while (at < nentries && entries[at].len >= len)
		at++;
	entries = xreallocarray(entries, nentries + 1, sizeof *entries);
	memmove(entries + at + 1, entries + at, (nentries - at) * sizeof *entries);
	entries[at] = (struct entry){text, len, label};
	nentries++;
	return 1;
}

/* Whether VALUE is only a scheme and an address ("http://127.0.0.1:8080",
 * "http://toxiproxy:8474/"): no credentials, path or query that could hold
 * a secret, and the address is what an "unreachable" message must name. */
static int bare_address(const char *value)
{
	size_t n = strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-");
	if (n == 0 || strncmp(value + n, "://", 3) != 0)
		return 0;
	const char *host = value + n + 3;
	size_t h = strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-[]:");
	return h > 0 && (host[h] == '\0' || (host[h] == '/' && host[h + 1] == '\0'));
}

void fr_redact_add(const char *value, const char *label)
{
	if (!value || strlen(value) < FR_REDACT_MIN || bare_address(value))
		return;
	pthread_mutex_lock(&lock);
	char *l = xstrdup(label); /* kept while an entry points at it (fr_redact_clear frees it) */
	int used = 0;
	for (int kind = 0; kind <= 4; kind++)
		used |= insert(spelling(value, kind), l);
	if (!used)
		free(l);
	pthread_mutex_unlock(&lock);
}

int fr_redact_active(void)
{
	pthread_mutex_lock(&lock);
	int any = nentries > 0;
	pthread_mutex_unlock(&lock);
	return any;
}

/* The registered spelling that starts at P (LEFT bytes left), or NULL. */
static const struct entry *match(const char *p, size_t left)
{
	for (size_t i = 0; i < nentries; i++)
		if (entries[i].len <= left && memcmp(p, entries[i].text, entries[i].len) == 0)
			return &entries[i];
	return NULL;
}

char *fr_redact_n(const char *s, size_t len, size_t *len_out)
{
	struct fr_buf b = {0};
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < len;) {
		const struct entry *e = nentries ? match(s + i, len - i) : NULL;
		if (e) {
			fr_buf_adds(&b, e->label);
			i += e->len;
		} else {
			fr_buf_addc(&b, s[i++]);
		}
	}
	pthread_mutex_unlock(&lock);
	if (len_out)
		*len_out = b.len;
	return fr_buf_take(&b);
}

char *fr_redact(const char *s)
{
	return fr_redact_n(s ? s : "", s ? strlen(s) : 0, NULL);
}

char *fr_redact_url(const char *url)
{
	const char *sep = url ? strstr(url, "://") : NULL;
	if (!sep)
		return xstrdup(url ? url : "");
	const char *host = sep + 3, *end = host + strcspn(host, "/?#");
	const char *at = NULL;
	for (const char *p = host; p < end; p++)
		if (*p == '@')
			at = p;
	if (!at)
		return xstrdup(url);
	return xasprintf("%.*s***%s", (int)(host - url), url, at);
}

int fr_redact_through(FILE *out, int (*fill)(FILE *out, const void *arg), const void *arg)
{
	char *mem = NULL;
	size_t size = 0;
	FILE *m = open_memstream(&mem, &size);
	if (!m)
		return -1;
	int rc = fill(m, arg);
	if (fclose(m) != 0)
		rc = -1;
	size_t n;
	char *clean = fr_redact_n(mem ? mem : "", mem ? size : 0, &n);
	if (fwrite(clean, 1, n, out) != n)
		rc = -1;
	free(clean);
	free(mem);
	return rc;
}

/* One filtered standard stream: its file descriptor and the unfinished line held back. */
struct std_cookie {
	int fd;
	int hold; /* hold an unfinished last line back (stdout) */
	struct fr_buf tail;
};

static struct std_cookie out_cookie = {.fd = STDOUT_FILENO, .hold = 1};
static struct std_cookie err_cookie = {.fd = STDERR_FILENO};

/* Writes all of P (N bytes) to FD, redacted. */
static void write_redacted(int fd, const char *p, size_t n)
{
	size_t len;
	char *clean = fr_redact_n(p, n, &len);
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, clean + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	free(clean);
}

/* fopencookie's write: redacts what ends a line (everything when not holding back). */
static ssize_t cookie_write(void *arg, const char *buf, size_t size)
{
	struct std_cookie *k = arg;
	if (!k->hold) {
		write_redacted(k->fd, buf, size);
		return (ssize_t)size;
	}
	fr_buf_add(&k->tail, buf, size);
	const char *s = fr_buf_str(&k->tail);
	const char *nl = memrchr(s, '\n', k->tail.len);
	size_t upto = k->tail.len >= FR_REDACT_HOLD_MAX ? k->tail.len : nl ? (size_t)(nl - s) + 1 : 0;
	if (upto) {
		write_redacted(k->fd, s, upto);
		char *rest = xstrndup(s + upto, k->tail.len - upto);
		fr_buf_reset(&k->tail);
		fr_buf_adds(&k->tail, rest);
		free(rest);
	}
	return (ssize_t)size;
}

/* At exit, after every other handler: what stdout still holds, then its held-back line. */
static void flush_held(void)
{
	fflush(stdout);
	if (out_cookie.tail.len)
		write_redacted(out_cookie.fd, fr_buf_str(&out_cookie.tail), out_cookie.tail.len);
	fr_buf_free(&out_cookie.tail);
}

int fr_redact_std_streams(void)
{
	cookie_io_functions_t io = {.write = cookie_write};
	int tty = isatty(STDOUT_FILENO);
	FILE *o = fopencookie(&out_cookie, "w", io), *e = fopencookie(&err_cookie, "w", io);
	if (!o || !e) {
		if (o)
			fclose(o);
		if (e)
			fclose(e);
		return -1;
	}
	setvbuf(o, NULL, tty ? _IOLBF : _IOFBF, BUFSIZ);
	setvbuf(e, NULL, _IONBF, 0);
	fflush(stdout);
	fflush(stderr);
	stdout = o;
	stderr = e;
	atexit(flush_held);
	return 0;
}

void fr_redact_clear(void)
{
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < nentries; i++) {
		int last = 1; /* a label goes with the last entry that points at it */
		for (size_t j = i + 1; j < nentries; j++)
			last &= entries[j].label != entries[i].label;
		if (last)
			free(entries[i].label);
		free(entries[i].text);
	}
	free(entries);
	entries = NULL;
	nentries = 0;
	pthread_mutex_unlock(&lock);
}
