/* test-json-path.c: the one-pass JSON path scanner says what jansson says, or asks jansson.
 *
 * A reference lookup on jansson's tree (as capture.c does without the
 * scanner) judges hand-written cases and a differential run over random
 * documents and their random mutations (bytes flipped, cut, duplicated keys):
 * whenever the scanner answers (FOUND or ABSENT) it must agree with jansson
 * exactly, and it must answer for the plain cases a load plan captures.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/json_path.h"
#include "tap.h"

/* jansson's answer: 1 found (text in OUT), 0 absent, -1 not JSON. */
static int reference(const char *text, size_t len, const char *path, char *out, size_t cap)
{
	json_error_t err;
	json_t *root = json_loadb(text, len, JSON_DECODE_ANY, &err), *node;
	const char *p = path[0] == '$' ? path + 1 : path;
	int rc = 1;

	if (!root)
		return -1;
	node = root;
	while (node && *p) {
		if (*p == '.') {
			size_t n = strcspn(p + 1, ".[");
			char key[256];
			snprintf(key, sizeof(key), "%.*s", (int)n, p + 1);
			node = json_is_object(node) ? json_object_get(node, key) : NULL;
			p += 1 + n;
		} else if (*p == '[') {
			char *end;
			long i = strtol(p + 1, &end, 10);
			if (*end != ']' || !json_is_array(node) || i < 0 || (size_t)i >= json_array_size(node))
				node = NULL;
			else
				node = json_array_get(node, (size_t)i);
			p = end + 1;
		} else {
			node = NULL;
		}
	}
	if (!node) {
		rc = 0;
	} else if (json_is_string(node)) {
		snprintf(out, cap, "%s", json_string_value(node));
	} else {
		char *d = json_dumps(node, JSON_ENCODE_ANY | JSON_COMPACT);
		snprintf(out, cap, "%s", d ? d : "");
		free(d);
	}
	json_decref(root);
	return rc;
}

/* Whether the scanner agrees with jansson on TEXT and PATH (or is unsure); counts its answers. */
static int agrees(const char *text, size_t len, const char *path, int *answered)
{
	char a[1024], b[1024];
	size_t n;
	enum fr_json_path got = fr_json_path_get(text, len, path, a, sizeof(a), &n);
	int want = reference(text, len, path, b, sizeof(b));

	if (got == FR_JSON_PATH_UNSURE)
		return 1;
	(*answered)++;
	if (got == FR_JSON_PATH_ABSENT)
		return want == 0;
	return want == 1 && strcmp(a, b) == 0 && n == strlen(a);
}

/* The scanner's answer for a NUL-terminated TEXT: the value, "absent" or "unsure". */
static const char *get(const char *text, const char *path)
{
	static char out[256];
	size_t n;

	switch (fr_json_path_get(text, strlen(text), path, out, sizeof(out), &n)) {
	case FR_JSON_PATH_FOUND: return out;
	case FR_JSON_PATH_ABSENT: return "absent";
	default: return "unsure";
	}
}

