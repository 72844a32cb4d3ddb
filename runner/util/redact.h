/* redact.h: text that must never leave the process — the values of the environment variables a plan read.
 *
 * Plans arrive in pull requests and run in CI, where the environment holds
 * secrets: a plan that writes `${env:AWS_SECRET}` where a duration belongs
 * must not get the value printed back in a diagnostic, a log line or a
 * report. The plan loader registers every value it substitutes for
 * ${env:NAME} (fr_redact_add) with the label "${env:NAME}"; everything that
 * leaves the process — diagnostics, the command line's messages, the
 * terminal summary, every report file through util/atomic_file.h — goes
 * through fr_redact, which puts the label back in place of the value, in the
 * value's own spelling and in the escaped spellings the writers use (JSON,
 * JSON inside HTML, XML, Markdown tables).
 *
 * stdout and stderr are filtered as a whole (fr_redact_std_streams), so
 * nothing printed with stdio can bypass it.
 *
 * Values shorter than FR_REDACT_MIN bytes are not registered: they cannot be
 * told from ordinary text ("1", "50", "on"), and a secret that short is no
 * secret. Nor is a value that is only a scheme and an address
 * ("http://127.0.0.1:8080", TOXIPROXY_URL's usual value): "target … is
 * unreachable" must name it, and it holds nothing secret; a URL with
 * credentials, a path or a query ("https://hooks.example/T0/B0/XXXX") is
 * registered whole. Registration is expected before any other thread runs; reading
 * is safe from any thread.
 */
#ifndef FR_REDACT_H
#define FR_REDACT_H

#include <stdio.h>

#define FR_REDACT_MIN 4

/* Registers VALUE, to be shown as LABEL (both copied); shorter values and a
 * value already registered are ignored. */
void fr_redact_add(const char *value, const char *label);

/* Whether any value is registered (nothing to do otherwise). */
int fr_redact_active(void);

/* A copy of S (LEN bytes) with every registered value replaced by its label;
 * the result's length in *LEN_OUT when not NULL. Caller frees. */
char *fr_redact_n(const char *s, size_t len, size_t *len_out);

/* A copy of the string S, redacted. Caller frees. */
char *fr_redact(const char *s);

/* URL as it may be printed: its credentials ("user:password@", "token@")
 * replaced by "***@". Caller frees. */
char *fr_redact_url(const char *url);

/* Runs FILL(out, ARG) into memory, then writes what it wrote to OUT,
 * redacted. Returns FILL's status, or -1 when the write failed. */
int fr_redact_through(FILE *out, int (*fill)(FILE *out, const void *arg), const void *arg);

/* Puts the filter in front of stdout and stderr: from then on whatever the
 * program prints through them is redacted before it reaches the file
 * descriptor (the command line, the terminal summary, the progress line).
 * stderr stays unbuffered (each call is written at once); stdout keeps its
 * buffering, and an unfinished last line is held back until it ends, the
 * program exits or FR_REDACT_HOLD_MAX bytes wait, so that a value is never
 * cut in two between writes. Call once, early in main. */
int fr_redact_std_streams(void);

#define FR_REDACT_HOLD_MAX (1u << 20)

/* Forgets every registered value (for tests). */
void fr_redact_clear(void);

#endif
