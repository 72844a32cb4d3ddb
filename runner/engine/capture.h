/* capture.h: pulls values out of an HTTP response into variables — JSON paths, pcre2 regexes, headers.
 *
 * A request's `capture:` entries (struct fr_capture, plan.h) run on its
 * answer once it has ended well (http.c), and in unit tests directly. JSON
 * paths are the small subset the plan language documents: `$`, `.key`,
 * `[N]` and `[*]`; a path with `[*]` yields a list variable (possibly empty),
 * any other path exactly one value. Strings are captured without quotes,
 * other JSON values as their compact JSON text. Regexes are the pcre2 patterns
 * the builder compiled (fr_capture.re), matched with the limits of
 * util/regex.h, so a pathological pattern cannot stall a worker. A
 * header capture takes the first header of that name, its value trimmed.
 */
#ifndef FR_CAPTURE_H
#define FR_CAPTURE_H

#include <stddef.h>

#include "plan/plan.h"
#include "plan/vars.h"

#define FR_CAPTURE_BODY_MAX (1024 * 1024) /* captures look at a body's first 1 MiB */

/* Applies CAP to a response (BODY of LEN bytes, HEADERS as HLEN bytes of
 * NUL-separated "Name: value" lines) into VARS. Returns 0, or -1 when
 * nothing matched, with the reason in *ERR_OUT (caller frees; ERR_OUT may
 * be NULL): "capture 'token': $.token not found in the response". */
int fr_capture_apply(const struct fr_capture *cap, const char *body, size_t len, const char *headers, size_t hlen,
                     struct fr_varstore *vars, char **err_out);

#endif