static void test_cases(void)
{
	static const char doc[] =
	        " {\"id\": 42, \"token\": \"t0k\\n\\\"x\\\"\", \"a\": {\"b\": [1, {\"c\": true}, null]},"
	        " \"neg\": -7, \"e\": [], \"o\": {}} ";

	tap_is_str(get(doc, "$.id"), "42", "an integer");
	tap_is_str(get(doc, "$.token"), "t0k\n\"x\"", "a string, unescaped");
	tap_is_str(get(doc, "$.a.b[1].c"), "true", "nested keys and an index");
	tap_is_str(get(doc, "$.a.b[2]"), "null", "null");
	tap_is_str(get(doc, "$.neg"), "-7", "a negative integer");
	tap_is_str(get(doc, "$.nope"), "absent", "a missing key");
	tap_is_str(get(doc, "$.a.b[3]"), "absent", "an index past the end");
	tap_is_str(get(doc, "$.id.x"), "absent", "a key below a number");
	tap_is_str(get("{\"k\":1,\"k\":{\"z\":2}}", "$.k"), "unsure",
	           "a duplicated key's last value (an object) is jansson's");
	tap_is_str(get("{\"k\":{\"z\":2},\"k\":3}", "$.k.z"), "absent", "a later duplicate replaces the earlier one");
	tap_is_str(get(doc, "$.a"), "unsure", "an object as the value: jansson prints it");
	tap_is_str(get("{\"r\":2.5}", "$.r"), "unsure", "a real: jansson prints it");
	tap_is_str(get("{\"u\":\"\\u00e9\"}", "$.u"), "unsure", "a \\u escape: jansson decodes it");
	tap_is_str(get("{\"u\":\"é\"}", "$.u"), "unsure", "UTF-8: jansson checks it");
	tap_is_str(get("{\"big\":12345678901234567890}", "$.big"), "unsure", "an integer beyond 64 bits");
	tap_is_str(get("{\"x\":1e400,\"id\":1}", "$.id"), "unsure", "a real that overflows elsewhere in the text");
	tap_is_str(get("{\"id\":1} x", "$.id"), "unsure", "trailing garbage");
	tap_is_str(get("{\"id\":01}", "$.id"), "unsure", "a leading zero (not JSON)");
	tap_is_str(get("", "$.id"), "unsure", "an empty body");
	tap_is_str(get("{\"w\":[1,2]}", "$.w[*]"), "unsure", "[*] is jansson's");
	tap_is_str(get("\"top\"", "$"), "top", "a string at the top level");
}

/* A random document of depth at most D into B. */
static void gen(char *b, size_t *n, size_t cap, int d, unsigned *seed)
{
	static const char *const atoms[] = {
	        "1",     "-3",     "0",          "42",  "true", "false",       "null",
	        "\"a\"", "\"id\"", "\"x\\\"y\"", "2.5", "1e5",  "\"\\u0041\"", "123456789012345678901"};
	int r = (int)(rand_r(seed) % 10);

	if (*n + 64 >= cap)
		return;
	if (d <= 0 || r < 4) {
		*n += (size_t)snprintf(b + *n, cap - *n, "%s", atoms[rand_r(seed) % 14]);
		return;
	}
	int obj = r < 7, k = (int)(rand_r(seed) % 4);
	b[(*n)++] = obj ? '{' : '[';
	for (int i = 0; i < k && *n + 64 < cap; i++) {
		if (i)
			b[(*n)++] = ',';
		if (obj)
			*n += (size_t)snprintf(b + *n, cap - *n, "\"%c\":", "abid"[rand_r(seed) % 4]);
		gen(b, n, cap, d - 1, seed);
	}
	b[(*n)++] = obj ? '}' : ']';
}

static void test_differential(void)
{
	static const char *const paths[] = {"$",      "$.a",       "$.id",   "$.a.b",   "$.b[0]",  "$[1]",
	                                    "$[0].a", "$.a[2].id", "$.d[1]", "$.i.a.b", "$[0][1]", "$.a[0]"};
	unsigned seed = 12345;
	int ok = 1, answered = 0, total = 0;
	char doc[2048];

	for (int round = 0; round < 20000; round++) {
		size_t n = 0;
		gen(doc, &n, sizeof(doc), 1 + round % 5, &seed);
		int mut = (int)(rand_r(&seed) % 4);
		if (mut == 1 && n) /* flip a byte */
			doc[rand_r(&seed) % n] = "{}[]\",:0a \\"[rand_r(&seed) % 12];
		else if (mut == 2 && n) /* cut */
			n = rand_r(&seed) % n;
		for (size_t p = 0; p < sizeof(paths) / sizeof(paths[0]); p++, total++)
			if (!agrees(doc, n, paths[p], &answered)) {
				if (ok)
					printf("# disagree: %.*s  path %s\n", (int)n, doc, paths[p]);
				ok = 0;
			}
	}
	tap_ok(ok, "20,000 random documents and mutations x 12 paths: the scanner never contradicts jansson");
	printf("# the scanner answered %d of %d lookups itself\n", answered, total);
	tap_ok(answered > total / 3, "and answers a good share of them itself");
}

int main(void)
{
	test_cases();
	test_differential();
	return tap_done();
}
