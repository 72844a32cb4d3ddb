/* json_path.h: one value out of a JSON text by path, without building a tree — or "ask jansson".
 *
 * A capture `json: $.id` runs on every answer of a load request. Parsing the
 * whole answer into jansson's tree to read one field cost about 6,000
 * instructions per answer, more than the rest of the lean HTTP path. This
 * scanner validates the text in one pass and remembers where the path's
 * value is, allocating nothing. It answers only when it is sure jansson
 * (which capture.c uses otherwise) would say the same: the text is valid JSON
 * that jansson accepts and the value is absent, a string, an integer, true,
 * false or null. Anything jansson might judge or print differently — `\u`
 * escapes, bytes outside ASCII, huge numbers, reals, objects or arrays as the
 * value, `[*]` or negative indexes, nesting deeper than jansson's limit,
 * invalid text — gets FR_JSON_PATH_UNSURE, and the caller asks jansson.
 */
#ifndef FR_JSON_PATH_H
#define FR_JSON_PATH_H

#include <stddef.h>

enum fr_json_path {
	FR_JSON_PATH_FOUND,  /* the value's text is in OUT (a string unescaped, without quotes) */
	FR_JSON_PATH_ABSENT, /* the text is valid and the path leads nowhere */
	FR_JSON_PATH_UNSURE, /* ask jansson */
};

/* Looks PATH ("$.a.b[2]", the plan language's subset) up in the LEN bytes of
 * TEXT. On FOUND the value is in OUT (CAP bytes, NUL-terminated; a value
 * that does not fit makes it UNSURE) and its length in *OUT_LEN. */
enum fr_json_path fr_json_path_get(const char *text, size_t len, const char *path, char *out, size_t cap,
                                   size_t *out_len);

#endif
